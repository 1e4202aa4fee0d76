"""Owner data files: creator-centre exports and staff spreadsheets, read into rows (pure: bytes in, rows out).

:func:`parse_export` reads a file's bytes; :func:`read_export` reads a path. Nothing here touches the
database: matching rows to tracked posts and writing snapshots is :mod:`reach.owner`.

Shapes
======

The header row is *searched* (first 30 rows of every sheet), never assumed to be row 1, and the shape
(and so the platform) is recognised from its column names. Columns are mapped by name, never by position.

=====================  ===============  ========================  ================================  ==============
shape                  platform         file                      title / id / link                 published
=====================  ===============  ========================  ================================  ==============
``douyin_creator``     douyin           作品列表 .xlsx (row 1)     作品名称; no id                   发布时间 (time)
``xiaohongshu_creator`` xiaohongshu     笔记列表明细表 .xlsx       笔记标题; no id (banner row 1)    首次发布时间
``wechat_channels_assistant`` wechat_channels 视频号助手 .csv    视频描述; 视频ID                  发布时间 (date)
``wechat_mp_analysis`` wechat_mp        图文分析 .xls / HTML       内容标题; 内容url                 发表时间 (date)
``table``              from the links   any CSV / XLSX             链接/link, 标题/title, 平台        发布时间
=====================  ===============  ========================  ================================  ==============

Counters read (everything else is kept as an ``extra`` or listed as an ignored column):

* Douyin: 播放量 → views, 点赞量 → likes, 评论量 → comments, 分享量 → shares, 收藏量 → favorites;
  粉丝增量, 主页访问量; 完播率, 5s完播率, 封面点击率, 2s跳出率 (fractions 0–1); 平均播放时长, 作品时长
  (seconds). A private work (审核状态/发布状态 自见) showing 播放量 0 beside other non-zero counters
  has its views left out: that 0 is not a real count.
* Xiaohongshu: 观看量 → views, 点赞, 评论, 收藏, 分享; 曝光, 涨粉, 弹幕; 封面点击率; 人均观看时长.
* WeChat Channels: 播放量 → views, 喜欢 → likes (the ❤ heart, the API's ``favCount``), 推荐 → extra
  ``recommends`` (the 👍 thumb, ``likeCount``): both like counters are kept, never added together,
  and named as the public collector (:mod:`reach.collectors.wechat_channels`) names them, so owner
  and public numbers of a post mean the same thing; 评论量, 分享量; 关注量 and the other counters
  as extras; 完播率 like ``28.64%``; 平均播放时长 like ``10.59秒``.
* WeChat Official Account: 总阅读次数 → views, 总分享次数 → shares. **Only 次数 (counts) are additive**:
  总阅读人数 and the other 人数 (unique people) are extras and never become views. Files that are
  really HTML tables saved as ``.xls`` are read too, and a two-row header (总阅读 over 人数 / 次数) is joined.
* Plain tables (staff's own sheets), headers in Chinese or English: a link column (链接, 作品链接, url,
  link ...) or a title column (标题, title ...), optionally 平台/platform and 发布时间, and any of
  播放量/views, 点赞/likes, 评论/comments, 分享 or 转发/shares, 收藏/favorites (阅读量 and 阅读次数 are
  views; 阅读人数 is not). ``mapping`` (``--map 列名=views``) names columns reach does not know.

Cell rules
==========

* Empty, ``-``, ``--``, ``—``, ``/``, ``N/A``, ``无``, ``暂无`` are *missing* (``None``), never 0.
* A count cell holds a whole number (``12345``, ``1,234``, an Excel number) or a count string read by
  :func:`reach.counts.parse_count` (``"1.2万"`` is approximate, ``"10万+"`` a lower bound). Anything else
  (``abc``, ``12.5``, ``-3``, ``28%``; anything that reads two ways: ``1.234``, ``10,0000``; an Excel error
  such as ``#DIV/0!``; a formula whose result was never saved) is an error naming the file, row, column
  and value, and *nothing* is imported: :class:`ExportError` lists every such cell.
* A column whose header names a magnitude (``播放量(万)``) is read in it: ``1.2`` is ≈12,000. A header
  naming people (``阅读量(人)``) is not the counter it starts with.
* Rates are kept as extras in basis points (``completion_rate_bp`` 2864 = 28.64 %; a bare number must be a
  fraction 0–1), durations in milliseconds (``avg_watch_ms``). They never enter totals; an unreadable
  one is left out with a warning.
* Times written in exports are Beijing time (Asia/Shanghai), as the creator centres show them:
  ``2026-02-01 22:07:05``, ``2026年04月12日13时43分03秒``, ``2026/07/24``, ``20220329``, Excel dates.
* Text files are read as UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030; comma, tab or
  semicolon separated.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .counts import parse_count
from .errors import InputError
from .models import METRIC_NAMES, Count, CountKind, Metrics
from .times import read_wall_clock

__all__ = [
    "SHAPES",
    "Export",
    "ExportError",
    "ExportRow",
    "Published",
    "RowProblem",
    "Shape",
    "parse_export",
    "platform_key",
    "read_export",
    "title_key",
]

CHINA = ZoneInfo("Asia/Shanghai")
"""The zone of every time written in a Chinese creator-centre export."""
MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 100_000
HEADER_SEARCH_ROWS = 30
TARGETS = (
    "title",
    "published",
    "link",
    "id",
    "platform",
    "status",
    "skip",
    *METRIC_NAMES,
)
"""What a column can hold (``--map COLUMN=TARGET``), besides ``count:NAME``, ``rate:NAME`` and ``seconds:NAME``."""

_MISSING = {"", "-", "--", "---", "—", "——", "–", "/", "n/a", "na", "null", "none", "nan", "无", "暂无", "#n/a"}
_TOTAL_WORDS = {"合计", "总计", "汇总", "总和", "小计", "total", "totals", "sum", "总数"}
_PRIVATE = {"自见", "私密", "仅自己可见", "仅我可见", "private"}
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


# -- shapes --------------------------------------------------------------------------------------


def _norm_header(value: object) -> str:
    """A header as compared: NFKC, no invisible characters or spaces, case-folded, no unit suffix
    such as ``(次)`` or ``（%）``, no trailing colon."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", str(value)))
    text = re.sub(r"\s+", "", text).casefold().rstrip(":")
    m = re.search(r"\(([^()]{1,4})\)$", text)
    if m is not None and m.start() > 0 and m.group(1) in _PLAIN_UNITS:
        return text[: m.start()]
    return text  # "阅读量(人)" is not 阅读量, "播放量(万)" not 播放量: see _magnitude


