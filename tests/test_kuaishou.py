"""kuaishou: identity (eids, share texts, short links), the mobile share page's INIT_STATE (obfuscated
keys), the GraphQL answer, result codes, fetch and short-link resolution against mock transports."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from reach import NeedsResolution, UnsupportedURL, identify
from reach.collect import Engine, outcome_from
from reach.collectors import get_collector
from reach.collectors.base import RawResponse
from reach.collectors.kuaishou import KuaishouCollector, decode_key
from reach.config import Settings
from reach.errors import (
    AuthRequired,
    Blocked,
    CollectError,
    NetworkError,
    ParseError,
    RateLimited,
    Unavailable,
)
from reach.http import IPHONE_USER_AGENT, Http
from reach.models import CountKind, OutcomeStatus, ParsedPost, PostRef

from .conftest import fixture_bytes, json_response

_collector = get_collector("kuaishou")
assert isinstance(_collector, KuaishouCollector)
ks: KuaishouCollector = _collector

EID = "3xq7fzm2ka9wdue"  # the invented post of our fixtures
PAGE = f"https://v.m.chenzhongtech.com/fw/photo/{EID}"


def raw(body: bytes | str | dict[str, Any], status: int = 200, url: str = PAGE, **headers: str) -> RawResponse:
    if isinstance(body, dict):
        body = json.dumps(body, ensure_ascii=False)
    if isinstance(body, str):
        body = body.encode()
    return RawResponse(status=status, url=url, body=body, headers=headers)


def encode(text: str) -> str:
    """Kuaishou's key obfuscation: every character shifted by +1."""
    return "".join(chr(ord(c) + 1) for c in text)


def photo(eid: str = EID, **fields: Any) -> dict[str, Any]:
    """A mobile share-page ``photo`` object in the real shape (invented values)."""
    base: dict[str, Any] = {
        "timestamp": 1767225600123,
        "likeCount": 321,
        "commentCount": 45,
        "forwardCount": 0,
        "viewCount": 9876,
        "shareCount": 12,
        "userName": "示范派出所",
        "photoType": "VIDEO",
        "caption": "防溺水安全提示",
        "photoId": "5200000000000000009",
        "share_info": f"userId=3xa1b2c3d4e5f6g&photoId={eid}",
        "photoStatus": 0,
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not ...}


def state(entry: dict[str, Any], *, obfuscated: bool = False, **others: dict[str, Any]) -> dict[str, Any]:
    """A window.INIT_STATE map holding ``entry`` as the photo/simple/info answer."""
    path = "/rest/wd/ugH5App/photo/simple/info"
    key = encode(f"string-{path}?kpn=NEBULA,object-kpn-{encode('string-NEBULA')}") if obfuscated else path
    out: dict[str, Any] = {"/rest/zt/share/w/web": {"result": 1, "share": {}}}
    out.update(others)
    out[key] = entry
    return out


def page(init_state: dict[str, Any] | str) -> str:
    text = init_state if isinstance(init_state, str) else json.dumps(init_state, ensure_ascii=False)
    head = "<!DOCTYPE html><html><head><title>快手</title></head><body>"
    return f"{head}<script>window.INIT_STATE = {text};</script></body></html>"


# -- identity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "post_id"),
    [
        ("https://www.kuaishou.com/short-video/3xhjgcmir24m4nm", "3xhjgcmir24m4nm"),
        (
            "https://www.kuaishou.com/short-video/3x3zxz4mjrsc8ke?authorId=3x84qugg4ch9zhs&streamSource=search",
            "3x3zxz4mjrsc8ke",
        ),
        ("https://video.kuaishou.com/short-video/3xburnkmj3auazc", "3xburnkmj3auazc"),
        ("http://kuaishou.com/short-video/3xburnkmj3auazc/", "3xburnkmj3auazc"),
        ("https://v.m.chenzhongtech.com/fw/photo/3xburnkmj3auazc", "3xburnkmj3auazc"),
        (
            "https://kph8gvfz.m.chenzhongtech.com/fw/photo/3xburnkmj3auazc?fid=1&shareToken=XAbCd&shareId=18000001",
            "3xburnkmj3auazc",
        ),
        ("https://v.m.chenzhongtech.com/fw/long-video/3xburnkmj3auazc?cc=share_copylink", "3xburnkmj3auazc"),
        ("https://m.gifshow.com/fw/photo/3xburnkmj3auazc", "3xburnkmj3auazc"),
        ("https://c.kuaishou.com/fw/photo/3xburnkmj3auazc", "3xburnkmj3auazc"),
        ("https://v.m.chenzhongtech.com/fw/user/3x84qugg4ch9zhs?photoId=3xq7fzm2ka9wdue&fid=2", EID),
        ("https://www.kuaishou.com/short-video/3XBURNKMJ3AUAZC", "3xburnkmj3auazc"),  # case folded
        ("kuaishou:3xburnkmj3auazc", "3xburnkmj3auazc"),
        ("快手作品 【反诈】 https://www.kuaishou.com/short-video/3xq7fzm2ka9wdue，复制打开", EID),
    ],
)
def test_identify_kuaishou(text: str, post_id: str) -> None:
    ref = identify(text)
    assert (ref.platform, ref.post_id, ref.post_key) == ("kuaishou", post_id, f"kuaishou:{post_id}")


