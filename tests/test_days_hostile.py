"""Hostile cases for the day table (reach.days): whatever the store holds and however it was written,
a report that reads the day table must equal the report read from the snapshots, and after any
refresh the table must equal one built from scratch. Each test is a small reproduction; the comment
says what it checks (those marked fixed were faults found this way)."""

from __future__ import annotations

import importlib.resources
import json
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from reach import cli, days, report
from reach.lake import migrate
from reach.models import Count, CountKind, Metrics, PostRef, Snapshot
from reach.report import build_report
from reach.store import Store
from tests.test_days import _raw, _rebuilt, _table

UTC = timezone.utc
T0 = datetime(2026, 10, 20, tzinfo=UTC)
NOW = T0 + timedelta(days=30)
KEY = "bilibili:BV1"


def _reported_file(path: Path, kwargs: dict[str, Any]) -> Store:
    """A file store with one post, one snapshot (5 views) and a report (the day table built)."""
    store = Store(path)
    store.add_post(PostRef("bilibili", "BV1"), campaign="c")
    store.add_snapshot(_snap(T0, 5))
    build_report(store, **kwargs)
    return store


def _same(store: Store, monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> dict[str, Any]:
    """The report with the day table; asserts it equals the one from the snapshots."""
    got = build_report(store, **kwargs).to_dict()
    assert got == _raw(store, monkeypatch, **kwargs), kwargs
    return got


def _store(*keys: str, campaign: str | None = "c") -> Store:
    store = Store()
    for key in keys:
        store.add_post(PostRef(*key.split(":")), campaign=campaign)
    return store


def _snap(at: datetime, views: int | None, key: str = KEY, source: str = "bilibili@1", **more: Any) -> Snapshot:
    shown = Metrics(views=None if views is None else Count(views), **more)
    return Snapshot(key, at, shown, source=source)


def _zone_file(name: str, key: str) -> ZoneInfo:
    """A zone with the rules of ``name`` under another ``key`` (the same zone name, other tzdata)."""
    with importlib.resources.files("tzdata").joinpath(f"zoneinfo/{name}").open("rb") as f:
        return ZoneInfo.from_file(f, key=key)


# -- faults ----------------------------------------------------------------------------------------


def test_new_tzdata_rules_for_a_zone_rebuild_its_days(monkeypatch: pytest.MonkeyPatch) -> None:
    """Was wrong (fixed): the day rows were keyed by the zone's *name* only. When the tzdata rules of that name
    change (Asia/Almaty went from UTC+6 to UTC+5 on 2024-03-01 in tzdata 2024a; an OS or `tzdata`
    package update ships it), the stored ``day_us`` are the old midnights and refresh finds nothing to
    do (no new snapshot): the report maps each old day row onto the new grid one day early. Here a
    snapshot of 5 views at 2026-10-20 19:30 UTC (00:30 on the 21st at UTC+5) is reported in the
    bucket 2026-10-20 (expected: 1, carried from the 18th; got 5) and the 19th shows no value at all
    (expected 1)."""
    at = datetime(2026, 10, 20, 19, 30, tzinfo=UTC)
    store = _store(KEY)
    store.add_snapshot(_snap(at - timedelta(days=2), 1))
    store.add_snapshot(_snap(at, 5))
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "Asia/Almaty", "now": at + timedelta(days=3)}
    monkeypatch.setattr(report, "check_timezone", lambda _: _zone_file("Etc/GMT-6", "Asia/Almaty"))  # old rules
    build_report(store, **kwargs)
    monkeypatch.setattr(report, "check_timezone", lambda _: _zone_file("Etc/GMT-5", "Asia/Almaty"))  # new rules
    got = build_report(store, **kwargs).to_dict()
    want = _raw(store, monkeypatch, **kwargs)
    assert [(b["bucket"], b["views"]["value"]) for b in got["totals"]] == [
        (b["bucket"], b["views"]["value"]) for b in want["totals"]
    ]
    assert got == want


