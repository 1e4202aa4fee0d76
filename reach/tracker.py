"""The :class:`Tracker`: what Python scripts and the CLI use.

>>> import reach
>>> with reach.Tracker("bureau.duckdb") as t:                          # doctest: +SKIP
...     t.add("https://www.bilibili.com/video/BV1J442187uv", campaign="禁毒宣传")
...     summary = t.collect(campaign="禁毒宣传")
...     print(t.report(campaign="禁毒宣传", by="day", tz="Asia/Shanghai").to_json())
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from types import TracebackType

import httpx

from .collect import Clock, Engine, OutcomeCallback
from .collectors import get_collector
from .config import Settings, check_timezone
from .errors import InputError, NeedsResolution
from .http import Http
from .models import PostRef, RunSummary
from .report import Report, build_report
from .store import PostRow, Store, run_lock, utcnow
from .urls import identify


class Tracker:
    """Track posts of campaigns: add them, collect their counters, report their growth.

    Args:
        db: the DuckDB file (``None``: the ``REACH_DB`` / config / default user data file;
            ``":memory:"`` for a throwaway database).
        settings: effective settings (default: :meth:`Settings.load`, which reads config and env).
        transport: an httpx transport instead of the network (tests, replays, the demo).
        clock: "now" in UTC for snapshots (the demo simulates days).

    Raises:
        ConfigError: unusable settings or database path (on first use of the database).
    """

    def __init__(
        self,
        db: str | Path | None = None,
        *,
        settings: Settings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = utcnow,
    ) -> None:
        base = settings or Settings.load()
        if db is not None and str(db) != ":memory:":
            base = base.with_(db=Path(db).expanduser())
        self.settings = base
        self._memory = db is not None and str(db) == ":memory:"
        self.transport = transport
        self.clock = clock
        self._store: Store | None = None

    # -- database --------------------------------------------------------------------------

    @property
    def db_path(self) -> str:
        return ":memory:" if self._memory else str(self.settings.db_path)

    def _open(self, create: bool = True) -> Store:
        if self._store is None:
            if self._memory:
                self._store = Store(":memory:")
            else:
                path = self.settings.db_path
                if self.settings.db is None and create:
                    path.parent.mkdir(parents=True, exist_ok=True)
                self._store = Store(path, lock_timeout=self.settings.lock_timeout, create=create)
        return self._store

    @property
    def store(self) -> Store:
        """The open :class:`~reach.store.Store` (opened, and created when missing, on first use)."""
        return self._open(create=True)

    def _exists(self) -> bool:
        return self._memory or self._store is not None or Path(self.db_path).exists()

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Tracker:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- verbs -----------------------------------------------------------------------------

    def identify_all(self, texts: Iterable[str]) -> list[PostRef]:
        """Identify every text, resolving short links online (within each platform's hosts).

        Raises:
            UnsupportedURL: a text names no supported post (nothing is resolved after it).
            CollectError: a short link could not be resolved (network, blocked, dead link).
        """
        refs: list[PostRef] = []
        pending: list[tuple[int, NeedsResolution]] = []
        for text in texts:
            try:
                refs.append(identify(text))
            except NeedsResolution as short:
                pending.append((len(refs), short))
                refs.append(PostRef(short.platform, "", url=short.url))
        if pending:

            async def resolve_all() -> list[PostRef]:
                async with Http(self.settings, transport=self.transport) as http:
                    return [await get_collector(s.platform).resolve(http, s.url) for _, s in pending]

            for (index, _), ref in zip(pending, asyncio.run(resolve_all()), strict=True):
                refs[index] = ref
        return refs

    def add(self, *texts: str, campaign: str | None = None) -> list[PostRef]:
        """Track the posts named by ``texts`` (links, share texts, ids), optionally in a campaign.

        All texts are identified first; if any fails, nothing is written.

        Returns:
            The posts, in input order (duplicates kept once).

        Raises:
            InputError: no text given, or a text names no supported post.
            CollectError: a short link could not be resolved.
        """
        if not texts:
            raise InputError("nothing to add: give one or more post links or share texts")
        if campaign is not None and not campaign.strip():
            raise InputError("the campaign name is empty")
        refs = list(dict.fromkeys(self.identify_all(texts)))
        store = self.store
        for ref in refs:
            url = (
                ref.url
                if ref.url and ref.url.startswith("http")
                else get_collector(ref.platform).canonical_url(ref.post_id)
            )
            store.add_post(ref, campaign=campaign, url=url)
        return refs

    def posts(self, campaign: str | None = None, platform: str | None = None) -> list[PostRow]:
        """Tracked posts with their newest counters (empty when there is no database yet).

        Raises:
            InputError: unknown platform; NotFound: unknown campaign, or no database at an explicit path.
        """
        if platform is not None:
            get_collector(platform)
        if not self._exists():
            if campaign is not None or self.settings.db is not None:
                self._open(create=False)  # raises NotFound: there is no database at that path
            return []
        return self._open(create=False).posts(campaign=campaign, platform=platform)

    def collect(
        self,
        campaign: str | None = None,
        platform: str | None = None,
        posts: Iterable[str] | None = None,
        on_outcome: OutcomeCallback | None = None,
    ) -> RunSummary:
        """Collect the active posts (of a campaign / a platform / the given post keys) once.

        Every post ends in one stored outcome; ``ok`` ones add a snapshot. Returns the run summary.

        Raises:
            NotFound: unknown campaign; DatabaseBusy: another collect holds the database.
        """
        if platform is not None:
            get_collector(platform)
        if not self._memory and self.settings.db is None:
            self.settings.db_path.parent.mkdir(parents=True, exist_ok=True)
        with run_lock(self.db_path, self.settings.lock_timeout):
            store = self.store
            rows = store.posts(campaign=campaign, platform=platform, active_only=True, keys=posts)
            chosen = (("campaign", campaign), ("platform", platform))
            selection = " ".join(f"{k}={v}" for k, v in chosen if v is not None) or "all"
            engine = Engine(store, self.settings, transport=self.transport, clock=self.clock, on_outcome=on_outcome)
            return engine.run([r.ref for r in rows], selection=selection)

    def report(
        self,
        campaign: str | None = None,
        by: str = "day",
        tz: str | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        lang: str | None = None,
    ) -> Report:
        """The growth report (see :func:`reach.report.build_report`); ``tz`` defaults to the
        configured zone, ``lang`` to the configured language."""
        check_timezone(tz or self.settings.timezone)
        store = self._open(create=False)
        return build_report(
            store,
            campaign=campaign,
            by=by,
            tz=tz or self.settings.timezone,
            since=since,
            until=until,
            lang=lang or self.settings.lang,
        )