@pytest.mark.parametrize(
    "url",
    [
        "https://v.kuaishou.com/2pESOe",
        "https://v.kuaishou.com/n7VXyJZ1",
        "https://www.kuaishou.com/f/X-6ew1IHeJ6gJ1fl",
        "http://www.gifshow.com/s/yvEcB84Z",
    ],
)
def test_short_links_need_resolution(url: str) -> None:
    with pytest.raises(NeedsResolution) as info:
        identify(url)
    assert info.value.platform == "kuaishou" and info.value.url == url


@pytest.mark.parametrize(
    "text",
    [
        "https://www.kuaishou.com/profile/3x84qugg4ch9zhs",  # an author, not a post
        "https://www.kuaishou.com/",
        "https://kuaishou.com.evil.example/short-video/3xburnkmj3auazc",
        "https://www.kuaishou.com/short-video/3xab",  # too short for an eid
        "https://v.m.chenzhongtech.com/fw/user/3x84qugg4ch9zhs?photoId=5239938275131911888",
    ],
)
def test_not_a_post(text: str) -> None:
    with pytest.raises(UnsupportedURL):
        identify(text)


def test_numeric_photo_id_needs_resolution() -> None:
    # the internal numeric id cannot be turned into the eid offline: the page it opens names it
    with pytest.raises(NeedsResolution):
        identify("https://m.gifshow.com/fw/photo/5239938275131911888")


def test_share_tokens_are_fetch_parameters_not_identity() -> None:
    a = identify(
        f"https://v.m.chenzhongtech.com/fw/photo/{EID}?fid=1000&cc=share_copylink&shareToken=XAbCd_1"
        "&shareId=18000001&shareMethod=TOKEN&evil=%3Cscript%3E&shareObjectId=%3Cx%3E"
    )
    b = identify(f"https://www.kuaishou.com/short-video/{EID}")
    assert a == b
    assert a.params == {"fid": "1000", "shareToken": "XAbCd_1", "shareId": "18000001", "shareMethod": "TOKEN"}
    assert b.params == {}


# What each line of samples/kuaishou/share_texts.txt names: a post id, or a short link to resolve.
SHARE_TEXTS = {
    1: NeedsResolution,  # v.kuaishou.com + "该作品在快手被播放过915.5万次" (ignored)
    2: NeedsResolution,  # "1,685.1万次" (ignored)
    3: NeedsResolution,
    4: NeedsResolution,  # "已售152.2万" (ignored)
    5: NeedsResolution,  # gifshow.com/s/<code>
    6: "3xhjgcmir24m4nm",
    7: "3x3zxz4mjrsc8ke",
    8: "3xburnkmj3auazc",
    9: NeedsResolution,  # www.kuaishou.com/f/<code>
}


def test_every_share_text_identifies(samples: Path) -> None:
    lines = [line for line in (samples / "kuaishou" / "share_texts.txt").read_text("utf-8").splitlines() if line]
    assert len(lines) == len(SHARE_TEXTS)
    for number, line in enumerate(lines, start=1):
        expected = SHARE_TEXTS[number]
        if expected is NeedsResolution:
            with pytest.raises(NeedsResolution) as info:
                identify(line)
            assert info.value.platform == "kuaishou", line
            assert "万" not in info.value.url
        else:
            ref = identify(line)
            assert ref.post_key == f"kuaishou:{expected}", line


def test_declarations() -> None:
    assert ks.max_concurrency == 1 and ks.min_interval >= 3
    assert {"kuaishou.com", "chenzhongtech.com", "gifshow.com"} <= set(ks.hosts)
    assert "did" in ks.cookie_names
    assert ks.canonical_url(EID) == f"https://www.kuaishou.com/short-video/{EID}"


def test_decode_key() -> None:
    assert decode_key("0sftu0xe0vhI6Bqq0qipup0tjnqmf0jogp") == "/rest/wd/ugH5App/photo/simple/info"
    # the page writes '/' as \u002F inside keys; a saved state may keep the escape as text
    assert decode_key("tusjoh.0sftu@lqo\\u003EOFCVMB") == "string-/rest?kpn=NEBULA"


# -- samples -----------------------------------------------------------------------------------

