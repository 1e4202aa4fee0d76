"""From what staff paste (a link, an app's share text, a bare id, a ``platform:id`` key) to a
:class:`~reach.models.PostRef`, offline, through the collector registry.

Share texts carry titles in 【】, emoji, invisible characters and full-width punctuation around a
link: :func:`extract_urls` finds the links; :func:`identify` returns the first that names a post of a
supported platform. Only the post id is taken from a pasted link: `reach` never requests the pasted
URL itself, except a platform's own short link (resolved within that platform's hosts).
"""

from __future__ import annotations

import re
import string
from urllib.parse import urlsplit, urlunsplit

from .collectors import Collector, all_collectors, get_collector, platforms
from .errors import NeedsResolution, UnsupportedURL
from .models import PostRef

_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_STOP = "\\s\"'<>|`^{}\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"  # CJK and full-width end a link
_URL = re.compile(rf"(?:https?://|(?<![\w+.-]:)//)[^{_STOP}]+", re.IGNORECASE)  # not ftp://, file://
_BARE_HOST_URL = re.compile(rf"(?<![\w.@/-])(?:[a-z0-9-]+\.)+(?:com|cn|tv|be|io|us)/[^{_STOP}]*", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\"…"
_ALIASES = {"xigua": "toutiao"}  # Xigua videos are Toutiao posts (same id)
_KEY = re.compile(r"^(?P<platform>[a-z_]+):(?P<id>[0-9A-Za-z_-]+)$")


_URL_FULLWIDTH = {chr(0xFF00 + ord(c) - 0x20): c for c in "0123456789:/.?=&%_-~#@+" + string.ascii_letters}


def clean_text(text: str) -> str:
    """Drop invisible format characters and fold full-width letters, digits and URL punctuation
    (``ｈｔｔｐｓ：／／``) to ASCII. Full-width prose punctuation (``，！（）``) stays: it ends a link."""
    text = _INVISIBLE.sub("", text)
    return "".join(_URL_FULLWIDTH.get(ch, ch) for ch in text)


def _normalize(url: str) -> str:
    url = url.rstrip(_TRAILING)
    if url.startswith("//"):
        url = "https:" + url
    elif not re.match(r"^https?://", url, re.IGNORECASE):
        url = "https://" + url
    parts = urlsplit(url)
    netloc = parts.netloc.lower()
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


def extract_urls(text: str) -> list[str]:
    """Every web link in ``text``, in order, normalised (scheme added, scheme and host lower-cased)."""
    text = clean_text(text)
    found = [_normalize(m.group(0)) for m in _URL.finditer(text)]
    if not found:
        found = [_normalize(m.group(0)) for m in _BARE_HOST_URL.finditer(text)]
    return [u for u in found if urlsplit(u).hostname]


def match_url(url: str) -> PostRef | None:
    """The post a single URL names, or ``None``.

    Raises:
        NeedsResolution: it is a platform's short link.
    """
    for collector in all_collectors():
        ref = collector.match(url)
        if ref is not None:
            return ref
    return None


def _match_bare(token: str) -> PostRef | None:
    key = _KEY.match(token)
    if key and _ALIASES.get(key.group("platform"), key.group("platform")) in platforms():
        collector = get_collector(_ALIASES.get(key.group("platform"), key.group("platform")))
        post_id = collector.normalize_id(key.group("id"))
        if post_id is None:
            raise UnsupportedURL(f"{token!r}: {key.group('id')!r} is not a valid {collector.platform} post id")
        return PostRef(collector.platform, post_id, url=collector.canonical_url(post_id))
    if re.fullmatch(r"[Bb][Vv]1[0-9A-Za-z]{9}|[Aa][Vv]\d{1,16}", token):
        bili = get_collector("bilibili")
        post_id = bili.normalize_id(token)
        if post_id is not None:
            return PostRef("bilibili", post_id, url=bili.canonical_url(post_id))
    if _looks_like_video_id(token):
        youtube = get_collector("youtube")
        post_id = youtube.normalize_id(token)
        if post_id is not None:
            return PostRef("youtube", post_id, url=youtube.canonical_url(post_id))
    return None


def _looks_like_video_id(token: str) -> bool:
    """A bare YouTube id, not a word, a phone number or a mistyped BV id: 11 base64url characters
    with both upper- and lower-case letters, not starting like a bilibili id."""
    return (
        re.fullmatch(r"[0-9A-Za-z_-]{11}", token) is not None
        and any(c.isupper() for c in token)
        and any(c.islower() for c in token)
        and token[:2].lower() not in ("bv", "av")
    )


def identify(text: str) -> PostRef:
    """The first supported post in a URL, a pasted share text, a bare id or a ``platform:id`` key.

    Offline: no request is made.

    Raises:
        NeedsResolution: the first supported link is a short link (``b23.tv/AbCdEfG``); resolve it
            online with ``Tracker.add`` / ``reach add``.
        UnsupportedURL: nothing in the text names a post of a supported platform.
    """
    if not isinstance(text, str) or not text.strip():
        raise UnsupportedURL("nothing to identify: paste a post link or the app's share text")
    cleaned = clean_text(text).strip()
    urls = extract_urls(cleaned)
    refused: UnsupportedURL | None = None
    for url in urls:
        try:
            ref = match_url(url)
        except NeedsResolution:
            raise
        except UnsupportedURL as exc:  # a platform's non-post page (a profile): a later link may be the post
            refused = refused or exc
            continue
        if ref is not None:
            return ref
    if refused is not None:
        raise refused
    if not urls:
        ref = _match_bare(cleaned)
        if ref is not None:
            return ref
        key = _KEY.match(cleaned)
        if key is not None:
            raise UnsupportedURL(
                f"{cleaned!r}: unknown platform {key.group('platform')!r}; "
                f"a post key is platform:id with one of {', '.join(platforms())}"
            )
        raise UnsupportedURL(
            f"no post link found in {_preview(text)}: paste the post's link or the app's share text "
            f"(supported: {', '.join(platforms())})"
        )
    hosts = ", ".join(dict.fromkeys(urlsplit(u).hostname or "?" for u in urls))
    known = _platform_of_hosts(urls)
    if known is not None:  # a platform's page that is not a post page: show what a post link looks like
        examples = " or ".join(known.example_urls[:2])
        raise UnsupportedURL(
            f"{hosts}: a {known.platform} page, but not a post link reach can read; "
            f"paste the post's own link, like {examples}"
        )
    raise UnsupportedURL(
        f"{hosts}: not a post link reach supports (supported: {', '.join(platforms())}); "
        "paste the link of the post itself"
    )


def _platform_of_hosts(urls: list[str]) -> Collector | None:
    """The platform whose site the first recognisable link is on (the most specific host wins:
    ``mp.weixin.qq.com`` is WeChat articles, not Channels); API and handshake hosts do not count."""
    from .collectors.base import host_matches

    for url in urls:
        host = urlsplit(url).hostname or ""
        if host.endswith(("googleapis.com", "bytedance.com")):
            continue
        best: tuple[int, Collector] | None = None
        for collector in all_collectors():
            for allowed in collector.hosts:
                if host_matches(host, (allowed,)) and (best is None or len(allowed) > best[0]):
                    best = (len(allowed), collector)
        if best is not None:
            return best[1]
    return None


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= 60 else flat[:57] + "...")


def split_inputs(texts: list[str]) -> list[str]:
    """Split CLI arguments or a pasted block into one entry per line with content."""
    out: list[str] = []
    for text in texts:
        out.extend(line.strip() for line in text.splitlines() if line.strip())
    return out


__all__ = ["NeedsResolution", "UnsupportedURL", "clean_text", "extract_urls", "identify", "match_url", "split_inputs"]
