"""TikTok: identity (long links, embeds, short links), page parsing (samples and fixtures),
counter precision (statsV2 vs the rounded stats), error outcomes, fetch and short-link resolution."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from reach import NeedsResolution, UnsupportedURL, identify
from reach.collectors import get_collector
from reach.collectors.base import RawResponse
from reach.collectors.tiktok import TiktokCollector
from reach.config import Settings
from reach.errors import (
    AuthRequired,
    Blocked,
    CollectError,
    NetworkError,
    NotSupported,
    ParseError,
    RateLimited,
    Unavailable,
)
from reach.http import BROWSER_USER_AGENT, Http
from reach.models import CountKind, PostRef

from .conftest import fixture_bytes

tt = cast(TiktokCollector, get_collector("tiktok"))
PAGE = "https://www.tiktok.com/@_/video/7400000000000000001"


def raw(body: bytes, status: int = 200, url: str = PAGE, headers: dict[str, str] | None = None) -> RawResponse:
    return RawResponse(status=status, url=url, body=body, headers=headers or {})


def page(detail: dict[str, Any]) -> bytes:
    """A TikTok video page in the real shape around an invented ``webapp.video-detail``."""
    scope = {"webapp.app-context": {"language": "en"}, "webapp.video-detail": detail}
    data = json.dumps({"__DEFAULT_SCOPE__": scope}, ensure_ascii=False).replace("/", "\\u002F")
    return (
        "<!DOCTYPE html><html><head><title>TikTok - Make Your Day</title></head><body>"
        f'<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">{data}</script></body></html>'
    ).encode()


def item_page(item: dict[str, Any]) -> bytes:
    return page({"itemInfo": {"itemStruct": item}, "statusCode": 0, "statusMsg": ""})


# -- identity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "post_id"),
    [
        ("https://www.tiktok.com/@demo.county.police/video/7400000000000000001", "7400000000000000001"),
        ("https://www.tiktok.com/@demo_police/video/7400000000000000001?is_from_webapp=1&sender_device=pc", None),
        ("https://www.tiktok.com/@demo.county.police/photo/7400000000000000002?_r=1&_t=ZT-8x", "7400000000000000002"),
        ("https://www.tiktok.com/@/video/7400000000000000003/", "7400000000000000003"),
        ("https://tiktok.com/@demo/video/7400000000000000004", "7400000000000000004"),
        ("https://m.tiktok.com/v/7400000000000000005.html?u_code=abc", "7400000000000000005"),
        ("https://m.tiktok.com/v/7400000000000000005", "7400000000000000005"),
        ("https://www.tiktok.com/embed/v2/7400000000000000006?lang=en", "7400000000000000006"),
        ("https://www.tiktok.com/embed/7400000000000000007", "7400000000000000007"),
        ("https://www.tiktok.com/player/v1/7400000000000000008?music_info=1", "7400000000000000008"),
        ("https://www.tiktok.com/share/video/7400000000000000009/", "7400000000000000009"),
        ("https://www.tiktokv.com/share/video/7400000000000000010/", "7400000000000000010"),
        ("http://WWW.TIKTOK.COM/@Demo/video/7400000000000000011", "7400000000000000011"),
        # yt-dlp's test URLs (real ids)
        ("https://www.tiktok.com/@leenabhushan/video/6748451240264420610", "6748451240264420610"),
        ("https://www.tiktok.com/@patroxofficial/video/6742501081818877190?langCountry=en", "6742501081818877190"),
        (
            "https://www.tiktok.com/@MS4wLjABAAAATh8Vewkn0LYM7Fo03iec3qKdeCUOcBIouRk1mkiag6h3o_pQu_dUXvZ2EZlGST7_"
            "/video/7042692929109986561",
            "7042692929109986561",
        ),
        ("tiktok:7400000000000000012", "7400000000000000012"),
        (
            "Check out Demo County Police's video! #TikTok > https://www.tiktok.com/@demo.county.police/video/"
            "7400000000000000013?_r=1&_t=8abc",
            "7400000000000000013",
        ),
        ("【反诈】看这个视频 https://www.tiktok.com/@demo/video/7400000000000000014。", "7400000000000000014"),
    ],
)
def test_identify_tiktok(text: str, post_id: str | None) -> None:
    ref = identify(text)
    assert ref.platform == "tiktok"
    assert ref.post_id == (post_id or "7400000000000000001")
    assert ref.post_key == f"tiktok:{ref.post_id}"


def test_handle_and_photo_are_fetch_parameters_not_identity() -> None:
    a = identify("https://www.tiktok.com/@demo.county.police/photo/7400000000000000002")
    b = identify("https://www.tiktok.com/embed/v2/7400000000000000002")
    assert a == b
    assert a.params == {"user": "demo.county.police", "kind": "photo"} and b.params == {}
    assert tt.page_url(a) == "https://www.tiktok.com/@demo.county.police/photo/7400000000000000002"
    assert tt.page_url(b) == "https://www.tiktok.com/@_/video/7400000000000000002"
    assert tt.canonical_url("7400000000000000002") == "https://www.tiktok.com/@_/video/7400000000000000002"


@pytest.mark.parametrize(
    "text",
    [
        "https://vm.tiktok.com/ZMdemo123/",
        "https://vt.tiktok.com/ZSdemo456",
        "https://www.tiktok.com/t/ZTdemo789/",
        "https://tiktok.com/t/ZTdemo789",
        "Demo County Police on TikTok https://vm.tiktok.com/ZMdemo123/ 转发",
        "vt.tiktok.com/ZSdemo456",
    ],
)
def test_short_links_need_resolution(text: str) -> None:
    with pytest.raises(NeedsResolution) as info:
        identify(text)
    assert info.value.platform == "tiktok"


@pytest.mark.parametrize(
    "text",
    [
        "https://www.douyin.com/video/7400000000000000001",  # douyin ids are also 19 digits
        "https://www.iesdouyin.com/share/video/7400000000000000001/",
        "https://www.tiktok.com/@demo.county.police",
        "https://www.tiktok.com/music/original-sound-7400000000000000001",
        "https://www.tiktok.com/@demo/video/740000000000000001",  # 18 digits
        "https://www.tiktok.com/@demo/video/74000000000000000011",  # 20 digits
        "https://www.tiktok.com.evil.example/@demo/video/7400000000000000001",
        "https://eviltiktok.com/@demo/video/7400000000000000001",
        "https://www.tiktok.com@evil.example/@demo/video/7400000000000000001",
    ],
)
def test_not_tiktok_posts(text: str) -> None:
    ref = None
    try:
        ref = identify(text)
    except UnsupportedURL:
        return
    assert ref.platform != "tiktok"


# -- samples -----------------------------------------------------------------------------------

SAMPLE_OK: dict[str, tuple[str, dict[str, int | None], str | None, datetime]] = {
    "page_7518238106319998263.video_detail.excerpt.json": (
        "7518238106319998263",
        {"views": 6492, "likes": 246, "comments": 16, "shares": 63, "favorites": 221},
        "TJ Robertson",
        datetime(2025, 6, 21, 3, 24, 18, tzinfo=timezone.utc),
    ),
    "research_api_video_query_example.json": (
        "702874395068494965",
        {"views": 1050, "likes": None, "comments": 2, "shares": None, "favorites": None},
        None,
        datetime(2021, 10, 9, 23, 59, 59, tzinfo=timezone.utc),
    ),
}
SAMPLE_ERRORS: dict[str, type[CollectError]] = {
    "page_7550459646654418189_deleted.universal_data_tail.txt": Unavailable,
    "oembed_7550459646654418189_deleted_400.meta.json": Unavailable,
    "oembed_7518238106319998263.json": NotSupported,
}


def test_every_sample_is_covered(samples: Path) -> None:
    names = {p.name for p in (samples / "tiktok").iterdir() if not p.name.endswith(".source.txt")}
    assert names == set(SAMPLE_OK) | set(SAMPLE_ERRORS)


@pytest.mark.parametrize("name", sorted(SAMPLE_OK))
def test_samples_ok(samples: Path, name: str) -> None:
    post_id, metrics, author, published = SAMPLE_OK[name]
    parsed = tt.parse(raw((samples / "tiktok" / name).read_bytes(), url=tt.canonical_url("unknown")))
    assert parsed.post_id == post_id and parsed.author == author and parsed.published_at == published
    for metric, value in metrics.items():
        count = parsed.metrics.get(metric)
        if value is None:
            assert count is None and any(metric in w for w in parsed.warnings), metric
        else:
            assert count is not None and count.value == value and count.kind is CountKind.EXACT, metric


def test_sample_page_prefers_statsv2_and_keeps_reposts(samples: Path) -> None:
    name = "page_7518238106319998263.video_detail.excerpt.json"
    parsed = tt.parse(raw((samples / "tiktok" / name).read_bytes()), "7518238106319998263")
    assert parsed.metrics.favorites is not None and parsed.metrics.favorites.raw == "221"
    assert parsed.metrics.extra["reposts"].value == 0
    assert parsed.title is not None and parsed.title.startswith("AI optimization")
    assert parsed.warnings == ()
    with pytest.raises(ParseError, match="not the requested"):
        tt.parse(raw((samples / "tiktok" / name).read_bytes()), "7400000000000000001")


@pytest.mark.parametrize("name", sorted(SAMPLE_ERRORS))
def test_sample_errors(samples: Path, name: str) -> None:
    with pytest.raises(SAMPLE_ERRORS[name]) as info:
        tt.parse(raw((samples / "tiktok" / name).read_bytes(), url=tt.canonical_url("unknown")))
    assert info.value.message


def test_deleted_sample_says_deleted(samples: Path) -> None:
    body = (samples / "tiktok" / "page_7550459646654418189_deleted.universal_data_tail.txt").read_bytes()
    with pytest.raises(Unavailable, match="deleted"):
        tt.parse(raw(body), "7550459646654418189")


def test_research_api_picks_the_requested_id(samples: Path) -> None:
    body = (samples / "tiktok" / "research_api_video_query_example.json").read_bytes()
    assert tt.parse(raw(body), "702874395068494965").metrics.views is not None
    with pytest.raises(ParseError, match="does not list"):
        tt.parse(raw(body), "7400000000000000001")


# -- fixtures: success shapes -------------------------------------------------------------------


def test_full_page_fixture() -> None:
    parsed = tt.parse(raw(fixture_bytes("tiktok", "page_ok.html")), "7400000000000000001")
    m = parsed.metrics
    expected = {"views": 1187654, "likes": 12345, "comments": 1496, "shares": 418, "favorites": 957}
    for metric, value in expected.items():
        count = m.get(metric)
        assert count is not None and count.value == value and count.kind is CountKind.EXACT, metric
    assert m.extra["reposts"].value == 3
    assert parsed.author == "Demo County Police"
    assert parsed.title == "Scam calls: hang up, then call 110 #antifraud"
    assert parsed.published_at == datetime(2024, 8, 6, 12, 28, 17, tzinfo=timezone.utc)


def test_api_item_detail_shape_with_genuine_zero() -> None:
    parsed = tt.parse(raw(fixture_bytes("tiktok", "api_item_detail_statsv2_only.json")))
    assert parsed.post_id == "7400000000000000002"
    assert parsed.metrics.comments is not None and parsed.metrics.comments.value == 0
    assert parsed.metrics.comments.kind is CountKind.EXACT
    assert parsed.author == "demo.county.police"  # empty nickname: the handle
    assert parsed.title is None  # no caption
    assert parsed.published_at == datetime(2024, 8, 6, 13, 13, 20, tzinfo=timezone.utc)


def test_legacy_sigi_state_page() -> None:
    parsed = tt.parse(
        raw(fixture_bytes("tiktok", "sigi_state_page.html"), url="https://www.tiktok.com/@_/video/7400000000000000006")
    )
    assert parsed.post_id == "7400000000000000006" and parsed.author == "Demo Fire Brigade"
    assert parsed.metrics.views is not None and parsed.metrics.views.value == 7012
    with pytest.raises(ParseError, match="no item"):
        tt.parse(raw(fixture_bytes("tiktok", "sigi_state_page.html")), "7400000000000000001")


def test_display_api_picks_the_requested_video() -> None:
    body = fixture_bytes("tiktok", "display_api_two_videos.json")
    parsed = tt.parse(raw(body), "7400000000000000005")
    assert parsed.metrics.views is not None and parsed.metrics.views.value == 912
    assert parsed.metrics.shares is not None and parsed.metrics.shares.value == 0
    assert parsed.metrics.favorites is None and parsed.title == "Lost and found"
    with pytest.raises(ParseError, match="2 videos"):
        tt.parse(raw(body, url=tt.canonical_url("unknown")))


def test_api_error_envelope_before_counters() -> None:
    with pytest.raises(AuthRequired, match="access_token_invalid"):
        tt.parse(raw(fixture_bytes("tiktok", "api_error_token_invalid.json"), status=401))


def test_missing_counter_is_none_not_zero() -> None:
    item = {"id": "7400000000000000001", "statsV2": {"playCount": "1000", "diggCount": "", "commentCount": "3"}}
    parsed = tt.parse(raw(item_page(item)))
    assert parsed.metrics.likes is None and parsed.metrics.shares is None and parsed.metrics.favorites is None
    assert any("likes" in w for w in parsed.warnings) and any("shares" in w for w in parsed.warnings)
    assert parsed.metrics.views is not None and parsed.metrics.views.kind is CountKind.EXACT


# -- cases (../shared/cases/bug_cases.jsonl), rewritten with invented data ----------------------


def test_case_e08_01_statsv2_preferred_over_rounded_stats() -> None:
    item = {
        "id": "7400000000000000021",
        "stats": {
            "playCount": 3700000,
            "diggCount": 58000,
            "commentCount": 2100,
            "shareCount": 731,
            "collectCount": 4012,
        },
        "statsV2": {
            "playCount": "3681022",
            "diggCount": "57954",
            "commentCount": "2093",
            "shareCount": "731",
            "collectCount": "4012",
        },
    }
    parsed = tt.parse(raw(item_page(item)))
    expected = {"views": 3681022, "likes": 57954, "comments": 2093, "shares": 731, "favorites": 4012}
    for metric, value in expected.items():
        count = parsed.metrics.get(metric)
        assert count is not None and count.value == value and count.kind is CountKind.EXACT, metric
    assert parsed.warnings == ()


@pytest.mark.parametrize(
    ("stats", "expected"),
    [
        ({"playCount": 5600000, "diggCount": 87000}, {"views": (5600000, 100000), "likes": (87000, 1000)}),
        ({"playCount": 2000000, "diggCount": 19400}, {"views": (2000000, 1000000), "likes": (19400, 100)}),
        ({"playCount": 7012, "diggCount": 0}, {"views": (7012, 1), "likes": (0, 1)}),
        ({"playCount": 1200000, "collectCount": "2787"}, {"views": (1200000, 100000), "favorites": (2787, 1)}),
    ],
)
def test_case_e08_02_stats_only_is_approximate(stats: dict[str, Any], expected: dict[str, tuple[int, int]]) -> None:
    parsed = tt.parse(raw(item_page({"id": "7400000000000000022", "stats": stats})))
    for metric, (value, granularity) in expected.items():
        count = parsed.metrics.get(metric)
        assert count is not None and count.value == value, metric
        assert count.kind is CountKind.APPROXIMATE and count.granularity == granularity, metric
    assert any("rounded 'stats'" in w for w in parsed.warnings)


def test_case_e08_02_bare_item_fragment() -> None:
    parsed = tt.parse(raw(fixture_bytes("tiktok", "item_stats_only.json")))
    assert parsed.post_id == "7400000000000000003" and parsed.author == "Demo Traffic Police"
    assert parsed.metrics.views is not None and parsed.metrics.views.kind is CountKind.APPROXIMATE
    assert parsed.metrics.views.value == 5100000 and parsed.metrics.views.granularity == 100000
    assert parsed.metrics.favorites is not None and parsed.metrics.favorites.granularity == 100
    # a bare fragment without an id takes the post named by the URL
    no_id = json.dumps({"stats": {"playCount": 2300000, "diggCount": 41000}}).encode()
    parsed = tt.parse(raw(no_id, url="https://www.tiktok.com/@_/video/7400000000000000023"))
    assert parsed.post_id == "7400000000000000023"
    assert parsed.metrics.likes is not None and parsed.metrics.likes.kind is CountKind.APPROXIMATE
    # `reach parse fragment.json` without --url: the numbers, and a warning that no post is named
    parsed = tt.parse(raw(no_id, url=tt.canonical_url("unknown")))
    assert parsed.post_id == "unknown" and any("post id unknown" in w for w in parsed.warnings)
    assert parsed.metrics.views is not None and parsed.metrics.views.granularity == 100000


def test_case_e08_02_missing_statsv2_key_falls_back_to_stats_marked_approximate() -> None:
    item = {
        "id": "7400000000000000024",
        "stats": {"playCount": 940000, "diggCount": 25000},
        "statsV2": {"playCount": "938112"},
    }
    parsed = tt.parse(raw(item_page(item)))
    assert parsed.metrics.views is not None and parsed.metrics.views.kind is CountKind.EXACT
    assert parsed.metrics.likes is not None and parsed.metrics.likes.kind is CountKind.APPROXIMATE


def test_case_e08_04_precision_is_visible_to_growth_maths() -> None:
    """A rounded snapshot then an exact one a day later: parse marks the first approximate with a range
    that holds the second, so a report can tell this is not a decrease."""
    day1 = tt.parse(raw(item_page({"id": "7400000000000000025", "stats": {"playCount": 4300000}})))
    day2 = tt.parse(raw(item_page({"id": "7400000000000000025", "statsV2": {"playCount": "4291733"}})))
    before, after = day1.metrics.views, day2.metrics.views
    assert before is not None and after is not None
    assert before.kind is CountKind.APPROXIMATE and after.kind is CountKind.EXACT
    assert after.value is not None and before.low is not None and before.high is not None
    assert before.low <= after.value <= before.high


def test_case_e14_01_short_link_resolves_through_a_chain_of_redirects(fast_settings: Settings) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.host == "vm.tiktok.com":
            return httpx.Response(301, headers={"Location": "https://www.tiktok.com/t/ZTdemo42/"})
        if request.url.path == "/t/ZTdemo42/":
            return httpx.Response(
                302, headers={"Location": "/@demo.county.police/video/7400000000000000031?_r=1&_t=ZT-demo"}
            )
        return httpx.Response(500)

    ref = resolve(fast_settings, handler, "https://vm.tiktok.com/ZMdemo42/")
    assert (ref.platform, ref.post_id) == ("tiktok", "7400000000000000031")
    assert ref.params == {"user": "demo.county.police"} and ref.url == "https://vm.tiktok.com/ZMdemo42/"
    assert seen == ["https://vm.tiktok.com/ZMdemo42/", "https://www.tiktok.com/t/ZTdemo42/"]


def test_case_e14_01_stale_intermediate_location_is_not_the_answer(fast_settings: Settings) -> None:
    """The first Location is another short link, not the post: the resolver keeps going to the end."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "vt.tiktok.com":
            return httpx.Response(302, headers={"Location": "https://vm.tiktok.com/ZMdemo43/"})
        if request.url.host == "vm.tiktok.com":
            return httpx.Response(302, headers={"Location": "https://m.tiktok.com/v/7400000000000000032.html"})
        return httpx.Response(500)

    ref = resolve(fast_settings, handler, "https://vt.tiktok.com/ZSdemo43/")
    assert ref.post_id == "7400000000000000032"


