"""xiaohongshu: identity (note ids, share tokens, short links, dead ends), real samples, our fixtures,
fetch and short-link resolution through reach.http.Http with a mock transport, and the bug cases."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from reach import NeedsResolution, UnsupportedURL, identify
from reach.collect import Engine, outcome_from
from reach.collectors import get_collector
from reach.collectors.base import RawResponse
from reach.config import Settings
from reach.errors import AuthRequired, Blocked, CollectError, NetworkError, ParseError, RateLimited, Unavailable
from reach.http import IPHONE_USER_AGENT, Http
from reach.models import CountKind, OutcomeStatus, PostRef
from reach.store import Store

from .conftest import fixture_bytes, json_response

xhs = get_collector("xiaohongshu")

NOTE = "66b0c1d2000000001e00f00d"  # the id in discovery_item_page_ok.html
PAGE = f"https://www.xiaohongshu.com/discovery/item/{NOTE}"
TOKEN_ADVICE = "paste a fresh share link"


def raw(body: bytes, status: int = 200, url: str | None = None, headers: dict[str, str] | None = None) -> RawResponse:
    return RawResponse(status=status, url=url or xhs.canonical_url(NOTE), body=body, headers=headers or {})


def fixture(name: str) -> bytes:
    return fixture_bytes("xiaohongshu", name)


def state_with(interact: dict[str, Any], note_id: str = NOTE) -> bytes:
    """A mobile note state (the route's shape) with the given interactInfo (invented values)."""
    note = {"noteId": note_id, "title": "反诈宣传", "time": 1781700000000, "user": {"nickName": "示范分局"}}
    note["interactInfo"] = interact
    body = {"noteData": {"hasError": False, "errorNoteData": {"show": False}, "data": {"noteData": note}}}
    return json.dumps(body, ensure_ascii=False).encode()


# -- identity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "post_id", "params"),
    [
        ("https://www.xiaohongshu.com/explore/66b0c1d2000000001e00f00d", NOTE, {}),
        (
            "https://www.xiaohongshu.com/explore/66b0c1d2000000001e00f00d?xsec_token=ABtok+en/1=&xsec_source=pc_feed",
            NOTE,
            {"xsec_token": "ABtok+en/1=", "xsec_source": "pc_feed"},
        ),
        (
            "https://www.xiaohongshu.com/discovery/item/66b0c1d2000000001e00f00d?app_platform=ios&xsec_source="
            "app_share&type=video&xsec_token=CBabc%3D&author_share=1&share_id=0f0f",
            NOTE,
            {"xsec_token": "CBabc=", "xsec_source": "app_share"},
        ),
        ("http://m.xiaohongshu.com/discovery/item/66b0c1d2000000001e00f00d", NOTE, {}),
        ("https://m.xiaohongshu.com/explore/66b0c1d2000000001e00f00d?xsec_token=", NOTE, {}),
        (
            "https://www.xiaohongshu.com/user/profile/5e0a0b0c000000000100aaaa/66b0c1d2000000001e00f00d"
            "?xsec_token=ABprof=&xsec_source=pc_user",
            NOTE,
            {"xsec_token": "ABprof=", "xsec_source": "pc_user"},
        ),
        (
            "https://www.xiaohongshu.com/search_result/66b0c1d2000000001e00f00d?xsec_token=AB1=",
            NOTE,
            {"xsec_token": "AB1="},
        ),
        ("https://www.rednote.com/explore/66b0c1d2000000001e00f00d", NOTE, {}),
        ("https://www.xiaohongshu.com/explore/66B0C1D2000000001E00F00D", NOTE, {}),  # case folded
        ("xiaohongshu:66b0c1d2000000001e00f00d", NOTE, {}),
        (
            "示范市公安局发布了一篇小红书笔记，快来看吧！ 😆 AbCdEf 😆 "
            "https://www.xiaohongshu.com/discovery/item/66b0c1d2000000001e00f00d?xsec_token=CBx%3D，复制本条信息",
            NOTE,
            {"xsec_token": "CBx="},
        ),
    ],
)
def test_identify_note_links(text: str, post_id: str, params: dict[str, str]) -> None:
    ref = identify(text)
    assert (ref.platform, ref.post_id, ref.post_key) == ("xiaohongshu", post_id, f"xiaohongshu:{post_id}")
    assert dict(ref.params) == params


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("https://xhslink.com/a/Ab12Cd34Ef56", "https://xhslink.com/a/Ab12Cd34Ef56"),
        ("http://xhslink.com/o/3kq9zzxy01", "http://xhslink.com/o/3kq9zzxy01"),
        ("https://xhslink.com/m/7HgT5rEwQ", "https://xhslink.com/m/7HgT5rEwQ"),
        ("https://xhslink.com/Qw3rTy", "https://xhslink.com/Qw3rTy"),
        ("https://xhslink.cn/a/Zx9Yw8", "https://xhslink.cn/a/Zx9Yw8"),
        (
            "示范交警发布了一篇小红书笔记，快来看吧！ 😆 Zz9Yy8Xx 😆 http://xhslink.com/a/Ab12Cd34Ef56，"
            "复制本条信息，打开【小红书】App查看精彩内容！",
            "http://xhslink.com/a/Ab12Cd34Ef56",
        ),
    ],
)
def test_short_links_need_resolution(text: str, short: str) -> None:
    with pytest.raises(NeedsResolution) as info:
        identify(text)
    assert info.value.platform == "xiaohongshu" and info.value.url == short


