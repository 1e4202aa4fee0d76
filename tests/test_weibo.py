"""weibo: identity (mid/bid, link forms, video links, short links), parsing of real samples and our
fixtures, the visitor-cookie fetch flow, short-link resolution, and the weibo bug cases."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from reach import NeedsResolution, UnsupportedURL, identify
from reach.collectors import get_collector
from reach.collectors.base import RawResponse
from reach.collectors.weibo import bid_to_mid, mid_to_bid, weibo_time
from reach.config import Settings
from reach.errors import AuthRequired, Blocked, NetworkError, ParseError, RateLimited, Unavailable
from reach.http import Http
from reach.models import Count, CountKind, ParsedPost, PostRef

from .conftest import fixture_bytes, json_response

weibo = get_collector("weibo")
SHOW = "https://weibo.com/ajax/statuses/show"


def raw(
    body: bytes | str, status: int = 200, url: str = SHOW + "?id=1", headers: dict[str, str] | None = None
) -> RawResponse:
    data = body.encode() if isinstance(body, str) else body
    return RawResponse(status=status, url=url, body=data, headers=headers or {})


def fixture(name: str) -> RawResponse:
    return raw(fixture_bytes("weibo", name))


def as_json(obj: Any, status: int = 200) -> RawResponse:
    return raw(json.dumps(obj, ensure_ascii=False), status)


def value(count: Count | None) -> int | None:
    return None if count is None else count.value


def counts(parsed: ParsedPost) -> dict[str, int | None]:
    m = parsed.metrics
    return {
        "views": value(m.views),
        "likes": value(m.likes),
        "comments": value(m.comments),
        "shares": value(m.shares),
        "favorites": value(m.favorites),
    }


# -- base62 ------------------------------------------------------------------------------------


def test_base62_vectors_from_samples(samples: Path) -> None:
    with (samples / "weibo" / "mid_base62_vectors.tsv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) >= 11
    for row in rows:
        bid, mid = row["mblogid_base62"], row["mid_numeric"]
        assert bid_to_mid(bid) == mid, bid
        assert mid_to_bid(mid) == bid, mid


@pytest.mark.parametrize(
    ("bid", "mid"),
    [
        ("O5banBlCi", "5012345678901234"),
        ("O5bag0002", "5012345600000002"),  # zero-padded groups both ways
        ("O00000001", "5000000000000001"),
        ("NFXsjFXsj", "4999999999999999"),
        ("1", "1"),
        ("10000", "10000000"),  # leftmost group "1", then "0000" -> "0000000"
    ],
)
def test_base62_own_vectors(bid: str, mid: str) -> None:
    assert bid_to_mid(bid) == mid
    assert mid_to_bid(mid) == bid
    assert mid_to_bid(int(mid)) == bid


@pytest.mark.parametrize("bad", ["", "N4xl-vjhI", "ZZZZZ", "中文"])
def test_bid_to_mid_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        bid_to_mid(bad)


@pytest.mark.parametrize("bad", ["", "0123", "12a", "-5"])
def test_mid_to_bid_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        mid_to_bid(bad)


# -- identity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "post_id"),
    [
        ("https://weibo.com/7827771738/N4xlMvjhI", "4910815147462302"),
        ("https://www.weibo.com/7827771738/N4xlMvjhI?refer_flag=1001030103_", "4910815147462302"),
        ("https://weibo.com/1707895270/5006106478773472", "5006106478773472"),
        ("https://weibo.com/0/4224132150961381", "4224132150961381"),
        ("http://weibo.com/7000000001/O5banBlCi#comment", "5012345678901234"),
        ("https://m.weibo.cn/status/4189191225395228", "4189191225395228"),
        ("https://m.weibo.cn/status/FBqgOmDxO", "4189191225395228"),
        ("https://m.weibo.cn/detail/4189191225395228", "4189191225395228"),
        ("https://m.weibo.cn/detail/5120561132606436?sourceType=weixin", "5120561132606436"),
        ("https://m.weibo.cn/1669879400/HyTZc60ew", "4383183661430868"),
        ("https://m.weibo.cn/1669879400/4383183661430868", "4383183661430868"),
        ("https://weibo.com/detail/4910815147462302", "4910815147462302"),
        ("https://weibo.com/status/LEZDodaiW", "4797700463137878"),
        ("https://weibo.cn/comment/HyZVegYAP", "4383411844046171"),
        ("https://weibo.com/u/1669879400?tabtype=newVideo&layerid=4382054705416396", "4382054705416396"),
        ("https://weibo.com/ajax/statuses/show?id=N4xlMvjhI", "4910815147462302"),
        ("https://weibo.com/ajax/statuses/show?id=4910815147462302&locale=zh-CN", "4910815147462302"),
        ("https://m.weibo.cn/statuses/extend?id=4383487819465288", "4383487819465288"),
        # the post's link carried by a visitor page (what the address bar shows after a wall)
        (
            "https://passport.weibo.com/visitor/visitor?entry=miniblog&a=enter"
            "&url=https%3A%2F%2Fweibo.com%2F7000000001%2FO5banBlCi&domain=weibo.com",
            "5012345678901234",
        ),
        # a video link that names its post
        ("https://weibo.com/tv/show/1034:5012345600000002?mid=5012345678901234", "5012345678901234"),
        ("weibo:5012345678901234", "5012345678901234"),
        ("weibo:O5banBlCi", "5012345678901234"),
        ("【全民反诈】先挂断，再核实！ https://weibo.com/7000000001/O5banBlCi ​", "5012345678901234"),
    ],
)
def test_identify_weibo(text: str, post_id: str) -> None:
    ref = identify(text)
    assert (ref.platform, ref.post_id, ref.post_key) == ("weibo", post_id, f"weibo:{post_id}")


def test_every_form_of_one_post_has_one_key() -> None:
    forms = [
        "https://weibo.com/7000000001/O5banBlCi",
        "https://weibo.com/7000000001/5012345678901234",
        "https://m.weibo.cn/detail/5012345678901234",
        "https://m.weibo.cn/status/O5banBlCi",
        "https://weibo.com/detail/5012345678901234",
        weibo.canonical_url("5012345678901234"),
    ]
    assert {identify(f).post_key for f in forms} == {"weibo:5012345678901234"}


@pytest.mark.parametrize(
    "url",
    [
        "https://weibo.com/tv/show/1034:4797699866951785?from=old_pc_videoshow",
        "https://weibo.com/tv/show/1034:633c288cc043d0ca7808030f1157da64",
        "https://video.weibo.com/show?fid=1034:4967272104787984",
        "https://h5.video.weibo.com/show/1034:5012345600000002",
    ],
)
def test_video_object_links_are_not_post_ids(url: str) -> None:
    """1034:<oid> names the video object, a different number from the post's mid: refused clearly."""
    with pytest.raises(UnsupportedURL) as info:
        identify(url)
    message = str(info.value)
    assert "video" in message and "post's own link" in message and "\n" not in message