def test_case_e14_02_t_path_short_link(fast_settings: Settings) -> None:
    with pytest.raises(NeedsResolution):
        identify("https://www.tiktok.com/t/ZTdemo44/")

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["user-agent"] == BROWSER_USER_AGENT
        return httpx.Response(301, headers={"Location": "https://www.tiktok.com/@demo/photo/7400000000000000033"})

    ref = resolve(fast_settings, handler, "https://www.tiktok.com/t/ZTdemo44/")
    assert ref.post_id == "7400000000000000033" and ref.params == {"user": "demo", "kind": "photo"}


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("detail", "error", "words"),
    [
        ({"statusCode": 10204, "statusMsg": "item doesn't exist"}, Unavailable, "deleted"),
        ({"statusCode": 10204, "statusMsg": "status_deleted"}, Unavailable, "deleted"),
        ({"statusCode": 10204, "statusMsg": "cross_border_violation_eu"}, Unavailable, "region"),
        ({"statusCode": 10204, "statusMsg": "video not available in your country"}, Unavailable, "region"),
        ({"statusCode": 10204, "statusMsg": "item_privacy_authorization"}, Unavailable, "private"),
        ({"statusCode": 10204, "statusMsg": "status_reviewing"}, Unavailable, "under review"),
        ({"statusCode": 10204, "statusMsg": ""}, Blocked, "blocked"),
        ({"statusCode": 10204, "statusMsg": "ip_risk_control"}, Blocked, "blocked"),
        ({"statusCode": 10216, "statusMsg": "author_secret"}, Unavailable, "private"),
        ({"statusCode": 10222, "statusMsg": ""}, Unavailable, "account is private"),
        ({"statusCode": 10201, "statusMsg": ""}, ParseError, "10201"),
        ({"statusCode": "10235", "statusMsg": "invented"}, ParseError, "10235"),
        ({"statusCode": 0, "statusMsg": ""}, ParseError, "itemStruct"),
        ({"statusMsg": "ok"}, ParseError, "statusCode"),
    ],
)
def test_video_detail_status_codes(detail: dict[str, Any], error: type[CollectError], words: str) -> None:
    with pytest.raises(error, match=words):
        tt.parse(raw(page(detail)))


