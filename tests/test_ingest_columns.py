"""The column builders of the bulk snapshot write (``Store.add_snapshots``): the vectorised time formatter
prints what ``datetime.isoformat`` prints (so ids are those of ``snapshot_id``), and batches whose
counters are all present, partly missing or shown without a number store what ``add_snapshot`` stores."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from reach.models import Count, CountKind, Metrics, PostRef, Snapshot
from reach.store import _EPOCH, Store, _iso_utc_many, _IsoUtc

T0 = datetime(2026, 6, 20, 13, 0, tzinfo=timezone.utc)
LOW, HIGH = -62_135_596_800_000_000, 253_402_300_799_999_999  # 0001-01-01 .. 9999-12-31T23:59:59.999999


def test_vectorised_stamps_are_isoformat_for_years_1_to_9999() -> None:
    edges = [LOW, LOW + 1, HIGH, HIGH - 999_999, 0, -1, -1_000_000, -999_999, 1, 999_999, 1_000_000]
    edges += [
        (datetime(y, 2, 28, 23, 59, 59, tzinfo=timezone.utc) - _EPOCH) // timedelta(microseconds=1)
        for y in (4, 100, 999, 1000, 1600, 1900, 2000, 2024, 9996)
    ]
    rnd = random.Random(20)
    micros = edges + [rnd.randrange(LOW, HIGH + 1) for _ in range(30_000)]
    micros += [m - m % 1_000_000 for m in micros[-10_000:]]  # whole seconds: no fraction printed
    micros += [m - m % 1_000 for m in micros[-10_000:]]  # whole milliseconds: still six digits
    stamp = _IsoUtc()
    expected = [(_EPOCH + timedelta(microseconds=m)).isoformat() for m in micros]
    assert _iso_utc_many(micros) == expected
    assert [stamp(m) for m in micros] == expected
    assert _iso_utc_many([]) == []


REFS = [PostRef("bilibili", f"BV1a7421K7{i:02d}") for i in range(6)]


def _random_count(rnd: random.Random, shape: str) -> Count | None:
    if shape == "all" or rnd.random() < 0.7:
        if rnd.random() < 0.2:
            return Count(rnd.randrange(10) * 1000, CountKind.APPROXIMATE, 1000, f"{rnd.randrange(10)}千")
        return Count(rnd.randrange(1_000_000), raw=None if rnd.random() < 0.8 else "1,234")
    if shape == "text" and rnd.random() < 0.5:
        return Count(None, raw="评论")  # shown as text without a number
    return None


def _random_snapshots(rnd: random.Random, n: int, shape: str) -> list[Snapshot]:
    out = []
    for i in range(n):
        counts = [_random_count(rnd, shape) for _ in range(5)]
        plain = shape == "all"
        out.append(
            Snapshot(
                REFS[i % len(REFS)].post_key,
                T0 + timedelta(seconds=i, microseconds=rnd.choice((0, 0, 1, 250_000))),
                Metrics(*counts, extra={} if plain or rnd.random() < 0.8 else {"coins": Count(i)}),
                title=None if plain or rnd.random() < 0.7 else f"t{i}",
                author=None if plain or rnd.random() < 0.8 else "作者",
                published_at=None if plain or rnd.random() < 0.8 else T0 - timedelta(days=i),
                source="bilibili@1",
                run_id=None if rnd.random() < 0.1 else f"r{i % 3}",
                note=None if plain or rnd.random() < 0.9 else "\ud83d broken",
            )
        )
    return out


def _dump(store: Store) -> tuple[list[Any], list[Any]]:
    snaps = store.con.execute("SELECT * FROM snapshots ORDER BY snapshot_id").fetchall()
    posts = store.con.execute("SELECT post_key, title, author, published_at FROM posts ORDER BY 1").fetchall()
    return snaps, posts


def test_bulk_columns_match_the_one_at_a_time_path_for_every_batch_shape() -> None:
    rnd = random.Random(7)
    for shape in ("all", "missing", "text"):
        snaps = _random_snapshots(rnd, 300, shape)
        one, bulk = Store(":memory:"), Store(":memory:")
        for store in (one, bulk):
            for ref in REFS:
                store.add_post(ref)
        for snap in snaps:
            one.add_snapshot(snap)
        assert bulk.add_snapshots(snaps, chunk=128) == len(snaps)
        assert _dump(bulk) == _dump(one), shape
