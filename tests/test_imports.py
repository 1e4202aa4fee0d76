"""Reading owner data files: every export shape, encoding and error path (pure: no database)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from reach.errors import InputError
from reach.imports import (
    ExportError,
    Published,
    RowProblem,
    parse_export,
    platform_key,
    read_export,
    title_key,
)
from reach.models import Count, CountKind

from .conftest import FIXTURES

OWNER = FIXTURES / "owner"
DOUYIN_HEADER = [
    "作品名称",
    "发布时间",
    "体裁",
    "审核状态",
    "播放量",
    "完播率",
    "5s完播率",
    "封面点击率",
    "2s跳出率",
    "平均播放时长",
    "点赞量",
    "分享量",
    "评论量",
    "收藏量",
    "主页访问量",
    "粉丝增量",
]


def xlsx(rows: list[list[Any]], title: str = "Sheet1", merge: str | None = None) -> bytes:
    """A workbook with one sheet holding ``rows`` (our own invented content)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def douyin_rows() -> list[list[Any]]:
    return [
        DOUYIN_HEADER,
        [
            "对毒品说NO，对青春说YES\n#禁毒 #青春",
            "2026-06-01 20:00:05",
            "1-3min视频",
            "公开",
            123456,
            0.1445,
            0.55,
            "-",
            0.3,
            20.340909,
            1234,
            56,
            78,
            90,
            12,
            3,
        ],
        ["夏季防溺水", datetime(2026, 6, 2, 9, 30), "图文", "公开", "-", "-", "-", "-", "-", "-", 5, 0, 1, 2, 0, 0],
        ["仅自己可见的草稿", "2026-06-03 10:00", "1-3min视频", "自见", 0, "-", "-", "-", "-", "-", 3, 0, 0, 0, 0, 0],
    ]


def test_douyin_work_list() -> None:
    export = parse_export(xlsx(douyin_rows()), "作品列表导出.xlsx")
    assert export.shape.name == "douyin_creator" and export.platform == "douyin" and export.header_row == 1
    assert export.file_kind == "xlsx" and len(export.sha256) == 64
    assert export.ignored_columns == ("体裁",)
    first, second, private = export.rows
    assert first.row == 2 and first.title == "对毒品说NO，对青春说YES #禁毒 #青春"  # caption on one line
    assert first.published == Published(date(2026, 6, 1), datetime(2026, 6, 1, 12, 0, 5, tzinfo=timezone.utc))
    m = first.metrics
    assert (m.views, m.likes, m.comments, m.shares, m.favorites) == tuple(
        Count.exact(v) for v in (123456, 1234, 78, 56, 90)
    )
    assert m.extra["completion_rate_bp"] == Count.exact(1445)
    assert "cover_click_rate_bp" not in m.extra  # "-" is missing, never 0
    assert m.extra["avg_watch_ms"] == Count(20341, CountKind.APPROXIMATE, 1, "20.340909")
    assert m.extra["new_followers"] == Count.exact(3) and m.extra["profile_visits"] == Count.exact(12)
    assert second.metrics.views is None and second.metrics.likes == Count.exact(5)  # 图文: no plays shown
    assert second.published is not None and second.published.moment == datetime(2026, 6, 2, 1, 30, tzinfo=timezone.utc)
    # a private work's 0 plays beside other counts is not a real 0
    assert private.metrics.views is None and private.metrics.likes == Count.exact(3)
    assert [w.row for w in export.warnings] == [4] and "private" in export.warnings[0].reason


def test_douyin_newer_variant_maps_columns_by_name() -> None:
    header = [
        "作品名称",
        "作品时长",
        "发布时间",
        "发布状态",
        "点赞量",
        "播放量",
        "评论量",
        "分享量",
        "收藏量",
        "完播率",
    ]
    row = ["新版导出", "01:35", "2026-06-01 20:00", "公开", "1,234", 5000, 1, 2, 3, "0.2"]
    export = parse_export(xlsx([header, row]), "作品列表导出 (1).xlsx")
    (only,) = export.rows
    assert only.metrics.views == Count.exact(5000) and only.metrics.likes == Count(1234, raw="1,234")
    assert only.metrics.extra["duration_ms"] == Count(95000, raw="01:35")
    assert only.metrics.extra["completion_rate_bp"] == Count(2000, raw="0.2")


