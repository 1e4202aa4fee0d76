"""Storage: one DuckDB file with an append-only history of snapshots.

Tables (all times are ``TIMESTAMPTZ`` in UTC)::

    posts            post_key PK, platform, post_id, url, title, author, published_at, added_at,
                     active, fetch_params (JSON text: share tokens and the like, never secrets)
    campaigns        name PK, description, target_views, starts_on, created_at
    campaign_posts   (campaign, post_key) PK, added_at
    snapshots        snapshot_id PK (deterministic), post_key, collected_at, run_id, source,
                     for each of views/likes/comments/shares/favorites: <m> BIGINT (NULL = not
                     shown), <m>_kind, <m>_granularity, <m>_raw; extra (JSON text), title, author,
                     published_at, note.  Append-only: rows are never updated or deleted.
    runs             run_id PK, started_at, finished_at, reach_version, selection, posts, ok, failed
    run_outcomes     (run_id, post_key) PK, status, message, http_status, snapshot_id, at
    post_state       post_key PK, last_attempt_at, last_ok_at (start of the run), last_status,
                     last_message, fail_streak, unavailable_streak, flag (NULL, ``unavailable``: deleted,
                     no longer fetched; ``failing``), flagged_at: what ``collect --due`` and
                     ``reach failures`` use (schema version 3)
    schema_migrations version PK, name, applied_at
    imports          file_sha256 PK, file_name, shape, platform, observed_at, campaign, rows, written,
                     first_imported_at, last_imported_at: each creator-centre export or spreadsheet
                     imported (schema version 2)
    post_aliases     (platform, alias) PK, post_key, source, added_at: other ids of a post, such as the
                     ``视频ID`` of a WeChat Channels export, learned when an import matched it (version 2)
    alert_channels   channel_id (deterministic), campaign, kind, url, secret, stall_hours, milestones (JSON),
                     created_at: where ``reach alerts`` go (version 4; URL and secret never shown)
    alert_events     event_key (deterministic), channel_id, campaign, kind, subject, payload (JSON), detected_at
    alert_deliveries event_key, channel_id, attempted_at, ok, detail (a masked reason): one row per attempt

Views: ``latest_snapshots`` (each post's newest snapshot) and ``post_latest`` (posts joined to it).

**Sources.** ``snapshots.source`` says where numbers came from: ``<collector>@<version>`` for public
counters, ``manual`` for ``reach record``, ``import:<shape>:<file name>`` for ``reach import``. The
last two are *owner data* (:func:`is_owner_source`); :func:`prefer_public` is the one rule that picks,
per counter, between a post's owner and public values (see :mod:`reach.report`).

Uniqueness comes from deterministic keys checked in our own code (the same code runs on
backends without constraints); the constraints here are a safety net. Every write is one
transaction. One writer at a time: a second process waits up to ``lock_timeout`` seconds, then
:class:`~reach.errors.DatabaseBusy` is raised.

**DuckLake.** A path ``ducklake:sqlite:<file>`` or ``ducklake:postgres:<conninfo>`` opens a shared
lake instead (:mod:`reach.lake`): the same tables and views, created without PRIMARY KEYs (DuckLake
has none). Every write transaction updates the lake's guard row, so concurrent writers conflict and
are serialised; each write method (``@_atomic``) is retried whole on a conflict or a busy catalog.
The store's "insert when absent" checks therefore hold across processes and machines, and reads
need no deduplication.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import duckdb
import filelock

from . import __version__
from .errors import ConfigError, DatabaseBusy, InputError, NotFound
from .models import METRIC_NAMES, Count, CountKind, Metrics, Outcome, PostRef, RunSummary, Snapshot
from .redact import public_url

if TYPE_CHECKING:
    from .schedule import PostState

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _atomic(method: Callable[Concatenate[Store, _P], _R]) -> Callable[Concatenate[Store, _P], _R]:
    """Make a write method (one transaction) safe on a lake: on a commit conflict or a busy catalog
    the whole method runs again, after a jittered, growing wait (:func:`reach.lake.retrying`), for at
    least 30 s (or ``lock_timeout`` when longer). Iterators among the arguments are read into lists
    first, so that a retry sees the same input. On a DuckDB file this changes nothing."""

    @functools.wraps(method)
    def wrapper(self: Store, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        if self.lake is None or self._depth:
            self._depth += 1
            try:
                return method(self, *args, **kwargs)
            finally:
                self._depth -= 1
        from .lake import retrying

        frozen_args = tuple(list(a) if isinstance(a, Iterator) else a for a in args)
        frozen_kwargs = {k: list(v) if isinstance(v, Iterator) else v for k, v in kwargs.items()}

        def once() -> _R:
            self._depth += 1
            try:
                return method(self, *frozen_args, **frozen_kwargs)  # type: ignore[arg-type]
            finally:
                self._depth -= 1

        return retrying(once, max(self.lock_timeout, 30.0), what=f"DuckLake {self.lake}")

    return wrapper


def _is_sqlite(path: Path) -> bool:
    """Whether a file starts with SQLite's header (a DuckLake catalog given as a DuckDB file)."""
    try:
        with open(path, "rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _lake_sql(sql: str) -> str:
    """A migration statement as a lake takes it: no PRIMARY KEY / UNIQUE constraints (the store keeps
    uniqueness itself) and no indexes (``""``: skip the statement)."""
    if re.match(r"\s*CREATE\s+(UNIQUE\s+)?INDEX\b", sql, re.IGNORECASE):
        return ""
    sql = re.sub(r",\s*(PRIMARY\s+KEY|UNIQUE)\s*\([^)]*\)", "", sql, flags=re.IGNORECASE)
    sql = re.sub(r"\s+PRIMARY\s+KEY\b", " NOT NULL", sql, flags=re.IGNORECASE)
    return re.sub(r"\s+UNIQUE\b(?!\s*\()", "", sql, flags=re.IGNORECASE)


_METRIC_COLUMNS = ", ".join(
    f"{m} BIGINT, {m}_kind VARCHAR, {m}_granularity BIGINT, {m}_raw VARCHAR" for m in METRIC_NAMES
)

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "initial schema",
        [
            """CREATE TABLE posts (
                post_key VARCHAR PRIMARY KEY, platform VARCHAR NOT NULL, post_id VARCHAR NOT NULL,
                url VARCHAR, title VARCHAR, author VARCHAR, published_at TIMESTAMPTZ,
                added_at TIMESTAMPTZ NOT NULL, active BOOLEAN NOT NULL DEFAULT TRUE,
                fetch_params VARCHAR)""",
            """CREATE TABLE campaigns (
                name VARCHAR PRIMARY KEY, description VARCHAR, target_views BIGINT, starts_on DATE,
                created_at TIMESTAMPTZ NOT NULL)""",
            """CREATE TABLE campaign_posts (
                campaign VARCHAR NOT NULL, post_key VARCHAR NOT NULL, added_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (campaign, post_key))""",
            f"""CREATE TABLE snapshots (
                snapshot_id VARCHAR PRIMARY KEY, post_key VARCHAR NOT NULL,
                collected_at TIMESTAMPTZ NOT NULL, run_id VARCHAR, source VARCHAR NOT NULL,
                {_METRIC_COLUMNS}, extra VARCHAR, title VARCHAR, author VARCHAR,
                published_at TIMESTAMPTZ, note VARCHAR)""",
            """CREATE TABLE runs (
                run_id VARCHAR PRIMARY KEY, started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ,
                reach_version VARCHAR, selection VARCHAR, posts INTEGER, ok INTEGER, failed INTEGER)""",
            """CREATE TABLE run_outcomes (
                run_id VARCHAR NOT NULL, post_key VARCHAR NOT NULL, status VARCHAR NOT NULL,
                message VARCHAR, http_status INTEGER, snapshot_id VARCHAR, recorded_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (run_id, post_key))""",
            """CREATE VIEW latest_snapshots AS
                SELECT * FROM snapshots
                QUALIFY row_number() OVER (PARTITION BY post_key ORDER BY collected_at DESC, snapshot_id) = 1""",
            """CREATE VIEW post_latest AS
                SELECT p.*, s.collected_at AS last_collected_at, """
            + ", ".join(f"s.{m}, s.{m}_kind" for m in METRIC_NAMES)
            + """ FROM posts p LEFT JOIN latest_snapshots s USING (post_key)""",
        ],
    ),
    (
        2,
        "owner data: imported files and post aliases",
        [
            """CREATE TABLE imports (
                file_sha256 VARCHAR PRIMARY KEY, file_name VARCHAR NOT NULL, shape VARCHAR NOT NULL,
                platform VARCHAR, observed_at TIMESTAMPTZ NOT NULL, campaign VARCHAR, rows INTEGER,
                written INTEGER, first_imported_at TIMESTAMPTZ NOT NULL, last_imported_at TIMESTAMPTZ NOT NULL)""",
            """CREATE TABLE post_aliases (
                platform VARCHAR NOT NULL, alias VARCHAR NOT NULL, post_key VARCHAR NOT NULL,
                source VARCHAR, added_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (platform, alias))""",
        ],
    ),
    (
        3,
        "unattended collection: what each post's attempts were",
        [
            """CREATE TABLE post_state (
                post_key VARCHAR PRIMARY KEY, last_attempt_at TIMESTAMPTZ, last_ok_at TIMESTAMPTZ,
                last_status VARCHAR, last_message VARCHAR, fail_streak INTEGER NOT NULL DEFAULT 0,
                unavailable_streak INTEGER NOT NULL DEFAULT 0, flag VARCHAR, flagged_at TIMESTAMPTZ)""",
            """INSERT INTO post_state (post_key, last_attempt_at, last_ok_at, last_status)
                SELECT o.post_key, max(r.started_at), max(r.started_at) FILTER (WHERE o.status = 'ok'),
                       arg_max(o.status, r.started_at)
                FROM run_outcomes o JOIN runs r USING (run_id)
                WHERE o.post_key IN (SELECT post_key FROM posts)
                GROUP BY o.post_key""",
        ],
    ),
    (
        4,
        "alerts: webhook channels per campaign, detected events, delivery attempts",
        [
            # no PRIMARY KEY / UNIQUE / DEFAULT: uniqueness is kept in code by deterministic keys (Store.add_alert_*)
            """CREATE TABLE alert_channels (
                channel_id VARCHAR NOT NULL, campaign VARCHAR NOT NULL, kind VARCHAR NOT NULL,
                url VARCHAR NOT NULL, secret VARCHAR, stall_hours DOUBLE, milestones VARCHAR,
                created_at TIMESTAMPTZ NOT NULL)""",
            """CREATE TABLE alert_events (
                event_key VARCHAR NOT NULL, channel_id VARCHAR NOT NULL, campaign VARCHAR NOT NULL,
                kind VARCHAR NOT NULL, subject VARCHAR, payload VARCHAR NOT NULL, detected_at TIMESTAMPTZ NOT NULL)""",
            """CREATE TABLE alert_deliveries (
                event_key VARCHAR NOT NULL, channel_id VARCHAR NOT NULL, attempted_at TIMESTAMPTZ NOT NULL,
                ok BOOLEAN NOT NULL, detail VARCHAR)""",
        ],
    ),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]

