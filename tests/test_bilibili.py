"""bilibili: identity (av/BV, short links, parts), parsing of real samples and our fixtures."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from reach import NeedsResolution, UnsupportedURL, identify
from reach.collectors import get_collector
from reach.collectors.base import RawResponse
from reach.collectors.bilibili import av_to_bv, bv_to_av
from reach.errors import Blocked, NetworkError, ParseError, RateLimited, Unavailable
from reach.models import CountKind

from .conftest import fixture_bytes

bili = get_collector("bilibili")


def raw(body: bytes, status: int = 200) -> RawResponse:
    return RawResponse(status=status, url="https://api.bilibili.com/x/web-interface/view", body=body)


# Conversion vectors: bug reports (lifegpc/bili#118, Bili23-Downloader#58) and yt-dlp's tests.
@pytest.mark.parametrize(
    ("aid", "bvid"),
    [
        (1760000123, "BV1J442187uv"),
        (114000000000777, "BV1rwKwe4EGg"),  # aid beyond 2^32
        (98765432, "BV157411U727"),
        (1074402, "BV11x411K7CN"),
        (8903802, "BV13x41117TL"),
        (92494333, "BV1xE411H755"),
        (85440373, "BV117411r7R1"),
    ],
)
def test_av_bv_round_trip(aid: int, bvid: str) -> None:
    assert av_to_bv(aid) == bvid
    assert bv_to_av(bvid) == aid


@pytest.mark.parametrize(
    ("text", "post_id"),
    [
        ("https://www.bilibili.com/video/av1760000123/", "BV1J442187uv"),
        ("https://www.bilibili.com/video/BV1J442187uv/", "BV1J442187uv"),
        ("https://www.bilibili.com/video/av114000000000777/", "BV1rwKwe4EGg"),
        ("https://m.bilibili.com/video/BV157411U727", "BV157411U727"),
        ("https://b23.tv/BV1J442187uv", "BV1J442187uv"),
        ("https://www.bilibili.com/video/BV1bK411W797?p=1", "BV1bK411W797"),
        ("https://www.bilibili.com/video/BV1ms411Q7vw/?p=4", "BV1ms411Q7vw"),
        ("http://www.bilibili.com/video/av1074402/", "BV11x411K7CN"),
        ("https://www.bilibili.com/festival/2023honkaiimpact3gala?bvid=BV1ay4y1d77f", "BV1ay4y1d77f"),
        ("https://www.bilibili.com/festival/bh3-7th?bvid=BV1tr4y1f7p2&", "BV1tr4y1f7p2"),
        ("http://player.bilibili.com/player.html?aid=92494333&cid=157926707&page=1", "BV1xE411H755"),
        ("https://www.bilibili.com/video/bv1J442187uv", "BV1J442187uv"),  # prefix case folded
        ("BV1J442187uv", "BV1J442187uv"),
        ("av1760000123", "BV1J442187uv"),
        ("bilibili:BV1J442187uv", "BV1J442187uv"),
        (
            "【对毒品说NO，对青春说YES-哔哩哔哩】 https://www.bilibili.com/video/BV1J442187uv/"
            "?share_source=copy_web&vd_source=abc",
            "BV1J442187uv",
        ),
    ],
)
def test_identify_bilibili(text: str, post_id: str) -> None:
    ref = identify(text)
    assert (ref.platform, ref.post_id, ref.post_key) == ("bilibili", post_id, f"bilibili:{post_id}")


def test_part_is_a_fetch_parameter_not_identity() -> None:
    a, b = identify("https://www.bilibili.com/video/BV1ms411Q7vw/?p=4"), identify("https://b23.tv/BV1ms411Q7vw")
    assert a == b and a.params == {"p": "4"} and b.params == {}


def test_short_link_needs_resolution() -> None:
    with pytest.raises(NeedsResolution) as info:
        identify("【禁毒宣传】 https://b23.tv/AbCdEfG 点击链接打开")
    assert info.value.platform == "bilibili" and info.value.url == "https://b23.tv/AbCdEfG"


def test_invalid_bv_is_not_a_post() -> None:
    # right shape, wrong alphabet ('0' and 'l' are not base58): not silently accepted
    with pytest.raises(UnsupportedURL):
        identify("https://www.bilibili.com/video/BV1l00000000")


# -- parsing -----------------------------------------------------------------------------------

# Values read from ../shared/samples/bilibili (real responses), checked by hand.
SAMPLE_OK = {
    "web-interface_view_BV117411r7R1.docs_example.json": (
        "BV117411r7R1",
        {"views": 2404179, "likes": 161270, "comments": 2676, "shares": 9620, "favorites": 58329},
        {"coins": 72793, "danmaku": 12348},
        datetime(2020, 1, 30, 9, 40, 55, tzinfo=timezone.utc),
    ),
    "web-interface_view_BV11M4m117wK_captured_2024-07.json": (
        "BV11M4m117wK",
        {"views": 663, "likes": 18, "comments": 0, "shares": 0, "favorites": 31},
        {"coins": 0, "danmaku": 0},
        datetime(2024, 7, 12, 0, 10, tzinfo=timezone.utc),
    ),
    "web-interface_view_BV16z421B78Z_captured_2024-07.json": (
        "BV16z421B78Z",
        {"views": 602402, "likes": 50379, "comments": 301, "shares": 78, "favorites": 1381},
        {"coins": 208, "danmaku": 140},
        datetime(2024, 7, 1, 13, 58, 41, tzinfo=timezone.utc),
    ),
    "web-interface_view_BV1iS411c7np_captured_2024-07.json": (
        "BV1iS411c7np",
        {"views": 823785, "likes": 37048, "comments": 1986, "shares": 5092, "favorites": 6508},
        {"coins": 1251, "danmaku": 1146},
        datetime(2024, 7, 10, 7, 0, tzinfo=timezone.utc),
    ),
    "web-interface_archive_stat_BV1es411D7sW.docs_example_DEAD_ENDPOINT.json": (
        "BV1es411D7sW",
        {"views": 26408224, "likes": 628592, "comments": 52825, "shares": 240573, "favorites": 892560},
        {"coins": 599649, "danmaku": 161919},
        None,
    ),
}
SAMPLE_BLOCKED = [
    "error_-352_risk_control.docs_example.json",
    "error_-352_risk_control_v_voucher.json",
    "error_-412_request_intercepted.docs_example.json",
]


def test_every_sample_is_covered(samples: Path) -> None:
    names = {p.name for p in (samples / "bilibili").iterdir() if not p.name.endswith(".source.txt")}
    assert names == set(SAMPLE_OK) | set(SAMPLE_BLOCKED)


@pytest.mark.parametrize("name", sorted(SAMPLE_OK))
def test_samples_ok(samples: Path, name: str) -> None:
    post_id, metrics, extra, published = SAMPLE_OK[name]
    parsed = bili.parse(raw((samples / "bilibili" / name).read_bytes()), post_id)
    assert parsed.post_id == post_id
    for metric, value in metrics.items():
        count = parsed.metrics.get(metric)
        assert count is not None and count.value == value and count.kind is CountKind.EXACT, metric
    assert {k: v.value for k, v in parsed.metrics.extra.items()} == extra
    assert parsed.published_at == published


def test_genuine_zeros_stay_zero(samples: Path) -> None:
    parsed = bili.parse(
        raw((samples / "bilibili" / "web-interface_view_BV11M4m117wK_captured_2024-07.json").read_bytes())
    )
    assert parsed.metrics.comments is not None and parsed.metrics.comments.value == 0


@pytest.mark.parametrize("name", SAMPLE_BLOCKED)
def test_samples_blocked(samples: Path, name: str) -> None:
    with pytest.raises(Blocked) as info:
        bili.parse(raw((samples / "bilibili" / name).read_bytes()))
    assert "bilibili says" in info.value.message


def test_hidden_counter_is_none_not_zero() -> None:
    parsed = bili.parse(raw(fixture_bytes("bilibili", "view_hidden_counters.json")))
    assert parsed.metrics.views is None
    assert parsed.metrics.comments is not None and parsed.metrics.comments.value == 0
    assert any("views" in w for w in parsed.warnings)
    assert parsed.author == "示范县公安局"


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("view_not_found_-404.json", Unavailable),
        ("view_owner_only_62012.json", Unavailable),
        ("relay_wrapped_-352.json", Blocked),  # a relay's wrapper around bilibili's envelope
        ("view_unknown_code.json", ParseError),
        ("view_no_stat.json", ParseError),
    ],
)
def test_error_envelopes(name: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        bili.parse(raw(fixture_bytes("bilibili", name)))


@pytest.mark.parametrize(
    ("status", "error"), [(412, Blocked), (403, Blocked), (429, RateLimited), (502, NetworkError), (200, ParseError)]
)
def test_html_pages_by_status(status: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        bili.parse(raw(fixture_bytes("bilibili", "risk_page_412.html"), status))


def test_empty_body_is_an_error() -> None:
    with pytest.raises(ParseError):
        bili.parse(raw(b""))


def test_answer_for_another_post_is_refused() -> None:
    with pytest.raises(ParseError):
        bili.parse(raw(fixture_bytes("bilibili", "view_hidden_counters.json")), "BV1J442187uv")


@pytest.mark.network
def test_live_public_video() -> None:  # pragma: no cover - needs the internet
    """The real API still answers in the shape we parse (run with `pytest -m network`)."""
    import asyncio

    from reach.http import Http
    from reach.models import ParsedPost

    async def go() -> ParsedPost:
        async with Http() as http:
            ref = identify("https://www.bilibili.com/video/BV1GJ411x7h7/")
            return bili.parse(await bili.fetch(http, ref), ref.post_id)

    try:
        parsed = asyncio.run(go())
    except Blocked:
        pytest.skip("bilibili risk control refused this machine")
    assert parsed.post_id == "BV1GJ411x7h7"
    assert parsed.metrics.views is not None and parsed.metrics.views.value is not None
    assert parsed.metrics.views.value > 1_000_000
