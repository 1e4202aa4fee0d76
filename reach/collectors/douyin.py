"""Collector for https://www.douyin.com/ posts (videos, image notes, slides).

Identity: the canonical post id is the 19-digit ``aweme_id``. It is read from
``www.douyin.com/(video|note|slides)/<id>``, ``www.iesdouyin.com/share/(video|note|slides)/<id>/``,
``m.douyin.com/share/...``, ``jingxuan.douyin.com/m/(video|note|slides)/<id>`` (any douyin.com or
iesdouyin.com page whose path ends in ``video|note|slides/<id>``), and from ``?modal_id=<id>`` or
``?vid=<id>`` on any douyin.com page (user, search, discover, jingxuan pages). Other 19-digit numbers
in a link (``mid=`` is the music id, ``from_aid``) are never taken. Short links ``v.douyin.com/<code>/``
and ``jx.douyin.com/<code>`` need one redirect: :meth:`DouyinCollector.resolve` follows it only within
douyin.com / iesdouyin.com; a chain that ends on a login or verification page, a 404, a risk-control
page or a profile (``/share/user/``) is classified, not followed further. The share text users paste
("8.48 复制打开抖音，看看【…】 https://v.douyin.com/…/ …", also the "Dou音" form) is reduced to its
short link (junk glued after the code is dropped).

Route: ``GET https://www.douyin.com/aweme/v1/web/aweme/detail/?aweme_id=<id>&aid=6383
&device_platform=webapp&channel=channel_pc_web&request_source=0`` (no a_bogus, no msToken), with a
desktop browser User-Agent and ``Referer: https://www.douyin.com/video/<id>``. It needs a ``ttwid``
cookie: a user's cookies.txt (``ttwid``, ``msToken``, ``sessionid`` ...) is used as is; without one,
an anonymous ``ttwid`` is registered first with ``POST https://ttwid.bytedance.com/ttwid/union/register/``
(JSON body, cookie taken from the answer's Set-Cookie and stored for ``.douyin.com``). A failed
handshake is ``blocked`` and no detail request is sent. Politeness: one request at a time, 5 s apart,
and the engine stops asking Douyin in a run after one blocked outcome (``block_threshold = 1``):
Douyin's gateway answers repeated requests with more 403s and can blacklist the address.

Counters (``aweme_detail.statistics``, JSON ints, counts): ``digg_count`` → likes, ``comment_count``
→ comments, ``share_count`` → shares, ``collect_count`` → favorites; extra ``recommend_count`` →
recommends (推荐, shown non-zero in real 2026 answers). A count sent as a display string ("1.2万",
"10万+") is read with :func:`reach.parse_count` (approximate / lower bound, raw kept).
``aweme_detail.desc`` (else ``item_title``, ``caption``) is the title, ``author.nickname`` the author,
``create_time`` (unix seconds) the publication time.

Not public: **plays**. ``statistics.play_count`` is 0 in every web answer next to non-zero likes
(Douyin removed plays from the web in 2025), so views are ``None`` with a warning. A non-zero
``play_count`` (app-protocol answers, an owner's session) is not recorded either: no real answer
shows what it counts or whom it is shown to; it is quoted in the warning only. Plays are owner data
(creator centre export, Open Platform), for manual entry or import. ``admire_count`` (赞赏) and
``forward_count`` are not recorded: no answer shows them non-zero, so a 0 cannot be told from "not
exposed". A saved share page (``window._ROUTER_DATA``, ``loaderData["video_(id)/page"].videoInfoRes
.item_list[0]``) is read the same way; since 2026-08 share pages carry no post data (``not_supported``).

Errors → outcomes:

* empty body with HTTP 200 (Douyin's anti-bot answer), the text ``blocked``, HTTP 403
  ``Blocked by ArgusSecurityPlugin …``, the share page's "抱歉出错了 / 请尝试在抖音内观看" fragment,
  a WAF challenge page (``waf_js``, ``wafchallengeid``, ``/waf-jschallenge/``), a verification page
  (验证码中间页, a captcha SDK), HTTP 403/412/461 (also around a saved share page) → blocked;
* ``aweme_detail`` null with ``filter_detail.filter_reason`` (``copyright_foreign``,
  ``status_self_see`` ...), ``status.is_delete``, ``status.private_status`` ≠ 0,
  ``status.is_prohibited`` (flags also read when sent as ``1`` or ``"1"``), a share page's empty
  ``item_list`` with ``filter_list`` → unavailable;
* ``status_code`` ≠ 0: classified by its message (login → auth_required; too frequent / verify /
  risk → blocked; not found / deleted / private → unavailable; ``11110`` encrypt_data_miss →
  blocked); an unknown code → parse_error;
* an answer for another ``aweme_id`` than the one asked, ``aweme_detail`` null without a reason, no
  ``statistics`` or none of its four counters readable, or a body of no known shape → parse_error.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from ..errors import (
    AuthRequired,
    Blocked,
    CollectError,
    NeedsResolution,
    NotSupported,
    ParseError,
    RateLimited,
    Unavailable,
    UnsupportedURL,
)
from ..http import BROWSER_USER_AGENT
from ..models import Count, Metrics, ParsedPost, PostRef
from .base import Collector, RawResponse, host_matches
from .common import count_field, dig, js_assignment, json_count, raise_for_http_status, text_or_none, utc_from_unix

if TYPE_CHECKING:
    from ..http import Http

DETAIL_URL = "https://www.douyin.com/aweme/v1/web/aweme/detail/"
TTWID_URL = "https://ttwid.bytedance.com/ttwid/union/register/"
TTWID_BODY: dict[str, Any] = {
    "region": "cn",
    "aid": 1768,
    "needFid": False,
    "service": "www.douyin.com",
    "migrate_info": {"ticket": "", "source": "node"},
    "cbUrlProtocol": "https",
    "union": True,
}

_PAGE_HOSTS = ("douyin.com", "iesdouyin.com")
"""Hosts a short link may lead to (the handshake host is not one)."""

_ID = r"(?P<id>\d{19})(?!\d)"
_HOST = r"^https?://(?:[\w-]+\.)*(?:iesdouyin|douyin)\.com"
_AUTH_PATH = re.compile(r"/(?:passport|verify|verifycenter|security|login)(?:[/?#._-]|$)", re.IGNORECASE)
_PROFILE_PATH = re.compile(r"^/(?:share/)?user/", re.IGNORECASE)

PLAYS_NOT_PUBLIC = (
    "views not shown: Douyin does not publish play counts (statistics.play_count is 0 on the web); "
    "plays are owner data (creator centre export), to be entered or imported by the account owner"
)

_EMPTY_PAGE = (
    "Douyin answered an empty page, its anti-bot check; wait an hour before retrying, "
    "or add Douyin cookies (ttwid, msToken, sessionid) from a browser in a cookies.txt"
)
_ARGUS = (
    "Douyin's gateway blocked the request ({detail}); wait before retrying (repeating it makes the "
    "block last longer), or add Douyin cookies from a browser in a cookies.txt"
)
_ERROR_PAGE = (
    "Douyin answered its '抱歉出错了 / 请尝试在抖音内观看' page (risk control of non-browser clients), "
    "not the post; the post is probably fine: wait and retry later, or add Douyin cookies"
)
_WAF_PAGE = (
    "Douyin answered a JavaScript challenge page (WAF) instead of the post; wait and retry later, "
    "or add Douyin cookies from a browser"
)
_CAPTCHA_PAGE = (
    "Douyin answered a verification (captcha) page instead of the post: risk control of this network; "
    "wait some hours before retrying, or add Douyin cookies from a browser"
)
_CAPTCHA_MARKERS = ("验证码", "captcha", "滑块验证", "安全验证", "人机验证")
_WAF_MARKERS = ("waf_js", "wafchallengeid", "argus-csp-token", "/waf-jschallenge/", "verifycenter")

# filter_detail.filter_reason -> what it means
_FILTER_REASONS: dict[str, str] = {
    "copyright_foreign": "not viewable from this region (copyright restriction)",
    "status_self_see": "private: visible to its author only",
    "status_friend_see": "visible to the author's friends only",
    "status_deleted": "deleted",
    "status_delete": "deleted",
    "status_reviewing": "under review",
}

# words in a status_msg -> (error class, meaning); tried in order
_STATUS_WORDS: tuple[tuple[tuple[str, ...], type[CollectError], str], ...] = (
    (("登录", "login"), AuthRequired, "Douyin wants a login: add Douyin cookies (sessionid) in a cookies.txt"),
    (
        ("频繁", "验证", "风控", "稍后", "繁忙", "异常", "too many", "frequent", "verify", "risk"),
        Blocked,
        "Douyin refused the request (risk control); wait before retrying, or add Douyin cookies",
    ),
    (
        ("不存在", "删除", "私密", "仅作者", "仅自己", "不可见", "无法查看", "下架", "not exist", "deleted", "private"),
        Unavailable,
        "the post cannot be viewed (deleted, private or restricted)",
    ),
)
_STATUS_CODES: dict[int, tuple[type[CollectError], str]] = {
    11110: (Blocked, "Douyin wants a signed request (encrypt_data_miss); this route no longer works anonymously"),
}


class DouyinCollector(Collector):
    platform = "douyin"
    zone = "Asia/Shanghai"
    version = "1"
    hosts = ("douyin.com", "iesdouyin.com", "ttwid.bytedance.com")
    short_link_hosts = ("v.douyin.com", "jx.douyin.com")
    redirect_hosts = _PAGE_HOSTS
    patterns = (
        re.compile(_HOST + r"/(?:[\w-]+/)*?(?:video|note|slides)/" + _ID),
        re.compile(_HOST + r"/[^?#]*\?(?:[^#]*?&)?modal_id=" + _ID),
        re.compile(_HOST + r"/[^?#]*\?(?:[^#]*?&)?vid=" + _ID),
    )
    example_urls = (
        "https://www.douyin.com/video/7400000000000000001",
        "https://www.iesdouyin.com/share/note/7400000000000000002/?region=CN&mid=7300000000000000009",
        "https://jingxuan.douyin.com/m/slides/7400000000000000003",
        "https://www.douyin.com/jingxuan?modal_id=7400000000000000004",
    )
    cookie_names = (
        "ttwid",
        "msToken",
        "sessionid",
        "sessionid_ss",
        "sid_tt",
        "odin_tt",
        "s_v_web_id",
        "UIFID",
        "passport_csrf_token",
    )
    min_interval = 5.0
    max_concurrency = 1
    block_threshold = 1

    # -- identity ---------------------------------------------------------------------------------

    def normalize_id(self, raw_id: str) -> str | None:
        return raw_id if re.fullmatch(r"\d{19}", raw_id) else None

    def match(self, url: str) -> PostRef | None:
        """As :meth:`Collector.match`; a short link is reported without what share text glued to it
        (``https://v.douyin.com/iAbC12Xy/复制此链接`` → ``https://v.douyin.com/iAbC12Xy/``)."""
        try:
            return super().match(url)
        except NeedsResolution:
            raise NeedsResolution(short_link(url), self.platform) from None

    def canonical_url(self, post_id: str) -> str:
        return f"https://www.douyin.com/video/{post_id}"

    # -- I/O ----------------------------------------------------------------------------------------

    def request_headers(self) -> dict[str, str]:
        return {"User-Agent": BROWSER_USER_AGENT, "Referer": "https://www.douyin.com/"}

    def check_landing(self, original_url: str, current_url: str) -> PostRef | None:
        """A chain that reaches a login / verification page (blocked) or a profile (unsupported)
        stops there, unrequested."""
        _check_landing(original_url, current_url)
        return None

    def refuse_redirect(self, original_url: str, target: str) -> str:
        """A short link to a Xigua video says which link to add instead."""
        host = urlsplit(target).hostname or ""
        if host_matches(host, ("ixigua.com",)):
            return (
                f"{original_url} leads to a Xigua video ({host}), not a Douyin post; add the Xigua/Toutiao link instead"
            )
        return super().refuse_redirect(original_url, target)

    def classify_dead_end(self, raw: RawResponse) -> None:
        """Raise the outcome of a short link that ends on an error page instead of a post."""
        path = urlsplit(raw.url).path
        if _AUTH_PATH.search(path):
            raise Blocked(
                "Douyin sent the short link to a login / verification page; open it in a browser and "
                "paste the full post link instead",
                http_status=raw.status,
            )
        if raw.status == 404:
            raise Unavailable(
                "Douyin short link leads nowhere (HTTP 404): the link expired or the post no longer exists",
                http_status=404,
            )
        if raw.status == 429:
            raise RateLimited("Douyin says too many requests (HTTP 429); try again later", http_status=429)
        signal = _blocked_signal(raw)
        if signal is not None:
            raise Blocked(signal, http_status=raw.status)
        if raw.status in (403, 412, 461):
            raise Blocked(f"Douyin refused to resolve the short link (HTTP {raw.status})", http_status=raw.status)

    async def fetch(self, http: Http, ref: PostRef) -> RawResponse:
        if http.cookie(self, "ttwid") is None:
            await self._register_ttwid(http)
        return await http.get(
            self,
            DETAIL_URL,
            params={
                "aweme_id": ref.post_id,
                "aid": "6383",
                "device_platform": "webapp",
                "channel": "channel_pc_web",
                "request_source": "0",
            },
            headers={"Referer": self.canonical_url(ref.post_id), "Accept": "application/json, text/plain, */*"},
        )

    async def _register_ttwid(self, http: Http) -> None:
        """Get an anonymous ``ttwid`` cookie and store it for ``.douyin.com``.

        Raises:
            Blocked: the register endpoint answered without a ttwid cookie.
        """
        raw = await http.post(
            self,
            TTWID_URL,
            json=TTWID_BODY,
            headers={"Origin": "https://www.douyin.com", "Referer": "https://www.douyin.com/"},
        )
        value = raw.cookies.get("ttwid")
        if raw.status != 200 or not value:
            what = "without a ttwid cookie" if not value else "(a refusal)"
            raise Blocked(
                f"Douyin's anonymous session handshake failed (ttwid.bytedance.com answered HTTP {raw.status} "
                f"{what}), so the post was not requested; retry later, or add Douyin cookies (ttwid) from a "
                "browser in a cookies.txt",
                http_status=raw.status,
            )
        http.set_cookie(self, "ttwid", value, ".douyin.com")

    # -- pure parsing -------------------------------------------------------------------------------

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        text = raw.text
        stripped = text.strip().lstrip("\ufeff").strip()  # a file saved by a Windows editor starts with a BOM
        if not stripped:
            _raise_for_empty(raw)
        if stripped.startswith(("{", "[")):
            try:
                body = json.loads(stripped)
            except ValueError:
                body = None
            if body is not None:
                return self._parse_json(body, raw, post_id)
        if "<" in stripped and "videoInfoRes" in stripped:
            return self._parse_share_page(stripped, raw, post_id)
        signal = _blocked_signal(raw)
        if signal is not None:
            raise Blocked(signal, http_status=raw.status)
        if "_ROUTER_DATA" in stripped:
            raise NotSupported(
                "this saved Douyin share page carries no post data (since 2026-08 share pages do not embed "
                "counters); reach reads Douyin through its web API instead",
                http_status=raw.status,
            )
        if _has_captcha(stripped):
            raise Blocked(_CAPTCHA_PAGE, http_status=raw.status)
        _raise_for_http_status(raw)
        snippet = stripped[:80].replace("\n", " ")
        raise ParseError(
            "expected Douyin's aweme/detail JSON or a saved share page with window._ROUTER_DATA, "
            f"got something else (HTTP {raw.status}): {snippet!r}",
            http_status=raw.status,
        )

    def _parse_json(self, body: Any, raw: RawResponse, post_id: str | None) -> ParsedPost:
        if not isinstance(body, dict):
            raise ParseError("Douyin answered JSON that is not an object", http_status=raw.status)
        body = _unwrap(body)
        filter_detail = body.get("filter_detail")
        code = body.get("status_code")
        if not _code_ok(code):
            _raise_for_status_code(body, raw.status)
        if raw.status != 200:
            _raise_for_http_status(raw)
        if "aweme_detail" not in body and isinstance(body.get("aweme_details"), list):
            aweme = _pick(body["aweme_details"], post_id)
            if aweme is None and body["aweme_details"]:
                raise ParseError(f"Douyin answered a list of posts without the requested {post_id}")
        else:
            aweme = body.get("aweme_detail")
        if not isinstance(aweme, dict) or not aweme:
            if isinstance(filter_detail, dict) and (
                filter_detail.get("filter_reason") or filter_detail.get("detail_msg")
            ):
                _check_id(text_or_none(filter_detail.get("aweme_id")), post_id)
                raise _filtered(filter_detail, raw.status)
            if code is None and "aweme_detail" not in body:
                raise ParseError(
                    "expected Douyin's aweme/detail JSON (status_code, aweme_detail), got another JSON object",
                    http_status=raw.status,
                )
            raise ParseError(
                "Douyin answered without the post (aweme_detail is empty) and without a reason: cannot tell a "
                "deleted post from a refused request; nothing recorded",
                http_status=raw.status,
            )
        return self._parse_aweme(aweme, post_id)

    def _parse_share_page(self, html: str, raw: RawResponse, post_id: str | None) -> ParsedPost:
        try:
            state = js_assignment(html, "_ROUTER_DATA")
        except ValueError:
            raise ParseError("the saved Douyin share page has an unreadable window._ROUTER_DATA") from None
        info = None
        loader = dig(state, "loaderData")
        if isinstance(loader, dict):
            for key, page in loader.items():
                if isinstance(key, str) and key.endswith("/page") and isinstance(dig(page, "videoInfoRes"), dict):
                    info = page["videoInfoRes"]
                    break
        if info is None:
            signal = _blocked_signal(raw)
            if signal is not None:
                raise Blocked(signal, http_status=raw.status)
            raise ParseError("the saved Douyin share page has no readable loaderData[…].videoInfoRes")
        if not _code_ok(info.get("status_code")):
            _raise_for_status_code(info, raw.status)
        if raw.status != 200:
            _raise_for_http_status(raw)
        items = info.get("item_list")
        if isinstance(items, list) and items:
            aweme = _pick(items, post_id)
            if not isinstance(aweme, dict):
                raise ParseError(f"the saved Douyin share page lists other posts, not the requested {post_id}")
            return self._parse_aweme(aweme, post_id)
        filters = info.get("filter_list")
        if isinstance(filters, list) and filters and isinstance(filters[0], dict):
            _check_id(text_or_none(filters[0].get("aweme_id")), post_id)
            raise _filtered(filters[0], raw.status)
        raise ParseError("the saved Douyin share page lists no post and no reason (empty item_list)")

    def _parse_aweme(self, aweme: dict[str, Any], post_id: str | None) -> ParsedPost:
        stats = aweme.get("statistics")
        aweme_id = text_or_none(str(aweme.get("aweme_id") or "")) or text_or_none(str(dig(stats, "aweme_id") or ""))
        _check_id(aweme_id, post_id)
        stats_id = text_or_none(str(dig(stats, "aweme_id") or ""))
        if aweme_id is not None and stats_id is not None and stats_id != aweme_id:
            raise ParseError(f"Douyin's answer mixes two posts ({aweme_id} and statistics of {stats_id})")
        aweme_id = aweme_id or post_id
        if aweme_id is None:
            raise ParseError("Douyin's answer names no post (no aweme_id)")
        _check_status(aweme.get("status"))
        if not isinstance(stats, dict):
            raise ParseError("Douyin answered the post without statistics: the API changed; nothing recorded")
        warnings: list[str] = [PLAYS_NOT_PUBLIC]
        play = json_count(stats.get("play_count"))
        if play is not None and play.value:
            warnings.append(
                f"statistics.play_count {play.raw or play.value} not recorded: Douyin does not say what it "
                "counts or to whom it is shown"
            )
        extra: dict[str, Count] = {}
        if "recommend_count" in stats:
            recommends = count_field(stats, "recommend_count", "recommends", warnings)
            if recommends is not None:
                extra["recommends"] = recommends
        if dig(aweme, "status", "in_reviewing") is True:
            warnings.append("Douyin marks the post as under review; its counters may lag")
        metrics = Metrics(
            views=None,
            likes=count_field(stats, "digg_count", "likes", warnings),
            comments=count_field(stats, "comment_count", "comments", warnings),
            shares=count_field(stats, "share_count", "shares", warnings),
            favorites=count_field(stats, "collect_count", "favorites", warnings),
            extra=extra,
        )
        if all(metrics.get(name) is None for name in ("likes", "comments", "shares", "favorites")):
            raise ParseError(
                f"Douyin answered post {aweme_id} with no readable counter in statistics "
                f"(keys {sorted(stats)[:6]}): the API changed or the answer was degraded; nothing recorded"
            )
        title = (
            text_or_none(aweme.get("desc"))
            or text_or_none(aweme.get("item_title"))
            or text_or_none(aweme.get("caption"))
        )
        return ParsedPost(
            platform=self.platform,
            post_id=aweme_id,
            metrics=metrics,
            title=title,
            author=text_or_none(dig(aweme, "author", "nickname")),
            published_at=utc_from_unix(aweme.get("create_time")),
            warnings=tuple(warnings),
        )


# -- helpers ------------------------------------------------------------------------------------------


def short_link(url: str) -> str:
    """A Douyin short link without what a share text glued after its code
    (``https://v.douyin.com/iAbC12Xy/复制此链接,打开`` → ``https://v.douyin.com/iAbC12Xy/``)."""
    parts = urlsplit(url)
    m = re.match(r"/([0-9A-Za-z_-]+)(/?)", parts.path)
    if not m:
        return url
    return f"https://{(parts.hostname or '').lower()}/{m.group(1)}{m.group(2)}"


def _check_landing(original: str, current: str) -> None:
    """Stop before requesting a page that cannot name a post: a login wall or a profile."""
    path = urlsplit(current).path
    if current != original and _AUTH_PATH.search(path):
        raise Blocked(
            f"{original} leads to a Douyin login / verification page; open it in a browser and paste the "
            "full post link instead"
        )
    if _PROFILE_PATH.search(path):
        raise UnsupportedURL(f"{original} is a Douyin profile link, not a post; paste the link of the post itself")


def _blocked_signal(raw: RawResponse) -> str | None:
    """The message for a body that is one of Douyin's block answers, else ``None``."""
    text = raw.text
    stripped = text.strip()
    if not stripped:
        return _EMPTY_PAGE if raw.status == 200 else None
    m = re.search(r"Blocked by ArgusSecurityPlugin[^\r\n<]*", stripped)
    if m:
        return _ARGUS.format(detail=m.group(0).strip())
    if stripped.lower() == "blocked":
        return _ARGUS.format(detail="'blocked'")
    if "抱歉出错了" in stripped or "请尝试在抖音内观看" in stripped:
        return _ERROR_PAGE
    lowered = stripped.lower()
    if any(marker in lowered for marker in _WAF_MARKERS):
        return _WAF_PAGE
    return None


def _has_captcha(text: str) -> bool:
    """Whether a page that is not a post answer is a verification page (验证码中间页, captcha SDK)."""
    lowered = text.lower()
    return any(marker in lowered for marker in _CAPTCHA_MARKERS)


def _raise_for_empty(raw: RawResponse) -> NoReturn:
    if raw.status == 200:
        raise Blocked(_EMPTY_PAGE, http_status=200)
    _raise_for_http_status(raw)
    raise ParseError(f"Douyin answered an empty body with HTTP {raw.status}", http_status=raw.status)


def _raise_for_http_status(raw: RawResponse) -> None:
    raise_for_http_status(raw.status, "Douyin", advice="wait before retrying, or add Douyin cookies")


def _unwrap(body: dict[str, Any]) -> dict[str, Any]:
    """Douyin's own answer when a relay wraps it (``{"code": 200, "data": {"status_code": 0, ...}}``)."""
    for _ in range(3):
        inner = body.get("data")
        if (
            "status_code" not in body
            and "aweme_detail" not in body
            and isinstance(inner, dict)
            and ("status_code" in inner or "aweme_detail" in inner or "filter_detail" in inner)
        ):
            body = inner
            continue
        break
    return body


def _pick(items: list[Any], post_id: str | None) -> Any:
    """The item of a list answer that is the post asked for (the only item when none was named)."""
    if post_id is None:
        return items[0] if len(items) == 1 else None
    for item in items:
        if isinstance(item, dict) and str(item.get("aweme_id")) == post_id:
            return item
    return items[0] if len(items) == 1 else None


def _code_ok(code: Any) -> bool:
    """Whether a ``status_code`` says success: absent, ``0`` or ``"0"`` (a relay may send it as text)."""
    if code is None:
        return True
    if isinstance(code, bool):
        return False
    if isinstance(code, int):
        return code == 0
    return isinstance(code, str) and code.strip() == "0"


def _flag(value: Any) -> bool:
    """A status flag that is set: ``true``, a non-zero number or its text (``1``, ``"1"``, ``"true"``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        return text not in ("", "0", "false", "null", "none")
    return False


def _check_id(found: str | None, wanted: str | None) -> None:
    if found is not None and wanted is not None and found != wanted:
        raise ParseError(f"Douyin answered for post {found}, not for the requested {wanted}; nothing recorded")


def _filtered(detail: dict[str, Any], http_status: int) -> Unavailable:
    reason = text_or_none(detail.get("filter_reason"))
    message = text_or_none(detail.get("detail_msg")) or text_or_none(detail.get("notice"))
    meaning = _FILTER_REASONS.get(reason or "", "filtered by Douyin (deleted, private or restricted)")
    said = f" (filter_reason {reason!r})" if reason else ""
    if message:
        said += f"; Douyin says {message!r}"
    return Unavailable(f"the post cannot be viewed: {meaning}{said}", http_status=http_status)


def _check_status(status: Any) -> None:
    """Raise for a post Douyin returned but marks deleted, private or banned."""
    if not isinstance(status, dict):
        return
    if _flag(status.get("is_delete")):
        raise Unavailable("Douyin marks the post as deleted (status.is_delete)")
    private = status.get("private_status")
    if _flag(private):
        raise Unavailable(f"the post is private (status.private_status {private}): only its author or friends see it")
    if _flag(status.get("is_prohibited")):
        raise Unavailable("Douyin has taken the post down (status.is_prohibited)")


def _raise_for_status_code(body: dict[str, Any], http_status: int) -> NoReturn:
    code = body.get("status_code")
    if isinstance(code, str) and re.fullmatch(r"-?\d{1,12}", code.strip()):
        code = int(code.strip())  # a relay may send the code as text
    message = str(body.get("status_msg") or body.get("message") or "").strip()
    said = f"Douyin says {message!r} (status_code {code})" if message else f"Douyin status_code {code}"
    if isinstance(code, int) and not isinstance(code, bool) and code in _STATUS_CODES:
        cls, meaning = _STATUS_CODES[code]
        raise cls(f"{said}: {meaning}", http_status=http_status)
    filter_detail = body.get("filter_detail")
    if isinstance(filter_detail, dict) and filter_detail.get("filter_reason"):
        raise _filtered(filter_detail, http_status)
    lowered = message.lower()
    for words, cls, meaning in _STATUS_WORDS:
        if any(word in lowered for word in words):
            raise cls(f"{said}: {meaning}", http_status=http_status)
    raise ParseError(f"{said}: a code reach does not know yet; nothing recorded", http_status=http_status)
