"""What every human rendering of numbers shares, in a module light enough for the quick commands
(``reach posts`` imports it without the report's maths): the labels in both languages, the ≈ / ≥
marks, counts and percentages shown never above what they are, goals shown exactly, spreadsheet
formula neutralising and one-line titles, and rich tables whose numbers are never cut.

:mod:`reach.report` re-exports every name here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .models import CountKind

LABELS: dict[str, dict[str, Any]] = {
    "zh": {
        "views": "播放量",
        "likes": "点赞",
        "comments": "评论",
        "shares": "转发",
        "favorites": "收藏",
        "bucket": {"hour": "时间", "day": "日期", "week": "周", "month": "月份"},
        "total": "全平台播放量",
        "increase": "增量",
        "daily_increase": "日增",
        "growth": "增长率",
        "posts": "作品数",
        "new_posts": "新增作品",
        "stale": "沿用旧值",
        "platform": "平台",
        "post": "作品",
        "title": "标题",
        "author": "作者",
        "collected": "采集时间",
        "share": "占比",
        "all_posts": "全部作品",
        "by_platform": "分平台",
        "timezone": "时区",
        "report": "传播报告",
        "by": {"hour": "按小时", "day": "按日", "week": "按周", "month": "按月"},
        "no_data": "还没有成功采集的数据：运行 reach collect（失败时它会说明原因）",
        "precision": "精度",
        "kinds": {"exact": "精确", "approximate": "约数", "lower_bound": "下限"},
        "owner": "其中后台数据",
        "decreased": "下降作品",
        "source": "来源",
        "sources": {"public": "公开", "manual": "手动录入", "import": "后台导入"},
        "sheets": {"summary": "汇总", "posts": "作品", "platforms": "分平台"},
        "bucket_sheet": {"hour": "每小时", "day": "每日", "week": "每周", "month": "每月"},
        "campaign": "活动",
        "description": "说明",
        "period": "统计区间",
        "generated": "生成时间",
        "target": "目标播放量",
        "progress": "完成度",
        "starts_on": "开始日期",
        "milestones": "里程碑",
        "milestone": "里程碑",
        "reached_at": "达到时间",
        "first_bucket": "所在时段",
        "how": {
            "interpolated": "按前后两次采集线性插值",
            "at_or_before": "不晚于此次采集",
            "between": "两次采集相隔超过 24 小时或跨时段，不插值",
        },
        "before_range": "统计区间之前",
        "projection": "目标预测",
        "projection_method": (
            "方法：取最近 7 天（不足 7 天取全部、至少 24 小时）的采集，"
            "前后都有数值的作品的播放量增长除以所比较两次采集之间的实际天数，得日均增长，按此线性外推；"
            "新计入作品不算增长；比较的数值早于窗口超过 7 天（数据断档）时不预测"
        ),
        "projection_status": {
            "reached": "已达成",
            "on_pace": "按此速度预计达成",
            "not_at_this_pace": "按此速度无法达成",
            "not_enough_data": "数据不足 24 小时，暂不预测",
            "gap": "暂不预测：比较的数值采集于 {since}，早于最近 7 天窗口超过 7 天（数据有断档），无近期速度可依",
            "stale": "暂不预测：数据自 {since} 起未更新（已过时）",
            "unknown_pace": "暂不预测：增长由“10万+”等下限值与其他数值相减得出，精度未知",
        },
        "per_day": "日均增长",
        "comparison": "环比",
        "vs": "对比",
        "change": "变化",
        "top_posts": "播放量前列作品",
        "rank": "排名",
        "at_age": "发布后播放量",
        "ages": {"24h": "24小时", "72h": "72小时", "7d": "7天"},
        "age_legend": (
            "发布后 24小时/72小时/7天 的播放量：按该时刻前后两次采集线性插值（≈），"
            "两侧缺采集或两次采集相隔超过 24 小时时为 —"
        ),
        "published": "发布时间",
        "link": "链接",
        "post_key": "作品编号",
        "post_id": "平台ID",
        "interpolated": "插值",
        "chart_title": "全平台播放量走势",
        "legend": (
            "≈ 含平台四舍五入的数字；≥ 含“10万+”这类下限；— 平台未显示；"
            "沿用旧值：该时段没有新数据的作品数，沿用其最近一次数值；"
            "增量只算前后两个时段都有数值的作品，新增作品（首次计入）的数值只计入总量"
        ),
        "owner_legend": (
            "后台数据：账号方在创作者中心看到的数字（reach record 手动录入或 reach import 导入）；"
            "同一作品同时有公开数字时以后台数据为准，公开数字在其后明显更高时才采用，不重复计算"
        ),
    },
    "en": {
        "views": "Views",
        "likes": "Likes",
        "comments": "Comments",
        "shares": "Shares",
        "favorites": "Favorites",
        "bucket": {"hour": "Hour", "day": "Date", "week": "Week", "month": "Month"},
        "total": "All-platform views",
        "increase": "Increase",
        "daily_increase": "Increase",
        "growth": "Growth",
        "posts": "Posts",
        "new_posts": "New posts",
        "stale": "Carried",
        "platform": "Platform",
        "post": "Post",
        "title": "Title",
        "author": "Author",
        "collected": "Collected",
        "share": "Share",
        "all_posts": "All posts",
        "by_platform": "By platform",
        "timezone": "Time zone",
        "report": "reach report",
        "by": {"hour": "hourly", "day": "daily", "week": "weekly", "month": "monthly"},
        "no_data": "No successful snapshots yet: run `reach collect` (when it fails it says why)",
        "precision": "Precision",
        "kinds": {"exact": "exact", "approximate": "approximate", "lower_bound": "lower bound"},
        "owner": "Owner-reported",
        "decreased": "Posts down",
        "source": "Source",
        "sources": {"public": "public", "manual": "manual", "import": "import"},
        "sheets": {"summary": "Summary", "posts": "Posts", "platforms": "Platforms"},
        "bucket_sheet": {"hour": "Hourly", "day": "Daily", "week": "Weekly", "month": "Monthly"},
        "campaign": "Campaign",
        "description": "Description",
        "period": "Period",
        "generated": "Generated",
        "target": "Target views",
        "progress": "Progress",
        "starts_on": "Starts on",
        "milestones": "Milestones",
        "milestone": "Milestone",
        "reached_at": "Reached",
        "first_bucket": "Bucket",
        "how": {
            "interpolated": "interpolated between the two snapshots around it",
            "at_or_before": "at or before this snapshot",
            "between": "snapshots over 24 hours apart or across buckets: not interpolated",
        },
        "before_range": "before the report range",
        "projection": "Projection",
        "projection_method": (
            "Method: the growth of posts seen at both ends of the last 7 days of snapshots (all of them when "
            "fewer, at least 24 hours), per day of the real time between the snapshots compared, extended "
            "linearly; posts counted for the first time are not growth; no projection when a value compared "
            "is more than 7 days older than the window (a gap in the data)"
        ),
        "projection_status": {
            "reached": "reached",
            "on_pace": "at this pace, reached on",
            "not_at_this_pace": "not at this pace",
            "not_enough_data": "under 24 hours of snapshots: no projection yet",
            "gap": (
                "no projection: a value compared dates from {since}, more than 7 days before the last 7 days "
                "(a gap in the data): no recent pace to extend"
            ),
            "stale": "can't project: stale data since {since}",
            "unknown_pace": "no projection: the growth compares lower bounds (10万+) of unknown difference",
        },
        "per_day": "Per day",
        "comparison": "Period comparison",
        "vs": "vs",
        "change": "Change",
        "top_posts": "Top posts",
        "rank": "Rank",
        "at_age": "Views at age",
        "ages": {"24h": "24h", "72h": "72h", "7d": "7d"},
        "age_legend": (
            "Views at 24h/72h/7d after publication: interpolated linearly between the two snapshots around "
            "that age (≈); — when there is no snapshot on both sides or they are over 24 hours apart"
        ),
        "published": "Published",
        "link": "Link",
        "post_key": "Post key",
        "post_id": "Post id",
        "interpolated": "interpolated",
        "chart_title": "All-platform views",
        "legend": (
            "≈ includes platform-rounded numbers; ≥ includes lower bounds such as '100K+'; — not shown; "
            "Carried: posts with no new snapshot in that period, counted at their last known value; "
            "Increase counts only posts seen in both periods: a post counted for the first time (New posts) "
            "adds to the total, not to the increase"
        ),
        "owner_legend": (
            "Owner-reported: numbers from the account's creator centre (reach record / reach import); "
            "for a post with public numbers too they win, unless a later public number is clearly higher; "
            "never counted twice"
        ),
    },
}

PLATFORM_NAMES: dict[str, dict[str, str]] = {
    "zh": {
        "bilibili": "哔哩哔哩",
        "youtube": "YouTube",
        "douyin": "抖音",
        "kuaishou": "快手",
        "weibo": "微博",
        "xiaohongshu": "小红书",
        "toutiao": "今日头条",
        "tiktok": "TikTok",
        "wechat_channels": "视频号",
        "wechat_mp": "公众号",
    },
    "en": {
        "bilibili": "Bilibili",
        "youtube": "YouTube",
        "douyin": "Douyin",
        "kuaishou": "Kuaishou",
        "weibo": "Weibo",
        "xiaohongshu": "Xiaohongshu",
        "toutiao": "Toutiao",
        "tiktok": "TikTok",
        "wechat_channels": "WeChat Channels",
        "wechat_mp": "WeChat articles",
    },
}


MARKS = {CountKind.APPROXIMATE: "≈", CountKind.LOWER_BOUND: "≥"}
"""The marker a value (or anything computed from it, such as a percentage) carries by its precision."""


def display(value: int | None, kind: CountKind = CountKind.EXACT, lang: str = "en", signed: bool = False) -> str:
    """A number for people: ``"≈1.23万"``, ``"≥100,000"``, ``"—"`` for not shown."""
    if value is None:
        return "—"
    from .counts import format_count

    # never shown above the number: a positive one cut, a negative one's size rounded up
    text = format_count(abs(value), lang, up=value < 0)
    if signed:
        text = ("+" if value >= 0 else "−") + text
    elif value < 0:
        text = "−" + text
    return MARKS.get(kind, "") + text


def cut_fraction(num: int, den: int) -> float:
    """``num / den`` floored to 10^-6 in exact integer arithmetic (a share, a growth, a progress):
    the float then floors to any shown precision down to 0.0001% without a digit rounded up."""
    return (num * 1_000_000 // den) / 1_000_000


def cut_pct(fraction: float, decimals: int = 1) -> float:
    """``fraction`` as a percentage floored to ``decimals`` (0.99999 → 99.9, never 100.0; −0.13334 →
    −13.4): a percentage is never shown above what it is (fractions from :func:`cut_fraction`)."""
    scale = float(10 ** (decimals + 2))
    return math.floor(fraction * scale + 1e-9) / float(10**decimals)


def pct_text(fraction: float, decimals: int = 1, signed: bool = False) -> str:
    """A fraction for people, floored (:func:`cut_pct`): ``12.5%``, ``+12.5%``, ``−78.3%`` (U+2212)."""
    text = f"{cut_pct(fraction, decimals):{'+' if signed else ''}.{decimals}f}%"
    return text.replace("-", "−")


def display_goal(value: int, lang: str = "en") -> str:
    """A target or milestone as people chose it: in 万/亿 when that is exact (``10万``, ``1.5亿``),
    else every digit (``111,501``): a goal is never shown smaller than it is."""
    from .counts import format_count

    shown = format_count(value, lang)
    exact = lang != "zh" or value < 10_000 or value % (10**6 if shown.endswith("亿") else 100) == 0
    return shown if exact else f"{value:,}"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
"""First characters a spreadsheet may read as the start of a formula (full-width forms included:
East Asian input settings may turn them into ``=``/``+``/``-``/``@``)."""


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula: one starting (after any spaces)
    with ``=``, ``+``, ``-``, ``@`` or a full-width form of them, or with a tab or line break."""
    if isinstance(value, str) and (value[:1] in FORMULA_STARTS or value.lstrip(" ")[:1] in FORMULA_STARTS):
        return "'" + value
    return value