@pytest.mark.parametrize(
    "text",
    [
        "https://www.xiaohongshu.com/404?noteId=66b0c1d2000000001e00f00d&errorCode=-510000",
        "https://www.xiaohongshu.com/404/sec_abc?redirectPath=%2Fexplore%2F66b0c1d2000000001e00f00d&error_code=300031",
        "https://www.xiaohongshu.com/website-login/captcha?redirectPath=x&verifyType=102&verifyBiz=461",
    ],
)
def test_dead_end_links_need_resolution(text: str) -> None:
    with pytest.raises(NeedsResolution):
        identify(text)


@pytest.mark.parametrize(
    "text",
    [
        "https://www.xiaohongshu.com/user/profile/5e0a0b0c000000000100aaaa",  # a profile, not a note
        "https://www.xiaohongshu.com/explore/66b0c1d2000000001e00f00",  # 23 hex
        "https://www.xiaohongshu.com/explore/66b0c1d2000000001e00f00d1",  # 25 hex
        "https://www.xiaohongshu.com/explore/66b0c1d2000000001e00f0zz",
        "https://evilxiaohongshu.com/explore/66b0c1d2000000001e00f00d",
        "https://www.xiaohongshu.com.evil.example/explore/66b0c1d2000000001e00f00d",
        "https://www.xiaohongshu.com@evil.example/explore/66b0c1d2000000001e00f00d",
        "https://www.xiaohongshu.com/explore",
    ],
)
def test_not_a_note(text: str) -> None:
    with pytest.raises(UnsupportedURL):
        identify(text)


# share_texts.txt line -> expected post id, or None for NeedsResolution
SHARE_TEXTS = [
    None,
    None,
    None,
    "68feefe40000000007030c4a",
    "68e8e3fa00000000030342ec",
    "691e68a8000000001e02bcda",
    None,  # /404?noteId=… : a dead end, classified by resolve()
    None,
]


def test_every_share_text_identifies(samples: Path) -> None:
    lines = [line for line in (samples / "xiaohongshu" / "share_texts.txt").read_text("utf-8").splitlines() if line]
    assert len(lines) == len(SHARE_TEXTS)
    for line, expected in zip(lines, SHARE_TEXTS, strict=True):
        if expected is None:
            with pytest.raises(NeedsResolution) as info:
                identify(line)
            assert info.value.platform == "xiaohongshu"
            assert "，" not in info.value.url and "," not in info.value.url  # nothing glued to the link
        else:
            ref = identify(line)
            assert ref.post_key == f"xiaohongshu:{expected}"
            assert ref.params.get("xsec_token")  # every long form in the file carries one


def test_case_e16_02_link_without_token_identifies() -> None:
    ref = identify("https://www.xiaohongshu.com/explore/6a11b22c000000000b0c0d0e")
    assert ref.post_key == "xiaohongshu:6a11b22c000000000b0c0d0e" and dict(ref.params) == {}


def test_case_e16_03_token_is_a_fetch_parameter_not_identity() -> None:
    a = identify(
        "https://www.xiaohongshu.com/discovery/item/6a11b22c000000000b0c0d0e?xsec_token=ABmadeUpTok=&xsec_source=pc_share"
    )
    b = identify("https://www.xiaohongshu.com/explore/6a11b22c000000000b0c0d0e?xsec_token=CBother=")
    assert a == b and a.post_key == b.post_key == "xiaohongshu:6a11b22c000000000b0c0d0e"
    assert a.params == {"xsec_token": "ABmadeUpTok=", "xsec_source": "pc_share"}
    assert "ABmadeUpTok" not in a.post_key and "ABmadeUpTok" not in xhs.canonical_url(a.post_id)


# -- parsing: real samples ---------------------------------------------------------------------

SAMPLE_OK = {
    "discovery_item_initial_state_video_ok.json": (
        "6a33df40000000001101fce5",
        {"likes": 1655, "comments": 79, "shares": 21, "favorites": 118},
        datetime(2026, 6, 18, 12, 6, 24, tzinfo=timezone.utc),
    ),
}
SAMPLE_ERRORS: dict[str, type[CollectError]] = {
    "error_explore_captcha_redirect_461.html": Blocked,
    "error_feed_300017_link_abnormal.json": AuthRequired,
    "error_feed_300031_note_unviewable.json": Unavailable,
    "error_unavailable_page_text.txt": Unavailable,
}
SAMPLE_OTHER = {"share_texts.txt"}  # tested by test_every_share_text_identifies