_PLAIN_UNITS = {"次", "次数", "个", "条", "篇", "%", "秒", "s", "sec", "pv"}
"""Header suffixes that name the unit a column already counts in: ``播放量(次)`` is 播放量."""
_MAGNITUDES = {"万": "万", "w": "万", "万次": "万", "千": "千", "k": "千", "千次": "千", "百万": "百万", "亿": "亿"}


def _magnitude(key: str) -> tuple[str, str | None]:
    """A normalised header without a magnitude suffix, and the magnitude: ``播放量(万)`` -> (播放量, 万)."""
    m = re.fullmatch(r"(.+)\(([^()]{1,4})\)", key)
    if m is None or m.group(2) not in _MAGNITUDES:
        return key, None
    return m.group(1), _MAGNITUDES[m.group(2)]


@dataclass(frozen=True)
class Shape:
    """A kind of file reach can import.

    Attributes:
        name: stable key, part of the snapshot ``source`` (``import:<name>:<file name>``).
        label: what staff call the file.
        platform: the platform every row belongs to; ``None`` for plain tables (from each row's link).
        columns: normalised header -> target (``views``, ``title``, ``count:new_followers`` ...).
        signatures: sets of headers, any of which recognises the shape.
        account_wide: an export of every post of an account: it only updates tracked posts, never adds them.
        reject: why this recognised file cannot be imported (``None``: it can).
    """

    name: str
    label: str
    platform: str | None
    columns: Mapping[str, str]
    signatures: tuple[frozenset[str], ...]
    account_wide: bool = True
    reject: str | None = None


def _shape(
    name: str,
    label: str,
    platform: str | None,
    columns: Mapping[str, str],
    signatures: Sequence[Sequence[str]],
    account_wide: bool = True,
    reject: str | None = None,
) -> Shape:
    return Shape(
        name,
        label,
        platform,
        {_norm_header(k): v for k, v in columns.items()},
        tuple(frozenset(_norm_header(h) for h in sig) for sig in signatures),
        account_wide,
        reject,
    )


