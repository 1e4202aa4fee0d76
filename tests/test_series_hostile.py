"""Hostile checks of the report's fast paths (reach.series): each post's current values read from each
source class's newest snapshots, the milestone replay without carry windows for single-class posts
(ties on the time ordered by snapshot id), integer interpolation at post ages. Every report number is
compared with the plain definitions (Store.latest_values, reach.insights) on handcrafted adversarial
campaigns (owner and public data switching inside a bucket and at one instant, Douyin-style snapshots
without views, snapshots with extras only, rounded and lower-bound counts, decreases, thresholds hit
exactly, DST and +05:45 zones) and on a few random ones."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from reach import insights, series
from reach.models import Count, CountKind, Metrics, PostRef, Snapshot
from reach.report import build_report
from reach.store import MAX_COUNT, LatestValues, Store

from .test_series import got_buckets, reference_buckets

H = timedelta(hours=1)
T = datetime(2026, 10, 31, 16, tzinfo=timezone.utc)  # midnight in Shanghai; New York leaves DST the next day
NOW = T + timedelta(days=20)


def _a(value: int, gran: int = 1000) -> Count:
    return Count(value, CountKind.APPROXIMATE, gran)


def _l(value: int) -> Count:
    return Count(value, CountKind.LOWER_BOUND, 1)


Spec = list[tuple[str, timedelta, str, Metrics]]

DOUYIN: Spec = [  # likes without views newer than the views; owner and public at one instant
    ("douyin:a", 0 * H, "douyin@1", Metrics(views=Count(1000), likes=Count(10))),
    ("douyin:a", 5 * H, "douyin@1", Metrics(views=None, likes=Count(20))),
    ("douyin:a", 5 * H, "manual", Metrics(views=Count(1500))),
    ("douyin:a", 30 * H, "douyin@1", Metrics(views=None, likes=Count(30), shares=Count(2))),
    ("douyin:a", 30 * H, "douyin@3", Metrics(views=_a(12000), comments=Count(3))),
    ("douyin:b", 1 * H, "import:douyin_creator:x.xlsx", Metrics(views=Count(5000), likes=Count(50))),
    ("douyin:b", 25 * H, "import:douyin_creator:x.xlsx", Metrics(views=Count(7000))),
    ("douyin:b", 25 * H, "douyin@1", Metrics(views=_l(100000), likes=Count(70))),
    ("douyin:b", 49 * H, "douyin@1", Metrics(extra={"coins": Count(5)})),
]
SWITCH: Spec = [  # public -> owner -> public inside one bucket, the newest snapshot with extras only
    ("bilibili:a", 0 * H, "bilibili@1", Metrics(views=Count(100), likes=Count(1), extra={"coins": Count(1)})),
    ("bilibili:a", 2 * H, "manual", Metrics(views=Count(90))),
    ("bilibili:a", 3 * H, "bilibili@1", Metrics(views=Count(200))),
    ("bilibili:a", 4 * H, "manual", Metrics(views=Count(150))),
    ("bilibili:a", 4 * H, "bilibili@1", Metrics(views=Count(250), likes=Count(3))),
    ("bilibili:a", 5 * H, "bilibili@1", Metrics(extra={"coins": Count(9)})),
    ("bilibili:b", 4 * H, "bilibili@1", Metrics(views=Count(1000))),
    ("bilibili:b", 4 * H, "weibo@2", Metrics(views=Count(900), favorites=Count(4))),
]
TIES: Spec = [  # three public sources at one instant (kinds differ); a single-class post at a bucket boundary
    ("bilibili:a", 0 * H, "bilibili@1", Metrics(views=Count(1000))),
    ("bilibili:a", 0 * H, "douyin@1", Metrics(views=_a(2000))),
    ("bilibili:a", 0 * H, "weibo@2", Metrics(views=_l(1000))),
    ("bilibili:a", 24 * H, "bilibili@1", Metrics(views=Count(3000))),
    ("bilibili:a", 24 * H, "weibo@2", Metrics(views=Count(2500))),
    ("bilibili:b", 24 * H, "manual", Metrics(views=Count(500))),
    ("bilibili:b", 24 * H, "import:x:a.csv", Metrics(views=Count(700))),
    ("bilibili:b", 24 * H - timedelta(microseconds=1), "bilibili@1", Metrics(views=Count(600))),
    ("bilibili:b", 48 * H, "bilibili@1", Metrics(views=Count(100000))),
    ("bilibili:c", 47 * H, "bilibili@1", Metrics(views=Count(1))),
    ("bilibili:c", 48 * H, "manual", Metrics(views=Count(0))),
]
DOWN: Spec = [  # decreases; a rounded public count that proves more than the owner's
    ("douyin:a", 0 * H, "douyin@1", Metrics(views=Count(5000))),
    ("douyin:a", 6 * H, "douyin@1", Metrics(views=Count(4000))),
    ("douyin:a", 12 * H, "manual", Metrics(views=Count(3000))),
    ("douyin:a", 18 * H, "douyin@1", Metrics(views=Count(3001))),
    ("douyin:a", 30 * H, "douyin@1", Metrics(views=_a(13000))),
    ("douyin:a", 31 * H, "manual", Metrics(views=Count(3002))),
    ("douyin:b", 6 * H, "douyin@1", Metrics(views=Count(5000))),
    ("douyin:b", 31 * H, "douyin@1", Metrics(views=Count(2000))),
]
AGES: Spec = [  # a snapshot at an age, snapshots more than 24 h apart around one, an age before the first
    ("weibo:a", 0 * H, "weibo@2", Metrics(views=Count(100))),
    ("weibo:a", 24 * H, "weibo@2", Metrics(views=Count(201))),
    ("weibo:a", 24 * H, "manual", Metrics(views=Count(150))),
    ("weibo:a", 72 * H, "weibo@2", Metrics(views=Count(999))),
    ("weibo:a", 73 * H, "weibo@2", Metrics(views=Count(1000))),
    ("weibo:a", 7 * 24 * H + 30 * H, "weibo@2", Metrics(views=Count(5000))),
    ("weibo:b", 1 * H, "weibo@2", Metrics(views=Count(1))),
    ("weibo:b", 2 * H, "weibo@2", Metrics(views=Count(2))),
    ("weibo:b", 26 * H, "weibo@2", Metrics(views=Count(2))),
    ("weibo:b", 26 * H, "manual", Metrics(views=Count(3))),
]
HUGE: Spec = [
    ("weibo:a", 0 * H, "weibo@2", Metrics(views=Count(MAX_COUNT - 5 - 10**6))),
    ("weibo:a", 10 * H, "weibo@2", Metrics(views=Count(MAX_COUNT - 5))),
    ("weibo:b", 3 * H, "manual", Metrics(views=Count(MAX_COUNT - 12))),
    ("weibo:b", 11 * H, "manual", Metrics(views=Count(MAX_COUNT - 8))),
    ("weibo:b", 11 * H, "weibo@2", Metrics(views=_a((MAX_COUNT - 5) // 1000 * 1000 - 10**9, 10**6))),
    ("weibo:c", 11 * H, "weibo@2", Metrics(views=Count(MAX_COUNT))),
]
SPECS: dict[str, tuple[Spec, dict[str, datetime]]] = {
    "douyin": (DOUYIN, {"douyin:a": T - 19 * H, "douyin:b": T - 24 * H}),
    "switch": (SWITCH, {}),
    "ties": (TIES, {"bilibili:a": T - 24 * H, "bilibili:b": T - 48 * H}),
    "down": (DOWN, {}),
    "ages": (AGES, {"weibo:a": T, "weibo:b": T - 22 * H}),
    "huge": (HUGE, {}),
}


def _build(spec: Spec, published: dict[str, datetime], store: Store | None = None) -> tuple[Store, list[str]]:
    store = store or Store()
    keys: list[str] = []
    for key, offset, source, metrics in spec:
        if key not in keys:
            platform, post_id = key.split(":")
            store.add_post(PostRef(platform, post_id), campaign="c")
            keys.append(key)
        store.add_snapshot(Snapshot(key, T + offset, metrics, source=source))
    for key, at in published.items():
        store.con.execute("UPDATE posts SET published_at = ? WHERE post_key = ?", [at, key])
    return store, keys


def _compare(store: Store, keys: list[str], thresholds: list[int], target: int | None, **kwargs: Any) -> None:
    """Every number of ``build_report`` against the plain definitions (as tests/test_series.py)."""
    store.con.execute("UPDATE campaigns SET target_views = ?", [target])
    seen: list[dict[str, LatestValues]] = []
    real = series.Series.latest_values

    def spy(self: series.Series) -> dict[str, LatestValues]:
        seen.append(real(self))
        return seen[-1]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(series.Series, "latest_values", spy)
        try:
            rep = build_report(store, campaign="c", now=NOW, milestones=thresholds, **kwargs)
        except Exception as exc:  # a range without snapshots: the error the report always gave
            assert "no snapshots in the chosen range" in str(exc)
            return
    if not rep.buckets:
        return
    assert got_buckets(rep) == reference_buckets(store, keys, rep)
    before = rep.buckets[-1].end.astimezone(timezone.utc)
    timelines = insights.post_timelines(store, keys, before=before)
    total = insights.total_timeline(timelines)
    assert rep.milestones == insights.milestones(
        total,
        thresholds,
        [(b.label, b.total.value) for b in rep.buckets],
        range_start=rep.buckets[0].start.astimezone(timezone.utc),
        bucket_starts=[b.start.astimezone(timezone.utc) for b in rep.buckets],
    )
    assert rep.projection == insights.projection(timelines, total, target, NOW)
    published = {p.post_key: p.published_at for p in rep.posts}
    assert rep.ages == {k: insights.ages(timelines.get(k, []), published[k]) for k in published}
    latest = store.latest_values(keys, before=before)
    assert seen == [latest]  # extras and observation times included
    for line in rep.posts:
        values = latest.get(line.post_key)
        assert line.metrics == {m: values.metrics.get(m) if values else None for m in line.metrics}
        assert line.sources == (dict(values.sources) if values else {})


def _thresholds(store: Store, keys: list[str]) -> list[int]:
    """Every value the total takes, and one above each: thresholds reached exactly at a snapshot."""
    total = insights.total_timeline(insights.post_timelines(store, keys))
    return sorted({p.value for p in total if p.value > 0} | {p.value + 1 for p in total})


RANGES: dict[str, dict[str, Any]] = {
    "all": {},
    "since": {"since": date(2026, 11, 1)},
    "until": {"until": date(2026, 11, 1)},
    "instant": {"until": T + 24 * H},
}


@pytest.mark.parametrize("name", sorted(SPECS))
@pytest.mark.parametrize(
    ("tz", "by"), [("Asia/Shanghai", "day"), ("America/New_York", "hour"), ("Asia/Kathmandu", "week")]
)
def test_handcrafted_campaigns_match_the_plain_definitions(name: str, tz: str, by: str) -> None:
    spec, published = SPECS[name]
    # the whole range and one cut of it (which one rotates with the case)
    cut = sorted(RANGES)[(sorted(SPECS).index(name) + len(tz)) % len(RANGES)]
    # by the hour, two days (a quicker test, still across the DST change in New York)
    whole: dict[str, Any] = {"since": date(2026, 11, 1), "until": date(2026, 11, 2)} if by == "hour" else {}
    for kwargs in (whole, RANGES[cut]):
        store, keys = _build(spec, published)
        _compare(store, keys, _thresholds(store, keys), 10_000, by=by, tz=tz, **kwargs)


def test_a_file_store_gives_the_same_numbers(tmp_path: Any) -> None:
    spec, published = SPECS["douyin"]
    store, keys = _build(spec + SWITCH, published, Store(tmp_path / "r.duckdb"))
    try:
        _compare(store, keys, _thresholds(store, keys), None, by="month", tz="America/New_York")
    finally:
        store.close()


OWN = ("manual", "import:douyin_creator:a.xlsx")
PUB = ("bilibili@1", "douyin@1", "weibo@2")


def _count(rng: random.Random, value: int) -> Count:
    roll = rng.random()
    if roll < 0.5:
        return Count(value)
    if roll < 0.8:
        gran = rng.choice((10, 1000))
        return Count(value // gran * gran, CountKind.APPROXIMATE, gran)
    return Count(value // 1000 * 1000, CountKind.LOWER_BOUND, 1)


def _random_campaign(seed: int, tz: str, by: str) -> tuple[Store, list[str]]:
    """Few instants (many ties), some on local bucket boundaries; posts that keep to one class, mix
    or switch classes; snapshots without views, with extras only, with several sources at once."""
    rng = random.Random(seed)
    zone = ZoneInfo(tz)
    store = Store()
    span = {"hour": 30, "day": 24 * 6, "week": 24 * 30, "month": 24 * 80}[by]
    moments = set()
    for _ in range(rng.randint(3, 12)):
        at = T - timedelta(hours=rng.randint(0, 48)) + timedelta(minutes=rng.randint(-span * 20, span * 60))
        if rng.random() < 0.35:  # on a local bucket boundary (or a microsecond before)
            local = at.astimezone(zone)
            at = (
                local.replace(minute=0, second=0, microsecond=0)
                if by == "hour"
                else datetime(local.year, local.month, local.day, tzinfo=zone)
            ).astimezone(timezone.utc) - timedelta(microseconds=rng.choice((0, 0, 1)))
        moments.add(at)
    instants = sorted(moments)
    keys = []
    for i in range(rng.randint(1, 5)):
        ref = PostRef(rng.choice(("bilibili", "douyin", "weibo")), f"r{seed}x{i}")
        store.add_post(ref, campaign="c")
        keys.append(ref.post_key)
        if rng.random() < 0.8:
            published = rng.choice(instants) - rng.choice(insights.AGES)[1] + rng.choice((timedelta(0), 7 * H))
            store.con.execute("UPDATE posts SET published_at = ? WHERE post_key = ?", [published, ref.post_key])
        views = rng.randint(0, 50_000)
        mode = rng.choice(("own", "pub", "mix", "switch"))
        for j, at in enumerate(sorted(rng.sample(instants, rng.randint(1, len(instants))))):
            views = max(0, views + rng.randint(-5000, 30_000 if rng.random() < 0.85 else 900_000))
            if mode == "mix":
                classes = rng.choice(([OWN], [PUB], [OWN, PUB], [PUB, PUB], [OWN, PUB, PUB]))
            else:
                classes = [{"own": OWN, "pub": PUB, "switch": OWN if j % 2 else PUB}[mode]]
            used: set[str] = set()
            for cls in classes:
                source = rng.choice(cls)
                if source in used:
                    continue
                used.add(source)
                value = max(0, views + rng.randint(-3000, 3000))
                shown = None if rng.random() < 0.15 else _count(rng, value)
                others = {m: _count(rng, value // 10) for m in ("likes", "comments", "shares") if rng.random() < 0.5}
                extra = {"coins": Count(value // 7)} if rng.random() < 0.3 else {}
                if rng.random() < 0.07:  # extras only
                    shown, others, extra = None, {}, {"coins": Count(value // 9)}
                if shown is None and not others and not extra:
                    others["likes"] = Count(value // 11)
                store.add_snapshot(
                    Snapshot(ref.post_key, at, Metrics(views=shown, extra=extra, **others), source=source)
                )
    return store, keys


@pytest.mark.parametrize("seed", range(8))
def test_random_adversarial_campaigns_match_the_plain_definitions(seed: int) -> None:
    tz = ("Asia/Shanghai", "America/New_York", "Asia/Kathmandu")[seed % 3]
    by = ("hour", "day", "week", "month")[seed % 4]
    store, keys = _random_campaign(seed, tz, by)
    rng = random.Random(seed)
    kwargs: dict[str, Any] = {}
    if rng.random() < 0.4:
        kwargs["since"] = date(2026, 11, 1)
    if rng.random() < 0.3:
        kwargs["until"] = date(2026, 11, 2)
    if by == "hour" and not kwargs:
        kwargs["since"] = date(2026, 11, 2)
    thresholds = _thresholds(store, keys)
    thresholds = sorted(rng.sample(thresholds, min(6, len(thresholds))))
    _compare(store, keys, thresholds or [1], rng.choice((None, 100_000, 2_000_000)), by=by, tz=tz, **kwargs)


# -- faults found (working tree of 2026-11-29 ~16:00 UTC: the "floor" sums, not yet committed) ---------


def _floor_campaign(views: dict[str, Count]) -> Store:
    store = Store()
    for key, count in views.items():
        platform, post_id = key.split(":")
        store.add_post(PostRef(platform, post_id), campaign="c")
        store.add_snapshot(Snapshot(key, T, Metrics(views=count), source="bilibili@1"))
    return store


def test_a_floor_total_counts_each_rounded_part_at_its_own_lowest() -> None:
    """With a "10万+" among the posts the total is a floor of each post's lowest value (Count.low, never
    below 0). A rounded platform total was lowered by half its summed granularity instead: a rounded 0
    ("0.0M", granularity 100000) took 50000 off the other posts (reported ≥500000, the posts prove
    ≥550000), and odd granularities lost one more than the posts' own lows."""
    views = {
        "bilibili:a": _l(100_000),
        "douyin:b": _a(0, 100_000),
        "douyin:c": _a(500_000, 100_000),
    }
    rep = build_report(_floor_campaign(views), "c", now=T)
    assert rep.buckets[-1].total.kind is CountKind.LOWER_BOUND
    assert rep.buckets[-1].total.value == sum(c.low or 0 for c in views.values()) == 550_000
    odd = {"bilibili:a": _l(100_000), "douyin:b": _a(1001, 1), "douyin:c": _a(1001, 1)}
    rep = build_report(_floor_campaign(odd), "c", now=T)
    assert rep.buckets[-1].total.value == sum(c.low or 0 for c in odd.values()) == 102_002


