"""Collector for https://www.xiaohongshu.com/ notes (小红书 / RedNote).

Identity: the canonical post id is the note's 24-hex ``note_id`` (lower-cased), from
``www.xiaohongshu.com/explore/<id>``, ``/discovery/item/<id>``, ``/search_result/<id>``,
``/user/profile/<user id>/<id>``, the same paths on ``m.xiaohongshu.com`` (any subdomain) and on
``rednote.com``. Short links ``xhslink.com/<code>`` (``/a/``, ``/o/``, ``/m/`` …) and ``xhslink.cn``
need a redirect: :meth:`XiaohongshuCollector.resolve` follows it within Xiaohongshu hosts; it ends on
``/discovery/item/<id>?xsec_token=…`` (the note and its token) or on a dead end that is classified
without being requested: ``/404?noteId=…&errorCode=…`` (see the codes below) or
``/website-login/captcha`` (blocked). Pasted ``/404`` and ``/website-login`` links need the same
"resolution" and end the same way.

``xsec_token`` and ``xsec_source`` are fetch parameters (:meth:`fetch_params`, ``PostRef.params``),
never identity: the same note pasted with two tokens is one post. Xiaohongshu checks the token per
note and lets it expire, so a stored link can stop working while the note still exists; adding a fresh
share link (``reach add``) renews the stored token. A link without a token identifies fine, but the
fetch may then fail: the outcome says to paste a fresh share link from the app.

Route: ``GET https://www.xiaohongshu.com/discovery/item/<id>?xsec_token=<token>&xsec_source=pc_share``
(no token: the bare path) with an iPhone User-Agent and the mobile page's same-origin headers, no
redirects followed (one redirect to the same note's page is taken; any other is classified). The page
embeds ``window.__INITIAL_STATE__`` (JavaScript: bare ``undefined`` becomes ``null``). Cookies are
optional (``a1``, ``web_session``, ``webId`` from a cookies.txt). One request at a time, a few seconds
apart: the note page is rate-limited even for real browsers.

Counters (the note object ``N``): ``N.interactInfo.likedCount`` → likes, ``commentCount`` → comments,
``shareCount`` → shares, ``collectedCount`` → favorites. They are **strings**: ``"1655"`` is exact;
``"1.9万"``, ``"3.1w"``, ``"1.2k"`` are approximate counts (raw kept, granularity from the last shown
digit); ``""``, ``"赞"`` or absent is ``None`` with a warning. ``N.title`` (else the first line of
``N.desc``), ``N.user.nickName``/``nickname``, ``N.time`` (ms) → published_at (UTC).
``N`` is found at:

* mobile page (the route): ``noteData.data.noteData`` (error markers ``noteData.hasError`` and
  ``noteData.errorNoteData.show``/``routeQuery.code`` are read first);
* desktop page (a saved ``/explore`` page): ``note.noteDetailMap[<id>].note`` (``note.currentNoteId``);
* signed feed API (a saved ``/api/sns/web/v1/feed`` answer): ``data.items[0].note_card`` with
  snake_case ``interact_info.liked_count`` ….

Not public: **views** do not exist on Xiaohongshu pages at all: ``views`` is always ``None`` with a
warning; only the owner sees them (creator centre export, or manual entry).

Errors → outcomes:

* HTTP 461/471, a 302 or a page pointing to ``/website-login/captcha`` → blocked (captcha);
  401/403 → blocked; an empty body, ``{}`` or a feed answer without items → blocked (an empty answer
  is anti-bot, never a snapshot).
* codes (JSON ``code``, ``errorCode``/``error_code`` in a ``/404`` redirect, the mobile error state):
  ``300012`` (IP restricted), ``300011`` (account restricted), ``300015`` (browser/signature rejected)
  → blocked; ``300017`` "访问链接异常" (xsec_token missing, wrong or expired) → **auth_required**
  (chosen over unavailable: the note is not gone, the user must supply a fresh share link, like an
  expired credential); ``300031`` (note not viewable now), ``-510000`` (note not found),
  ``-510001`` (note state abnormal) → unavailable; ``-100`` (cookie session expired) → auth_required;
  ``300013`` (访问频次异常) → rate_limited; an unknown code is read by its message (验证码 → blocked,
  频繁 → rate_limited, 登录 → auth_required, 不存在/删除 → unavailable), else → parse_error.
* a note answered with an HTTP status other than 200 (401/403 blocked, 404 unavailable, 5xx network
  error, other parse_error) is never a snapshot; a note that does not name itself takes the id of the
  page it came from, which must be the note asked for.
* a state with no note data, ``note.currentNoteId == "undefined"``, or a redirect to the home page →
  auth_required (share token missing or expired: paste a fresh share link).
* "Sorry, This Page Isn't Available Right Now" / "你访问的页面不见了" pages → unavailable (Xiaohongshu
  also shows the first briefly after fast requests: the message says to try later).
* a state or answer for another note id, HTML without ``__INITIAL_STATE__``, unknown codes or shapes →
  parse_error.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import (
    AuthRequired,
    Blocked,
    CollectError,
    NeedsResolution,
    NetworkError,
    ParseError,
    RateLimited,
    Unavailable,
    UnsupportedURL,
)
from ..http import IPHONE_USER_AGENT, Http
from ..models import Count, Metrics, ParsedPost, PostRef
from .base import REDIRECTS, Collector, RawResponse, host_matches
from .common import count_field, decode_js_value, dig, js_assignment, text_or_none

_ID = r"(?P<id>[0-9a-fA-F]{24})(?![0-9A-Za-z])"
_SITE = r"^https?://(?:[\w-]+\.)*(?:xiaohongshu|rednote)\.com"
_SITE_HOSTS = ("xiaohongshu.com", "rednote.com")
_NOTE_PATH = re.compile(r"^/(?:explore|discovery/item|search_result|user/profile/[0-9a-fA-F]{24})/" + _ID)

_TOKEN_ADVICE = (
    "paste a fresh share link of the note from the Xiaohongshu app (分享 → 复制链接) with `reach add`: "
    "its xsec_token lets reach read the note"
)
_VIEWS_NOTE = (
    "views not public on Xiaohongshu (no view count exists on its pages): only the note's owner sees them "
    "(creator centre export, or manual entry)"
)

# code -> (error class, what it means and what to do)
_CODES: dict[int, tuple[type[CollectError], str]] = {
    300011: (Blocked, "Xiaohongshu restricted the account of the cookies in use; try later or without cookies"),
    300012: (Blocked, "Xiaohongshu restricted this network (IP); wait some hours before retrying"),
    300015: (Blocked, "Xiaohongshu rejected the client as abnormal (risk control); wait before retrying"),
    300017: (AuthRequired, "the link's share token (xsec_token) is missing, wrong or expired; " + _TOKEN_ADVICE),
    300031: (
        Unavailable,
        "the note cannot be viewed now (hidden, restricted or removed); check it in the app and retry later",
    ),
    -510000: (Unavailable, "the note does not exist (deleted, or a wrong id)"),
    -510001: (Unavailable, "the note's state is abnormal (hidden or under review); check it in the app"),
    -100: (AuthRequired, "the cookies' login session expired: export fresh Xiaohongshu cookies or remove them"),
    300013: (
        RateLimited,
        "Xiaohongshu says requests are too frequent (访问频次异常); wait before retrying, more slowly",
    ),
}

# words in the message of an unknown code -> (error class, meaning); tried in order
_CODE_WORDS: tuple[tuple[tuple[str, ...], type[CollectError], str], ...] = (
    (("验证码", "captcha", "verify"), Blocked, "Xiaohongshu asks for a verification (captcha); wait some hours"),
    (("频繁", "频次", "too frequent", "too many"), RateLimited, "Xiaohongshu says requests are too frequent; wait"),
    (
        ("登录", "login"),
        AuthRequired,
        "Xiaohongshu wants a login: add Xiaohongshu cookies (web_session) in a cookies.txt, or paste a fresh "
        "share link",
    ),
    (
        ("不存在", "已删除", "删除", "无法浏览", "not found", "deleted"),
        Unavailable,
        "the note cannot be viewed (deleted, hidden or restricted); check it in the app",
    ),
)

_PAGE_TEXTS: tuple[tuple[str, type[CollectError], str], ...] = (
    (
        "this page isn't available",
        Unavailable,
        "Xiaohongshu shows 'Sorry, This Page Isn't Available Right Now' (请打开小红书App扫码查看): the note is "
        "not shown on the web, or this is short-lived risk control after fast requests; try again later and "
        "check the note in the app",
    ),
    ("页面不见了", Unavailable, "Xiaohongshu says the page is gone (你访问的页面不见了): the note was removed"),
    ("当前笔记暂时无法浏览", Unavailable, _CODES[300031][1]),
    ("访问链接异常", AuthRequired, _CODES[300017][1]),
    ("网络连接异常", Blocked, _CODES[300012][1]),
    ("浏览器异常", Blocked, _CODES[300015][1]),
)


def _query(query: str) -> dict[str, str]:
    """Query parameters, first value wins; values are percent-decoded but a ``+`` stays a ``+``
    (share tokens are base64 and may contain one)."""
    out: dict[str, str] = {}
    for part in query.split("&"):
        key, sep, value = part.partition("=")
        if sep and key and key not in out:
            out[key] = unquote(value)
    return out


def _as_code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,9}", value.strip()):
        return int(value.strip())
    return None


def _code_error(code: int, said: str, http_status: int | None) -> CollectError:
    if code in _CODES:
        cls, meaning = _CODES[code]
        return cls(f"{said}: {meaning}", http_status=http_status)
    lowered = said.lower()
    for words, word_cls, meaning in _CODE_WORDS:
        if any(word in lowered for word in words):
            return word_cls(f"{said}: {meaning}", http_status=http_status)
    return ParseError(f"{said}: an error code reach does not know yet; nothing recorded", http_status=http_status)


def _token_error(raw: RawResponse | None, what: str) -> AuthRequired:
    """The share token did not open the note (expired, wrong or missing)."""
    hint = ""
    if raw is not None:
        parts = urlsplit(raw.url)
        if parts.path.startswith("/discovery/item/") and not _query(parts.query).get("xsec_token"):
            hint = " (this note's link carried no xsec_token)"
    return AuthRequired(
        f"{what}: the share token (xsec_token) is missing, wrong or expired{hint}; {_TOKEN_ADVICE}",
        http_status=raw.status if raw is not None else None,
    )


def _is_site(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host_matches(host, _SITE_HOSTS)


def _dead_end(url: str, http_status: int | None = None) -> CollectError | None:
    """The outcome a Xiaohongshu error URL stands for (``/404?…errorCode=``, captcha, login), or ``None``."""
    if not _is_site(url):
        return None
    parts = urlsplit(url)
    path = parts.path.rstrip("/").lower()
    query = _query(parts.query)
    if path.startswith("/website-login/captcha") or path.endswith("/captcha"):
        biz = query.get("verifyBiz") or query.get("verifybiz")
        detail = f" (verifyBiz {biz})" if biz and biz.isdigit() else ""
        return Blocked(
            f"Xiaohongshu answered with a captcha page{detail}: risk control; wait some hours before retrying "
            "(solving it in a browser on this network can help)",
            http_status=http_status,
        )
    if path.startswith("/website-login") or path in ("/login", "/signin"):
        return AuthRequired(
            "Xiaohongshu answered with its login page: add Xiaohongshu cookies (web_session) in a cookies.txt, "
            "or " + _TOKEN_ADVICE,
            http_status=http_status,
        )
    if path == "/404" or path.startswith("/404/"):
        code = _as_code(query.get("errorCode") or query.get("error_code"))
        note = query.get("noteId", "")
        which = f"note {note}" if re.fullmatch(r"[0-9a-fA-F]{24}", note) else "the note"
        if code is None:
            return Unavailable(f"Xiaohongshu sent {which} to its 'page not found' page: the note is gone")
        said = f"Xiaohongshu sent {which} to its error page (code {code})"
        if code not in _CODES:
            return Unavailable(f"{said}: an error code reach does not know; check the note in the app")
        return _code_error(code, said, http_status)
    return None


def _is_home(url: str) -> bool:
    """A redirect to the home/explore feed: what Xiaohongshu does with a note link it will not open."""
    return _is_site(url) and urlsplit(url).path.rstrip("/").lower() in ("", "/explore", "/discovery")


def _note_id_of(url: str) -> str | None:
    if not _is_site(url):
        return None
    m = _NOTE_PATH.match(urlsplit(url).path)
    return m.group("id").lower() if m else None


def _utc_from_ms(value: Any) -> datetime | None:
    """A unix time in milliseconds (seconds also accepted) as tz-aware UTC; ``None`` for 0 and junk."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    ms = value if value >= 10**11 else value * 1000
    try:
        return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=ms)
    except OverflowError:
        return None