# Values read by hand from ../shared/samples/kuaishou (real responses).
SAMPLE_OK: dict[str, tuple[str, dict[str, int | None], str, str, datetime]] = {
    "mobile_share_init_state_video_decoded.json": (
        "3xburnkmj3auazc",
        {"views": 679835, "likes": 34728, "comments": 2420, "shares": 2404, "favorites": None},
        "杰哥竟是我自己😂😂 #清夏乐园大秘境 #原神 #COS",
        "冰心汤圆",
        datetime(2023, 8, 9, 8, 49, 22, 433000, tzinfo=timezone.utc),
    ),
    "mobile_share_init_state_atlas_decoded.json": (
        "3xe2yqfiubwxnm6",
        {"views": 235188, "likes": 2383, "comments": 59, "shares": None, "favorites": None},
        "@我要上热门 @快手热点 #颜值气质美女完美身材 #御姐风 #气质御姐范",
        "东方一代天骄",
        datetime(2025, 1, 29, 13, 24, 8, 793000, tzinfo=timezone.utc),
    ),
    "mobile_share_init_state_raw_obfuscated_keys.json": (
        "3xracyppqmf35ai",
        {"views": 376655, "likes": 29185, "comments": 189, "shares": 1490, "favorites": None},
        "听党指挥！能打胜仗！作风优良！（视频画面来自号手就位！但视频内容是真实的，可以在军事纪实查的到！）",
        "探员也想剪",
        datetime(2026, 2, 16, 13, 35, 42, 397000, tzinfo=timezone.utc),
    ),
}
SAMPLE_GRAPHQL = "graphql_visionVideoDetail_ok.json"
SAMPLE_ERRORS: dict[str, tuple[type[CollectError], str]] = {
    "error_antispam_need_captcha_2001.json": (Blocked, "captcha"),
    "error_result_2_rate_limited_or_desktop_ua.json": (Blocked, "desktop User-Agent"),
    "error_signature_failed_50.json": (Blocked, "signature"),
    "error_param_format_21.json": (ParseError, "request parameters are malformed"),
}
SAMPLE_IDENTITY = ["share_texts.txt"]


def test_every_sample_is_covered(samples: Path) -> None:
    names = {p.name for p in (samples / "kuaishou").iterdir() if not p.name.endswith(".source.txt")}
    assert names == set(SAMPLE_OK) | {SAMPLE_GRAPHQL} | set(SAMPLE_ERRORS) | set(SAMPLE_IDENTITY)


def check(parsed: ParsedPost, metrics: dict[str, int | None]) -> None:
    for metric, value in metrics.items():
        count = parsed.metrics.get(metric)
        if value is None:
            assert count is None, metric
        else:
            assert count is not None and count.value == value and count.kind is CountKind.EXACT, metric


@pytest.mark.parametrize("name", sorted(SAMPLE_OK))
def test_samples_ok(samples: Path, name: str) -> None:
    post_id, metrics, title, author, published = SAMPLE_OK[name]
    body = (samples / "kuaishou" / name).read_bytes()
    parsed = ks.parse(raw(body, url=ks.share_page_url(post_id)), post_id)
    assert parsed.post_id == post_id
    check(parsed, metrics)
    assert (parsed.title, parsed.author, parsed.published_at) == (title, author, published)
    assert any("favorites" in w for w in parsed.warnings)
    # also read without knowing the post (`reach parse FILE`): the answer names it
    assert ks.parse(raw(body, url=ks.canonical_url("unknown"))).post_id == post_id


def test_image_set_has_no_share_count(samples: Path) -> None:
    parsed = ks.parse(raw((samples / "kuaishou" / "mobile_share_init_state_atlas_decoded.json").read_bytes()))
    assert parsed.metrics.shares is None
    assert any("shares not shown" in w and "ATLAS" in w for w in parsed.warnings)


@pytest.mark.parametrize("name", sorted(SAMPLE_OK))
def test_samples_answer_for_another_post_is_refused(samples: Path, name: str) -> None:
    with pytest.raises(ParseError, match="not for the requested"):
        ks.parse(raw((samples / "kuaishou" / name).read_bytes()), EID)


def test_sample_graphql_rounded_counts(samples: Path) -> None:
    parsed = ks.parse(raw((samples / "kuaishou" / SAMPLE_GRAPHQL).read_bytes()), "3xfg9g3udsuzi7e")
    views, likes = parsed.metrics.views, parsed.metrics.likes
    assert views is not None and (views.value, views.kind, views.granularity, views.raw) == (
        57833000,
        CountKind.APPROXIMATE,
        1000,
        "5783.3万",
    )
    # realLikeCount 695509 is exact and inside the shown "69.6万": the better likes value
    assert likes is not None and (likes.value, likes.kind) == (695509, CountKind.EXACT)
    assert parsed.metrics.comments is None and parsed.metrics.shares is None and parsed.metrics.favorites is None
    assert parsed.author == "小弹簧（训练招生）"  # U+3164 filler stripped
    assert parsed.title is not None and parsed.title.startswith("所以立定跳远")
    assert parsed.published_at == datetime(2025, 4, 12, 4, 9, 0, 621000, tzinfo=timezone.utc)
    assert any("comments" in w for w in parsed.warnings) and any("shares" in w for w in parsed.warnings)


@pytest.mark.parametrize("name", sorted(SAMPLE_ERRORS))
def test_sample_errors(samples: Path, name: str) -> None:
    error, words = SAMPLE_ERRORS[name]
    with pytest.raises(error) as info:
        ks.parse(raw((samples / "kuaishou" / name).read_bytes()))
    assert type(info.value) is error
    assert words in info.value.message and "nothing recorded" in info.value.message


# -- our fixtures: the full share page ---------------------------------------------------------