def test_a_milestone_below_the_floor_shown_is_reached() -> None:
    """The milestone rule (insights.claimed, and the SQL replay) lowered a floor total by half the summed
    granularity, not by what each rounded part can lose: the table said ≥550000 while 520000 was not
    reached."""
    views = {
        "bilibili:a": _l(100_000),
        "bilibili:b": _a(0, 100_000),
        "bilibili:c": _a(500_000, 100_000),
    }
    rep = build_report(_floor_campaign(views), "c", now=T, milestones=[520_000])
    assert rep.buckets[-1].total.value == 550_000
    assert [m.threshold for m in rep.milestones] == [520_000]


def test_the_projection_does_not_claim_more_than_the_floor() -> None:
    """The projection's current total and its "reached" status used the plain sum (≥600000) while the
    table showed the floor of what the posts prove (≥550000): target 580000 was said to be reached."""
    store = _floor_campaign({"bilibili:a": _l(100_000), "bilibili:c": _a(500_000, 100_000)})
    store.con.execute("UPDATE campaigns SET target_views = 580000")
    rep = build_report(store, "c", now=T + H)
    assert rep.buckets[-1].total.value == 550_000
    assert rep.projection is not None
    assert rep.projection.current == rep.buckets[-1].total.value
    assert rep.projection.status != "reached"