def test_xiaohongshu_banner_row_and_chinese_dates() -> None:
    header = [
        "笔记标题",
        "首次发布时间",
        "体裁",
        "曝光",
        "观看量",
        "封面点击率",
        "点赞",
        "评论",
        "收藏",
        "涨粉",
        "分享",
    ]
    header += ["人均观看时长", "弹幕"]
    rows = [
        ["最多导出排序后前1000条笔记"] + [None] * 12,
        header,
        ["防骗指南｜这些套路要当心", "2026年04月12日13时43分03秒", "视频", 52000, 8800, "6.50%", 320, 12, 45, 7, 9]
        + ["15.20秒", 3],
        ["夜跑安全小贴士", "2026年04月13日", "图文", 900, 100, 0.04, 5, 0, 1, 0, 0, 8.5, "-"],
    ]
    export = parse_export(xlsx(rows, merge="A1:M1"), "笔记列表明细表.xlsx")
    assert export.shape.name == "xiaohongshu_creator" and export.header_row == 2
    video, note = export.rows
    assert video.row == 3 and video.published is not None
    assert video.published.moment == datetime(2026, 4, 12, 5, 43, 3, tzinfo=timezone.utc)
    assert video.metrics.views == Count.exact(8800) and video.metrics.favorites == Count.exact(45)
    assert video.metrics.extra["impressions"] == Count.exact(52000)
    assert video.metrics.extra["cover_click_rate_bp"] == Count(650, raw="6.50%")
    assert video.metrics.extra["avg_watch_ms"] == Count(15200, raw="15.20秒")
    assert note.published == Published(date(2026, 4, 13))  # date only: no made-up time of day
    assert note.metrics.extra["cover_click_rate_bp"] == Count.exact(400)
    assert note.metrics.extra["avg_watch_ms"] == Count.exact(8500) and "danmaku" not in note.metrics.extra


def test_wechat_channels_csv_with_bom() -> None:
    export = read_export(OWNER / "wechat_channels_video_data.csv")
    assert export.shape.name == "wechat_channels_assistant" and export.file_kind == "CSV (UTF-8 with BOM)"
    assert export.columns["视频描述"] == "title"  # the BOM did not stick to the first header
    first, second = export.rows
    assert (first.row, second.row) == (2, 3)  # records, as Excel numbers them (the caption spans two lines)
    assert first.item_id == "export/UzFfAgtgekIEAQAAAAAAdemo01" and first.title == "对毒品说NO，对青春说YES #禁毒 #青春"
    assert first.published == Published(date(2026, 6, 1))
    assert first.metrics.views == Count(12345, raw="12,345")
    # both like counters are kept, never added together
    # 喜欢 (the heart) is likes and 推荐 (the thumb) is recommends, as the public collector names them
    assert first.metrics.likes == Count(45, raw="45") and first.metrics.extra["recommends"] == Count(321, raw="321")
    assert first.metrics.extra["completion_rate_bp"] == Count(2864, raw="28.64%")
    assert first.metrics.extra["avg_watch_ms"] == Count(10590, raw="10.59秒")
    assert first.metrics.favorites is None  # Channels has no favorites column
    assert second.published == Published(date(2026, 6, 5))


def test_wechat_channels_short_variant_without_bom() -> None:
    text = "视频描述,视频ID,发布时间,完播率,平均播放时长,播放量,推荐,喜欢,评论量,分享量,关注量\n"
    text += "短视频,export/abc,2026/07/24,5%,3秒,10,1,2,0,0,0\n"
    export = parse_export(text.encode(), "视频数据.csv")
    assert export.shape.name == "wechat_channels_assistant" and export.file_kind == "CSV (UTF-8)"
    assert export.rows[0].metrics.views == Count(10, raw="10")


