"""Collector for https://www.youtube.com/ videos: Data API v3 with a key, the public watch page without.

Identity: the 11-character video id (``[0-9A-Za-z_-]``) from ``watch?v=``, ``youtu.be/``,
``/shorts/``, ``/live/``, ``/embed/``, ``/v/``, ``m.``/``music.``/``youtubekids`` hosts and
Invidious mirrors. No link form needs a redirect. The 2 spare bits of the last character are
cleared, so every spelling of a video has one post key.

Routes (chosen on every call from the ``youtube_api_key`` setting / ``REACH_YOUTUBE_API_KEY``):

* **With a key**: ``GET https://www.googleapis.com/youtube/v3/videos?part=snippet,statistics,
  liveStreamingDetails&id=<up to 50 ids>``, the key in the ``X-Goog-Api-Key`` header (1 quota unit
  per call; 10,000 units a day by default, reset at midnight Pacific time). Default spacing 0.2 s.
* **Without a key**: ``GET https://www.youtube.com/watch?v=<id>&hl=en&bpctr=9999999999&has_verified=1``
  one video at a time, with a desktop browser User-Agent, ``Accept-Language: en`` and the consent
  cookie ``SOCS=CAI`` (skips the EU cookie-consent page; ``bpctr``/``has_verified`` skip the
  content-warning interstitial). Guests get about 300 pages an hour before YouTube answers "try
  again later", so the default spacing is 12 s; a block or rate limit stops the rest of the batch.

Counters, API (JSON strings, counts): ``items[].statistics.viewCount`` → views, ``likeCount`` →
likes (absent when the owner hides it), ``commentCount`` → comments (absent when comments are off).
``favoriteCount`` is deprecated and always "0", so favorites are ``None``. Extra:
``liveStreamingDetails.concurrentViewers`` → ``live_viewers`` (people watching now, not views).
``snippet.title``, ``snippet.channelTitle``, ``snippet.publishedAt`` (ISO 8601 → UTC).

Counters, watch page: ``ytInitialPlayerResponse.videoDetails.viewCount`` (a digit string, exact at
any size) → views, except while the video is live now (``videoDetails.isLive`` or the view-count
renderer's ``isLive``) or upcoming (``isUpcoming``): then that number counts viewers or waiting
people, and views are ``None`` with a warning. It is the only source of views (view texts elsewhere
on the page, recommendation shelves included, are never read as views); absent → ``None``. Likes and
comments are display texts in ``ytInitialData`` read with :func:`reach.parse_count` ("3,907 likes"
exact, "3.9K" approximate): likes from the like button of the video's own
``videoPrimaryInfoRenderer`` (its accessibility label, ``likeCount``, or the newer
``segmentedLikeDislikeButtonViewModel``), the "likes" factoid of the description panel and the
``likeCountEntity`` update; comments from ``commentsEntryPointHeaderRenderer .commentCount`` and the
comments engagement panel's ``contextualInfo``. The count if the viewer liked (``toggledText``,
``likeCountIfLiked``) is never read. Sources that disagree, negative sentinels (``likeCount: -1``),
hidden ratings (``allowRatings: false``) and absent texts give ``None`` with a warning. Extra: the
video's own view text when it is live, "1,234 watching now" → ``live_viewers``, and for a premiere
"19 waiting" → ``premiere_waiting`` (never views). ``videoDetails.title``, ``videoDetails.author``;
``microformat.playerMicroformatRenderer.publishDate`` (``uploadDate`` when there is no publish date)
→ published_at only when it is a time with an offset ("2023-03-05T17:30:00-08:00" → 01:30 UTC next
day); a date alone ("2023-03-05") has no time zone and gives ``None`` (with a warning holding the
date). Times before 2005-04-23 (YouTube's first video) are sentinels: ``None``. A player response
saved on its own (JSON with ``videoDetails`` / ``playabilityStatus``, as ``youtubei/v1/player``
answers) is read the same way, without likes and comments. Not public on either route: shares,
dislikes, favorites.

Errors, API: an id missing from ``items`` is deleted/private (unavailable); ``quotaExceeded`` and
rate limits are ``rate_limited``; ``keyInvalid``/``PERMISSION_DENIED``/``forbidden`` are
``auth_required``.

Errors, watch page (``playabilityStatus``): "Sign in to confirm you're not a bot" or a captcha →
blocked; "This content isn't available, try again later" → rate_limited; ``ERROR`` (removed,
terminated, never existed), a private video (``LOGIN_REQUIRED`` + "private") and any reason saying
removed/deleted/terminated → unavailable, never numbers. Other states (``LOGIN_REQUIRED`` age gate,
``UNPLAYABLE`` ended-live recording / members-only / region, ``LIVE_STREAM_OFFLINE``) still give the
counters when ``videoDetails.viewCount`` is on the page (with a warning); without it they are
``auth_required`` (sign-in walls: use an API key) or ``unavailable``. The EU consent page (redirect
to ``consent.youtube.com`` or its form), Google's "unusual traffic" page and HTTP 403 are blocked;
a page without ``ytInitialPlayerResponse`` is a parse error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ..counts import parse_count, parse_live_count
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
from ..models import Count, CountKind, Metrics, ParsedPost, PostRef
from .base import Collector, RawResponse
from .common import count_field, decode_js_value, dig, js_assignment, json_count, text_or_none, utc_from_iso

if TYPE_CHECKING:
    from ..config import Settings

API_URL = "https://www.googleapis.com/youtube/v3/videos"
WATCH_URL = "https://www.youtube.com/watch"
API_INTERVAL = 0.2
"""Seconds between two Data API calls (each answers up to 50 videos)."""
PAGE_INTERVAL = 12.0
"""Seconds between two watch pages: guests get about 300 pages an hour."""
CONSENT_COOKIE = ("SOCS", "CAI")
"""The cookie a browser gets after refusing optional cookies: no EU consent page."""
PAGE_HEADERS = {
    "User-Agent": BROWSER_USER_AGENT,
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-US,en;q=0.9",
}
FIRST_VIDEO = datetime(2005, 4, 23, tzinfo=timezone.utc)
"""YouTube's first upload: an earlier publish time is a placeholder (0, 1970), not a date."""

