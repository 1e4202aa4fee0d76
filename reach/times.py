"""Times as platforms and exports show them, turned into instants (tz-aware UTC datetimes).

Everything `reach` stores is UTC. Platforms show times in many forms:

* unix timestamps in seconds or milliseconds (ints or digit strings);
* ISO 8601 with an offset or ``Z`` (``2023-03-05T17:30:00-08:00``);
* Weibo's ``Tue Apr 02 10:44:29 +0800 2024``;
* local wall-clock times without a zone: ``2024-04-02 10:44``, ``2024/04/02 10:44:29``,
  ``2026年04月12日13时43分03秒``, ``04-12 13:43``, ``4月12日``;
* relative times: ``刚刚``, ``3分钟前``, ``3小时前``, ``2天前``, ``昨天 14:02``, ``前天 09:15``,
  ``今天 08:00``, ``14:02``, ``3 hours ago``, ``yesterday``.

Local and relative forms are read in the platform's zone (``Asia/Shanghai`` for Chinese platforms)
against ``now`` (the snapshot time), so "昨天 14:02" seen at 00:30 Beijing time is the day before in
Beijing, whatever the machine's zone. A date without a year is the most recent such date not after
``now``. A date without a time is the start of that day in the zone (day precision).

:func:`parse_time` returns ``None`` for anything it cannot place on the time line (it never guesses
a zone for an ISO time without one, and never returns a time after ``now`` for a relative form).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BEIJING_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"})
"""Time zone names of Beijing time (printed 北京时间 in Chinese)."""


def zone_label(zone: str, lang: str) -> str:
    """A time zone as people read it: 北京时间 for China's zones in Chinese, else the IANA name."""
    return "北京时间" if lang == "zh" and zone in BEIJING_ZONES else zone


CHINA = "Asia/Shanghai"
"""The zone Chinese platforms show local times in."""

_MS_THRESHOLD = 10**11  # unix seconds reach this in the year 5138; milliseconds did in 1973
_MAX_UNIX_S = 253402300799  # 9999-12-31T23:59:59Z

_WEIBO = re.compile(
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<mon>[A-Z][a-z]{2}) (?P<d>\d{1,2}) (?P<t>\d{1,2}:\d{2}:\d{2}) "
    r"(?P<off>[+-]\d{4}) (?P<y>\d{4})$",
    re.ASCII,
)
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}
_CLOCK = r"(?P<h>\d{1,2})(?::|时|點|点)(?P<mi>\d{1,2})(?:(?::|分)(?P<s>\d{1,2})(?:秒)?)?(?:分)?"
_FULL_DATE = re.compile(
    r"^(?P<y>\d{4})(?:-|/|\.|年)(?P<mo>\d{1,2})(?:-|/|\.|月)(?P<d>\d{1,2})日?"
    r"(?:[\sTt]*(?P<h>\d{1,2})(?::|时|點|点)(?P<mi>\d{1,2})(?:(?::|分)(?P<s>\d{1,2})(?:\.\d+)?秒?|分)?)?$",
    re.ASCII,
)
_SHORT_DATE = re.compile(r"^(?P<mo>\d{1,2})(?:-|/|月)(?P<d>\d{1,2})日?(?:\s*" + _CLOCK + r")?$", re.ASCII)
_CLOCK_ONLY = re.compile(r"^" + _CLOCK + r"$", re.ASCII)
_AGO_ZH = re.compile(r"^(?P<n>\d+)\s*(?P<unit>秒|分钟|分鐘|小时|小時|天|周|星期)前$", re.ASCII)
_AGO_EN = re.compile(r"^(?P<n>\d+|an?|one)\s+(?P<unit>second|minute|hour|day|week)s?\s+ago$", re.IGNORECASE | re.ASCII)
_DAY_WORD = re.compile(r"^(?P<word>今天|昨天|前天|today|yesterday)(?:\s*" + _CLOCK + r")?$", re.IGNORECASE | re.ASCII)
_UNITS = {
    "秒": 1,
    "second": 1,
    "分钟": 60,
    "分鐘": 60,
    "minute": 60,
    "小时": 3600,
    "小時": 3600,
    "hour": 3600,
    "天": 86400,
    "day": 86400,
    "周": 7 * 86400,
    "星期": 7 * 86400,
    "week": 7 * 86400,
}
_DAYS_BACK = {"今天": 0, "today": 0, "昨天": 1, "yesterday": 1, "前天": 2}


def zone_of(zone: str | tzinfo) -> tzinfo:
    """A tzinfo from an IANA name (``"Asia/Shanghai"``) or a tzinfo.

    Raises:
        ValueError: an unknown zone name.
    """
    if isinstance(zone, tzinfo):
        return zone
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {zone!r}: use an IANA name such as Asia/Shanghai") from None


