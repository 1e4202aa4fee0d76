"""DuckDB store: schema, append-only snapshots, idempotence, locking, bad paths."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from reach.errors import ConfigError, DatabaseBusy, InputError, NotFound
from reach.models import Count, CountKind, Metrics, PostRef, Snapshot
from reach.store import SCHEMA_VERSION, Store

T0 = datetime(2026, 6, 20, 13, 0, tzinfo=timezone.utc)
REF = PostRef("bilibili", "BV1a7421K7Qg")


def snap(at: datetime, views: Count | None, source: str = "manual") -> Snapshot:
    return Snapshot(
        REF.post_key,
        at,
        Metrics(views=views, likes=Count.exact(0), extra={"coins": Count.exact(7)}),
        title="标题",
        source=source,
    )


def test_schema_and_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "r.duckdb"
    Store(path).close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        tables = {r[0] for r in store.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert {
            "posts",
            "campaigns",
            "campaign_posts",
            "snapshots",
            "runs",
            "run_outcomes",
            "schema_migrations",
            "latest_snapshots",
            "post_latest",
        } <= tables
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_add_post_and_campaign_round_trip() -> None:
    store = Store()
    name = "对毒品说NO，对青春说YES'; DROP TABLE posts; --\u202e😀"
    assert store.add_post(REF, campaign=name) is True
    assert store.add_post(REF, campaign=name) is False
    assert [c.name for c in store.campaigns()] == [name]
    assert [p.post_key for p in store.posts(campaign=name)] == [REF.post_key]
    with pytest.raises(NotFound, match="no campaign named"):
        store.posts(campaign="missing")


def test_snapshots_append_only_with_precision_and_none() -> None:
    store = Store()
    store.add_post(REF)
    store.add_snapshot(snap(T0, Count(12000, CountKind.APPROXIMATE, 1000, "1.2万")))
    store.add_snapshot(snap(T0 + timedelta(hours=1), None))
    store.add_snapshot(snap(T0 + timedelta(hours=1), None))  # same observation again: one row
    rows = store.snapshots(REF.post_key)
    assert len(rows) == 2
    first, second = rows
    assert first.metrics.views == Count(12000, CountKind.APPROXIMATE, 1000, "1.2万")
    assert second.metrics.views is None  # not shown stays NULL, never 0
    assert second.metrics.likes == Count.exact(0)
    assert first.metrics.extra == {"coins": Count.exact(7)}
    assert store.con.execute("SELECT views FROM snapshots ORDER BY collected_at").fetchall() == [(12000,), (None,)]
    assert store.posts()[0].title == "标题"


def test_snapshot_needs_tracked_post_and_aware_time() -> None:
    store = Store()
    with pytest.raises(NotFound):
        store.add_snapshot(snap(T0, Count.exact(1)))
    store.add_post(REF)
    with pytest.raises(InputError, match="time zone"):
        store.add_snapshot(snap(datetime(2026, 6, 20, 13, 0), Count.exact(1)))
    assert store.con.execute("SELECT count(*) FROM snapshots").fetchone() == (0,)


@pytest.mark.parametrize("kind", ["missing_folder", "folder", "not_duckdb"])
def test_bad_paths(tmp_path: Path, kind: str) -> None:
    path = {"missing_folder": tmp_path / "nope" / "r.duckdb", "folder": tmp_path, "not_duckdb": tmp_path / "x.duckdb"}[
        kind
    ]
    if kind == "not_duckdb":
        path.write_text("this is not a database")
    with pytest.raises(ConfigError):
        Store(path)
    assert not (tmp_path / "nope").exists()


def test_missing_database_when_not_creating(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="reach add"):
        Store(tmp_path / "none.duckdb", create=False)
    assert not (tmp_path / "none.duckdb").exists()


def test_second_process_waits_then_reports_busy(tmp_path: Path) -> None:
    path = tmp_path / "busy.duckdb"
    Store(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time, duckdb
            con = duckdb.connect({str(path)!r})
            print("held", flush=True)
            time.sleep(20)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseBusy, match="in use by another reach process"):
            Store(path, lock_timeout=0.5)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    Store(path, lock_timeout=5).close()  # released: opens again, nothing corrupted