@pytest.mark.parametrize(
    "url",
    [
        "https://weibo.com/7000000001/profile",
        "https://weibo.com/7000000001/follow",
        "https://weibo.com/u/7000000001",
        "https://weibo.com/7000000001",
        "https://m.weibo.cn/u/7000000001",
        "https://m.weibo.cn/profile/7000000001",
    ],
)
def test_user_pages_are_not_posts(url: str) -> None:
    with pytest.raises(UnsupportedURL, match="user page"):
        identify(url)


@pytest.mark.parametrize(
    "text",
    [
        "https://t.cn/A6abcdEf",  # Sina's general shortener: not resolved
        "https://weibo.com/7000000001/0000ZZZZ1",  # a group that cannot be 7 digits
        "https://weibo.com/7000000001/12345",  # too short to be a mid
        "https://s.weibo.com/weibo?q=%23全民反诈%23",
        "weibo:abc",
    ],
)
def test_not_a_weibo_post(text: str) -> None:
    with pytest.raises(UnsupportedURL):
        identify(text)


@pytest.mark.parametrize(
    "url",
    [
        "https://mapp.api.weibo.cn/fx/0123456789abcdef0123456789abcdef.html",
        "https://share.weibo.com/AbCdEf",
        "https://share.api.weibo.cn/share/123456789,5012345678901234.html",
    ],
)
def test_short_links_need_resolution(url: str) -> None:
    with pytest.raises(NeedsResolution) as info:
        identify(f"【示范县公安局的微博】 {url} 打开微博查看")
    assert info.value.platform == "weibo" and info.value.url == url


# -- time --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue Apr 02 10:44:29 +0800 2024", datetime(2024, 4, 2, 2, 44, 29, tzinfo=timezone.utc)),
        ("Mon Jan 01 03:00:00 +0800 2024", datetime(2023, 12, 31, 19, 0, tzinfo=timezone.utc)),  # day before in UTC
        ("Sun Dec 31 22:30:00 -0530 2023", datetime(2024, 1, 1, 4, 0, tzinfo=timezone.utc)),
        ("Fri Mar 01 18:30:00 +0000 2024", datetime(2024, 3, 1, 18, 30, tzinfo=timezone.utc)),
    ],
)
def test_weibo_time(text: str, expected: datetime) -> None:
    assert weibo_time(text) == expected


@pytest.mark.parametrize(
    "text", ["06-14", "3小时前", "刚刚", "Tue Foo 02 10:44:29 +0800 2024", "Tue Feb 30 10:00:00 +0800 2024", 0, None]
)
def test_weibo_time_refuses(text: object) -> None:
    assert weibo_time(text) is None


# -- real samples ------------------------------------------------------------------------------

TIMELINE = "m_weibo_cn_getIndex_user_timeline_2019.json"
EXTEND = "m_weibo_cn_statuses_extend_2019.json"
REPOST = "m_weibo_cn_statuses_show_repost_2019.json"
VECTORS = "mid_base62_vectors.tsv"

# sample -> (post id asked or None, expected post id, {metric: value}, published)
SAMPLE_OK: dict[str, list[tuple[str | None, str, dict[str, int | None], datetime | None]]] = {
    REPOST: [
        (
            None,
            "4383411844046171",
            {"views": None, "likes": 0, "comments": 0, "shares": 0, "favorites": None},
            datetime(2019, 6, 15, 3, 44, 46, tzinfo=timezone.utc),
        ),
        (
            "4383411844046171",
            "4383411844046171",
            {"views": None, "likes": 0, "comments": 0, "shares": 0, "favorites": None},
            datetime(2019, 6, 15, 3, 44, 46, tzinfo=timezone.utc),
        ),
    ],
    EXTEND: [
        (
            "4383487819465288",
            "4383487819465288",
            {"views": None, "likes": 0, "comments": 0, "shares": 0, "favorites": None},
            None,
        ),
    ],
    TIMELINE: [
        (
            "4383183661430868",
            "4383183661430868",
            {"views": None, "likes": 348872, "comments": 95535, "shares": 240492, "favorites": None},
            None,
        ),
        (  # a video post: online_users_number 9035434 ("903万次观看")
            "4382054705416396",
            "4382054705416396",
            {"views": 9035434, "likes": 279961, "comments": 55541, "shares": 174601, "favorites": None},
            None,
        ),
        (
            "4381312410216312",
            "4381312410216312",
            {"views": 11365033, "likes": 229303, "comments": 30720, "shares": 867586, "favorites": None},
            None,
        ),
        (  # "100万+" strings: lower bounds; attitudes stays an exact int above the cap
            "4379188905591760",
            "4379188905591760",
            {"views": None, "likes": 1049077, "comments": 1000000, "shares": 1000000, "favorites": None},
            None,
        ),
    ],
}
SAMPLE_ERRORS: dict[str, type[Exception]] = {
    TIMELINE: ParseError,  # several posts and no post id: asks for --url
    EXTEND: ParseError,  # no id in the body and none given: asks for --url
}


