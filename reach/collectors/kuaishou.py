"""Collector for https://www.kuaishou.com/ posts (videos and image sets).

Identity: the canonical post id is the photo *eid*: ``3x`` followed by lowercase letters and digits
(``3xburnkmj3auazc``; 15 characters in every link seen, 10 to 26 accepted; an upper-case link is
folded to lower case). It is read only from a post path or a ``photoId`` query, never from a
profile path, since author ids look the same:

* ``www.kuaishou.com/short-video/<eid>`` (and ``video.kuaishou.com``), any query;
* ``<any>.m.chenzhongtech.com/fw/photo/<eid>`` (random subdomains; ``/fw/long-video/`` is the same
  post), ``m.gifshow.com/fw/photo/<eid>``, ``*.kuaishou.com/fw/photo/<eid>``;
* any page of those hosts with ``?photoId=<eid>`` (a numeric ``photoId`` is the internal id and is
  not accepted there). A ``/fw/photo/<numeric id>`` link needs resolution: :meth:`resolve` opens
  that page and takes the eid it names.

Short links need a redirect (:meth:`resolve`, within ``hosts`` only): ``v.kuaishou.com/<code>``,
``www.kuaishou.com/f/<code>``, ``(www.)gifshow.com/s/<code>``. The share query of the target
(``shareToken``, ``shareId``, ``fid`` ...) is kept as fetch parameters, not identity. The rounded
play count in share texts ("该作品在快手被播放过915.5万次") is never read.

Route: ``GET https://v.m.chenzhongtech.com/fw/photo/<eid>`` (plus the share query when known) with
an iPhone User-Agent and ``Referer: https://v.kuaishou.com/``; redirects are followed within
``hosts`` only. No login. The page embeds ``window.INIT_STATE``, a map from sub-request keys to
answers; the keys are obfuscated (every character shifted by +1, nested parameter values shifted
again, ``/`` sometimes written ``\\u002F``): :func:`decode_key` undoes one level. The entry for
``/rest/wd/ugH5App/photo/simple/info`` is the post. Cookies are optional: those of a cookies.txt
(``did``, ``didv`` ...) go to the domains they were exported for (the share page is on
``.chenzhongtech.com``), and an anonymous ``did`` the page sets is kept for the next hops. A desktop
User-Agent gets ``{"result":2}`` instead of the page. Politeness: one request at a time, 5 s apart;
the first blocked answer stops the run for Kuaishou (a captcha is per IP and longer with every try).

Counters (entry ``S``, JSON ints, exact): ``S.photo.viewCount`` → views, ``likeCount`` → likes,
``commentCount`` → comments, ``shareCount`` → shares (absent on image sets → ``None``).
``photo.caption`` → title, ``photo.userName`` → author (U+3164 filler stripped),
``photo.timestamp`` (unix **milliseconds**) → published_at UTC. The post named by the answer is
``photo.share_info`` ``photoId=<eid>`` (or the ``photoId`` in the entry's key); an answer about
another post is a parse error.

Also read (``reach parse``): the same entry saved with decoded keys, a bare REST answer
``{"result":1,"photo":{...}}``, and the desktop GraphQL ``visionVideoDetail`` answer
(``data.visionVideoDetail.photo``; needs cookies, so never fetched): ``viewCount``/``likeCount``
there are rounded strings ("5783.3万") → approximate counts with their granularity;
``realLikeCount`` (exact int) is the likes value when it agrees with the rounded ``likeCount``
(it lies in its rounding range); when they disagree the rounded value is kept with a warning.
That answer has no comment or share counts (``None``).

Not public: favorites per post (``S.counts.collectionCount`` is the *author's* total) → ``None``.

Errors (``result`` in a REST/JSON answer or in the photo entry): ``1`` ok; ``2`` throttled or
wrong client profile (desktop User-Agent) → blocked; ``2001`` "antispam need captcha" → blocked
(too many requests from this IP: try again hours later, slower); ``50`` signature check failed →
blocked (a signed route answered); ``21`` parameter format error → parse error (our request is
wrong); any other code is read by its ``error_msg`` (captcha → blocked, "请求过快" → rate limited,
login → auth_required, "不存在"/"删除" → unavailable), else → parse error naming it (the code of a
deleted post is not known). A code sent as text (``"2001"``) is the same code. An
HTML page without ``INIT_STATE``: a captcha / verification page → blocked, "请求过快" → rate
limited, anything else (a changed or desktop page) → parse error. HTTP 403/412/461 → blocked,
429 → rate limited, 404 → unavailable, 5xx → network error; a redirect to a captcha or login
page → blocked.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..errors import (
    AuthRequired,
    Blocked,
    CollectError,
    NeedsResolution,
    ParseError,
    RateLimited,
    ReachError,
    Unavailable,
)
from ..http import IPHONE_USER_AGENT, Http
from ..models import Count, Metrics, ParsedPost, PostRef
from ..times import from_unix
from .base import REDIRECTS, Collector, RawResponse, host_matches
from .common import count_field, dig, js_assignment, json_count, raise_for_http_status, text_or_none

PHOTO_INFO_PATH = "/rest/wd/ugH5App/photo/simple/info"
"""The ``INIT_STATE`` entry that describes the shared post."""

_EID = r"3[xX][0-9A-Za-z]{8,24}"
_ID = r"(?P<id>" + _EID + r")(?![0-9A-Za-z])"
_EID_RE = re.compile(r"3x[0-9a-z]{8,24}")
_HOSTS = r"(?:[\w-]+\.)*(?:kuaishou\.com|chenzhongtech\.com|gifshow\.com)"
_SHORT_PATH = re.compile(
    r"^https?://(?:v\.kuaishou\.com/[\w-]+|(?:www\.)?kuaishou\.com/f/[\w-]+|(?:www\.)?gifshow\.com/s/[\w-]+)",
    re.IGNORECASE,
)
_NUMERIC_PHOTO = re.compile(r"^https?://" + _HOSTS + r"/fw/(?:photo|long-video)/\d{6,20}(?![0-9A-Za-z])", re.IGNORECASE)
_SHARE_PARAMS = (
    "fid",
    "shareToken",
    "shareObjectId",
    "shareId",
    "shareMethod",
    "shareResourceType",
    "shareChannel",
    "kpn",
    "subBiz",
)
_SAFE_VALUE = re.compile(r"[0-9A-Za-z_.-]{1,64}")
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_KEY_PHOTO_ID = re.compile(r"photoId-tusjoh\.([1-9:b-z{]{10,26})(?![1-9:b-z{])")
_FILLER = "\u3164 \t\r\n\u3000"
_CAPTCHA_MARKERS = ("captcha", "验证码", "滑块", "安全验证", "人机验证")
_SLOW_DOWN_MARKERS = ("请求过快", "操作太频繁", "访问太频繁")

# result code -> (error class, what it means and what to do)
_RESULTS: dict[int, tuple[type[CollectError], str]] = {
    2: (
        Blocked,
        "throttled, or the request did not look like a phone browser (Kuaishou answers a desktop "
        "User-Agent this way); nothing recorded; try again later, more slowly",
    ),
    2001: (
        Blocked,
        "a captcha is required (anti-spam): too many requests from this IP; nothing recorded; "
        "try again in a few hours and collect more slowly",
    ),
    50: (
        Blocked,
        "signature check failed: a signed Kuaishou API answered, not the share page; nothing recorded; "
        "if this persists, Kuaishou changed its share page",
    ),
    21: (
        ParseError,
        "the request parameters are malformed: reach's request is wrong (or Kuaishou changed its API); "
        "nothing recorded; please report it",
    ),
}


# words in the error_msg of an unknown result code -> (error class, meaning); tried in order
_RESULT_WORDS: tuple[tuple[tuple[str, ...], type[CollectError], str], ...] = (
    (
        ("captcha", "验证码", "滑块", "安全验证", "antispam"),
        Blocked,
        "a verification (captcha) is required: too many requests from this IP; nothing recorded; try again in a "
        "few hours, more slowly",
    ),
    (
        ("请求过快", "太频繁", "频繁", "too fast", "too frequent", "rate limit"),
        RateLimited,
        "Kuaishou says requests are too fast; nothing recorded; try again later",
    ),
    (
        ("登录", "login", "not logged"),
        AuthRequired,
        "Kuaishou wants a login for this answer; nothing recorded; add Kuaishou cookies in a cookies.txt",
    ),
    (
        ("不存在", "已删除", "被删除", "删除", "下架", "私密", "无法查看", "not exist", "deleted", "private"),
        Unavailable,
        "the post cannot be viewed (deleted, private or restricted); nothing recorded; check it in the app",
    ),
)


def decode_key(key: str) -> str:
    """One level of ``INIT_STATE`` key obfuscation undone: ``\\uXXXX`` escapes read, then every
    character shifted back by one (``"0sftu0xe"`` → ``"/rest/wd"``)."""
    text = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), key)
    return "".join(chr(ord(c) - 1) if ord(c) > 0 else c for c in text)


def _is_photo_key(key: str) -> bool:
    return PHOTO_INFO_PATH in key or PHOTO_INFO_PATH in decode_key(key)


def _eid_from_key(key: str | None) -> str | None:
    """The post eid named in an obfuscated entry key (``photoId`` parameter, shifted twice)."""
    if not key or PHOTO_INFO_PATH in key:
        return None
    m = _KEY_PHOTO_ID.search(decode_key(key))
    if m is None:
        return None
    eid = "".join(chr(ord(c) - 1) for c in m.group(1))
    return eid if _EID_RE.fullmatch(eid) else None


def _eid_from_share_info(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    found = parse_qs(value).get("photoId")
    if found and _EID_RE.fullmatch(found[0].lower()):
        return found[0].lower()
    return None


class KuaishouCollector(Collector):
    platform = "kuaishou"
    zone = "Asia/Shanghai"
    version = "1"
    hosts = ("kuaishou.com", "chenzhongtech.com", "gifshow.com")
    short_link_hosts = ("v.kuaishou.com",)
    patterns = (
        re.compile(r"^https?://(?:www\.|video\.|m\.)?kuaishou\.com/short-video/" + _ID, re.IGNORECASE),
        re.compile(r"^https?://" + _HOSTS + r"/fw/(?:photo|long-video)/" + _ID, re.IGNORECASE),
        re.compile(r"^https?://" + _HOSTS + r"/[^?#]*\?(?:[^#]*&)?photoId=" + _ID, re.IGNORECASE),
    )
    example_urls = (
        "https://www.kuaishou.com/short-video/3xq7fzm2ka9wdue",
        "https://v.m.chenzhongtech.com/fw/photo/3xq7fzm2ka9wdue?fid=1&shareToken=AbCdEf",
        "https://m.gifshow.com/fw/photo/3xq7fzm2ka9wdue",
    )
    cookie_names = ("did", "didv", "kpf", "kpn", "clientid")
    min_interval = 5.0
    max_concurrency = 1
    block_threshold = 1  # a captcha is per IP: every further request prolongs it

    # -- identity ------------------------------------------------------------------------------

    def match(self, url: str) -> PostRef | None:
        ref = super().match(url)
        if ref is None and (_SHORT_PATH.match(url) or _NUMERIC_PHOTO.match(url)):
            # a numeric photo id is internal: the page it opens names the eid (resolve reads it)
            raise NeedsResolution(url, self.platform)
        return ref

    def normalize_id(self, raw_id: str) -> str | None:
        eid = raw_id.lower()
        return eid if _EID_RE.fullmatch(eid) else None

    def fetch_params(self, url: str) -> dict[str, str]:
        query = parse_qs(urlsplit(url).query)
        out: dict[str, str] = {}
        for name in _SHARE_PARAMS:
            values = query.get(name)
            if values and _SAFE_VALUE.fullmatch(values[0]):
                out[name] = values[0]
        return out

    def canonical_url(self, post_id: str) -> str:
        return f"https://www.kuaishou.com/short-video/{post_id}"

    def share_page_url(self, post_id: str) -> str:
        """The mobile share page that :meth:`fetch` reads."""
        return f"https://v.m.chenzhongtech.com/fw/photo/{post_id}"

    # -- I/O -----------------------------------------------------------------------------------

    def request_headers(self) -> dict[str, str]:
        return {
            "User-Agent": IPHONE_USER_AGENT,
            "Referer": "https://v.kuaishou.com/",
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        }

    async def fetch(self, http: Http, ref: PostRef) -> RawResponse:
        params = {k: v for k, v in ref.params.items() if k in _SHARE_PARAMS}
        raw = await http.get(self, self.share_page_url(ref.post_id), params=params or None)
        for _ in range(self.max_redirects):
            location = raw.headers.get("location")
            if raw.status not in REDIRECTS or not location:
                break
            target = http.join_url(raw.url, location)
            if not host_matches(urlsplit(target).hostname or "", self.hosts):
                break  # parse reports where it went; never followed off the platform
            raw = await http.get(self, target)
        return raw

    def post_from_page(self, raw: RawResponse, url: str) -> str | None:
        """A page opened by a numeric photo id, or a short link that answered the share page itself
        (no redirect), is read for the eid it names (``photo.share_info``); :meth:`parse` raises for
        captcha and error answers."""
        if _NUMERIC_PHOTO.match(url) or _names_a_post(raw):
            return self.parse(raw).post_id
        return None

    def classify_dead_end(self, raw: RawResponse) -> None:
        lowered_url = raw.url.lower()
        if "captcha" in lowered_url:
            raise Blocked(
                "the Kuaishou short link led to a captcha page: too many requests from this IP; "
                "try again in a few hours",
                http_status=raw.status,
            )
        if raw.status == 404:
            raise Unavailable(
                "the Kuaishou short link leads nowhere (HTTP 404): the link or the post no longer exists",
                http_status=404,
            )
        if raw.status in (403, 412, 461):
            raise Blocked(
                f"Kuaishou refused the short link (HTTP {raw.status}); try again later", http_status=raw.status
            )
        if raw.status == 429:
            raise RateLimited("Kuaishou says too many requests (HTTP 429); try again later", http_status=429)
        data = _json_or_none(raw.body)
        if isinstance(data, dict) and "result" in data:
            _check_result(data, raw.status)
        if data is None and raw.body.strip():
            text = raw.text
            try:
                state = js_assignment(text, "INIT_STATE")
            except ValueError:
                state = None
            if isinstance(state, dict):
                entry, _ = _photo_entry(state)
                if entry is not None:
                    _check_result(entry, raw.status)
            elif _has_marker(text, _CAPTCHA_MARKERS):
                raise Blocked(
                    "the Kuaishou short link led to a verification (captcha) page; try again in a few hours",
                    http_status=raw.status,
                )

    # -- pure parsing --------------------------------------------------------------------------

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        if raw.status in REDIRECTS:
            _raise_for_redirect(raw)
        if not raw.body.strip():
            _raise_for_http_status(raw)
            raise ParseError(f"empty answer from Kuaishou (HTTP {raw.status}); nothing recorded")
        data = _json_or_none(raw.body)
        if data is None:
            return self._parse_page(raw, post_id)
        if not isinstance(data, dict):
            raise ParseError("Kuaishou answered JSON that is not an object: expected a share-page state")
        if "result" in data:
            _check_result(data, raw.status)
            _raise_for_http_status(raw)
            if isinstance(data.get("photo"), dict):
                return self._from_entry(data, None, raw, post_id)
            raise ParseError("Kuaishou answered result 1 without a photo object: not a post answer we know")
        if "data" in data or "errors" in data:
            return self._from_graphql(data, raw, post_id)
        return self._from_state(data, raw, post_id)

    def _parse_page(self, raw: RawResponse, post_id: str | None) -> ParsedPost:
        text = raw.text
        try:
            state = js_assignment(text, "INIT_STATE")
        except ValueError:
            _raise_for_http_status(raw)
            raise ParseError(
                "the Kuaishou share page has a window.INIT_STATE that cannot be read: the page changed; "
                "nothing recorded"
            ) from None
        if state is None:
            _raise_for_page_without_state(raw, text)
        if not isinstance(state, dict):
            raise ParseError("window.INIT_STATE of the Kuaishou share page is not an object: the page changed")
        return self._from_state(state, raw, post_id)

    def _from_state(self, state: dict[str, Any], raw: RawResponse, post_id: str | None) -> ParsedPost:
        entry, key = _photo_entry(state, post_id)
        if entry is None:
            for value in state.values():
                if isinstance(value, dict) and _result_code(value.get("result")) in (2, 2001):
                    _check_result(value, raw.status)
            if _state_says_slow_down(state):
                raise RateLimited(
                    "Kuaishou says requests are too fast (请求过快); try again later", http_status=raw.status
                )
            _raise_for_http_status(raw)
            raise ParseError(
                f"the Kuaishou page state has no {PHOTO_INFO_PATH} entry: expected the mobile share page "
                "(Kuaishou may have changed it); nothing recorded"
            )
        _check_result(entry, raw.status)
        _raise_for_http_status(raw)
        return self._from_entry(entry, key, raw, post_id)

    def _from_entry(self, entry: dict[str, Any], key: str | None, raw: RawResponse, post_id: str | None) -> ParsedPost:
        photo = entry.get("photo")
        if not isinstance(photo, dict):
            raise ParseError("Kuaishou answered result 1 without a photo object: the share page changed")
        named = {e for e in (_eid_from_share_info(photo.get("share_info")), _eid_from_key(key)) if e}
        eid = self._answered_id(named, raw, post_id)
        warnings: list[str] = []
        metrics = Metrics(
            views=count_field(photo, "viewCount", "views", warnings),
            likes=count_field(photo, "likeCount", "likes", warnings),
            comments=count_field(photo, "commentCount", "comments", warnings),
            shares=_shares(photo, warnings),
            favorites=None,
        )
        warnings.append("favorites not public on Kuaishou (counts.collectionCount is the author's total)")
        status = photo.get("photoStatus")
        if isinstance(status, int) and not isinstance(status, bool) and status != 0:
            warnings.append(f"photoStatus is {status} (0 is a normal public post)")
        return ParsedPost(
            platform=self.platform,
            post_id=eid,
            metrics=metrics,
            title=text_or_none(photo.get("caption")),
            author=_author(photo.get("userName")),
            published_at=from_unix(photo.get("timestamp")),
            warnings=tuple(warnings),
        )

    def _from_graphql(self, data: dict[str, Any], raw: RawResponse, post_id: str | None) -> ParsedPost:
        detail = dig(data, "data", "visionVideoDetail")
        errors = data.get("errors")
        if not isinstance(detail, dict):
            if isinstance(errors, list) and errors:
                _raise_for_graphql_errors(errors, raw.status)
            _raise_for_http_status(raw)
            raise ParseError("Kuaishou GraphQL answer has no data.visionVideoDetail: not a post answer we know")
        _raise_for_http_status(raw)
        status = detail.get("status")
        if status != 1:
            raise ParseError(
                f"Kuaishou GraphQL visionVideoDetail status {status!r}: a status reach does not know yet "
                "(1 is ok); nothing recorded"
            )
        photo = detail.get("photo")
        if not isinstance(photo, dict):
            raise ParseError(
                "Kuaishou GraphQL answer has no photo (the post may be gone, or the cookie is not accepted); "
                "nothing recorded"
            )
        named = {e for e in (text_or_none(photo.get("id")),) if e}
        eid = self._answered_id({e.lower() for e in named}, raw, post_id)
        warnings: list[str] = []
        metrics = Metrics(
            views=count_field(photo, "viewCount", "views", warnings),
            likes=_graphql_likes(photo, warnings),
            comments=None,
            shares=None,
            favorites=None,
        )
        warnings.append("comments not shown (the GraphQL answer has no comment count)")
        warnings.append("shares not shown (the GraphQL answer has no share count)")
        warnings.append("favorites not public on Kuaishou")
        return ParsedPost(
            platform=self.platform,
            post_id=eid,
            metrics=metrics,
            title=text_or_none(photo.get("caption")),
            author=_author(dig(detail, "author", "name")),
            published_at=from_unix(photo.get("timestamp")),
            warnings=tuple(warnings),
        )

    def _answered_id(self, named: set[str], raw: RawResponse, post_id: str | None) -> str:
        """The eid the answer is about, checked against the one requested."""
        if len(named) > 1:
            raise ParseError(f"the Kuaishou answer names several posts ({', '.join(sorted(named))}); nothing recorded")
        if named:
            eid = next(iter(named))
        else:
            try:
                ref = self.match(raw.url)
            except ReachError:
                ref = None
            if ref is None:
                raise ParseError("the Kuaishou answer does not say which post it is about; nothing recorded")
            eid = ref.post_id
        wanted = self.normalize_id(post_id) if post_id else None
        if post_id is not None and eid != (wanted or post_id):
            raise ParseError(f"Kuaishou answered for post {eid}, not for the requested {post_id}; nothing recorded")
        return eid


def _names_a_post(raw: RawResponse) -> bool:
    """Whether a page carries the post entry of a share page (``INIT_STATE`` with the photo info)."""
    if b"INIT_STATE" not in raw.body:
        return False
    try:
        state = js_assignment(raw.text, "INIT_STATE")
    except ValueError:
        return False
    return isinstance(state, dict) and _photo_entry(state)[0] is not None


def _json_or_none(body: bytes) -> Any:
    text = body.strip()
    if not text or text[:1] not in (b"{", b"["):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _photo_entry(state: dict[str, Any], post_id: str | None = None) -> tuple[dict[str, Any] | None, str | None]:
    """The post's entry of an ``INIT_STATE`` map and its key (plain or obfuscated)."""
    found = [(k, v) for k, v in state.items() if isinstance(v, dict) and _is_photo_key(str(k))]
    if not found:
        # the key scheme changed: accept one entry shaped like the answer (result + photo)
        found = [
            (k, v)
            for k, v in state.items()
            if isinstance(v, dict) and "result" in v and isinstance(v.get("photo"), dict)
        ]
        if len(found) != 1:
            return None, None
    if post_id is not None and len(found) > 1:
        for key, value in found:
            if _eid_from_key(key) == post_id or _eid_from_share_info(dig(value, "photo", "share_info")) == post_id:
                return value, key
    key, value = found[0]
    return value, key


