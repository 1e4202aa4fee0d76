"""The :class:`Tracker`: what Python scripts and the CLI use.

>>> import reach
>>> with reach.Tracker("bureau.duckdb") as t:                          # doctest: +SKIP
...     t.add("https://www.bilibili.com/video/BV1J442187uv", campaign="禁毒宣传")
...     summary = t.collect(campaign="禁毒宣传")
...     t.record("https://weixin.qq.com/sph/AbCdEf123", views="1.2万", campaign="禁毒宣传")  # owner data
...     t.import_file("作品列表导出.xlsx", campaign="禁毒宣传", at="2026-06-22 18:00")  # a Douyin export
...     print(t.report(campaign="禁毒宣传", by="day", tz="Asia/Shanghai").to_json())
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from .collectors import get_collector
from .config import Settings, check_timezone
from .errors import CollectError, InputError, NeedsResolution
from .lake import is_lake
from .models import PostRef, RunSummary
from .store import CampaignRow, FailureRow, PostRow, RunRow, Store, run_lock, utcnow
from .urls import identify

if TYPE_CHECKING:  # httpx, the engine and the report code load on first use (fast `reach` start-up)
    import httpx

    from .alerts import AlertReport
    from .collect import Clock, OutcomeCallback
    from .http import Http
    from .owner import ImportResult, RecordResult
    from .report import Report
    from .schedule import PostState

CountInput = int | str | None


@dataclass(frozen=True)
class CollectPlan:
    """What ``collect`` would do now.

    Attributes:
        fetch: the active posts a plain ``collect`` fetches (flagged-unavailable ones left out).
        due: those of ``fetch`` whose next sample is due (``collect --due``).
        skipped: posts left out because they were found unavailable (deleted) several times in a row.
        next_at: when the next post not due now becomes due (``None``: none).
    """

    fetch: list[PostRow]
    due: list[PostRow]
    skipped: list[PostRow]
    next_at: datetime | None


class Tracker:
    """Track posts of campaigns: add them, collect their counters, report their growth.

    Args:
        db: the DuckDB file (``None``: the ``REACH_DB`` / config / default user data file;
            ``":memory:"`` for a throwaway database), or a shared DuckLake (``ducklake:sqlite:…``,
            ``ducklake:postgres:…``; :mod:`reach.lake`), whose data folder is ``settings.data_path``.
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
                    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # private: the WAL lives there too
                self._store = Store(
                    path, lock_timeout=self.settings.lock_timeout, create=create, data_path=self.settings.data_path
                )
        return self._store

    @property
    def store(self) -> Store:
        """The open :class:`~reach.store.Store` (opened, and created when missing, on first use)."""
        return self._open(create=True)

    def _exists(self) -> bool:
        if self._memory or self._store is not None:
            return True
        if is_lake(self.db_path):  # a SQLite catalog is a file; a PostgreSQL one cannot be told from here
            from .lake import parse_target

            lake = parse_target(self.db_path)
            return lake.catalog != "sqlite" or Path(lake.location).exists()
        return Path(self.db_path).exists()

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

            async def resolve_one(http: Http, short: NeedsResolution) -> PostRef:
                try:
                    return await get_collector(short.platform).resolve(http, short.url)
                except CollectError as exc:  # say which link failed: a paste can hold many
                    if short.url not in exc.message:
                        exc.message = f"{short.url}: {exc.message}"
                        exc.args = (exc.message,)
                    raise

            async def resolve_all() -> list[PostRef]:
                from .http import Http

                async with Http(self.settings, transport=self.transport) as http:
                    return [await resolve_one(http, s) for _, s in pending]

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
        *,
        due: bool = False,
        include_unavailable: bool = False,
        write_pages: str | Path | None = None,
    ) -> RunSummary:
        """Collect the active posts (of a campaign / a platform / the given post keys) once.

        Every post ends in one stored outcome; ``ok`` ones add a snapshot. Returns the run summary.

        Args:
            due: only the posts whose next sample is due by their age (:mod:`reach.schedule`);
                when none is due no run is recorded (the summary's ``run_id`` is empty).
            include_unavailable: also fetch posts flagged ``unavailable`` (deleted: found
                unavailable several times in a row), which are otherwise skipped.
            write_pages: a folder to save every response fetched in, secrets scrubbed
                (:mod:`reach.pages`; files 0600, a new folder 0700).

        Raises:
            NotFound: unknown campaign; DatabaseBusy: another collect holds the database;
            InputError: ``write_pages`` cannot be used as a folder.
        """
        if platform is not None:
            get_collector(platform)
        if not self._memory and self.settings.db is None:
            self.settings.db_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # private: WAL too
        with run_lock(self.db_path, self.settings.lock_timeout):
            store = self.store
            plan = self.plan(campaign=campaign, platform=platform, posts=posts, include_unavailable=include_unavailable)
            rows = plan.due if due else plan.fetch
            chosen = (("campaign", campaign), ("platform", platform))
            selection = " ".join(f"{k}={v}" for k, v in chosen if v is not None) or "all"
            if due:
                selection += " due"
                if not rows:
                    now = utcnow()
                    return RunSummary("", now, now, {})
            pages = None
            if write_pages is not None:
                from .pages import PageDump

                pages = PageDump(write_pages)
            from .collect import Engine

            engine = Engine(
                store, self.settings, transport=self.transport, clock=self.clock, on_outcome=on_outcome, pages=pages
            )
            return engine.run([r.ref for r in rows], selection=selection)

    def send_alerts(self, run_id: str | None = None, lang: str | None = None) -> AlertReport:
        """Detect alert events (milestones, stalled and deleted posts, and platforms that blocked run
        ``run_id``) for every campaign with a channel, and deliver what was not delivered yet
        (:mod:`reach.alerts`). ``reach collect`` calls this after each run. Snapshots are never touched;
        failed deliveries are in the returned report and retried next time.

        Raises:
            DatabaseBusy: a collection held the database for ``lock_timeout`` seconds.
        """
        from .alerts import AlertReport, run_alerts

        if not self._exists():
            return AlertReport()
        if self._store is not None:
            # never wait for the lock while holding the file: the lock's holder may be waiting for the file
            self._store.release()
        with run_lock(self.db_path, self.settings.lock_timeout):  # one sender at a time: never twice
            return run_alerts(self.store, lang or self.settings.lang, self.settings.zone, run_id=run_id)

    def runs(self, limit: int = 20) -> list[RunRow]:
        """The newest collection runs first (empty without a database)."""
        if not self._exists():
            return []
        return self._open(create=False).runs(limit)

    def failures(
        self, since: datetime | None = None, run_id: str | None = None
    ) -> tuple[list[FailureRow], list[PostState]]:
        """Failed outcomes (of one run, or of the runs started since ``since``; default: the newest
        run) and the posts flagged now (deleted, or failing again and again)."""
        if not self._exists():
            return [], []
        store = self._open(create=False)
        if run_id is None and since is None:
            newest = store.runs(1)
            if not newest:
                return [], store.flagged()
            run_id = newest[0].run_id
        elif run_id is not None and not store.con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone():
            from .errors import NotFound

            raise NotFound(f"no run {run_id!r}: `reach runs` lists them")
        return store.failures(since=since, run_id=run_id), store.flagged()

    def plan(
        self,
        campaign: str | None = None,
        platform: str | None = None,
        posts: Iterable[str] | None = None,
        include_unavailable: bool = False,
        now: datetime | None = None,
    ) -> CollectPlan:
        """Which active posts a collection would fetch, which are due now, and when the next one is due."""
        from .schedule import next_due, schedule_for

        store = self.store
        rows = store.posts(campaign=campaign, platform=platform, active_only=True, keys=posts)
        states = store.post_states([r.post_key for r in rows])
        default, own = self.settings.schedules()
        now = now or self.clock()
        fetch: list[PostRow] = []
        due: list[PostRow] = []
        skipped: list[PostRow] = []
        upcoming: list[datetime] = []
        for row in rows:
            state = states.get(row.post_key)
            if state is not None and state.flag == "unavailable" and not include_unavailable:
                skipped.append(row)
                continue
            fetch.append(row)
            when = next_due(state, schedule_for(row.campaigns, own, default), row.published_at or row.added_at, now)
            if when is None:
                continue
            if when <= now:
                due.append(row)
            else:
                upcoming.append(when)
        return CollectPlan(fetch, due, skipped, min(upcoming) if upcoming else None)

    def report(
        self,
        campaign: str | None = None,
        by: str = "day",
        tz: str | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        lang: str | None = None,
        milestones: Sequence[int] | None = None,
    ) -> Report:
        """The growth report (see :func:`reach.report.build_report`); ``tz`` defaults to the
        configured zone, ``lang`` to the configured language. ``by``: hour, day, week or month;
        ``milestones``: view counts to date (default 10万, 100万, 1000万, 1亿).

        The report renders itself: ``.to_csv()``, ``.to_json()``, ``.rows``, ``.to_pandas()``,
        ``.to_arrow()``, ``.save("周报.xlsx")`` (format from the suffix: csv, json, jsonl, xlsx, html, png)."""
        from .report import build_report

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
            milestones=milestones,
        )

    # -- campaigns -------------------------------------------------------------------------

    def create_campaign(
        self,
        name: str,
        *,
        target_views: int | str | None = None,
        starts_on: date | str | None = None,
        description: str | None = None,
    ) -> CampaignRow:
        """Create a campaign, or set the given fields of an existing one (others are kept).

        Args:
            target_views: the views the campaign aims at (``12000000`` or ``"1200万"``); reports
                project when it will be reached.
            starts_on: the first day (``date`` or ``"2024-03-01"``).

        Raises:
            InputError: empty name, a target that is not a whole positive number, a bad date.
        """
        target = _target(target_views)
        start = _start(starts_on)
        store = self.store
        store.create_campaign(name, description=description, target_views=target, starts_on=start)
        return store.campaign(name.strip())

    def campaigns(self) -> list[CampaignRow]:
        """All campaigns with their targets, start days and post counts (empty without a database)."""
        if not self._exists():
            return []
        return self._open(create=False).campaigns()

    def campaign(self, name: str) -> CampaignRow:
        """One campaign. Raises :class:`reach.NotFound` (naming the known ones) when there is none."""
        return self._open(create=False).campaign(name)

    # -- owner data ------------------------------------------------------------------------

    def record(
        self,
        post: str,
        *,
        views: CountInput = None,
        likes: CountInput = None,
        comments: CountInput = None,
        shares: CountInput = None,
        favorites: CountInput = None,
        extra: Mapping[str, int | str] | None = None,
        at: datetime | str | None = None,
        note: str | None = None,
        campaign: str | None = None,
    ) -> RecordResult:
        """Record a post's numbers as its owner sees them (creator centre, 后台): a ``manual`` snapshot.

        Use it for what platforms do not show publicly (WeChat Channels views, Douyin plays,
        Official Account reads) or to correct the picture with exact numbers. In reports, owner
        numbers win over public ones for the same post (see :mod:`reach.report`); they are never added.

        Args:
            post: a link, share text or ``platform:id`` key; a post not tracked yet is added.
            views, likes, comments, shares, favorites: whole numbers (``12345``) or count strings
                as shown (``"1.2万"`` is kept as approximate, ``"10万+"`` as a lower bound). Leave out
                what you do not know: a missing counter is "not shown", never 0.
            extra: other counters, e.g. ``{"在看": 12}`` (在看, 好看 and 推荐 are stored as ``recommends``,
                the name the collectors use).
            at: when the numbers were read: a datetime (naive = the configured time zone) or text
                such as ``"2026-04-01 10:00"``; default now. Not in the future.
            note: free text kept with the snapshot (where the numbers came from).
            campaign: also put the post in this campaign (created when new).

        Returns:
            A :class:`reach.owner.RecordResult`; ``written`` is ``False`` when the very same record
            was already stored.

        Raises:
            InputError: a value that is not a count, no value, a bad or future time, a link reach
                does not know, the same post and time recorded before with other numbers.
                Nothing is written then.
        """
        from .owner import check_time, metrics_from_inputs, parse_time
        from .owner import record as record_numbers

        metrics = metrics_from_inputs(
            {"views": views, "likes": likes, "comments": comments, "shares": shares, "favorites": favorites}, extra
        )
        zone = self.settings.zone
        when = parse_time(at, zone) if at is not None else self.clock()
        check_time(when, self.clock(), zone)
        if campaign is not None and not campaign.strip():
            raise InputError("the campaign name is empty")
        ref = self.identify_all([post])[0]
        url = (
            ref.url
            if ref.url and ref.url.startswith("http")
            else get_collector(ref.platform).canonical_url(ref.post_id)
        )
        return record_numbers(
            self.store, ref, metrics, when, now=self.clock(), zone=zone, url=url, note=note, campaign=campaign
        )

    def import_file(
        self,
        path: str | Path,
        *,
        platform: str | None = None,
        campaign: str | None = None,
        at: datetime | str | None = None,
        mapping: Mapping[str, str] | None = None,
        dry_run: bool = False,
        note: str | None = None,
    ) -> ImportResult:
        """Import a creator-centre export or a spreadsheet of owner numbers, all or nothing.

        Shapes (recognised from the header row, which is searched for): Douyin 作品列表 (.xlsx),
        Xiaohongshu 笔记列表明细表 (.xlsx), WeChat Channels 视频号助手 (.csv), WeChat Official Account
        图文分析 (.xls, also HTML saved as .xls), and any CSV/XLSX of link (or title) and number columns
        in Chinese or English (UTF-8, UTF-8 with BOM, GB18030). Details: :mod:`reach.imports`.

        The file is one observation of cumulative numbers at ``at`` (default: the file's
        modification time, i.e. when it was downloaded). Rows are matched to tracked posts by link,
        platform id, or title and publish time (:mod:`reach.owner`); rows that match nothing are
        listed in ``skipped`` with their reasons. Importing the same file again adds nothing.

        Args:
            path: the file.
            platform: the platform of a plain table without links (``douyin`` or ``抖音``).
            campaign: match only this campaign's posts (a plain table's new posts go into it).
            at: when the file was downloaded (datetime or ``"2026-04-12 18:00"``, configured zone).
            mapping: ``{column header: target}`` for columns reach does not know, e.g.
                ``{"阅读数(次)": "views"}``; targets: views, likes, comments, shares, favorites, link,
                title, published, id, platform, skip, count:NAME.
            dry_run: check and match everything, write nothing (the database is not even created).
            note: free text kept with every snapshot.

        Returns:
            A :class:`reach.owner.ImportResult`: rows written, rows skipped (with reasons), warnings.

        Raises:
            InputError (or its subclass :class:`reach.imports.ExportError`, listing every unreadable
            cell): see :func:`reach.owner.import_export`. Nothing is written then.
        """
        from .imports import read_export
        from .owner import import_export, parse_time

        zone = self.settings.zone
        when = parse_time(at, zone) if at is not None else None
        if campaign is not None and not campaign.strip():
            raise InputError("the campaign name is empty")
        export = read_export(path, platform=platform, mapping=mapping)  # a bad file stops here: no database
        modified = None
        if when is None:
            modified = datetime.fromtimestamp(Path(path).stat().st_mtime, timezone.utc).replace(microsecond=0)
        if dry_run and not self._exists():
            store = Store(":memory:")  # nothing tracked yet, and a dry run creates no database
        else:
            store = self.store
        return import_export(
            store,
            export,
            now=self.clock(),
            zone=zone,
            campaign=campaign,
            at=when,
            file_time=modified,
            dry_run=dry_run,
            note=note,
            resolve=self.identify_all,
        )


def _target(value: int | str | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError("the target must be a number of views, e.g. 12000000 or 1200万")
    if isinstance(value, int):
        count: int | None = value
    else:
        from .counts import parse_count
        from .models import CountKind

        parsed = parse_count(value.strip())
        count = parsed.value if parsed is not None and parsed.kind is not CountKind.LOWER_BOUND else None
        if count is None:
            raise InputError(f"target {value!r} is not a number of views: write e.g. 12000000 or 1200万")
    if count is None or count <= 0:
        raise InputError("the target must be a positive number of views, e.g. 12000000 or 1200万")
    from .store import MAX_COUNT

    if count > MAX_COUNT:
        raise InputError(f"the target {count} is larger than any view count can be; write e.g. 1200万")
    return count


def _start(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"start day {value!r} is not a date: use YYYY-MM-DD, e.g. 2024-03-01") from None