def test_every_sample_is_covered(samples: Path) -> None:
    names = {p.name for p in (samples / "weibo").iterdir() if not p.name.endswith(".source.txt")}
    assert names == set(SAMPLE_OK) | set(SAMPLE_ERRORS) | {VECTORS}


@pytest.mark.parametrize(
    ("name", "index"), [(name, i) for name, cases in sorted(SAMPLE_OK.items()) for i in range(len(cases))]
)
def test_samples_ok(samples: Path, name: str, index: int) -> None:
    asked, post_id, expected, published = SAMPLE_OK[name][index]
    parsed = weibo.parse(raw((samples / "weibo" / name).read_bytes(), url="https://m.weibo.cn/detail/unknown"), asked)
    assert parsed.post_id == post_id
    assert counts(parsed) == expected
    assert parsed.published_at == published
    if expected["views"] is None:
        assert any("views not shown" in w for w in parsed.warnings)


@pytest.mark.parametrize("name", sorted(SAMPLE_ERRORS))
def test_samples_without_post_id(samples: Path, name: str) -> None:
    with pytest.raises(SAMPLE_ERRORS[name], match="--url"):
        weibo.parse(raw((samples / "weibo" / name).read_bytes(), url="https://m.weibo.cn/detail/unknown"))


def test_sample_capped_strings_are_lower_bounds(samples: Path) -> None:
    parsed = weibo.parse(raw((samples / "weibo" / TIMELINE).read_bytes()), "4379188905591760")
    m = parsed.metrics
    assert m.shares is not None and m.shares.kind is CountKind.LOWER_BOUND and m.shares.raw == "100万+"
    assert m.comments is not None and m.comments.kind is CountKind.LOWER_BOUND
    assert m.likes is not None and m.likes.kind is CountKind.EXACT
    assert parsed.author == "Dear-迪丽热巴"
    assert parsed.published_at is None and parsed.published_text == "06-03"  # no year: placed at collection time


def test_sample_repost_counters_are_its_own(samples: Path) -> None:
    """The 2019 repost has 0/0/0 while its retweeted original has reposts_count 1."""
    parsed = weibo.parse(raw((samples / "weibo" / REPOST).read_bytes()))
    assert parsed.metrics.shares == Count.exact(0)
    assert parsed.title == "转发微博" and parsed.author == "九月九的晴天"


def test_sample_bid_as_post_id(samples: Path) -> None:
    """The repost sample was fetched with the bid HyZVegYAP; identity turns it into its mid."""
    assert identify("https://m.weibo.cn/status/HyZVegYAP").post_id == "4383411844046171"
    with pytest.raises(ParseError, match="not for the requested"):
        weibo.parse(raw((samples / "weibo" / REPOST).read_bytes()), "4383404751066167")


def test_sample_timeline_post_not_in_it(samples: Path) -> None:
    with pytest.raises(ParseError, match="not the requested"):
        weibo.parse(raw((samples / "weibo" / TIMELINE).read_bytes()), "5012345678901234")


# -- our fixtures: shapes -----------------------------------------------------------------------


def test_ajax_show_video() -> None:
    parsed = weibo.parse(fixture("ajax_show_video.json"), "5012345678901234")
    assert parsed.post_id == "5012345678901234"
    assert counts(parsed) == {"views": 123456, "likes": 6789, "comments": 45, "shares": 321, "favorites": None}
    assert parsed.metrics.views == Count.exact(123456)
    assert parsed.published_at == datetime(2024, 4, 2, 2, 44, 29, tzinfo=timezone.utc)
    assert parsed.author == "示范县公安局"
    assert parsed.title is not None and parsed.title.startswith("【防范电信诈骗】") and "<" not in parsed.title
    assert any("favorites" in w for w in parsed.warnings)
    assert not any("views" in w for w in parsed.warnings)


def test_ajax_show_text_post_has_no_views() -> None:
    parsed = weibo.parse(fixture("ajax_show_text.json"))
    assert parsed.post_id == "5012345678905678"
    assert counts(parsed) == {"views": None, "likes": 15, "comments": 2, "shares": 0, "favorites": None}
    assert parsed.metrics.shares == Count.exact(0)  # a genuine 0 stays 0
    assert any("no public read count" in w for w in parsed.warnings)
    assert parsed.title == "冬季道路结冰，出行请减速慢行。 注意安全！"
    assert parsed.published_at == datetime(2024, 1, 6, 0, 15, tzinfo=timezone.utc)


def test_mweibo_show_caps_and_display_views() -> None:
    parsed = weibo.parse(fixture("mweibo_show_capped.json"), "5001002003004005")
    m = parsed.metrics
    assert m.shares == Count(1000000, CountKind.LOWER_BOUND, 1, None)  # int exactly at the cap
    assert m.comments is not None and (m.comments.value, m.comments.kind) == (1000000, CountKind.LOWER_BOUND)
    assert m.likes == Count.exact(10430176)  # above the cap: an exact int
    assert m.views == Count(2650000, CountKind.APPROXIMATE, 10000, "265万次播放")
    assert parsed.title is not None and parsed.title.startswith("全民禁毒 #禁毒宣传#") and "<" not in parsed.title
    assert any("lower bound" in w for w in parsed.warnings)


