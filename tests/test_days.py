"""The day table (reach.days): reports that read it give exactly the report read from the snapshots,
after it is built, after new snapshots (a new run, old days filled in later, a tie at one instant), and
when the snapshots no longer add up; it is never used where it cannot be (hour buckets, a lake)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from reach import days, series
from reach.lake import migrate
from reach.models import Count, CountKind, Metrics, PostRef, Snapshot
from reach.report import build_report
from reach.store import Store
from tests.test_series import T0, random_store

NOW = T0 + timedelta(days=30)


def _raw(store: Store, monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> dict[str, Any]:
    """The report read from the snapshots (the day table switched off)."""
    with monkeypatch.context() as m:
        m.setattr(days, "refresh", lambda *_: False)
        return build_report(store, **kwargs).to_dict()


def _table(store: Store, zone: str) -> list[tuple[Any, ...]]:
    return sorted(store.con.execute(f"SELECT * FROM {days.TABLE} WHERE zone = ?", [zone]).fetchall())


def _rebuilt(store: Store, zone: str) -> list[tuple[Any, ...]]:
    """The zone's rows as a build from scratch makes them."""
    store.con.execute(f"DELETE FROM {days.STATE} WHERE zone = ?", [zone])
    assert days.refresh(store, days.ZoneInfo(zone))
    return _table(store, zone)


def _more(store: Store, rng: random.Random, keys: list[str], at: list[datetime], likes: bool = True) -> None:
    for key in keys:
        for moment in at:
            source = rng.choice(("bilibili@1", "manual", "weibo@2"))
            views = Count(rng.randint(0, 900_000))
            if rng.random() < 0.2:
                views = Count(views.value // 1000 * 1000, CountKind.APPROXIMATE, 1000)
            shown = Metrics(views=views, likes=Count(7) if likes else None)
            store.add_snapshot(Snapshot(key, moment, shown, source=source))


CASES = [
    (seed, ("day", "week", "month")[seed % 3], ("Asia/Shanghai", "Europe/Berlin", "UTC")[seed % 3])
    for seed in range(12)
]


@pytest.mark.parametrize(("seed", "by", "tz"), CASES)
def test_reports_from_the_day_table_equal_reports_from_the_snapshots(
    seed: int, by: str, tz: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, refs = random_store(seed)
    keys = [r.post_key for r in refs]
    rng = random.Random(seed)
    kwargs: dict[str, Any] = {"campaign": "c", "by": by, "tz": tz, "now": NOW}
    if seed % 2:
        kwargs["since"] = date(2026, 10, 25)  # history before the range: slices of whole days
    for step in range(5):
        got = build_report(store, **kwargs).to_dict()
        assert got == _raw(store, monkeypatch, **kwargs), f"step {step}"
        assert _table(store, tz) == _rebuilt(store, tz), f"step {step}"
        state = store.con.execute(f"SELECT rows FROM {days.STATE} WHERE zone = ?", [tz]).fetchone()
        assert state is not None and state[0] == store.con.execute("SELECT count(*) FROM snapshots").fetchone()[0]
        if step == 0:  # a new collection run, after everything
            _more(store, rng, keys, [T0 + timedelta(days=16, minutes=rng.randint(0, 600))])
        elif step == 1:  # an owner export of old days, imported later (days already summarised)
            _more(store, rng, keys, [T0 + timedelta(days=d, hours=rng.randint(0, 23)) for d in (-1, 2, 3)])
        elif step == 2:  # snapshots at the very instant of existing ones (ties settled by the snapshot id)
            moments = [r[0] for r in store.con.execute("SELECT DISTINCT collected_at FROM snapshots").fetchall()]
            _more(store, rng, keys, rng.sample(moments, min(3, len(moments))))
        elif step == 3:  # a run a minute after the newest snapshot (its day merges), showing fewer counters
            newest = store.con.execute("SELECT max(collected_at) FROM snapshots").fetchone()[0]  # type: ignore[index]
            _more(store, rng, keys, [newest + timedelta(minutes=1)], likes=False)


def test_snapshots_that_do_not_add_up_rebuild_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = random_store(3)
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "UTC", "now": NOW}
    build_report(store, **kwargs)
    # rows removed and others written outside reach: the count no longer adds up
    store.con.execute("DELETE FROM snapshots WHERE rowid IN (SELECT max(rowid) FROM snapshots)")
    assert build_report(store, **kwargs).to_dict() == _raw(store, monkeypatch, **kwargs)
    assert _table(store, "UTC") == _rebuilt(store, "UTC")


@pytest.mark.parametrize(
    "damage",
    [f"DELETE FROM {days.TABLE} WHERE rowid IN (SELECT min(rowid) FROM {days.TABLE})", f"DROP TABLE {days.TABLE}"],
)
def test_day_rows_removed_by_hand_rebuild_the_table(damage: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = random_store(4)
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "UTC", "now": NOW}
    build_report(store, **kwargs)
    store.con.execute(damage)
    assert build_report(store, **kwargs).to_dict() == _raw(store, monkeypatch, **kwargs)
    assert _table(store, "UTC") == _rebuilt(store, "UTC")


def test_each_zone_has_its_own_days_and_hour_reports_do_not_use_them() -> None:
    store, _ = random_store(5)
    build_report(store, campaign="c", by="hour", tz="UTC", now=NOW)
    assert store.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [days.TABLE]).fetchone() == (
        0,
    )
    build_report(store, campaign="c", by="day", tz="UTC", now=NOW)
    build_report(store, campaign="c", by="day", tz="Asia/Shanghai", now=NOW)
    zones = store.con.execute(f"SELECT DISTINCT zone FROM {days.TABLE} ORDER BY zone").fetchall()
    assert zones == [("Asia/Shanghai",), ("UTC",)]
    # a day starts at local midnight: 16:00 UTC in Beijing
    assert {r[0] % 86_400_000_000 for r in store.con.execute(
        f"SELECT DISTINCT day_us FROM {days.TABLE} WHERE zone = 'Asia/Shanghai'"
    ).fetchall()} == {16 * 3_600_000_000}  # fmt: skip


