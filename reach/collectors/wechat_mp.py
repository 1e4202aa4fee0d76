"""Collector for https://mp.weixin.qq.com/ articles (微信公众号, WeChat Official Account posts).

Identity: two link forms, two kinds of canonical post id:

* ``https://mp.weixin.qq.com/s/<token>``: the token (16 to 64 characters ``[0-9A-Za-z_-]``, 22 in
  practice, case-sensitive) is the post id.
* ``https://mp.weixin.qq.com/s?__biz=<b64>&mid=<n>&idx=<n>&sn=<hex>[&chksm=…&scene=…#rd]`` (also
  ``/s/?``, HTML-escaped ``&amp;`` and a URL-encoded ``__biz``): the post id is
  ``"<__biz without '=' padding>_<mid>_<idx>"`` (``MzA3MDM3NjE5NQ_2650000001_1``): stable for an
  article, and safe in ``wechat_mp:<id>`` keys. ``sn`` (the link's signature, needed to open the page) is a fetch
  parameter, not identity.

The two forms of one article **cannot be joined offline**: a token says nothing about its
``__biz``/``mid``/``idx``, so the same article added once by each link is two posts. Add each
article by one link form only. The old ``/mp/appmsg/show`` form is not recognised.

Route: ``GET`` the public article page (the token link, or the ``__biz`` link with its ``sn``) with a
browser User-Agent. A redirect to another article link on mp.weixin.qq.com is followed once.

What the page holds: the title (``og:title``, ``var msg_title = '…'``, ``h1#activity-name``), the
account name (``var nickname = htmlDecode("…")``, ``#js_name``) and the publish time
(``var ct = "<unix seconds>"``, UTC). It holds **no counters**: reads (阅读), likes (点赞), 在看,
comments and shares are shown only inside the WeChat client (with its credentials) or to the
owner (公众号后台 statistics). So a page gives an ``ok`` result whose every counter is ``None``,
with a warning saying to enter the numbers by hand (``reach record``) or import the account's
statistics export (``reach import``). That is deliberate: the snapshot records the title, account
and time, proves the article is still online (a deleted article becomes ``unavailable``), and
stores NULL counters, which is honest; no number is ever guessed.

:meth:`parse` also reads a saved answer of the client-credential API ``POST
https://mp.weixin.qq.com/mp/getappmsgext`` (reach never calls it: it needs a logged-in WeChat
client's ``appmsg_token``/``pass_ticket``/``wap_sid2``): ``appmsgstat.read_num`` → views,
``appmsgstat.old_like_num`` (点赞) → likes and ``like_num`` (在看) → extra ``recommends``; when
``old_like_num`` is absent (answers from before 2020), ``like_num`` → likes with a warning (it was
赞, then 好看/在看). JSON ints are exact, except 100001, the cap WeChat shows as "10万+": a lower
bound. Display strings (``"10万+"``, ``"1.2万"``) go through :func:`reach.parse_count`.

Errors (message markers are read only on pages without the article body ``#js_content``, so an
article that quotes them is not misread): ``该内容已被发布者删除``, ``此内容因违规无法查看`` /
``此内容因违规已删除``, ``该公众号已被封禁``, ``此帐号已注销``, ``链接已过期``, ``内容不存在``,
``参数错误``, a ``global_error_msg`` element → unavailable; ``环境异常``, ``完成验证``, ``安全验证``,
``访问过于频繁``, ``请在微信客户端打开链接``, a redirect to the ``wappoc_appmsgcaptcha`` / verify
page → blocked; a getappmsgext answer without ``appmsgstat``, with ``base_resp.ret`` or
``appmsgstat.ret`` ≠ 0, or with ``appmsgstat.is_login`` / ``show`` false (its zeros are placeholders)
→ auth required (the client credentials are invalid or expired); an empty body or HTTP 403 → blocked;
HTTP 404/410 → unavailable; a page that is neither an article nor a known message → parse error.
An article link without ``sn`` (``__biz`` form) cannot be fetched → not supported (add the full
link again).
"""

from __future__ import annotations

import html as html_lib
import json
import re
import warnings
from urllib.parse import parse_qs, unquote, urlsplit

from bs4 import BeautifulSoup, Tag

