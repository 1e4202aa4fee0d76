"""Write throughput of 1, 2 and 4 concurrent collectors into one DuckLake, beside one DuckDB file.

Each collector is a process that writes what the collection engine writes: ``Store.record_outcomes``
batches (one transaction each) of ok outcomes with their snapshots, for posts of its own. The figure is
snapshots committed per second by all collectors together, from the moment they all hold an open store
until the last one finishes. The single-file figure has one collector (a DuckDB file takes one writer
process). Run by ``bench/run.py --only lake`` (needs the ``lake`` extra; a PostgreSQL catalog is measured
too when ``REACH_BENCH_PG`` holds a connection string such as ``host=127.0.0.1 port=5432 user=reach``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
T0 = datetime(2026, 6, 20, tzinfo=timezone.utc)
SIZES = {"quick": (10, 20), "full": (40, 50)}  # batches per collector, outcomes per batch


def _refs(worker: int, per_batch: int) -> list[Any]:
    from reach.models import PostRef

    return [PostRef("bilibili", f"BV1{worker:02d}x{n:06d}") for n in range(per_batch)]


def child(db: str, worker: int, batches: int, per_batch: int, data_path: str) -> None:
    """One collector: open the store, say ready, wait for "go", write, print the seconds it took."""
    from reach.models import Count, Metrics, Outcome, OutcomeStatus, Snapshot
    from reach.store import Store

    store = Store(db, lock_timeout=120.0, data_path=data_path or None)
    refs = _refs(worker, per_batch)
    print("ready", flush=True)
    sys.stdin.readline()
    run_id = store.begin_run(f"bench worker {worker}")
    for b in range(batches):
        at = T0 + timedelta(minutes=b)
        store.record_outcomes(
            run_id,
            [
                Outcome(
                    ref.post_key,
                    OutcomeStatus.OK,
                    snapshot=Snapshot(ref.post_key, at, Metrics(views=Count.exact(1000 + b)), source="bilibili@1"),
                )
                for ref in refs
            ],
        )
    store.close()


def measure(db: str, workers: list[int], batches: int, per_batch: int, data_path: str = "") -> float:
    """Snapshots per second written by one process per worker id, all at once, into ``db`` (their posts
    added first). Checks that every snapshot landed exactly once."""
    from reach.store import Store

    def counts() -> tuple[int, int]:
        with Store(db, lock_timeout=120.0, data_path=data_path or None) as store:
            row = store.con.execute("SELECT count(*), count(DISTINCT snapshot_id) FROM snapshots").fetchone()
            return (int(row[0]), int(row[1])) if row else (0, 0)

    with Store(db, lock_timeout=120.0, data_path=data_path or None) as store:
        for w in workers:
            for ref in _refs(w, per_batch):
                store.add_post(ref)
    before = counts()
    procs = [
        subprocess.Popen(
            [sys.executable, str(Path(__file__)), "--child", db, str(w), str(batches), str(per_batch), data_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for w in workers
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        p.communicate(timeout=900)
        if p.returncode:
            raise RuntimeError(f"bench collector failed (exit {p.returncode})")
    wall = time.perf_counter() - started
    expected = len(workers) * batches * per_batch
    after = counts()
    if (after[0] - before[0], after[1] - before[1]) != (expected, expected):
        raise RuntimeError(f"expected {expected} new snapshots, each once; found {after} after {before}")
    return expected / wall


def section(quick: bool, workdir: Path, header: Any, line: Any) -> None:
    """The bench section: prints snapshots/s for the file and for 1, 2, 4 collectors per lake kind."""
    header("(g) lake: write throughput of concurrent collectors into one DuckLake vs one DuckDB file")
    try:
        from reach.lake import extension_file

        for name in ("ducklake", "sqlite"):
            extension_file(name)
    except Exception as exc:  # noqa: BLE001 - the section is optional
        line("skipped", str(exc))
        return
    batches, per_batch = SIZES["quick" if quick else "full"]
    line("workload", f"each collector: {batches} transactions x {per_batch} snapshots (Store.record_outcomes)")
    single = measure(str(workdir / "lake-bench.duckdb"), [0], batches, per_batch)
    line("DuckDB file, 1 collector", f"{single:,.0f} snapshots/s")
    kinds = [("SQLite catalog", f"ducklake:sqlite:{workdir}/lake-bench.sqlite", "")]
    pg = os.environ.get("REACH_BENCH_PG")
    if pg:
        kinds.append(("PostgreSQL catalog", f"ducklake:postgres:{pg}", str(workdir / "lake-bench-pg")))
    for label, target, data_path in kinds:
        first = 1
        for n in (1, 2, 4):
            workers = list(range(first, first + n))  # new posts each round
            first += n
            rate = measure(target, workers, batches, per_batch, data_path)
            line(f"{label}, {n} collector(s)", f"{rate:,.0f} snapshots/s = {rate / single:.2f}x the file")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