def test_a_report_inside_an_open_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """Raised (fixed): refresh opened its own transaction with ``con.begin()``, so
    ``build_report`` inside ``store.transaction()`` now raises ``TransactionException: cannot start a
    transaction within a transaction``; read from the snapshots (before the day table) it works."""
    store = _store(KEY)
    store.add_snapshot(_snap(T0, 5))
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "UTC", "now": NOW}
    with store.transaction():
        want = _raw(store, monkeypatch, **kwargs)  # read from the snapshots: fine inside a transaction
        got = build_report(store, **kwargs).to_dict()
    assert got == want


def test_snapshots_removed_and_as_many_written_again_after_a_checkpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Was wrong (fixed): the refresh guard was "count(*) minus the rows after max_rowid == the recorded count".
    DuckDB row ids are positions: when the snapshots are deleted (by hand: a reset, a re-import from a
    backup) and a checkpoint runs (reach runs CHECKPOINT after a collection; closing a file store does
    one too), the row ids restart at 0. As many snapshots written again get row ids <= max_rowid, the
    count adds up, refresh reports the table current and the report shows the *deleted* numbers:
    expected 1000 views (the new snapshot), got 10 (the deleted one). The module docstring promises
    that removed snapshots rebuild the zone."""
    store = _store(KEY)
    store.add_snapshot(_snap(T0, 10))
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "UTC", "now": NOW}
    _same(store, monkeypatch, **kwargs)
    store.con.execute("DELETE FROM snapshots")
    store.con.execute("CHECKPOINT")
    store.add_snapshot(_snap(T0 + timedelta(hours=3), 1000, source="manual"))
    assert store.con.execute("SELECT rowid FROM snapshots").fetchall() == [(0,)]  # the old row id, reused
    got = build_report(store, **kwargs).to_dict()
    assert got["totals"][-1]["views"]["value"] == 1000
    assert got == _raw(store, monkeypatch, **kwargs)


def test_file_store_reset_closed_and_refilled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was wrong (fixed): the same as above on a file, with no explicit CHECKPOINT: closing the store checkpoints
    it. Snapshots deleted, the file closed and reopened, as many written again -> the report still
    shows the deleted values (expected 1000 and 1001, got 10 and 11)."""
    path = tmp_path / "r.duckdb"
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "UTC", "now": NOW}
    with Store(path) as store:
        store.add_post(PostRef("bilibili", "BV1"), campaign="c")
        store.add_snapshots([_snap(T0, 10), _snap(T0 + timedelta(days=1), 11)])
        build_report(store, **kwargs)
        store.con.execute("DELETE FROM snapshots")
    with Store(path) as store:
        store.add_snapshots([_snap(T0, 1000, source="manual"), _snap(T0 + timedelta(days=1), 1001, source="manual")])
        assert _same(store, monkeypatch, **kwargs)["totals"][-1]["views"]["value"] == 1001