def test_saved_share_page_with_obfuscated_state() -> None:
    parsed = ks.parse(raw(fixture_bytes("kuaishou", "share_page_ok.html")), EID)
    assert parsed.post_id == EID
    # the recommended photos and the comment list of the same page are other numbers: not taken
    check(parsed, {"views": 1234567, "likes": 45678, "comments": 2345, "shares": 678, "favorites": None})
    assert parsed.author == "示范县公安局反诈中心"
    assert parsed.title == "反诈宣传：陌生来电要警惕，转账之前先核实 #反诈 #平安"
    assert parsed.published_at == datetime(2026, 1, 1, 0, 0, 0, 123000, tzinfo=timezone.utc)


def test_saved_share_page_for_another_post_is_refused() -> None:
    with pytest.raises(ParseError, match="not for the requested 3xburnkmj3auazc"):
        ks.parse(raw(fixture_bytes("kuaishou", "share_page_ok.html")), "3xburnkmj3auazc")


def test_captcha_page_is_blocked() -> None:
    with pytest.raises(Blocked, match="captcha"):
        ks.parse(raw(fixture_bytes("kuaishou", "captcha_page.html")), EID)


def test_changed_page_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="without window.INIT_STATE"):
        ks.parse(raw(fixture_bytes("kuaishou", "changed_page.html")), EID)


def test_desktop_page_is_a_parse_error() -> None:
    body = '<html><script>window.__APOLLO_STATE__ = {"defaultClient": {}};</script></html>'
    with pytest.raises(ParseError, match="desktop page"):
        ks.parse(raw(body), EID)


def test_slow_down_page_is_rate_limited() -> None:
    with pytest.raises(RateLimited):
        ks.parse(raw("<html><body><p>请求过快，请稍后重试</p></body></html>"), EID)


def test_unreadable_state_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="cannot be read"):
        ks.parse(raw(page('{"/rest/wd/ugH5App/photo/simple/info": {"result": 1, "photo": {')), EID)


@pytest.mark.parametrize("obfuscated", [False, True])
def test_page_state_both_key_forms(obfuscated: bool) -> None:
    parsed = ks.parse(raw(page(state({"result": 1, "photo": photo()}, obfuscated=obfuscated))), EID)
    check(parsed, {"views": 9876, "likes": 321, "comments": 45, "shares": 12})


def test_obfuscated_key_names_the_post_when_share_info_is_gone() -> None:
    key = encode(
        "string-/rest/wd/ugH5App/photo/simple/info?kpn=NEBULA,object-kpn-"
        + encode("string-NEBULA")
        + "-photoId-"
        + encode(f"string-{EID}")
    )
    body = {key: {"result": 1, "photo": photo(share_info=...)}}
    assert ks.parse(raw(body, url=ks.canonical_url("unknown"))).post_id == EID
    with pytest.raises(ParseError, match="not for the requested"):
        ks.parse(raw(body), "3xburnkmj3auazc")


def test_answer_naming_two_posts_is_refused() -> None:
    key = encode(
        "string-/rest/wd/ugH5App/photo/simple/info?kpn=NEBULA,object-photoId-" + encode("string-3xburnkmj3auazc")
    )
    with pytest.raises(ParseError, match="several posts"):
        ks.parse(raw({key: {"result": 1, "photo": photo()}}))


def test_answer_naming_no_post() -> None:
    body = state({"result": 1, "photo": photo(share_info=...)})
    # the page we asked for names the post: accepted
    assert ks.parse(raw(body, url=PAGE), EID).post_id == EID
    # nothing names it: refused
    with pytest.raises(ParseError, match="does not say which post"):
        ks.parse(raw(body, url=ks.canonical_url("unknown")))


def test_entry_found_by_shape_when_the_key_scheme_changes() -> None:
    body = {"k1": {"result": 1, "data": {}}, "k2": {"result": 1, "photo": photo()}}
    assert ks.parse(raw(body), EID).metrics.views is not None


@pytest.mark.parametrize(
    ("entry", "error", "words"),
    [
        ({"result": 2001, "error_msg": "[2001] antispam need captcha"}, Blocked, "captcha"),
        ({"result": 2, "error_msg": None}, Blocked, "throttled"),
        ({"result": 50, "error_msg": "签名验证失败"}, Blocked, "signature"),
        ({"result": 21, "error_msg": "参数格式错误"}, ParseError, "malformed"),
        ({"result": 109, "error_msg": "invented"}, ParseError, "result 109"),
        ({"error_msg": "no result at all"}, ParseError, "no 'result'"),
        ({"result": 1}, ParseError, "without a photo"),
    ],
)
def test_photo_entry_result_codes(entry: dict[str, Any], error: type[CollectError], words: str) -> None:
    for body in (page(state(entry, obfuscated=True)), json.dumps(state(entry))):
        with pytest.raises(error) as info:
            ks.parse(raw(body), EID)
        assert type(info.value) is error and words in info.value.message


