"""The report's SQL (reach.series) gives the same numbers as straightforward pure-Python definitions,
on random campaigns: owner and public sources (ties on the time included), exact / rounded / lower-bound
counts, decreases, counters that disappear, posts that enter late, history before ``--since``, hour /
day / week buckets in zones with DST changes, milestones, projection, views at post age and each
post's current values."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from reach import days, insights, series
from reach.models import Count, CountKind, Metrics, PostRef, Snapshot, weakest_kind
from reach.report import build_report
from reach.store import Store, is_owner_source, prefer_public

T0 = datetime(2026, 10, 20, tzinfo=timezone.utc)  # Europe/Berlin and America/Los_Angeles leave DST after it
PLATFORMS = ("bilibili", "douyin", "weibo")
SOURCES = ("bilibili@1", "manual", "import:douyin_creator:a.xlsx", "weibo@2")


def _count(rng: random.Random, value: int) -> Count:
    roll = rng.random()
    if roll < 0.6:
        return Count(value)
    if roll < 0.85:
        gran = rng.choice((10, 1000))
        return Count(value // gran * gran, CountKind.APPROXIMATE, gran)
    return Count(value // 1000 * 1000, CountKind.LOWER_BOUND, rng.choice((1, 1000)))


def random_store(seed: int) -> tuple[Store, list[PostRef]]:
    rng = random.Random(seed)
    store = Store()
    refs = [PostRef(rng.choice(PLATFORMS), f"p{seed}x{i}") for i in range(rng.randint(1, 6))]
    at_age: dict[str, list[datetime]] = {}
    for ref in refs:
        store.add_post(ref, campaign="c")
        if rng.random() < 0.8:
            published = T0 - timedelta(hours=rng.randint(0, 100), minutes=rng.randint(0, 59))
            store.con.execute("UPDATE posts SET published_at = ? WHERE post_key = ?", [published, ref.post_key])
            # some snapshots taken exactly at an age (the value is then not interpolated)
            at_age[ref.post_key] = [published + age for _, age in insights.AGES if rng.random() < 0.5]
    store.add_post(PostRef("bilibili", f"other{seed}"))  # not in the campaign
    store.add_snapshot(Snapshot(f"bilibili:other{seed}", T0, Metrics(views=Count(10**9)), source="bilibili@1"))
    times = [T0 + timedelta(minutes=rng.randint(-2000, 14 * 24 * 60)) for _ in range(rng.randint(3, 40))]
    for ref in refs:
        views = rng.randint(0, 200_000)
        entered = rng.choice(times)
        for at in sorted(rng.sample(times, rng.randint(1, len(times))) + at_age.get(ref.post_key, [])):
            if at < entered and rng.random() < 0.7:
                continue
            step = rng.randint(-3000, 40_000) if rng.random() < 0.9 else rng.randint(100_000, 600_000)
            views = max(0, views + step)
            sources = rng.sample(SOURCES, rng.choice((1, 1, 1, 2)))  # two sources at one moment: a tie on the time
            for source in sources:
                shown = None if rng.random() < 0.1 else _count(rng, views)
                likes = None if rng.random() < 0.3 else Count(views // 10)
                store.add_snapshot(Snapshot(ref.post_key, at, Metrics(views=shown, likes=likes), source=source))
    return store, refs


# -- the pure-Python definitions -------------------------------------------------------------------


@dataclass
class Value:
    count: Count
    at: datetime
    source: str


def rows_of(store: Store, key: str) -> list[tuple[Any, ...]]:
    return store.con.execute(
        """SELECT collected_at, snapshot_id, views, views_kind, views_granularity, source FROM snapshots
           WHERE post_key = ? AND views IS NOT NULL ORDER BY collected_at, snapshot_id""",
        [key],
    ).fetchall()


def chosen_before(rows: list[tuple[Any, ...]], end: datetime) -> Value | None:
    """A post's views at ``end`` by the source rule: its newest owner and public values before it."""
    owner = public = None
    for at, _, v, k, g, source in rows:
        if at >= end:
            break
        value = Value(Count(v, CountKind(k), g), at, source)
        if is_owner_source(source):
            owner = value
        else:
            public = value
    use_public = prefer_public(
        owner.count if owner else None,
        owner.at if owner else None,
        public.count if public else None,
        public.at if public else None,
    )
    return public if use_public else owner


