"""YouTube: identity, Data API parsing, watch pages without a key (samples, fixtures, cases), fetching."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from reach import identify
from reach.collectors import get_collector
from reach.collectors.base import RawResponse
from reach.config import Settings
from reach.errors import AuthRequired, Blocked, CollectError, NetworkError, ParseError, RateLimited, Unavailable
from reach.http import BROWSER_USER_AGENT, Http
from reach.models import Count, CountKind, PostRef

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


SAMPLE_ERRORS: dict[str, tuple[int, type[CollectError]]] = {
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
    # that answer was asked without part=statistics: each video is refused, by its own id, never 0s
    for video_id in ("D-lhorsDlUQ", "ovdbrdCIP7U"):
        with pytest.raises(ParseError, match=f"{video_id} without its statistics"):
            yt.parse(raw(body), video_id)
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


# -- without an API key: the public watch page -------------------------------------------------------

WATCH = "https://www.youtube.com/watch?v="

SAMPLE_API_OK = {"videos_list_D-lhorsDlUQ_with_statistics.json", "videos_list_multi_two_ids.json"}  # tested above

# sample → (video id, views, likes, comments, title, author); every one has a date-only publishDate
SAMPLE_PAGES_OK: dict[str, tuple[str, int, int | None, int | None, str, str]] = {
    # normal public video: like label "3,907 likes" (short "3.9K"), comment count "617"
    "watch_QRS8MkLhQmM.html": (
        "QRS8MkLhQmM",
        1756498,
        3907,
        617,
        "YouTube Captions and Subtitles",
        "YouTube",
    ),
    # ended live stream, recording unavailable (UNPLAYABLE) but the counters are on the page;
    # ratings are off (allowRatings false), so its hidden likeCount is not read
    "watch_5YceQ8YqYMc.html": ("5YceQ8YqYMc", 6318998, None, 7, "Vatican Media Live", "Vatican News"),
    # age-gated (LOGIN_REQUIRED "Sign in to confirm your age"): views still on the page, no comment count
    "watch_irauhITDrsE.html": (
        "irauhITDrsE",
        714918,
        19038,
        None,
        "THE MOST AGE RESTRICTED VIDEO EVER",
        "OfficialDuckStudios",
    ),
}
SAMPLE_PAGES_ERRORS = {"watch_m8uHb5jIGN8.html": Unavailable}  # private video: no videoDetails


def page_raw(body: bytes, video_id: str | None = None, status: int = 200) -> RawResponse:
    """What `reach parse FILE --platform youtube` hands to parse: the canonical URL, no headers."""
    return RawResponse(status=status, url=WATCH + (video_id or "unknown"), body=body)


def watch_page(player: dict[str, Any] | None, data: dict[str, Any] | None = None) -> bytes:
    """A small watch page in the real shape: the two state objects in inline scripts."""
    html = ['<!DOCTYPE html><html lang="en"><head><title>Invented - YouTube</title></head><body>']
    if player is not None:
        html.append(f"<script>var ytInitialPlayerResponse = {json.dumps(player)};var meta = 1;</script>")
    if data is not None:
        html.append(f"<script>var ytInitialData = {json.dumps(data)};</script>")
    html.append("</body></html>")
    return "\n".join(html).encode()


def primary(view_text: dict[str, Any] | None = None, buttons: list[Any] | None = None) -> dict[str, Any]:
    """ytInitialData with the video's own primary-info renderer."""
    renderer: dict[str, Any] = {"videoActions": {"menuRenderer": {"topLevelButtons": buttons or []}}}
    if view_text is not None:
        renderer["viewCount"] = {"videoViewCountRenderer": view_text}
    return {
        "contents": {
            "twoColumnWatchNextResults": {
                "results": {"results": {"contents": [{"videoPrimaryInfoRenderer": renderer}]}}
            }
        }
    }


def like_button(label: str, count: Any = None) -> dict[str, Any]:
    button = {
        "likeButton": {
            "toggleButtonRenderer": {
                "defaultIcon": {"iconType": "LIKE"},
                "defaultText": {"accessibility": {"accessibilityData": {"label": label}}, "simpleText": label},
            }
        }
    }
    if count is not None:
        button["likeCount"] = count
    return {"segmentedLikeDislikeButtonRenderer": button}


def ok_player(video_id: str = "PoliceDemoA", **details: Any) -> dict[str, Any]:
    return {
        "playabilityStatus": {"status": "OK"},
        "videoDetails": {"videoId": video_id, "title": "Invented", "author": "Invented Police", **details},
    }


