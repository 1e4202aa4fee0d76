"""YouTube: identity, Data API parsing (samples and fixtures), batching, keys."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from reach import identify
from reach.collectors import get_collector
from reach.collectors.base import RawResponse
from reach.config import Settings
from reach.errors import AuthRequired, NetworkError, ParseError, RateLimited, Unavailable
from reach.http import Http
from reach.models import PostRef

from .conftest import fixture_bytes, json_response

yt = get_collector("youtube")


def raw(body: bytes, status: int = 200) -> RawResponse:
    return RawResponse(status=status, url="https://www.googleapis.com/youtube/v3/videos", body=body)


# URL forms from yt-dlp's test suite (ids in the URL) and PLATFORMS.md.
@pytest.mark.parametrize(
    ("text", "video_id"),
    [
        ("https://www.youtube.com/watch?v=YE7VzlLtp-4&t=1s&end=9", "YE7VzlLtp-4"),
        ("//www.YouTube.com/watch?v=yZIXLfi8CZQ", "yZIXLfi8CZQ"),
        ("https://www.youtube.com/watch?v=YE7VzlLtp-4&v=BaW_jenozKc", "YE7VzlLtp-4"),
        ("https://youtube.com/watch?v=HtVdAasjOgU", "HtVdAasjOgU"),
        ("https://www.youtube.com/embed/CsmdDsKjzN8", "CsmdDsKjzN8"),
        ("https://www.youtube.com/watch?feature=player_embedded&amp;amp;v=V36LpHqtcDY", "V36LpHqtcDY"),
        ("https://music.youtube.com/watch?v=MgNrAu2pzNs", "MgNrAu2pzNs"),
        ("https://www.youtubekids.com/watch?v=3b8nCWDgZ6Q", "3b8nCWDgZ6Q"),
        ("https://www.youtube.com/watch_popup?v=63RmMXCd_bQ", "63RmMXCd_bQ"),
        ("https://www.youtube.com/shorts/BGQWPY4IigY", "BGQWPY4IigY"),
        ("https://www.youtube.com/live/qVv6vCqciTM", "qVv6vCqciTM"),
        ("https://youtu.be/yeWKywCrFtk?list=PL2qgrgXsNUG5ig9cat4ohreBjYLAPC0J5", "yeWKywCrFtk"),
        ("http://www.youtube.com/watch?&v=BaW_jenozKc", "BaW_jenozKc"),
        ("http://www.youtube.com/watch?v=BaW_jenozKcsharePLED17F32AD9753930", "BaW_jenozKc"),
        ("https://youtube.googleapis.com/v/BaW_jenozKc", "BaW_jenozKc"),
        ("https://invidio.us/watch?v=YE7VzlLtp-4", "YE7VzlLtp-4"),
        ("https://redirect.invidious.io/Yh0AhrY9GjA", "Yh0AhrY9GjA"),
        ("https://m.youtube.com/watch?feature=share&v=AbCdEfGhIjk", "AbCdEfGhIjk"),
        ("BaW_jenozKc", "BaW_jenozKc"),
        ("看这个 https://youtu.be/AbCdEfGhIjk?si=xyz 转发支持", "AbCdEfGhIjk"),
    ],
)
def test_identify_youtube(text: str, video_id: str) -> None:
    ref = identify(text)
    assert (ref.platform, ref.post_id) == ("youtube", video_id)


SAMPLE_ERRORS = {
    "error_400_keyInvalid.json": (400, AuthRequired),
    "error_403_permission_denied.json": (403, AuthRequired),
    "error_403_quotaExceeded.json": (403, RateLimited),
}


@pytest.mark.parametrize("name", sorted(SAMPLE_ERRORS))
def test_sample_errors(samples: Path, name: str) -> None:
    status, error = SAMPLE_ERRORS[name]
    with pytest.raises(error) as info:
        yt.parse(raw((samples / "youtube" / name).read_bytes(), status), "D-lhorsDlUQ")
    assert "YouTube API" in info.value.message


def test_quota_message_says_when_it_resets(samples: Path) -> None:
    with pytest.raises(RateLimited, match="midnight Pacific"):
        yt.parse(raw((samples / "youtube" / "error_403_quotaExceeded.json").read_bytes(), 403))


def test_sample_statistics(samples: Path) -> None:
    parsed = yt.parse(
        raw((samples / "youtube" / "videos_list_D-lhorsDlUQ_with_statistics.json").read_bytes()), "D-lhorsDlUQ"
    )
    assert parsed.post_id == "D-lhorsDlUQ"
    assert parsed.metrics.views is not None and parsed.metrics.views.value == 7920
    assert parsed.metrics.likes is not None and parsed.metrics.likes.value == 190
    assert parsed.metrics.comments is not None and parsed.metrics.comments.value == 32
    assert parsed.metrics.favorites is None  # favoriteCount is deprecated, always "0": never a real 0
    assert parsed.metrics.shares is None
    assert parsed.title == "What are Actions on Google (Assistant on Air)"
    assert parsed.author == "Google Developers"
    assert parsed.published_at == datetime(2019, 3, 21, 20, 37, 49, tzinfo=timezone.utc)


def test_sample_batch_picks_the_asked_video(samples: Path) -> None:
    body = (samples / "youtube" / "videos_list_multi_two_ids.json").read_bytes()
    first, second = yt.parse(raw(body), "D-lhorsDlUQ"), yt.parse(raw(body), "ovdbrdCIP7U")
    assert (first.post_id, second.post_id) == ("D-lhorsDlUQ", "ovdbrdCIP7U")
    # that answer has no statistics part: counters are not shown, never 0
    assert second.metrics.views is None and any("statistics" in w for w in second.warnings)
    with pytest.raises(Unavailable):
        yt.parse(raw(body), "AbCdEfGhIjk")


def test_hidden_likes_big_numbers_and_live_viewers() -> None:
    body = fixture_bytes("youtube", "videos_list_hidden_likes.json")
    a = yt.parse(raw(body), "AbCdEfGhIjk")
    assert a.metrics.views is not None and a.metrics.views.value == 4294967297  # beyond 2^32
    assert a.metrics.likes is None and any("likes" in w for w in a.warnings)
    b = yt.parse(raw(body), "ZyXwVuTsRqM")
    assert b.metrics.views is not None and b.metrics.views.value == 0  # shown as "0": a real zero
    assert b.metrics.extra["live_viewers"].value == 321
    assert b.published_at == datetime(2026, 6, 21, 0, 30, tzinfo=timezone.utc)


def test_missing_video_is_unavailable() -> None:
    with pytest.raises(Unavailable):
        yt.parse(raw(fixture_bytes("youtube", "videos_list_empty.json")), "AbCdEfGhIjk")


def test_rate_limit_429() -> None:
    with pytest.raises(RateLimited):
        yt.parse(raw(fixture_bytes("youtube", "error_429_rate_limit.json"), 429))


@pytest.mark.parametrize(
    ("body", "status", "error"), [(b"", 200, ParseError), (b"<html>oops</html>", 503, NetworkError)]
)
def test_non_json(body: bytes, status: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        yt.parse(raw(body, status))


def test_batches_of_fifty_and_key_in_header_only(fast_settings: Settings) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        ids = request.url.params["id"].split(",")
        return json_response(
            {"kind": "youtube#videoListResponse", "items": [{"id": i, "statistics": {"viewCount": "5"}} for i in ids]}
        )

    refs = [PostRef("youtube", f"vid{n:08d}") for n in range(120)]

    async def go() -> list[tuple[PostRef, RawResponse | Exception]]:
        async with Http(fast_settings, transport=httpx.MockTransport(handler)) as http:
            return list(await yt.fetch_batch(http, refs))

    answers = asyncio.run(go())
    assert len(seen) == 3 and [len(r.url.params["id"].split(",")) for r in seen] == [50, 50, 20]
    assert all(r.headers["x-goog-api-key"] == "test-key-SECRET" for r in seen)
    assert all("SECRET" not in str(r.url) for r in seen)
    ref, answer = answers[-1]
    assert isinstance(answer, RawResponse)
    assert yt.parse(answer, ref.post_id).metrics.views.value == 5  # type: ignore[union-attr]


def test_no_key_is_auth_required() -> None:
    async def go() -> list[tuple[PostRef, RawResponse | Exception]]:
        async with Http(Settings(), transport=httpx.MockTransport(lambda r: httpx.Response(500))) as http:
            return list(await yt.fetch_batch(http, [PostRef("youtube", "AbCdEfGhIjk")]))

    ((_, answer),) = asyncio.run(go())
    assert isinstance(answer, AuthRequired) and "REACH_YOUTUBE_API_KEY" in answer.message
