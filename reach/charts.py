"""Charts of a report: the all-platform total and each platform's views per bucket.

* :func:`svg` — an inline SVG for the HTML report (text drawn by the browser, so Chinese shows with
  whatever fonts the reader has; no external resources).
* :func:`write_png` — a PNG with matplotlib (imported here only, so ``reach --help`` stays fast).
  Chinese labels need a CJK font: :func:`find_cjk_font` looks for a known one among the fonts
  matplotlib sees. When none is found and the labels hold Chinese, the chart is drawn with English
  labels (a Chinese campaign name is left out of it) and a message names the font package to
  install; boxes in place of characters ("tofu") are never drawn silently.
"""

from __future__ import annotations

import html
import math
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .models import CountKind

if TYPE_CHECKING:
    from .report import Report

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "STHeiti",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans",
    "AR PL UMing CN",
    "Droid Sans Fallback",
)
FONT_ADVICE = (
    "install a Chinese font and run the command again: `sudo apt install fonts-noto-cjk` (Debian/Ubuntu), "
    "`sudo dnf install google-noto-sans-cjk-fonts` (Fedora); Windows and macOS have one already"
)
COLORS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f]")


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds Chinese (or other CJK) characters."""
    return bool(_CJK.search(text))


def _series(rep: Report) -> tuple[list[str], list[int | None], dict[str, list[int | None]]]:
    labels = [b.label for b in rep.buckets]
    total = [b.total.value for b in rep.buckets]
    platforms = {
        p.platform: [t.value if (t := b.platforms.get(p.platform)) is not None else None for b in rep.buckets]
        for p in rep.platforms
    }
    return labels, total, {k: v for k, v in platforms.items() if any(x is not None for x in v)}


def _title(rep: Report, lang: str, with_name: bool = True) -> str:
    from .render import LABELS

    lab = LABELS[lang]
    head = str(lab["chart_title"])
    return f"{rep.campaign} — {head}" if rep.campaign and with_name else head


# -- SVG (HTML report) -----------------------------------------------------------------------------


def _nice_ticks(top: int, most: int = 5) -> tuple[int, int]:
    """A round step (1, 2, 2.5 or 5 × 10ⁿ) and a number of steps (≤ ``most``) whose product covers ``top``:
    the y axis then reads 250万 / 500万 / 750万 / 1000万, not 253.36万 / 506.73万."""
    if top <= 0:
        return 1, 1
    base = 10 ** max(0, len(str(max(1, top // most))) - 1)
    for factor in (1, 2, 2.5, 5, 10, 20, 25, 50):
        step = int(base * factor)
        if step * most >= top:
            return step, max(1, math.ceil(top / step))
    return base * 100, max(1, math.ceil(top / (base * 100)))  # pragma: no cover - the loop always covers


def svg(rep: Report, width: int = 860, height: int = 360) -> str:
    """The chart as an SVG element (empty string when the report has no buckets). All text escaped."""
    from .render import display
    from .report import _platform_name

    if not rep.buckets:
        return ""
    labels, total, platforms = _series(rep)
    lang = rep.lang
    left, right, top, bottom = 90, 170, 20, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    tick, ticks = _nice_ticks(max([v for v in total if v is not None] or [0]))
    top_value = tick * ticks
    n = len(labels)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: int) -> float:
        return top + plot_h - plot_h * v / top_value

    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{html.escape(_title(rep, lang))}">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#ccc"/>',
    ]
    for k in range(ticks + 1):
        v = tick * k
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eee"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{html.escape(display(v, lang=lang))}</text>"
        )
    label_w = 7 * max(len(label) for label in labels) + 12  # px at font-size 11, with a gap
    step = max(1, math.ceil(n / max(1, plot_w // label_w + 1)))
    for i in range(0, n, step):
        parts.append(
            f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="11">'
            f"{html.escape(labels[i])}</text>"
        )
    series: list[tuple[str, list[int | None], str, float]] = [(_title(rep, lang, with_name=False), total, "#222", 3.0)]
    for i, (platform, values) in enumerate(platforms.items()):
        series.append((_platform_name(platform, lang), values, COLORS[i % len(COLORS)], 1.5))
    for j, (name, values, color, stroke) in enumerate(series):
        drawn = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        points = " ".join(f"{px:.1f},{py:.1f}" for px, py in drawn)
        if len(drawn) == 1:  # one value: a line of one point draws nothing, so a dot
            parts.append(
                f'<circle cx="{drawn[0][0]:.1f}" cy="{drawn[0][1]:.1f}" r="{stroke + 1.5}" fill="{color}">'
                f"<title>{html.escape(name)}</title></circle>"
            )
        elif points:
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="{stroke}" points="{points}">'
                f"<title>{html.escape(name)}</title></polyline>"
            )
        ly = top + 14 + 18 * j
        parts.append(
            f'<line x1="{left + plot_w + 12}" x2="{left + plot_w + 32}" y1="{ly - 4}" y2="{ly - 4}" '
            f'stroke="{color}" stroke-width="{stroke}"/>'
            f'<text x="{left + plot_w + 38}" y="{ly}" font-size="12">{html.escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# -- PNG (matplotlib) ------------------------------------------------------------------------------


def find_cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use, or ``None``."""
    try:
        from matplotlib import font_manager
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return None
    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in names:
            return name
    for name in sorted(names):
        if any(part in name for part in ("CJK", "Han Sans", "Han Serif", "WenQuanYi", "YaHei")):
            return name
    return None