def test_every_sample_is_covered(samples: Path) -> None:
    names = {p.name for p in (samples / "youtube").iterdir() if not p.name.endswith(".source.txt")}
    assert names == set(SAMPLE_ERRORS) | SAMPLE_API_OK | set(SAMPLE_PAGES_OK) | set(SAMPLE_PAGES_ERRORS)


@pytest.mark.parametrize("name", sorted(SAMPLE_PAGES_OK))
def test_sample_watch_pages(samples: Path, name: str) -> None:
    video_id, views, likes, comments, title, author = SAMPLE_PAGES_OK[name]
    parsed = yt.parse(page_raw((samples / "youtube" / name).read_bytes(), video_id), video_id)
    assert parsed.post_id == video_id
    assert parsed.metrics.views == Count.exact(views, raw=str(views))
    for metric, value in (("likes", likes), ("comments", comments)):
        count = parsed.metrics.get(metric)
        if value is None:
            assert count is None and any(metric in w for w in parsed.warnings), metric
        else:
            assert count is not None and count.value == value and count.kind is CountKind.EXACT, metric
    assert parsed.metrics.shares is None and parsed.metrics.favorites is None
    assert not parsed.metrics.extra  # no live counter on these pages
    assert (parsed.title, parsed.author) == (title, author)
    assert parsed.published_at is None and any("without a time zone" in w for w in parsed.warnings)


def test_sample_pages_say_why_they_are_read(samples: Path) -> None:
    age = yt.parse(page_raw((samples / "youtube" / "watch_irauhITDrsE.html").read_bytes()), "irauhITDrsE")
    assert any("confirm your age" in w for w in age.warnings)
    ended = yt.parse(page_raw((samples / "youtube" / "watch_5YceQ8YqYMc.html").read_bytes()), "5YceQ8YqYMc")
    assert any("recording is not available" in w for w in ended.warnings)
    assert any("ratings off" in w for w in ended.warnings)


def test_sample_private_page(samples: Path) -> None:
    body = (samples / "youtube" / "watch_m8uHb5jIGN8.html").read_bytes()
    with pytest.raises(Unavailable, match="private"):
        yt.parse(page_raw(body, "m8uHb5jIGN8"), "m8uHb5jIGN8")
    with pytest.raises(Unavailable):  # `reach parse FILE` without --url: no id known
        yt.parse(RawResponse(200, WATCH + "unknown", body))


def test_sample_page_for_another_video_is_refused(samples: Path) -> None:
    body = (samples / "youtube" / "watch_QRS8MkLhQmM.html").read_bytes()
    with pytest.raises(ParseError, match="not AbCdEfGhIjk"):
        yt.parse(page_raw(body, "AbCdEfGhIjk"), "AbCdEfGhIjk")


def test_newer_layout_fixture() -> None:
    parsed = yt.parse(page_raw(fixture_bytes("youtube", "watch_new_layout.html")), "NewLayout0g")
    assert parsed.metrics.views == Count.exact(5000000123, raw="5000000123")  # beyond 2^32, exact
    # button "like this video along with 12,345 other people", factoid "12K", likeCountEntity: they agree
    assert parsed.metrics.likes is not None and parsed.metrics.likes.value == 12345 and parsed.metrics.likes.is_exact
    # "1.2K" comments: approximate, never widened to a fake exact number
    comments = parsed.metrics.comments
    assert comments is not None and (comments.value, comments.kind, comments.granularity) == (
        1200,
        CountKind.APPROXIMATE,
        100,
    )
    assert parsed.published_at == datetime(2024, 5, 1, 10, 4, 5, tzinfo=timezone.utc)
    assert parsed.title == "反诈宣传：接到陌生来电要警惕" and parsed.author == "Invented City Police"
    assert parsed.warnings == ()


def test_live_now_fixture() -> None:
    parsed = yt.parse(page_raw(fixture_bytes("youtube", "watch_live_now.html")), "LiveNowDemo")
    # live now: videoDetails.viewCount (88123) counts viewers then, not views (iv-org/invidious#566)
    assert parsed.metrics.views is None and any("live now" in w for w in parsed.warnings)
    assert parsed.metrics.extra["live_viewers"] == Count.exact(1234, raw="1,234 watching now")
    assert parsed.metrics.likes is not None and parsed.metrics.likes.value == 456  # not the if-liked 999,999
    assert parsed.published_at == datetime(2026, 6, 21, 2, 0, 11, tzinfo=timezone.utc)


