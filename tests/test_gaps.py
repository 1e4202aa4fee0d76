"""Gaps in the data never make up a number: a pace is measured over the real time between the values
it compares, a milestone between observations far apart is "between" them (no made-up minute), a
value at a post age is not interpolated nor carried across a gap. And machine-readable outputs do
not change with the display language."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from reach import insights
from reach.insights import Point, milestones, projection, total_timeline, views_at_age
from reach.models import Count, Metrics, PostRef, Snapshot
from reach.report import Report, build_report, milestone_lines, projection_text
from reach.store import Store

T0 = datetime(2026, 6, 20, 5, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 11, 29, 14, 2, tzinfo=timezone.utc)
A = PostRef("douyin", "7450000000000000626")
B = PostRef("bilibili", "BV1xx411c7mD")


def day(n: float, hours: float = 0) -> datetime:
    return T0 + timedelta(days=n, hours=hours)


def put(store: Store, ref: PostRef, at: datetime, views: int | None, source: str = "test@1") -> None:
    store.add_snapshot(Snapshot(ref.post_key, at, Metrics(views=Count(views)), source=source))


def gap_store() -> Store:
    """Two posts collected daily for a week (to 2026-06-26, total 820万), then nothing for five
    months, then one owner-recorded number on 2026-11-29 (total 1100万): the newcomer's repro."""
    s = Store()
    s.create_campaign("c", target_views=20_000_000)
    for ref in (A, B):
        s.add_post(ref, campaign="c")
    for n in range(7):
        put(s, A, day(n), 1_000_000 + 200_000 * n)
        put(s, B, day(n), 3_000_000 + 500_000 * n)
    put(s, A, NOW, 5_000_000, source="manual")
    return s


def report(store: Store, lang: str = "en", **kw: Any) -> Report:
    return build_report(store, campaign="c", by="day", tz="UTC", lang=lang, now=NOW, **kw)


# -- projection ------------------------------------------------------------------------------------


def test_projection_after_a_gap_claims_no_pace() -> None:
    """The only value inside the last 7 days is compared with one five months old: no "recent pace"
    (before: 2,800,000 views of five months credited to 7 days, +400,000 a day)."""
    s = gap_store()
    for lang in ("en", "zh"):
        rep = report(s, lang)
        proj = rep.projection
        assert proj is not None and proj.status == "gap"
        assert proj.per_day is None and proj.eta is None
        assert proj.window_start == day(6) and proj.window_end == NOW
        text = projection_text(rep) or ""
        assert ("no projection" in text) if lang == "en" else ("暂不预测" in text)
        assert "2026-06-26 05:00" in text
        data = json.loads(rep.to_json())["projection"]
        assert data["status"] == "gap" and data["per_day"] is None and data["eta"] is None
    keys = [A.post_key, B.post_key]
    timelines = insights.post_timelines(s, keys)
    assert projection(timelines, total_timeline(timelines), 20_000_000) == report(s).projection


def test_pace_is_measured_over_the_real_span_of_the_values_compared() -> None:
    """The value at the window start is carried from an observation a day before it: the growth
    since then is divided by the 8 days it took, not by the 7-day window."""
    line = {"a": [Point(day(0), 0), Point(day(2), 2_000), Point(day(10), 10_000)]}
    proj = projection(line, total_timeline(line), 1_000_000)
    assert proj is not None and proj.status == "on_pace"
    assert proj.window_start == day(2) and proj.window_end == day(10)
    assert proj.per_day == pytest.approx(1_000)  # 8,000 in 8 days (before: 8,000 / 7 = 1,142.9)
    # the report's SQL gives the same
    s = Store()
    s.create_campaign("c", target_views=1_000_000)
    s.add_post(A, campaign="c")
    for p in line["a"]:
        put(s, A, p.at, p.value)
    rep = build_report(s, campaign="c", tz="UTC", now=day(11))
    assert rep.projection == proj


