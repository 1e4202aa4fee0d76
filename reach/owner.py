"""Owner data: the numbers an account owner sees in its creator centres, typed in or imported.

Platforms hide some counters from the public (Douyin plays, WeChat Channels views, Official Account
reads); the bureau sees them in its own back ends. They come in two ways, both written as ordinary
snapshots whose ``source`` says where they came from:

* :func:`record` (``reach record``): one post's numbers typed by a person; ``source`` ``manual``.
* :func:`import_export` (``reach import``): a creator-centre export or a staff spreadsheet read by
  :mod:`reach.imports`; ``source`` ``import:<shape>:<file name>``.

Rules:

* **An export is one cumulative observation** at the time it was downloaded (``at``, or the file's
  modification time), never per-day numbers and never added to earlier ones. Importing the same
  bytes again reuses the first import's time and name, so it adds nothing (rows matched only now,
  because their posts were added since, are added).
* **Rows are matched to tracked posts**, in this order: by link (a link column, or 内容url), by the
  platform's id (WeChat Channels 视频ID, remembered once a row was matched), by normalised title
  (:func:`reach.imports.title_key`) and publish time (exports without ids: Douyin, Xiaohongshu).
  A title match needs the publish time to agree (within 90 s, or the same Beijing date when the
  file gives dates only); a post with no known publish time matches on a unique title only.
  Ambiguous rows are never guessed: they are listed with the reason.
* Creator-centre exports list every post of the account, so they only update posts that are
  tracked (in ``campaign`` when given). A staff table of links may add posts (to ``campaign``).
* **All or nothing**: a cell that cannot be read, a time in the future or before a post was
  published, numbers that contradict ones already stored for the same post, time and source:
  an :class:`~reach.errors.InputError` saying what and where, and nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from .errors import CollectError, InputError, NeedsResolution, NotFound, UnsupportedURL
from .imports import CHINA, Export, ExportRow, Published, RowProblem, _Bad, _read_count, title_key
from .models import METRIC_NAMES, Count, Metrics, PostRef, Snapshot
from .store import ImportRaced, ImportRecord, PostRow, Store, campaign_name, snapshot_id
from .times import read_wall_clock
from .urls import identify

__all__ = [
    "ImportLine",
    "ImportResult",
    "RecordResult",
    "import_export",
    "metrics_from_inputs",
    "parse_time",
    "record",
]

MANUAL = "manual"
EXTRA_NAMES = {"在看": "recommends", "好看": "recommends", "推荐": "recommends"}
"""Extra counters typed in Chinese, stored under the name the collectors use (公众号 在看, 视频号 推荐 👍)."""
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
MAX_NOTE = 500
TIME_SLACK = timedelta(seconds=90)
MIN_TITLE = 4
"""A title matches without a publish time to confirm it only from this many letters (and only when unique)."""
MIN_PREFIX = 8
"""A title cut short (``标题…``) matches a longer one only from this many letters, and only at the same time."""
Resolver = Callable[[Sequence[str]], list[PostRef]]


# -- inputs -------------------------------------------------------------------------------------


def parse_time(value: str | datetime, zone: ZoneInfo, what: str = "--at") -> datetime:
    """A time people type (``"2026-04-01 10:00"``, ``"2026/4/1 10:00:30"``, ``"2026年4月1日 10:00"``,
    ISO 8601 with an offset), read in ``zone`` unless it carries its own offset; returned in UTC.

    Raises:
        InputError: not a time, or a date without a time of day (which moment would it be?).
    """
    if isinstance(value, datetime):
        return (value.replace(tzinfo=zone) if value.tzinfo is None else value).astimezone(timezone.utc)
    text = " ".join(str(value).split())
    if re.search(r"(?:[+-]\d{2}:?\d{2}|z)$", text, re.IGNORECASE) and re.search(r"\d:\d", text):
        try:
            parsed = datetime.fromisoformat(re.sub(r"[zZ]$", "+00:00", text))
        except ValueError:
            pass
        else:
            return parsed.astimezone(timezone.utc)
    try:
        found = read_wall_clock(text)
    except ValueError:
        raise InputError(f"{what} {value!r} is not a real date and time") from None
    if found is None:
        raise InputError(f"{what} {value!r} is not a time: use YYYY-MM-DD HH:MM, e.g. 2026-04-12 18:00")
    day, at = found
    if at is None:
        raise InputError(
            f"{what} {value!r} is a date without a time of day: give the time the numbers were read too, "
            f"e.g. '{day.isoformat()} 18:00'"
        )
    return datetime.combine(day, at, tzinfo=zone).astimezone(timezone.utc)


def check_time(at: datetime, now: datetime, zone: ZoneInfo, what: str = "--at") -> None:
    """Refuse a time in the future or before 2000 (a typo).

    Raises:
        InputError: naming the time in ``zone``.
    """
    shown = f"{at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"
    if at > now:
        raise InputError(
            f"{what} {shown} is in the future (now it is {now.astimezone(zone):%Y-%m-%d %H:%M}): numbers can "
            "only be recorded for a time that has passed"
        )
    if at < EARLIEST:
        raise InputError(f"{what} {shown} is before 2000: is the year right?")


def metrics_from_inputs(values: Mapping[str, object], extra: Mapping[str, object] | None = None) -> Metrics:
    """Counters typed by a person: non-negative whole numbers or count strings (``"1.2万"`` is kept as
    approximate, ``"10万+"`` as a lower bound). ``None`` leaves a counter out.

    Raises:
        InputError: a value that is not a count (negative, a fraction, a word), an unknown counter
            name, or no counter at all.
    """
    counts: dict[str, Count | None] = {}
    for name, value in values.items():
        if name not in METRIC_NAMES:
            raise InputError(f"unknown counter {name!r}: use {', '.join(METRIC_NAMES)}")
        counts[name] = None if value is None else _typed_count(f"--{name}", value)
    extras: dict[str, Count] = {}
    for name, value in (extra or {}).items():
        key = EXTRA_NAMES.get(name.strip(), name.strip())
        if not re.fullmatch(r"[^\s=]{1,40}", key) or key in METRIC_NAMES:
            raise InputError(f"--extra {name!r}: give NAME=NUMBER with a short name, e.g. --extra 在看=12")
        extras[key] = _typed_count(f"--extra {key}", value)
    if all(c is None for c in counts.values()) and not extras:
        raise InputError("nothing to record: give at least one number, e.g. --views 12000")
    return Metrics(extra=extras, **counts)


def _typed_count(what: str, value: object) -> Count:
    if isinstance(value, str) and not value.strip():
        raise InputError(f"{what} is empty: give a number such as 12000 (or leave the option out)")
    try:
        count = _read_count(value)
    except _Bad as exc:
        raise InputError(f"{what} {value!r}: {exc}") from None
    if count is None:
        raise InputError(f"{what} {value!r} is not a number: give digits such as 12000, or 1.2万")
    return count


def _note(note: str | None) -> str | None:
    if note is None:
        return None
    text = " ".join(note.split())
    if len(text) > MAX_NOTE:
        raise InputError(f"the note is {len(text)} characters long; use at most {MAX_NOTE}")
    return text or None


# -- record -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordResult:
    """What :func:`record` stored.

    Attributes:
        post_key: the post.
        title: its title, when known.
        at: when the numbers were read (UTC).
        metrics: the numbers.
        new_post: the post was not tracked before (it is now).
        written: ``False`` when the same record (post, time, numbers) was already stored.
    """

    post_key: str
    title: str | None
    at: datetime
    metrics: Metrics
    new_post: bool
    written: bool
    source: str = MANUAL
    note: str | None = None


def record(
    store: Store,
    ref: PostRef,
    metrics: Metrics,
    at: datetime,
    *,
    now: datetime,
    zone: ZoneInfo,
    url: str | None = None,
    note: str | None = None,
    campaign: str | None = None,
) -> RecordResult:
    """Store one post's numbers typed by a person, as a ``manual`` snapshot at ``at``.

    The post is added (to ``campaign`` when given) if it is not tracked yet, in the same transaction.

    Raises:
        InputError: ``at`` in the future, before 2000 or before the post was published; the same
            post and time already recorded with other numbers. Nothing is written.
    """
    at = at.astimezone(timezone.utc)
    check_time(at, now, zone)
    note = _note(note)
    campaign = campaign_name(campaign) if campaign is not None else None
    known = store.posts(keys=[ref.post_key])
    post = known[0] if known else None
    if post is not None and post.published_at is not None and at < post.published_at:
        raise InputError(
            f"--at {at.astimezone(zone):%Y-%m-%d %H:%M} is before {ref.post_key} was published "
            f"({post.published_at.astimezone(zone):%Y-%m-%d %H:%M}): check the date"
        )
    snap = Snapshot(ref.post_key, at, metrics, source=MANUAL, note=note)
    add = [(ref, url)] if post is None or campaign is not None else []
    written = store.write_owner_data([snap], posts=add, campaign=campaign)
    return RecordResult(ref.post_key, post.title if post else None, at, metrics, post is None, written > 0, note=note)


# -- import -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportLine:
    """One row that is (or, on a dry run, would be) written.

    Attributes:
        row: the row number in the file.
        post_key: the post it was matched to.
        title: the row's title (else the post's).
        matched_by: ``link``, ``id``, ``title+time``, ``title+date``, ``title`` or ``new post``.
        metrics: the numbers.
        new_post: the post is added by this import (plain tables only).
        stored: the same snapshot was stored by an earlier import of this file: not written again.
    """

    row: int
    post_key: str
    title: str | None
    matched_by: str
    metrics: Metrics
    new_post: bool = False
    stored: bool = False


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_export` did (or, with ``dry_run``, would do).

    Attributes:
        file_name / file_kind / shape / shape_label / platform: the file as recognised.
        observed_at: the moment the numbers are recorded at (UTC).
        at_from: where that moment came from: ``--at``, ``file modification time`` or
            ``first import of this file``.
        source: the snapshots' ``source``.
        lines: the rows written (or to write).
        skipped: rows not written, each with its row number and reason.
        warnings: values left out or doubted.
        ignored_columns: columns reach did not use.
        written: snapshots written (0 on a dry run).
        first_imported_at: when this same file was imported before, if it was.
    """

    file_name: str
    file_kind: str
    shape: str
    shape_label: str
    platform: str | None
    observed_at: datetime
    at_from: str
    source: str
    lines: tuple[ImportLine, ...]
    skipped: tuple[RowProblem, ...]
    warnings: tuple[RowProblem, ...]
    ignored_columns: tuple[str, ...]
    dry_run: bool
    written: int = 0
    campaign: str | None = None
    first_imported_at: datetime | None = None
    header_row: int = 1
    sheet: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)

    @property
    def new_posts(self) -> int:
        return sum(1 for line in self.lines if line.new_post)

    @property
    def to_write(self) -> int:
        """Rows whose snapshot is not stored yet."""
        return sum(1 for line in self.lines if not line.stored)