_VID = r"(?!videoseries|live_stream)(?P<id>[0-9A-Za-z_-]{11})(?![0-9A-Za-z_-])"
_VID_PREFIX = r"(?P<id>[0-9A-Za-z_-]{11})"  # yt-dlp accepts ids glued to junk after v=
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_HOSTS = r"(?:[\w-]+\.)*(?:youtube\.com|youtube-nocookie\.com|youtubekids\.com)"
_MIRRORS = r"(?:[\w-]+\.)*(?:invidio\.us|invidious\.io|yewtu\.be|vid\.plus|zwearz\.com|cleanvideosearch\.com)"

_RATE_REASONS = {
    "quotaexceeded",
    "dailylimitexceeded",
    "ratelimitexceeded",
    "userratelimitexceeded",
    "rate_limit_exceeded",
    "resource_exhausted",
}
_AUTH_REASONS = {
    "keyinvalid",
    "keyexpired",
    "api_key_invalid",
    "forbidden",
    "accessnotconfigured",
    "permission_denied",
    "ipreferblocked",
    "iprefererblocked",
    "unauthenticated",
    "service_unavailable",
    "servicedisabled",
    "api_key_service_blocked",
}

# Watch-page reason texts (lower case, curly apostrophes made straight).
_BOT_WORDS = ("not a bot", "unusual traffic", "automated queries")
_TRY_LATER_WORDS = ("try again later",)
_GONE_WORDS = (
    "private",
    "removed",
    "deleted",
    "terminated",
    "no longer available",
    "does not exist",
    "doesn't exist",
)
_SIGN_IN_STATUSES = {"LOGIN_REQUIRED", "AGE_CHECK_REQUIRED", "AGE_VERIFICATION_REQUIRED"}
_CONSENT_MARKERS = ("consent.youtube.com", "before you continue to youtube")
_SORRY_MARKERS = ("/sorry/index", "our systems have detected unusual traffic", "g-recaptcha")