from ..errors import AuthRequired, Blocked, NotSupported, ParseError, Unavailable
from ..http import BROWSER_USER_AGENT, Http
from ..models import Count, CountKind, Metrics, ParsedPost, PostRef
from .base import REDIRECTS, Collector, RawResponse
from .common import count_field, json_count, raise_for_http_status, soup_of, text_or_none, utc_from_unix

_TOKEN = r"[0-9A-Za-z_-]{16,64}"
_BIZ_ID = re.compile(r"^(?P<biz>[0-9A-Za-z]{4,64})_(?P<mid>\d{1,20})_(?P<idx>\d{1,3})$")

READS_CAP = 100001
"""getappmsgext answers 100001 for every article above 100000 reads (shown as "10万+")."""

NO_COUNTERS_WARNING = (
    "reads, likes, 在看, comments and shares of WeChat articles are not public (only the WeChat client "
    "and the account owner see them): enter them by hand (`reach record`) or import the account's "
    "statistics export (`reach import`); title, account and time recorded"
)

_DELETED = (
    "该内容已被发布者删除",
    "此内容因违规无法查看",
    "此内容因违规已删除",
    "该公众号已被封禁",
    "此帐号已注销",
    "此账号已注销",
    "链接已过期",
    "内容不存在",
    "参数错误",
    "已被删除",
    "无法查看",
)
_BLOCKED = (
    "环境异常",
    "完成验证",
    "请完成验证",
    "安全验证",
    "访问过于频繁",
    "操作频繁",
    "请在微信客户端打开链接",
    "wappoc_appmsgcaptcha",
)


