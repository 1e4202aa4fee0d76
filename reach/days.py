"""The day table: per post, local day and source class, a summary of the snapshots, so that a report
by day, week or month reads a few rows per post and day instead of every snapshot.

A report of 10,000 posts collected hourly reads 10 million snapshots; their summary per local day
is 24 times smaller, and it changes only where new snapshots fall (usually the newest day). The
table is **derived data**: it holds nothing that is not in ``snapshots`` and can be dropped at any
time (it is rebuilt by the next report).

Tables (created by the first report that uses them; never copied by ``reach migrate``)::

    report_days        zone, post_key, day_us (the local day's start, microseconds since the epoch),
                       own (owner data), hv (shows views), t1 (newest snapshot, us), tmin (oldest, us),
                       v / k / g (views, kind code 0 exact 1 approximate 2 lower bound, granularity of
                       the newest snapshot; several at that instant: the largest snapshot id, as the
                       timeline orders them), vmax (largest views), mask (counters shown: bits 0-4 in
                       METRIC_NAMES order, 5 extras)
    report_days_state  zone, max_rowid, rows: which snapshots the zone's rows summarise; day_rows: how many
                       rows the zone has (rows removed or added by hand are seen, and the zone rebuilt)

**Kept current** by :func:`refresh`, called by the report before it reads: snapshots are
append-only and DuckDB gives committed rows increasing row ids, so the rows after ``max_rowid`` are
the new ones. Where they are all newer than a row's newest snapshot they merge into it (the usual
run: nothing old is read again); a day that receives an older snapshot or one at the same instant
is summarised again from all its snapshots. When the counts do not add up (snapshots or day rows
removed or written outside reach) the zone's rows are rebuilt from scratch. A
DuckLake store has no such row ids: its reports read the snapshots (:mod:`reach.series`).

The grouped pass itself (:func:`summarize`) and the bucket lookup (:func:`index_sql`) are shared
with :mod:`reach.series`, which runs them over the snapshots when it cannot use this table.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import duckdb

from .models import METRIC_NAMES
from .store import OWNER_SOURCE_SQL, from_epoch_us, rollback_quietly, to_epoch_us

if TYPE_CHECKING:
    from .store import Store

TABLE = "report_days"
STATE = "report_days_state"
MAX_DAYS = 40_000
"""Longest run of days (about 110 years) the table covers; snapshots spread wider are read directly."""
MAX_SLOTS = 50_000
"""Largest bucket lookup list; beyond it (odd zone offsets over long ranges) an ASOF join assigns buckets."""

# a snapshot's views kind as a number: 0 exact, 1 approximate, 2 lower bound
KIND_CODE = "CASE s.views_kind WHEN 'approximate' THEN 1 WHEN 'lower_bound' THEN 2 ELSE 0 END"

# which counters (bits 0-4, METRIC_NAMES order) and extras (bit 5) a snapshot shows
MASK = " + ".join(f"(CASE WHEN s.{m} IS NOT NULL THEN {1 << i} ELSE 0 END)" for i, m in enumerate(METRIC_NAMES))
MASK += " + (CASE WHEN s.extra IS NOT NULL THEN 32 ELSE 0 END)"

_CREATE = [
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        zone VARCHAR NOT NULL, post_key VARCHAR NOT NULL, day_us BIGINT NOT NULL, own BOOLEAN NOT NULL,
        hv BOOLEAN NOT NULL, t1 BIGINT NOT NULL, tmin BIGINT NOT NULL, v BIGINT, k INTEGER, g BIGINT,
        vmax BIGINT, mask INTEGER)""",
    f"""CREATE TABLE IF NOT EXISTS {STATE} (
        zone VARCHAR NOT NULL, max_rowid BIGINT NOT NULL, rows BIGINT NOT NULL, day_rows BIGINT NOT NULL,
        last_id VARCHAR, first_day BIGINT, last_day BIGINT, rules VARCHAR)""",
]


