"""Collector for https://www.youtube.com/ videos (YouTube Data API v3).

Identity: the 11-character video id (``[0-9A-Za-z_-]``) from ``watch?v=``, ``youtu.be/``,
``/shorts/``, ``/live/``, ``/embed/``, ``/v/``, ``m.``/``music.``/``youtubekids`` hosts and
Invidious mirrors. No link form needs a redirect.

Route: ``GET https://www.googleapis.com/youtube/v3/videos?part=snippet,statistics,liveStreamingDetails
&id=<up to 50 ids>`` with the API key in the ``X-Goog-Api-Key`` header (1 quota unit per call; the
default quota is 10,000 units a day, reset at midnight Pacific time). Without a key the collector
reports ``auth_required``.

Counters (JSON strings, counts): ``items[].statistics.viewCount`` → views, ``likeCount`` → likes
(absent when the owner hides it), ``commentCount`` → comments (absent when comments are off).
``favoriteCount`` is deprecated and always "0", so favorites are ``None``; YouTube shows no shares.
Extra: ``liveStreamingDetails.concurrentViewers`` → ``live_viewers`` (people watching now, not views).
``snippet.title``, ``snippet.channelTitle``, ``snippet.publishedAt`` (ISO 8601, UTC).

Errors: an id missing from ``items`` is deleted/private (unavailable); ``quotaExceeded`` and rate
limits are ``rate_limited``; ``keyInvalid``/``PERMISSION_DENIED``/``forbidden`` are ``auth_required``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..errors import AuthRequired, CollectError, NetworkError, ParseError, RateLimited, Unavailable
from ..http import Http
from ..models import Metrics, ParsedPost, PostRef
from .base import Collector, RawResponse
from .common import count_field, json_count, text_or_none, utc_from_iso

API_URL = "https://www.googleapis.com/youtube/v3/videos"
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


class YoutubeCollector(Collector):
    platform = "youtube"
    version = "1"
    hosts = ("youtube.com", "youtu.be", "youtube-nocookie.com", "youtubekids.com", "googleapis.com")
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
    min_interval = 0.2
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

    def _key(self, http: Http) -> str:
        key = http.secret("youtube_api_key")
        if key and (not key.isascii() or not key.isprintable() or " " in key):
            raise AuthRequired(
                "the YouTube API key (REACH_YOUTUBE_API_KEY / youtube_api_key) contains characters an API key "
                "cannot have: copy it again from Google Cloud Console"
            )
        if not key:
            raise AuthRequired(
                "YouTube needs a Data API v3 key: set REACH_YOUTUBE_API_KEY or youtube_api_key in "
                "config.toml (free in Google Cloud Console: enable 'YouTube Data API v3', create an API key)"
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

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        try:
            body = raw.json()
        except ParseError:
            if raw.status >= 500:
                raise NetworkError(f"YouTube API server error (HTTP {raw.status})", http_status=raw.status) from None
            raise
        if not isinstance(body, dict):
            raise ParseError("YouTube API answered JSON that is not an object")
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
            warnings.append("statistics not in the answer (part=statistics missing): counters not shown")
            stats = {}
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
            published_at=utc_from_iso(snippet.get("publishedAt")),
            warnings=tuple(warnings),
        )


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