def floor_sum(values: list[Value]) -> int:
    """The README's sum: with a "10万+" floor among the values the sum is a floor, rounded parts at their lowest."""
    if any(v.count.kind is CountKind.LOWER_BOUND for v in values):
        return sum(v.count.low or 0 for v in values)
    return sum(v.count.value or 0 for v in values)


def reference_buckets(store: Store, keys: list[str], rep: Any) -> list[dict[str, Any]]:
    out = []
    prev: dict[str, Value | None] = {}
    platforms = {k: k.split(":")[0] for k in keys}
    rows = {k: rows_of(store, k) for k in keys}
    for i, b in enumerate(rep.buckets):
        now = {k: chosen_before(rows[k], b.end) for k in keys}
        shown = [v for v in now.values() if v is not None]
        inc = None
        kinds: list[CountKind | None] = []
        new = decreased = 0
        for k, v in now.items():
            p = prev.get(k)
            if v is None:
                continue
            if p is None:
                new += i > 0
                continue
            rough = v.count.kind is not CountKind.EXACT or p.count.kind is not CountKind.EXACT
            diff = v.count.value - p.count.value
            part: CountKind | None = insights.difference_kind(v.count.kind, p.count.kind)
            if v.count.kind is CountKind.LOWER_BOUND and v.count.value <= p.count.value:
                diff, part = 0, CountKind.APPROXIMATE
            elif rough and abs(diff) < max(v.count.granularity, p.count.granularity):
                diff, part = 0, CountKind.APPROXIMATE
            inc = (inc or 0) + diff
            kinds.append(part)
            decreased += diff < 0
        inc_kind = insights.sum_kind(kinds)
        observed = any(b.start <= r[0] < b.end for k in keys for r in rows[k])
        if inc_kind is None or not observed:
            inc = None
        per_platform = {
            p: floor_sum([v for k, v in now.items() if v is not None and platforms[k] == p])
            for p in {platforms[k] for k, v in now.items() if v is not None}
        }
        owned = [v for v in shown if is_owner_source(v.source)]
        out.append(
            {
                "total": floor_sum(shown) if shown else None,
                "kind": weakest_kind(v.count.kind for v in shown) if shown else CountKind.EXACT,
                "increase": inc if i > 0 else None,
                "increase_kind": inc_kind if i > 0 and inc is not None else rep.buckets[i].increase_kind,
                "new": new,
                "stale": sum(1 for v in shown if v.at < b.start),
                "decreased": decreased if i > 0 else 0,
                "owner": floor_sum(owned) or None,
                "platforms": per_platform,
            }
        )
        prev = now
    return out


def got_buckets(rep: Any) -> list[dict[str, Any]]:
    return [
        {
            "total": b.total.value,
            "kind": b.total.kind,
            "increase": b.increase,
            "increase_kind": b.increase_kind,
            "new": b.new_posts,
            "stale": b.stale_posts,
            "decreased": b.decreased_posts,
            "owner": b.owner.value or None,
            "platforms": {p: t.value for p, t in b.platforms.items() if t.value is not None},
        }
        for b in rep.buckets
    ]