def test_long_histories_use_the_asof_day_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Years of snapshots in zones whose day lengths differ by 30 min (Lord Howe): more than MAX_SLOTS
    lookup slots, so refresh and the report assign days with the ASOF join; then a backfill."""
    rng = random.Random(7)
    store = _store(KEY, "weibo:W1")
    start = datetime(2019, 1, 3, tzinfo=UTC)
    snaps = []
    for i in range(0, 4 * 365, 5):
        at = start + timedelta(days=i, hours=rng.randint(0, 23), minutes=rng.choice((0, 30)))
        views = Count(i * 10 + rng.randint(0, 9)) if rng.random() < 0.9 else None
        key, source = rng.choice((KEY, "weibo:W1")), rng.choice(("manual", "bilibili@1"))
        snaps.append(Snapshot(key, at, Metrics(views=views, likes=Count(1)), source=source))
    store.add_snapshots(snaps)
    now = datetime(2023, 6, 1, tzinfo=UTC)
    tz = "Australia/Lord_Howe"
    for extra in (
        {"by": "month"},
        {"by": "week", "since": date(2021, 3, 1)},
        {"by": "day", "since": date(2022, 10, 1)},
    ):
        _same(store, monkeypatch, campaign="c", tz=tz, now=now, **extra)
    store.add_snapshots(
        [_snap(start + timedelta(days=i, hours=5), i * 10 + 5, source="weibo@2") for i in range(0, 1400, 40)]
    )
    _same(store, monkeypatch, campaign="c", tz=tz, now=now, by="week", since=date(2021, 3, 1))
    assert _table(store, tz) == _rebuilt(store, tz)


def test_a_snapshot_at_the_end_of_the_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    """Raised (fixed): ``Store.add_snapshot`` accepts any aware time (the CLI and the
    importer refuse the future and years before 2000; the library and the collectors' clock do not).
    One snapshot on 9999-12-31 (or in year 1) makes every day/week/month report raise
    ``OverflowError: date value out of range`` in ``days.day_starts`` (refresh computes the day after
    the newest snapshot), even a report of October 2026, which from the snapshots gives 5."""
    store = _store(KEY)
    store.add_snapshot(_snap(T0, 5))
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "Asia/Shanghai", "now": NOW}
    _same(store, monkeypatch, **kwargs)
    store.add_snapshot(_snap(datetime(9999, 12, 31, 1, tzinfo=UTC), 7, source="manual"))
    got = _same(store, monkeypatch, **kwargs, since=date(2026, 10, 19), until=date(2026, 10, 22))
    assert got["totals"][-1]["views"]["value"] == 5


# -- cases that hold (coverage) ---------------------------------------------------------------------


def test_samoa_skipped_day_filled_in_by_separate_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pacific/Apia skipped 2011-12-30: no single write spans it, so every refresh is incremental and
    the table holds days on both sides; reports with history before ``since`` must still be right."""
    store = _store(KEY)
    kwargs: dict[str, Any] = {"campaign": "c", "tz": "Pacific/Apia", "now": datetime(2012, 2, 1, tzinfo=UTC)}
    for at, views in ((datetime(2012, 1, 5, tzinfo=UTC), 50), (datetime(2011, 12, 29, 12, tzinfo=UTC), 10)):
        store.add_snapshot(_snap(at, views))
        _same(store, monkeypatch, by="day", **kwargs)
    store.add_snapshot(_snap(datetime(2011, 12, 31, 12, tzinfo=UTC), 20))  # Jan 1st 01:00 local
    for extra in ({"by": "day"}, {"by": "day", "since": date(2012, 1, 2)}, {"by": "week"}, {"by": "month"}):
        _same(store, monkeypatch, **kwargs, **extra)
        _same(store, monkeypatch, **kwargs, **{**extra, "since": date(2011, 12, 31)})
    # a build from scratch spans the skipped day: it refuses (the reports read the snapshots)
    store.con.execute(f"DELETE FROM {days.STATE}")
    assert not days.refresh(store, ZoneInfo("Pacific/Apia"))
    _same(store, monkeypatch, by="day", **kwargs, since=date(2012, 1, 2))


@pytest.mark.parametrize(
    ("tz", "base"),
    [
        ("Europe/Berlin", datetime(2026, 10, 24, tzinfo=UTC)),  # DST ends 10-25
        ("Asia/Kathmandu", datetime(2026, 10, 24, tzinfo=UTC)),  # +05:45
        ("America/Santiago", datetime(2026, 9, 4, tzinfo=UTC)),  # midnight skipped on 09-06
        ("America/Santiago", datetime(2026, 4, 3, tzinfo=UTC)),  # 23:00-24:00 repeated on 04-04
        ("Australia/Lord_Howe", datetime(2026, 10, 2, tzinfo=UTC)),  # half-hour DST on 10-04
        ("America/Havana", datetime(2026, 10, 30, tzinfo=UTC)),  # midnight repeated on 11-01
    ],
)
def test_zone_interleaving_around_transitions(tz: str, base: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    """A report in a zone, writes (a later run, an old day filled in, a tie, a likes-only snapshot
    older than every view), a report in another zone, then the first again; ranges by dates and by
    aware datetimes ending mid-day; owner and public sources at one instant."""
    rng = random.Random(tz + str(base))
    store = _store(KEY, "weibo:W1")
    store.add_snapshot(_snap(base - timedelta(days=3), None, likes=Count(1)))  # likes only, before every view
    for h in range(0, 96, 5):
        store.add_snapshot(_snap(base + timedelta(hours=h, minutes=17), 100 + h * 10))
        store.add_snapshot(_snap(base + timedelta(hours=h), 200 + h, key="weibo:W1", source="weibo@2"))
    steps = [
        lambda: store.add_snapshot(_snap(base + timedelta(hours=100), 5_000)),  # a new run
        lambda: store.add_snapshots(  # an owner export of old days, imported later
            [_snap(base + timedelta(hours=h), 90 + h, source="manual") for h in (-30, 1, 26, 49)]
        ),
        lambda: store.add_snapshot(_snap(base + timedelta(hours=20, minutes=17), 7, source="manual")),  # a tie
        lambda: store.add_snapshot(_snap(base + timedelta(hours=20, minutes=17), 9, source="weibo@9")),  # a tie
    ]
    ranges: list[dict[str, Any]] = [
        {},
        {"since": (base + timedelta(days=1)).date()},
        {"since": base + timedelta(hours=30, minutes=5), "until": base + timedelta(hours=70, minutes=1)},
        {"until": (base + timedelta(days=2)).date()},
    ]
    for step in steps:
        for zone in (tz, "Asia/Shanghai", tz):
            by = rng.choice(("day", "week", "month"))
            _same(store, monkeypatch, campaign="c", by=by, tz=zone, now=NOW, **rng.choice(ranges))
        step()
    for zone in (tz, "Asia/Shanghai"):
        _same(store, monkeypatch, campaign=None, by="day", tz=zone, now=NOW)
        assert _table(store, zone) == _rebuilt(store, zone)


def test_huge_counts_and_a_decrease(monkeypatch: pytest.MonkeyPatch) -> None:
    """Values near 2**62 in several posts: sums above 2**63 in buckets, largest views and milestones."""
    keys = [f"bilibili:H{i}" for i in range(4)]
    store = _store(*keys)
    big = 2**62
    for i, key in enumerate(keys):
        for d in range(4):
            store.add_snapshot(_snap(T0 + timedelta(days=d, hours=i), big + d * 1000 - (d == 2) * 5000, key=key))
    for by in ("day", "week"):
        _same(store, monkeypatch, campaign="c", by=by, tz="Asia/Shanghai", now=NOW, milestones=[big, 2 * big])
    store.add_snapshot(_snap(T0 + timedelta(days=1, hours=23), big - 1, key=keys[0], source="manual"))
    _same(store, monkeypatch, campaign="c", by="day", tz="Asia/Shanghai", now=NOW, since=date(2026, 10, 21))


def test_hand_edits_rebuild_or_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    """The table dropped, a zone's rows deleted, the state row moved back (consistent row id and
    count: the summarised snapshots are merged a second time), the state row deleted."""
    store = _store(KEY)
    for h in range(0, 72, 7):
        store.add_snapshot(_snap(T0 + timedelta(hours=h), 10 * h))
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "Europe/Berlin", "now": NOW}
    _same(store, monkeypatch, **kwargs)
    edits = [
        f"DROP TABLE {days.TABLE}",
        f"DELETE FROM {days.TABLE} WHERE zone = 'Europe/Berlin' AND day_us = (SELECT max(day_us) FROM {days.TABLE})",
        f"UPDATE {days.STATE} SET max_rowid = max_rowid - 3, rows = rows - 3",
        f"DELETE FROM {days.STATE}",
        f"DROP TABLE {days.STATE}",
    ]
    for i, sql in enumerate(edits):
        store.con.execute(sql)
        store.add_snapshot(_snap(T0 + timedelta(hours=80 + i), 1000 + i))
        _same(store, monkeypatch, **kwargs)
        assert _table(store, "Europe/Berlin") == _rebuilt(store, "Europe/Berlin")


def test_rolled_back_writes_and_a_second_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A's transaction holds an uncommitted snapshot while B writes, reports (refresh) and A commits
    later (its row id comes after B's); a transaction that rolls back; the file closed and reopened."""
    path = tmp_path / "r.duckdb"
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "Asia/Shanghai", "now": NOW}
    a = _reported_file(path, kwargs)
    b = Store(path)
    with a.transaction() as con:
        a._insert_snapshot(con, _snap(T0 + timedelta(days=1), 7))
        b.add_snapshot(_snap(T0 + timedelta(days=2), 9))
        _same(b, monkeypatch, **kwargs)
    _same(b, monkeypatch, **kwargs)
    with pytest.raises(RuntimeError), a.transaction() as con:
        a._insert_snapshot(con, _snap(T0 + timedelta(days=3), 11))
        _same(b, monkeypatch, **kwargs)
        raise RuntimeError("roll back")
    a.add_snapshot(_snap(T0 + timedelta(days=1, hours=1), 8, source="manual"))
    _same(a, monkeypatch, **kwargs)
    a.close()
    b.close()
    with Store(path) as c:
        c.add_snapshot(_snap(T0 + timedelta(days=4), 20))
        _same(c, monkeypatch, **kwargs)
        _same(c, monkeypatch, **{**kwargs, "tz": "UTC", "by": "week"})
        assert _table(c, "Asia/Shanghai") == _rebuilt(c, "Asia/Shanghai")


def test_posts_added_to_a_campaign_after_the_table_was_built(monkeypatch: pytest.MonkeyPatch) -> None:
    store = _store(KEY)
    store.add_post(PostRef("weibo", "W2"))  # tracked, not in the campaign
    store.add_snapshot(_snap(T0, 5))
    store.add_snapshot(_snap(T0 - timedelta(days=2), 500, key="weibo:W2"))
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "UTC", "now": NOW}
    _same(store, monkeypatch, **kwargs)
    store.add_post(PostRef("weibo", "W2"), campaign="c")  # no new snapshot: the table is current
    _same(store, monkeypatch, **kwargs)
    _same(store, monkeypatch, **kwargs, since=date(2026, 10, 20))