DOUYIN = _shape(
    "douyin_creator",
    "抖音创作者中心 作品列表 (Douyin creator centre work list)",
    "douyin",
    {
        "作品名称": "title",
        "发布时间": "published",
        "体裁": "skip",
        "审核状态": "status",
        "发布状态": "status",
        "播放量": "views",
        "点赞量": "likes",
        "评论量": "comments",
        "分享量": "shares",
        "收藏量": "favorites",
        "完播率": "rate:completion_rate",
        "5s完播率": "rate:completion_rate_5s",
        "封面点击率": "rate:cover_click_rate",
        "2s跳出率": "rate:bounce_rate_2s",
        "平均播放时长": "seconds:avg_watch",
        "作品时长": "seconds:duration",
        "主页访问量": "count:profile_visits",
        "粉丝增量": "count:new_followers",
    },
    [("作品名称", "播放量"), ("作品名称", "点赞量")],
)
XIAOHONGSHU = _shape(
    "xiaohongshu_creator",
    "小红书 笔记数据 (Xiaohongshu note list)",
    "xiaohongshu",
    {
        "笔记标题": "title",
        "首次发布时间": "published",
        "发布时间": "published",
        "体裁": "skip",
        "曝光": "count:impressions",
        "观看量": "views",
        "封面点击率": "rate:cover_click_rate",
        "点赞": "likes",
        "评论": "comments",
        "收藏": "favorites",
        "涨粉": "count:new_followers",
        "分享": "shares",
        "人均观看时长": "seconds:avg_watch",
        "弹幕": "count:danmaku",
    },
    [("笔记标题", "观看量"), ("笔记标题", "点赞")],
)
CHANNELS = _shape(
    "wechat_channels_assistant",
    "视频号助手 视频数据 (WeChat Channels assistant)",
    "wechat_channels",
    {
        "视频描述": "title",
        "视频ID": "id",
        "发布时间": "published",
        "完播率": "rate:completion_rate",
        "平均播放时长": "seconds:avg_watch",
        "播放量": "views",
        "喜欢": "likes",
        "推荐": "count:recommends",
        "评论量": "comments",
        "分享量": "shares",
        "关注量": "count:new_followers",
        "转发聊天和朋友圈": "count:forwards_chat_moments",
        "设为铃声": "count:set_as_ringtone",
        "设为状态": "count:set_as_status",
        "设为朋友圈封面": "count:set_as_moments_cover",
        "企微链接点击次数": "count:wecom_link_clicks",
        "企微链接点击人数": "count:wecom_link_clickers",
        "添加到通讯录次数": "count:contact_adds",
        "添加到通讯录人数": "count:contact_adders",
    },
    [("视频描述", "播放量"), ("视频ID", "播放量")],
)
WECHAT_MP = _shape(
    "wechat_mp_analysis",
    "公众号 图文分析 (WeChat Official Account content analysis)",
    "wechat_mp",
    {
        "内容标题": "title",
        "文章标题": "title",
        "发表时间": "published",
        "发布时间": "published",
        "总阅读人数": "count:readers",
        "总阅读次数": "views",
        "总分享人数": "count:sharers",
        "总分享次数": "shares",
        "阅读后关注人数": "count:new_followers",
        "送达人数": "count:delivered",
        "公众号消息阅读次数": "count:reads_from_messages",
        "送达阅读率": "rate:delivery_read_rate",
        "首次分享次数": "count:first_shares",
        "分享产生阅读次数": "count:reads_from_shares",
        "首次分享率": "rate:first_share_rate",
        "每次分享带来阅读次数": "skip",
        "阅读完成率": "rate:completion_rate",
        "内容url": "link",
        "文章链接": "link",
    },
    [("内容标题", "总阅读次数"), ("内容标题", "总阅读人数"), ("内容url", "总阅读次数")],
)
_REJECTS = (
    _shape(
        "douyin_video_view",
        "抖音 视频数据",
        "douyin",
        {},
        [("视频名称", "播放量")],
        reject=(
            "this is Douyin's 视频数据 view (视频名称 column): it has no likes, comments or shares and is not "
            "the work list. In the creator centre open 数据中心 → 投稿作品 → 投稿列表 and press 导出数据, then "
            "import that file (作品列表导出.xlsx)"
        ),
    ),
    _shape(
        "douyin_summary",
        "抖音 投稿分析",
        "douyin",
        {},
        [("条均点赞数",), ("条均点击率",), ("播放量中位数",), ("条均5s完播率",)],
        reject=(
            "this is a summary of averages (条均…), not one row per work: export the work list instead "
            "(数据中心 → 投稿作品 → 投稿列表 → 导出数据)"
        ),
    ),
    _shape(
        "per_day_channel",
        "公众号 流量分析",
        "wechat_mp",
        {},
        [("日期", "渠道")],
        reject=(
            "this file has one row per day and channel (日期, 渠道), not one row per article: in 公众号 "
            "数据分析 → 内容分析 download the per-article table (已通知内容 → 下载数据明细) and import that"
        ),
    ),
    _shape(
        "last_30_days",
        "近30日",
        None,
        {},
        [("指标", "数值")],
        reject="this is an account overview (指标 / 数值), not one row per post: export the list of works instead",
    ),
)
_TIME_SERIES = _shape(
    "time_series",
    "per-day numbers",
    None,
    {},
    [],
    reject=(
        "this file has one row per day (日期 column) and no title or link column: reach imports each post's "
        "running totals, one row per post. Export the list of works / notes / articles instead"
    ),
)
PLAIN_COLUMNS: dict[str, str] = {
    _norm_header(k): v
    for keys, v in [
        (
            (
                "链接",
                "作品链接",
                "视频链接",
                "文章链接",
                "笔记链接",
                "分享链接",
                "原文链接",
                "网址",
                "地址",
                "链接地址",
                "url",
                "link",
                "links",
                "post",
                "post_url",
                "post_key",
                "key",
            ),
            "link",
        ),
        (("标题", "作品标题", "视频标题", "文章标题", "笔记标题", "作品名称", "作品", "title", "name"), "title"),
        (("平台", "发布平台", "platform"), "platform"),
        (("发布时间", "发表时间", "发布日期", "published", "published_at", "publish_time"), "published"),
        (
            (
                "播放量",
                "播放数",
                "播放次数",
                "播放",
                "观看量",
                "观看次数",
                "观看数",
                "浏览量",
                "阅读量",
                "阅读数",
                "阅读次数",
                "总阅读次数",
                "views",
                "view_count",
                "plays",
                "play_count",
                "reads",
                "read_count",
            ),
            "views",
        ),
        (("点赞", "点赞量", "点赞数", "赞", "获赞", "likes", "like_count"), "likes"),
        (("评论", "评论量", "评论数", "comments", "comment_count", "replies"), "comments"),
        (
            ("分享", "分享量", "分享数", "分享次数", "转发", "转发量", "转发数", "shares", "share_count", "reposts"),
            "shares",
        ),
        (("收藏", "收藏量", "收藏数", "favorites", "favourites", "collects", "saves"), "favorites"),
        (("在看", "在看数", "好看", "推荐"), "count:recommends"),
        (("阅读人数", "总阅读人数", "观看人数", "播放人数"), "count:readers"),
        (("备注", "note", "notes", "说明"), "skip"),
    ]
    for k in keys
}
PLAIN = Shape("table", "table of links and numbers", None, PLAIN_COLUMNS, (), account_wide=False)
SHAPES: tuple[Shape, ...] = (DOUYIN, XIAOHONGSHU, CHANNELS, WECHAT_MP, PLAIN)
"""Every importable shape, most specific first."""

PLATFORM_NAMES: dict[str, str] = {
    _norm_header(k): v
    for keys, v in [
        (("bilibili", "b站", "哔哩哔哩", "哔哩哔哩弹幕网"), "bilibili"),
        (("douyin", "抖音"), "douyin"),
        (("kuaishou", "快手"), "kuaishou"),
        (("weibo", "微博", "新浪微博"), "weibo"),
        (("xiaohongshu", "小红书", "xhs", "rednote"), "xiaohongshu"),
        (("toutiao", "今日头条", "头条", "西瓜视频", "西瓜", "ixigua", "xigua"), "toutiao"),
        (("youtube", "油管"), "youtube"),
        (("tiktok",), "tiktok"),
        (("wechat_channels", "视频号", "微信视频号", "channels"), "wechat_channels"),
        (("wechat_mp", "公众号", "微信公众号", "公众号文章", "微信公众平台"), "wechat_mp"),
    ]
    for k in keys
}


def platform_key(name: str) -> str | None:
    """A platform key from what staff write (``抖音``, ``视频号``, ``B站``, ``douyin``), or ``None``."""
    return PLATFORM_NAMES.get(_norm_header(name))


def title_key(title: str | None) -> str:
    """A title as compared when matching rows to posts: NFKC, case-folded, letters and digits only
    (any script), so punctuation, spaces, line breaks, ``#`` and emoji do not matter."""
    if not title:
        return ""
    text = unicodedata.normalize("NFKC", title).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in ("L", "N"))


