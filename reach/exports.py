"""Report files staff hand on: XLSX workbooks, self-contained HTML pages, and :func:`save_report`,
which picks the format from the file's suffix (CSV, JSON and JSONL come from
:class:`reach.report.Report`, the PNG chart from :mod:`reach.charts`).

XLSX (openpyxl): sheets 汇总/Summary, 每日/Daily (one row per bucket; 每周 … for other bucket sizes),
作品/Posts and 分平台/Platforms. Numbers are numeric cells with a thousands separator; a rounded or
lower-bound value keeps ``≈`` / ``≥`` through its number format (the cell stays a number) and a
precision column beside it; ids are text cells; header rows are frozen; column widths count Chinese
characters as two; the summary holds a native line chart of the campaign total and the platforms.

HTML: one file, no external resources (styles inline, the chart an inline SVG), ``lang`` and UTF-8
declared, every title, author, link and note escaped.
"""

from __future__ import annotations

import html
import os
import tempfile
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .errors import InputError
from .models import CountKind

if TYPE_CHECKING:
    from .report import Column, Report

SUFFIXES = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".png": "png",
    ".txt": "table",
}
FORMATS = ("table", "csv", "json", "jsonl", "xlsx", "html", "png")
CHART_ROWS = 20  # rows of the summary sheet the line chart covers (9 cm high)


def format_for(path: Path) -> str:
    """The report format a file name asks for (``周报.xlsx`` -> ``xlsx``)."""
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(SUFFIXES))
        raise InputError(
            f"cannot tell the format from {path.name!r}: end the name with one of {known}, or give --format"
        )
    return fmt


def save_report(rep: Report, path: Path, fmt: str | None = None, table: str = "buckets") -> list[str]:
    """Write ``rep`` to ``path``; returns messages for the user (e.g. the chart's font advice).

    A name whose suffix is another format's (``--format csv -o 周报.xlsx``) is refused: Excel would
    not open a CSV called .xlsx. An unknown suffix is fine with an explicit ``fmt``.
    """
    named = SUFFIXES.get(path.suffix.lower())
    fmt = fmt or format_for(path)
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if named is not None and named != fmt:
        raise InputError(
            f"{path.name!r} names a {path.suffix.lower()} file but the format is {fmt}: "
            f"end the name with .{'txt' if fmt == 'table' else fmt}, or leave --format out"
        )
    if path.exists() and not path.is_file():  # /dev/stdout and the like: written as they are
        return _write(rep, path, fmt, table)
    try:
        # A private temporary file (mkstemp: 0600 whatever the umask) beside the target, renamed over
        # it when complete: report files are private to the user until they choose to share them
        # (copy, or chmod), and a failed write leaves an earlier file with that name untouched.
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem[:40]}.", suffix=path.suffix)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    temp = Path(name)
    try:
        messages = _write(rep, temp, fmt, table, shown=path)
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return messages


def _write(rep: Report, path: Path, fmt: str, table: str, shown: Path | None = None) -> list[str]:
    """Write ``rep`` in ``fmt`` to ``path`` (``shown``: the name to use in messages)."""
    try:
        if fmt == "xlsx":
            write_xlsx(rep, path)
        elif fmt == "png":
            from .charts import write_png

            return write_png(rep, path)
        elif fmt == "table":
            from rich.console import Console

            from .report import render_table

            with path.open("w", encoding="utf-8") as fh:
                render_table(rep, Console(file=fh, width=160))
        else:
            text = {
                "csv": lambda: rep.to_csv(table),
                "json": lambda: rep.to_json() + "\n",
                "jsonl": lambda: rep.to_jsonl(table),
                "html": lambda: to_html(rep),
            }[fmt]()
            path.write_text(text, encoding="utf-8", newline="")
    except InputError as exc:
        if shown is None:
            raise
        raise InputError(str(exc).replace(str(path), str(shown))) from None
    except OSError as exc:
        raise InputError(f"cannot write {shown or path}: {exc.strerror or exc}") from None
    return []


# -- XLSX ------------------------------------------------------------------------------------------