class WechatMpCollector(Collector):
    platform = "wechat_mp"
    zone = "Asia/Shanghai"
    version = "1"
    hosts = ("mp.weixin.qq.com",)
    patterns = (
        re.compile(r"^https?://mp\.weixin\.qq\.com/s/(?P<id>" + _TOKEN + r")(?![0-9A-Za-z_-])", re.IGNORECASE),
        re.compile(r"^https?://mp\.weixin\.qq\.com/s/?\?(?P<id>[^#\s]+)", re.IGNORECASE),
    )
    example_urls = (
        "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv",
        "https://mp.weixin.qq.com/s?__biz=MzA3MDM3NjE5NQ==&mid=2650000001&idx=1&sn=0123456789abcdef0123456789abcdef",
    )
    cookie_names = ()
    min_interval = 3.0
    max_concurrency = 1

    def normalize_id(self, raw_id: str) -> str | None:
        """A token, a ``<biz>_<mid>_<idx>`` id, or the query string of a ``/s?__biz=`` link."""
        if "=" in raw_id or "&" in raw_id:
            return _biz_id_from_query(raw_id)
        if _BIZ_ID.match(raw_id):
            return raw_id
        if re.fullmatch(_TOKEN, raw_id):
            return raw_id
        return None

    def fetch_params(self, url: str) -> dict[str, str]:
        query = _query(urlsplit(url).query)
        sn = query.get("sn")
        return {"sn": sn} if sn and re.fullmatch(r"[0-9A-Za-z_-]{1,128}", sn) else {}

    def canonical_url(self, post_id: str) -> str:
        m = _BIZ_ID.match(post_id)
        if m:
            biz = m.group("biz") + "=" * (-len(m.group("biz")) % 4)
            return f"https://mp.weixin.qq.com/s?__biz={biz}&mid={m.group('mid')}&idx={m.group('idx')}"
        return f"https://mp.weixin.qq.com/s/{post_id}"

    def request_headers(self) -> dict[str, str]:
        return {
            "User-Agent": BROWSER_USER_AGENT,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        }

    async def fetch(self, http: Http, ref: PostRef) -> RawResponse:
        url = self.canonical_url(ref.post_id)
        if _BIZ_ID.match(ref.post_id):
            sn = ref.params.get("sn")
            if not sn:
                raise NotSupported(
                    "this WeChat article was added without the sn parameter of its link, and WeChat serves "
                    "no page without it: add the article again with its full link (…&sn=…) as copied from WeChat"
                )
            url += f"&sn={sn}"
        raw = await http.get(self, url)
        location = raw.headers.get("location")
        if raw.status in REDIRECTS and location:
            target = http.join_url(url, location)
            parts = urlsplit(target)
            if parts.hostname == "mp.weixin.qq.com" and re.match(r"^/s(?:/|$)", parts.path):
                raw = await http.get(self, target)
        return raw

    def classify_dead_end(self, raw: RawResponse) -> None:
        if raw.status in (404, 410):
            raise Unavailable(f"the WeChat article link leads nowhere (HTTP {raw.status})", http_status=raw.status)

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        status = raw.status
        if status in REDIRECTS:
            _raise_for_redirect(raw)
        if not raw.body.strip():
            _raise_for_status(status)
            raise Blocked(
                f"WeChat answered an empty page (HTTP {status}): it refused the request; try again later",
                http_status=status,
            )
        text = raw.text
        if text.lstrip().startswith(("{", "[")):
            return self._parse_appmsgext(raw, post_id)
        return self._parse_page(raw, post_id)

    # -- the client-credential statistics API -------------------------------------------------

    def _parse_appmsgext(self, raw: RawResponse, post_id: str | None) -> ParsedPost:
        status = raw.status
        try:
            body = json.loads(raw.body)
        except ValueError:
            _raise_for_status(status)
            raise ParseError("the WeChat answer starts like JSON but is not JSON", http_status=status) from None
        if not isinstance(body, dict):
            raise ParseError("WeChat answered JSON that is not an object", http_status=status)
        base = body.get("base_resp")
        ret = base.get("ret") if isinstance(base, dict) else None
        stat = body.get("appmsgstat")
        known = isinstance(base, dict) or any(
            k in body for k in ("appmsgstat", "advertisement_info", "reward_head_imgs")
        )
        if not known:
            _raise_for_status(status)
            raise ParseError(
                "expected a WeChat article page or a getappmsgext answer (appmsgstat), got other JSON; "
                "nothing recorded",
                http_status=status,
            )
        ret = _as_int(ret)
        if ret is not None and ret != 0:
            said = str(base.get("errmsg") or "").strip() if isinstance(base, dict) else ""
            raise AuthRequired(
                f"WeChat getappmsgext answered ret {ret}{f' ({said})' if said else ''}: the WeChat client "
                "credentials (appmsg_token, pass_ticket, wap_sid2) are invalid or expired; capture them again",
                http_status=status,
            )
        if not isinstance(stat, dict):
            raise AuthRequired(
                "the WeChat getappmsgext answer has no appmsgstat: the WeChat client credentials (appmsg_token, "
                "pass_ticket, wap_sid2) are invalid or expired; capture them again",
                http_status=status,
            )
        stat_ret = _as_int(stat.get("ret"))
        hidden = [k for k in ("is_login", "show") if stat.get(k) is False or stat.get(k) == 0]
        if (stat_ret is not None and stat_ret != 0) or hidden:
            why = f"appmsgstat.ret {stat_ret}" if stat_ret else " and ".join(f"{k} false" for k in hidden)
            raise AuthRequired(
                f"the WeChat getappmsgext answer did not show the counts ({why}): its zeros are placeholders, "
                "not counts. The WeChat client credentials (appmsg_token, pass_ticket, wap_sid2, key) were not "
                "accepted; capture them again",
                http_status=status,
            )
        _raise_for_status(status)
        warnings_: list[str] = []
        extra: dict[str, Count] = {}
        views = _capped(count_field(stat, "read_num", "views", warnings_), "views", warnings_)
        if "old_like_num" in stat:
            likes = _capped(count_field(stat, "old_like_num", "likes", warnings_), "likes", warnings_)
            recommends = _capped(json_count(stat.get("like_num")), "recommends (在看)", warnings_)
            if recommends is not None and recommends.value is not None:
                extra["recommends"] = recommends
            else:
                warnings_.append("recommends (在看) not shown (like_num absent)")
        else:
            likes = _capped(count_field(stat, "like_num", "likes", warnings_), "likes", warnings_)
            if likes is not None:
                warnings_.append(
                    "likes read from like_num (no old_like_num): in answers of that era like_num counted 赞, "
                    "later 好看/在看"
                )
        warnings_.append("comments and shares not shown (getappmsgext carries no such counts)")
        vid = post_id or _id_from_url(raw.url) or "unknown"
        return ParsedPost(
            platform=self.platform,
            post_id=vid,
            metrics=Metrics(views=views, likes=likes, comments=None, shares=None, favorites=None, extra=extra),
            warnings=tuple(warnings_),
        )

    # -- the public article page ---------------------------------------------------------------

    def _parse_page(self, raw: RawResponse, post_id: str | None) -> ParsedPost:
        status = raw.status
        text = raw.text
        soup = _soup(text)
        has_content = soup.find(id="js_content") is not None
        if not has_content:
            _raise_for_message(_message_text(soup), status)
            error = soup.find(id="global_error_msg") or soup.find(class_="global_error_msg")
            shown = text_or_none(error.get_text(" ", strip=True)) if isinstance(error, Tag) else None
            if shown is not None:
                raise Unavailable(f"WeChat says {shown!r}: the article cannot be viewed", http_status=status)
        title = _title(text, soup)
        is_article = has_content or _js_string(text, "msg_title") is not None or _js_string(text, "ct") is not None
        if not is_article:
            _raise_for_message(soup.get_text(" ", strip=True) + " " + text, status)
            _raise_for_status(status)
            raise ParseError(
                f"expected a WeChat article page, got a page without an article or a known message (HTTP {status}); "
                "nothing recorded",
                http_status=status,
            )
        _raise_for_status(status)
        page_id = _page_id(text, soup)
        if post_id is not None and _BIZ_ID.match(post_id) and page_id is not None and page_id != post_id:
            raise ParseError(
                f"WeChat answered the page of article {page_id}, not of the requested {post_id}; nothing recorded",
                http_status=status,
            )
        vid = post_id or _id_from_url(raw.url) or page_id or "unknown"
        return ParsedPost(
            platform=self.platform,
            post_id=vid,
            metrics=Metrics(),
            title=title,
            author=_account(text, soup),
            published_at=utc_from_unix(_js_string(text, "ct")),
            warnings=(NO_COUNTERS_WARNING,),
        )