def import_export(
    store: Store,
    export: Export,
    *,
    now: datetime,
    zone: ZoneInfo,
    campaign: str | None = None,
    at: datetime | None = None,
    file_time: datetime | None = None,
    dry_run: bool = False,
    note: str | None = None,
    resolve: Resolver | None = None,
) -> ImportResult:
    """Match an export's rows to posts and write them as snapshots at one moment, all or nothing.

    Args:
        at: when the file was downloaded (UTC); else ``file_time``. A file imported before keeps
            the time of its first import.
        campaign: match only this campaign's posts (plain tables: add new posts to it).
        dry_run: match and check everything, write nothing.
        resolve: turns short links into posts (online); without it a short link is a skipped row.

    Raises:
        InputError: no time for the numbers, a time in the future or before a row's publish time,
            a second import of the same file at another time, duplicate rows with different
            numbers, no row matching a post, numbers that contradict stored ones.
    """
    note = _note(note)
    campaign = campaign_name(campaign) if campaign is not None else None
    prior = store.imported_file(export.sha256)
    if prior is not None:
        if at is not None and abs(at - prior.observed_at) >= timedelta(seconds=1):
            raise InputError(
                f"{export.file_name} was already imported on {_local(prior.first_imported_at, zone)} as the numbers "
                f"of {_local(prior.observed_at, zone)}: one file is one observation. Leave out --at to import it "
                "again at that time (only rows not stored yet are added)"
            )
        observed, at_from, file_name = prior.observed_at, "first import of this file", prior.file_name
    elif at is not None:
        observed, at_from, file_name = at, "--at", export.file_name
    elif file_time is not None:
        observed, at_from, file_name = file_time, "file modification time", export.file_name
    else:
        raise InputError(f"when were the numbers in {export.file_name} read? give --at 'YYYY-MM-DD HH:MM'")
    observed = observed.astimezone(timezone.utc)
    check_time(observed, now, zone, "the time of the numbers" if at is None else "--at")
    _check_published_before(export, observed, zone, at_from)
    source = f"import:{export.shape.name}:{file_name}"
    lines, skipped, new_refs, aliases = _match(store, export, campaign, resolve)
    snapshots = []
    by_number = {r.row: r for r in export.rows}
    for line in lines:
        row = by_number[line.row]
        moment = row.published.moment if row.published else None
        snapshots.append(
            Snapshot(
                line.post_key, observed, row.metrics, title=row.title, published_at=moment, source=source, note=note
            )
        )
    stored = store.stored_snapshot_ids(snapshot_id(s.post_key, observed, source) for s in snapshots)
    lines = [replace(line, stored=snapshot_id(line.post_key, observed, source) in stored) for line in lines]
    if not lines:
        reasons = "; ".join(str(p) for p in skipped[:3]) or "the file has no rows with numbers"
        raise InputError(
            f"nothing to import from {export.file_name}: no row matched a tracked post"
            + (f" of campaign {campaign!r}" if campaign else "")
            + f" ({reasons}{'; …' if len(skipped) > 3 else ''}). Nothing was written"
        )
    written = 0
    if not dry_run:
        record_row = ImportRecord(
            export.sha256, file_name, export.shape.name, export.platform, observed, campaign, len(export.rows)
        )
        try:
            written = store.write_owner_data(
                snapshots, posts=new_refs, campaign=campaign, aliases=aliases, import_record=record_row
            )
        except ImportRaced:
            if prior is not None:  # pragma: no cover - a first import is never replaced
                raise
            # another process imported these bytes since the look-up above (a lake): redo it as a re-import
            return import_export(
                store, export, now=now, zone=zone, campaign=campaign, at=at, file_time=file_time, note=note,
                resolve=resolve,
            )  # fmt: skip
    return ImportResult(
        file_name=export.file_name,
        file_kind=export.file_kind,
        shape=export.shape.name,
        shape_label=export.shape.label,
        platform=export.platform,
        observed_at=observed,
        at_from=at_from,
        source=source,
        lines=tuple(lines),
        skipped=tuple(sorted((*export.skipped, *skipped), key=lambda p: p.row)),
        warnings=export.warnings,
        ignored_columns=export.ignored_columns,
        dry_run=dry_run,
        written=written,
        campaign=campaign,
        first_imported_at=prior.first_imported_at if prior else None,
        header_row=export.header_row,
        sheet=export.sheet,
        columns=dict(export.columns),
    )


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return "?" if moment is None else f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def _check_published_before(export: Export, observed: datetime, zone: ZoneInfo, at_from: str) -> None:
    local_day = observed.astimezone(CHINA).date()
    for row in export.rows:
        published = row.published
        if published is None:
            continue
        late = published.moment > observed if published.moment is not None else published.day > local_day
        if late:
            hint = (
                "give --at with the time you downloaded the file"
                if at_from != "--at"
                else "check --at (it is read in your time zone)"
            )
            raise InputError(
                f"{export.file_name}, row {row.row}: published {published} (Beijing time), after the time of the "
                f"numbers, {_local(observed, zone)} ({zone.key}, from the {at_from}): {hint}"
            )


