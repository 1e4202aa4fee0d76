"""The collector registry's invariants and share-text handling."""

from __future__ import annotations

import re

import pytest

import reach
from reach import NeedsResolution, UnsupportedURL, identify
from reach.collectors import all_collectors, get_collector, platforms
from reach.errors import InputError
from reach.urls import extract_urls


def test_public_api_is_sorted_and_complete() -> None:
    assert reach.__all__ == sorted(reach.__all__)
    for name in reach.__all__:
        assert hasattr(reach, name), name
    for name in ("Tracker", "parse_count", "identify", "Count", "PostRef", "Metrics", "Snapshot", "Outcome"):
        assert name in reach.__all__


@pytest.mark.parametrize("collector", all_collectors(), ids=lambda c: c.platform)
def test_collector_declarations(collector: reach.collectors.Collector) -> None:  # type: ignore[name-defined]
    assert re.fullmatch(r"[a-z_]+", collector.platform)
    assert type(collector).__module__ == f"reach.collectors.{collector.platform}"
    assert (
        type(collector).__module__ and __import__(type(collector).__module__, fromlist=["x"]).__doc__ or ""
    ).startswith("Collector for https://")
    assert collector.example_urls and collector.hosts
    assert all("id" in p.groupindex for p in collector.patterns)
    assert collector.min_interval >= 0 and collector.max_concurrency >= 1


@pytest.mark.parametrize(
    ("collector", "url"),
    [(c, u) for c in all_collectors() for u in c.example_urls],
    ids=lambda v: v if isinstance(v, str) else v.platform,
)
def test_example_urls_match_their_collector_only(collector: reach.collectors.Collector, url: str) -> None:  # type: ignore[name-defined]
    assert collector.match(url) is not None
    others = [c.platform for c in all_collectors() if c is not collector and c.match(url) is not None]
    assert others == []
    assert identify(url).platform == collector.platform


def test_unknown_platform() -> None:
    with pytest.raises(InputError, match="unknown platform"):
        get_collector("myspace")
    assert platforms() == sorted(platforms())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello world",
        "https://example.com/video/BV1J442187uv",
        "https://www.bilibili.com@evil.example/video/BV1J442187uv",  # userinfo trick
        "https://evilbilibili.com/video/BV1J442187uv",
        "https://www.bilibili.com/read/cv123456",
        "file:///etc/passwd",
        "https://www.youtube.com/channel/UCabcdefghijklmnop",
    ],
)
def test_unsupported(text: str) -> None:
    with pytest.raises(UnsupportedURL) as info:
        identify(text)
    assert "\n" not in str(info.value)


def test_share_text_with_invisible_characters_and_fullwidth() -> None:
    text = (
        "\u200b【禁毒】对毒品说NO\u202e！ｈｔｔｐｓ：／／ｗｗｗ．ｂｉｌｉｂｉｌｉ．ｃｏｍ/video/BV1J442187uv，复制打开"
    )
    assert identify(text).post_key == "bilibili:BV1J442187uv"


def test_first_supported_link_wins() -> None:
    text = "see https://example.com/x then https://youtu.be/AbCdEfGhIjk and https://b23.tv/BV1J442187uv"
    assert identify(text).post_key == "youtube:AbCdEfGhIjk"


def test_short_link_first_raises_needs_resolution() -> None:
    with pytest.raises(NeedsResolution):
        identify("https://b23.tv/XyZ12ab https://youtu.be/AbCdEfGhIjk")


def test_extract_urls_strips_trailing_punctuation() -> None:
    assert extract_urls("链接：https://youtu.be/AbCdEfGhIjk。") == ["https://youtu.be/AbCdEfGhIjk"]
    assert extract_urls("b23.tv/AbCdEfG 打开") == ["https://b23.tv/AbCdEfG"]


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("看看 https://v.douyin.com/iAbC12Xy/，复制此链接", "https://v.douyin.com/iAbC12Xy/"),
        ("http://xhslink.com/a/InVeNtEd01，复制本条信息，打开小红书", "http://xhslink.com/a/InVeNtEd01"),
        ("【标题】https://www.bilibili.com/video/BV1J442187uv）！", "https://www.bilibili.com/video/BV1J442187uv"),
        ("ｈｔｔｐｓ：／／ｂ２３．ｔｖ／ＡｂＣ１２３！", "https://b23.tv/AbC123"),
        ("https://www.kuaishou.com/short-video/3xinvented，快来看", "https://www.kuaishou.com/short-video/3xinvented"),
    ],
)
def test_full_width_punctuation_ends_a_link(text: str, url: str) -> None:
    assert extract_urls(text) == [url]


def test_xigua_key_is_a_toutiao_post() -> None:
    assert identify("xigua:7450000000000000001").post_key == "toutiao:7450000000000000001"


def test_a_non_post_page_does_not_hide_the_post_link_after_it() -> None:
    text = "主页 https://weibo.com/u/7000000001 原文 https://m.weibo.cn/status/5012345678901234"
    assert identify(text).post_key == "weibo:5012345678901234"
    with pytest.raises(UnsupportedURL, match="user page"):
        identify("https://weibo.com/u/7000000001")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("myspace:12345", "unknown platform 'myspace'"),
        ("https://channels.weixin.qq.com/web/pages/feed?id=123", "a wechat_channels page.*weixin.qq.com/sph/"),
        ("https://mp.weixin.qq.com/cgi-bin/home", "a wechat_mp page"),
        ("https://www.douyin.com/user/MS4wLjABAAAAinvented", "a douyin page.*douyin.com/video/"),
        ("https://example.com/video/1", "not a post link reach supports"),
    ],
)
def test_refusals_say_what_a_post_link_looks_like(text: str, message: str) -> None:
    with pytest.raises(UnsupportedURL, match=message):
        identify(text)