def test_every_sample_is_covered(samples: Path) -> None:
    names = {p.name for p in (samples / "xiaohongshu").iterdir() if not p.name.endswith(".source.txt")}
    assert names == set(SAMPLE_OK) | set(SAMPLE_ERRORS) | SAMPLE_OTHER


@pytest.mark.parametrize("name", sorted(SAMPLE_OK))
@pytest.mark.parametrize("with_id", [True, False])  # `reach parse` without --url gives no id
def test_samples_ok(samples: Path, name: str, with_id: bool) -> None:
    post_id, metrics, published = SAMPLE_OK[name]
    body = (samples / "xiaohongshu" / name).read_bytes()
    parsed = xhs.parse(raw(body, url=xhs.canonical_url(post_id)), post_id if with_id else None)
    assert parsed.post_id == post_id
    assert parsed.metrics.views is None
    for metric, value in metrics.items():
        count = parsed.metrics.get(metric)
        assert count is not None and count.value == value and count.kind is CountKind.EXACT, metric
    assert parsed.published_at == published
    assert parsed.title == "第一次试着接了头发" and parsed.author
    assert any("views not public" in w and "owner" in w for w in parsed.warnings)


def test_sample_as_the_page_it_came_from(samples: Path) -> None:
    """The sample is the page's state: wrapped back in its <script> it parses the same."""
    state = (samples / "xiaohongshu" / "discovery_item_initial_state_video_ok.json").read_text("utf-8")
    page = f"<html><body><script>window.__INITIAL_STATE__={state}</script></body></html>".encode()
    parsed = xhs.parse(raw(page), "6a33df40000000001101fce5")
    assert parsed.metrics.likes is not None and parsed.metrics.likes.value == 1655


@pytest.mark.parametrize("name", sorted(SAMPLE_ERRORS))
def test_sample_errors(samples: Path, name: str) -> None:
    with pytest.raises(SAMPLE_ERRORS[name]) as info:
        xhs.parse(raw((samples / "xiaohongshu" / name).read_bytes()))
    assert info.value.message


def test_sample_300017_says_paste_a_fresh_share_link(samples: Path) -> None:
    with pytest.raises(AuthRequired, match=TOKEN_ADVICE):
        xhs.parse(raw((samples / "xiaohongshu" / "error_feed_300017_link_abnormal.json").read_bytes()))


def test_sample_captcha_redirect_as_a_302(samples: Path) -> None:
    body = (samples / "xiaohongshu" / "error_explore_captcha_redirect_461.html").read_bytes()
    with pytest.raises(Blocked, match="captcha"):
        xhs.parse(raw(body, status=302))  # no Location header (as `reach parse --status 302` gives)


# -- parsing: our fixtures ---------------------------------------------------------------------


def test_page_with_undefined_and_rounded_strings() -> None:
    parsed = xhs.parse(raw(fixture("discovery_item_page_ok.html"), url=PAGE), NOTE)
    m = parsed.metrics
    assert m.views is None
    assert (m.likes.value, m.likes.kind, m.likes.granularity, m.likes.raw) == (  # type: ignore[union-attr]
        21000,
        CountKind.APPROXIMATE,
        1000,
        "2.1w",
    )
    assert (m.favorites.value, m.favorites.kind, m.favorites.raw) == (15000, CountKind.APPROXIMATE, "1.5万")  # type: ignore[union-attr]
    assert (m.comments.value, m.comments.kind, m.comments.raw) == (1200, CountKind.APPROXIMATE, "1.2k")  # type: ignore[union-attr]
    assert (m.shares.value, m.shares.kind) == (6418, CountKind.EXACT)  # type: ignore[union-attr]
    assert parsed.title == "守护平安 防范电信诈骗" and parsed.author == "示范市公安局"
    assert parsed.published_at == datetime(2026, 6, 17, 12, 40, 0, 123000, tzinfo=timezone.utc)


# Bug cases e02-01/02/04/05: count strings inside interactInfo fields (invented values per kind).
@pytest.mark.parametrize(
    ("field", "metric", "text", "value", "approximate"),
    [
        ("likedCount", "likes", "3.4w", 34000, True),  # e02-01 "2.1w"
        ("collectedCount", "favorites", "2.6万", 26000, True),  # e02-02 "1.5万"
        ("commentCount", "comments", "4.7k", 4700, True),  # e02-04 "1.2k"
        ("shareCount", "shares", "7305", 7305, False),  # e02-05 "6418"
        ("likedCount", "likes", "12.5万", 125000, True),
        ("likedCount", "likes", "10万+", 100000, True),  # a floor, not a value
    ],
)
def test_cases_e02_count_strings(field: str, metric: str, text: str, value: int, approximate: bool) -> None:
    interact = {"likedCount": "1", "collectedCount": "2", "commentCount": "3", "shareCount": "4", field: text}
    count = xhs.parse(raw(state_with(interact)), NOTE).metrics.get(metric)
    assert count is not None and count.value == value and count.raw == text
    assert count.is_exact is (not approximate)


