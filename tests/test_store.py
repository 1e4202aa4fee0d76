"""DuckDB store: schema, append-only snapshots, idempotence, locking, bad paths."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import time
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
        with pytest.raises(DatabaseBusy, match="in use by another process"):
            Store(path, lock_timeout=0.5)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    Store(path, lock_timeout=5).close()  # released: opens again, nothing corrupted


SLOW_COLLECT = """
import sys, time, httpx
from reach.config import Settings
from reach.tracker import Tracker

def handler(request):
    time.sleep(0.4)
    bvid = request.url.params["bvid"]
    return httpx.Response(200, json={"code": 0, "data": {"bvid": bvid, "stat": {"view": 5, "like": 1, "reply": 0}}})

settings = Settings(db=None, min_interval={"*": 0.0}, retry_backoff=0.0, lock_timeout=float(sys.argv[2]))
with Tracker(sys.argv[1], settings=settings, transport=httpx.MockTransport(handler)) as t:
    print("start", flush=True)
    s = t.collect()
    print("done", s.ok, flush=True)
"""


def test_reports_can_read_during_a_long_collect_and_runs_do_not_overlap(tmp_path: Path) -> None:
    from reach.tracker import Tracker

    db = tmp_path / "cron.duckdb"
    with Tracker(db) as t:
        t.add(*[f"av{n}" for n in range(1650000001, 1650000007)], campaign="禁毒")
    script = tmp_path / "slow.py"
    script.write_text(SLOW_COLLECT)
    first = subprocess.Popen([sys.executable, str(script), str(db), "5"], stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout is not None and first.stdout.readline().strip() == "start"
        time.sleep(0.3)
        # a second run does not overlap: it waits, then gives up with a clear message
        second = subprocess.run([sys.executable, str(script), str(db), "0.2"], capture_output=True, text=True)
        assert second.returncode != 0 and "another `reach collect` is running" in second.stderr
        # meanwhile a report can open the file between the first run's writes
        with Store(db, lock_timeout=5, create=False) as store:
            assert store.con.execute("SELECT count(*) FROM posts").fetchone() == (6,)
        out, _ = first.communicate(timeout=30)
        assert "done 6" in out
    finally:
        first.kill()
        first.wait()
        if first.stdout is not None:
            first.stdout.close()
    with Store(db) as store:
        assert store.con.execute("SELECT count(*) FROM snapshots").fetchone() == (6,)
        assert store.con.execute("SELECT count(*) FROM runs").fetchone() == (1,)


def test_a_file_from_a_newer_duckdb_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file written by a newer DuckDB (2.x files cannot be read by 1.5) names the cause and the way out."""
    import duckdb

    path = tmp_path / "newer.duckdb"
    path.write_bytes(b"\0" * 4096)

    def refuse(*args: object, **kwargs: object) -> None:
        raise duckdb.IOException(
            "IO Error: Trying to read a database file with version number 999, but we can only read versions "
            "between 64 and 68.\nThe database file was created with an newer version of DuckDB."
        )

    monkeypatch.setattr(duckdb, "connect", refuse)
    with pytest.raises(ConfigError, match="written by a newer DuckDB"):
        Store(path)
