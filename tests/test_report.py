"""Growth maths: buckets in a time zone, carry-forward, precision, new posts, rendering."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from rich.console import Console

from reach.errors import ConfigError, InputError
from reach.models import Count, CountKind, Metrics, PostRef, Snapshot
from reach.report import build_report, display, render_table, safe_cell
from reach.store import Store

A = PostRef("bilibili", "BV1a7421K7Qg")
B = PostRef("youtube", "AbCdEfGhIjk")
C = PostRef("bilibili", "BV1a7421K7Qu")


def at(day: int, hour: int = 13) -> datetime:
    """2026-06-(19+day) at ``hour`` UTC (21:00 Beijing for hour 13)."""
    return datetime(2026, 6, 19 + day, hour, 0, tzinfo=timezone.utc)


def put(store: Store, ref: PostRef, when: datetime, views: Count | None, **more: Count) -> None:
    store.add_snapshot(Snapshot(ref.post_key, when, Metrics(views=views, **more), source="manual"))


@pytest.fixture
def store() -> Store:
    s = Store()
    for ref in (A, B):
        s.add_post(ref, campaign="禁毒")
    s.add_post(C)  # not in the campaign
    put(s, A, at(1), Count.exact(1000), likes=Count.exact(10))
    put(s, B, at(1), Count.exact(500))
    put(s, A, at(2), Count.exact(1500))
    put(s, B, at(2), None)  # YouTube stopped showing views: not a drop to 0
    put(s, A, at(3, 2), Count.exact(1800))  # 10:00 Beijing on day 3
    put(s, A, at(3), Count.exact(2000))  # the later one that day wins
    put(s, B, at(3), Count.exact(700))
    put(s, C, at(1), Count.exact(99999))
    return s


def test_daily_totals_carry_forward_and_ignore_other_campaigns(store: Store) -> None:
    rep = build_report(store, campaign="禁毒", by="day", tz="Asia/Shanghai")
    assert [b.label for b in rep.buckets] == ["2026-06-20", "2026-06-21", "2026-06-22"]
    assert [b.total.value for b in rep.buckets] == [1500, 2000, 2700]
    assert [b.increase for b in rep.buckets] == [None, 500, 700]
    assert rep.buckets[1].stale_posts == 1  # B carried forward from the day before
    assert rep.buckets[2].growth_pct == pytest.approx(700 / 2000)
    assert rep.buckets[2].platforms["youtube"].value == 700
    assert {p.platform: p.totals["views"].value for p in rep.platforms} == {"bilibili": 2000, "youtube": 700}
    assert {p.post_key: p.metrics["likes"] and p.metrics["likes"].value for p in rep.posts} == {
        A.post_key: 10,
        B.post_key: None,
    }


def test_buckets_follow_the_time_zone(store: Store) -> None:
    utc = build_report(store, campaign="禁毒", by="day", tz="UTC")
    # 02:00 UTC on 06-22 is 10:00 in Beijing on 06-22 as well; 13:00 UTC too.
    assert [b.label for b in utc.buckets] == ["2026-06-20", "2026-06-21", "2026-06-22"]
    la = build_report(store, campaign="禁毒", by="day", tz="America/Los_Angeles")
    assert la.buckets[0].label == "2026-06-20" and la.buckets[0].start.utcoffset() == timedelta(hours=-7)
    hourly = build_report(store, campaign="禁毒", by="hour", tz="Asia/Shanghai")
    assert hourly.buckets[0].label == "2026-06-20 21:00" and len(hourly.buckets) == 49
    weekly = build_report(store, campaign="禁毒", by="week", tz="Asia/Shanghai")
    assert len(weekly.buckets) == 2 and weekly.buckets[-1].total.value == 2700


def test_new_posts_are_not_growth() -> None:
    s = Store()
    s.add_post(A, campaign="c")
    s.add_post(B, campaign="c")
    put(s, A, at(1), Count.exact(100))
    put(s, A, at(2), Count.exact(150))
    put(s, B, at(2), Count.exact(10000))  # first seen on day 2
    rep = build_report(s, campaign="c", tz="UTC")
    assert rep.buckets[1].total.value == 10150
    assert rep.buckets[1].increase == 50 and rep.buckets[1].new_posts == 1


def test_rounding_noise_is_not_growth_and_totals_are_marked() -> None:
    s = Store()
    s.add_post(A, campaign="c")
    s.add_post(B, campaign="c")
    put(s, A, at(1), Count(2300000, CountKind.APPROXIMATE, 100000, "2.3M"))
    put(s, A, at(2), Count.exact(2291500))
    put(s, B, at(1), Count(100000, CountKind.LOWER_BOUND, 10000, "10万+"))
    put(s, B, at(2), Count(100000, CountKind.LOWER_BOUND, 10000, "10万+"))
    rep = build_report(s, campaign="c", tz="UTC")
    assert rep.buckets[1].increase == 0 and rep.buckets[1].increase_kind is CountKind.APPROXIMATE
    assert rep.buckets[0].total.kind is CountKind.LOWER_BOUND
    assert display(rep.buckets[0].total.value, rep.buckets[0].total.kind, "zh").startswith("≥")
    only_a = build_report(s, campaign="c", tz="UTC", until=date(2026, 6, 20))
    assert len(only_a.buckets) == 1


def test_bad_inputs(store: Store) -> None:
    with pytest.raises(ConfigError, match="Asia/Shanghai"):
        build_report(store, tz="Mars/Olympus")
    with pytest.raises(InputError):
        build_report(store, by="fortnight")
    with pytest.raises(InputError, match="ends before"):
        build_report(store, since=date(2026, 7, 1), until=date(2026, 6, 1))


def test_empty_database_report() -> None:
    rep = build_report(Store(), tz="UTC")
    assert rep.buckets == [] and rep.notes


def test_renderers(store: Store) -> None:
    store.add_post(PostRef("youtube", "ZyXwVuTsRqM"), campaign="禁毒")
    store.add_snapshot(
        Snapshot(
            "youtube:ZyXwVuTsRqM",
            at(3),
            Metrics(views=Count.exact(1)),
            title='=HYPERLINK("http://x")<script>alert(1)</script>',
            source="manual",
        )
    )
    rep = build_report(store, campaign="禁毒", tz="Asia/Shanghai", lang="zh")
    data = json.loads(rep.to_json())
    assert data["timezone"] == "Asia/Shanghai" and data["totals"][-1]["views"]["value"] == 2701
    assert data["totals"][-1]["views"]["display"] == "2,701"
    text = rep.to_csv()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][0] == "日期" and rows[-1][1] == "2701"
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("@x") == "'@x" and safe_cell("ok") == "ok"
    console = Console(file=io.StringIO(), width=160)
    render_table(rep, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "全平台播放量" in out and "Asia/Shanghai" in out and "UTC+08:00" in out


def test_display_numbers() -> None:
    assert display(None) == "—"
    assert display(12000, CountKind.APPROXIMATE, "zh").startswith("≈")
    assert display(-5, lang="en") == "−5"
    assert display(5, lang="en", signed=True) == "+5"


def _public(store: Store, ref: PostRef, when: datetime, views: Count) -> None:
    store.add_snapshot(Snapshot(ref.post_key, when, Metrics(views=views), source=f"{ref.platform}@1"))


def test_mixed_precision_campaign_has_markers_and_no_false_growth() -> None:
    """Exact, rounded ("1.2万") and floor ("10万+") values in one campaign: the totals say ≈ and ≥,
    rounding noise is not growth, a floor is never a drop, and a real decrease is named, not hidden."""
    exact, rounded, floor = PostRef("bilibili", "BV1a7421K7Qg"), PostRef("kuaishou", "3xinvented01"), B
    s = Store()
    for ref in (exact, rounded, floor):
        s.add_post(ref, campaign="mix")
    _public(s, exact, at(1), Count.exact(5000))
    _public(s, rounded, at(1), Count(12000, CountKind.APPROXIMATE, 1000, "1.2万"))
    _public(s, floor, at(1), Count(100000, CountKind.LOWER_BOUND, 10000, "10万+"))
    # day 2: the rounded post shows an exact 12,345 (inside "1.2万": no growth), the floor repeats, exact grows
    _public(s, exact, at(2), Count.exact(5600))
    _public(s, rounded, at(2), Count.exact(12345))
    _public(s, floor, at(2), Count(100000, CountKind.LOWER_BOUND, 10000, "10万+"))
    # day 3: the exact post is corrected down by the platform (removed fake plays)
    _public(s, exact, at(3), Count.exact(5100))
    _public(s, rounded, at(3), Count.exact(12400))
    _public(s, floor, at(3), Count(100000, CountKind.LOWER_BOUND, 10000, "10万+"))
    rep = build_report(s, campaign="mix", by="day", tz="Asia/Shanghai", lang="en")
    day1, day2, day3 = rep.buckets
    # a floor: 5,000 + "1.2万" at its lowest (11,500) + 100,000 — not 117,000, which "1.2万" does not prove
    assert day1.total.kind is CountKind.LOWER_BOUND and day1.total.value == 116500
    assert day2.total.value == 5600 + 12345 + 100000  # no rounded part left: every digit
    assert rep.platforms[0].totals["views"].kind is CountKind.LOWER_BOUND
    assert display(day1.total.value, day1.total.kind, "en").startswith("≥")
    assert day2.increase == 600  # only the exact post's real growth: 12,000 → 12,345 is rounding, 10万+ says nothing
    assert day2.increase_kind is CountKind.APPROXIMATE and day2.decreased_posts == 0
    assert day3.increase == -500 + 55 and day3.decreased_posts == 1 and day3.decrease == -500
    assert day3.decreased_keys == (exact.post_key,)
    assert any("went down" in n and "2026-06-22" in n for n in rep.notes)
    data = json.loads(rep.to_json())
    assert data["totals"][2]["decreased_posts"] == 1 and data["totals"][2]["decrease"] == -500
    rows = list(csv.reader(io.StringIO(rep.to_csv().lstrip("\ufeff"))))
    down = rows[0].index("Posts down")
    assert rows[3][down] == "1"
    zh = build_report(s, campaign="mix", by="day", tz="Asia/Shanghai", lang="zh")
    assert any("播放量下降" in n for n in zh.notes)


def test_an_hour_that_happens_twice_is_labelled_with_its_offset() -> None:
    """When the clocks go back (Los Angeles, 2026-11-01), 01:00-02:00 happens twice: two rows with
    the same label and different numbers would be ambiguous."""
    s = Store()
    s.add_post(A, campaign="c")
    first = datetime(2026, 11, 1, 7, 30, tzinfo=timezone.utc)  # 00:30 PDT
    for h in range(4):
        put(s, A, first + timedelta(hours=h), Count.exact(1000 * (h + 1)))
    rep = build_report(s, campaign="c", by="hour", tz="America/Los_Angeles")
    labels = [b.label for b in rep.buckets]
    assert labels == [
        "2026-11-01 00:00",
        "2026-11-01 01:00 (UTC-07:00)",
        "2026-11-01 01:00 (UTC-08:00)",
        "2026-11-01 02:00",
    ]
    assert len(set(labels)) == len(labels)


def test_screen_table_titles_are_one_short_line_without_bidi_controls() -> None:
    """A 10 KB title is not hundreds of folded lines; a right-to-left override in a title cannot
    reverse the numbers printed after it (on screen and in the notes that name posts)."""
    s = Store()
    s.add_post(A, campaign="c")
    s.add_post(B, campaign="c")
    long_title, rtl = "X" * 10240, "\u202eevil\u200f 标题"
    s.add_snapshot(Snapshot(A.post_key, at(1), Metrics(views=Count.exact(900)), title=long_title, source="manual"))
    s.add_snapshot(Snapshot(B.post_key, at(1), Metrics(views=Count.exact(800)), title=rtl, source="manual"))
    s.add_snapshot(Snapshot(B.post_key, at(2), Metrics(views=Count.exact(700)), title=rtl, source="manual"))
    rep = build_report(s, campaign="c", tz="UTC", lang="en")
    console = Console(file=io.StringIO(), width=120)
    render_table(rep, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert sum("XXXX" in line for line in out.splitlines()) <= 5 and "…" in out
    assert "\u202e" not in out and "\u200f" not in out and "evil" in out
    assert any("evil" in n and "\u202e" not in n for n in rep.notes)
    # the data itself is untouched
    assert {p.title for p in rep.posts} == {long_title, rtl}


def test_a_floor_with_rounded_parts_reaches_a_milestone_only_at_its_lowest() -> None:
    """≥100,000 ("10万+") + ≈12,000 ("1.2万", at least 11,500) proves 111,500, not 112,000: the report
    does not claim the 112,000 milestone, and shows 11.15万, not 11.2万, in Chinese."""
    rounded, floor = PostRef("kuaishou", "3xinvented02"), PostRef("weibo", "5046000000000001")
    s = Store()
    for ref in (rounded, floor):
        s.add_post(ref, campaign="m")
    _public(s, rounded, at(1), Count(12000, CountKind.APPROXIMATE, 1000, "1.2万"))
    _public(s, floor, at(1), Count(100000, CountKind.LOWER_BOUND, 10000, "10万+"))
    rep = build_report(s, campaign="m", by="day", tz="Asia/Shanghai", lang="zh", milestones=[111_000, 112_000])
    assert [m.threshold for m in rep.milestones] == [111_000]
    assert rep.buckets[0].total.value == 111_500 and rep.buckets[0].total.kind is CountKind.LOWER_BOUND
    assert display(rep.buckets[0].total.value, rep.buckets[0].total.kind, "zh") == "≥11.15万"
    assert rep.platforms and sum(p.totals["views"].floor() for p in rep.platforms) == 111_500


def test_growth_keeps_the_precision_of_what_it_divides() -> None:
    """≈ increase → ≈ growth; ≥ increase over an exact day → ≥ growth; a floor the day before →
    growth unknown (the real growth could be smaller), in every output."""
    exact, rounded = PostRef("bilibili", "BV1a7421K7Qh"), PostRef("kuaishou", "3xinvented03")
    s = Store()
    for ref in (exact, rounded):
        s.add_post(ref, campaign="g")
    _public(s, exact, at(1), Count.exact(50_000))
    _public(s, rounded, at(1), Count(12000, CountKind.APPROXIMATE, 1000, "1.2万"))
    _public(s, exact, at(2), Count.exact(60_000))
    _public(s, rounded, at(2), Count(20000, CountKind.APPROXIMATE, 1000, "2万"))
    rep = build_report(s, campaign="g", by="day", tz="Asia/Shanghai", lang="en")
    day2 = rep.buckets[1]
    assert day2.increase_kind is CountKind.APPROXIMATE and day2.growth_kind is CountKind.APPROXIMATE
    assert json.loads(rep.to_json())["totals"][1]["growth_pct_kind"] == "approximate"
    assert "≈+" in render_text(rep)  # the growth cell carries its ≈
    rows = list(csv.DictReader(io.StringIO(rep.to_csv().lstrip("\ufeff"))))
    assert rows[1]["Growth Precision"] == "approximate"
    assert insights_growth(Count.exact(100_000), Count(150_000, CountKind.LOWER_BOUND, 10_000)) is CountKind.LOWER_BOUND
    floor_before = build_growth_case(Count(100_000, CountKind.LOWER_BOUND, 10_000), Count.exact(150_000))
    assert floor_before.growth_pct is None  # ≥ the day before: no honest growth


def render_text(rep: Any) -> str:
    console = Console(record=True, width=200)
    render_table(rep, console)
    return console.export_text()


def insights_growth(before: Count, after: Count) -> CountKind | None:
    rep = build_growth_case(before, after)
    return rep.growth_kind if rep.growth_pct is not None else None


def build_growth_case(before: Count, after: Count) -> Any:
    ref = PostRef("bilibili", "BV1a7421K7Qi")
    s = Store()
    s.add_post(ref, campaign="h")
    _public(s, ref, at(1), before)
    _public(s, ref, at(2), after)
    return build_report(s, campaign="h", by="day", tz="Asia/Shanghai", lang="en").buckets[1]