class YoutubeCollector(Collector):
    platform = "youtube"
    version = "1"
    hosts = (
        "youtube.com",
        "youtu.be",
        "youtube-nocookie.com",
        "youtubekids.com",
        "googleapis.com",
    )
    patterns = (
        re.compile(r"^https?://" + _HOSTS + r"/(?:watch|watch_popup)/?\?(?:[^#]*?[?&;])??v=" + _VID_PREFIX),
        re.compile(r"^https?://" + _HOSTS + r"/(?:shorts|live|embed|v|e)/" + _VID),
        re.compile(r"^https?://(?:www\.)?youtu\.be/" + _VID),
        re.compile(r"^https?://youtube\.googleapis\.com/v/" + _VID),
        re.compile(r"^https?://" + _MIRRORS + r"/(?:[^#]*?[?&;])??(?:v|videoId)=" + _VID_PREFIX),
        re.compile(r"^https?://" + _MIRRORS + r"/(?:watch/|embed/)?" + _VID),
    )
    example_urls = (
        "https://www.youtube.com/watch?v=AbCdEfGhIjk",
        "https://youtu.be/AbCdEfGhIjk?si=invented",
        "https://www.youtube.com/shorts/AbCdEfGhIjk",
        "https://m.youtube.com/watch?feature=share&v=AbCdEfGhIjk",
    )
    cookie_names = ("SOCS", "CONSENT")
    min_interval = API_INTERVAL
    max_concurrency = 2
    batch_size = 50

    def normalize_id(self, raw_id: str) -> str | None:
        """The canonical id: an id is 64 bits in 11 base64url characters, so the last character only
        carries 4 bits; YouTube ignores the 2 spare bits (``...GPfl`` and ``...GPfk`` are one video).
        Clearing them gives every spelling of a video one post key."""
        if len(raw_id) != 11 or any(c not in _B64 for c in raw_id):
            return None
        return raw_id[:10] + _B64[_B64.index(raw_id[10]) & ~3]

    def canonical_url(self, post_id: str) -> str:
        return f"https://www.youtube.com/watch?v={post_id}"

    def default_interval(self, settings: Settings) -> float:
        """0.2 s between Data API calls when a key is set; 12 s between watch pages without one."""
        return API_INTERVAL if settings.secret("youtube_api_key") else PAGE_INTERVAL

    def _key(self, http: Http) -> str:
        key = http.secret("youtube_api_key") or ""
        if not key.isascii() or not key.isprintable() or " " in key:
            raise AuthRequired(
                "the YouTube API key (REACH_YOUTUBE_API_KEY / youtube_api_key) contains characters an API key "
                "cannot have: copy it again from Google Cloud Console"
            )
        return key

    async def fetch(self, http: Http, ref: PostRef) -> RawResponse:
        ((_, result),) = await self.fetch_batch(http, [ref])
        if isinstance(result, CollectError):
            raise result
        return result

    async def fetch_batch(
        self, http: Http, refs: Sequence[PostRef]
    ) -> list[tuple[PostRef, RawResponse | CollectError]]:
        """The Data API (50 ids a call) when a key is set, else one watch page per video. The route
        is decided on every call: the collector object is shared between settings."""
        if http.secret("youtube_api_key"):
            return await self._fetch_api(http, refs)
        return await self._fetch_pages(http, refs)

    async def _fetch_api(self, http: Http, refs: Sequence[PostRef]) -> list[tuple[PostRef, RawResponse | CollectError]]:
        out: list[tuple[PostRef, RawResponse | CollectError]] = []
        for start in range(0, len(refs), self.batch_size):
            chunk = list(refs[start : start + self.batch_size])
            try:
                key = self._key(http)
                raw: RawResponse | CollectError = await http.get(
                    self,
                    API_URL,
                    params={
                        "part": "snippet,statistics,liveStreamingDetails",
                        "id": ",".join(ref.post_id for ref in chunk),
                        "maxResults": "50",
                    },
                    headers={"X-Goog-Api-Key": key, "Accept": "application/json"},
                )
            except CollectError as exc:
                raw = exc
            out.extend((ref, raw) for ref in chunk)
        return out

    async def _fetch_pages(
        self, http: Http, refs: Sequence[PostRef]
    ) -> list[tuple[PostRef, RawResponse | CollectError]]:
        name, value = CONSENT_COOKIE
        if http.cookie(self, name) is None:
            http.set_cookie(self, name, value, domain=".youtube.com")
        out: list[tuple[PostRef, RawResponse | CollectError]] = []
        stop: CollectError | None = None
        for ref in refs:
            if stop is not None:
                out.append((ref, _not_fetched(stop)))
                continue
            try:
                raw: RawResponse | CollectError = await http.get(
                    self,
                    WATCH_URL,
                    params={"v": ref.post_id, "hl": "en", "bpctr": "9999999999", "has_verified": "1"},
                    headers=PAGE_HEADERS,
                )
            except CollectError as exc:
                raw = exc
            if isinstance(raw, RateLimited):
                stop = raw
            elif isinstance(raw, RawResponse):
                try:
                    self.parse(raw, ref.post_id)
                except (Blocked, RateLimited) as exc:
                    stop = exc  # never keep asking once YouTube pushes back
                except CollectError:
                    pass
            out.append((ref, raw))
        return out

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        """A Data API answer (JSON) or a saved watch page (HTML), told apart by the body."""
        if 300 <= raw.status < 400:
            _raise_redirect(raw)
        if (urlsplit(raw.url).hostname or "").endswith("googleapis.com"):
            return self._parse_api(raw, post_id)
        head = raw.body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if head == b"<" or (head not in (b"{", b"[", b"") and b"ytInitialPlayerResponse" in raw.body):
            return self._parse_page(raw, post_id)
        return self._parse_api(raw, post_id)

    # -- Data API ------------------------------------------------------------------------------

    def _parse_api(self, raw: RawResponse, post_id: str | None) -> ParsedPost:
        try:
            body = raw.json()
        except ParseError:
            if raw.status >= 500:
                raise NetworkError(f"YouTube API server error (HTTP {raw.status})", http_status=raw.status) from None
            raise
        if not isinstance(body, dict):
            raise ParseError("YouTube API answered JSON that is not an object")
        if "error" not in body and "items" not in body and ("videoDetails" in body or "playabilityStatus" in body):
            # a player response saved on its own (youtubei/v1/player, or the page's object)
            if raw.status >= 500:
                raise NetworkError(f"YouTube server error (HTTP {raw.status})", http_status=raw.status)
            return self._parse_player(body, None, post_id or _id_from_url(raw.url, self), raw.status)
        if "error" in body:
            _raise_api_error(body["error"], raw.status)
        if raw.status != 200:
            raise ParseError(f"unexpected HTTP {raw.status} from the YouTube API", http_status=raw.status)
        items = body.get("items")
        if not isinstance(items, list):
            if body.get("kind") == "youtube#videoListResponse":
                items = []
            else:
                raise ParseError("YouTube API answer has no 'items' list: not a videos.list response")
        warnings: list[str] = []
        item = _pick(items, post_id, warnings)
        vid = text_or_none(item.get("id"))
        if vid is None:
            raise ParseError("YouTube API item has no id")
        raw_snippet = item.get("snippet")
        snippet: dict[str, Any] = raw_snippet if isinstance(raw_snippet, dict) else {}
        stats = item.get("statistics")
        if not isinstance(stats, dict):
            # reach always asks for part=statistics: an item without it is not an answer we can count
            raise ParseError(
                f"YouTube API answered video {vid} without its statistics (part=statistics missing): "
                "nothing recorded; if this repeats, the API changed"
            )
        metrics_warnings: list[str] = []
        extra = {}
        details = item.get("liveStreamingDetails")
        live = json_count(details.get("concurrentViewers")) if isinstance(details, dict) else None
        if live is not None and live.value is not None:
            extra["live_viewers"] = live
        metrics = Metrics(
            views=count_field(stats, "viewCount", "views", metrics_warnings),
            likes=count_field(stats, "likeCount", "likes", metrics_warnings),
            comments=count_field(stats, "commentCount", "comments", metrics_warnings),
            shares=None,
            favorites=None,
            extra=extra,
        )
        if stats:
            warnings.extend(metrics_warnings)
        return ParsedPost(
            platform=self.platform,
            post_id=vid,
            metrics=metrics,
            title=text_or_none(snippet.get("title")),
            author=text_or_none(snippet.get("channelTitle")),
            published_at=_real_time(utc_from_iso(snippet.get("publishedAt")), snippet.get("publishedAt"), warnings),
            warnings=tuple(warnings),
        )

    # -- watch page ----------------------------------------------------------------------------

    def _parse_page(self, raw: RawResponse, post_id: str | None) -> ParsedPost:
        if raw.status >= 500:
            raise NetworkError(f"YouTube server error (HTTP {raw.status})", http_status=raw.status)
        html = raw.text
        wanted = post_id or _id_from_url(raw.url, self)
        player = _assigned(html, "ytInitialPlayerResponse")
        if player is None:
            _raise_pageless(raw, html)
        assert isinstance(player, dict)
        data = _assigned(html, "ytInitialData")
        return self._parse_player(player, data, wanted, raw.status)

    def _parse_player(
        self, player: dict[str, Any], data: dict[str, Any] | None, wanted: str | None, http_status: int
    ) -> ParsedPost:
        """The counters of a player response (+ the page's ``ytInitialData`` when there is one)."""
        warnings: list[str] = []
        details = _page_status(player, wanted, http_status, warnings)
        vid = self.normalize_id(str(details.get("videoId") or "")) or wanted
        if vid is None:
            raise ParseError("the YouTube watch page names no video id (videoDetails.videoId) and none was given")
        if wanted is not None and vid != wanted:
            raise ParseError(f"the YouTube watch page is for video {vid}, not {wanted}: nothing recorded")
        microformat = dig(player, "microformat", "playerMicroformatRenderer")
        microformat = microformat if isinstance(microformat, dict) else {}
        if data is None:
            warnings.append("ytInitialData not in the response: likes and comments not read")
            data = {}
        primary = _primary_info(data)
        views = _digits_count(details.get("viewCount"))
        live_now = _live_now(details, primary)
        if live_now is not None and views is not None:
            views = None
            warnings.append(
                f"views not recorded: the video is {live_now}, and then videoDetails.viewCount counts people "
                "watching or waiting, not views"
            )
        elif views is None:
            shown = "absent" if "viewCount" not in details else f"not a count ({details.get('viewCount')!r})"
            warnings.append(f"views not shown (videoDetails.viewCount {shown})")
        if details.get("allowRatings") is False:
            likes = None
            warnings.append("likes not shown: the owner turned ratings off (allowRatings false)")
        else:
            likes = _agreed(_like_counts(primary, data), "likes", warnings)
        comments = _agreed(_comment_counts(data), "comments", warnings, _comments_off(data))
        return ParsedPost(
            platform=self.platform,
            post_id=vid,
            metrics=Metrics(
                views=views,
                likes=likes,
                comments=comments,
                shares=None,
                favorites=None,
                extra=_live_counts(primary),
            ),
            title=text_or_none(details.get("title")) or _text(microformat.get("title")),
            author=text_or_none(details.get("author")) or text_or_none(microformat.get("ownerChannelName")),
            published_at=_page_published(microformat, warnings),
            warnings=tuple(warnings),
        )