def _fmt(kind: CountKind | None, signed: bool = False) -> str:
    mark = {CountKind.APPROXIMATE: '"≈"', CountKind.LOWER_BOUND: '"≥"'}.get(kind or CountKind.EXACT, "")
    if signed:
        return f"{mark}+#,##0;{mark}-#,##0;{mark}0"
    return f"{mark}#,##0"


def _width(value: Any, number_format: str) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return len(f"{value:,}") + 2
    if isinstance(value, float):
        return 8
    if isinstance(value, datetime):
        return 16
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


EXCEL_MAX_EXACT = 10**15
"""Integers from this size on are written to XLSX as text: Excel shows only 15 significant digits."""


def _put(ws: Any, row: int, col: int, value: Any, number_format: str | None = None) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]

    from .render import FORMULA_STARTS

    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= EXCEL_MAX_EXACT:
        # Excel keeps 15 significant digits: a larger count as a number would show wrong digits
        value, number_format = str(value), "@"
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text, never a formula ("=HYPERLINK(...)" in a title stays text)
        if value.lstrip(" ")[:1] in FORMULA_STARTS:
            cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    if number_format:
        cell.number_format = number_format
    return cell


def _write_table(
    ws: Any, rep: Report, columns: list[Column], rows: list[list[Any]], first_row: int = 1
) -> dict[int, int]:
    """Write a typed report table at ``first_row``; returns column widths (index -> chars)."""
    from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]

    from .render import LABELS, MARKS, cut_pct
    from .report import Pct, pct_value

    lab = LABELS[rep.lang]
    zone = ZoneInfo(rep.timezone)
    widths: dict[int, int] = {}
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for j, col in enumerate(columns, start=1):
        cell = _put(ws, first_row, j, col.label)
        cell.font, cell.fill = bold, fill
        widths[j] = _width(col.label, "")
    for i, row in enumerate(rows, start=first_row + 1):
        for j, (col, value) in enumerate(zip(columns, row, strict=True), start=1):
            fmt: str | None = None
            out: Any = value
            if value is None:
                out = None
            elif col.kind == "count":
                out, fmt = value.value, _fmt(value.kind, signed=col.key == "increase")
            elif col.kind == "int":
                fmt = "#,##0"
            elif col.kind == "pct":
                mark = MARKS.get(value.kind, "") if isinstance(value, Pct) else ""
                out = cut_pct(pct_value(value)) / 100  # Excel's 0.0% would round 99.99% up to 100.0%
                fmt = f'"{mark}"0.0%;"{mark}−"0.0%' if mark else '0.0%;"−"0.0%'  # minus as counts have it
            elif col.kind == "precision":
                out = lab["kinds"][value.value]
            elif col.kind == "time":
                out, fmt = value.astimezone(zone).replace(tzinfo=None), "yyyy-mm-dd hh:mm"
            elif col.kind == "id":
                fmt = "@"
            if out is not None:
                _put(ws, i, j, out, fmt)
                widths[j] = max(widths[j], _width(out, fmt or ""))
    return widths


def _set_widths(ws: Any, widths: dict[int, int]) -> None:
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    for j, w in widths.items():
        ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, 8), 60)