def test_wechat_mp_xls_rows_before_header_and_reads_not_readers() -> None:
    export = read_export(OWNER / "wechat_mp_content_analysis.xls")
    assert export.shape.name == "wechat_mp_analysis" and export.file_kind == "xls" and export.sheet == "New Sheet1"
    assert export.header_row == 3
    first, second, third = export.rows
    assert first.row == 4 and first.link == "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv"
    assert first.metrics.views == Count.exact(18230)  # 总阅读次数, the additive one
    assert first.metrics.extra["readers"] == Count.exact(15321)  # 总阅读人数: never views
    assert first.metrics.shares == Count.exact(532) and first.metrics.extra["sharers"] == Count.exact(410)
    assert first.metrics.extra["completion_rate_bp"] == Count.exact(6889)
    assert [r.published for r in export.rows] == [
        Published(date(2026, 6, 1)),
        Published(date(2026, 6, 3)),
        Published(date(2026, 6, 5)),
    ]
    assert "sharers" not in second.metrics.extra  # "-"
    assert third.metrics.extra["delivery_read_rate_bp"] == Count(310, raw="3.10%")
    assert export.ignored_columns == ("每次分享带来阅读次数",)


def test_wechat_mp_html_disguised_as_xls_with_two_row_header() -> None:
    export = read_export(OWNER / "wechat_mp_content_analysis_html.xls")
    assert export.file_kind == "HTML table (UTF-8)" and export.shape.name == "wechat_mp_analysis"
    assert export.columns == {
        "内容标题": "title",
        "发表时间": "published",
        "总阅读人数": "count:readers",
        "总阅读次数": "views",
        "总分享人数": "count:sharers",
        "总分享次数": "shares",
        "阅读完成率": "rate:completion_rate",
        "内容url": "link",
    }
    first, second = export.rows
    assert first.row == 4 and first.metrics.views == Count(18230, raw="18,230")
    assert first.metrics.extra["readers"] == Count(15321, raw="15,321")
    # 次数 empty: reads are missing, and 人数 never stands in for them
    assert second.metrics.views is None and second.metrics.extra["readers"] == Count(8020, raw="8020")


PLAIN_ROWS = [
    ["平台", "标题", "链接", "播放量", "点赞", "评论", "转发", "收藏", "备注"],
    ["哔哩哔哩", "对毒品说NO", "https://www.bilibili.com/video/BV1a7421K7Qg", "1.2万", "300", "", "-", "10万+", "x"],
    ["YouTube", "Say no", "https://youtu.be/AbCdEfGhIjk", "5,000", "20", "3", "4", "5", ""],
    ["合计", "", "", "17000", "", "", "", "", ""],
]


@pytest.mark.parametrize(
    ("encoding", "prefix", "kind"),
    [
        ("utf-8", b"", "CSV (UTF-8)"),
        ("utf-8", b"\xef\xbb\xbf", "CSV (UTF-8 with BOM)"),
        ("gb18030", b"", "CSV (GB18030)"),
        ("utf-16", b"", "CSV (UTF-16)"),
    ],
)
def test_plain_csv_in_every_encoding(encoding: str, prefix: bytes, kind: str) -> None:
    buf = io.StringIO()
    csv.writer(buf).writerows(PLAIN_ROWS)  # "5,000" is quoted, as Excel writes it
    export = parse_export(prefix + buf.getvalue().encode(encoding), "本周数据.csv")
    assert export.file_kind == kind and export.shape.name == "table" and not export.shape.account_wide
    bili, yt = export.rows
    assert bili.platform == "bilibili" and bili.link == "https://www.bilibili.com/video/BV1a7421K7Qg"
    assert bili.metrics.views == Count(12000, CountKind.APPROXIMATE, 1000, "1.2万")
    assert bili.metrics.favorites is not None and bili.metrics.favorites.kind is CountKind.LOWER_BOUND
    assert bili.metrics.comments is None and bili.metrics.shares is None  # empty and "-" are missing
    assert yt.platform == "youtube" and yt.metrics.views == Count(5000, raw="5,000")
    assert [(p.row, p.reason) for p in export.skipped] == [(4, "a totals row, not a post")]
    assert export.ignored_columns == ("备注",)


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_plain_english_headers_other_delimiters(delimiter: str) -> None:
    text = delimiter.join(["link", "Views", "Likes", "Shares"]) + "\n"
    text += delimiter.join(["https://youtu.be/AbCdEfGhIjk", "1234", "5", "0"]) + "\n"
    export = parse_export(text.encode(), "week.txt")
    (row,) = export.rows
    assert row.metrics.views == Count(1234, raw="1234") and row.metrics.shares == Count(0, raw="0")


