"""The ``reach`` command: a thin typer shell over :class:`reach.Tracker`.

Data goes to stdout; progress, warnings and errors go to stderr. Exit codes:

====  =====================================================================
0     everything asked for succeeded
1     internal error (a bug: please report it)
2     bad input or configuration (nothing was written)
3     the database is busy (another reach process holds it)
4+    ``collect`` / ``parse``: bits OR-ed together, one per failure kind:
      4 unavailable (deleted/private), 8 blocked or rate-limited,
      16 auth required (cookies / API key), 32 parse error or not supported,
      64 network error
====  =====================================================================
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TextIO, TypeVar

import typer

from . import __version__
from .errors import CollectError, DatabaseBusy, InputError, ReachError
from .models import METRIC_NAMES, Outcome, OutcomeStatus, RunSummary

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="reach",
    help=(
        "Track the reach of public-service video campaigns across platforms: add post links, "
        "collect their public counters into a local DuckDB file, report all-platform growth.\n\n"
        "Start with `reach demo` (offline). Then: reach add LINK --campaign NAME; reach collect; "
        "reach report --campaign NAME."
    ),
    epilog=(
        "Exit codes: 0 all ok; 1 internal error; 2 bad input or configuration (nothing written); "
        "3 database busy; collect/parse/add add up bits per failed kind: 4 unavailable, "
        "8 blocked or rate-limited, 16 cookies/API key needed, 32 parse error or not supported, 64 network error."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_INTERNAL = 1
EXIT_INPUT = 2
EXIT_BUSY = 3
STATUS_BITS: dict[OutcomeStatus, int] = {
    OutcomeStatus.UNAVAILABLE: 4,
    OutcomeStatus.BLOCKED: 8,
    OutcomeStatus.RATE_LIMITED: 8,
    OutcomeStatus.AUTH_REQUIRED: 16,
    OutcomeStatus.PARSE_ERROR: 32,
    OutcomeStatus.NOT_SUPPORTED: 32,
    OutcomeStatus.NETWORK_ERROR: 64,
}


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"


class ReportFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    xlsx = "xlsx"
    html = "html"
    png = "png"


class DemoFormat(str, Enum):
    """Formats the demo prints (xlsx and png are files: keep the demo with --db, then `reach report -o`)."""

    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    html = "html"


class ReportTable(str, Enum):
    buckets = "buckets"
    platforms = "platforms"
    posts = "posts"


class By(str, Enum):
    hour = "hour"
    day = "day"
    week = "week"
    month = "month"


class Lang(str, Enum):
    zh = "zh"
    en = "en"


class State:
    db: Path | None = None
    data_path: Path | None = None
    config: Path | None = None
    quiet: bool = False


state = State()


def _err(message: str) -> None:
    typer.echo(message, err=True)


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    """Print one ``error:`` line (secrets redacted, line breaks folded) and exit with ``code``."""
    from .redact import clean_text

    _err("error: " + " ".join(clean_text(message).split()))
    raise typer.Exit(code)


def exit_code_for(statuses: Iterable[OutcomeStatus]) -> int:
    code = 0
    for status in statuses:
        code |= STATUS_BITS.get(status, 0)
    return code


def _run(fn: Callable[[], int | None]) -> None:
    """Run a command body, turning expected errors into one-line messages and exit codes.

    The body runs with a umask that keeps group and others out (restored afterwards), so every file
    a command creates (database and its WAL, exports, --write-pages dumps) is private to the user.
    """
    previous = os.umask(0o077)
    os.umask(previous | 0o077)
    try:
        _run_body(fn)
    finally:
        os.umask(previous)


def _run_body(fn: Callable[[], int | None]) -> None:
    try:
        code = fn()
    except typer.Exit:
        raise
    except DatabaseBusy as exc:
        fail(str(exc), EXIT_BUSY)
    except CollectError as exc:
        fail(exc.message, STATUS_BITS.get(exc.status, EXIT_INTERNAL))
    except InputError as exc:
        fail(str(exc), EXIT_INPUT)
    except ReachError as exc:
        fail(str(exc), EXIT_INPUT)
    except KeyboardInterrupt:
        fail("interrupted; what was collected so far is saved", 130)
    except BrokenPipeError:
        raise  # the reader of stdout went away (`reach report | head`): main() ends quietly
    except Exception as exc:  # noqa: BLE001 - last resort: no traceback for staff
        if os.environ.get("REACH_DEBUG"):
            raise
        fail(
            f"internal error ({type(exc).__name__}: {exc}); set REACH_DEBUG=1 for details and report it", EXIT_INTERNAL
        )
    if code:
        raise typer.Exit(code)


def _tracker() -> Any:
    from .config import Settings
    from .tracker import Tracker

    settings = Settings.load(config_file=state.config, db=state.db, data_path=state.data_path)
    return Tracker(settings=settings)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reach {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", help="Database file (default: REACH_DB, config, or the user data folder).", envvar="REACH_DB"
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="config.toml to use (default: REACH_CONFIG or the user config folder)."),
    ] = None,
    data_path: Annotated[
        Path | None,
        typer.Option(
            "--data-path",
            help="Folder for the data files of a new DuckLake (--db ducklake:…); default REACH_DATA_PATH or config.",
            envvar="REACH_DATA_PATH",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress or summaries on stderr (for cron); errors still print.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    state.db = db
    state.data_path = data_path
    state.config = config
    state.quiet = quiet
    warnings.showwarning = _show_warning


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Warnings for people: one ``warning: …`` line on stderr, no file names or source lines."""
    _err(f"warning: {message}")


# -- stderr summaries in the user's language -------------------------------------------------------
# The one-line summaries and notices of add / collect / record / import / doctor / alerts test, by
# language (``str.format`` templates). ``error:`` lines of bad input stay English everywhere (they are
# searched for and matched by scripts); the notices of a partial success keep their ``warning:`` /
# ``error:`` prefix in zh too, so a grep finds them. Data on stdout and every JSON/JSONL/CSV output is
# language-neutral.

