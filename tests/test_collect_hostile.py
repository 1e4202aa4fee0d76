"""The collection engine under hostile conditions: a failing ``on_outcome``, a database that cannot be written
or is held by another process for the whole run, SIGTERM, 0 and 1 posts, the bound on waiting outcomes,
cancellation. The rules: what was reported is stored, the run ends (never hangs) with a clear error, the run is
left unfinished and the next one completes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import httpx
import pytest

from reach import collect
from reach.collect import Engine, _together
from reach.config import Settings
from reach.errors import DatabaseBusy, StoreWriteError
from reach.models import Outcome, PostRef
from reach.store import Store

SETTINGS = Settings(min_interval={"*": 0.0}, retry_backoff=0.0, lock_timeout=0.5)


def answer(request: httpx.Request) -> httpx.Response:
    bvid = request.url.params["bvid"]
    return httpx.Response(200, json={"code": 0, "data": {"bvid": bvid, "stat": {"view": 7, "like": 1, "reply": 0}}})


def refs(n: int) -> list[PostRef]:
    return [PostRef("bilibili", f"BV1a7421K{i:04d}") for i in range(n)]


def stored(store: Store, run_id: str) -> tuple[set[str], set[str]]:
    """(post keys with an outcome in the run, post keys with a snapshot of the run)."""
    outcomes = {k for k, _, _ in store.run_outcomes(run_id)}
    snaps = {r[0] for r in store.con.execute("SELECT post_key FROM snapshots WHERE run_id = ?", [run_id]).fetchall()}
    return outcomes, snaps


def finishes(fn: object, limit: float = 30.0) -> object:
    """Run ``fn`` in a thread; fail (instead of hanging the suite) when it does not end within ``limit`` s."""
    result: list[object] = []

    def target() -> None:
        try:
            result.append(fn())  # type: ignore[operator]
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            result.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), "the run hangs"
    return result[0]


def test_zero_and_one_post(tmp_path: Path) -> None:
    with Store(tmp_path / "few.duckdb") as store:
        empty = Engine(store, SETTINGS, transport=httpx.MockTransport(answer)).run([])
        assert empty.total == 0
        one = Engine(store, SETTINGS, transport=httpx.MockTransport(answer)).run(refs(1))
        assert one.ok == 1 and stored(store, one.run_id) == ({"bilibili:BV1a7421K0000"},) * 2
        assert all(r.finished_at is not None for r in store.runs())


def test_an_on_outcome_error_ends_the_run_what_was_reported_is_stored_and_no_request_follows(tmp_path: Path) -> None:
    calls: list[str] = []

    async def slow(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.params["bvid"])
        await asyncio.sleep(0.002)
        return answer(request)

    reported: list[Outcome] = []

    def callback(outcome: Outcome) -> None:
        reported.append(outcome)
        if len(reported) == 2:
            raise ValueError("bug in the caller's progress bar")

    with Store(tmp_path / "cb.duckdb") as store:
        engine = Engine(store, SETTINGS, transport=httpx.MockTransport(slow), on_outcome=callback)

        async def main() -> int:
            with pytest.raises(ValueError, match="progress bar"):
                await engine.run_async(refs(3000))
            after = len(calls)
            await asyncio.sleep(0.3)  # a worker left running would go on fetching in the caller's loop
            assert len(calls) == after
            return after

        fetched = asyncio.run(main())
        assert fetched < 3000  # the run stopped
        [run] = store.runs()
        assert run.finished_at is None
        outcomes, snaps = stored(store, run.run_id)
        assert {o.post_key for o in reported} <= snaps == outcomes  # reported means stored
        assert len(outcomes) == sum(run.counts.values())
        summary = Engine(store, SETTINGS, transport=httpx.MockTransport(answer)).run(refs(3))
        assert summary.ok == 3 and store.runs()[0].finished_at is not None  # the next run completes


def test_disk_full_mid_run_ends_with_a_clear_error_and_loses_only_what_was_unwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Store.record_outcomes
    writes: list[int] = []

    def failing(self: Store, run_id: str, outcomes: list[Outcome]) -> None:
        writes.append(len(outcomes))
        if len(writes) > 1:
            raise duckdb.IOException("IO Error: Could not write file: No space left on device")
        original(self, run_id, outcomes)

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.002)
        return answer(request)

    reported: list[Outcome] = []
    with Store(tmp_path / "full.duckdb") as store:
        monkeypatch.setattr(Store, "record_outcomes", failing)
        engine = Engine(store, SETTINGS, transport=httpx.MockTransport(slow), on_outcome=reported.append)
        error = finishes(lambda: engine.run(refs(2000)))
        monkeypatch.setattr(Store, "record_outcomes", original)
        assert isinstance(error, StoreWriteError), error
        text = str(error)
        assert "could not write to database" in text and "No space left" in text and "disk space" in text
        assert "could not be saved" in text and "Traceback" not in text
        [run] = store.runs()
        assert run.finished_at is None
        outcomes, snaps = stored(store, run.run_id)
        assert {o.post_key for o in reported} == outcomes == snaps  # no post recorded as "could not be stored"
        assert set(run.counts) == {"ok"}
        assert Engine(store, SETTINGS, transport=httpx.MockTransport(answer)).run(refs(3)).ok == 3


def test_an_interrupted_run_whose_writes_failed_says_so_instead_of_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(self: Store, run_id: str, outcomes: list[Outcome]) -> None:
        raise duckdb.IOException("IO Error: Cannot open file: Read-only file system")

    async def hangs(request: httpx.Request) -> httpx.Response:
        if not request.url.params["bvid"].endswith(("1", "2")):
            await asyncio.sleep(30)
        return answer(request)

    with Store(tmp_path / "ro.duckdb") as store:
        monkeypatch.setattr(Store, "record_outcomes", failing)
        engine = Engine(store, SETTINGS, transport=httpx.MockTransport(hangs))

        async def main() -> None:
            task = asyncio.ensure_future(
                engine.run_async([PostRef("bilibili", f"BV1a7421K7Q{n}") for n in range(1, 5)])
            )
            await asyncio.sleep(0.5)  # the two answers were handed to the writer, which failed
            task.cancel()  # as Ctrl-C does
            with pytest.raises(StoreWriteError, match="Read-only file system.*2 collected result"):
                await task

        asyncio.run(main())


HOLDER = """
import sys, time, duckdb
while True:
    try:
        con = duckdb.connect(sys.argv[1])
        break
    except duckdb.IOException:
        time.sleep(0.05)