def _result_code(value: Any) -> Any:
    """A ``result`` value, with a code sent as text (``"2001"``) read as the number."""
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value.strip()):
        return int(value.strip())
    return value


def _check_result(body: dict[str, Any], http_status: int) -> None:
    """Raise for a Kuaishou ``result`` code other than 1."""
    code = _result_code(body.get("result"))
    if code == 1 and not isinstance(code, bool):
        return
    message = body.get("error_msg") or body.get("message") or body.get("msg")
    said = f"Kuaishou answered result {code}"
    if isinstance(message, str) and message.strip():
        said += f" ({message.strip()[:80]!r})"
    if isinstance(code, int) and not isinstance(code, bool) and code in _RESULTS:
        cls, meaning = _RESULTS[code]
        raise cls(f"{said}: {meaning}", http_status=http_status)
    if code is None:
        raise ParseError("Kuaishou answer has no 'result' value: not an answer we know; nothing recorded")
    if isinstance(message, str):
        lowered = message.lower()
        for words, cls, meaning in _RESULT_WORDS:
            if any(word in lowered for word in words):
                raise cls(f"{said}: {meaning}", http_status=http_status)
    raise ParseError(f"{said}: a result code reach does not know yet; nothing recorded (check the post in the app)")


def _raise_for_http_status(raw: RawResponse) -> None:
    raise_for_http_status(
        raw.status,
        "Kuaishou",
        advice="try again in a few hours",
        gone="the Kuaishou share page does not exist: the post was probably deleted; check the link in the app",
    )