def test_state_without_photo_entry() -> None:
    with pytest.raises(ParseError, match="no /rest/wd/ugH5App/photo/simple/info entry"):
        ks.parse(raw(page({"/rest/zt/share/w/web": {"result": 1}})), EID)
    with pytest.raises(Blocked, match="captcha"):
        ks.parse(raw(page({"/rest/wd/system/startup": {"result": 2001, "error_msg": "antispam"}})), EID)
    with pytest.raises(RateLimited):
        ks.parse(raw(page({"/live/x": {"errorType": {"type": 2, "title": "请求过快，请稍后重试"}}})), EID)


# -- our fixtures: counters --------------------------------------------------------------------


def test_genuine_zeros_stay_zero_and_missing_is_none() -> None:
    parsed = ks.parse(raw(state({"result": 1, "photo": photo(shareCount=0, commentCount=...)})), EID)
    assert parsed.metrics.shares is not None and parsed.metrics.shares.value == 0
    assert parsed.metrics.comments is None
    assert any("comments not shown" in w for w in parsed.warnings)


def test_counter_that_is_not_a_count_is_none() -> None:
    parsed = ks.parse(raw(state({"result": 1, "photo": photo(viewCount=-1, likeCount=None, commentCount="--")})), EID)
    assert parsed.metrics.views is None and parsed.metrics.likes is None and parsed.metrics.comments is None
    assert len([w for w in parsed.warnings if "not shown" in w]) == 3


def test_rounded_counter_in_share_page_is_approximate() -> None:
    parsed = ks.parse(raw(state({"result": 1, "photo": photo(viewCount="1.2万", likeCount="10万+")})), EID)
    views, likes = parsed.metrics.views, parsed.metrics.likes
    assert views is not None and (views.value, views.kind, views.granularity) == (12000, CountKind.APPROXIMATE, 1000)
    assert likes is not None and (likes.value, likes.kind) == (100000, CountKind.LOWER_BOUND)


def test_timestamp_units() -> None:
    ms = ks.parse(raw(state({"result": 1, "photo": photo(timestamp=1767225600000)})), EID)
    assert ms.published_at == datetime(2026, 1, 1, tzinfo=timezone.utc)
    none = ks.parse(raw(state({"result": 1, "photo": photo(timestamp=0)})), EID)
    assert none.published_at is None


def test_unusual_photo_status_is_noted() -> None:
    parsed = ks.parse(raw(state({"result": 1, "photo": photo(photoStatus=3)})), EID)
    assert any("photoStatus is 3" in w for w in parsed.warnings)


def test_bare_rest_answer() -> None:
    parsed = ks.parse(raw({"result": 1, "photo": photo()}), EID)
    check(parsed, {"views": 9876, "likes": 321, "comments": 45, "shares": 12})


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", ParseError),
        (b"   ", ParseError),
        (b"[1, 2]", ParseError),
        (b'{"something": "else"}', ParseError),
        (b'{"result": 777, "error_msg": "invented"}', ParseError),
    ],
)
def test_unknown_shapes(body: bytes, error: type[CollectError]) -> None:
    with pytest.raises(error) as info:
        ks.parse(raw(body), EID)
    assert type(info.value) is error


def test_unknown_code_is_named() -> None:
    with pytest.raises(ParseError, match="result 777"):
        ks.parse(raw({"result": 777}), EID)


# -- GraphQL -----------------------------------------------------------------------------------


def graphql(**photo_fields: Any) -> dict[str, Any]:
    ph: dict[str, Any] = {
        "id": EID,
        "caption": "交通安全：系好安全带",
        "likeCount": "1.5万",
        "realLikeCount": 15234,
        "timestamp": 1767225600123,
        "viewCount": "38.2万",
    }
    ph.update(photo_fields)
    ph = {k: v for k, v in ph.items() if v is not ...}
    return {"data": {"visionVideoDetail": {"status": 1, "author": {"name": "\u3164示范交警"}, "photo": ph}}}


def test_graphql_real_like_count_disagreeing_with_shown_value() -> None:
    parsed = ks.parse(raw(graphql(realLikeCount=99)), EID)
    likes = parsed.metrics.likes
    assert likes is not None and (likes.value, likes.kind, likes.raw) == (15000, CountKind.APPROXIMATE, "1.5万")
    assert any("disagrees" in w for w in parsed.warnings)
    assert parsed.author == "示范交警"


def test_graphql_without_real_like_count() -> None:
    likes = ks.parse(raw(graphql(realLikeCount=...)), EID).metrics.likes
    assert likes is not None and (likes.value, likes.kind) == (15000, CountKind.APPROXIMATE)
    exact = ks.parse(raw(graphql(likeCount=...)), EID).metrics.likes
    assert exact is not None and (exact.value, exact.kind) == (15234, CountKind.EXACT)
    parsed = ks.parse(raw(graphql(likeCount=..., realLikeCount=...)), EID)
    assert parsed.metrics.likes is None and any("likes not shown" in w for w in parsed.warnings)