def _title(note: dict[str, Any]) -> str | None:
    title = text_or_none(note.get("title")) or text_or_none(note.get("display_title"))
    if title is not None:
        return title
    desc = text_or_none(note.get("desc"))
    if desc is None:
        return None
    first = desc.splitlines()[0].strip()
    return first if len(first) <= 80 else first[:79] + "…"


class XiaohongshuCollector(Collector):
    platform = "xiaohongshu"
    zone = "Asia/Shanghai"
    version = "1"
    hosts = ("xiaohongshu.com", "xhslink.com", "xhslink.cn", "rednote.com")
    short_link_hosts = ("xhslink.com", "xhslink.cn")
    patterns = (
        re.compile(_SITE + r"/(?:explore|discovery/item|search_result)/" + _ID),
        re.compile(_SITE + r"/user/profile/[0-9a-fA-F]{24}/" + _ID),
    )
    example_urls = (
        "https://www.xiaohongshu.com/explore/65f0a1b2000000001203abcd",
        "https://www.xiaohongshu.com/discovery/item/65f0a1b2000000001203abcd?xsec_token=ABinventedTOKEN=",
        "https://m.xiaohongshu.com/discovery/item/65f0a1b2000000001203abcd",
        "https://www.xiaohongshu.com/user/profile/5f0a1b2c000000000101abcd/65f0a1b2000000001203abcd",
    )
    cookie_names = ("a1", "web_session", "webId")
    post_noun = "xiaohongshu note"
    min_interval = 5.0
    max_concurrency = 1
    block_threshold = 2

    # -- identity ------------------------------------------------------------------------------

    def match(self, url: str) -> PostRef | None:
        parts = urlsplit(url)
        if host_matches(parts.hostname or "", self.short_link_hosts):
            # share texts glue a full-width comma (folded to ",") and the app's words to the link:
            # a short code is only ASCII letters, digits, "/", "_" and "-"
            path = re.match(r"[/\w-]*", parts.path, re.ASCII)
            clean = f"{parts.scheme}://{parts.netloc}{path.group(0) if path else ''}"
            raise NeedsResolution(clean, self.platform)
        ref = super().match(url)
        if ref is None and _dead_end(url) is not None:
            # a pasted /404 or captcha link: resolve() classifies it (no request is made)
            raise NeedsResolution(url, self.platform)
        return ref

    def normalize_id(self, raw_id: str) -> str | None:
        return raw_id.lower() if re.fullmatch(r"[0-9a-fA-F]{24}", raw_id) else None

    def fetch_params(self, url: str) -> dict[str, str]:
        query = _query(urlsplit(url).query)
        out: dict[str, str] = {}
        # a token is base64 (standard or URL-safe); share texts may glue words to the link's end
        token = re.match(r"[A-Za-z0-9+/=_-]*", query.get("xsec_token", ""))
        if token and token.group(0):
            out["xsec_token"] = token.group(0)
            source = re.match(r"\w*", query.get("xsec_source", ""), re.ASCII)
            if source and source.group(0):
                out["xsec_source"] = source.group(0)
        return out

    def canonical_url(self, post_id: str) -> str:
        return f"https://www.xiaohongshu.com/explore/{post_id}"

    def request_headers(self) -> dict[str, str]:
        return {
            "User-Agent": IPHONE_USER_AGENT,
            "Origin": "https://www.xiaohongshu.com",
            "X-Requested-With": "XMLHttpRequest",
            "Sec-Fetch-Site": "same-origin",
            "Sec-Fetch-Mode": "cors",
            "Sec-Fetch-Dest": "empty",
        }

    # -- I/O -----------------------------------------------------------------------------------

    def check_landing(self, original_url: str, current_url: str) -> PostRef | None:
        """Dead ends (``/404?…``, captcha, login, home page) are classified from their URL and never
        requested."""
        error = _dead_end(current_url)
        if error is not None:
            raise error
        if _is_home(current_url):
            raise UnsupportedURL(
                f"{original_url} leads to the Xiaohongshu home page, not to a note: the link may have expired; "
                "copy the note's share link again in the app"
            )
        return None

    def classify_dead_end(self, raw: RawResponse) -> None:
        if raw.status in (461, 471):
            raise Blocked(
                f"Xiaohongshu asks for a captcha (HTTP {raw.status}): wait some hours", http_status=raw.status
            )
        for url in (raw.headers.get("location") or "", raw.url):
            error = _dead_end(url, raw.status)
            if error is not None:
                raise error
        error = _page_error(raw)
        if error is not None:
            raise error
        super().classify_dead_end(raw)

    async def fetch(self, http: Http, ref: PostRef) -> RawResponse:
        url = f"https://www.xiaohongshu.com/discovery/item/{ref.post_id}"
        token = ref.params.get("xsec_token")
        params = {"xsec_token": token, "xsec_source": "pc_share"} if token else None
        raw = await http.get(self, url, params=params)
        location = raw.headers.get("location")
        if raw.status in REDIRECTS and location:
            nxt = http.join_url(raw.url, location)
            if _note_id_of(nxt) == ref.post_id and _is_site(nxt):
                return await http.get(self, nxt)  # the same note's other page form: one hop only
        return raw

    # -- pure parsing --------------------------------------------------------------------------

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        status = raw.status
        if status in (461, 471):
            raise Blocked(
                f"Xiaohongshu asks for a captcha (HTTP {status}, verify type "
                f"{raw.headers.get('verifytype', '?')}): risk control; wait some hours before retrying",
                http_status=status,
            )
        if status in REDIRECTS:
            _raise_for_redirect(raw, post_id)
        error = _dead_end(raw.url, status)
        if error is not None:
            raise error
        text = raw.text.strip().lstrip("\ufeff")
        if not text:
            raise Blocked(
                f"Xiaohongshu sent an empty answer (HTTP {status}): anti-bot measure; wait before retrying",
                http_status=status,
            )
        if text[0] in "{[":
            try:
                body = decode_js_value(text)  # JSON, or the state saved as JavaScript (with undefined)
            except ValueError:
                body = None
            if body is not None:
                return self._parse_json(body, raw, post_id)
        try:
            state = js_assignment(text, "__INITIAL_STATE__")
        except ValueError:
            raise ParseError(
                "Xiaohongshu page has a window.__INITIAL_STATE__ that could not be read: the page changed",
                http_status=status,
            ) from None
        if isinstance(state, dict):
            return self._parse_state(state, raw, post_id)
        error = _page_error(raw)
        if error is not None:
            raise error
        _raise_for_http_status(raw)
        raise ParseError(
            "expected a Xiaohongshu note page with window.__INITIAL_STATE__ (or its JSON), but this answer has "
            f"none (HTTP {status}): a captcha, a login page or a changed page; nothing recorded",
            http_status=status,
        )

    def _parse_json(self, body: Any, raw: RawResponse, post_id: str | None) -> ParsedPost:
        if not body:
            raise Blocked(
                f"Xiaohongshu sent an empty JSON answer ({json.dumps(body)}): anti-bot measure, not a note; "
                "wait before retrying",
                http_status=raw.status,
            )
        if not isinstance(body, dict):
            raise ParseError("Xiaohongshu answered JSON that is not an object", http_status=raw.status)
        if "noteData" in body or "note" in body:
            return self._parse_state(body, raw, post_id)
        if "code" in body or "success" in body:
            code = _as_code(body.get("code"))
            message = str(body.get("msg") or body.get("message") or "").strip()
            said = f"Xiaohongshu says {message!r} (code {code})" if message else f"Xiaohongshu code {code}"
            if body.get("code") is not None and code is None:
                raise ParseError(f"{said}: not a code reach can read; nothing recorded", http_status=raw.status)
            if code not in (None, 0) or body.get("success") is False:
                if code is None:
                    raise ParseError(f"{said}: a failure without a code; nothing recorded", http_status=raw.status)
                raise _code_error(code, said, raw.status)
            items = dig(body, "data", "items")
            if not isinstance(items, list) or not items:
                raise Blocked(
                    "Xiaohongshu answered success without any note: it hides results from clients it "
                    "throttles; wait before retrying",
                    http_status=raw.status,
                )
            item = items[0]
            card = dig(item, "note_card")
            if not isinstance(card, dict) or not card:
                raise ParseError("Xiaohongshu feed answer without items[0].note_card: the API changed")
            found = text_or_none(dig(item, "id")) or text_or_none(card.get("note_id"))
            return self._post(card, found, post_id, raw, feed=True)
        _raise_for_http_status(raw)
        raise ParseError(
            "expected a Xiaohongshu note state (noteData / note) or an API answer (code, data.items), "
            f"got JSON with keys {sorted(body)[:6]}",
            http_status=raw.status,
        )

    def _parse_state(self, state: dict[str, Any], raw: RawResponse, post_id: str | None) -> ParsedPost:
        mobile = state.get("noteData")
        if isinstance(mobile, dict) and mobile:
            error_page = mobile.get("errorNoteData")
            shown = mobile.get("hasError") is True or dig(error_page, "show") is True
            if shown:
                code = _as_code(dig(error_page, "routeQuery", "code"))
                said = "Xiaohongshu shows its error page for this note" + (f" (code {code})" if code else "")
                if code is not None and code in _CODES:
                    raise _code_error(code, said, raw.status)
                raise Unavailable(
                    f"{said}: the note is deleted or hidden, or the share token expired; check the note in "
                    f"the app and {_TOKEN_ADVICE}",
                    http_status=raw.status,
                )
            note = dig(mobile, "data", "noteData")
            if isinstance(note, dict) and note:
                return self._post(note, text_or_none(note.get("noteId")), post_id, raw, feed=False)
        desktop = state.get("note")
        if isinstance(desktop, dict) and desktop:
            info = desktop.get("serverRequestInfo")
            code = _as_code(dig(info, "errorCode"))
            if code not in (None, 0):
                message = text_or_none(dig(info, "errMsg"))
                said = f"Xiaohongshu says {message!r} (code {code})" if message else f"Xiaohongshu code {code}"
                raise _code_error(code, said, raw.status)
            current = text_or_none(desktop.get("currentNoteId"))
            if current == "undefined":
                current = None
            details = desktop.get("noteDetailMap")
            key = post_id or current
            note = dig(details, key, "note") if key else None
            if isinstance(note, dict) and note:
                found = text_or_none(note.get("noteId")) or text_or_none(note.get("id")) or key
                return self._post(note, found, post_id, raw, feed=False)
            if post_id and current and current != post_id:
                raise ParseError(f"Xiaohongshu page is for note {current}, not for the requested {post_id}")
            raise _token_error(raw, "Xiaohongshu sent the note page without the note (currentNoteId undefined)")
        if isinstance(mobile, dict):
            raise _token_error(raw, "Xiaohongshu sent the note page without the note's data")
        raise ParseError(
            "Xiaohongshu state has neither noteData nor note: the page changed; nothing recorded",
            http_status=raw.status,
        )

    def _post(
        self, note: dict[str, Any], found: str | None, post_id: str | None, raw: RawResponse, *, feed: bool
    ) -> ParsedPost:
        found = found.lower() if found else None
        if found in ("undefined", "null"):
            raise _token_error(raw, f"Xiaohongshu sent the note page with noteId {found!r}")
        if found is not None and not re.fullmatch(r"[0-9a-f]{24}", found):
            raise ParseError(f"Xiaohongshu answered for {found!r}, which is not a note id; nothing recorded")
        if found is None:
            found = _note_id_of(raw.url)  # the answer does not name its note: the page it came from does
        if found and post_id and found != post_id:
            raise ParseError(f"Xiaohongshu answered for note {found}, not for the requested {post_id}")
        note_id = found or post_id
        if note_id is None:
            raise ParseError("Xiaohongshu answer names no note (no noteId) and no note was asked for")
        info_key, keys = (
            ("interact_info", ("liked_count", "comment_count", "share_count", "collected_count"))
            if feed
            else ("interactInfo", ("likedCount", "commentCount", "shareCount", "collectedCount"))
        )
        info = note.get(info_key)
        if not isinstance(info, dict):
            raise ParseError(f"Xiaohongshu note without {info_key}: the page changed; nothing recorded")
        warnings: list[str] = [_VIEWS_NOTE]
        counts: list[Count | None] = [
            count_field(info, key, name, warnings)
            for key, name in zip(keys, ("likes", "comments", "shares", "favorites"), strict=True)
        ]
        if all(c is None for c in counts):
            raise ParseError(
                f"Xiaohongshu note {note_id} shows no readable counter in {info_key}: the page changed or "
                "was degraded; nothing recorded",
                http_status=raw.status,
            )
        _raise_for_http_status(raw)
        if raw.status != 200:
            raise ParseError(
                f"Xiaohongshu sent the note with HTTP {raw.status}, not 200: not a normal answer; nothing recorded",
                http_status=raw.status,
            )
        likes, comments, shares, favorites = counts
        user = note.get("user")
        author = (
            text_or_none(dig(user, "nickName"))
            or text_or_none(dig(user, "nickname"))
            or text_or_none(dig(user, "nick_name"))
        )
        return ParsedPost(
            platform=self.platform,
            post_id=note_id,
            metrics=Metrics(views=None, likes=likes, comments=comments, shares=shares, favorites=favorites),
            title=_title(note),
            author=author,
            published_at=_utc_from_ms(note.get("time")),
            warnings=tuple(warnings),
        )