def test_region_fixture_and_error_before_counters() -> None:
    with pytest.raises(Unavailable, match="region"):
        tt.parse(raw(fixture_bytes("tiktok", "page_region_10204.html")))
    # an error code wins even when some counters are present
    detail = {"statusCode": 10216, "itemInfo": {"itemStruct": {"id": "7400000000000000001", "stats": {"playCount": 0}}}}
    with pytest.raises(Unavailable):
        tt.parse(raw(page(detail)))


@pytest.mark.parametrize(
    ("name", "status", "url", "error"),
    [
        ("waf_challenge.html", 200, PAGE, Blocked),
        ("captcha_page.html", 200, PAGE, Blocked),
        ("page_without_video_detail.html", 200, "https://www.tiktok.com/login?redirect_url=x", Blocked),
        ("page_without_video_detail.html", 200, PAGE, ParseError),
        ("waf_challenge.html", 403, PAGE, Blocked),
        ("oembed_error_400.json", 400, "https://www.tiktok.com/oembed?url=x", Unavailable),
    ],
)
def test_error_fixtures(name: str, status: int, url: str, error: type[CollectError]) -> None:
    with pytest.raises(error):
        tt.parse(raw(fixture_bytes("tiktok", name), status=status, url=url))


@pytest.mark.parametrize(
    ("body", "status", "url", "error"),
    [
        (b"", 200, PAGE, Blocked),
        (b"  \n", 200, PAGE, Blocked),
        (b"", 400, "https://www.tiktok.com/oembed?url=https://www.tiktok.com/@_/video/1", Unavailable),
        (b"", 404, PAGE, Unavailable),
        (b"", 502, PAGE, NetworkError),
        (b"<html><body>Access Denied</body></html>", 403, PAGE, Blocked),
        (b"<html><body>Not here</body></html>", 404, PAGE, Unavailable),
        (b"<html><body>Too many</body></html>", 429, PAGE, RateLimited),
        (b"<html><body>plain page</body></html>", 200, PAGE, Blocked),
        (b"hello, this is not tiktok", 200, PAGE, ParseError),
        (b'{"some": "json"}', 200, PAGE, ParseError),
        (b"[1, 2]", 200, PAGE, ParseError),
    ],
)
def test_bodies_without_page_data(body: bytes, status: int, url: str, error: type[CollectError]) -> None:
    with pytest.raises(error):
        tt.parse(raw(body, status=status, url=url))


