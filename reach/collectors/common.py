"""Small pure helpers shared by collectors' ``parse`` functions."""

from __future__ import annotations

import json
import re
import warnings
from datetime import datetime, timezone
from typing import Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

from ..counts import parse_count
from ..errors import Blocked, NetworkError, ParseError, RateLimited, Unavailable
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


# -- state embedded in HTML pages -------------------------------------------------------------

_DECODER = json.JSONDecoder()
_JS_LITERALS = re.compile(r'"(?:[^"\\]|\\.)*"|\bundefined\b|\bNaN\b|-?\bInfinity\b', re.DOTALL)


def _js_to_json(text: str) -> str:
    """JavaScript object text as JSON: bare ``undefined``/``NaN``/``Infinity`` (outside strings)
    become ``null``. Strings are left untouched."""
    return _JS_LITERALS.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "null", text)


def decode_js_value(text: str, start: int = 0) -> Any:
    """The JSON (or JSON-like JavaScript) value that starts at ``text[start]`` (after whitespace).

    Raises:
        ValueError: no well-formed value there.
    """
    while start < len(text) and text[start].isspace():
        start += 1
    try:
        value, _ = _DECODER.raw_decode(text, start)
        return value
    except ValueError:
        value, _ = _DECODER.raw_decode(_js_to_json(text[start:]))
        return value


def soup_of(html: str) -> BeautifulSoup:
    """A page parsed by BeautifulSoup (``html.parser``), quietly: a body that merely looks like a URL
    or a file name is still parsed as markup, without BeautifulSoup's warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(html, "html.parser")


def scripts(html: str) -> list[tuple[dict[str, str], str]]:
    """Every ``<script>`` of a page as ``(attributes, text)``, parsed by BeautifulSoup."""
    soup = soup_of(html)
    out: list[tuple[dict[str, str], str]] = []
    for tag in soup.find_all("script"):
        attrs = {k: (" ".join(v) if isinstance(v, list) else str(v)) for k, v in tag.attrs.items()}
        out.append((attrs, tag.string or ""))
    return out


def script_by_id(html: str, script_id: str) -> str | None:
    """The text of ``<script id="script_id">``, or ``None`` when the page has none."""
    for attrs, text in scripts(html):
        if attrs.get("id") == script_id:
            return text
    return None


def js_assignment(html: str, name: str) -> Any:
    """The value assigned to a JavaScript variable in a page's scripts
    (``window.__INITIAL_STATE__ = {...}``, ``var ytInitialPlayerResponse = {...};``).

    Returns ``None`` when no script assigns ``name``.

    Raises:
        ValueError: a script assigns ``name`` but the value is not decodable.
    """
    pattern = re.compile(r"(?:^|[\s;,(])(?:window\.|var\s+|let\s+|const\s+|self\.)?" + re.escape(name) + r"\s*=\s*")
    sources = [text for _, text in scripts(html) if name in text] or ([html] if name in html else [])
    error: ValueError | None = None
    for source in sources:
        for m in pattern.finditer(source):
            try:
                return decode_js_value(source, m.end())
            except ValueError as exc:
                error = exc
    if error is not None:
        raise error
    return None


# -- HTTP status of an answer that is not the platform's own error envelope ---------------------


def raise_for_http_status(
    status: int,
    platform: str,
    *,
    blocked: tuple[int, ...] = (403, 412, 461),
    advice: str = "wait before retrying",
    gone: str | None = None,
    ok: tuple[int, ...] = (200,),
) -> None:
    """Raise the outcome an HTTP status stands for; return for the ``ok`` statuses.

    Args:
        status: the HTTP status of the answer.
        platform: the platform's name as people write it ("Douyin"), for the message.
        blocked: statuses this platform uses to refuse a client (anti-bot): ``Blocked``.
        advice: what to do when blocked.
        gone: the message for 404/410 when they mean the post is gone (``Unavailable``); when
            ``None``, a 404/410 means the endpoint moved (``ParseError``).

    Raises:
        Blocked, RateLimited (429), Unavailable (404/410 with ``gone``), NetworkError (5xx),
        ParseError (anything else).
    """
    if status in ok:
        return
    if status in blocked:
        raise Blocked(f"{platform} refused the request (HTTP {status}); {advice}", http_status=status)
    if status == 429:
        raise RateLimited(f"{platform} says too many requests (HTTP 429); try again later", http_status=429)
    if status in (404, 410):
        if gone is not None:
            raise Unavailable(f"{gone} (HTTP {status})", http_status=status)
        raise ParseError(f"{platform} answered HTTP {status}: the API moved", http_status=status)
    if status >= 500:
        raise NetworkError(f"{platform} server error (HTTP {status}); try again later", http_status=status)
    raise ParseError(f"unexpected HTTP {status} from {platform}; nothing recorded", http_status=status)