# -- matching ------------------------------------------------------------------------------------


@dataclass
class _Candidates:
    posts: list[PostRow]
    by_key: dict[str, PostRow]
    by_title: dict[tuple[str, str], list[PostRow]]
    others: set[str]  # tracked posts outside the campaign
    all_by_title: dict[tuple[str, str], list[PostRow]] = field(default_factory=dict)  # every tracked post


def _candidates(store: Store, campaign: str | None, plain: bool) -> _Candidates:
    everything = store.posts()
    if campaign is None:
        posts = everything
    else:
        try:
            posts = store.posts(campaign=campaign)
        except NotFound:
            if not plain:
                raise
            posts = []  # a plain table may create the campaign
    by_title: dict[tuple[str, str], list[PostRow]] = {}
    for post in posts:
        key = title_key(post.title)
        if key:
            by_title.setdefault((post.platform, key), []).append(post)
    by_key = {p.post_key: p for p in posts}
    all_by_title: dict[tuple[str, str], list[PostRow]] = {}
    for post in everything:
        key = title_key(post.title)
        if key:
            all_by_title.setdefault((post.platform, key), []).append(post)
    return _Candidates(posts, by_key, by_title, {p.post_key for p in everything} - set(by_key), all_by_title)


def _time_agrees(post: PostRow, published: Published | None) -> bool | None:
    if post.published_at is None or published is None:
        return None
    if published.moment is not None:
        return abs(post.published_at - published.moment) <= TIME_SLACK
    return post.published_at.astimezone(CHINA).date() == published.day