def test_plain_xlsx_title_only_with_platform_option_and_map() -> None:
    rows = [
        ["作品", "发布日期", "阅读数(次)", "阅读人数", "在看", "打赏"],
        ["反诈宣传月", date(2026, 6, 1), 900, 800, 12, 3],
    ]
    export = parse_export(
        xlsx(rows), "自己的表.xlsx", platform="公众号", mapping={"阅读数（次）": "views", "打赏": "extra:tips"}
    )
    (row,) = export.rows
    assert row.platform == "wechat_mp" and row.title == "反诈宣传月" and row.published == Published(date(2026, 6, 1))
    assert row.metrics.views == Count.exact(900) and row.metrics.extra["readers"] == Count.exact(800)
    assert row.metrics.extra["recommends"] == Count.exact(12) and row.metrics.extra["tips"] == Count.exact(3)


def test_rates_that_cannot_be_read_are_left_out_with_a_warning() -> None:
    rows = douyin_rows()[:2]
    rows[1][5] = 27.5  # a percent without the % sign: 27.5% or a fraction? not guessed
    rows[1][9] = "很久"
    export = parse_export(xlsx(rows), "作品列表导出.xlsx")
    assert (
        "completion_rate_bp" not in export.rows[0].metrics.extra and "avg_watch_ms" not in export.rows[0].metrics.extra
    )
    assert [(w.row, w.column) for w in export.warnings] == [(2, "完播率"), (2, "平均播放时长")]


def test_unreadable_counts_are_all_listed_and_nothing_is_read() -> None:
    rows = douyin_rows()
    rows[1][4] = "很多"
    rows[2][10] = -3
    rows[3][11] = 12.5
    rows[3][1] = "昨天"
    with pytest.raises(ExportError) as info:
        parse_export(xlsx(rows), "作品列表导出.xlsx")
    problems = info.value.problems
    assert [(p.row, p.column) for p in problems] == [(2, "播放量"), (3, "点赞量"), (4, "发布时间"), (4, "分享量")]
    assert problems[0].value == "很多" and "not a count" in problems[0].reason
    message = str(info.value)
    assert message.startswith("作品列表导出.xlsx: 4 value(s) could not be read, so nothing was imported")
    assert "row 2, column 播放量 ('很多')" in message