_MESSAGES: dict[str, dict[str, Any]] = {
    "zh": {
        "added": "已添加 {new} 条新作品{where}，{tracked} 条原已在跟踪 · 数据库：{db}",
        "added_where": "到活动「{campaign}」",
        "collecting": "采集中",
        "collected": "已采集 {total} 条作品：{parts} · 运行编号 {run_id}",
        "status_part": "{status} {n} 条",
        "parts_sep": "，",
        "nothing_to_do": "无需采集",
        "status": {
            "ok": "成功",
            "unavailable": "无法访问（已删除/私密）",
            "blocked": "被拦截",
            "auth_required": "需要登录或密钥",
            "rate_limited": "被限流",
            "not_supported": "不支持",
            "parse_error": "解析失败",
            "network_error": "网络错误",
        },
        "failure": "  {status} {shown}：{message}",
        "keys_sep": "、",
        "keys_more": " 等 {total} 条",
        "flag_unavailable": (
            "  {key}：连续 {n} 次无法访问，视为已删除，不再采集（`reach collect --include-unavailable` 可重新尝试）"
        ),
        "flag_failing": "  {key}：连续 {n} 次采集失败，原因见 `reach failures`",
        "nothing_due": "暂无到期需采集的作品（共跟踪 {n} 条）；下次采样时间：{when}",
        "never": "无",
        "alerts_sent": "提醒：已发送 {n} 条{more}",
        "alerts_more": "，另有 {n} 条下次运行时发送（机器人每分钟约收 20 条）",
        "alerts_busy": "warning: 未检查提醒（另一个 `reach collect` 正在使用数据库），下次运行时检查",
        "alerts_failed": "warning: {n} 条提醒未能发送到 {where}，下次运行时重试（`reach alerts list`）",
        "recorded": "已写入 {key} 截至 {when}的数据{added}{where} · 来源：manual（手动录入）",
        "recorded_new": "（新作品，已开始跟踪）",
        "recorded_where": "，已加入活动「{campaign}」",
        "already_recorded": "已存在：{key} 于 {when}，未写入新数据",
        "import_head": "{file}：{shape} · {kind}，表头在第 {row} 行 · 数据时间 {when}，{at_from}{hint}",
        "import_hint": "（可用 --at 修改）",
        "at_from": {
            "--at": "按 --at 参数",
            "file modification time": "取自文件修改时间",
            "first import of this file": "沿用该文件首次导入时的时间",
        },
        "shapes": {
            "douyin_creator": "抖音创作者中心 作品列表",
            "xiaohongshu_creator": "小红书 笔记数据",
            "wechat_channels_assistant": "视频号助手 视频数据",
            "wechat_mp_analysis": "公众号 图文分析",
            "table": "链接与数据表格",
        },
        "problem": {"skipped": "  跳过 第 {row} 行{where}：{reason}", "warning": "  提示 第 {row} 行{where}：{reason}"},
        "reasons": {
            "a totals row, not a post": "合计行，不是作品",
            "no numbers in this row": "该行没有数字",
            "no title, link or id: cannot tell which post this is": "没有标题、链接或ID，无法判断是哪条作品",
        },
        "problem_where": "，列「{column}」",
        "problem_value": "（{value!r}）",
        "problems_more": {
            "skipped": "  … 另有 {n} 行被跳过：--format json 可列出全部",
            "warning": "  … 另有 {n} 条提示：--format json 可列出全部",
        },
        "columns_sep": "、",
        "ignored_columns": "  未使用的列：{columns}（如其中某列有用，用 --map 列名=目标 指定）",
        "import_new": "，其中新作品 {n} 条",
        "import_again": "，{n} 条已存在（此前导入过该文件）",
        "import_skipped": "，跳过 {n} 行",
        "dry_run": "试运行：将写入 {n} 条快照{new}{again}{skipped}。未写入任何数据。",
        "imported": "已写入 {n} 条快照{new}{again}{skipped} · 来源：{source}",
        "doctor_broken": "有检查未通过：请按上面 fail 行的提示修复",
        "alerts_test_bad": "error: {n} 个提醒通道未收到测试消息：请检查地址和密钥",
    },
    "en": {
        "added": "added {new} new post(s){where}, {tracked} already tracked · database: {db}",
        "added_where": " to campaign {campaign!r}",
        "collecting": "collecting",
        "collected": "collected {total} post(s): {parts} · run {run_id}",
        "status_part": "{n} {status}",
        "parts_sep": ", ",
        "nothing_to_do": "nothing to do",
        "status": {},
        "failure": "  {status:<13} {shown}: {message}",
        "keys_sep": ", ",
        "keys_more": " and {more} more",
        "flag_unavailable": (
            "  {key}: unavailable {n} times in a row: treated as deleted, "
            "no longer fetched (`reach collect --include-unavailable` tries it again)"
        ),
        "flag_failing": "  {key}: failed {n} times in a row: see `reach failures`",
        "nothing_due": "nothing due ({n} post(s) tracked); next sample due {when}",
        "never": "never",
        "alerts_sent": "alerts: {n} message(s) sent{more}",
        "alerts_more": ", {n} more at the next run (robots take ~20 a minute)",
        "alerts_busy": (
            "warning: alerts not checked (another `reach collect` holds the database); the next run checks them"
        ),
        "alerts_failed": "warning: {n} alert(s) not delivered to {where}; retried next run (`reach alerts list`)",
        "recorded": "recorded the numbers of {key}{added}{where} as of {when} · source: manual",
        "recorded_new": " (a new post, now tracked)",
        "recorded_where": " in campaign {campaign!r}",
        "already_recorded": "already recorded: {key} at {when}, nothing new written",
        "import_head": (
            "{file}: {shape} · {kind}, header on row {row} · numbers as of {when} (from the {at_from}{hint})"
        ),
        "import_hint": "; --at changes it",
        "at_from": {},
        "shapes": {},
        "problem": {"skipped": "  skipped {problem}", "warning": "  warning {problem}"},
        "reasons": {},
        "problem_where": "",
        "problem_value": "",
        "problems_more": {
            "skipped": "  … and {n} more skipped row(s): --format json lists them all",
            "warning": "  … and {n} more warning row(s): --format json lists them all",
        },
        "columns_sep": ", ",
        "ignored_columns": "  columns not used: {columns} (use --map COLUMN=TARGET if one matters)",
        "import_new": ", {n} new post(s)",
        "import_again": ", {n} already stored by an earlier import of this file",
        "import_skipped": ", {n} row(s) skipped",
        "dry_run": "dry run: would write {n} snapshot(s){new}{again}{skipped}. Nothing was written.",
        "imported": "imported {n} snapshot(s){new}{again}{skipped} · source: {source}",
        "doctor_broken": "something is broken: fix the `fail` lines above",
        "alerts_test_bad": "error: {n} channel(s) did not take the test message; check the URL and secret",
    },
}


def _messages(lang: str) -> dict[str, Any]:
    """The summary templates of ``lang`` (``"zh"``; anything else is English)."""
    return _MESSAGES["zh" if lang == "zh" else "en"]


def _msg(lang: str, template: str, /, **values: Any) -> str:
    """One summary line: the ``template`` of ``lang`` filled with ``values`` (``str.format``)."""
    text: str = _messages(lang)[template]
    return text.format(**values)


def _summary_time(moment: datetime, zone: Any, lang: str) -> str:
    """A moment in the configured zone: ``2026-06-20 10:00 Asia/Shanghai`` (en) or
    ``2026-06-20 10:00（北京时间）`` (zh; other zones keep their IANA name)."""
    if lang != "zh":
        return _local_time(moment, zone)
    from .times import zone_label

    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}（{zone_label(zone.key, lang)}）"


def _name(text: str, lang: str) -> str:
    """A user-given name for a template: zh shows it inside 「」 as typed when printable, else as its
    ``repr`` (no terminal escapes); en templates apply ``!r`` themselves, so the text is passed as is."""
    return text if lang != "zh" or text.isprintable() else repr(text)


def _fallback_lang() -> str:
    """The language when the settings cannot be loaded (a broken config): REACH_LANG, else the locale."""
    from .config import system_lang

    wanted = os.environ.get("REACH_LANG", "").lower()[:2]
    return wanted if wanted in ("zh", "en") else system_lang()


# -- add / posts -----------------------------------------------------------------------------


@app.command()
def add(
    links: Annotated[
        list[str],
        typer.Argument(
            help="Post links, app share texts or ids; '-' reads lines from stdin.",
            show_default=False,
            metavar="LINK_OR_SHARE_TEXT...",
        ),
    ],
    campaign: Annotated[
        str | None, typer.Option("--campaign", "-c", help="Put the posts in this campaign (created if new).")
    ] = None,
) -> None:
    """Track posts: paste links or whole share texts (短链接、分享口令都可以)."""

    def body() -> int:
        from .urls import split_inputs

        texts = list(links)
        if texts == ["-"]:
            texts = [sys.stdin.read()]
        entries = split_inputs(texts)
        if not entries:
            fail("nothing to add: give post links or share texts (or '-' to read them from stdin)")
        with _tracker() as tracker:
            before = {p.post_key for p in tracker.posts()} if tracker._exists() else set()
            try:
                refs = tracker.add(*entries, campaign=campaign)
            except CollectError as exc:
                nothing = (
                    f"nothing was added (none of the {len(entries)} entries: fix or remove this one and run the "
                    "same command again)"
                    if len(entries) > 1
                    else "nothing was added"
                )
                advice = {
                    OutcomeStatus.UNAVAILABLE: f"{nothing}",
                    OutcomeStatus.NETWORK_ERROR: (
                        f"{nothing}: try again when online, or open the short link in a browser "
                        "and paste the post's full address"
                    ),
                }.get(
                    exc.status,
                    f"{nothing}: open the short link in a browser and paste the post's full address, "
                    "or try again later",
                )
                fail(f"{exc.message}. {advice[0].upper()}{advice[1:]}", STATUS_BITS.get(exc.status, EXIT_INTERNAL))
            for ref in refs:
                typer.echo(ref.post_key)
            if not state.quiet:
                new = sum(1 for r in refs if r.post_key not in before)
                lang = tracker.settings.lang
                where = _msg(lang, "added_where", campaign=_name(campaign, lang)) if campaign else ""
                _err(_msg(lang, "added", new=new, where=where, tracked=len(refs) - new, db=tracker.db_path))
        return 0

    _run(body)


