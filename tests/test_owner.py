"""Owner data: manual records, imports matched to posts, the source rule in reports, the CLI."""

from __future__ import annotations

import io
import json
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from reach import cli
from reach.collectors import get_collector
from reach.config import Settings
from reach.errors import InputError, NotFound
from reach.imports import ExportError
from reach.models import Count, CountKind, Metrics, PostRef, Snapshot
from reach.owner import parse_time
from reach.report import build_report
from reach.store import MIGRATIONS, SCHEMA_VERSION, Store, is_owner_source, prefer_public
from reach.tracker import Tracker
from reach.urls import identify

from .conftest import FIXTURES

OWNER = FIXTURES / "owner"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 10, 4, 0, tzinfo=timezone.utc)  # 12:00 in Beijing
DOUYIN = identify(get_collector("douyin").example_urls[0])
CHANNELS_URL = get_collector("wechat_channels").example_urls[0]
CHANNELS = identify(CHANNELS_URL)
MP_URL = "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv"  # the link in our 公众号 fixtures
BILI = PostRef("bilibili", "BV1a7421K7Qg")
CAPTION = "对毒品说NO，对青春说YES\n#禁毒 #青春"


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(timezone.utc)  # type: ignore[misc]


@pytest.fixture
def tracker(tmp_path: Path) -> Tracker:
    settings = Settings(db=tmp_path / "bureau.duckdb", timezone="Asia/Shanghai", lang="zh")
    return Tracker(settings=settings, clock=lambda: NOW)


def public(
    store: Store,
    ref: PostRef,
    when: datetime,
    title: str | None = None,
    published: datetime | None = None,
    **counts: Count | None,
) -> None:
    """A snapshot as a collector would take it (source ``<platform>@1``)."""
    snap = Snapshot(
        ref.post_key, when, Metrics(**counts), title=title, published_at=published, source=f"{ref.platform}@1"
    )
    store.add_snapshot(snap)


PUBLISHED = beijing(2026, 6, 1, 20, 0, 5)


def douyin_export(path: Path, views: Any = 123456, rows: list[list[Any]] | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["作品名称", "发布时间", "体裁", "审核状态", "播放量", "点赞量", "分享量", "评论量", "收藏量"])
    sheet.append([CAPTION, "2026-06-01 20:00:05", "1-3min视频", "公开", views, 1234, 56, 78, 90])
    sheet.append(["没有被跟踪的另一条作品", "2026-06-02 10:00:00", "图文", "公开", 999, 1, 0, 0, 0])
    for row in rows or []:
        sheet.append(row)
    book.save(path)
    return path


def snapshot_count(store: Store) -> int:
    row = store.con.execute("SELECT count(*) FROM snapshots").fetchone()
    assert row is not None
    return int(row[0])


# -- record ------------------------------------------------------------------------------------