def from_unix(value: object) -> datetime | None:
    """A unix timestamp in seconds or milliseconds (int, or a string of digits) as UTC.

    ``0``, negatives, booleans and values beyond the year 9999 are ``None`` (platforms send 0 for
    "unknown").
    """
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,20}", value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    seconds = value / 1000 if value >= _MS_THRESHOLD else value
    if seconds > _MAX_UNIX_S:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def parse_time(
    value: object,
    *,
    now: datetime | None = None,
    zone: str | tzinfo = CHINA,
) -> datetime | None:
    """The instant a platform's time value names, as a tz-aware UTC datetime, or ``None``.

    Args:
        value: a unix timestamp (s or ms), a datetime, or a string in any form listed in the module
            docstring.
        now: the moment the value was seen (the snapshot time); needed for relative forms and dates
            without a year (default: the current time).
        zone: the zone local forms are written in (default ``Asia/Shanghai``).

    Raises:
        ValueError: ``zone`` is not a known time zone.
    """
    tz = zone_of(zone)
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc) if value.tzinfo is not None else None
    if not isinstance(value, str):
        return from_unix(value)
    text = " ".join(unicodedata.normalize("NFKC", value).split())
    if not text:
        return None
    if re.fullmatch(r"[0-9]+", text):
        return from_unix(text)
    current = (now or datetime.now(timezone.utc)).astimezone(tz)
    for reader in (_read_iso, from_weibo):
        found = reader(text)
        if found is not None:
            return found
    local = _read_local(text, current)
    if local is None:
        return None
    return local.replace(tzinfo=tz).astimezone(timezone.utc) if local.tzinfo is None else local


def _read_iso(text: str) -> datetime | None:
    if not re.match(r"^\d{4}-\d{2}-\d{2}T", text):
        return None
    candidate = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    return parsed.astimezone(timezone.utc) if parsed.tzinfo is not None else None


def from_weibo(value: object) -> datetime | None:
    """Weibo's ``"Tue Apr 02 10:44:29 +0800 2024"`` (English names whatever the locale) as UTC;
    ``None`` for anything else."""
    if not isinstance(value, str):
        return None
    m = _WEIBO.match(value.strip())
    if not m or m.group("mon") not in _MONTHS:
        return None
    off = m.group("off")
    minutes = int(off[1:3]) * 60 + int(off[3:5])
    offset = timezone(timedelta(minutes=minutes if off[0] == "+" else -minutes))
    h, mi, s = (int(p) for p in m.group("t").split(":"))
    try:
        local = datetime(int(m.group("y")), _MONTHS[m.group("mon")], int(m.group("d")), h, mi, s, tzinfo=offset)
    except ValueError:
        return None
    return local.astimezone(timezone.utc)


def _clock(m: re.Match[str]) -> time | None:
    if m.group("h") is None:
        return time(0, 0)
    h, mi, s = int(m.group("h")), int(m.group("mi")), int(m.group("s") or 0)
    if h > 23 or mi > 59 or s > 59:
        return None
    return time(h, mi, s)


def _read_local(text: str, now: datetime) -> datetime | None:
    """A wall-clock time in ``now``'s zone (naive result), or an aware one for relative forms."""
    if text.lower() in ("刚刚", "刚才", "just now"):
        return now.astimezone(timezone.utc)
    m = _AGO_ZH.match(text) or _AGO_EN.match(text)
    if m:
        n_text = m.group("n").lower()
        n = 1 if n_text in ("a", "an", "one") else int(n_text)
        unit = m.group("unit").lower()
        try:
            return now.astimezone(timezone.utc) - timedelta(seconds=n * _UNITS[unit])
        except OverflowError:
            return None
    m = _DAY_WORD.match(text)
    if m:
        at = _clock(m)
        if at is None:
            return None
        back = now.date() - timedelta(days=_DAYS_BACK[m.group("word").lower()])
        return _not_after(datetime.combine(back, at), now)
    m = _CLOCK_ONLY.match(text)
    if m:
        at = _clock(m)
        return None if at is None else _not_after(datetime.combine(now.date(), at), now)
    if re.match(r"\d{4}-\d{2}-\d{2}T", text):
        return None  # a machine time without its zone: never guessed
    try:
        found = read_wall_clock(text)
    except ValueError:
        return None
    if found is not None:
        on, at_time = found
        return datetime.combine(on, at_time or time(0, 0))
    m = _SHORT_DATE.match(text)
    if m:
        at = _clock(m)
        if at is None:
            return None
        for year in (now.year, now.year - 1):
            day = _date(year, int(m.group("mo")), int(m.group("d")))
            if day is not None and datetime.combine(day, at) <= now.replace(tzinfo=None):
                return datetime.combine(day, at)
        return None
    return None


def read_wall_clock(text: str) -> tuple[date, time | None] | None:
    """A calendar date with an optional time of day, written without a zone: ``2026-04-12``,
    ``2026/4/12 13:43``, ``2026.04.12T13:43:03.5``, ``2026年04月12日13时43分03秒``, ``2026年4月12日 13:43``.

    Returns ``(date, time or None)``; ``None`` when the text is not in one of these forms. The
    caller decides the zone (and whether a date alone is enough).

    Raises:
        ValueError: the form is right but the date or time does not exist (``2026-02-30``, ``25:00``).
    """
    m = _FULL_DATE.match(" ".join(unicodedata.normalize("NFKC", text).split()))
    if m is None:
        return None
    day = date(int(m.group("y")), int(m.group("mo")), int(m.group("d")))
    if m.group("h") is None:
        return day, None
    return day, time(int(m.group("h")), int(m.group("mi")), int(m.group("s") or 0))


def _date(y: int, mo: int, d: int) -> date | None:
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def _not_after(local: datetime, now: datetime) -> datetime | None:
    """A naive local time, refused when it lies after ``now`` (a relative form names the past)."""
    return local if local <= now.replace(tzinfo=None) else None


__all__ = ["CHINA", "from_unix", "from_weibo", "parse_time", "read_wall_clock", "zone_of"]