def test_mweibo_detail_page_render_data() -> None:
    parsed = weibo.parse(fixture("mweibo_detail_page.html"))
    assert parsed.post_id == "5012340000000009"
    assert counts(parsed) == {"views": 410000, "likes": 5120, "comments": 310, "shares": 1208, "favorites": None}
    assert parsed.metrics.views is not None and parsed.metrics.views.raw == "41万次观看"
    assert parsed.metrics.views.kind is CountKind.APPROXIMATE
    assert parsed.author == "示范市消防救援支队"


def test_search_cards_pick_the_post_and_ignore_the_nested_original() -> None:
    parsed = weibo.parse(fixture("search_cards.html"), "5023456789012346")
    assert counts(parsed) == {"views": None, "likes": 7, "comments": None, "shares": 3, "favorites": None}
    assert any("评论 without a number" in w for w in parsed.warnings)  # label only: not 0
    assert parsed.author == "示范镇派出所" and parsed.title == "转发学习！"
    other = weibo.parse(fixture("search_cards.html"), "5012345678901234")
    assert other.metrics.likes == Count(12000, CountKind.APPROXIMATE, 1000, "1.2万")
    assert (value(other.metrics.comments), value(other.metrics.shares)) == (45, 321)
    with pytest.raises(ParseError, match="--url"):
        weibo.parse(fixture("search_cards.html"))
    with pytest.raises(ParseError, match="no card"):
        weibo.parse(fixture("search_cards.html"), "5000000000000001")


def test_video_views_fallbacks() -> None:
    def video(media: dict[str, Any], **page: Any) -> dict[str, Any]:
        return {
            "id": 5012345678901234,
            "reposts_count": 1,
            "comments_count": 2,
            "attitudes_count": 3,
            "page_info": {"type": "video", "media_info": media, **page},
        }

    online = weibo.parse(as_json(video({"online_users": "903万次观看"})))
    assert online.metrics.views == Count(9030000, CountKind.APPROXIMATE, 10000, "903万次观看")
    placeholder = weibo.parse(as_json(video({"online_users_number": 0, "online_users": "1.2万次观看"})))
    assert value(placeholder.metrics.views) == 12000  # a 0 next to a non-zero display is not trusted
    zero = weibo.parse(as_json(video({"online_users_number": 0, "online_users": "0次观看"})))
    assert zero.metrics.views == Count.exact(0)
    play = weibo.parse(as_json(video({}, play_count=9035434)))
    assert play.metrics.views == Count.exact(9035434)
    capped = weibo.parse(as_json(video({"online_users_number": 1000000})))
    assert capped.metrics.views is not None and capped.metrics.views.kind is CountKind.LOWER_BOUND
    missing = weibo.parse(as_json(video({"duration": 30})))
    assert missing.metrics.views is None and any("video post without" in w for w in missing.warnings)
    live = weibo.parse(
        as_json(
            {
                "id": 5012345678901234,
                "reposts_count": 1,
                "comments_count": 2,
                "attitudes_count": 3,
                "page_info": {"type": "live", "media_info": {"online_users_number": 5000}},
            }
        )  # fmt: skip
    )
    assert live.metrics.views is None and any("live" in w for w in live.warnings)


def test_mixed_media_views() -> None:
    base: dict[str, Any] = {"id": 5012345678901234, "reposts_count": 1, "comments_count": 2, "attitudes_count": 3}
    one = dict(base, mix_media_info={"items": [
        {"type": "pic", "data": {}},
        {"type": "video", "data": {"media_info": {"online_users_number": 4321}}},
    ]})  # fmt: skip
    assert weibo.parse(as_json(one)).metrics.views == Count.exact(4321)
    two = dict(base, mix_media_info={"items": [
        {"type": "video", "data": {"media_info": {"online_users_number": 1}}},
        {"type": "video", "data": {"media_info": {"online_users_number": 2}}},
    ]})  # fmt: skip
    parsed = weibo.parse(as_json(two))
    assert parsed.metrics.views is None and any("several videos" in w for w in parsed.warnings)


def test_hidden_and_odd_counters_are_none_not_zero() -> None:
    parsed = weibo.parse(as_json({"id": "5012345678901234", "comments_count": -1, "reposts_count": "--", "ok": 1}))
    assert counts(parsed) == {"views": None, "likes": None, "comments": None, "shares": None, "favorites": None}
    assert {w.split(" ")[0] for w in parsed.warnings} >= {"likes", "comments", "shares", "views", "favorites"}


def test_weibo_com_list_answer() -> None:
    body = {"ok": 1, "data": {"list": [
        {"idstr": "5012345678901234", "reposts_count": 1, "comments_count": 2, "attitudes_count": 3},
        {"idstr": "5012345678905678", "reposts_count": 4, "comments_count": 5, "attitudes_count": 6},
    ]}}  # fmt: skip
    assert value(weibo.parse(as_json(body), "5012345678905678").metrics.likes) == 6
    with pytest.raises(ParseError, match="--url"):
        weibo.parse(as_json(body))


def test_render_data_array_saved_alone() -> None:
    body = [{"status": {"id": "5012345678901234", "reposts_count": 1, "comments_count": 2, "attitudes_count": 3}}]
    assert weibo.parse(as_json(body)).post_id == "5012345678901234"


