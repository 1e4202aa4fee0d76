"""``reach demo``: a whole campaign, offline, through the real code path.

The campaign "对毒品说NO，对青春说YES" (an anti-drug clip around 6·26, the International Day against
Drug Abuse) is posted where a county bureau posts: bilibili (the bureau's own upload, pasted as an app
share text with a ``b23.tv`` short link, plus two reposts), Douyin, Kuaishou and Xiaohongshu (pasted as
the apps' share texts with short links), Weibo, and YouTube (a video and a Short). Every simulated
evening the demo runs a collection round; the only thing replaced is the HTTP transport, which answers
with responses in the platforms' real shapes (the files beside this module: invented ids, names and
numbers). What the platforms hide stays hidden: Douyin plays and Xiaohongshu views are empty, never 0,
and Xiaohongshu shows its counters rounded ("1.2万"). On day 3 bilibili's risk control answers one
request with code -352: the run records it as ``blocked`` and the report carries that post's last value
forward.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from ..config import Settings, system_lang
from ..report import Report
from ..tracker import Tracker

CAMPAIGN = "对毒品说NO，对青春说YES"
TIMEZONE = "Asia/Shanghai"
FIRST_ROUND = datetime(2026, 6, 20, 13, 0, tzinfo=timezone.utc)  # 21:00 Beijing time


@dataclass(frozen=True)
class DemoPost:
    """One demo post and how its counters grow: ``final * (1 - exp(-day / tau))``."""

    link: str
    platform: str
    post_id: str
    title: str
    author: str
    final_views: int
    tau: float
    like_rate: float
    comment_rate: float
    share_rate: float
    favorite_rate: float
    published: datetime


POSTS: tuple[DemoPost, ...] = (
    DemoPost(
        "【对毒品说NO，对青春说YES-哔哩哔哩】 https://b23.tv/DemoAb1",
        "bilibili",
        "BV1a7421K7Qg",
        CAMPAIGN,
        "示范县公安局",
        1_860_000,
        2.2,
        0.061,
        0.004,
        0.009,
        0.012,
        datetime(2026, 6, 20, 1, 0, tzinfo=timezone.utc),
    ),
    DemoPost(
        "https://www.bilibili.com/video/BV1a7421K7Qu/?spm_id_from=333.788&vd_source=demo",
        "bilibili",
        "BV1a7421K7Qu",
        "转发：对毒品说NO，对青春说YES｜禁毒宣传",
        "示范市公安局",
        420_000,
        1.6,
        0.048,
        0.003,
        0.006,
        0.008,
        datetime(2026, 6, 20, 6, 30, tzinfo=timezone.utc),
    ),
    DemoPost(
        "https://m.bilibili.com/video/av1650000003",
        "bilibili",
        "BV1a7421K7QM",
        "校园禁毒课：对毒品说NO",
        "示范县第一中学",
        96_000,
        3.0,
        0.052,
        0.006,
        0.004,
        0.010,
        datetime(2026, 6, 20, 8, 0, tzinfo=timezone.utc),
    ),
    DemoPost(
        "https://youtu.be/dEmOvId0004?si=demo",
        "youtube",
        "dEmOvId0004",
        "Say NO to drugs, say YES to youth",
        "Demo County Police",
        310_000,
        2.5,
        0.031,
        0.002,
        0.0,
        0.0,
        datetime(2026, 6, 20, 1, 0, tzinfo=timezone.utc),
    ),
    DemoPost(
        "https://www.youtube.com/shorts/dEmOsHoRt08",
        "youtube",
        "dEmOsHoRt08",
        "60 seconds against drugs #shorts",
        "Demo County Police",
        1_250_000,
        1.4,
        0.044,
        0.001,
        0.0,
        0.0,
        datetime(2026, 6, 20, 12, 0, tzinfo=timezone.utc),
    ),
)
DOUYIN_ID = "7450000000000000626"
KUAISHOU_ID = "3xjdu626nodrug2"
XIAOHONGSHU_ID = "6650c1d2000000001e00d626"
WEIBO_MID = "5046000000000626"
TOUTIAO_ID = "7450000000000000627"
CHANNELS_ID = "DeMoSph626"
POSTS += (
    DemoPost(
        "4.12 复制打开抖音，看看【示范县公安局的作品】对毒品说NO，对青春说YES # 禁毒 # 626国际禁毒日 "
        "https://v.douyin.com/DeMoDy1/ 复制此链接，打开Dou音搜索，直接观看视频！",
        "douyin",
        DOUYIN_ID,
        "对毒品说NO，对青春说YES #禁毒 #626国际禁毒日",
        "示范县公安局",
        2_400_000,
        1.2,
        0.052,
        0.003,
        0.011,
        0.006,
        datetime(2026, 6, 20, 2, 0, tzinfo=timezone.utc),
    ),
    DemoPost(
        "https://v.kuaishou.com/DeMoKs1 对毒品说NO，对青春说YES 该作品在快手被播放过6.1万次，"
        "点击链接，打开【快手】直接观看！",
        "kuaishou",
        KUAISHOU_ID,
        "对毒品说NO，对青春说YES",
        "示范县公安局",
        880_000,
        1.8,
        0.037,
        0.002,
        0.005,
        0.0,
        datetime(2026, 6, 20, 3, 0, tzinfo=timezone.utc),
    ),
    DemoPost(
        "【对毒品说NO - 示范县公安局 | 小红书 - 你的生活指南】 😆 DeMoXhs 😆 http://xhslink.com/a/DeMoXhs626，"
        "复制本条信息，打开【小红书】App查看精彩内容！",
        "xiaohongshu",
        XIAOHONGSHU_ID,
        "对毒品说NO，青春不留白",
        "示范县公安局",
        300_000,
        2.0,
        0.09,
        0.008,
        0.004,
        0.05,
        datetime(2026, 6, 20, 4, 0, tzinfo=timezone.utc),
    ),
    DemoPost(
        "https://weibo.com/7000000099/OjiFy00a6",
        "weibo",
        WEIBO_MID,
        "【对毒品说NO，对青春说YES】626国际禁毒日，示范县公安局邀你一起拒绝毒品。",
        "示范县公安局",
        650_000,
        1.5,
        0.012,
        0.002,
        0.003,
        0.0,
        datetime(2026, 6, 20, 5, 0, tzinfo=timezone.utc),
    ),
    DemoPost(
        "https://m.toutiao.com/is/DeMoTt1/ - 对毒品说NO，对青春说YES - 今日头条",
        "toutiao",
        TOUTIAO_ID,
        "对毒品说NO，对青春说YES｜626国际禁毒日",
        "示范县公安局",
        520_000,
        2.4,
        0.021,
        0.003,
        0.0,
        0.004,
        datetime(2026, 6, 20, 6, 0, tzinfo=timezone.utc),
    ),
    DemoPost(
        f"https://weixin.qq.com/sph/{CHANNELS_ID}",
        "wechat_channels",
        CHANNELS_ID,
        "对毒品说NO，对青春说YES #禁毒",
        "示范县公安局",
        1_100_000,
        1.6,
        0.024,
        0.002,
        0.013,
        0.0,
        datetime(2026, 6, 20, 7, 0, tzinfo=timezone.utc),
    ),
)
OWNER_REPORTED = ("douyin", "wechat_channels")
"""Platforms whose views the bureau reads in its creator centre and enters with ``Tracker.record``."""
BLOCKED_ON = (3, "BV1a7421K7Qu")  # (day, post): bilibili risk control answers -352 once


def _template(name: str) -> Any:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


class DemoPlatforms:
    """An httpx transport handler that answers like bilibili and YouTube would on a given day."""

    def __init__(self) -> None:
        self.day = 0
        self.bilibili = _template("bilibili_view.json")
        self.blocked = _template("bilibili_risk_control.json")
        self.youtube = _template("youtube_videos_list.json")
        self.douyin = _template("douyin_aweme_detail.json")
        self.kuaishou = _template("kuaishou_state.json")
        self.weibo = _template("weibo_show.json")
        self.toutiao = _template("toutiao_render_data.json")
        self.channels = _template("wechat_channels_feed.json")
        self.by_id = {p.post_id: p for p in POSTS}

    def views(self, post: DemoPost) -> int:
        age = (FIRST_ROUND + timedelta(days=self.day) - post.published).total_seconds() / 86400
        return 0 if age <= 0 else int(post.final_views * (1 - math.exp(-age / post.tau)))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        query = parse_qs(url.query)
        if url.hostname == "b23.tv":
            return httpx.Response(
                302, headers={"Location": "https://www.bilibili.com/video/BV1a7421K7Qg?p=1&share_source=COPY"}
            )
        if url.hostname == "api.bilibili.com" and url.path == "/x/web-interface/view":
            bvid = query.get("bvid", [""])[0]
            post = self.by_id.get(bvid)
            if post is None:
                return httpx.Response(200, json={"code": -404, "message": "啥都木有", "ttl": 1})
            if (self.day, bvid) == BLOCKED_ON:
                return httpx.Response(200, json=self.blocked)
            return httpx.Response(200, json=self._bilibili(post))
        if url.hostname == "www.googleapis.com" and url.path == "/youtube/v3/videos":
            ids = query.get("id", [""])[0].split(",")
            return httpx.Response(200, json=self._youtube([self.by_id[i] for i in ids if i in self.by_id]))
        redirect = _SHORT_LINKS.get(f"{url.hostname}{url.path}")
        if redirect is not None:
            return httpx.Response(302, headers={"Location": redirect})
        if url.hostname == "ttwid.bytedance.com":
            return httpx.Response(
                200,
                json={"status_code": 0, "message": "ok"},
                headers={"Set-Cookie": "ttwid=1%7Cdemo-anonymous-visitor; Path=/; Domain=bytedance.com"},
            )
        if url.hostname == "www.douyin.com" and url.path == "/aweme/v1/web/aweme/detail/":
            post = self.by_id.get(query.get("aweme_id", [""])[0])
            if post is None:
                return httpx.Response(200, content=b"")
            return httpx.Response(200, json=self._douyin(post))
        if url.hostname == "v.m.chenzhongtech.com" and url.path.startswith("/fw/photo/"):
            post = self.by_id.get(url.path.rsplit("/", 1)[-1])
            if post is None:
                return httpx.Response(404, text="not part of the demo")
            return _page(post.title, "window.INIT_STATE", self._kuaishou(post))
        if url.hostname == "www.xiaohongshu.com" and url.path.startswith("/discovery/item/"):
            post = self.by_id.get(url.path.rsplit("/", 1)[-1])
            if post is None:
                return httpx.Response(404, text="not part of the demo")
            return _page(post.title, "window.__INITIAL_STATE__", self._xiaohongshu(post))
        if url.hostname == "weibo.com" and url.path == "/ajax/statuses/show":
            post = self.by_id.get(query.get("id", [""])[0])
            if post is None:
                return httpx.Response(
                    200, json={"ok": 0, "error_code": 20101, "message": "target weibo does not exist!"}
                )
            return httpx.Response(200, json=self._weibo(post))
        if url.hostname == "www.toutiao.com" and url.path.startswith("/video/"):
            post = self.by_id.get(url.path.strip("/").rsplit("/", 1)[-1])
            if post is None:
                return httpx.Response(404, text="not part of the demo")
            data = quote(json.dumps(self._toutiao(post), ensure_ascii=False, separators=(",", ":")), safe="")
            html = (
                f'<!doctype html><html><head><meta charset="utf-8"><title>{post.title} - 今日头条</title></head>'
                f'<body><div id="root"></div><script id="RENDER_DATA" type="application/json">{data}</script>'
                "</body></html>"
            )
            return httpx.Response(200, content=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"})
        if url.hostname == "channels.weixin.qq.com" and url.path == "/finder-preview/api/feed/get_feed_info":
            post = self.by_id.get(str(json.loads(request.content or b"{}").get("shortUri", "")))
            if post is None:
                return httpx.Response(200, json={"errCode": 40400, "errMsg": "feed not found"})
            return httpx.Response(200, json=self._channels(post))
        return httpx.Response(404, text="not part of the demo")

    def _channels(self, post: DemoPost) -> dict[str, Any]:
        body: dict[str, Any] = _copy(self.channels)
        c = self.counters(post)
        body["data"]["authorInfo"]["nickname"] = post.author
        body["data"]["feedInfo"].update(
            description=post.title,
            favCountFmt=_wechat_display(c["likes"]),
            likeCountFmt=_wechat_display(c["likes"] // 5),
            forwardCountFmt=_wechat_display(c["shares"]),
            commentCountFmt=_wechat_display(c["comments"]),
            createtime=int(post.published.timestamp()),
        )
        return body

    def _toutiao(self, post: DemoPost) -> dict[str, Any]:
        body: dict[str, Any] = _copy(self.toutiao)
        video = body["data"]["initialVideo"]
        c = self.counters(post)
        video.update(
            groupId=post.post_id,
            itemId=post.post_id,
            title=post.title,
            publishTime=int(post.published.timestamp()),
            playCount=c["views"],
            diggCount=c["likes"],
            commentCount=c["comments"],
            repinCount=c["favorites"],
        )
        video["userInfo"]["name"] = post.author
        return body

    def counters(self, post: DemoPost) -> dict[str, int]:
        views = self.views(post)
        return {
            "views": views,
            "likes": int(views * post.like_rate),
            "comments": int(views * post.comment_rate),
            "shares": int(views * post.share_rate),
            "favorites": int(views * post.favorite_rate),
        }

    def _douyin(self, post: DemoPost) -> dict[str, Any]:
        body: dict[str, Any] = _copy(self.douyin)
        detail = body["aweme_detail"]
        c = self.counters(post)
        detail.update(aweme_id=post.post_id, desc=post.title, create_time=int(post.published.timestamp()))
        detail["author"]["nickname"] = post.author
        detail["share_url"] = f"https://www.iesdouyin.com/share/video/{post.post_id}/"
        detail["status"]["aweme_id"] = post.post_id
        detail["statistics"].update(
            aweme_id=post.post_id,
            play_count=0,  # Douyin's web answer: plays are not public
            digg_count=c["likes"],
            comment_count=c["comments"],
            share_count=c["shares"],
            collect_count=c["favorites"],
            recommend_count=c["shares"] // 4,
        )
        return body

    def _kuaishou(self, post: DemoPost) -> dict[str, Any]:
        state: dict[str, Any] = _copy(self.kuaishou)
        entry = state["/rest/wd/ugH5App/photo/simple/info"]
        c = self.counters(post)
        entry["photo"].update(
            caption=post.title,
            userName=post.author,
            timestamp=int(post.published.timestamp() * 1000),
            viewCount=c["views"],
            likeCount=c["likes"],
            commentCount=c["comments"],
            shareCount=c["shares"],
            share_info=f"userId=3xdemouser&photoId={post.post_id}",
        )
        return state

    def _xiaohongshu(self, post: DemoPost) -> dict[str, Any]:
        c = self.counters(post)
        note = {
            "noteId": post.post_id,
            "type": "video",
            "title": post.title,
            "desc": "626国际禁毒日 #禁毒[话题]#",
            "time": int(post.published.timestamp() * 1000),
            "user": {"userId": "5e0a0b0c000000000100d626", "nickName": post.author},
            "interactInfo": {
                "liked": False,
                "likedCount": _xhs_display(c["likes"]),
                "collectedCount": _xhs_display(c["favorites"]),
                "commentCount": _xhs_display(c["comments"]),
                "shareCount": _xhs_display(c["shares"]),
            },
        }
        return {
            "global": {},
            "noteData": {
                "routeQuery": {"xsec_token": XHS_TOKEN, "xsec_source": "pc_share"},
                "data": {"noteData": note},
                "hasError": False,
            },
        }

    def _weibo(self, post: DemoPost) -> dict[str, Any]:
        body: dict[str, Any] = _copy(self.weibo)
        c = self.counters(post)
        local = post.published.astimezone(timezone(timedelta(hours=8)))
        body.update(
            id=int(post.post_id),
            idstr=post.post_id,
            mid=post.post_id,
            mblogid="OjiFy00a6",
            created_at=local.strftime("%a %b %d %H:%M:%S +0800 %Y"),
            text_raw=post.title,
            text=post.title,
            reposts_count=c["shares"],
            comments_count=c["comments"],
            attitudes_count=c["likes"],
        )
        body["user"].update(id=7000000099, idstr="7000000099", screen_name=post.author)
        media = body["page_info"]["media_info"]
        media.update(online_users_number=c["views"], online_users=f"{c['views'] // 10000}万次观看")
        return body

    def _bilibili(self, post: DemoPost) -> dict[str, Any]:
        body = json.loads(json.dumps(self.bilibili))
        data = body["data"]
        views = self.views(post)
        data.update(bvid=post.post_id, title=post.title, pubdate=int(post.published.timestamp()))
        data["owner"]["name"] = post.author
        data["stat"].update(
            view=views,
            like=int(views * post.like_rate),
            reply=int(views * post.comment_rate),
            share=int(views * post.share_rate),
            favorite=int(views * post.favorite_rate),
            coin=int(views * post.like_rate / 3),
            danmaku=int(views * post.comment_rate / 2),
        )
        return body  # type: ignore[no-any-return]

    def _youtube(self, posts: list[DemoPost]) -> dict[str, Any]:
        body = json.loads(json.dumps(self.youtube))
        template = body["items"][0]
        items = []
        for post in posts:
            item = json.loads(json.dumps(template))
            views = self.views(post)
            item["id"] = post.post_id
            item["snippet"].update(
                title=post.title,
                channelTitle=post.author,
                publishedAt=post.published.isoformat().replace("+00:00", "Z"),
            )
            item["statistics"].update(
                viewCount=str(views),
                likeCount=str(int(views * post.like_rate)),
                commentCount=str(int(views * post.comment_rate)),
            )
            items.append(item)
        body["items"] = items
        body["pageInfo"] = {"totalResults": len(items), "resultsPerPage": len(items)}
        return body  # type: ignore[no-any-return]


XHS_TOKEN = "ABdemoTokenForTheOfflineDemo0000000000000000="
_SHORT_LINKS = {
    "v.douyin.com/DeMoDy1/": f"https://www.iesdouyin.com/share/video/{DOUYIN_ID}/?region=CN&from=web_code_link",
    "v.kuaishou.com/DeMoKs1": f"https://v.m.chenzhongtech.com/fw/photo/{KUAISHOU_ID}?shareId=demo&cc=share_copylink",
    "m.toutiao.com/is/DeMoTt1/": f"https://www.toutiao.com/video/{TOUTIAO_ID}/?app=news_article",
    "xhslink.com/a/DeMoXhs626": (
        f"https://www.xiaohongshu.com/discovery/item/{XIAOHONGSHU_ID}?xsec_token={XHS_TOKEN}&xsec_source=pc_share"
    ),
}


def _copy(template: Any) -> Any:
    return json.loads(json.dumps(template))


def _xhs_display(n: int) -> str:
    """Xiaohongshu's display form: digits below 10,000, then "1.2万" (one decimal)."""
    return str(n) if n < 10_000 else f"{n / 10_000:.1f}万"