@pytest.mark.parametrize(
    ("rows", "needle"),
    [
        ([["视频名称", "发布时间", "播放量"], ["a", "2026-06-01", 1]], "视频数据"),
        ([["条均点赞数", "条均点击率"], [1, 0.1]], "averages"),
        ([["日期", "渠道", "阅读次数"], ["2026-06-01", "全部", 5]], "per article"),
        ([["指标", "数值"], ["播放量", 5]], "overview"),
        ([["日期", "播放量"], ["2026-06-01", 5]], "one row per day"),
        ([["姓名", "年龄"], ["张三", 30]], "no header row found"),
    ],
)
def test_files_of_the_wrong_kind_are_refused(rows: list[list[Any]], needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        parse_export(xlsx(rows), "x.xlsx")


def test_bad_options_and_columns() -> None:
    data = xlsx(douyin_rows())
    with pytest.raises(InputError, match="--platform says kuaishou"):
        parse_export(data, "作品列表导出.xlsx", platform="kuaishou")
    with pytest.raises(InputError, match="unknown platform"):
        parse_export(data, "作品列表导出.xlsx", platform="myspace")
    with pytest.raises(InputError, match="no column '阅读数'"):
        parse_export(data, "作品列表导出.xlsx", mapping={"阅读数": "views"})
    with pytest.raises(InputError, match="unknown target"):
        parse_export(data, "作品列表导出.xlsx", mapping={"体裁": "colour"})
    with pytest.raises(InputError, match="both hold views"):
        parse_export(xlsx([["链接", "播放量", "观看量"], ["BV1a7421K7Qg", 1, 2]]), "x.xlsx")
    table = xlsx([["平台", "标题", "播放量"], ["火星台", "标题", 1]])
    with pytest.raises(ExportError, match="not a platform reach knows"):
        parse_export(table, "x.xlsx")


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "is empty"),
        (b"   \n", "is empty"),
        (b"PK\x03\x04 not really a zip", "Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 broken", "old-style Excel"),
        (b"abc\x80\x20def", "not text in UTF-8 or GB18030"),
        (b"\xef\xbb\xbf\xff\xfe", "not text in UTF-8 or GB18030"),
        (b"a,b\x00,c\n", "not a spreadsheet or text file"),
    ],
)
def test_unreadable_files(data: bytes, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        parse_export(data, "x.xls")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no file"):
        read_export(tmp_path / "none.xlsx")
    with pytest.raises(InputError, match="is a folder"):
        read_export(tmp_path)


def test_header_found_in_a_later_sheet_and_repeated_header_skipped() -> None:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.append(["说明：本表由系统生成"])
    second = book.create_sheet("数据")
    second.append(["链接", "播放量"])
    second.append(["BV1a7421K7Qg", 10])
    second.append(["链接", "播放量"])
    second.append([None, None])
    buf = io.BytesIO()
    book.save(buf)
    export = parse_export(buf.getvalue(), "x.xlsx")
    assert export.sheet == "数据" and [r.row for r in export.rows] == [2]


def test_cell_readers_edge_cases() -> None:
    from reach.imports import _Bad, _read_count, _read_published, _read_rate, _read_seconds

    assert _read_count(None) is None and _read_count(" -- ") is None and _read_count("暂无") is None
    assert _read_count(12.0) == Count.exact(12) and _read_count(0) == Count.exact(0)
    for bad in (True, date(2026, 1, 1), float("nan"), "12%", "1.5", -1, 2.0**60):
        with pytest.raises(_Bad):
            _read_count(bad)
    assert _read_rate("100%") == Count(10000, raw="100%") and _read_rate(1) == Count.exact(10000)
    for bad in ("120%", "abc", 3):
        with pytest.raises(_Bad):
            _read_rate(bad)
    assert _read_seconds("1分20秒") == Count(80000, raw="1分20秒") and _read_seconds("1:02:03") == Count(
        3723000, raw="1:02:03"
    )
    assert _read_seconds("12s") == Count(12000, raw="12s")
    with pytest.raises(_Bad):
        _read_seconds("1分20")
    assert _read_published(20260601) == Published(date(2026, 6, 1))
    assert _read_published(46174.5) == Published(date(2026, 6, 1), datetime(2026, 6, 1, 4, 0, tzinfo=timezone.utc))
    assert _read_published("2026/6/1 8:05") == Published(
        date(2026, 6, 1), datetime(2026, 6, 1, 0, 5, tzinfo=timezone.utc)
    )
    assert _read_published(datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc)) == Published(
        date(2026, 6, 1), datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc)
    )
    for bad in ("2026-02-30", "昨天", 12, "2026年13月01日"):
        with pytest.raises(_Bad):
            _read_published(bad)