def test_id_from_url_for_id_less_answers() -> None:
    body = {
        "ok": 1,
        "data": {"ok": 1, "longTextContent": "全文", "reposts_count": 1, "comments_count": 2, "attitudes_count": 3},
    }
    parsed = weibo.parse(raw(json.dumps(body), url="https://m.weibo.cn/statuses/extend?id=5012345678901234"))
    assert parsed.post_id == "5012345678901234"


def test_timeline_card_groups_and_wrapped_status() -> None:
    status = {"id": "5012345678901234", "reposts_count": 1, "comments_count": 2, "attitudes_count": 3}
    grouped = {"ok": 1, "data": {"cards": [{"card_type": 11, "card_group": [{"card_type": 9, "mblog": status}]}, "x"]}}
    assert weibo.parse(as_json(grouped)).post_id == "5012345678901234"
    wrapped = {"ok": 1, "data": {"status": status}}
    assert weibo.parse(as_json(wrapped)).post_id == "5012345678901234"
    with pytest.raises(ParseError, match="holds no status"):
        weibo.parse(as_json({"ok": 1, "data": {"list": []}}))


def test_unreadable_render_data_and_card_counts() -> None:
    with pytest.raises(ParseError, match="render_data"):
        weibo.parse(raw("<script>var $render_data = [{status: oops}][0] || {};</script>"))
    with pytest.raises(ParseError, match="holds no status"):
        weibo.parse(raw('<script>var $render_data = [{"call": "1"}][0] || {};</script>'))
    card = '<div class="card-act" mid="1"><a action-type="feed_list_forward">转发 很多</a></div>'
    parsed = weibo.parse(raw(card), "5012345678901234")
    assert parsed.metrics.shares is None and any("unreadable" in w for w in parsed.warnings)
    with pytest.raises(ParseError, match="card-act"):
        weibo.parse(raw('<div class="card-comment"><div class="card-act"></div></div>'))


# -- our fixtures: errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("show_deleted_20101.json", Unavailable, "does not exist"),
        ("show_no_permission_20112.json", Unavailable, "visible to some people"),
        ("show_login_-100.json", AuthRequired, r"cookies \(SUB\)"),
        ("login_page.html", AuthRequired, "login wall"),
        ("visitor_page.html", AuthRequired, "visitor wall"),
        ("error_page.html", Unavailable, "does not exist"),
        ("captcha_page.html", Blocked, "captcha"),
    ],
)
def test_error_fixtures(name: str, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        weibo.parse(fixture(name), "5012345678901234")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"ok": 0, "msg": "操作过于频繁"}, RateLimited),
        ({"ok": 0, "msg": "请先登录"}, AuthRequired),
        ({"ok": -100, "msg": "请先登录", "url": "https://passport.weibo.cn/signin/welcome"}, AuthRequired),
        ({"ok": 0, "msg": "抱歉，此微博已被作者删除"}, Unavailable),
        ({"ok": 0, "msg": "该微博仅自己可见"}, Unavailable),
        ({"ok": 0, "msg": "请输入验证码"}, Blocked),
        ({"ok": 0, "msg": "系统繁忙"}, ParseError),  # unknown message: nothing recorded
        ({"ok": 0}, ParseError),
        (
            {"error": "target weibo does not exist!", "error_code": 20101, "request": "/2/statuses/show.json"},
            Unavailable,
        ),
        ({"ok": 0, "error_code": "20112"}, Unavailable),
        ({"ok": 0, "error_code": 29999, "msg": "unknown"}, ParseError),
        ({"ok": 1, "data": {"ok": 0, "msg": "该微博不存在"}}, Unavailable),
        ({"ok": 1}, ParseError),  # ok without a status
        ({"ok": 1, "data": {}}, ParseError),
        ({"ok": 1, "data": {"cards": []}}, ParseError),
        (
            {"id": "5012345678901234", "deleted": "1", "text": "抱歉，此微博已被作者删除。", "reposts_count": 0},
            Unavailable,
        ),
        ({"ok": 1, "id": "5012345678901234", "text": "no counters"}, ParseError),
        ([1, 2], ParseError),
        ("just a string", ParseError),
    ],
)
def test_error_envelopes(body: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        weibo.parse(as_json(body), "5012345678901234")


def test_envelope_checked_before_counters() -> None:
    body = {
        "ok": 0,
        "msg": "该微博不存在",
        "id": "5012345678901234",
        "reposts_count": 0,
        "comments_count": 0,
        "attitudes_count": 0,
    }
    with pytest.raises(Unavailable):
        weibo.parse(as_json(body))


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (403, Blocked),
        (418, Blocked),
        (432, Blocked),
        (429, RateLimited),
        (502, NetworkError),
        (404, ParseError),
        (200, ParseError),
    ],
)
def test_http_statuses(status: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        weibo.parse(raw("<html><body>nothing here</body></html>", status))


def test_blocked_status_with_a_status_body_is_still_blocked() -> None:
    with pytest.raises(Blocked):
        weibo.parse(raw(fixture_bytes("weibo", "ajax_show_text.json"), 418))


def test_empty_body() -> None:
    with pytest.raises(ParseError, match="empty"):
        weibo.parse(raw(b""))
    with pytest.raises(Blocked):
        weibo.parse(raw(b"", 432))


def test_redirects() -> None:
    with pytest.raises(AuthRequired, match="login wall"):
        weibo.parse(raw(b"", 302, headers={"location": "https://weibo.com/login.php?url=x"}))
    with pytest.raises(AuthRequired, match="login wall"):
        weibo.parse(raw(b"", 302, headers={"location": "https://weibo.com/newlogin?tabtype=weibo"}))
    with pytest.raises(Unavailable):
        weibo.parse(raw(b"", 302, headers={"location": "https://weibo.com/sorry?pagenotfound&"}))
    with pytest.raises(ParseError, match="redirected"):
        weibo.parse(raw(b"", 301, headers={"location": "https://weibo.com/somewhere"}))
    with pytest.raises(ParseError, match="without a Location"):
        weibo.parse(raw(b"", 302))
    with pytest.raises(AuthRequired, match="visitor"):  # a followed redirect ends on passport
        weibo.parse(raw("<html></html>", url="https://passport.weibo.com/visitor/visitor?entry=miniblog"))


def test_answer_for_another_post_is_refused() -> None:
    with pytest.raises(ParseError, match="not for the requested"):
        weibo.parse(fixture("ajax_show_video.json"), "5012345678905678")


def test_unknown_html_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="expected weibo.com/ajax"):
        weibo.parse(raw("<html><head><title>微博</title></head><body>你好</body></html>"))