@pytest.mark.parametrize(
    ("location", "error"),
    [
        ("https://www.tiktok.com/login?redirect_url=https%3A%2F%2Fwww.tiktok.com%2F", Blocked),
        ("/notfound?lang=en", Unavailable),
        ("https://www.tiktok.com/foryou", ParseError),
    ],
)
def test_redirect_answers(location: str, error: type[CollectError]) -> None:
    with pytest.raises(error):
        tt.parse(raw(b"", status=302, headers={"location": location}))
    with pytest.raises(error):
        tt.parse(raw(b"<html>Redirecting</html>", status=302, headers={"location": location}))


def test_age_restricted_item_without_counters() -> None:
    with pytest.raises(AuthRequired, match="age"):
        tt.parse(raw(item_page({"id": "7400000000000000001", "isContentClassified": True})))
    with pytest.raises(ParseError, match="neither statsV2 nor stats"):
        tt.parse(raw(item_page({"id": "7400000000000000001"})))


def test_truncated_page_data_is_a_parse_error() -> None:
    body = page({"statusCode": 0}).replace(b'"statusCode": 0}', b'"statusCode": 0')
    with pytest.raises(ParseError):
        tt.parse(raw(body))


def test_ok_page_with_error_http_status() -> None:
    with pytest.raises(Blocked):
        tt.parse(raw(fixture_bytes("tiktok", "page_ok.html"), status=403))


