"""Settings: defaults < ``config.toml`` < ``REACH_*`` environment variables < explicit arguments.

``config.toml`` lives in the platform's user config folder (``platformdirs.user_config_dir("reach")``,
e.g. ``~/.config/reach/config.toml``) or wherever ``REACH_CONFIG`` points::

    db = "/srv/reach/bureau.duckdb"      # the database file
    timezone = "Asia/Shanghai"           # report buckets and printed times (IANA name)
    lang = "zh"                          # report labels: zh or en
    youtube_api_key = "..."              # YouTube Data API v3 key (a secret: never printed)
    schedule = "1h until 1d, 6h until 7d, 1d until 30d, then 7d"   # sampling by post age (--due)

    [cookies]                             # Netscape cookies.txt per platform (secrets)
    bilibili = "~/cookies/bilibili.txt"

    [min_interval]                        # seconds between requests, per platform
    bilibili = 5

    [campaigns."禁毒宣传"]                 # per campaign
    schedule = "30m until 2d, 1d until 60d, then stop"

Environment: ``REACH_DB``, ``REACH_TZ``, ``REACH_LANG``, ``REACH_CONFIG``, ``REACH_YOUTUBE_API_KEY``,
``REACH_<PLATFORM>_COOKIES`` (a cookies.txt path), ``REACH_LOCK_TIMEOUT`` (seconds).
"""

from __future__ import annotations

import locale
import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

APP_NAME = "reach"


def default_db_path() -> Path:
    """``platformdirs.user_data_dir("reach")/reach.duckdb``."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "reach.duckdb"


def default_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def system_timezone() -> str:
    """The machine's IANA zone name, or ``"UTC"`` when it cannot be told."""
    try:
        import tzlocal

        name = tzlocal.get_localzone_name()
    except Exception:  # noqa: BLE001 - any failure means "unknown": fall back to UTC
        return "UTC"
    return name or "UTC"


def system_lang() -> str:
    """``"zh"`` when the user's locale is Chinese, else ``"en"``."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "zh" if loc.lower().startswith(("zh", "chinese")) else "en"


def check_timezone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name.

    Raises:
        ConfigError: the name is not a known time zone.
    """
    try:
        if not name or name.strip() != name or ".." in name or name.startswith("/"):
            raise ValueError
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(
            f"unknown time zone {name!r}: use an IANA name such as Asia/Shanghai, Europe/Berlin or UTC"
        ) from None