# -- identity helpers ------------------------------------------------------------------------------


def _query(query: str) -> dict[str, str]:
    """A link's query as name → first value; copes with HTML-escaped ``&amp;`` separators."""
    query = html_lib.unescape(query)
    return {k: v[0].strip() for k, v in parse_qs(query, keep_blank_values=False).items() if v}


def _biz_id_from_query(query: str) -> str | None:
    params = _query(query)
    biz = unquote(params.get("__biz", "")).strip().rstrip("=")
    mid, idx = params.get("mid", ""), params.get("idx", "")
    if not (re.fullmatch(r"[0-9A-Za-z]{4,64}", biz) and mid.isascii() and mid.isdigit() and idx.isascii()):
        return None
    if not idx.isdigit() or not 0 < len(mid) <= 20 or not 0 < len(idx) <= 3:
        return None
    return f"{biz}_{int(mid)}_{int(idx)}"


def _id_from_url(url: str) -> str | None:
    parts = urlsplit(url)
    if (parts.hostname or "") != "mp.weixin.qq.com":
        return None
    m = re.fullmatch(r"/s/(" + _TOKEN + ")", parts.path)
    if m:
        return m.group(1)
    if re.fullmatch(r"/s/?", parts.path):
        return _biz_id_from_query(parts.query)
    return None


# -- page helpers ----------------------------------------------------------------------------------