def test_a_day_report_reads_day_rows_not_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    """The grouped pass over every snapshot is not run when the table is current."""
    store, _ = random_store(7)
    build_report(store, campaign="c", by="day", tz="UTC", now=NOW)
    calls: list[str] = []
    monkeypatch.setattr(series, "summarize", lambda *a: calls.append("snapshots"))
    build_report(store, campaign="c", by="week", tz="UTC", now=NOW)
    assert calls == []


def test_lookup_and_asof_day_assignment_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = random_store(9)
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "Europe/Berlin", "now": NOW}
    fast = build_report(store, **kwargs).to_dict()
    table = _table(store, "Europe/Berlin")
    monkeypatch.setattr(days, "MAX_SLOTS", 0)
    assert build_report(store, since=date(2026, 10, 22), **kwargs).to_dict() == _raw(
        store, monkeypatch, since=date(2026, 10, 22), **kwargs
    )
    assert _rebuilt(store, "Europe/Berlin") == table
    assert build_report(store, **kwargs).to_dict() == fast


def test_a_lake_store_reads_the_snapshots() -> None:
    class Lake:
        lake = "ducklake:sqlite:/nowhere"

    assert days.refresh(Lake(), days.ZoneInfo("UTC")) is False  # type: ignore[arg-type]


def test_migrate_leaves_the_day_table_behind(tmp_path: Path) -> None:
    src = tmp_path / "a.duckdb"
    with Store(src) as store:
        store.add_post(PostRef("bilibili", "BV1xx411c7mD"), campaign="c")
        store.add_snapshot(Snapshot("bilibili:BV1xx411c7mD", T0, Metrics(views=Count(5)), source="bilibili@1"))
        build_report(store, campaign="c", now=NOW)
    dst = tmp_path / "b.duckdb"
    with Store(dst) as store:  # a target that has had a report of its own (an empty table)
        build_report(store, now=NOW)
    result = migrate(src, dst)
    assert result.copied and days.TABLE not in result.rows
    with Store(dst) as store:
        rep = build_report(store, campaign="c", now=NOW)
        assert rep.buckets[-1].total.value == 5


