"""``reach demo``: a whole campaign, offline, through the real code path.

The campaign "对毒品说NO，对青春说YES" (an anti-drug clip around 6·26, the International Day against
Drug Abuse) is posted on bilibili (the bureau's own upload, pasted as an app share text with a
``b23.tv`` short link, plus two reposts) and on YouTube (a video and a Short). Every simulated
evening the demo runs a collection round; the only thing replaced is the HTTP transport, which
answers with responses in the platforms' real shapes (the JSON files beside this module: invented
ids, names and numbers). On day 3 bilibili's risk control answers one request with code -352: the
run records it as ``blocked`` and the report carries that post's last value forward.
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
from urllib.parse import parse_qs, urlsplit

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
        return httpx.Response(404, text="not part of the demo")

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
                log(f"demo: campaign {CAMPAIGN!r}, {len(POSTS)} posts on bilibili and YouTube, database {where}")
            tracker.add(*(p.link for p in POSTS), campaign=CAMPAIGN)
            for day in range(days):
                platforms.day = day
                summary = tracker.collect(campaign=CAMPAIGN)
                if not quiet:
                    when = (FIRST_ROUND + timedelta(days=day)).astimezone(settings.zone).strftime("%Y-%m-%d %H:%M")
                    failed = "".join(f"; {o.post_key} {o.status.value}: {o.message}" for o in summary.failures)
                    log(f"demo: round {day + 1} at {when} (Beijing time): {summary.ok}/{summary.total} ok{failed}")
            return tracker.report(campaign=CAMPAIGN, by="day", tz=TIMEZONE, lang=settings.lang)