def test_a_carried_value_within_the_window_length_still_projects() -> None:
    """A value carried from 6 days before the window start (less than the window) is a real
    comparison over 13 days: projected, over those 13 days."""
    line = {"a": [Point(day(0), 0), Point(day(13), 13_000)]}
    proj = projection(line, total_timeline(line), 1_000_000)
    assert proj is not None and proj.status == "on_pace" and proj.per_day == pytest.approx(1_000)
    far = {"a": [Point(day(0), 0), Point(day(15), 15_000)]}  # 8 days before the window: a gap
    gap = projection(far, total_timeline(far), 1_000_000)
    assert gap is not None and gap.status == "gap" and gap.window_start == day(0)


# -- milestones ------------------------------------------------------------------------------------


def test_milestone_across_a_gap_is_between_the_two_observations() -> None:
    """Before: "1000万：2026-11-06 (interpolated; bucket 2026-11-29)", a minute made up across five
    months and outside the bucket it named."""
    s = gap_store()
    rep = report(s, milestones=[10_000_000])
    (m,) = rep.milestones
    assert m.how == "between" and m.after == day(6) and m.by == NOW and m.at == NOW
    assert m.bucket == "2026-11-29"
    (line,) = milestone_lines(rep)
    assert line == (
        "10,000,000: between 2026-06-26 05:00 and 2026-11-29 14:02 "
        "(snapshots over 24 hours apart or across buckets: not interpolated; bucket 2026-11-29)"
    )
    (zh,) = milestone_lines(report(s, "zh", milestones=[10_000_000]))
    assert zh.startswith("1000万：2026-06-26 05:00 至 2026-11-29 14:02 之间（")
    data = json.loads(rep.to_json())["milestones"][0]
    assert data["how"] == "between" and data["after"] == "2026-06-26T05:00:00Z" and data["at"] == data["by"]


def test_milestone_interpolated_only_within_a_day_and_inside_its_bucket() -> None:
    # 24 hours apart: interpolated, and inside [after, by]
    total = [Point(day(0), 50_000), Point(day(1), 150_000)]
    (m,) = milestones(total, [100_000])
    assert m.how == "interpolated" and m.at == day(0, 12) and day(0) <= m.at <= day(1)
    # 25 hours apart: between
    total = [Point(day(0), 50_000), Point(day(1, 1), 150_000)]
    (m,) = milestones(total, [100_000])
    assert m.how == "between" and m.at == day(1, 1) and m.after == day(0)


def test_interpolated_time_outside_the_named_bucket_is_not_claimed() -> None:
    """23:00 -> 01:00: the estimate (23:12) lies in the day before the bucket named (the day whose
    total first reached the milestone): "between", never a time in another bucket."""
    s = Store()
    s.add_post(A, campaign="c")
    put(s, A, datetime(2026, 7, 1, 23, 0, tzinfo=timezone.utc), 90_000)
    put(s, A, datetime(2026, 7, 2, 1, 0, tzinfo=timezone.utc), 190_000)
    put(s, A, datetime(2026, 7, 2, 20, 0, tzinfo=timezone.utc), 500_000)
    rep = report(s, milestones=[100_000, 200_000])
    first, second = rep.milestones
    assert first.how == "between" and first.bucket == "2026-07-02"
    assert first.at == datetime(2026, 7, 2, 1, 0, tzinfo=timezone.utc)
    # 20万 between 01:00 (19万) and 20:00 (50万): 0.61 h after 01:00, inside 2026-07-02
    assert second.how == "interpolated" and second.bucket == "2026-07-02"
    assert datetime(2026, 7, 2, tzinfo=timezone.utc) <= second.at <= second.by


# -- views at post age -----------------------------------------------------------------------------


def test_views_at_age_are_not_interpolated_across_a_gap() -> None:
    pub = day(0)
    gap = [Point(day(0, 1), 100), Point(day(30), 5_000)]
    for age in (timedelta(hours=24), timedelta(hours=72), timedelta(days=7)):
        assert views_at_age(gap, pub, age) is None
    near = [Point(day(0, 12), 600), Point(day(1, 12), 1_800)]  # 24 h apart: interpolated
    at24 = views_at_age(near, pub, timedelta(hours=24))
    assert at24 is not None and at24.value == 1_200 and at24.interpolated


