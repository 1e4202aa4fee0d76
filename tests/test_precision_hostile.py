"""Hostile precision tests: no shown percentage, pace or milestone claims more than the data proves.

Each test builds a tiny in-memory store. Several of these fail at the time of writing (faults reported
to the lead): a progress of 99.999 % shown as "100.0%", a growth of 99.996 % shown as "+100.0%", a pace
of 99,999.6 a day shown as "+10万", and a milestone / target reached by a ≈ total whose lowest possible
value is below it (the report says reached, the alerts do not).
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pytest
from rich.console import Console

from reach import alerts
from reach.insights import Point, total_timeline
from reach.models import Count, CountKind, Metrics, PostRef, Snapshot
from reach.report import Report, build_report, milestone_lines, projection_text, render_table
from reach.store import Store

A = PostRef("bilibili", "BV1a7421K7Qg")
B = PostRef("youtube", "AbCdEfGhIjk")


def at(day: int, hour: int = 13) -> datetime:
    return datetime(2026, 6, 19 + day, hour, tzinfo=timezone.utc)


def put(store: Store, ref: PostRef, when: datetime, views: Count) -> None:
    store.add_snapshot(Snapshot(ref.post_key, when, Metrics(views=views), source="public"))


def terminal(rep: Report) -> str:
    console = Console(record=True, width=220, file=io.StringIO())
    render_table(rep, console)
    return console.export_text()


@pytest.fixture
def almost_target() -> Report:
    """99,999 views of a 100,000 target (99,998 on Bilibili, 1 on YouTube)."""
    s = Store()
    s.create_campaign("c", target_views=100_000)
    for ref in (A, B):
        s.add_post(ref, campaign="c")
    put(s, A, at(1), Count.exact(99_000))
    put(s, A, at(2), Count.exact(99_998))
    put(s, B, at(1), Count.exact(1))
    put(s, B, at(2), Count.exact(1))
    return build_report(s, campaign="c", by="day", tz="UTC", lang="zh", now=at(3))


def test_progress_below_target_never_shows_100_percent(almost_target: Report, tmp_path: Path) -> None:
    rep = almost_target
    assert rep.projection is not None and rep.projection.current == 99_999
    assert "100.0%" not in (projection_text(rep) or "")
    assert "100.0%" not in terminal(rep).split("分平台")[0]
    assert json.loads(rep.to_json())["projection"]["progress_pct"] < 100
    rep.save(tmp_path / "r.html")
    assert "完成度 100.0%" not in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_progress_cell_in_xlsx_is_not_formatted_up_to_100_percent(almost_target: Report, tmp_path: Path) -> None:
    almost_target.save(tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets[0]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, float) and 0.9999 < c.value < 1]
    # a number format "0.0%" shows 0.99999 as "100.0%": the cell must not claim the target reached
    assert all(c.number_format.count("0") > 2 for c in cells), [(c.coordinate, c.number_format) for c in cells]


def test_platform_share_of_99_999_percent_is_not_100(almost_target: Report) -> None:
    shares = [p["share"] for p in json.loads(almost_target.to_json())["platforms"]]
    assert max(shares) < 1.0
    assert "100.0%" not in terminal(almost_target).split("分平台")[1].split("作品")[0]


@pytest.fixture
def almost_doubled() -> Report:
    """100,000 -> 199,996 views: +99.996 %, not a doubling."""
    s = Store()
    s.add_post(A, campaign="c")
    put(s, A, at(1), Count.exact(100_000))
    put(s, A, at(2), Count.exact(199_996))
    return build_report(s, campaign="c", by="day", tz="UTC", lang="zh", now=at(3))


def test_growth_just_below_doubling_is_not_shown_as_100_percent(almost_doubled: Report, tmp_path: Path) -> None:
    rep = almost_doubled
    assert rep.buckets[-1].growth_pct == pytest.approx(0.99996)
    assert "+100.0%" not in terminal(rep)
    rows = rep.to_csv().splitlines()
    assert ",100.00," not in rows[-1]
    assert json.loads(rep.to_json())["totals"][-1]["growth_pct"] < 1.0


def test_pace_is_not_rounded_up_to_the_next_wan() -> None:
    s = Store()
    s.create_campaign("c", target_views=10**7)
    s.add_post(A, campaign="c")
    put(s, A, at(1), Count.exact(1_000))
    put(s, A, at(6), Count.exact(1_000 + 499_998))  # 99,999.6 a day over 5 days
    rep = build_report(s, campaign="c", by="day", tz="UTC", lang="zh", now=at(6, 14))
    assert rep.projection is not None and rep.projection.per_day == pytest.approx(99_999.6)
    assert "+10万" not in (projection_text(rep) or "")


def test_rounded_total_reaches_a_milestone_only_at_its_lowest_value_as_alerts_do() -> None:
    """ "10万" (≈, granularity 10,000) may be 95,000: alerts do not fire; the report must not say reached."""
    s = Store()
    s.create_campaign("c", target_views=100_000)
    s.add_post(A, campaign="c")
    put(s, A, at(1), Count.exact(90_000))
    put(s, A, at(2), Count(100_000, CountKind.APPROXIMATE, 10_000))
    rep = build_report(s, campaign="c", by="day", tz="UTC", lang="zh", now=at(3), milestones=[100_000])
    line = [Point(at(1), 90_000, CountKind.EXACT, 1), Point(at(2), 100_000, CountKind.APPROXIMATE, 10_000)]
    assert alerts.milestone_events("c", total_timeline({"a": line}), [100_000], at(0), 1) == []
    assert milestone_lines(rep) == []
    assert rep.projection is not None and rep.projection.status != "reached"


def test_floor_total_counts_rounded_parts_at_their_lowest_everywhere() -> None:
    """Held at the time of writing: ≥10万 + ≈1.2万 is ≥111,500; 111,501 is not reached."""
    s = Store()
    s.create_campaign("c", target_views=111_501)
    a2 = PostRef("bilibili", "BV1a7421K7Qu")
    for ref in (A, a2):
        s.add_post(ref, campaign="c")
    put(s, A, at(1), Count.exact(90_000))
    put(s, a2, at(1), Count(11_000, CountKind.APPROXIMATE, 1_000))
    put(s, A, at(2), Count(100_000, CountKind.LOWER_BOUND, 10_000))
    put(s, a2, at(2), Count(12_000, CountKind.APPROXIMATE, 1_000))
    rep = build_report(s, campaign="c", by="day", tz="UTC", lang="zh", now=at(3), milestones=[111_500, 111_501])
    assert rep.buckets[-1].total.value == 111_500 and rep.buckets[-1].total.kind is CountKind.LOWER_BOUND
    assert [m.threshold for m in rep.milestones] == [111_500]
    assert rep.projection is not None and rep.projection.status != "reached"
    data = json.loads(rep.to_json())
    assert data["platforms"][0]["views"]["value"] == 111_500
    assert data["totals"][-1]["growth_pct"] is None  # the increase is unknown (≥ now, exact+≈ before)


def test_a_negative_floor_increase_is_cut_away_from_zero() -> None:
    """≥10万 (was 50,000) and 400,000 -> 290,001: the increase is ≥ −59,999. "≥−5.99万" says ≥ −59,900."""
    s = Store()
    a2 = PostRef("bilibili", "BV1a7421K7Qu")
    for ref in (A, a2):
        s.add_post(ref, campaign="c")
    put(s, A, at(1), Count.exact(50_000))
    put(s, a2, at(1), Count.exact(400_000))
    put(s, A, at(2), Count(100_000, CountKind.LOWER_BOUND, 10_000))
    put(s, a2, at(2), Count.exact(290_001))
    rep = build_report(s, campaign="c", by="day", tz="UTC", lang="zh", now=at(3))
    last = rep.buckets[-1]
    assert (last.increase, last.increase_kind) == (-59_999, CountKind.LOWER_BOUND)
    text = terminal(rep)
    assert "≥−5.99万" not in text  # −6万 (or −59,999) would be true
    assert "≥−13.3%" not in text  # the floor of the growth is −13.333 %
