"""douyin: identity (link forms, share texts, short links), parsing of real samples and our fixtures,
the ttwid handshake and the detail request through a mock transport, short-link resolution."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from reach import NeedsResolution, UnsupportedURL, identify, parse_count
from reach.collect import Engine
from reach.collectors import get_collector
from reach.collectors.base import RawResponse
from reach.collectors.common import json_count
from reach.collectors.douyin import DETAIL_URL, PLAYS_NOT_PUBLIC, TTWID_BODY, TTWID_URL, DouyinCollector
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
from reach.http import Http
from reach.models import CountKind, OutcomeStatus, PostRef

from .conftest import fixture_bytes, json_response

douyin = get_collector("douyin")
ID = "7400000000000000001"


def raw(body: bytes, status: int = 200, url: str | None = None) -> RawResponse:
    return RawResponse(status=status, url=url or douyin.canonical_url(ID), body=body)


def fixture(name: str) -> RawResponse:
    return raw(fixture_bytes("douyin", name))


# -- identity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "post_id"),
    [
        ("https://www.douyin.com/video/7400000000000000001", "7400000000000000001"),
        ("https://www.douyin.com/video/7400000000000000001/", "7400000000000000001"),
        ("https://douyin.com/video/7400000000000000001", "7400000000000000001"),
        ("https://www.douyin.com/note/7400000000000000002", "7400000000000000002"),
        ("https://www.douyin.com/slides/7400000000000000003?previous_page=app_code_link", "7400000000000000003"),
        ("https://www.iesdouyin.com/share/video/7400000000000000004/", "7400000000000000004"),
        ("https://iesdouyin.com/share/note/7400000000000000005/?region=CN", "7400000000000000005"),
        ("https://www.iesdouyin.com/share/slides/7400000000000000006/?from_ssr=1", "7400000000000000006"),
        ("https://m.douyin.com/share/video/7400000000000000007", "7400000000000000007"),
        ("https://m.douyin.com/share/note/7400000000000000008/", "7400000000000000008"),
        (
            "https://jingxuan.douyin.com/m/video/7400000000000000009?app=yumme&utm_source=copy_link",
            "7400000000000000009",
        ),
        ("https://jingxuan.douyin.com/m/note/7400000000000000010", "7400000000000000010"),
        (
            "https://www.douyin.com/user/MS4wLjABAAAAinventedSecUid000001?from_tab_name=main&modal_id=7400000000000000011",
            "7400000000000000011",
        ),
        ("https://www.douyin.com/jingxuan?modal_id=7400000000000000012", "7400000000000000012"),
        ("https://www.douyin.com/discover?modal_id=7400000000000000013", "7400000000000000013"),
        (
            "https://www.douyin.com/search/%E5%8F%8D%E8%AF%88?aid=abc&modal_id=7400000000000000014",
            "7400000000000000014",
        ),
        ("https://www.douyin.com/channel/300203?modal_id=7400000000000000015", "7400000000000000015"),
        ("https://www.douyin.com/search/abc?type=video&vid=7400000000000000016", "7400000000000000016"),
        ("http://www.douyin.com/video/7400000000000000017", "7400000000000000017"),
        ("HTTPS://WWW.DOUYIN.COM/video/7400000000000000018", "7400000000000000018"),
        ("douyin:7400000000000000019", "7400000000000000019"),
        ("【反诈宣传】看看这个 https://www.douyin.com/video/7400000000000000020，复制打开抖音", "7400000000000000020"),
    ],
)
def test_identify_douyin(text: str, post_id: str) -> None:
    ref = identify(text)
    assert (ref.platform, ref.post_id, ref.post_key) == ("douyin", post_id, f"douyin:{post_id}")


@pytest.mark.parametrize(
    "text",
    [
        "https://www.douyin.com/user/MS4wLjABAAAAinventedSecUid000001",  # a profile, no post
        "https://www.douyin.com/music/7300000000000000009",  # a sound, not a post
        "https://www.iesdouyin.com/share/music/7300000000000000009/?mid=7300000000000000009",
        "https://www.douyin.com/video/740000000000000001",  # 18 digits
        "https://www.douyin.com/video/74000000000000000012",  # 20 digits
        "https://evildouyin.com/video/7400000000000000001",
        "https://www.douyin.com@evil.example/video/7400000000000000001",
        "https://www.douyin.com/jingxuan?xmodal_id=7400000000000000001",
        "https://example.com/share/video/7400000000000000001?modal_id=7400000000000000001",
    ],
)
def test_not_a_douyin_post(text: str) -> None:
    with pytest.raises(UnsupportedURL):
        identify(text)


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("https://v.douyin.com/iAbC12Xy/", "https://v.douyin.com/iAbC12Xy/"),
        ("https://jx.douyin.com/Ab3dE_f", "https://jx.douyin.com/Ab3dE_f"),
        ("v.douyin.com/iAbC12Xy/", "https://v.douyin.com/iAbC12Xy/"),
        # share text glued to the link: only the code is kept
        (
            "看看 https://v.douyin.com/iAbC12Xy/复制此链接，打开Dou音搜索，直接观看视频！",
            "https://v.douyin.com/iAbC12Xy/",
        ),
        ("看看【某某的作品】 https://v.douyin.com/iAbC12Xy/，复制", "https://v.douyin.com/iAbC12Xy/"),
    ],
)
def test_short_links_need_resolution(text: str, short: str) -> None:
    with pytest.raises(NeedsResolution) as info:
        identify(text)
    assert info.value.platform == "douyin" and info.value.url == short


SHARE_TEXTS = [
    ("NR", "https://v.douyin.com/v47NiRGWPa4/"),
    ("NR", "https://v.douyin.com/iRNBho6u/"),
    ("NR", "https://v.douyin.com/ik4XMwp7/"),  # a profile share: resolution tells (see resolve tests)
    ("ID", "7298145681699622182"),
    ("ID", "7298145681699622182"),
    ("ID", "7525082444551310602"),
    ("ID", "7555093909760789812"),
    ("ID", "7574300896016862490"),
    ("ID", "7469411074119322899"),
]


def test_share_texts_from_samples(samples: Path) -> None:
    lines = [line for line in (samples / "douyin" / "share_texts.txt").read_text("utf-8").splitlines() if line.strip()]
    assert len(lines) == len(SHARE_TEXTS)
    for line, (kind, expected) in zip(lines, SHARE_TEXTS, strict=True):
        # the first line was logged with escapes; try it as logged and with the real characters
        variants = {line, line.replace("\\ufff4", "\ufff4").replace("\\xa0", "\xa0")}
        for text in variants:
            if kind == "NR":
                with pytest.raises(NeedsResolution) as info:
                    identify(text)
                assert info.value.url == expected and info.value.platform == "douyin"
            else:
                assert identify(text).post_key == f"douyin:{expected}"


def test_declarations() -> None:
    assert isinstance(douyin, DouyinCollector)
    assert douyin.block_threshold == 1 and douyin.max_concurrency == 1 and douyin.min_interval >= 5
    assert "ttwid.bytedance.com" in douyin.hosts
    assert {"ttwid", "msToken", "sessionid"} <= set(douyin.cookie_names)
    assert douyin.canonical_url(ID) == f"https://www.douyin.com/video/{ID}"
    assert douyin.fetch_params(f"https://www.douyin.com/video/{ID}") == {}


# -- cases (../shared/cases/bug_cases.jsonl, rewritten with invented data) -----------------------


def test_case_e13_01_share_text_with_dou_yin_spelling() -> None:
    text = "5.17 Xyz:/ 国庆安保一线 # 守护平安 https://v.douyin.com/kQz9Lm3p/ 复制此链接，打开Dou音搜索，直接观看视频！"
    with pytest.raises(NeedsResolution) as info:
        identify(text)
    assert info.value.url == "https://v.douyin.com/kQz9Lm3p/"


def test_case_e13_02_share_page_id_not_music_id() -> None:
    ref = identify(
        "https://www.iesdouyin.com/share/video/7411111111111111111/?region=CN&mid=7322222222222222222&u_code=0&from_aid=6383"
    )
    assert ref.post_key == "douyin:7411111111111111111"


def test_case_e13_04_tracking_parameters_ignored() -> None:
    ref = identify("https://www.douyin.com/video/7433333333333333333?previous_page=app_code_link&enter_from=main")
    assert ref.post_key == "douyin:7433333333333333333"


def test_case_e13_05_note_is_the_same_id_space() -> None:
    assert identify("https://www.douyin.com/note/7444444444444444444").post_key == "douyin:7444444444444444444"
    assert identify("https://www.douyin.com/slides/7444444444444444444").post_key == "douyin:7444444444444444444"


def test_case_e12_01_empty_200_is_blocked() -> None:
    url = f"https://www.douyin.com/aweme/v1/web/aweme/detail/?aweme_id={ID}&msToken=&a_bogus=MADEUP"
    for body in (b"", b"  \n"):
        with pytest.raises(Blocked) as info:
            douyin.parse(raw(body, url=url), ID)
        assert "empty page" in info.value.message and "anti-bot" in info.value.message
        assert not info.value.retryable


def test_case_e12_02_error_page_fragment_is_blocked() -> None:
    fragment = (
        '<div class="special-case"><div><span class="special-font-title">抱歉出错了</span></div>'
        '<div class="special-case-subtitle"><span class="special-font-subtitle">请尝试在抖音内观看</span></div></div>'
    )
    with pytest.raises(Blocked, match="抱歉出错了"):
        douyin.parse(raw(fragment.encode()), ID)
    with pytest.raises(Blocked):  # one of the two lines is enough
        douyin.parse(raw("<p>请尝试在抖音内观看</p>".encode()), ID)


def test_case_e02_07_display_string_lower_bound() -> None:
    count = parse_count("10万+")
    assert count is not None and count.value == 100000 and count.kind is CountKind.LOWER_BOUND
    assert json_count("10万+") == count
    parsed = douyin.parse(fixture("aweme_detail_display_strings.json"), "7400000000000000005")
    likes, comments = parsed.metrics.likes, parsed.metrics.comments
    assert likes is not None and likes.value == 100000 and likes.kind is CountKind.LOWER_BOUND
    assert likes.raw == "10万+" and likes.high is None
    assert comments is not None and comments.value == 12000 and comments.kind is CountKind.APPROXIMATE
    assert parsed.metrics.favorites is None and any("favorites" in w for w in parsed.warnings)


# -- samples -------------------------------------------------------------------------------------

# Values read from ../shared/samples/douyin (real responses), checked by hand.
SAMPLE_OK = {
    "web_aweme_detail_video_ok.json": (
        "7554555892894436666",
        {"likes": 3, "comments": 0, "shares": 0, "favorites": 0},
        {"recommends": 0},
        None,
        "王叨叨",
        datetime(2025, 9, 27, 0, 15, 15, tzinfo=timezone.utc),
    ),
    "web_aweme_detail_note_ok.json": (
        "7469411074119322899",
        {"likes": 3059, "comments": 136, "shares": 1338, "favorites": 363},
        {"recommends": 153},
        "不老实的Mortis.#mygo #长崎素世 #若叶睦",
        "kamada",
        datetime(2025, 2, 9, 13, 30, 1, tzinfo=timezone.utc),
    ),
}
SAMPLE_ERRORS: dict[str, type[CollectError]] = {
    "app_aweme_detail_filtered_copyright_foreign.json": Unavailable,
    "share_page_risk_control_fragment.html": Blocked,
    "web_api_blocked_argus_403.txt": Blocked,
}
SAMPLE_IDENTITY = {"share_texts.txt"}


def test_every_sample_is_covered(samples: Path) -> None:
    names = {p.name for p in (samples / "douyin").iterdir() if not p.name.endswith(".source.txt")}
    assert names == set(SAMPLE_OK) | set(SAMPLE_ERRORS) | SAMPLE_IDENTITY


@pytest.mark.parametrize("name", sorted(SAMPLE_OK))
def test_samples_ok(samples: Path, name: str) -> None:
    post_id, metrics, extra, title, author, published = SAMPLE_OK[name]
    for wanted in (post_id, None):
        parsed = douyin.parse(raw((samples / "douyin" / name).read_bytes()), wanted)
        assert parsed.platform == "douyin" and parsed.post_id == post_id
        assert parsed.metrics.views is None  # play_count 0 on the web: not shown, never 0
        assert PLAYS_NOT_PUBLIC in parsed.warnings
        for metric, value in metrics.items():
            count = parsed.metrics.get(metric)
            assert count is not None and count.value == value and count.kind is CountKind.EXACT, metric
        assert {k: v.value for k, v in parsed.metrics.extra.items()} == extra
        assert (parsed.title, parsed.author, parsed.published_at) == (title, author, published)


def test_sample_answer_for_another_post_is_refused(samples: Path) -> None:
    with pytest.raises(ParseError, match="not for the requested"):
        douyin.parse(raw((samples / "douyin" / "web_aweme_detail_note_ok.json").read_bytes()), ID)


@pytest.mark.parametrize("name", sorted(SAMPLE_ERRORS))
@pytest.mark.parametrize("status", [200, 403])
def test_sample_errors(samples: Path, name: str, status: int) -> None:
    # with HTTP 403 every answer is a refusal first (a filtered envelope on a 403 is not trusted)
    error = SAMPLE_ERRORS[name] if status == 200 else Blocked
    with pytest.raises(error) as info:
        douyin.parse(raw((samples / "douyin" / name).read_bytes(), status))
    assert info.value.message


def test_sample_filter_reason_is_in_the_message(samples: Path) -> None:
    body = (samples / "douyin" / "app_aweme_detail_filtered_copyright_foreign.json").read_bytes()
    with pytest.raises(Unavailable, match="copyright_foreign") as info:
        douyin.parse(raw(body), "7683878399252733433")
    assert "region" in info.value.message
    with pytest.raises(ParseError):  # the filter names another post
        douyin.parse(raw(body), ID)


def test_sample_argus_message(samples: Path) -> None:
    with pytest.raises(Blocked, match="Uifid Not Found"):
        douyin.parse(raw((samples / "douyin" / "web_api_blocked_argus_403.txt").read_bytes(), 403))


# -- fixtures: every other branch ----------------------------------------------------------------


def test_fixture_ok() -> None:
    parsed = douyin.parse(fixture("aweme_detail_ok.json"), ID)
    m = parsed.metrics
    assert [m.get(k).value for k in ("likes", "comments", "shares", "favorites")] == [5230, 96, 1204, 418]  # type: ignore[union-attr]
    assert m.views is None and {k: v.value for k, v in m.extra.items()} == {"recommends": 27}
    assert "admires" not in m.extra  # admire_count is never shown non-zero: not recorded
    assert parsed.title == "夏夜平安行动：防范电信诈骗，从不转账开始 #反诈" and parsed.author == "示范县公安局"
    assert parsed.published_at == datetime(2026, 6, 20, 1, 0, tzinfo=timezone.utc)
    assert parsed.warnings == (PLAYS_NOT_PUBLIC,)


def test_nonzero_play_count_is_not_recorded() -> None:
    parsed = douyin.parse(fixture("aweme_detail_play_count_nonzero.json"), "7400000000000000006")
    assert parsed.metrics.views is None
    assert any("987654" in w and "not recorded" in w for w in parsed.warnings)


def test_missing_counter_is_none_with_a_warning() -> None:
    parsed = douyin.parse(fixture("aweme_detail_missing_collect.json"), "7400000000000000011")
    assert parsed.metrics.favorites is None and any("favorites" in w for w in parsed.warnings)
    assert parsed.metrics.shares is not None and parsed.title == "反诈课堂第三讲"


@pytest.mark.parametrize(
    ("name", "error", "needle"),
    [
        ("aweme_detail_deleted.json", Unavailable, "deleted"),
        ("aweme_detail_private.json", Unavailable, "private"),
        ("aweme_detail_prohibited.json", Unavailable, "taken the post down"),
        ("filtered_status_self_see.json", Unavailable, "author only"),
        ("filtered_unknown_reason.json", Unavailable, "invented_new_reason"),
        ("null_without_reason.json", ParseError, "without a reason"),
        ("status_login.json", AuthRequired, "用户未登录"),
        ("status_too_frequent.json", Blocked, "status_code 2154"),
        ("status_not_exist.json", Unavailable, "作品不存在"),
        ("status_encrypt_data_miss.json", Blocked, "signed request"),
        ("status_unknown.json", ParseError, "does not know"),
        ("aweme_detail_no_statistics.json", ParseError, "without statistics"),
        ("aweme_detail_mixed_ids.json", ParseError, "two posts"),
        ("not_douyin_json.json", ParseError, "expected Douyin"),
        ("share_page_router_data_filtered.html", Unavailable, "该内容已被发布者删除"),
        ("share_page_router_data_no_video_info.html", NotSupported, "no post data"),
        ("waf_challenge.html", Blocked, "challenge"),
        ("unknown_page.html", ParseError, "expected Douyin"),
    ],
)
def test_error_fixtures(name: str, error: type[CollectError], needle: str) -> None:
    with pytest.raises(error) as info:
        douyin.parse(fixture(name))
    assert type(info.value) is error and needle in info.value.message


def test_filtered_detail_message_is_kept() -> None:
    with pytest.raises(Unavailable, match="因作者设置"):
        douyin.parse(fixture("filtered_status_self_see.json"), "7400000000000000014")


def test_share_page_with_embedded_state() -> None:
    parsed = douyin.parse(fixture("share_page_router_data_ok.html"), "7400000000000000018")
    m = parsed.metrics
    assert [m.get(k).value for k in ("likes", "comments", "shares", "favorites")] == [2310, 65, 140, 88]  # type: ignore[union-attr]
    assert m.views is None and m.extra == {} and parsed.author == "示范县公安局"
    with pytest.raises(ParseError):
        douyin.parse(fixture("share_page_router_data_ok.html"), ID)


def test_relay_wrapper_and_list_shapes() -> None:
    parsed = douyin.parse(fixture("relay_wrapped_ok.json"), "7400000000000000016")
    assert parsed.post_id == "7400000000000000016" and parsed.metrics.likes.value == 5230  # type: ignore[union-attr]
    parsed = douyin.parse(fixture("slidesinfo_ok.json"), "7400000000000000017")
    assert parsed.metrics.likes.value == 77  # type: ignore[union-attr]
    with pytest.raises(ParseError):  # the list does not hold the post asked for
        douyin.parse(fixture("slidesinfo_ok.json"), ID)


def test_under_review_is_recorded_with_a_warning() -> None:
    body = detail()
    body["aweme_detail"]["status"]["in_reviewing"] = True
    parsed = douyin.parse(raw(json.dumps(body).encode()), ID)
    assert parsed.metrics.likes is not None and any("under review" in w for w in parsed.warnings)


def test_share_page_listing_other_posts_is_refused() -> None:
    page = fixture_bytes("douyin", "share_page_router_data_ok.html").decode()
    page = page.replace('"item_list": [', '"item_list": [{"aweme_id": "7400000000000000099"}, ', 1)
    with pytest.raises(ParseError, match="other posts"):
        douyin.parse(raw(page.encode()), "7400000000000000098")
    body = {
        "status_code": 0,
        "aweme_details": [{"aweme_id": "7400000000000000097"}, {"aweme_id": "7400000000000000096"}],
    }
    with pytest.raises(ParseError, match="without the requested"):
        douyin.parse(raw(json.dumps(body).encode()), ID)


def test_answer_for_another_post_is_refused() -> None:
    with pytest.raises(ParseError, match="not for the requested"):
        douyin.parse(fixture("aweme_detail_ok.json"), "7499999999999999999")


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"", 403, Blocked),
        (b"", 429, RateLimited),
        (b"", 502, NetworkError),
        (b"", 404, ParseError),
        (b"blocked", 200, Blocked),
        (b"Blocked by ArgusSecurityPlugin Validate Error", 403, Blocked),
        (b"<html><body>Forbidden</body></html>", 403, Blocked),
        (b"<html><body>Forbidden</body></html>", 412, Blocked),
        (b"<html><body>Too Many Requests</body></html>", 429, RateLimited),
        (b"<html><body>Bad Gateway</body></html>", 503, NetworkError),
        (b"not json at all", 200, ParseError),
        (b"[1, 2]", 200, ParseError),
        (b"{broken json", 200, ParseError),
        (json.dumps({"status_code": 0, "aweme_detail": None}).encode(), 403, Blocked),
    ],
)
def test_bodies_by_status(body: bytes, status: int, error: type[CollectError]) -> None:
    with pytest.raises(error):
        douyin.parse(raw(body, status), ID)


# -- mutated answers (review): flags, codes and pages in other spellings ------------------------------


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("is_delete", 1, "deleted"),
        ("is_delete", "true", "deleted"),
        ("private_status", "1", "private"),
        ("private_status", True, "private"),
        ("is_prohibited", 1, "taken the post down"),
    ],
)
def test_status_flags_sent_as_numbers_or_text_are_errors(key: str, value: Any, needle: str) -> None:
    body = detail()
    body["aweme_detail"]["status"][key] = value
    with pytest.raises(Unavailable, match=needle):
        douyin.parse(raw(json.dumps(body).encode()), ID)


@pytest.mark.parametrize(("key", "value"), [("is_delete", 0), ("is_delete", "false"), ("private_status", "0")])
def test_status_flags_that_are_off_keep_the_snapshot(key: str, value: Any) -> None:
    body = detail()
    body["aweme_detail"]["status"][key] = value
    assert douyin.parse(raw(json.dumps(body).encode()), ID).metrics.likes is not None


@pytest.mark.parametrize(
    "statistics", [{}, {"aweme_id": ID, "play_count": 0}, {"digg_count": None, "comment_count": "--"}]
)
def test_statistics_without_any_counter_is_a_parse_error(statistics: dict[str, Any]) -> None:
    body = detail()
    body["aweme_detail"]["statistics"] = statistics
    with pytest.raises(ParseError, match="no readable counter"):
        douyin.parse(raw(json.dumps(body).encode()), ID)


def test_json_saved_with_a_byte_order_mark_is_read() -> None:
    parsed = douyin.parse(raw(b"\xef\xbb\xbf" + fixture_bytes("douyin", "aweme_detail_ok.json")), ID)
    assert parsed.metrics.likes is not None and parsed.metrics.likes.value == 5230


def test_status_code_sent_as_text() -> None:
    body = detail()
    body["status_code"] = "0"
    assert douyin.parse(raw(json.dumps(body).encode()), ID).metrics.likes is not None
    with pytest.raises(Blocked, match="signed request"):
        douyin.parse(raw(json.dumps({"status_code": "11110", "aweme_detail": None}).encode()), ID)


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>验证码中间页</title></head><body><div id='captcha_container'></div></body></html>",
        "<html><body><script src='https://lf.invented-cdn.com/obj/secsdk/secsdk-captcha.js'></script></body></html>",
        "<html><body><div class='verify-bar'>请完成下列验证后继续: 滑块验证</div></body></html>",
    ],
)
def test_captcha_pages_are_blocked(page: str) -> None:
    with pytest.raises(Blocked, match="captcha"):
        douyin.parse(raw(page.encode()), ID)


@pytest.mark.parametrize(("status", "error"), [(403, Blocked), (461, Blocked), (500, NetworkError), (302, ParseError)])
def test_share_page_with_an_error_status_is_not_a_snapshot(status: int, error: type[CollectError]) -> None:
    with pytest.raises(error):
        douyin.parse(raw(fixture_bytes("douyin", "share_page_router_data_ok.html"), status), "7400000000000000018")


# -- fetch through Http with a mock transport -----------------------------------------------------

TTWID = "1%7CinventedTtwidValue000%7C1781917200%7Cabcdef"


def detail(post_id: str = ID) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(fixture_bytes("douyin", "aweme_detail_ok.json"))
    body["aweme_detail"]["aweme_id"] = post_id
    body["aweme_detail"]["statistics"]["aweme_id"] = post_id
    body["aweme_detail"]["status"]["aweme_id"] = post_id
    return body


class Platform:
    """A fake Douyin: the ttwid register endpoint and the detail API."""

    def __init__(self, handshake: httpx.Response | None = None, answer: httpx.Response | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.handshake = handshake
        self.answer = answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host == "ttwid.bytedance.com":
            if self.handshake is not None:
                return self.handshake
            return httpx.Response(
                200,
                json={"status_code": 0, "redirect_url": ""},
                headers={"Set-Cookie": f"ttwid={TTWID}; Path=/; Domain=.bytedance.com; Max-Age=31536000; HttpOnly"},
            )
        if request.url.path == "/aweme/v1/web/aweme/detail/":
            if self.answer is not None:
                return self.answer
            return json_response(detail(request.url.params["aweme_id"]))
        return httpx.Response(404)  # pragma: no cover - not asked

    def of(self, host: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.host == host]


def fetch_all(settings: Settings, platform: Platform, ids: list[str]) -> list[RawResponse | CollectError]:
    async def go() -> list[RawResponse | CollectError]:
        out: list[RawResponse | CollectError] = []
        async with Http(settings, transport=httpx.MockTransport(platform)) as http:
            for post_id in ids:
                try:
                    out.append(await douyin.fetch(http, PostRef("douyin", post_id)))
                except CollectError as exc:
                    out.append(exc)
        return out

    return asyncio.run(go())


def test_fetch_registers_an_anonymous_ttwid_once(fast_settings: Settings) -> None:
    platform = Platform()
    other = "7400000000000000002"
    answers = fetch_all(fast_settings, platform, [ID, other])
    assert len(platform.of("ttwid.bytedance.com")) == 1  # the second post reuses the cookie
    register = platform.of("ttwid.bytedance.com")[0]
    assert register.method == "POST" and str(register.url) == TTWID_URL
    assert json.loads(register.content) == TTWID_BODY
    assert "application/json" in register.headers["content-type"]
    gets = platform.of("www.douyin.com")
    assert [g.url.params["aweme_id"] for g in gets] == [ID, other]
    for get, post_id in zip(gets, [ID, other], strict=True):
        assert get.method == "GET" and str(get.url).startswith(DETAIL_URL)
        params = get.url.params
        assert (params["aid"], params["device_platform"]) == ("6383", "webapp")
        assert "a_bogus" not in params and "msToken" not in params
        assert f"ttwid={TTWID}" in get.headers["cookie"]
        assert get.headers["referer"] == f"https://www.douyin.com/video/{post_id}"
        ua = get.headers["user-agent"]
        assert "Mozilla" in ua and "python" not in ua.lower() and "reach" not in ua.lower()
    parsed = [douyin.parse(a, p) for a, p in zip(answers, [ID, other], strict=True) if isinstance(a, RawResponse)]
    assert [p.post_id for p in parsed] == [ID, other]


@pytest.mark.parametrize(
    "handshake",
    [
        httpx.Response(200, json={"status_code": 0}),  # no cookie
        httpx.Response(403, text="Forbidden"),
        httpx.Response(200, headers={"Set-Cookie": "ttwid=; Path=/"}),  # empty value
    ],
)
def test_failed_handshake_is_blocked_and_sends_no_detail_request(
    fast_settings: Settings, handshake: httpx.Response
) -> None:
    platform = Platform(handshake=handshake)
    [answer] = fetch_all(fast_settings, platform, [ID])
    assert isinstance(answer, Blocked) and "handshake" in answer.message and "cookies" in answer.message
    assert platform.of("www.douyin.com") == []


def test_user_cookies_skip_the_handshake(fast_settings: Settings, tmp_path: Path) -> None:
    jar = tmp_path / "douyin_cookies.txt"
    jar.write_text(
        "# Netscape HTTP Cookie File\n"
        ".douyin.com\tTRUE\t/\tFALSE\t4102444800\tttwid\tuser-ttwid-SECRET\n"
        ".douyin.com\tTRUE\t/\tFALSE\t4102444800\tsessionid\tuser-session-SECRET\n",
        encoding="utf-8",
    )
    jar.chmod(0o600)  # a cookie file others can read is warned about
    platform = Platform()
    [answer] = fetch_all(fast_settings.with_(cookies={"douyin": jar}), platform, [ID])
    assert isinstance(answer, RawResponse) and answer.status == 200
    assert platform.of("ttwid.bytedance.com") == []
    cookie = platform.of("www.douyin.com")[0].headers["cookie"]
    assert "ttwid=user-ttwid-SECRET" in cookie and "sessionid=user-session-SECRET" in cookie


def test_blocked_once_stops_the_run(fast_settings: Settings) -> None:
    platform = Platform(answer=httpx.Response(403, text="Blocked by ArgusSecurityPlugin Uifid Not Found"))
    ids = ["7400000000000000001", "7400000000000000002", "7400000000000000003"]
    summary = Engine(None, fast_settings, transport=httpx.MockTransport(platform)).run(
        [PostRef("douyin", i) for i in ids]
    )
    assert summary.counts == {OutcomeStatus.BLOCKED: 3}
    assert len(platform.of("www.douyin.com")) == 1  # never hammer a 403


def test_engine_records_counts_without_views(fast_settings: Settings) -> None:
    summary = Engine(None, fast_settings, transport=httpx.MockTransport(Platform())).run([PostRef("douyin", ID)])
    assert summary.ok == 1


# -- short links -----------------------------------------------------------------------------------


def short_link_platform(request: httpx.Request) -> httpx.Response:
    host, path = request.url.host, request.url.path
    routes = {
        (
            "v.douyin.com",
            "/good/",
        ): "https://www.iesdouyin.com/share/video/7400000000000000021/?region=CN&mid=7300000000000000009",
        ("v.douyin.com", "/note/"): "/share-hop/",
        ("v.douyin.com", "/share-hop/"): "https://www.iesdouyin.com/share/note/7400000000000000022/",
        ("jx.douyin.com", "/Ab3dE_f"): "https://jingxuan.douyin.com/m/video/7400000000000000023?app=yumme",
        ("v.douyin.com", "/xigua/"): "https://www.ixigua.com/7400000000000000024",
        ("v.douyin.com", "/evil/"): "https://evil.example/video/7400000000000000025",
        ("v.douyin.com", "/handshake/"): "https://ttwid.bytedance.com/ttwid/union/register/",
        ("v.douyin.com", "/profile/"): "https://www.iesdouyin.com/share/user/MS4wLjABAAAAinvented?u_code=0",
        ("v.douyin.com", "/login/"): "https://www.douyin.com/passport/web/login?next=x",
        ("v.douyin.com", "/risk/"): "https://www.iesdouyin.com/share/hop/",
        ("v.douyin.com", "/loop/"): "https://v.douyin.com/loop/",
    }
    if (host, path) in routes:
        return httpx.Response(302, headers={"Location": routes[(host, path)]})
    if (host, path) == ("www.iesdouyin.com", "/share/hop/"):
        return httpx.Response(200, text='<span class="special-font-title">抱歉出错了</span>')
    if (host, path) == ("v.douyin.com", "/argus/"):
        return httpx.Response(403, text="Blocked by ArgusSecurityPlugin Validate Error")
    if (host, path) == ("v.douyin.com", "/home/"):
        return httpx.Response(200, text="<html><body>抖音</body></html>")
    return httpx.Response(404, text="not found")


def resolve(settings: Settings, url: str) -> PostRef:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        assert request.url.host != "ttwid.bytedance.com"
        return short_link_platform(request)

    async def go() -> PostRef:
        async with Http(settings, transport=httpx.MockTransport(handler)) as http:
            return await douyin.resolve(http, url)

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("url", "post_id"),
    [
        ("https://v.douyin.com/good/", "7400000000000000021"),
        ("https://v.douyin.com/note/", "7400000000000000022"),
        ("https://jx.douyin.com/Ab3dE_f", "7400000000000000023"),
    ],
)
def test_resolve_short_links(fast_settings: Settings, url: str, post_id: str) -> None:
    ref = resolve(fast_settings, url)
    assert ref.post_key == f"douyin:{post_id}" and ref.url == url


@pytest.mark.parametrize(
    ("url", "error", "needle"),
    [
        ("https://v.douyin.com/gone/", Unavailable, "HTTP 404"),
        ("https://v.douyin.com/risk/", Blocked, "抱歉出错了"),
        ("https://v.douyin.com/argus/", Blocked, "ArgusSecurityPlugin"),
        ("https://v.douyin.com/login/", Blocked, "login"),
        ("https://v.douyin.com/profile/", UnsupportedURL, "profile"),
        ("https://v.douyin.com/xigua/", UnsupportedURL, "Xigua"),
        ("https://v.douyin.com/evil/", UnsupportedURL, "outside douyin"),
        ("https://v.douyin.com/handshake/", UnsupportedURL, "outside douyin"),
        ("https://v.douyin.com/loop/", UnsupportedURL, "redirects"),
        ("https://v.douyin.com/home/", UnsupportedURL, "did not lead"),
    ],
)
def test_resolve_dead_ends(fast_settings: Settings, url: str, error: type[Exception], needle: str) -> None:
    with pytest.raises(error, match=needle):
        resolve(fast_settings, url)


def test_classify_dead_end_directly() -> None:
    with pytest.raises(Blocked, match="empty page"):
        douyin.classify_dead_end(RawResponse(200, "https://www.iesdouyin.com/share/video/", b""))
    with pytest.raises(RateLimited):
        douyin.classify_dead_end(RawResponse(429, "https://v.douyin.com/x/", b""))
    with pytest.raises(Blocked):
        douyin.classify_dead_end(RawResponse(403, "https://v.douyin.com/x/", b"Forbidden"))
    douyin.classify_dead_end(RawResponse(200, "https://www.douyin.com/", b"<html>home</html>"))  # not an error page


# -- live ------------------------------------------------------------------------------------------


@pytest.mark.network
def test_live_public_note() -> None:
    """A real public image note (the one saved in samples/douyin/web_aweme_detail_note_ok.json)."""
    post_id = "7469411074119322899"

    async def go() -> RawResponse:
        async with Http(Settings()) as http:
            return await douyin.fetch(http, PostRef("douyin", post_id))

    try:
        parsed = douyin.parse(asyncio.run(go()), post_id)
    except (Blocked, RateLimited) as exc:
        pytest.skip(f"Douyin refused the anonymous request today: {exc.message}")
    assert parsed.post_id == post_id and parsed.metrics.views is None
    assert (
        parsed.metrics.likes is not None and parsed.metrics.likes.value is not None and parsed.metrics.likes.value > 0
    )