def test_login_link_inside_a_real_page_is_not_a_wall() -> None:
    page = (
        fixture_bytes("weibo", "mweibo_detail_page.html")
        .decode()
        .replace(
            '<div id="app"></div>', '<div id="app"><a href="https://passport.weibo.cn/signin/login">登录</a></div>'
        )
    )
    assert weibo.parse(raw(page)).post_id == "5012340000000009"


# -- the bug cases (../shared/cases/bug_cases.jsonl), with invented data ------------------------


def test_case_e17_01_visitor_redirect_in_parse() -> None:
    """e17-01: a 302 to passport.weibo.com's visitor system is a visitor wall, never data."""
    location = (
        "https://passport.weibo.com/visitor/visitor?entry=miniblog&a=enter&url=https%3A%2F%2Fweibo.com%2Fajax"
        "%2Fstatuses%2Fshow%3Fid%3DO9QdwBOwq&domain=weibo.com&ua=python-httpx%2F0.28.1&_rand=1712000000000"
    )
    with pytest.raises(AuthRequired, match="visitor wall") as info:
        weibo.parse(raw(b"", 302, headers={"location": location}), "5023456789012346")
    assert info.value.http_status == 302
    relative = raw(b"", 302, url="https://passport.weibo.com/x", headers={"location": "/visitor/visitor?a=enter"})
    with pytest.raises(AuthRequired, match="visitor"):
        weibo.parse(relative)


def test_case_e17_02_login_page_with_bot_detector() -> None:
    """e17-02: a 200 HTML page titled 登录 - 微博 with wbBotDetector is a login wall."""
    page = (
        '<!DOCTYPE html><html lang="zh"><head><script>function onBotLoaded(){if(window.wbBotDetector)'
        '{window.wbBotDetector.load({from:"weibo"})}}</script><title>登录 - 微博</title></head><body></body></html>'
    )
    with pytest.raises(AuthRequired, match="login wall"):
        weibo.parse(raw(page), "5012345678901234")
    with pytest.raises(AuthRequired):  # the detector alone, without the title
        weibo.parse(raw('<html><script>window.wbBotDetector.load({from:"weibo"})</script></html>'))


def test_case_e18_01_repost_counters_are_its_own() -> None:
    """e18-01: the repost's counters, never its retweeted_status's."""
    fragment = {
        "id": "5023456789012346",
        "attitudes_count": 7,
        "comments_count": 0,
        "reposts_count": 3,
        "retweeted_status": {
            "id": "5023456789012345",
            "attitudes_count": 1250000,
            "comments_count": 36000,
            "reposts_count": 8800,
        },
    }
    parsed = weibo.parse(as_json(fragment))
    assert parsed.post_id == "5023456789012346"
    assert counts(parsed) == {"views": None, "likes": 7, "comments": 0, "shares": 3, "favorites": None}
    full = weibo.parse(fixture("ajax_show_repost.json"), "5023456789012346")
    assert counts(full) == {"views": None, "likes": 7, "comments": 0, "shares": 3, "favorites": None}
    assert full.author == "示范镇派出所"
    with pytest.raises(ParseError):  # asking for the original with the repost's answer is refused
        weibo.parse(fixture("ajax_show_repost.json"), "5023456789012345")


def test_case_e19_04_missing_card_elements_are_none() -> None:
    """e19-04: a search card with only the 转发 element: likes and comments None, never 0."""
    fragment = '<div class="card-act"><ul><li><a action-type="feed_list_forward">转发 27</a></li></ul></div>'
    parsed = weibo.parse(raw(fragment), "5012345678901234")
    assert parsed.post_id == "5012345678901234"
    assert counts(parsed) == {"views": None, "likes": None, "comments": None, "shares": 27, "favorites": None}
    assert any(w.startswith("likes not shown") for w in parsed.warnings)
    assert any(w.startswith("comments not shown") for w in parsed.warnings)
    with_mid = f'<div class="card-wrap" mid="5012345678905678">{fragment}</div>'
    assert weibo.parse(raw(with_mid)).post_id == "5012345678905678"
    # `reach parse` of a lone card naming no post: the counts, with a warning that the post is unchecked
    lone = weibo.parse(raw(fragment, url="https://m.weibo.cn/detail/unknown"))
    assert lone.post_id == ""
    assert counts(lone)["shares"] == 27 and counts(lone)["likes"] is None
    assert any("--url" in w for w in lone.warnings)


# -- fetch: visitor cookies, retries, user cookies --------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