BUCKETS = ("day", "hour", "week", "month")
ZONES = ("UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Shanghai", "Asia/Kathmandu")
CASES = [(seed, BUCKETS[seed % 4], ZONES[seed // 4 % 5]) for seed in range(60)]


@pytest.mark.parametrize(("seed", "by", "tz"), CASES)
def test_sql_report_matches_the_plain_definitions(seed: int, by: str, tz: str) -> None:
    store, refs = random_store(seed)
    rng = random.Random(seed * 7 + 1)
    target = rng.choice((None, 500_000, 2_000_000, 50_000_000))
    store.con.execute("UPDATE campaigns SET target_views = ?", [target])
    kwargs: dict[str, Any] = {}
    if seed % 4 == 1:
        kwargs["since"] = date(2026, 10, 23)
    if seed % 5 == 2:
        kwargs["until"] = date(2026, 10, 30)
    thresholds = sorted(rng.sample(range(50_000, 3_000_000, 50_000), 4))
    now = T0 + timedelta(days=20)
    try:
        rep = build_report(store, campaign="c", by=by, tz=tz, now=now, milestones=thresholds, **kwargs)
    except Exception as exc:  # a random range may hold no snapshot: the same error the report always gave
        assert "no snapshots in the chosen range" in str(exc)
        return
    keys = [r.post_key for r in refs]
    if not rep.buckets:
        return
    assert got_buckets(rep) == reference_buckets(store, keys, rep)

    before = rep.buckets[-1].end.astimezone(timezone.utc)
    timelines = insights.post_timelines(store, keys, before=before)
    total = insights.total_timeline(timelines)
    want_milestones = insights.milestones(
        total,
        thresholds,
        [(b.label, b.total.value) for b in rep.buckets],
        range_start=rep.buckets[0].start.astimezone(timezone.utc),
        bucket_starts=[b.start.astimezone(timezone.utc) for b in rep.buckets],
    )
    assert rep.milestones == want_milestones
    assert rep.projection == insights.projection(timelines, total, target, now)
    published = {p.post_key: p.published_at for p in rep.posts}
    assert rep.ages == {k: insights.ages(timelines.get(k, []), published[k]) for k in published}

    latest = store.latest_values(keys, before=before if "until" in kwargs else None)
    for line in rep.posts:
        values = latest.get(line.post_key)
        assert line.metrics == {m: values.metrics.get(m) if values else None for m in line.metrics}
        assert line.sources == (dict(values.sources) if values else {})
        assert line.last_collected_at == (values.last_collected_at if values else None)


def test_random_cases_cover_the_rules() -> None:
    """The random campaigns above do reach what they are meant to test (not a vacuous comparison)."""
    seen: dict[str, int] = {}
    for seed in range(60):
        store, refs = random_store(seed)
        keys = [r.post_key for r in refs]
        rows = store.con.execute(
            """SELECT count(*) FILTER (WHERE views_kind = 'approximate'),
                      count(*) FILTER (WHERE views_kind = 'lower_bound'),
                      count(*) FILTER (WHERE source = 'manual' OR starts_with(source, 'import:')),
                      count(*) - count(DISTINCT (post_key, collected_at))
               FROM snapshots WHERE list_contains(?, post_key)""",
            [keys],
        ).fetchone()
        assert rows is not None
        for name, n in zip(("approximate", "lower_bound", "owner", "ties"), rows, strict=True):
            seen[name] = seen.get(name, 0) + (n > 0)
        timelines = insights.post_timelines(store, keys)
        total = insights.total_timeline(timelines)
        ms = insights.milestones(total, range(50_000, 3_000_000, 50_000))
        seen["interpolated"] = seen.get("interpolated", 0) + any(m.how == "interpolated" for m in ms)
        down = any(b.value < a.value for a, b in zip(total, total[1:], strict=False))
        seen["decrease"] = seen.get("decrease", 0) + down
    assert all(n >= 10 for n in seen.values()), seen


@pytest.mark.parametrize("seed", [1, 4, 9, 14])
def test_bucket_lookup_and_asof_join_agree(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Buckets found by the lookup list and by the ASOF join (used for very long odd-offset ranges)
    give the same report."""
    store, _ = random_store(seed)
    kwargs: dict[str, Any] = {
        "campaign": "c",
        "by": "hour",
        "tz": "America/Los_Angeles",
        "now": T0 + timedelta(days=20),
    }
    fast = build_report(store, since=date(2026, 10, 23), **kwargs).to_dict()
    monkeypatch.setattr(days, "MAX_SLOTS", 0)
    assert build_report(store, since=date(2026, 10, 23), **kwargs).to_dict() == fast


# -- break-it cases (differences found against the previous Python implementation) -------------------


def _metric(line: Any, name: str) -> int | None:
    count = line.metrics.get(name)
    return None if count is None else count.value


def test_counters_older_than_every_view_are_kept_after_since() -> None:
    """A snapshot without views (likes only) older than every snapshot with views lies before the
    slices of older history: each post's current likes still come from it (this crashed)."""
    store = Store()
    store.add_post(PostRef("bilibili", "a"), campaign="c")
    store.add_post(PostRef("bilibili", "b"), campaign="c")
    t = datetime(2026, 10, 1, tzinfo=timezone.utc)
    store.add_snapshot(Snapshot("bilibili:a", t, Metrics(views=None, likes=Count(5)), source="bilibili@1"))
    store.add_snapshot(Snapshot("bilibili:a", t + timedelta(days=5), Metrics(views=Count(100)), source="bilibili@1"))
    store.add_snapshot(Snapshot("bilibili:b", t + timedelta(days=12), Metrics(views=Count(200)), source="bilibili@1"))
    for since in (None, date(2026, 10, 3), date(2026, 10, 10)):
        rep = build_report(store, "c", since=since, now=t + timedelta(days=20))
        lines = {line.post_key: line for line in rep.posts}
        assert _metric(lines["bilibili:a"], "likes") == 5
        assert _metric(lines["bilibili:a"], "views") == 100
        assert _metric(lines["bilibili:b"], "views") == 200
    # no views at all, and a range after every snapshot
    only = Store()
    only.add_post(PostRef("douyin", "x"), campaign="c")
    only.add_snapshot(Snapshot("douyin:x", t, Metrics(views=None, likes=Count(7)), source="douyin@1"))
    rep = build_report(only, "c", since=date(2026, 10, 5), until=date(2026, 10, 6), now=t + timedelta(days=20))
    assert _metric(rep.posts[0], "likes") == 7
    assert all(b.total.value is None for b in rep.buckets)  # unknown views stay unknown, never 0


def test_huge_counts_stay_exact(tmp_path: Path) -> None:
    """Counts near MAX_COUNT: totals above BIGINT, milestones above BIGINT, and views at post age
    interpolated in exact arithmetic (a float is off by hundreds here, and went above MAX_COUNT)."""
    from reach.store import MAX_COUNT

    store = Store()
    store.create_campaign("c", target_views=MAX_COUNT)
    t = datetime(2026, 10, 1, tzinfo=timezone.utc)
    low = MAX_COUNT - 10**18
    for i in range(3):
        key = f"bilibili:a{i}"
        store.add_post(PostRef("bilibili", f"a{i}"), campaign="c")
        store.con.execute("UPDATE posts SET published_at = ? WHERE post_key = ?", [t - timedelta(hours=1), key])
        store.add_snapshot(Snapshot(key, t, Metrics(views=Count(low)), source="bilibili@1"))
        # snapshots at most 24 h apart around the ages (farther apart they are not interpolated)
        mid = Metrics(views=Count(low + 10**18 // 2))
        store.add_snapshot(Snapshot(key, t + timedelta(days=1), mid, source="bilibili@1"))
        store.add_snapshot(Snapshot(key, t + timedelta(days=2), Metrics(views=Count(MAX_COUNT)), source="manual"))
        store.add_snapshot(Snapshot(key, t + timedelta(days=3), Metrics(views=Count(MAX_COUNT)), source="manual"))
        store.add_snapshot(Snapshot(key, t + timedelta(days=4), Metrics(views=Count(MAX_COUNT)), source="manual"))
    marks = [MAX_COUNT, 2 * MAX_COUNT, 3 * MAX_COUNT - 10**18, 3 * MAX_COUNT]
    rep = build_report(store, "c", now=t + timedelta(days=5), milestones=marks)
    assert rep.buckets[0].total.value == 3 * low
    assert rep.buckets[-1].total.value == 3 * MAX_COUNT
    reached = {m.threshold: m for m in rep.milestones}
    assert set(reached) == set(marks)
    assert reached[3 * MAX_COUNT].by == t + timedelta(days=2)
    ages = rep.ages["bilibili:a0"]
    # 23 h of the 24 h from ``low`` to ``low + 10**18 / 2``: low + 10**18 * 23 / 48, rounded
    assert ages["24h"] == insights.AgeValue(low + round(Fraction(10**18 * 23, 48)), CountKind.EXACT, True)
    assert ages["72h"] == insights.AgeValue(MAX_COUNT, CountKind.EXACT, True)
    # XLSX: Excel keeps 15 significant digits, so such counts are text cells with every digit
    import openpyxl  # type: ignore[import-untyped]

    rep.save(tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets[1]
    assert sheet.cell(row=2, column=2).value == str(3 * low)
    assert sheet.cell(row=2, column=7).value is None  # the first bucket's new posts: unknown
    assert sheet.cell(row=2, column=8).value == 0  # small numbers stay numbers


def test_far_target_at_a_slow_pace_is_not_a_crash() -> None:
    """A target billions of days away at this pace is "not at this pace", not an OverflowError of
    ``timedelta`` (reach 10亿 at a third of a view a day)."""
    store = Store()
    store.create_campaign("c", target_views=10**9)
    store.add_post(PostRef("weibo", "a"), campaign="c")
    t = datetime(2026, 10, 1, tzinfo=timezone.utc)
    store.add_snapshot(Snapshot("weibo:a", t, Metrics(views=Count(10)), source="weibo@1"))
    store.add_snapshot(Snapshot("weibo:a", t + timedelta(days=3), Metrics(views=Count(11)), source="weibo@1"))
    rep = build_report(store, "c", now=t + timedelta(days=5))
    assert rep.projection is not None
    assert rep.projection.status == "not_at_this_pace"
    assert rep.projection.per_day == pytest.approx(1 / 3)
    assert rep.projection.eta is None
    timelines = insights.post_timelines(store, ["weibo:a"])
    assert insights.projection(timelines, insights.total_timeline(timelines), 10**9) == rep.projection


def test_interpolation_rounds_exactly_as_fractions_do() -> None:
    """Views at a post age between two snapshots: integer arithmetic, half to even, at any size
    (the plain definition with ``fractions.Fraction`` is the reference)."""
    rng = random.Random(5)
    cases = [(0, 1, 1, 2), (1, 2, 1, 2), (8711387064946514083, 827036, 1, 2), (2**63 - 2, 2**63 - 1, 1, 2)]
    for _ in range(20_000):
        whole = rng.choice((1, 2, 3, 7, 3_600_000_000, rng.randint(1, 10**12)))
        before = rng.choice((0, 1, rng.randint(0, 10**6), rng.randint(0, 2**63 - 1)))
        after = rng.choice((before, before + 1, max(0, before - 1), rng.randint(0, 2**63 - 1)))
        cases.append((before, after, rng.randint(0, whole), whole))
    for before, after, part, whole in cases:
        want = round(before + (after - before) * Fraction(part, whole))
        assert insights.interpolate_us(before, after, part, whole) == want
        got = insights.interpolate_count(before, after, timedelta(microseconds=part), timedelta(microseconds=whole))
        assert got == want
    with pytest.raises(ValueError):
        insights.interpolate_us(1, 2, 0, 0)


def test_current_values_read_older_snapshots_only_when_the_newest_leave_a_counter_out() -> None:
    """Series.latest_values reads each class's newest snapshots, and goes back only for a post whose
    newest snapshots miss a counter (or extras) that class showed before; same result as the store."""
    store = Store()
    keys = []
    for i, shape in enumerate(("complete", "likes later missing", "extras only older", "owner and public", "tie")):
        ref = PostRef("bilibili", f"s{i}")
        keys.append(ref.post_key)
        store.add_post(ref, campaign="c")
        t = T0
        old = Metrics(views=Count(100 + i), likes=Count(10), extra={"coins": Count(5)})
        store.add_snapshot(Snapshot(ref.post_key, t, old, source="bilibili@1"))
        if shape == "complete":
            new = Metrics(views=Count(200), likes=Count(20), extra={"coins": Count(6)})
        elif shape == "likes later missing":
            new = Metrics(views=Count(200), extra={"coins": Count(6)})
        elif shape == "extras only older":
            new = Metrics(views=Count(200), likes=Count(20))
        else:
            new = Metrics(views=Count(200), likes=Count(20), extra={"coins": Count(6)})
        store.add_snapshot(Snapshot(ref.post_key, t + timedelta(hours=30), new, source="bilibili@1"))
        if shape == "owner and public":
            own = Metrics(views=Count(150))
            store.add_snapshot(Snapshot(ref.post_key, t + timedelta(hours=20), own, source="manual"))
        if shape == "tie":  # a second public source at the same instant, showing another counter
            other = Metrics(views=Count(190), shares=Count(3))
            store.add_snapshot(Snapshot(ref.post_key, t + timedelta(hours=30), other, source="bilibili@2"))
    starts = [T0 + timedelta(days=d) for d in range(3)]
    ends = [s + timedelta(days=1) for s in starts]
    with series.Series(store.con, "c", starts, ends, T0) as ser:
        got = ser.latest_values()
    want = store.latest_values(keys)
    assert got == want
    assert got[keys[1]].metrics.likes == Count(10)  # the older likes, not "no likes"
    assert got[keys[2]].metrics.extra == {"coins": Count(5)}
    assert got[keys[0]].metrics.extra == {"coins": Count(6)}


def test_a_bound_never_reached_costs_a_few_replays_not_one_per_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    """Owner data below a public value it outranks: every hour's upper bound passes a threshold the
    total never reaches. The search widens its batch of buckets after each miss (logarithmic queries)."""
    t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    store = Store()
    store.add_post(PostRef("weibo", "a"), campaign="c")
    store.add_snapshot(Snapshot("weibo:a", t, Metrics(views=Count(201)), source="weibo@2"))
    store.add_snapshot(Snapshot("weibo:a", t, Metrics(views=Count(150)), source="manual"))
    store.add_snapshot(Snapshot("weibo:a", t + timedelta(days=40), Metrics(views=Count(150)), source="manual"))
    calls = []
    replay = series.Series._replay
    monkeypatch.setattr(series.Series, "_replay", lambda self, *a: calls.append(1) or replay(self, *a))
    rep = build_report(store, "c", by="hour", now=t + timedelta(days=300), milestones=[175, 150])
    assert len(rep.buckets) == 961
    assert [m.threshold for m in rep.milestones] == [150]
    assert len(calls) <= 13  # the first bucket's first hour, then batches of 1, 2, 4, ... buckets


@pytest.mark.parametrize("seed", range(0, 60, 3))
def test_current_values_of_every_counter_follow_the_source_rule(seed: int) -> None:
    """Store.latest_values (the rule in SQL) against prefer_public in Python, per counter: the newest
    owner and the newest public value (ties on the time: the largest snapshot id), sources and times."""
    store, refs = random_store(seed)
    rng = random.Random(seed)
    for ref in refs:  # likes rounded, owner likes and public likes at one instant
        at = T0 + timedelta(days=rng.randint(0, 14), minutes=rng.randint(0, 59))
        for source in rng.sample(SOURCES, 2):
            likes = _count(rng, rng.randint(0, 90_000))
            store.add_snapshot(Snapshot(ref.post_key, at, Metrics(likes=likes, comments=Count(3)), source=source))
    keys = [r.post_key for r in refs]
    got = store.latest_values(keys)
    for key in keys:
        rows = store.con.execute(
            "SELECT * FROM snapshots WHERE post_key = ? ORDER BY collected_at, snapshot_id", [key]
        ).fetchall()
        cols = [d[0] for d in store.con.description or ()]
        want: dict[str, tuple[Count, str, datetime] | None] = {}
        for m in ("views", "likes", "comments", "shares", "favorites"):
            newest: dict[bool, tuple[Count, str, datetime]] = {}
            for row in rows:
                r = dict(zip(cols, row, strict=True))
                if r[m] is not None:
                    count = Count(r[m], CountKind(r[f"{m}_kind"]), r[f"{m}_granularity"] or 1, r[f"{m}_raw"])
                    newest[is_owner_source(r["source"])] = (count, r["source"], r["collected_at"])
            own, pub = newest.get(True), newest.get(False)
            use = prefer_public(own and own[0], own and own[2], pub and pub[0], pub and pub[2])
            want[m] = pub if use else own
        values = got[key]
        for m, pick in want.items():
            assert values.metrics.get(m) == (pick[0] if pick else None), (key, m)
            assert values.sources.get(m) == (pick[1] if pick else None), (key, m)
            assert values.observed.get(m) == (pick[2] if pick else None), (key, m)
        assert values.last_collected_at == rows[-1][cols.index("collected_at")]


def test_a_newer_rounded_public_count_replaces_an_owner_count_only_when_its_lowest_value_is_above() -> None:
    store = Store()
    ref = PostRef("douyin", "7300000000000000001")
    store.add_post(ref, campaign="c")
    store.add_snapshot(Snapshot(ref.post_key, T0, Metrics(likes=Count(11_600), views=Count(500)), source="manual"))
    later = T0 + timedelta(hours=1)
    rounded = Count(12_000, CountKind.APPROXIMATE, 1000, "1.2万")  # 11,500 to 12,499
    store.add_snapshot(Snapshot(ref.post_key, later, Metrics(likes=rounded, views=Count(520)), source="douyin@1"))
    values = store.latest_values([ref.post_key])[ref.post_key]
    assert values.metrics.likes == Count(11_600) and values.sources["likes"] == "manual"
    assert values.metrics.views == Count(520) and values.sources["views"] == "douyin@1"
    rep = build_report(store, "c", now=later + timedelta(days=1))
    assert rep.posts[0].metrics["likes"] == Count(11_600)