def test_graphql_small_counts_and_lower_bounds() -> None:
    parsed = ks.parse(raw(graphql(viewCount="100万+", likeCount="873", realLikeCount=873)), EID)
    views, likes = parsed.metrics.views, parsed.metrics.likes
    assert views is not None and (views.value, views.kind) == (1000000, CountKind.LOWER_BOUND)
    assert likes is not None and (likes.value, likes.kind) == (873, CountKind.EXACT)


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        ({"errors": [{"message": "need login"}], "data": None}, AuthRequired, "login"),
        ({"errors": [{"message": "captcha required"}], "data": None}, Blocked, "verification"),
        ({"errors": [{"message": "invented failure"}], "data": None}, ParseError, "invented failure"),
        ({"data": {"visionVideoDetail": None}}, ParseError, "no data.visionVideoDetail"),
        ({"data": {"visionVideoDetail": {"status": 0, "photo": None}}}, ParseError, "status 0"),
        ({"data": {"visionVideoDetail": {"status": 1, "photo": None}}}, ParseError, "no photo"),
    ],
)
def test_graphql_errors(body: dict[str, Any], error: type[CollectError], words: str) -> None:
    with pytest.raises(error) as info:
        ks.parse(raw(body), EID)
    assert type(info.value) is error and words in info.value.message


def test_graphql_answer_for_another_post_is_refused() -> None:
    with pytest.raises(ParseError, match="not for the requested"):
        ks.parse(raw(graphql(id="3xburnkmj3auazc")), EID)


# -- HTTP statuses and redirects ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [(403, Blocked), (461, Blocked), (429, RateLimited), (404, Unavailable), (502, NetworkError), (418, ParseError)],
)
def test_pages_by_status(status: int, error: type[CollectError]) -> None:
    with pytest.raises(error) as info:
        ks.parse(raw(fixture_bytes("kuaishou", "changed_page.html"), status), EID)
    assert type(info.value) is error and info.value.http_status == status


def test_error_envelope_wins_over_status() -> None:
    with pytest.raises(Blocked, match="captcha"):
        ks.parse(raw({"result": 2001, "error_msg": "antispam"}, 403), EID)


def test_success_body_with_error_status_is_not_data() -> None:
    with pytest.raises(Blocked):
        ks.parse(raw(state({"result": 1, "photo": photo()}), 403), EID)


def test_redirects() -> None:
    captcha = raw(b"", 302, location="https://captcha.zt.kuaishou.com/iframe?captchaSession=x")
    with pytest.raises(Blocked, match="verification"):
        ks.parse(captcha, EID)
    with pytest.raises(ParseError, match="redirected"):
        ks.parse(raw(b"", 302, location="https://elsewhere.example/"), EID)


# -- fetch and resolve through Http ------------------------------------------------------------


def run_fetch(settings: Settings, handler: Any, ref: PostRef) -> RawResponse:
    async def go() -> RawResponse:
        async with Http(settings, transport=httpx.MockTransport(handler)) as http:
            return await ks.fetch(http, ref)

    return asyncio.run(go())


def test_fetch_share_page_with_iphone_agent_and_handshake_cookie(fast_settings: Settings) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "v.m.chenzhongtech.com":
            # first visit: an anonymous did cookie, then a random subdomain
            return httpx.Response(
                302,
                headers={
                    "Location": f"https://k7x2p9aa.m.chenzhongtech.com/fw/photo/{EID}?fid=1000",
                    "Set-Cookie": "did=web_invented0001; Domain=.chenzhongtech.com; Path=/",
                },
            )
        return httpx.Response(200, content=fixture_bytes("kuaishou", "share_page_ok.html"))

    ref = identify(f"https://v.m.chenzhongtech.com/fw/photo/{EID}?fid=1000&shareToken=XAbCd&cc=share_copylink")
    got = run_fetch(fast_settings, handler, ref)
    first, second = seen
    assert first.url.host == "v.m.chenzhongtech.com" and first.url.path == f"/fw/photo/{EID}"
    assert dict(first.url.params) == {"fid": "1000", "shareToken": "XAbCd"}
    assert first.headers["user-agent"] == IPHONE_USER_AGENT
    assert first.headers["referer"] == "https://v.kuaishou.com/"
    assert "cookie" not in first.headers
    assert second.url.host == "k7x2p9aa.m.chenzhongtech.com"
    assert "did=web_invented0001" in second.headers["cookie"]
    assert got.status == 200 and got.url.startswith("https://k7x2p9aa.m.chenzhongtech.com/")
    parsed = ks.parse(got, ref.post_id)
    assert parsed.metrics.views is not None and parsed.metrics.views.value == 1234567


def test_fetch_sends_optional_cookies(fast_settings: Settings, tmp_path: Path) -> None:
    jar = tmp_path / "kuaishou.txt"
    jar.write_text(
        "# Netscape HTTP Cookie File\n.chenzhongtech.com\tTRUE\t/\tFALSE\t4102444800\tdid\tweb_invented_did_SECRET\n"
    )
    jar.chmod(0o600)  # a cookie file others can read is warned about
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return json_response({"result": 1, "photo": photo()})

    run_fetch(fast_settings.with_(cookies={"kuaishou": jar}), handler, PostRef("kuaishou", EID))
    assert "did=web_invented_did_SECRET" in seen[0].headers["cookie"]