def _match(
    store: Store, export: Export, campaign: str | None, resolve: Resolver | None
) -> tuple[list[ImportLine], list[RowProblem], list[tuple[PostRef, str | None]], list[tuple[str, str, str]]]:
    plain = not export.shape.account_wide
    cands = _candidates(store, campaign, plain)
    where = f" in campaign {campaign!r}" if campaign else ""
    links = _identify_links(export, resolve)
    alias_maps = {p: store.aliases(p) for p in {r.platform for r in export.rows if r.item_id and r.platform}}
    title_counts: dict[tuple[str | None, str], int] = {}
    for row in export.rows:
        title_counts[(row.platform, title_key(row.title))] = (
            title_counts.get((row.platform, title_key(row.title)), 0) + 1
        )
    found: list[ImportLine] = []
    skipped: list[RowProblem] = []
    new_refs: dict[str, tuple[PostRef, str | None]] = {}
    aliases: dict[tuple[str, str], str] = {}
    for row in export.rows:
        label = row.title or row.link or row.item_id or ""
        ref = links.get(row.row)
        untracked_link: str | None = None
        if isinstance(ref, RowProblem):
            if plain:
                skipped.append(ref)
                continue
            untracked_link, ref = ref.reason, None  # an export's link reach cannot read: match by title instead
        if ref is not None:
            if row.platform is not None and ref.platform != row.platform:
                skipped.append(RowProblem(row.row, f"the link is a {ref.platform} post, but the row is {row.platform}"))
                continue
            twin = _same_title_post(cands, ref, row) if plain and ref.post_key not in cands.by_key else None
            if ref.post_key in cands.by_key:
                found.append(ImportLine(row.row, ref.post_key, row.title, "link", row.metrics))
            elif plain and twin is not None:
                # one post, two link forms (公众号 /s/<token> and /s?__biz=…): adding it again would count it twice
                skipped.append(
                    RowProblem(
                        row.row,
                        f"{ref.post_key} is not tracked, but {twin.post_key} has the same title: if it is the same "
                        f"post, put {twin.post_key} in the link column; if not, `reach add` the link first",
                    )
                )
                continue
            elif plain:
                is_new = ref.post_key not in cands.others
                found.append(
                    ImportLine(
                        row.row, ref.post_key, row.title, "new post" if is_new else "link", row.metrics, new_post=is_new
                    )
                )
                new_refs[ref.post_key] = (ref, _url(ref))
            elif ref.post_key in cands.others:
                skipped.append(RowProblem(row.row, f"{ref.post_key} is tracked but not{where}"))
            else:
                # the export's link may be another form of a tracked post's link: match by title, like rows without one
                add = f"reach add {ref.post_key}" + (f" -c {campaign}" if campaign else "")
                untracked_link = f"{ref.post_key} is not tracked: `{add}` first"
            if untracked_link is None:
                if ref.post_key in cands.by_key or plain:
                    if row.item_id and row.platform:
                        aliases[(row.platform, row.item_id)] = ref.post_key
                continue
        if row.item_id and row.platform:
            key = alias_maps.get(row.platform, {}).get(row.item_id) or f"{row.platform}:{row.item_id}"
            if key in cands.by_key:
                found.append(ImportLine(row.row, key, row.title, "id", row.metrics))
                continue
            if key in cands.others:
                skipped.append(RowProblem(row.row, f"{key} is tracked but not{where}"))
                continue
        if row.platform is None:
            skipped.append(
                RowProblem(row.row, "no link and no platform: add a 链接 or 平台 column, or give --platform")
            )
            continue
        tkey = title_key(row.title)
        if not tkey:
            skipped.append(
                RowProblem(
                    row.row, untracked_link or f"no title to match {label!r} by: add a 链接 column with the post's link"
                )
            )
            continue
        same = cands.by_title.get((row.platform, tkey), [])
        if not same and row.published is not None and row.published.moment is not None and len(tkey) >= MIN_PREFIX:
            # a caption cut short on one side: a prefix match counts only with the publish time agreeing
            same = [
                p
                for (platform, key), posts in cands.by_title.items()
                if platform == row.platform
                and len(key) >= MIN_PREFIX
                and (key.startswith(tkey) or tkey.startswith(key))
                for p in posts
                if _time_agrees(p, row.published)
            ]
        verdicts = [(p, _time_agrees(p, row.published)) for p in same]
        agree = [p for p, ok in verdicts if ok]
        unknown = [p for p, ok in verdicts if ok is None]
        unique_in_file = title_counts[(row.platform, tkey)] == 1
        if len(agree) == 1:
            how = "title+time" if row.published and row.published.moment else "title+date"
            post = agree[0]
        elif len(agree) == 0 and len(unknown) == 1 and unique_in_file and len(tkey) >= MIN_TITLE:
            how, post = "title", unknown[0]  # no publish time on one side: a unique, not too short title
        else:
            reason = untracked_link if untracked_link and not verdicts else None
            skipped.append(RowProblem(row.row, reason or _no_title_match(row, label, verdicts, where, unique_in_file)))
            continue
        found.append(ImportLine(row.row, post.post_key, row.title, how, row.metrics))
        if row.item_id:
            aliases[(row.platform, row.item_id)] = post.post_key
    found, more = _one_row_per_post(found, export)
    skipped.extend(more)
    keys = {line.post_key for line in found}
    alias_list = [
        (p, a, k)
        for (p, a), k in aliases.items()
        if k in keys and alias_maps.get(p, {}).get(a) != k and f"{p}:{a}" != k
    ]
    return found, skipped, [v for k, v in new_refs.items() if k in keys], alias_list