def write_xlsx(rep: Report, path: Path) -> None:
    """Write the workbook (see the module docstring)."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.chart import LineChart, Reference  # type: ignore[import-untyped]
    from openpyxl.styles import Font

    from .render import LABELS, cut_pct
    from .report import comparison_text, local_time, milestone_lines, projection_text

    lab = LABELS[rep.lang]
    wb = Workbook()
    summary = wb.active
    summary.title = lab["sheets"]["summary"]
    daily = wb.create_sheet(lab["bucket_sheet"][rep.by])
    posts = wb.create_sheet(lab["sheets"]["posts"])
    platforms = wb.create_sheet(lab["sheets"]["platforms"])

    # the per-bucket, per-post and per-platform sheets
    columns, rows = rep.table("buckets")
    _set_widths(daily, _write_table(daily, rep, columns, rows))
    daily.freeze_panes = "B2"
    pcols, prows = rep.table("posts")
    widths = _write_table(posts, rep, pcols, prows)
    widths[1] = min(widths.get(1, 10), 40)
    _set_widths(posts, widths)
    posts.freeze_panes = "B2"
    fcols, frows = rep.table("platforms")
    _set_widths(platforms, _write_table(platforms, rep, fcols, frows))
    platforms.freeze_panes = "A2"

    # the summary: key figures, then the platform table, milestones, notes
    name = rep.campaign or lab["all_posts"]
    title = _put(summary, 1, 1, f"{name} — {lab['report']} ({lab['by'][rep.by]})")
    title.font = Font(bold=True, size=14)
    latest = rep.latest
    first, last = (rep.buckets[0].label, rep.buckets[-1].label) if rep.buckets else ("—", "—")
    facts: list[tuple[str, Any, str | None]] = [
        (lab["campaign"], name, None),
        *([(lab["description"], rep.description, None)] if rep.description else []),
        *([(lab["starts_on"], rep.starts_on.isoformat(), None)] if rep.starts_on else []),
        (lab["period"], f"{first} … {last}", None),
        (lab["timezone"], rep.zone_caption(), None),
        (lab["generated"], local_time(rep.generated_at, rep.timezone), None),
    ]
    if latest is not None and latest.total.value is not None:
        facts.append((lab["total"], latest.total.value, _fmt(latest.total.kind)))
        facts.append((lab["precision"], lab["kinds"][latest.total.kind.value], None))
        if latest.increase is not None:
            label = lab["daily_increase"] if rep.by == "day" else lab["increase"]
            facts.append((f"{label} ({latest.label})", latest.increase, _fmt(latest.increase_kind, signed=True)))
    if rep.target_views:
        facts.append((lab["target"], rep.target_views, "#,##0"))
    if rep.projection is not None:
        mark = {CountKind.APPROXIMATE: '"≈"', CountKind.LOWER_BOUND: '"≥"'}.get(rep.projection.current_kind, "")
        facts.append((lab["progress"], cut_pct(rep.projection.pct / 100) / 100, f"{mark}0.0%"))  # floored, as shown
        facts.append((lab["projection"], projection_text(rep), None))
    if rep.comparison is not None:
        facts.append((lab["comparison"], comparison_text(rep), None))
    r = 3
    for label, value, fmt in facts:
        _put(summary, r, 1, label).font = Font(bold=True)
        if value is not None:
            _put(summary, r, 2, value, fmt)
        r += 1
    r += 1
    if rep.milestones:
        _put(summary, r, 1, lab["milestones"]).font = Font(bold=True)
        for line in milestone_lines(rep):
            r += 1
            _put(summary, r, 1, line)
        r += 2
    chart_row = r
    if rep.buckets:
        r += CHART_ROWS  # the chart goes here, above the platform table
    _put(summary, r, 1, lab["by_platform"]).font = Font(bold=True)
    _write_table(summary, rep, fcols, frows, first_row=r + 1)
    r += len(frows) + 3
    for note in [*rep.notes, lab["legend"], lab["age_legend"]]:
        _put(summary, r, 1, note)
        r += 1
    if rep.projection is not None:
        _put(summary, r, 1, lab["projection_method"])
    summary.column_dimensions["A"].width = 22
    summary.column_dimensions["B"].width = 18
    for letter in "CDEFGHI":
        summary.column_dimensions[letter].width = 12
    summary.freeze_panes = "A2"

    if rep.buckets:
        chart = LineChart()
        chart.title = f"{name} — {lab['chart_title']}"
        chart.y_axis.title = lab["views"]
        chart.x_axis.title = lab["bucket"][rep.by]
        chart.y_axis.number_format = "#,##0"
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.height, chart.width = 9, 22
        n = len(rep.buckets)
        chart.add_data(Reference(daily, min_col=2, min_row=1, max_row=n + 1), titles_from_data=True)
        for j, col in enumerate(columns, start=1):
            if col.key.startswith("views_") and col.key != "views_kind":
                chart.add_data(Reference(daily, min_col=j, min_row=1, max_row=n + 1), titles_from_data=True)
        chart.set_categories(Reference(daily, min_col=1, min_row=2, max_row=n + 1))
        chart.series[0].graphicalProperties.line.width = 38100  # the total: a thick line (3 pt)
        summary.add_chart(chart, f"A{chart_row}")
    try:
        wb.save(path)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


# -- HTML ------------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
margin:2em;color:#222;max-width:1200px}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.3em .6em;white-space:nowrap}th{background:#eef3f8;text-align:left}
.wide{overflow-x:auto}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.meta,.note{color:#666;font-size:.85em}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}
dt{font-weight:bold}
"""


