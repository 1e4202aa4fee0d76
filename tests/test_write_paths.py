"""The fast write paths of issue 10: the engine's writer thread (an outcome is committed before
``on_outcome`` hears of it, a bounded number wait, a database failure stops the run instead of hanging
it) and the bulk snapshot path's shortcuts (ids formatted without ``isoformat``, the stored-ids check
limited to the batch's time range). No timing is asserted."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from reach.collect import Engine
from reach.config import Settings
from reach.models import Count, Metrics, Outcome, PostRef, Snapshot
from reach.store import _EPOCH, Store, _IsoUtc, snapshot_id

from .conftest import bili_view as view
from .conftest import json_response

BVS = [f"BV1a7421K7Q{c}" for c in "gumabcdefhijk"]
T0 = datetime(2026, 6, 20, 13, 0, tzinfo=timezone.utc)


def _handler(request: httpx.Request) -> httpx.Response:
    return json_response(view(request.url.params["bvid"], 4321))


def _tracked(store: Store) -> list[PostRef]:
    refs = [PostRef("bilibili", b) for b in BVS]
    for ref in refs:
        store.add_post(ref, campaign="c")
    return refs


class _Recording(Store):
    """A store that remembers which post keys each committed transaction held."""

    def __init__(self) -> None:
        super().__init__(":memory:")
        self.committed: set[str] = set()
        self.transactions = 0

    def record_outcomes(self, run_id: str, outcomes: Sequence[Outcome]) -> None:
        super().record_outcomes(run_id, outcomes)
        self.committed.update(o.post_key for o in outcomes)
        self.transactions += 1


def test_each_outcome_is_committed_before_on_outcome_hears_of_it() -> None:
    store = _Recording()
    refs = _tracked(store)
    heard: list[str] = []

    def on_outcome(outcome: Outcome) -> None:
        assert outcome.post_key in store.committed  # the writer committed it first
        heard.append(outcome.post_key)

    settings = Settings(min_interval={"*": 0.0}, retry_backoff=0.0)
    summary = Engine(store, settings, transport=httpx.MockTransport(_handler), on_outcome=on_outcome).run(refs)
    assert summary.ok == len(refs) and sorted(heard) == sorted(r.post_key for r in refs)
    assert store.con.execute("SELECT count(*) FROM snapshots").fetchone() == (len(refs),)


def test_a_bound_of_one_unwritten_outcome_still_collects_everything() -> None:
    store = _Recording()
    refs = _tracked(store)
    engine = Engine(store, Settings(min_interval={"*": 0.0}), transport=httpx.MockTransport(_handler))
    engine.max_unwritten = 1
    assert engine.run(refs).ok == len(refs)
    assert store.con.execute("SELECT count(*) FROM run_outcomes").fetchone() == (len(refs),)


class _Broken(Store):
    def record_outcomes(self, run_id: str, outcomes: Sequence[Outcome]) -> None:
        raise RuntimeError("disk on fire")


def test_a_database_failure_in_the_writer_ends_the_run_with_it() -> None:
    store = _Broken(":memory:")
    refs = _tracked(store)
    engine = Engine(store, Settings(min_interval={"*": 0.0}), transport=httpx.MockTransport(_handler))
    engine.max_unwritten = 2  # workers wait for room: they must be woken, not left hanging
    with pytest.raises(RuntimeError, match="disk on fire"):
        engine.run(refs)


def test_an_on_outcome_failure_ends_the_run_with_it() -> None:
    store = Store(":memory:")
    refs = _tracked(store)

    def on_outcome(outcome: Outcome) -> None:
        raise ValueError("progress bar broke")

    engine = Engine(
        store, Settings(min_interval={"*": 0.0}), transport=httpx.MockTransport(_handler), on_outcome=on_outcome
    )
    with pytest.raises(ValueError, match="progress bar broke"):
        engine.run(refs)


def test_ids_are_formatted_as_isoformat_does() -> None:
    stamp = _IsoUtc()
    rnd = random.Random(10)
    low, high = -62_135_596_800_000_000 + 86_400_000_000, 253_402_300_799_999_999  # years 1 .. 9999
    for i in range(20_000):
        micros = rnd.randrange(low, high)
        if i % 3 == 0:
            micros -= micros % 1_000_000  # whole seconds: no fraction printed
        at = _EPOCH + timedelta(microseconds=micros)
        assert stamp(micros) == at.isoformat()


def test_bulk_ids_match_snapshot_id_and_repeats_across_calls_are_skipped() -> None:
    store = Store(":memory:")
    refs = _tracked(store)
    shanghai = timezone(timedelta(hours=8))
    snaps = [
        Snapshot(
            r.post_key,
            (T0 + timedelta(minutes=i, microseconds=i * 7 % 3)).astimezone(shanghai if i % 2 else timezone.utc),
            Metrics(views=Count(i)),
            source="bilibili@1",
        )
        for i, r in enumerate(refs)
    ]
    assert store.add_snapshots(snaps[:5]) == 5
    assert store.add_snapshots(snaps) == len(snaps) - 5  # the first five are stored already
    want = sorted(snapshot_id(s.post_key, s.collected_at, s.source) for s in snaps)
    assert sorted(r[0] for r in store.con.execute("SELECT snapshot_id FROM snapshots").fetchall()) == want
    # an observation stored long before the batch's time range is still found
    old = Snapshot(refs[0].post_key, T0 - timedelta(days=400), Metrics(views=Count(1)), source="bilibili@1")
    store.add_snapshots([old])
    assert store.add_snapshots([old, *snaps]) == 0


def test_a_long_batch_with_columns_of_nulls_is_written() -> None:
    """DuckDB 1.5 samples registered text columns and fails on a long one holding only NULLs (no titles, no
    notes): the bulk path must not send such columns, and must not depend on sampling."""
    store = Store(":memory:")
    [ref] = _tracked(store)[:1]
    snaps = [
        Snapshot(ref.post_key, T0 + timedelta(seconds=i), Metrics(views=Count(i)), source="bilibili@1")
        for i in range(3000)
    ]
    late = Snapshot(ref.post_key, T0 - timedelta(days=1), Metrics(views=Count(1)), title="标题", source="bilibili@1")
    assert store.add_snapshots([*snaps, late]) == 3001
    assert store.con.execute("SELECT count(title), count(*) FROM snapshots").fetchone() == (1, 3001)
    assert store.con.execute("SELECT title FROM posts").fetchone() == ("标题",)