def test_views_at_age_in_the_report_after_a_gap() -> None:
    """Published 2026-06-20 00:00, observed daily at 05:00 to 06-26, then on 11-29: 24h and 72h
    lie between daily snapshots (interpolated); 7d (06-27 00:00) lies in the gap: unknown (—)."""
    s = gap_store()
    s.con.execute("UPDATE posts SET published_at = ?", [day(0, -5)])
    rep = report(s)
    ages = rep.ages[A.post_key]
    assert ages["24h"] is not None and ages["24h"].interpolated
    assert ages["24h"].value == 1_000_000 + round(200_000 * 19 / 24)
    assert ages["7d"] is None
    timelines = insights.post_timelines(s, [A.post_key])
    assert insights.ages(timelines[A.post_key], day(0, -5)) == ages
    row = next(r for r in rep.table_rows("posts") if r["post_key"] == A.post_key)
    assert row["views_7d"] is None


# -- machine-readable outputs do not depend on the language ------------------------------------------


def _strip_human(data: Any) -> Any:
    """The JSON without its human-text fields (``display``, ``text``, ``notes``: in the report's language)."""
    if isinstance(data, dict):
        return {k: _strip_human(v) for k, v in data.items() if k not in ("display", "text", "notes")}
    if isinstance(data, list):
        return [_strip_human(v) for v in data]
    return data


def test_machine_outputs_are_the_same_in_every_language() -> None:
    s = gap_store()
    put(s, B, NOW - timedelta(hours=1), 6_500_000, source="import:douyin_creator:x.xlsx")
    zh, en = report(s, "zh"), report(s, "en")
    for table in ("buckets", "platforms", "posts"):
        assert zh.to_jsonl(table) == en.to_jsonl(table)
        assert zh.table_rows(table) == en.table_rows(table)
        zh_csv = list(csv.reader(io.StringIO(zh.to_csv(table).lstrip("\ufeff"))))
        en_csv = list(csv.reader(io.StringIO(en.to_csv(table).lstrip("\ufeff"))))
        assert zh_csv[1:] == en_csv[1:]  # only the headers are localized
    assert zh.rows == en.rows
    assert _strip_human(json.loads(zh.to_json())) == _strip_human(json.loads(en.to_json()))
    posts = {r["post_key"]: r for r in zh.table_rows("posts")}
    assert posts[A.post_key]["views_source"] == "manual" and posts[A.post_key]["platform"] == "douyin"
    assert posts[B.post_key]["views_source"] == "import"
    header, *lines = list(csv.reader(io.StringIO(zh.to_csv("posts").lstrip("\ufeff"))))
    assert "平台" in header and any("manual" in line for line in lines)
    assert not any(v in line for line in lines for v in ("精确", "约数", "手动录入", "后台导入", "公开", "抖音"))


def test_an_unknown_value_has_no_precision_kind() -> None:
    s = Store()
    s.add_post(A, campaign="c")
    s.add_post(B, campaign="c")
    put(s, A, day(0), 1_000)
    put(s, B, day(0), None)  # B shows no views
    data = json.loads(report(s).to_json())
    assert data["platforms"]
    bili = next(p for p in data["platforms"] if p["platform"] == "bilibili")
    assert bili["views"]["value"] is None and bili["views"]["kind"] is None
    post = next(p for p in data["posts"] if p["post_key"] == B.post_key)
    assert post["metrics"]["views"] is None or post["metrics"]["views"]["kind"] is None
    known = next(p for p in data["platforms"] if p["platform"] == "douyin")
    assert known["views"] == {"value": 1_000, "kind": "exact", "granularity": 0, "posts": 1, "display": "1,000"}


# -- alerts ----------------------------------------------------------------------------------------


def test_milestone_alert_after_a_gap_says_between() -> None:
    """An alert states the observation that showed the milestone, never an interpolated moment; after
    a long gap it also says the milestone passed somewhere between the two snapshots."""
    from zoneinfo import ZoneInfo

    from reach.alerts import message, milestone_events

    total = [Point(day(6), 8_200_000), Point(NOW, 11_000_000)]
    (event,) = milestone_events("c", total, [10_000_000], since=day(7), posts=2)
    assert event.at == NOW and event.data["after"] == "2026-06-26T05:00:00+00:00"
    _, text = message(event, "en", ZoneInfo("UTC"))
    assert "Observed: 2026-11-29 14:02" in text
    assert "Not yet at the snapshot before (2026-06-26 05:00" in text and "between the two" in text
    _, zh = message(event, "zh", ZoneInfo("Asia/Shanghai"))
    assert "上次采集（2026-06-26 13:00" in zh and "具体时间不详" in zh
    # snapshots a day apart: no such sentence
    (near,) = milestone_events("c", [Point(day(0), 9_000_000), Point(day(1), 11_000_000)], [10_000_000], day(0), 2)
    assert "after" not in near.data
    assert "between" not in message(near, "en", ZoneInfo("UTC"))[1]