print("held", flush=True)
time.sleep(60)
"""


def test_a_database_held_by_another_process_all_run_ends_with_busy_instead_of_hanging(tmp_path: Path) -> None:
    db = tmp_path / "held.duckdb"
    holder: list[subprocess.Popen[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if not holder:  # the run has begun: another process takes the file as soon as the writer lets go
            proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], stdout=subprocess.PIPE, text=True)
            holder.append(proc)
            assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        return answer(request)

    try:
        with Store(db, lock_timeout=0.5) as store:
            engine = Engine(store, SETTINGS, transport=httpx.MockTransport(handler))
            engine.max_unwritten = 20
            error = finishes(lambda: engine.run(refs(200)))
            assert isinstance(error, DatabaseBusy), error
            assert "in use by another process" in str(error) and "could not be saved" in str(error)
            assert ".;" not in str(error)
            holder[0].kill()
            holder[0].wait()
            [run] = store.runs()
            assert run.finished_at is None
            assert Engine(store, SETTINGS, transport=httpx.MockTransport(answer)).run(refs(3)).ok == 3
    finally:
        for proc in holder:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


def test_outcomes_waiting_for_the_writer_stay_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    most = [0]
    put = collect._Writer.put

    def counting(self: collect._Writer, outcome: Outcome) -> None:
        most[0] = max(most[0], self.left())
        put(self, outcome)

    monkeypatch.setattr(collect._Writer, "put", counting)
    with Store(tmp_path / "bound.duckdb") as store:
        engine = Engine(store, SETTINGS, transport=httpx.MockTransport(answer))
        engine.max_unwritten = 10
        summary = engine.run(refs(300))
        assert summary.ok == 300 and len(stored(store, summary.run_id)[1]) == 300
    assert most[0] <= 10


def test_together_cancels_the_others_when_one_fails() -> None:
    cancelled: list[bool] = []

    async def fails() -> None:
        await asyncio.sleep(0.01)
        raise RuntimeError("one worker failed")

    async def sleeps() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def main() -> None:
        with pytest.raises(RuntimeError):
            await _together([fails(), sleeps(), sleeps()])

    asyncio.run(main())
    assert cancelled == [True, True]


def test_cancelling_the_run_keeps_what_was_collected(tmp_path: Path) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.005)
        return answer(request)

    with Store(tmp_path / "cancel.duckdb") as store:
        engine = Engine(store, SETTINGS, transport=httpx.MockTransport(slow))

        async def main() -> None:
            task = asyncio.ensure_future(engine.run_async(refs(2000)))
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        asyncio.run(main())
        [run] = store.runs()
        assert run.finished_at is None
        outcomes, snaps = stored(store, run.run_id)
        assert 0 < len(outcomes) < 2000 and outcomes == snaps


TERMINATED = """
import asyncio, sys, httpx
from reach import cli
from reach.config import Settings
from reach.tracker import Tracker

