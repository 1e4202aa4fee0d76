"""Collector for https://weibo.com/ posts (text, picture and video posts).

Identity: the canonical post id is the numeric ``mid`` as a string of digits (``5012345678901234``).
It is read from ``weibo.com/<uid>/<mid or bid>`` (also ``www.weibo.com``, ``weibo.com/0/<mid>``),
``weibo.com/detail/<id>``, ``weibo.com/status/<id>``, ``m.weibo.cn/status/<id>``,
``m.weibo.cn/detail/<id>``, ``m.weibo.cn/<uid>/<id>``, ``weibo.cn/comment/<bid>``, the video tab
``weibo.com/u/<uid>?layerid=<mid>``, the API links ``weibo.com/ajax/statuses/show?id=<id>`` and
``m.weibo.cn/statuses/show|extend?id=<id>``, and the ``url=`` parameter of a passport.weibo.com
visitor/login page. A ``bid`` (``mblogid``, base62 ``0-9a-zA-Z``) converts offline to the mid
(:func:`bid_to_mid` / :func:`mid_to_bid`: 4-character groups ↔ 7-digit groups); a bid that does not
round-trip, or a path word (``weibo.com/<uid>/profile``, ``/u/<uid>``), is not a post: user pages raise
``UnsupportedURL`` saying so. Short links ``share.weibo.com/…``, ``mapp.api.weibo.cn/fx/….html`` and
``share.api.weibo.cn/…`` need a redirect (followed within Weibo's hosts only). ``t.cn`` is Sina's
general-purpose shortener: it is not resolved (its target can be any site).

Video links (decision): ``weibo.com/tv/show/1034:<oid>``, ``video.weibo.com/show?fid=1034:<oid>`` and
``h5.video.weibo.com/show/1034:<oid>`` name the *video object*, not the post: the object id is a
different number from the post's mid (``1034:4382054524348434`` belongs to post
``4382054705416396``), and one video can be in several posts. Identity never pretends it is a post:
such a link raises ``UnsupportedURL`` asking for the post's own link, unless it carries the post in a
``mid=`` parameter (``/tv/show/1034:…?mid=<mid>``), which is used.

Route: ``GET https://weibo.com/ajax/statuses/show?id=<mid>`` with a desktop browser User-Agent,
``Referer: https://weibo.com/``, ``Accept: application/json`` and ``X-Requested-With:
XMLHttpRequest`` (the web app's XHR headers). Without a ``SUB`` cookie Weibo answers with its visitor
wall (a 302 to ``passport.weibo.com/visitor/…``, a login/visitor HTML page, or ``{"ok":-100}``); the
collector then gets anonymous visitor cookies: ``POST passport.weibo.com/visitor/genvisitor2``
(``cb=visitor_gray_callback&tid=&from=weibo``), falling back to the older ``POST …/visitor/genvisitor``
(``cb=gen_callback&fp=…``) then ``GET …/visitor/visitor?a=incarnate&t=<tid>…``. ``SUB``/``SUBP`` are
taken from the answers' Set-Cookie or JSONP ``data.sub``/``data.subp`` and stored for ``.weibo.com``;
the show request is retried once. Still walled → ``auth_required``. A user's cookies.txt with
``SUB``/``SUBP`` is used as is and the visitor flow is skipped. Politeness: one request at a time,
3 s apart.

Counters (the status object, JSON ints, counts): ``attitudes_count`` → likes, ``comments_count`` →
comments, ``reposts_count`` → shares. A repost's counters are its own: ``retweeted_status`` (the
original) is never read for them. Views only for video posts (``page_info.type == "video"``, or one
video in ``mix_media_info``): ``page_info.media_info.online_users_number`` (int, exact), else the
display strings ``media_info.online_users`` ("903万次观看", truncated to 万) or ``page_info.play_count``
(int, or "265万次播放") → approximate via :func:`reach.parse_count`. ``text_raw`` (else ``raw_text``,
else ``text`` without HTML) shortened is the title, ``user.screen_name`` the author, ``created_at``
("Tue Apr 02 10:44:29 +0800 2024") the publication time in UTC; list answers' short forms ("06-14",
"3小时前") carry no year and are not recorded.

Display caps: m.weibo.cn shows counts of 1,000,000 and more as the string "100万+" or as the int
1000000 (``number_display_strategy.display_text_min_number``; the same strategy object rides on web
answers). "100万+" is a lower bound; an int exactly equal to 1000000 (or to the answer's
``display_text_min_number``) is recorded as a lower bound too, whatever the shape: it is true either
way. Other ints are exact.

Also parsed (``reach parse``): m.weibo.cn ``statuses/show`` and ``statuses/extend`` answers
(``{"ok":1,"data":{…}}``; extend carries no id: the post comes from ``--url``), the
``api/container/getIndex`` timeline (the status whose mid was asked; without one and several
statuses → parse_error asking for ``--url``), an ``m.weibo.cn/detail`` page (``$render_data``) and a
s.weibo.com search-result card (``div.card-act``: ``feed_list_forward`` 转发 → shares,
``feed_list_comment`` 评论 → comments, ``feed_list_like`` 赞 → likes; a missing element, or a label
shown without a number, is ``None`` with a warning, never 0; nested ``card-comment`` originals are
ignored).

Not public: read counts (阅读数: author only) → views ``None`` on text/picture posts; favourites.

Errors → outcomes:

* visitor wall (302/3xx to ``passport.weibo.com``, ``Sina Visitor System`` page) or login wall
  (``<title>登录 - 微博</title>`` with ``wbBotDetector``, a redirect to a login page, ``ok: -100``)
  → auth_required (fetch first runs the visitor flow once);
* ``error_code`` 20101 (该微博不存在) → unavailable; 20112 (暂无查看权限: visible to some people only)
  → unavailable (decision: not public; the message says to add cookies of an account that can see it
  if it should be public); ``deleted: "1"``; the "微博-出错了 / 微博不存在或暂无查看权限" page →
  unavailable;
* ``ok: 0`` with ``msg``: classified by the message (不存在/删除 → unavailable, 权限/仅自己可见 →
  unavailable, 登录 → auth_required, 频繁 → rate_limited, 验证码 → blocked), unknown → parse_error;
* HTTP 403/418/432 → blocked; 429 → rate_limited; 5xx → network_error;
* an answer for another mid, a status without id or counters, a body of no known shape → parse_error.
"""

