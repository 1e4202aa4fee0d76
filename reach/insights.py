"""What a report says beyond its table: milestones, projection to the target, views at post age,
the period comparison. Pure Python over each post's views timeline: the definitions.

:func:`reach.report.build_report` computes the same numbers in DuckDB (:mod:`reach.series`), without
reading every snapshot into Python; ``tests/test_series.py`` checks on random campaigns that both
agree. These functions stay the reference (and serve alerts and small timelines).

**The timeline.** Every snapshot that shows views moves its post's value; per post and moment the
value is chosen between owner and public data by :func:`reach.store.prefer_public` (the rule the
report's SQL applies), so a post is never counted twice. The campaign total at a moment is the sum
of the posts' values then; its precision is the weakest of its parts (``≈`` / ``≥``).

**Honesty rules.** Times between snapshots are estimated by linear interpolation and marked so
(``how="interpolated"``), only when the two snapshots are at most :data:`MAX_INTERPOLATION_GAP`
(24 hours) apart and the estimate lies in the report bucket named; otherwise the milestone is
``how="between"``: it happened after the one and at or before the other, no minute is made up. A
total that jumps past a milestone because a post was counted for the first time (its views grew
before reach saw it) gives ``how="at_or_before"`` with the time of that snapshot, never an invented
earlier time; so does a step from or to a rounded or lower-bound total ("50万+": the real value may
have crossed earlier), with the weakest precision of the two. A value at a post age needs a
snapshot on both sides of that age, at most
:data:`MAX_INTERPOLATION_GAP` apart: otherwise it is ``None``, never extrapolated nor carried over a
gap. The projection's pace is growth over the real time between the values it compares (the time of
a value carried into the window, not the window start); when such a value is older than the window
start by more than the window itself, the data have a gap and no pace is claimed (``status="gap"``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .models import Count, CountKind, weakest_kind
from .render import cut_fraction
from .store import Store, is_owner_source, prefer_public

DEFAULT_MILESTONES: tuple[int, ...] = (100_000, 1_000_000, 10_000_000, 100_000_000)
AGES: tuple[tuple[str, timedelta], ...] = (
    ("24h", timedelta(hours=24)),
    ("72h", timedelta(hours=72)),
    ("7d", timedelta(days=7)),
)
PROJECTION_WINDOW = timedelta(days=7)
MIN_PROJECTION_SPAN = timedelta(hours=24)
MAX_PROJECTION = timedelta(days=3650)
MAX_INTERPOLATION_GAP = timedelta(hours=24)
"""Two snapshots farther apart than this are not interpolated between (milestones, views at age)."""


@dataclass(frozen=True)
class Point:
    """A value of a post (or of the campaign total) from ``at`` on."""

    at: datetime
    value: int
    kind: CountKind = CountKind.EXACT
    granularity: int = 0
    entered: bool = False
    """Campaign total only: a post was counted for the first time at this point."""
    low: int | None = None
    """Campaign total only: the sum of its parts' lowest possible values (:attr:`Count.low`: a rounded
    "1.2万" at 11,500); ``None`` for a post's own value (its low is ``value - granularity // 2``)."""


def post_timelines(store: Store, keys: Sequence[str], before: datetime | None = None) -> dict[str, list[Point]]:
    """Each post's chosen views over time (owner vs public by the source rule), oldest first.

    Only snapshots taken before ``before`` (UTC; ``None``: all) are read.
    """
    rows = store.con.execute(
        """SELECT post_key, collected_at, views, views_kind, views_granularity, source FROM snapshots
           WHERE views IS NOT NULL AND list_contains(?, post_key)
             AND (?::TIMESTAMPTZ IS NULL OR collected_at < ?::TIMESTAMPTZ)
           ORDER BY collected_at, snapshot_id""",
        [list(keys), before, before],
    ).fetchall()
    owner: dict[str, tuple[Count, datetime]] = {}
    public: dict[str, tuple[Count, datetime]] = {}
    out: dict[str, list[Point]] = {}
    for key, at, value, kind, gran, source in rows:
        count = Count(int(value), CountKind(kind or "exact"), int(gran or 1))
        (owner if is_owner_source(source) else public)[key] = (count, at)
        oc, oat = owner.get(key, (None, None))
        pc, pat = public.get(key, (None, None))
        chosen = pc if prefer_public(oc, oat, pc, pat) else oc
        if chosen is None or chosen.value is None:
            continue
        point = Point(at, chosen.value, chosen.kind, chosen.granularity if chosen.kind is CountKind.APPROXIMATE else 0)
        line = out.setdefault(key, [])
        if line and line[-1].at == at:
            line[-1] = point
        else:
            line.append(point)
    return out


