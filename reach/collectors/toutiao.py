"""Collector for https://www.toutiao.com/ videos (今日头条), Xigua (西瓜视频) links included.

Identity: the canonical post id is the numeric group id (8 to 20 digits; 19 for every post since
2016). Toutiao and Xigua share one id space, so a Xigua id works on
``https://www.toutiao.com/video/<id>/`` and both spellings of one video are one post key. Link forms:

* ``www.toutiao.com/video/<id>/``, ``/article/<id>/``, ``/item/<id>/``, ``/group/<id>/``,
  ``/a<id>/``, ``/i<id>/``, the same paths on ``m.toutiao.com``, ``m.toutiaoimg.cn/a<id>`` and a
  ``?group_id=<id>`` query on those hosts;
* ``www.ixigua.com/<id>``, ``www.ixigua.com/video/<id>``, ``ixigua.com/i<id>``, the embed player
  ``ixigua.com/iframe/<id>`` / ``/embed/<id>`` / ``?group_id=<id>``, ``m.ixigua.com/video/<id>``,
  ``m.ixigua.com/douyin/share/video/<id>``. A series link ``ixigua.com/<id>?id=<other id>`` plays
  the episode ``<other id>`` (the path names the series' first video): the episode is the post;
* short links needing a redirect: ``m.toutiao.com/is/<code>/`` (also ``/is<code>``, ``www.``) and
  ``v.ixigua.com/<code>/``; they 302 to one of the forms above.

``toutiao.com/w/<id>/`` (微头条 short posts) is not recognised: no public counter route is known.

Route: ``GET https://www.toutiao.com/video/<id>/`` with a browser User-Agent and the anonymous
``ttwid`` cookie. Without one (from the user's cookies.txt or an earlier request) the collector
first registers one: ``POST https://ttwid.bytedance.com/ttwid/union/register/`` with the JSON body
``{"aid": 24, "needFid": false, "region": "cn", "service": "www.toutiao.com", "union": true}``; the
``ttwid`` it sets is copied to ``.toutiao.com``. A redirect to the same video page is followed
once; any other redirect is handed to :meth:`parse`.

The page carries ``<script id="RENDER_DATA">`` holding URL-encoded JSON; ``data.initialVideo``:

* counters (JSON ints, counts): ``playCount`` → views, ``diggCount`` → likes, ``commentCount`` →
  comments, ``repinCount`` → favorites (收藏; yt-dlp reads it as likes, but it pairs with the
  ``userRepin`` flag, and ``diggCount`` is the 点赞 count). A ``playCount`` of 0 on a video that
  has likes or comments is not a real play count: views ``None`` with a warning.
* ``title``, ``userInfo.name`` (author), ``publishTime`` (unix seconds, UTC); ``groupId`` /
  ``itemId`` are checked against the requested id.

Not public: shares (no share counter in RENDER_DATA) → ``None`` with a warning. Text articles
(``/article/`` ids) identify, but the route serves videos only: their read counts are shown to
the author only.

:meth:`parse` also reads a saved page, the decoded RENDER_DATA JSON, or its URL-encoded text.

Errors: empty body or HTTP 403/412/461 → blocked; a page without RENDER_DATA → blocked (the
``__ac_nonce`` anti-bot challenge page; if it persists while the page opens in a browser, the page
changed), unless it says 页面不存在 / 内容不存在 / 已删除 (unavailable); RENDER_DATA whose ``data``
has no ``initialVideo`` → unavailable (deleted or private video, or an id that names a text
article); HTTP 404/410 → unavailable; a redirect to an ``/article/``, ``/a<id>`` or ``/w/`` page →
not supported (a text article or 微头条); a redirect to a login or verification page → blocked;
RENDER_DATA that is not decodable, lacks ``data``, or describes another video, and an
``initialVideo`` without any counter → parse error; HTTP 429 → rate limited; 5xx → network error.
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import (
    Blocked,
    NeedsResolution,
    NotSupported,
    ParseError,
    Unavailable,
)
from ..http import BROWSER_USER_AGENT, Http
from ..models import Metrics, ParsedPost, PostRef
from .base import REDIRECTS, Collector, RawResponse, host_matches
from .common import count_field, decode_js_value, dig, raise_for_http_status, soup_of, text_or_none, utc_from_unix

TTWID_URL = "https://ttwid.bytedance.com/ttwid/union/register/"
TTWID_BODY = {"aid": 24, "needFid": False, "region": "cn", "service": "www.toutiao.com", "union": True}

_ID = r"(?P<id>\d{8,20})(?![0-9A-Za-z])"
_TOUTIAO = r"(?:www\.|m\.)?toutiao\.com"
_TOUTIAOIMG = r"(?:[\w-]+\.)*toutiaoimg\.(?:cn|com)"
_SHORT_LINKS = (
    re.compile(r"^https?://(?:m\.|www\.)?toutiao\.com/is/?[0-9A-Za-z_-]+", re.IGNORECASE),
    re.compile(r"^https?://v\.ixigua\.com/[0-9A-Za-z_-]+", re.IGNORECASE),
)
_XIGUA_EPISODE = re.compile(r"^https?://(?:[\w-]+\.)?ixigua\.com/[^?#]*\?(?:[^#]*&)?id=(?P<id>\d{8,20})(?![0-9A-Za-z])")
_CHALLENGE_MARKERS = (
    "__ac_nonce",
    "__ac_signature",
    "byted_acrawler",
    "acrawler",
    "captcha",
    "verifycenter",
    "验证码",
    "安全验证",
)
_GONE_MARKERS = ("页面不存在", "内容不存在", "已删除", "视频不存在")
_COUNTER_KEYS = ("playCount", "diggCount", "commentCount", "repinCount")


class ToutiaoCollector(Collector):
    platform = "toutiao"
    zone = "Asia/Shanghai"
    version = "1"
    hosts = ("toutiao.com", "toutiaoimg.cn", "toutiaoimg.com", "ixigua.com", "ttwid.bytedance.com")
    short_link_hosts = ("v.ixigua.com",)
    patterns = (
        re.compile(r"^https?://" + _TOUTIAO + r"/(?:video|article|item|group)/" + _ID, re.IGNORECASE),
        re.compile(r"^https?://" + _TOUTIAO + r"/[ai]" + _ID, re.IGNORECASE),
        re.compile(r"^https?://" + _TOUTIAOIMG + r"/(?:[ai]|(?:video|article|item|group)/)" + _ID, re.IGNORECASE),
        re.compile(
            r"^https?://(?:" + _TOUTIAO + r"|" + _TOUTIAOIMG + r")/[^#]*?[?&]group_id=" + _ID,
            re.IGNORECASE,
        ),
        re.compile(r"^https?://(?:www\.)?ixigua\.com/(?:video/|iframe/|embed/|i)?" + _ID, re.IGNORECASE),
        re.compile(r"^https?://(?:www\.|m\.)?ixigua\.com/[^#]*?[?&]group_id=" + _ID, re.IGNORECASE),
        re.compile(r"^https?://m\.ixigua\.com/(?:douyin/share/)?video/" + _ID, re.IGNORECASE),
    )
    example_urls = (
        "https://www.toutiao.com/video/7400000000000000001/",
        "https://www.toutiao.com/article/7400000000000000002/",
        "https://m.toutiao.com/i7400000000000000003/",
        "https://www.ixigua.com/7400000000000000004",
        "https://m.ixigua.com/video/7400000000000000005",
    )
    cookie_names = ("ttwid", "__ac_nonce", "__ac_signature", "s_v_web_id")
    min_interval = 3.0
    max_concurrency = 1

    def match(self, url: str) -> PostRef | None:
        ref = super().match(url)
        if ref is not None:
            episode = _XIGUA_EPISODE.match(url)
            if episode is not None and episode.group("id") != ref.post_id:
                # ixigua.com/<first video of a series>?id=<the episode on screen>: the episode is the post
                return PostRef(self.platform, episode.group("id"), url=url, params=ref.params)
        if ref is None and any(p.match(url) for p in _SHORT_LINKS):
            raise NeedsResolution(url, self.platform)
        return ref

    def normalize_id(self, raw_id: str) -> str | None:
        return raw_id if raw_id.isascii() and raw_id.isdigit() and 8 <= len(raw_id) <= 20 else None

    def canonical_url(self, post_id: str) -> str:
        return f"https://www.toutiao.com/video/{post_id}/"

    def request_headers(self) -> dict[str, str]:
        return {"User-Agent": BROWSER_USER_AGENT, "Referer": "https://www.toutiao.com/"}

    async def fetch(self, http: Http, ref: PostRef) -> RawResponse:
        if http.cookie(self, "ttwid") is None:
            await self._register_ttwid(http)
        url = self.canonical_url(ref.post_id)
        headers = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
        raw = await http.get(self, url, headers=headers)
        location = raw.headers.get("location")
        if raw.status in REDIRECTS and location:
            target = http.join_url(url, location)
            if _is_video_page(target, ref.post_id):
                raw = await http.get(self, target, headers=headers)
        return raw

    async def _register_ttwid(self, http: Http) -> None:
        """Get the anonymous ``ttwid`` cookie toutiao.com pages need.

        Raises:
            Blocked: the register endpoint set no ``ttwid``.
        """
        raw = await http.post(
            self,
            TTWID_URL,
            json=TTWID_BODY,
            headers={"Content-Type": "application/json"},
        )
        value = raw.cookies.get("ttwid")
        if not value:
            raise Blocked(
                f"toutiao did not hand out the anonymous ttwid cookie (HTTP {raw.status} from "
                "ttwid.bytedance.com): its anti-bot checks are refusing us; try again later, or add a "
                "toutiao cookies.txt (exported from a browser) that holds ttwid",
                http_status=raw.status,
            )
        http.set_cookie(self, "ttwid", value, domain=".toutiao.com")

    def classify_dead_end(self, raw: RawResponse) -> None:
        if raw.status in (404, 410):
            raise Unavailable(
                f"the toutiao/xigua short link leads nowhere (HTTP {raw.status}): the post or the link is gone",
                http_status=raw.status,
            )
        if raw.status in (403, 412, 461):
            raise Blocked(
                f"toutiao refused to resolve the short link (HTTP {raw.status}, anti-bot); try again later",
                http_status=raw.status,
            )
        text = raw.text.lower()
        if any(m in text for m in _CHALLENGE_MARKERS):
            raise Blocked(
                "toutiao answered the short link with an anti-bot challenge page; try again later",
                http_status=raw.status,
            )
        if any(m in raw.text for m in _GONE_MARKERS):
            raise Unavailable("the toutiao/xigua short link leads to a 'not found' page", http_status=raw.status)

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        if raw.status in REDIRECTS:
            _raise_for_redirect(raw)
        if not raw.body.strip():
            _raise_for_status(raw)
            raise Blocked(
                "toutiao answered with an empty page (HTTP 200): its anti-bot checks refused us; "
                "wait a while before trying again",
                http_status=raw.status,
            )
        _raise_for_status(raw)
        state = _render_data(raw.text)
        if state is None:
            text = raw.text.lower()
            if any(m in text for m in _CHALLENGE_MARKERS):
                raise Blocked(
                    "toutiao answered an anti-bot challenge page (__ac_nonce / captcha) instead of the video "
                    "page; wait a while before trying again",
                    http_status=raw.status,
                )
            if any(m in raw.text for m in _GONE_MARKERS):
                raise Unavailable(
                    "toutiao answered a 'not found' page: the video was deleted or never existed",
                    http_status=raw.status,
                )
            raise Blocked(
                "toutiao answered a page without the video data (no RENDER_DATA script): usually an anti-bot "
                "challenge; if it persists while the video opens normally in a browser, the page changed "
                "(report it with `reach parse` output)",
                http_status=raw.status,
            )
        data = state.get("data")
        if not isinstance(data, dict):
            raise ParseError("toutiao RENDER_DATA has no 'data' object: the page changed; nothing recorded")
        video = data.get("initialVideo")
        if not isinstance(video, dict) or not video:
            raise Unavailable(
                "toutiao has no video with this id (RENDER_DATA without initialVideo): the video was deleted "
                "or made private, or the id names a text article, whose read counts only its author sees"
            )
        answered = _ids(video)
        if post_id is not None and answered and post_id not in answered:
            raise ParseError(
                f"toutiao answered for video {sorted(answered)[0]}, not for the requested {post_id}; nothing recorded"
            )
        vid = post_id or _first_id(video) or _id_from_url(raw.url)
        if vid is None:
            raise ParseError("the toutiao page names no video (no groupId/itemId): pass the post URL with --url")
        if not any(k in video for k in _COUNTER_KEYS):
            raise ParseError(
                "toutiao initialVideo carries none of playCount/diggCount/commentCount/repinCount: "
                "the page changed; nothing recorded"
            )
        warnings_: list[str] = []
        likes = count_field(video, "diggCount", "likes", warnings_)
        comments = count_field(video, "commentCount", "comments", warnings_)
        favorites = count_field(video, "repinCount", "favorites", warnings_)
        views = count_field(video, "playCount", "views", warnings_)
        if (
            views is not None
            and views.value == 0
            and any(c is not None and c.value for c in (likes, comments, favorites))
        ):
            views = None
            warnings_.append("views not shown (playCount is 0 on a video with likes or comments: not a real count)")
        warnings_.append("shares not shown (toutiao.com shows no share count)")
        author = text_or_none(dig(video, "userInfo", "name")) or text_or_none(dig(video, "userInfo", "nickname"))
        return ParsedPost(
            platform=self.platform,
            post_id=vid,
            metrics=Metrics(views=views, likes=likes, comments=comments, shares=None, favorites=favorites),
            title=text_or_none(video.get("title")),
            author=author,
            published_at=utc_from_unix(video.get("publishTime")),
            warnings=tuple(warnings_),
        )


def _is_video_page(url: str, post_id: str) -> bool:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return host_matches(host, ("toutiao.com",)) and re.match(rf"^/video/{post_id}/?$", parts.path) is not None


def _raise_for_redirect(raw: RawResponse) -> None:
    location = raw.headers.get("location", "")
    parts = urlsplit(location)
    path = parts.path.lower()
    where = f"{parts.hostname or 'toutiao.com'}{parts.path}" if location else "an unknown page"
    host = (parts.hostname or "").lower()
    rest = f"{parts.path}?{parts.query}".lower()
    if host.startswith(("sso.", "passport.", "login.", "verify.")) or any(
        w in rest for w in ("login", "verify", "captcha")
    ):
        raise Blocked(
            f"toutiao redirected to a login or verification page ({where}); wait before retrying, or add a "
            "toutiao cookies.txt exported from a browser",
            http_status=raw.status,
        )
    if re.search(r"/(?:article/|a\d|w/)", path):
        raise NotSupported(
            "this toutiao id is a text article or a 微头条 post, not a video: toutiao shows its reads to the "
            "author only; enter its numbers by hand (`reach record`)",
            http_status=raw.status,
        )
    raise ParseError(
        f"toutiao redirected the video page to {where} (HTTP {raw.status}): not a page reach knows; nothing recorded",
        http_status=raw.status,
    )


def _raise_for_status(raw: RawResponse) -> None:
    raise_for_http_status(
        raw.status,
        "toutiao",
        blocked=(403, 405, 412, 461),
        advice="anti-bot; wait before retrying",
        gone="toutiao has no such video: deleted or never existed",
    )


def _render_data(text: str) -> dict[str, Any] | None:
    """The decoded RENDER_DATA object of a page (or of a saved RENDER_DATA text); ``None`` when the
    page has none.

    Raises:
        ParseError: RENDER_DATA is there but is not a JSON object.
    """
    stripped = text.strip()
    if stripped.startswith("{") or stripped[:3].upper() == "%7B":
        encoded: str | None = stripped
    else:
        encoded = _script_by_id(text, "RENDER_DATA")
    if encoded is None:
        return None
    encoded = encoded.strip()
    if not encoded.startswith("{"):
        encoded = unquote(encoded)
    try:
        state = json.loads(encoded)
    except ValueError:
        try:
            state = decode_js_value(encoded)  # a bare JavaScript `undefined` / NaN becomes null
        except ValueError:
            raise ParseError("toutiao RENDER_DATA is not decodable JSON: the page changed; nothing recorded") from None
    if not isinstance(state, dict):
        raise ParseError("toutiao RENDER_DATA is not a JSON object: the page changed; nothing recorded")
    return state


def _script_by_id(html: str, script_id: str) -> str | None:
    if "<" not in html:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        soup = soup_of(html)
    tag = soup.find("script", id=script_id)
    if tag is None:
        return None
    return tag.string or tag.get_text() or ""


def _ids(video: dict[str, Any]) -> set[str]:
    out = set()
    for key in ("groupId", "itemId", "group_id", "item_id"):
        value = video.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and value > 0:
            out.add(str(value))
        elif isinstance(value, str) and value.strip().isdigit():
            out.add(value.strip())
    return out


def _first_id(video: dict[str, Any]) -> str | None:
    for key in ("groupId", "itemId", "group_id", "item_id"):
        ids = _ids({key: video.get(key)})
        if ids:
            return ids.pop()
    return None


def _id_from_url(url: str) -> str | None:
    m = re.search(r"/video/(\d{8,20})(?![0-9A-Za-z])", url)
    return m.group(1) if m else None