def test_premiere_fixture() -> None:
    parsed = yt.parse(page_raw(fixture_bytes("youtube", "watch_premiere.html")), "PremiereAbc")
    assert parsed.metrics.views is None  # not started yet: its viewCount counts nothing we track
    assert any("views not recorded" in w for w in parsed.warnings)
    assert parsed.metrics.extra == {"premiere_waiting": Count.exact(19, raw="19 waiting")}
    assert parsed.published_at is None  # date-only publishDate, and uploadDate is another day
    assert any("LIVE_STREAM_OFFLINE" in w for w in parsed.warnings)


def test_comments_off_and_hidden_likes_fixture() -> None:
    parsed = yt.parse(page_raw(fixture_bytes("youtube", "watch_comments_off.html")), "NoComments0")
    assert parsed.metrics.views is not None and parsed.metrics.views.value == 77
    assert parsed.metrics.likes is None and any(w.startswith("likes not shown") for w in parsed.warnings)
    assert parsed.metrics.comments is None and any("turned off" in w for w in parsed.warnings)


def test_region_locked_page_with_counters_is_read() -> None:
    parsed = yt.parse(page_raw(fixture_bytes("youtube", "watch_region_locked.html")), "RegionLockQ")
    assert parsed.metrics.views is not None and parsed.metrics.views.value == 9876
    assert any("in your country" in w for w in parsed.warnings)
    assert parsed.metrics.likes is None and parsed.metrics.comments is None


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("watch_removed.html", Unavailable, "removed by the uploader"),
        ("watch_bot_check.html", Blocked, "not a bot"),
        ("watch_try_later.html", RateLimited, "try again later"),
        ("watch_consent.html", Blocked, "consent"),
    ],
)
def test_page_error_fixtures(name: str, error: type[CollectError], words: str) -> None:
    with pytest.raises(error) as info:
        yt.parse(page_raw(fixture_bytes("youtube", name)), "AbCdEfGhIjk")
    assert words in info.value.message
    if error is not Unavailable:  # push-back messages say what the user can do
        assert "REACH_YOUTUBE_API_KEY" in info.value.message


@pytest.mark.parametrize(
    ("player", "error"),
    [
        # a removed video never gives numbers, even if the page still carried some
        (
            {
                "playabilityStatus": {"status": "ERROR", "reason": "Video unavailable"},
                "videoDetails": {"videoId": "AbCdEfGhIjk", "viewCount": "500"},
            },
            Unavailable,
        ),
        (
            {
                "playabilityStatus": {
                    "status": "UNPLAYABLE",
                    "reason": "This video is no longer available because the account has been terminated.",
                },
                "videoDetails": {"videoId": "AbCdEfGhIjk", "viewCount": "500"},
            },
            Unavailable,
        ),
        # region lock without counters
        ({"playabilityStatus": {"status": "UNPLAYABLE", "reason": "Not available in your country"}}, Unavailable),
        # age gate without a view count: only the Data API can read it
        ({"playabilityStatus": {"status": "LOGIN_REQUIRED", "reason": "Sign in to confirm your age"}}, AuthRequired),
        # a captcha screen
        (
            {"playabilityStatus": {"status": "LOGIN_REQUIRED", "errorScreen": {"playerCaptchaViewModel": {}}}},
            Blocked,
        ),
        # OK without videoDetails: a changed page
        ({"playabilityStatus": {"status": "OK"}}, ParseError),
        ({"responseContext": {}}, ParseError),
    ],
)
def test_playability_outcomes(player: dict[str, Any], error: type[CollectError]) -> None:
    with pytest.raises(error):
        yt.parse(page_raw(watch_page(player), "AbCdEfGhIjk"), "AbCdEfGhIjk")