def run_fetch(settings: Settings, handler: Handler, mid: str = "5012345678901234") -> tuple[RawResponse, Http]:
    async def go() -> tuple[RawResponse, Http]:
        async with Http(settings, transport=httpx.MockTransport(handler)) as http:
            got = await weibo.fetch(http, PostRef("weibo", mid))
            return got, http

    return asyncio.run(go())


def show_video() -> httpx.Response:
    return httpx.Response(200, content=fixture_bytes("weibo", "ajax_show_video.json"))


def visitor_redirect() -> httpx.Response:
    return httpx.Response(
        302,
        headers={
            "Location": "https://passport.weibo.com/visitor/visitor?entry=miniblog&a=enter&url=x&domain=weibo.com"
        },
    )


def genvisitor2_ok() -> httpx.Response:
    return httpx.Response(
        200,
        content=fixture_bytes("weibo", "genvisitor2.jsonp"),
        headers=[("Set-Cookie", "SUB=_2AkMinventedVisitorSUBvalue0001; path=/; domain=.weibo.com; httponly")],
    )


def test_fetch_plain_success_headers(fast_settings: Settings) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return show_video()

    got, _ = run_fetch(fast_settings, handler)
    assert len(seen) == 1
    request = seen[0]
    assert str(request.url) == SHOW + "?id=5012345678901234"
    assert request.headers["referer"] == "https://weibo.com/"
    assert "Mozilla" in request.headers["user-agent"] and "python" not in request.headers["user-agent"].lower()
    assert request.headers["x-requested-with"] == "XMLHttpRequest"
    assert "application/json" in request.headers["accept"]
    assert weibo.parse(got, "5012345678901234").metrics.likes == Count.exact(6789)