# -- report findings: unknown increases, milestone buckets, precision of differences, stale data ---

SH = timezone(timedelta(hours=8))


def _table_text(rep: Report) -> str:
    from rich.console import Console

    from reach.report import render_table

    console = Console(file=io.StringIO(), width=200)
    render_table(rep, console)
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()


def test_a_bucket_with_no_observation_has_an_unknown_increase() -> None:
    """Every value carried forward: the increase is unknown (null / — / empty), not an exact +0."""
    rep = report(gap_store())
    carried = next(b for b in rep.buckets if b.label == "2026-07-10")
    assert carried.stale_posts == 2 and carried.increase is None and carried.growth_pct is None
    assert rep.buckets[1].increase is not None  # observed buckets keep theirs
    data = json.loads(rep.to_json())["totals"]
    row = next(r for r in data if r["bucket"] == "2026-07-10")
    assert row["increase"]["value"] is None and row["increase"]["kind"] is None and row["growth_pct"] is None
    lines = list(csv.reader(io.StringIO(rep.to_csv().lstrip("\ufeff"))))
    line = next(r for r in lines if r[0] == "2026-07-10")
    assert line[3:9] == ["", "", "", "0", "2", ""]  # increase, growth, its precision, new, carried, owner
    # the first bucket: new posts unknown (no bucket before) -> blank in CSV and table alike
    assert lines[1][5] == "" and data[0]["new_posts"] is None
    table = _table_text(rep)
    assert "2026-07-10" in table and "+0 " not in table


def test_milestone_bucket_is_the_bucket_of_the_crossing_even_if_the_total_falls_back() -> None:
    s = Store()
    s.create_campaign("T")
    ref = PostRef("douyin", "7400000000000000001")
    s.add_post(ref, campaign="T")
    for at, v in (((11, 28, 18), 500_000), ((11, 29, 9), 1_500_000), ((11, 29, 21), 900_000)):
        when = datetime(2026, *at, tzinfo=SH).astimezone(timezone.utc)
        s.add_snapshot(Snapshot(ref.post_key, when, Metrics(views=Count.exact(v)), source="manual"))
    rep = build_report(s, campaign="T", by="day", tz="Asia/Shanghai", now=NOW)
    (m,) = [m for m in rep.milestones if m.threshold == 1_000_000]
    assert m.bucket == "2026-11-29" and m.how == "interpolated"
    assert json.loads(rep.to_json())["milestones"][1]["bucket"] == "2026-11-29"
    assert "bucket 2026-11-29" in milestone_lines(rep)[1]


def test_no_interpolation_from_a_lower_bound() -> None:
    """A floor "50万+" then an exact 1,500,000: the real value may have passed 1,000,000 before; no minute."""
    floor = Point(day(0), 500_000, insights.CountKind.LOWER_BOUND)
    line = [floor, Point(day(0, 10), 1_500_000)]
    (m,) = milestones(total_timeline({"a": line}), [1_000_000])
    assert m.how == "at_or_before" and m.at == day(0, 10) and m.kind is insights.CountKind.LOWER_BOUND
    s = Store()
    s.create_campaign("c")
    s.add_post(A, campaign="c")
    s.add_snapshot(Snapshot(A.post_key, day(0), Metrics(views=Count(500_000, insights.CountKind.LOWER_BOUND))))
    s.add_snapshot(Snapshot(A.post_key, day(0, 10), Metrics(views=Count.exact(1_500_000))))
    rep = report(s)
    (got,) = [m for m in rep.milestones if m.threshold == 1_000_000]
    assert (got.how, got.at, got.kind) == ("at_or_before", day(0, 10), insights.CountKind.LOWER_BOUND)