def test_blank_and_absent_counters_are_none_not_zero() -> None:
    parsed = xhs.parse(raw(fixture("discovery_item_blank_counters.json")))
    m = parsed.metrics
    assert parsed.post_id == "66b0c1d2000000001e00f00e"
    assert m.likes is None and m.shares is None and m.views is None
    assert m.favorites is not None and m.favorites.value == 0  # a shown zero stays zero
    assert m.comments is not None and m.comments.value == 37
    assert any("likes" in w for w in parsed.warnings) and any("shares" in w for w in parsed.warnings)
    assert parsed.title == "夜间骑行注意安全" and parsed.author == "示范交警"  # title from desc's first line


def test_no_readable_counter_is_not_a_snapshot() -> None:
    with pytest.raises(ParseError, match="no readable counter"):
        xhs.parse(raw(state_with({"likedCount": "", "collectedCount": "赞"})), NOTE)
    with pytest.raises(ParseError, match="interactInfo"):
        xhs.parse(raw(json.dumps({"noteData": {"data": {"noteData": {"noteId": NOTE}}}}).encode()), NOTE)


def test_desktop_explore_page() -> None:
    note = "66b0c1d2000000001e00f0aa"
    parsed = xhs.parse(raw(fixture("explore_page_ok.html"), url=xhs.canonical_url(note)), note)
    assert parsed.post_id == note and parsed.author == "示范县交警大队" and parsed.title == "开学第一课：交通安全"
    assert parsed.metrics.likes is not None and parsed.metrics.likes.value == 31000
    assert parsed.metrics.favorites is not None and parsed.metrics.favorites.value == 905
    assert parsed.metrics.views is None
    assert xhs.parse(raw(fixture("explore_page_ok.html"))).post_id == note  # id from currentNoteId
    with pytest.raises(ParseError, match="not for the requested"):
        xhs.parse(raw(fixture("explore_page_ok.html")), NOTE)


def test_feed_api_answer() -> None:
    parsed = xhs.parse(raw(fixture("feed_ok.json")))
    m = parsed.metrics
    assert parsed.post_id == "66b0c1d2000000001e00f0bb" and parsed.author == "示范派出所"
    assert m.likes is not None and (m.likes.value, m.likes.granularity) == (125000, 1000)
    assert m.shares is not None and m.shares.kind is CountKind.LOWER_BOUND
    assert m.comments is not None and m.comments.value == 0
    with pytest.raises(ParseError, match="not for the requested"):
        xhs.parse(raw(fixture("feed_ok.json")), NOTE)


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("discovery_item_no_note.html", AuthRequired, TOKEN_ADVICE),
        ("explore_page_token_expired.html", AuthRequired, TOKEN_ADVICE),
        ("discovery_item_error_state.json", Unavailable, "does not exist"),
        ("explore_page_server_error.html", Unavailable, "-510001"),
        ("feed_empty_items.json", Blocked, "without any note"),
        ("page_not_found.html", Unavailable, "页面不见了"),
        ("page_without_state.html", ParseError, "__INITIAL_STATE__"),
    ],
)
def test_fixture_outcomes(name: str, error: type[CollectError], words: str) -> None:
    with pytest.raises(error) as info:
        xhs.parse(raw(fixture(name)), NOTE)
    assert words in info.value.message


def test_token_expired_says_when_the_link_had_no_token() -> None:
    with pytest.raises(AuthRequired, match="carried no xsec_token") as info:
        xhs.parse(raw(fixture("discovery_item_no_note.html"), url=PAGE), NOTE)
    assert TOKEN_ADVICE in info.value.message


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (300012, Blocked),
        (300015, Blocked),
        (300011, Blocked),
        (300017, AuthRequired),
        (300031, Unavailable),
        (-510000, Unavailable),
        (-510001, Unavailable),
        (-100, AuthRequired),
        ("300012", Blocked),  # a code sent as a string
        (999999, ParseError),  # unknown: nothing recorded
    ],
)
def test_error_codes(code: int | str, error: type[CollectError]) -> None:
    body = json.dumps({"code": code, "success": False, "msg": "示例消息", "data": {}}).encode()
    with pytest.raises(error) as info:
        xhs.parse(raw(body), NOTE)
    assert str(code) in info.value.message


@pytest.mark.parametrize("body", [b"", b"  \n", b"{}", b"[]", b"\xef\xbb\xbf{}"])
def test_empty_answers_are_blocked(body: bytes) -> None:
    with pytest.raises(Blocked, match="empty"):
        xhs.parse(raw(body), NOTE)


