"""Times in every form platforms and exports show them, to the right UTC instant."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reach.times import from_unix, parse_time, zone_of

UTC = timezone.utc
# 2026-06-21 00:30 in Beijing = 2026-06-20 16:30 UTC: "yesterday" differs between the two zones.
NOW = datetime(2026, 6, 20, 16, 30, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1712025869, utc(2024, 4, 2, 2, 44, 29)),
        ("1712025869", utc(2024, 4, 2, 2, 44, 29)),
        (1712025869123, utc(2024, 4, 2, 2, 44, 29, 123000)),  # milliseconds (Kuaishou, Xiaohongshu)
        ("Tue Apr 02 10:44:29 +0800 2024", utc(2024, 4, 2, 2, 44, 29)),  # Weibo
        ("Sun Jan 01 07:00:00 +0800 2023", utc(2022, 12, 31, 23, 0, 0)),  # the day before in UTC
        ("2023-03-05T17:30:00-08:00", utc(2023, 3, 6, 1, 30)),
        ("2024-04-02T02:44:29Z", utc(2024, 4, 2, 2, 44, 29)),
        ("2024-04-02 10:44", utc(2024, 4, 2, 2, 44)),  # Beijing wall clock
        ("2024/04/02 10:44:29", utc(2024, 4, 2, 2, 44, 29)),
        ("2026年04月12日13时43分03秒", utc(2026, 4, 12, 5, 43, 3)),  # Xiaohongshu export
        ("2026年4月12日", utc(2026, 4, 11, 16, 0)),  # day precision: start of that Beijing day
        ("2024-04-02", utc(2024, 4, 1, 16, 0)),
        ("刚刚", NOW),
        ("3分钟前", NOW - timedelta(minutes=3)),
        ("3小时前", NOW - timedelta(hours=3)),
        ("2天前", NOW - timedelta(days=2)),
        ("3 hours ago", NOW - timedelta(hours=3)),
        ("an hour ago", NOW - timedelta(hours=1)),
        ("昨天 14:02", utc(2026, 6, 20, 6, 2)),  # yesterday in Beijing = 20 June, not 19 June
        ("前天 09:15", utc(2026, 6, 19, 1, 15)),
        ("今天 00:10", utc(2026, 6, 20, 16, 10)),
        ("00:10", utc(2026, 6, 20, 16, 10)),
        ("06-14", utc(2026, 6, 13, 16, 0)),
        ("06-14 10:00", utc(2026, 6, 14, 2, 0)),
        ("12-30", utc(2025, 12, 29, 16, 0)),  # no year: the most recent 30 December, last year
        ("6月14日", utc(2026, 6, 13, 16, 0)),
    ],
)
def test_parse_time(value: object, expected: datetime) -> None:
    assert parse_time(value, now=NOW) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        0,
        -5,
        True,
        "",
        "   ",
        "soon",
        "2024-04-02T10:44:29",
        "25:00",
        "今天 23:59",
        "13-45",
        "2024-02-30",
        "Tue Foo 02 10:44:29 +0800 2024",
        10**20,
        [],
        1.5,
    ],
)
def test_unplaceable_times_are_none(value: object) -> None:
    # a zone-less ISO time is not guessed; a clock time later today is not "today" yet
    assert parse_time(value, now=NOW) is None


def test_other_zone() -> None:
    assert parse_time("2024-04-02 10:44", zone="UTC") == utc(2024, 4, 2, 10, 44)
    assert parse_time("昨天 14:02", now=NOW, zone="UTC") == utc(2026, 6, 19, 14, 2)
    with pytest.raises(ValueError, match="unknown time zone"):
        zone_of("Mars/Olympus")


def test_aware_and_naive_datetimes() -> None:
    assert parse_time(datetime(2024, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))) == utc(2024, 1, 1)
    assert parse_time(datetime(2024, 1, 1, 8)) is None
    assert from_unix("0") is None


@given(st.text(max_size=40))
def test_never_crashes(text: str) -> None:
    result = parse_time(text, now=NOW)
    assert result is None or (result.tzinfo is not None and result.utcoffset() == timedelta(0))


@given(st.integers(min_value=0, max_value=10**7))
def test_relative_forms_never_in_the_future(minutes: int) -> None:
    result = parse_time(f"{minutes}分钟前", now=NOW)
    assert result is not None and result <= NOW


def test_absurd_relative_times_are_none() -> None:
    assert parse_time("99999999999999天前", now=NOW) is None
    assert parse_time("２０２４年４月２日", now=NOW) == utc(2024, 4, 1, 16, 0)  # full-width digits
