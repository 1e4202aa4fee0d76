"""Reports staff hand on: milestones, projection, views at post age, period comparison, and every
file format read back the way a user (or Excel) would."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import struct
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from reach import charts, cli
from reach.errors import InputError
from reach.insights import Point, milestones, projection, total_timeline, views_at_age
from reach.models import Count, CountKind, Metrics, PostRef, Snapshot
from reach.report import Report, build_report
from reach.store import Store
from reach.tracker import Tracker

DOUYIN = PostRef("douyin", "7400000000000000001")  # 19 digits: Excel would make it 7.4E+18
BILI = PostRef("bilibili", "BV1a7421K7Qg")
EVIL = '=HYPERLINK("http://x")<script>alert(1)</script>'
NOW = datetime(2026, 7, 1, tzinfo=timezone.utc)


def t(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 6, 19 + day, hour, tzinfo=timezone.utc)


def snap(store: Store, ref: PostRef, when: datetime, views: Count, title: str | None = None, **kw: Any) -> None:
    store.add_snapshot(
        Snapshot(ref.post_key, when, Metrics(views=views), title=title, source=f"{ref.platform}@1", **kw)
    )


@pytest.fixture
def store() -> Store:
    s = Store()
    s.add_post(DOUYIN, campaign="禁毒")
    s.add_post(BILI, campaign="禁毒")
    s.create_campaign("禁毒", target_views=1_000_000, starts_on=date(2026, 6, 20), description="626 <b>禁毒日</b>")
    pub = t(1, 0)
    for day, (d, b) in enumerate([(40_000, 10_000), (70_000, 30_000), (90_000, 40_000), (100_000, 60_000)], start=1):
        snap(s, DOUYIN, t(day), Count.exact(d), title="对毒品说NO", published_at=pub)
        snap(s, BILI, t(day), Count.exact(b), title=EVIL, published_at=pub)
    return s


def report(store: Store, lang: str = "zh", **kw: Any) -> Report:
    return build_report(store, campaign="禁毒", by="day", tz="Asia/Shanghai", lang=lang, now=NOW, **kw)


# -- content ---------------------------------------------------------------------------------------


def test_milestone_is_interpolated_between_the_snapshots_around_it(store: Store) -> None:
    rep = report(store)
    # totals: day1 50,000 (both first seen) -> day2 100,000: 10万 exactly at day 2's snapshot
    # 15万 lies between day 3 (130,000) and day 4 (160,000): two thirds of the way
    rep = report(store, milestones=[100_000, 150_000, 10**9])
    first, second = rep.milestones
    assert first.threshold == 100_000 and first.at == t(2) and first.how == "interpolated"
    assert second.at == t(3) + timedelta(days=1) * (20_000 / 30_000) and second.how == "interpolated"
    assert second.after == t(3) and second.by == t(4) and second.bucket == "2026-06-23"
    data = json.loads(rep.to_json())
    assert [m["threshold"] for m in data["milestones"]] == [100_000, 150_000]
    assert data["milestones"][1]["how"] == "interpolated"


def test_milestone_reached_with_a_new_post_is_at_or_before() -> None:
    a, b = Point(t(1), 50_000), Point(t(2), 150_000, entered=True)
    (m,) = milestones([a, b], [100_000])
    assert m.how == "at_or_before" and m.at == t(2) and m.after == t(1)
    (m,) = milestones([b], [100_000])
    assert m.how == "at_or_before" and m.after is None


def test_projection_states_the_pace_and_the_day() -> None:
    line = {"a": [Point(t(1), 100_000), Point(t(3), 300_000)]}
    total = total_timeline(line)
    proj = projection(line, total, 1_000_000)
    assert proj is not None and proj.status == "on_pace" and proj.per_day == pytest.approx(100_000)
    assert proj.eta == t(3) + timedelta(days=7)
    assert projection(line, total, None) is None
    flat = {"a": [Point(t(1), 100_000), Point(t(3), 100_000)]}
    stalled = projection(flat, total_timeline(flat), 1_000_000)
    assert stalled is not None and stalled.status == "not_at_this_pace" and stalled.eta is None
    short = {"a": [Point(t(1), 100_000), Point(t(1, 20), 200_000)]}
    early = projection(short, total_timeline(short), 1_000_000)
    assert early is not None and early.status == "not_enough_data"
    done = projection(line, total, 200_000)
    assert done is not None and done.status == "reached" and done.reached_at is not None
    # rounded inputs: the pace is approximate, and noise within the rounding is no growth
    rounded = {"a": [Point(t(1), 12_000, CountKind.APPROXIMATE, 1000), Point(t(3), 12_300)]}
    noisy = projection(rounded, total_timeline(rounded), 1_000_000)
    assert noisy is not None and noisy.status == "not_at_this_pace" and noisy.per_day_kind is CountKind.APPROXIMATE


def test_projection_in_the_report_uses_the_campaign_target(store: Store) -> None:
    # made two days after the last data (NOW is 8 days after: stale data, no projection)
    rep = build_report(store, campaign="禁毒", by="day", tz="Asia/Shanghai", lang="zh", now=t(6))
    assert rep.projection is not None and rep.projection.target == 1_000_000
    # growth over 3 days: 160,000 - 50,000 = 110,000 -> about 36,667 a day
    assert rep.projection.per_day == pytest.approx(110_000 / 3)
    assert rep.projection.status == "on_pace" and rep.projection.eta is not None
    data = json.loads(rep.to_json())["projection"]
    assert data["status"] == "on_pace" and "7 days" in data["method"] and data["eta"].startswith("2026-07")
    assert "按此速度预计达成" in data["text"]


def test_views_at_post_age_are_interpolated_or_none() -> None:
    pub = t(0, 0)
    line = [Point(t(0, 18), 600), Point(t(1, 6), 1800), Point(t(3, 0), 5000)]
    at24 = views_at_age(line, pub, timedelta(hours=24))
    assert at24 is not None and at24.value == 1200 and at24.interpolated  # halfway between 18:00 and 06:00
    exact = views_at_age(line, pub, timedelta(hours=72))
    assert exact is not None and exact.value == 5000 and not exact.interpolated
    assert views_at_age(line, pub, timedelta(days=7)) is None  # no snapshot after that age
    assert views_at_age(line, pub, timedelta(hours=1)) is None  # none before it
    assert views_at_age(line, None, timedelta(hours=24)) is None


def test_views_at_age_in_the_report(store: Store) -> None:
    rep = report(store)
    ages = rep.ages[DOUYIN.post_key]
    # published day 1 00:00; snapshots at 12:00 on days 1..4: 24h lies between 40,000 and 70,000
    assert ages["24h"] is not None and ages["24h"].value == 55_000 and ages["24h"].interpolated
    assert ages["7d"] is None


def test_period_comparison_is_the_last_complete_bucket_against_the_one_before(store: Store) -> None:
    rep = report(store)
    comp = rep.comparison
    assert comp is not None and (comp.current, comp.previous) == ("2026-06-23", "2026-06-22")
    assert comp.current_increase == 30_000 and comp.previous_increase == 30_000 and comp.change == 0
    # the newest bucket is not over yet: it is not compared
    partial = build_report(store, campaign="禁毒", by="day", tz="Asia/Shanghai", now=t(4, 13))
    assert partial.comparison is not None and partial.comparison.current == "2026-06-22"


def test_month_buckets_and_shares(store: Store) -> None:
    rep = build_report(store, campaign="禁毒", by="month", tz="Asia/Shanghai", now=NOW)
    assert [b.label for b in rep.buckets] == ["2026-06"] and rep.buckets[0].total.value == 160_000
    shares = rep.platform_shares()
    assert shares["douyin"] == pytest.approx(100_000 / 160_000)
    top = rep.top_posts(1)
    assert top[0][0].post_key == DOUYIN.post_key and top[0][1] == pytest.approx(0.625)


def test_rows_and_dataframes(store: Store) -> None:
    rep = report(store, lang="en")
    rows = rep.rows
    assert rows[-1]["views"] == 160_000 and rows[-1]["views_kind"] == "exact" and rows[-1]["views_douyin"] == 100_000
    assert isinstance(rows[-1]["start"], datetime)
    posts = rep.table_rows("posts")
    assert posts[0]["post_id"] == DOUYIN.post_id and posts[0]["views_24h"] == 55_000
    lines = rep.to_jsonl("posts").splitlines()
    assert json.loads(lines[0])["post_id"] == "7400000000000000001"
    for module, method in (("pandas", rep.to_pandas), ("pyarrow", rep.to_arrow)):
        if importlib.util.find_spec(module) is None:
            with pytest.raises(InputError, match=f"pip install {module}"):
                method()
        else:
            assert len(method()) == len(rows)
    with pytest.raises(InputError, match="unknown table"):
        rep.table("nope")


# -- formats ---------------------------------------------------------------------------------------


def test_csv_has_a_bom_long_ids_intact_and_no_formulas(store: Store) -> None:
    rep = report(store)
    text = rep.to_csv("posts")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    keys = {r["作品编号"] for r in rows}
    assert "douyin:7400000000000000001" in keys  # text to Excel: the colon keeps it from becoming 7.4E+18
    assert "平台ID" not in rows[0]  # a bare all-digit id column is left out of CSV on purpose
    evil = next(r for r in rows if r["作品编号"].startswith("bilibili"))
    assert evil["标题"].startswith("'=")
    assert next(r for r in rows if r["作品编号"].startswith("douyin"))["播放量"] == "100000"


def test_save_picks_the_format_from_the_suffix(store: Store, tmp_path: Path) -> None:
    rep = report(store)
    for suffix in ("csv", "json", "jsonl", "html", "xlsx", "txt"):
        path = tmp_path / f"周报.{suffix}"
        assert rep.save(path) == []
        assert path.stat().st_size > 100
    raw = (tmp_path / "周报.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with pytest.raises(InputError, match="cannot tell the format"):
        rep.save(tmp_path / "report.docx")


def test_xlsx_reads_back_as_numbers_with_text_ids_and_a_chart(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "周报.xlsx"
    report(store).save(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["汇总", "每日", "作品", "分平台"]
    daily, posts, summary = wb["每日"], wb["作品"], wb["汇总"]
    assert daily["A1"].value == "日期" and daily.freeze_panes == "B2" and posts.freeze_panes == "B2"
    assert summary.freeze_panes == "A2" and wb["分平台"].freeze_panes == "A2"
    last = daily.max_row
    assert daily.cell(last, 2).value == 160_000 and daily.cell(last, 2).data_type == "n"
    assert daily.cell(last, 2).number_format == "#,##0"
    assert daily.cell(last, 5).number_format == '0.0%;"−"0.0%'  # U+2212 for a drop, as counts have
    header = [c.value for c in posts[1]]
    id_col = header.index("平台ID") + 1
    ids = [posts.cell(r, id_col) for r in range(2, posts.max_row + 1)]
    douyin = next(c for c in ids if c.value == "7400000000000000001")
    assert douyin.data_type == "s" and douyin.number_format == "@"
    title_col = header.index("标题") + 1
    titles = [posts.cell(r, title_col) for r in range(2, posts.max_row + 1)]
    assert any(c.value == EVIL and c.data_type == "s" for c in titles)  # text, never a formula
    assert posts.column_dimensions["A"].width >= 12  # Chinese titles count double
    assert len(summary._charts) == 1
    chart = summary._charts[0]
    assert type(chart).__name__ == "LineChart" and len(chart.series) >= 3  # total + 2 platforms
    values = {summary.cell(r, 1).value: summary.cell(r, 2) for r in range(1, summary.max_row + 1)}
    assert values["全平台播放量"].value == 160_000 and values["目标播放量"].value == 1_000_000
    assert values["说明"].value == "626 <b>禁毒日</b>"


def test_xlsx_keeps_approximate_and_lower_bound_markers(tmp_path: Path) -> None:
    s = Store()
    s.add_post(BILI, campaign="c")
    s.add_post(DOUYIN, campaign="c")
    snap(s, BILI, t(1), Count(12000, CountKind.APPROXIMATE, 1000, "1.2万"))
    snap(s, DOUYIN, t(1), Count(100000, CountKind.LOWER_BOUND, 10000, "10万+"))
    rep = build_report(s, campaign="c", tz="Asia/Shanghai", lang="en", now=NOW)
    path = tmp_path / "r.xlsx"
    rep.save(path)
    wb = openpyxl.load_workbook(path)
    daily = wb["Daily"]
    cell = daily.cell(2, 2)
    # a floor: "10万+" plus "1.2万" at its lowest (11,500)
    assert cell.value == 111_500 and cell.data_type == "n" and cell.number_format == '"≥"#,##0'
    assert daily.cell(2, 3).value == "lower bound"
    posts = wb["Posts"]
    header = [c.value for c in posts[1]]
    views = {posts.cell(r, 3).value: posts.cell(r, header.index("Views") + 1) for r in range(2, 4)}
    assert views["bilibili:BV1a7421K7Qg"].number_format == '"≈"#,##0'


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        self.refs += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href", "data")]


def test_html_is_self_contained_and_escaped(store: Store) -> None:
    from reach.exports import to_html

    page = to_html(report(store))
    parser = _Links()
    parser.feed(page)
    assert parser.scripts == 0 and parser.refs == []
    assert "http://" not in page.replace("http://x", "") and "https://" not in page.split("<tbody>")[0]
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>禁毒日</b>" not in page
    soup = BeautifulSoup(page, "html.parser")
    assert soup.html is not None and soup.html["lang"] == "zh-CN"
    assert soup.find("meta", attrs={"charset": "utf-8"}) is not None
    assert soup.find("svg") is not None and EVIL in soup.get_text()
    assert "全平台播放量" in soup.get_text() and "16万" in soup.get_text()


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_png_without_a_chinese_font_falls_back_to_english_and_says_so(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(charts, "find_cjk_font", lambda: None)
    path = tmp_path / "chart.png"
    messages = report(store).save(path)
    assert len(messages) == 1 and "fonts-noto-cjk" in messages[0] and "English labels" in messages[0]
    width, height = _png_size(path)
    assert width >= 800 and height >= 400
    # an English chart of a Chinese-named campaign leaves the name out, and says so
    (message,) = report(store, lang="en").save(tmp_path / "en.png")
    assert "without the campaign name" in message


def test_png_with_a_chinese_font(store: Store, tmp_path: Path) -> None:
    font = charts.find_cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (e.g. fonts-noto-cjk or fonts-wqy-microhei)")
    path = tmp_path / "chart.png"
    assert report(store).save(path) == []
    assert _png_size(path)[0] >= 800


def test_png_needs_data(tmp_path: Path) -> None:
    s = Store()
    s.add_post(BILI, campaign="c")
    with pytest.raises(InputError, match="nothing to draw"):
        build_report(s, campaign="c", now=NOW).save(tmp_path / "x.png")


# -- CLI -------------------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, store: Store) -> str:
    path = tmp_path / "bureau.duckdb"
    with Tracker(path) as tracker:
        disk = tracker.store
        for ref in (DOUYIN, BILI):
            disk.add_post(ref, campaign="禁毒")
        for s in store.snapshots(DOUYIN.post_key) + store.snapshots(BILI.post_key):
            disk.add_snapshot(s)
    return str(path)


def test_campaign_commands(db: str) -> None:
    r = runner.invoke(
        cli.app, ["--db", db, "campaign", "create", "禁毒", "--target", "1200万", "--starts", "2026-06-20"]
    )
    assert r.exit_code == 0, r.output
    assert "updated campaign" in r.stderr
    r = runner.invoke(cli.app, ["--db", db, "campaign", "create", "扫黑", "--target", "500000", "-d", "年度"])
    assert r.exit_code == 0 and "created campaign" in r.stderr
    r = runner.invoke(cli.app, ["--db", db, "campaign", "list", "--format", "json"])
    data = {c["name"]: c for c in json.loads(r.stdout)}
    assert data["禁毒"]["target_views"] == 12_000_000 and data["禁毒"]["starts_on"] == "2026-06-20"
    assert data["禁毒"]["posts"] == 2 and data["扫黑"]["description"] == "年度"
    r = runner.invoke(cli.app, ["--db", db, "campaign", "show", "禁毒", "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["views"] == 160_000
    r = runner.invoke(cli.app, ["--db", db, "campaign", "show", "禁毒"])
    assert r.exit_code == 0 and "12,000,000" in r.stdout and "Projection" in r.stdout
    r = runner.invoke(cli.app, ["--db", db, "campaign", "show", "nope"])
    assert r.exit_code == 2 and "no campaign named" in r.stderr
    r = runner.invoke(cli.app, ["--db", db, "campaign", "create", "x", "--target", "lots"])
    assert r.exit_code == 2 and "not a number of views" in r.stderr
    r = runner.invoke(cli.app, ["--db", db, "campaign", "create", "x", "--starts", "June"])
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.stderr


def test_report_formats_from_the_cli(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "find_cjk_font", lambda: None)
    out = tmp_path / "周报.xlsx"
    r = runner.invoke(cli.app, ["--db", db, "report", "-c", "禁毒", "-o", str(out), "--lang", "zh"])
    assert r.exit_code == 0, r.output
    assert openpyxl.load_workbook(out).sheetnames[0] == "汇总"
    r = runner.invoke(cli.app, ["--db", db, "report", "-c", "禁毒", "--format", "png"])
    assert r.exit_code == 2 and "--output" in r.stderr
    png = tmp_path / "chart.png"
    r = runner.invoke(cli.app, ["--db", db, "report", "-c", "禁毒", "-o", str(png), "--lang", "zh"])
    assert r.exit_code == 0 and "fonts-noto-cjk" in r.stderr and png.read_bytes()[:4] == b"\x89PNG"
    r = runner.invoke(cli.app, ["--db", db, "report", "-c", "禁毒", "-f", "jsonl", "--table", "posts"])
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 2
    r = runner.invoke(cli.app, ["--db", db, "report", "-c", "禁毒", "-f", "html"])
    assert r.exit_code == 0 and r.stdout.startswith("<!DOCTYPE html>")
    r = runner.invoke(cli.app, ["--db", db, "report", "-c", "禁毒", "--by", "month", "-f", "json"])
    assert json.loads(r.stdout)["totals"][0]["bucket"] == "2026-06"
    r = runner.invoke(cli.app, ["--db", db, "report", "-c", "禁毒", "--milestones", "5万,15万", "-f", "json"])
    assert [m["threshold"] for m in json.loads(r.stdout)["milestones"]] == [50_000, 150_000]
    r = runner.invoke(cli.app, ["--db", db, "report", "-c", "禁毒", "--milestones", "many"])
    assert r.exit_code == 2 and "--milestones" in r.stderr
    r = runner.invoke(cli.app, ["--db", db, "report", "-c", "禁毒", "-o", str(tmp_path / "x.doc")])
    assert r.exit_code == 2 and "cannot tell the format" in r.stderr


def test_campaign_commands_are_documented() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for command in cli.campaign_app.registered_commands:
        assert command.callback is not None and command.callback.__doc__, command.name
        assert f"reach campaign {command.name}" in readme, command.name


# -- faults found by review ---------------------------------------------------------------------------


def _mixed() -> Store:
    s = Store()
    s.add_post(BILI, campaign="c")
    s.add_post(DOUYIN, campaign="c")
    pub = t(1, 0)
    for day in (1, 2, 3):
        rounded = Count(12000 + 1000 * day, CountKind.APPROXIMATE, 1000, f"1.{1 + day}万")
        snap(s, BILI, t(day), rounded, published_at=pub)
        snap(s, DOUYIN, t(day), Count(100000, CountKind.LOWER_BOUND, 10000, "10万+"), published_at=pub)
    return s


def test_plain_number_outputs_keep_every_precision() -> None:
    """CSV, JSONL and rows write counts as plain numbers: every count column holding a rounded or
    lower-bound value (per platform, at post age, owner part ...) has a precision column beside it."""
    rep = build_report(_mixed(), campaign="c", tz="Asia/Shanghai", lang="en", now=NOW)
    rows = rep.rows
    assert rows[0]["views_bilibili"] == 13_000 and rows[0]["views_bilibili_kind"] == "approximate"
    assert rows[0]["views_douyin"] == 100_000 and rows[0]["views_douyin_kind"] == "lower_bound"
    header, *lines = list(csv.reader(io.StringIO(rep.to_csv().lstrip("\ufeff"))))
    col = header.index("Douyin Views")
    # CSV values are stable keys whatever the language (only headers are localized)
    assert header[col + 1] == "Douyin Views Precision" and lines[0][col + 1] == "lower_bound"
    posts = rep.table_rows("posts")
    bili = next(p for p in posts if p["post_key"] == BILI.post_key)
    assert bili["views_24h"] is not None and bili["views_24h_kind"] == "approximate"
    douyin = json.loads(rep.to_jsonl("posts").splitlines()[0])
    assert douyin["post_key"] == DOUYIN.post_key and douyin["views_24h_kind"] == "lower_bound"
    header, *_ = list(csv.reader(io.StringIO(rep.to_csv("posts").lstrip("\ufeff"))))
    assert any(h.startswith("24h") and h.endswith("Precision") for h in header)
    # an all-exact report has the same columns (a script reading them keeps working), saying "exact"
    exact = build_report(_store_exact(), campaign="c", tz="UTC", now=NOW)
    assert all(exact.rows[0][k] in (None, "exact") for k in exact.rows[0] if k.endswith("_kind"))
    assert all(f"{k}_kind" in exact.rows[0] for k in exact.rows[0] if k.startswith("views_") and "_kind" not in k)


def _store_exact() -> Store:
    s = Store()
    s.add_post(BILI, campaign="c")
    snap(s, BILI, t(1), Count.exact(5))
    return s


def test_progress_towards_a_target_keeps_the_totals_marker(tmp_path: Path) -> None:
    """A total that is a lower bound makes the progress a lower bound: "≥", never "≈" or bare."""
    s = _mixed()
    s.create_campaign("c", target_views=1_000_000)
    rep = build_report(s, campaign="c", tz="Asia/Shanghai", lang="zh", now=NOW)
    assert rep.projection is not None and rep.projection.current_kind is CountKind.LOWER_BOUND
    from reach.report import projection_text

    text = projection_text(rep) or ""
    assert "≥11.4%" in text and "≈11.4%" not in text  # the rounded part at its lowest, the percentage floored
    path = tmp_path / "r.xlsx"
    rep.save(path)
    summary = openpyxl.load_workbook(path)["汇总"]
    values = {summary.cell(r, 1).value: summary.cell(r, 2) for r in range(1, summary.max_row + 1)}
    assert values["完成度"].number_format == '"≥"0.0%' and values["完成度"].data_type == "n"
    # an approximate zero increase keeps its ≈ too
    daily = openpyxl.load_workbook(path)["每日"]
    assert daily.cell(3, 4).number_format == '"≈"+#,##0;"≈"-#,##0;"≈"0'


def test_milestone_reached_before_the_range_is_not_put_in_its_first_bucket(store: Store) -> None:
    # 10万 was reached on day 2 (2026-06-21); the report starts on 2026-06-22
    rep = report(store, since=date(2026, 6, 22))
    first = rep.milestones[0]
    assert first.threshold == 100_000 and first.bucket is None
    from reach.report import milestone_lines

    assert "统计区间之前" in milestone_lines(rep)[0]
    assert report(store).milestones[0].bucket == "2026-06-21"


def test_png_draws_dollar_signs_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """matplotlib reads "$...$" as TeX: a campaign named "$$" crashed the chart."""
    monkeypatch.setattr(charts, "find_cjk_font", lambda: None)
    s = Store()
    s.add_post(BILI, campaign="$$ a_b^c $x^$")
    snap(s, BILI, t(1), Count.exact(10))
    snap(s, BILI, t(2), Count.exact(20))
    path = tmp_path / "c.png"
    assert build_report(s, campaign="$$ a_b^c $x^$", lang="en", now=NOW).save(path) == []
    assert _png_size(path)[0] >= 800


def test_save_refuses_a_suffix_of_another_format(store: Store, tmp_path: Path) -> None:
    rep = report(store)
    with pytest.raises(InputError, match="format is csv"):
        rep.save(tmp_path / "周报.xlsx", "csv")
    assert not (tmp_path / "周报.xlsx").exists()
    assert rep.save(tmp_path / "周报.XLSX") == [] and rep.save(tmp_path / "r.htm", "html") == []
    assert rep.save(tmp_path / "r.txt", "table") == [] and rep.save(tmp_path / "data.tsv", "csv") == []


def test_campaign_target_too_large_is_a_clear_error(db: str) -> None:
    for target in ("99999999999999999999999", str(2**63)):
        r = runner.invoke(cli.app, ["--db", db, "campaign", "create", "big", "--target", target])
        assert r.exit_code == 2 and "too large" in r.stderr and "internal" not in r.stderr
    r = runner.invoke(cli.app, ["--db", db, "campaign", "list", "--format", "json"])
    assert "big" not in {c["name"] for c in json.loads(r.stdout)}
    r = runner.invoke(cli.app, ["--db", db, "report", "-c", "禁毒", "-f", "csv", "-o", "x.xlsx"])
    assert r.exit_code == 2 and "format is csv" in r.stderr


@pytest.mark.parametrize(
    ("top", "expected"),
    [(0, (1, 1)), (7, (2, 4)), (100, (20, 5)), (5_340_400, (2_000_000, 3)), (10_134_500, (2_500_000, 5))],
)
def test_chart_axis_ticks_are_round_numbers_covering_the_top(top: int, expected: tuple[int, int]) -> None:
    from reach.charts import _nice_ticks

    step, steps = _nice_ticks(top)
    assert (step, steps) == expected and step * steps >= top
    assert str(step).rstrip("0") in ("1", "2", "25", "5")