_COLUMNS = {
    TABLE: ["zone", "post_key", "day_us", "own", "hv", "t1", "tmin", "v", "k", "g", "vmax", "mask"],
    STATE: ["zone", "max_rowid", "rows", "day_rows", "last_id", "first_day", "last_day", "rules"],
}


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of the local ``day`` in ``zone`` (how every report bucket of a day or more starts)."""
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def day_starts(first: datetime, last: datetime, zone: ZoneInfo) -> list[int] | None:
    """The starts (us) of the local days from the one holding ``first`` to the one after ``last``,
    ``None`` when they do not increase (a zone that skipped a calendar day), the calendar ends or there
    are more than :data:`MAX_DAYS`."""
    try:
        day = first.astimezone(zone).date()
        out = [to_epoch_us(local_midnight(day, zone))]
        end = to_epoch_us(last)
        while out[-1] <= end:
            if len(out) > MAX_DAYS:  # a time centuries away (a typing slip): not worth a table
                return None
            day += timedelta(days=1)
            out.append(to_epoch_us(local_midnight(day, zone)))
            if out[-1] <= out[-2]:
                return None
    except OverflowError:  # the last days of the calendar (year 9999) have no next day
        return None
    return out


def index_sql(relation: str, grid: Sequence[int], first: int = 0, before: str | None = None) -> str:
    """``relation`` (with a column ``us``: microseconds since the epoch) and ``idx``: ``first + i`` for
    ``grid[i] <= us < grid[i + 1]``; before ``grid[0]`` the SQL expression ``before`` of ``us`` (default
    ``first - 1``). A lookup list over slots of the largest step dividing every boundary (no sort,
    DST-safe), or an ASOF join when that list would be long."""
    g0 = grid[0]
    below = before if before is not None else str(first - 1)
    step = 0
    for b in grid[1:]:
        step = math.gcd(step, b - g0)
    step = step or 1
    if (grid[-1] - g0) // step <= MAX_SLOTS:
        lookup: list[int] = []
        for i in range(len(grid) - 1):
            lookup += [first + i] * ((grid[i + 1] - grid[i]) // step)
        return f"""SELECT *, CASE WHEN us >= {g0} THEN list_extract({lit(lookup)}, ((us - {g0}) // {step}) + 1)
                                  ELSE {below} END AS idx
                   FROM ({relation})"""
    starts = lit(grid[:-1], "BIGINT")
    return f"""SELECT * EXCLUDE (gidx), CASE WHEN us >= {g0} THEN gidx ELSE {below} END AS idx
               FROM (SELECT p.*, g.gidx
                     FROM ({relation}) p ASOF LEFT JOIN
                          (SELECT unnest({starts}) AS gus, generate_subscripts({starts}, 1) - 1 + {first} AS gidx) g
                          ON p.us >= g.gus)"""


def lit(values: Sequence[int], kind: str = "INTEGER") -> str:
    """A SQL list literal of integers (our own numbers: chunk indexes, times)."""
    return f"[{', '.join(str(int(v)) for v in values)}]::{kind}[]"


def summarize(con: duckdb.DuckDBPyConnection, table: str, relation: str, params: dict[str, Any], key: str) -> None:
    """Create the temporary ``table``: per ``key``, ``idx``, ``own`` and ``hv`` of ``relation`` (rows with
    ``us, sid, v, k, g, own, hv, mask`` and ``idx``), the two newest times ``t2`` (a list), the oldest
    ``tmin``, the newest views ``v, k, g`` (scalar ``arg_max`` by the time; when the two newest times are
    equal, settled again by the largest snapshot id, as the timeline orders snapshots of one instant),
    the largest views ``vmax`` and the counters shown ``mask`` (bit or)."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {table} AS
            SELECT {key}, idx, own, hv, max(us, 2) AS t2, min(us) AS tmin,
                   arg_max(v, us) AS v, arg_max(k, us) AS k, arg_max(g, us) AS g,
                   max(v) AS vmax, bit_or(mask) AS mask
            FROM ({relation}) GROUP BY {key}, idx, own, hv""",
        params,
    )
    tied = "a.hv AND len(a.t2) = 2 AND a.t2[1] = a.t2[2]"
    row = con.execute(f"SELECT count(*) FROM {table} a WHERE {tied}").fetchone()
    if row and row[0]:
        con.execute(
            f"""UPDATE {table} SET v = f.r.v, k = f.r.k, g = f.r.g
                FROM (SELECT px.{key}, px.idx, px.own, max(struct_pack(u := px.us, sid := px.sid, v := px.v,
                                                                        k := px.k, g := px.g)) AS r
                      FROM ({relation}) px JOIN {table} a
                           ON a.{key} = px.{key} AND a.idx = px.idx AND a.own = px.own AND px.us = a.t2[1]
                              AND px.hv AND {tied}
                      GROUP BY px.{key}, px.idx, px.own) f
                WHERE {table}.hv AND {table}.{key} = f.{key} AND {table}.idx = f.idx AND {table}.own = f.own""",
            params,
        )


def points_sql(where: str = "") -> str:
    """Every snapshot as the rows :func:`summarize` reads (``post_key`` as the key)."""
    return f"""SELECT s.post_key, epoch_us(s.collected_at) AS us, s.snapshot_id AS sid, s.views AS v,
                      {KIND_CODE} AS k, coalesce(s.views_granularity, 1) AS g, {OWNER_SOURCE_SQL} AS own,
                      s.views IS NOT NULL AS hv, {MASK} AS mask
               FROM snapshots s {where}"""


def refresh(store: Store, zone: ZoneInfo) -> bool:
    """Bring the day table of ``zone`` up to date with the snapshots, in one transaction of its own:
    build it when missing or when it no longer matches (see the module's docstring), else summarise
    what was written since. ``True`` when the table is current (the report may read it); ``False`` when
    the report must read the snapshots instead: a DuckLake store, a zone whose days do not follow each
    other, times beyond the calendar, a transaction already open on the connection, or another writer
    updating the table at the same moment (nothing is written then)."""
    if store.lake is not None or store.in_transaction:
        return False
    con = store.con
    try:
        con.begin()
    except duckdb.TransactionException:  # inside the caller's transaction: no writes of ours in it
        return False
    try:
        current = _refresh(con, zone)
        con.commit()
    except duckdb.TransactionException:  # a concurrent refresh wrote first: this report reads the snapshots
        rollback_quietly(con)
        return False
    except BaseException:
        rollback_quietly(con)
        raise
    return current


def _refresh(con: duckdb.DuckDBPyConnection, zone: ZoneInfo) -> bool:
    shapes = con.execute(
        """SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns()
           WHERE database_name = current_database() AND schema_name = 'main' AND table_name IN (?, ?)
           GROUP BY table_name""",
        [TABLE, STATE],
    ).fetchall()
    if any(columns != _COLUMNS[name] for name, columns in shapes):  # written by another version of reach
        con.execute(f"DROP TABLE IF EXISTS {TABLE}; DROP TABLE IF EXISTS {STATE}")
    for sql in _CREATE:
        con.execute(sql)
    # the zone's state, unless its rows were removed or added by hand
    state = con.execute(
        f"""SELECT max_rowid, rows, last_id, first_day, last_day, rules FROM {STATE}
            WHERE zone = $zone AND day_rows = (SELECT count(*) FROM {TABLE} WHERE zone = $zone)""",
        {"zone": zone.key},
    ).fetchone()
    row = con.execute("SELECT count(*) FROM snapshots").fetchone()
    total = int(row[0]) if row else 0
    since = -1
    if state is not None and _same_rules(state[3], state[4], state[5], zone):
        max_rowid, rows, last_id = int(state[0]), int(state[1]), state[2]
        # the row ids still point at the same snapshots (rows deleted then compacted renumber them) ...
        at = con.execute(f"SELECT snapshot_id FROM snapshots WHERE rowid = {max_rowid}").fetchone()
        new = con.execute(f"SELECT count(*) FROM snapshots WHERE rowid > {max_rowid}").fetchone()
        # ... and every other snapshot is one after them
        if (at[0] if at else None) == last_id and new and total - int(new[0]) == rows:
            if not new[0]:
                return True
            since = max_rowid
    return _update(con, zone, since, total)


def _rules(first: int, last: int, zone: ZoneInfo) -> str | None:
    """A fingerprint of the zone's local midnights from the day starting at ``first`` to ``last`` (us):
    another tzdata (a country that changed its offset) gives another one."""
    starts = day_starts(from_epoch_us(first), from_epoch_us(last), zone)
    return None if starts is None else hashlib.sha256(repr(starts).encode()).hexdigest()


def _same_rules(first: int | None, last: int | None, rules: str | None, zone: ZoneInfo) -> bool:
    return first is None or last is None or _rules(first, last, zone) == rules


def _update(con: duckdb.DuckDBPyConnection, zone: ZoneInfo, since: int, total: int) -> bool:
    """Summarise the snapshots after row id ``since`` (``-1``: all, the zone's rows replaced)."""
    key = zone.key
    span = con.execute(
        f"SELECT min(collected_at), max(collected_at), max(rowid) FROM snapshots WHERE rowid > {since}"
    ).fetchone()
    assert span is not None
    if span[0] is None:  # no snapshots at all
        con.execute(f"DELETE FROM {TABLE} WHERE zone = ?", [key])
        _set_state(con, zone, -1, total)
        return True
    grid = day_starts(span[0], span[1], zone)
    if grid is None:
        return False
    days, aff, new, fresh = f"{TABLE}_new", f"{TABLE}_aff", f"{TABLE}_pairs", f"{TABLE}_fresh"
    day_us = f"list_extract({lit(grid, 'BIGINT')}, idx + 1)"
    insert = f"INSERT INTO {TABLE} (zone, post_key, day_us, own, hv, t1, tmin, v, k, g, vmax, mask)"
    try:
        if since < 0:
            con.execute(f"DELETE FROM {TABLE} WHERE zone = ?", [key])
            summarize(con, days, index_sql(points_sql(), grid), {}, "post_key")
            con.execute(
                f"{insert} SELECT $zone, post_key, {day_us}, own, hv, t2[1], tmin, v, k, g, vmax, mask FROM {days}",
                {"zone": key},
            )
        else:
            # the new snapshots per post, day and class, beside the row that summarises the older ones
            summarize(con, days, index_sql(f"{points_sql()} WHERE s.rowid > {since}", grid), {}, "post_key")
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE {fresh} AS
                    SELECT n.*, {day_us.replace("idx", "n.idx")} AS day_us, d.t1 AS ot1, d.tmin AS otmin,
                           d.vmax AS ovmax, d.mask AS omask
                    FROM {days} n LEFT JOIN {TABLE} d
                         ON d.zone = $zone AND d.post_key = n.post_key AND d.day_us = {day_us.replace("idx", "n.idx")}
                            AND d.own = n.own AND d.hv = n.hv""",
                {"zone": key},
            )
            # a day with a new snapshot at or before one already summarised (an old day filled in, a tie
            # on the time) is summarised again from all its snapshots
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE {aff} AS
                    SELECT DISTINCT post_key, idx, day_us FROM {fresh} WHERE ot1 >= tmin"""
            )
            again = con.execute(f"SELECT count(*) FROM {aff}").fetchone()
            if again and again[0]:
                where = (
                    "WHERE s.collected_at >= $lo AND s.collected_at < $hi "
                    f"AND s.post_key IN (SELECT post_key FROM {aff})"
                )
                pairs = f"""SELECT p.* FROM ({index_sql(points_sql(where), grid)}) p
                            SEMI JOIN {aff} a ON a.post_key = p.post_key AND a.idx = p.idx"""
                bounds = {"lo": from_epoch_us(grid[0]), "hi": from_epoch_us(grid[-1])}
                con.execute(f"CREATE OR REPLACE TEMP TABLE {new} AS {pairs}", bounds)
                summarize(con, f"{days}_again", f"SELECT * FROM {new}", {}, "post_key")
                con.execute(
                    f"""DELETE FROM {TABLE} d USING {aff} a
                        WHERE d.zone = $zone AND d.post_key = a.post_key AND d.day_us = a.day_us""",
                    {"zone": key},
                )
                con.execute(
                    f"""{insert} SELECT $zone, post_key, {day_us}, own, hv, t2[1], tmin, v, k, g, vmax, mask
                        FROM {days}_again""",
                    {"zone": key},
                )
            # elsewhere every new snapshot is newer than the summarised ones: the two merge
            con.execute(
                f"""DELETE FROM {TABLE} d USING {fresh} f
                    WHERE d.zone = $zone AND d.post_key = f.post_key AND d.day_us = f.day_us AND d.own = f.own
                      AND d.hv = f.hv AND f.ot1 IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM {aff} a WHERE a.post_key = f.post_key AND a.idx = f.idx)""",
                {"zone": key},
            )
            con.execute(
                f"""{insert}
                    SELECT $zone, f.post_key, f.day_us, f.own, f.hv, f.t2[1], coalesce(least(f.tmin, f.otmin), f.tmin),
                           f.v, f.k, f.g, CASE WHEN f.ovmax IS NULL OR f.vmax >= f.ovmax THEN f.vmax ELSE f.ovmax END,
                           coalesce(f.mask | f.omask, f.mask)
                    FROM {fresh} f ANTI JOIN {aff} a ON a.post_key = f.post_key AND a.idx = f.idx""",
                {"zone": key},
            )
        _set_state(con, zone, int(span[2]), total)
    finally:
        tables = (days, f"{days}_again", aff, new, fresh)
        con.execute("; ".join(f"DROP TABLE IF EXISTS {t}" for t in tables))
    return True


def _set_state(con: duckdb.DuckDBPyConnection, zone: ZoneInfo, max_rowid: int, rows: int) -> None:
    """Record what the zone's rows summarise: the snapshots up to row id ``max_rowid`` (and the id of
    that snapshot), ``rows`` snapshots in all, how many day rows, their first and last day and the
    fingerprint of the zone's midnights over them."""
    key = {"zone": zone.key}
    span = con.execute(f"SELECT count(*), min(day_us), max(day_us) FROM {TABLE} WHERE zone = $zone", key).fetchone()
    day_rows, first, last = span if span else (0, None, None)
    at = con.execute(f"SELECT snapshot_id FROM snapshots WHERE rowid = {max_rowid}").fetchone()
    rules = None if first is None else _rules(first, last, zone)
    con.execute(f"DELETE FROM {STATE} WHERE zone = $zone", key)
    con.execute(
        f"INSERT INTO {STATE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [zone.key, max_rowid, rows, day_rows, at[0] if at else None, first, last, rules],
    )