def _same_title_post(cands: _Candidates, ref: PostRef, row: ExportRow) -> PostRow | None:
    """A tracked post other than ``ref`` with the row's title (and no publish time against it): maybe
    the same post under another link form, which a plain table must not add a second time."""
    if ref.post_key in cands.others:
        return None
    tkey = title_key(row.title)
    if len(tkey) < MIN_TITLE:
        return None
    for post in cands.all_by_title.get((ref.platform, tkey), []):
        if post.post_key != ref.post_key and _time_agrees(post, row.published) is not False:
            return post
    return None


def _no_title_match(
    row: ExportRow, label: str, verdicts: list[tuple[PostRow, bool | None]], where: str, unique_in_file: bool
) -> str:
    shown = label if len(label) <= 30 else label[:29] + "…"
    if not verdicts:
        return (
            f"no tracked post{where} has the title {shown!r}: add the post (`reach add LINK`) and collect it once so "
            "reach knows its title, or add a 链接 column with the post's link"
        )
    agree = [p for p, ok in verdicts if ok]
    unknown = [p for p, ok in verdicts if ok is None]
    if len(agree) > 1 or len(unknown) > 1 or (unknown and not unique_in_file):
        keys = ", ".join(p.post_key for p, _ in verdicts[:3])
        return f"the title {shown!r} fits more than one post or row ({keys}): add a 链接 column to tell them apart"
    if unknown:
        return (
            f"the title {shown!r} is too short to match {unknown[0].post_key} without a publish time: add a 链接 "
            "column with the post's link"
        )
    post = verdicts[0][0]
    when = post.published_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if post.published_at else "?"
    return f"the title matches {post.post_key}, but that was published {when} (Beijing time), this row {row.published}"