def test_tables_of_another_shape_are_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Day tables written by another version of reach (other columns) are dropped and rebuilt."""
    store, _ = random_store(6)
    store.con.execute(f"CREATE TABLE {days.STATE} (zone VARCHAR, max_rowid BIGINT, rows BIGINT)")
    store.con.execute(f"INSERT INTO {days.STATE} VALUES ('UTC', 10**9, 10**9)")
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "UTC", "now": NOW}
    assert build_report(store, **kwargs).to_dict() == _raw(store, monkeypatch, **kwargs)
    assert _table(store, "UTC") == _rebuilt(store, "UTC")


def test_a_zone_that_skipped_a_day_reads_the_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    """Samoa skipped 2011-12-30: its local midnights do not follow each other there. Reports over it (and
    over history before ``since`` that holds it) give the snapshots' numbers, never a crash."""
    store = Store()
    ref = PostRef("bilibili", "BV1xx411c7mD")
    store.add_post(ref, campaign="c")
    start = datetime(2011, 12, 27, tzinfo=days.ZoneInfo("UTC"))
    for h in range(0, 24 * 8, 5):
        shown = Metrics(views=Count(1000 + 37 * h))
        store.add_snapshot(Snapshot(ref.post_key, start + timedelta(hours=h), shown, source="bilibili@1"))
    kwargs: dict[str, Any] = {"campaign": "c", "tz": "Pacific/Apia", "now": start + timedelta(days=20)}
    for extra in ({}, {"since": date(2012, 1, 1)}, {"by": "week"}):
        args = {**kwargs, **extra}
        assert build_report(store, **args).to_dict() == _raw(store, monkeypatch, **args)
    # the table built before the skipped day, then a run after it: an update across the gap
    store2 = Store()
    store2.add_post(ref, campaign="c")
    store2.add_snapshot(Snapshot(ref.post_key, start, Metrics(views=Count(5)), source="bilibili@1"))
    build_report(store2, **kwargs)
    store2.add_snapshot(Snapshot(ref.post_key, start + timedelta(days=6), Metrics(views=Count(9)), source="bilibili@1"))
    for extra in ({}, {"since": date(2012, 1, 1)}):
        args = {**kwargs, **extra}
        assert build_report(store2, **args).to_dict() == _raw(store2, monkeypatch, **args)


def test_a_snapshot_centuries_away_is_not_summarised_day_by_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """A typing slip (year 4000) would need a million days: the table stands aside, the report reads
    the snapshots (and still gives the snapshots' numbers)."""
    store, _ = random_store(2)
    kwargs: dict[str, Any] = {"campaign": "c", "by": "day", "tz": "UTC", "now": NOW, "until": date(2026, 11, 5)}
    build_report(store, **kwargs)
    key = store.con.execute("SELECT post_key FROM campaign_posts LIMIT 1").fetchone()[0]  # type: ignore[index]
    store.add_snapshot(Snapshot(key, datetime(4000, 1, 1, tzinfo=timezone.utc), Metrics(views=Count(1))))
    assert days.day_starts(T0, datetime(4000, 1, 1, tzinfo=timezone.utc), days.ZoneInfo("UTC")) is None
    assert build_report(store, **kwargs).to_dict() == _raw(store, monkeypatch, **kwargs)  # its own day added
    store.con.execute(f"DELETE FROM {days.STATE}")  # a build from scratch would span 730,000 days
    assert days.refresh(store, days.ZoneInfo("UTC")) is False
    assert build_report(store, **kwargs).to_dict() == _raw(store, monkeypatch, **kwargs)