def test_oembed_answer_is_not_a_snapshot() -> None:
    body = json.dumps(
        {
            "version": "1.0",
            "type": "video",
            "title": "Invented caption",
            "author_name": "Demo County Police",
            "provider_name": "TikTok",
            "embed_product_id": "7400000000000000001",
        }
    ).encode()
    with pytest.raises(NotSupported, match="no counters"):
        tt.parse(raw(body), "7400000000000000001")
    with pytest.raises(ParseError):
        tt.parse(raw(body), "7400000000000000002")


# -- fetch and resolve through Http with a mock transport ---------------------------------------


def run(settings: Settings, handler: Callable[[httpx.Request], httpx.Response], coro: Any) -> Any:
    async def go() -> Any:
        async with Http(settings, transport=httpx.MockTransport(handler)) as http:
            return await coro(http)

    return asyncio.run(go())


def resolve(settings: Settings, handler: Callable[[httpx.Request], httpx.Response], url: str) -> PostRef:
    result: PostRef = run(settings, handler, lambda http: tt.resolve(http, url))
    return result


def test_fetch_sends_browser_headers_and_cookies(fast_settings: Settings, tmp_path: Path) -> None:
    cookies = tmp_path / "tiktok.txt"
    cookies.write_text(
        "# Netscape HTTP Cookie File\n.tiktok.com\tTRUE\t/\tTRUE\t4102444800\tmsToken\tINVENTED-MS-TOKEN\n"
    )
    cookies.chmod(0o600)  # a cookie file others can read is warned about
    settings = fast_settings.with_(cookies={"tiktok": cookies})
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(
            200,
            content=fixture_bytes("tiktok", "page_ok.html"),
            headers={"Set-Cookie": "tt_chain_token=INVENTED-CHAIN; Domain=.tiktok.com; Path=/; Secure"},
        )

    ref = identify("https://www.tiktok.com/@demo.county.police/video/7400000000000000001?_r=1")

    async def twice(http: Http) -> list[RawResponse]:
        return [await tt.fetch(http, ref), await tt.fetch(http, ref)]

    first, _ = run(settings, handler, twice)
    assert str(requests[0].url) == "https://www.tiktok.com/@demo.county.police/video/7400000000000000001"
    assert requests[0].headers["user-agent"] == BROWSER_USER_AGENT
    assert requests[0].headers["referer"] == "https://www.tiktok.com/"
    assert "msToken=INVENTED-MS-TOKEN" in requests[0].headers["cookie"]
    assert "tt_chain_token=INVENTED-CHAIN" in requests[1].headers["cookie"]  # kept from the first answer
    parsed = tt.parse(first, ref.post_id)
    assert parsed.metrics.views is not None and parsed.metrics.views.value == 1187654