def test_title_key_and_platform_names() -> None:
    assert (
        title_key("对毒品说NO，对青春说YES\n#禁毒 😀")
        == title_key("对毒品说no 对青春说yes #禁毒")
        == "对毒品说no对青春说yes禁毒"
    )
    assert title_key(None) == "" and title_key("！！！") == ""
    assert (
        platform_key("抖音") == "douyin"
        and platform_key("B站") == "bilibili"
        and platform_key("视频号") == "wechat_channels"
    )
    assert platform_key("火星台") is None
    assert str(RowProblem(3, "why", "播放量", "x" * 50)).startswith("row 3, column 播放量 ('xxxxxxxx")


@pytest.mark.parametrize(
    "cell",
    ["#DIV/0!", "#VALUE!", "0x10", "10,0000", "1.234", "1.000", "(5)", "5-", "¥5", "+5", "1e3", "12,34"],
)
def test_count_cells_that_read_two_ways_or_are_no_count_are_refused(cell: str) -> None:
    """parse_count reads what platforms display (``1.234 Aufrufe`` = 1234, ``#DIV/0!`` -> 0); an owner
    file's cell must be a plain count, or it is refused (never 10 for 10,0000, 0 for an Excel error)."""
    rows = douyin_rows()
    rows[1][4] = cell
    with pytest.raises(ExportError) as info:
        parse_export(xlsx(rows), "作品列表导出.xlsx")
    (problem,) = info.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "播放量", cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1,234", Count(1234, raw="1,234")),
        ("３，４５６", Count(3456, raw="３，４５６")),
        ("12 345", Count(12345, raw="12 345")),
        ("12.0", Count(12, raw="12.0")),
        ("5次", Count(5, raw="5次")),
        ("1.2万", Count(12000, CountKind.APPROXIMATE, 1000, "1.2万")),
        ("10万+", Count(100000, CountKind.LOWER_BOUND, 10000, "10万+")),
        ("1,234.5万", Count(12345000, CountKind.APPROXIMATE, 1000, "1,234.5万")),
        ("－", None),
        ("／", None),
    ],
)
def test_plain_count_cells_still_read(cell: str, expected: Count | None) -> None:
    rows = douyin_rows()
    rows[1][4] = cell
    assert parse_export(xlsx(rows), "作品列表导出.xlsx").rows[0].metrics.views == expected


def test_a_column_counted_in_wan_is_read_with_its_unit() -> None:
    """``播放量(万)`` holding 1.2 is about 12,000 plays, never 1 or 12; a people column (``阅读量(人)``) is
    not read as views."""
    rows: list[list[Any]] = [
        ["链接", "播放量（万）", "阅读量(人)", "点赞(次)"],
        ["https://www.bilibili.com/video/BV1a7421K7Qg", 1.2, 500, 30],
        ["https://www.douyin.com/video/7400000000000000001", 3, None, 4],
    ]
    export = parse_export(xlsx(rows), "表.xlsx")
    assert [r.metrics.views for r in export.rows] == [
        Count(12000, CountKind.APPROXIMATE, 1000, "1.2万"),
        Count(30000, CountKind.APPROXIMATE, 10000, "3万"),
    ]
    assert export.rows[0].metrics.likes == Count(30) and export.ignored_columns == ("阅读量(人)",)
    rows[1][1] = "1.2万"
    with pytest.raises(ExportError, match="counts in 万"):
        parse_export(xlsx(rows), "表.xlsx")


def test_a_formula_without_a_saved_result_is_refused() -> None:
    """A workbook written by a script keeps ``=B2*2`` with no result: its value is unknown, not "not shown"."""
    rows = douyin_rows()
    rows[1][4] = "=K2*10"
    with pytest.raises(ExportError) as info:
        parse_export(xlsx(rows), "作品列表导出.xlsx")
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (2, "播放量") and "formula" in problem.reason