async def handler(request):
    bvid = request.url.params["bvid"]
    if not bvid.endswith(("1", "2", "3")):
        await asyncio.sleep(30)  # the rest hang until the process is stopped
    else:
        print("answered", bvid, flush=True)
    return httpx.Response(200, json={"code": 0, "data": {"bvid": bvid, "stat": {"view": 7, "like": 1, "reply": 0}}})

DB = sys.argv[1]
settings = Settings(min_interval={"*": 0.0}, retry_backoff=0.0, lock_timeout=5.0)
cli._tracker = lambda: Tracker(DB, settings=settings, transport=httpx.MockTransport(handler))
sys.argv = ["reach", "collect"]
cli.main()
"""


def test_sigterm_saves_what_was_answered_exits_130_and_the_next_run_completes(tmp_path: Path) -> None:
    from reach.tracker import Tracker

    db = tmp_path / "term.duckdb"
    with Tracker(db) as t:
        t.add(*[f"BV1a7421K7Q{n}" for n in range(1, 7)])
    script = tmp_path / "term.py"
    script.write_text(TERMINATED)
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout is not None
        assert all(proc.stdout.readline().startswith("answered") for _ in range(3))
        # "answered" is printed before the handler returns: give the collector a moment to receive the third
        # answer (on a loaded machine it may still be in flight: lost by design), not to write it (the writer
        # thread commits at most every 0.1 s, so the three may still wait to be written)
        time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "interrupted; what was collected so far is saved" in err and "Traceback" not in err
    with Store(db, lock_timeout=5) as store:
        [run] = store.runs()
        assert run.finished_at is None and run.counts == {"ok": 3}
        assert store.con.execute("SELECT count(*) FROM snapshots").fetchone() == (3,)
    with Tracker(db, settings=SETTINGS, transport=httpx.MockTransport(answer)) as t:
        assert t.collect().ok == 6


def test_on_outcome_may_read_the_store_while_the_writer_writes(tmp_path: Path) -> None:
    """A library caller's progress callback that queries the same Tracker must not share the connection with
    the writer thread mid-write (it raised "Connection already closed" / IndexError before)."""
    from reach.tracker import Tracker

    def slow(request: httpx.Request) -> httpx.Response:
        time.sleep(0.002)
        return answer(request)

    with Tracker(tmp_path / "cb.duckdb", settings=SETTINGS, transport=httpx.MockTransport(slow)) as t:
        t.add(*[f"https://www.bilibili.com/video/av{1760000123 + n}" for n in range(300)])
        seen: list[int] = []
        summary = t.collect(on_outcome=lambda o: seen.append(len(t.runs(limit=1))))
        assert summary.ok == 300 and seen == [1] * 300
        assert len(stored(t.store, summary.run_id)[1]) == 300


def test_a_run_that_cannot_be_marked_finished_says_its_results_are_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def busy(self: Store, summary: object) -> None:
        raise DatabaseBusy("database x is in use by another process; waited 0.5 s. Try again when it has finished.")

    with Store(tmp_path / "busy_end.duckdb") as store:
        monkeypatch.setattr(Store, "finish_run", busy)
        with pytest.raises(DatabaseBusy, match="every result of run .* is saved") as raised:
            Engine(store, SETTINGS, transport=httpx.MockTransport(answer)).run(refs(5))
        assert ".;" not in str(raised.value)
        [run] = store.runs()
        assert len(stored(store, run.run_id)[1]) == 5