def test_fetch_follows_same_post_redirects_only(fast_settings: Settings) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path == "/@_/video/7400000000000000001":
            return httpx.Response(301, headers={"Location": "/@demo.county.police/photo/7400000000000000001"})
        if request.url.path == "/@demo.county.police/photo/7400000000000000001":
            return httpx.Response(200, content=fixture_bytes("tiktok", "page_ok.html"))
        if request.url.path == "/@_/video/7400000000000000002":
            return httpx.Response(302, headers={"Location": "https://www.tiktok.com/login?redirect_url=x"})
        return httpx.Response(500)

    ok = run(fast_settings, handler, lambda http: tt.fetch(http, PostRef("tiktok", "7400000000000000001")))
    assert ok.status == 200 and tt.parse(ok, "7400000000000000001").metrics.likes is not None
    login = run(fast_settings, handler, lambda http: tt.fetch(http, PostRef("tiktok", "7400000000000000002")))
    assert login.status == 302
    with pytest.raises(Blocked, match="login"):
        tt.parse(login, "7400000000000000002")
    assert not any("/login" in u for u in seen)


def test_resolve_reads_a_200_landing_page(fast_settings: Settings) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=fixture_bytes("tiktok", "short_link_landing_200.html"))

    assert resolve(fast_settings, handler, "https://vm.tiktok.com/ZMdemo45/").post_id == "7400000000000000007"


