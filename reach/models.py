"""The data contract: what a post, a count, a snapshot and an outcome are.

Every value here is an immutable dataclass. The rules that matter most:

* A :class:`Count` carries its *precision*: ``"1.2万"`` is ``Count(12000, APPROXIMATE, 1000, "1.2万")``,
  ``"10万+"`` is ``Count(100000, LOWER_BOUND, 10000, "10万+")``. Values are Python ints (arbitrary size);
  the database stores them as BIGINT.
* In :class:`Metrics`, ``None`` means *the platform did not show this counter*; a ``Count`` whose value
  is ``0`` means the platform showed zero in a successful response. Never the other way round.
* Only an :class:`Outcome` whose status is ``ok`` carries a :class:`Snapshot`; every error outcome
  (deleted post, captcha, login wall, quota, changed page) has a message and no numbers.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

METRIC_NAMES: tuple[str, ...] = ("views", "likes", "comments", "shares", "favorites")
"""The five standard counters, in report order."""


class CountKind(str, enum.Enum):
    """How precise a :class:`Count` is."""

    EXACT = "exact"
    """The platform showed every digit (``1234``, ``"1,234 views"``)."""
    APPROXIMATE = "approximate"
    """The platform rounded or truncated (``"1.2万"``, ``"3.4M"``); see ``Count.granularity``."""
    LOWER_BOUND = "lower_bound"
    """The platform showed a floor (``"10万+"``, ``"100万+"``): the true value is at least ``value``."""


def weakest_kind(kinds: Iterable[CountKind]) -> CountKind:
    """The precision of a sum or a comparison of counts: a lower bound if any part is one, else
    approximate if any part is, else exact."""
    seen = set(kinds)
    for kind in (CountKind.LOWER_BOUND, CountKind.APPROXIMATE):
        if kind in seen:
            return kind
    return CountKind.EXACT


@dataclass(frozen=True)
class Count:
    """One counter as a platform showed it.

    Attributes:
        value: the count (number of plays, likes, ...), a non-negative int; ``None`` only for a
            displayed string that held no number (kept for audit; reports treat it as missing).
        kind: exact, approximate or lower_bound.
        granularity: the unit of the last shown digit: 1 for exact, 1000 for ``"1.2万"``,
            100000 for ``"3.4M"`` ... A change smaller than this is not growth.
        raw: the text the platform showed, or ``None`` when it sent a JSON number.
    """

    value: int | None
    kind: CountKind = CountKind.EXACT
    granularity: int = 1
    raw: str | None = None

    @classmethod
    def exact(cls, value: int, raw: str | None = None) -> Count:
        """An exact count (``granularity`` 1)."""
        return cls(value, CountKind.EXACT, 1, raw)

    @property
    def is_exact(self) -> bool:
        return self.kind is CountKind.EXACT

    @property
    def low(self) -> int | None:
        """Smallest value the true count can have (covers both rounding and truncation)."""
        if self.value is None:
            return None
        if self.kind is CountKind.APPROXIMATE:
            return max(0, self.value - self.granularity // 2)
        return self.value

    @property
    def high(self) -> int | None:
        """Largest value the true count can have; ``None`` for a lower bound (no ceiling)."""
        if self.value is None or self.kind is CountKind.LOWER_BOUND:
            return None
        if self.kind is CountKind.APPROXIMATE:
            return self.value + self.granularity - 1
        return self.value

    def to_dict(self) -> dict[str, Any]:
        """``{"value", "kind", "granularity", "raw"}``: the shape of ``reach parse --format json``."""
        return {
            "value": self.value,
            "kind": self.kind.value,
            "granularity": self.granularity,
            "raw": self.raw,
        }


@dataclass(frozen=True)
class Metrics:
    """The counters of one post at one moment.

    Each standard counter is a :class:`Count` or ``None`` (not shown by the platform).
    ``extra`` holds platform-specific counters (bilibili ``coins`` and ``danmaku``, ...).
    """

    views: Count | None = None
    likes: Count | None = None
    comments: Count | None = None
    shares: Count | None = None
    favorites: Count | None = None
    extra: Mapping[str, Count] = field(default_factory=dict)

    def get(self, name: str) -> Count | None:
        """The counter called ``name`` (one of :data:`METRIC_NAMES` or an ``extra`` key)."""
        if name in METRIC_NAMES:
            value: Count | None = getattr(self, name)
            return value
        return self.extra.get(name)

    def to_dict(self) -> dict[str, Any]:
        """``{"views": {...} | None, ..., "extra": {name: {...}}}``."""
        out: dict[str, Any] = {}
        for name in METRIC_NAMES:
            count = self.get(name)
            out[name] = count.to_dict() if count is not None else None
        out["extra"] = {k: v.to_dict() for k, v in sorted(self.extra.items())}
        return out


@dataclass(frozen=True)
class PostRef:
    """Which post: a platform key and that platform's canonical post id.

    ``post_key`` (``"bilibili:BV1xx411c7mD"``) is the identity used everywhere. Every URL form of one
    post maps to the same key. ``params`` holds fetch parameters that are not identity (a share token,
    a part number): they never take part in equality or the key.
    """

    platform: str
    post_id: str
    url: str | None = field(default=None, compare=False)
    params: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def post_key(self) -> str:
        return f"{self.platform}:{self.post_id}"

    def __str__(self) -> str:
        return self.post_key


@dataclass(frozen=True)
class ParsedPost:
    """What a collector's pure ``parse`` function read from one response.

    ``published_at`` is tz-aware UTC; ``warnings`` lists counters that were expected but absent.
    ``published_text`` is a publication time the page shows only relative to the moment it was
    read ("3小时前", "昨天 14:02", "06-14"): ``parse`` is pure and has no clock, so the engine places
    it on the time line with :func:`reach.times.parse_time` against the snapshot time, in the
    collector's ``zone``.
    """

    platform: str
    post_id: str
    metrics: Metrics
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    warnings: tuple[str, ...] = ()
    published_text: str | None = None

    @property
    def post_key(self) -> str:
        return f"{self.platform}:{self.post_id}"


@dataclass(frozen=True)
class Snapshot:
    """One observation of one post, as stored (append-only) in the ``snapshots`` table.

    Attributes:
        post_key: ``platform:post_id``.
        collected_at: when the counters were read, tz-aware UTC.
        metrics: the counters.
        source: ``"<collector>@<version>"``, ``"manual"`` or ``"import:<file>"``.
        run_id: the collection run that took it (``None`` for manual entries).
    """

    post_key: str
    collected_at: datetime
    metrics: Metrics
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    source: str = "manual"
    run_id: str | None = None
    note: str | None = None


class OutcomeStatus(str, enum.Enum):
    """The result of trying to collect one post in one run. Only ``OK`` writes a snapshot."""

    OK = "ok"
    UNAVAILABLE = "unavailable"
    """Deleted, private, owner-only, under review or region-locked."""
    BLOCKED = "blocked"
    """Captcha, risk control, login wall, HTTP 403/412/461: back off, try later."""
    AUTH_REQUIRED = "auth_required"
    """Cookies or an API key are missing, invalid or expired."""
    RATE_LIMITED = "rate_limited"
    """Too many requests or a used-up quota."""
    NOT_SUPPORTED = "not_supported"
    """The platform shows no public counter this way (owner data: use ``reach record``/``import``)."""
    PARSE_ERROR = "parse_error"
    """The response was not in the expected shape: the platform changed, or the collector is wrong."""
    NETWORK_ERROR = "network_error"
    """No usable HTTP answer (DNS, connection, timeout, 5xx after retries)."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one post in one run.

    ``snapshot`` is set exactly when ``status`` is ``OK``. ``message`` is written for a person and says
    what to do; it never contains cookies or keys.
    """

    post_key: str
    status: OutcomeStatus
    message: str = ""
    snapshot: Snapshot | None = None
    http_status: int | None = None

    @property
    def ok(self) -> bool:
        return self.status is OutcomeStatus.OK


@dataclass(frozen=True)
class RunSummary:
    """What one collection run did: how many posts ended in each status, and the failures."""

    run_id: str
    started_at: datetime
    finished_at: datetime
    counts: Mapping[OutcomeStatus, int]
    failures: tuple[Outcome, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def ok(self) -> int:
        return self.counts.get(OutcomeStatus.OK, 0)

    @property
    def all_ok(self) -> bool:
        return self.ok == self.total
