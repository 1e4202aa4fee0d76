"""The collection engine: fetch many posts politely, turn each answer into an outcome, stream
outcomes to the store.

* One asyncio task group per platform, ``max_concurrency`` workers each; the shared
  :class:`~reach.http.Http` enforces spacing and retries.
* Posts are fetched in batches of the collector's ``batch_size`` (YouTube: 50 ids per request).
* Every post ends in exactly one :class:`~reach.models.Outcome`, written before its worker sends
  another request and before ``on_outcome`` hears of it: a crash loses only what was in flight, and one
  failed post never loses the others. Outcomes that arrive together (in one turn of the event loop, or
  while the database was busy) share one transaction and one bulk insert of their snapshots.
* A platform that blocks us ``breaker_threshold`` times in a row is not asked again in this run:
  its remaining posts are recorded as ``blocked`` without a request (hammering makes bans longer).
  Likewise a platform that cannot be reached (no connection, timeouts) ``breaker_threshold`` times
  in a row: its remaining posts are ``network_error`` at once, so an offline cron run ends quickly.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime

import duckdb
import httpx

from .collectors import get_collector
from .collectors.base import Collector, RawResponse
from .config import Settings
from .errors import AuthRequired, CollectError, ConfigError, DatabaseBusy, NetworkError, NotSupported, ReachError
from .http import Http
from .models import Outcome, OutcomeStatus, PostRef, RunSummary, Snapshot
from .redact import redact
from .store import Store, check_metrics, utcnow
from .times import parse_time

Clock = Callable[[], datetime]
SETTLE_TURNS = 3
"""Turns of the event loop an outcome waits for others to share its write (see ``settle``)."""
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
        title=None if parsed.title is None else redact(parsed.title),  # a hostile page may echo cookies
        author=None if parsed.author is None else redact(parsed.author),
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
    """

    def __init__(
        self,
        store: Store | None,
        settings: Settings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = utcnow,
        on_outcome: OutcomeCallback | None = None,
        breaker_threshold: int = 3,
    ) -> None:
        self.store = store
        self.settings = settings or Settings()
        self.transport = transport
        self.clock = clock
        self.on_outcome = on_outcome
        self.breaker_threshold = breaker_threshold
        self._last_write = time.monotonic()
        self._pending: list[Outcome] = []

    def run(self, refs: Sequence[PostRef], selection: str = "") -> RunSummary:
        """Collect ``refs`` (blocking). See :meth:`run_async`."""
        return asyncio.run(self.run_async(refs, selection))

    async def run_async(self, refs: Sequence[PostRef], selection: str = "") -> RunSummary:
        """Collect ``refs`` and return the summary; every outcome is stored when it returns.

        Raises:
            DatabaseBusy: another process held the database so long that results could not be
                saved (they are lost; the message says how many).
        """
        started = utcnow()
        run_id = self.store.begin_run(selection) if self.store else "dry-run"
        counts: Counter[OutcomeStatus] = Counter()
        failures: list[Outcome] = []
        by_platform: dict[str, list[PostRef]] = {}
        for ref in refs:
            by_platform.setdefault(ref.platform, []).append(ref)

        unreported: list[Outcome] = []

        def done(outcome: Outcome) -> None:
            outcome = self._redacted(outcome)
            self._pending.append(outcome)
            unreported.append(outcome)
            counts[outcome.status] += 1
            if not outcome.ok:
                failures.append(outcome)

        writing: list[asyncio.Future[None]] = []  # the write that workers arriving now join

        async def settle() -> None:
            """Write the outcomes that arrived, then report them to ``on_outcome``; returns once the
            caller's outcomes are written. The first worker to get here waits a few turns of the loop,
            so that the outcomes of other workers whose answers came at the same time join its write."""
            if writing:
                await writing[0]
                return
            writing.append(asyncio.get_running_loop().create_future())
            try:
                for _ in range(SETTLE_TURNS):
                    await asyncio.sleep(0)
                self._flush(run_id, wait=False)
                reported = unreported[:]
                unreported.clear()
                if self.on_outcome is not None:
                    for outcome in reported:
                        self.on_outcome(outcome)
            finally:
                writing.pop().set_result(None)

        releaser = asyncio.create_task(self._release_when_idle(run_id))
        try:
            async with Http(self.settings, transport=self.transport) as http:
                await asyncio.gather(
                    *(
                        self._platform(http, platform, plist, run_id, done, settle)
                        for platform, plist in by_platform.items()
                    )
                )
        finally:
            releaser.cancel()
            if self.store is not None:
                try:
                    self._flush(run_id, wait=True)
                except DatabaseBusy as exc:
                    raise DatabaseBusy(
                        f"{exc}; {len(self._pending)} collected result(s) of run {run_id} could not be saved"
                    ) from None
        summary = RunSummary(run_id, started, utcnow(), dict(counts), tuple(failures))
        if self.store is not None:
            self.store.finish_run(summary)
        return summary

    def _redacted(self, outcome: Outcome) -> Outcome:
        clean = redact(outcome.message)
        return outcome if clean == outcome.message else replace(outcome, message=clean)

    def _flush(self, run_id: str, wait: bool) -> None:
        """Write the pending outcomes in order. Without ``wait``, a database held by another process
        (a report being read) keeps them pending for the next try instead of blocking the run."""
        if self.store is None:
            self._pending.clear()
            return
        if not self._pending:
            return
        try:
            self.store.ensure_open(wait=None if wait else 0.0)
        except DatabaseBusy:
            if wait:
                raise
            return
        if len(self._pending) > 1:
            try:
                self.store.record_outcomes(run_id, self._pending)
                self._pending.clear()
            except (ReachError, duckdb.Error):
                pass  # rolled back: written one by one below, so that one refused value loses nothing else
        while self._pending:
            outcome = self._pending[0]
            try:
                self.store.record_outcome(run_id, outcome)
            except (ReachError, duckdb.Error) as exc:
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
            self._pending.pop(0)
        self._last_write = time.monotonic()

    async def _release_when_idle(self, run_id: str, idle: float = 0.25) -> None:
        """Close the database file whenever no outcome arrived for ``idle`` seconds, so other
        processes (``reach report``) can read it during a long, polite run; retry pending writes."""
        while self.store is not None:
            await asyncio.sleep(idle / 2)
            if self._pending:
                self._flush(run_id, wait=False)
            elif time.monotonic() - self._last_write >= idle:
                self.store.release()

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
        queue: asyncio.Queue[list[PostRef]] = asyncio.Queue()
        for start in range(0, len(refs), size):
            queue.put_nowait(refs[start : start + size])
        streak = {"blocked": 0, "unreachable": 0}
        threshold = max(1, min(self.breaker_threshold, collector.block_threshold))

        async def worker() -> None:
            while not queue.empty():
                batch = queue.get_nowait()
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

        await asyncio.gather(*(worker() for _ in range(max(1, collector.max_concurrency))))


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