def test_case_e16_04_empty_object_is_never_a_snapshot() -> None:
    answer = raw(b"{}")
    outcome = outcome_from(
        xhs, PostRef("xiaohongshu", NOTE), answer, run_id=None, collected_at=datetime.now(timezone.utc)
    )
    assert outcome.status is OutcomeStatus.BLOCKED and outcome.snapshot is None


def test_answer_for_another_note_is_refused() -> None:
    other = "66b0c1d2000000001e00ffff"
    with pytest.raises(ParseError, match="not for the requested"):
        xhs.parse(raw(state_with({"likedCount": "5"}, note_id=other)), NOTE)
    with pytest.raises(ParseError, match="not for the requested"):
        xhs.parse(raw(fixture("discovery_item_page_ok.html")), other)


@pytest.mark.parametrize(
    ("status", "headers", "error", "words"),
    [
        (461, {"verifytype": "102", "verifyuuid": "x"}, Blocked, "captcha"),
        (471, {}, Blocked, "captcha"),
        (
            302,
            {"location": "https://www.xiaohongshu.com/website-login/captcha?redirectPath=x&verifyBiz=461"},
            Blocked,
            "captcha",
        ),
        (302, {"location": "/404?noteId=66b0c1d2000000001e00f00d&errorCode=-510000"}, Unavailable, "does not exist"),
        (302, {"location": "https://www.xiaohongshu.com/404/sec_1?error_code=300031"}, Unavailable, "300031"),
        (302, {"location": "https://www.xiaohongshu.com/404/sec_1?error_code=300012"}, Blocked, "300012"),
        (302, {"location": "https://www.xiaohongshu.com/explore"}, AuthRequired, TOKEN_ADVICE),
        (302, {"location": "https://www.xiaohongshu.com/website-login/error"}, AuthRequired, "login"),
        (302, {"location": "https://www.xiaohongshu.com/explore/66b0c1d2000000001e00ffff"}, ParseError, "another"),
        (302, {}, ParseError, "without a target"),
    ],
)
def test_redirect_and_status_signals(
    status: int, headers: dict[str, str], error: type[CollectError], words: str
) -> None:
    with pytest.raises(error) as info:
        xhs.parse(raw(b"", status=status, url=PAGE, headers=headers), NOTE)
    assert words in info.value.message or (words == "another" and "not the requested" in info.value.message)


@pytest.mark.parametrize(
    ("status", "error"), [(403, Blocked), (401, Blocked), (429, RateLimited), (404, Unavailable), (502, NetworkError)]
)
def test_html_without_state_by_status(status: int, error: type[CollectError]) -> None:
    with pytest.raises(error):
        xhs.parse(raw(fixture("page_without_state.html"), status=status), NOTE)


def test_json_of_another_shape_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="expected a Xiaohongshu note state"):
        xhs.parse(raw(b'{"hello": "world"}'), NOTE)
    with pytest.raises(ParseError, match="neither noteData nor note"):
        xhs.parse(raw(b'<script>window.__INITIAL_STATE__={"global":{}}</script>'), NOTE)


# -- fetch and resolve through reach.http.Http -------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


def run_fetch(settings: Settings, handler: Handler, ref: PostRef) -> RawResponse:
    async def go() -> RawResponse:
        async with Http(settings, transport=httpx.MockTransport(handler)) as http:
            return await xhs.fetch(http, ref)

    return asyncio.run(go())


def run_resolve(settings: Settings, handler: Handler, url: str) -> PostRef:
    async def go() -> PostRef:
        async with Http(settings, transport=httpx.MockTransport(handler)) as http:
            return await xhs.resolve(http, url)

    return asyncio.run(go())


def test_fetch_sends_token_iphone_ua_and_cookies(fast_settings: Settings, tmp_path: Path) -> None:
    cookies = tmp_path / "xhs.txt"
    cookies.write_text(
        "# Netscape HTTP Cookie File\n.xiaohongshu.com\tTRUE\t/\tTRUE\t4102444800\ta1\tinventedA1value\n",
        encoding="utf-8",
    )
    cookies.chmod(0o600)  # a cookie file others can read is warned about
    settings = Settings(min_interval={"*": 0.0}, retry_backoff=0.0, cookies={"xiaohongshu": cookies})
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=fixture("discovery_item_page_ok.html"))

    ref = identify(f"https://www.xiaohongshu.com/explore/{NOTE}?xsec_token=AB+tok/en%3D&xsec_source=pc_feed")
    answer = run_fetch(settings, handler, ref)
    (request,) = seen
    assert (request.url.host, request.url.path) == ("www.xiaohongshu.com", f"/discovery/item/{NOTE}")
    assert request.url.params["xsec_token"] == "AB+tok/en=" and request.url.params["xsec_source"] == "pc_share"
    assert request.headers["user-agent"] == IPHONE_USER_AGENT
    assert "a1=inventedA1value" in request.headers.get("cookie", "")
    parsed = xhs.parse(answer, NOTE)
    assert parsed.metrics.likes is not None and parsed.metrics.likes.value == 21000
    assert xhs.max_concurrency == 1 and xhs.min_interval >= 3
    assert set(xhs.cookie_names) == {"a1", "web_session", "webId"}


