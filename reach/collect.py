"""The collection engine: fetch many posts politely, turn each answer into an outcome, stream
outcomes to the store.

* One asyncio task group per platform, ``max_concurrency`` workers each; the shared
  :class:`~reach.http.Http` enforces spacing and retries.
* Posts are fetched in batches of the collector's ``batch_size`` (YouTube: 50 ids per request).
* Every post ends in exactly one :class:`~reach.models.Outcome`, committed to the store before
  ``on_outcome`` hears of it; one failed post never loses the others. The database is written by a
  thread of its own (:class:`_Writer`), so the requests of every platform go on while it writes: the
  outcomes that arrive during one write share the next transaction and one bulk insert of their
  snapshots. At most ``Engine.max_unwritten`` outcomes wait to be written (workers pause beyond that):
  a crash loses only what was in flight or waiting, and memory stays flat on long runs.
* A platform that blocks us ``breaker_threshold`` times in a row is not asked again in this run:
  its remaining posts are recorded as ``blocked`` without a request (hammering makes bans longer).
  Likewise a platform that cannot be reached (no connection, timeouts) ``breaker_threshold`` times
  in a row: its remaining posts are ``network_error`` at once, so an offline cron run ends quickly.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import replace
from datetime import datetime

import duckdb
import httpx

from .collectors import get_collector
from .collectors.base import Collector, RawResponse
from .config import Settings
from .errors import (
    AuthRequired,
    CollectError,
    ConfigError,
    DatabaseBusy,
    NetworkError,
    NotSupported,
    ReachError,
    StoreWriteError,
)
from .http import Http
from .models import Outcome, OutcomeStatus, PostRef, RunSummary, Snapshot
from .pages import CURRENT_POST, PageDump
from .redact import clean_text
from .store import Store, check_metrics, utcnow
from .times import parse_time

Clock = Callable[[], datetime]
OutcomeCallback = Callable[[Outcome], None]


def outcome_from(
    collector: Collector,
    ref: PostRef,
    answer: RawResponse | CollectError,
    *,
    run_id: str | None,
    collected_at: datetime,
) -> Outcome:
    """Turn one fetched answer (or fetch error) into an outcome; parse errors never escape."""
    if isinstance(answer, CollectError):
        return Outcome(ref.post_key, answer.status, answer.message, http_status=answer.http_status)
    try:
        parsed = collector.parse(answer, ref.post_id)
    except CollectError as exc:
        return Outcome(ref.post_key, exc.status, exc.message, http_status=exc.http_status or answer.status)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not lose the other posts
        return Outcome(
            ref.post_key,
            OutcomeStatus.PARSE_ERROR,
            f"reach could not read the {collector.platform} answer ({type(exc).__name__}); "
            "please report this with `reach parse` output",
            http_status=answer.status,
        )
    try:
        check_metrics(parsed.metrics)
    except CollectError as exc:
        return Outcome(ref.post_key, exc.status, exc.message, http_status=answer.status)
    published = parsed.published_at
    if published is None and parsed.published_text:  # "3小时前": relative to when it was read
        published = parse_time(parsed.published_text, now=collected_at, zone=collector.zone)
    snapshot = Snapshot(
        post_key=ref.post_key,
        collected_at=collected_at,
        metrics=parsed.metrics,
        title=None if parsed.title is None else clean_text(parsed.title),  # a hostile page may echo cookies
        author=None if parsed.author is None else clean_text(parsed.author),
        published_at=published,
        source=collector.source,
        run_id=run_id,
    )
    message = "; ".join(parsed.warnings)
    return Outcome(ref.post_key, OutcomeStatus.OK, message, snapshot=snapshot, http_status=answer.status)


class Engine:
    """Collect a list of posts into a store.

    Args:
        store: where outcomes and snapshots go (``None``: nothing is written; a dry run).
        settings: politeness overrides, retries, keys, cookies.
        transport: an httpx transport to use instead of the network.
        clock: returns "now" in UTC (the demo simulates days with it).
        on_outcome: called once per post as soon as its outcome is known (progress bars).
        breaker_threshold: consecutive ``blocked`` outcomes after which a platform is skipped.
        pages: save every response fetched, secrets scrubbed (``collect --write-pages``).
    """

    def __init__(
        self,
        store: Store | None,
        settings: Settings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = utcnow,
        on_outcome: OutcomeCallback | None = None,
        breaker_threshold: int = 3,
        pages: PageDump | None = None,
    ) -> None:
        self.store = store
        self.pages = pages
        self.settings = settings or Settings()
        self.transport = transport
        self.clock = clock
        self.on_outcome = on_outcome
        self.breaker_threshold = breaker_threshold
        self._last_write = time.monotonic()
        self._pending: list[Outcome] = []  # the writer thread's: taken, not yet committed
        self._db_lock = threading.Lock()  # the store's connection: the writer's, or ``on_outcome``'s meanwhile

    max_unwritten = 1000
    """Outcomes that may wait for the database writer before workers pause (memory bound)."""

    def run(self, refs: Sequence[PostRef], selection: str = "") -> RunSummary:
        """Collect ``refs`` (blocking). See :meth:`run_async`."""
        return asyncio.run(self.run_async(refs, selection))

    async def run_async(self, refs: Sequence[PostRef], selection: str = "") -> RunSummary:
        """Collect ``refs`` and return the summary; every outcome is stored when it returns.

        Raises:
            DatabaseBusy: another process held the database so long that results could not be
                saved (they are lost; the message says how many). The run is left unfinished.
            StoreWriteError: the database could not be written (disk full, read-only file or folder);
                the message says how many results were lost. The run is left unfinished.
            Exception: what ``on_outcome`` raised; the run stops (the posts not yet fetched are not
                fetched) and is left unfinished, every outcome handed over before it is stored.
        """
        started = utcnow()
        run_id = self.store.begin_run(selection) if self.store else "dry-run"
        counts: Counter[OutcomeStatus] = Counter()
        failures: list[Outcome] = []
        by_platform: dict[str, list[PostRef]] = {}
        for ref in refs:
            by_platform.setdefault(ref.platform, []).append(ref)

        loop = asyncio.get_running_loop()
        room = asyncio.Event()  # set while fewer than ``max_unwritten`` outcomes wait for the writer
        room.set()
        unwritten = 0
        written: deque[list[Outcome]] = deque()  # committed by the writer, not yet reported
        callback_error: list[BaseException] = []

        def report() -> None:
            """In the event loop: hand what the writer committed to ``on_outcome``, make room."""
            nonlocal unwritten
            while written:
                batch = written.popleft()
                unwritten -= len(batch)
                if self.on_outcome is not None and not callback_error:
                    try:
                        with self._db_lock:  # the callback may read the store: not while the writer uses it
                            for outcome in batch:
                                self.on_outcome(outcome)
                    except Exception as exc:  # noqa: BLE001 - raised in the run by ``settle``
                        callback_error.append(exc)
            if unwritten < self.max_unwritten or writer.error is not None:
                room.set()

        def committed(batch: list[Outcome]) -> None:  # in the writer thread
            written.append(batch)
            loop.call_soon_threadsafe(report)

        writer = _Writer(self, run_id, committed)

        def done(outcome: Outcome) -> None:
            nonlocal unwritten
            outcome = self._redacted(outcome)
            counts[outcome.status] += 1
            if not outcome.ok:
                failures.append(outcome)
            unwritten += 1
            if unwritten >= self.max_unwritten:
                room.clear()
            writer.put(outcome)

        async def settle() -> None:
            """Called by a worker after handing over its outcomes: waits while too many outcomes wait for
            the writer (memory stays flat when the database is slower than the platforms), and raises
            what the writer or ``on_outcome`` raised."""
            writer.check()
            if callback_error:
                raise callback_error[0]
            if not room.is_set():
                await room.wait()
                writer.check()

        writer.start()
        try:
            async with Http(self.settings, transport=self.transport, pages=self.pages) as http:
                await _together(
                    self._platform(http, platform, plist, run_id, done, settle)
                    for platform, plist in by_platform.items()
                )
        except Exception as exc:  # what the writer or ``on_outcome`` raised (in ``settle``) is raised below
            if exc is not writer.error and not (callback_error and exc is callback_error[0]):
                raise
        finally:
            writer.close()  # the last write, waiting for the database if another process holds it
            report()
            if writer.error is not None:  # also when cancelled or interrupted: never "saved" when it was not
                raise _unsaved(writer.error, self.store, run_id, writer.left())
        if callback_error:
            raise callback_error[0]
        summary = RunSummary(run_id, started, utcnow(), dict(counts), tuple(failures))
        if self.store is not None:
            try:
                self.store.finish_run(summary)
            except DatabaseBusy as exc:  # a long `reach report` still reading, say
                raise DatabaseBusy(
                    f"{str(exc).rstrip('. ')}; every result of run {run_id} is saved, but the run could not be "
                    "marked finished (`reach runs` shows it unfinished)"
                ) from None
        return summary

    def _redacted(self, outcome: Outcome) -> Outcome:
        clean = clean_text(outcome.message)
        return outcome if clean == outcome.message else replace(outcome, message=clean)

    def _flush(self, run_id: str, wait: bool) -> list[Outcome]:
        """Write the pending outcomes in order; returns those written. Without ``wait``, a database held by
        another process (a report being read) keeps them pending for the next try instead of waiting."""
        if self.store is None:
            done, self._pending = self._pending, []
            return done
        if not self._pending:
            return []
        try:
            self.store.ensure_open(wait=None if wait else 0.0)
        except DatabaseBusy:
            if wait:
                raise
            return []
        done = []
        if len(self._pending) > 1:
            try:
                self.store.record_outcomes(run_id, self._pending)
                done, self._pending = self._pending, []
            except (ReachError, duckdb.Error):
                pass  # rolled back: written one by one below, so that one refused value loses nothing else
        while self._pending:
            outcome = self._pending[0]
            try:
                self.store.record_outcome(run_id, outcome)
            except (ReachError, duckdb.Error) as exc:
                if isinstance(exc, _BROKEN):  # the database, not this value: no other outcome would be stored
                    raise
                # a value the database refuses must not lose the other posts: record why instead
                reason = exc.message if isinstance(exc, CollectError) else type(exc).__name__
                self.store.record_outcome(
                    run_id,
                    Outcome(
                        outcome.post_key,
                        OutcomeStatus.PARSE_ERROR,
                        f"answer could not be stored ({reason}); nothing recorded",
                        http_status=outcome.http_status,
                    ),
                )
            done.append(self._pending.pop(0))
        self._last_write = time.monotonic()
        return done

    async def _platform(
        self,
        http: Http,
        platform: str,
        refs: list[PostRef],
        run_id: str,
        done: OutcomeCallback,
        settle: Callable[[], Awaitable[None]],
    ) -> None:
        try:
            collector = get_collector(platform)
        except Exception:  # noqa: BLE001 - a post of a platform this version no longer has
            for ref in refs:
                done(Outcome(ref.post_key, OutcomeStatus.NOT_SUPPORTED, f"no collector for {platform}"))
            await settle()
            return
        size = max(1, collector.batch_size)
        starts = iter(range(0, len(refs), size))  # shared by the workers: each batch is taken once
        streak = {"blocked": 0, "unreachable": 0}
        threshold = max(1, min(self.breaker_threshold, collector.block_threshold))

        async def worker() -> None:
            for start in starts:
                batch = refs[start : start + size]
                if streak["unreachable"] >= self.breaker_threshold:
                    for ref in batch:
                        done(
                            Outcome(
                                ref.post_key,
                                OutcomeStatus.NETWORK_ERROR,
                                f"not fetched: {platform} could not be reached {streak['unreachable']} times in a "
                                "row in this run; check the internet connection or proxy and run again",
                            )
                        )
                    await settle()
                    continue
                if streak["blocked"] >= threshold:
                    for ref in batch:
                        done(
                            Outcome(
                                ref.post_key,
                                OutcomeStatus.BLOCKED,
                                f"not fetched: {platform} blocked {streak['blocked']} requests in a row in "
                                "this run; try again in a few hours",
                            )
                        )
                    await settle()
                    continue
                first = batch[0].post_id + (f"+{len(batch) - 1}" if len(batch) > 1 else "")
                CURRENT_POST.set(first)  # names --write-pages files; each worker is its own task
                try:
                    answers = await collector.fetch_batch(http, batch)
                except Exception as exc:  # noqa: BLE001 - never lose the other posts
                    answers = [(ref, _as_collect_error(exc)) for ref in batch]
                for ref, answer in answers:
                    outcome = outcome_from(collector, ref, answer, run_id=run_id, collected_at=self.clock())
                    streak["blocked"] = streak["blocked"] + 1 if outcome.status is OutcomeStatus.BLOCKED else 0
                    unreachable = outcome.status is OutcomeStatus.NETWORK_ERROR and outcome.http_status is None
                    streak["unreachable"] = streak["unreachable"] + 1 if unreachable else 0
                    done(outcome)
                await settle()

        await _together(worker() for _ in range(max(1, collector.max_concurrency)))


class _Writer(threading.Thread):
    """The thread that writes a run's outcomes (the event loop never waits for the database).

    Takes everything handed over since its last write into one transaction (:meth:`Engine._flush`), then
    calls ``committed`` with those outcomes; writes start at most every ``period`` seconds, because a
    transaction costs about as much for one outcome as for a hundred. Whenever nothing arrived for
    ``idle`` seconds it closes the database file, so that other processes (``reach report``) can read it
    during a long, polite run; writes refused because another process holds the file are retried every
    ``idle / 2`` seconds, and :meth:`close` makes the last write wait for the file (up to the store's
    ``lock_timeout``).
    """

    def __init__(
        self,
        engine: Engine,
        run_id: str,
        committed: Callable[[list[Outcome]], None],
        idle: float = 0.25,
        period: float = 0.1,
    ) -> None:
        super().__init__(name="reach-writer", daemon=True)
        self.engine = engine
        self.run_id = run_id
        self.committed = committed
        self.idle = idle
        self.period = period
        self.error: BaseException | None = None
        self._cond = threading.Condition()
        self._incoming: list[Outcome] = []
        self._closing = False

    checkpoint_every = 5000
    """Outcomes between two checkpoints of a database file: DuckDB then moves the rows it holds in memory
    since the last one into the file, which keeps a long run's memory flat."""

    def _checkpoint(self) -> None:
        store = self.engine.store
        if store is None or store.path == ":memory:" or getattr(store, "lake", None) is not None:
            return
        try:
            store.con.execute("CHECKPOINT")
        except duckdb.Error:
            pass  # only memory is at stake: DuckDB checkpoints by itself later

    def put(self, outcome: Outcome) -> None:
        with self._cond:
            self._incoming.append(outcome)
            self._cond.notify()

    def left(self) -> int:
        """Outcomes handed over but not committed (after :meth:`close`: those a failed writer could not save)."""
        with self._cond:
            return len(self._incoming) + len(self.engine._pending)

    def check(self) -> None:
        """Raise what stopped the writer (a database error), in the caller's thread."""
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        """Write what is left and stop (blocks until done; the error, if any, is in :attr:`error`)."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self.is_alive():
            self.join()

    def run(self) -> None:
        engine, store = self.engine, self.engine.store
        busy = False
        next_write = 0.0
        since_checkpoint = 0
        try:
            while True:
                with self._cond:
                    if busy:  # new outcomes do not make the file free: wait the period (or the end)
                        self._cond.wait_for(lambda: self._closing, self.idle / 2)
                    elif not self._incoming and not self._closing:
                        self._cond.wait(self.idle / 2)
                    if not self._closing and (delay := next_write - time.monotonic()) > 0:
                        self._cond.wait_for(lambda: self._closing, delay)  # more outcomes join this write
                    engine._pending.extend(self._incoming)
                    self._incoming.clear()
                    closing = self._closing
                if engine._pending:
                    next_write = time.monotonic() + self.period
                    # workers pause once ``max_unwritten`` wait: then the file is waited for (``lock_timeout``,
                    # then DatabaseBusy ends the run) instead of retried for ever while the run hangs
                    full = len(engine._pending) >= engine.max_unwritten
                    with engine._db_lock:
                        done = engine._flush(self.run_id, wait=closing or full)
                    busy = bool(engine._pending)  # another process holds the file: try again in a moment
                    if done:
                        self.committed(done)
                        since_checkpoint += len(done)
                        if since_checkpoint >= self.checkpoint_every and not closing:
                            since_checkpoint = 0
                            with engine._db_lock:
                                self._checkpoint()
                elif closing:
                    return
                elif store is not None and time.monotonic() - engine._last_write >= self.idle:
                    with engine._db_lock:
                        store.release()
        except BaseException as exc:  # noqa: BLE001 - raised in the run (Engine.run_async)
            self.error = exc
            self.committed([])  # wakes workers waiting for room, which then raise it


_BROKEN = (duckdb.IOException, duckdb.FatalException, duckdb.ConnectionException)
"""Database errors that say the file cannot be written at all (disk full, read-only, lost), not that one
value was refused: the run ends with :class:`StoreWriteError` instead of recording each post as unstorable."""


async def _together(coros: Iterable[Coroutine[object, object, None]]) -> None:
    """Run ``coros`` concurrently; when one raises (or this is cancelled), cancel the others and wait for
    them before raising, so that no worker goes on fetching, or writing, after the run has ended."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        await asyncio.gather(*tasks)
    finally:
        rest = [t for t in tasks if not t.done()]
        for task in rest:
            task.cancel()
        if rest:
            await asyncio.wait(rest)