def _wechat_display(n: int) -> str:
    """WeChat's display form: digits below 10,000, then "1.2万", and "10万+" from 100,000."""
    return "10万+" if n >= 100_000 else _xhs_display(n)


def _page(title: str, variable: str, state: Any) -> httpx.Response:
    """A mobile page carrying its state in a script, as Kuaishou and Xiaohongshu serve them."""
    html = (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<div id="app"></div><script>{variable}={json.dumps(state, ensure_ascii=False)}</script></body></html>'
    )
    return httpx.Response(200, content=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"})


def run_demo(
    db: Path | None = None,
    days: int = 7,
    lang: str | None = None,
    quiet: bool = False,
    log: Callable[[str], None] = print,
) -> Report:
    """Run the demo campaign and return its daily growth report.

    Args:
        db: database file to keep the demo data in (default: a temporary file, deleted afterwards).
        days: collection rounds, one per simulated day.
        lang: report labels (default: the user's locale).
    """
    platforms = DemoPlatforms()
    settings = Settings(
        timezone=TIMEZONE,
        lang=lang or system_lang(),
        youtube_api_key="demo-key",
        min_interval={"*": 0.0},
        retry_backoff=0.0,
    )
    transport = httpx.MockTransport(platforms)

    def clock() -> datetime:
        return FIRST_ROUND + timedelta(days=platforms.day, seconds=1)

    with tempfile.TemporaryDirectory(prefix="reach-demo-") as tmp:
        path = db if db is not None else Path(tmp) / "demo.duckdb"
        with Tracker(path, settings=settings, transport=transport, clock=clock) as tracker:
            if not quiet:
                where = path if db else "(temporary)"
                platforms_used = ", ".join(dict.fromkeys(p.platform for p in POSTS))
                log(f"demo: campaign {CAMPAIGN!r}, {len(POSTS)} posts on {platforms_used} · database {where}")
            tracker.add(*(p.link for p in POSTS), campaign=CAMPAIGN)
            for day in range(days):
                platforms.day = day
                summary = tracker.collect(campaign=CAMPAIGN)
                if day % 2 == 1 or day == days - 1:  # staff copy the creator-centre views every other day
                    for post in POSTS:
                        if post.platform in OWNER_REPORTED:
                            tracker.record(
                                post.link,
                                views=platforms.counters(post)["views"],
                                at=clock(),
                                note="创作者中心 (demo)",
                            )
                if not quiet:
                    when = (FIRST_ROUND + timedelta(days=day)).astimezone(settings.zone).strftime("%Y-%m-%d %H:%M")
                    failed = "".join(f"; {o.post_key} {o.status.value}: {o.message}" for o in summary.failures)
                    log(f"demo: round {day + 1} at {when} (Beijing time): {summary.ok}/{summary.total} ok{failed}")
            return tracker.report(campaign=CAMPAIGN, by="day", tz=TIMEZONE, lang=settings.lang)