def _raise_for_redirect(raw: RawResponse) -> None:
    location = raw.headers.get("location", "")
    host = urlsplit(location).hostname or "?"
    if any(word in location.lower() for word in ("captcha", "verify", "login", "passport")):
        raise Blocked(
            f"Kuaishou redirected the share page to a verification or login page ({host}); try again in a few hours",
            http_status=raw.status,
        )
    raise ParseError(
        f"Kuaishou redirected the share page elsewhere (HTTP {raw.status} to {host}); nothing recorded",
        http_status=raw.status,
    )


def _raise_for_page_without_state(raw: RawResponse, text: str) -> None:
    """A page without ``window.INIT_STATE``: captcha, throttling, HTTP error or a changed page."""
    if "captcha" in raw.url.lower() or _has_marker(text, _CAPTCHA_MARKERS):
        raise Blocked(
            "Kuaishou showed a verification (captcha) page instead of the post: too many requests from this "
            "IP; nothing recorded; try again in a few hours, more slowly",
            http_status=raw.status,
        )
    if _has_marker(text, _SLOW_DOWN_MARKERS):
        raise RateLimited("Kuaishou says requests are too fast (请求过快); try again later", http_status=raw.status)
    _raise_for_http_status(raw)
    what = "the desktop page" if "__APOLLO_STATE__" in text else "a page"
    raise ParseError(
        f"Kuaishou sent {what} without window.INIT_STATE: expected the mobile share page "
        "(Kuaishou may have changed it); nothing recorded"
    )