def test_case_e16_02_fetch_without_token_asks_for_a_fresh_share_link(fast_settings: Settings) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": "https://www.xiaohongshu.com/explore"})

    ref = identify("https://www.xiaohongshu.com/explore/6a11b22c000000000b0c0d0e")
    answer = run_fetch(fast_settings, handler, ref)
    assert len(seen) == 1 and "xsec_token" not in seen[0].url.params  # the home page is not followed
    outcome = outcome_from(xhs, ref, answer, run_id=None, collected_at=datetime.now(timezone.utc))
    assert outcome.status is OutcomeStatus.AUTH_REQUIRED and outcome.snapshot is None
    assert TOKEN_ADVICE in outcome.message and "no xsec_token" in outcome.message


def test_case_e16_01_captcha_redirect_is_blocked_not_followed(fast_settings: Settings) -> None:
    seen: list[httpx.Request] = []
    captcha = (
        "https://www.xiaohongshu.com/website-login/captcha?redirectPath=https%3A%2F%2Fwww.xiaohongshu.com%2F"
        "discovery%2Fitem%2F6a11b22c000000000b0c0d0e&verifyUuid=11111111-2222-3333-4444-555555555555"
        "&verifyType=102&verifyBiz=461"
    )

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": captcha}, text=f'<a href="{captcha}">Found</a>.')

    ref = PostRef("xiaohongshu", "6a11b22c000000000b0c0d0e", params={"xsec_token": "ABzz="})
    answer = run_fetch(fast_settings, handler, ref)
    assert len(seen) == 1
    outcome = outcome_from(xhs, ref, answer, run_id=None, collected_at=datetime.now(timezone.utc))
    assert outcome.status is OutcomeStatus.BLOCKED and outcome.snapshot is None and "captcha" in outcome.message