def test_record_a_channels_view_count(tracker: Tracker) -> None:
    result = tracker.record(
        CHANNELS_URL, views="1.2万", likes=300, at="2026-06-08 19:00", note="视频号助手", campaign="禁毒"
    )
    assert result.new_post and result.written and result.post_key == CHANNELS.post_key
    assert result.at == beijing(2026, 6, 8, 19, 0)
    (snap,) = tracker.store.snapshots(CHANNELS.post_key)
    assert snap.source == "manual" and snap.note == "视频号助手" and snap.run_id is None
    assert snap.metrics.views == Count(12000, CountKind.APPROXIMATE, 1000, "1.2万")
    assert snap.metrics.likes == Count.exact(300) and snap.metrics.comments is None  # not given: not 0
    assert [p.campaigns for p in tracker.posts()] == [("禁毒",)]
    again = tracker.record(CHANNELS_URL, views="1.2万", likes=300, at="2026-06-08 19:00")
    assert not again.written and not again.new_post and snapshot_count(tracker.store) == 1
    lower = tracker.record(f"{CHANNELS.platform}:{CHANNELS.post_id}", views="10万+", extra={"在看": "12"})
    assert lower.at == NOW and tracker.store.snapshots(CHANNELS.post_key)[-1].metrics.extra["recommends"] == Count(
        12, raw="12"
    )


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"views": "-5"}, "not a count"),
        ({"views": "1.5"}, "not a count"),
        ({"views": "很多"}, "not a count"),
        ({"views": True}, "not a count"),
        ({"views": ""}, "is empty"),
        ({"views": "-"}, "is not a number"),
        ({}, "nothing to record"),
        ({"views": 1, "at": "2026-06-10 12:01"}, "in the future"),
        ({"views": 1, "at": "2026-06-08"}, "without a time of day"),
        ({"views": 1, "at": "next week"}, "is not a time"),
        ({"views": 1, "at": "2026-02-30 10:00"}, "not a real date"),
        ({"views": 1, "at": "1999-12-31 10:00"}, "before 2000"),
        ({"views": 1, "extra": {"a b": 1}}, "NAME=NUMBER"),
        ({"views": 1, "campaign": " "}, "campaign name is empty"),
    ],
)
def test_record_refuses_bad_input_and_writes_nothing(tracker: Tracker, kwargs: dict[str, Any], needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        tracker.record(CHANNELS_URL, **kwargs)
    assert not Path(tracker.db_path).exists() or tracker.posts() == []


def test_record_refuses_unknown_links_times_before_publishing_and_changed_numbers(tracker: Tracker) -> None:
    with pytest.raises(InputError, match="not a post link"):
        tracker.record("https://example.com/video/1", views=5)
    tracker.add(DOUYIN.url or "", campaign="禁毒")
    public(tracker.store, DOUYIN, beijing(2026, 6, 5, 9, 0), title=CAPTION, published=PUBLISHED, likes=Count.exact(10))
    with pytest.raises(InputError, match="before douyin:.* was published"):
        tracker.record(DOUYIN.post_key, views=5, at="2026-05-31 10:00")
    tracker.record(DOUYIN.post_key, views=5000, at="2026-06-08 10:00")
    with pytest.raises(InputError, match="already has numbers from manual .* never changed"):
        tracker.record(DOUYIN.post_key, views=6000, at="2026-06-08 10:00")
    assert [s.metrics.views for s in tracker.store.snapshots(DOUYIN.post_key) if s.source == "manual"] == [
        Count.exact(5000)
    ]


def test_parse_time_forms() -> None:
    utc8 = datetime(2026, 4, 1, 2, 0, tzinfo=timezone.utc)
    for text in (
        "2026-04-01 10:00",
        "2026/4/1 10:00:00",
        "2026-04-01T10:00",
        "2026年4月1日 10:00",
        "2026年4月1日10时00分",
    ):
        assert parse_time(text, SHANGHAI) == utc8, text
    assert parse_time("2026-04-01T02:00:00Z", SHANGHAI) == utc8
    assert parse_time("2026-04-01 04:00+02:00", SHANGHAI) == utc8
    assert parse_time(datetime(2026, 4, 1, 10, 0), SHANGHAI) == utc8
    assert parse_time("2026-04-01 10:00", ZoneInfo("UTC")) == utc8 + timedelta(hours=8)


# -- import ------------------------------------------------------------------------------------


def test_import_douyin_export_by_title_and_time_dry_run_then_idempotent(tracker: Tracker, tmp_path: Path) -> None:
    tracker.add(DOUYIN.url or "", campaign="禁毒")
    public(
        tracker.store,
        DOUYIN,
        beijing(2026, 6, 5, 9, 0),
        title="对毒品说NO,对青春说YES #禁毒 #青春",
        published=PUBLISHED,
        likes=Count.exact(1200),
    )
    path = douyin_export(tmp_path / "作品列表导出.xlsx")
    dry = tracker.import_file(path, campaign="禁毒", at="2026-06-08 18:00", dry_run=True)
    assert dry.dry_run and dry.written == 0 and snapshot_count(tracker.store) == 1
    assert [(line.row, line.post_key, line.matched_by, line.stored) for line in dry.lines] == [
        (2, DOUYIN.post_key, "title+time", False)
    ]
    assert [p.row for p in dry.skipped] == [3] and "no tracked post in campaign '禁毒'" in dry.skipped[0].reason
    done = tracker.import_file(path, campaign="禁毒", at="2026-06-08 18:00")
    assert done.written == 1 and done.source == "import:douyin_creator:作品列表导出.xlsx"
    assert done.observed_at == beijing(2026, 6, 8, 18, 0) and done.at_from == "--at"
    snap = tracker.store.snapshots(DOUYIN.post_key)[-1]
    assert snap.metrics.views == Count.exact(123456) and snap.source == done.source
    # the same bytes again, under another name and another modification time: nothing added
    copy = tmp_path / "作品列表导出 (1).xlsx"
    shutil.copy(path, copy)
    again = tracker.import_file(copy)
    assert again.written == 0 and again.to_write == 0 and again.lines[0].stored
    assert again.at_from == "first import of this file" and again.observed_at == done.observed_at
    assert again.source == done.source and snapshot_count(tracker.store) == 2
    with pytest.raises(InputError, match="one file is one observation"):
        tracker.import_file(copy, at="2026-06-09 18:00")
    report = tracker.report(campaign="禁毒", tz="Asia/Shanghai")
    assert report.latest is not None and report.latest.total.value == 123456
    assert report.latest.owner.value == 123456
    (line,) = report.posts
    assert line.sources["views"] == done.source and line.sources["likes"] == done.source
    assert line.owner_reported("views")


def test_import_time_defaults_to_the_file_time_and_is_checked(tracker: Tracker, tmp_path: Path) -> None:
    tracker.add(DOUYIN.url or "", campaign="禁毒")
    public(tracker.store, DOUYIN, beijing(2026, 6, 5, 9, 0), title=CAPTION, published=PUBLISHED, likes=Count.exact(1))
    path = douyin_export(tmp_path / "作品列表导出.xlsx")
    downloaded = beijing(2026, 6, 9, 21, 30)
    os.utime(path, (downloaded.timestamp(), downloaded.timestamp()))
    result = tracker.import_file(path, dry_run=True)
    assert result.observed_at == downloaded and result.at_from == "file modification time"
    future = NOW + timedelta(days=1)
    os.utime(path, (future.timestamp(), future.timestamp()))
    with pytest.raises(InputError, match="in the future"):
        tracker.import_file(path)
    with pytest.raises(InputError, match="row 3: published 2026-06-02 10:00:00 .* after the time of the numbers"):
        tracker.import_file(path, at="2026-06-02 09:00")
    assert snapshot_count(tracker.store) == 1


def test_import_channels_learns_the_video_id(tracker: Tracker, tmp_path: Path) -> None:
    tracker.add(CHANNELS_URL, campaign="禁毒")
    public(
        tracker.store,
        CHANNELS,
        beijing(2026, 6, 5, 9, 0),
        title="对毒品说NO，对青春说YES #禁毒 #青春",
        published=PUBLISHED,
        likes=Count(300, CountKind.APPROXIMATE, 100, "300+"),
    )
    first = tracker.import_file(OWNER / "wechat_channels_video_data.csv", at="2026-06-08 18:00")
    assert [(line.row, line.matched_by) for line in first.lines] == [(2, "title+date")]
    assert tracker.store.aliases("wechat_channels") == {"export/UzFfAgtgekIEAQAAAAAAdemo01": CHANNELS.post_key}
    # a later download where the caption was edited: matched by 视频ID now
    later = tmp_path / "视频数据.csv"
    text = (OWNER / "wechat_channels_video_data.csv").read_text(encoding="utf-8-sig")
    later.write_text(
        text.replace("对毒品说NO，对青春说YES", "改过的标题").replace('"12,345"', "20000"), encoding="utf-8-sig"
    )
    second = tracker.import_file(later, at="2026-06-09 18:00")
    assert [(line.row, line.matched_by) for line in second.lines] == [(2, "id")]
    report = tracker.report(campaign="禁毒", tz="Asia/Shanghai")
    assert [b.total.value for b in report.buckets][-2:] == [12345, 20000]
    (line,) = report.posts
    assert line.metrics["likes"] == Count(45, raw="45")  # 喜欢 (❤); 推荐 (👍) is kept apart
    assert tracker.store.snapshots(CHANNELS.post_key)[-1].metrics.extra["recommends"] == Count(321, raw="321")


def test_import_official_account_xls_and_html(tracker: Tracker, tmp_path: Path) -> None:
    mp = identify(MP_URL)
    tracker.add(MP_URL, campaign="禁毒")
    tracker.store.add_post(PostRef("wechat_mp", "AbCdEfGhIjKlMnOpQrStUw"), campaign="禁毒")
    public(
        tracker.store, PostRef("wechat_mp", "AbCdEfGhIjKlMnOpQrStUw"), beijing(2026, 6, 4), title="夏季防溺水安全提示"
    )
    result = tracker.import_file(OWNER / "wechat_mp_content_analysis.xls", campaign="禁毒", at="2026-06-08 09:00")
    assert [(line.row, line.post_key, line.matched_by) for line in result.lines] == [
        (4, mp.post_key, "link"),
        (5, "wechat_mp:AbCdEfGhIjKlMnOpQrStUw", "title"),
    ]
    assert [p.row for p in result.skipped] == [6]
    assert tracker.report(campaign="禁毒", tz="Asia/Shanghai").latest.total.value == 18230 + 9012  # type: ignore[union-attr]
    html = tracker.import_file(OWNER / "wechat_mp_content_analysis_html.xls", campaign="禁毒", at="2026-06-09 09:00")
    assert html.shape == "wechat_mp_analysis" and [line.row for line in html.lines] == [4, 5]
    latest = tracker.report(campaign="禁毒", tz="Asia/Shanghai").latest
    assert latest is not None and latest.total.value == 18230 + 9012  # the missing 次数 did not become 0 or 人数


def test_plain_table_adds_posts_exports_do_not(tracker: Tracker, tmp_path: Path) -> None:
    table = tmp_path / "本周.csv"
    table.write_text(
        "链接,播放量,点赞\nhttps://www.bilibili.com/video/BV1a7421K7Qg,1.2万,5\n"
        f"{MP_URL},5000,\nhttps://example.com/x,1,1\n",
        encoding="gb18030",
    )
    result = tracker.import_file(table, campaign="新活动", at="2026-06-08 09:00")
    assert [(line.post_key, line.new_post) for line in result.lines] == [
        (BILI.post_key, True),
        (identify(MP_URL).post_key, True),
    ]
    assert [p.row for p in result.skipped] == [4] and "not a post link" in result.skipped[0].reason
    assert {p.post_key for p in tracker.posts(campaign="新活动")} == {BILI.post_key, identify(MP_URL).post_key}
    # an account-wide export never adds posts
    with pytest.raises(InputError, match="no row matched a tracked post"):
        tracker.import_file(douyin_export(tmp_path / "作品列表导出.xlsx"), at="2026-06-08 18:00")
    with pytest.raises(NotFound, match="no campaign named"):
        tracker.import_file(OWNER / "wechat_channels_video_data.csv", campaign="没有这个活动", at="2026-06-08 18:00")
    with pytest.raises(InputError, match="rows 2, 3 all give numbers for bilibili"):
        dup = tmp_path / "dup.csv"
        dup.write_text("link,views\nBV1a7421K7Qg,5\nhttps://b23.tv/BV1a7421K7Qg,6\n")
        tracker.import_file(dup, at="2026-06-09 09:00")


def test_ambiguous_titles_are_never_guessed(tracker: Tracker, tmp_path: Path) -> None:
    other = PostRef("douyin", "7400000000000000002")
    for ref in (DOUYIN, other):
        tracker.store.add_post(ref, campaign="禁毒")
        tracker.store.add_snapshot(
            Snapshot(ref.post_key, beijing(2026, 6, 5), Metrics(), title=CAPTION, source="douyin@1")
        )
    path = douyin_export(tmp_path / "作品列表导出.xlsx")
    with pytest.raises(InputError, match="fits more than one post"):
        tracker.import_file(path, at="2026-06-08 18:00")
    # a publish time tells them apart
    tracker.store.add_snapshot(
        Snapshot(other.post_key, beijing(2026, 6, 6), Metrics(), published_at=beijing(2026, 6, 3), source="douyin@1")
    )
    tracker.store.add_snapshot(
        Snapshot(
            DOUYIN.post_key,
            beijing(2026, 6, 6),
            Metrics(),
            published_at=beijing(2026, 6, 1, 20, 0, 5),
            source="douyin@1",
        )
    )
    result = tracker.import_file(path, at="2026-06-08 18:00")
    assert [(line.post_key, line.matched_by) for line in result.lines] == [(DOUYIN.post_key, "title+time")]


def test_imports_are_all_or_nothing(tracker: Tracker, tmp_path: Path) -> None:
    tracker.add(DOUYIN.url or "", campaign="禁毒")
    public(tracker.store, DOUYIN, beijing(2026, 6, 5), title=CAPTION, published=PUBLISHED, likes=Count.exact(1))
    with pytest.raises(ExportError):
        tracker.import_file(douyin_export(tmp_path / "bad.xlsx", views="很多"), at="2026-06-08 18:00")
    # a second file of the same name and time that contradicts the first: its new post is not added either
    table = tmp_path / "t.csv"
    table.write_text("link,views\nBV1a7421K7Qg,5\n")
    tracker.import_file(table, at="2026-06-08 18:00")
    table.write_text("link,views\nBV1a7421K7Qu,1\nBV1a7421K7Qg,6\n")
    with pytest.raises(InputError, match="already has numbers from import:table:t.csv .* never changed"):
        tracker.import_file(table, at="2026-06-08 18:00")
    assert {p.post_key for p in tracker.posts()} == {DOUYIN.post_key, BILI.post_key} and snapshot_count(
        tracker.store
    ) == 2


def test_dry_run_without_a_database_creates_none(tracker: Tracker, tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("link,views\nBV1a7421K7Qg,5\n")
    result = tracker.import_file(table, dry_run=True, at="2026-06-08 18:00")
    assert result.new_posts == 1 and result.to_write == 1 and not Path(tracker.db_path).exists()


# -- one timeline, several sources ----------------------------------------------------------------


def at_day(day: int) -> datetime:
    return beijing(2026, 6, day, 20, 0)


def test_owner_and_public_for_one_post_are_never_double_counted() -> None:
    store = Store()
    store.add_post(DOUYIN, campaign="c")
    store.add_post(BILI, campaign="c")
    approx = Count(12000, CountKind.APPROXIMATE, 1000, "1.2万")
    public(store, DOUYIN, at_day(1), views=approx)
    store.add_snapshot(
        Snapshot(DOUYIN.post_key, at_day(2), Metrics(views=Count.exact(11800)), source="import:douyin_creator:x")
    )
    public(store, DOUYIN, at_day(3), views=approx)  # rounded, proves nothing beyond 11800: owner stays
    public(store, DOUYIN, at_day(4), views=Count(13000, CountKind.APPROXIMATE, 1000, "1.3万"))  # proves growth
    public(store, BILI, at_day(1), views=Count.exact(500))
    store.add_snapshot(
        Snapshot(BILI.post_key, at_day(1) + timedelta(hours=1), Metrics(views=Count.exact(480)), source="manual")
    )
    public(store, BILI, at_day(3), views=Count.exact(470))  # a lower public number never replaces the owner's
    report = build_report(store, campaign="c", tz="Asia/Shanghai")
    assert [b.total.value for b in report.buckets] == [12000 + 480, 11800 + 480, 11800 + 480, 13000 + 480]
    assert [b.owner.value for b in report.buckets] == [480, 11800 + 480, 11800 + 480, 480]
    assert [b.total.kind for b in report.buckets] == [
        CountKind.APPROXIMATE,
        CountKind.EXACT,
        CountKind.EXACT,
        CountKind.APPROXIMATE,
    ]
    lines = {line.post_key: line for line in report.posts}
    assert lines[DOUYIN.post_key].metrics["views"] == Count(13000, CountKind.APPROXIMATE, 1000, "1.3万")
    assert lines[DOUYIN.post_key].sources["views"] == "douyin@1"
    assert (
        lines[BILI.post_key].metrics["views"] == Count.exact(480) and lines[BILI.post_key].sources["views"] == "manual"
    )
    data = json.loads(report.to_json())
    assert data["totals"][1]["owner_views"]["value"] == 12280 and data["posts"][0]["sources"]
    # reach posts shows the same values
    assert {p.post_key: p.metrics.views for p in store.posts()} == {
        DOUYIN.post_key: Count(13000, CountKind.APPROXIMATE, 1000, "1.3万"),
        BILI.post_key: Count.exact(480),
    }
    until_day3 = build_report(store, campaign="c", tz="Asia/Shanghai", until=at_day(3).astimezone(SHANGHAI).date())
    assert {line.post_key: line.metrics["views"] for line in until_day3.posts}[DOUYIN.post_key] == Count.exact(11800)


@pytest.mark.parametrize(
    ("owner", "public_count", "public_later", "use_public"),
    [
        (None, Count.exact(5), True, True),
        (Count.exact(5), None, True, False),
        (Count.exact(11800), Count(12000, CountKind.APPROXIMATE, 1000, "1.2万"), True, False),
        (Count.exact(11400), Count(12000, CountKind.APPROXIMATE, 1000, "1.2万"), True, True),
        (Count.exact(11800), Count(13000, CountKind.APPROXIMATE, 1000, "1.3万"), False, False),
        (Count.exact(153000), Count(100000, CountKind.LOWER_BOUND, 10000, "10万+"), True, False),
        (Count.exact(80000), Count(100000, CountKind.LOWER_BOUND, 10000, "10万+"), True, True),
        (Count.exact(100), Count.exact(100), True, False),
        (Count.exact(100), Count.exact(101), True, True),
    ],
)
def test_the_source_rule_in_python_and_sql_agree(
    owner: Count | None, public_count: Count | None, public_later: bool, use_public: bool
) -> None:
    t_owner, t_public = (at_day(1), at_day(2)) if public_later else (at_day(2), at_day(1))
    assert prefer_public(owner, t_owner, public_count, t_public) is use_public
    store = Store()
    store.add_post(DOUYIN, campaign="c")
    if owner is not None:
        store.add_snapshot(Snapshot(DOUYIN.post_key, t_owner, Metrics(views=owner), source="manual"))
    if public_count is not None:
        public(store, DOUYIN, t_public, views=public_count)
    report = build_report(store, campaign="c", tz="Asia/Shanghai")
    expected = public_count if use_public else owner
    assert expected is not None
    assert report.buckets[-1].total.value == expected.value  # SQL (bucket totals)
    assert report.posts[0].metrics["views"] == expected  # Python (post lines)
    assert is_owner_source(report.posts[0].sources["views"]) is not use_public


def test_report_renderers_show_the_source(tracker: Tracker) -> None:
    from rich.console import Console

    from reach.report import render_table

    tracker.record(CHANNELS_URL, views=20000, at="2026-06-08 19:00", campaign="禁毒")
    report = tracker.report(campaign="禁毒", tz="Asia/Shanghai", lang="zh")
    console = Console(file=io.StringIO(), width=160)
    render_table(report, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "其中后台数据" in out and "手动录入" in out and "后台数据：" in out
    assert "其中后台数据" in report.to_csv().splitlines()[0]


def test_migration_from_version_1(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ)")
    for sql in MIGRATIONS[0][2]:
        con.execute(sql)
    con.execute("INSERT INTO schema_migrations VALUES (1, 'initial schema', now())")
    con.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 2
        assert store.imported_file("0" * 64) is None and store.aliases("douyin") == {}


# -- CLI ---------------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def cli_tracker(monkeypatch: pytest.MonkeyPatch) -> None:
    def factory() -> Tracker:
        settings = Settings.load(config_file=cli.state.config, db=cli.state.db).with_(
            timezone="Asia/Shanghai", lang="zh"
        )
        return Tracker(settings=settings, clock=lambda: NOW)

    monkeypatch.setattr(cli, "_tracker", factory)


def test_cli_record_import_and_report(tmp_path: Path, cli_tracker: None) -> None:
    db = str(tmp_path / "r.duckdb")
    r = runner.invoke(
        cli.app,
        [
            "--db",
            db,
            "record",
            CHANNELS_URL,
            "--views",
            "1.2万",
            "--likes",
            "300",
            "-c",
            "禁毒",
            "--at",
            "2026-06-08 19:00",
            "--note",
            "视频号助手",
            "--extra",
            "在看=3",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "≈1.2万" in r.stdout and "2026-06-08 19:00 Asia/Shanghai" in r.stdout
    assert "新作品，已开始跟踪" in r.stderr and "来源：manual" in r.stderr  # zh settings: zh summaries
    r = runner.invoke(cli.app, ["--db", db, "add", DOUYIN.url or "", "-c", "禁毒"])
    assert r.exit_code == 0
    with Store(db) as store:
        public(store, DOUYIN, beijing(2026, 6, 5, 9, 0), title=CAPTION, published=PUBLISHED, likes=Count.exact(1))
    export = douyin_export(tmp_path / "作品列表导出.xlsx")
    r = runner.invoke(
        cli.app, ["--db", db, "import", str(export), "-c", "禁毒", "--at", "2026-06-08 18:00", "--dry-run"]
    )
    assert r.exit_code == 0, r.output
    assert "12.34万" in r.stdout and "将写入" in r.stdout and "标题+发布时间" in r.stdout
    assert "跳过 第 3 行" in r.stderr and "试运行：将写入 1 条快照" in r.stderr
    r = runner.invoke(
        cli.app, ["--db", db, "import", str(export), "-c", "禁毒", "--at", "2026-06-08 18:00", "-f", "json"]
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["written"] == 1 and data["rows"][0]["views"] == 123456 and data["skipped"][0]["row"] == 3
    r = runner.invoke(cli.app, ["--db", db, "import", str(export)])
    assert r.exit_code == 0 and "已存在" in r.stdout and "1 条已存在（此前导入过该文件）" in r.stderr
    r = runner.invoke(cli.app, ["--db", db, "report", "-c", "禁毒", "--format", "json", "--tz", "Asia/Shanghai"])
    totals = json.loads(r.stdout)["totals"]
    assert totals[-1]["views"]["value"] == 123456 + 12000 and totals[-1]["owner_views"]["value"] == 135456
    r = runner.invoke(cli.app, ["--db", db, "posts", "--format", "json"])
    assert {row["post_key"]: row["views"] for row in json.loads(r.stdout)} == {
        CHANNELS.post_key: 12000,
        DOUYIN.post_key: 123456,
    }


def test_cli_import_errors_list_every_problem(tmp_path: Path, cli_tracker: None) -> None:
    db = tmp_path / "r.duckdb"
    bad = tmp_path / "bad.csv"
    bad.write_text("链接,播放量\nBV1a7421K7Qg,很多\nBV1a7421K7Qu,-3\n", encoding="utf-8")
    r = runner.invoke(cli.app, ["--db", str(db), "import", str(bad)])
    assert r.exit_code == 2
    assert "row 2, column 播放量 ('很多')" in r.stderr and "row 3, column 播放量 ('-3')" in r.stderr
    assert "nothing was imported" in r.stderr and "Traceback" not in r.output and not db.exists()
    for args, needle in [
        (["import", str(tmp_path / "missing.xlsx")], "no file"),
        (["import", str(bad), "--map", "nonsense"], "COLUMN=TARGET"),
        (["import", str(bad), "--at", "tomorrow"], "is not a time"),
        (["record", "BV1a7421K7Qg"], "nothing to record"),
        (["record", "BV1a7421K7Qg", "--views", "abc"], "not a count"),
        (["record", "BV1a7421K7Qg", "--views", "1", "--extra", "oops"], "NAME=NUMBER"),
        (["record", "BV1a7421K7Qg", "--views", "1", "--at", "2027-01-01 10:00"], "in the future"),
    ]:
        r = runner.invoke(cli.app, ["--db", str(db), *args])
        assert r.exit_code == 2 and needle in r.stderr, (args, r.output)
    assert not db.exists()


def test_cli_help_texts() -> None:
    for command in ("record", "import"):
        r = runner.invoke(cli.app, [command, "--help"])
        assert r.exit_code == 0 and "--at" in r.stdout


def test_cut_short_titles_match_only_at_the_same_publish_time(tracker: Tracker, tmp_path: Path) -> None:
    tracker.store.add_post(DOUYIN, campaign="禁毒")
    public(tracker.store, DOUYIN, beijing(2026, 6, 5), title="对毒品说NO，对青春说YES…", published=PUBLISHED)
    table = tmp_path / "t.csv"
    table.write_text(
        "平台,标题,发布时间,播放量\n"
        f'抖音,"{CAPTION}",2026-06-01 20:00:05,800\n'
        f'抖音,"{CAPTION} 第二集",2026-06-03 20:00:00,900\n',
        encoding="utf-8-sig",
    )
    result = tracker.import_file(table, campaign="禁毒", at="2026-06-08 18:00")
    assert [(line.row, line.post_key, line.matched_by) for line in result.lines] == [(2, DOUYIN.post_key, "title+time")]
    assert [p.row for p in result.skipped] == [3]


def test_short_titles_need_a_publish_time_and_exports_may_carry_links(tracker: Tracker, tmp_path: Path) -> None:
    other = PostRef("douyin", "7400000000000000002")
    tracker.store.add_post(DOUYIN, campaign="禁毒")
    tracker.store.add_post(other, campaign="禁毒")
    public(tracker.store, other, beijing(2026, 6, 5), title="另一条")  # no publish time known
    path = douyin_export(
        tmp_path / "作品列表导出.xlsx", rows=[["另一条", "2026-06-03 10:00:00", "图文", "公开", 7, 0, 0, 0, 0]]
    )
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet["J1"], sheet["J2"] = "链接", DOUYIN.url  # staff added the link of the first work
    book.save(path)
    result = tracker.import_file(path, campaign="禁毒", at="2026-06-08 18:00")
    assert [(line.row, line.post_key, line.matched_by) for line in result.lines] == [(2, DOUYIN.post_key, "link")]
    reasons = {p.row: p.reason for p in result.skipped}
    assert "too short to match douyin:7400000000000000002 without a publish time" in reasons[4]
    # once the post's publish time is known, the same short title matches
    public(tracker.store, other, beijing(2026, 6, 6), published=beijing(2026, 6, 3, 10, 0))
    again = tracker.import_file(path, campaign="禁毒")
    assert [(line.post_key, line.matched_by, line.stored) for line in again.lines] == [
        (DOUYIN.post_key, "link", True),
        (other.post_key, "title+time", False),
    ]
    assert again.written == 1


def test_rows_that_match_no_post_say_why(tracker: Tracker, tmp_path: Path) -> None:
    mp = identify(MP_URL)
    tracker.store.add_post(mp)  # tracked, but not in the campaign
    tracker.store.add_post(DOUYIN, campaign="禁毒")
    public(tracker.store, DOUYIN, beijing(2026, 6, 5), title=CAPTION, published=PUBLISHED)
    with pytest.raises(InputError, match="no row matched a tracked post of campaign '禁毒'.*is tracked but not in"):
        tracker.import_file(OWNER / "wechat_mp_content_analysis.xls", campaign="禁毒", at="2026-06-08 09:00")
    export = douyin_export(tmp_path / "作品列表导出.xlsx")
    book = openpyxl.load_workbook(export)
    sheet = book.active
    assert sheet is not None
    sheet["J1"], sheet["J3"] = "链接", "https://www.bilibili.com/video/BV1a7421K7Qg"
    sheet.append(["第三条作品", "2026-06-03 10:00:00", "图文", "公开", 5, 0, 0, 0, 0, DOUYIN.url.replace("1", "9")])  # type: ignore[union-attr]
    book.save(export)
    result = tracker.import_file(export, campaign="禁毒", at="2026-06-08 18:00")
    reasons = {p.row: p.reason for p in result.skipped}
    assert reasons[3] == "the link is a bilibili post, but the row is douyin"
    assert "is not tracked: `reach add douyin:" in reasons[4] and "-c 禁毒`" in reasons[4]
    table = tmp_path / "t.csv"
    table.write_text("标题,播放量\n夏季防溺水安全提示,5\n")
    with pytest.raises(InputError, match="no link and no platform"):
        tracker.import_file(table, at="2026-06-08 18:00")


def test_short_links_in_a_table_are_resolved_online_or_refused(tmp_path: Path) -> None:
    import httpx

    state = {"online": True}

    def handler(request: httpx.Request) -> httpx.Response:
        if not state["online"]:
            raise httpx.ConnectError("offline")
        return httpx.Response(302, headers={"Location": "https://www.bilibili.com/video/BV1a7421K7Qu"})

    settings = Settings(db=tmp_path / "r.duckdb", timezone="Asia/Shanghai", min_interval={"*": 0.0}, retry_backoff=0)
    tracker = Tracker(settings=settings, transport=httpx.MockTransport(handler), clock=lambda: NOW)
    table = tmp_path / "t.csv"
    table.write_text("链接,播放量\n【对毒品说NO】 https://b23.tv/AbCdEfG 复制打开,5\n")
    result = tracker.import_file(table, at="2026-06-08 18:00", dry_run=True)
    assert [line.post_key for line in result.lines] == ["bilibili:BV1a7421K7Qu"]
    state["online"] = False
    with pytest.raises(InputError, match="short links in rows 2 could not be opened"):
        tracker.import_file(table, at="2026-06-08 18:00")
    from reach.imports import read_export
    from reach.owner import import_export

    with pytest.raises(InputError, match="is a short link: put the post's full link"):
        import_export(Store(), read_export(table), now=NOW, zone=SHANGHAI, at=NOW)


def test_store_owner_writes_are_one_transaction() -> None:
    store = Store()
    store.add_post(CHANNELS)
    snap = Snapshot(CHANNELS.post_key, NOW, Metrics(views=Count.exact(5)), source="manual")
    assert store.write_owner_data([snap], aliases=[("wechat_channels", "export/x", CHANNELS.post_key)]) == 1
    assert store.write_owner_data([snap]) == 0  # the same observation: nothing new
    other = PostRef("wechat_channels", "ZzYyXx987")
    later = Snapshot(other.post_key, NOW, Metrics(views=Count.exact(6)), source="manual")
    with pytest.raises(InputError, match="already belongs to"):
        store.write_owner_data(
            [later], posts=[(other, None)], aliases=[("wechat_channels", "export/x", other.post_key)]
        )
    assert [p.post_key for p in store.posts()] == [CHANNELS.post_key] and snapshot_count(store) == 1
    with pytest.raises(NotFound, match="not tracked"):
        store.write_owner_data([later])
    with pytest.raises(InputError, match="impossible views count"):
        store.write_owner_data(
            [Snapshot(CHANNELS.post_key, NOW - timedelta(hours=1), Metrics(views=Count(-1)), source="manual")]
        )


LONG_MP_URL = (
    "http://mp.weixin.qq.com/s?__biz=MzA5NjAwMDAwMA==&mid=2650000001&idx=1&sn=0123456789abcdef0123456789abcdef"
)
"""Another link form of an article: a different post key than MP_URL's /s/<token>."""


def test_a_link_in_another_form_never_makes_a_second_post(tracker: Tracker, tmp_path: Path) -> None:
    """An export's 内容url in the long form matches the article tracked by its short link by title and
    date; a staff table with such a link does not add the article again (it would count twice)."""
    mp = identify(MP_URL)
    tracker.add(MP_URL, campaign="禁毒")
    public(tracker.store, mp, beijing(2026, 6, 2), title="夏季防溺水安全提示", published=beijing(2026, 6, 1, 8, 0))
    export = tmp_path / "图文分析.xls"
    other = LONG_MP_URL.replace("idx=1", "idx=2")  # kept with a bare "&" as some HTML exports do ("&mid=" is no entity)
    export.write_text(
        "<table><tr><td>内容标题</td><td>发表时间</td><td>总阅读次数</td><td>内容url</td></tr>"
        f"<tr><td>夏季防溺水安全提示</td><td>20260601</td><td>1000</td><td>{LONG_MP_URL.replace('&', '&amp;')}</td>"
        f"</tr><tr><td>别的文章</td><td>20260601</td><td>5</td><td>{other}</td></tr></table>",
        encoding="utf-8",
    )
    result = tracker.import_file(export, campaign="禁毒", at="2026-06-08 09:00")
    assert [(line.post_key, line.matched_by) for line in result.lines] == [(mp.post_key, "title+date")]
    assert [p.row for p in result.skipped] == [3] and "is not tracked" in result.skipped[0].reason
    table = tmp_path / "本周.csv"
    table.write_text(f"链接,标题,阅读数\n{LONG_MP_URL},夏季防溺水安全提示,2000\n", encoding="utf-8")
    with pytest.raises(InputError, match=f"{mp.post_key} has the same title"):
        tracker.import_file(table, campaign="禁毒", at="2026-06-09 09:00")
    assert [p.post_key for p in tracker.posts()] == [mp.post_key]
    latest = tracker.report(campaign="禁毒", tz="Asia/Shanghai").latest
    assert latest is not None and latest.total.value == 1000


@pytest.mark.parametrize("typed", ["10,0000", "#DIV/0!", "1.234", "(5)", "0x10"])
def test_record_refuses_numbers_that_read_two_ways(tracker: Tracker, typed: str) -> None:
    with pytest.raises(InputError, match=r"--views"):
        tracker.record(DOUYIN.url or "", views=typed, at="2026-06-08 09:00")
    assert snapshot_count(tracker.store) == 0