def test_difference_with_a_lower_bound_shows_no_understated_precision() -> None:
    kind = insights.CountKind
    assert insights.difference_kind(kind.EXACT, kind.EXACT) is kind.EXACT
    assert insights.difference_kind(kind.APPROXIMATE, kind.EXACT) is kind.APPROXIMATE
    assert insights.difference_kind(kind.LOWER_BOUND, kind.EXACT) is kind.LOWER_BOUND
    assert insights.difference_kind(kind.APPROXIMATE, kind.LOWER_BOUND) is None
    assert insights.difference_kind(kind.EXACT, kind.LOWER_BOUND) is None
    s = Store()
    s.create_campaign("c")
    s.add_post(A, campaign="c")
    s.add_snapshot(Snapshot(A.post_key, day(0), Metrics(views=Count(112_345, kind.LOWER_BOUND))))
    s.add_snapshot(Snapshot(A.post_key, day(1), Metrics(views=Count(24_345, kind.APPROXIMATE, 1000))))
    rep = report(s)
    assert rep.buckets[1].increase is None and rep.buckets[1].growth_pct is None  # before: ≈−88,000
    assert "≈−88" not in _table_text(rep) and "≈−88" not in " ".join(rep.notes)
    assert json.loads(rep.to_json())["totals"][1]["increase"] == {"value": None, "kind": None, "display": "—"}
    # later ≥ minus earlier exact: the increase is at least the difference
    s2 = Store()
    s2.create_campaign("c")
    s2.add_post(B, campaign="c")
    s2.add_snapshot(Snapshot(B.post_key, day(0), Metrics(views=Count.exact(90_000))))
    s2.add_snapshot(Snapshot(B.post_key, day(1), Metrics(views=Count(100_000, kind.LOWER_BOUND))))
    up = report(s2).buckets[1]
    assert (up.increase, up.increase_kind) == (10_000, kind.LOWER_BOUND)


def test_stale_data_projects_no_date_in_the_past() -> None:
    s = Store()
    s.create_campaign("c", target_views=3_000_000)
    s.add_post(A, campaign="c")
    for n in range(7):
        put(s, A, day(n), 1_000_000 + 300_000 * n // 6)
    rep = report(s)  # made on 2026-11-29, five months after the last data
    assert rep.projection is not None and rep.projection.status == "stale" and rep.projection.eta is None
    text = projection_text(rep) or ""
    assert "can't project: stale data since 2026-06-26" in text and "reached on" not in text
    fresh = build_report(s, campaign="c", by="day", tz="UTC", now=day(7))
    assert fresh.projection is not None and fresh.projection.status == "on_pace"
    assert fresh.projection.eta is not None and fresh.projection.eta > day(7)


def test_negative_growth_uses_the_same_minus_sign_as_counts() -> None:
    s = Store()
    s.create_campaign("c")
    s.add_post(A, campaign="c")
    put(s, A, day(0), 112_345)
    put(s, A, day(1), 24_345)
    rep = report(s, lang="zh")
    table = _table_text(rep)
    assert "−78.4%" in table and "-78.4%" not in table and "−8.8万" in table  # floored: never above the value
    from reach.exports import to_html

    assert "−78.4%" in to_html(rep)
    assert rep.to_csv().splitlines()[2].split(",")[4] == "-78.34"  # machine numbers keep ASCII


def test_pace_from_a_lower_bound_to_an_exact_value_is_not_claimed() -> None:
    """A "10万+"-style floor then an exact value: the growth is at most the difference, so no pace."""
    s = Store()
    s.create_campaign("c", target_views=3_000_000)
    s.add_post(A, campaign="c")
    s.add_snapshot(Snapshot(A.post_key, day(0), Metrics(views=Count(500_000, insights.CountKind.LOWER_BOUND))))
    s.add_snapshot(Snapshot(A.post_key, day(2), Metrics(views=Count.exact(600_000))))
    rep = build_report(s, campaign="c", by="day", tz="UTC", now=day(2, 1))
    assert rep.projection is not None and rep.projection.status == "unknown_pace" and rep.projection.eta is None
    assert "no projection" in (projection_text(rep) or "")
    line = {"a": [Point(day(0), 500_000, insights.CountKind.LOWER_BOUND), Point(day(2), 600_000)]}
    assert projection(line, total_timeline(line), 3_000_000) == rep.projection