def _one_row_per_post(found: list[ImportLine], export: Export) -> tuple[list[ImportLine], list[RowProblem]]:
    """One file is one observation: a post matched by two rows with different numbers is refused
    (links: the file is wrong) or left out (titles: which row is it?)."""
    by_key: dict[str, list[ImportLine]] = {}
    for line in found:
        by_key.setdefault(line.post_key, []).append(line)
    keep: list[ImportLine] = []
    skipped: list[RowProblem] = []
    for key, group in by_key.items():
        first = group[0]
        if len(group) == 1 or all(g.metrics == first.metrics for g in group):
            keep.append(first)
            skipped.extend(RowProblem(g.row, f"the same numbers as row {first.row} for {key}") for g in group[1:])
            continue
        rows = ", ".join(str(g.row) for g in group)
        if all(g.matched_by in ("link", "new post", "id") for g in group):
            raise InputError(
                f"{export.file_name}: rows {rows} all give numbers for {key}, and they differ: one file is one "
                "observation, so keep one row per post"
            )
        skipped.extend(RowProblem(g.row, f"rows {rows} all match {key}: add a 链接 column") for g in group)
    keep.sort(key=lambda line: line.row)
    return keep, skipped


def _url(ref: PostRef) -> str | None:
    from .collectors import get_collector

    if ref.url and ref.url.startswith("http"):
        return ref.url
    try:
        return get_collector(ref.platform).canonical_url(ref.post_id)
    except NotImplementedError:
        return None


def _identify_links(export: Export, resolve: Resolver | None) -> dict[int, PostRef | RowProblem]:
    out: dict[int, PostRef | RowProblem] = {}
    pending: list[tuple[int, str]] = []
    for row in export.rows:
        if not row.link:
            continue
        try:
            out[row.row] = identify(row.link)
        except NeedsResolution:
            pending.append((row.row, row.link))
        except UnsupportedURL as exc:
            out[row.row] = RowProblem(row.row, str(exc))
    if pending:
        if resolve is None:
            for number, link in pending:
                out[number] = RowProblem(number, f"{link} is a short link: put the post's full link in the file")
        else:
            try:
                refs = resolve([link for _, link in pending])
            except CollectError as exc:
                rows = ", ".join(str(n) for n, _ in pending[:5])
                raise InputError(
                    f"{export.file_name}: the short links in rows {rows} could not be opened ({exc}); put the posts' "
                    "full links in the file, or try again when online. Nothing was written"
                ) from None
            for (number, _), ref in zip(pending, refs, strict=True):
                out[number] = ref
    return out
