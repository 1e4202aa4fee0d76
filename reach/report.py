"""Growth reports: all-platform totals per bucket, increases, growth, per-platform and per-post values.

The maths runs in DuckDB SQL over the ``snapshots`` table:

* **Buckets** (hour, day, week starting Monday) are cut in the report's time zone (DST-safe: the
  boundaries are computed with :mod:`zoneinfo` and passed to SQL as UTC instants).
* **Carry forward.** A post's value at a bucket is its newest snapshot taken before the bucket's
  end among snapshots that *show* the counter: a platform that stops showing a counter is not a
  drop to 0. A value older than the bucket's start is counted as ``stale``. (The queries are in
  :mod:`reach.series`: one grouped pass over the snapshots, then windows over posts x buckets; at
  the same instant the snapshot with the larger ``snapshot_id`` is the newer, as in the timeline.)
* **Totals** add the posts' values. Any approximate input makes the total approximate (shown
  ``≈``); any lower bound makes it a lower bound (shown ``≥``). ``granularity`` of a total is the sum
  of its parts' granularities: how far rounding alone could move it.
* **Decreases** are kept as observed (a platform correcting its count, removing fake plays, a
  re-upload): the increase includes them, and each bucket names the posts that went down
  (``Bucket.decreased_posts``, a report note), so a smaller or negative increase is never unexplained.
* **Increase** of a bucket is the sum, over posts seen in both this and the previous bucket, of
  their change; a post first seen in this bucket counts in ``new_posts`` (its views are in the
  total, not in the increase). A change between rounded values smaller than the rounding is not
  growth: it counts as 0; so is a lower bound ("10万+") at or below the previous value. Any increase
  involving a rounded or lower-bound value is marked approximate (≈).
* **One timeline, several sources.** A post can have public snapshots (a collector's ``source``,
  e.g. ``douyin@1``) and owner snapshots (``manual`` from ``reach record``, ``import:…`` from
  ``reach import``: the numbers the account owner sees in the creator centre). Per post and counter,
  at each moment exactly one value is used, so a post with both is never counted twice:

  1. the newest owner value observed so far, when there is one;
  2. unless a public value observed *after* it proves more: its lowest possible value ("1.3万" can
     be as low as 12,500; "10万+" is at least 100,000) is above the owner's number; then that
     public value (so growth seen publicly after the last import still counts);
  3. with no owner value, the newest public value.

  Owner numbers are exact and include what platforms hide (Douyin plays, WeChat Channels views,
  Official Account reads); public ones are often rounded. :func:`reach.store.prefer_public` is
  the rule; the SQL below applies the same rule. Reports show which part of a total is owner data
  (``owner`` of each :class:`Bucket`) and the source of each post's values (``PostLine.sources``).
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from . import days, insights, series
from .config import check_timezone
from .errors import InputError
from .insights import AgeValue, Comparison, Milestone, Projection
from .models import METRIC_NAMES, Count, CountKind, Metrics, weakest_kind
from .render import (  # the rendering helpers every output shares
    LABELS,
    MARKS,
    PLATFORM_NAMES,
    _short,
    cut_fraction,
    cut_pct,
    display,
    display_goal,
    make_table,
    pct_text,
    safe_cell,
)
from .store import LatestValues, PostRow, Store, from_epoch_us, is_owner_source, utcnow
from .times import BEIJING_ZONES

BUCKETS = ("hour", "day", "week", "month")
MAX_BUCKETS = 5000


@dataclass(frozen=True)
class Total:
    """A sum of counts with its precision.

    Attributes:
        value: the sum (``None`` when no post showed this counter).
        kind: exact, approximate (some part was rounded) or lower_bound (some part was "10万+").
        granularity: how far the platforms' rounding alone could move the sum.
        posts: how many posts contributed a value.
    """

    value: int | None
    kind: CountKind = CountKind.EXACT
    granularity: int = 0
    posts: int = 0
    low: int | None = field(default=None, compare=False, repr=False)
    """The sum of the parts' lowest possible values (:attr:`Count.low`), when known (:meth:`floor`)."""

    @classmethod
    def of(cls, counts: Sequence[Count | None]) -> Total:
        """The sum of counts. With a lower bound ("10万+") among them the sum is a floor (≥), and the
        rounded parts count at their lowest possible value (:attr:`Count.low`): a floor is never
        above what the counts prove."""
        shown = [c for c in counts if c is not None and c.value is not None]
        if not shown:
            return cls(None)
        gran = sum(c.granularity for c in shown if c.kind is CountKind.APPROXIMATE)
        kind = weakest_kind(c.kind for c in shown)
        low = sum(c.low or 0 for c in shown)
        value = low if kind is CountKind.LOWER_BOUND else sum(c.value for c in shown if c.value is not None)
        return cls(value, kind, gran, len(shown), low)

    @classmethod
    def combine(cls, parts: Sequence[Total]) -> Total:
        """The sum of several totals (e.g. the platforms of one bucket); a floor (≥) when a part is
        one, its rounded parts then counted at their lowest (:meth:`floor`)."""
        shown = [t for t in parts if t.value is not None]
        if not shown:
            return cls(None)
        kind = weakest_kind(t.kind for t in shown)
        low = sum(t.floor() for t in shown)
        return cls(
            low if kind is CountKind.LOWER_BOUND else sum(t.value or 0 for t in shown),
            kind,
            sum(t.granularity for t in shown),
            sum(t.posts for t in shown),
            low,
        )

    def floor(self) -> int:
        """The smallest value this total can stand for: the sum of its parts' lowest values
        (:attr:`Count.low`) when known, else a rounded total less half its summed granularity (never
        below 0); an exact total or a floor as it is."""
        if self.low is not None:
            return self.low
        value = self.value or 0
        if self.kind is CountKind.APPROXIMATE:
            return max(0, value - self.granularity // 2)
        return value

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """``{"value", "kind", "granularity", "posts", "display"}``; ``kind`` is ``None`` when the
        value is unknown (an unknown number has no precision); ``display`` is in ``lang``."""
        return {
            "value": self.value,
            "kind": None if self.value is None else self.kind.value,
            "granularity": self.granularity,
            "posts": self.posts,
            "display": display(self.value, self.kind, lang),
        }


@dataclass(frozen=True)
class Pct:
    """A percentage cell with its precision (the growth column): ``value`` is a fraction (0.125)."""

    value: float
    kind: CountKind = CountKind.EXACT


def pct_value(value: float | Pct) -> float:
    """The fraction of a percentage cell (a plain float or a :class:`Pct`)."""
    return value.value if isinstance(value, Pct) else value


@dataclass(frozen=True)
class Bucket:
    """One row of the growth table."""

    label: str
    start: datetime
    end: datetime
    total: Total
    increase: int | None
    increase_kind: CountKind
    growth_pct: float | None
    new_posts: int
    stale_posts: int
    platforms: dict[str, Total]
    owner: Total = Total(None)
    """The part of ``total`` that is owner data (``reach record`` / ``reach import``)."""
    decreased_posts: int = 0
    """Posts whose views went down since the previous bucket, beyond rounding (kept as observed)."""
    decrease: int = 0
    """The sum of those drops (zero or negative); ``increase`` already includes it."""
    decreased_keys: tuple[str, ...] = ()
    decrease_kind: CountKind | None = CountKind.EXACT
    """Precision of ``decrease`` (``None``: unknown, a lower bound on the earlier side)."""
    growth_kind: CountKind = CountKind.EXACT
    """Precision of ``growth_pct``: ≈ when the increase or the bucket before is rounded, ≥ when the
    increase is a floor over an exact bucket before; growth is unknown (``None``) when the bucket
    before holds a floor (the real growth could be smaller) or a floor meets rounded values."""


@dataclass(frozen=True)
class PostLine:
    post_key: str
    platform: str
    post_id: str
    title: str | None
    author: str | None
    url: str | None
    published_at: datetime | None
    last_collected_at: datetime | None
    metrics: dict[str, Count | None]
    sources: dict[str, str] = field(default_factory=dict)
    """Counter name -> ``source`` of its value: ``manual``, ``import:…`` (owner data) or a collector."""

    def owner_reported(self, metric: str = "views") -> bool:
        """Whether this counter's value is owner data (manual entry or import)."""
        return is_owner_source(self.sources.get(metric))


@dataclass(frozen=True)
class PlatformLine:
    platform: str
    posts: int
    totals: dict[str, Total]


@dataclass
class Report:
    """A growth report, ready to render (``to_json``, ``to_csv``, :func:`render_table`)."""

    campaign: str | None
    by: str
    timezone: str
    generated_at: datetime
    buckets: list[Bucket]
    platforms: list[PlatformLine]
    posts: list[PostLine]
    target_views: int | None = None
    lang: str = "en"
    notes: list[str] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    """Thresholds the campaign total has reached, with when (see :mod:`reach.insights`)."""
    projection: Projection | None = None
    """When ``target_views`` would be reached at the recent pace (``None``: no target or no data)."""
    comparison: Comparison | None = None
    """The last complete bucket's increase against the one before (this week vs last week)."""
    ages: dict[str, dict[str, AgeValue | None]] = field(default_factory=dict)
    """post_key -> {"24h"|"72h"|"7d": views at that age of the post, or None}."""
    description: str | None = None
    starts_on: date | None = None

    @property
    def latest(self) -> Bucket | None:
        return self.buckets[-1] if self.buckets else None

    def utc_offset(self) -> str:
        offset = self.generated_at.astimezone(ZoneInfo(self.timezone)).strftime("%z")
        return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"

    def zone_caption(self) -> str:
        """The time zone as printed under a report: ``Asia/Shanghai (UTC+08:00)``; in Chinese the
        zones of China read ``北京时间 (Asia/Shanghai, UTC+08:00)``."""
        if self.lang == "zh" and self.timezone in BEIJING_ZONES:
            return f"北京时间 ({self.timezone}, {self.utc_offset()})"
        return f"{self.timezone} ({self.utc_offset()})"

    def to_dict(self) -> dict[str, Any]:
        lang = self.lang
        data: dict[str, Any] = {
            "campaign": self.campaign,
            "by": self.by,
            "timezone": self.timezone,
            "generated_at": _iso(self.generated_at),
            "target_views": self.target_views,
            "totals": [
                {
                    "bucket": b.label,
                    "start": b.start.isoformat(),
                    "end": b.end.isoformat(),
                    "views": b.total.to_dict(lang),
                    "increase": {
                        "value": b.increase,
                        "kind": None if b.increase is None else b.increase_kind.value,
                        "display": display(b.increase, b.increase_kind, lang, signed=True),
                    },
                    "growth_pct": None if b.growth_pct is None else round(cut_pct(b.growth_pct, 2) / 100, 6),
                    "growth_pct_kind": None if b.growth_pct is None else b.growth_kind.value,
                    "new_posts": b.new_posts if i > 0 else None,
                    "stale_posts": b.stale_posts,
                    "owner_views": b.owner.to_dict(lang),
                    "decreased_posts": b.decreased_posts,
                    "decrease": b.decrease,
                    "platforms": {p: t.to_dict(lang) for p, t in sorted(b.platforms.items())},
                }
                for i, b in enumerate(self.buckets)
            ],
            "platforms": [
                {"platform": p.platform, "posts": p.posts, **{m: t.to_dict(lang) for m, t in p.totals.items()}}
                for p in self.platforms
            ],
            "posts": [
                {
                    "post_key": p.post_key,
                    "platform": p.platform,
                    "post_id": p.post_id,
                    "title": p.title,
                    "author": p.author,
                    "url": p.url,
                    "published_at": _iso(p.published_at),
                    "last_collected_at": _iso(p.last_collected_at),
                    "metrics": {m: _count_dict(c) for m, c in p.metrics.items()},
                    "sources": dict(p.sources),
                }
                for p in self.posts
            ],
            "notes": list(self.notes),
        }
        shares = self.platform_shares()
        for entry in data["platforms"]:
            entry["share"] = None if (sh := shares.get(entry["platform"])) is None else round(cut_pct(sh, 2) / 100, 6)
        for entry in data["posts"]:
            entry["at_age"] = {
                age: None if v is None else {"value": v.value, "kind": v.kind.value, "interpolated": v.interpolated}
                for age, v in self.ages.get(entry["post_key"], {}).items()
            }
        data.update(_insights_dict(self))
        return data

    def platform_shares(self) -> dict[str, float | None]:
        """Each platform's share of the all-platform views (0..1; ``None`` when unknown)."""
        total = sum(p.totals["views"].value or 0 for p in self.platforms)
        return {
            p.platform: (
                cut_fraction(p.totals["views"].value, total) if total and p.totals["views"].value is not None else None
            )
            for p in self.platforms
        }

    def top_posts(self, n: int = 5) -> list[tuple[PostLine, float | None]]:
        """The ``n`` posts with the most views, each with its share of all posts' views."""
        shown: list[tuple[PostLine, int]] = []
        for line in self.posts:
            count = line.metrics["views"]
            if count is not None and count.value is not None:
                shown.append((line, count.value))
        total = sum(v for _, v in shown)
        shown.sort(key=lambda pair: (-pair[1], pair[0].post_key))
        return [(line, cut_fraction(v, total) if total else None) for line, v in shown[:n]]

    def table(self, name: str = "buckets", machine: bool = False) -> tuple[list[Column], list[list[Any]]]:
        """One of the report's tables, typed for renderers: ``buckets``, ``platforms`` or ``posts``.

        Count cells are :class:`Total` (value + precision) or ``None``; ``time`` cells are UTC
        datetimes; ``pct`` cells fractions (0.125 = 12.5%). Column labels are in the report's
        language; so are the ``platform`` and ``views_source`` cells unless ``machine`` is true:
        then they are the stable keys (``douyin``; ``public`` / ``manual`` / ``import``) whatever
        the language, as JSONL, CSV, :attr:`rows`, ``to_pandas`` and ``to_arrow`` need.
        """
        if name == "buckets":
            return _bucket_table(self)
        if name == "platforms":
            return _platform_table(self, machine)
        if name == "posts":
            return _post_table(self, machine)
        raise InputError(f"unknown table {name!r}: use buckets, platforms or posts")

    def table_rows(self, name: str = "buckets") -> list[dict[str, Any]]:
        """A table as plain dicts (machine keys; counts as ints, precision as ``exact``/...;
        ``platform`` and ``views_source`` as stable keys): the same values whatever the language.

        A count column holding a rounded or lower-bound value has a ``<key>_kind`` key beside it
        (:func:`with_precision`), so a plain number never loses its ≈ / ≥.
        """
        columns, rows = with_precision(*self.table(name, machine=True), lang=self.lang)
        out = []
        for row in rows:
            out.append({c.key: _plain(c, v) for c, v in zip(columns, row, strict=True)})
        if name == "buckets":
            for rec, b in zip(out, self.buckets, strict=True):
                rec["start"], rec["end"] = b.start, b.end
        return out

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The growth table (one dict per bucket): ``bucket, views, views_kind, increase, growth_pct,
        new_posts, stale_posts, owner_views, decreased_posts, increase_kind, views_<platform>...,
        start, end``. :meth:`table_rows` gives the ``platforms`` and ``posts`` tables."""
        return self.table_rows("buckets")

    def to_pandas(self, table: str = "buckets") -> Any:
        """A table as a ``pandas.DataFrame`` (needs pandas: ``pip install pandas``)."""
        try:
            pd = importlib.import_module("pandas")
        except ImportError:
            raise InputError("Report.to_pandas needs pandas: pip install pandas") from None
        return pd.DataFrame(self.table_rows(table))

    def to_arrow(self, table: str = "buckets") -> Any:
        """A table as a ``pyarrow.Table`` (needs pyarrow: ``pip install pyarrow``)."""
        try:
            pa = importlib.import_module("pyarrow")
        except ImportError:
            raise InputError("Report.to_arrow needs pyarrow: pip install pyarrow") from None
        return pa.Table.from_pylist(self.table_rows(table))

    def to_jsonl(self, table: str = "buckets") -> str:
        """A table as JSON lines, one object per row (times in ISO 8601 UTC)."""
        lines = []
        for rec in self.table_rows(table):
            clean = {k: _iso(v) if isinstance(v, datetime) else v for k, v in rec.items()}
            lines.append(json.dumps(clean, ensure_ascii=False) + "\n")
        return "".join(lines)

    def save(self, path: str | Path, fmt: str | None = None, table: str = "buckets") -> list[str]:
        """Write the report to ``path`` in ``fmt`` (default: from the suffix: .csv .json .jsonl
        .xlsx .html .png .txt). Returns messages for the user (e.g. no Chinese font for the chart).

        Raises:
            InputError: unknown format or suffix, or the file cannot be written.
        """
        from .exports import save_report

        return save_report(self, Path(path), fmt, table=table)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_csv(self, table: str = "buckets") -> str:
        """A table as CSV: UTF-8 with BOM (Excel shows Chinese), localized headers, numbers as plain
        digits with a precision column beside them, text cells made formula-safe (:func:`safe_cell`).
        Values do not depend on the language (precision ``exact`` / ``approximate`` / ``lower_bound``,
        source ``public`` / ``manual`` / ``import``, platform keys such as ``douyin``): only headers do.

        Ids are written as ``platform:id`` (``douyin:7400000000000000001``): text Excel keeps intact.
        A bare all-digit id column is left out on purpose: Excel would turn a 19-digit id into
        ``7.4E+18`` and lose digits. ``post_id`` is in the JSON, JSONL and XLSX (as a text cell).
        """
        columns, rows = with_precision(*self.table(table, machine=True), lang=self.lang)
        keep = [i for i, c in enumerate(columns) if c.key != "post_id"]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow([columns[i].label + (" %" if columns[i].kind == "pct" else "") for i in keep])
        zone = ZoneInfo(self.timezone)
        for row in rows:
            out: list[Any] = []
            for i in keep:
                col, value = columns[i], row[i]
                if value is None:
                    out.append("")
                elif col.kind == "count":
                    out.append("" if value.value is None else value.value)
                elif col.kind == "pct":
                    out.append(f"{cut_pct(pct_value(value), 2):.2f}")
                elif col.kind == "precision":
                    out.append(value.value)
                elif col.kind == "time":
                    out.append(value.astimezone(zone).strftime("%Y-%m-%d %H:%M"))
                else:
                    out.append(safe_cell(value))
            writer.writerow(out)
        return "\ufeff" + buf.getvalue()


@dataclass(frozen=True)
class Column:
    """A column of a report table: machine ``key``, localized ``label``, cell ``kind``
    (``text``, ``id``, ``count`` (a :class:`Total`), ``int``, ``pct``, ``precision`` (a
    :class:`CountKind`), ``time`` (UTC datetime))."""

    key: str
    label: str
    kind: str = "text"


def with_precision(
    columns: list[Column], rows: list[list[Any]], lang: str = "en"
) -> tuple[list[Column], list[list[Any]]]:
    """The table with a precision column beside every count column that has no precision column of
    its own (``views_douyin`` -> ``views_douyin_kind``), whatever the values: the columns of a CSV
    do not change with the data (a script reading them keeps working). Outputs that write counts
    as plain numbers (CSV, JSONL, ``rows``) use it, so the marker survives there too; XLSX and HTML
    carry it in each cell."""
    keys = {c.key for c in columns}
    picks: list[tuple[int, bool]] = []
    out_columns: list[Column] = []
    for i, col in enumerate(columns):
        picks.append((i, False))
        out_columns.append(col)
        if col.kind != "count" or f"{col.key}_kind" in keys:
            continue
        picks.append((i, True))
        out_columns.append(Column(f"{col.key}_kind", f"{col.label} {LABELS[lang]['precision']}", "precision"))
    out_rows = [
        [(None if r[i] is None or r[i].value is None else r[i].kind) if kind else r[i] for i, kind in picks]
        for r in rows
    ]
    return out_columns, out_rows


def _plain(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "count":
        return value.value
    if column.kind == "precision":
        return value.value
    if isinstance(value, Pct):
        return value.value
    return value


def _bucket_table(rep: Report) -> tuple[list[Column], list[list[Any]]]:
    lab = LABELS[rep.lang]
    platforms = [p.platform for p in rep.platforms]
    columns = [
        Column("bucket", lab["bucket"][rep.by]),
        Column("views", lab["total"], "count"),
        Column("views_kind", lab["precision"], "precision"),
        Column("increase", lab["increase"], "count"),
        Column("growth_pct", lab["growth"], "pct"),
        Column("growth_pct_kind", f"{lab['growth']} {lab['precision']}", "precision"),
        Column("new_posts", lab["new_posts"], "int"),
        Column("stale_posts", lab["stale"], "int"),
        Column("owner_views", lab["owner"], "count"),
        Column("decreased_posts", lab["decreased"], "int"),
        Column("increase_kind", f"{lab['increase']} {lab['precision']}", "precision"),
        *(Column(f"views_{p}", f"{_platform_name(p, rep.lang)} {lab['views']}", "count") for p in platforms),
    ]
    rows = [
        [
            b.label,
            b.total if b.total.value is not None else None,
            b.total.kind if b.total.value is not None else None,
            None if b.increase is None else Total(b.increase, b.increase_kind),
            None if b.growth_pct is None else Pct(b.growth_pct, b.growth_kind),
            None if b.growth_pct is None else b.growth_kind,
            b.new_posts if i > 0 else None,  # no bucket before the first: new posts unknown
            b.stale_posts,
            b.owner if b.owner.value is not None else None,
            b.decreased_posts,
            None if b.increase is None else b.increase_kind,
            *(t if (t := b.platforms.get(p)) is not None and t.value is not None else None for p in platforms),
        ]
        for i, b in enumerate(rep.buckets)
    ]
    return columns, rows


def _platform_table(rep: Report, machine: bool = False) -> tuple[list[Column], list[list[Any]]]:
    lab = LABELS[rep.lang]
    shares = rep.platform_shares()
    columns = [
        Column("platform", lab["platform"]),
        Column("posts", lab["posts"], "int"),
        *(Column(m, lab[m], "count") for m in METRIC_NAMES),
        Column("views_kind", f"{lab['views']} {lab['precision']}", "precision"),
        Column("share", lab["share"], "pct"),
    ]
    rows = [
        [
            p.platform if machine else _platform_name(p.platform, rep.lang),
            p.posts,
            *(t if (t := p.totals[m]).value is not None else None for m in METRIC_NAMES),
            p.totals["views"].kind if p.totals["views"].value is not None else None,
            shares.get(p.platform),
        ]
        for p in rep.platforms
    ]
    return columns, rows


def _post_table(rep: Report, machine: bool = False) -> tuple[list[Column], list[list[Any]]]:
    lab = LABELS[rep.lang]
    inexact = [
        m
        for m in METRIC_NAMES
        if m == "views" or any((c := p.metrics[m]) is not None and c.kind is not CountKind.EXACT for p in rep.posts)
    ]
    columns = [
        Column("title", lab["title"]),
        Column("platform", lab["platform"]),
        Column("post_key", lab["post_key"], "id"),
        Column("post_id", lab["post_id"], "id"),
        Column("author", lab["author"]),
        Column("url", lab["link"]),
        Column("published_at", lab["published"], "time"),
        *(Column(m, lab[m], "count") for m in METRIC_NAMES),
        *(Column(f"{m}_kind", f"{lab[m]} {lab['precision']}", "precision") for m in inexact),
        Column("views_source", _joined(rep.lang, lab["source"], f"({lab['views']})")),
        *(
            Column(
                f"views_{age}", _joined(rep.lang, lab["ages"][age], lab["views"], f"({lab['interpolated']})"), "count"
            )
            for age in ("24h", "72h", "7d")
        ),
        Column("last_collected_at", lab["collected"], "time"),
    ]

    def views(line: PostLine) -> int:
        c = line.metrics["views"]
        return c.value if c is not None and c.value is not None else -1

    rows = []
    for line in sorted(rep.posts, key=lambda x: (-views(x), x.post_key)):
        at_age = rep.ages.get(line.post_key, {})
        src = line.sources.get("views")
        rows.append(
            [
                line.title,
                line.platform if machine else _platform_name(line.platform, rep.lang),
                line.post_key,
                line.post_id,
                line.author,
                line.url,
                line.published_at,
                *(
                    Total(c.value, c.kind, c.granularity) if (c := line.metrics[m]) and c.value is not None else None
                    for m in METRIC_NAMES
                ),
                *(c.kind if (c := line.metrics[m]) and c.value is not None else None for m in inexact),
                (source_class(src) if machine else source_label(src, rep.lang)) or None,
                *(
                    Total(
                        a.value,
                        a.kind if a.kind is not CountKind.EXACT or not a.interpolated else CountKind.APPROXIMATE,
                    )
                    if (a := at_age.get(age)) is not None
                    else None
                    for age in ("24h", "72h", "7d")
                ),
                line.last_collected_at,
            ]
        )
    return columns, rows


def _insights_dict(rep: Report) -> dict[str, Any]:
    lang = rep.lang
    proj = rep.projection
    comp = rep.comparison
    return {
        "description": rep.description,
        "starts_on": rep.starts_on.isoformat() if rep.starts_on else None,
        "milestones": [
            {
                "threshold": m.threshold,
                "at": _iso(m.at),
                "after": _iso(m.after),
                "by": _iso(m.by),
                "how": m.how,
                "bucket": m.bucket,
                "kind": m.kind.value,
            }
            for m in rep.milestones
        ],
        "projection": None
        if proj is None
        else {
            "target": proj.target,
            "current": proj.current,
            "current_kind": proj.current_kind.value,
            "progress_pct": cut_pct(proj.pct / 100, 2),
            "status": proj.status,
            "method": LABELS["en"]["projection_method"],
            "window_start": _iso(proj.window_start),
            "window_end": _iso(proj.window_end),
            "per_day": None if proj.per_day is None else round(proj.per_day, 1),
            "per_day_kind": None if proj.per_day is None else proj.per_day_kind.value,
            "eta": _iso(proj.eta),
            "reached_at": None if proj.reached_at is None else _iso(proj.reached_at.at),
            "text": projection_text(rep),
        },
        "comparison": None
        if comp is None
        else {
            "current": comp.current,
            "previous": comp.previous,
            "current_increase": comp.current_increase,
            "previous_increase": comp.previous_increase,
            "kind": comp.kind.value,
            "change": comp.change,
            "change_pct": None if comp.change_pct is None else round(cut_pct(comp.change_pct, 2) / 100, 6),
            "text": comparison_text(rep),
        },
        "top_posts": [
            {
                "post_key": line.post_key,
                "title": line.title,
                "views": line.metrics["views"].value if line.metrics["views"] else None,
                "display": display(line.metrics["views"].value, line.metrics["views"].kind, lang)
                if line.metrics["views"]
                else "—",
                "share": None if share is None else round(cut_pct(share, 2) / 100, 6),
            }
            for line, share in rep.top_posts()
        ],
    }


def local_time(moment: datetime | None, tz: str) -> str:
    """A UTC moment as ``YYYY-MM-DD HH:MM`` in the report's zone (``—`` for none)."""
    return "—" if moment is None else moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


MILESTONE_KIND_EN = {CountKind.APPROXIMATE: "rounded (≈)", CountKind.LOWER_BOUND: "a floor (≥)"}


def milestone_lines(rep: Report) -> list[str]:
    """One sentence per milestone reached, in the report's language."""
    lab = LABELS[rep.lang]
    out = []
    for m in rep.milestones:
        bucket = m.bucket or lab["before_range"]
        when = local_time(m.at, rep.timezone)
        if m.how == "between":  # no minute is claimed: after one snapshot, at or before the next
            after, by = local_time(m.after, rep.timezone), local_time(m.by, rep.timezone)
            when = f"{after} 至 {by} 之间" if rep.lang == "zh" else f"between {after} and {by}"
        # the threshold is a plain number; the precision of the total that passed it is said beside it
        how = lab["how"][m.how]
        shown = display_goal(m.threshold, rep.lang)
        if rep.lang == "zh":
            how += "" if m.kind is CountKind.EXACT else f"，总量为{lab['kinds'][m.kind.value]}"
            out.append(f"{shown}：{when}（{how}；{lab['first_bucket']} {bucket}）")
        else:
            how += "" if m.kind is CountKind.EXACT else f", the total {MILESTONE_KIND_EN[m.kind]}"
            out.append(f"{shown}: {when} ({how}; bucket {bucket})")
    return out


def projection_text(rep: Report) -> str | None:
    """The projection as one sentence (target, progress, pace, when), or ``None``."""
    proj = rep.projection
    if proj is None:
        return None
    lab, lang = LABELS[rep.lang], rep.lang
    head = (
        f"{lab['target']} {display_goal(proj.target, lang)} · {lab['progress']} "
        f"{MARKS.get(proj.current_kind, '')}{pct_text(proj.pct / 100)} · "
    )
    status = str(lab["projection_status"][proj.status])
    if proj.status == "reached":
        when = f" {local_time(proj.reached_at.at, rep.timezone)}" if proj.reached_at else ""
        return head + status + when
    if proj.status in ("not_enough_data", "unknown_pace"):
        return head + status
    if proj.status == "gap":
        return head + status.format(since=local_time(proj.window_start, rep.timezone))
    if proj.status == "stale":
        return head + status.format(since=local_time(proj.window_end, rep.timezone))
    pace = f"{lab['per_day']} {display(math.floor(proj.per_day or 0), proj.per_day_kind, lang, signed=True)}"
    if proj.status == "on_pace" and proj.eta is not None:
        return f"{head}{pace} · {status} {local_time(proj.eta, rep.timezone)[:10]}"
    return f"{head}{pace} · {status}"


def comparison_text(rep: Report) -> str | None:
    """The period comparison as one sentence, or ``None``."""
    comp = rep.comparison
    if comp is None:
        return None
    lab, lang = LABELS[rep.lang], rep.lang
    pct = "" if comp.change_pct is None else f" ({pct_text(comp.change_pct, signed=True)})"  # floored, one minus sign
    return (
        f"{comp.current} {display(comp.current_increase, comp.kind, lang, signed=True)} {lab['vs']} "
        f"{comp.previous} {display(comp.previous_increase, comp.kind, lang, signed=True)} · "
        f"{lab['change']} {display(comp.change, comp.kind, lang, signed=True)}{pct}"
    )


def _count_dict(count: Count | None) -> dict[str, Any] | None:
    """:meth:`Count.to_dict` for reports: ``kind`` is ``None`` when the value is unknown."""
    if count is None:
        return None
    out = count.to_dict()
    if count.value is None:
        out["kind"] = None
    return out


def source_class(source: str | None) -> str | None:
    """A snapshot source's class, a stable key: ``public``, ``manual`` or ``import``
    (``import:douyin_creator:x.xlsx`` → ``import``); ``None`` for none."""
    if source is None:
        return None
    if source == "manual":
        return "manual"
    if source.startswith("import:"):
        return "import"
    return "public"


def source_label(source: str | None, lang: str) -> str:
    """A snapshot source for people: public / manual / import (``import:douyin_creator:x.xlsx`` → import)."""
    cls = source_class(source)
    return "" if cls is None else str(LABELS[lang]["sources"][cls])


def _joined(lang: str, *words: str) -> str:
    """Words of a header: run together in Chinese (``24小时播放量(插值)``), spaced in English
    (``24h Views (interpolated)``)."""
    return ("" if lang == "zh" else " ").join(words)


def _platform_name(platform: str, lang: str) -> str:
    return PLATFORM_NAMES.get(lang, {}).get(platform, platform)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def bucket_floor(moment: datetime, by: str, zone: ZoneInfo) -> datetime:
    """The local start of the bucket that holds ``moment``."""
    local = moment.astimezone(zone)
    if by == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    if by == "month":
        return datetime(local.year, local.month, 1, tzinfo=zone)
    day = datetime(local.year, local.month, local.day, tzinfo=zone)
    if by == "week":
        day -= timedelta(days=day.weekday())
    return day


def bucket_next(start: datetime, by: str, zone: ZoneInfo) -> datetime:
    """The start of the bucket after the one starting at ``start`` (wall-clock steps, DST-safe)."""
    if by == "hour":
        return (start.astimezone(timezone.utc) + timedelta(hours=1)).astimezone(zone)
    if by == "month":
        year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        return datetime(year, month, 1, tzinfo=zone)
    step = 7 if by == "week" else 1
    d = start.date() + timedelta(days=step)
    return datetime(d.year, d.month, d.day, tzinfo=zone)


def bucket_label(start: datetime, by: str) -> str:
    if by == "hour":
        label = start.strftime("%Y-%m-%d %H:00")
        if start.tzinfo is not None and start.replace(fold=1 - start.fold).utcoffset() != start.utcoffset():
            # the clocks go back: this wall-clock hour happens twice; the offset tells them apart
            offset = start.strftime("%z")
            label += f" (UTC{offset[:3]}:{offset[3:]})"
        return label
    if by == "week":
        iso = start.isocalendar()
        return f"{iso[0]}-W{iso[1]:02d} ({start.strftime('%m-%d')})"
    if by == "month":
        return start.strftime("%Y-%m")
    return start.strftime("%Y-%m-%d")


def build_report(
    store: Store,
    campaign: str | None = None,
    by: str = "day",
    tz: str = "UTC",
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    lang: str = "en",
    now: datetime | None = None,
    milestones: Sequence[int] | None = None,
) -> Report:
    """Compute the growth report of a campaign (or of every tracked post when ``campaign`` is None).

    Args:
        by: ``"hour"``, ``"day"``, ``"week"`` or ``"month"``.
        tz: IANA time zone of the buckets and printed times.
        since / until: first and last day (local dates) or instants to show.
        milestones: view counts to date (default 10万, 100万, 1000万, 1亿).

    Besides the table, the report holds milestones, the projection to the campaign's
    ``target_views``, views at post age 24h/72h/7d and the period comparison (:mod:`reach.insights`).

    Raises:
        InputError: unknown bucket size, bad range; ``NotFound``: unknown campaign;
        ``ConfigError``: unknown time zone.
    """
    if by not in BUCKETS:
        raise InputError(f"unknown bucket {by!r}: use one of {', '.join(BUCKETS)}")
    zone = check_timezone(tz)
    now = now or utcnow()
    row = store.campaign(campaign) if campaign is not None else None
    target = row.target_views if row is not None else None
    if milestones is not None and any(m <= 0 for m in milestones):
        raise InputError("milestones must be positive numbers of views")
    name = row.name if row is not None else None
    posts = _report_posts(store, name)
    # buckets of a day or more read the day table (reach.days), brought up to date first
    day_table = by != "hour" and days.refresh(store, zone)
    # the campaign's posts are selected in SQL: a long list of keys as a parameter is slow in DuckDB 1.5
    span: Any
    if day_table:
        row_us = store.con.execute(
            f"""SELECT min(tmin), max(t1), min(tmin) FILTER (WHERE hv) FROM {days.TABLE}
                WHERE zone = ? AND (?::VARCHAR IS NULL
                                    OR post_key IN (SELECT post_key FROM campaign_posts WHERE campaign = ?))""",
            [zone.key, name, name],
        ).fetchone()
        span = row_us and tuple(None if us is None else from_epoch_us(us) for us in row_us)
    else:
        span = store.con.execute(
            """SELECT min(collected_at), max(collected_at), min(collected_at) FILTER (WHERE views IS NOT NULL)
               FROM snapshots
               WHERE ?::VARCHAR IS NULL OR post_key IN (SELECT post_key FROM campaign_posts WHERE campaign = ?)""",
            [name, name],
        ).fetchone()
    report = Report(campaign, by, tz, now, [], [], [], target, lang)
    if row is not None:
        report.campaign = row.name
        report.description, report.starts_on = row.description, row.starts_on
    if since is not None and until is not None and _to_local(until, zone, end=True) < _to_local(since, zone):
        raise InputError("the report range ends before it starts: check --since and --until")
    if not span or span[0] is None:
        report.posts = _post_lines(posts, {})
        report.platforms = _platform_lines(report.posts)
        report.notes.append(LABELS[lang]["no_data"])
        return report
    first = _to_local(since, zone) if since is not None else span[0]
    last = _to_local(until, zone, end=True) if until is not None else span[1]
    if last < first:
        raise InputError("no snapshots in the chosen range: check --since and --until")
    starts = [bucket_floor(first, by, zone)]
    while True:
        nxt = bucket_next(starts[-1], by, zone)
        if nxt > last:
            break
        starts.append(nxt)
        if len(starts) > MAX_BUCKETS:
            raise InputError(f"more than {MAX_BUCKETS} {by} buckets: choose a larger --by or a shorter range")
    ends = [bucket_next(s, by, zone) for s in starts]
    # the maths runs in DuckDB (reach.series): only a few rows per bucket and per post come back
    with series.Series(store.con, name, starts, ends, span[2], zone if day_table else None) as ser:
        report.buckets = _buckets(ser, starts, ends, by)
        # per-post and per-platform values as of the end of the last bucket shown, not of today
        report.posts = _post_lines(posts, ser.latest_values())
        report.platforms = _platform_lines(report.posts)
        report.milestones = ser.milestones(
            insights.DEFAULT_MILESTONES if milestones is None else milestones,
            [(b.label, b.total.value) for b in report.buckets],
            range_start=starts[0].astimezone(timezone.utc),
            bucket_starts=[s.astimezone(timezone.utc) for s in starts],
        )
        report.projection = ser.projection(target, now)
        report.ages = ser.ages({line.post_key: line.published_at for line in report.posts})
    report.comparison = insights.comparison(report.buckets, now)
    titles = {line.post_key: line.title for line in report.posts if line.title}
    for b in report.buckets:
        if b.decreased_posts:  # a title may be shortened; a post key never (it is how the post is found)
            named = "、".join(_short(titles[k]) if k in titles else k for k in b.decreased_keys[:3])
            more = "" if len(b.decreased_keys) <= 3 else (" …" if lang == "zh" else " ...")
            unknown = "amount unknown" if lang == "en" else "数量未知"
            amount = unknown if b.decrease_kind is None else display(b.decrease, b.decrease_kind, lang, signed=True)
            report.notes.append(
                f"{b.label}: views of {b.decreased_posts} post(s) went down ({amount}): {named}{more}; kept as "
                "observed (a platform correction, removed fake views or a re-upload?); the increase includes the drop"
                if lang == "en"
                else f"{b.label}：{b.decreased_posts} 个作品的播放量下降（{amount}）：{named}{more}；"
                "按平台显示的数值保留（可能是平台修正、清理异常播放或重新上传），增量已计入该下降"
            )
    stale = report.latest.stale_posts if report.latest else 0
    if stale:
        report.notes.append(
            f"{stale} post(s) had no new snapshot in the last bucket: their newest value is carried forward"
            if lang == "en"
            else f"{stale} 个作品在最后一个时段没有新数据，沿用最近一次的数值"
        )
    return report


def _to_local(value: date | datetime, zone: ZoneInfo, end: bool = False) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    moment = datetime(value.year, value.month, value.day, tzinfo=zone)
    return moment + timedelta(days=1) - timedelta(microseconds=1) if end else moment


def _buckets(ser: series.Series, starts: list[datetime], ends: list[datetime], by: str) -> list[Bucket]:
    """The growth table from :meth:`reach.series.Series.bucket_rows` (one row per bucket and platform)."""
    per: dict[int, list[tuple[Any, ...]]] = {}
    for row in ser.bucket_rows():
        per.setdefault(row[0], []).append(row)
    out: list[Bucket] = []
    for idx, (start, end) in enumerate(zip(starts, ends, strict=True)):
        group = per.get(idx, [])
        platforms: dict[str, Total] = {}
        parts: list[Total] = []
        inc_total: int | None = None
        inc_bits = dec_bits = 0
        base = 0
        new = stale = 0
        owner_parts: list[Total] = []
        decreased = decrease = 0
        decreased_keys: list[str] = []
        for row in group:
            _, platform, vsum, vcount, approx, lower, gran, inc, inc_apx, pbase, is_new, st = row[:12]
            osum, ocount, oapprox, olower, ogran, ndec, dec, dec_keys, dbits, vcut, ocut = row[12:23]
            vlow, olow = vsum - vcut if vcount else None, osum - ocut if ocount else None  # Total.of's rule
            if lower:  # a floor: its rounded parts at their lowest
                vsum = vlow
            if olower:
                osum = olow
            dec_bits |= int(dbits)
            decreased += int(ndec)
            decrease += int(dec)
            decreased_keys.extend(dec_keys)
            total = Total(None if vcount == 0 else int(vsum), _kind(approx, lower), int(gran), int(vcount), vlow)
            platforms[platform] = total
            parts.append(total)
            owner_parts.append(
                Total(None if ocount == 0 else int(osum), _kind(oapprox, olower), int(ogran), ocount, olow)
            )
            if inc is not None:
                inc_total = (inc_total or 0) + int(inc)
                base += int(pbase or 0)
            inc_bits |= int(inc_apx)
            new += int(is_new)
            st_n = int(st)
            stale += st_n
        total = Total.combine(parts)
        inc_kind = _bits_kind(inc_bits)
        # no post observed in the bucket (every value carried forward), or parts whose difference has
        # no honest precision (insights.difference_kind): the increase is unknown, not 0
        if idx == 0 or inc_kind is None or all(row[-1] is None for row in group):
            inc_total = None
        growth = cut_fraction(inc_total, base) if inc_total is not None and base > 0 else None
        growth_kind = _growth_kind(inc_kind, out[-1].total.kind if out else CountKind.EXACT)
        if growth_kind is None:
            growth = None
        out.append(
            Bucket(
                label=bucket_label(start, by),
                start=start,
                end=end,
                total=total,
                increase=inc_total,
                increase_kind=inc_kind or CountKind.EXACT,
                growth_pct=growth,
                new_posts=new,
                stale_posts=stale,
                platforms=platforms,
                owner=Total.combine(owner_parts),
                decreased_posts=decreased if idx > 0 else 0,
                decrease=decrease if idx > 0 else 0,
                decreased_keys=tuple(sorted(decreased_keys)) if idx > 0 else (),
                decrease_kind=_bits_kind(dec_bits),
                growth_kind=growth_kind or CountKind.EXACT,
            )
        )
    return out


def _growth_kind(increase: CountKind | None, before: CountKind) -> CountKind | None:
    """The precision of ``increase / total before`` (:attr:`Bucket.growth_kind`; ``None``: unknown)."""
    if increase is None or before is CountKind.LOWER_BOUND:
        return None
    if increase is CountKind.LOWER_BOUND:
        return CountKind.LOWER_BOUND if before is CountKind.EXACT else None
    return weakest_kind((increase, before))


def _bits_kind(bits: int) -> CountKind | None:
    """The precision of a sum of differences from the bits of its parts' precisions (1 exact, 2 ≈,
    4 ≥, 8 unknown): :func:`reach.insights.sum_kind` (``None``: unknown)."""
    return insights.bits_kind(bits)


def _kind(approximate: bool, lower_bound: bool) -> CountKind:
    return CountKind.LOWER_BOUND if lower_bound else CountKind.APPROXIMATE if approximate else CountKind.EXACT


def _report_posts(store: Store, campaign: str | None) -> list[PostRow]:
    """The report's posts, oldest first: :meth:`Store.posts` without the current values (which
    :func:`_post_lines` reads as of the report's end, once)."""
    # times as microseconds: a datetime made by the driver costs more than the rest of the row
    rows = store.con.execute(
        """SELECT post_key, platform, post_id, url, title, author, epoch_us(published_at), epoch_us(added_at), active
           FROM posts
           WHERE ?::VARCHAR IS NULL OR post_key IN (SELECT post_key FROM campaign_posts WHERE campaign = ?)
           ORDER BY added_at, post_key""",
        [campaign, campaign],
    ).fetchall()
    out = []
    for key, platform, post_id, url, title, author, published, added, active in rows:
        published_at = None if published is None else from_epoch_us(published)
        out.append(
            PostRow(
                key,
                platform,
                post_id,
                url,
                title,
                author,
                published_at,
                from_epoch_us(added),
                bool(active),
                (),
                None,
                Metrics(),
            )
        )
    return out


def _post_lines(posts: list[PostRow], latest: dict[str, LatestValues]) -> list[PostLine]:
    """Each post with, per counter, its value as of the end of the report's last bucket (``latest``:
    :meth:`reach.series.Series.latest_values`), chosen between owner and public data by the source rule."""
    lines = []
    for post in posts:
        values = latest.get(post.post_key)
        lines.append(
            PostLine(
                post.post_key,
                post.platform,
                post.post_id,
                post.title,
                post.author,
                post.url,
                post.published_at,
                values.last_collected_at if values else None,
                {m: values.metrics.get(m) if values else None for m in METRIC_NAMES},
                dict(values.sources) if values else {},
            )
        )
    return lines


def _platform_lines(posts: list[PostLine]) -> list[PlatformLine]:
    by_platform: dict[str, list[PostLine]] = {}
    for p in posts:
        by_platform.setdefault(p.platform, []).append(p)
    lines = [
        PlatformLine(platform, len(plist), {m: Total.of([p.metrics[m] for p in plist]) for m in METRIC_NAMES})
        for platform, plist in by_platform.items()
    ]
    return sorted(lines, key=lambda line: -(line.totals["views"].value or 0))


# -- rendering ---------------------------------------------------------------------------------


def render_table(report: Report, console: Any) -> None:
    """Print the report as rich tables on ``console`` (a ``rich.console.Console``).

    Growth per bucket, then per platform, then per post (largest first). Numbers are never cut:
    on a narrow screen titles are shortened instead. Carried-forward values are counted in the
    "stale" column.
    """
    from rich.markup import escape

    lab = LABELS[report.lang]
    lang = report.lang
    zone = ZoneInfo(report.timezone)
    name = report.campaign or lab["all_posts"]
    console.print(
        f"[bold]{escape(name)}[/bold] — {lab['report']} ({lab['by'][report.by]}) · "
        f"{lab['timezone']}: {report.zone_caption()}"
    )
    if report.projection is not None:
        console.print(f"{lab['projection']}: {escape(projection_text(report) or '')}")
    elif report.target_views and report.latest and report.latest.total.value is not None:
        progress = pct_text(cut_fraction(report.latest.total.value, report.target_views))
        target_text = display_goal(report.target_views, lang)
        mark = MARKS.get(report.latest.total.kind, "")
        console.print(("目标" if lang == "zh" else "Target") + f": {target_text} · {mark}{progress}")
    has_owner = any(b.owner.value is not None for b in report.buckets)
    if report.buckets:
        rows = [
            [
                b.label,
                display(b.total.value, b.total.kind, lang),
                display(b.increase, b.increase_kind, lang, signed=True) if i > 0 else "",  # — unknown
                "" if b.growth_pct is None else MARKS.get(b.growth_kind, "") + pct_text(b.growth_pct, signed=True),
                str(b.new_posts) if i > 0 else "",  # the same cells as CSV / XLSX / HTML
                str(b.stale_posts),
                *(
                    [display(b.owner.value, b.owner.kind, lang) if b.owner.value is not None else ""]
                    if has_owner
                    else []
                ),
            ]
            for i, b in enumerate(report.buckets)
        ]
        headers = [
            lab["bucket"][report.by],
            lab["total"],
            lab["daily_increase"] if report.by == "day" else lab["increase"],
            lab["growth"],
            lab["new_posts"],
            lab["stale"],
            *([lab["owner"]] if has_owner else []),
        ]
        console.print(
            make_table(
                lab["total"], headers, rows, width=console.width, droppable=(5, 3, 4, 6) if has_owner else (5, 3, 4)
            )
        )
    if report.comparison is not None:
        console.print(f"{lab['comparison']}: {escape(comparison_text(report) or '')}")
    for sentence in milestone_lines(report):
        console.print(f"{lab['milestone']} {escape(sentence)}")
    shares = report.platform_shares()
    rows = []
    for p in report.platforms:
        share = shares.get(p.platform)
        rows.append(
            [
                _platform_name(p.platform, lang),
                str(p.posts),
                *(display(p.totals[m].value, p.totals[m].kind, lang) for m in METRIC_NAMES),
                pct_text(share) if share else "",
            ]
        )
    headers = [lab["platform"], lab["posts"], *(lab[m] for m in METRIC_NAMES), lab["share"]]
    console.print(make_table(lab["by_platform"], headers, rows, width=console.width, droppable=(7, 6, 5, 1)))
    rows = []
    any_owner = any(is_owner_source(src) for line in report.posts for src in line.sources.values())
    for line in sorted(report.posts, key=lambda x: -((x.metrics["views"] or Count(0)).value or 0)):
        when = line.last_collected_at.astimezone(zone).strftime("%m-%d %H:%M") if line.last_collected_at else "—"
        rows.append(
            [
                line.title or line.post_key,
                _platform_name(line.platform, lang),
                *(display(c.value, c.kind, lang) if (c := line.metrics[m]) else "—" for m in METRIC_NAMES),
                when,
                *([source_label(line.sources.get("views"), lang)] if any_owner else []),
            ]
        )
    headers = [
        lab["title"],
        lab["platform"],
        *(lab[m] for m in METRIC_NAMES),
        lab["collected"],
        *([_joined(lang, lab["source"], f"({lab['views']})")] if any_owner else []),
    ]
    console.print(
        make_table(
            lab["post"],
            headers,
            rows,
            text_columns=2,
            width=console.width,
            droppable=(7, 6, 5, 8, 1) if any_owner else (7, 6, 5, 1),
        )
    )
    for note in report.notes:
        console.print(f"[dim]{escape(note)}[/dim]")
    console.print(f"[dim]{escape(lab['legend'])}[/dim]")
    if report.projection is not None and report.projection.status in ("on_pace", "not_at_this_pace"):
        console.print(f"[dim]{escape(lab['projection_method'])}[/dim]")
    if any_owner or has_owner:
        console.print(f"[dim]{escape(lab['owner_legend'])}[/dim]")