def test_resolve_login_redirect_that_names_the_post(fast_settings: Settings) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        target = "https%3A%2F%2Fwww.tiktok.com%2F%40demo%2Fvideo%2F7400000000000000034%3Fis_from_webapp%3D1"
        return httpx.Response(302, headers={"Location": f"https://www.tiktok.com/login?redirect_url={target}"})

    assert resolve(fast_settings, handler, "https://vm.tiktok.com/ZMdemo46/").post_id == "7400000000000000034"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(404, text="<html>Page not available</html>"), Unavailable),
        (httpx.Response(302, headers={"Location": "https://www.tiktok.com/login"}), Blocked),
        (httpx.Response(302, headers={"Location": "https://www.tiktok.com/notfound"}), Unavailable),
        (httpx.Response(302, headers={"Location": "https://www.tiktok.com/?_r=1"}), Unavailable),
        (httpx.Response(302, headers={"Location": "https://www.tiktok.com/@demo.county.police"}), UnsupportedURL),
        (
            httpx.Response(302, headers={"Location": "https://evil.example/@demo/video/7400000000000000035"}),
            UnsupportedURL,
        ),
        (httpx.Response(302, headers={"Location": "https://vm.tiktok.com/ZMloop/"}), UnsupportedURL),
        (httpx.Response(200, content=fixture_bytes("tiktok", "waf_challenge.html")), Blocked),
        (httpx.Response(200, content=fixture_bytes("tiktok", "captcha_page.html")), Blocked),
        (httpx.Response(200, content=b""), Blocked),
        (httpx.Response(403, content=b"denied"), Blocked),
        (httpx.Response(200, content=page({"statusCode": 10204, "statusMsg": "status_deleted"})), Unavailable),
        (httpx.Response(200, content=b"<html><body>a page with no post</body></html>"), UnsupportedURL),
    ],
)
def test_resolve_dead_ends(fast_settings: Settings, answer: httpx.Response, error: type[Exception]) -> None:
    with pytest.raises(error):
        resolve(fast_settings, lambda request: answer, "https://vm.tiktok.com/ZMloop/")