def test_cli_report_on_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``reach report --db FILE --format json`` with and without the day table, after writes."""
    path = tmp_path / "r.duckdb"
    with Store(path) as store:
        store.add_post(PostRef("bilibili", "BV1"), campaign="c")
        for d in range(5):
            store.add_snapshot(_snap(T0 + timedelta(days=d, hours=d), 100 * d + 1))

    def run(*extra: str) -> dict[str, Any]:
        args = ["--db", str(path), "report", "-c", "c", "--format", "json", "--tz", "Europe/Berlin", *extra]
        result = CliRunner().invoke(cli.app, args)
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        out.pop("generated_at", None)
        return out

    def raw(*extra: str) -> dict[str, Any]:
        with monkeypatch.context() as m:
            m.setattr(days, "refresh", lambda *_: False)
            return run(*extra)

    for extra in ((), ("--by", "week"), ("--since", "2026-10-22", "--until", "2026-10-23")):
        assert run(*extra) == raw(*extra)
    with Store(path) as store:
        store.add_snapshot(_snap(T0 + timedelta(days=1, hours=2), 50, source="manual"))  # an old day
    assert run() == raw()


def test_migrate_a_file_with_day_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src, dst = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "Asia/Kathmandu", "now": NOW}
    with Store(src) as store:
        store.add_post(PostRef("bilibili", "BV1"), campaign="c")
        for d in range(4):
            store.add_snapshot(_snap(T0 + timedelta(days=d, hours=20), 10 + d))
        build_report(store, **kwargs)
        build_report(store, **{**kwargs, "tz": "UTC"})
    result = migrate(src, dst)
    assert result.copied and days.TABLE not in result.rows and days.STATE not in result.rows
    with Store(dst) as store:
        _same(store, monkeypatch, **kwargs)
        store.add_snapshot(_snap(T0 + timedelta(days=1, hours=1), 11, source="manual"))
        _same(store, monkeypatch, **{**kwargs, "tz": "UTC"})
        _same(store, monkeypatch, **kwargs)


def test_random_writes_and_reports_in_hostile_zones(monkeypatch: pytest.MonkeyPatch) -> None:
    """A short random campaign: batches written one by one or together (some rejected and rolled
    back), reports in random zones, buckets and ranges, with milestones and a target."""
    zones = ["Asia/Shanghai", "Europe/Berlin", "Asia/Kathmandu", "America/Santiago", "Australia/Lord_Howe"]
    sources = ("bilibili@1", "manual", "import:douyin_creator:a.xlsx", "weibo@2")
    for seed in range(4):
        rng = random.Random(seed)
        base = datetime(2026, (3, 4, 9, 10)[seed], 25, tzinfo=UTC)
        keys = [f"bilibili:R{i}" for i in range(3)]
        store = _store(*keys[:2])
        store.add_post(PostRef("bilibili", "R2"))
        store.create_campaign("c", target_views=rng.choice((5_000, 50_000)))
        moments: list[datetime] = []
        for step in range(6):
            batch = []
            for _ in range(rng.randint(2, 12)):
                at = (
                    rng.choice(moments)
                    if moments and rng.random() < 0.3
                    else base + timedelta(minutes=rng.randint(-6000, 20000))
                )
                moments.append(at)
                views = (
                    None
                    if rng.random() < 0.15
                    else Count(rng.randint(0, 90_000) // 1000 * 1000, CountKind.APPROXIMATE, 1000)
                )
                if views is not None and rng.random() < 0.6:
                    views = Count(rng.randint(0, 90_000))
                shown = Metrics(views=views, likes=Count(3) if rng.random() < 0.7 else None)
                batch.append(Snapshot(rng.choice(keys), at, shown, source=rng.choice(sources)))
            try:
                if rng.random() < 0.5:
                    store.add_snapshots(batch)
                else:
                    for snapshot in batch:
                        store.add_snapshot(snapshot)
            except Exception:  # a snapshot of the same post, time and source with other numbers
                pass
            kwargs: dict[str, Any] = {
                "campaign": rng.choice(("c", None)),
                "by": rng.choice(("day", "week", "month")),
                "tz": rng.choice(zones),
                "now": base + timedelta(days=rng.choice((12, 40))),
                "milestones": [1000, 20_000, 60_000],
            }
            if rng.random() < 0.5:
                kwargs["since"] = (base + timedelta(days=rng.randint(0, 8))).date()
            _same(store, monkeypatch, **kwargs)
            if step == 5:
                assert _table(store, kwargs["tz"]) == _rebuilt(store, kwargs["tz"])


def test_migrate_to_a_lake_and_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file with day tables migrated to a DuckLake (which reads the snapshots) and back to a new file
    (which builds its own tables): the same reports everywhere."""
    from reach.errors import ConfigError
    from reach.lake import extension_file

    try:
        for name in ("ducklake", "sqlite"):
            extension_file(name)
    except ConfigError as exc:
        pytest.skip(str(exc))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    src, back = tmp_path / "a.duckdb", tmp_path / "c.duckdb"
    lake = f"ducklake:sqlite:{tmp_path}/catalog.sqlite"
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "Europe/Berlin", "now": NOW}
    with Store(src) as store:
        store.add_post(PostRef("bilibili", "BV1"), campaign="c")
        for h in range(0, 120, 9):
            store.add_snapshot(_snap(T0 + timedelta(hours=h), 10 * h, source=("manual", "bilibili@1")[h % 2]))
        want = build_report(store, **kwargs).to_dict()
    assert migrate(src, lake).copied
    with Store(lake) as store:
        assert build_report(store, **kwargs).to_dict() == want
    assert migrate(lake, back).copied
    with Store(back) as store:
        assert build_report(store, **kwargs).to_dict() == want
        assert _table(store, "Europe/Berlin") == _rebuilt(store, "Europe/Berlin")


