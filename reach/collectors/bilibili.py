"""Collector for https://www.bilibili.com/ videos.

Identity: the canonical post id is the ``BV1`` + 9 base58 id (case-sensitive). ``av<aid>`` links
convert offline (:func:`av_to_bv`, aids beyond 2^32 included); ``?p=N`` names a part of the same
post; ``b23.tv/<code>`` short links need a redirect (``b23.tv/BV...`` does not).

Route: ``GET https://api.bilibili.com/x/web-interface/view?bvid=<id>`` with a browser User-Agent and
a Referer (a User-Agent containing "python" is answered ``-412``).

Counters (JSON ints, counts): ``data.stat.view`` → views, ``like`` → likes, ``reply`` → comments,
``share`` → shares, ``favorite`` → favorites; extras ``coin`` → coins, ``danmaku`` → danmaku.
``data.title``, ``data.owner.name``, ``data.pubdate`` (unix seconds, UTC).

Errors: HTTP 200 with a body ``code``: ``-404``/``62002``/``62004``/``62012``/``-403`` unavailable,
``-412``/``-352``/``-799`` blocked, ``-509`` rate limited, ``-101`` login needed.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..errors import (
    AuthRequired,
    Blocked,
    CollectError,
    NetworkError,
    ParseError,
    RateLimited,
    Unavailable,
)
from ..http import BROWSER_USER_AGENT, Http
from ..models import Metrics, ParsedPost, PostRef
from .base import Collector, RawResponse
from .common import count_field, dig, raise_for_http_status, text_or_none, utc_from_unix

_ALPHABET = "FcwAPNKTMug3GV5Lj7EJnHpWsx4tb8haYeviqBz6rkCy12mUSDQX9RdoZf"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
_XOR = 23442827791579
_MASK = (1 << 51) - 1
_MAX_AID = 1 << 51


def av_to_bv(aid: int) -> str:
    """The BV id of an av number (``1760000123`` → ``"BV1J442187uv"``).

    Raises:
        ValueError: ``aid`` is not in ``1 .. 2**51 - 1``.
    """
    if not 0 < aid < _MAX_AID:
        raise ValueError(f"av{aid} is out of range")
    chars = list("BV1000000000")
    tmp = (_MAX_AID | aid) ^ _XOR
    pos = len(chars) - 1
    while tmp > 0 and pos >= 3:
        chars[pos] = _ALPHABET[tmp % 58]
        tmp //= 58
        pos -= 1
    chars[3], chars[9] = chars[9], chars[3]
    chars[4], chars[7] = chars[7], chars[4]
    return "".join(chars)


def bv_to_av(bvid: str) -> int:
    """The av number of a BV id (``"BV1J442187uv"`` → ``1760000123``).

    Raises:
        ValueError: not a well-formed BV id.
    """
    if len(bvid) != 12 or bvid[:3].upper() != "BV1" or any(c not in _INDEX for c in bvid[3:]):
        raise ValueError(f"{bvid!r} is not a BV id")
    chars = list(bvid)
    chars[3], chars[9] = chars[9], chars[3]
    chars[4], chars[7] = chars[7], chars[4]
    tmp = 0
    for c in chars[3:]:
        tmp = tmp * 58 + _INDEX[c]
    return (tmp & _MASK) ^ _XOR


_ID = r"(?P<id>[Bb][Vv]1[0-9A-Za-z]{9}|[Aa][Vv]\d{1,16})(?![0-9A-Za-z])"

# code -> (error class, what it means, what to do)
_ERRORS: dict[int, tuple[type[CollectError], str]] = {
    -404: (Unavailable, "the video does not exist or was deleted"),
    62002: (Unavailable, "the video is not visible (removed, or not viewable from this region)"),
    62004: (Unavailable, "the video is under review"),
    62012: (Unavailable, "the video is visible to its uploader only"),
    -403: (Unavailable, "access to the video is restricted"),
    -101: (AuthRequired, "bilibili wants a login: add bilibili cookies (SESSDATA) in a cookies.txt"),
    -412: (Blocked, "request intercepted by bilibili's risk control; wait an hour or two before retrying"),
    -352: (Blocked, "risk-control check failed; wait some hours, or add browser cookies (buvid3/buvid4)"),
    -799: (Blocked, "requests too frequent; bilibili asks to slow down, try again later"),
    -509: (RateLimited, "over bilibili's request limit; try again later"),
    -503: (NetworkError, "bilibili is overloaded; try again later"),
}


class BilibiliCollector(Collector):
    platform = "bilibili"
    zone = "Asia/Shanghai"
    version = "1"
    hosts = ("bilibili.com", "b23.tv", "bili2233.cn", "bili22.cn", "bili33.cn")
    short_link_hosts = ("b23.tv", "bili2233.cn", "bili22.cn", "bili33.cn")
    patterns = (
        re.compile(r"^https?://(?:[\w-]+\.)*bilibili\.com/(?:s/)?video/" + _ID),
        # pages that embed one video by query: festival pages, the player
        re.compile(r"^https?://(?:www\.|m\.)?bilibili\.com/festival/[^#]*?[?&]bvid=" + _ID),
        re.compile(r"^https?://player\.bilibili\.com/player\.html\?(?:[^#]*&)?(?:bvid|aid)=(?P<id>[\w]+)(?![\w])"),
        re.compile(r"^https?://(?:b23\.tv|bili2233\.cn|bili22\.cn|bili33\.cn)/" + _ID + r"(?:[/?#]|$)"),
    )
    example_urls = (
        "https://www.bilibili.com/video/BV1J442187uv/",
        "https://m.bilibili.com/video/av1760000123",
        "https://b23.tv/BV1J442187uv",
        "https://player.bilibili.com/player.html?aid=1760000123&page=1",
    )
    cookie_names = ("SESSDATA", "buvid3", "buvid4", "bili_ticket")
    min_interval = 3.0
    max_concurrency = 1

    def normalize_id(self, raw_id: str) -> str | None:
        if raw_id[:2].lower() == "av" or raw_id.isdigit():
            digits = raw_id[2:] if raw_id[:2].lower() == "av" else raw_id
            if not digits.isdigit():
                return None
            try:
                return av_to_bv(int(digits))
            except ValueError:
                return None
        bvid = "BV" + raw_id[2:]
        try:
            return bvid if av_to_bv(bv_to_av(bvid)) == bvid else None
        except ValueError:
            return None

    def fetch_params(self, url: str) -> dict[str, str]:
        part = parse_qs(urlsplit(url).query).get("p")
        return {"p": part[0]} if part and part[0].isdigit() else {}

    def canonical_url(self, post_id: str) -> str:
        return f"https://www.bilibili.com/video/{post_id}/"

    def request_headers(self) -> dict[str, str]:
        return {"User-Agent": BROWSER_USER_AGENT, "Referer": "https://www.bilibili.com/"}

    async def fetch(self, http: Http, ref: PostRef) -> RawResponse:
        return await http.get(
            self,
            "https://api.bilibili.com/x/web-interface/view",
            params={"bvid": ref.post_id},
            headers={"Referer": self.canonical_url(ref.post_id)},
        )

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        try:
            body = raw.json()
        except ParseError:
            _raise_for_http_status(raw)
            raise
        if not isinstance(body, dict):
            raise ParseError("bilibili answered JSON that is not an object")
        body = _unwrap(body)
        code = body.get("code")
        if code != 0:
            _raise_for_code(body, raw.status)
        if raw.status != 200:
            _raise_for_http_status(raw)
        data = body.get("data")
        if not isinstance(data, dict):
            raise ParseError("bilibili answered code 0 without a data object: the API changed")
        stat = data.get("stat")
        if not isinstance(stat, dict):
            if "view" in data and ("like" in data or "reply" in data):
                stat = data  # the older x/web-interface/archive/stat shape: counters at data.*
            else:
                raise ParseError("bilibili answered code 0 without data.stat: the API changed")
        bvid = text_or_none(data.get("bvid")) or text_or_none(stat.get("bvid"))
        if bvid is None and isinstance(data.get("aid"), int):
            try:
                bvid = av_to_bv(data["aid"])
            except ValueError:
                raise ParseError(f"bilibili answered with an impossible aid {data['aid']}") from None
        if bvid is None:
            bvid = post_id
        if bvid is None:
            raise ParseError("bilibili response names no video (no data.bvid or data.aid)")
        if post_id is not None and bvid != post_id:
            raise ParseError(f"bilibili answered for {bvid}, not for the requested {post_id}")
        warnings: list[str] = []
        extra = {}
        for key, name in (("coin", "coins"), ("danmaku", "danmaku")):
            count = count_field(stat, key, name, warnings)
            if count is not None:
                extra[name] = count
        metrics = Metrics(
            views=count_field(stat, "view", "views", warnings),
            likes=count_field(stat, "like", "likes", warnings),
            comments=count_field(stat, "reply", "comments", warnings),
            shares=count_field(stat, "share", "shares", warnings),
            favorites=count_field(stat, "favorite", "favorites", warnings),
            extra=extra,
        )
        return ParsedPost(
            platform=self.platform,
            post_id=bvid,
            metrics=metrics,
            title=text_or_none(data.get("title")),
            author=text_or_none(dig(data, "owner", "name")),
            published_at=utc_from_unix(data.get("pubdate")),
            warnings=tuple(warnings),
        )


def _unwrap(body: dict[str, Any]) -> dict[str, Any]:
    """Find bilibili's own envelope when a relay wraps it (``{"code": 200, "data": {"code": -352, ...}}``).

    A wrapper's ``data`` that is itself an envelope (an int ``code`` beside ``message`` and no
    ``stat``) is what bilibili said; its code decides the outcome.
    """
    for _ in range(3):
        inner = body.get("data")
        if (
            isinstance(inner, dict)
            and isinstance(inner.get("code"), int)
            and ("message" in inner or "msg" in inner)
            and "stat" not in inner
            and body.get("code") in (0, 200)
        ):
            body = inner
            continue
        break
    return body


def _raise_for_code(body: dict[str, Any], http_status: int) -> None:
    code = body.get("code")
    message = str(body.get("message") or body.get("msg") or "").strip()
    said = f"bilibili says {message!r} (code {code})" if message else f"bilibili code {code}"
    if isinstance(code, int) and not isinstance(code, bool) and code in _ERRORS:
        cls, meaning = _ERRORS[code]
        raise cls(f"{said}: {meaning}", http_status=http_status)
    if code is None:
        raise ParseError("bilibili response has no 'code' field: not the API answer we expect")
    raise ParseError(f"{said}: an error code reach does not know yet; nothing recorded")


def _raise_for_http_status(raw: RawResponse) -> None:
    raise_for_http_status(raw.status, "bilibili", advice="risk control; wait before retrying")