def test_fetch_never_follows_off_platform(fast_settings: Settings) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": "https://evil.example/fw/photo/x"})

    got = run_fetch(fast_settings, handler, PostRef("kuaishou", EID))
    assert len(seen) == 1 and got.status == 302
    with pytest.raises(ParseError, match="evil.example"):
        ks.parse(got, EID)


def resolve(settings: Settings, handler: Any, url: str) -> PostRef:
    async def go() -> PostRef:
        async with Http(settings, transport=httpx.MockTransport(handler)) as http:
            return await ks.resolve(http, url)

    return asyncio.run(go())


def short_link_handler(request: httpx.Request) -> httpx.Response:
    target = {
        ("v.kuaishou.com", "/2pESOe"): f"https://v.m.chenzhongtech.com/fw/photo/{EID}?fid=7&shareToken=XAbCd&cc=x",
        ("www.gifshow.com", "/s/yvEcB84Z"): "https://www.kuaishou.com/f/X-6ew1IHeJ6gJ1fl",
        ("www.kuaishou.com", "/f/X-6ew1IHeJ6gJ1fl"): f"https://kph8gvfz.m.chenzhongtech.com/fw/long-video/{EID}",
        ("v.kuaishou.com", "/evil"): f"https://evil.example/fw/photo/{EID}",
        ("v.kuaishou.com", "/captcha"): "https://captcha.zt.kuaishou.com/iframe/index.html?captchaSession=x",
        ("v.kuaishou.com", "/profile"): "https://v.m.chenzhongtech.com/fw/user/3x84qugg4ch9zhs",
        ("v.kuaishou.com", "/old"): "https://c.kuaishou.com/fw/photo/5200000000000000001?fid=3",
        ("v.kuaishou.com", "/old-blocked"): "https://c.kuaishou.com/fw/photo/5200000000000000002",
    }.get((request.url.host, request.url.path))
    if target is not None:
        return httpx.Response(302, headers={"Location": target})
    if request.url.host == "captcha.zt.kuaishou.com":
        return httpx.Response(200, text="<html><title>验证</title></html>")
    if request.url.path == "/fw/photo/5200000000000000001":
        return httpx.Response(200, content=fixture_bytes("kuaishou", "share_page_ok.html"))
    if request.url.path == "/fw/photo/5200000000000000002":
        return httpx.Response(200, content=fixture_bytes("kuaishou", "captcha_page.html"))
    if request.url.path == "/blocked":
        return json_response({"result": 2001, "error_msg": "[2001] antispam need captcha"})
    if request.url.path == "/fw/user/3x84qugg4ch9zhs":
        return httpx.Response(200, text="<html><title>快手用户</title></html>")
    return httpx.Response(404)


def test_resolve_short_links(fast_settings: Settings) -> None:
    ref = resolve(fast_settings, short_link_handler, "https://v.kuaishou.com/2pESOe")
    assert ref.post_key == f"kuaishou:{EID}" and ref.params == {"fid": "7", "shareToken": "XAbCd"}
    assert ref.url == "https://v.kuaishou.com/2pESOe"
    ref = resolve(fast_settings, short_link_handler, "http://www.gifshow.com/s/yvEcB84Z")
    assert ref.post_key == f"kuaishou:{EID}"
    # an old link to a numeric photo id: the page names the eid
    ref = resolve(fast_settings, short_link_handler, "https://v.kuaishou.com/old")
    assert ref.post_key == f"kuaishou:{EID}" and ref.params == {"fid": "3"}


@pytest.mark.parametrize(
    ("url", "error", "words"),
    [
        ("https://v.kuaishou.com/gone", Unavailable, "404"),
        ("https://v.kuaishou.com/captcha", Blocked, "captcha"),
        ("https://v.kuaishou.com/old-blocked", Blocked, "captcha"),
        ("https://v.kuaishou.com/blocked", Blocked, "captcha"),
        ("https://v.kuaishou.com/evil", UnsupportedURL, "outside kuaishou"),
        ("https://v.kuaishou.com/profile", UnsupportedURL, "did not lead"),
    ],
)
def test_resolve_dead_ends(fast_settings: Settings, url: str, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        resolve(fast_settings, short_link_handler, url)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (403, b"", Blocked),
        (429, b"", RateLimited),
        (200, fixture_bytes("kuaishou", "captcha_page.html"), Blocked),
        (200, b'{"result": 2, "error_msg": null}', Blocked),
    ],
)
def test_dead_end_classes(status: int, body: bytes, error: type[CollectError]) -> None:
    with pytest.raises(error):
        ks.classify_dead_end(raw(body, status, url="https://v.kuaishou.com/abc"))


def test_several_photo_entries_pick_the_requested_post() -> None:
    other = {"result": 1, "photo": photo("3xburnkmj3auazc", viewCount=5)}
    body = {
        encode("string-/rest/wd/ugH5App/photo/simple/info?a"): other,
        encode("string-/rest/wd/ugH5App/photo/simple/info?b"): {"result": 1, "photo": photo()},
    }
    assert (
        ks.parse(raw(body), EID).metrics.views
        == ks.parse(raw(state({"result": 1, "photo": photo()})), EID).metrics.views
    )
    views = ks.parse(raw(body), "3xburnkmj3auazc").metrics.views
    assert views is not None and views.value == 5