def _page_error(raw: RawResponse) -> CollectError | None:
    """The outcome of a Xiaohongshu error page or fragment (captcha link, 'not available' text)."""
    text = raw.text
    m = re.search(r"https?://[\w.-]*(?:xiaohongshu|rednote)\.com/website-login/captcha[^\"'<>\s]*", text)
    if m:
        return _dead_end(m.group(0).replace("&amp;", "&"), raw.status)
    if "/website-login/captcha" in text:
        return Blocked("Xiaohongshu answered with a captcha page: wait some hours", http_status=raw.status)
    lowered = text.lower().replace("\u2019", "'")
    for marker, cls, meaning in _PAGE_TEXTS:
        if marker in lowered:
            return cls(meaning, http_status=raw.status)
    return None


def _raise_for_redirect(raw: RawResponse, post_id: str | None) -> None:
    location = raw.headers.get("location") or ""
    if not location:
        m = re.search(r"href=[\"']([^\"']+)", raw.text)
        location = m.group(1).replace("&amp;", "&") if m else ""
    if location.startswith("/"):
        location = "https://www.xiaohongshu.com" + location
    error = _dead_end(location, raw.status)
    if error is not None:
        raise error
    if not location:
        raise ParseError(f"Xiaohongshu answered HTTP {raw.status} without a target: nothing recorded")
    if _is_home(location):
        raise _token_error(raw, f"Xiaohongshu redirected the note to its home page (HTTP {raw.status})")
    target = _note_id_of(location)
    if target is not None and post_id is not None and target != post_id:
        raise ParseError(f"Xiaohongshu redirected to note {target}, not the requested {post_id}")
    host = urlsplit(location).hostname or "?"
    raise ParseError(
        f"Xiaohongshu redirected (HTTP {raw.status}) to {host}{urlsplit(location).path}: not followed, nothing "
        "recorded",
        http_status=raw.status,
    )


def _raise_for_http_status(raw: RawResponse) -> None:
    status = raw.status
    if status in (401, 403):
        raise Blocked(f"Xiaohongshu refused the request (HTTP {status}); wait before retrying", http_status=status)
    if status == 429:
        raise RateLimited("Xiaohongshu rate limit (HTTP 429); try again later", http_status=status)
    if status == 404:
        raise Unavailable("Xiaohongshu answered HTTP 404: the note page does not exist", http_status=status)
    if status >= 500:
        raise NetworkError(f"Xiaohongshu server error (HTTP {status})", http_status=status)