_BIDI = dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def _short(title: str, width: int = 24) -> str:
    """A title on one line, at most ``width`` characters, without bidi controls: a title's
    right-to-left override must not reverse the numbers printed after it on the same line."""
    flat = " ".join(title.translate(_BIDI).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def make_table(
    title: str | None,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    text_columns: int = 1,
    width: int | None = None,
    droppable: Sequence[int] = (),
) -> Any:
    """A rich table whose number columns are never cut or wrapped.

    When ``width`` (the screen) is too narrow, the leading text columns are shortened with an
    ellipsis, then the ``droppable`` columns are left out, in that order, until the table fits.
    Text cells are one line of at most 120 characters (a 10 KB title is not a page of folded
    lines) without bidi controls (a right-to-left override would reverse the row's numbers).
    """
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    rows = [[_short(c, 120) if i < text_columns else c for i, c in enumerate(r)] for r in rows]
    widths = [max([cell_len(h)] + [cell_len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    keep = list(range(len(headers)))

    def needed() -> int:
        return sum(min(widths[i], 12) if i < text_columns else widths[i] for i in keep) + 3 * len(keep) + 1

    for i in droppable:
        if width is None or needed() <= width:
            break
        keep.remove(i)
    table = Table(title=title, title_justify="left")
    for i in keep:
        if i < text_columns:
            table.add_column(headers[i], overflow="fold", max_width=40)
        else:
            table.add_column(headers[i], justify="right", no_wrap=True, min_width=widths[i])
    for row in rows:
        table.add_row(*(Text(row[i]) for i in keep))  # Text: a title like "[/]" is shown, not parsed
    return table