UNAVAILABLE_AFTER = 3
"""A post found unavailable this many times in a row is flagged ``unavailable`` and no longer fetched."""
FAILING_AFTER = 5
"""A post that failed this many times in a row (any failure) is flagged ``failing`` (still fetched)."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise InputError(f"time {value.isoformat()} has no time zone; reach stores UTC instants")
    return value.astimezone(timezone.utc)


MAX_NAME = 200


def campaign_name(name: str) -> str:
    """A campaign name as stored: surrounding spaces removed (``"禁毒 "`` is ``"禁毒"``).

    Raises:
        InputError: empty, longer than 200 characters, or holding line breaks or control characters.
    """
    clean = name.strip() if isinstance(name, str) else ""
    if not clean:
        raise InputError("the campaign name is empty: give a name such as 禁毒宣传2026")
    if len(clean) > MAX_NAME:
        raise InputError(f"the campaign name is {len(clean)} characters long; use at most {MAX_NAME}")
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in clean):
        raise InputError("the campaign name contains a line break or control character: use one line of text")
    return clean


MAX_COUNT = (1 << 63) - 1


def check_metrics(metrics: Metrics) -> None:
    """Refuse counts no platform can have (negative, or beyond a 64-bit integer).

    Raises:
        ParseError: with the counter's name; the snapshot is not written.
    """
    from .errors import ParseError

    for name in (*METRIC_NAMES, *metrics.extra):
        c = metrics.get(name)
        if c is not None and c.value is not None and not 0 <= c.value <= MAX_COUNT:
            raise ParseError(f"impossible {name} count {c.value}: nothing recorded")
        if c is not None and not 0 < c.granularity <= MAX_COUNT:
            raise ParseError(f"impossible precision for {name} ({c.granularity}): nothing recorded")


def clean_text(value: str | None) -> str | None:
    """Text safe to store: lone surrogates (broken emoji from a platform) become U+FFFD."""
    if value is None:
        return None
    return value.encode("utf-8", "replace").decode("utf-8") if not value.isascii() else value


def snapshot_id(post_key: str, collected_at: datetime, source: str) -> str:
    """Deterministic id: the same observation written twice is one row."""
    stamp = _utc(collected_at)
    assert stamp is not None
    digest = hashlib.sha256(f"{post_key}|{stamp.isoformat()}|{source}".encode()).hexdigest()
    return digest[:24]


OWNER_SOURCE_SQL = "(source = 'manual' OR starts_with(source, 'import:'))"
"""SQL test of a ``snapshots`` row: were its numbers reported by the post's owner?"""


def is_owner_source(source: str | None) -> bool:
    """Whether a snapshot's ``source`` is owner data: ``manual`` (``reach record``) or ``import:…``
    (``reach import``), as opposed to a collector's public counters (``bilibili@1``)."""
    return source is not None and (source == "manual" or source.startswith("import:"))


def prefer_public(
    owner: Count | None, owner_at: datetime | None, public: Count | None, public_at: datetime | None
) -> bool:
    """The source rule for one counter of one post at one moment: ``True`` to use the public value.

    Owner data (exact numbers from the creator centre, or typed in) wins over public counters
    (often rounded: "1.2万", "10万+"). A public value is used only when there is no owner value, or
    when it was observed *after* the newest owner value and proves more than it: its lowest possible
    value (:attr:`Count.low`) is above the owner's number. So a post never counts twice, a rounded
    public count never replaces an exact owner one, and growth seen publicly after an import counts.
    ``reach.report`` applies the same rule in SQL (:func:`prefer_public_sql`).
    """
    if public is None or public.value is None:
        return False
    if owner is None or owner.value is None:
        return True
    low = public.low
    return (
        owner_at is not None
        and public_at is not None
        and public_at > owner_at
        and low is not None
        and (low > owner.value)
    )


def prefer_public_sql(pv: str, p_approximate: str, pgr: str, pat: str, ov: str, oat: str) -> str:
    """:func:`prefer_public` as a SQL boolean over the named expressions: the public value, whether
    it is rounded (a boolean: ``kind = 'approximate'``), its granularity and time, the owner value
    and time."""
    low = f"(CASE WHEN {p_approximate} THEN greatest(0, {pv} - {pgr} // 2) ELSE {pv} END)"
    return f"(CASE WHEN {pv} IS NULL THEN FALSE WHEN {ov} IS NULL THEN TRUE ELSE {pat} > {oat} AND {low} > {ov} END)"


@dataclass(frozen=True)
class LatestValues:
    """A post's current numbers: per counter, the value chosen by :func:`prefer_public`.

    Attributes:
        metrics: the chosen counts (``extra``: those of the newest snapshot that has extras).
        sources: counter name -> the ``source`` of the snapshot its value came from.
        observed: counter name -> when that value was observed (UTC).
        last_collected_at: the newest snapshot of the post, whatever it showed.
    """

    metrics: Metrics
    sources: Mapping[str, str]
    observed: Mapping[str, datetime]
    last_collected_at: datetime | None


class ImportRaced(InputError):
    """Another process stored the same file (same SHA-256) under another time or name between this
    import's look-up of it and its write (possible on a lake only): nothing was written; importing
    again finds that first import and reuses its time and name."""


@dataclass(frozen=True)
class ImportRecord:
    """One imported file (table ``imports``): importing the same bytes again reuses its time and name."""

    file_sha256: str
    file_name: str
    shape: str
    platform: str | None
    observed_at: datetime
    campaign: str | None = None
    rows: int = 0
    written: int = 0
    first_imported_at: datetime | None = None


@dataclass(frozen=True)
class PostRow:
    """A tracked post with its newest snapshot (``last_collected_at`` is ``None`` before the first)."""

    post_key: str
    platform: str
    post_id: str
    url: str | None
    title: str | None
    author: str | None
    published_at: datetime | None
    added_at: datetime
    active: bool
    campaigns: tuple[str, ...]
    last_collected_at: datetime | None
    metrics: Metrics
    fetch_params: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    """Counter name -> ``source`` of its value (``manual``, ``import:…`` or a collector)."""

    @property
    def ref(self) -> PostRef:
        """The post with its stored fetch parameters (share tokens ...)."""
        return PostRef(self.platform, self.post_id, url=self.url, params=dict(self.fetch_params))


@dataclass(frozen=True)
class RunRow:
    """One collection run (``finished_at`` is ``None`` while it runs, or when it was killed)."""

    run_id: str
    started_at: datetime
    finished_at: datetime | None
    selection: str
    reach_version: str
    counts: Mapping[str, int]

    @property
    def posts(self) -> int:
        return sum(self.counts.values())

    @property
    def failed(self) -> int:
        return self.posts - self.counts.get("ok", 0)


@dataclass(frozen=True)
class FailureRow:
    """One post that failed in one run."""

    run_id: str
    started_at: datetime
    post_key: str
    platform: str
    title: str | None
    status: str
    message: str
    http_status: int | None


@dataclass(frozen=True)
class CampaignRow:
    name: str
    description: str | None
    target_views: int | None
    starts_on: date | None
    created_at: datetime
    posts: int


def _count_from_row(value: Any, kind: Any, granularity: Any, raw: Any) -> Count | None:
    if value is None:
        return None
    return Count(int(value), _KIND_OF[kind] if kind else CountKind.EXACT, int(granularity or 1), raw)


_KIND_OF = {k.value: k for k in CountKind}


def metrics_from_row(row: Sequence[Any], start: int, extra_json: str | None = None) -> Metrics:
    """Rebuild :class:`Metrics` from the 20 metric columns beginning at ``row[start]``."""
    values = {}
    for i, name in enumerate(METRIC_NAMES):
        base = start + 4 * i
        values[name] = _count_from_row(row[base], row[base + 1], row[base + 2], row[base + 3])
    extra: dict[str, Count] = {}
    if extra_json:
        for key, d in json.loads(extra_json).items():
            count = _count_from_row(d.get("value"), d.get("kind"), d.get("granularity"), d.get("raw"))
            if count is not None:
                extra[key] = count
    return Metrics(extra=extra, **values)


_METRIC_SELECT = ", ".join(f"{m}, {m}_kind, {m}_granularity, {m}_raw" for m in METRIC_NAMES)