@pytest.mark.parametrize(
    ("raw_response", "error"),
    [
        (RawResponse(200, WATCH + "AbCdEfGhIjk", b"<html><body>Hello</body></html>"), ParseError),
        (RawResponse(404, WATCH + "AbCdEfGhIjk", b"<html><body>Not Found</body></html>"), Unavailable),
        (RawResponse(403, WATCH + "AbCdEfGhIjk", b"<html><body>Forbidden</body></html>"), Blocked),
        (RawResponse(503, WATCH + "AbCdEfGhIjk", b"<html><body>Busy</body></html>"), NetworkError),
        (
            RawResponse(200, WATCH + "AbCdEfGhIjk", b"<html>Our systems have detected unusual traffic</html>"),
            Blocked,
        ),
        (
            RawResponse(
                302, WATCH + "AbCdEfGhIjk", b"", {"location": "https://consent.youtube.com/m?continue=https%3A%2F%2F"}
            ),
            Blocked,
        ),
        (
            RawResponse(302, WATCH + "AbCdEfGhIjk", b"", {"location": "https://www.google.com/sorry/index?q=x"}),
            Blocked,
        ),
        (RawResponse(302, WATCH + "AbCdEfGhIjk", b"", {"location": "https://www.youtube.com/"}), ParseError),
        (RawResponse(200, WATCH + "AbCdEfGhIjk", b"plain text"), ParseError),
    ],
)
def test_pages_without_player_response(raw_response: RawResponse, error: type[CollectError]) -> None:
    with pytest.raises(error):
        yt.parse(raw_response, "AbCdEfGhIjk")


def test_disagreeing_like_counts_are_not_recorded() -> None:
    data = primary(buttons=[like_button("2,000 likes", "1999")])
    parsed = yt.parse(page_raw(watch_page(ok_player(viewCount="10"), data)), "PoliceDemoA")
    assert parsed.metrics.likes is None and any("disagree" in w for w in parsed.warnings)


def test_window_bracket_assignment_and_bom() -> None:
    body = (
        b'\xef\xbb\xbf<html><script>window["ytInitialPlayerResponse"] = '
        + json.dumps(ok_player(viewCount="42")).encode()
        + b";</script></html>"
    )
    parsed = yt.parse(page_raw(body), "PoliceDemoA")
    assert parsed.metrics.views is not None and parsed.metrics.views.value == 42


def test_representative_display_strings_through_parse_count() -> None:
    # likes are display strings: grouped digits are exact, "12K" is approximate (parse_count rules)
    exact = yt.parse(page_raw(watch_page(ok_player(viewCount="1"), primary(buttons=[like_button("1,234 likes")]))))
    assert exact.metrics.likes == Count.exact(1234, raw="1,234 likes")
    rough = yt.parse(page_raw(watch_page(ok_player(viewCount="1"), primary(buttons=[like_button("12K")]))))
    assert rough.metrics.likes is not None and rough.metrics.likes.kind is CountKind.APPROXIMATE
    assert (rough.metrics.likes.value, rough.metrics.likes.granularity) == (12000, 1000)


# -- bug cases (../shared/cases/bug_cases.jsonl), rewritten with invented data -----------------------


def test_case_e06_01_views_only_from_video_details() -> None:
    # the recommendation shelf and the short view text say "2.7M views"; the video's own count is exact
    data = primary({"viewCount": {"simpleText": "2.7M views"}, "shortViewCount": {"simpleText": "2.7M views"}})
    data["contents"]["twoColumnWatchNextResults"]["secondaryResults"] = {
        "secondaryResults": {
            "results": [
                {
                    "compactVideoRenderer": {
                        "videoId": "ShelfVideoA",
                        "viewCountText": {"simpleText": "2.7M views"},
                        "shortViewCountText": {"simpleText": "2.7M views"},
                    }
                }
            ]
        }
    }
    parsed = yt.parse(page_raw(watch_page(ok_player("ShelfDemo0A", viewCount="61845"), data)), "ShelfDemo0A")
    assert parsed.metrics.views == Count.exact(61845, raw="61845")
    assert parsed.metrics.views.is_exact and not parsed.metrics.extra


def test_case_e06_01_no_view_count_is_never_filled_from_shelf_text() -> None:
    data = primary({"viewCount": {"simpleText": "2.7M views"}})
    parsed = yt.parse(page_raw(watch_page(ok_player("ShelfDemo0A"), data)), "ShelfDemo0A")
    assert parsed.metrics.views is None


def test_case_e09_02_views_beyond_32_bits_stay_exact() -> None:
    parsed = yt.parse(page_raw(watch_page(ok_player("BigCountVdE", viewCount="8589934593"))), "BigCountVdE")
    assert parsed.metrics.views is not None and parsed.metrics.views.value == 8589934593 == 2**33 + 1