from __future__ import annotations

import json
import random
import re
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import parse_qs, urljoin, urlsplit

from bs4 import Tag

from ..counts import parse_count
from ..errors import (
    AuthRequired,
    Blocked,
    CollectError,
    NetworkError,
    ParseError,
    RateLimited,
    ReachError,
    Unavailable,
    UnsupportedURL,
)
from ..http import BROWSER_USER_AGENT
from ..models import Count, CountKind, Metrics, ParsedPost, PostRef
from ..times import from_weibo
from .base import Collector, RawResponse, host_matches
from .common import count_field, dig, js_assignment, json_count, soup_of, text_or_none

if TYPE_CHECKING:
    from ..http import Http

# -- base62 bid <-> numeric mid ----------------------------------------------------------------

_B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_B62_INDEX = {c: i for i, c in enumerate(_B62)}


def bid_to_mid(bid: str) -> str:
    """The numeric mid of a base62 ``bid``/``mblogid`` (``"N4xlMvjhI"`` → ``"4910815147462302"``).

    The bid is cut into 4-character groups from the right; each decodes to a 7-digit group (zero-padded,
    except the leftmost).

    Raises:
        ValueError: not base62, or a group that cannot be a 7-digit group.
    """
    if not bid or any(c not in _B62_INDEX for c in bid):
        raise ValueError(f"{bid!r} is not a base62 weibo id")
    groups: list[str] = []
    end = len(bid)
    while end > 0:
        start = max(0, end - 4)
        value = 0
        for c in bid[start:end]:
            value = value * 62 + _B62_INDEX[c]
        if start > 0:
            if value >= 10**7:
                raise ValueError(f"{bid!r} is not a weibo id (group {bid[start:end]!r} is too large)")
            groups.append(f"{value:07d}")
        else:
            groups.append(str(value))
        end = start
    return "".join(reversed(groups))


def mid_to_bid(mid: str | int) -> str:
    """The base62 ``bid`` of a numeric mid (``"4910815147462302"`` → ``"N4xlMvjhI"``).

    The mid is cut into 7-digit groups from the right; each encodes to 4 base62 characters
    (zero-padded, except the leftmost).

    Raises:
        ValueError: not a positive number without leading zeros.
    """
    text = str(mid)
    if not text.isascii() or not text.isdigit() or text.startswith("0"):
        raise ValueError(f"{mid!r} is not a weibo mid")
    parts: list[str] = []
    end = len(text)
    while end > 0:
        start = max(0, end - 7)
        value = int(text[start:end])
        chars = ""
        while value > 0:
            value, rem = divmod(value, 62)
            chars = _B62[rem] + chars
        parts.append(chars.rjust(4, "0") if start > 0 else chars)
        end = start
    return "".join(reversed(parts))


# -- identity ----------------------------------------------------------------------------------

_ID = r"(?P<id>[0-9A-Za-z]{5,20})(?=[/?#&]|$)"
_WEIBO_COM = r"^https?://(?:www\.)?weibo\.com/"
_VIDEO_LINK = re.compile(r"^https?://(?:(?:www\.)?weibo\.com/tv/(?:show|v)/|(?:[\w-]+\.)*video\.weibo\.com/)")
_USER_PAGE = re.compile(
    _WEIBO_COM + r"(?:u/\d+|n/[^/?#]+|\d{5,}(?:/[A-Za-z_]+)?)/?(?:[?#]|$)"
    r"|^https?://m\.weibo\.cn/(?:u|profile)/\d+"
)
_PASSPORT_HOSTS = ("passport.weibo.com", "passport.weibo.cn", "login.sina.com.cn")
# path words after weibo.com/<uid>/ that are pages, not bids
_PATH_WORDS = frozenset({"profile", "home", "info", "follow", "fans", "followers", "album", "photos", "videos"})
_MIN_MID_DIGITS = 12
_MAX_MID_DIGITS = 20

# -- route -------------------------------------------------------------------------------------

_SHOW_URL = "https://weibo.com/ajax/statuses/show"
_GENVISITOR2_URL = "https://passport.weibo.com/visitor/genvisitor2"
_GENVISITOR_URL = "https://passport.weibo.com/visitor/genvisitor"
_INCARNATE_URL = "https://passport.weibo.com/visitor/visitor"
_VISITOR_PAGE = (
    "https://passport.weibo.com/visitor/visitor?entry=miniblog&a=enter&url=https%3A%2F%2Fweibo.com%2F&domain=weibo.com"
)
_FINGERPRINT = {
    "os": "1",
    "browser": "Chrome124,0,0,0",
    "fonts": "undefined",
    "screenInfo": "1920*1080*24",
    "plugins": "",
}
_COOKIE_DOMAIN = ".weibo.com"