def _latest_picks_sql() -> str:
    order = "struct_pack(a := collected_at, b := snapshot_id)"
    picks = []
    for m in METRIC_NAMES:
        value = (
            f"struct_pack(v := {m}, k := {m}_kind, g := coalesce({m}_granularity, 1), r := {m}_raw, "
            "t := epoch_us(collected_at), s := source)"
        )
        picks.append(f"arg_max({value}, {order}) FILTER (WHERE {m} IS NOT NULL AND own) AS o_{m}")
        picks.append(f"arg_max({value}, {order}) FILTER (WHERE {m} IS NOT NULL AND NOT own) AS p_{m}")
    picks.append("epoch_us(max(collected_at)) AS last_us")
    picks.append(f"arg_max(extra, {order}) FILTER (WHERE extra IS NOT NULL) AS x")
    return ", ".join(picks)


LATEST_PICKS_SQL = _latest_picks_sql()
"""Aggregates, per post (``GROUP BY post_key`` over snapshots with an ``own`` column: is it owner data?):
for each counter the newest owner (``o_<m>``) and the newest public (``p_<m>``) value (a struct of value,
kind, granularity, raw, time in microseconds since the epoch, source), then the newest snapshot time
(``last_us``) and extras (``x``)."""


def latest_sql(relation: str) -> str:
    """The query :func:`latest_from_rows` reads: per post of ``relation`` (snapshots with an ``own``
    column), ``post_key``, then for each counter the value :func:`prefer_public_sql` chooses between
    the owner's and the public one as six columns (value, kind, granularity, raw, time in us, source;
    all NULL when neither shows it), then ``last_us`` and ``x`` (extras JSON). Plain columns: a Python
    dict per struct would cost more than the rest of the row."""
    rule = {
        m: prefer_public_sql(f"p_{m}.v", f"p_{m}.k = '{_APPROX}'", f"p_{m}.g", f"p_{m}.t", f"o_{m}.v", f"o_{m}.t")
        for m in METRIC_NAMES
    }
    chosen = ", ".join(f"CASE WHEN {rule[m]} THEN p_{m} ELSE o_{m} END AS c_{m}" for m in METRIC_NAMES)
    flat = ", ".join(f"c_{m}.v, c_{m}.k, c_{m}.g, c_{m}.r, c_{m}.t, c_{m}.s" for m in METRIC_NAMES)
    return f"""SELECT post_key, {flat}, last_us, x
               FROM (SELECT post_key, {chosen}, last_us, x
                     FROM (SELECT post_key, {LATEST_PICKS_SQL} FROM ({relation}) GROUP BY post_key))"""


_APPROX = CountKind.APPROXIMATE.value


def from_epoch_us(us: int) -> datetime:
    """Microseconds since the epoch (DuckDB's ``epoch_us``) as an aware UTC datetime."""
    return _EPOCH + timedelta(microseconds=us)


def to_epoch_us(moment: datetime) -> int:
    """An aware datetime as exact integer microseconds since the epoch (DuckDB's ``epoch_us``)."""
    return (moment - _EPOCH) // _MICROSECOND


