"""The bulk write paths (``Store.add_snapshots``, ``Store.record_outcomes``) store exactly the rows that
the one-at-a-time paths store, and ``insights.total_timeline`` (linear) matches the plain definition."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from reach import insights
from reach.errors import InputError, NotFound, ParseError
from reach.models import Count, CountKind, Metrics, Outcome, OutcomeStatus, PostRef, Snapshot
from reach.store import Store

T0 = datetime(2026, 6, 20, 13, 0, tzinfo=timezone.utc)
REFS = [PostRef("bilibili", "BV1a7421K7Qg"), PostRef("douyin", "7450000000000000626"), PostRef("weibo", "5046")]


def _store() -> Store:
    store = Store(":memory:")
    for ref in REFS:
        store.add_post(ref, campaign="c")
    return store


def _snapshots() -> list[Snapshot]:
    out = []
    for j in range(4):
        for i, ref in enumerate(REFS):
            views = Count(1000 * (j + 1) + i) if i != 1 else None  # douyin: plays not shown
            likes = Count(12_000, CountKind.APPROXIMATE, 1000, "1.2万") if i == 2 else Count(10 + j)
            out.append(
                Snapshot(
                    ref.post_key,
                    T0 + timedelta(hours=j, seconds=i),
                    Metrics(
                        views,
                        likes,
                        Count(None, raw="评论"),
                        None,
                        Count(0),
                        extra={"coins": Count(j)} if i == 0 else {},
                    ),
                    title=f"title {j}" if j != 2 else None,
                    author="示范县公安局" if i == 0 else None,
                    published_at=T0 - timedelta(days=1) if j == 1 else None,
                    source="bilibili@1",
                    run_id=f"r{j}",
                    note="\ud83d broken emoji" if j == 3 else None,
                )
            )
    out.append(out[0])  # the same observation twice: written once
    return out


def _dump(store: Store, table: str) -> list[Any]:
    order = {"snapshots": "snapshot_id", "posts": "post_key", "run_outcomes": "post_key", "post_state": "post_key"}
    columns = "* EXCLUDE (recorded_at)" if table == "run_outcomes" else "*"
    return store.con.execute(f"SELECT {columns} FROM {table} ORDER BY {order[table]}").fetchall()


def test_add_snapshots_writes_what_add_snapshot_writes() -> None:
    one, bulk = _store(), _store()
    for snap in _snapshots():
        one.add_snapshot(snap)
    assert bulk.add_snapshots(_snapshots(), chunk=5) == len(_snapshots()) - 1
    assert _dump(bulk, "snapshots") == _dump(one, "snapshots")
    assert [r[:7] for r in _dump(bulk, "posts")] == [r[:7] for r in _dump(one, "posts")]
    assert bulk.add_snapshots(_snapshots()) == 0  # all stored already


def test_add_snapshots_is_all_or_nothing() -> None:
    store = _store()
    snaps = _snapshots()
    with pytest.raises(NotFound, match="youtube:nope"):
        store.add_snapshots([*snaps, Snapshot("youtube:nope", T0, Metrics(Count(1)))])
    with pytest.raises(ParseError):
        store.add_snapshots([*snaps, Snapshot(REFS[0].post_key, T0 + timedelta(days=9), Metrics(Count(-1)))])
    with pytest.raises(InputError):
        store.add_snapshots([Snapshot(REFS[0].post_key, datetime(2026, 1, 1), Metrics(Count(1)))])
    assert _dump(store, "snapshots") == []


def _outcomes() -> list[Outcome]:
    snaps = _snapshots()
    out = [Outcome(s.post_key, OutcomeStatus.OK, "", snapshot=s, http_status=200) for s in snaps[:6]]
    out.insert(2, Outcome(REFS[2].post_key, OutcomeStatus.UNAVAILABLE, "deleted", http_status=404))
    out.append(Outcome(REFS[1].post_key, OutcomeStatus.BLOCKED, "captcha"))  # a second outcome of one post
    return out


def test_record_outcomes_writes_what_record_outcome_writes() -> None:
    one, bulk = _store(), _store()
    run_one, run_bulk = one.begin_run("all"), bulk.begin_run("all")
    for outcome in _outcomes():
        one.record_outcome(run_one, outcome)
    bulk.record_outcomes(run_bulk, _outcomes())
    assert _dump(bulk, "snapshots") == _dump(one, "snapshots")
    assert [r[1:] for r in _dump(bulk, "run_outcomes")] == [r[1:] for r in _dump(one, "run_outcomes")]
    started = {one: one.runs()[0].started_at, bulk: bulk.runs()[0].started_at}

    def state(store: Store) -> list[Any]:  # the run's start time differs between the two stores
        return [tuple("start" if v == started[store] else v for v in r) for r in _dump(store, "post_state")]

    assert state(bulk) == state(one)
    # a refused value rolls the whole batch back (the engine then writes one by one)
    bad = Snapshot(REFS[0].post_key, T0 + timedelta(days=5), Metrics(Count(1 << 64)))
    with pytest.raises(ParseError):
        bulk.record_outcomes(run_bulk, [*_outcomes()[:1], Outcome(REFS[0].post_key, OutcomeStatus.OK, "", bad)] * 3)
    assert _dump(bulk, "snapshots") == _dump(one, "snapshots")


def _plain_total(timelines: dict[str, list[insights.Point]]) -> list[insights.Point]:
    """The definition: at each moment, the sum over every post's current point."""
    times = sorted({p.at for line in timelines.values() for p in line})
    out, seen = [], set()
    for at in times:
        current = {k: insights.value_at(line, at) for k, line in timelines.items()}
        points = [p for p in current.values() if p is not None]
        entered = any(k not in seen and p is not None for k, p in current.items())
        seen |= {k for k, p in current.items() if p is not None}
        kinds = {p.kind for p in points}
        kind = next((k for k in (CountKind.LOWER_BOUND, CountKind.APPROXIMATE) if k in kinds), CountKind.EXACT)
        low = sum(max(0, p.value - p.granularity // 2) if p.kind is CountKind.APPROXIMATE else p.value for p in points)
        out.append(
            insights.Point(at, sum(p.value for p in points), kind, sum(p.granularity for p in points), entered, low)
        )
    return out


def test_total_timeline_matches_its_definition() -> None:
    kinds = [CountKind.EXACT, CountKind.APPROXIMATE, CountKind.LOWER_BOUND]
    timelines = {
        f"p{i}": [
            insights.Point(T0 + timedelta(hours=j * (i + 1)), 100 * j + i, kinds[(i + j) % 3], 1000 * ((i + j) % 2))
            for j in range(5)
        ]
        for i in range(4)
    }
    assert insights.total_timeline(timelines) == _plain_total(timelines)
