"""Keep secrets out of every text `reach` shows or stores.

Settings register the YouTube API key when they are made; the HTTP layer registers every cookie
value it loads or is sent. :func:`redact` then replaces them with ``***`` in outcome messages (printed
and stored in ``run_outcomes``), titles, CLI error lines and ``--write-pages`` dumps, whatever the
platform echoed back: as sent, percent-encoded or decoded, JSON- or HTML-escaped, in any letter case.

:func:`scrub_url` masks the values of query parameters that carry credentials (``key=``,
``access_token=``, ``xsec_token=``, …) and drops userinfo and fragments; :func:`private_file` creates
a file only its owner can read.
"""

from __future__ import annotations

import html
import json
import os
import re
import stat
from pathlib import Path
from urllib.parse import parse_qsl, quote, quote_plus, unquote, unquote_plus, urlencode, urlsplit, urlunsplit

MASK = "***"
MIN_SECRET = 6
_SECRETS: set[str] = set()
_pattern: re.Pattern[str] | None = None

SECRET_PARAM = re.compile(r"key|token|secret|ticket|sign|auth|pass|session|sessdata|cookie|bogus|^uin$|^sid$", re.I)
"""Query parameter names whose values are credentials or per-user tokens (``key``, ``access_token``,
``xsec_token``, ``pass_ticket``, ``signature``, ``msToken``, ``a_bogus``, …)."""


def _forms(value: str) -> set[str]:
    """The spellings a page may echo a secret in: as sent, percent-decoded or (re-)encoded, JSON
    escaped (also with ``\\/``), HTML escaped."""
    forms: set[str] = set()
    for base in {value, unquote(value), unquote_plus(value)}:
        escaped = json.dumps(base)[1:-1]
        forms |= {
            base,
            quote(base, safe=""),
            quote(base),
            quote_plus(base),
            escaped,
            escaped.replace("/", "\\/"),
            json.dumps(base, ensure_ascii=False)[1:-1],
            html.escape(base),
        }
    return {f for f in forms if len(f) >= MIN_SECRET}


def register_secret(value: str | None) -> None:
    """Remember a secret (API key, cookie value) so that :func:`redact` removes it from any text.

    Values shorter than 6 characters are not registered: they would blank out ordinary words.
    """
    global _pattern
    if value and len(value) >= MIN_SECRET and value not in _SECRETS:
        _SECRETS.add(value)
        _SECRETS.update(_forms(value))
        _pattern = None


def tail(secret: str) -> str:
    """A secret fit to show: ``…`` and its last 4 characters when it has 12 or more (enough to tell two
    keys apart, too few to guess), else only ``…``."""
    return "…" + secret[-4:] if len(secret) >= 12 else "…"


def redact(text: str) -> str:
    """``text`` with every registered secret (in any of its spellings, any letter case) replaced by ``***``."""
    global _pattern
    if not _SECRETS or not text:
        return text
    if _pattern is None:
        alternatives = sorted(_SECRETS, key=len, reverse=True)  # the longest spelling first
        _pattern = re.compile("|".join(re.escape(s) for s in alternatives), re.IGNORECASE)
    return _pattern.sub(MASK, text)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """``text`` from a platform made safe to store and show: secrets redacted (:func:`redact`) and
    control characters other than tab and line breaks removed (an ``ESC`` in a title must not
    drive the terminal that prints it: colours, cursor moves, the clipboard via OSC 52)."""
    return _CONTROL.sub("", redact(text))


def scrub_url(url: str) -> str:
    """``url`` safe to show or save: credential parameters masked (``key=***``), userinfo and
    fragment dropped, any registered secret elsewhere redacted. Never raises."""
    try:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
    except ValueError:
        return redact(url.split("?", 1)[0].split("#", 1)[0])
    masked = [(k, MASK if SECRET_PARAM.search(k) and v else v) for k, v in query]
    clean = urlunsplit((parts.scheme, host, parts.path, urlencode(masked, safe="*"), ""))
    return redact(clean)


def public_url(url: str, keep: tuple[str, ...] = ("xsec_token",)) -> str:
    """A pasted link as `reach` stores and shows it: credential query parameters (a WeChat link's
    ``key``/``uin``/``pass_ticket``, an ``access_token``, …) dropped, in the query and in a fragment
    (``#access_token=…``); the rest kept
    so it still opens the post. ``keep``: parameters kept although their name looks secret (a
    Xiaohongshu ``xsec_token`` is the link's share token, stored anyway as a fetch parameter).
    Returns ``url`` unchanged when it cannot be read as a link."""
    try:
        parts = urlsplit(url)
        if not parts.scheme or not parts.netloc:
            return url
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return url
    kept = [(k, v) for k, v in query if k in keep or not SECRET_PARAM.search(k)]
    fragment = parts.fragment
    if any(SECRET_PARAM.search(k) for k, _ in parse_qsl(fragment.split("?")[-1], keep_blank_values=True)):
        fragment = ""  # "#access_token=…"
    if len(kept) == len(query) and fragment == parts.fragment and "@" not in parts.netloc:
        return url  # nothing to take out: keep the link exactly as pasted
    return urlunsplit((parts.scheme, host, parts.path, urlencode(kept), fragment))


def secret_params(url: str) -> list[str]:
    """The values of ``url``'s credential query parameters (to take out of what the page says back)."""
    try:
        query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    except ValueError:
        return []
    return [v for k, v in query if SECRET_PARAM.search(k) and len(v) >= MIN_SECRET]


def private_file(path: str | Path, *, new: bool = False) -> int:
    """Create (or truncate) ``path`` for writing, readable and writable by its owner only (0600 on
    POSIX, whatever the umask), and return the open file descriptor.

    A regular file that already exists is truncated and set to 0600 before anything is written, so
    there is no moment at which its new content can be read by others (a device such as
    ``/dev/stdout`` is written to as it is). ``new=True``: the file must not exist yet, and is not
    reached through a symbolic link.

    Raises:
        OSError: the file cannot be created or opened (``FileExistsError`` with ``new``).
    """
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0)
    flags |= (os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)) if new else os.O_TRUNC
    fd = os.open(path, flags, 0o600)
    if os.name == "posix" and stat.S_ISREG(os.fstat(fd).st_mode):
        try:
            os.fchmod(fd, 0o600)
        except OSError:  # pragma: no cover - file systems without modes (some network mounts)
            pass
    return fd


def private_dir(path: str | Path) -> Path:
    """Create folder ``path`` (and its parents) with mode 0700 when it does not exist yet; an existing
    folder is left as it is (it may be the user's working folder).

    Raises:
        OSError: it cannot be created, or exists and is not a folder.
    """
    path = Path(path)
    if not path.is_dir():
        path.mkdir(parents=True, mode=0o700)
        if os.name == "posix":
            os.chmod(path, 0o700)  # mkdir's mode is masked by the umask
    return path