def _unsaved(error: BaseException, store: Store | None, run_id: str, lost: int) -> BaseException:
    """The error that ends a run whose writer failed: says what happened and how many results were lost."""
    unsaved = f"{lost} collected result(s) of run {run_id} could not be saved and the run is left unfinished"
    if isinstance(error, DatabaseBusy):
        return DatabaseBusy(f"{str(error).rstrip('. ')}; {unsaved}")
    if isinstance(error, (duckdb.Error, OSError, ReachError)):
        where = store.path if store is not None else "the database"
        text = str(error).strip()
        reason = (clean_text(text.splitlines()[0]) or "")[:200] if text else "no details"
        wrapped = StoreWriteError(
            f"could not write to database {where} ({type(error).__name__}: {reason}); {unsaved}. "
            "Check free disk space and that the file and its folder are writable, then run `reach collect` again"
        )
        wrapped.__cause__ = error
        return wrapped
    return error  # a bug: raised as it is


def _as_collect_error(exc: Exception) -> CollectError:
    """A fetch failure as the outcome it stands for (a refused URL is not supported; anything
    unexpected is reported as a network failure rather than lost)."""
    if isinstance(exc, CollectError):
        return exc
    if isinstance(exc, ConfigError):  # e.g. a configured cookies.txt that is missing or unreadable
        return AuthRequired(str(exc))
    if isinstance(exc, ReachError):
        return NotSupported(str(exc))
    return NetworkError(f"unexpected failure while fetching ({type(exc).__name__})")