def _cell_html(rep: Report, col: Column, value: Any) -> tuple[str, bool]:
    """(escaped text, is a number) of one table cell."""
    from .render import LABELS, MARKS, display, pct_text
    from .report import Pct, pct_value

    if value is None:
        return ("—" if col.kind == "count" else ""), col.kind == "count"
    if col.kind == "count":
        return html.escape(display(value.value, value.kind, rep.lang, signed=col.key == "increase")), True
    if col.kind == "int":
        return f"{value:,}", True
    if col.kind == "pct":
        mark = MARKS.get(value.kind, "") if isinstance(value, Pct) else ""
        return html.escape(mark) + pct_text(pct_value(value)), True
    if col.kind == "precision":
        return html.escape(str(LABELS[rep.lang]["kinds"][value.value])), False
    if col.kind == "time":
        return value.astimezone(ZoneInfo(rep.timezone)).strftime("%Y-%m-%d %H:%M"), False
    return html.escape(str(value)), False


def _table_html(rep: Report, columns: list[Column], rows: list[list[Any]], skip: tuple[str, ...] = ()) -> str:
    keep = [i for i, c in enumerate(columns) if c.key not in skip]
    head = "".join(f"<th>{html.escape(columns[i].label)}</th>" for i in keep)
    body = []
    for row in rows:
        cells = []
        for i in keep:
            text, number = _cell_html(rep, columns[i], row[i])
            cells.append(f'<td class="n">{text}</td>' if number else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return '<div class="wide">' + f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


def to_html(rep: Report) -> str:
    """The report as one self-contained HTML page (see the module docstring)."""
    from .charts import svg
    from .render import LABELS, display
    from .report import comparison_text, local_time, milestone_lines, projection_text

    lab = LABELS[rep.lang]
    e = html.escape
    name = rep.campaign or lab["all_posts"]
    title = f"{name} — {lab['report']} ({lab['by'][rep.by]})"
    facts: list[tuple[str, str]] = []
    if rep.description:
        facts.append((lab["description"], rep.description))
    if rep.starts_on:
        facts.append((lab["starts_on"], rep.starts_on.isoformat()))
    latest = rep.latest
    if latest is not None:
        facts.append((lab["total"], display(latest.total.value, latest.total.kind, rep.lang) + f" ({latest.label})"))
        if latest.increase is not None:
            label = lab["daily_increase"] if rep.by == "day" else lab["increase"]
            facts.append((label, display(latest.increase, latest.increase_kind, rep.lang, signed=True)))
    if (text := projection_text(rep)) is not None:
        facts.append((lab["projection"], text))
    if (text := comparison_text(rep)) is not None:
        facts.append((lab["comparison"], text))
    for line in milestone_lines(rep):
        facts.append((lab["milestone"], line))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if rep.lang == "zh" else "en"}">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="meta">{e(lab["timezone"])}: {e(rep.zone_caption())} · '
        f"{e(lab['generated'])}: {e(local_time(rep.generated_at, rep.timezone))}</p>",
        "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts) + "</dl>",
    ]
    chart = svg(rep)
    if chart:
        parts.append(f"<figure>{chart}</figure>")
    columns, rows = rep.table("buckets")
    parts += [f"<h2>{e(lab['total'])}</h2>", _table_html(rep, columns, rows)]
    columns, rows = rep.table("platforms")
    parts += [f"<h2>{e(lab['by_platform'])}</h2>", _table_html(rep, columns, rows)]
    columns, rows = rep.table("posts")
    parts += [
        f"<h2>{e(lab['post'])}</h2>",
        _table_html(rep, columns, rows, skip=("post_id",)),
    ]
    notes = [*rep.notes, lab["legend"], lab["age_legend"]]
    if rep.projection is not None:
        notes.append(lab["projection_method"])
    parts += [f'<p class="note">{e(str(n))}</p>' for n in notes]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