def _soup(text: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return soup_of(text if "<" in text else f"<html>{text}</html>")


def _message_text(soup: BeautifulSoup) -> str:
    """The text of the elements WeChat uses for its message pages (deleted, blocked, errors)."""
    parts: list[str] = []
    for tag in soup.find_all(True):
        names = tag.get("class")
        classes = " ".join(names) if isinstance(names, list) else str(names or "")
        ident = str(tag.get("id") or "")
        if "weui-msg" in classes or "global_error_msg" in classes or ident == "global_error_msg":
            parts.append(tag.get_text(" ", strip=True))
    return " ".join(parts)


def _raise_for_message(text: str, status: int) -> None:
    if not text.strip():
        return
    for marker in _BLOCKED:
        if marker in text:
            raise Blocked(
                f"WeChat shows a verification page ({marker}): it wants proof of a real reader; wait a while "
                "(hours) before trying again, and collect WeChat articles less often",
                http_status=status,
            )
    for marker in _DELETED:
        if marker in text:
            raise Unavailable(f"WeChat says {marker}: the article is gone or cannot be viewed", http_status=status)


def _raise_for_redirect(raw: RawResponse) -> None:
    location = raw.headers.get("location", "")
    if any(m in location.lower() for m in ("captcha", "verify", "wappoc")):
        raise Blocked(
            "WeChat redirected to its verification page: it wants proof of a real reader; wait a while "
            "(hours) before trying again",
            http_status=raw.status,
        )
    where = urlsplit(location).path or "an unknown page" if location else "an unknown page"
    raise ParseError(
        f"WeChat redirected the article to {where} (HTTP {raw.status}): not a page reach knows; nothing recorded",
        http_status=raw.status,
    )


def _raise_for_status(status: int) -> None:
    raise_for_http_status(
        status, "WeChat", blocked=(403, 412), advice="try again later", gone="WeChat has no such article"
    )


def _js_literal(n: int) -> str:
    """A JS string literal in single or double quotes; groups ``q<n>`` (quote) and ``v<n>`` (value)."""
    return rf"""(?P<q{n}>['"])(?P<v{n}>(?:\\.|(?!(?P=q{n})).)*)(?P=q{n})"""


def _js_string(text: str, name: str) -> str | None:
    """The non-empty string literal assigned to JS variable ``name`` (``var ct = "…"``,
    ``var biz = "" || "…"``), unescaped; ``None`` when no script assigns one."""
    pattern = re.compile(
        r"(?:\bvar\s+|[\s;,{]|\bwindow\.)"
        + re.escape(name)
        + r"\s*=\s*"
        + _js_literal(1)
        + r"(?:\s*\|\|\s*"
        + _js_literal(2)
        + ")?"
    )
    for m in pattern.finditer(text):
        for group in ("v2", "v1"):
            value = m.group(group)
            if value and value.strip():
                return _unescape_js(value)
    return None


def _unescape_js(value: str) -> str:
    value = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), value)
    value = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), value)
    value = re.sub(r"\\(.)", r"\1", value)
    return html_lib.unescape(value).strip()


def _meta(soup: BeautifulSoup, prop: str) -> str | None:
    tag = soup.find("meta", attrs={"property": prop}) or soup.find("meta", attrs={"name": prop})
    if isinstance(tag, Tag):
        content = tag.get("content")
        if isinstance(content, str):
            return text_or_none(html_lib.unescape(content))
    return None


def _element_text(soup: BeautifulSoup, element_id: str | None = None, css_class: str | None = None) -> str | None:
    tag = soup.find(id=element_id) if element_id else soup.find(class_=css_class or "")
    return text_or_none(tag.get_text(" ", strip=True)) if isinstance(tag, Tag) else None


def _title(text: str, soup: BeautifulSoup) -> str | None:
    return _meta(soup, "og:title") or _js_string(text, "msg_title") or _element_text(soup, element_id="activity-name")


def _account(text: str, soup: BeautifulSoup) -> str | None:
    m = re.search(r"\bnickname\s*=\s*htmlDecode\(\s*" + _js_literal(1) + r"\s*\)", text)
    if m and m.group("v1").strip():
        return _unescape_js(m.group("v1"))
    return (
        _js_string(text, "nickname")
        or _element_text(soup, element_id="js_name")
        or _element_text(soup, css_class="profile_nickname")
    )


def _page_id(text: str, soup: BeautifulSoup) -> str | None:
    """The ``<biz>_<mid>_<idx>`` id the page names (``msg_link``, ``og:url``, or ``biz``/``mid``/``idx``)."""
    for link in (_js_string(text, "msg_link"), _meta(soup, "og:url")):
        if link:
            found = _id_from_url(html_lib.unescape(link).replace("http://", "https://", 1))
            if found and _BIZ_ID.match(found):
                return found
    biz, mid, idx = _js_string(text, "biz"), _js_string(text, "mid"), _js_string(text, "idx")
    if biz and mid and idx:
        return _biz_id_from_query(f"__biz={biz}&mid={mid}&idx={idx}")
    return None


def _as_int(value: object) -> int | None:
    """An int given as a JSON int or a numeric string (``"-3"``); ``None`` otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,12}\s*", value):
        return int(value)
    return None


def _capped(count: Count | None, label: str, warnings_: list[str]) -> Count | None:
    """getappmsgext's 100001 means "10万+": a lower bound, not an exact count."""
    if count is not None and count.kind is CountKind.EXACT and count.raw is None and count.value == READS_CAP:
        warnings_.append(f"{label} shown as 10万+ (100001 is WeChat's cap): a lower bound")
        return Count(READS_CAP, CountKind.LOWER_BOUND, 1, None)
    return count