def test_fetch_takes_one_hop_to_the_same_note_only(fast_settings: Settings) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path.startswith("/discovery/item/"):
            return httpx.Response(302, headers={"Location": f"/explore/{NOTE}?xsec_token=AB1%3D"})
        return httpx.Response(200, content=fixture("discovery_item_page_ok.html"))

    answer = run_fetch(fast_settings, handler, PostRef("xiaohongshu", NOTE, params={"xsec_token": "AB1="}))
    assert seen == [f"/discovery/item/{NOTE}", f"/explore/{NOTE}"] and answer.status == 200

    seen.clear()

    def other(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(302, headers={"Location": "/explore/66b0c1d2000000001e00ffff"})

    answer = run_fetch(fast_settings, other, PostRef("xiaohongshu", NOTE))
    assert len(seen) == 1 and answer.status == 302
    with pytest.raises(ParseError):
        xhs.parse(answer, NOTE)


def test_fetch_461_is_blocked(fast_settings: Settings) -> None:
    answer = run_fetch(
        fast_settings,
        lambda r: httpx.Response(461, headers={"Verifytype": "102", "Verifyuuid": "abc"}),
        PostRef("xiaohongshu", NOTE, params={"xsec_token": "AB1="}),
    )
    with pytest.raises(Blocked, match="HTTP 461"):
        xhs.parse(answer, NOTE)


def resolver(routes: dict[str, httpx.Response], seen: list[str]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        key = f"{request.url.host}{request.url.path}"
        return routes.get(key, httpx.Response(404))

    return handler


def test_short_link_resolves_to_note_and_token(fast_settings: Settings) -> None:
    seen: list[str] = []
    target = f"https://www.xiaohongshu.com/discovery/item/{NOTE}?app_platform=ios&xsec_token=CBfresh%3D&xsec_source=app_share"
    routes = {"xhslink.com/a/Ab12Cd34Ef56": httpx.Response(302, headers={"Location": target})}
    text = "示范交警发布了一篇小红书笔记 😆 x 😆 http://xhslink.com/a/Ab12Cd34Ef56，复制本条信息，打开【小红书】App"
    with pytest.raises(NeedsResolution) as info:
        identify(text)
    ref = run_resolve(fast_settings, resolver(routes, seen), info.value.url)
    assert ref.post_key == f"xiaohongshu:{NOTE}"
    assert ref.params == {"xsec_token": "CBfresh=", "xsec_source": "app_share"}
    assert seen == ["http://xhslink.com/a/Ab12Cd34Ef56"]  # the note page itself is not requested
    # the raw share-text form (comma and words glued on) resolves the same
    assert run_resolve(fast_settings, resolver(routes, []), "http://xhslink.com/a/Ab12Cd34Ef56,复制本条信息") == ref


@pytest.mark.parametrize(
    ("location", "error", "words"),
    [
        (f"https://www.xiaohongshu.com/404?noteId={NOTE}&errorCode=-510000", Unavailable, "does not exist"),
        ("https://www.xiaohongshu.com/404/sec_9?redirectPath=%2Fexplore%2Fx&error_code=300031", Unavailable, "300031"),
        ("https://www.xiaohongshu.com/404?noteId=note-1", Unavailable, "page not found"),
        (
            "https://www.xiaohongshu.com/website-login/captcha?redirectPath=x&verifyUuid=u&verifyType=102&verifyBiz=461",
            Blocked,
            "captcha",
        ),
    ],
)
def test_short_link_dead_ends_are_classified_not_followed(
    fast_settings: Settings, location: str, error: type[CollectError], words: str
) -> None:
    seen: list[str] = []
    routes = {"xhslink.com/o/3kq9zzxy01": httpx.Response(302, headers={"Location": location})}
    with pytest.raises(error) as info:
        run_resolve(fast_settings, resolver(routes, seen), "http://xhslink.com/o/3kq9zzxy01")
    assert words in info.value.message
    assert seen == ["http://xhslink.com/o/3kq9zzxy01"]  # the dead end itself is never requested


def test_pasted_dead_end_link_is_classified_offline(fast_settings: Settings) -> None:
    seen: list[str] = []
    url = f"https://www.xiaohongshu.com/404?noteId={NOTE}&errorCode=-510000"
    with pytest.raises(Unavailable, match=NOTE):
        run_resolve(fast_settings, resolver({}, seen), url)
    assert seen == []


def test_short_link_other_ends(fast_settings: Settings) -> None:
    routes = {
        "xhslink.com/a/out": httpx.Response(302, headers={"Location": "https://evil.example/explore/" + NOTE}),
        "xhslink.com/a/home": httpx.Response(302, headers={"Location": "https://www.xiaohongshu.com/explore"}),
        "xhslink.com/a/loop": httpx.Response(302, headers={"Location": "https://xhslink.com/a/loop"}),
        "xhslink.com/a/wall": httpx.Response(461),
        "xhslink.com/a/text": httpx.Response(200, content=b"Sorry, This Page Isn't Available Right Now."),
    }
    handler = resolver(routes, [])
    with pytest.raises(UnsupportedURL, match="outside"):
        run_resolve(fast_settings, handler, "https://xhslink.com/a/out")
    with pytest.raises(UnsupportedURL, match="home page"):
        run_resolve(fast_settings, handler, "https://xhslink.com/a/home")
    with pytest.raises(UnsupportedURL, match="redirects"):
        run_resolve(fast_settings, handler, "https://xhslink.com/a/loop")
    with pytest.raises(Blocked):
        run_resolve(fast_settings, handler, "https://xhslink.com/a/wall")
    with pytest.raises(Unavailable):
        run_resolve(fast_settings, handler, "https://xhslink.com/a/text")
    with pytest.raises(Unavailable, match="404"):
        run_resolve(fast_settings, handler, "https://xhslink.com/a/gone")


def test_engine_records_no_snapshot_for_anti_bot_answers(fast_settings: Settings) -> None:
    store = Store(":memory:")
    good, empty = NOTE, "66b0c1d2000000001e00f0ee"
    store.add_post(PostRef("xiaohongshu", good, params={"xsec_token": "AB1="}), campaign="反诈")
    store.add_post(PostRef("xiaohongshu", empty, params={"xsec_token": "AB2="}), campaign="反诈")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(good) and request.url.params.get("xsec_token") == "AB1=":
            return httpx.Response(200, content=fixture("discovery_item_page_ok.html"))
        return json_response({})

    engine = Engine(store, fast_settings, transport=httpx.MockTransport(handler))
    summary = engine.run([p.ref for p in store.posts()])
    assert summary.counts == {OutcomeStatus.OK: 1, OutcomeStatus.BLOCKED: 1}
    assert store.con.execute("SELECT count(*) FROM snapshots").fetchone() == (1,)
    snap = store.snapshots(f"xiaohongshu:{good}")[0]
    assert snap.metrics.views is None and snap.metrics.likes is not None and snap.metrics.likes.value == 21000


@pytest.mark.network
def test_live_public_note(fast_settings: Settings) -> None:
    """A real public note (its share link from a public parser's tests). Its token may have expired:
    then the outcome must say so, never give numbers."""
    ref = identify(
        "https://www.xiaohongshu.com/discovery/item/691e68a8000000001e02bcda?source=webshare&xhsshare=pc_web"
        "&xsec_token=CBunzr4Cq8N7jbcXqpWDxGn11k7XwVIJ59KOvkRS_Qabw=&xsec_source=pc_share"
    )

    async def go() -> RawResponse:
        async with Http(Settings()) as http:
            return await xhs.fetch(http, ref)

    outcome = outcome_from(xhs, ref, asyncio.run(go()), run_id=None, collected_at=datetime.now(timezone.utc))
    if outcome.ok:
        assert outcome.snapshot is not None and outcome.snapshot.metrics.views is None
        assert outcome.snapshot.metrics.likes is not None
    else:
        assert outcome.status is not OutcomeStatus.PARSE_ERROR, outcome.message
        assert outcome.snapshot is None and outcome.message


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        (b"[1, 2]", ParseError, "not an object"),
        (b'{"code": "oops", "msg": "x"}', ParseError, "not a code"),
        (b'{"success": false, "msg": "x"}', ParseError, "without a code"),
        (b'{"code": 0, "success": true, "data": {"items": [{"id": "x"}]}}', ParseError, "note_card"),
        (b'{"noteData": {"hasError": true, "errorNoteData": {"show": true}}}', Unavailable, "error page"),
        (b'{"noteData": {"errorNoteData": {"show": true, "routeQuery": {"code": "300017"}}}}', AuthRequired, "300017"),
        (
            b'{"note": {"currentNoteId": "undefined", "noteDetailMap": {"undefined": {"note": {}}}}}',
            AuthRequired,
            "currentNoteId undefined",
        ),
        (b'<script>window.__INITIAL_STATE__={"note": {oops</script>', ParseError, "could not be read"),
    ],
)
def test_odd_shapes(body: bytes, error: type[CollectError], words: str) -> None:
    with pytest.raises(error) as info:
        xhs.parse(raw(body), NOTE)
    assert words in info.value.message


