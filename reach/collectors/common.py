"""Small pure helpers shared by collectors' ``parse`` functions."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..counts import parse_count
from ..models import Count


def dig(obj: Any, *path: str | int) -> Any:
    """``obj[p0][p1]...`` or ``None`` as soon as a step is missing or of the wrong type."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(obj, list) or not -len(obj) <= step < len(obj):
                return None
        elif not isinstance(obj, dict):
            return None
        obj = obj[step] if isinstance(step, int) else obj.get(step)
    return obj


def json_count(value: Any) -> Count | None:
    """A counter from a JSON value: a non-negative int is exact; a string goes through
    :func:`reach.parse_count` (``"1.2万"``, ``"--"``); anything else (absent, negative,
    bool, float noise) is ``None``: not shown."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Count.exact(value) if value >= 0 else None
    if isinstance(value, str):
        return parse_count(value)
    return None


def count_field(obj: Any, key: str, label: str, warnings: list[str]) -> Count | None:
    """``json_count(obj[key])``, noting in ``warnings`` when the platform did not show it."""
    present = isinstance(obj, dict) and key in obj
    count = json_count(obj.get(key)) if isinstance(obj, dict) else None
    if count is None or count.value is None:
        why = "absent" if not present else f"not a count ({obj.get(key)!r})"
        warnings.append(f"{label} not shown ({key} {why})")
        return None
    return count


def utc_from_unix(value: Any) -> datetime | None:
    """A unix timestamp in seconds (int or numeric string) as tz-aware UTC; ``None`` for 0,
    negatives and junk (0 is "unknown" on every platform we read)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def utc_from_iso(value: Any) -> datetime | None:
    """An ISO 8601 time with an offset or ``Z`` as tz-aware UTC; ``None`` when absent or without a
    time zone (a date alone is not an instant)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(timezone.utc)


def text_or_none(value: Any) -> str | None:
    """A non-empty stripped string, else ``None``."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None