def _raise_for_graphql_errors(errors: list[Any], http_status: int) -> None:
    first = errors[0]
    message = str(first.get("message") if isinstance(first, dict) else first)[:120]
    lowered = message.lower()
    if "captcha" in lowered or "验证" in message:
        raise Blocked(
            f"Kuaishou GraphQL asks for a verification: {message!r}; try again later", http_status=http_status
        )
    if "login" in lowered or "登录" in message or "cookie" in lowered:
        raise AuthRequired(
            f"Kuaishou GraphQL wants a login: {message!r}; add Kuaishou cookies in a cookies.txt",
            http_status=http_status,
        )
    raise ParseError(f"Kuaishou GraphQL error {message!r}; nothing recorded", http_status=http_status)


def _has_marker(text: str, markers: tuple[str, ...]) -> bool:
    lowered = text.lower()
    return any(m in lowered for m in markers)


def _state_says_slow_down(state: dict[str, Any]) -> bool:
    for value in state.values():
        title = dig(value, "errorType", "title")
        if isinstance(title, str) and _has_marker(title, _SLOW_DOWN_MARKERS):
            return True
    return False


def _shares(photo: dict[str, Any], warnings: list[str]) -> Count | None:
    if "shareCount" not in photo:
        kind = photo.get("photoType")
        why = f" on a {kind} post" if isinstance(kind, str) and "ATLAS" in kind else ""
        warnings.append(f"shares not shown (shareCount absent{why})")
        return None
    return count_field(photo, "shareCount", "shares", warnings)


def _graphql_likes(photo: dict[str, Any], warnings: list[str]) -> Count | None:
    """``realLikeCount`` (exact) when it agrees with the rounded ``likeCount``; else the rounded one."""
    shown = json_count(photo.get("likeCount"))
    if shown is not None and shown.value is None:
        shown = None
    real = photo.get("realLikeCount")
    exact = Count.exact(real) if isinstance(real, int) and not isinstance(real, bool) and real >= 0 else None
    if exact is None:
        if shown is None:
            warnings.append("likes not shown (likeCount and realLikeCount absent or not counts)")
        return shown
    if shown is None:
        return exact
    low, high = shown.low, shown.high
    if low is not None and exact.value is not None and exact.value >= low and (high is None or exact.value <= high):
        return exact
    warnings.append(
        f"realLikeCount {real} disagrees with the shown likeCount {shown.raw or shown.value}; kept the shown value"
    )
    return shown


def _author(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return text_or_none(value.strip(_FILLER))