# -- watch page helpers ----------------------------------------------------------------------------


def _not_fetched(stop: CollectError) -> CollectError:
    message = f"not fetched: YouTube pushed back on an earlier page in this batch ({stop.message})"
    if isinstance(stop, RateLimited):
        return RateLimited(message, http_status=stop.http_status, retry_after=stop.retry_after)
    return Blocked(message, http_status=stop.http_status)


def _id_from_url(url: str, collector: YoutubeCollector) -> str | None:
    values = parse_qs(urlsplit(url).query).get("v")
    return collector.normalize_id(values[0]) if values else None


def _assigned(html: str, name: str) -> dict[str, Any] | None:
    """The object a page script assigns to ``name`` (``var name = {...}`` or ``window["name"] = {...}``);
    ``None`` when no script assigns an object to it."""
    try:
        value = js_assignment(html, name)
    except ValueError:
        value = None
    if isinstance(value, dict):
        return value
    pattern = re.compile(
        r"""(?:\bvar\s+|\bwindow\s*\.\s*|\bwindow\s*\[\s*["'])""" + re.escape(name) + r"""(?:["']\s*\])?\s*=\s*"""
    )
    for m in pattern.finditer(html):
        try:
            value = decode_js_value(html, m.end())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _plain(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'").lower()


def _raise_redirect(raw: RawResponse) -> None:
    location = raw.headers.get("location", "")
    host = (urlsplit(location).hostname or "").lower()
    if host == "consent.youtube.com" or host.startswith("consent."):
        raise Blocked(
            "YouTube redirected to its cookie-consent page (EU) instead of the video: the consent cookie "
            "was not accepted. Try again later, or set an API key (REACH_YOUTUBE_API_KEY) to use the Data API.",
            http_status=raw.status,
        )
    if "/sorry/" in location or host.endswith("google.com"):
        raise Blocked(
            "YouTube sent reach to Google's 'unusual traffic' check: too many requests from this address. "
            "Wait a few hours, collect less often, or set an API key (REACH_YOUTUBE_API_KEY).",
            http_status=raw.status,
        )
    raise ParseError(
        f"YouTube answered with a redirect (HTTP {raw.status}) to {host or 'an unknown place'} instead of the "
        "watch page: nothing recorded",
        http_status=raw.status,
    )


def _raise_pageless(raw: RawResponse, html: str) -> None:
    """Explain a page without ``ytInitialPlayerResponse`` (always raises)."""
    text = _plain(html)
    host = (urlsplit(raw.url).hostname or "").lower()
    if host.startswith("consent.") or any(m in text for m in _CONSENT_MARKERS):
        raise Blocked(
            "YouTube showed its cookie-consent page (EU) instead of the video: the consent cookie was not "
            "accepted. Try again later, or set an API key (REACH_YOUTUBE_API_KEY) to use the Data API.",
            http_status=raw.status,
        )
    if any(m in text for m in _BOT_WORDS) or any(m in text for m in _SORRY_MARKERS):
        raise Blocked(
            "YouTube asked to confirm this is not a bot (captcha / unusual traffic): nothing recorded. Wait a "
            "few hours, collect less often, or set an API key (REACH_YOUTUBE_API_KEY).",
            http_status=raw.status,
        )
    if raw.status == 429:
        raise RateLimited("YouTube says too many requests (HTTP 429): wait an hour or more", http_status=429)
    if raw.status == 404:
        raise Unavailable("YouTube answered HTTP 404: no such video page", http_status=404)
    if raw.status in (401, 403):
        raise Blocked(f"YouTube refused the watch page (HTTP {raw.status}): try again later", http_status=raw.status)
    raise ParseError(
        f"the YouTube page (HTTP {raw.status}) has no ytInitialPlayerResponse: not a watch page, or YouTube "
        "changed its page; nothing recorded",
        http_status=raw.status,
    )


def _reason(status: dict[str, Any]) -> str:
    """Every reason text of a ``playabilityStatus``, joined."""
    parts: list[str] = []
    for value in (status.get("reason"), *(status.get("messages") or [])):
        text = _text(value)
        if text:
            parts.append(text)
    screen = dig(status, "errorScreen", "playerErrorMessageRenderer")
    if isinstance(screen, dict):
        for key in ("reason", "subreason"):
            text = _text(screen.get(key))
            if text and text not in parts:
                parts.append(text)
    return " / ".join(parts)


def _page_status(player: dict[str, Any], wanted: str | None, http_status: int, warnings: list[str]) -> dict[str, Any]:
    """Check ``playabilityStatus`` before any counter; return ``videoDetails`` when the page may be read."""
    status_obj = player.get("playabilityStatus")
    status_obj = status_obj if isinstance(status_obj, dict) else {}
    status = str(status_obj.get("status") or "").upper()
    reason = _reason(status_obj)
    plain = _plain(reason)
    details = player.get("videoDetails")
    details = details if isinstance(details, dict) else None
    video = f"video {wanted}" if wanted else "the video"
    said = f"{status or 'no status'}: {reason or 'no reason given'}"
    if any(w in plain for w in _BOT_WORDS) or dig(status_obj, "errorScreen", "playerCaptchaViewModel") is not None:
        raise Blocked(
            f"YouTube asked to confirm this is not a bot ({said}): watch pages are refused for now. Wait a few "
            "hours, collect less often, or set an API key (REACH_YOUTUBE_API_KEY) to use the Data API.",
            http_status=http_status,
        )
    if any(w in plain for w in _TRY_LATER_WORDS):
        raise RateLimited(
            f"YouTube says '{reason}': too many watch pages from this address. Wait about an hour, collect "
            "fewer videos per hour, or set an API key (REACH_YOUTUBE_API_KEY).",
            http_status=http_status,
        )
    if "private" in plain or (status not in ("", "OK") and details is not None and details.get("isPrivate") is True):
        raise Unavailable(f"YouTube: {video} is private ({said}): only people the owner invited can see it")
    if status == "ERROR":
        raise Unavailable(f"YouTube: {video} is unavailable ({said}): deleted, removed or never existed")
    if any(w in plain for w in _GONE_WORDS):
        raise Unavailable(f"YouTube: {video} is unavailable ({said})")
    if status in ("", "OK"):
        if details is None:
            raise ParseError(f"the YouTube watch page for {video} has no videoDetails ({said}): nothing recorded")
        return details
    if details is not None and _digits_count(details.get("viewCount")) is not None:
        warnings.append(f"YouTube does not play this video for guests ({said}); counters read from the page")
        return details
    if status in _SIGN_IN_STATUSES:
        raise AuthRequired(
            f"YouTube shows {video} only to signed-in users ({said}) and the page carries no view count: set an "
            "API key (REACH_YOUTUBE_API_KEY) to read its statistics through the Data API"
        )
    raise Unavailable(f"YouTube does not show {video} ({said}) and the page carries no view count")


def _text(value: Any) -> str | None:
    """A YouTube text object (``{"simpleText"}``, ``{"runs": [{"text"}]}``, ``{"content"}``) or string."""
    if isinstance(value, str):
        return text_or_none(value)
    if not isinstance(value, dict):
        return None
    for key in ("simpleText", "content"):
        if isinstance(value.get(key), str):
            return text_or_none(value[key])
    runs = value.get("runs")
    if isinstance(runs, list):
        return text_or_none("".join(str(r.get("text", "")) for r in runs if isinstance(r, dict)))
    return None


def _digits_count(value: Any) -> Count | None:
    """An exact count from a digit string (``"4294967297"``) or a non-negative int; else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Count.exact(value) if value >= 0 else None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return Count.exact(int(value.strip()), raw=value)
    return None


def _walk(node: Any, key: str) -> list[dict[str, Any]]:
    """Every dict stored under ``key`` anywhere inside ``node``."""
    found: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for k, v in item.items():
                if k == key and isinstance(v, dict):
                    found.append(v)
                stack.append(v)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _primary_info(data: dict[str, Any]) -> dict[str, Any]:
    """The ``videoPrimaryInfoRenderer`` of the video itself (never a recommendation)."""
    for item in dig(data, "contents", "twoColumnWatchNextResults", "results", "results", "contents") or []:
        renderer = dig(item, "videoPrimaryInfoRenderer")
        if isinstance(renderer, dict):
            return renderer
    return {}


def _panel(data: dict[str, Any], name: str) -> dict[str, Any]:
    for item in data.get("engagementPanels") or []:
        panel = dig(item, "engagementPanelSectionListRenderer")
        if isinstance(panel, dict) and name in (panel.get("targetId"), panel.get("panelIdentifier")):
            return panel
    return {}


def _parsed(texts: list[Any]) -> list[Count]:
    out: list[Count] = []
    for value in texts:
        text = _text(value)
        count = parse_count(text) if text else None
        if count is not None and count.value is not None:
            out.append(count)
    return out


def _like_counts(primary: dict[str, Any], data: dict[str, Any]) -> list[Count]:
    """Every like count the page shows for the video itself (never the if-liked one)."""
    texts: list[Any] = []
    numbers: list[Any] = []
    actions = primary.get("videoActions")
    buttons = [b for b in _walk(actions, "toggleButtonRenderer") if dig(b, "defaultIcon", "iconType") == "LIKE"]
    for segmented in _walk(actions, "segmentedLikeDislikeButtonRenderer"):
        numbers.append(segmented.get("likeCount"))
        button = dig(segmented, "likeButton", "toggleButtonRenderer")
        if isinstance(button, dict) and button not in buttons:
            buttons.append(button)
    for button in buttons:
        texts += [
            dig(button, "defaultText", "accessibility", "accessibilityData", "label"),
            dig(button, "defaultText"),
            dig(button, "accessibility", "label"),
            dig(button, "accessibilityData", "accessibilityData", "label"),
        ]
    for model in _walk(actions, "segmentedLikeDislikeButtonViewModel"):
        view = dig(
            model,
            "likeButtonViewModel",
            "likeButtonViewModel",
            "toggleButtonViewModel",
            "toggleButtonViewModel",
            "defaultButtonViewModel",
            "buttonViewModel",
        )
        if isinstance(view, dict):
            texts += [view.get("accessibilityText"), view.get("title")]
        numbers.append(dig(model, "likeCountEntity", "likeCountIfIndifferentNumber"))
    description = _panel(data, "engagement-panel-structured-description")
    for factoid in _walk(description, "factoidRenderer"):
        label = _text(factoid.get("label")) or ""
        spoken = _text(factoid.get("accessibilityText")) or ""
        if "like" in label.lower():
            texts.append(f"{_text(factoid.get('value')) or ''} {label}")
        elif spoken.lower().endswith(("like", "likes")):
            texts.append(spoken)
    entities = _walk(data.get("frameworkUpdates"), "likeCountEntity")
    if len(entities) == 1:  # several: some belong to other videos, none is trusted
        (entity,) = entities
        texts += [entity.get("expandedLikeCountIfIndifferent"), entity.get("likeCountIfIndifferent")]
        numbers.append(entity.get("likeCountIfIndifferentNumber"))
    counts = _parsed(texts)
    counts += [c for c in (_digits_count(n) for n in numbers) if c is not None]
    return counts


def _comment_counts(data: dict[str, Any]) -> list[Count]:
    texts: list[Any] = []
    for header in _walk(
        dig(data, "contents", "twoColumnWatchNextResults", "results"), "commentsEntryPointHeaderRenderer"
    ):
        texts.append(header.get("commentCount"))
    panel = _panel(data, "engagement-panel-comments-section")
    texts.append(dig(panel, "header", "engagementPanelTitleHeaderRenderer", "contextualInfo"))
    return _parsed(texts)


def _comments_off(data: dict[str, Any]) -> str | None:
    """The page's own "Comments are turned off" text, if it shows one."""
    results = dig(data, "contents", "twoColumnWatchNextResults", "results")
    for message in _walk(results, "messageRenderer"):
        text = _text(message.get("text")) or ""
        if "comment" in text.lower() and ("off" in text.lower() or "disabled" in text.lower()):
            return text
    return None


def _agreed(counts: list[Count], label: str, warnings: list[str], why_none: str | None = None) -> Count | None:
    """The most precise of ``counts`` when every other one allows it; ``None`` (with a warning) when
    the page shows none or shows counts that contradict each other."""
    if why_none is not None and not counts:
        warnings.append(f"{label} not shown ({why_none})")
        return None
    if not counts:
        warnings.append(f"{label} not shown (no {label} count on the page)")
        return None
    rank = {CountKind.EXACT: 0, CountKind.APPROXIMATE: 1, CountKind.LOWER_BOUND: 2}
    best = min(counts, key=lambda c: (rank[c.kind], c.granularity))
    assert best.value is not None
    for count in counts:
        low, high = count.low, count.high
        if low is None or best.value < low or (high is not None and best.value > high):
            shown = ", ".join(sorted({c.raw or str(c.value) for c in counts}))
            warnings.append(f"{label} not recorded: the page shows counts that disagree ({shown})")
            return None
    return best


def _live_now(details: dict[str, Any], primary: dict[str, Any]) -> str | None:
    """``"live now"`` / ``"an upcoming stream or premiere"`` when the page is about a live stream in
    progress or one not started yet (its view numbers are viewers or waiting people), else ``None``."""
    renderer = dig(primary, "viewCount", "videoViewCountRenderer")
    if details.get("isLive") is True or (isinstance(renderer, dict) and renderer.get("isLive") is True):
        return "live now"
    if details.get("isUpcoming") is True:
        return "an upcoming stream or premiere"
    return None


def _live_counts(primary: dict[str, Any]) -> dict[str, Count]:
    """People watching a live stream now / waiting for a premiere: extras, never views."""
    renderer = dig(primary, "viewCount", "videoViewCountRenderer")
    if not isinstance(renderer, dict):
        return {}
    live = parse_live_count(_text(renderer.get("viewCount")))
    if live is not None and live[1].value is not None:
        kind, count = live
        return {"live_viewers" if kind == "concurrent_viewers" else "premiere_waiting": count}
    if renderer.get("isLive") is True:
        original = _digits_count(renderer.get("originalViewCount"))
        if original is not None:
            return {"live_viewers": original}
    return {}


def _page_published(microformat: dict[str, Any], warnings: list[str]) -> datetime | None:
    """``publishDate`` (or ``uploadDate`` when the page has no publish date) as UTC, only when it
    carries an offset. An upload time is not used next to a date-only publish date: a video can be
    uploaded hours or days before it is published."""
    published, uploaded = microformat.get("publishDate"), microformat.get("uploadDate")
    when = utc_from_iso(published)
    source = published
    if when is None and published in (None, ""):
        when, source = utc_from_iso(uploaded), uploaded
    if when is None:
        shown = next((v for v in (published, uploaded) if v not in (None, "")), None)
        if isinstance(shown, str):
            warnings.append(f"published_at not set: the page gives the date {shown} without a time zone")
        elif shown is not None:
            warnings.append(f"published_at not set: {shown!r} is not a date")
        return None
    return _real_time(when, source, warnings)


def _real_time(when: datetime | None, shown: Any, warnings: list[str]) -> datetime | None:
    """``when`` unless it is before YouTube's first video (0 / 1970 placeholders)."""
    if when is not None and when < FIRST_VIDEO:
        warnings.append(f"published_at not set: {shown!r} is before YouTube existed (a placeholder)")
        return None
    return when


# -- Data API helpers ------------------------------------------------------------------------------


def _pick(items: list[Any], post_id: str | None, warnings: list[str]) -> dict[str, Any]:
    videos = [i for i in items if isinstance(i, dict)]
    if post_id is not None:
        for item in videos:
            if item.get("id") == post_id:
                return item
        raise Unavailable(f"YouTube video {post_id} is not in the API answer: deleted, private or never existed")
    if not videos:
        raise Unavailable("the YouTube API answer holds no video: deleted, private or never existed")
    if len(videos) > 1:
        warnings.append(f"answer holds {len(videos)} videos; read the first (pass the post URL to choose)")
    return videos[0]


def _raise_api_error(error: Any, http_status: int) -> None:
    if not isinstance(error, dict):
        raise ParseError(f"YouTube API error: {str(error)[:200]}", http_status=http_status)
    code = error.get("code") if isinstance(error.get("code"), int) else http_status
    shown = [str(e.get("reason", "")) for e in error.get("errors", []) or [] if isinstance(e, dict)]
    shown += [str(d.get("reason", "")) for d in error.get("details", []) or [] if isinstance(d, dict)]
    shown.append(str(error.get("status", "")))
    shown = [r for r in dict.fromkeys(shown) if r]
    reasons = [r.lower() for r in shown]
    message = str(error.get("message") or "").strip()
    said = f"YouTube API: {message} ({', '.join(shown) or code})"
    if any(r in _RATE_REASONS for r in reasons) or code == 429:
        if "quotaexceeded" in reasons or "dailylimitexceeded" in reasons:
            raise RateLimited(
                f"{said}. The daily quota is used up; it resets at midnight Pacific time. "
                "Collect YouTube less often or ask Google for more quota.",
                http_status=code,
            )
        raise RateLimited(f"{said}. Slow down and try again later.", http_status=code)
    if any(r in _AUTH_REASONS for r in reasons) or code in (401, 403):
        raise AuthRequired(
            f"{said}. Check the API key (REACH_YOUTUBE_API_KEY): it must be valid and have "
            "'YouTube Data API v3' enabled.",
            http_status=code,
        )
    if "videonotfound" in reasons or code == 404:
        raise Unavailable(f"{said}: the video does not exist", http_status=code)
    if isinstance(code, int) and code >= 500:
        raise NetworkError(f"{said}: server error, try again later", http_status=code)
    raise ParseError(f"{said}: an error reach does not know; nothing recorded", http_status=code)