def test_dead_end_page_with_state_error() -> None:
    body = page(state({"result": 2001, "error_msg": "antispam"}, obfuscated=True))
    with pytest.raises(Blocked):
        ks.classify_dead_end(raw(body, url="https://v.m.chenzhongtech.com/fw/other"))
    ks.classify_dead_end(raw("<html>nothing to say</html>", url="https://v.m.chenzhongtech.com/fw/other"))


# -- cases (../shared/cases/bug_cases.jsonl) ---------------------------------------------------

# e15-01 (anti-bot response as data): a captcha answer is valid JSON without counters. It must be
# "blocked" (retry hours later, not in this run), never a snapshot, in every shape it can come in.
CAPTCHA_E15 = {
    "result": 2001,
    "error_msg": "[2001] antispam need captcha",
    "request_id": "712345678901234567",
    "captchaConfig": json.dumps(
        {"type": 1, "url": "https://captcha.zt.kuaishou.com/rest/zt/captcha/sliding/config", "captchaSession": "X1"}
    ),
}


@pytest.mark.parametrize(
    "body",
    [
        json.dumps(CAPTCHA_E15),
        json.dumps(state(CAPTCHA_E15)),
        page(state(CAPTCHA_E15, obfuscated=True)),
    ],
    ids=["json", "state", "page"],
)
def test_case_e15_01_captcha_json_is_blocked_not_data(body: str) -> None:
    with pytest.raises(Blocked) as info:
        ks.parse(raw(body), EID)
    assert info.value.status is OutcomeStatus.BLOCKED and not info.value.retryable
    assert "captcha" in info.value.message and "try again" in info.value.message
    outcome = outcome_from(
        ks, PostRef("kuaishou", EID), raw(body), run_id="r1", collected_at=datetime.now(timezone.utc)
    )
    assert outcome.status is OutcomeStatus.BLOCKED and outcome.snapshot is None


def test_case_e15_01_run_backs_off_after_a_captcha(fast_settings: Settings) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return json_response(CAPTCHA_E15)

    refs = [PostRef("kuaishou", e) for e in (EID, "3xburnkmj3auazc", "3xhjgcmir24m4nm")]
    summary = Engine(None, fast_settings, transport=httpx.MockTransport(handler)).run(refs)
    assert len(calls) == 1  # the same IP is not asked again in this run
    assert summary.counts == {OutcomeStatus.BLOCKED: 3}


# -- live ----------------------------------------------------------------------------------------


@pytest.mark.network
def test_live_share_page() -> None:
    async def go() -> RawResponse:
        async with Http(Settings()) as http:
            return await ks.fetch(http, PostRef("kuaishou", "3xburnkmj3auazc"))

    got = asyncio.run(go())
    try:
        parsed = ks.parse(got, "3xburnkmj3auazc")
    except (Blocked, RateLimited) as exc:
        pytest.skip(f"Kuaishou blocked this client: {exc.message}")
    assert parsed.metrics.views is not None and parsed.metrics.views.value is not None
    assert parsed.metrics.views.value > 0


# -- mutated answers (review) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "message", "error"),
    [
        ("2001", "[2001] antispam need captcha", Blocked),
        ("2", None, Blocked),
        (109, "请先登录", AuthRequired),
        (400002, "作品不存在", Unavailable),
        (400003, "该作品已被删除", Unavailable),
        (777, "请求过快，请稍后重试", RateLimited),
        (888, "需要完成滑块验证", Blocked),
        (999, "示例消息", ParseError),
    ],
)
def test_result_codes_as_text_and_unknown_codes_by_message(
    result: int | str, message: str | None, error: type[CollectError]
) -> None:
    answer = {"result": result, "error_msg": message}
    for body in (answer, page(state(answer, obfuscated=True))):
        with pytest.raises(error) as info:
            ks.parse(raw(body), EID)
        assert type(info.value) is error and str(result) in info.value.message


def test_result_one_sent_as_text_is_read() -> None:
    parsed = ks.parse(raw(state({"result": "1", "photo": photo()})), EID)
    assert parsed.metrics.likes is not None and parsed.metrics.likes.value == 321


def test_short_link_answering_the_share_page_itself(fast_settings: Settings) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "v.kuaishou.com" and request.url.path == "/direct":
            return httpx.Response(200, content=fixture_bytes("kuaishou", "share_page_ok.html"))
        if request.url.path == "/direct-captcha":
            return httpx.Response(200, content=page(state({"result": 2001, "error_msg": "antispam"}, obfuscated=True)))
        return httpx.Response(404)

    assert resolve(fast_settings, handler, "https://v.kuaishou.com/direct").post_key == f"kuaishou:{EID}"
    with pytest.raises(Blocked):
        resolve(fast_settings, handler, "https://v.kuaishou.com/direct-captcha")