def write_png(rep: Report, path: Path, font: str | None = None, dpi: int = 120) -> list[str]:
    """Draw the campaign total and per-platform lines to ``path`` (PNG).

    Args:
        font: a font family to use for Chinese (default: :func:`find_cjk_font`).

    Returns:
        Messages for the user: the missing-font advice when Chinese labels had to fall back to English.

    Raises:
        InputError: nothing to draw (no snapshots yet), matplotlib missing, or the file cannot be written.
    """
    from .render import LABELS, display
    from .report import _platform_name

    if not rep.buckets:
        raise InputError("nothing to draw: no snapshots yet (run `reach collect` first)")
    try:
        import matplotlib
        from matplotlib.figure import Figure
        from matplotlib.ticker import FuncFormatter, MaxNLocator
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        raise InputError("PNG charts need matplotlib: pip install matplotlib") from None
    messages: list[str] = []
    lang = rep.lang
    labels, total, platforms = _series(rep)
    texts = [_title(rep, lang), *(_platform_name(p, lang) for p in platforms), *labels, str(LABELS[lang]["views"])]
    if lang == "zh":
        texts.append(display(max([v for v in total if v is not None] or [0]), lang=lang))
    with_name = True
    if any(has_cjk(t) for t in texts):
        font = font or find_cjk_font()
        if font is None:
            lang = "en"
            with_name = not (rep.campaign and has_cjk(rep.campaign))
            messages.append(
                "no Chinese font found for the chart: it is drawn with English labels"
                + (" and without the campaign name" if not with_name else "")
                + "; "
                + FONT_ADVICE
            )
    lab = LABELS[lang]
    rc: Any = {"axes.unicode_minus": False, "text.parse_math": False}  # "$" in a name is text, not TeX
    if font is not None:
        rc["font.family"] = "sans-serif"
        rc["font.sans-serif"] = [font, "DejaVu Sans"]
    with warnings.catch_warnings(record=True) as caught, matplotlib.rc_context(rc):
        warnings.simplefilter("always")
        fig = Figure(figsize=(10, 5.2), dpi=dpi, layout="constrained")
        ax = fig.subplots()
        xs = list(range(len(labels)))
        _plot(ax, xs, total, str(lab["total"]), "#222222", 2.6)
        for i, (platform, values) in enumerate(platforms.items()):
            _plot(ax, xs, values, _platform_name(platform, lang), COLORS[i % len(COLORS)], 1.4)
        latest = rep.buckets[-1].total
        shown = display(latest.value, latest.kind, lang)
        ax.set_title(f"{_title(rep, lang, with_name)}  {shown}", loc="left", fontsize=13)
        ax.set_ylabel(str(lab["views"]))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: display(int(v), lang=lang) if v >= 0 else ""))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True))
        ax.xaxis.set_major_formatter(
            FuncFormatter(lambda v, _pos: labels[int(v)] if 0 <= int(v) < len(labels) and v == int(v) else "")
        )
        ax.set_ylim(bottom=0)
        ax.grid(True, color="#e5e5e5")
        ax.legend(loc="upper left", fontsize=9, frameon=False)
        if latest.kind is not CountKind.EXACT:
            fig.text(0.01, 0.005, _marker_note(lang, latest.kind), fontsize=8, color="#666666")
        try:
            fig.savefig(path, format="png")
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    for warning in caught:
        messages.append(f"chart: {warning.message}")
    return messages


def _plot(ax: Any, xs: Sequence[int], values: Sequence[int | None], name: str, color: str, width: float) -> None:
    pts = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
    if pts:
        ax.plot([p[0] for p in pts], [p[1] for p in pts], label=name, color=color, linewidth=width, marker=".")


def _marker_note(lang: str, kind: CountKind) -> str:
    if kind is CountKind.LOWER_BOUND:
        return "≥ 含“10万+”这类下限" if lang == "zh" else "≥ includes lower bounds such as '100K+'"
    return "≈ 含平台四舍五入的数字" if lang == "zh" else "≈ includes platform-rounded numbers"