def test_case_fragments_as_a_saved_player_response() -> None:
    # the same fragments saved as JSON (a youtubei/v1/player answer): `reach parse` reads them too
    body = json.dumps({"videoDetails": {"videoId": "BigCountVdE", "viewCount": "8589934593"}}).encode()
    parsed = yt.parse(page_raw(body, "BigCountVdE"), "BigCountVdE")
    assert parsed.metrics.views == Count.exact(8589934593, raw="8589934593")
    assert parsed.metrics.likes is None and any("ytInitialData" in w for w in parsed.warnings)
    body = json.dumps({"videoDetails": {"videoId": "NoViewsVidA", "title": "invented demo"}}).encode()
    assert yt.parse(page_raw(body, "NoViewsVidA")).metrics.views is None
    body = json.dumps({"playabilityStatus": {"status": "ERROR", "reason": "Video unavailable"}}).encode()
    with pytest.raises(Unavailable):
        yt.parse(page_raw(body, "NoViewsVidA"), "NoViewsVidA")


def test_case_e19_01_missing_view_count_is_none_not_zero() -> None:
    player = ok_player("NoViewsVidA", title="invented demo", isPrivate=False, isLiveContent=False)
    parsed = yt.parse(page_raw(watch_page(player)), "NoViewsVidA")  # must not raise
    assert parsed.metrics.views is None
    assert any("viewCount absent" in w for w in parsed.warnings)


def test_case_e19_02_sentinels_are_none() -> None:
    player = ok_player("SentinelVdA", viewCount="300")
    player["microformat"] = {"playerMicroformatRenderer": {"publishDate": 0, "uploadDate": "1970-01-01T00:00:00+00:00"}}
    parsed = yt.parse(page_raw(watch_page(player, primary(buttons=[like_button("Like", -1)]))), "SentinelVdA")
    assert parsed.metrics.likes is None
    assert parsed.published_at is None
    player["microformat"] = {"playerMicroformatRenderer": {"publishDate": "1970-01-01T00:00:00+00:00"}}
    parsed = yt.parse(page_raw(watch_page(player, primary(buttons=[like_button("Like", "-1")]))), "SentinelVdA")
    assert parsed.metrics.likes is None and parsed.published_at is None
    assert any("before YouTube existed" in w for w in parsed.warnings)


def test_case_e19_02_api_sentinels_are_none() -> None:
    body = {
        "kind": "youtube#videoListResponse",
        "items": [
            {
                "id": "SentinelVdA",
                "snippet": {"publishedAt": "1970-01-01T00:00:00Z"},
                "statistics": {"viewCount": "12", "likeCount": "-1"},
            }
        ],
    }
    parsed = yt.parse(raw(json.dumps(body).encode()), "SentinelVdA")
    assert parsed.metrics.likes is None and parsed.published_at is None


def test_case_e20_01_upload_time_with_offset_to_utc() -> None:
    player = ok_player("OffsetTimeA", viewCount="5")
    player["microformat"] = {"playerMicroformatRenderer": {"uploadDate": "2024-11-02T20:15:00-07:00"}}
    parsed = yt.parse(page_raw(watch_page(player)), "OffsetTimeA")
    assert parsed.published_at == datetime(2024, 11, 3, 3, 15, tzinfo=timezone.utc)
    assert parsed.published_at.timestamp() == 1730603700


def test_case_e20_02_date_alone_is_not_an_instant() -> None:
    player = ok_player("DateOnlyVdA", viewCount="5")
    player["microformat"] = {"playerMicroformatRenderer": {"publishDate": "2024-11-02"}}
    parsed = yt.parse(page_raw(watch_page(player)), "DateOnlyVdA")
    assert parsed.published_at is None  # no zone is guessed
    assert any("2024-11-02" in w for w in parsed.warnings)  # the date itself is kept in the warning


@pytest.mark.parametrize("publish_date", ["2024-11-09", "2024-11-02"])
def test_case_e20_upload_time_is_not_the_publish_time(publish_date: str) -> None:
    # uploaded on the 2nd, published (date only) later or the same day: the hour is not known
    player = ok_player("DateOnlyVdA", viewCount="5")
    player["microformat"] = {
        "playerMicroformatRenderer": {"publishDate": publish_date, "uploadDate": "2024-11-02T20:15:00-07:00"}
    }
    assert yt.parse(page_raw(watch_page(player)), "DateOnlyVdA").published_at is None