def test_note_without_any_id_needs_one_asked_for() -> None:
    body = json.dumps({"noteData": {"data": {"noteData": {"interactInfo": {"likedCount": "9"}, "time": "1781700000"}}}})
    with pytest.raises(ParseError, match="names no note"):
        xhs.parse(raw(body.encode(), url="https://www.xiaohongshu.com/"))
    assert xhs.parse(raw(body.encode())).post_id == NOTE  # the page it was fetched from names it
    parsed = xhs.parse(raw(body.encode()), NOTE)  # the id asked for, and time in seconds as a string
    assert parsed.post_id == NOTE and parsed.published_at == datetime(2026, 6, 17, 12, 40, tzinfo=timezone.utc)


def test_redirect_to_another_site_is_not_followed() -> None:
    headers = {"location": "https://passport.example.com/login"}
    with pytest.raises(ParseError, match="passport.example.com"):
        xhs.parse(raw(b"", status=302, url=PAGE, headers=headers), NOTE)


def test_short_link_landing_on_a_plain_page_is_not_a_note(fast_settings: Settings) -> None:
    routes = {"xhslink.com/a/plain": httpx.Response(200, content=b"<html>hello</html>")}
    with pytest.raises(UnsupportedURL, match="did not lead"):
        run_resolve(fast_settings, resolver(routes, []), "https://xhslink.com/a/plain")


# -- mutated answers (review) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, Blocked), (403, Blocked), (404, Unavailable), (500, NetworkError), (503, NetworkError), (400, ParseError)],
)
def test_a_note_state_with_an_error_status_is_not_a_snapshot(status: int, error: type[CollectError]) -> None:
    body = state_with({"likedCount": "12", "commentCount": "3", "shareCount": "1", "collectedCount": "2"})
    with pytest.raises(error):
        xhs.parse(raw(body, status=status), NOTE)
    with pytest.raises(error):
        xhs.parse(raw(fixture("discovery_item_page_ok.html"), status=status), NOTE)


def test_a_note_without_its_id_fetched_from_another_note_page_is_refused() -> None:
    body = json.dumps({"noteData": {"data": {"noteData": {"interactInfo": {"likedCount": "9"}}}}}).encode()
    other_page = "https://www.xiaohongshu.com/discovery/item/66b0c1d2000000001e00ffff?xsec_token=AB"
    with pytest.raises(ParseError, match="66b0c1d2000000001e00ffff"):
        xhs.parse(raw(body, url=other_page), NOTE)


@pytest.mark.parametrize(
    ("note_id", "error"), [("undefined", AuthRequired), ("null", AuthRequired), ("12345", ParseError)]
)
def test_a_note_id_that_is_not_an_id_is_never_a_snapshot(note_id: str, error: type[CollectError]) -> None:
    with pytest.raises(error):
        xhs.parse(raw(state_with({"likedCount": "9"}, note_id=note_id)), NOTE)


@pytest.mark.parametrize(
    ("code", "message", "error"),
    [
        (300013, "访问频次异常，请勿频繁操作或重启试试", RateLimited),
        (-104, "您当前登录的账号没有权限访问", AuthRequired),
        (-1, "笔记不存在", Unavailable),
        (461001, "需要验证码", Blocked),
        (-1, "示例消息", ParseError),
    ],
)
def test_unknown_codes_are_read_by_their_message(code: int, message: str, error: type[CollectError]) -> None:
    body = json.dumps({"code": code, "success": False, "msg": message, "data": {}}, ensure_ascii=False).encode()
    with pytest.raises(error) as info:
        xhs.parse(raw(body), NOTE)
    assert type(info.value) is error and message in info.value.message