_WALL_MESSAGES = {
    "visitor": (
        "weibo sent its visitor wall (passport.weibo.com) instead of the post: it wants visitor or login "
        "cookies. reach gets anonymous visitor cookies itself when fetching; if this persists, add weibo "
        "cookies (SUB) in a cookies.txt"
    ),
    "login": "weibo shows a login wall: add weibo cookies (SUB) in a cookies.txt",
}
_STILL_WALLED = "weibo shows a login wall: add weibo cookies (SUB) in a cookies.txt"
_NO_VISITOR = (
    "weibo shows a visitor/login wall and anonymous visitor cookies could not be obtained from "
    "passport.weibo.com: add weibo cookies (SUB) in a cookies.txt"
)

# -- parsing -----------------------------------------------------------------------------------

_DISPLAY_CAP = 1_000_000
_TITLE_MAX = 80
_COUNTERS = (("attitudes_count", "likes"), ("comments_count", "comments"), ("reposts_count", "shares"))
_ERROR_CODES: dict[int, tuple[type[CollectError], str]] = {
    20101: (Unavailable, "the post does not exist or was deleted"),
    20112: (
        Unavailable,
        "the post is visible to some people only (no permission to view it); nothing recorded. If it "
        "should be public, add weibo cookies (SUB) of an account that can see it in a cookies.txt",
    ),
    20003: (Unavailable, "the account does not exist"),
}
# message fragment -> (error class, meaning); first match wins
_MESSAGES: tuple[tuple[tuple[str, ...], type[CollectError], str], ...] = (
    (("不存在", "删除", "does not exist", "deleted", "not found", "not exist"), Unavailable,
     "the post does not exist or was deleted"),
    (("审核",), Unavailable, "the post is under review"),
    (("违规", "违反", "屏蔽"), Unavailable, "the post was removed or hidden by weibo"),
    (("暂无查看权限", "无权限", "没有权限", "仅自己可见", "仅粉丝可见", "仅好友", "好友圈", "permission"), Unavailable,
     "the post is visible to some people only; nothing recorded. If it should be public, add weibo "
     "cookies (SUB) of an account that can see it in a cookies.txt"),
    (("登录", "login"), AuthRequired, "weibo wants a login: add weibo cookies (SUB) in a cookies.txt"),
    (("频繁", "frequent"), RateLimited, "too many requests; wait before trying again"),
    (("验证码", "安全验证", "captcha", "verify"), Blocked,
     "weibo asks for a captcha (risk control); wait some hours, or add weibo cookies (SUB)"),
)  # fmt: skip
_LOGIN_TITLE = re.compile(r"<title>[^<]*(?:登录|登入|Sina Visitor System|访客)[^<]*</title>", re.IGNORECASE)
_WALL_MARKERS = (
    "wbBotDetector",
    "Sina Visitor System",
    "passport.weibo.com/visitor",
    "visitor/genvisitor",
    "visit.sina.cn",
    "passport.weibo.cn/signin",
    "login.sina.com.cn/signup",
)
_GONE_MARKERS = (
    "微博-出错了",
    "微博不存在或暂无查看权限",
    "该微博不存在",
    "此微博已被删除",
    "此微博已被作者删除",
    "该微博已被删除",
)
_CAPTCHA_MARKERS = ("请输入验证码", "安全验证", "验证码")
_FREQUENT_MARKERS = ("访问过于频繁", "操作过于频繁", "请求过于频繁")
_CARD_LABELS = re.compile(r"转发|评论|点赞|赞|收藏|forward|comment|like", re.IGNORECASE)
_CARD_ACTIONS = (("feed_list_forward", "shares", "转发"), ("feed_list_comment", "comments", "评论"),
                 ("feed_list_like", "likes", "赞"))  # fmt: skip

weibo_time = from_weibo
"""``"Tue Apr 02 10:44:29 +0800 2024"`` as UTC (:func:`reach.times.from_weibo`); list answers' ``"06-14"``
or ``"3小时前"`` are ``None`` here: they carry no year or need the snapshot's clock."""