def test_region_lock_screen_titled_video_unavailable_keeps_counters() -> None:
    player = {
        "playabilityStatus": {
            "status": "UNPLAYABLE",
            "reason": "Video unavailable",
            "errorScreen": {
                "playerErrorMessageRenderer": {
                    "reason": {"simpleText": "Video unavailable"},
                    "subreason": {"simpleText": "The uploader has not made this video available in your country"},
                }
            },
        },
        "videoDetails": {"videoId": "RegionLockQ", "viewCount": "321"},
    }
    parsed = yt.parse(page_raw(watch_page(player)), "RegionLockQ")
    assert parsed.metrics.views is not None and parsed.metrics.views.value == 321


def test_case_e07_01_watching_now_is_live_viewers_not_views() -> None:
    player = ok_player("LiveCaseVdA", viewCount="40210", isLive=True, isLiveContent=True)
    data = primary({"viewCount": {"runs": [{"text": "2,468"}, {"text": " watching now"}]}, "isLive": True})
    parsed = yt.parse(page_raw(watch_page(player, data)), "LiveCaseVdA")
    assert parsed.metrics.extra["live_viewers"].value == 2468
    assert parsed.metrics.views is None  # while live, videoDetails.viewCount is not a view count
    # a live page without videoDetails.viewCount: the watching-now number never becomes views
    player["videoDetails"].pop("viewCount")
    parsed = yt.parse(page_raw(watch_page(player, data)), "LiveCaseVdA")
    assert parsed.metrics.views is None and parsed.metrics.extra["live_viewers"].value == 2468


def test_case_e07_02_premiere_waiting_is_not_views() -> None:
    player = ok_player("WaitCaseVdA", isUpcoming=True)
    data = primary({"viewCount": {"simpleText": "37 waiting"}, "isLive": True})
    parsed = yt.parse(page_raw(watch_page(player, data)), "WaitCaseVdA")
    assert parsed.metrics.views is None
    assert parsed.metrics.extra == {"premiere_waiting": Count.exact(37, raw="37 waiting")}


# -- fetching without a key ----------------------------------------------------------------------


def no_key_settings() -> Settings:
    return Settings(min_interval={"*": 0.0}, retry_backoff=0.0)


def test_default_interval_follows_the_key() -> None:
    assert yt.default_interval(Settings(youtube_api_key="k-invented")) == pytest.approx(0.2)
    assert 10 <= yt.default_interval(Settings()) <= 15  # about 300 pages an hour
    assert Http(Settings()).limiter(yt).min_interval == yt.default_interval(Settings())
    assert Http(Settings(min_interval={"youtube": 30.0})).limiter(yt).min_interval == 30.0


def test_no_key_fetches_watch_pages_one_by_one() -> None:
    seen: list[httpx.Request] = []
    pages = {
        "LiveNowDemo": fixture_bytes("youtube", "watch_live_now.html"),
        "NewLayout0g": fixture_bytes("youtube", "watch_new_layout.html"),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=pages[request.url.params["v"]], headers={"content-type": "text/html"})

    refs = [PostRef("youtube", "LiveNowDemo"), PostRef("youtube", "NewLayout0g")]

    async def go() -> list[tuple[PostRef, RawResponse | Exception]]:
        async with Http(no_key_settings(), transport=httpx.MockTransport(handler)) as http:
            return list(await yt.fetch_batch(http, refs))

    answers = asyncio.run(go())
    assert len(seen) == 2
    for request, ref in zip(seen, refs, strict=True):
        assert (request.url.host, request.url.path) == ("www.youtube.com", "/watch")
        assert request.url.params["v"] == ref.post_id and request.url.params["hl"] == "en"
        assert request.headers["user-agent"] == BROWSER_USER_AGENT
        assert request.headers["accept-language"].startswith("en")
        assert "SOCS=CAI" in request.headers["cookie"]
        assert "x-goog-api-key" not in request.headers
    views = []
    for ref, answer in answers:
        assert isinstance(answer, RawResponse)
        count = yt.parse(answer, ref.post_id).metrics.views
        views.append(count.value if count is not None else None)
    assert views == [None, 5000000123]  # the first is live now: no views recorded