@dataclass(frozen=True)
class Settings:
    """Effective settings. Secret fields are kept out of ``repr``."""

    db: Path | None = None
    data_path: Path | None = None
    """Folder of a new DuckLake's Parquet files (``--db ducklake:…``; the lake remembers it)."""
    timezone: str = "UTC"
    lang: str = "en"
    youtube_api_key: str | None = field(default=None, repr=False)
    cookies: Mapping[str, Path] = field(default_factory=dict, repr=False)
    min_interval: Mapping[str, float] = field(default_factory=dict)
    timeout: float = 20.0
    retries: int = 3
    retry_backoff: float = 1.0
    max_retry_wait: float = 60.0
    lock_timeout: float = 30.0
    schedule: str | None = None
    campaigns: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        from .redact import register_secret

        register_secret(self.youtube_api_key)

    @property
    def db_path(self) -> Path:
        return self.db if self.db is not None else default_db_path()

    @property
    def zone(self) -> ZoneInfo:
        return check_timezone(self.timezone)

    def min_interval_for(self, platform: str, default: float) -> float:
        return float(self.min_interval.get(platform, self.min_interval.get("*", default)))

    def cookie_file(self, platform: str) -> Path | None:
        return self.cookies.get(platform)

    def secret(self, name: str) -> str | None:
        if name == "youtube_api_key":
            return self.youtube_api_key
        return None

    def schedules(self) -> tuple[Any, dict[str, Any]]:
        """The default :class:`~reach.schedule.Schedule` and each campaign's own (``[campaigns."NAME"]``)."""
        from .schedule import DEFAULT, parse_schedule

        default = parse_schedule(self.schedule) if self.schedule else DEFAULT
        own = {
            name: parse_schedule(str(table["schedule"]))
            for name, table in self.campaigns.items()
            if isinstance(table, Mapping) and table.get("schedule")
        }
        return default, own

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def load(
        cls,
        config_file: Path | None = None,
        env: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Settings:
        """Build the effective settings.

        Raises:
            ConfigError: the config file is unreadable or invalid, or a value is of the wrong kind.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {"timezone": system_timezone(), "lang": system_lang()}
        path = config_file or (Path(env["REACH_CONFIG"]) if env.get("REACH_CONFIG") else None)
        explicit = path is not None
        path = path or default_config_path()
        if path.exists() or explicit:
            values.update(_read_toml(path))
        for var, key in (
            ("REACH_DB", "db"),
            ("REACH_DATA_PATH", "data_path"),
            ("REACH_TZ", "timezone"),
            ("REACH_LANG", "lang"),
            ("REACH_YOUTUBE_API_KEY", "youtube_api_key"),
            ("REACH_LOCK_TIMEOUT", "lock_timeout"),
        ):
            if env.get(var):
                values[key] = env[var]
        cookies = dict(values.get("cookies", {}))
        for var, value in env.items():
            if var.startswith("REACH_") and var.endswith("_COOKIES") and value:
                cookies[var[len("REACH_") : -len("_COOKIES")].lower()] = value
        values["cookies"] = cookies
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls._validated(values)

    @classmethod
    def _validated(cls, values: dict[str, Any]) -> Settings:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        key = values.get("youtube_api_key")
        if key == "":
            values["youtube_api_key"] = None  # an empty key is no key
        elif key is not None and (not isinstance(key, str) or any(c.isspace() for c in key)):
            raise ConfigError(
                "youtube_api_key (or REACH_YOUTUBE_API_KEY) must be the key as text in quotes, e.g. "
                'youtube_api_key = "AIza…" (one line, no spaces)'
            )
        try:
            if values.get("db") is not None:
                if str(values["db"]).startswith("ducklake:"):
                    from .lake import refuse_password

                    refuse_password(str(values["db"]))  # never shown by `config show`, doctor, cron lines
                values["db"] = Path(str(values["db"])).expanduser()
            if values.get("data_path") is not None:
                values["data_path"] = Path(str(values["data_path"])).expanduser()
            if not isinstance(values["cookies"], Mapping):
                raise ConfigError('[cookies] must be a table of platform = "path/to/cookies.txt"')
            for platform, file in values["cookies"].items():
                if not isinstance(file, (str, Path)) or not str(file).strip():
                    raise ConfigError(f"cookies for {platform}: {file!r} is not a file path; give the cookies.txt path")
            values["cookies"] = {str(k): Path(str(v)).expanduser() for k, v in values["cookies"].items()}
            values["min_interval"] = {str(k): float(v) for k, v in dict(values.get("min_interval", {})).items()}
            for key in ("timeout", "retry_backoff", "max_retry_wait", "lock_timeout"):
                if key in values:
                    values[key] = float(values[key])
            if values.get("schedule") is not None:
                values["schedule"] = str(values["schedule"])
            if "retries" in values:
                values["retries"] = int(values["retries"])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"invalid setting value: {exc}") from None
        numbers = [("min_interval " + k, v) for k, v in values["min_interval"].items()]
        numbers += [(k, values[k]) for k in ("timeout", "retry_backoff", "max_retry_wait", "lock_timeout", "retries")
                    if k in values]  # fmt: skip
        for name, number in numbers:
            if not math.isfinite(number) or number < 0:
                raise ConfigError(f"{name} = {number!r}: use a number of seconds (or tries) of 0 or more")
        lang = str(values.get("lang", "en")).lower()[:2]
        if lang not in ("zh", "en"):
            raise ConfigError(f"unknown language {values.get('lang')!r}: use zh or en")
        values["lang"] = lang
        check_timezone(str(values.get("timezone", "UTC")))
        campaigns = values.get("campaigns", {})
        if not isinstance(campaigns, Mapping) or not all(isinstance(t, Mapping) for t in campaigns.values()):
            raise ConfigError('[campaigns] must hold one table per campaign, e.g. [campaigns."禁毒宣传"]')
        for name, table in campaigns.items():
            unknown_keys = sorted(set(table) - {"schedule", "alerts"})
            if unknown_keys:
                raise ConfigError(
                    f"[campaigns.{name!r}]: unknown key(s) {', '.join(unknown_keys)}; known: alerts, schedule"
                )
        settings = cls(**values)
        settings.schedules()  # a schedule that cannot be read is a config error now, not at 3 a.m.
        return settings


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    return dict(data)


# -- `reach config show` ---------------------------------------------------------------------------

# "alert": a REACH_ALERT_URL pasted without its https:// is still a robot's key
SECRET_SETTING = ("key", "token", "secret", "password", "cookie", "webhook", "sign", "auth", "alert")
"""A setting whose name holds one of these words is a secret: shown only as ``set (from …)``."""
_ENV_OF = {
    "db": "REACH_DB",
    "data_path": "REACH_DATA_PATH",
    "timezone": "REACH_TZ",
    "lang": "REACH_LANG",
    "youtube_api_key": "REACH_YOUTUBE_API_KEY",
    "lock_timeout": "REACH_LOCK_TIMEOUT",
}


def cookie_file_summary(path: Path, now: float | None = None) -> dict[str, Any]:
    """What a cookies.txt holds, without a single cookie value.

    Returns ``{"path", "present", "cookies" (count or None), "expired" (count or None),
    "earliest_expiry" ("YYYY-MM-DD" UTC or None: only session cookies), "private" (not readable by
    group/others; None off POSIX or when missing), "problem" (None, or why it cannot be used)}``.
    """
    import http.cookiejar
    import time
    from datetime import datetime, timezone

    out: dict[str, Any] = {"path": str(path), "present": path.is_file(), "cookies": None, "expired": None,
                           "earliest_expiry": None, "private": None, "problem": None}  # fmt: skip
    if not out["present"]:
        out["problem"] = "the file does not exist" if not path.exists() else "not a file"
        return out
    if os.name == "posix":
        out["private"] = not (path.stat().st_mode & 0o077)
    jar = http.cookiejar.MozillaCookieJar(str(path))
    try:
        jar.load(ignore_discard=True, ignore_expires=True)
    except (OSError, http.cookiejar.LoadError, UnicodeDecodeError) as exc:
        out["problem"] = f"cannot be read as a Netscape cookies.txt file ({type(exc).__name__})"
        return out
    stamp = time.time() if now is None else now
    expiries = [c.expires for c in jar if c.expires]
    out["cookies"] = len(jar)
    out["expired"] = sum(1 for e in expiries if e < stamp)
    if expiries:
        out["earliest_expiry"] = datetime.fromtimestamp(min(expiries), timezone.utc).strftime("%Y-%m-%d")
    if not len(jar):
        out["problem"] = "holds no cookies"
    return out


def _is_secret_name(name: str) -> bool:
    return any(word in name.lower() for word in SECRET_SETTING)


def _masked(value: Any, name: str = "", hide: bool = False) -> Any:
    """``value`` with secrets replaced: links → ``"set (https://host/…)"``; strings under a
    secret-named key or inside an ``alerts`` table (webhook URLs, tokens) → ``"set"``."""
    hide = hide or _is_secret_name(name) or name == "alerts"
    if isinstance(value, Mapping):
        return {str(k): _masked(v, str(k), hide) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(v, name, hide) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    if "://" in text:  # a webhook or any link: its path and query may hold a token
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(text.strip())
            shown = f"set ({parts.scheme}://{parts.hostname}/…)" if parts.hostname else "set"
        except ValueError:
            shown = "set"
        return shown
    if hide:
        return "set" if text else "not set"
    return text


def effective_config(
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    db: Path | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The effective configuration for ``reach config show``, every secret masked.

    ``config_file``/``db``: what ``--config``/``--db`` gave (``None``: not given). Returns a plain,
    JSON-ready dict: ``config_file`` and ``db`` (``path``, ``exists``, ``from``), ``timezone``,
    ``lang`` (``value``, ``from``), ``youtube_api_key`` (``"set (from REACH_YOUTUBE_API_KEY)"``,
    ``"set (from config file)"`` or ``"not set"``: never any part of the key), ``cookies`` (per
    platform: :func:`cookie_file_summary` plus ``from``; never a cookie value), the politeness and
    retry numbers, ``schedule``, ``campaigns`` (links and secret-named values masked), any other
    setting (secret-named ones masked) and ``environment``: the other ``REACH_*`` variables set
    (``REACH_ALERT_URL`` as ``"set (https://host/…)"``).

    Raises:
        ConfigError: the config file or a ``REACH_*`` variable is invalid (as for every command).
    """
    env = os.environ if env is None else env
    settings = Settings.load(config_file=config_file, env=env, db=db)
    if config_file is not None:
        path, path_from = config_file, "--config"
    elif env.get("REACH_CONFIG"):
        path, path_from = Path(env["REACH_CONFIG"]), "REACH_CONFIG"
    else:
        path, path_from = default_config_path(), "default"
    in_file = _read_toml(path) if path.exists() else {}

    def origin(key: str, given: Any = None, fallback: str = "default") -> str:
        var = _ENV_OF.get(key)
        if given is not None:
            return var if var and env.get(var) == str(given) else f"--{key}"
        if var and env.get(var):
            return var
        return "config file" if key in in_file else fallback

    out: dict[str, Any] = {
        "config_file": {"path": str(path), "exists": path.exists(), "from": path_from},
        "db": {"path": str(settings.db_path), "exists": _db_exists(settings.db_path), "from": origin("db", db)},
        "timezone": {"value": settings.timezone, "from": origin("timezone", fallback="system")},
        "lang": {"value": settings.lang, "from": origin("lang", fallback="system")},
    }
    key_from = origin("youtube_api_key")
    out["youtube_api_key"] = f"set (from {key_from})" if settings.youtube_api_key else "not set"
    file_cookies = in_file.get("cookies", {}) if isinstance(in_file.get("cookies"), Mapping) else {}
    cookies: dict[str, Any] = {}
    for platform, cookie_path in sorted(settings.cookies.items()):
        var = f"REACH_{platform.upper()}_COOKIES"
        source = var if env.get(var) else ("config file" if platform in file_cookies else "settings")
        cookies[platform] = {**cookie_file_summary(cookie_path, now), "from": source}
    out["cookies"] = cookies
    default, _ = settings.schedules()
    done = {"db", "timezone", "lang", "youtube_api_key", "cookies", "campaigns", "schedule"}
    for name in Settings.__dataclass_fields__:
        if name not in done:
            out[name] = _masked(getattr(settings, name), name)
    out["schedule"] = {"value": default.text, "from": origin("schedule")}
    out["campaigns"] = _masked(settings.campaigns)
    known = {*_ENV_OF.values(), "REACH_CONFIG"}
    out["environment"] = {  # other REACH_* variables (REACH_ALERT_URL, REACH_DEBUG, …): links and secrets masked
        var: _masked(value, var)
        for var, value in sorted(env.items())
        if var.startswith("REACH_") and var not in known and not var.endswith("_COOKIES")
    }
    return out


def config_lines(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """:func:`effective_config`'s dict as ``(name, text)`` lines for a terminal (nested names dotted)."""
    lines: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and "path" in value and ("present" in value or "exists" in value):
            lines.append((name, _path_text(value)))
        elif isinstance(value, Mapping) and set(value) == {"value", "from"}:
            lines.append((name, f"{value['value']} (from {value['from']})"))
        elif isinstance(value, Mapping) and value:
            lines += config_lines(value, prefix=f"{name}.")
        elif isinstance(value, Mapping):
            lines.append((name, "none"))
        else:
            lines.append((name, "none" if value is None else str(value)))
    return lines


def _db_exists(db: Path) -> bool:
    """Whether the database is there: a file, or a DuckLake's SQLite catalog file (a PostgreSQL
    catalog cannot be told without connecting: ``False``)."""
    text = str(db)
    if text.startswith("ducklake:sqlite:"):
        return Path(text[len("ducklake:sqlite:") :].strip()).expanduser().exists()
    return db.exists() and not text.startswith("ducklake:")


def _path_text(value: Mapping[str, Any]) -> str:
    if "exists" in value:
        state = "exists" if value["exists"] else "does not exist yet"
        return f"{value['path']} ({state}; from {value['from']})"
    facts = [f"from {value['from']}"]
    if value.get("problem"):
        facts.insert(0, str(value["problem"]))
    else:
        facts.insert(0, f"{value['cookies']} cookie(s)")
        if value.get("expired"):
            facts.insert(1, f"{value['expired']} expired")
        if value.get("earliest_expiry"):
            facts.insert(1, f"earliest expiry {value['earliest_expiry']}")
    if value.get("private") is False:
        facts.append(f"READABLE BY OTHERS: chmod 600 {value['path']}")
    return f"{value['path']} ({', '.join(facts)})"
