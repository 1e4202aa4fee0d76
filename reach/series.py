"""The report's numbers in DuckDB SQL, in query shapes whose cost grows with the snapshots, not with
snapshots x buckets, and that return only a few rows per bucket (or per post) to Python.

The rules are those of :mod:`reach.report` and :mod:`reach.insights` (whose pure-Python functions
remain the reference: ``tests/test_series.py`` checks both give the same numbers on random data).
The shape:

1. **One pass** over the campaign's snapshots groups them by post, *chunk*, source class (owner /
   public) and whether they show views, and keeps per group the newest views (scalar ``arg_max``
   by the time; when the two newest times are equal, the group is settled again by
   ``snapshot_id``, as the timeline orders snapshots of one instant), the largest views, the
   oldest time and which counters the group shows (a temporary table, a few rows per post and
   bucket). The chunks are the report's buckets (assigned by a lookup list over the bucket
   boundaries, DST-safe, no sort) and, for snapshots before the report's range, 32 equal slices
   of that older history.
2. **Buckets**: each post's newest owner and public values are carried forward over the chunks
   (a window over posts x chunks rows, not over snapshots); the owner-over-public rule
   (:func:`reach.store.prefer_public_sql`) picks the value; totals, increases, decreases, new and
   stale posts are summed per bucket and platform as before.
3. **Milestones**: a chunk's *upper bound* (per post, the largest value it can show during the
   chunk, summed) says in which chunk the total can first reach a threshold; only that chunk's
   snapshots are replayed (window functions, seeded with the carried values) to find the exact
   moment, the one before it and whether a post entered there. Totals are not monotone (decreases
   are kept), so a chunk whose bound is reached but whose total never is hands over to the next.
4. **Projection**: each post's value at the window start (carried values + that chunk's snapshots up
   to it) and at the end, and the growth rule of :func:`reach.insights._growth`, summed in SQL; and
   the time of the oldest value compared of a post observed again inside the window (the real span).
5. **Views at post age**: per post and age, the values on both sides of the moment from the
   carried values and the snapshots of that chunk and of the post's next chunk with views (not
   interpolated when farther apart than :data:`reach.insights.MAX_INTERPOLATION_GAP`).
6. **Current values** (:meth:`Series.latest_values`): :meth:`reach.store.Store.latest_values` over
   the snapshots of each post's last chunks that still hold every counter it ever showed.

Nothing here needs an index (DuckLake has none): every query is a scan (pruned by the min/max of
``collected_at`` where a time range applies), hash aggregates and windows over small tables.
"""

from __future__ import annotations

import math
import uuid
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from .days import KIND_CODE, MASK, TABLE, day_starts, index_sql, lit, summarize
from .insights import (
    AGES,
    MAX_INTERPOLATION_GAP,
    MAX_PROJECTION,
    MIN_PROJECTION_SPAN,
    PROJECTION_WINDOW,
    AgeValue,
    Milestone,
    Projection,
    bits_kind,
    interpolate_us,
    place_milestone,
    stale_projection,
)
from .models import METRIC_NAMES, CountKind
from .store import (
    OWNER_SOURCE_SQL,
    LatestValues,
    from_epoch_us,
    latest_from_rows,
    latest_sql,
    prefer_public_sql,
    to_epoch_us,
)

FIRST_LOOK = timedelta(hours=1)
"""How much of the first bucket with views (after its first snapshot) the milestone search replays
first: the total jumps there as posts enter; the rest of the bucket is replayed only when needed."""
PRE_CHUNKS = 32
"""Snapshots older than the report's first bucket are grouped in at most this many slices."""

_KINDS = (CountKind.EXACT, CountKind.APPROXIMATE, CountKind.LOWER_BOUND)
# the columns latest_sql reads of each counter
_METRIC_COLUMNS = ", ".join(f"s.{m}, s.{m}_kind, s.{m}_granularity, s.{m}_raw" for m in METRIC_NAMES)


_VROW = "struct_pack(u := us, v := v, k := k, g := g)"
"""A snapshot's views in the state structs: time (us), value, kind code, granularity."""
_SROW = "struct_pack(u := {0}us, sid := {0}sid, v := {0}v, k := {0}k, g := {0}g)"
"""The same with the snapshot id, to take the newest of snapshots at one time as the timeline does."""


def _strip(x: str) -> str:
    """A :data:`_SROW` struct as a :data:`_VROW` one (``NULL`` stays ``NULL``)."""
    return f"CASE WHEN {x} IS NULL THEN NULL ELSE struct_pack(u := {x}.u, v := {x}.v, k := {x}.k, g := {x}.g) END"


def _low(x: str) -> str:
    """The lowest value a value struct (``v, k, g``) can stand for (:attr:`reach.models.Count.low`)."""
    return f"(CASE WHEN {x}.k = 1 THEN greatest(0, {x}.v - {x}.g // 2) ELSE {x}.v END)"


def _kind_name(code: str) -> str:
    return f"(['exact', 'approximate', 'lower_bound'])[{code} + 1]"


def _prefer(pub: str, own: str) -> str:
    """:func:`reach.store.prefer_public_sql` over two value structs (``u, v, k, g``; kind code 1 is
    approximate: a shorter expression than the kind's name, quicker for DuckDB to plan)."""
    return prefer_public_sql(f"{pub}.v", f"{pub}.k = 1", f"{pub}.g", f"{pub}.u", f"{own}.v", f"{own}.u")


def _pick(pub: str, own: str) -> str:
    return f"CASE WHEN {_prefer(pub, own)} THEN {pub} ELSE {own} END"


@dataclass(frozen=True)
class Chunk:
    """A slice of time: a report bucket (``idx >= 0``) or a slice of the history before the range."""

    idx: int
    start: datetime
    end: datetime
    total: int | None = None
    """The campaign total at the chunk's end (``None``: no post has a value yet)."""
    kind: CountKind = CountKind.EXACT
    bound: int = 0
    """No total inside the chunk can be above this."""
    first_at: datetime | None = None
    last_at: datetime | None = None
    """The oldest / newest snapshot with views inside the chunk (``None``: none)."""
    low: int = 0
    """The sum of the posts' lowest possible values at the chunk's end (what a milestone or target
    is judged by: :func:`reach.insights.claimed`)."""