def test_fetch_single_without_key_and_private_outcome(samples: Path) -> None:
    body = (samples / "youtube" / "watch_m8uHb5jIGN8.html").read_bytes()

    async def go() -> RawResponse:
        transport = httpx.MockTransport(lambda r: httpx.Response(200, content=body))
        async with Http(no_key_settings(), transport=transport) as http:
            return await yt.fetch(http, PostRef("youtube", "m8uHb5jIGN8"))

    answer = asyncio.run(go())
    assert answer.url.startswith(WATCH + "m8uHb5jIGN8")
    with pytest.raises(Unavailable):
        yt.parse(answer, "m8uHb5jIGN8")


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(200, content=fixture_bytes("youtube", "watch_bot_check.html")), Blocked),
        (httpx.Response(200, content=fixture_bytes("youtube", "watch_try_later.html")), RateLimited),
        (httpx.Response(302, headers={"location": "https://consent.youtube.com/m?continue=x"}), Blocked),
        (httpx.Response(429, headers={"retry-after": "3600"}), RateLimited),
    ],
)
def test_push_back_stops_the_rest_of_the_batch(response: httpx.Response, error: type[CollectError]) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return response

    refs = [PostRef("youtube", i) for i in ("AbCdEfGhIjk", "BbCdEfGhIjk", "CbCdEfGhIjk")]

    async def go() -> list[tuple[PostRef, RawResponse | Exception]]:
        async with Http(no_key_settings(), transport=httpx.MockTransport(handler)) as http:
            return list(await yt.fetch_batch(http, refs))

    answers = asyncio.run(go())
    assert len(calls) == 1  # never keep asking once YouTube pushes back
    first = answers[0][1]
    if isinstance(first, RawResponse):
        with pytest.raises(error):
            yt.parse(first, refs[0].post_id)
    else:
        assert isinstance(first, error)
    for _, answer in answers[1:]:
        assert isinstance(answer, error) and answer.message.startswith("not fetched")


def test_route_is_decided_per_call_on_a_shared_collector(fast_settings: Settings) -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if request.url.host == "www.googleapis.com":
            return json_response({"kind": "youtube#videoListResponse", "items": [{"id": "NewLayout0g"}]})
        return httpx.Response(200, content=fixture_bytes("youtube", "watch_new_layout.html"))

    async def go(settings: Settings) -> None:
        async with Http(settings, transport=httpx.MockTransport(handler)) as http:
            await yt.fetch_batch(http, [PostRef("youtube", "NewLayout0g")])

    asyncio.run(go(fast_settings))
    asyncio.run(go(no_key_settings()))
    asyncio.run(go(fast_settings))
    assert hosts == ["www.googleapis.com", "www.youtube.com", "www.googleapis.com"]


def test_reach_parse_of_a_saved_page_through_the_cli_shape(samples: Path) -> None:
    from reach.cli import parse_result

    body = (samples / "youtube" / "watch_QRS8MkLhQmM.html").read_bytes()
    result = parse_result(yt, RawResponse(200, yt.canonical_url("QRS8MkLhQmM"), body), "QRS8MkLhQmM")
    assert result["outcome"] == "ok"


@pytest.mark.network
def test_live_watch_page_without_key() -> None:
    async def go() -> RawResponse:
        async with Http(Settings()) as http:
            return await yt.fetch(http, PostRef("youtube", "QRS8MkLhQmM"))

    parsed = yt.parse(asyncio.run(go()), "QRS8MkLhQmM")
    views = parsed.metrics.views
    assert views is not None and views.value is not None and views.value > 1_000_000


@pytest.mark.parametrize(
    ("flags", "data_live"),
    [
        ({"isLive": True, "isLiveContent": True}, False),
        ({"isLiveContent": True}, True),  # only the view-count renderer says live
        ({"isUpcoming": True}, False),
    ],
)
def test_view_count_of_a_live_or_upcoming_video_is_never_views(flags: dict[str, Any], data_live: bool) -> None:
    player = ok_player("LiveFlagsAA", viewCount="5321", **flags)
    data = primary({"viewCount": {"simpleText": "5,321 views"}, "isLive": data_live})
    bodies = [watch_page(player, data)]
    if not data_live:  # the player response alone says so
        bodies += [watch_page(player, None), json.dumps(player).encode()]
    for body in bodies:
        parsed = yt.parse(page_raw(body), "LiveFlagsAA")
        assert parsed.metrics.views is None
        assert any("not recorded" in w for w in parsed.warnings)
    ended = ok_player("LiveFlagsAA", viewCount="5321", isLiveContent=True)  # a finished stream: views again
    assert yt.parse(page_raw(watch_page(ended, None)), "LiveFlagsAA").metrics.views == Count.exact(5321, raw="5321")
