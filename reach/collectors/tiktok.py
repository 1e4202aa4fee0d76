"""Collector for https://www.tiktok.com/ posts (videos and photo posts).

Identity: the canonical post id is the 19-digit item id (its top 32 bits are the creation time in
unix seconds). It is read offline from ``www.tiktok.com/@<user>/video/<id>`` and ``/@<user>/photo/<id>``
(the handle may be empty: ``/@/video/<id>``), ``m.tiktok.com/v/<id>.html``, ``/embed/<id>``,
``/embed/v2/<id>``, ``/player/v1/<id>``, ``/share/video/<id>`` (also ``/i18n/share/video/<id>`` on
``t.tiktok.com``, ``/node/share/video/@<user>/<id>``) and ``www.tiktokv.com/share/video/<id>``.
Only TikTok hosts match (Douyin ids are also 19 digits). Short links ``vm.tiktok.com/<code>``,
``vt.tiktok.com/<code>`` and ``www.tiktok.com/t/<code>`` need a redirect: :meth:`TiktokCollector.resolve`
follows every ``Location`` (several hops, TikTok hosts only) until a URL names a post, and reads the
canonical link of a page that answers 200 instead of redirecting. A chain that ends on the login
page is ``blocked``, on ``/notfound``, the home page or HTTP 404 ``unavailable``, on a profile or
sound page an unsupported URL. The handle of a pasted link is kept as the fetch parameter ``user``.

Route: ``GET https://www.tiktok.com/@<user or _>/video/<id>`` (yt-dlp's canonical form) with a
desktop browser User-Agent, ``Accept-Language: en-US`` and ``Referer: https://www.tiktok.com/``;
redirects to the same post (another handle, ``/photo/``) are followed. The page embeds
``<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__">`` JSON; the post is
``__DEFAULT_SCOPE__["webapp.video-detail"].itemInfo.itemStruct`` (older pages: ``SIGI_STATE``
``ItemModule[<id>]``). No login is needed; cookies from a cookies.txt (``tt_chain_token``, ``msToken``,
``sessionid``) are sent when given, and cookies TikTok sets are kept for the next page. One page every
5 s at most; TikTok fingerprints non-browser clients, so expect ``blocked`` outcomes from datacenter IPs.

Counters: ``itemStruct.statsV2`` (JSON strings, exact): ``playCount`` → views, ``diggCount`` → likes,
``commentCount`` → comments, ``shareCount`` → shares, ``collectCount`` → favorites (saves); extra
``repostCount`` → reposts. The older ``itemStruct.stats`` (JSON ints, ``collectCount`` sometimes a
string) is rounded by TikTok once a count is large (4,291,312 plays show as 4300000, 22,609 likes as
22600), and nothing in the response says whether a given value was rounded. Rule: a counter read
from ``stats`` (because ``statsV2`` is absent or lacks it) is always ``approximate``; its granularity
is 10 to the power of its trailing zeros (2300000 → 100000, 41000 → 1000, 6492 → 1: rounding always
leaves zeros, so a value without them carries every digit) and a warning says so. When both are
given and the ``statsV2`` value cannot be what ``stats`` rounds (``"0"`` next to 2300000: a
placeholder), that counter is ``None`` with a warning, never either number. ``desc`` → title,
``author.nickname`` (else ``uniqueId``) → author, ``createTime`` (unix seconds, string or int) →
published_at.

Other shapes ``parse`` reads (``reach parse``): the page's rehydration JSON or its
``webapp.video-detail`` object alone, a fragment of the page text that contains it, the web API
``/api/item/detail/`` answer (same object), a bare item object with ``stats``/``statsV2`` (without an id
it takes the requested post, else the id is "unknown" with a warning), the official
Research/Display API ``/v2/.../video/query/`` answer (``data.videos[]``: ``view_count``, ``like_count``,
``comment_count``, ``share_count``, ``favorites_count``, id in ``id`` or ``video_id``; the requested id is
picked). oEmbed (``/oembed``) carries a title and author but no counter: ``not_supported``, never zeros.

Not public: nothing of the five counters is owner-only, but private posts and private accounts show
nothing at all.

Errors (the page is HTTP 200 in each case): ``statusCode`` 10204 is ambiguous, so ``statusMsg`` decides:
``status_deleted`` / "item doesn't exist" / "not found" → unavailable (deleted); ``cross_border`` /
region / country wording → unavailable (not shown in the region of the IP); ``item_privacy`` alone →
unavailable (private); anything else, or no message → blocked (yt-dlp reads 10204 as an IP block).
``statusCode`` 10216 (private post) and 10222 (private account) → unavailable: reach tracks public
reach, and an owner's login cookie is not a route it recommends. Any other non-zero code (10201 ...)
→ parse error naming the code. No rehydration data in an HTML page (WAF "Please wait..." challenge,
captcha, login page), an empty 200 body, HTTP 403 or a redirect to ``/login`` → blocked; HTTP 404 or a
redirect to ``/notfound`` → unavailable; oEmbed HTTP 400 (empty body or ``{"code": 400}``) → unavailable.
An item without counters flagged ``isContentClassified`` (age-restricted) → auth required.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, NoReturn
from urllib.parse import parse_qs, urlsplit

from ..errors import (
    AuthRequired,
    Blocked,
    CollectError,
    NetworkError,
    NotSupported,
    ParseError,
    RateLimited,
    Unavailable,
    UnsupportedURL,
)
from ..http import BROWSER_USER_AGENT, Http
from ..models import Count, CountKind, Metrics, ParsedPost, PostRef
from .base import REDIRECTS, Collector, RawResponse, host_matches
from .common import (
    count_field,
    decode_js_value,
    dig,
    json_count,
    raise_for_http_status,
    script_by_id,
    soup_of,
    text_or_none,
    utc_from_unix,
)

_ID = r"(?P<id>\d{19})(?!\d)"
_TIKTOK = r"^https?://(?:[\w-]+\.)*tiktok\.com"
_TIKTOKV = r"^https?://(?:[\w-]+\.)*tiktokv\.com"
_SHORT_PATH = re.compile(_TIKTOK + r"/t/[\w-]+", re.IGNORECASE)
_HANDLE = re.compile(_TIKTOK + r"/@(?P<user>[^/?#]*)/(?P<kind>video|photo)/\d{19}(?!\d)", re.IGNORECASE)
_BLOCK_STATUSES = (401, 403, 405, 418, 432, 444)  # refusals of a client taken for a bot
_METRICS = (
    ("playCount", "views"),
    ("diggCount", "likes"),
    ("commentCount", "comments"),
    ("shareCount", "shares"),
    ("collectCount", "favorites"),
)
_API_METRICS = (
    ("view_count", "views"),
    ("like_count", "likes"),
    ("comment_count", "comments"),
    ("share_count", "shares"),
    ("favorites_count", "favorites"),
)
_DETAIL_KEY = re.compile(r'"webapp\.video-detail"\s*:\s*')

# statusMsg wording of statusCode 10204, checked in this order (lower-cased text).
_REGION_WORDS = re.compile(r"cross_border|region|country|geo|not available in your|territor")
_DELETED_WORDS = re.compile(r"status_deleted|deleted|doesn'?t exist|does not exist|not[ _]?exist|removed|not[ _]?found")
_REVIEW_WORDS = re.compile(r"review|audit")
_PRIVATE_WORDS = re.compile(r"privacy|private|self_see|friend|follower|secret")

# Official API error codes (``error.code``) → outcome.
_API_ERRORS: dict[str, tuple[type[CollectError], str]] = {
    "access_token_invalid": (AuthRequired, "the access token is invalid or expired: authorise again"),
    "scope_not_authorized": (AuthRequired, "the token lacks the video scope: authorise it again with that scope"),
    "scope_permission_missed": (AuthRequired, "the app lacks the permission for this endpoint"),
    "unauthorized": (AuthRequired, "the request was not authorised"),
    "rate_limit_exceeded": (RateLimited, "over the API's request limit; try again later"),
    "daily_quota_limit_exceeded": (RateLimited, "the daily quota is used up; try again tomorrow"),
    "internal_error": (NetworkError, "TikTok's API had an internal error; try again later"),
}


class TiktokCollector(Collector):
    platform = "tiktok"
    version = "1"
    hosts = ("tiktok.com", "tiktokv.com")
    short_link_hosts = ("vm.tiktok.com", "vt.tiktok.com")
    patterns = (
        re.compile(_TIKTOK + r"/@[^/?#]*/(?:video|photo)/" + _ID, re.IGNORECASE),
        re.compile(_TIKTOK + r"/v/" + _ID + r"(?:\.html)?", re.IGNORECASE),
        re.compile(_TIKTOK + r"/embed/(?:v\d+/)?" + _ID, re.IGNORECASE),
        re.compile(_TIKTOK + r"/player/v1/" + _ID, re.IGNORECASE),
        re.compile(_TIKTOK + r"/(?:i18n/|node/)?share/(?:video|photo)/(?:@[^/?#]*/)?" + _ID, re.IGNORECASE),
        re.compile(_TIKTOKV + r"/(?:i18n/)?share/(?:video|photo)/" + _ID, re.IGNORECASE),
    )
    example_urls = (
        "https://www.tiktok.com/@invented.station/video/7400000000000000001",
        "https://www.tiktok.com/@invented.station/photo/7400000000000000002",
        "https://m.tiktok.com/v/7400000000000000003.html",
        "https://www.tiktok.com/embed/v2/7400000000000000004",
        "https://www.tiktok.com/player/v1/7400000000000000005",
    )
    cookie_names = ("tt_chain_token", "msToken", "sessionid")
    post_noun = "TikTok post"
    min_interval = 5.0
    max_concurrency = 1
    block_threshold = 2

    # -- identity ----------------------------------------------------------------------------

    def match(self, url: str) -> PostRef | None:
        ref = super().match(url)
        if ref is None and _SHORT_PATH.match(url):
            from ..errors import NeedsResolution

            raise NeedsResolution(url, self.platform)
        return ref

    def normalize_id(self, raw_id: str) -> str | None:
        raw_id = raw_id.strip()
        if len(raw_id) != 19 or not raw_id.isascii() or not raw_id.isdigit() or raw_id.startswith("0"):
            return None
        return raw_id

    def fetch_params(self, url: str) -> dict[str, str]:
        m = _HANDLE.match(url)
        if m is None:
            return {}
        params: dict[str, str] = {}
        user = m.group("user")
        if re.fullmatch(r"[\w.]{2,}", user) and user != "_":
            params["user"] = user
        if m.group("kind").lower() == "photo":
            params["kind"] = "photo"
        return params

    def canonical_url(self, post_id: str) -> str:
        return f"https://www.tiktok.com/@_/video/{post_id}"

    def request_headers(self) -> dict[str, str]:
        return {
            "User-Agent": BROWSER_USER_AGENT,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "en-US,en;q=0.9",
            "Referer": "https://www.tiktok.com/",
        }

    # -- I/O ---------------------------------------------------------------------------------

    def _quiet_match(self, url: str) -> PostRef | None:
        for pattern in self.patterns:
            m = pattern.search(url)
            if m:
                post_id = self.normalize_id(m.group("id"))
                if post_id is not None:
                    return PostRef(self.platform, post_id, url=url, params=self.fetch_params(url))
        return None

    def _is_short(self, url: str) -> bool:
        return host_matches(_host(url), self.short_link_hosts) or _SHORT_PATH.match(url) is not None

    def check_landing(self, original_url: str, current_url: str) -> PostRef | None:
        """A short link is requested (every ``Location`` is followed, so a chain ``vm.tiktok.com`` →
        ``/t/<code>`` → ``/@user/video/<id>`` ends on the post URL); any other URL that names no post
        is where the link landed, classified without a request (:meth:`_classify_landing`)."""
        if self._is_short(current_url):
            return None
        return self._classify_landing(original_url, current_url)

    def _classify_landing(self, url: str, landing: str) -> PostRef:
        """Where a short link landed when that URL names no post: raise the outcome it means
        (a login page whose ``redirect_url`` names the post gives that post)."""
        parts = urlsplit(landing)
        path = parts.path.rstrip("/").lower()
        if path.startswith("/login"):
            for target in parse_qs(parts.query).get("redirect_url", []):
                ref = self._quiet_match(target)
                if ref is not None:
                    return ref
            raise Blocked(
                f"{url} leads to TikTok's login page: TikTok wants a login before showing the post; "
                "try again later, or add a tiktok cookies.txt (sessionid)"
            )
        if "notfound" in path:
            raise Unavailable(f"{url} leads to TikTok's 'not found' page: the post was removed or the link is dead")
        if path == "":
            raise Unavailable(
                f"{url} leads to the TikTok home page, not a post: the link expired or the post was removed"
            )
        raise UnsupportedURL(
            f"{url} leads to {parts.netloc}{parts.path}, which is not a TikTok post (a profile, sound or tag page?)"
        )

    def post_from_page(self, raw: RawResponse, url: str) -> str | None:
        """The post a 200 page (a short link answered without a redirect) is about: its video-detail
        item id or canonical link (or ``None``)."""
        text = raw.text
        scope = _scope_from_text(text)
        if scope is not None:
            detail = scope.get("webapp.video-detail")
            if isinstance(detail, dict):
                _raise_for_status(detail, raw.status)
                item_id = _id_str(dig(detail, "itemInfo", "itemStruct", "id"))
                if item_id is not None and self.normalize_id(item_id) is not None:
                    return item_id
            canonical = dig(scope, "seo.abtest", "canonical")
            if isinstance(canonical, str):
                ref = self._quiet_match(canonical)
                if ref is not None:
                    return ref.post_id
        if "<" in text:
            soup = soup_of(text)
            for tag, attr, value in (("link", "rel", "canonical"), ("meta", "property", "og:url")):
                for element in soup.find_all(tag):
                    got = element.get(attr)
                    got_text = " ".join(got) if isinstance(got, list) else str(got or "")
                    if got_text == value:
                        href = element.get("href" if tag == "link" else "content")
                        ref = self._quiet_match(str(href or ""))
                        if ref is not None:
                            return ref.post_id
        return None

    def classify_dead_end(self, raw: RawResponse) -> None:
        """Raise the outcome of a short link that ended on an error page instead of a post."""
        path = urlsplit(raw.url).path.lower()
        if raw.status in (404, 410) or "notfound" in path:
            raise Unavailable(
                f"the short link leads nowhere (HTTP {raw.status}): the post or link no longer exists",
                http_status=raw.status,
            )
        if path.startswith("/login"):
            raise Blocked("the short link leads to TikTok's login page; try again later", http_status=raw.status)
        if raw.status in _BLOCK_STATUSES:
            raise Blocked(
                f"TikTok refused to resolve the short link (HTTP {raw.status}); try again later",
                http_status=raw.status,
            )
        text = raw.text
        if raw.status == 200 and not text.strip():
            raise Blocked("TikTok answered the short link with an empty page (bot detection); try again later")
        signal = _block_signal(text)
        if signal is not None:
            raise Blocked(f"resolving the short link, TikTok served {signal}; try again later", http_status=raw.status)
        scope = _scope_from_text(text)
        detail = scope.get("webapp.video-detail") if scope is not None else None
        if isinstance(detail, dict):
            _raise_for_status(detail, raw.status)

    def page_url(self, ref: PostRef) -> str:
        user = ref.params.get("user") or "_"
        kind = "photo" if ref.params.get("kind") == "photo" else "video"
        return f"https://www.tiktok.com/@{user}/{kind}/{ref.post_id}"

    async def fetch(self, http: Http, ref: PostRef) -> RawResponse:
        """GET the post's page; follow redirects only while they stay on a page of the same post
        (another handle, ``/photo/``). A redirect anywhere else (login, not found) is returned as is
        for :meth:`parse` to classify."""
        url = self.page_url(ref)
        raw = await http.get(self, url)
        for _ in range(self.max_redirects):
            location = raw.headers.get("location")
            if raw.status not in REDIRECTS or not location:
                break
            nxt = http.join_url(raw.url, location)
            target = self._quiet_match(nxt) if host_matches(_host(nxt), self.hosts) else None
            if target is None or target.post_id != ref.post_id or nxt == raw.url:
                break
            raw = await http.get(self, nxt)
        return raw

    # -- pure parsing ------------------------------------------------------------------------

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        text = raw.text
        stripped = text.strip()
        if not stripped:
            _raise_for_empty(raw)
        if stripped[0] in "{[":
            try:
                body = json.loads(stripped)
            except ValueError:
                body = None
            if body is not None:
                return self._parse_json(body, raw, post_id)
        scope = _scope_from_text(text)
        if scope is not None:
            return self._parse_scope(scope, raw, post_id)
        if 'id="SIGI_STATE"' in text or "id='SIGI_STATE'" in text:
            sigi = _json_script(text, "SIGI_STATE")
            if isinstance(sigi, dict):
                return self._parse_sigi(sigi, raw, post_id)
        _raise_for_no_data(raw, text)

    def _parse_json(self, body: Any, raw: RawResponse, post_id: str | None) -> ParsedPost:
        if not isinstance(body, dict):
            raise ParseError("TikTok answered JSON that is not an object: expected a video page's data")
        if isinstance(body.get("__DEFAULT_SCOPE__"), dict):
            return self._parse_scope(body["__DEFAULT_SCOPE__"], raw, post_id)
        if "webapp.video-detail" in body:
            return self._parse_scope(body, raw, post_id)
        if "itemInfo" in body or "statusCode" in body or "status_code" in body:
            return self._parse_detail(body, raw, post_id)
        if isinstance(body.get("ItemModule"), dict):
            return self._parse_sigi(body, raw, post_id)
        if (isinstance(body.get("data"), dict) and "videos" in body["data"]) or _is_api_error(body):
            return self._parse_api(body, raw, post_id)
        if "embed_product_id" in body or body.get("provider_name") == "TikTok":
            _check_id(text_or_none(body.get("embed_product_id")), post_id, "oEmbed")
            raise NotSupported(
                "this is TikTok's oEmbed answer: it has a title and author but no counters; reach reads "
                "counters from the video page (reach collect fetches it)"
            )
        if body.get("code") == 400 and "message" in body:
            raise Unavailable(
                f"TikTok's oEmbed says {str(body.get('message'))!r} (code 400): the post is deleted or "
                "private, or the link is wrong",
                http_status=raw.status,
            )
        if isinstance(body.get("status"), int) and isinstance(body.get("url"), str) and "byteLength" in body:
            _raise_for_capture_record(body, post_id, self)
        if isinstance(body.get("stats"), dict) or isinstance(body.get("statsV2"), dict):
            return self._parse_item(body, raw, post_id)
        keys = ", ".join(sorted(str(k) for k in body)[:8])
        raise ParseError(
            "unknown TikTok JSON (keys: "
            + keys
            + "): expected the video page's __UNIVERSAL_DATA_FOR_REHYDRATION__, its webapp.video-detail, "
            "an item with statsV2, or an official API video query answer"
        )

    def _parse_scope(self, scope: dict[str, Any], raw: RawResponse, post_id: str | None) -> ParsedPost:
        detail = scope.get("webapp.video-detail")
        if isinstance(detail, dict):
            return self._parse_detail(detail, raw, post_id)
        if _url_path(raw.url).startswith("/login") or any("login" in str(k).lower() for k in scope):
            raise Blocked(
                "TikTok served its login page instead of the video: a login wall; try again later, or add "
                "a tiktok cookies.txt (sessionid)",
                http_status=raw.status,
            )
        _raise_for_http_status(raw)
        keys = ", ".join(sorted(str(k) for k in scope)[:8])
        raise ParseError(
            f"TikTok page data without webapp.video-detail (has: {keys}): not a video page, or the page changed"
        )

    def _parse_detail(self, detail: dict[str, Any], raw: RawResponse, post_id: str | None) -> ParsedPost:
        _raise_for_status(detail, raw.status)
        _raise_for_http_status(raw)
        item = dig(detail, "itemInfo", "itemStruct")
        if not isinstance(item, dict):
            raise ParseError("TikTok answered statusCode 0 without itemInfo.itemStruct: the page changed")
        return self._parse_item(item, raw, post_id)

    def _parse_sigi(self, sigi: dict[str, Any], raw: RawResponse, post_id: str | None) -> ParsedPost:
        module = sigi.get("ItemModule")
        items = {str(k): v for k, v in module.items() if isinstance(v, dict)} if isinstance(module, dict) else {}
        if not items:
            raise ParseError("TikTok's SIGI_STATE has no ItemModule entry: the page changed or holds no video")
        wanted = post_id or _id_from_url(self, raw.url)
        if wanted is None:
            if len(items) != 1:
                raise ParseError("TikTok's SIGI_STATE holds several items: say which post (--url)")
            item = next(iter(items.values()))
        elif wanted in items:
            item = items[wanted]
        else:
            raise ParseError(f"TikTok's SIGI_STATE has no item {wanted} (has {', '.join(sorted(items))})")
        _raise_for_http_status(raw)
        item = dict(item)
        author = item.get("author")
        if isinstance(author, str):
            user = dig(sigi, "UserModule", "users", author)
            item["author"] = {"uniqueId": author, "nickname": dig(user, "nickname")}
        return self._parse_item(item, raw, post_id)

    def _parse_item(self, item: dict[str, Any], raw: RawResponse, post_id: str | None) -> ParsedPost:
        item_id = _id_str(item.get("id"))
        _check_id(item_id, post_id, "the page")
        found = item_id or post_id or _id_from_url(self, raw.url)
        warnings: list[str] = []
        if found is None:
            # only `reach parse` of a bare fragment without --url gets here: the collector always names the post
            found = "unknown"
            warnings.append("the response names no post id and none was given (--url): post id unknown")
        stats_v2 = item.get("statsV2")
        stats = item.get("stats")
        if not isinstance(stats_v2, dict) and not isinstance(stats, dict):
            if item.get("isContentClassified"):
                raise AuthRequired(
                    "TikTok hides this post behind an age check (isContentClassified): only a logged-in "
                    "adult account sees it; add a tiktok cookies.txt (sessionid) to collect it"
                )
            raise ParseError("the TikTok item has neither statsV2 nor stats: the page changed; nothing recorded")
        values: dict[str, Count | None] = {}
        from_stats: list[str] = []
        for key, name in _METRICS:
            count = json_count(stats_v2.get(key)) if isinstance(stats_v2, dict) else None
            rounded = _rounded_stat(stats.get(key)) if isinstance(stats, dict) else None
            if count is None or count.value is None:
                count = rounded
                if count is not None:
                    from_stats.append(name)
            elif (
                rounded is not None
                and isinstance(stats, dict)
                and isinstance(stats_v2, dict)
                and not _agrees(count, rounded)
            ):
                warnings.append(
                    f"{name} not recorded: statsV2 {key} {stats_v2.get(key)!r} contradicts stats {key} "
                    f"{stats.get(key)!r} (one of them is a placeholder; neither is trusted)"
                )
                values[name] = None
                continue
            if count is None:
                present = isinstance(stats_v2, dict) and key in stats_v2 or isinstance(stats, dict) and key in stats
                warnings.append(f"{name} not shown ({key} {'not a count' if present else 'absent'})")
            values[name] = count
        if from_stats:
            warnings.append(
                f"{', '.join(from_stats)} read from TikTok's rounded 'stats' object (no statsV2 value): "
                "marked approximate"
            )
        extra: dict[str, Count] = {}
        if isinstance(stats_v2, dict) and "repostCount" in stats_v2:
            reposts = json_count(stats_v2.get("repostCount"))
            if reposts is not None and reposts.value is not None:
                extra["reposts"] = reposts
        author = item.get("author")
        author_name = (
            text_or_none(dig(author, "nickname")) or text_or_none(dig(author, "uniqueId"))
            if isinstance(author, dict)
            else text_or_none(author)
        )
        title = text_or_none(item.get("desc")) or text_or_none(dig(item, "contents", 0, "desc"))
        return ParsedPost(
            platform=self.platform,
            post_id=found,
            metrics=_metrics(values, extra),
            title=title,
            author=author_name,
            published_at=utc_from_unix(item.get("createTime")),
            warnings=tuple(warnings),
        )

    def _parse_api(self, body: dict[str, Any], raw: RawResponse, post_id: str | None) -> ParsedPost:
        """The official Research / Display API ``video/query`` answer (``data.videos[]``)."""
        error = body.get("error")
        code = str(dig(error, "code") or "").strip().lower() if isinstance(error, dict) else ""
        if code and code != "ok":
            message = str(dig(error, "message") or "").strip()
            said = f"TikTok API error {code!r}" + (f" ({message})" if message else "")
            cls, meaning = _API_ERRORS.get(code, (ParseError, "an error code reach does not know; nothing recorded"))
            raise cls(f"{said}: {meaning}", http_status=raw.status)
        _raise_for_http_status(raw)
        videos = dig(body, "data", "videos")
        if not isinstance(videos, list):
            raise ParseError("TikTok API answer without data.videos: not a video query answer")
        by_id: dict[str, dict[str, Any]] = {}
        for video in videos:
            if not isinstance(video, dict):
                continue
            vid = _id_str(video.get("id")) or _id_str(video.get("video_id"))
            if vid is None:
                continue
            if vid in by_id and _api_counts(by_id[vid]) != _api_counts(video):
                raise ParseError(f"TikTok API answer lists video {vid} twice with different counters")
            by_id.setdefault(vid, video)
        wanted = post_id or _id_from_url(self, raw.url)
        if wanted is None:
            if len(by_id) != 1:
                raise ParseError(
                    f"TikTok API answer holds {len(by_id)} videos: say which post (--url) to read"
                    if by_id
                    else "TikTok API answer lists no video with an id: nothing to read"
                )
            wanted = next(iter(by_id))
        video = by_id.get(wanted)
        if video is None:
            listed = ", ".join(sorted(by_id)) or "none"
            raise ParseError(f"TikTok API answer does not list the requested video {wanted} (lists: {listed})")
        warnings: list[str] = []
        counts = {name: count_field(video, key, name, warnings) for key, name in _API_METRICS}
        return ParsedPost(
            platform=self.platform,
            post_id=wanted,
            metrics=_metrics(counts, {}),
            title=text_or_none(video.get("video_description")) or text_or_none(video.get("title")),
            author=text_or_none(video.get("username")),
            published_at=utc_from_unix(video.get("create_time")),
            warnings=tuple(warnings),
        )


# -- helpers -----------------------------------------------------------------------------------


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _url_path(url: str) -> str:
    return urlsplit(url).path.lower()


def _id_str(value: Any) -> str | None:
    """A post id given as a JSON int or a digit string (never a float: it lost digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return str(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return value.strip()
    return None


def _metrics(counts: Mapping[str, Count | None], extra: Mapping[str, Count]) -> Metrics:
    return Metrics(
        views=counts.get("views"),
        likes=counts.get("likes"),
        comments=counts.get("comments"),
        shares=counts.get("shares"),
        favorites=counts.get("favorites"),
        extra=dict(extra),
    )


def _id_from_url(collector: TiktokCollector, url: str) -> str | None:
    ref = collector._quiet_match(url)
    return ref.post_id if ref is not None else None


def _check_id(found: str | None, wanted: str | None, where: str) -> None:
    if found is not None and wanted is not None and found != wanted:
        raise ParseError(f"{where} is about TikTok post {found}, not the requested {wanted}")


def _api_counts(video: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(video.get(key) for key, _ in _API_METRICS)


def _is_api_error(body: Mapping[str, Any]) -> bool:
    error = body.get("error")
    return isinstance(error, dict) and "code" in error and "log_id" in error


def _rounded_stat(value: Any) -> Count | None:
    """A counter from the legacy ``stats`` object: always approximate (TikTok rounds large values
    there), with granularity 10**(trailing zeros of the value); see the module docstring."""
    count = json_count(value)
    if count is None or count.value is None:
        return None
    if count.kind is not CountKind.EXACT:
        return count  # a display string such as "1.2K" already says how precise it is
    granularity = 1
    rest = count.value
    while rest and rest % 10 == 0:
        rest //= 10
        granularity *= 10
    return Count(count.value, CountKind.APPROXIMATE, granularity, count.raw)


def _agrees(exact: Count, rounded: Count) -> bool:
    """Whether an exact ``statsV2`` value can be what the rounded ``stats`` value shows (TikTok rounds
    or truncates there: 2291312 shows as 2300000). A ``"0"`` placeholder next to 2300000 cannot."""
    if exact.value is None or rounded.value is None:
        return True
    if rounded.kind is CountKind.LOWER_BOUND:
        return exact.value >= rounded.value
    # beyond the rounding, allow 1% for two snapshots of a live counter taken a moment apart
    slack = max(rounded.granularity, max(exact.value, rounded.value) // 100, 1)
    return abs(exact.value - rounded.value) < slack


def _status_code(detail: Mapping[str, Any]) -> int | None:
    for key in ("statusCode", "status_code"):
        value = detail.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
    return None


def _raise_for_status(detail: Mapping[str, Any], http_status: int) -> None:
    """Raise the outcome of a non-zero ``statusCode`` in ``webapp.video-detail`` / ``/api/item/detail``."""
    code = _status_code(detail)
    message = str(detail.get("statusMsg") or detail.get("status_msg") or "").strip()
    if code is None:
        if "itemInfo" in detail:
            return  # some saved copies drop the envelope; the item itself is checked next
        raise ParseError("TikTok's webapp.video-detail has no statusCode: the page changed")
    if code == 0:
        return
    said = f"TikTok says statusCode {code}" + (f" ({message!r})" if message else " with no statusMsg")
    if code == 10204:
        text = message.lower()
        if _REGION_WORDS.search(text):
            raise Unavailable(
                f"{said}: the post is not shown in the region reach connects from (withheld there); "
                "it may still be visible elsewhere",
                http_status=http_status,
            )
        if _DELETED_WORDS.search(text):
            raise Unavailable(f"{said}: the post was deleted (or made private)", http_status=http_status)
        if _PRIVATE_WORDS.search(text):
            raise Unavailable(f"{said}: the post is private", http_status=http_status)
        if _REVIEW_WORDS.search(text):
            raise Unavailable(f"{said}: the post is under review and not shown yet", http_status=http_status)
        raise Blocked(
            f"{said}: TikTok uses this code for removed posts but also for blocked IPs, and gave no reason; "
            "open the link in a browser: if it plays, TikTok is blocking reach, so wait some hours",
            http_status=http_status,
        )
    if code == 10216:
        raise Unavailable(
            f"{said}: the post is private (only its author and chosen viewers see it)", http_status=http_status
        )
    if code == 10222:
        raise Unavailable(f"{said}: the account is private; its posts are not public", http_status=http_status)
    raise ParseError(f"{said}: a status code reach does not know yet; nothing recorded", http_status=http_status)


def _block_signal(text: str) -> str | None:
    """What kind of bot wall a page without post data is (``None``: no known sign)."""
    low = text.lower()
    if 'id="cs"' in low or "_wafchallengeid" in low or "please wait..." in low:
        return "its WAF JavaScript challenge ('Please wait...') instead of the video"
    if "captcha" in low or "verify-bar" in low:
        return "a captcha instead of the video"
    if "/login" in low and ("log in to tiktok" in low or "login-modal" in low):
        return "its login page instead of the video"
    return None


def _raise_for_empty(raw: RawResponse) -> NoReturn:
    if raw.status in REDIRECTS:
        _raise_for_no_data(raw, "")
    path = _url_path(raw.url)
    if path.startswith("/oembed") and raw.status == 400:
        raise Unavailable(
            "TikTok's oEmbed answered HTTP 400 with an empty body: the post is deleted or private", http_status=400
        )
    if raw.status == 200:
        raise Blocked(
            "TikTok answered with an empty page (HTTP 200, no body): it does this to clients it takes for "
            "bots; wait before retrying, collect less often, or add a tiktok cookies.txt",
            http_status=200,
        )
    _raise_for_http_status(raw)
    raise ParseError(f"empty response body (HTTP {raw.status}) from TikTok", http_status=raw.status)


def _raise_for_no_data(raw: RawResponse, text: str) -> NoReturn:
    """A response without TikTok's page data: a redirect, a bot wall or an error page."""
    location = raw.headers.get("location", "")
    if raw.status in REDIRECTS:
        target = _url_path(location)
        if target.startswith("/login"):
            raise Blocked(
                "TikTok redirected the video page to its login page (a login wall); try again later, or add "
                "a tiktok cookies.txt (sessionid)",
                http_status=raw.status,
            )
        if "notfound" in target:
            raise Unavailable("TikTok redirected to its 'not found' page: the post was removed", http_status=raw.status)
        where = f" to {_host(location)}{urlsplit(location).path}" if location else ""
        raise ParseError(f"TikTok answered an unexpected redirect (HTTP {raw.status}){where}", http_status=raw.status)
    if _url_path(raw.url).startswith("/login"):
        raise Blocked("TikTok served its login page instead of the video (a login wall); try again later")
    signal = _block_signal(text)
    if signal is not None:
        raise Blocked(
            f"TikTok served {signal}: reach does not solve challenges; wait some hours, collect less often, or "
            "add a tiktok cookies.txt from a browser session",
            http_status=raw.status,
        )
    _raise_for_http_status(raw)
    low = text.lower()
    if "<html" in low or "<!doctype" in low or "<body" in low or "<script" in low:
        raise Blocked(
            "TikTok answered a page without the video data (no __UNIVERSAL_DATA_FOR_REHYDRATION__): usually "
            "a bot check; wait before retrying",
            http_status=raw.status,
        )
    snippet = text.strip()[:60].replace("\n", " ")
    raise ParseError(
        f"not a TikTok video page or API answer ({snippet!r}): expected HTML with "
        "__UNIVERSAL_DATA_FOR_REHYDRATION__, or its JSON",
        http_status=raw.status,
    )


def _raise_for_http_status(raw: RawResponse) -> None:
    if raw.status == 400 and _url_path(raw.url).startswith("/oembed"):
        raise Unavailable("TikTok's oEmbed answered HTTP 400: the post is deleted or private", http_status=400)
    raise_for_http_status(raw.status, "TikTok", blocked=_BLOCK_STATUSES, gone="TikTok has no such post")


def _raise_for_capture_record(record: Mapping[str, Any], post_id: str | None, collector: TiktokCollector) -> NoReturn:
    """A capture tool's record of one response (``{"url", "status", "byteLength", ...}``, no body)."""
    url = str(record.get("url"))
    parts = urlsplit(url)
    if not host_matches(parts.hostname or "", collector.hosts):
        raise ParseError(f"a capture record for {parts.hostname}, not a TikTok response")
    inner = parse_qs(parts.query).get("url", [])
    _check_id(_id_from_url(collector, inner[0]) if inner else None, post_id, "the capture record")
    status = record.get("status")
    if parts.path.rstrip("/").lower() == "/oembed":
        if status in (400, 404):
            raise Unavailable(
                f"TikTok's oEmbed answered HTTP {status} for this post: it is deleted or private",
                http_status=int(str(status)),
            )
        if status == 200:
            raise NotSupported("a record of an oEmbed answer: oEmbed carries no counters")
    raise ParseError(
        f"a capture record (HTTP {status} from {parts.path}) without the response body: parse the saved body instead"
    )


def _json_script(html: str, script_id: str) -> Any:
    text = script_by_id(html, script_id)
    if text is None or not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return decode_js_value(text)  # a bare JavaScript `undefined` / NaN becomes null
    except ValueError:
        raise ParseError(
            f"the page's {script_id} script is not valid JSON (a truncated save, or the page changed)"
        ) from None


def _scope_from_text(text: str) -> dict[str, Any] | None:
    """``__DEFAULT_SCOPE__`` of a video page, or a partial scope holding ``webapp.video-detail``
    found in a fragment of the page text; ``None`` when the text has neither."""
    if "__UNIVERSAL_DATA_FOR_REHYDRATION__" in text:
        data = _json_script(text, "__UNIVERSAL_DATA_FOR_REHYDRATION__")
        if isinstance(data, dict):
            scope = data.get("__DEFAULT_SCOPE__")
            if isinstance(scope, dict):
                return scope
            raise ParseError("the page's __UNIVERSAL_DATA_FOR_REHYDRATION__ has no __DEFAULT_SCOPE__: the page changed")
    m = _DETAIL_KEY.search(text)
    if m is None:
        return None
    try:
        detail = decode_js_value(text, m.end())
    except ValueError:
        raise ParseError("found webapp.video-detail in the text but could not read its value (cut short?)") from None
    return {"webapp.video-detail": detail}