# -- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    """When a post was published, as an export gives it.

    Attributes:
        day: the date in Beijing time.
        moment: the instant (UTC) when the export gives a time of day; ``None`` for a date only.
    """

    day: date
    moment: datetime | None = None

    def __str__(self) -> str:
        if self.moment is None:
            return self.day.isoformat()
        return self.moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class RowProblem:
    """A row (or one cell) that could not be used, for people: ``row 7, column 播放量 ('abc'): ...``."""

    row: int
    reason: str
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = f"row {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        if self.value is not None:
            shown = self.value if len(self.value) <= 40 else self.value[:39] + "…"
            where += f" ({shown!r})"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class ExportRow:
    """One post's numbers as a file gives them.

    Attributes:
        row: the row number people see in Excel (or the line number in a CSV file).
        title: the title or caption, on one line.
        published: when the post was published (Beijing date, maybe a time).
        link: a post link, share text or ``platform:id`` key.
        item_id: the platform's own id in the export (WeChat Channels ``视频ID``).
        platform: the platform key (from the shape, a 平台 column or ``--platform``); ``None`` when unknown.
        metrics: the counters; ``None`` = not in the file.
    """

    row: int
    title: str | None
    published: Published | None
    link: str | None
    item_id: str | None
    platform: str | None
    metrics: Metrics


@dataclass(frozen=True)
class Export:
    """What :func:`parse_export` read from one file.

    Attributes:
        file_name: the file's name (no folders).
        file_kind: ``xlsx``, ``xls``, ``HTML table (UTF-8)``, ``CSV (GB18030)`` ...
        sha256: the SHA-256 of the file's bytes (hex): the same file imported twice adds nothing.
        shape: the recognised :class:`Shape`.
        platform: the platform of every row, when the shape or ``--platform`` says.
        sheet: the sheet (or HTML table number) the header was found in.
        header_row: the row number of the header.
        columns: header as written in the file -> target.
        ignored_columns: headers reach does not use (map them with ``--map`` if they matter).
        rows: the posts.
        skipped: rows left out on purpose (a totals row, a row with no title, no numbers).
        warnings: single values left out (an unreadable rate or duration) or doubted (a private work's 0 plays).
    """

    file_name: str
    file_kind: str
    sha256: str
    shape: Shape
    platform: str | None
    sheet: str | None
    header_row: int
    columns: Mapping[str, str]
    ignored_columns: tuple[str, ...]
    rows: tuple[ExportRow, ...]
    skipped: tuple[RowProblem, ...]
    warnings: tuple[RowProblem, ...]


class ExportError(InputError):
    """Cells that could not be read: every one is listed in ``problems``; nothing was imported."""

    def __init__(self, file_name: str, problems: Sequence[RowProblem]) -> None:
        self.file_name = file_name
        self.problems = tuple(problems)
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = f"; and {len(self.problems) - 5} more" if len(self.problems) > 5 else ""
        super().__init__(
            f"{file_name}: {len(self.problems)} value(s) could not be read, so nothing was imported: {shown}{more}. "
            "Correct them in the file (an unknown number can be left empty: empty means not shown) and import again"
        )


class _Bad(Exception):
    """One cell that cannot be read; becomes a :class:`RowProblem`."""


# -- reading cells --------------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(_INVISIBLE.sub("", str(value)).split())


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    text = _text(value).casefold()
    return text in _MISSING or unicodedata.normalize("NFKC", text) in _MISSING  # full-width "－", "／"


def _read_count(value: object) -> Count | None:
    """A count cell: ``None`` when missing; raises ``_Bad`` when it holds something else."""
    if isinstance(value, _Uncomputed):
        raise _Bad("a formula whose result was never saved: open the file in Excel or WPS, save it, and import again")
    if _is_missing(value):
        return None
    if isinstance(value, bool) or isinstance(value, (datetime, date, time)):
        raise _Bad("a date or yes/no value, not a count")
    if isinstance(value, int):
        if value < 0:
            raise _Bad("a count is never negative")
        return Count.exact(value)
    if isinstance(value, float):
        if not math.isfinite(value) or value < 0 or not value.is_integer() or value > 2**53:
            raise _Bad("not a whole, non-negative number")
        return Count.exact(int(value))
    text = _text(value)
    _check_count_text(text)
    count = parse_count(text)
    if count is None or count.value is None:
        raise _Bad("not a count: use digits such as 12345, or 1.2万 / 10万+ as the platform shows them")
    return count


_COUNT_TEXT = re.compile(
    r"(?:约|≈|~|超过|超|逾)?\s*"
    r"(?P<int>\d{1,3}(?:(?P<sep>[,\s'])\d{3})(?:(?P=sep)\d{3})*|\d+)"
    r"(?:\.(?P<dec>\d+))?\s*"
    r"(?P<unit>(?:多|余)?(?:百万|千万|百亿|千亿|万亿|[百千万萬亿億wk]))?\s*"
    r"(?:\+|以上|多|余)?\s*次?"
)
_EXCEL_ERROR = re.compile(r"#(?:div/0!|value!|ref!|name\?|num!|null!|n/a|spill!|calc!|getting_data)")


def _check_count_text(text: str) -> None:
    """Owner files are stricter than what platforms display (:func:`parse_count` reads those): only
    digits grouped by threes, an optional 万/亿-style unit and bound. Anything that could be read two
    ways (``1.234``, ``10,0000``) or is not a count at all (``#DIV/0!``, ``0x10``, ``(5)``) raises."""
    folded = "".join(
        unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" or ch == "\u3000" else ch for ch in text
    ).casefold()
    if _EXCEL_ERROR.fullmatch(folded):
        raise _Bad("an Excel error value, not a count: type the number, or empty the cell if it is unknown")
    m = _COUNT_TEXT.fullmatch(folded.strip())
    if m is None:
        raise _Bad(
            "not a count: use digits such as 12345 or 12,345 (commas between groups of three), "
            "or 1.2万 / 10万+ as the platform shows them"
        )
    dec = m.group("dec")
    if dec is not None and m.group("unit") is None and (set(dec) != {"0"} or len(dec) == 3):
        raise _Bad(
            "a number with a dot is not a count (is the dot a decimal point or a thousands separator?): "
            "write 1234 or 1,234"
        )


def _in_unit(value: object, unit: str) -> object:
    """A cell of a column counted in ``unit`` (``播放量(万)``: ``1.2`` means 1.2万) as the text
    ``"1.2万"``: so it is read as rounded to that unit, never as 1 or 12 plays."""
    if _is_missing(value):
        return value
    text = _text(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else ""
    if not re.fullmatch(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?", text):
        raise _Bad(f"the column counts in {unit}: give a plain number such as 1.2 (meaning 1.2{unit})")
    return text.replace(",", "") + unit


def _decimal(value: object) -> Decimal:
    try:
        number = Decimal(_text(value).replace(",", ""))
    except InvalidOperation:
        raise _Bad("not a number") from None
    if not number.is_finite() or number < 0:
        raise _Bad("not a non-negative number")
    return number


def _scaled(number: Decimal, factor: int, raw: object) -> Count:
    scaled = number * factor
    whole = int(scaled.to_integral_value(ROUND_HALF_UP))
    raw_text = None if isinstance(raw, (int, float)) else _text(raw)
    if scaled == whole:
        return Count(whole, CountKind.EXACT, 1, raw_text)
    return Count(whole, CountKind.APPROXIMATE, 1, raw_text if raw_text is not None else _text(raw))


def _read_rate(value: object) -> Count | None:
    """A rate cell (``28.64%`` or a fraction ``0.2864``) in basis points (2864)."""
    if _is_missing(value):
        return None
    text = _text(value)
    if text.endswith("%"):
        number = _decimal(text[:-1]) / 100
    else:
        number = _decimal(value)
        if number > 1:
            raise _Bad("a rate without % must be a fraction between 0 and 1")
    if number > 1:
        raise _Bad("a rate above 100%")
    return _scaled(number, 10000, value)


def _read_seconds(value: object) -> Count | None:
    """A duration cell (``10.59秒``, ``10.59s``, ``20.340909``, ``1分20秒``, ``01:20``) in milliseconds."""
    if _is_missing(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _scaled(_decimal(value), 1000, value)
    if isinstance(value, time):
        return Count.exact((value.hour * 3600 + value.minute * 60 + value.second) * 1000)
    text = _text(value).casefold().replace(" ", "")
    m = re.fullmatch(r"(?:(\d+)分)?(\d+(?:\.\d+)?)(?:秒|s|sec)?", text)
    if m and (m.group(1) is None or text.endswith("秒")):
        seconds = Decimal(m.group(2)) + 60 * int(m.group(1) or 0)
        return _scaled(seconds, 1000, value)
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if m:
        parts = [int(p) for p in m.groups() if p is not None]
        seconds_int = parts[0] * 60 + parts[1] if len(parts) == 2 else parts[0] * 3600 + parts[1] * 60 + parts[2]
        return Count(seconds_int * 1000, CountKind.EXACT, 1, _text(value))
    raise _Bad("not a duration (such as 10.59秒 or 20.3)")


def _read_published(value: object) -> Published | None:
    """A publish time cell, in Beijing time unless it carries its own zone."""
    if _is_missing(value):
        return None
    if isinstance(value, datetime):
        return _published(value)
    if isinstance(value, date):
        return Published(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and 19000101 <= number <= 21001231:
            return _from_parts(str(int(number))[:4], str(int(number))[4:6], str(int(number))[6:], None, None, None)
        if 20000 <= number < 80000:  # an Excel date serial number (days since 1899-12-30)
            moment = datetime(1899, 12, 30) + timedelta(days=number)
            return _published(moment.replace(microsecond=0))
        raise _Bad("not a date")
    text = _text(value).casefold().replace("：", ":")
    if re.fullmatch(r"\d{8}", text):
        return _from_parts(text[:4], text[4:6], text[6:], None, None, None)
    try:
        found = read_wall_clock(text)
    except ValueError:
        raise _Bad("not a real date or time") from None
    if found is not None:
        day, at = found
        return Published(day) if at is None else _published(datetime.combine(day, at))
    raise _Bad("not a date or time (such as 2026-04-12 13:43 or 2026年04月12日13时43分03秒)")


def _from_parts(y: str, mo: str, d: str, h: str | None, mi: str | None, s: str | None) -> Published:
    try:
        if h is None:
            return Published(date(int(y), int(mo), int(d)))
        return _published(datetime(int(y), int(mo), int(d), int(h), int(mi or 0), int(s or 0)))
    except ValueError:
        raise _Bad("not a real date or time") from None


def _published(moment: datetime) -> Published:
    local = moment.replace(tzinfo=CHINA) if moment.tzinfo is None else moment.astimezone(CHINA)
    if moment.tzinfo is None and local.time() == time(0, 0):
        return Published(local.date())  # an Excel date cell: the day only
    return Published(local.date(), local.astimezone(timezone.utc))


# -- loading files ------------------------------------------------------------------------------


@dataclass
class _Grid:
    name: str | None
    rows: list[list[Any]]


def _too_big(file_name: str) -> InputError:
    return InputError(f"{file_name} has more than {MAX_ROWS} rows: split it into smaller files")


def _load_xlsx(data: bytes, file_name: str) -> list[_Grid]:
    import openpyxl  # type: ignore[import-untyped]

    grids: list[_Grid] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not know
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors all mean "not a workbook"
            raise InputError(
                f"cannot read {file_name} as an Excel workbook ({type(exc).__name__}): open it in Excel or WPS, "
                "save it again as .xlsx and import that"
            ) from None
        try:
            for sheet in book.worksheets:
                sheet.reset_dimensions()  # some exporters write a wrong size; read every row
                rows: list[list[Any]] = []
                for row in sheet.iter_rows(values_only=True):
                    rows.append(list(row))
                    if len(rows) > MAX_ROWS:
                        raise _too_big(file_name)
                grids.append(_Grid(sheet.title, rows))
        finally:
            book.close()
        if _has_formulas(data):
            _mark_uncomputed(data, grids)
    return grids


class _Uncomputed(str):
    """A formula cell whose result was never saved (a file written by a script, not by Excel or WPS):
    its value is unknown, so it is refused rather than read as "not shown"."""


def _has_formulas(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    if b"<f" in archive.read(name):
                        return True
    except (zipfile.BadZipFile, OSError, KeyError):
        return False
    return False


def _mark_uncomputed(data: bytes, grids: list[_Grid]) -> None:
    """Replace the empty values of formula cells without a saved result by :class:`_Uncomputed`."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        for grid, sheet in zip(grids, book.worksheets, strict=False):
            sheet.reset_dimensions()
            for r, row in enumerate(sheet.iter_rows(values_only=True)):
                if r >= len(grid.rows):
                    break
                cells = grid.rows[r]
                for c, formula in enumerate(row):
                    text = formula if isinstance(formula, str) else getattr(formula, "text", None)
                    if isinstance(text, str) and text.startswith("=") and c < len(cells) and cells[c] is None:
                        cells[c] = _Uncomputed(text)
    finally:
        book.close()


def _load_xls(data: bytes, file_name: str) -> list[_Grid]:
    import xlrd  # type: ignore[import-untyped]

    try:
        book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO(), verbosity=0)
    except Exception as exc:  # noqa: BLE001 - any xlrd failure means "not a readable .xls"
        raise InputError(
            f"cannot read {file_name} as an old-style Excel .xls file ({type(exc).__name__}): open it in Excel "
            "or WPS, save it as .xlsx and import that"
        ) from None
    grids = []
    for sheet in book.sheets():
        if sheet.nrows > MAX_ROWS:
            raise _too_big(file_name)
        rows = []
        for r in range(sheet.nrows):
            row: list[Any] = []
            for c in range(sheet.ncols):
                cell = sheet.cell(r, c)
                if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    row.append(None)
                elif cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                    except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                        row.append(cell.value)
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    row.append(xlrd.error_text_from_code.get(cell.value, "#ERROR"))
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    row.append(bool(cell.value))
                else:
                    row.append(cell.value)
            rows.append(row)
        grids.append(_Grid(sheet.name, rows))
    return grids


def _decode(data: bytes, file_name: str) -> tuple[str, str]:
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8 with BOM"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "UTF-16"
    except UnicodeDecodeError:
        pass
    else:
        try:
            return data.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            pass
        try:
            return data.decode("gb18030"), "GB18030"
        except UnicodeDecodeError:
            pass
    raise InputError(
        f"{file_name} is not an Excel file and not text in UTF-8 or GB18030: open it in Excel or WPS and save "
        "it as .xlsx (or as CSV UTF-8), then import that"
    )


def _load_html(text: str, file_name: str) -> list[_Grid]:
    from bs4 import BeautifulSoup

    # "&mid=2650…" in a link is a query parameter, not the entity &mid (∣): a bare "&name=" is escaped first
    soup = BeautifulSoup(re.sub(r"&(?=[A-Za-z_][A-Za-z0-9_]*=)", "&amp;", text), "html.parser")
    grids = []
    for number, table in enumerate(soup.find_all("table"), start=1):
        rows: list[list[Any]] = []
        covered: dict[int, int] = {}  # column -> rows still covered by a cell above (rowspan)
        for tr in table.find_all("tr"):
            if tr.find_parent("table") is not table:
                continue  # a row of a nested table
            cells: list[Any] = []
            for cell in tr.find_all(["td", "th"], recursive=False):
                while covered.get(len(cells), 0) > 0:
                    cells.append("")  # under a cell spanning rows: like a merged Excel cell, empty
                    covered[len(cells) - 1] -= 1
                colspan, rowspan = _span(cell.get("colspan")), _span(cell.get("rowspan"))
                for k in range(colspan):
                    cells.append(cell.get_text(" ", strip=True) if k == 0 else "")
                    if rowspan > 1:
                        covered[len(cells) - 1] = rowspan - 1
            while covered.get(len(cells), 0) > 0:
                cells.append("")
                covered[len(cells) - 1] -= 1
            rows.append(cells)
            if len(rows) > MAX_ROWS:
                raise _too_big(file_name)
        grids.append(_Grid(f"table {number}", rows))
    return grids


def _span(value: object) -> int:
    try:
        return min(max(int(str(value or 1)), 1), 100)
    except ValueError:
        return 1


def _load_csv(text: str, file_name: str) -> list[_Grid]:
    head = "\n".join(text.splitlines()[:5])
    delimiters = sorted([",", "\t", ";"], key=lambda d: -head.count(d))
    grids = []
    for delimiter in delimiters:
        try:
            rows: list[list[Any]] = []
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
                rows.append(list(row))
                if len(rows) > MAX_ROWS:
                    raise _too_big(file_name)
        except csv.Error as exc:
            raise InputError(f"cannot read {file_name} as CSV ({exc}): save it again from Excel or WPS") from None
        grids.append(_Grid(None, rows))
    return grids


def _load(data: bytes, file_name: str) -> tuple[str, list[_Grid]]:
    if not data.strip():
        raise InputError(f"{file_name} is empty: download the export again")
    if len(data) > MAX_BYTES:
        raise InputError(f"{file_name} is larger than {MAX_BYTES // 1024 // 1024} MB: is it the right file?")
    if data[:4] == b"PK\x03\x04":
        return "xlsx", _load_xlsx(data, file_name)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls", _load_xls(data, file_name)
    text, encoding = _decode(data, file_name)
    if re.match(r"\s*<", text) and re.search(r"<table", text, re.IGNORECASE):
        return f"HTML table ({encoding})", _load_html(text, file_name)
    if "\x00" in text:
        raise InputError(f"{file_name} is not a spreadsheet or text file reach can read: save it as .xlsx")
    return f"CSV ({encoding})", _load_csv(text, file_name)


# -- finding the header --------------------------------------------------------------------------


def _combine(parent: list[str], sub: list[str]) -> list[str] | None:
    """A two-row header (总阅读 over 人数 / 次数) joined into one row, or ``None`` when ``sub`` is data."""
    subs = [s for s in sub if s]
    if sum(1 for s in subs if _norm_header(s) in ("人数", "次数")) < 2:
        return None
    if any(len(s) > 8 or re.fullmatch(r"[\d.,%]+", s) for s in subs):
        return None
    out, carried = [], ""
    for i in range(max(len(parent), len(sub))):
        p = parent[i] if i < len(parent) else ""
        s = sub[i] if i < len(sub) else ""
        if p:
            carried = p
        out.append((p or carried) + s if s else p)
    return out


def _target(header: str, shape: Shape, mapping: Mapping[str, str]) -> str | None:
    if header in mapping:
        return mapping[header]
    header = _magnitude(header)[0]  # a column in 万 holds the same counter, read with the unit
    target = shape.columns.get(header)
    if target is None and shape is not PLAIN and PLAIN_COLUMNS.get(header) == "link":
        target = "link"  # staff may add a 链接 column to an export to match rows by link
    return target


def _recognise(headers: list[str], mapping: Mapping[str, str]) -> Shape | None:
    present = {h for h in headers if h}
    for shape in (DOUYIN, XIAOHONGSHU, CHANNELS, WECHAT_MP, *_REJECTS):
        if any(sig <= present for sig in shape.signatures):
            return shape
    targets = [_target(h, PLAIN, mapping) for h in headers if h]
    has_numbers = any(t in METRIC_NAMES for t in targets)
    if any(t in ("link", "title") for t in targets) and has_numbers:
        return PLAIN
    if "日期" in present and has_numbers:
        return _TIME_SERIES
    return None


def _find_header(
    grids: list[_Grid], file_name: str, mapping: Mapping[str, str]
) -> tuple[_Grid, int, int, list[str], Shape]:
    rejected: Shape | None = None
    for grid in grids:
        for i in range(min(HEADER_SEARCH_ROWS, len(grid.rows))):
            row = [_text(c) for c in grid.rows[i]]
            candidates = [(row, i + 1)]
            if i + 1 < len(grid.rows):
                joined = _combine(row, [_text(c) for c in grid.rows[i + 1]])
                if joined is not None:
                    candidates.insert(0, (joined, i + 2))
            for headers, data_start in candidates:
                shape = _recognise([_norm_header(h) for h in headers], mapping)
                if shape is None:
                    continue
                if shape.reject is not None:
                    rejected = rejected or shape
                    continue
                return grid, i, data_start, headers, shape
    if rejected is not None:
        raise InputError(f"{file_name}: {rejected.reject}")
    raise InputError(
        f"{file_name}: no header row found in the first {HEADER_SEARCH_ROWS} rows. reach looks for a title or "
        "link column (作品名称, 笔记标题, 视频描述, 内容标题, 标题, 链接, link ...) beside a number column (播放量, "
        "观看量, 总阅读次数, views ...). If your columns are named otherwise, name them: --map 你的列名=views"
    )


def _parse_mapping(mapping: Mapping[str, str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for column, target in (mapping or {}).items():
        t = target.strip().lower()
        t = {"ignore": "skip", "url": "link", "published_at": "published", "time": "published"}.get(t, t)
        if t.startswith("extra:"):
            t = "count:" + t[len("extra:") :]
        kind, _, name = t.partition(":")
        if not (t in TARGETS or (kind in ("count", "rate", "seconds") and re.fullmatch(r"[a-z][a-z0-9_]{0,40}", name))):
            raise InputError(
                f"--map {column}={target}: unknown target {target!r}; use one of {', '.join(TARGETS)}, "
                "or count:NAME / rate:NAME / seconds:NAME for other numbers (NAME in lower-case letters)"
            )
        key = _norm_header(column)
        if not key:
            raise InputError(f"--map {column}={target}: the column name is empty")
        out[key] = t
    return out


# -- reading rows -------------------------------------------------------------------------------


def read_export(
    path: str | Path,
    *,
    platform: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> Export:
    """Read an owner data file from disk (see :func:`parse_export`).

    Raises:
        InputError: the file cannot be read (missing, not a spreadsheet, no header found);
            ExportError: some cells could not be read (all are listed).
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise InputError(f"{path} is a folder: give the export file itself")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"no file {path}: check the name and folder (drag the file into the terminal)") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_export(data, path.name, platform=platform, mapping=mapping)


def parse_export(
    data: bytes,
    file_name: str,
    *,
    platform: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> Export:
    """Read an owner data file's bytes: find the header row, recognise the shape, read every row.

    Args:
        data: the file's bytes (.xlsx, .xls, an HTML table saved as .xls, CSV/TSV text).
        file_name: the name shown in messages and kept as the snapshots' source.
        platform: for plain tables: the platform of rows without a link (a key such as ``douyin`` or
            a name such as ``抖音``); for exports it must agree with the file.
        mapping: header -> target for columns reach does not know (``{"阅读数(次)": "views"}``);
            targets: ``title, published, link, id, platform, skip, views, likes, comments, shares,
            favorites`` or ``count:NAME``, ``rate:NAME``, ``seconds:NAME``.

    Returns:
        An :class:`Export`: the rows, the rows left out (with reasons) and warnings.

    Raises:
        InputError: not a readable file, no header row found, a file of the wrong kind (per-day
            numbers, an account summary), ``platform`` disagreeing with the file, a ``--map`` column
            that is not in the header. ExportError: cells that could not be read, all listed.
    """
    from .collectors import platforms

    wanted = None
    if platform is not None:
        wanted = platform_key(platform) or platform.strip().lower()
        if wanted not in platforms():
            raise InputError(f"unknown platform {platform!r}: use one of {', '.join(platforms())}")
    maps = _parse_mapping(mapping)
    file_kind, grids = _load(data, file_name)
    grid, header_index, data_start, headers, shape = _find_header(grids, file_name, maps)
    header_row = header_index + 1
    if wanted is not None and shape.platform is not None and wanted != shape.platform:
        raise InputError(
            f"{file_name} looks like a {shape.label} file ({shape.platform}), but --platform says {wanted}: "
            "leave --platform out, or check that this is the right file"
        )
    normalised = [_norm_header(h) for h in headers]
    for key in maps:
        if key not in normalised:
            raise InputError(
                f"--map: no column {key!r} in the header (row {header_row}): the columns are "
                + ", ".join(h for h in headers if h)
            )
    targets: dict[int, str] = {}
    units: dict[int, str] = {}  # column -> magnitude its numbers are in (播放量(万))
    seen: dict[str, str] = {}
    ignored: list[str] = []
    columns: dict[str, str] = {}
    for j, (header, key) in enumerate(zip(headers, normalised, strict=True)):
        if not key:
            continue
        target = _target(key, shape, maps)
        if target is None or target == "skip":
            ignored.append(header)
            continue
        if target in seen and target != "status":
            raise InputError(
                f"{file_name}: columns {seen[target]!r} and {header!r} (row {header_row}) both hold {target}: "
                f"keep one, or name what the other is with --map {header}=skip"
            )
        seen[target] = header
        targets[j] = target
        columns[header] = target
        unit = _magnitude(key)[1]
        if unit is not None and (target in METRIC_NAMES or target.startswith("count:")):
            units[j] = unit
    row_platform = shape.platform or wanted
    rows: list[ExportRow] = []
    skipped: list[RowProblem] = []
    notes: list[RowProblem] = []
    errors: list[RowProblem] = []
    header_cells = [h for h in normalised if h]
    for r in range(data_start, len(grid.rows)):
        cells = grid.rows[r]
        number = r + 1
        if all(_is_missing(c) for c in cells):
            continue
        if [h for h in (_norm_header(_text(c)) for c in cells) if h] == header_cells:
            continue  # the header repeated
        row = _read_row(number, cells, targets, headers, shape, row_platform, errors, notes, units)
        if isinstance(row, RowProblem):
            skipped.append(row)
        elif row is not None:
            rows.append(row)
    if errors:
        raise ExportError(file_name, errors)
    return Export(
        file_name=file_name,
        file_kind=file_kind,
        sha256=hashlib.sha256(data).hexdigest(),
        shape=shape,
        platform=row_platform,
        sheet=grid.name,
        header_row=header_row,
        columns=columns,
        ignored_columns=tuple(ignored),
        rows=tuple(rows),
        skipped=tuple(skipped),
        warnings=tuple(notes),
    )


def _read_row(
    number: int,
    cells: list[Any],
    targets: Mapping[int, str],
    headers: list[str],
    shape: Shape,
    platform: str | None,
    errors: list[RowProblem],
    notes: list[RowProblem],
    units: Mapping[int, str] | None = None,
) -> ExportRow | RowProblem | None:
    values: dict[str, Count | None] = {}
    extra: dict[str, Count] = {}
    text: dict[str, str] = {}
    header_of = {target: headers[j] for j, target in targets.items()}
    published: Published | None = None
    first_text = next((_text(c) for c in cells if not _is_missing(c)), "")
    if _norm_header(first_text) in _TOTAL_WORDS:
        return RowProblem(number, "a totals row, not a post")
    for j, target in targets.items():
        value = cells[j] if j < len(cells) else None
        kind, _, name = target.partition(":")
        try:
            if units and j in units:
                value = _in_unit(value, units[j])
            if target in METRIC_NAMES:
                values[target] = _read_count(value)
            elif kind == "count":
                count = _read_count(value)
                if count is not None:
                    extra[name] = count
            elif kind in ("rate", "seconds"):
                try:
                    reading = _read_rate(value) if kind == "rate" else _read_seconds(value)
                except _Bad as exc:
                    notes.append(RowProblem(number, f"{exc}; left out", headers[j], _text(value)))
                    continue
                if reading is not None:
                    extra[f"{name}_bp" if kind == "rate" else f"{name}_ms"] = reading
            elif target == "published":
                published = _read_published(value)
            elif not _is_missing(value):
                text[target] = _text(value)
        except _Bad as exc:
            errors.append(RowProblem(number, str(exc), headers[j], _text(value)))
    title = text.get("title")
    if title is not None and _norm_header(title) in _TOTAL_WORDS:
        return RowProblem(number, "a totals row, not a post")
    row_platform = platform
    if "platform" in text:
        named = platform_key(text["platform"])
        if named is None:
            reason = "not a platform reach knows (抖音, 视频号, 公众号, B站, douyin ...)"
            errors.append(RowProblem(number, reason, header_of["platform"], text["platform"]))
        elif platform is not None and named != platform:
            reason = f"--platform says {platform}"
            errors.append(RowProblem(number, reason, header_of["platform"], text["platform"]))
        else:
            row_platform = named
    if not any(k in text for k in ("title", "link", "id")):
        return RowProblem(number, "no title, link or id: cannot tell which post this is")
    status = text.get("status", "")
    views = values.get("views")
    if (
        status in _PRIVATE
        and views is not None
        and views.value == 0
        and any(c is not None and c.value for m, c in values.items() if m != "views")
    ):
        values["views"] = None
        notes.append(RowProblem(number, f"{status} (private) work shows 0 plays beside other counts: plays left out"))
    if all(v is None for v in values.values()) and not extra:
        return RowProblem(number, "no numbers in this row")
    return ExportRow(
        row=number,
        title=title,
        published=published,
        link=text.get("link"),
        item_id=text.get("id"),
        platform=row_platform,
        metrics=Metrics(extra=extra, **{m: values.get(m) for m in METRIC_NAMES}),
    )