@app.command()
def posts(
    campaign: Annotated[str | None, typer.Option("--campaign", "-c", help="Only this campaign's posts.")] = None,
    platform: Annotated[str | None, typer.Option("--platform", "-p", help="Only this platform's posts.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """List tracked posts with their newest counters."""

    def body() -> int:
        from .render import LABELS, display, safe_cell

        with _tracker() as tracker:
            rows = tracker.posts(campaign=campaign, platform=platform)
            zone = tracker.settings.zone
            lang = tracker.settings.lang
        records = [
            {
                "post_key": r.post_key,
                "platform": r.platform,
                "post_id": r.post_id,
                "title": r.title,
                "author": r.author,
                "url": r.url,
                "campaigns": list(r.campaigns),
                "active": r.active,
                "last_collected_at": r.last_collected_at.isoformat() if r.last_collected_at else None,
                **_metric_fields(r.metrics),
            }
            for r in rows
        ]
        if fmt is Format.json:
            typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
        elif fmt is Format.jsonl:
            for rec in records:
                typer.echo(json.dumps(rec, ensure_ascii=False))
        elif fmt is Format.csv:
            import csv
            import io

            buf = io.StringIO()
            writer = csv.DictWriter(
                buf, fieldnames=list(records[0]) if records else ["post_key"], lineterminator="\r\n"
            )
            writer.writeheader()
            for rec in records:
                writer.writerow({k: safe_cell("|".join(v) if isinstance(v, list) else v) for k, v in rec.items()})
            sys.stdout.write("\ufeff" + buf.getvalue())
        else:
            from .render import make_table

            if not rows:
                if campaign or platform:
                    _err("no posts match: check --campaign / --platform (`reach posts` lists everything)")
                else:
                    _err("no posts tracked yet: add some with `reach add LINK --campaign NAME`")
                return 0
            rows_text = [
                [
                    r.title or "",
                    ", ".join(r.campaigns),
                    r.post_key,
                    *(
                        display(c.value, c.kind, lang) if (c := r.metrics.get(m)) else "—"
                        for m in ("views", "likes", "comments")
                    ),
                    r.last_collected_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if r.last_collected_at else "never",
                ]
                for r in rows
            ]
            lab = LABELS["zh" if lang == "zh" else "en"]
            headers = [
                lab["title"],
                lab["campaign"],
                lab["post_key"],
                lab["views"],
                lab["likes"],
                lab["comments"],
                f"{lab['collected']} ({zone.key})",
            ]
            console = _stdout_console()
            console.print(
                make_table(None, headers, rows_text, text_columns=3, width=console.width, droppable=(1, 5, 4))
            )
        return 0

    _run(body)


def _metric_fields(metrics: Any) -> dict[str, Any]:
    """``{"views": 12000, "views_kind": "approximate", ...}``: values with their precision."""
    out: dict[str, Any] = {}
    for m in METRIC_NAMES:
        count = metrics.get(m)
        out[m] = count.value if count else None
        out[f"{m}_kind"] = count.kind.value if count else None
    return out


# -- collect -----------------------------------------------------------------------------------


def print_summary(summary: RunSummary, quiet: bool, lang: str = "en") -> None:
    """A summary line and the failures, posts with the same problem on one line, in ``lang`` (zh or en;
    the failure messages themselves are the collectors' own).

    Quiet runs print nothing when every post succeeded.
    """
    if quiet and summary.all_ok:
        return
    words = _messages(lang)
    parts = [
        _msg(lang, "status_part", n=n, status=words["status"].get(s.value, s.value))
        for s, n in sorted(summary.counts.items(), key=lambda kv: kv[0].value)
    ]
    shown_parts = words["parts_sep"].join(parts) or words["nothing_to_do"]
    _err(_msg(lang, "collected", total=summary.total, parts=shown_parts, run_id=summary.run_id))
    groups: dict[tuple[OutcomeStatus, str], list[str]] = {}
    for outcome in summary.failures:
        groups.setdefault((outcome.status, outcome.message), []).append(outcome.post_key)
    for (status, message), keys in groups.items():
        more = _msg(lang, "keys_more", more=len(keys) - 3, total=len(keys)) if len(keys) > 3 else ""
        shown = words["keys_sep"].join(keys[:3]) + more
        label = words["status"].get(status.value, status.value)
        _err(_msg(lang, "failure", status=label, shown=shown, message=message))


@app.command()
def collect(
    campaign: Annotated[str | None, typer.Option("--campaign", "-c", help="Only this campaign's posts.")] = None,
    platform: Annotated[str | None, typer.Option("--platform", "-p", help="Only this platform's posts.")] = None,
    due: Annotated[
        bool,
        typer.Option(
            "--due",
            help="Only posts whose next sample is due by their age (hourly on day 1, 6-hourly to day 7, daily to "
            "day 30, weekly after; `schedule` in config.toml). Safe to run from cron every 15 minutes.",
        ),
    ] = False,
    include_unavailable: Annotated[
        bool,
        typer.Option(
            "--include-unavailable",
            "--all",
            help="Also fetch posts treated as deleted (found unavailable several times in a row).",
        ),
    ] = False,
    write_pages: Annotated[
        Path | None,
        typer.Option(
            "--write-pages",
            metavar="DIR",
            help="Save every response fetched to DIR (PLATFORM_POSTID_N.EXT + .meta.json) to debug a changed page; "
            "cookies, keys and tokens are scrubbed; files are private to you (0600).",
        ),
    ] = None,
) -> None:
    """Fetch every tracked post's public counters once and store a snapshot of each.

    With --due, only the posts whose next sample is due. Exit code 0 when every post succeeded;
    otherwise the failure bits (see `reach --help`).
    """

    def body() -> int:
        with _tracker() as tracker:
            options: dict[str, Any] = {"campaign": campaign, "platform": platform}
            if due or include_unavailable:
                options.update(due=due, include_unavailable=include_unavailable)
            if write_pages is not None:
                options.update(write_pages=write_pages)
            with sigterm_as_interrupt():  # a stopped cron job / service saves what it collected, as Ctrl-C does
                summary = collect_with_progress(tracker, quiet=state.quiet, **options)
            if due and not summary.run_id:
                if not state.quiet:
                    plan = tracker.plan(campaign=campaign, platform=platform, include_unavailable=include_unavailable)
                    nxt = plan.next_at
                    lang = tracker.settings.lang
                    if nxt is None:
                        when = _msg(lang, "never")
                    elif lang == "zh":
                        when = _summary_time(nxt, tracker.settings.zone, lang)
                    else:
                        when = nxt.astimezone(tracker.settings.zone).strftime("%Y-%m-%d %H:%M %Z")
                    _err(_msg(lang, "nothing_due", n=len(plan.fetch), when=when))
                send_alerts_after_collect(tracker, None)  # retries deliveries that failed before
                return 0
            flagged = tracker.store.flagged(summary.run_id) if summary.run_id and summary.failures else []
            send_alerts_after_collect(tracker, summary.run_id or None)
            lang = tracker.settings.lang
        print_summary(summary, state.quiet, lang)
        for post in flagged:
            if post.flag == "unavailable":
                _err(_msg(lang, "flag_unavailable", key=post.post_key, n=post.unavailable_streak))
            else:
                _err(_msg(lang, "flag_failing", key=post.post_key, n=post.fail_streak))
        return exit_code_for(o.status for o in summary.failures)

    _run(body)


def send_alerts_after_collect(tracker: Any, run_id: str | None) -> None:
    """Detect and deliver alerts after a collect (see `reach alerts`). A delivery that failed prints one
    ``warning:`` line per channel and is retried next run; it never changes the exit code or the snapshots."""
    from .errors import DatabaseBusy as Busy

    lang = tracker.settings.lang
    try:
        result = tracker.send_alerts(run_id)
    except Busy:
        _err(_msg(lang, "alerts_busy"))
        return
    except Exception as exc:  # noqa: BLE001 - alerts must never spoil a collect that saved its data
        if os.environ.get("REACH_DEBUG"):
            raise
        from .redact import redact

        _err(f"warning: alerts not checked ({type(exc).__name__}: {redact(str(exc))}); set REACH_DEBUG=1 and report it")
        return
    if result.sent and not state.quiet:
        more = _msg(lang, "alerts_more", n=result.deferred) if result.deferred else ""
        _err(_msg(lang, "alerts_sent", n=len(result.sent), more=more))
    failed: dict[str, list[str]] = {}
    for where, _kind, reason in result.failed:
        failed.setdefault(f"{where} ({reason})", []).append(_kind)
    for where, kinds in failed.items():
        _err(_msg(lang, "alerts_failed", n=len(kinds), where=where))


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM (``kill``, ``timeout``, a stopped service) acts as Ctrl-C: the collection
    stops, what was collected is written, the run is left unfinished and the command exits with 130. Only
    in the main thread (elsewhere signals cannot be handled); the previous handler is restored after."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        signal.raise_signal(signal.SIGINT)  # asyncio.run turns it into a cancelled run, then KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def collect_with_progress(tracker: Any, quiet: bool, **kwargs: Any) -> RunSummary:
    """Run ``tracker.collect`` with a rich progress bar on a terminal, silence otherwise."""
    if quiet or not sys.stderr.isatty():
        quick: RunSummary = tracker.collect(**kwargs)
        return quick
    plan = tracker.plan(
        campaign=kwargs.get("campaign"),
        platform=kwargs.get("platform"),
        include_unavailable=kwargs.get("include_unavailable", False),
    )
    total = len(plan.due if kwargs.get("due") else plan.fetch)
    if quiet or not sys.stderr.isatty() or total == 0:
        summary: RunSummary = tracker.collect(**kwargs)
        return summary
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(_msg(tracker.settings.lang, "collecting")),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"),
        TimeRemainingColumn(),
        transient=True,
        console=_stderr_console(),
    ) as progress:
        task = progress.add_task("collect", total=total, last="")

        def tick(outcome: Outcome) -> None:
            progress.update(task, advance=1, last=f"{outcome.post_key} {outcome.status.value}")

        summary = tracker.collect(on_outcome=tick, **kwargs)
    return summary


def _stdout_console() -> Any:
    """The console for tables on stdout: the terminal's width, or 160 columns when the output goes to a
    file or a pipe (rich would assume 80 and drop columns a script or a mail body has room for); the
    COLUMNS environment variable overrides both."""
    import sys

    from rich.console import Console

    class StdoutConsole(Console):
        def on_broken_pipe(self) -> None:  # rich would exit 1; main() ends with the pipe's own code
            raise BrokenPipeError

    if sys.stdout.isatty() or os.environ.get("COLUMNS"):
        return StdoutConsole()
    return StdoutConsole(width=160)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


# -- report ------------------------------------------------------------------------------------


def _parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        fail(f"{option} {value!r} is not a date: use YYYY-MM-DD, e.g. 2026-06-20")
    if not 2000 <= day.year <= 2200:
        fail(f"{option} {value!r} is outside the years reach reports on (2000-2200)")
    return day


@app.command()
def report(
    campaign: Annotated[
        str | None, typer.Option("--campaign", "-c", help="Report this campaign (default: all posts).")
    ] = None,
    by: Annotated[By, typer.Option("--by", help="Bucket size.")] = By.day,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            help="IANA time zone for buckets and times, e.g. Asia/Shanghai (default: config, else the system's).",
        ),
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="First day to show, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last day to show, YYYY-MM-DD.")] = None,
    fmt: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: from the --output suffix, else table). xlsx and png need --output.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file instead of stdout, e.g. 周报.xlsx (.csv .json .jsonl .html .png).",
        ),
    ] = None,
    lang: Annotated[Lang | None, typer.Option("--lang", help="Labels and number style: zh (万/亿) or en.")] = None,
    table: Annotated[
        ReportTable, typer.Option("--table", help="Which table csv and jsonl hold: buckets, platforms or posts.")
    ] = ReportTable.buckets,
    milestones: Annotated[
        str | None,
        typer.Option(
            "--milestones",
            metavar="N,N,...",
            help="Totals to date, e.g. 10万,50万,100万 (default: 10万,100万,1000万,1亿).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Growth report: all-platform total per day (or hour/week/month), increase, growth %, share by
    platform, top posts, milestones, projection to the campaign target, views at post age 24h/72h/7d,
    and this period vs the one before. ≈ marks totals that include rounded numbers, ≥ lower bounds.

    Formats: table, csv (UTF-8 with BOM, for Excel), json, jsonl, xlsx (workbook with a chart),
    html (one self-contained page), png (chart). `-o 周报.xlsx` picks the format from the suffix.
    """

    def body() -> int:
        start, end = _parse_day(since, "--since"), _parse_day(until, "--until")
        marks = _parse_milestones(milestones)
        chosen = fmt.value if fmt is not None else None
        if chosen is None:
            from .exports import format_for

            chosen = format_for(output) if output is not None else "table"
        if chosen in ("xlsx", "png") and output is None:
            fail(f"--format {chosen} writes a file: add --output FILE, e.g. -o 周报.{chosen}")
        with _tracker() as tracker:
            rep = tracker.report(
                campaign=campaign,
                by=by.value,
                tz=tz,
                since=start,
                until=end,
                lang=lang.value if lang else None,
                milestones=marks,
            )
        emit_report(rep, chosen, output, table.value)
        return 0

    _run(body)


def _parse_milestones(text: str | None) -> list[int] | None:
    if text is None:
        return None
    import re
    from decimal import Decimal

    from .counts import parse_count

    out = []
    for part in text.replace("，", ",").split(","):
        if not part.strip():
            continue
        count = parse_count(part.strip())
        value = count.value if count is not None else None
        if value is None and re.fullmatch(r"\d+(\.\d+)?[eE]\+?\d{1,2}", part.strip()):  # 1e7, 2.5e6
            number = Decimal(part.strip())
            value = int(number) if number == number.to_integral_value() else None
        if value is None or not 0 < value <= 10**15:
            fail(
                f"--milestones: {part.strip()!r} is not a number of views; write e.g. 10万,100万 or 100000,1000000 "
                "(commas separate milestones: no thousands separators)"
            )
        out.append(value)
    if not out:
        fail("--milestones is empty: write e.g. 10万,100万")
    return out


def emit_report(rep: Any, fmt: str, output: Path | None, table: str = "buckets") -> None:
    """Print the report on stdout in ``fmt``, or save it to ``output`` (messages on stderr)."""
    if output is not None:
        messages = rep.save(output, fmt, table=table)
        for message in messages:
            _err(message)
        if not state.quiet:
            _err(f"wrote {output}")
        return
    if fmt == "table":
        from .report import render_table

        render_table(rep, _stdout_console())
        return
    if fmt == "html":
        from .exports import to_html

        text = to_html(rep)
    else:
        text = {
            "json": lambda: rep.to_json() + "\n",
            "jsonl": lambda: rep.to_jsonl(table),
            "csv": lambda: rep.to_csv(table),
        }[fmt]()
    sys.stdout.write(text)


# -- campaigns ---------------------------------------------------------------------------------

campaign_app = typer.Typer(
    help="Campaigns: a name, a target number of views and a start day; posts join with `reach add -c NAME`.",
    no_args_is_help=True,
)
app.add_typer(campaign_app, name="campaign")


def _campaign_record(row: Any) -> dict[str, Any]:
    return {
        "name": row.name,
        "description": row.description,
        "target_views": row.target_views,
        "starts_on": row.starts_on.isoformat() if row.starts_on else None,
        "created_at": row.created_at.isoformat().replace("+00:00", "Z"),
        "posts": row.posts,
    }


def _print_campaigns(rows: list[Any], lang: str, fmt: Format) -> None:
    records = [_campaign_record(r) for r in rows]
    if fmt is Format.json:
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    if fmt is Format.jsonl:
        for rec in records:
            typer.echo(json.dumps(rec, ensure_ascii=False))
        return
    if fmt is Format.csv:
        import csv
        import io

        from .render import safe_cell

        buf = io.StringIO()
        writer = csv.DictWriter(
            buf,
            fieldnames=["name", "description", "target_views", "starts_on", "created_at", "posts"],
            lineterminator="\r\n",
        )
        writer.writeheader()
        for rec in records:
            writer.writerow({k: safe_cell(v) for k, v in rec.items()})
        sys.stdout.write("\ufeff" + buf.getvalue())
        return

    from .render import display_goal, make_table

    zh = lang == "zh"
    headers = (
        ["活动", "目标播放量", "开始日期", "作品数", "说明"]
        if zh
        else ["campaign", "target views", "starts on", "posts", "description"]
    )
    text_rows = [
        [
            r.name,
            display_goal(r.target_views, lang) if r.target_views else "—",
            r.starts_on.isoformat() if r.starts_on else "—",
            str(r.posts),
            r.description or "",
        ]
        for r in rows
    ]
    console = _stdout_console()
    console.print(make_table(None, headers, text_rows, width=console.width, droppable=(4,)))


def _check_target(target: str | None) -> None:
    """Refuse a target beyond what the database can hold (it would fail there as an internal error)."""
    from .counts import parse_count
    from .store import MAX_COUNT

    count = parse_count(target.strip()) if target is not None else None
    if count is not None and count.value is not None and count.value > MAX_COUNT:
        fail(f"target {target!r} is too large: at most {MAX_COUNT:,} views")


@campaign_app.command("create")
def campaign_create(
    name: Annotated[str, typer.Argument(help="Campaign name, e.g. 禁毒宣传2026.", show_default=False)],
    target: Annotated[
        str | None,
        typer.Option("--target", metavar="VIEWS", help="Target all-platform views, e.g. 12000000 or 1200万."),
    ] = None,
    starts: Annotated[str | None, typer.Option("--starts", metavar="DATE", help="First day, YYYY-MM-DD.")] = None,
    description: Annotated[str | None, typer.Option("--description", "-d", help="A line about the campaign.")] = None,
) -> None:
    """Create a campaign, or update the target / start day / description of an existing one."""

    def body() -> int:
        _check_target(target)
        with _tracker() as tracker:
            existed = any(r.name == name.strip() for r in tracker.campaigns())
            row = tracker.create_campaign(name, target_views=target, starts_on=starts, description=description)
            lang = tracker.settings.lang
        _print_campaigns([row], lang, Format.table)
        if not state.quiet:
            _err(
                f"{'updated' if existed else 'created'} campaign {row.name!r}; add posts with `reach add LINK -c NAME`"
            )
        return 0

    _run(body)


@campaign_app.command("list")
def campaign_list(
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """List campaigns with their targets, start days and numbers of posts."""

    def body() -> int:
        with _tracker() as tracker:
            rows = tracker.campaigns()
            lang = tracker.settings.lang
        if not rows and fmt is Format.table:
            _err("no campaigns yet: `reach campaign create NAME --target 12000000` or `reach add LINK -c NAME`")
            return 0
        _print_campaigns(rows, lang, fmt)
        return 0

    _run(body)


@campaign_app.command("show")
def campaign_show(
    name: Annotated[str, typer.Argument(help="Campaign name.", show_default=False)],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """Show one campaign: target, start day, posts, and progress towards the target."""

    def body() -> int:
        with _tracker() as tracker:
            row = tracker.campaign(name)
            lang = tracker.settings.lang
            rep = tracker.report(campaign=row.name, lang=lang) if row.posts else None
        if fmt is not Format.table:
            rec = _campaign_record(row)
            if rep is not None and rep.latest is not None:
                rec["views"] = rep.latest.total.value
                rec["views_kind"] = rep.latest.total.kind.value
            if fmt is Format.csv:
                _print_campaigns([row], lang, fmt)
            else:
                typer.echo(json.dumps(rec, ensure_ascii=False, indent=2 if fmt is Format.json else None))
            return 0
        _print_campaigns([row], lang, Format.table)
        if rep is not None:
            from .render import LABELS, display
            from .report import milestone_lines, projection_text

            lab = LABELS[rep.lang]
            if rep.latest is not None:
                typer.echo(f"{lab['total']}: {display(rep.latest.total.value, rep.latest.total.kind, rep.lang)}")
            if (text := projection_text(rep)) is not None:
                typer.echo(f"{lab['projection']}: {text}")
            for line in milestone_lines(rep):
                typer.echo(f"{lab['milestone']} {line}")
        return 0

    _run(body)


# -- owner data: record / import -----------------------------------------------------------------

_OWNER_LABELS: dict[str, dict[str, Any]] = {
    "zh": {
        "row": "行",
        "title": "标题",
        "post": "作品",
        "matched": "匹配方式",
        "status": "状态",
        "at": "数据时间",
        "how": {
            "link": "链接",
            "id": "平台ID",
            "title+time": "标题+发布时间",
            "title+date": "标题+发布日期",
            "title": "标题",
            "new post": "新作品(链接)",
            "manual": "手动录入",
        },
        "state": {"write": "将写入", "written": "已写入", "stored": "已存在"},
    },
    "en": {
        "row": "Row",
        "title": "Title",
        "post": "Post",
        "matched": "Matched by",
        "status": "Status",
        "at": "Numbers as of",
        "how": {},
        "state": {"write": "to write", "written": "written", "stored": "already stored"},
    },
}


def _owner_table(title: str, lines: list[dict[str, Any]], lang: str, with_row: bool) -> None:
    """Rows of owner numbers as a table on stdout: titles, 万 numbers (zh), how each row was matched."""

    from .render import LABELS, display, make_table

    lab, olab = LABELS[lang], _OWNER_LABELS[lang]
    headers = [
        *([olab["row"]] if with_row else []),
        olab["title"],
        olab["post"],
        *(lab[m] for m in METRIC_NAMES),
        olab["matched"],
        olab["status"],
    ]
    rows = []
    for line in lines:
        metrics = line["metrics"]
        rows.append(
            [
                *([str(line["row"])] if with_row else []),
                line["title"] or "",
                line["post_key"],
                *(display(c.value, c.kind, lang) if (c := metrics.get(m)) else "—" for m in METRIC_NAMES),
                olab["how"].get(line["matched_by"], line["matched_by"]),
                olab["state"][line["state"]],
            ]
        )
    first = 1 if with_row else 0
    console = _stdout_console()
    console.print(
        make_table(
            title,
            headers,
            rows,
            text_columns=first + 2,
            width=console.width,
            droppable=(first + 6, first + 5, first + 1, first + 7, first + 4),
        )
    )


def _local_time(moment: datetime, zone: Any) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} {zone.key}"


@app.command()
def record(
    post: Annotated[
        str,
        typer.Argument(
            help="The post: its link, the app's share text, or a platform:id key. Added if not tracked yet.",
            metavar="URL_OR_KEY",
            show_default=False,
        ),
    ],
    views: Annotated[
        str | None,
        typer.Option(
            "--views", metavar="N", help="Views / plays / reads as the creator centre shows them: 123456, or 1.2万."
        ),
    ] = None,
    likes: Annotated[str | None, typer.Option("--likes", metavar="N", help="Likes (点赞).")] = None,
    comments: Annotated[str | None, typer.Option("--comments", metavar="N", help="Comments (评论).")] = None,
    shares: Annotated[str | None, typer.Option("--shares", metavar="N", help="Shares / reposts (分享、转发).")] = None,
    favorites: Annotated[str | None, typer.Option("--favorites", metavar="N", help="Favorites (收藏).")] = None,
    extra: Annotated[
        list[str] | None,
        typer.Option(
            "--extra",
            metavar="NAME=N",
            help="Another counter as NAME=N, repeatable, e.g. --extra 在看=12 (stored as recommends).",
            show_default=False,
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="TIME",
            help='When the numbers were read, e.g. "2026-04-01 10:00", in your time zone (config timezone / '
            "REACH_TZ). Default: now. A time in the future is refused.",
        ),
    ] = None,
    note: Annotated[
        str | None,
        typer.Option(
            "--note", metavar="TEXT", help="Where the numbers came from, kept with them (e.g. 视频号助手截图)."
        ),
    ] = None,
    campaign: Annotated[
        str | None,
        typer.Option("--campaign", "-c", metavar="NAME", help="Also put the post in this campaign (created if new)."),
    ] = None,
) -> None:
    """Record a post's numbers from the owner's creator centre (后台数据), e.g. WeChat Channels views.

    Platforms hide some counters (Douyin plays, 视频号 views, 公众号 reads); type what the back end
    shows. Give only what you know: a counter left out is "not shown", never 0. In reports, owner
    numbers win over public ones for the same post and are never added twice.
    """

    def body() -> int:
        extras: dict[str, str] = {}
        for item in extra or []:
            name, sep, value = item.rpartition("=")
            if not sep or not name.strip():
                fail(f"--extra {item!r}: write NAME=NUMBER, e.g. --extra 在看=12")
            extras[name.strip()] = value.strip()
        with _tracker() as tracker:
            zone = tracker.settings.zone
            lang = tracker.settings.lang
            result = tracker.record(
                post,
                views=views,
                likes=likes,
                comments=comments,
                shares=shares,
                favorites=favorites,
                extra=extras or None,
                at=at,
                note=note,
                campaign=campaign,
            )
        line = {
            "title": result.title,
            "post_key": result.post_key,
            "metrics": result.metrics,
            "matched_by": "manual",
            "state": "written" if result.written else "stored",
        }
        label = _OWNER_LABELS[lang]["at"]
        _owner_table(f"{label}: {_local_time(result.at, zone)}", [line], lang, with_row=False)
        if not state.quiet:
            when = _summary_time(result.at, zone, lang)
            if result.written:
                added = _msg(lang, "recorded_new") if result.new_post else ""
                where = _msg(lang, "recorded_where", campaign=_name(campaign.strip(), lang)) if campaign else ""
                _err(_msg(lang, "recorded", key=result.post_key, added=added, where=where, when=when))
            else:
                _err(_msg(lang, "already_recorded", key=result.post_key, when=when))
        return 0

    _run(body)


class ImportFormat(str, Enum):
    table = "table"
    json = "json"


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="The export or spreadsheet: Douyin 作品列表 .xlsx, Xiaohongshu 笔记 .xlsx, 视频号助手 .csv, "
            "公众号 图文分析 .xls, or your own CSV/XLSX of links and numbers.",
            show_default=False,
            metavar="FILE",
        ),
    ],
    platform: Annotated[
        str | None,
        typer.Option(
            "--platform", "-p", metavar="NAME", help="Platform of a table without links (douyin, 抖音, 视频号 ...)."
        ),
    ] = None,
    campaign: Annotated[
        str | None,
        typer.Option(
            "--campaign",
            "-c",
            metavar="NAME",
            help="Only this campaign's posts; new posts from a table of links are put in it.",
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="TIME",
            help='When you downloaded the file, e.g. "2026-04-12 18:00" (your time zone). '
            "Default: the file's modification time.",
        ),
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            metavar="COLUMN=TARGET",
            help="Say what a column holds, e.g. --map 阅读数=views (repeatable). Targets: views, likes, comments, "
            "shares, favorites, link, title, published, platform, skip, count:NAME.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be written, as a table; write nothing.")
    ] = False,
    note: Annotated[
        str | None, typer.Option("--note", metavar="TEXT", help="Text kept with every imported snapshot.")
    ] = None,
    fmt: Annotated[ImportFormat, typer.Option("--format", "-f", help="Output format.")] = ImportFormat.table,
) -> None:
    """Import owner numbers from a creator-centre export or a spreadsheet, all or nothing.

    The file is one snapshot of running totals at the time it was downloaded (--at, else the file's
    modification time); importing the same file twice adds nothing. Rows are matched to tracked
    posts by link, by platform id (视频ID) or by title and publish time; rows that match nothing are
    listed with the reason. A cell that cannot be read stops the import: nothing is written.
    """

    def body() -> int:
        from .imports import ExportError

        mapping: dict[str, str] = {}
        for item in map_ or []:
            column, sep, target = item.rpartition("=")
            if not sep or not column.strip() or not target.strip():
                fail(f"--map {item!r}: write COLUMN=TARGET, e.g. --map 阅读数=views")
            mapping[column.strip()] = target.strip()
        with _tracker() as tracker:
            zone = tracker.settings.zone
            lang = tracker.settings.lang
            try:
                result = tracker.import_file(
                    file,
                    platform=platform,
                    campaign=campaign,
                    at=at,
                    mapping=mapping or None,
                    dry_run=dry_run,
                    note=note,
                )
            except ExportError as exc:
                from .redact import redact

                _err("error: " + " ".join(redact(str(exc)).split()))  # the error first, then every bad cell
                if len(exc.problems) > 5:
                    for problem in exc.problems:
                        _err(redact(f"  {problem}"))
                raise typer.Exit(EXIT_INPUT) from None
        if fmt is ImportFormat.json:
            typer.echo(json.dumps(_import_json(result), ensure_ascii=False, indent=2))
        else:
            _print_import(result, zone, lang)
        return 0

    _run(body)


def _line_state(result: Any, line: Any) -> str:
    if line.stored:
        return "stored"
    return "write" if result.dry_run else "written"


def _print_import(result: Any, zone: Any, lang: str) -> None:
    when = _local_time(result.observed_at, zone)
    words = _messages(lang)
    if not state.quiet:
        kind = result.file_kind.replace("HTML table", "HTML 表格") if lang == "zh" else result.file_kind
        _err(
            _msg(
                lang,
                "import_head",
                file=result.file_name,
                shape=words["shapes"].get(result.shape, result.shape_label),
                kind=kind,
                row=result.header_row,
                when=_summary_time(result.observed_at, zone, lang),
                at_from=words["at_from"].get(result.at_from, result.at_from),
                hint=words["import_hint"] if result.at_from == "file modification time" else "",
            )
        )
    lines = [
        {
            "row": line.row,
            "title": line.title,
            "post_key": line.post_key,
            "metrics": line.metrics,
            "matched_by": line.matched_by,
            "state": _line_state(result, line),
        }
        for line in result.lines
    ]
    label = _OWNER_LABELS[lang]["at"]
    _owner_table(f"{label}: {when}", lines, lang, with_row=True)
    if state.quiet:
        return
    from .redact import redact

    for title, problems in (("skipped", result.skipped), ("warning", result.warnings)):
        for problem in problems[:20]:
            where = _msg(lang, "problem_where", column=problem.column) if problem.column is not None else ""
            if problem.value is not None:
                shown = problem.value if len(problem.value) <= 40 else problem.value[:39] + "…"
                where += _msg(lang, "problem_value", value=shown)
            reason = words["reasons"].get(problem.reason, problem.reason)
            line = words["problem"][title].format(problem=problem, row=problem.row, where=where, reason=reason)
            _err(redact(line))
        if len(problems) > 20:
            _err(words["problems_more"][title].format(n=len(problems) - 20))
    if result.ignored_columns:
        _err(_msg(lang, "ignored_columns", columns=words["columns_sep"].join(result.ignored_columns)))
    stored = len(result.lines) - result.to_write
    new = _msg(lang, "import_new", n=result.new_posts) if result.new_posts else ""
    again = _msg(lang, "import_again", n=stored) if stored else ""
    skipped = _msg(lang, "import_skipped", n=len(result.skipped)) if result.skipped else ""
    if result.dry_run:
        _err(_msg(lang, "dry_run", n=result.to_write, new=new, again=again, skipped=skipped))
    else:
        _err(_msg(lang, "imported", n=result.written, new=new, again=again, skipped=skipped, source=result.source))


def _import_json(result: Any) -> dict[str, Any]:
    return {
        "file": result.file_name,
        "file_kind": result.file_kind,
        "shape": result.shape,
        "platform": result.platform,
        "header_row": result.header_row,
        "observed_at": result.observed_at.isoformat().replace("+00:00", "Z"),
        "at_from": result.at_from,
        "source": result.source,
        "campaign": result.campaign,
        "dry_run": result.dry_run,
        "written": result.written,
        "rows": [
            {
                "row": line.row,
                "post_key": line.post_key,
                "title": line.title,
                "matched_by": line.matched_by,
                "new_post": line.new_post,
                "state": _line_state(result, line),
                **_metric_fields(line.metrics),
                "extra": {k: v.value for k, v in sorted(line.metrics.extra.items())},
            }
            for line in result.lines
        ],
        "skipped": [{"row": p.row, "reason": p.reason} for p in result.skipped],
        "warnings": [{"row": p.row, "column": p.column, "value": p.value, "reason": p.reason} for p in result.warnings],
        "ignored_columns": list(result.ignored_columns),
    }


# -- parse -------------------------------------------------------------------------------------


@app.command()
def parse(
    file: Annotated[
        Path, typer.Argument(help="A saved response: JSON body or HTML page ('-' for stdin).", allow_dash=True)
    ],
    platform: Annotated[str, typer.Option("--platform", "-p", help="Which platform's parser to use.")],
    status: Annotated[int, typer.Option("--status", help="The HTTP status the response came with.")] = 200,
    url: Annotated[
        str | None,
        typer.Option("--url", help="The post's link: picks the post in multi-post answers and checks the id."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output format (json).")] = "json",
) -> None:
    """Parse a saved response offline, as if fetched with that HTTP status, and print one JSON object.

    Exit 0 only when the outcome is ok; otherwise the failure bit of the outcome.
    """

    def body() -> int:
        from .collectors import get_collector
        from .collectors.base import RawResponse
        from .urls import identify

        if fmt != "json":
            fail(f"unknown format {fmt!r}: reach parse prints json")
        collector = get_collector(platform)
        post_id = None
        if url is not None:
            ref = identify(url)
            if ref.platform != collector.platform:
                fail(f"--url is a {ref.platform} link but --platform is {collector.platform}")
            post_id = ref.post_id
        try:
            data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
        except OSError as exc:
            fail(f"cannot read {file}: {exc.strerror or exc}")
        if not 100 <= status <= 599:
            fail(f"--status {status} is not an HTTP status code (100-599)")
        raw = RawResponse(status=status, url=url or collector.canonical_url(post_id or "unknown"), body=data)
        result = parse_result(collector, raw, post_id)
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return 0 if result["outcome"] == "ok" else STATUS_BITS.get(OutcomeStatus(result["outcome"]), EXIT_INTERNAL)

    _run(body)


def parse_result(collector: Any, raw: Any, post_id: str | None) -> dict[str, Any]:
    """The ``reach parse`` JSON object for one response (stable shape, relied on from outside)."""
    from .store import check_metrics

    empty = {m: None for m in METRIC_NAMES}
    try:
        parsed = collector.parse(raw, post_id)
        check_metrics(parsed.metrics)  # the same refusal a collection run applies before storing
    except CollectError as exc:
        return {
            "outcome": exc.status.value,
            "platform": collector.platform,
            "post_id": post_id,
            "title": None,
            "author": None,
            "published_at": None,
            "metrics": empty,
            "extra": {},
            "message": exc.message,
        }
    metrics = parsed.metrics.to_dict()
    extra = metrics.pop("extra")
    published = parsed.published_at
    return {
        "outcome": "ok",
        "platform": parsed.platform,
        "post_id": parsed.post_id if parsed.post_id not in ("", "unknown") else None,
        "title": parsed.title,
        "author": parsed.author,
        "published_at": published.isoformat().replace("+00:00", "Z") if isinstance(published, datetime) else None,
        "metrics": metrics,
        "extra": extra,
        "message": "; ".join(
            [
                *parsed.warnings,
                *(
                    [f"published {parsed.published_text!r}: a time relative to when the page was read"]
                    if parsed.published_text and parsed.published_at is None
                    else []
                ),
            ]
        ),
    }


# -- unattended: runs / failures / schedule / doctor ------------------------------------------------


def _since(text: str | None, zone: Any) -> datetime | None:
    """``--since``: a duration back from now (``12h``, ``7d``) or a time (``2026-06-01 18:00``, your zone)."""
    if text is None:
        return None
    from datetime import timezone

    from .errors import ConfigError
    from .owner import parse_time
    from .schedule import parse_duration

    try:
        return datetime.now(timezone.utc) - parse_duration(text)
    except ConfigError:
        pass
    value = text.strip()
    if len(value) == 10:  # a day: from its start
        value += " 00:00"
    return parse_time(value, zone, what="--since")


def _when(value: datetime | None, zone: Any) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "—"


@app.command()
def runs(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many runs, newest first.")] = 20,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """List the latest collection runs: when, what, how many posts ok and failed (`reach failures` says why)."""

    def body() -> int:
        with _tracker() as tracker:
            rows = tracker.runs(limit)
            zone = tracker.settings.zone
        records = [
            {
                "run_id": r.run_id,
                "started_at": r.started_at.isoformat(),
                "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                "selection": r.selection,
                "posts": r.posts,
                "ok": r.counts.get("ok", 0),
                "failed": r.failed,
                "counts": dict(r.counts),
            }
            for r in rows
        ]
        if fmt is not Format.table:
            _emit_records(records, fmt)
            return 0
        if not rows:
            _err("no collection runs yet: run `reach collect` (or install `reach schedule`'s cron line)")
            return 0
        for r in rows:
            failed = ", ".join(f"{n} {s}" for s, n in sorted(r.counts.items()) if s != "ok")
            end = "unfinished (killed, crashed or still running)" if r.finished_at is None else "done"
            typer.echo(
                f"{r.run_id}  {_when(r.started_at, zone)}  {r.selection:<12}  {r.posts:>4} post(s)  "
                f"{r.counts.get('ok', 0):>4} ok  {failed or 'no failures'}  [{end}]"
            )
        if not state.quiet:
            _err(f"times in {zone.key}; `reach failures --run RUN_ID` says why posts failed")
        return 0

    _run(body)


@app.command()
def failures(
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="WHEN", help="Runs started since: 12h, 7d, or 2026-06-01 18:00 (your zone)."),
    ] = None,
    run: Annotated[str | None, typer.Option("--run", metavar="RUN_ID", help="One run (see `reach runs`).")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """Say what failed, in which run, why, and what to do (default: the latest run); then the flagged posts."""

    def body() -> int:
        from .failures import advice

        with _tracker() as tracker:
            zone = tracker.settings.zone
            settings = tracker.settings
            rows, flagged = tracker.failures(since=_since(since, zone), run_id=run)
        flags = {p.post_key: p for p in flagged}
        records = [
            {
                "run_id": f.run_id,
                "started_at": f.started_at.isoformat(),
                "post_key": f.post_key,
                "title": f.title,
                "status": f.status,
                "http_status": f.http_status,
                "message": f.message,
                "flag": flags[f.post_key].flag if f.post_key in flags else None,
                "action": advice(
                    f.status, f.platform, settings, flags[f.post_key].flag if f.post_key in flags else None
                ),
            }
            for f in rows
        ]
        if fmt is not Format.table:
            _emit_records(records, fmt)
            return 0
        if not rows:
            _err("no failures in the chosen run(s)" if since or run else "no failures in the latest run")
        groups: dict[tuple[str, str, str, str], list[str]] = {}
        for rec, f in zip(records, rows, strict=True):
            groups.setdefault((f.run_id, f.status, f.message, rec["action"]), []).append(f.post_key)
        for (run_id, status, message, action), keys in groups.items():
            shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
            typer.echo(f"{run_id}  {status}  {shown}\n    why: {message}\n    do:  {action}")
        if flagged:
            typer.echo("flagged posts:")
            for p in flagged:
                what = (
                    f"treated as deleted since {_when(p.flagged_at, zone)}, no longer fetched"
                    if p.flag == "unavailable"
                    else f"failed {p.fail_streak} times in a row since {_when(p.flagged_at, zone)}"
                )
                typer.echo(f"  {p.post_key}  {what}: {p.last_message or p.last_status}")
        return 0

    _run(body)


def _emit_records(records: list[dict[str, Any]], fmt: Format) -> None:
    if fmt is Format.json:
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2, default=str))
    elif fmt is Format.jsonl:
        for rec in records:
            typer.echo(json.dumps(rec, ensure_ascii=False, default=str))
    else:
        import csv
        import io

        from .render import safe_cell

        buf = io.StringIO()
        names = list(records[0]) if records else ["run_id"]
        writer = csv.DictWriter(buf, fieldnames=names, lineterminator="\r\n")
        writer.writeheader()
        for rec in records:
            writer.writerow({k: safe_cell(json.dumps(v) if isinstance(v, dict) else v) for k, v in rec.items()})
        sys.stdout.write("\ufeff" + buf.getvalue())


@app.command()
def schedule(
    log: Annotated[
        Path | None,
        typer.Option("--log", metavar="FILE", help="Append the output to this file (default: cron mails it)."),
    ] = None,
    every: Annotated[int, typer.Option("--every", min=1, max=59, help="Minutes between runs.")] = 15,
    system: Annotated[
        bool, typer.Option("--system", help="systemd units for the whole machine, not your user.")
    ] = False,
) -> None:
    """Print the crontab line and a systemd service/timer pair that run `reach collect --due` unattended."""

    def body() -> int:
        from .config import Settings
        from .cron import cron_setup, render, unseen_environment

        settings = Settings.load(config_file=state.config, db=state.db, data_path=state.data_path)
        config = state.config or (Path(os.environ["REACH_CONFIG"]) if os.environ.get("REACH_CONFIG") else None)
        setup = cron_setup(settings.db_path, config=config, log=log, every=every)
        typer.echo(render(setup, user_units=not system, unseen=unseen_environment(os.environ)), nl=False)
        return 0

    _run(body)


@app.command()
def migrate(
    source: Annotated[
        str, typer.Option("--from", metavar="DB", help="The history to copy: a DuckDB file or a ducklake:… target.")
    ],
    target: Annotated[
        str,
        typer.Option("--to", metavar="DB", help="Where to copy it: a new DuckDB file or a new (empty) DuckLake."),
    ],
) -> None:
    """Copy a whole history between a DuckDB file and a DuckLake (either way), counts checked per table."""

    def body() -> int:
        from .lake import migrate as copy_history

        result = copy_history(source, target, data_path=state.data_path)
        shown = ", ".join(f"{n} {t}" for t, n in result.rows.items() if t in ("posts", "snapshots", "runs"))
        if result.copied:
            _err(f"copied {shown} (every table's row count checked) to {target}")
        else:
            _err(f"{target} already holds this history ({shown}): nothing to copy")
        return 0

    _run(body)


@app.command()
def doctor(
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format (table or json).")] = Format.table,
) -> None:
    """Check the database, config, cookie files, API keys and chart fonts, and say what to fix.

    Exit code 2 when something is broken (a `fail` line).
    """

    def body() -> int:
        from .config import Settings, default_config_path
        from .doctor import broken, diagnose
        from .errors import ConfigError

        config_path = state.config or (
            Path(os.environ["REACH_CONFIG"]) if os.environ.get("REACH_CONFIG") else default_config_path()
        )
        settings: Settings | None = None
        error = None
        try:
            settings = Settings.load(config_file=state.config, db=state.db, data_path=state.data_path)
        except ConfigError as exc:
            error = str(exc)
        checks = diagnose(settings, error, config_path, fallback=Settings(db=state.db))
        if fmt in (Format.json, Format.jsonl):
            _emit_records([c.__dict__ for c in checks], fmt)
        else:
            from .redact import redact

            for c in checks:
                typer.echo(redact(f"{c.status:<5} {c.area:<10} {c.detail}"))
                if c.fix and c.status in ("warn", "fail"):
                    typer.echo(redact(f"{'':<5} {'':<10} fix: {c.fix}"))
        if broken(checks):
            if not state.quiet:
                _err(_msg(settings.lang if settings else _fallback_lang(), "doctor_broken"))
            return EXIT_INPUT
        return 0

    _run(body)


# -- config ------------------------------------------------------------------------------------

config_app = typer.Typer(help="The effective configuration (every secret masked).", no_args_is_help=True)
app.add_typer(config_app, name="config")


class ShowFormat(str, Enum):
    table = "table"
    json = "json"


@config_app.command("show")
def config_show(
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] = ShowFormat.table,
) -> None:
    """Print the effective configuration: config file, database, time zone, language, cookie files
    (path, cookie count, earliest expiry; never a value), API keys and webhooks (only whether set and
    where from), politeness, schedules. Every secret is masked.
    """

    def body() -> int:
        from .config import config_lines, effective_config
        from .redact import redact

        data = effective_config(config_file=state.config, db=state.db)
        if fmt is ShowFormat.json:
            typer.echo(redact(json.dumps(data, ensure_ascii=False, indent=2)))
        else:
            for name, text in config_lines(data):
                typer.echo(redact(f"{name:<28} {text}"))
        return 0

    _run(body)


# -- alerts ------------------------------------------------------------------------------------

alerts_app = typer.Typer(
    help="Group-chat alerts per campaign (WeCom 企业微信, DingTalk 钉钉, Feishu 飞书, or any JSON webhook): "
    "milestones passed, posts stalled or deleted, platforms blocking. Checked after every `reach collect`.",
    no_args_is_help=True,
)
app.add_typer(alerts_app, name="alerts")


class AlertKind(str, Enum):
    wecom = "wecom"
    dingtalk = "dingtalk"
    feishu = "feishu"
    webhook = "webhook"


@alerts_app.command("add")
def alerts_add(
    campaign: Annotated[str, typer.Argument(help="The campaign whose alerts go to this chat.")],
    kind: Annotated[AlertKind, typer.Option("--kind", "-k", help="Which robot the URL belongs to.")],
    url: Annotated[
        str,
        typer.Option(
            "--url",
            help="The robot's webhook address (copy it from the group's robot settings).",
            envvar="REACH_ALERT_URL",
        ),
    ],
    secret: Annotated[
        str | None,
        typer.Option(
            "--secret",
            help="Signing secret (DingTalk 加签 SEC…, Feishu 签名校验; for a webhook: HMAC key of X-Reach-Signature).",
            envvar="REACH_ALERT_SECRET",
        ),
    ] = None,
    stall_hours: Annotated[
        float | None,
        typer.Option("--stall-hours", help="Alert when a post's views do not grow for this many hours (0: never)."),
    ] = None,
    milestones: Annotated[
        str | None,
        typer.Option(
            "--milestones", help="Total views to announce, e.g. 100万,1000万 (default 10万,100万,1000万,1亿)."
        ),
    ] = None,
) -> None:
    """Send a campaign's alerts to a group robot (or webhook); `reach alerts test` checks it works."""

    def body() -> int:
        from .alerts import make_channel

        with _tracker() as tracker:
            row = tracker.campaign(campaign)  # NotFound names the known campaigns
            channel = make_channel(row.name, kind.value, url, secret, stall_hours, _parse_milestones(milestones))
            new = tracker.store.add_alert_channel(channel.row())
        verb = "added" if new else "updated"
        typer.echo(f"{verb} alert channel {channel.channel_id}: {channel.kind} {channel.masked} for {channel.campaign}")
        if not state.quiet:
            _err(f"check it with: reach alerts test {_quote(channel.campaign)}")
        return 0

    _run(body)


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _alert_records(tracker: Any, campaign: str | None) -> list[dict[str, Any]]:
    from .alerts import Channel

    store = tracker.store
    stats = store.alert_stats()
    out = []
    for row in store.alert_channels(campaign):
        ch = Channel.from_row(row)
        sent, waiting, error = stats.get(ch.channel_id, (0, 0, None))
        out.append(
            {
                "id": ch.channel_id,
                "campaign": ch.campaign,
                "kind": ch.kind,
                "url": ch.masked,
                "signed": ch.secret is not None,
                "stall_hours": ch.stall_hours,
                "milestones": list(ch.milestones),
                "sent": sent,
                "waiting": waiting,
                "last_error": error,
            }
        )
    return out


@alerts_app.command("list")
def alerts_list(
    campaign: Annotated[str | None, typer.Option("--campaign", "-c", help="Only this campaign's channels.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """List alert channels (URLs masked), with how many alerts were sent and how many wait for delivery."""

    def body() -> int:
        with _tracker() as tracker:
            lang = tracker.settings.lang
            if not tracker._exists():
                records: list[dict[str, Any]] = []
            else:
                records = _alert_records(tracker, campaign)
        if fmt is not Format.table:
            _emit_records(records, fmt)
            return 0
        if not records:
            typer.echo("no alert channels: add one with `reach alerts add CAMPAIGN --kind wecom --url URL`")
            return 0
        from .render import display_goal

        for r in records:
            signed = ", signed" if r["signed"] else ""
            shown = " / ".join(display_goal(m, lang) for m in r["milestones"])  # "100,000,1,000,000" misreads
            stall = f"stall {r['stall_hours']:g} h" if r["stall_hours"] else "no stall alerts"
            typer.echo(
                f"{r['id']}  {r['campaign']}  {r['kind']}{signed}  {r['url']}\n"
                f"              milestones {shown}; {stall}; {r['sent']} sent, {r['waiting']} waiting"
                + (f"; last failure: {r['last_error']}" if r["last_error"] else "")
            )
        return 0

    _run(body)


@alerts_app.command("remove")
def alerts_remove(
    channel: Annotated[str, typer.Argument(help="The channel id shown by `reach alerts list`.")],
) -> None:
    """Stop sending alerts to a channel (by the id `reach alerts list` shows)."""

    def body() -> int:
        with _tracker() as tracker:
            if not tracker._exists() or not tracker.store.remove_alert_channel(channel.strip()):
                fail(f"no alert channel {channel.strip()!r}: `reach alerts list` shows the ids")
        typer.echo(f"removed alert channel {channel.strip()}")
        return 0

    _run(body)


@alerts_app.command("test")
def alerts_test(
    campaign: Annotated[str, typer.Argument(help="Send a test message to every channel of this campaign.")],
) -> None:
    """Send a test message to each of a campaign's channels now; exit 2 when one did not take it."""

    def body() -> int:
        from .alerts import Channel, client, sample_event, send

        with _tracker() as tracker:
            name = tracker.campaign(campaign).name
            channels = [Channel.from_row(r) for r in tracker.store.alert_channels(name)]
            if not channels:
                fail(f"campaign {name!r} has no alert channel: add one with `reach alerts add {_quote(name)} ...`")
            event = sample_event(name)
            bad = 0
            with client() as http:
                for ch in channels:
                    ok, reason = send(http, ch, event, tracker.settings.lang, tracker.settings.zone)
                    if ok:
                        typer.echo(f"ok    {ch.channel_id} {ch.kind} {ch.masked}")
                    else:
                        bad += 1
                        typer.echo(f"fail  {ch.channel_id} {ch.kind} {ch.masked}: {reason}")
        if bad:
            _err(_msg(tracker.settings.lang, "alerts_test_bad", n=bad))
            return EXIT_INPUT
        return 0

    _run(body)


# -- demo --------------------------------------------------------------------------------------


@app.command()
def demo(
    db: Annotated[
        Path | None, typer.Option("--db", help="Keep the demo data in this file (default: a temporary one).")
    ] = None,
    days: Annotated[int, typer.Option("--days", min=2, max=30, help="Simulated days of collection.")] = 7,
    lang: Annotated[
        Lang | None,
        typer.Option("--lang", help="Report labels: zh or en (default: REACH_LANG, config lang, else your locale)."),
    ] = None,
    fmt: Annotated[
        DemoFormat,
        typer.Option(
            "--format",
            "-f",
            help="Report format printed to stdout. For an Excel file or a chart: reach demo --db demo.duckdb, "
            "then reach --db demo.duckdb report -c NAME -o report.xlsx (or .png).",
        ),
    ] = DemoFormat.table,
) -> None:
    """Run a whole campaign offline: add posts, collect over simulated days, print the growth report.

    Uses recorded-shape responses instead of the network, through the real collectors, HTTP layer,
    DuckDB store and report. Your own database is untouched unless you pass --db.
    """

    def body() -> int:
        from .demo import run_demo

        if lang is None:  # the user's language setting (REACH_LANG, config), like `reach report`
            from .config import Settings

            chosen = Settings.load(config_file=state.config).lang
        else:
            chosen = lang.value
        rep = run_demo(db=db or state.db, days=days, lang=chosen, quiet=state.quiet, log=_err)
        emit_report(rep, fmt.value, None)
        return 0

    _run(body)


EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as other Unix tools end when their reader goes away


def main() -> None:
    """Console-script entry point."""
    import sys

    try:
        try:
            app()
        finally:
            sys.stdout.flush()
    except BrokenPipeError:  # `reach report | head`: stop quietly, like other Unix tools
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush must not fail again
        except (OSError, ValueError):
            pass
        sys.exit(EXIT_BROKEN_PIPE)


if __name__ == "__main__":  # pragma: no cover
    main()
