"""Attacks tried against reach (issue 9), each pinned by a test: hosts that parse differently, terminal
escapes in titles, formula starts that slip past a first-character check, credentials in pasted links,
markup in every report format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import pytest

from reach import Tracker
from reach.collectors import get_collector
from reach.config import Settings
from reach.errors import UnsupportedURL
from reach.http import Http
from reach.redact import clean_text, public_url
from reach.report import safe_cell

BVS = ["BV1a7421K7Qa", "BV1a7421K7Qb", "BV1a7421K7Qc", "BV1a7421K7Qd", "BV1a7421K7Qe", "BV1a7421K7Qf"]
TITLES = [
    "</script><script>alert(1)</script>",
    "javascript:alert(document.cookie)",
    "=cmd|' /C calc'!A0",
    " ＝1+1",  # full-width, after a space
    "\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2Jtitle\x00",  # OSC 52 clipboard write, clear screen, NUL
    '<img src=x onerror="alert(1)">',
]
CAMPAIGN = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example\\.bilibili.com/x",  # urllib and httpx disagree about backslashes
        "https://evil.example%2f.bilibili.com/x",
        "https://evil.example .bilibili.com/x",
        "https://www.bіlibili.com/video/BV1a7421K7Qg",  # Cyrillic і
        "https://www.bilibili.com\\@evil.example/",
        "https://evil.example#@www.bilibili.com/",
        "http://[::1]/x",
        "http://2130706433/x",
    ],
)
def test_hosts_that_parse_differently_are_refused(url: str) -> None:
    with pytest.raises(UnsupportedURL):
        Http(Settings()).check_host(get_collector("bilibili"), url)


def test_plain_platform_hosts_still_pass() -> None:
    http = Http(Settings())
    for url in ("https://api.bilibili.com/x?bvid=1", "https://WWW.BILIBILI.COM./video/x", "http://b23.tv/AbC"):
        http.check_host(get_collector("bilibili"), url)


def _hostile_titles(request: httpx.Request) -> httpx.Response:
    bvid = request.url.params.get("bvid", "")
    i = BVS.index(bvid)
    data = {
        "bvid": bvid,
        "title": TITLES[i],
        "owner": {"name": TITLES[-1 - i]},
        "pubdate": 1781917200,
        "stat": {"view": 10 + i, "like": 1, "reply": 1, "share": 1, "favorite": 1, "coin": 1, "danmaku": 1},
    }
    return httpx.Response(200, json={"code": 0, "message": "0", "data": data})


@pytest.fixture()
def hostile(tmp_path: Path) -> Path:
    db = tmp_path / "h.duckdb"
    settings = Settings(db=db, min_interval={"*": 0.0}, retries=0)
    with Tracker(settings=settings, transport=httpx.MockTransport(_hostile_titles)) as tracker:
        tracker.create_campaign(CAMPAIGN, description=TITLES[0])
        tracker.add(*[f"https://www.bilibili.com/video/{b}" for b in BVS], campaign=CAMPAIGN)
        assert tracker.collect().ok == len(BVS)
    return db


def test_titles_cannot_drive_the_terminal(hostile: Path) -> None:
    with Tracker(hostile) as tracker:
        titles = [p.title or "" for p in tracker.posts()]
        text = tracker.report(campaign=CAMPAIGN).to_csv("posts")
    assert "]52;c;ZWNobyBwd25lZA==[2Jtitle" in titles  # text kept, the ESC, BEL and NUL gone
    for control in ("\x1b", "\x07", "\x00"):
        assert control not in "".join(titles) + text
    assert clean_text("a\tb\nc\x1b[31md\x9b") == "a\tb\nc[31md"


def test_no_report_format_runs_what_a_title_holds(hostile: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    with Tracker(hostile) as tracker:
        rep = tracker.report(campaign=CAMPAIGN)
        for name in ("r.html", "r.xlsx", "r.json", "r.jsonl"):
            rep.save(tmp_path / name)
        posts_csv = rep.to_csv("posts")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert (
        "<script" not in page and "<img" not in page and "href=" not in page and "src=" not in page.replace("src=x", "")
    )
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    for line in (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines():
        json.loads(line)
    for row in csv.reader(io.StringIO(posts_csv.lstrip("\ufeff"))):
        for cell in row:
            assert cell.lstrip(" ")[:1] not in ("=", "+", "@", "＝", "＋", "＠", "\t", "\r"), cell
    workbook = load_workbook(tmp_path / "r.xlsx")
    risky = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.lstrip(" ")[:1] in ("=", "+", "-", "@", "＝")
    ]
    assert risky and all(cell.data_type == "s" and cell.quotePrefix for cell in risky)


@pytest.mark.parametrize(
    "text", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "\n=1", " =1", "＝1", "＋1", "  ＠x"]
)
def test_formula_starts_are_neutralised(text: str) -> None:
    assert safe_cell(text) == "'" + text


def test_ordinary_text_is_left_alone() -> None:
    assert safe_cell("禁毒宣传 = 好") == "禁毒宣传 = 好" and safe_cell(12) == 12 and safe_cell(-3) == -3


def test_credentials_in_a_pasted_link_are_not_stored() -> None:
    links = [
        "https://mp.weixin.qq.com/s?__biz=MzA5NzAx&mid=2650&idx=1&sn=0abc&key=PLANTEDwxkey&uin=MTIzNDU%3D"
        "&pass_ticket=PLANTEDticket%2B&devicetype=iOS",
        "https://www.youtube.com/watch?v=AbCdEfGhIjk&key=PLANTEDyt&access_token=PLANTEDtok#access_token=PLANTEDfrag",
    ]
    with Tracker(":memory:") as tracker:
        tracker.add(*links)
        urls = sorted(p.url or "" for p in tracker.posts())
    assert urls == [
        "https://mp.weixin.qq.com/s?__biz=MzA5NzAx&mid=2650&idx=1&sn=0abc&devicetype=iOS",
        "https://www.youtube.com/watch?v=AbCdEfGhIjk",
    ]


def test_public_url_keeps_what_opens_the_post() -> None:
    plain = "https://www.bilibili.com/video/BV1a7421K7Qg/?spm_id_from=333&vd_source=x#reply123"
    assert public_url(plain) == plain
    xhs = "https://www.xiaohongshu.com/discovery/item/65f0a1b2000000001203abcd?xsec_token=AB%3D&xsec_source=pc_share"
    assert public_url(xhs) == xhs
    assert public_url("not a link") == "not a link"


def test_redirects_httpx_follows_itself_stay_on_the_platform() -> None:
    import asyncio

    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        return httpx.Response(302, headers={"Location": "https://evil.example/steal"})

    async def run() -> None:
        async with Http(Settings(retries=0, min_interval={"*": 0.0}), transport=httpx.MockTransport(handler)) as http:
            await http.get(get_collector("bilibili"), "https://www.bilibili.com/video/x", follow_redirects=True)

    with pytest.raises(UnsupportedURL, match="evil.example"):
        asyncio.run(run())
    assert seen == ["www.bilibili.com"]