def latest_from_rows(rows: Iterable[Sequence[Any]]) -> dict[str, LatestValues]:
    """Rows of :func:`latest_sql` → each post's :class:`LatestValues`."""
    out: dict[str, LatestValues] = {}
    times: dict[int, datetime] = {}  # snapshots of one moment share their times: one datetime each
    columns = [(m, 1 + 6 * i) for i, m in enumerate(METRIC_NAMES)]
    for row in rows:
        chosen: dict[str, Count | None] = {}
        sources: dict[str, str] = {}
        observed: dict[str, datetime] = {}
        for m, i in columns:
            value = row[i]
            if value is None:
                chosen[m] = None
                continue
            chosen[m] = _count_from_row(value, row[i + 1], row[i + 2], row[i + 3])
            sources[m] = row[i + 5]
            us = row[i + 4]
            at = times.get(us)
            if at is None:
                at = times[us] = from_epoch_us(us)
            observed[m] = at
        extra = metrics_from_row([None] * 20, 0, row[-1]).extra if row[-1] else {}
        last = None if row[-2] is None else from_epoch_us(row[-2])
        out[row[0]] = LatestValues(Metrics(extra=extra, **chosen), sources, observed, last)
    return out


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if any: a failed commit or a lost catalog connection may
    already have ended it (the error being handled is the one to report)."""
    try:
        con.rollback()
    except duckdb.Error:
        pass


class Store:
    """A DuckDB database of posts, campaigns, snapshots and runs.

    Args:
        path: the database file (created with its tables when missing), ``":memory:"``, or a DuckLake
            target (``ducklake:sqlite:/path/catalog.sqlite``, ``ducklake:postgres:dbname=… host=…``).
        lock_timeout: seconds to wait for another process to release the file (on a lake: to retry
            conflicting commits, at least 30).
        create: create the file when missing; when ``False`` a missing file raises ``NotFound``.
        data_path: a new lake's data folder (see :mod:`reach.lake`); ignored for files.

    Raises:
        ConfigError: the path is unusable (missing folder, not a DuckDB file, no permission), or a
            lake cannot be opened (the ``lake`` extra missing, a new PostgreSQL lake without data path).
        DatabaseBusy: another process kept the file locked for ``lock_timeout`` seconds.
        NotFound: ``create=False`` and there is no database yet.
    """

    def __init__(
        self,
        path: str | Path = ":memory:",
        lock_timeout: float = 30.0,
        create: bool = True,
        data_path: str | Path | None = None,
    ):
        from .lake import is_lake, parse_target

        self.path = str(path)
        self.lock_timeout = lock_timeout
        self.lake = parse_target(self.path, data_path) if is_lake(self.path) else None
        """The DuckLake target when ``path`` is ``ducklake:…`` (:mod:`reach.lake`), else ``None``."""
        self._depth = 0  # nesting of _atomic calls: only the outermost one retries
        self.in_transaction = False
        """Whether a :meth:`transaction` block is open (work that needs its own transaction then stands aside)."""
        self._con: duckdb.DuckDBPyConnection | None = self._connect(create)
        self._migrate()

    # -- connection -------------------------------------------------------------------------

    def _connect(self, create: bool, wait: float | None = None) -> duckdb.DuckDBPyConnection:
        if self.path == ":memory:":
            return _prepared(duckdb.connect(":memory:"))
        if self.lake is not None:
            from .lake import ALIAS, extension_file, open_connection

            if not create and self.lake.catalog == "sqlite" and not Path(self.lake.location).exists():
                for name in ("ducklake", "sqlite"):  # without the extra, that is the one thing to say
                    extension_file(name)
                raise NotFound(f"no DuckLake catalog at {self.lake.location} yet: check --db (or add posts first)")
            con = open_connection((ALIAS, self.lake, False))
            con.execute(f"USE {ALIAS}")
            return _prepared(con)
        path = Path(self.path)
        if path.is_dir():
            raise ConfigError(f"database path {path} is a folder: give a file name such as {path}/reach.duckdb")
        new = not path.exists()
        if new and not create:
            raise NotFound(f"no database at {path} yet: add posts first with `reach add` (or pass --db)")
        if new and not path.parent.exists():
            raise ConfigError(f"cannot create database {path}: folder {path.parent} does not exist")
        if not new and _is_sqlite(path):  # DuckDB would fetch its sqlite extension from the network to open it
            raise ConfigError(
                f"{path} is a SQLite file, not a DuckDB database: "
                f"for a DuckLake catalog use --db ducklake:sqlite:{path}"
            )
        wait = self.lock_timeout if wait is None else wait
        deadline = time.monotonic() + wait
        while True:
            try:
                con = duckdb.connect(str(path))
                break
            except duckdb.IOException as exc:
                text = str(exc)
                if "lock" in text.lower():
                    if time.monotonic() < deadline:
                        time.sleep(0.25)
                        continue
                    pid = re.search(r"PID (\d+)", text)
                    who = f" (process {pid.group(1)})" if pid else ""
                    raise DatabaseBusy(
                        f"database {path} is in use by another process{who}; waited "
                        f"{wait:g} s. Try again when it has finished (close other programs that have it open)."
                    ) from None
                if "newer version of duckdb" in text.lower():
                    raise ConfigError(
                        f"cannot open database {path}: it was written by a newer DuckDB than the one installed "
                        f"({duckdb.__version__}); open it with that DuckDB version, or export it there "
                        "(EXPORT DATABASE) and import it here"
                    ) from None
                raise ConfigError(f"cannot open database {path}: {_first_line(text)}") from None
            except (duckdb.Error, OSError) as exc:
                raise ConfigError(f"cannot open database {path}: {_first_line(str(exc))}") from None
        if new:
            try:
                os.chmod(path, 0o600)
            except OSError:  # pragma: no cover - exotic file systems
                pass
        return _prepared(con)

    def ensure_open(self, wait: float | None = None) -> None:
        """Reopen after :meth:`release`, waiting at most ``wait`` seconds (default ``lock_timeout``).

        Raises:
            DatabaseBusy: another process holds the file.
        """
        if self._con is None:
            self._con = self._connect(create=True, wait=wait)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The connection, reopened on demand after :meth:`release`."""
        if self._con is None:
            self._con = self._connect(create=True)
        return self._con

    def release(self) -> None:
        """Let other processes open the file until the next use (no-op for in-memory databases).

        A long collection run releases the file between bursts of writes, so that staff can run
        ``reach report`` while cron collects.
        """
        if self._con is not None and self.path != ":memory:" and self.lake is None:  # a lake is never held
            self._con.close()
            self._con = None

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, guard: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction: committed when the block ends, rolled back when it raises.

        On a lake the transaction first updates the guard row (:data:`reach.lake.GUARD_TABLE`), so that
        it conflicts with every concurrent write transaction instead of interleaving with it; the
        conflict is retried by :func:`_atomic` around the whole method.
        """
        con = self.con
        con.begin()
        self.in_transaction = True
        try:
            if guard and self.lake is not None:
                from .lake import GUARD_TABLE

                con.execute(f"UPDATE {GUARD_TABLE} SET n = n + 1")
            yield con
            con.commit()
        except BaseException:
            rollback_quietly(con)
            raise
        finally:
            self.in_transaction = False

    def _migrate(self) -> None:
        tables = {
            r[0]
            for r in self.con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()"
            ).fetchall()
        }
        if "schema_migrations" not in tables and tables:
            raise ConfigError(
                f"{self.path} is a DuckDB database of another program (it has no reach tables): "
                "choose another file with --db"
            )
        if self.lake is not None:
            self._lake_migrate(have_versions="schema_migrations" in tables)
            return
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
        )
        done = {r[0] for r in self.con.execute("SELECT version FROM schema_migrations").fetchall()}
        self._check_not_newer(done)
        for version, name, statements in MIGRATIONS:
            if version in done:
                continue
            with self.transaction() as con:
                for sql in statements:
                    con.execute(sql)
                con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, utcnow()])

    def _check_not_newer(self, done: set[int]) -> None:
        newer = [v for v in done if v > SCHEMA_VERSION]
        if newer:
            raise ConfigError(
                f"database {self.path} has schema version {max(newer)}, newer than this reach "
                f"({__version__}) knows: upgrade reach"
            )

    def _lake_migrate(self, have_versions: bool) -> None:
        """Bring a lake to the current schema: its ``schema_migrations`` and guard tables, then every
        pending migration, all in ONE transaction (collectors opening a new lake together conflict
        once; the losers retry and find it done). Nothing is written when the lake is up to date."""
        if have_versions:
            done = {r[0] for r in self.con.execute("SELECT version FROM schema_migrations").fetchall()}
            self._check_not_newer(done)
            if all(version in done for version, _, _ in MIGRATIONS):
                return
        self._lake_migrate_once()

    @_atomic
    def _lake_migrate_once(self) -> None:
        from .lake import GUARD_TABLE

        with self.transaction(guard=False) as con:
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
            )
            con.execute(f"CREATE TABLE IF NOT EXISTS {GUARD_TABLE} (n BIGINT NOT NULL)")
            row = con.execute(f"SELECT count(*) FROM {GUARD_TABLE}").fetchone()
            if not row or not row[0]:
                con.execute(f"INSERT INTO {GUARD_TABLE} VALUES (0)")
            con.execute(f"UPDATE {GUARD_TABLE} SET n = n + 1")  # conflicts with any concurrent write
            done = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
            self._check_not_newer(done)
            for version, name, statements in MIGRATIONS:
                if version in done:
                    continue
                for sql in statements:
                    sql = _lake_sql(sql)
                    if sql:
                        con.execute(sql)
                con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, utcnow()])

    @property
    def schema_version(self) -> int:
        row = self.con.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # -- posts and campaigns ----------------------------------------------------------------

    @_atomic
    def add_post(self, ref: PostRef, campaign: str | None = None, url: str | None = None) -> bool:
        """Track a post (and put it in ``campaign``, created when new). Returns ``True`` when the
        post was not tracked before. Re-adding a post re-activates it."""
        campaign = campaign_name(campaign) if campaign is not None else None
        with self.transaction() as con:
            return self._add_post(con, ref, campaign, url, utcnow())

    def _add_post(
        self, con: duckdb.DuckDBPyConnection, ref: PostRef, campaign: str | None, url: str | None, now: datetime
    ) -> bool:
        exists = con.execute("SELECT 1 FROM posts WHERE post_key = ?", [ref.post_key]).fetchone()
        params = json.dumps(dict(ref.params), ensure_ascii=False) if ref.params else None
        if exists:
            con.execute(
                "UPDATE posts SET active = TRUE, fetch_params = coalesce(?, fetch_params) WHERE post_key = ?",
                [params, ref.post_key],
            )
            con.execute(  # added again: a post flagged unavailable or failing is fetched again
                "UPDATE post_state SET flag = NULL, flagged_at = NULL, fail_streak = 0, unavailable_streak = 0 "
                "WHERE post_key = ?",
                [ref.post_key],
            )
        else:
            con.execute(
                "INSERT INTO posts (post_key, platform, post_id, url, added_at, active, fetch_params) "
                "VALUES (?, ?, ?, ?, ?, TRUE, ?)",
                [ref.post_key, ref.platform, ref.post_id, public_url(url or ref.url or "") or None, now, params],
            )
        if campaign is not None:
            self._ensure_campaign(con, campaign, now)
            linked = con.execute(
                "SELECT 1 FROM campaign_posts WHERE campaign = ? AND post_key = ?", [campaign, ref.post_key]
            ).fetchone()
            if not linked:
                con.execute("INSERT INTO campaign_posts VALUES (?, ?, ?)", [campaign, ref.post_key, now])
        return not exists

    @staticmethod
    def _ensure_campaign(con: duckdb.DuckDBPyConnection, name: str, now: datetime) -> None:
        if not con.execute("SELECT 1 FROM campaigns WHERE name = ?", [name]).fetchone():
            con.execute(
                "INSERT INTO campaigns (name, created_at) VALUES (?, ?)",
                [name, now],
            )

    @_atomic
    def create_campaign(
        self,
        name: str,
        description: str | None = None,
        target_views: int | None = None,
        starts_on: date | None = None,
    ) -> None:
        """Create a campaign, or update the given fields of an existing one."""
        name = campaign_name(name)
        if target_views is not None and target_views < 0:
            raise InputError("the target must be a positive number of views")
        with self.transaction() as con:
            self._ensure_campaign(con, name, utcnow())
            con.execute(
                "UPDATE campaigns SET description = coalesce(?, description), "
                "target_views = coalesce(?, target_views), starts_on = coalesce(?, starts_on) WHERE name = ?",
                [description, target_views, starts_on, name],
            )

    def campaign(self, name: str) -> CampaignRow:
        """One campaign. Raises :class:`NotFound` with the known names when it does not exist."""
        name = name.strip()
        for row in self.campaigns():
            if row.name == name:
                return row
        names = [r.name for r in self.campaigns()]
        known = ", ".join(n if len(n) <= 40 else n[:39] + "…" for n in names[:10]) or "none yet"
        if len(names) > 10:
            known += f" and {len(names) - 10} more"
        shown = name if len(name) <= 60 else name[:59] + "…"
        raise NotFound(
            f"no campaign named {shown!r} (campaigns: {known}); "
            "`reach campaign create NAME` or `reach add URL --campaign NAME` creates one"
        )

    def campaigns(self) -> list[CampaignRow]:
        rows = self.con.execute(
            "SELECT c.name, c.description, c.target_views, c.starts_on, c.created_at, count(cp.post_key) "
            "FROM campaigns c LEFT JOIN campaign_posts cp ON cp.campaign = c.name "
            "GROUP BY ALL ORDER BY c.created_at, c.name"
        ).fetchall()
        return [CampaignRow(*r) for r in rows]

    def posts(
        self,
        campaign: str | None = None,
        platform: str | None = None,
        active_only: bool = False,
        keys: Iterable[str] | None = None,
    ) -> list[PostRow]:
        """Tracked posts with their newest snapshot, oldest first."""
        if campaign is not None:
            campaign = self.campaign(campaign).name
        where, args = ["TRUE"], []  # type: list[str], list[Any]
        if campaign is not None:
            where.append("p.post_key IN (SELECT post_key FROM campaign_posts WHERE campaign = ?)")
            args.append(campaign)
        if platform is not None:
            where.append("p.platform = ?")
            args.append(platform)
        if active_only:
            where.append("p.active")
        if keys is not None:
            key_list = list(keys)
            where.append("list_contains(?, p.post_key)")
            args.append(key_list)
        rows = self.con.execute(
            f"""SELECT p.post_key, p.platform, p.post_id, p.url, p.title, p.author, p.published_at,
                       p.added_at, p.active, p.fetch_params,
                       (SELECT list(campaign ORDER BY campaign) FROM campaign_posts cp WHERE cp.post_key = p.post_key)
                FROM posts p
                WHERE {" AND ".join(where)}
                ORDER BY p.added_at, p.post_key""",
            args,
        ).fetchall()
        latest = self.latest_values([r[0] for r in rows])
        out = []
        for r in rows:
            values = latest.get(r[0])
            out.append(
                PostRow(
                    post_key=r[0],
                    platform=r[1],
                    post_id=r[2],
                    url=r[3],
                    title=r[4],
                    author=r[5],
                    published_at=r[6],
                    added_at=r[7],
                    active=bool(r[8]),
                    campaigns=tuple(r[10] or ()),
                    last_collected_at=values.last_collected_at if values else None,
                    metrics=values.metrics if values else Metrics(),
                    fetch_params=json.loads(r[9]) if r[9] else {},
                    sources=values.sources if values else {},
                )
            )
        return out

    def latest_values(self, keys: Sequence[str], before: datetime | None = None) -> dict[str, LatestValues]:
        """Each post's current numbers, per counter chosen by :func:`prefer_public` among the
        snapshots taken before ``before`` (``None``: all), in one query. Posts without snapshots are
        left out. A counter a snapshot did not show (NULL) never hides an older value."""
        rows = self.con.execute(
            latest_sql(
                f"""SELECT *, {OWNER_SOURCE_SQL} AS own FROM snapshots
                    WHERE list_contains(?, post_key) AND (?::TIMESTAMPTZ IS NULL OR collected_at < ?::TIMESTAMPTZ)"""
            ),
            [list(keys), before, before],
        ).fetchall()
        return latest_from_rows(rows)

    # -- snapshots and runs -----------------------------------------------------------------

    @_atomic
    def begin_run(self, selection: str) -> str:
        run_id = utcnow().strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]
        with self.transaction() as con:
            con.execute(
                "INSERT INTO runs (run_id, started_at, reach_version, selection) VALUES (?, ?, ?, ?)",
                [run_id, utcnow(), __version__, selection],
            )
        return run_id

    @_atomic
    def finish_run(self, summary: RunSummary) -> None:
        with self.transaction() as con:
            con.execute(
                "UPDATE runs SET finished_at = ?, posts = ?, ok = ?, failed = ? WHERE run_id = ?",
                [summary.finished_at, summary.total, summary.ok, summary.total - summary.ok, summary.run_id],
            )

    def record_outcome(self, run_id: str, outcome: Outcome) -> None:
        """Write one post's outcome and, when it is ``ok``, its snapshot, in one transaction."""
        self.record_outcomes(run_id, [outcome])

    @_atomic
    def record_outcomes(self, run_id: str, outcomes: Sequence[Outcome]) -> None:
        """Write outcomes (and the snapshots of the ``ok`` ones) in one transaction: all or nothing.

        The rows are those :meth:`record_outcome` writes for each outcome in order; the snapshots go in
        with one statement (:meth:`_insert_snapshots`), so the engine writes what arrived together at once.
        """
        with self.transaction() as con:
            snaps = [o.snapshot for o in outcomes if o.snapshot is not None]
            if len(snaps) <= 1:  # statements with values are quicker than a bulk insert for one
                sids = iter([self._insert_snapshot(con, snap) for snap in snaps])
            else:
                sids = iter(self._insert_snapshots(con, snaps)[0])
            rows: dict[str, list[Any]] = {}  # post_key -> its first outcome in this run (as ON CONFLICT DO NOTHING)
            for outcome in outcomes:
                sid = next(sids) if outcome.snapshot is not None else None
                rows.setdefault(
                    outcome.post_key,
                    [outcome.status.value, clean_text(outcome.message), outcome.http_status, sid],
                )
            con.execute(
                "INSERT INTO run_outcomes SELECT ?, * FROM (SELECT unnest(?::VARCHAR[]) AS k, unnest(?::VARCHAR[]), "
                "unnest(?::VARCHAR[]), unnest(?::INTEGER[]), unnest(?::VARCHAR[]), ?) "
                "WHERE k NOT IN (SELECT post_key FROM run_outcomes WHERE run_id = ?)",  # no constraints on a lake
                [run_id, list(rows), *([r[j] for r in rows.values()] for j in range(4)), utcnow(), run_id],
            )
            self._update_states(con, run_id, outcomes)

    def _update_state(self, con: duckdb.DuckDBPyConnection, run_id: str, outcome: Outcome) -> None:
        """Remember the attempt in ``post_state``: streaks, and the flags they raise."""
        self._update_states(con, run_id, [outcome])

    def _update_states(self, con: duckdb.DuckDBPyConnection, run_id: str, outcomes: Sequence[Outcome]) -> None:
        """:meth:`_update_state` for each outcome in order, with one statement per kind instead of three per
        outcome."""
        started = con.execute("SELECT started_at FROM runs WHERE run_id = ?", [run_id]).fetchone()
        at = started[0] if started else utcnow()
        stored = {
            r[0]: tuple(r[1:])
            for r in con.execute(
                "SELECT post_key, last_ok_at, fail_streak, unavailable_streak, flag, flagged_at FROM post_state "
                "WHERE post_key IN (SELECT unnest(?::VARCHAR[]))",
                [list({o.post_key for o in outcomes})],
            ).fetchall()
        }
        states: dict[str, list[Any]] = {}
        for outcome in outcomes:
            done = states.get(outcome.post_key)  # an earlier outcome of the same post in this batch
            row = (done[1], done[4], done[5], done[6], done[7]) if done else stored.get(outcome.post_key)
            last_ok, fails, gone, flag, flagged_at = row if row else (None, 0, 0, None, None)
            if outcome.ok:
                last_ok, fails, gone, flag, flagged_at = at, 0, 0, None, None
            else:
                fails += 1
                if outcome.status.value == "unavailable":
                    gone += 1
                new_flag = "unavailable" if gone >= UNAVAILABLE_AFTER else "failing" if fails >= FAILING_AFTER else None
                if new_flag != flag:
                    flag, flagged_at = new_flag, at if new_flag else None
            values = [at, last_ok, outcome.status.value, clean_text(outcome.message), fails, gone, flag, flagged_at]
            states[outcome.post_key] = values
        columns = (
            "unnest(?::VARCHAR[]) AS post_key, unnest(?::TIMESTAMPTZ[]) AS last_attempt_at, "
            "unnest(?::TIMESTAMPTZ[]) AS last_ok_at, unnest(?::VARCHAR[]) AS last_status, "
            "unnest(?::VARCHAR[]) AS last_message, unnest(?::INTEGER[]) AS fail_streak, "
            "unnest(?::INTEGER[]) AS unavailable_streak, unnest(?::VARCHAR[]) AS flag, "
            "unnest(?::TIMESTAMPTZ[]) AS flagged_at"
        )
        for known in (True, False):
            keys = [k for k in states if (k in stored) is known]
            if not keys:
                continue
            args = [keys, *([states[k][j] for k in keys] for j in range(8))]
            if known:
                con.execute(
                    "UPDATE post_state SET last_attempt_at = u.last_attempt_at, last_ok_at = u.last_ok_at, "
                    "last_status = u.last_status, last_message = u.last_message, fail_streak = u.fail_streak, "
                    "unavailable_streak = u.unavailable_streak, flag = u.flag, flagged_at = u.flagged_at "
                    f"FROM (SELECT {columns}) u WHERE post_state.post_key = u.post_key",
                    args,
                )
            else:
                con.execute(f"INSERT INTO post_state SELECT {columns}", args)

    def post_states(self, keys: Sequence[str] | None = None) -> dict[str, PostState]:
        """What is remembered of each post's collection attempts (posts never tried are left out)."""
        from .schedule import PostState

        rows = self.con.execute(
            "SELECT post_key, last_attempt_at, last_ok_at, last_status, last_message, fail_streak, "
            "unavailable_streak, flag, flagged_at FROM post_state "
            "WHERE ?::VARCHAR[] IS NULL OR list_contains(?, post_key)",
            [None if keys is None else list(keys), None if keys is None else list(keys)],
        ).fetchall()
        return {r[0]: PostState(*r) for r in rows}

    @_atomic
    def clear_flag(self, post_key: str) -> None:
        """Forget a post's flag and streaks (it is fetched again; ``reach add`` does this)."""
        with self.transaction() as con:
            con.execute(
                "UPDATE post_state SET flag = NULL, flagged_at = NULL, fail_streak = 0, unavailable_streak = 0 "
                "WHERE post_key = ?",
                [post_key],
            )

    def flagged(self, run_id: str | None = None) -> list[PostState]:
        """Posts flagged ``unavailable`` (deleted: no longer fetched) or ``failing``; with ``run_id``,
        only those the run flagged."""
        from .schedule import PostState

        rows = self.con.execute(
            "SELECT post_key, last_attempt_at, last_ok_at, last_status, last_message, fail_streak, "
            "unavailable_streak, flag, flagged_at FROM post_state WHERE flag IS NOT NULL AND (?::VARCHAR IS NULL OR "
            "flagged_at = (SELECT started_at FROM runs WHERE run_id = ?)) ORDER BY flagged_at DESC, post_key",
            [run_id, run_id],
        ).fetchall()
        return [PostState(*r) for r in rows]

    def runs(self, limit: int = 20) -> list[RunRow]:
        """The newest runs first, with how many posts ended in each status."""
        rows = self.con.execute(
            """SELECT r.run_id, r.started_at, r.finished_at, r.selection, r.reach_version,
                      (SELECT list(struct_pack(s := status, n := n) ORDER BY status)
                       FROM (SELECT status, count(*) AS n FROM run_outcomes o
                             WHERE o.run_id = r.run_id GROUP BY status))
               FROM runs r ORDER BY r.started_at DESC, r.run_id DESC LIMIT ?""",
            [limit],
        ).fetchall()
        return [
            RunRow(r[0], r[1], r[2], r[3] or "", r[4] or "", {x["s"]: int(x["n"]) for x in (r[5] or [])}) for r in rows
        ]

    def failures(self, since: datetime | None = None, run_id: str | None = None) -> list[FailureRow]:
        """Every failed outcome of the chosen runs (newest run first), with the post's platform and title."""
        rows = self.con.execute(
            """SELECT o.run_id, r.started_at, o.post_key, p.platform, p.title, o.status, o.message, o.http_status
               FROM run_outcomes o JOIN runs r USING (run_id) LEFT JOIN posts p USING (post_key)
               WHERE o.status <> 'ok' AND (?::VARCHAR IS NULL OR o.run_id = ?)
                 AND (?::TIMESTAMPTZ IS NULL OR r.started_at >= ?::TIMESTAMPTZ)
               ORDER BY r.started_at DESC, o.run_id, o.status, o.post_key""",
            [run_id, run_id, _utc(since), _utc(since)],
        ).fetchall()
        return [FailureRow(r[0], r[1], r[2], r[3] or r[2].split(":")[0], r[4], r[5], r[6] or "", r[7]) for r in rows]

    @_atomic
    def add_snapshot(self, snapshot: Snapshot) -> str:
        """Append one snapshot (manual entry, import). Returns its id; writing it twice is a no-op."""
        with self.transaction() as con:
            if not con.execute("SELECT 1 FROM posts WHERE post_key = ?", [snapshot.post_key]).fetchone():
                raise NotFound(f"post {snapshot.post_key} is not tracked: add it first with `reach add`")
            return self._insert_snapshot(con, snapshot)

    @_atomic
    def write_owner_data(
        self,
        snapshots: Sequence[Snapshot],
        *,
        posts: Sequence[tuple[PostRef, str | None]] = (),
        campaign: str | None = None,
        aliases: Sequence[tuple[str, str, str]] = (),
        import_record: ImportRecord | None = None,
    ) -> int:
        """Write owner data (``reach record`` / ``reach import``) in one transaction: all or nothing.

        Args:
            snapshots: the observations (``source`` ``manual`` or ``import:…``).
            posts: ``(ref, url)`` of posts to track first (new ones are added; all are put in ``campaign``).
            campaign: the campaign for ``posts`` (created when new).
            aliases: ``(platform, alias, post_key)``: other ids of posts (a Channels ``视频ID``) to remember.
            import_record: the imported file, remembered so that importing it again adds nothing.

        Returns:
            How many snapshots were written; one already stored with the same numbers is not written again.

        Raises:
            InputError: a snapshot of the same post, time and source is stored with other numbers
                (stored numbers are never changed), or a count is impossible. NotFound: a snapshot
                of a post that is not tracked.
        """
        from .errors import ParseError

        now = utcnow()
        campaign = campaign_name(campaign) if campaign is not None else None
        written = 0
        with self.transaction() as con:
            if import_record is not None:  # one file is one observation, also across processes (lake)
                first = con.execute(
                    "SELECT observed_at, file_name FROM imports WHERE file_sha256 = ?", [import_record.file_sha256]
                ).fetchone()
                if first is not None and (first[1], _utc(first[0])) != (
                    clean_text(import_record.file_name),
                    _utc(import_record.observed_at),
                ):
                    raise ImportRaced(f"{first[1]} was imported at the same moment by another process: import again")
            for ref, url in posts:
                self._add_post(con, ref, campaign, url, now)
            for snap in snapshots:
                if not con.execute("SELECT 1 FROM posts WHERE post_key = ?", [snap.post_key]).fetchone():
                    raise NotFound(f"post {snap.post_key} is not tracked: add it first with `reach add`")
                collected_at = _utc(snap.collected_at)
                assert collected_at is not None
                sid = snapshot_id(snap.post_key, collected_at, snap.source)
                stored = con.execute(
                    f"SELECT {_METRIC_SELECT}, extra FROM snapshots WHERE snapshot_id = ?", [sid]
                ).fetchone()
                if stored is not None:
                    old = metrics_from_row(stored, 0, stored[20])
                    if _numbers(old) != _numbers(snap.metrics):
                        raise InputError(
                            f"{snap.post_key} already has numbers from {snap.source} at "
                            f"{collected_at.isoformat().replace('+00:00', 'Z')} ({_describe(old)}), not "
                            f"{_describe(snap.metrics)}: stored numbers are never changed. Record the right "
                            "numbers with a later time (--at)"
                        )
                    continue
                try:
                    self._insert_snapshot(con, snap)
                except ParseError as exc:
                    raise InputError(f"{snap.post_key}: {exc.message}") from None
                written += 1
            for platform, alias, post_key in aliases:
                known = con.execute(
                    "SELECT post_key FROM post_aliases WHERE platform = ? AND alias = ?", [platform, alias]
                ).fetchone()
                if known is None:
                    origin = import_record.file_name if import_record else None
                    con.execute(
                        "INSERT INTO post_aliases VALUES (?, ?, ?, ?, ?)", [platform, alias, post_key, origin, now]
                    )
                elif known[0] != post_key:
                    raise InputError(f"{platform} id {alias} already belongs to {known[0]}, not {post_key}")
            if import_record is not None:
                rec = import_record
                if con.execute("SELECT 1 FROM imports WHERE file_sha256 = ?", [rec.file_sha256]).fetchone():
                    con.execute(
                        "UPDATE imports SET written = written + ?, last_imported_at = ? WHERE file_sha256 = ?",
                        [written, now, rec.file_sha256],
                    )
                else:
                    con.execute(
                        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            rec.file_sha256,
                            clean_text(rec.file_name),
                            rec.shape,
                            rec.platform,
                            _utc(rec.observed_at),
                            campaign,
                            rec.rows,
                            written,
                            now,
                            now,
                        ],
                    )
        return written

    def imported_file(self, file_sha256: str) -> ImportRecord | None:
        """The earlier import of a file with these bytes (SHA-256, hex), or ``None``."""
        row = self.con.execute(
            "SELECT file_sha256, file_name, shape, platform, observed_at, campaign, rows, written, first_imported_at "
            "FROM imports WHERE file_sha256 = ?",
            [file_sha256],
        ).fetchone()
        return ImportRecord(*row) if row else None

    def aliases(self, platform: str) -> dict[str, str]:
        """``alias -> post_key`` of one platform (e.g. WeChat Channels ``视频ID`` learned by imports)."""
        rows = self.con.execute("SELECT alias, post_key FROM post_aliases WHERE platform = ?", [platform]).fetchall()
        return {r[0]: r[1] for r in rows}

    def stored_snapshot_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of these snapshot ids are already stored."""
        return _stored_ids(self.con, list(ids))

    def _insert_snapshot(self, con: duckdb.DuckDBPyConnection, snap: Snapshot) -> str:
        collected_at = _utc(snap.collected_at)
        assert collected_at is not None
        sid = snapshot_id(snap.post_key, collected_at, snap.source)
        if con.execute("SELECT 1 FROM snapshots WHERE snapshot_id = ?", [sid]).fetchone():
            return sid
        check_metrics(snap.metrics)
        values: list[Any] = [sid, snap.post_key, collected_at, snap.run_id, snap.source]
        for name in METRIC_NAMES:
            c = snap.metrics.get(name)
            if c is None or c.value is None:
                values += [None, None, None, clean_text(c.raw) if c else None]
            else:
                values += [c.value, c.kind.value, c.granularity, clean_text(c.raw)]
        extra = {k: v.to_dict() for k, v in sorted(snap.metrics.extra.items())}
        values += [
            clean_text(json.dumps(extra, ensure_ascii=False)) if extra else None,
            clean_text(snap.title),
            clean_text(snap.author),
            _utc(snap.published_at),
            clean_text(snap.note),
        ]
        con.execute(f"INSERT INTO snapshots VALUES ({', '.join('?' * len(values))})", values)
        con.execute(
            "UPDATE posts SET title = coalesce(?, title), author = coalesce(?, author), "
            "published_at = coalesce(?, published_at) WHERE post_key = ?",
            [clean_text(snap.title), clean_text(snap.author), _utc(snap.published_at), snap.post_key],
        )
        return sid

    @_atomic
    def add_snapshots(self, snapshots: Iterable[Snapshot], chunk: int = 100_000) -> int:
        """Append many snapshots in one transaction (bulk loads, imports from other tools): all or nothing.

        Writes the rows :meth:`add_snapshot` would write for each snapshot in order, with a few statements
        per ``chunk`` snapshots instead of several per snapshot. A snapshot already stored, or given twice,
        is written once.

        Returns:
            How many snapshots were written.

        Raises:
            NotFound: a snapshot of a post that is not tracked. ParseError: an impossible count.
            InputError: a time without a time zone. Nothing is written in these cases.
        """
        written = 0
        with self.transaction() as con:
            batch: list[Snapshot] = []
            for snap in snapshots:
                batch.append(snap)
                if len(batch) >= chunk:
                    written += self._add_snapshot_batch(con, batch)
                    batch = []
            if batch:
                written += self._add_snapshot_batch(con, batch)
        return written

    def _add_snapshot_batch(self, con: duckdb.DuckDBPyConnection, batch: list[Snapshot]) -> int:
        keys = list(dict.fromkeys(s.post_key for s in batch))
        with _text_column(con, keys) as given:
            missing = {
                r[0]
                for r in con.execute(f"SELECT v FROM {given} WHERE v NOT IN (SELECT post_key FROM posts)").fetchall()
            }
        if missing:
            first = next(k for k in keys if k in missing)
            raise NotFound(f"post {first} is not tracked: add it first with `reach add`")
        return self._insert_snapshots(con, batch)[1]

    def _insert_snapshots(self, con: duckdb.DuckDBPyConnection, snaps: Sequence[Snapshot]) -> tuple[list[str], int]:
        """:meth:`_insert_snapshot` for each snapshot in order, in three statements: returns the ids (one
        per snapshot) and how many rows were written (see :func:`_prepare_snapshots`)."""
        return self._write_snapshots(con, _prepare_snapshots(snaps))

    def _write_snapshots(self, con: duckdb.DuckDBPyConnection, prepared: _PreparedSnapshots) -> tuple[list[str], int]:
        """Write prepared snapshots not stored yet; returns (the id of each snapshot, rows written)."""
        import numpy as np

        frame, unique = prepared.frame, prepared.unique
        if not unique:
            return prepared.sids, 0
        stored = _stored_ids(con, unique, prepared.times)
        keep: list[int] | None = None
        rows = unique
        if stored:
            keep = [j for j, sid in enumerate(unique) if sid not in stored]
            if not keep:
                return prepared.sids, 0
            rows = [unique[j] for j in keep]
        # rows in snapshot_id order: the primary key's index takes sorted keys quicker than scattered
        # ones (ids are hashes); a batch of add_snapshots' default chunk fills less than one row group
        # (122,880 rows), so the order within it changes no statistics DuckDB skips row groups by
        order = np.argsort(np.array(rows, dtype="S24"), kind="stable")
        index = order if keep is None else np.array(keep, dtype=np.intp)[order]
        frame = {name: array[index] for name, array in frame.items()}
        with _unsampled(con):  # the object columns hold text
            con.register("_reach_snapshot_batch", frame)
            try:
                con.execute(
                    f"INSERT INTO snapshots ({', '.join(_INSERT_COLUMNS)}) "
                    f"SELECT {', '.join(prepared.select)} FROM _reach_snapshot_batch"
                )
            finally:
                con.unregister("_reach_snapshot_batch")
        kept = None if keep is None else set(keep)
        updates: dict[str, list[Any]] = {}
        for j, key, *values in prepared.described:
            if kept is None or j in kept:
                latest = updates.setdefault(key, [None, None, None])
                for k, value in enumerate(values):
                    if value is not None:
                        latest[k] = value
        if updates:
            con.execute(
                "UPDATE posts SET title = coalesce(u.title, posts.title), author = coalesce(u.author, posts.author), "
                "published_at = coalesce(u.published_at, posts.published_at) "
                "FROM (SELECT unnest(?::VARCHAR[]) AS post_key, unnest(?::VARCHAR[]) AS title, "
                "unnest(?::VARCHAR[]) AS author, unnest(?::TIMESTAMPTZ[]) AS published_at) u "
                "WHERE posts.post_key = u.post_key",
                [list(updates), *([u[j] for u in updates.values()] for j in range(3))],
            )
        return prepared.sids, len(unique) if keep is None else len(keep)

    def snapshots(self, post_key: str) -> list[Snapshot]:
        """Every snapshot of one post, oldest first."""
        rows = self.con.execute(
            f"SELECT post_key, collected_at, {_METRIC_SELECT}, extra, title, author, published_at, source, "
            "run_id, note FROM snapshots WHERE post_key = ? ORDER BY collected_at, snapshot_id",
            [post_key],
        ).fetchall()
        return [
            Snapshot(
                post_key=r[0],
                collected_at=r[1],
                metrics=metrics_from_row(r, 2, r[22]),
                title=r[23],
                author=r[24],
                published_at=r[25],
                source=r[26],
                run_id=r[27],
                note=r[28],
            )
            for r in rows
        ]

    def run_outcomes(self, run_id: str) -> list[tuple[str, str, str]]:
        """``(post_key, status, message)`` of every post in a run."""
        return [
            (r[0], r[1], r[2] or "")
            for r in self.con.execute(
                "SELECT post_key, status, message FROM run_outcomes WHERE run_id = ? ORDER BY post_key", [run_id]
            ).fetchall()
        ]

    # -- alerts (schema version 4; see reach.alerts) -----------------------------------------

    @_atomic
    def add_alert_channel(self, row: Sequence[Any]) -> bool:
        """Store a webhook channel ``(channel_id, campaign, kind, url, secret, stall_hours, milestones JSON,
        created_at)``; ``False`` when a channel with that id exists (its settings are then updated)."""
        with self.transaction() as con:
            if con.execute("SELECT 1 FROM alert_channels WHERE channel_id = ?", [row[0]]).fetchone():
                con.execute(
                    "UPDATE alert_channels SET secret = ?, stall_hours = ?, milestones = ? WHERE channel_id = ?",
                    [row[4], row[5], row[6], row[0]],
                )
                return False
            con.execute("INSERT INTO alert_channels VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(row))
            return True

    def alert_channels(self, campaign: str | None = None) -> list[tuple[Any, ...]]:
        """The channels (all columns of ``alert_channels``), oldest first."""
        return self.con.execute(
            "SELECT channel_id, campaign, kind, url, secret, stall_hours, milestones, created_at FROM alert_channels "
            "WHERE ?::VARCHAR IS NULL OR campaign = ? ORDER BY created_at, channel_id",
            [campaign, campaign],
        ).fetchall()

    @_atomic
    def remove_alert_channel(self, channel_id: str) -> bool:
        """Forget a channel (its past events and deliveries are kept). ``False``: no such channel."""
        with self.transaction() as con:
            if not con.execute("SELECT 1 FROM alert_channels WHERE channel_id = ?", [channel_id]).fetchone():
                return False
            con.execute("DELETE FROM alert_channels WHERE channel_id = ?", [channel_id])
            return True

    @_atomic
    def add_alert_events(self, rows: Sequence[Sequence[Any]]) -> int:
        """Remember detected events ``(event_key, channel_id, campaign, kind, subject, payload JSON, detected_at)``;
        an event already known for that channel is left as it is. Returns how many were new."""
        added = 0
        with self.transaction() as con:
            for row in rows:
                before = con.execute(
                    "SELECT count(*) FROM alert_events WHERE event_key = ? AND channel_id = ?", [row[0], row[1]]
                ).fetchone()
                con.execute(
                    "INSERT INTO alert_events SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS "
                    "(SELECT 1 FROM alert_events WHERE event_key = ? AND channel_id = ?)",
                    [*row, row[0], row[1]],
                )
                added += 1 if before and before[0] == 0 else 0
        return added

    def pending_alert_events(self, detected_since: datetime) -> list[tuple[Any, ...]]:
        """Events of existing channels never delivered (``baseline`` ones are never sent), detected at or
        after ``detected_since`` (older ones are given up):
        ``(event_key, channel_id, campaign, kind, subject, payload, detected_at)``, oldest first."""
        return self.con.execute(
            """SELECT e.event_key, e.channel_id, e.campaign, e.kind, e.subject, e.payload, e.detected_at
               FROM alert_events e
               WHERE e.channel_id IN (SELECT channel_id FROM alert_channels) AND e.kind <> 'baseline'
                 AND e.detected_at >= ?
                 AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.event_key = e.event_key
                                 AND d.channel_id = e.channel_id AND d.ok)
               ORDER BY e.detected_at, e.event_key, e.channel_id""",
            [detected_since],
        ).fetchall()

    @_atomic
    def record_alert_delivery(self, event_key: str, channel_id: str, ok: bool, detail: str) -> None:
        """Append one delivery attempt (``detail``: a masked reason, never the URL)."""
        with self.transaction() as con:
            con.execute(
                "INSERT INTO alert_deliveries VALUES (?, ?, ?, ?, ?)", [event_key, channel_id, utcnow(), ok, detail]
            )

    def alert_stats(self) -> dict[str, tuple[int, int, str | None]]:
        """Per channel id: ``(events sent, events waiting, the newest failure's detail or None)``."""
        rows = self.con.execute(
            """SELECT e.channel_id,
                      count(*) FILTER (WHERE s.ok),
                      count(*) FILTER (WHERE s.ok IS NULL OR NOT s.ok),
                      arg_max(s.last_error, s.failed_at) FILTER (WHERE s.ok IS NULL OR NOT s.ok)
               FROM alert_events e LEFT JOIN (
                   SELECT event_key, channel_id, bool_or(ok) AS ok,
                          arg_max(detail, attempted_at) FILTER (WHERE NOT ok) AS last_error,
                          max(attempted_at) FILTER (WHERE NOT ok) AS failed_at
                   FROM alert_deliveries GROUP BY event_key, channel_id) s USING (event_key, channel_id)
               WHERE e.kind <> 'baseline'
               GROUP BY e.channel_id"""
        ).fetchall()
        return {r[0]: (int(r[1]), int(r[2]), r[3] if r[2] else None) for r in rows}


_INSERT_COLUMNS: tuple[str, ...] = (
    "snapshot_id",
    "post_key",
    "collected_at",
    "run_id",
    "source",
    *(f"{m}{s}" for m in METRIC_NAMES for s in ("", "_kind", "_granularity", "_raw")),
    "extra",
    "title",
    "author",
    "published_at",
    "note",
)
_TIME_COLUMNS = frozenset({"collected_at", "published_at"})
_INT_COLUMNS = _TIME_COLUMNS | {m for m in METRIC_NAMES} | {f"{m}_granularity" for m in METRIC_NAMES}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_KIND_VALUES = {kind: kind.value for kind in CountKind}
_MICROSECOND = timedelta(microseconds=1)


@dataclass
class _PreparedSnapshots:
    """Snapshots turned into the columns of ``snapshots`` (:func:`_prepare_snapshots`)."""

    sids: list[str]  # the id of each snapshot given, in order
    unique: list[str]  # the ids of the rows of ``frame`` (each snapshot's first occurrence), in order
    times: list[datetime]  # collected_at (UTC) of the snapshots given
    frame: dict[str, Any]  # column name -> NumPy array, one row per id of ``unique``
    select: list[str]  # the SQL expression reading each of _INSERT_COLUMNS from ``frame``
    described: list[tuple[Any, ...]]  # (row of frame, post_key, title, author, published_at) when any is set


def _prepare_snapshots(snaps: Sequence[Snapshot]) -> _PreparedSnapshots:
    """The rows :meth:`Store._insert_snapshot` would write for each snapshot, as columns, without the
    database: columns are built one at a time (list comprehensions, no per-row Python loop) and travel as
    NumPy arrays (integers with a NULL mask when they have NULLs, times as microseconds since the epoch),
    which DuckDB reads without converting Python objects one by one.

    Raises:
        ParseError: an impossible count (:func:`check_metrics`). InputError: a time without a time zone.
    """
    import numpy as np

    utc = timezone.utc
    times = [t if (t := s.collected_at).tzinfo is utc else _utc(t) for s in snaps]
    micros = [(t - _EPOCH) // _MICROSECOND for t in times]  # type: ignore[operator]
    keys = list(map(_POST_KEY, snaps))
    sources = list(map(_SOURCE, snaps))
    sha256 = hashlib.sha256
    sids = [  # snapshot_id(), inlined
        sha256(f"{k}|{stamp}|{src}".encode()).hexdigest()[:24]
        for k, stamp, src in zip(keys, _iso_utc_many(micros), sources, strict=True)
    ]
    if len(set(sids)) == len(sids):
        rows, unique = snaps, sids
    else:  # a snapshot given twice: its first occurrence counts
        first: dict[str, int] = {}
        for i, sid in enumerate(sids):
            first.setdefault(sid, i)
        rows, unique = [snaps[i] for i in first.values()], list(first)
        at = list(first.values())
        keys, micros, sources = [keys[i] for i in at], [micros[i] for i in at], [sources[i] for i in at]
    metrics = list(map(_METRICS, rows))
    cols: dict[str, list[Any]] = {
        "snapshot_id": unique,
        "post_key": keys,
        "collected_at": micros,
        "run_id": list(map(_RUN_ID, rows)),
        "source": sources,
    }
    bad = False  # the checks of check_metrics, a column at a time; it names the culprit below
    for name in METRIC_NAMES:
        counts = list(map(_COUNT_OF[name], metrics))
        values: list[int | None]
        steps: list[int | None]
        try:  # every snapshot has this counter (the common case): read its fields without a Python loop
            values, steps = list(map(_VALUE, counts)), list(map(_GRANULARITY, counts))
            every = True
        except AttributeError:  # some have none
            values = [None if c is None else c.value for c in counts]
            steps = [None if c is None else c.granularity for c in counts]
            every = False
        hidden = values.count(None)
        if every and not hidden:
            cols[f"{name}_kind"] = list(map(_KIND_VALUES.__getitem__, map(_KIND, counts)))
            cols[f"{name}_granularity"] = steps
        elif hidden != steps.count(None):  # a counter shown as text without a number: no kind, no precision
            cols[f"{name}_kind"] = [None if c is None or c.value is None else _KIND_VALUES[c.kind] for c in counts]
            cols[f"{name}_granularity"] = [None if v is None else g for v, g in zip(values, steps, strict=True)]
        else:
            cols[f"{name}_kind"] = [None if c is None else _KIND_VALUES[c.kind] for c in counts]
            cols[f"{name}_granularity"] = steps
        shown = [v for v in values if v is not None] if hidden else values
        given = [g for g in steps if g is not None] if None in steps else steps
        bad = bad or bool(shown and (min(shown) < 0 or max(shown) > MAX_COUNT))  # type: ignore[operator,type-var]
        bad = bad or bool(given and (min(given) <= 0 or max(given) > MAX_COUNT))  # type: ignore[operator,type-var]
        cols[name] = values
        raws = list(map(_RAW, counts)) if every else [None if c is None else c.raw for c in counts]
        cols[f"{name}_raw"] = raws if raws.count(None) == len(raws) else _clean_column(raws)
    extras = list(map(_EXTRA, metrics))
    any_extra = any(extras)
    for m, extra in zip(metrics, extras, strict=True) if bad or any_extra else ():
        if bad or extra:
            check_metrics(m)
    cols["extra"] = [None] * len(extras)
    if any_extra:
        cols["extra"] = [
            clean_text(json.dumps({k: v.to_dict() for k, v in sorted(e.items())}, ensure_ascii=False)) if e else None
            for e in extras
        ]
    titles = cols["title"] = _clean_column(list(map(_TITLE, rows)))
    authors = cols["author"] = _clean_column(list(map(_AUTHOR, rows)))
    published = list(map(_PUBLISHED, rows))
    if published.count(None) == len(published):
        cols["published_at"] = published
    else:
        published = [None if p is None else _utc(p) for p in published]
        cols["published_at"] = [None if p is None else (p - _EPOCH) // _MICROSECOND for p in published]
    cols["note"] = _clean_column(list(map(_NOTE, rows)))
    n = len(rows)
    described = (
        []
        if titles.count(None) == n and authors.count(None) == n and published.count(None) == n
        else [
            (j, key, title, author, when)
            for j, (key, title, author, when) in enumerate(zip(keys, titles, authors, published, strict=True))
            if title is not None or author is not None or when is not None
        ]
    )
    frame: dict[str, Any] = {}
    select = []
    for name in _INSERT_COLUMNS:
        values = cols[name]
        if name in _INT_COLUMNS:
            value = f"make_timestamp({name})::TIMESTAMPTZ" if name in _TIME_COLUMNS else name
            if None in values:
                frame[name] = np.array([0 if v is None else v for v in values], dtype=np.int64)
                frame[f"{name}__null"] = np.array([v is None for v in values], dtype=np.bool_)
                select.append(f"CASE WHEN {name}__null THEN NULL ELSE {value} END")
            else:
                frame[name] = np.array(values, dtype=np.int64)
                select.append(value)
        elif values.count(None) == len(values):
            select.append("NULL::VARCHAR")  # not sent at all (DuckDB 1.5 cannot read a long column of None)
        else:
            frame[name] = np.array(values, dtype=object)
            select.append(f"{name}::VARCHAR")
    return _PreparedSnapshots(sids, unique, times, frame, select, described)  # type: ignore[arg-type]


def _stored_ids(con: duckdb.DuckDBPyConnection, ids: list[str], times: Sequence[datetime] | None = None) -> set[str]:
    """Which of these snapshot ids are stored (a semi-join: fast for many ids). With ``times``, the UTC
    ``collected_at`` the ids were made from (:func:`snapshot_id`), only rows collected between the first and
    the last of them are read: a stored row with one of these ids has one of these times, and the
    table's row groups outside that range are skipped without reading them."""
    with _text_column(con, ids) as given:
        if times:
            rows = con.execute(
                f"SELECT snapshot_id FROM snapshots WHERE collected_at BETWEEN ? AND ? AND snapshot_id IN "
                f"(SELECT v FROM {given})",
                [min(times), max(times)],
            ).fetchall()
        else:
            rows = con.execute(
                f"SELECT snapshot_id FROM snapshots WHERE snapshot_id IN (SELECT v FROM {given})"
            ).fetchall()
    return {r[0] for r in rows}


@contextmanager
def _text_column(con: duckdb.DuckDBPyConnection, values: Sequence[str]) -> Iterator[str]:
    """Many strings as a relation of one column ``v``; yields its name. Quicker than a list parameter
    (``unnest(?::VARCHAR[])`` converts the values one by one: 6 µs each on DuckDB 1.5)."""
    import numpy as np

    with _unsampled(con):
        con.register("_reach_values", {"v": np.array(values, dtype=object)})
        try:
            yield "_reach_values"
        finally:
            con.unregister("_reach_values")


@contextmanager
def _unsampled(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Arrays of Python objects registered meanwhile are read as text, without sampling their values first
    (DuckDB 1.5 samples slowly, and fails on a long column of ``None``)."""
    con.execute("SET pandas_analyze_sample = 0")
    try:
        yield
    finally:
        con.execute("RESET pandas_analyze_sample")


_POST_KEY = attrgetter("post_key")
_SOURCE = attrgetter("source")
_RUN_ID = attrgetter("run_id")
_METRICS = attrgetter("metrics")
_TITLE = attrgetter("title")
_AUTHOR = attrgetter("author")
_PUBLISHED = attrgetter("published_at")
_NOTE = attrgetter("note")
_VALUE = attrgetter("value")
_GRANULARITY = attrgetter("granularity")
_KIND = attrgetter("kind")
_RAW = attrgetter("raw")
_EXTRA = attrgetter("extra")
_COUNT_OF = {name: attrgetter(name) for name in METRIC_NAMES}


def _iso_utc_many(micros: Sequence[int]) -> list[str]:
    """:class:`_IsoUtc` of many instants (microseconds since the epoch, years 1 to 9999) at once:
    NumPy formats them without a Python call per value (``datetime64`` strings have ``isoformat``'s
    shape; the fraction is printed only for the instants that have one)."""
    import numpy as np

    at = np.array(micros, dtype=np.int64).astype("datetime64[us]")
    stamps = np.datetime_as_string(at.astype("datetime64[s]"), unit="s").astype("<U26")
    fraction = at != at.astype("datetime64[s]")
    if fraction.any():
        stamps[fraction] = np.datetime_as_string(at[fraction], unit="us")
    return [f"{stamp}+00:00" for stamp in stamps.tolist()]


class _IsoUtc:
    """``datetime.isoformat()`` of a UTC instant given as microseconds since the epoch, as
    :func:`snapshot_id` writes it (``2026-06-20T08:00:05.250000+00:00``; no fraction when it is zero),
    formatting each minute once: three times quicker than ``isoformat`` for a bulk load."""

    def __init__(self) -> None:
        self._minutes: dict[int, str] = {}

    def __call__(self, micros: int) -> str:
        minute, rest = divmod(micros, 60_000_000)
        prefix = self._minutes.get(minute)
        if prefix is None:
            prefix = self._minutes[minute] = (_EPOCH + timedelta(minutes=minute)).isoformat()[:-8]
        second, fraction = divmod(rest, 1_000_000)
        return f"{prefix}{second:02d}.{fraction:06d}+00:00" if fraction else f"{prefix}{second:02d}+00:00"


def _clean_column(values: list[str | None]) -> list[str | None]:
    """:func:`clean_text` of each value. A column with no lone surrogate (what :func:`clean_text` replaces)
    is returned as it is, after one check of all its text at once; otherwise ASCII values and ``None``
    are left as they are, without a call."""
    try:
        "".join(filter(None, values)).encode()
    except UnicodeEncodeError:
        return [v if v is None or v.isascii() else clean_text(v) for v in values]
    return values


def _numbers(metrics: Metrics) -> dict[str, tuple[int, str]]:
    """What makes two observations the same: each shown counter's value and precision (not its raw text)."""
    out = {}
    for name in (*METRIC_NAMES, *sorted(metrics.extra)):
        c = metrics.get(name)
        if c is not None and c.value is not None:
            out[name] = (c.value, c.kind.value)
    return out


def _describe(metrics: Metrics) -> str:
    parts = [f"{name}={c.value}" for name in METRIC_NAMES if (c := metrics.get(name)) is not None]
    return ", ".join(parts) or "no counters"


@contextmanager
def run_lock(db_path: str | Path, timeout: float) -> Iterator[None]:
    """Hold the collection lock (``<db>.lock`` beside the database): one collection run per database.

    Taken before the database is opened, so a second run fails fast even while the first one
    holds the file. A DuckLake (``ducklake:…``) takes no lock: runs on several machines may overlap,
    and each write is idempotent (deterministic snapshot ids, serialised commits).

    Raises:
        DatabaseBusy: another run kept the lock for ``timeout`` seconds.
    """
    from .lake import is_lake

    if str(db_path) == ":memory:" or is_lake(db_path):  # a lake is shared by machines: no lock spans them
        yield
        return
    lock = filelock.FileLock(f"{db_path}.lock", timeout=timeout, mode=0o600)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise DatabaseBusy(
            f"another `reach collect` is running on {db_path}; waited {timeout:g} s. Try again when it has finished."
        ) from None
    try:
        yield
    finally:
        lock.release()


def _prepared(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute("SET TimeZone = 'UTC'")
    return con


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