def test_owner_data_written_with_new_posts_and_a_campaign(monkeypatch: pytest.MonkeyPatch) -> None:
    """``write_owner_data`` (the importer's path): new posts put in the campaign and their owner
    snapshots at the instants of public ones (ties between classes), after the table was built."""
    store = _store(KEY)
    for d in range(3):
        store.add_snapshot(_snap(T0 + timedelta(days=d, hours=9), 100 + d))
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "Asia/Shanghai", "now": NOW}
    _same(store, monkeypatch, **kwargs)
    ref = PostRef("bilibili", "BV2")
    owner = [
        _snap(T0 + timedelta(days=d, hours=9), 150 + d, key=key, source="import:bilibili_creator:a.xlsx")
        for d in range(3)
        for key in (KEY, ref.post_key)
    ]
    store.write_owner_data(owner, posts=[(ref, None)], campaign="c")
    _same(store, monkeypatch, **kwargs)
    _same(store, monkeypatch, **{**kwargs, "since": date(2026, 10, 21), "by": "week"})
    assert _table(store, "Asia/Shanghai") == _rebuilt(store, "Asia/Shanghai")


@pytest.mark.parametrize("since", [None, date(2026, 10, 25), date(2026, 11, 2)])
def test_counters_only_in_snapshots_older_than_every_view(since: date | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Likes, comments and an extra counter shown only by snapshots without views, older than every
    view (before the report's range and before its first pre-range slice): each post's current values
    must still find them, from the owner and from the public class."""
    store = _store(KEY, "weibo:W1")
    store.add_snapshot(_snap(T0 - timedelta(days=40), None, likes=Count(3), extra={"coins": Count(4)}))
    store.add_snapshot(_snap(T0 - timedelta(days=39), None, source="manual", comments=Count(8)))
    store.add_snapshot(_snap(T0 - timedelta(days=2), None, key="weibo:W1", source="weibo@2", shares=Count(2)))
    for d in range(0, 20, 3):
        store.add_snapshot(_snap(T0 + timedelta(days=d, hours=d), 100 * d))
        store.add_snapshot(_snap(T0 + timedelta(days=d, hours=1), 50 * d, key="weibo:W1", source="weibo@2"))
    kwargs: dict[str, Any] = {"campaign": "c", "tz": "Europe/Berlin", "now": NOW, "since": since}
    for by in ("day", "week", "month"):
        got = _same(store, monkeypatch, by=by, **kwargs)
    assert got["posts"]
    store.add_snapshot(_snap(T0 - timedelta(days=41), None, source="manual", likes=Count(1)))  # older still
    _same(store, monkeypatch, by="day", **kwargs)


def test_two_reports_at_once_on_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Raised (fixed): a report used to only read; now it writes the day table. Two reports at once on
    one database (two Store objects in two threads: a dashboard, a bot answering two users) that
    both have new snapshots to summarise conflict: while A's refresh is between its writes and its
    commit, B's report raises ``TransactionException: Current transaction is aborted (please
    ROLLBACK)`` (a write-write conflict on the day rows), where reading the snapshots both succeed."""
    import threading

    path = tmp_path / "r.duckdb"
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "UTC", "now": NOW}
    a = _reported_file(path, kwargs)
    a.add_snapshot(_snap(T0 + timedelta(days=1), 6))
    b = Store(path)
    want = _raw(b, monkeypatch, **kwargs)
    written, done = threading.Event(), threading.Event()
    set_state = days._set_state

    def slow(con: Any, *args: Any) -> None:  # A pauses after its writes, before its commit
        set_state(con, *args)
        if threading.current_thread().name == "A":
            written.set()
            done.wait(10)

    monkeypatch.setattr(days, "_set_state", slow)
    results: dict[str, Any] = {}

    def report_a() -> None:
        results["a"] = build_report(a, **kwargs).to_dict()

    thread = threading.Thread(target=report_a, name="A")
    thread.start()
    try:
        assert written.wait(10)
        results["b"] = build_report(b, **kwargs).to_dict()
    finally:
        done.set()
        thread.join(10)
    assert results["a"] == want
    assert results["b"] == want