def test_fetch_visitor_flow_then_retry_once(fast_settings: Settings) -> None:
    """e17-01 in fetch: 302 to the visitor system → genvisitor2 → cookies on .weibo.com → retry."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/visitor/genvisitor2":
            return genvisitor2_ok()
        if request.url.path == "/ajax/statuses/show":
            return show_video() if "SUB=" in request.headers.get("cookie", "") else visitor_redirect()
        raise AssertionError(f"unexpected request {request.url}")

    got, http = run_fetch(fast_settings, handler)
    assert [r.url.path for r in seen] == ["/ajax/statuses/show", "/visitor/genvisitor2", "/ajax/statuses/show"]
    gen = seen[1]
    assert gen.method == "POST" and gen.url.host == "passport.weibo.com"
    form = parse_qs(gen.content.decode())
    assert form["cb"] == ["visitor_gray_callback"] and form["from"] == ["weibo"]
    assert gen.headers["referer"] == "https://weibo.com/"
    cookie = seen[2].headers["cookie"]
    assert "SUB=_2AkMinventedVisitorSUBvalue0001" in cookie and "SUBP=0033WrSXqPxfM72" in cookie
    assert weibo.parse(got, "5012345678901234").post_id == "5012345678901234"
    assert got.status == 200


def test_fetch_old_visitor_flow_fallback(fast_settings: Settings) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path == "/visitor/genvisitor2":
            return httpx.Response(404, text="not found")
        if path == "/visitor/genvisitor":
            return httpx.Response(
                200,
                text='window.gen_callback && gen_callback({"retcode":20000000,"msg":"succ",'
                '"data":{"tid":"invented-tid-0002","new_tid":true,"confidence":95}});',
            )
        if path == "/visitor/visitor":
            return httpx.Response(
                200,
                text='window.cross_domain && cross_domain({"retcode":20000000,"msg":"succ",'
                '"data":{"sub":"_2AkMinventedOldFlowSUB","subp":"0033WrSXqPxfMinventedOldSUBP"}});',
            )
        if path == "/ajax/statuses/show":
            if "SUB=_2AkMinventedOldFlowSUB" in request.headers.get("cookie", ""):
                return show_video()
            return httpx.Response(200, content=fixture_bytes("weibo", "login_page.html"))
        raise AssertionError(f"unexpected request {request.url}")

    got, _ = run_fetch(fast_settings, handler)
    paths = [r.url.path for r in seen]
    assert paths == [
        "/ajax/statuses/show",
        "/visitor/genvisitor2",
        "/visitor/genvisitor",
        "/visitor/visitor",
        "/ajax/statuses/show",
    ]
    gen = parse_qs(seen[2].content.decode())
    assert gen["cb"] == ["gen_callback"] and json.loads(gen["fp"][0])["os"] == "1"
    incarnate = seen[3].url.params
    assert incarnate["a"] == "incarnate" and incarnate["t"] == "invented-tid-0002"
    assert incarnate["w"] == "3" and incarnate["c"] == "095" and incarnate["cb"] == "cross_domain"
    assert got.status == 200


def test_fetch_still_walled_after_visitor_cookies(fast_settings: Settings) -> None:
    """e17-02 in fetch: at most two show requests, then auth_required (no retry storm)."""
    shows: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/visitor/genvisitor2":
            return genvisitor2_ok()
        shows.append(request)
        return httpx.Response(200, content=fixture_bytes("weibo", "login_page.html"))

    with pytest.raises(AuthRequired, match=r"login wall: add weibo cookies \(SUB\) in a cookies.txt"):
        run_fetch(fast_settings, handler)
    assert len(shows) == 2


def test_fetch_visitor_flow_fails(fast_settings: Settings) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/visitor/"):
            return httpx.Response(200, text='window.cb && cb({"retcode":50000000,"msg":"fail"});')
        return json_response({"ok": -100, "url": "https://weibo.com/login.php"})

    with pytest.raises(AuthRequired, match="could not be obtained"):
        run_fetch(fast_settings, handler)


def test_fetch_with_user_cookies_skips_the_visitor_flow(fast_settings: Settings, tmp_path: Path) -> None:
    jar = tmp_path / "weibo.txt"
    jar.write_text(
        "# Netscape HTTP Cookie File\n"
        ".weibo.com\tTRUE\t/\tTRUE\t4102444800\tSUB\t_2AkMinventedUserSUB\n"
        ".weibo.com\tTRUE\t/\tTRUE\t4102444800\tSUBP\t0033WrSXqPxfMinventedUserSUBP\n",
        encoding="utf-8",
    )
    jar.chmod(0o600)  # a cookie file others can read is warned about
    settings = Settings(
        timezone=fast_settings.timezone,
        min_interval={"*": 0.0},
        retry_backoff=0.0,
        cookies={"weibo": jar},
    )
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.startswith("/visitor/"):
            raise AssertionError("the visitor flow must not run with the user's cookies")
        return visitor_redirect()

    got, _ = run_fetch(settings, handler)
    assert len(seen) == 1 and "SUB=_2AkMinventedUserSUB" in seen[0].headers["cookie"]
    with pytest.raises(AuthRequired):
        weibo.parse(got, "5012345678901234")


def test_fetch_blocked_status_is_returned_for_parse(fast_settings: Settings) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(432, text="")

    got, _ = run_fetch(fast_settings, handler)
    with pytest.raises(Blocked):
        weibo.parse(got, "5012345678901234")


# -- short-link resolution ----------------------------------------------------------------------


def resolve(settings: Settings, handler: Handler, url: str) -> PostRef:
    async def go() -> PostRef:
        async with Http(settings, transport=httpx.MockTransport(handler)) as http:
            return await weibo.resolve(http, url)

    return asyncio.run(go())


def test_resolve_share_link(fast_settings: Settings) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": "https://m.weibo.cn/detail/5012345678901234?sourceType=weixin"})

    ref = resolve(fast_settings, handler, "https://mapp.api.weibo.cn/fx/0123456789abcdef0123456789abcdef.html")
    assert ref.post_key == "weibo:5012345678901234"
    assert len(seen) == 1 and seen[0].url.host == "mapp.api.weibo.cn"


def test_resolve_through_a_visitor_redirect_reads_the_target(fast_settings: Settings) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            302,
            headers={
                "Location": "https://passport.weibo.com/visitor/visitor?entry=miniblog&a=enter"
                "&url=https%3A%2F%2Fm.weibo.cn%2Fstatus%2FO5banBlCi&domain=weibo.com"
            },
        )

    assert resolve(fast_settings, handler, "https://share.weibo.com/AbCdEf").post_id == "5012345678901234"


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(404, text="not found"), Unavailable),
        (httpx.Response(200, content=fixture_bytes("weibo", "error_page.html")), Unavailable),
        (httpx.Response(200, content=fixture_bytes("weibo", "login_page.html")), AuthRequired),
        (httpx.Response(200, content=fixture_bytes("weibo", "captcha_page.html")), Blocked),
        (httpx.Response(418, text=""), Blocked),
        (httpx.Response(200, text="<html>hello</html>"), UnsupportedURL),
        (httpx.Response(302, headers={"Location": "https://evil.example/x"}), UnsupportedURL),
        (httpx.Response(302, headers={"Location": "https://weibo.com/u/7000000001"}), UnsupportedURL),
    ],
)
def test_resolve_dead_ends(fast_settings: Settings, response: httpx.Response, error: type[Exception]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return response

    with pytest.raises(error):
        resolve(fast_settings, handler, "https://mapp.api.weibo.cn/fx/0123456789abcdef0123456789abcdef.html")


# -- declarations and live -----------------------------------------------------------------------


def test_declarations() -> None:
    assert weibo.max_concurrency == 1 and weibo.min_interval >= 2
    assert set(weibo.cookie_names) == {"SUB", "SUBP"}
    assert "t.cn" not in weibo.hosts
    for host in ("passport.weibo.com", "m.weibo.cn", "mapp.api.weibo.cn", "share.weibo.com"):
        assert any(host == h or host.endswith("." + h) for h in weibo.hosts)
    assert weibo.canonical_url("5012345678901234") == "https://m.weibo.cn/detail/5012345678901234"


@pytest.mark.network
def test_live_public_post() -> None:  # pragma: no cover - needs the internet
    async def go() -> ParsedPost:
        async with Http() as http:
            ref = identify("https://weibo.com/7827771738/N4xlMvjhI")
            return weibo.parse(await weibo.fetch(http, ref), ref.post_id)

    parsed = asyncio.run(go())
    assert parsed.post_id == "4910815147462302"
    assert parsed.metrics.likes is not None and parsed.metrics.likes.value is not None


# -- review round 2 ------------------------------------------------------------------------------


@pytest.mark.parametrize("message", ["这条微博已经被删除", "此微博已经删除", "target weibo not found", "微博不存在了"])
def test_gone_wordings_in_ok_0_are_unavailable(message: str) -> None:
    with pytest.raises(Unavailable):
        weibo.parse(as_json({"ok": 0, "msg": message}), "5012345678901234")


def test_json_after_a_byte_order_mark_is_read() -> None:
    status = {"ok": 1, "idstr": "5012345678901234", "attitudes_count": 5, "comments_count": 3, "reposts_count": 2}
    parsed = weibo.parse(raw(b"\xef\xbb\xbf" + json.dumps(status).encode()), "5012345678901234")
    assert counts(parsed) == {"views": None, "likes": 5, "comments": 3, "shares": 2, "favorites": None}
