"""WeChat Channels (视频号) and Official Account articles (公众号): identity, parsing, fetch."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from reach import UnsupportedURL, identify
from reach.collectors import get_collector
from reach.collectors.base import RawResponse
from reach.config import Settings
from reach.errors import AuthRequired, Blocked, NetworkError, NotSupported, ParseError, RateLimited, Unavailable
from reach.http import Http
from reach.models import Count, CountKind, PostRef

from .conftest import fixture_bytes

channels = get_collector("wechat_channels")
mp = get_collector("wechat_mp")

SPH = "AbCdEf1234"
BIZ_ID = "MzA5OTk5OTk5OQ_2650000123_2"  # the article of tests/fixtures/wechat_mp/article.html
TOKEN = "AbCdEfGhIjKlMnOpQrSt_v"


def run(settings: Settings, handler: Any, coro: Any) -> Any:
    async def go() -> Any:
        async with Http(settings, transport=httpx.MockTransport(handler)) as http:
            return await coro(http)

    return asyncio.run(go())


def sph_raw(body: bytes, status: int = 200) -> RawResponse:
    return RawResponse(status=status, url=channels.canonical_url(SPH), body=body)


def mp_raw(body: bytes, status: int = 200, url: str | None = None, **headers: str) -> RawResponse:
    return RawResponse(status=status, url=url or mp.canonical_url(BIZ_ID), body=body, headers=headers)


def values(count: Count | None) -> tuple[int | None, CountKind, str | None] | None:
    return None if count is None else (count.value, count.kind, count.raw)


# == WeChat Channels ===========================================================================


@pytest.mark.parametrize(
    "text",
    [
        "https://weixin.qq.com/sph/AbCdEf1234",
        "http://weixin.qq.com/sph/AbCdEf1234?from=timeline",
        "https://channels.weixin.qq.com/finder-preview/pages/sph?id=AbCdEf1234",
        "https://channels.weixin.qq.com/finder-preview/pages/sph?scene=1&id=AbCdEf1234&x=y",
        "wechat_channels:AbCdEf1234",
        "【视频号】守护平安 https://weixin.qq.com/sph/AbCdEf1234 长按复制打开",
    ],
)
def test_identify_channels(text: str) -> None:
    ref = identify(text)
    assert (ref.platform, ref.post_id) == ("wechat_channels", SPH)


def test_sph_link_is_an_id_not_a_short_link() -> None:
    # weixin.qq.com/sph/<id> carries the preview API's shortUri itself: no redirect needed
    assert identify("https://weixin.qq.com/sph/AbCdEf1234") == identify(
        "https://channels.weixin.qq.com/finder-preview/pages/sph?id=AbCdEf1234"
    )


@pytest.mark.parametrize(
    "text",
    [
        "https://weixin.qq.com/sph/",
        "https://weixin.qq.com/sph/Ab!",
        "https://channels.weixin.qq.com/finder-preview/pages/sph",
        "https://channels.weixin.qq.com/platform/post/list",
        "https://weixin.qq.com/",
    ],
)
def test_not_channels_posts(text: str) -> None:
    with pytest.raises(UnsupportedURL):
        identify(text)


SPH_SAMPLES_OK = {"get_feed_info_trimmed_real_body.json"}


def test_every_channels_sample_is_covered(samples: Path) -> None:
    names = {p.name for p in (samples / "wechat_channels").iterdir() if not p.name.endswith(".source.txt")}
    assert names == SPH_SAMPLES_OK


def test_channels_real_sample(samples: Path) -> None:
    body = (samples / "wechat_channels" / "get_feed_info_trimmed_real_body.json").read_bytes()
    parsed = channels.parse(sph_raw(body), "ARreWpEs3x")
    m = parsed.metrics
    assert parsed.post_id == "ARreWpEs3x"
    assert values(m.likes) == (1581, CountKind.EXACT, "1581")  # favCountFmt: the ❤
    assert values(m.extra["recommends"]) == (274, CountKind.EXACT, "274")  # likeCountFmt: the 👍
    assert values(m.shares) == (2868, CountKind.EXACT, "2868")
    assert values(m.comments) == (123, CountKind.EXACT, "123")
    assert m.views is None and m.favorites is None
    assert any("views" in w and "reach record" in w and "reach import" in w for w in parsed.warnings)
    assert parsed.author == "迷走神经研习社" and parsed.title == "保持好心情的秘诀 #焦虑"
    assert parsed.published_at == datetime(2026, 8, 10, 12, 25, tzinfo=timezone.utc)


def test_channels_rounded_display_strings() -> None:
    parsed = channels.parse(sph_raw(fixture_bytes("wechat_channels", "get_feed_info_rounded.json")), SPH)
    m = parsed.metrics
    assert values(m.likes) == (12000, CountKind.APPROXIMATE, "1.2万")
    assert m.likes is not None and m.likes.granularity == 1000
    assert values(m.extra["recommends"]) == (100000, CountKind.LOWER_BOUND, "10万+")
    assert values(m.shares) == (38000, CountKind.APPROXIMATE, "3.8万")
    assert m.comments is None and any("comments not shown" in w for w in parsed.warnings)  # "" is not 0
    assert parsed.author == "示范县公安局"


def test_channels_integer_fields_win_over_display_strings() -> None:
    parsed = channels.parse(sph_raw(fixture_bytes("wechat_channels", "get_feed_info_exact_ints.json")), SPH)
    m = parsed.metrics
    assert m.likes is None  # a raw 0 next to "1.2万" is a placeholder: neither number is recorded
    assert any("contradicts" in w and "favCount" in w for w in parsed.warnings)
    assert values(m.extra["recommends"]) == (456, CountKind.EXACT, None)
    assert values(m.shares) == (7, CountKind.EXACT, "7")
    assert m.comments is None  # "--"
    assert parsed.title is None and parsed.published_at is None  # empty description, createtime 0


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("get_feed_info_deleted.json", Unavailable, "该视频已被删除"),
        ("get_feed_info_expired.json", Unavailable, "expired"),
        ("permission_verification_failed.json", Blocked, "permission verification failed"),
        ("risk_too_frequent.json", Blocked, "频繁"),
        ("unknown_err_code.json", ParseError, "-424242"),
    ],
)
def test_channels_error_envelopes(name: str, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        channels.parse(sph_raw(fixture_bytes("wechat_channels", name)), SPH)


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"", 200, Blocked),
        (b"{}", 200, ParseError),
        (b"[]", 200, ParseError),
        (b'{"data": {"authorInfo": {"nickname": "x"}}}', 200, ParseError),
        (b'{"errCode": 0, "data": {"feedInfo": {"description": "x", "createtime": 1}}}', 200, ParseError),
        (b"<html>permission verification failed</html>", 200, Blocked),
        (b"<html><body>hello</body></html>", 200, ParseError),
        (b"<html>Forbidden</html>", 403, Blocked),
        (b"<html>Too many</html>", 429, RateLimited),
        (b"<html>Bad gateway</html>", 502, NetworkError),
        (b"", 503, NetworkError),
        (b"<html>not found</html>", 404, ParseError),
    ],
)
def test_channels_odd_answers(body: bytes, status: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        channels.parse(sph_raw(body, status), SPH)


def test_channels_201_is_normal(samples: Path) -> None:
    body = (samples / "wechat_channels" / "get_feed_info_trimmed_real_body.json").read_bytes()
    assert channels.parse(sph_raw(body, 201), SPH).metrics.likes is not None


def test_channels_refusal_text_in_a_description_is_not_a_refusal() -> None:
    body = json.loads(fixture_bytes("wechat_channels", "get_feed_info_rounded.json"))
    body["data"]["feedInfo"]["description"] = "why apps say permission verification failed #科普"
    parsed = channels.parse(sph_raw(json.dumps(body).encode()), SPH)
    assert parsed.title and parsed.metrics.likes is not None


def test_channels_error_envelope_before_counters() -> None:
    body = json.loads(fixture_bytes("wechat_channels", "get_feed_info_rounded.json"))
    body["data"]["errMsg"] = {"type": 3, "title": "作者已设置仅自己可见"}
    with pytest.raises(Unavailable, match="仅自己可见"):
        channels.parse(sph_raw(json.dumps(body).encode()), SPH)


def test_channels_fetch_posts_json_with_origin_and_referer(fast_settings: Settings, samples: Path) -> None:
    seen: list[httpx.Request] = []
    body = (samples / "wechat_channels" / "get_feed_info_trimmed_real_body.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, content=body)

    got = run(fast_settings, handler, lambda http: channels.fetch(http, PostRef("wechat_channels", SPH)))
    (request,) = seen
    assert request.method == "POST"
    assert request.url.path == "/finder-preview/api/feed/get_feed_info" and request.url.host == "channels.weixin.qq.com"
    assert request.url.params["_pageUrl"] == "https://channels.weixin.qq.com/finder-preview/pages/sph"
    assert request.url.params["_rid"]
    assert json.loads(request.content) == {"baseReq": {"generalToken": ""}, "shortUri": SPH}
    assert request.headers["origin"] == "https://channels.weixin.qq.com"
    assert request.headers["referer"].startswith("https://channels.weixin.qq.com/finder-preview/pages/sph")
    assert request.headers["content-type"] == "application/json"
    assert "python" not in request.headers["user-agent"].lower()
    assert channels.parse(got, SPH).metrics.shares is not None


@pytest.mark.network
def test_channels_live_public_video() -> None:
    """The share id used by a peer project's tests. The preview API is internal and fragile: a
    refusal is an accepted outcome, a parse error is not."""
    ref = identify("https://weixin.qq.com/sph/ARreWpEs3x")

    async def go() -> RawResponse:
        async with Http() as http:
            return await channels.fetch(http, ref)

    try:
        parsed = channels.parse(asyncio.run(go()), ref.post_id)
    except (Blocked, Unavailable, RateLimited):
        pytest.skip("the WeChat Channels preview API refused or no longer has this video")
    assert parsed.metrics.views is None and parsed.author


# == WeChat Official Account articles ==========================================================


@pytest.mark.parametrize(
    ("text", "post_id", "params"),
    [
        (f"https://mp.weixin.qq.com/s/{TOKEN}", TOKEN, {}),
        (f"https://mp.weixin.qq.com/s/{TOKEN}?scene=1&click_id=2", TOKEN, {}),
        (
            "https://mp.weixin.qq.com/s?__biz=MzA5OTk5OTk5OQ==&mid=2650000123&idx=2&sn=0123456789abcdef"
            "0123456789abcdef&chksm=abcdef&scene=27#wechat_redirect",
            BIZ_ID,
            {"sn": "0123456789abcdef0123456789abcdef"},
        ),
        (  # copied from a page's source: HTML-escaped separators
            "http://mp.weixin.qq.com/s?__biz=MzA5OTk5OTk5OQ==&amp;mid=2650000123&amp;idx=2&amp;sn=abc123#rd",
            BIZ_ID,
            {"sn": "abc123"},
        ),
        (  # URL-encoded padding, parameters in another order, /s/?
            "https://mp.weixin.qq.com/s/?idx=2&sn=abc123&mid=2650000123&__biz=MzA5OTk5OTk5OQ%3D%3D",
            BIZ_ID,
            {"sn": "abc123"},
        ),
        (f"wechat_mp:{BIZ_ID}", BIZ_ID, {}),
        (f"wechat_mp:{TOKEN}", TOKEN, {}),
        (f"【示范市消防】冬季防火 https://mp.weixin.qq.com/s/{TOKEN} 点击阅读", TOKEN, {}),
    ],
)
def test_identify_mp(text: str, post_id: str, params: dict[str, str]) -> None:
    ref = identify(text)
    assert (ref.platform, ref.post_id, dict(ref.params)) == ("wechat_mp", post_id, params)


def test_mp_biz_link_without_sn_identifies_but_cannot_fetch(fast_settings: Settings) -> None:
    ref = identify("https://mp.weixin.qq.com/s?__biz=MzA5OTk5OTk5OQ==&mid=2650000123&idx=2")
    assert ref.post_id == BIZ_ID and dict(ref.params) == {}

    def handler(request: httpx.Request) -> httpx.Response:  # pragma: no cover - must not be called
        raise AssertionError("request sent")

    with pytest.raises(NotSupported, match="sn"):
        run(fast_settings, handler, lambda http: mp.fetch(http, ref))


@pytest.mark.parametrize(
    "text",
    [
        "https://mp.weixin.qq.com/s?__biz=MzA5OTk5OTk5OQ==&idx=2&sn=abc",  # no mid
        "https://mp.weixin.qq.com/s?__biz=MzA5OTk5OTk5OQ==&mid=x&idx=2&sn=abc",
        "https://mp.weixin.qq.com/s/short",
        "https://mp.weixin.qq.com/",
        "https://mp.weixin.qq.com/cgi-bin/home?t=home/index",
    ],
)
def test_not_mp_articles(text: str) -> None:
    with pytest.raises(UnsupportedURL):
        identify(text)


def test_mp_canonical_urls() -> None:
    assert mp.canonical_url(BIZ_ID) == "https://mp.weixin.qq.com/s?__biz=MzA5OTk5OTk5OQ==&mid=2650000123&idx=2"
    assert mp.canonical_url(TOKEN) == f"https://mp.weixin.qq.com/s/{TOKEN}"
    assert identify(mp.canonical_url(BIZ_ID)).post_id == BIZ_ID


MP_SAMPLES = {"getappmsgext_documented_example.json", "NOTE.txt"}


def test_every_mp_sample_is_covered(samples: Path) -> None:
    names = {p.name for p in (samples / "wechat_mp").iterdir() if not p.name.endswith(".source.txt")}
    assert names == MP_SAMPLES  # NOTE.txt is prose, not a response


def test_mp_getappmsgext_sample(samples: Path) -> None:
    body = (samples / "wechat_mp" / "getappmsgext_documented_example.json").read_bytes()
    parsed = mp.parse(mp_raw(body), BIZ_ID)
    m = parsed.metrics
    assert parsed.post_id == BIZ_ID
    assert values(m.views) == (288, CountKind.EXACT, None)
    assert values(m.likes) == (12, CountKind.EXACT, None)
    assert any("like_num" in w for w in parsed.warnings)  # no old_like_num: the era is ambiguous
    assert m.comments is None and m.shares is None and m.favorites is None and not m.extra


def test_mp_getappmsgext_new_shape_and_the_10wan_cap() -> None:
    parsed = mp.parse(mp_raw(fixture_bytes("wechat_mp", "getappmsgext_with_old_like_num.json")), BIZ_ID)
    m = parsed.metrics
    assert values(m.views) == (100001, CountKind.LOWER_BOUND, None)
    assert m.views is not None and m.views.low == 100001 and m.views.high is None
    assert values(m.likes) == (4567, CountKind.EXACT, None)  # old_like_num: 点赞
    assert values(m.extra["recommends"]) == (321, CountKind.EXACT, None)  # like_num: 在看
    assert any("10万+" in w for w in parsed.warnings)


def test_mp_getappmsgext_display_strings() -> None:
    body = json.dumps({"appmsgstat": {"read_num": "10万+", "like_num": "1.2万", "old_like_num": ""}}).encode()
    m = mp.parse(mp_raw(body), BIZ_ID).metrics
    assert values(m.views) == (100000, CountKind.LOWER_BOUND, "10万+")
    assert values(m.extra["recommends"]) == (12000, CountKind.APPROXIMATE, "1.2万")
    assert m.likes is None  # "" is how WeChat shows 0, but reach does not guess


@pytest.mark.parametrize(
    ("name", "error"),
    [("getappmsgext_no_appmsgstat.json", AuthRequired), ("getappmsgext_ret_error.json", AuthRequired)],
)
def test_mp_getappmsgext_without_credentials(name: str, error: type[Exception]) -> None:
    with pytest.raises(error, match="credentials"):
        mp.parse(mp_raw(fixture_bytes("wechat_mp", name)), BIZ_ID)


def test_mp_article_page_is_ok_with_every_counter_none() -> None:
    parsed = mp.parse(mp_raw(fixture_bytes("wechat_mp", "article.html")), BIZ_ID)
    m = parsed.metrics
    assert (m.views, m.likes, m.comments, m.shares, m.favorites, dict(m.extra)) == (None, None, None, None, None, {})
    assert parsed.title == "冬季防火安全提示 & 注意事项"
    assert parsed.author == "示范市消防救援支队"
    assert parsed.published_at == datetime(2026, 6, 20, 1, 0, tzinfo=timezone.utc)
    (warning,) = parsed.warnings
    assert "not public" in warning and "reach record" in warning and "reach import" in warning


def test_mp_article_quoting_error_texts_is_not_misread() -> None:
    # the article body quotes "访问过于频繁" and "该内容已被发布者删除": it is still an article
    assert mp.parse(mp_raw(fixture_bytes("wechat_mp", "article.html")), BIZ_ID).title


def test_mp_article_ids() -> None:
    page = fixture_bytes("wechat_mp", "article.html")
    # reach parse without --url: the page names its article
    unknown = RawResponse(200, mp.canonical_url("unknown"), page)
    assert mp.parse(unknown).post_id == BIZ_ID
    # a token link: the page cannot be joined to it offline, the requested id is kept
    assert mp.parse(mp_raw(page, url=mp.canonical_url(TOKEN)), TOKEN).post_id == TOKEN
    with pytest.raises(ParseError, match="not of the requested"):
        mp.parse(mp_raw(page), "MzA5OTk5OTk5OQ_2650000123_1")


def test_mp_minimal_article_reads_js_variables() -> None:
    parsed = mp.parse(mp_raw(fixture_bytes("wechat_mp", "article_minimal.html")), TOKEN)
    assert parsed.title == "交通安全 一路平安" and parsed.published_at is None and parsed.author is None


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("deleted.html", Unavailable, "该内容已被发布者删除"),
        ("violation.html", Unavailable, "此内容因违规无法查看"),
        ("verify.html", Blocked, "环境异常"),
        ("global_error.html", Unavailable, "暂不可查看"),
        ("unknown_page.html", ParseError, "expected a WeChat article page"),
    ],
)
def test_mp_message_pages(name: str, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        mp.parse(mp_raw(fixture_bytes("wechat_mp", name)), BIZ_ID)


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"", 200, Blocked),
        (b"{}", 200, ParseError),
        (b'{"ret": 0, "list": []}', 200, ParseError),
        (
            "<html><body><p>你的访问过于频繁，需要从微信打开验证身份，是否需要继续访问当前页面</p></body></html>".encode(),
            200,
            Blocked,
        ),
        ("<html><body>链接已过期</body></html>".encode(), 200, Unavailable),
        ("<html><body>请在微信客户端打开链接</body></html>".encode(), 200, Blocked),
        (fixture_bytes("wechat_mp", "article.html"), 403, Blocked),
        (fixture_bytes("wechat_mp", "article.html"), 404, Unavailable),
        (fixture_bytes("wechat_mp", "article.html"), 502, NetworkError),
        (b"<html>x</html>", 429, RateLimited),
        (b"hello", 200, ParseError),
    ],
)
def test_mp_odd_answers(body: bytes, status: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        mp.parse(mp_raw(body, status), BIZ_ID)


@pytest.mark.parametrize(
    ("location", "error"),
    [
        ("https://mp.weixin.qq.com/mp/wappoc_appmsgcaptcha?poc_token=invented&target_url=x", Blocked),
        ("https://mp.weixin.qq.com/somewhere", ParseError),
        ("", ParseError),
    ],
)
def test_mp_redirects(location: str, error: type[Exception]) -> None:
    headers = {"location": location} if location else {}
    with pytest.raises(error):
        mp.parse(mp_raw(b"", 302, **headers), BIZ_ID)


def test_mp_fetch_token_and_biz_links(fast_settings: Settings) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=fixture_bytes("wechat_mp", "article.html"))

    run(fast_settings, handler, lambda http: mp.fetch(http, PostRef("wechat_mp", TOKEN)))
    ref = identify("https://mp.weixin.qq.com/s?__biz=MzA5OTk5OTk5OQ==&mid=2650000123&idx=2&sn=abc123&chksm=ff#rd")
    got = run(fast_settings, handler, lambda http: mp.fetch(http, ref))
    assert str(seen[0].url) == f"https://mp.weixin.qq.com/s/{TOKEN}"
    assert seen[1].url.path == "/s" and dict(seen[1].url.params) == {
        "__biz": "MzA5OTk5OTk5OQ==",
        "mid": "2650000123",
        "idx": "2",
        "sn": "abc123",
    }
    assert "Mozilla" in seen[1].headers["user-agent"]
    assert mp.parse(got, ref.post_id).post_id == BIZ_ID


def test_mp_fetch_follows_an_article_redirect_once(fast_settings: Settings) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path == f"/s/{TOKEN}":
            return httpx.Response(302, headers={"Location": "/s?__biz=MzA5OTk5OTk5OQ==&mid=2650000123&idx=2&sn=a"})
        if request.url.path == "/s":
            return httpx.Response(302, headers={"Location": "/mp/wappoc_appmsgcaptcha?poc_token=x"})
        raise AssertionError("the captcha page is not followed")

    got = run(fast_settings, handler, lambda http: mp.fetch(http, PostRef("wechat_mp", TOKEN)))
    assert len(seen) == 2 and got.status == 302
    with pytest.raises(Blocked):
        mp.parse(got, TOKEN)


def test_mp_fetch_only_requests_declared_hosts(fast_settings: Settings) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "mp.weixin.qq.com"
        return httpx.Response(302, headers={"Location": "https://evil.example/s/x"})

    got = run(fast_settings, handler, lambda http: mp.fetch(http, PostRef("wechat_mp", TOKEN)))
    with pytest.raises(ParseError):
        mp.parse(got, TOKEN)


@pytest.mark.network
def test_mp_live_public_article() -> None:
    """A public article link cited in the research notes. WeChat asks unknown clients to verify
    often, so blocked and unavailable are accepted outcomes; a parse error is not."""
    ref = identify("https://mp.weixin.qq.com/s/Oxxb7Lc4zEUsbbYXoOtXNg")

    async def go() -> RawResponse:
        async with Http() as http:
            return await mp.fetch(http, ref)

    try:
        parsed = mp.parse(asyncio.run(go()), ref.post_id)
    except (Blocked, Unavailable, RateLimited):
        pytest.skip("WeChat asked for verification or the article is gone")
    assert parsed.title and parsed.metrics.views is None


def _feed(**fields: Any) -> bytes:
    feed = {"description": "d", "favCountFmt": "1581", "commentCountFmt": "3", "forwardCountFmt": "2", **fields}
    return json.dumps({"errCode": 0, "data": {"feedInfo": feed}}).encode()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"favCount": 0}, None),  # 0 beside "1581": a placeholder
        ({"favCount": 99}, None),
        ({"favCount": 1581}, (1581, CountKind.EXACT, None)),
        ({"favCount": 12345, "favCountFmt": "1.2万"}, (12345, CountKind.EXACT, None)),
        ({"favCount": 123456, "favCountFmt": "10万+"}, (123456, CountKind.EXACT, None)),
        ({"favCount": 99999, "favCountFmt": "10万+"}, None),
        ({"favCount": -1}, (1581, CountKind.EXACT, "1581")),  # a sentinel int: the display string
    ],
)
def test_channels_int_and_display_string_must_agree(fields: dict[str, Any], expected: Any) -> None:
    parsed = channels.parse(sph_raw(_feed(**fields)), SPH)
    assert values(parsed.metrics.likes) == expected
    if expected is None:
        assert any("contradicts" in w for w in parsed.warnings)


@pytest.mark.parametrize(
    "body",
    [
        "<html><body><p>当前环境异常，完成验证后即可继续访问。</p></body></html>",
        "<html><body>访问过于频繁，请稍后再试</body></html>",
    ],
)
def test_channels_risk_control_html_is_blocked(body: str) -> None:
    with pytest.raises(Blocked, match="risk-control"):
        channels.parse(sph_raw(body.encode()), SPH)


def test_channels_error_code_as_a_string_is_still_an_error() -> None:
    body = json.loads(_feed())
    body.update({"errCode": "-424242", "errMsg": "unknown"})
    with pytest.raises(ParseError, match="-424242"):
        channels.parse(sph_raw(json.dumps(body).encode()), SPH)


@pytest.mark.parametrize(
    ("stat", "base", "words"),
    [
        ({"show": False, "is_login": False, "read_num": 0, "like_num": 0, "ret": 0}, {"wxtoken": 1}, "is_login false"),
        ({"show": False, "is_login": True, "read_num": 0, "like_num": 0}, {"wxtoken": 1}, "show false"),
        ({"read_num": 0, "like_num": 0, "ret": -3}, {"wxtoken": 1}, "ret -3"),
        ({"read_num": 5, "like_num": 1}, {"ret": "-3", "errmsg": "no session"}, "ret -3"),
    ],
)
def test_mp_appmsgext_placeholder_zeros_are_not_counts(stat: dict[str, Any], base: dict[str, Any], words: str) -> None:
    body = json.dumps({"advertisement_num": 0, "appmsgstat": stat, "base_resp": base}).encode()
    with pytest.raises(AuthRequired, match=words):
        mp.parse(mp_raw(body, url="https://mp.weixin.qq.com/mp/getappmsgext"), "AbCdEfGhIjKlMnOpQrStUv")