class WeiboCollector(Collector):
    platform = "weibo"
    zone = "Asia/Shanghai"
    version = "1"
    hosts = (
        "weibo.com",
        "weibo.cn",
        "m.weibo.cn",
        "passport.weibo.com",
        "passport.weibo.cn",
        "visitor.passport.weibo.cn",
        "video.weibo.com",
        "h5.video.weibo.com",
        "share.weibo.com",
        "mapp.api.weibo.cn",
        "share.api.weibo.cn",
    )
    short_link_hosts = ("share.weibo.com", "mapp.api.weibo.cn", "share.api.weibo.cn")
    patterns = (
        re.compile(_WEIBO_COM + r"(?:detail|status)/" + _ID),
        re.compile(_WEIBO_COM + r"\d{1,12}/" + _ID),
        re.compile(_WEIBO_COM + r"u/\d+/?\?(?:[^#]*&)?layerid=(?P<id>\d{12,20})(?![0-9])"),
        re.compile(r"^https?://m\.weibo\.cn/(?:status|detail|\d{1,12})/" + _ID),
        re.compile(r"^https?://weibo\.cn/(?:comment|repost|attitude)/" + _ID),
        re.compile(
            r"^https?://(?:(?:www\.)?weibo\.com/ajax|m\.weibo\.cn)/statuses/(?:show|extend)\?(?:[^#]*&)?id=" + _ID
        ),
    )
    example_urls = (
        "https://weibo.com/7827771738/N4xlMvjhI",
        "https://m.weibo.cn/status/4189191225395228",
        "https://m.weibo.cn/detail/4189191225395228",
        "https://weibo.com/detail/4910815147462302",
    )
    cookie_names = ("SUB", "SUBP")
    min_interval = 3.0
    max_concurrency = 1

    # -- identity --------------------------------------------------------------------------------

    def normalize_id(self, raw_id: str) -> str | None:
        if not raw_id.isascii() or not raw_id.isalnum():
            return None
        if raw_id.isdigit():
            ok = _MIN_MID_DIGITS <= len(raw_id) <= _MAX_MID_DIGITS and not raw_id.startswith("0")
            return raw_id if ok else None
        if raw_id.lower() in _PATH_WORDS or (raw_id.isalpha() and raw_id.islower()):
            return None  # a page of the user (weibo.com/<uid>/profile), not a bid
        try:
            mid = bid_to_mid(raw_id)
            if mid_to_bid(mid) != raw_id:
                return None
        except ValueError:
            return None
        return mid if _MIN_MID_DIGITS <= len(mid) <= _MAX_MID_DIGITS else None

    def match(self, url: str) -> PostRef | None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        query = parse_qs(parts.query)
        if host_matches(host, _PASSPORT_HOSTS):
            # a visitor/login page (the address bar after a wall) carries the post's link in url=
            for inner in query.get("url", []) + query.get("r", []):
                if inner != url and inner.startswith(("http://", "https://")):
                    ref = self.match(inner)
                    if ref is not None:
                        return PostRef(self.platform, ref.post_id, url=url, params=ref.params)
            return None
        if _VIDEO_LINK.search(url):
            for mid in query.get("mid", []):
                post_id = self.normalize_id(mid) if mid.isdigit() else None
                if post_id is not None:
                    return PostRef(self.platform, post_id, url=url)
            raise UnsupportedURL(
                f"{url} is a Weibo video link: it names the video object (1034:…), which is not the post's "
                "id. Open the video's post on Weibo, copy the post's own link (weibo.com/<uid>/<id> or "
                "m.weibo.cn/detail/<id>) and paste that"
            )
        ref = super().match(url)
        if ref is None and _USER_PAGE.search(url):
            raise UnsupportedURL(f"{url} is a Weibo user page, not a post: paste the link of the post itself")
        return ref

    def canonical_url(self, post_id: str) -> str:
        return f"https://m.weibo.cn/detail/{post_id}"

    def request_headers(self) -> dict[str, str]:
        return {"User-Agent": BROWSER_USER_AGENT, "Referer": "https://weibo.com/"}

    def classify_dead_end(self, raw: RawResponse) -> None:
        wall = _wall_kind(raw)
        if wall is not None:
            raise AuthRequired(_WALL_MESSAGES[wall], http_status=raw.status)
        _raise_for_blocking_status(raw)
        if raw.status == 404:
            raise Unavailable("short link leads nowhere (HTTP 404): the post or link no longer exists", http_status=404)
        text = raw.text
        if any(m in text for m in _GONE_MARKERS):
            raise Unavailable(
                "the short link leads to weibo's 'post does not exist or is not visible' page", http_status=raw.status
            )
        _raise_for_challenge_text(text, raw.status)

    # -- I/O -------------------------------------------------------------------------------------

    async def fetch(self, http: Http, ref: PostRef) -> RawResponse:
        had_cookie = http.cookie(self, "SUB") is not None
        raw = await self._show(http, ref.post_id)
        if had_cookie or _wall_kind(raw) is None:
            return raw  # with the user's (or earlier visitor) cookies, parse reports a wall as is
        if not await self._visitor_cookies(http):
            raise AuthRequired(_NO_VISITOR, http_status=raw.status)
        raw = await self._show(http, ref.post_id)
        if _wall_kind(raw) is not None:
            raise AuthRequired(_STILL_WALLED, http_status=raw.status)
        return raw

    async def _show(self, http: Http, mid: str) -> RawResponse:
        return await http.get(
            self,
            _SHOW_URL,
            params={"id": mid},
            headers={"Accept": "application/json, text/plain, */*", "X-Requested-With": "XMLHttpRequest"},
        )

    async def _visitor_cookies(self, http: Http) -> bool:
        """Get anonymous ``SUB``/``SUBP`` from passport.weibo.com; whether it worked."""
        raw = await http.post(
            self,
            _GENVISITOR2_URL,
            data={"cb": "visitor_gray_callback", "tid": "", "from": "weibo", "webdriver": "false"},
            headers={"Referer": "https://weibo.com/"},
        )
        if raw.status == 200 and self._store_visitor_cookies(http, raw):
            return True
        # the older two-step flow: a visitor id, then "incarnate" it into cookies
        gen = await http.post(
            self,
            _GENVISITOR_URL,
            data={"cb": "gen_callback", "fp": json.dumps(_FINGERPRINT, separators=(",", ":"))},
            headers={"Referer": _VISITOR_PAGE},
        )
        data = dig(_jsonp(gen.text), "data")
        tid = text_or_none(data.get("tid")) if isinstance(data, dict) else None
        if gen.status != 200 or tid is None or not isinstance(data, dict):
            return False
        confidence = data.get("confidence")
        if isinstance(confidence, bool) or not isinstance(confidence, int) or not 0 <= confidence <= 999:
            confidence = 100
        incarnate = await http.get(
            self,
            _INCARNATE_URL,
            params={
                "a": "incarnate",
                "t": tid,
                "w": "3" if data.get("new_tid") else "2",
                "c": f"{confidence:03d}",
                "gc": "",
                "cb": "cross_domain",
                "from": "weibo",
                "_rand": f"{random.random():.16f}",  # noqa: S311 - a cache buster, not a secret
            },
            headers={"Referer": _VISITOR_PAGE},
        )
        return incarnate.status == 200 and self._store_visitor_cookies(http, incarnate)

    def _store_visitor_cookies(self, http: Http, raw: RawResponse) -> bool:
        found = {name: value for name, value in raw.cookies.items() if name in ("SUB", "SUBP") and value}
        data = dig(_jsonp(raw.text), "data")
        if isinstance(data, dict):
            for key, name in (("sub", "SUB"), ("subp", "SUBP")):
                value = text_or_none(data.get(key))
                if value is not None and name not in found:
                    found[name] = value
        if "SUB" not in found:
            return False
        for name, value in found.items():
            http.set_cookie(self, name, value, _COOKIE_DOMAIN)
        return True

    # -- pure parsing ----------------------------------------------------------------------------

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        wall = _wall_kind(raw)
        if wall is not None:
            raise AuthRequired(_WALL_MESSAGES[wall], http_status=raw.status)
        if 300 <= raw.status < 400:
            _raise_for_redirect(raw)
        body = _json_body(raw)
        if body is not None:
            statuses = _statuses_from_json(body, raw.status)
            _raise_for_status(raw)
            status = self._pick(statuses, post_id, raw)
            return self._from_status(status, post_id, raw)
        text = raw.text
        if not text.strip():
            _raise_for_status(raw)
            raise ParseError(f"empty response body (HTTP {raw.status}) from weibo")
        render = _render_data_status(text)
        if render is not None:
            _raise_for_status(raw)
            return self._from_status(self._pick([render], post_id, raw), post_id, raw)
        if "card-act" in text:
            _raise_for_status(raw)
            return self._from_search_card(text, post_id, raw)
        if any(m in text for m in _GONE_MARKERS):
            raise Unavailable(
                "weibo says the post does not exist or is not visible (微博不存在或暂无查看权限)",
                http_status=raw.status,
            )
        _raise_for_challenge_text(text, raw.status)
        _raise_for_status(raw)
        snippet = " ".join(text.split())[:80]
        raise ParseError(
            "expected weibo.com/ajax/statuses/show JSON, an m.weibo.cn answer ({ok, data}), an m.weibo.cn "
            f"detail page ($render_data) or a search-result card, but got {snippet!r}",
            http_status=raw.status,
        )

    def _pick(self, statuses: list[dict[str, Any]], post_id: str | None, raw: RawResponse) -> dict[str, Any]:
        """The status that was asked for (by mid), or the only one when no mid was given."""
        if post_id is not None:
            for status in statuses:
                if _status_id(status) == post_id:
                    return status
            if len(statuses) == 1:
                found = _status_id(statuses[0])
                if found is None:
                    return statuses[0]  # an id-less answer (statuses/extend) for the post asked
                raise ParseError(f"weibo answered for post {found}, not for the requested {post_id}")
            raise ParseError(f"the answer holds {len(statuses)} posts but not the requested {post_id}")
        if len(statuses) == 1:
            return statuses[0]
        raise ParseError(
            f"the answer holds {len(statuses)} posts: say which one with --url <the post's link> (reach parse)"
        )

    def _post_id(self, status: dict[str, Any], post_id: str | None, raw: RawResponse) -> str:
        found = _status_id(status) or post_id or self._id_from_url(raw.url)
        if found is None:
            raise ParseError(
                "the answer does not name its post (no id or mid): give the post's link with --url (reach parse)"
            )
        return found

    def _id_from_url(self, url: str) -> str | None:
        try:
            ref = self.match(url)
        except ReachError:  # a short link, a video or user page: no post id in the URL itself
            return None
        return ref.post_id if ref is not None else None

    def _from_status(self, status: dict[str, Any], post_id: str | None, raw: RawResponse) -> ParsedPost:
        if str(status.get("deleted", "")) in ("1", "True", "true"):
            raise Unavailable("weibo says the post was deleted", http_status=raw.status)
        mid = self._post_id(status, post_id, raw)
        warnings: list[str] = []
        caps = _caps(status)
        counts = {label: _counter(status, key, label, caps, warnings) for key, label in _COUNTERS}
        metrics = Metrics(
            views=_views(status, caps, warnings),
            likes=counts["likes"],
            comments=counts["comments"],
            shares=counts["shares"],
            favorites=None,
        )
        warnings.append("favorites not shown (weibo does not show favourite counts)")
        created = status.get("created_at")
        published = weibo_time(created)
        relative = text_or_none(created) if published is None and isinstance(created, str) else None
        return ParsedPost(
            platform=self.platform,
            post_id=mid,
            metrics=metrics,
            title=_title(status),
            author=text_or_none(dig(status, "user", "screen_name")),
            published_at=published,
            published_text=relative,
            warnings=tuple(warnings),
        )

    def _from_search_card(self, html: str, post_id: str | None, raw: RawResponse) -> ParsedPost:
        soup = soup_of(html)
        acts = [
            act
            for act in soup.find_all("div", class_="card-act")
            if isinstance(act, Tag) and act.find_parent("div", class_="card-comment") is None
        ]
        if not acts:
            raise ParseError("a weibo search card without its counters (div.card-act)")
        cards: list[tuple[str | None, Tag, Tag]] = []
        for act in acts:
            holder = act.find_parent(attrs={"mid": True})
            mid = str(holder.get("mid")) if isinstance(holder, Tag) else None
            cards.append((mid if mid and mid.isdigit() else None, act, holder if isinstance(holder, Tag) else act))
        chosen: tuple[str | None, Tag, Tag] | None = None
        if post_id is not None:
            chosen = next((c for c in cards if c[0] == post_id), None)
            if chosen is None and len(cards) == 1 and cards[0][0] is None:
                chosen = cards[0]
            if chosen is None:
                raise ParseError(f"the search result holds no card for the requested post {post_id}")
        elif len(cards) == 1:
            chosen = cards[0]
        else:
            raise ParseError(
                f"the search result holds {len(cards)} posts: say which one with --url <the post's link> (reach parse)"
            )
        card_mid, act, holder = chosen
        mid = card_mid or post_id or self._id_from_url(raw.url)
        warnings: list[str] = []
        if mid is None:
            # Only `reach parse` asks without a post id; collection runs always name the post.
            warnings.append("the card does not name its post (no mid): give the post's link with --url to check it")
        counts: dict[str, Count | None] = {}
        for action, label, word in _CARD_ACTIONS:
            counts[label] = _card_count(act, action, label, word, warnings)
        warnings.append("views not shown (a search card shows no view or read count)")
        warnings.append("favorites not shown (weibo does not show favourite counts)")
        author = None
        name = holder.find("a", class_="name")
        if isinstance(name, Tag):
            author = text_or_none(name.get("nick-name")) or text_or_none(name.get_text(" ", strip=True))
        title = None
        for node_type in ("feed_list_content_full", "feed_list_content"):
            txt = holder.find("p", attrs={"node-type": node_type})
            if isinstance(txt, Tag) and txt.find_parent("div", class_="card-comment") is None:
                title = _shorten(txt.get_text(" ", strip=True))
                break
        return ParsedPost(
            platform=self.platform,
            post_id=mid or "",
            metrics=Metrics(likes=counts["likes"], comments=counts["comments"], shares=counts["shares"]),
            title=title,
            author=author,
            published_at=None,
            warnings=tuple(warnings),
        )