def test_resolve_stops_after_too_many_redirects(fast_settings: Settings) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(302, headers={"Location": f"https://vm.tiktok.com/ZM{len(calls)}/"})

    with pytest.raises(UnsupportedURL, match="redirects"):
        resolve(fast_settings, handler, "https://vm.tiktok.com/ZM0/")
    assert len(calls) == tt.max_redirects + 1


def test_declarations() -> None:
    assert tt.max_concurrency == 1 and tt.min_interval >= 3
    assert set(tt.cookie_names) >= {"tt_chain_token", "msToken", "sessionid"}
    assert "vm.tiktok.com" in tt.short_link_hosts and "vt.tiktok.com" in tt.short_link_hosts


@pytest.mark.network
def test_live_public_video() -> None:
    """A real public video (the one in samples/tiktok/page_...excerpt.json)."""
    post_id = "7518238106319998263"

    async def go() -> RawResponse:
        async with Http(Settings()) as http:
            return await tt.fetch(http, PostRef("tiktok", post_id, params={"user": "tjrobertson52"}))

    try:
        parsed = tt.parse(asyncio.run(go()), post_id)
    except (Blocked, RateLimited) as exc:
        pytest.skip(f"TikTok refused the anonymous request today: {exc.message}")
    assert parsed.post_id == post_id and parsed.author == "TJ Robertson"
    assert parsed.metrics.views is not None and parsed.metrics.views.value is not None
    assert parsed.metrics.views.value >= 6492


# -- review round 2: contradictions, wording, statuses, link forms --------------------------------


def _both(v2: dict[str, Any], stats: dict[str, Any]) -> dict[str, Any]:
    return {"id": "7400000000000000001", "desc": "d", "statsV2": v2, "stats": stats}


@pytest.mark.parametrize(
    ("v2", "stats", "views"),
    [
        ({"playCount": "0"}, {"playCount": 2300000}, None),  # a placeholder "0" beside 2.3M
        ({"playCount": "1200"}, {"playCount": 41000}, None),
        ({"playCount": "2291312"}, {"playCount": 2300000}, 2291312),  # stats is the rounded value
        ({"playCount": "6495"}, {"playCount": 6492}, 6495),  # a moment apart: within 1%
        ({"playCount": "0"}, {"playCount": 0}, 0),  # a new post: a real zero
    ],
)
def test_statsv2_that_contradicts_stats_is_not_recorded(v2: dict[str, Any], stats: dict[str, Any], views: Any) -> None:
    parsed = tt.parse(raw(item_page(_both(v2, stats))), "7400000000000000001")
    got = parsed.metrics.views
    assert (got.value if got is not None else None) == views
    if views is None:
        assert any("contradicts" in w for w in parsed.warnings)
    else:
        assert got is not None and got.kind is CountKind.EXACT


@pytest.mark.parametrize("message", ["status_friend_see", "status_follower_only", "author_secret"])
def test_10204_private_wordings_are_unavailable(message: str) -> None:
    with pytest.raises(Unavailable, match="private"):
        tt.parse(raw(page({"statusCode": 10204, "statusMsg": message})), "7400000000000000001")


@pytest.mark.parametrize("status", [401, 418, 432])
def test_refusal_statuses_are_blocked(status: int) -> None:
    with pytest.raises(Blocked):
        tt.parse(raw(b"<html><body>denied</body></html>", status=status), "7400000000000000001")
    with pytest.raises(Blocked):
        tt.parse(raw(b"", status=status), "7400000000000000001")


def test_rehydration_script_with_js_undefined_reads_the_rest() -> None:
    body = (
        b'<html><script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">'
        b'{"__DEFAULT_SCOPE__":{"webapp.video-detail":{"statusCode":0,"itemInfo":{"itemStruct":'
        b'{"id":"7400000000000000001","statsV2":{"playCount":undefined,"diggCount":"5"}}}}}}</script></html>'
    )
    parsed = tt.parse(raw(body), "7400000000000000001")
    assert parsed.metrics.views is None and parsed.metrics.likes is not None and parsed.metrics.likes.value == 5


@pytest.mark.parametrize(
    "url",
    [
        "https://t.tiktok.com/i18n/share/video/7400000000000000001/?_d=abc&language=en",
        "https://www.tiktok.com/i18n/share/video/7400000000000000001",
        "https://www.tiktok.com/node/share/video/@demo/7400000000000000001",
        "https://www.tiktok.com/embed/v3/7400000000000000001",
    ],
)
def test_more_link_forms(url: str) -> None:
    ref = identify(url)
    assert (ref.platform, ref.post_id) == ("tiktok", "7400000000000000001")
