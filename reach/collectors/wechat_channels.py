"""Collector for https://channels.weixin.qq.com/ posts (微信视频号, WeChat Channels).

Identity: the canonical post id is the share id (``shortUri``, e.g. ``ARreWpEs3x``: 4 to 64
characters ``[0-9A-Za-z_-]``, case-sensitive), read from:

* ``https://weixin.qq.com/sph/<id>``: the share link. It is an id, not a short link needing
  resolution: the path segment is exactly the ``shortUri`` the preview API takes (the page may 301
  to the preview page with the same id);
* ``https://channels.weixin.qq.com/finder-preview/pages/sph?id=<id>`` (other query parameters
  allowed);
* the key form ``wechat_channels:<id>``.

Internal ids (``export/...`` ``dynamicExportId``, numeric ``objectId``) are not link forms and are
not accepted.

Route (an internal, anonymous, fragile preview API): ``POST
https://channels.weixin.qq.com/finder-preview/api/feed/get_feed_info?_rid=<random>&_pageUrl=<the
preview page>`` with the JSON body ``{"baseReq": {"generalToken": ""}, "shortUri": "<id>"}`` and
both ``Origin: https://channels.weixin.qq.com`` and ``Referer: <the preview page>`` (without them the
answer is "permission verification failed"). HTTP 200 and 201 are both normal.

Counters are display strings (``"1581"``, ``"1.2万"``, ``"10万+"``) read with
:func:`reach.parse_count`: digits alone are exact, ``"1.2万"`` is approximate, ``"10万+"`` is a
lower bound; the raw string is kept. An integer field of the same name without ``Fmt``
(``favCount``), when present, wins over the display string; an integer the display string
contradicts (``0`` next to ``"1581"``) is a placeholder: that counter is ``None`` with a
warning. Under ``data.feedInfo``:

* ``favCountFmt`` → likes (the ❤ heart, 点赞/喜欢);
* ``likeCountFmt`` → extra ``recommends`` (the 👍 thumb, 推荐 "recommend to friends"; called 赞 in
  older clients). Peer tools disagree on these two names; reach follows the mapping of the peer test
  suite and UI that label ``favCount`` the heart and ``likeCount`` the thumb;
* ``commentCountFmt`` → comments; ``forwardCountFmt`` → shares (转发).

``feedInfo.description`` → title, ``data.authorInfo.nickname`` → author, ``feedInfo.createtime``
(unix seconds, UTC) → published time.

Not public: **views** (play counts: only the owner sees them, in 视频号助手) → ``None`` with a
warning: enter them by hand (``reach record``) or import the 视频号助手 export (``reach import``).
Favorites (收藏) have no public count → ``None``.

Errors: "permission verification failed" (the API's header check) → blocked; an empty body, HTTP
403, or messages about verification / too frequent → blocked; ``data.errMsg.type`` ≠ 0 (its
``title`` is shown) → unavailable (deleted, expired link, not viewable); top-level ``errCode`` ≠ 0
that reach does not know → parse error; an answer with ``errCode`` 0 whose ``data`` holds no
``feedInfo`` (and no ``sceneInfo.dynamicExportId``) → unavailable ("the link may have expired");
a ``feedInfo`` without any counter, HTTP 404 (the API moved) or a body that is not JSON → parse
error; 5xx → network error.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..errors import Blocked, NetworkError, ParseError, Unavailable
from ..http import BROWSER_USER_AGENT, Http
from ..models import Count, Metrics, ParsedPost, PostRef
from .base import Collector, RawResponse
from .common import dig, json_count, raise_for_http_status, text_or_none, utc_from_unix

API_URL = "https://channels.weixin.qq.com/finder-preview/api/feed/get_feed_info"
PREVIEW_PAGE = "https://channels.weixin.qq.com/finder-preview/pages/sph"
ORIGIN = "https://channels.weixin.qq.com"

_ID_CHARS = r"[0-9A-Za-z_-]{4,64}"
_ID = rf"(?P<id>{_ID_CHARS})(?![0-9A-Za-z_-])"

VIEWS_WARNING = (
    "views not shown (WeChat Channels shows play counts to the owner only): enter them by hand "
    "(`reach record`) or import the 视频号助手 export (`reach import`)"
)
_RISK_WORDS = ("频繁", "验证", "稍后再试", "系统繁忙", "环境异常", "too frequent", "verify")
_GONE_WORDS = ("删除", "不存在", "过期", "失效", "违规", "无法查看", "不可见", "not exist", "deleted", "expired")


class WechatChannelsCollector(Collector):
    platform = "wechat_channels"
    zone = "Asia/Shanghai"
    version = "1"
    hosts = ("channels.weixin.qq.com", "weixin.qq.com")
    patterns = (
        re.compile(r"^https?://(?:www\.)?weixin\.qq\.com/sph/" + _ID, re.IGNORECASE),
        re.compile(
            r"^https?://channels\.weixin\.qq\.com/finder-preview/pages/sph/?\?(?:[^#]*?&)?id=" + _ID,
            re.IGNORECASE,
        ),
    )
    example_urls = (
        "https://weixin.qq.com/sph/AbCdEf123",
        "https://channels.weixin.qq.com/finder-preview/pages/sph?id=AbCdEf124",
    )
    cookie_names = ()
    min_interval = 3.0
    max_concurrency = 1

    def normalize_id(self, raw_id: str) -> str | None:
        return raw_id if re.fullmatch(_ID_CHARS, raw_id) else None

    def canonical_url(self, post_id: str) -> str:
        return f"https://weixin.qq.com/sph/{post_id}"

    def request_headers(self) -> dict[str, str]:
        return {"User-Agent": BROWSER_USER_AGENT, "Origin": ORIGIN, "Referer": PREVIEW_PAGE}

    async def fetch(self, http: Http, ref: PostRef) -> RawResponse:
        rid = f"{int(time.time()):x}-{secrets.token_hex(4)}"
        return await http.post(
            self,
            API_URL,
            params={"_rid": rid, "_pageUrl": PREVIEW_PAGE},
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json, text/plain, */*",
                "Origin": ORIGIN,
                "Referer": f"{PREVIEW_PAGE}?id={ref.post_id}",
            },
            json={"baseReq": {"generalToken": ""}, "shortUri": ref.post_id},
        )

    def classify_dead_end(self, raw: RawResponse) -> None:
        if raw.status in (404, 410):
            raise Unavailable(f"the WeChat Channels link leads nowhere (HTTP {raw.status})", http_status=raw.status)
        if raw.status in (403, 412):
            raise Blocked(f"WeChat refused the request (HTTP {raw.status}); try again later", http_status=raw.status)

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        status = raw.status
        if not raw.body.strip():
            if status >= 500:
                raise NetworkError(f"WeChat Channels server error (HTTP {status}); try again later", http_status=status)
            raise Blocked(
                f"the WeChat Channels preview API answered an empty body (HTTP {status}): it refused the "
                "request; try again later",
                http_status=status,
            )
        text = raw.text
        try:
            body = json.loads(raw.body)
        except ValueError:
            if _REFUSED in text.lower():
                _raise_refused(status)
            _raise_for_status(status)
            if any(w in text.lower() for w in _RISK_WORDS):
                raise Blocked(
                    "WeChat answered a risk-control page (环境异常 / 访问过于频繁 / 验证) instead of the video's "
                    "data; try again later",
                    http_status=status,
                ) from None
            snippet = text.strip()[:60].replace("\n", " ")
            raise ParseError(
                f"expected the JSON answer of WeChat Channels get_feed_info, got something else "
                f"(HTTP {status}): {snippet!r}",
                http_status=status,
            ) from None
        if not isinstance(body, dict):
            raise ParseError("WeChat Channels answered JSON that is not an object", http_status=status)
        data = body.get("data")
        if _REFUSED in _messages(body, data)[1].lower() or (
            _REFUSED in text.lower() and not isinstance(dig(data, "feedInfo"), dict)
        ):
            _raise_refused(status)
        _check_envelope(body, data, status)
        _raise_for_status(status)
        if not isinstance(data, dict):
            raise ParseError(
                "WeChat Channels get_feed_info answer has no 'data' object: not the answer reach knows",
                http_status=status,
            )
        feed = data.get("feedInfo")
        if not isinstance(feed, dict) or not feed:
            if body.get("errCode") == 0 or not data or _no_export_id(data):
                raise Unavailable(
                    "WeChat Channels returned no video for this id (no feedInfo): the link may have expired, "
                    "or the video was deleted or made private",
                    http_status=status,
                )
            raise ParseError("WeChat Channels answer has no data.feedInfo: the API changed", http_status=status)
        if not any(k + sfx in feed for k in _COUNTER_KEYS for sfx in ("", "Fmt")):
            raise ParseError(
                "WeChat Channels feedInfo carries none of the like/fav/comment/forward counts: the API "
                "changed; nothing recorded",
                http_status=status,
            )
        vid = post_id or _id_from_url(raw.url)
        if vid is None:
            raise ParseError("the WeChat Channels answer names no post: pass the post URL (--url)")
        warnings: list[str] = [VIEWS_WARNING]
        extra: dict[str, Count] = {}
        recommends = _counter(feed, "likeCount", "recommends (👍 推荐)", warnings)
        if recommends is not None:
            extra["recommends"] = recommends
        metrics = Metrics(
            views=None,
            likes=_counter(feed, "favCount", "likes (❤)", warnings),
            comments=_counter(feed, "commentCount", "comments", warnings),
            shares=_counter(feed, "forwardCount", "shares", warnings),
            favorites=None,
            extra=extra,
        )
        warnings.append("favorites not shown (WeChat Channels shows no 收藏 count)")
        return ParsedPost(
            platform=self.platform,
            post_id=vid,
            metrics=metrics,
            title=text_or_none(feed.get("description")),
            author=text_or_none(dig(data, "authorInfo", "nickname")),
            published_at=utc_from_unix(feed.get("createtime")),
            warnings=tuple(warnings),
        )


_REFUSED = "permission verification failed"
_COUNTER_KEYS = ("likeCount", "favCount", "commentCount", "forwardCount")


def _raise_refused(status: int) -> None:
    raise Blocked(
        "the WeChat Channels preview API refused the request ('permission verification failed'): WeChat "
        "changed what this internal API checks, or the request looked automated; nothing recorded. Enter "
        "the numbers by hand (`reach record`) if it persists",
        http_status=status,
    )


def _counter(feed: dict[str, Any], key: str, label: str, warnings: list[str]) -> Count | None:
    """The exact integer ``key`` when WeChat sent one, else the display string ``key + "Fmt"``."""
    exact = json_count(feed.get(key)) if not isinstance(feed.get(key), str) else None
    fmt = key + "Fmt"
    shown = feed.get(fmt)
    count = json_count(shown)
    if exact is not None and exact.value is not None:
        if count is not None and count.value is not None and not _agrees(exact.value, count):
            warnings.append(
                f"{label} not recorded: {key} {feed.get(key)!r} contradicts the displayed {fmt} {shown!r} "
                "(one of them is a placeholder; neither is trusted)"
            )
            return None
        return exact
    if count is None or count.value is None:
        why = "absent" if fmt not in feed else f"not a count ({shown!r})"
        warnings.append(f"{label} not shown ({fmt} {why})")
        return None
    return count


def _agrees(value: int, shown: Count) -> bool:
    """Whether an integer counter can be what its display string shows (``1581`` / ``"1581"``,
    ``12345`` / ``"1.2万"``, ``123456`` / ``"10万+"``); ``0`` next to ``"1581"`` cannot."""
    low, high = shown.low, shown.high
    return (low is None or value >= low) and (high is None or value <= high)


def _messages(body: dict[str, Any], data: Any) -> tuple[int | None, str]:
    """``(data.errMsg.type, every error text of the answer)``."""
    texts: list[str] = []
    err_type: int | None = None
    for err in (dig(data, "errMsg"), body.get("errMsg")):
        if isinstance(err, dict):
            kind = err.get("type")
            if isinstance(kind, int) and not isinstance(kind, bool):
                err_type = kind
            elif isinstance(kind, str) and kind.strip().lstrip("-").isdigit():
                err_type = int(kind)
            for key in ("title", "content", "msg", "message"):
                if isinstance(err.get(key), str) and err[key].strip():
                    texts.append(err[key].strip())
        elif isinstance(err, str) and err.strip() and err.strip().lower() not in ("ok", "success"):
            texts.append(err.strip())
    for path in (("err", "err_msg"), ("err", "base_resp", "err_msg"), ("err", "jsapi_resp", "error_msg")):
        value = dig(data, *path)
        if isinstance(value, str) and value.strip():
            texts.append(value.strip())
    return err_type, "; ".join(dict.fromkeys(texts))


def _check_envelope(body: dict[str, Any], data: Any, status: int) -> None:
    """Raise for the answer's error envelope (before any counter is read)."""
    err_type, message = _messages(body, data)
    code = body.get("errCode", body.get("errcode"))
    if isinstance(code, str) and code.strip().lstrip("-").isdigit():
        code = int(code.strip())
    if isinstance(code, bool) or (code is not None and not isinstance(code, int)):
        code = None
    said = f"WeChat Channels says {message!r}" if message else "WeChat Channels"
    lowered = message.lower()
    failing = (err_type not in (None, 0)) or (code not in (None, 0))
    if not failing:
        return
    if any(w in lowered for w in _RISK_WORDS):
        raise Blocked(f"{said}: WeChat's risk control stopped the request; try again later", http_status=status)
    if err_type not in (None, 0):
        raise Unavailable(
            f"{said} (errMsg type {err_type}): the video was deleted, is not viewable, or the link expired",
            http_status=status,
        )
    if any(w in lowered for w in _GONE_WORDS):
        raise Unavailable(f"{said} (errCode {code}): the video is gone or the link expired", http_status=status)
    raise ParseError(f"{said} (errCode {code}): an error reach does not know yet; nothing recorded", http_status=status)


def _no_export_id(data: dict[str, Any]) -> bool:
    scene = data.get("sceneInfo")
    return isinstance(scene, dict) and not text_or_none(scene.get("dynamicExportId"))


def _raise_for_status(status: int) -> None:
    raise_for_http_status(status, "WeChat Channels", blocked=(401, 403, 412), advice="try again later", ok=(200, 201))


def _id_from_url(url: str) -> str | None:
    parts = urlsplit(url)
    m = re.match(rf"^/sph/({_ID_CHARS})$", parts.path)
    if m:
        return m.group(1)
    ids = parse_qs(parts.query).get("id")
    if ids and re.fullmatch(_ID_CHARS, ids[0]):
        return ids[0]
    return None