class Series:
    """The campaign's views in DuckDB, for one report: the posts of ``campaign`` (``None``: every
    post), buckets ``starts``/``ends`` (aware datetimes; ``ends[-1]`` bounds every snapshot read).
    Use as a context manager: the temporary tables are dropped on exit.

    Lists are written into the SQL as literals of our own integers, never passed as parameters:
    converting a long Python list parameter costs seconds in some DuckDB versions (1.5).

    Args:
        first_views_at: the oldest snapshot of these posts that shows views (``None``: none).
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        campaign: str | None,
        starts: Sequence[datetime],
        ends: Sequence[datetime],
        first_views_at: datetime | None,
        days: ZoneInfo | None = None,
    ) -> None:
        self.con = con
        tag = uuid.uuid4().hex[:12]
        self.sel, self.agg = f"reach_sel_{tag}", f"reach_agg_{tag}"
        self.bounds = [s.astimezone(timezone.utc) for s in starts] + [ends[-1].astimezone(timezone.utc)]
        self.before = self.bounds[-1]
        b_us = [to_epoch_us(b) for b in self.bounds]
        self.b0 = b_us[0]
        self.grid: list[int] | None = None
        # the history before the range: PRE_CHUNKS equal slices of width ``pre_width`` microseconds, or
        # with the day table (``days``) at most PRE_CHUNKS slices of whole local days
        self.pre = 0
        self.pre_width = 1
        chunks: list[tuple[int, datetime, datetime]] = []
        pre: list[int] | None = None
        if days is not None:
            pre = [self.b0]
            if first_views_at is not None and to_epoch_us(first_views_at) < self.b0:
                pre = day_starts(first_views_at, from_epoch_us(self.b0 - 1), days)
            increasing = all(a < b for a, b in zip(b_us, b_us[1:], strict=False))
            if pre is None or pre[-1] != self.b0 or not increasing:  # a calendar day skipped: read the snapshots
                days = None
        self.days = days
        if days is not None and pre is not None:
            n = len(pre) - 1
            cuts: list[int] = []
            if n:
                width = math.ceil(n / PRE_CHUNKS)
                cuts = [pre[max(0, n - j * width)] for j in range(math.ceil(n / width), 0, -1)]
            self.pre = len(cuts)
            edges = [*cuts, self.b0]
            chunks = [(i - self.pre, from_epoch_us(edges[i]), from_epoch_us(edges[i + 1])) for i in range(self.pre)]
            self.grid = cuts + b_us
        elif first_views_at is not None and to_epoch_us(first_views_at) < self.b0:
            self.pre = PRE_CHUNKS
            self.pre_width = max(1, math.ceil((self.b0 - to_epoch_us(first_views_at)) / PRE_CHUNKS))
            chunks = [
                (-j, from_epoch_us(self.b0 - j * self.pre_width), from_epoch_us(self.b0 - (j - 1) * self.pre_width))
                for j in range(self.pre, 0, -1)
            ]
        chunks += [(i, self.bounds[i], self.bounds[i + 1]) for i in range(len(starts))]
        self.chunk_bounds = chunks
        self._starts = [c[1] for c in chunks]
        self.chunks: list[Chunk] = []
        self.b_us = b_us
        self.con.execute(
            f"""CREATE TEMP TABLE {self.sel} AS
                SELECT (row_number() OVER (ORDER BY post_key))::INTEGER AS pid, post_key, platform, published_at
                FROM posts
                WHERE ?::VARCHAR IS NULL OR post_key IN (SELECT post_key FROM campaign_posts WHERE campaign = ?)""",
            [campaign, campaign],
        )
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    # -- set-up ------------------------------------------------------------------------------

    def _points(self, where: str = "", views_only: bool = True) -> str:
        """The campaign's snapshots before the report's end: ``pid`` (the post's number in
        ``sel``), ``us, sid, v, k, g`` (time, snapshot id, views, kind code, granularity), ``own``
        (owner data); with ``views_only=False`` also ``hv`` (shows views) and ``mask`` (counters
        shown). The smaller the query text, the less DuckDB spends planning it."""
        extra = "" if views_only else f", s.views IS NOT NULL AS hv, {MASK} AS mask"
        return f"""SELECT sel.pid, epoch_us(s.collected_at) AS us, s.snapshot_id AS sid, s.views AS v,
                          {KIND_CODE} AS k, coalesce(s.views_granularity, 1) AS g,
                          {OWNER_SOURCE_SQL} AS own{extra}
                   FROM snapshots s JOIN {self.sel} sel ON sel.post_key = s.post_key
                   WHERE s.collected_at < $before
                     {"AND s.views IS NOT NULL" if views_only else ""} {where}"""

    def _indexed(self, where: str = "", views_only: bool = True) -> tuple[str, dict[str, Any]]:
        """``_points`` with the chunk ``idx`` of each snapshot, and the query parameters."""
        return self._with_idx(self._points(where, views_only)), {"before": self.before}

    def _with_idx(self, relation: str) -> str:
        """``relation`` (with a column ``us``: microseconds since the epoch) and the chunk ``idx`` of each row
        (:func:`reach.days.index_sql` over the chunks' boundaries; before the range, the equal slices)."""
        if self.grid is not None:
            return index_sql(relation, self.grid, -self.pre)
        return index_sql(relation, self.b_us, 0, f"(-1 - (({self.b0} - 1 - us) // {self.pre_width}))")

    def _build(self) -> None:
        """The grouped pass (:func:`reach.days.summarize`): per post, chunk, source class and whether
        they show views. Every snapshot counts (not only those with views): the counters each shows
        (``mask``) tell latest_values how far back it must look. With the day table, its rows (one per
        post, local day and class) are grouped instead of the snapshots: a chunk is a run of whole
        days, its newest values are those of its newest day (ties already settled there)."""
        if self.days is None:
            sql, params = self._indexed(views_only=False)
            summarize(self.con, self.agg, sql, params, "pid")
            return
        grid = self.grid or [0]

        def rows(where: str) -> str:
            return self._with_idx(
                f"""SELECT sel.pid, d.day_us AS us, d.* EXCLUDE (zone, post_key, day_us)
                    FROM {TABLE} d JOIN {self.sel} sel ON sel.post_key = d.post_key
                    WHERE d.zone = $zone AND {where}"""
            )

        def grouped(where: str) -> str:
            return f"""SELECT pid, idx, own, hv, [max(t1)] AS t2, min(tmin) AS tmin,
                              arg_max(v, t1) AS v, arg_max(k, t1) AS k, arg_max(g, t1) AS g,
                              max(vmax) AS vmax, bit_or(mask) AS mask
                       FROM ({rows(where)}) GROUP BY pid, idx, own, hv"""

        if grid == day_starts(from_epoch_us(grid[0]), from_epoch_us(grid[-1] - 1), self.days):
            # every chunk is one day: its day rows are the chunk's rows (those before every chunk grouped)
            sql = f"""SELECT pid, idx, own, hv, [t1] AS t2, tmin, v, k, g, vmax, mask
                      FROM ({rows(f"d.day_us >= {grid[0]} AND d.day_us < {grid[-1]}")})
                      UNION ALL {grouped(f"d.day_us < {grid[0]}")}"""
        else:
            sql = grouped(f"d.day_us < {grid[-1]}")
        self.con.execute(f"CREATE TEMP TABLE {self.agg} AS {sql}", {"zone": self.days.key})

    def _state(self) -> None:
        """Per post and chunk: its newest owner (``so``) and public (``sp``) views at the chunk's end
        (carried forward) and at the previous chunk's end (``pso``, ``psp``), the largest views and the
        oldest / newest times inside the chunk, the next chunk with views of the post (``nxt``). The
        newest time at a chunk's end is ``greatest(so.u, sp.u)`` (chunks follow each other in time)."""
        idxs = lit([c[0] for c in self.chunk_bounds])
        starts = lit([to_epoch_us(c[1]) for c in self.chunk_bounds], "BIGINT")
        self.con.execute(
            f"""
CREATE TEMP TABLE {self.agg}_state AS
WITH st AS (  -- owner and public rows side by side (a join: quicker than grouping the structs)
    SELECT coalesce(o.pid, p.pid) AS pid, coalesce(o.idx, p.idx) AS idx,
           CASE WHEN o.pid IS NOT NULL THEN struct_pack(u := o.t2[1], v := o.v, k := o.k, g := o.g) END AS lo,
           CASE WHEN p.pid IS NOT NULL THEN struct_pack(u := p.t2[1], v := p.v, k := p.k, g := p.g) END AS lp,
           CASE WHEN o.vmax IS NULL OR p.vmax >= o.vmax THEN p.vmax ELSE o.vmax END AS vmax,
           CASE WHEN o.pid IS NULL OR p.t2[1] >= o.t2[1] THEN p.t2[1] ELSE o.t2[1] END AS tmax,
           CASE WHEN o.pid IS NULL OR p.tmin <= o.tmin THEN p.tmin ELSE o.tmin END AS tmin
    FROM (SELECT * FROM {self.agg} WHERE hv AND own) o FULL JOIN (SELECT * FROM {self.agg} WHERE hv AND NOT own) p
         ON o.pid = p.pid AND o.idx = p.idx
),
grid AS (SELECT unnest({idxs}) AS idx, unnest({starts}) AS bucket_start),
g AS (SELECT grid.idx, grid.bucket_start, sel.pid FROM grid CROSS JOIN {self.sel} sel)
SELECT g.idx, g.bucket_start, g.pid, st.vmax, st.tmax, st.tmin,
       last_value(st.lo IGNORE NULLS) OVER w AS so, last_value(st.lp IGNORE NULLS) OVER w AS sp,
       last_value(st.lo IGNORE NULLS) OVER wp AS pso, last_value(st.lp IGNORE NULLS) OVER wp AS psp,
       min(CASE WHEN st.tmax IS NOT NULL THEN g.idx END) OVER (
           PARTITION BY g.pid ORDER BY g.idx ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS nxt
FROM g LEFT JOIN st ON st.pid = g.pid AND st.idx = g.idx
WINDOW w AS (PARTITION BY g.pid ORDER BY g.idx ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
       wp AS (PARTITION BY g.pid ORDER BY g.idx ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
"""
        )

    def _chunk_scan(self, idxs: Iterable[int], until: dict[int, datetime] | None = None) -> tuple[str, dict[str, Any]]:
        """:meth:`_indexed` over the snapshots with views of the chunks ``idxs`` only (``until``: chunk
        index -> read that chunk only before this time): one scan per run of consecutive chunks, each
        pruned by its time range."""
        pos = {c[0]: i for i, c in enumerate(self.chunk_bounds)}
        ranges: list[list[datetime]] = []
        for idx in sorted(set(idxs)):
            _, cs, ce = self.chunk_bounds[pos[idx]]
            if until is not None and idx in until:
                ce = max(cs, min(ce, until[idx]))
            if ranges and ranges[-1][1] == cs:
                ranges[-1][1] = ce
            else:
                ranges.append([cs, ce])
        parts = []
        params: dict[str, Any] = {}
        for i, (cs, ce) in enumerate(ranges):
            part, common = self._indexed(f"AND s.collected_at >= $lo{i} AND s.collected_at < $hi{i}")
            parts.append(f"({part})")
            params.update(common)
            params[f"lo{i}"], params[f"hi{i}"] = cs, ce
        return " UNION ALL ".join(parts), params

    def close(self) -> None:
        self.con.execute("; ".join(f"DROP TABLE IF EXISTS {t}" for t in (f"{self.agg}_state", self.agg, self.sel)))

    def __enter__(self) -> Series:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def chunk_of(self, moment: datetime) -> int | None:
        """Position in :attr:`chunk_bounds` of the chunk holding ``moment`` (``None``: outside all)."""
        if moment >= self.before:
            return None
        pos = bisect_right(self._starts, moment) - 1
        return pos if pos >= 0 else None

    # -- buckets -----------------------------------------------------------------------------

    def bucket_rows(self) -> list[tuple[Any, ...]]:
        """Per chunk and platform: ``idx, platform`` and the 21 columns of the report's bucket
        maths (sums, precision, increase and the bits of its parts' precisions (1 exact, 2 ≈, 4 ≥,
        8 unknown), new / stale posts, owner part, decreases and their precision bits), what the rounded
        parts of the total and of its owner part lose at their lowest value, then the upper
        bound of the total inside the chunk and its oldest and newest snapshot times (us)."""
        self._state()
        rows: list[tuple[Any, ...]] = self.con.execute(
            f"""
WITH joined AS (
    SELECT idx, bucket_start, pid, sel.post_key, sel.platform, tmax, tmin,
           {_pick("sp", "so")} AS ch, {_pick("psp", "pso")} AS pch,
           (NOT {_prefer("sp", "so")} AND so IS NOT NULL) AS by_owner,
           greatest(coalesce(pso.v, 0), coalesce(psp.v, 0), coalesce(vmax, 0)) AS ub
    FROM {self.agg}_state JOIN {self.sel} sel USING (pid)
),
d AS (
    SELECT idx, bucket_start, pid, post_key, platform, tmax, tmin, ub, by_owner,
           ch.u AS collected_at, ch.v AS v, {_kind_name("ch.k")} AS k, ch.g AS gr,
           pch.v AS pv, {_kind_name("pch.k")} AS pk, pch.g AS pgr
    FROM joined
),
e AS (
    SELECT *,
        CASE WHEN v IS NULL OR pv IS NULL THEN NULL
             -- a floor ("10万+") at or below the previous value says nothing about a change
             WHEN k = 'lower_bound' AND v <= pv THEN 0
             WHEN (k <> 'exact' OR pk <> 'exact') AND abs(v - pv) < greatest(gr, pgr) THEN 0
             ELSE v - pv END AS inc,
        -- precision of the post's difference as a bit (reach.insights.difference_kind): 1 exact,
        -- 2 rounded (and rounding noise / repeated floors counted as 0), 4 lower bound, 8 unknown
        CASE WHEN v IS NULL OR pv IS NULL THEN 0
             WHEN k = 'exact' AND pk = 'exact' THEN 1
             WHEN k = 'lower_bound' AND v <= pv THEN 2
             WHEN (k <> 'exact' OR pk <> 'exact') AND abs(v - pv) < greatest(gr, pgr) THEN 2
             WHEN k <> 'lower_bound' AND pk <> 'lower_bound' THEN 2
             WHEN k = 'lower_bound' AND pk = 'exact' THEN 4
             ELSE 8 END AS inc_bit,
        (v IS NOT NULL AND pv IS NULL AND idx > 0) AS is_new
    FROM d
)
SELECT idx, platform,
    sum(v)::HUGEINT, count(v),
    coalesce(bool_or(k = 'approximate'), false), coalesce(bool_or(k = 'lower_bound'), false),
    coalesce(sum(CASE WHEN k = 'approximate' THEN gr ELSE 0 END), 0)::HUGEINT,
    sum(inc)::HUGEINT, coalesce(bit_or(inc_bit), 0),
    sum(CASE WHEN inc IS NOT NULL THEN pv END)::HUGEINT,
    count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE collected_at < bucket_start),
    sum(v) FILTER (WHERE by_owner)::HUGEINT, count(v) FILTER (WHERE by_owner),
    coalesce(bool_or(k = 'approximate') FILTER (WHERE by_owner), false),
    coalesce(bool_or(k = 'lower_bound') FILTER (WHERE by_owner), false),
    coalesce(sum(CASE WHEN k = 'approximate' THEN gr ELSE 0 END) FILTER (WHERE by_owner), 0)::HUGEINT,
    count(*) FILTER (WHERE inc < 0), coalesce(sum(inc) FILTER (WHERE inc < 0), 0)::HUGEINT,
    coalesce(list(post_key ORDER BY post_key) FILTER (WHERE inc < 0), []),
    coalesce(bit_or(inc_bit) FILTER (WHERE inc < 0), 0),
    -- what the rounded parts lose at their lowest (Count.low), for a total that is a floor
    coalesce(sum(CASE WHEN k = 'approximate' THEN least(v, gr // 2) ELSE 0 END), 0)::HUGEINT,
    coalesce(sum(CASE WHEN k = 'approximate' THEN least(v, gr // 2) ELSE 0 END) FILTER (WHERE by_owner), 0)::HUGEINT,
    coalesce(sum(ub), 0)::HUGEINT, min(tmin), max(tmax)
FROM e GROUP BY idx, platform ORDER BY idx, platform
"""
        ).fetchall()
        self.chunks = self._chunks(rows)
        return rows

    def _chunks(self, rows: Iterable[tuple[Any, ...]]) -> list[Chunk]:
        per: dict[int, list[tuple[Any, ...]]] = {}
        for row in rows:
            per.setdefault(row[0], []).append(row)
        out = []
        for idx, start, end in self.chunk_bounds:
            group = per.get(idx, [])
            shown = [r for r in group if r[3]]
            floor = any(r[5] for r in shown)  # a "10万+" among them: rounded parts at their lowest
            low = sum(int(r[2]) - int(r[21]) for r in shown)
            total = (low if floor else sum(int(r[2]) for r in shown)) if shown else None
            kind = CountKind.LOWER_BOUND if floor else CountKind.EXACT
            if kind is CountKind.EXACT and any(r[4] for r in shown):
                kind = CountKind.APPROXIMATE
            firsts = [r[-2] for r in group if r[-2] is not None]
            lasts = [r[-1] for r in group if r[-1] is not None]
            out.append(
                Chunk(
                    idx,
                    start,
                    end,
                    total,
                    kind,
                    sum(int(r[-3]) for r in group),
                    from_epoch_us(min(firsts)) if firsts else None,
                    from_epoch_us(max(lasts)) if lasts else None,
                    low,
                )
            )
        return out

    # -- milestones --------------------------------------------------------------------------

    def _carried(self, pos: int) -> str:
        """Per post, the newest owner (``co``) and public (``cp``) views before chunk position ``pos``."""
        idx = self.chunk_bounds[pos][0]
        return f"SELECT pid, so AS co, sp AS cp FROM {self.agg}_state WHERE idx = {int(idx) - 1}"

    def crossings(self, thresholds: Iterable[int]) -> dict[int, tuple[Any, ...]]:
        """For each threshold the total reaches: ``(at, value, kind, entered, prev_at, prev_value,
        prev_kind)`` of the first moment of the total timeline at or above it (``prev_*``: the moment
        before; ``None`` / exact at the first one). Needs :meth:`bucket_rows` first."""
        chunks = self.chunks
        pending = dict.fromkeys(sorted(set(thresholds)), 0)
        batch = dict.fromkeys(pending, 1)
        found: dict[int, tuple[Any, ...]] = {}
        first = True
        # the first chunk with any views: the total jumps there as the posts enter (first collection runs)
        start = next((i for i, c in enumerate(chunks) if c.first_at is not None), -1)
        while pending:
            # the next chunks each pending threshold could be reached in (bound at or above it): one at
            # first, twice as many after each miss (a bound reached by a total that is not, e.g. owner
            # data below a public value, costs a few queries, not one per bucket)
            nxt: dict[int, list[int]] = {}
            for t, pos in list(pending.items()):
                picked: list[int] = []
                while pos < len(chunks) and len(picked) < batch[t]:
                    if chunks[pos].bound >= t:
                        picked.append(pos)
                    pos += 1
                if not picked:
                    del pending[t]
                    continue
                pending[t] = pos
                batch[t] *= 2
                for p in picked:
                    nxt.setdefault(p, []).append(t)
            if not nxt:
                break
            until: dict[int, datetime] = {}
            if first:
                first = False
                # the first round (one chunk per threshold): of the first chunk with views only the hour
                # after its first snapshot is replayed (with the other chunks, in the same query), the
                # whole chunk only for the thresholds not placed in that hour
                first_at = chunks[start].first_at if start >= 0 else None
                if start in nxt and first_at is not None:
                    until = {self.chunk_bounds[start][0]: first_at + FIRST_LOOK}
            for t, crossing in self._replay(nxt, until or None).items():
                found[t] = crossing
                del pending[t]
            again = [t for t in nxt.get(start, []) if t in pending] if until else []
            if again:
                for t, crossing in self._replay({start: again}).items():
                    found[t] = crossing
                    del pending[t]
        return found

    def _replay(
        self, targets: dict[int, list[int]], until: dict[int, datetime] | None = None
    ) -> dict[int, tuple[Any, ...]]:
        """The total timeline inside the chunks at positions ``targets`` (-> thresholds), each seeded
        with the values carried into it (``until``: see :meth:`_chunk_scan`): the first moment at or
        above each threshold, in one query."""
        cidx = [self.chunk_bounds[pos][0] for pos in targets]
        tt = [t for ts in targets.values() for t in ts]
        tc = [self.chunk_bounds[pos][0] for pos, ts in targets.items() for _ in ts]
        scan, params = self._chunk_scan(cidx, until)
        rows = self.con.execute(
            f"""
WITH cj AS (SELECT unnest({lit(cidx)}) AS cidx),
init AS (
    SELECT cj.cidx, st.pid, st.so AS co, st.sp AS cp, {_pick("st.sp", "st.so")} AS c0
    FROM {self.agg}_state st JOIN cj ON st.idx = cj.cidx - 1
),
pts AS (SELECT * FROM ({scan}) WHERE idx IN (SELECT cidx FROM cj)),
-- a post whose snapshots in the chunk are of one class (owner or public) and that carries no value of
-- the other class is "simple": its value is each snapshot's own, and the step is from the one before
-- (snapshots at one time ordered by snapshot id: their steps add up to the last one's, as the timeline
-- keeps only that one). Only the other posts need the carried values of both classes (windows below).
w0 AS (
    SELECT pts.idx AS cidx, pts.pid, pts.us, pts.sid, pts.own, {_VROW} AS r, init.co, init.cp, init.c0,
           lag({_VROW}) OVER (PARTITION BY pts.idx, pts.pid ORDER BY pts.us, pts.sid) AS lr,
           min(pts.own::INTEGER) OVER (PARTITION BY pts.idx, pts.pid) = max(pts.own::INTEGER) OVER (
               PARTITION BY pts.idx, pts.pid) AND (CASE WHEN pts.own THEN init.cp IS NULL ELSE init.co IS NULL END)
               AS simple
    FROM pts LEFT JOIN init ON init.cidx = pts.idx AND init.pid = pts.pid
),
w AS (
    SELECT cidx, pid, us, c0,
           coalesce(last_value(CASE WHEN own THEN r END IGNORE NULLS) OVER win, co) AS so,
           coalesce(last_value(CASE WHEN NOT own THEN r END IGNORE NULLS) OVER win, cp) AS sp,
           lead(us) OVER win AS nxt
    FROM w0 WHERE NOT simple
    WINDOW win AS (PARTITION BY cidx, pid ORDER BY us, sid ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
pt AS (SELECT cidx, pid, us, c0, {_pick("sp", "so")} AS ch FROM w WHERE nxt IS NULL OR nxt <> us),
pd AS (
    SELECT cidx, us, ch, coalesce(lag(ch) OVER (PARTITION BY cidx, pid ORDER BY us), c0) AS prev FROM pt
    UNION ALL
    SELECT cidx, us, r, coalesce(lr, c0) FROM w0 WHERE simple
),
ev AS (
    SELECT cidx, us, sum(ch.v - coalesce(prev.v, 0)) AS dv,
           sum((ch.k = 1)::INTEGER - coalesce((prev.k = 1)::INTEGER, 0)) AS da,
           sum((ch.k = 2)::INTEGER - coalesce((prev.k = 2)::INTEGER, 0)) AS dl,
           sum({_low("ch")} - coalesce({_low("prev")}, 0)) AS dlo,
           bool_or(prev IS NULL) AS entered
    FROM pd GROUP BY cidx, us
),
base AS (
    SELECT cj.cidx, coalesce(sum(init.c0.v), 0) AS v, count(*) FILTER (WHERE init.c0.k = 1) AS a,
           count(*) FILTER (WHERE init.c0.k = 2) AS l,
           coalesce(sum({_low("init.c0")}), 0) AS lo
    FROM cj LEFT JOIN init USING (cidx) GROUP BY cj.cidx
),
tl AS (
    SELECT cidx, us, entered, base.v + sum(dv) OVER o AS value, base.a + sum(da) OVER o AS na,
           base.l + sum(dl) OVER o AS nl, base.lo + sum(dlo) OVER o AS nlo, lag(us) OVER o AS pus,
           base.v + sum(dv) OVER o - dv AS pval,
           base.a + sum(da) OVER o - da AS pna, base.l + sum(dl) OVER o - dl AS pnl
    FROM ev JOIN base USING (cidx)
    WINDOW o AS (PARTITION BY cidx ORDER BY us ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
t AS (SELECT unnest({lit(tt, "HUGEINT")}) AS thr, unnest({lit(tc)}) AS cidx)
SELECT thr, arg_min(struct_pack(u := us, c := cidx, value := value::HUGEINT, na := na, nl := nl, entered := entered,
                                pu := pus, pval := pval::HUGEINT, pna := pna, pnl := pnl), us)
FROM tl JOIN t USING (cidx) WHERE nlo >= thr GROUP BY thr
""",
            params,
        ).fetchall()
        where = {self.chunk_bounds[pos][0]: pos for pos in targets}
        out = {}
        for thr, p in rows:
            pos = where[int(p["c"])]  # the chunk of the earliest crossing among those replayed
            kind = CountKind.LOWER_BOUND if p["nl"] else CountKind.APPROXIMATE if p["na"] else CountKind.EXACT
            before_at: datetime | None
            before_value: int | None
            before_kind = CountKind.EXACT
            if p["pu"] is not None:
                before_at, before_value = from_epoch_us(p["pu"]), int(p["pval"])
                before_kind = (
                    CountKind.LOWER_BOUND if p["pnl"] else CountKind.APPROXIMATE if p["pna"] else CountKind.EXACT
                )
            else:  # the first moment of the chunk: the one before is the newest of the earlier chunks
                before_at = max((c.last_at for c in self.chunks[:pos] if c.last_at is not None), default=None)
                before_value = None if before_at is None else int(self.chunks[pos - 1].total or 0)
                if before_at is not None:
                    before_kind = self.chunks[pos - 1].kind
            out[int(thr)] = (
                from_epoch_us(p["u"]),
                int(p["value"]),
                kind,
                bool(p["entered"]),
                before_at,
                before_value,
                before_kind,
            )
        return out

    def milestones(
        self,
        thresholds: Iterable[int],
        buckets: Sequence[tuple[str, int | None]] = (),
        range_start: datetime | None = None,
        bucket_starts: Sequence[datetime] = (),
    ) -> list[Milestone]:
        """:func:`reach.insights.milestones` of the campaign total (same arguments)."""
        return [
            place_milestone(
                thr, at, value, kind, entered, prev_at, prev_value, buckets, range_start, bucket_starts, prev_kind
            )
            for thr, (at, value, kind, entered, prev_at, prev_value, prev_kind) in sorted(
                self.crossings(thresholds).items()
            )
        ]

    # -- projection --------------------------------------------------------------------------

    def projection(self, target: int | None, now: datetime | None = None) -> Projection | None:
        """:func:`reach.insights.projection` of the campaign total (``None``: no target or no data;
        ``now``: the report's time, for :func:`reach.insights.stale_projection`)."""
        return stale_projection(self._projection(target), now)

    def _projection(self, target: int | None) -> Projection | None:
        seen = [c for c in self.chunks if c.last_at is not None]
        if not target or not seen:
            return None
        last = self.chunks[-1]
        value, kind = last.total or 0, last.kind
        if last.low >= target:  # reached when provable (reach.insights.claimed)
            reached = self.milestones([target])
            return Projection(target, value, kind, "reached", reached_at=reached[0] if reached else None)
        end = max(c.last_at for c in seen if c.last_at is not None)
        first = seen[0].first_at or end
        start = max(first, end - PROJECTION_WINDOW)
        if end - start < MIN_PROJECTION_SPAN:
            return Projection(target, value, kind, "not_enough_data", start, end)
        pos = self.chunk_of(start)
        assert pos is not None
        row = self.con.execute(
            f"""
WITH carried AS ({self._carried(pos)}),
pts AS ({self._points("AND s.collected_at >= $cs AND s.collected_at <= $start")}),
rs AS (
    SELECT pid, max({_SROW.format("")}) FILTER (WHERE own) AS ro, max({_SROW.format("")}) FILTER (WHERE NOT own) AS rp
    FROM pts GROUP BY pid
),
fin AS (SELECT pid, so AS fo, sp AS fp FROM {self.agg}_state WHERE idx = {self.chunk_bounds[-1][0]}),
s AS (
    SELECT coalesce({_strip("rs.ro")}, carried.co) AS ao, coalesce({_strip("rs.rp")}, carried.cp) AS ap, fin.fo, fin.fp
    FROM fin LEFT JOIN carried USING (pid) LEFT JOIN rs USING (pid)
),
ab AS (
    SELECT {_pick("ap", "ao")} AS a, {_pick("fp", "fo")} AS b, greatest(ao.u, ap.u) AS ta, greatest(fo.u, fp.u) AS tb
    FROM s
),
gg AS (
    SELECT a.v AS av, a.k AS ak, CASE WHEN a.k = 1 THEN a.g ELSE 0 END AS ag,
           b.v AS bv, b.k AS bk, CASE WHEN b.k = 1 THEN b.g ELSE 0 END AS bg, ta, tb
    FROM ab WHERE a IS NOT NULL AND b IS NOT NULL
)
SELECT coalesce(sum(CASE WHEN bk = 2 AND bv <= av THEN 0
                         WHEN (ak <> 0 OR bk <> 0) AND abs(bv - av) < greatest(ag, bg) THEN 0
                         ELSE bv - av END), 0)::HUGEINT,
       -- precision bits of each post's growth, as in bucket_rows (reach.insights._growth)
       coalesce(bit_or(CASE WHEN bk = 2 AND bv <= av THEN 2
                            WHEN (ak <> 0 OR bk <> 0) AND abs(bv - av) < greatest(ag, bg) THEN 2
                            WHEN ak = 0 AND bk = 0 THEN 1
                            WHEN ak <> 2 AND bk <> 2 THEN 2
                            WHEN bk = 2 AND ak = 0 THEN 4
                            ELSE 8 END), 0),
       min(ta) FILTER (WHERE tb > epoch_us($start::TIMESTAMPTZ))
FROM gg
""",
            {"before": self.before, "cs": self.chunk_bounds[pos][1], "start": start},
        ).fetchone()
        growth, bits = (int(row[0]), int(row[1])) if row else (0, 0)
        # the real span: from the oldest value compared of a post observed again inside the window
        since = min(start, from_epoch_us(row[2])) if row and row[2] is not None else start
        if start - since > PROJECTION_WINDOW:
            return Projection(target, value, kind, "gap", since, end)
        start = since
        kind_or_none = bits_kind(bits)
        if kind_or_none is None:
            return Projection(target, value, kind, "unknown_pace", start, end)
        pace_kind = kind_or_none
        days = (end - start).total_seconds() / 86400
        per_day = growth / days
        if per_day <= 0:
            return Projection(target, value, kind, "not_at_this_pace", start, end, per_day, pace_kind)
        # compared in days first: a far target at a slow pace is beyond what a timedelta can hold
        need_days = (target - value) / per_day
        if need_days > MAX_PROJECTION / timedelta(days=1):
            return Projection(target, value, kind, "not_at_this_pace", start, end, per_day, pace_kind)
        need = timedelta(days=need_days)
        return Projection(target, value, kind, "on_pace", start, end, per_day, pace_kind, end + need)

    # -- views at post age -------------------------------------------------------------------

    def ages(self, published: dict[str, datetime | None]) -> dict[str, dict[str, AgeValue | None]]:
        """:func:`reach.insights.ages` of each post (``published``: post key -> publication time)."""
        names = [n for n, _ in AGES]
        out: dict[str, dict[str, AgeValue | None]] = {key: dict.fromkeys(names) for key in published}
        if not any(pub is not None for pub in published.values()):
            return out
        ages = ", ".join(f"('{name}', {age // timedelta(microseconds=1)})" for name, age in AGES)
        moments = f"""SELECT sel.pid, a.age, epoch_us(sel.published_at) + a.span AS us
                      FROM {self.sel} sel, (VALUES {ages}) a(age, span)
                      WHERE sel.published_at IS NOT NULL"""
        # a moment before every chunk has nothing before it, one after the last nothing after it
        lo, hi = to_epoch_us(self.chunk_bounds[0][1]), to_epoch_us(self.before)
        # the chunk of each moment and, when nothing in that chunk comes after the moment, the post's next
        # chunk with views: only their snapshots are read
        nq = f"{self.agg}_ages"
        self.con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {nq} AS
                SELECT q.pid, q.age, q.us AS m, q.idx AS c, CASE WHEN st.tmax > q.us THEN NULL ELSE st.nxt END AS nc
                FROM ({self._with_idx(f"SELECT * FROM ({moments}) WHERE us >= {lo} AND us < {hi}")}) q
                JOIN {self.agg}_state st ON st.pid = q.pid AND st.idx = q.idx"""
        )
        try:
            return self._ages(out, nq)
        finally:
            self.con.execute(f"DROP TABLE IF EXISTS {nq}")

    def _ages(self, out: dict[str, dict[str, AgeValue | None]], nq: str) -> dict[str, dict[str, AgeValue | None]]:
        needed = sorted(
            {
                int(r[0])
                for r in self.con.execute(
                    f"SELECT DISTINCT c FROM {nq} UNION SELECT DISTINCT nc FROM {nq} WHERE nc IS NOT NULL"
                ).fetchall()
            }
        )
        if not needed:
            return out
        sql, params = self._chunk_scan(needed)
        rows = self.con.execute(
            f"""
WITH nq AS (SELECT * FROM {nq}),
pairs AS (SELECT pid, age, m, c AS idx FROM nq UNION ALL SELECT pid, age, m, nc FROM nq WHERE nc IS NOT NULL),
px AS ({sql}),
ra AS (
    SELECT pairs.pid, pairs.age,
           max({_SROW.format("px.")}) FILTER (WHERE px.own AND px.us <= pairs.m) AS bo,
           max({_SROW.format("px.")}) FILTER (WHERE NOT px.own AND px.us <= pairs.m) AS bp,
           max(px.us) FILTER (WHERE px.us <= pairs.m) AS bt,
           max(struct_pack(nu := -px.us, r := {_SROW.format("px.")})) FILTER (WHERE px.own AND px.us > pairs.m) AS xo,
           max(struct_pack(nu := -px.us, r := {_SROW.format("px.")})) FILTER (WHERE NOT px.own AND px.us > pairs.m)
               AS xp
    FROM px JOIN pairs ON px.pid = pairs.pid AND px.idx = pairs.idx
    GROUP BY pairs.pid, pairs.age
),
b AS (
    SELECT nq.pid, nq.age, nq.m,
           coalesce({_strip("ra.bo")}, cs.so) AS so, coalesce({_strip("ra.bp")}, cs.sp) AS sp,
           coalesce(ra.bt, greatest(cs.so.u, cs.sp.u)) AS bt, {_strip("ra.xo.r")} AS xo, {_strip("ra.xp.r")} AS xp
    FROM nq LEFT JOIN ra USING (pid, age) LEFT JOIN {self.agg}_state cs ON cs.pid = nq.pid AND cs.idx = nq.c - 1
),
x AS (
    SELECT pid, age, m, bt, so, sp, least(xo.u, xp.u) AS xt,
           CASE WHEN xo.u = least(xo.u, xp.u) THEN xo ELSE so END AS ao,
           CASE WHEN xp.u = least(xo.u, xp.u) THEN xp ELSE sp END AS ap
    FROM b
),
y AS (SELECT pid, age, m, bt, xt, {_pick("sp", "so")} AS bc, {_pick("ap", "ao")} AS ac FROM x)
SELECT sel.post_key, age, m, bt, bc.v, bc.k, xt, ac.v, ac.k FROM y JOIN {self.sel} sel USING (pid)
WHERE bt = m OR (bt IS NOT NULL AND xt IS NOT NULL)
""",
            params,
        ).fetchall()
        max_gap = MAX_INTERPOLATION_GAP // timedelta(microseconds=1)
        for post_key, age, m, bt, bv, bk, xt, av, ak in rows:
            if bt == m:  # a snapshot at that very age
                out[post_key][age] = AgeValue(int(bv), _KINDS[bk], False)
                continue
            if xt - bt > max_gap:  # not carried nor interpolated over a gap
                continue
            value = interpolate_us(int(bv), int(av), m - bt, xt - bt)
            out[post_key][age] = AgeValue(value, _KINDS[max(bk, ak)], True)  # the weaker kind (codes ordered)
        return out

    # -- each post's current numbers ---------------------------------------------------------

    def latest_values(self) -> dict[str, LatestValues]:
        """:meth:`reach.store.Store.latest_values` of the posts as of the report's end (same rule,
        same result), reading only the snapshots it needs.

        Per post and source class (owner / public), the snapshots at the class's newest time
        usually show every counter the class ever showed: then they alone decide that class's
        values (a counter's newest non-NULL value is in them). Only for a post where they do not
        (a newer snapshot left a counter out) are older snapshots read: from the newest chunk that
        still holds the newest value of every counter and source it ever showed."""
        cls, new, full = f"{self.agg}_cls", f"{self.agg}_new", f"{self.agg}_cut"
        params: dict[str, Any] = {"before": self.before}
        try:
            # each class's newest time (and what the class ever showed) from the one-pass table
            self.con.execute(
                f"""CREATE OR REPLACE TEMP TABLE {cls} AS
                    SELECT a.pid, sel.post_key, a.own, a.t, a.mask
                    FROM (SELECT pid, own, max(t2[1]) AS t, bit_or(mask) AS mask FROM {self.agg} GROUP BY pid, own) a
                         JOIN {self.sel} sel USING (pid)"""
            )
            low = self.con.execute(f"SELECT min(t) FROM {cls}").fetchone()
            if not low or low[0] is None:
                return {}
            params["lo"] = from_epoch_us(low[0])
            self.con.execute(
                f"""CREATE OR REPLACE TEMP TABLE {new} AS
                    SELECT c.pid, c.mask AS cmask, s.post_key, s.collected_at, s.snapshot_id, s.source, s.extra,
                           {_METRIC_COLUMNS}, c.own, {MASK} AS rmask
                    FROM snapshots s JOIN {cls} c ON c.post_key = s.post_key AND epoch_us(s.collected_at) = c.t
                         AND c.own = {OWNER_SOURCE_SQL.replace("source", "s.source")}
                    WHERE s.collected_at >= $lo AND s.collected_at < $before""",
                params,
            )
            # posts whose newest snapshots of a class miss a counter that class showed before
            short = self.con.execute(  # CREATE TABLE ... AS answers with the number of rows
                f"""CREATE OR REPLACE TEMP TABLE {full} AS
                    SELECT DISTINCT pid FROM (SELECT pid, own, any_value(cmask) AS cmask, bit_or(rmask) AS got
                                              FROM {new} GROUP BY pid, own)
                    WHERE got <> cmask"""
            ).fetchone()
            rows = self.con.execute(
                latest_sql(f"SELECT * FROM {new} WHERE pid NOT IN (SELECT pid FROM {full})")
            ).fetchall()
            if short and short[0]:
                rows += self._latest_from_chunks(full)
        finally:
            self.con.execute("; ".join(f"DROP TABLE IF EXISTS {table}" for table in (cls, new, full)))
        return latest_from_rows(rows)

    def _latest_from_chunks(self, only: str) -> list[tuple[Any, ...]]:
        """:func:`reach.store.latest_sql` rows of the posts in table ``only`` (``pid``), over the
        snapshots of each post's last chunks that still hold every counter it ever showed."""
        bits = [
            f"max(idx) FILTER (WHERE {own} AND mask & {1 << i} <> 0)" for i in range(5) for own in ("own", "NOT own")
        ]
        bits.append("max(idx) FILTER (WHERE mask & 32 <> 0)")
        cut = f"{self.agg}_cutidx"
        self.con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {cut} AS
                SELECT pid, least(max(idx), {", ".join(bits)}) AS c FROM {self.agg}
                WHERE pid IN (SELECT pid FROM {only}) GROUP BY pid"""
        )
        try:
            low = self.con.execute(f"SELECT min(c) FROM {cut}").fetchone()
            if not low or low[0] is None:
                return []
            starts = {c[0]: c[1] for c in self.chunk_bounds}
            starts_us = lit([to_epoch_us(c[1]) for c in self.chunk_bounds], "BIGINT")
            first = self.chunk_bounds[0][0]
            # a snapshot without views older than every chunk (the chunks before the range start at the
            # oldest snapshot *with views*) has a chunk index below ``first``: read that post from its start
            params: dict[str, Any] = {"before": self.before}
            lo = ""
            if int(low[0]) >= first:
                lo, params["lo"] = "s.collected_at >= $lo AND", starts[int(low[0])]
            rows: list[tuple[Any, ...]] = self.con.execute(
                f"""WITH cut AS (
                        SELECT sel.post_key,
                               CASE WHEN c >= {first} THEN list_extract({starts_us}, c - {first} + 1) END AS t0
                        FROM {cut} JOIN {self.sel} sel USING (pid)
                    ),
                    base AS (
                        SELECT s.*, {OWNER_SOURCE_SQL} AS own FROM snapshots s JOIN cut USING (post_key)
                        WHERE {lo} s.collected_at < $before AND (cut.t0 IS NULL OR epoch_us(s.collected_at) >= cut.t0)
                    )
                    {latest_sql("SELECT * FROM base")}""",
                params,
            ).fetchall()
            return rows
        finally:
            self.con.execute(f"DROP TABLE IF EXISTS {cut}")
