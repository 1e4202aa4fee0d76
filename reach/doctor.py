"""``reach doctor``: check what unattended collection depends on, and say what to fix.

Checks: the config file (parses, time zone, schedules), the database (opens, tables readable,
schema version, interrupted runs, flagged posts, last run, alert channels and deliveries that keep
failing, URLs masked), every configured cookie file (present, readable, Netscape format, not
readable by others, not expired by its expiry fields), API keys (set or not: a key is shown only as
``set (…last 4)``), and a CJK font for charts.

A check is ``ok``, ``info``, ``warn`` (works, but look at it) or ``fail`` (broken: ``reach doctor``
exits non-zero). Secrets are never printed: not cookie values, not keys.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .config import Settings
from .store import SCHEMA_VERSION

OK, INFO, WARN, FAIL = "ok", "info", "warn", "fail"
EXPIRY_WARNING = timedelta(days=7)


@dataclass(frozen=True)
class Check:
    """One finding: ``area`` (config, database, cookies, keys, fonts, collection), ``status``,
    what was found (``detail``) and, when something needs doing, ``fix``."""

    area: str
    status: str
    detail: str
    fix: str = ""


def mask(secret: str) -> str:
    """``set (…last 4)``; a secret too short to show any of it is only ``set``."""
    from .redact import tail

    return f"set ({tail(secret)})" if len(secret) >= 12 else "set"


def check_config(settings: Settings | None, error: str | None, path: Path | None) -> list[Check]:
    if error is not None:
        return [Check("config", FAIL, error, "fix the file named in the message (or unset the REACH_* variable)")]
    assert settings is not None
    out = []
    if path is not None:
        if path.exists():
            out.append(Check("config", OK, f"{path} parses"))
        else:
            out.append(Check("config", INFO, f"no config file at {path}: defaults and REACH_* variables are used"))
    out.append(Check("config", OK, f"time zone {settings.timezone}, language {settings.lang}"))
    default, own = settings.schedules()
    extra = f"; {len(own)} campaign schedule(s)" if own else ""
    out.append(Check("config", OK, f"collect --due schedule: {default.text}{extra}"))
    return out


def _check_lake(db: str) -> list[Check]:
    """A DuckLake target: readable (no password in it), the lake extra present, a SQLite catalog there."""
    from .errors import ConfigError
    from .lake import extension_file, parse_target

    try:
        target = parse_target(db)  # refuses a password without showing it
        for name in ("ducklake", target.catalog):
            extension_file(name)
    except ConfigError as exc:
        return [Check("database", FAIL, str(exc), "fix --db (or REACH_DB, or db in the config)")]
    if target.catalog == "sqlite" and not Path(target.location).exists():
        return [Check("database", WARN, f"no DuckLake at {target} yet", "add posts with `reach add LINK -c CAMPAIGN`")]
    return [Check("database", INFO, f"{target} is a DuckLake: doctor checks DuckDB files only (see `reach runs`)")]


def check_database(settings: Settings, now: datetime) -> list[Check]:
    import duckdb

    path = settings.db_path
    if str(path).startswith("ducklake:"):
        return _check_lake(str(path))
    if not path.exists():
        return [Check("database", WARN, f"no database at {path} yet", "add posts with `reach add LINK -c CAMPAIGN`")]
    from .store import _is_sqlite

    if _is_sqlite(path):  # DuckDB would fetch its sqlite extension from the network
        return [Check("database", FAIL, f"{path} is a SQLite file, not a DuckDB database",
                      f"for a DuckLake catalog use --db ducklake:sqlite:{path}")]  # fmt: skip
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "lock" in text.lower():
            return [
                Check("database", WARN, f"{path} is in use by another process (a collect running?)", "run again later")
            ]
        return [Check("database", FAIL, f"{path} cannot be opened: {text}", "restore it from a backup, or use --db")]
    out: list[Check] = []
    try:
        version_row = con.execute("SELECT max(version) FROM schema_migrations").fetchone()
        version = int(version_row[0]) if version_row and version_row[0] is not None else 0
        counts = {}
        for table in ("posts", "snapshots", "runs", "run_outcomes"):
            row = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # reads every table: damage shows here
            counts[table] = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            out.append(
                Check("database", FAIL, f"schema version {version} is newer than this reach knows", "upgrade reach")
            )
        elif version < SCHEMA_VERSION:
            out.append(
                Check("database", INFO, f"schema version {version}: upgraded to {SCHEMA_VERSION} by the next collect")
            )
        out.append(
            Check(
                "database",
                OK,
                f"{path}: schema version {version}, {counts['posts']} post(s), {counts['snapshots']} snapshot(s), "
                f"{counts['runs']} run(s)",
            )
        )
        out += _collection_health(con, version, now)
        out += _alerts_health(con, version, now)
    except duckdb.Error as exc:
        text = str(exc).strip().splitlines()[0]
        out.append(
            Check("database", FAIL, f"{path} is not a readable reach database: {text}", "restore it from a backup")
        )
    finally:
        con.close()
    mode = path.stat().st_mode
    if os.name == "posix" and mode & 0o077:
        out.append(Check("database", WARN, f"{path} is readable by other users", f"chmod 600 {path}"))
    return out


def _collection_health(con: object, version: int, now: datetime) -> list[Check]:
    import duckdb

    assert isinstance(con, duckdb.DuckDBPyConnection)
    out = []
    last = con.execute("SELECT run_id, started_at FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
    if last:
        age = now - last[1]
        hours = age.total_seconds() / 3600
        status = WARN if age > timedelta(days=2) else OK
        fix = "is cron running? `reach schedule` prints the line to install" if status == WARN else ""
        outcomes = con.execute(
            "SELECT status, count(*) FROM run_outcomes WHERE run_id = ? GROUP BY status ORDER BY status", [last[0]]
        ).fetchall()
        total = sum(n for _, n in outcomes)
        ok = sum(n for kind, n in outcomes if kind == "ok")
        summary = f"last run started {hours:.1f} h ago"
        if total:
            failed = ", ".join(f"{kind.replace('_', ' ')} {n}" for kind, n in outcomes if kind != "ok")
            summary += f": {ok} of {total} post(s) ok" + (f" ({failed})" if failed else "")
            if ok < total and status == OK:
                status = WARN if ok == 0 else INFO
                fix = "see `reach failures` for what failed and what to do"
        out.append(Check("collection", status, summary, fix))
    stale = con.execute(
        "SELECT count(*) FROM runs WHERE finished_at IS NULL AND started_at < ?", [now - timedelta(hours=1)]
    ).fetchone()
    if stale and stale[0]:
        out.append(
            Check(
                "collection",
                INFO,
                f"{stale[0]} run(s) never finished (killed or crashed); what they saved is kept",
            )
        )
    if version >= 3:
        flagged = con.execute("SELECT flag, count(*) FROM post_state WHERE flag IS NOT NULL GROUP BY flag").fetchall()
        for flag, n in sorted(flagged):
            what = "treated as deleted, no longer fetched" if flag == "unavailable" else "failing again and again"
            out.append(Check("collection", WARN, f"{n} post(s) {what}", "see `reach failures`"))
    return out


def _alerts_health(con: object, version: int, now: datetime) -> list[Check]:
    """Alert channels (URLs masked: they hold the robot's key) and deliveries that keep failing."""
    import duckdb

    from .alerts import RETRY_FOR, check_url, mask_url

    assert isinstance(con, duckdb.DuckDBPyConnection)
    if version < 4:
        return []
    channels = con.execute("SELECT channel_id, campaign, kind, url FROM alert_channels ORDER BY created_at").fetchall()
    if not channels:
        return [
            Check("alerts", INFO, "no alert channels (optional: `reach alerts add CAMPAIGN --kind wecom --url URL`)")
        ]
    waiting = dict(
        con.execute(
            """SELECT e.channel_id, count(*) FROM alert_events e
               WHERE e.kind <> 'baseline' AND NOT EXISTS (SELECT 1 FROM alert_deliveries d
                                 WHERE d.event_key = e.event_key AND d.channel_id = e.channel_id AND d.ok)
               GROUP BY e.channel_id"""
        ).fetchall()
    )
    errors = dict(
        con.execute(
            "SELECT channel_id, arg_max(detail, attempted_at) FROM alert_deliveries WHERE NOT ok GROUP BY channel_id"
        ).fetchall()
    )
    delivered = dict(
        con.execute("SELECT channel_id, count(*) FROM alert_deliveries WHERE ok GROUP BY channel_id").fetchall()
    )
    given_up = dict(
        con.execute(
            """SELECT e.channel_id, count(*) FROM alert_events e
               WHERE e.kind <> 'baseline' AND e.detected_at < ? AND NOT EXISTS (SELECT 1 FROM alert_deliveries d
                     WHERE d.event_key = e.event_key AND d.channel_id = e.channel_id AND d.ok)
               GROUP BY e.channel_id""",
            [now - RETRY_FOR],
        ).fetchall()
    )
    out = []
    for cid, campaign, kind, url in channels:
        name = f"{kind} {mask_url(url)} ({campaign}, id {cid})"
        try:
            check_url(kind, url)
        except Exception as exc:  # noqa: BLE001 - stored by an older version or edited by hand
            out.append(Check("alerts", FAIL, f"{name}: {exc}", f"reach alerts remove {cid}, then add it again"))
            continue
        if waiting.get(cid):
            days = RETRY_FOR.days
            gave_up = f"; {given_up[cid]} given up after {days} days of tries" if given_up.get(cid) else ""
            out.append(
                Check(
                    "alerts",
                    WARN,
                    f"{name}: {waiting[cid]} alert(s) not delivered (last failure: {errors.get(cid, '?')}){gave_up}",
                    f"check the robot still exists and its URL/secret; `reach alerts test {campaign}`",
                )
            )
        elif errors.get(cid) is not None and not delivered.get(cid):
            out.append(
                Check(
                    "alerts",
                    WARN,
                    f"{name}: nothing delivered yet (last failure: {errors[cid]})",
                    f"check the robot still exists and its URL/secret; `reach alerts test {campaign}`",
                )
            )
        elif delivered.get(cid):
            out.append(Check("alerts", OK, f"{name}: every alert delivered ({delivered[cid]} sent)"))
        else:
            out.append(Check("alerts", OK, f"{name}: nothing to send yet"))
    return out


def check_cookie_file(platform: str, path: Path, now: datetime) -> list[Check]:
    """Present, readable, Netscape format, private, not expired (by the files' expiry fields)."""
    name = f"{platform} cookies {path}"
    export = f"export fresh cookies (Netscape cookies.txt) from a browser logged in to {platform} to {path}"
    if not path.exists():
        return [Check("cookies", FAIL, f"{name}: the file does not exist", export)]
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return [
            Check("cookies", FAIL, f"{name}: cannot be read ({exc.strerror})", f"check its owner: chmod 600 {path}")
        ]
    out = []
    if os.name == "posix" and path.stat().st_mode & 0o077:
        out.append(Check("cookies", WARN, f"{name}: readable by other users (it holds a login)", f"chmod 600 {path}"))
    expiries: list[int] = []
    rows = 0
    for line in text.splitlines():
        if line.startswith("#HttpOnly_"):
            line = line[len("#HttpOnly_") :]
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 7:
            return [*out, Check("cookies", FAIL, f"{name}: not a Netscape cookies.txt file", export)]
        rows += 1
        try:
            expires = int(fields[4] or 0)
        except ValueError:
            return [*out, Check("cookies", FAIL, f"{name}: line with an unreadable expiry field", export)]
        if expires > 0:
            expiries.append(expires)
    if rows == 0:
        return [*out, Check("cookies", FAIL, f"{name}: holds no cookies", export)]
    stamp = now.timestamp()
    expired = [e for e in expiries if e < stamp]
    alive = [e for e in expiries if e >= stamp]
    if expired and not alive and len(expiries) == rows:
        last = datetime.fromtimestamp(max(expired), timezone.utc).strftime("%Y-%m-%d")
        out.append(Check("cookies", FAIL, f"{name}: all {rows} cookies expired (the last on {last})", export))
    elif expired:
        out.append(
            Check(
                "cookies", WARN, f"{name}: {len(expired)} of {rows} cookies expired; the login may have ended", export
            )
        )
    elif alive and min(alive) - stamp < EXPIRY_WARNING.total_seconds():
        soon = datetime.fromtimestamp(min(alive), timezone.utc).strftime("%Y-%m-%d")
        out.append(Check("cookies", WARN, f"{name}: a cookie expires on {soon}", export))
    else:
        out.append(Check("cookies", OK, f"{name}: {rows} cookie(s), none expired"))
    return out


def check_keys(settings: Settings) -> list[Check]:
    key = settings.youtube_api_key
    if key:
        return [Check("keys", OK, f"YouTube API key: {mask(key)}")]
    return [
        Check(
            "keys",
            INFO,
            "YouTube API key: not set (optional; without it the slower public pages are read)",
            "set youtube_api_key in config.toml or REACH_YOUTUBE_API_KEY",
        )
    ]


def check_font(find: Callable[[], str | None] | None = None) -> list[Check]:
    from .charts import FONT_ADVICE, find_cjk_font

    font = (find or find_cjk_font)()
    if font:
        return [Check("fonts", OK, f"Chinese font for charts: {font}")]
    return [Check("fonts", WARN, "no Chinese font for PNG charts: they fall back to English labels", FONT_ADVICE)]


def diagnose(
    settings: Settings | None,
    config_error: str | None = None,
    config_path: Path | None = None,
    now: datetime | None = None,
    find_font: Callable[[], str | None] | None = None,
    fallback: Settings | None = None,
) -> list[Check]:
    """Every check, in a fixed order. ``settings`` is ``None`` when the config could not be loaded
    (``config_error`` says why); the other checks then run with ``fallback`` (default: defaults)."""
    now = now or datetime.now(timezone.utc)
    out = check_config(settings, config_error, config_path)
    usable = settings or fallback or Settings()
    from .collectors import get_collector

    out += check_database(usable, now)
    for platform, path in sorted(usable.cookies.items()):
        try:
            get_collector(platform)
        except Exception:  # noqa: BLE001 - any lookup failure means the name is wrong
            out.append(Check("cookies", WARN, f"[cookies] {platform}: no such platform", "check the name"))
            continue
        out += check_cookie_file(platform, path, now)
    if not usable.cookies:
        out.append(Check("cookies", INFO, "no cookie files configured (optional; some platforms need them)"))
    out += check_keys(usable)
    out += check_font(find_font)
    return out


def broken(checks: list[Check]) -> bool:
    return any(c.status == FAIL for c in checks)