# -- helpers -----------------------------------------------------------------------------------


def _jsonp(text: str) -> Any:
    """The JSON object inside a JSONP answer (``visitor_gray_callback({...});``), or ``None``."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        return json.loads(text[start : end + 1])
    except ValueError:
        return None


def _json_body(raw: RawResponse) -> Any:
    """The body as JSON when it looks like JSON (``{`` / ``[``), else ``None``."""
    body = raw.body.lstrip()
    if body.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark before the JSON
        body = body[3:].lstrip()
    if body[:1] not in (b"{", b"["):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _is_redirect_to_wall(location: str) -> str | None:
    parts = urlsplit(location)
    host = (parts.hostname or "").lower()
    path = parts.path.lower()
    if "visitor" in path or "visitor" in host:
        return "visitor"
    if host_matches(host, _PASSPORT_HOSTS) or any(w in path for w in ("login", "signin", "signup")):
        return "login"
    return None


def _wall_kind(raw: RawResponse) -> str | None:
    """``"visitor"`` / ``"login"`` when the response is Weibo's visitor or login wall, else ``None``."""
    if 300 <= raw.status < 400:
        location = raw.headers.get("location")
        if location:
            return _is_redirect_to_wall(urljoin(raw.url, location))
    host = (urlsplit(raw.url).hostname or "").lower()
    if host_matches(host, _PASSPORT_HOSTS):
        return _is_redirect_to_wall(raw.url) or "login"
    head = raw.body.lstrip()[:1]
    if head in (b"{", b"["):
        body = _json_body(raw)
        if isinstance(body, dict) and body.get("ok") == -100:
            target = body.get("url")
            return (_is_redirect_to_wall(target) if isinstance(target, str) else None) or "login"
        return None
    text = raw.text
    if not text.strip():
        return None
    if _LOGIN_TITLE.search(text):
        return "visitor" if "Visitor" in text or "访客" in text else "login"
    has_content = "$render_data" in text or "card-act" in text
    if not has_content and any(m in text for m in _WALL_MARKERS):
        return "visitor" if ("Visitor" in text or "visitor" in text) and "wbBotDetector" not in text else "login"
    return None


def _raise_for_redirect(raw: RawResponse) -> NoReturn:
    location = raw.headers.get("location", "")
    target = urlsplit(urljoin(raw.url, location)) if location else None
    if target is not None and "sorry" in target.path and "pagenotfound" in target.query:
        raise Unavailable("weibo redirected to its 'page not found' page: the post was deleted", http_status=raw.status)
    where = f" to {target.hostname}{target.path}" if target is not None else " without a Location"
    raise ParseError(
        f"weibo redirected (HTTP {raw.status}){where} instead of answering; nothing recorded", http_status=raw.status
    )


def _raise_for_blocking_status(raw: RawResponse) -> None:
    status = raw.status
    if status in (403, 418, 432):
        raise Blocked(
            f"weibo refused the request (HTTP {status}, risk control); wait some hours before retrying, "
            "or add weibo cookies (SUB)",
            http_status=status,
        )
    if status == 429:
        raise RateLimited("weibo rate limit (HTTP 429); try again later", http_status=429)
    if status >= 500:
        raise NetworkError(f"weibo server error (HTTP {status})", http_status=status)


def _raise_for_status(raw: RawResponse) -> None:
    _raise_for_blocking_status(raw)
    if raw.status == 404:
        raise ParseError(
            "weibo answered HTTP 404: the API moved, or the post is gone; nothing recorded", http_status=404
        )
    if raw.status != 200:
        raise ParseError(f"unexpected HTTP {raw.status} from weibo", http_status=raw.status)


def _raise_for_challenge_text(text: str, http_status: int) -> None:
    if any(m in text for m in _FREQUENT_MARKERS):
        raise RateLimited(
            "weibo says requests are too frequent (访问过于频繁); wait before retrying", http_status=http_status
        )
    if any(m in text for m in _CAPTCHA_MARKERS):
        raise Blocked(
            "weibo asks for a captcha (risk control); wait some hours, or add weibo cookies (SUB)",
            http_status=http_status,
        )


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value.strip()):
        return int(value.strip())
    return None


def _message(obj: dict[str, Any]) -> str:
    for key in ("msg", "message", "error", "errmsg", "error_msg"):
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _error_code(obj: dict[str, Any]) -> int | None:
    for key in ("error_code", "errno"):
        code = _as_int(obj.get(key))
        if code:
            return code
    return None


def _check_envelope(body: dict[str, Any], http_status: int) -> None:
    """Raise for Weibo's error envelopes (``ok`` ≠ 1, ``error_code``, a ``msg``), before any counter."""
    data = body.get("data")
    inner = data if isinstance(data, dict) else {}
    code = _error_code(body) or _error_code(inner)
    oks = (body.get("ok"), inner.get("ok"))
    if code is None and all(ok in (None, 1, True) for ok in oks):
        return
    message = _message(body) or _message(inner)
    said = f"weibo says {message!r}" if message else "weibo answered"
    if code is not None:
        said = f"{said} (error_code {code})"
    if code is not None and code in _ERROR_CODES:
        cls, meaning = _ERROR_CODES[code]
        raise cls(f"{said}: {meaning}", http_status=http_status)
    if -100 in oks:
        raise AuthRequired(f"{said} (ok -100): {_WALL_MESSAGES['login']}", http_status=http_status)
    folded = message.lower()
    for fragments, cls, meaning in _MESSAGES:
        if folded and any(f in folded for f in fragments):
            raise cls(f"{said}: {meaning}", http_status=http_status)
    detail = f"error_code {code}" if code is not None else f"ok {oks[0]!r}"
    raise ParseError(f"{said} ({detail}): an answer reach does not know yet; nothing recorded", http_status=http_status)


def _is_status(obj: Any) -> bool:
    return isinstance(obj, dict) and any(key in obj for key, _ in _COUNTERS)


def _statuses_from_json(body: Any, http_status: int) -> list[dict[str, Any]]:
    """The status objects of a JSON answer, after its envelope was checked."""
    if isinstance(body, list):  # a $render_data array saved alone
        found = [item["status"] for item in body if isinstance(item, dict) and _is_status(item.get("status"))]
        if found:
            return found
        raise ParseError("a JSON array that holds no weibo status ($render_data shape expected)")
    if not isinstance(body, dict):
        raise ParseError("weibo answered JSON that is not an object")
    _check_envelope(body, http_status)
    if _is_status(body):
        return [body]  # weibo.com/ajax/statuses/show: the status itself, with ok: 1
    data = body.get("data")
    if isinstance(data, dict):
        if isinstance(data.get("cards"), list):
            return _timeline_statuses(data["cards"])
        for key in ("list", "statuses"):
            if isinstance(data.get(key), list):
                found = [s for s in data[key] if _is_status(s)]
                if not found:
                    raise ParseError("the weibo list answer holds no status")
                return found
        if _is_status(data):
            return [data]  # m.weibo.cn statuses/show, statuses/extend
        if _is_status(data.get("status")):
            return [data["status"]]
        raise ParseError("weibo answered ok without a status in data (no counters): the API changed")
    raise ParseError(
        "expected weibo.com/ajax/statuses/show JSON (a status with attitudes/comments/reposts counts) "
        "or an m.weibo.cn answer ({ok, data})"
    )


def _timeline_statuses(cards: list[Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for card in cards:
        if not isinstance(card, dict):
            continue
        if _is_status(card.get("mblog")):
            found.append(card["mblog"])
        for sub in card.get("card_group") or []:
            if isinstance(sub, dict) and _is_status(sub.get("mblog")):
                found.append(sub["mblog"])
    if not found:
        raise ParseError("the weibo timeline (getIndex) holds no post")
    return found


def _render_data_status(html: str) -> dict[str, Any] | None:
    """``$render_data[0].status`` of a saved m.weibo.cn detail page, or ``None`` when absent."""
    if "$render_data" not in html:
        return None
    try:
        value = js_assignment(html, "$render_data")
    except ValueError:
        raise ParseError("the m.weibo.cn page's $render_data is not readable") from None
    status = dig(value, 0, "status")
    if not _is_status(status):
        raise ParseError("the m.weibo.cn page's $render_data holds no status")
    result: dict[str, Any] = status
    return result


def _status_id(status: dict[str, Any]) -> str | None:
    for key in ("idstr", "mid", "id"):
        value = status.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return str(value)
        if isinstance(value, str) and value.isascii() and value.isdigit():
            return value
    for key in ("mblogid", "bid"):
        value = status.get(key)
        if isinstance(value, str) and value:
            try:
                return bid_to_mid(value)
            except ValueError:
                return None
    return None


def _caps(status: dict[str, Any]) -> set[int]:
    caps = {_DISPLAY_CAP}
    minimum = dig(status, "number_display_strategy", "display_text_min_number")
    if isinstance(minimum, int) and not isinstance(minimum, bool) and minimum > 0:
        caps.add(minimum)
    return caps


def _capped(count: Count | None, caps: set[int], label: str, warnings: list[str]) -> Count | None:
    """An int exactly at a display cap is "at least that many" (m.weibo.cn caps at 1000000)."""
    if count is not None and count.kind is CountKind.EXACT and count.raw is None and count.value in caps:
        warnings.append(f"{label} shown as the display cap {count.value}: recorded as a lower bound")
        return Count(count.value, CountKind.LOWER_BOUND, 1, None)
    return count


def _counter(status: dict[str, Any], key: str, label: str, caps: set[int], warnings: list[str]) -> Count | None:
    return _capped(count_field(status, key, label, warnings), caps, label, warnings)


def _video_parts(status: dict[str, Any], warnings: list[str]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``(page_info-like, media_info)`` of a video post; ``None`` (with a warning) for any other post."""
    page = status.get("page_info")
    page = page if isinstance(page, dict) else {}
    kind = page.get("type") or page.get("object_type")
    if kind == "video":
        media = page.get("media_info")
        return page, media if isinstance(media, dict) else {}
    items = dig(status, "mix_media_info", "items")
    if isinstance(items, list):
        videos = [
            i for i in items if isinstance(i, dict) and i.get("type") == "video" and isinstance(i.get("data"), dict)
        ]
        if len(videos) == 1:
            data = videos[0]["data"]
            media = data.get("media_info")
            return data, media if isinstance(media, dict) else {}
        if len(videos) > 1:
            warnings.append("views not shown (the post holds several videos; weibo shows no post-level view count)")
            return None
    if kind == "live":
        warnings.append("views not shown (a live stream: 'watching now' is not views)")
        return None
    warnings.append("views not shown (weibo has no public read count for text or picture posts)")
    return None


def _views(status: dict[str, Any], caps: set[int], warnings: list[str]) -> Count | None:
    parts = _video_parts(status, warnings)
    if parts is None:
        return None
    page, media = parts
    exact = json_count(media.get("online_users_number"))
    shown = [json_count(v) for v in (media.get("online_users"), page.get("play_count"))]
    shown_counts = [c for c in shown if c is not None and c.value is not None]
    if exact is not None and exact.value is not None:
        if exact.value == 0 and any(c.value for c in shown_counts if c.value):
            pass  # a 0 next to a non-zero display is a placeholder: trust the display
        else:
            return _capped(exact, caps, "views", warnings)
    for count in shown_counts:
        if count.value or all(not c.value for c in shown_counts):
            return _capped(count, caps, "views", warnings)
    warnings.append("views not shown (video post without online_users_number, online_users or play_count)")
    return None


def _shorten(text: str) -> str | None:
    flat = " ".join(text.split())
    if not flat:
        return None
    return flat if len(flat) <= _TITLE_MAX else flat[: _TITLE_MAX - 1] + "…"


def _title(status: dict[str, Any]) -> str | None:
    for key in ("text_raw", "raw_text"):
        value = text_or_none(status.get(key))
        if value is not None:
            return _shorten(value)
    html = text_or_none(status.get("text")) or text_or_none(status.get("longTextContent"))
    if html is not None:
        text = soup_of(html.replace("<br />", "\n").replace("<br/>", "\n")).get_text(" ")
        shortened = _shorten(text)
        if shortened is not None:
            return shortened
    for path in (("page_info", "title"), ("page_info", "media_info", "video_title"), ("page_info", "page_title")):
        value = text_or_none(dig(status, *path))
        if value is not None:
            return _shorten(value)
    return None


def _card_count(act: Tag, action: str, label: str, word: str, warnings: list[str]) -> Count | None:
    element = act.find(True, attrs={"action-type": action})
    if not isinstance(element, Tag):
        warnings.append(f"{label} not shown (no {word} element in the card)")
        return None
    inner = element.find(class_="woo-like-count") or element.find("em")
    text = (inner if isinstance(inner, Tag) else element).get_text(" ", strip=True)
    rest = _CARD_LABELS.sub("", text).strip()
    if not rest:
        warnings.append(f"{label} not shown (the card shows {word} without a number; not recorded as 0)")
        return None
    count = parse_count(rest)
    if count is None or count.value is None:
        warnings.append(f"{label} not shown (unreadable {text!r})")
        return None
    return Count(count.value, count.kind, count.granularity, text)
