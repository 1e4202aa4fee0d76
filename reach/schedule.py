"""When a post is due for its next sample: ``reach collect --due``.

A young post changes fast and an old one slowly, so the sampling interval grows with the post's
age (from ``published_at``, else from when it was added). The default::

    1h until 1d, 6h until 7d, 1d until 30d, then 7d

reads "every hour for the first day, every 6 hours to day 7, daily to day 30, weekly after".
A schedule may end in ``then stop`` (no more samples after the last age). Units: ``m``, ``h``,
``d``, ``w``. Set it in ``config.toml`` (``schedule = "..."``) and per campaign
(``[campaigns."禁毒宣传"]`` ``schedule = "..."``); a post in several campaigns follows the most
frequent of their schedules.

Due-ness is computed from the *start of the run* that last sampled the post successfully, so a
run that is late (a missed night, a suspended laptop) collects each overdue post once, not once per
missed slot. A little slack (a quarter of the interval, at most 15 minutes) keeps a post from
slipping one cron tick every time. A post whose last attempt failed is retried with a growing
pause (15 min, 30 min, 1 h, ... never more often than its interval) so a blocked platform is not
hammered every 15 minutes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import ConfigError

DEFAULT_SCHEDULE = "1h until 1d, 6h until 7d, 1d until 30d, then 7d"
MAX_SLACK = timedelta(minutes=15)
FIRST_RETRY = timedelta(minutes=15)

_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)


def parse_duration(text: str) -> timedelta:
    """``"90m"``, ``"6h"``, ``"1.5d"``, ``"2w"`` as a :class:`timedelta`.

    Raises:
        ConfigError: not a positive number with a unit m, h, d or w.
    """
    m = _DURATION.match(text)
    if not m or float(m.group(1)) <= 0:
        raise ConfigError(f"{text.strip()!r} is not a duration: write a number and a unit, e.g. 30m, 6h, 1d, 2w")
    return timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)[0].lower()])


@dataclass(frozen=True)
class Schedule:
    """Sampling intervals by post age.

    Attributes:
        steps: ``(interval, until_age)`` in increasing age order.
        after: the interval once the post is older than the last ``until_age`` (``None``: stop).
        text: the schedule as written.
    """

    steps: tuple[tuple[timedelta, timedelta], ...]
    after: timedelta | None
    text: str

    def interval(self, age: timedelta) -> timedelta | None:
        """The sampling interval for a post of this age (``None``: no more samples)."""
        for every, until in self.steps:
            if age < until:
                return every
        return self.after


def parse_schedule(text: str) -> Schedule:
    """Read ``"1h until 1d, 6h until 7d, 1d until 30d, then 7d"`` (``then stop`` ends sampling).

    Raises:
        ConfigError: with the part that could not be read and an example.
    """
    example = f'write e.g. "{DEFAULT_SCHEDULE}"'
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise ConfigError(f"the schedule is empty: {example}")
    steps: list[tuple[timedelta, timedelta]] = []
    after: timedelta | None = None
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        words = part.split()
        try:
            if len(words) == 3 and words[1].lower() == "until":
                every, until = parse_duration(words[0]), parse_duration(words[2])
                if steps and until <= steps[-1][1]:
                    raise ConfigError(f"ages must grow: {part!r} comes after {steps[-1][1]}")
                steps.append((every, until))
                if last:
                    after = every
            elif last and words and words[0].lower() == "then" and len(words) == 2:
                after = None if words[1].lower() == "stop" else parse_duration(words[1])
            elif last and len(words) == 1:
                after = parse_duration(words[0])
            else:
                raise ConfigError(f"cannot read {part!r}")
        except ConfigError as exc:
            raise ConfigError(f"schedule {text!r}: {exc}; {example}") from None
    return Schedule(tuple(steps), after, text)


DEFAULT = parse_schedule(DEFAULT_SCHEDULE)


@dataclass(frozen=True)
class PostState:
    """What the store remembers of a post's collection attempts (table ``post_state``)."""

    post_key: str
    last_attempt_at: datetime | None = None
    last_ok_at: datetime | None = None
    last_status: str | None = None
    last_message: str | None = None
    fail_streak: int = 0
    unavailable_streak: int = 0
    flag: str | None = None
    flagged_at: datetime | None = None


def next_due(state: PostState | None, schedule: Schedule, born: datetime, now: datetime) -> datetime | None:
    """When the post should next be sampled (``None``: never again). A time ``<= now`` means due.

    Args:
        state: the post's attempt history (``None``: never tried).
        schedule: the post's schedule; the interval is the one for the post's age ``now``.
        born: when the post was published (else added): the origin of its age.
        now: the current time (UTC).
    """
    every = schedule.interval(max(now - born, timedelta(0)))
    if every is None:
        return None
    if state is None:
        return now
    due = now if state.last_ok_at is None else state.last_ok_at + every - min(every / 4, MAX_SLACK)
    if state.last_status not in (None, "ok") and state.last_attempt_at is not None and state.fail_streak > 0:
        pause = min(FIRST_RETRY * (2 ** min(state.fail_streak - 1, 10)), every)
        due = max(due, state.last_attempt_at + pause - min(pause / 4, MAX_SLACK))
    return due


def most_frequent(schedules: Iterable[Schedule]) -> Schedule:
    """One schedule for a post in several campaigns: the one with the shortest first interval."""
    chosen = list(schedules)
    if not chosen:
        return DEFAULT
    return min(chosen, key=lambda s: s.steps[0][0] if s.steps else s.after or timedelta.max)


def schedule_for(
    campaigns: Iterable[str], per_campaign: Mapping[str, Schedule], default: Schedule = DEFAULT
) -> Schedule:
    """The schedule of a post in these campaigns (campaigns without their own schedule use ``default``)."""
    names = list(campaigns)
    if not names:
        return default
    return most_frequent(per_campaign.get(name, default) for name in names)