def total_timeline(timelines: Mapping[str, Sequence[Point]]) -> list[Point]:
    """The campaign total after each moment at which any post's value changed."""
    events = sorted(((p.at, key, p) for key, line in timelines.items() for p in line), key=lambda e: e[0])
    current: dict[str, Point] = {}
    out: list[Point] = []
    # running sums over ``current`` (exact integers), updated as points replace each other: linear, not
    # a sum over every post at every moment
    value = granularity = low = 0
    kinds = dict.fromkeys(CountKind, 0)
    i = 0
    while i < len(events):
        at = events[i][0]
        entered = False
        while i < len(events) and events[i][0] == at:
            _, key, point = events[i]
            old = current.get(key)
            if old is None:
                entered = True
            else:
                value -= old.value
                granularity -= old.granularity
                low -= part_low(old)
                kinds[old.kind] -= 1
            value += point.value
            granularity += point.granularity
            low += part_low(point)
            kinds[point.kind] += 1
            current[key] = point
            i += 1
        weakest = next((k for k in (CountKind.LOWER_BOUND, CountKind.APPROXIMATE) if kinds[k]), CountKind.EXACT)
        out.append(Point(at, value, weakest, granularity, entered, low))
    return out


def part_low(point: Point) -> int:
    """The lowest value a post's point can stand for (:attr:`Count.low`)."""
    if point.kind is CountKind.APPROXIMATE:
        return max(0, point.value - point.granularity // 2)
    return point.value


def value_at(line: Sequence[Point], moment: datetime) -> Point | None:
    """The value in force at ``moment`` (the newest point at or before it)."""
    found = None
    for point in line:
        if point.at > moment:
            break
        found = point
    return found


@dataclass(frozen=True)
class Milestone:
    """When the campaign total first reached ``threshold``.

    Attributes:
        at: the estimated moment (UTC): interpolated between ``after`` and ``by`` (always inside
            them), or ``by`` itself when ``how`` is ``"at_or_before"`` or ``"between"``.
        after: the last observation below the threshold (``None``: reached at the first one).
        by: the first observation at or above it.
        how: ``"interpolated"`` (linear between the two observations, at most
            :data:`MAX_INTERPOLATION_GAP` apart), ``"between"`` (after ``after`` and at or before
            ``by``: too far apart to interpolate, or the estimate would fall outside the bucket
            named) or ``"at_or_before"`` (the first observation already included it, the step
            included a post seen for the first time, or a side of the step is not exact).
        bucket: label of the report bucket holding ``by`` (``None``: before the range).
        kind: precision of the total at ``by`` (≈ / ≥ carry over; with ``how="at_or_before"`` after
            a rounded or lower-bound total, the weakest of both).
    """

    threshold: int
    at: datetime
    after: datetime | None
    by: datetime
    how: str
    bucket: str | None
    kind: CountKind


def claimed(point: Point) -> int:
    """What a total can be said to have reached (a milestone, a target): the sum of its parts' lowest
    possible values (:attr:`Point.low`: a rounded "10万" counts as 95,000), as the alerts judge it. A
    rounded total may be shown ≈ above a milestone it has not provably passed; it is not counted."""
    if point.low is not None:
        return point.low
    # a total made without its parts' lows: less half the summed granularity of its rounded parts
    # (``granularity`` counts only those, whatever the total's weakest kind)
    if point.kind is CountKind.APPROXIMATE or point.granularity > 0:
        return max(0, point.value - point.granularity // 2)
    return point.value


def milestones(
    total: Sequence[Point],
    thresholds: Iterable[int],
    buckets: Sequence[tuple[str, int | None]] = (),
    range_start: datetime | None = None,
    bucket_starts: Sequence[datetime] = (),
) -> list[Milestone]:
    """The milestones the total has reached (by :func:`claimed`), in threshold order.

    Args:
        total: :func:`total_timeline`.
        thresholds: view counts (e.g. 100000).
        buckets: ``(label, total value)`` of the report's buckets, oldest first.
        range_start: start of the report's first bucket: a milestone observed before it has no
            bucket (``bucket=None``: before the range), not the first bucket's label.
        bucket_starts: the buckets' starts (UTC, same order): an interpolated moment before the start
            of the bucket named is not claimed (``how="between"`` instead).
    """
    out: list[Milestone] = []
    for threshold in sorted(set(thresholds)):
        for i, point in enumerate(total):
            if claimed(point) < threshold:
                continue
            prev = total[i - 1] if i > 0 else None
            out.append(
                place_milestone(
                    threshold,
                    point.at,
                    point.value,
                    point.kind,
                    point.entered,
                    prev.at if prev else None,
                    prev.value if prev else None,
                    buckets,
                    range_start,
                    bucket_starts,
                    prev.kind if prev else CountKind.EXACT,
                )
            )
            break
    return out


def place_milestone(
    threshold: int,
    by: datetime,
    value: int,
    kind: CountKind,
    entered: bool,
    after: datetime | None,
    after_value: int | None,
    buckets: Sequence[tuple[str, int | None]],
    range_start: datetime | None,
    bucket_starts: Sequence[datetime] = (),
    after_kind: CountKind = CountKind.EXACT,
) -> Milestone:
    """The :class:`Milestone` for a threshold first reached at ``by`` (total ``value``), the total
    being ``after_value`` at the observation before (``after``; ``None``: none; ``after_kind`` its
    precision). The bucket is the one holding ``by`` (``None``: before ``range_start``). Interpolates
    only between two exact totals at most :data:`MAX_INTERPOLATION_GAP` apart, and only to a moment
    inside the bucket named; a rounded or lower-bound side gives ``how="at_or_before"`` (kind: the
    weakest of both), a gap ``how="between"``; both with ``at=by``."""
    if range_start is not None and by < range_start:
        bucket = None
    elif bucket_starts and len(bucket_starts) == len(buckets):
        # the bucket holding the crossing observation, whatever the total does later
        bucket = next(
            (label for (label, _), s in zip(buckets[::-1], bucket_starts[::-1], strict=True) if s <= by), None
        )
    else:
        bucket = next((label for label, total in buckets if total is not None and total >= threshold), None)
    if after is None or after_value is None or entered:
        return Milestone(threshold, by, after, by, "at_or_before", bucket, kind)
    if kind is not CountKind.EXACT or after_kind is not CountKind.EXACT:
        # a rounded or lower-bound side: the real values may have crossed earlier; no minute is made up
        return Milestone(threshold, by, after, by, "at_or_before", bucket, weakest_kind((kind, after_kind)))
    if by - after > MAX_INTERPOLATION_GAP:
        return Milestone(threshold, by, after, by, "between", bucket, kind)
    share = (threshold - after_value) / (value - after_value)
    at = min(max(after + (by - after) * share, after), by)
    if bucket is not None and bucket_starts:
        labels = [label for label, _ in buckets]
        pos = labels.index(bucket)
        if pos < len(bucket_starts) and at < bucket_starts[pos]:
            return Milestone(threshold, by, after, by, "between", bucket, kind)
    return Milestone(threshold, at, after, by, "interpolated", bucket, kind)


def difference_kind(later: CountKind, earlier: CountKind) -> CountKind | None:
    """The precision of ``later - earlier`` (README, report section): exact minus exact is exact;
    with rounded (≈) values only it is ≈; a lower bound minus an exact value is a lower bound (≥);
    any other pair with a lower bound has no precision we can show (``None``: unknown)."""
    if CountKind.LOWER_BOUND not in (later, earlier):
        return weakest_kind((later, earlier))
    if later is CountKind.LOWER_BOUND and earlier is CountKind.EXACT:
        return CountKind.LOWER_BOUND
    return None


def sum_kind(kinds: Iterable[CountKind | None]) -> CountKind | None:
    """The precision of a sum of differences (each from :func:`difference_kind`): unknown if any
    part is, or if lower bounds (≥) meet rounded (≈) parts; else the weakest."""
    seen = set(kinds)
    if None in seen or {CountKind.LOWER_BOUND, CountKind.APPROXIMATE} <= seen:
        return None
    return weakest_kind(k for k in seen if k is not None)


@dataclass(frozen=True)
class Projection:
    """When the campaign total would reach its target at the recent pace.

    Method: the growth of the posts seen at both ends of the last 7 days of observations (or of all
    observations when there are fewer, at least 24 hours), divided by the real time between the
    values compared, in days, extended linearly from the newest total. A post's value at the window
    start is its newest observation at or before it, so the span runs from the oldest such
    observation among the posts observed again inside the window (``window_start``) to the newest
    observation. Posts counted for the first time inside the window add to the total, not to the
    pace. Rounding noise is not growth (as in the report's increases).

    Attributes:
        status: ``reached``, ``on_pace`` (``eta`` set), ``not_at_this_pace`` (no growth, or more than
            ten years away), ``stale`` (the date would lie before the report's time, or the newest
            observation is more than 7 days old then: ``window_end`` is that observation),
            ``unknown_pace`` (the growth mixes lower bounds with values whose difference has no
            precision, :func:`difference_kind`), ``not_enough_data`` (under 24 hours of
            observations) or ``gap`` (a value
            compared is older than the window start by more than the window: a gap in the data, no
            recent pace to extend; ``window_start`` is that value's time).
        reached_at: for ``reached``: the interpolated moment (see :class:`Milestone`).
    """

    target: int
    current: int
    current_kind: CountKind
    status: str
    window_start: datetime | None = None
    window_end: datetime | None = None
    per_day: float | None = None
    per_day_kind: CountKind = CountKind.EXACT
    eta: datetime | None = None
    reached_at: Milestone | None = None

    @property
    def pct(self) -> float:
        """Progress to the target in percent, floored to 10^-4 (never shown as reached when not)."""
        return (self.current * 1_000_000 // self.target) / 10_000 if self.target else 0.0


def stale_projection(proj: Projection | None, now: datetime | None) -> Projection | None:
    """``proj`` unless its data are stale at ``now`` (``None``: never): an on-pace date already
    before ``now``, or a newest observation older than :data:`PROJECTION_WINDOW` before ``now``,
    gives ``status="stale"`` (no date, no pace; ``window_end`` is the newest observation)."""
    if proj is None or now is None or proj.status not in ("on_pace", "not_at_this_pace"):
        return proj
    end = proj.window_end
    if (proj.eta is not None and proj.eta < now) or (end is not None and now - end > PROJECTION_WINDOW):
        return Projection(proj.target, proj.current, proj.current_kind, "stale", proj.window_start, end)
    return proj


def _growth(start: Point, end: Point) -> tuple[int, CountKind | None]:
    """A post's growth between two of its values and its precision (:func:`difference_kind`;
    rounding noise and repeated floors are an approximate 0)."""
    approx = start.kind is not CountKind.EXACT or end.kind is not CountKind.EXACT
    diff = end.value - start.value
    if end.kind is CountKind.LOWER_BOUND and end.value <= start.value:
        return 0, CountKind.APPROXIMATE
    if approx and abs(diff) < max(start.granularity, end.granularity):
        return 0, CountKind.APPROXIMATE
    return diff, difference_kind(end.kind, start.kind)


def bits_kind(bits: int) -> CountKind | None:
    """:func:`sum_kind` from the bits of the parts' precisions, as the SQL computes them (1 exact,
    2 ≈, 4 ≥, 8 unknown; ``None``: unknown)."""
    if bits & 8 or (bits & 4 and bits & 2):
        return None
    return CountKind.LOWER_BOUND if bits & 4 else CountKind.APPROXIMATE if bits & 2 else CountKind.EXACT


def projection(
    timelines: Mapping[str, Sequence[Point]],
    total: Sequence[Point],
    target: int | None,
    now: datetime | None = None,
) -> Projection | None:
    """Project the total to ``target`` (``None`` when there is no target or no data); with ``now``
    (the report's time), stale data give ``status="stale"`` (:func:`stale_projection`)."""
    return stale_projection(_projection(timelines, total, target), now)


def _projection(
    timelines: Mapping[str, Sequence[Point]], total: Sequence[Point], target: int | None
) -> Projection | None:
    if not target or not total:
        return None
    last = total[-1]
    # shown as the report's total (a floor counts its rounded parts at their lowest); reached when provable
    current = claimed(last) if last.kind is CountKind.LOWER_BOUND else last.value
    if claimed(last) >= target:
        reached = milestones(total, [target])
        return Projection(target, current, last.kind, "reached", reached_at=reached[0] if reached else None)
    end = last.at
    start = max(total[0].at, end - PROJECTION_WINDOW)
    if end - start < MIN_PROJECTION_SPAN:
        return Projection(target, current, last.kind, "not_enough_data", start, end)
    growth = 0
    kinds: list[CountKind | None] = []
    since = start
    for line in timelines.values():
        a, b = value_at(line, start), value_at(line, end)
        if a is None or b is None:
            continue
        diff, part = _growth(a, b)
        growth += diff
        kinds.append(part)
        if b.at > start:  # observed again inside the window: its growth runs from a.at
            since = min(since, a.at)
    if start - since > PROJECTION_WINDOW:
        return Projection(target, current, last.kind, "gap", since, end)
    start = since
    pace_kind = sum_kind(kinds)
    if pace_kind is None:  # e.g. a "10万+" then a smaller exact value: no honest precision for the pace
        return Projection(target, current, last.kind, "unknown_pace", start, end)
    kind = pace_kind
    days = (end - start).total_seconds() / 86400
    per_day = growth / days
    if per_day <= 0:
        return Projection(target, current, last.kind, "not_at_this_pace", start, end, per_day, kind)
    # compared in days first: a far target at a slow pace is beyond what a timedelta can hold
    need_days = (target - current) / per_day
    if need_days > MAX_PROJECTION / timedelta(days=1):
        return Projection(target, current, last.kind, "not_at_this_pace", start, end, per_day, kind)
    need = timedelta(days=need_days)
    return Projection(target, current, last.kind, "on_pace", start, end, per_day, kind, end + need)


@dataclass(frozen=True)
class AgeValue:
    """A post's views at an age since publication.

    ``interpolated`` is ``True`` when the value lies between two snapshots (linear estimate) and
    ``False`` when a snapshot was taken at exactly that age.
    """

    value: int
    kind: CountKind
    interpolated: bool


def views_at_age(line: Sequence[Point], published: datetime | None, age: timedelta) -> AgeValue | None:
    """Views when the post was ``age`` old, or ``None`` without a snapshot on both sides at most
    :data:`MAX_INTERPOLATION_GAP` apart (a value is not carried nor interpolated over a gap)."""
    if published is None or not line:
        return None
    moment = published + age
    before = value_at(line, moment)
    after = next((p for p in line if p.at >= moment), None)
    if before is None or after is None:
        return None
    if before.at == moment:
        return AgeValue(before.value, before.kind, False)
    if after.at - before.at > MAX_INTERPOLATION_GAP:
        return None
    value = interpolate_count(before.value, after.value, moment - before.at, after.at - before.at)
    return AgeValue(value, weakest_kind((before.kind, after.kind)), True)


def interpolate_count(before: int, after: int, part: timedelta, whole: timedelta) -> int:
    """The count ``part`` of the way through ``whole`` from ``before`` to ``after``, rounded (half to
    even), in exact arithmetic: a float loses digits above 2**53 views, and the result stays within
    the two counts (never above :data:`reach.store.MAX_COUNT`). Raises ``ValueError`` when ``whole``
    is not positive."""
    micro = timedelta(microseconds=1)
    return interpolate_us(before, after, part // micro, whole // micro)


def interpolate_us(before: int, after: int, part: int, whole: int) -> int:
    """:func:`interpolate_count` with the spans in whole microseconds."""
    if whole <= 0:
        raise ValueError("interpolate_count needs a positive span")
    # floor division then the remainder decides: above half up, below down, exactly half to even
    q, r = divmod((after - before) * part, whole)
    if 2 * r > whole or (2 * r == whole and (before + q) % 2):
        q += 1
    return before + q


def ages(line: Sequence[Point], published: datetime | None) -> dict[str, AgeValue | None]:
    return {name: views_at_age(line, published, age) for name, age in AGES}


@dataclass(frozen=True)
class Comparison:
    """The last complete bucket's increase against the one before (this week vs last week).

    Attributes:
        current / previous: bucket labels.
        change_pct: ``None`` when the previous increase was not above zero.
    """

    current: str
    previous: str
    current_increase: int
    previous_increase: int
    kind: CountKind
    change: int
    change_pct: float | None


def comparison(buckets: Sequence[Any], now: datetime) -> Comparison | None:
    """Compare the newest bucket that has ended by ``now`` with the bucket before it.

    ``buckets`` are :class:`reach.report.Bucket` (``label``, ``end``, ``increase``, ``increase_kind``).
    ``None`` when there are not two complete buckets with an increase each.
    """
    complete = [b for b in buckets if b.end <= now]
    if len(complete) < 2:
        return None
    cur, prev = complete[-1], complete[-2]
    if cur.increase is None or prev.increase is None:
        return None
    kind = difference_kind(cur.increase_kind, prev.increase_kind)
    if kind is None:  # e.g. a lower bound minus a lower bound: no honest precision for the change
        return None
    change = cur.increase - prev.increase
    pct = cut_fraction(change, prev.increase) if prev.increase > 0 else None  # floored, as shown
    return Comparison(cur.label, prev.label, cur.increase, prev.increase, kind, change, pct)
