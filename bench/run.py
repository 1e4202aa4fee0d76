"""reach performance suite (issue 10): every figure is a ratio measured side by side in this one run.

    .venv/bin/python bench/run.py            # the issue's sizes (takes several minutes: see README)
    .venv/bin/python bench/run.py --quick    # small sizes, under a minute
    .venv/bin/python bench/run.py --only collect,startup

Sections (each prints the figure, its target, the reference it is compared with, and the ratio):

* collect  - the collection engine against a loopback replay server (50 ms per response, per-platform
             concurrency limits) vs the ideal wall time and vs a plain sequential loop of httpx calls and
             inserts; the politeness limits as observed (minimum gap between request starts, most in flight).
* ingest   - snapshots written through ``Store.add_snapshots`` vs a bulk DuckDB insert of the same rows
             from Arrow (or from a generated relation when pyarrow is missing).
* report   - ``build_report`` (daily) of a campaign of P posts x S snapshots vs one hand-written DuckDB query
             computing the same daily totals and increases (the numbers are checked to be equal). The timed
             report follows a new collection run (one more snapshot of every post), so it includes bringing
             the day table (``reach.days``) up to date; the first report (which builds that table from every
             snapshot) and a report reading every snapshot (the table switched off) are printed beside it.
* memory   - peak RSS of a process collecting many posts through the replay server.
* startup  - ``reach --help`` and ``reach posts`` on an empty database vs ``python -c pass``.
* scaling  - cost per post / per snapshot at 1x, 10x and 100x (``report-scaling``: the reports' part alone,
             e.g. ``--only report,report-scaling``).
* lake     - write throughput of 1, 2 and 4 concurrent collector processes into one DuckLake (SQLite catalog;
             PostgreSQL too with REACH_BENCH_PG) beside one DuckDB file (bench/lake.py; needs the lake extra).

Timings are wall-clock (``time.perf_counter``); each pair is run interleaved and the best of the repeats is
kept, because the machine is shared. Nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from replay import LoopbackTransport, SyncLoopbackTransport, politeness  # noqa: E402

FULL = {
    "collect_posts": 2_000,
    "ingest": 1_000_000,
    "report_big": (10_000, 1_000),
    "report_small": (1_000, 1_000),
    "memory_posts": 100_000,
    "repeats": 3,
}
QUICK = {
    "collect_posts": 120,
    "ingest": 50_000,
    "report_big": (1_000, 100),
    "report_small": (100, 100),
    "memory_posts": 3_000,
    "repeats": 2,
}
LATENCY = 0.05
# platform -> (max_concurrency, min_interval): the politeness limits the bench collectors run with
LIMITS: dict[str, tuple[int, float]] = {
    "bilibili": (4, 0.0),
    "douyin": (2, 0.0),
    "kuaishou": (3, 0.0),
    "weibo": (4, 0.0),
    "xiaohongshu": (4, 0.02),
    "wechat_channels": (2, 0.0),
}
HOST_PLATFORM = {
    "api.bilibili.com": "bilibili",
    "www.douyin.com": "douyin",
    "ttwid.bytedance.com": "douyin",
    "v.m.chenzhongtech.com": "kuaishou",
    "weibo.com": "weibo",
    "www.xiaohongshu.com": "xiaohongshu",
    "channels.weixin.qq.com": "wechat_channels",
}
T0 = datetime(2026, 6, 20, tzinfo=timezone.utc)


# -- printing ----------------------------------------------------------------------------------------


def header(title: str) -> None:
    print(f"\n== {title}", flush=True)


def line(label: str, value: str, target: str = "", verdict: bool | None = None) -> None:
    mark = "" if verdict is None else ("  [meets]" if verdict else "  [MISSES]")
    tail = f"   target {target}" if target else ""
    print(f"  {label:<46} {value}{tail}{mark}", flush=True)


def secs(t: float) -> str:
    return f"{t * 1000:.1f} ms" if t < 1 else f"{t:.2f} s"


def best_of(repeats: int, *fns: Callable[[], Any]) -> list[float]:
    """Run the functions interleaved ``repeats`` times; the best wall time of each."""
    best = [math.inf] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t)
    return best


# -- fixtures ----------------------------------------------------------------------------------------


def post_ids(platform: str, n: int, offset: int = 0) -> list[str]:
    from reach.collectors.bilibili import av_to_bv

    out = []
    for i in range(offset, offset + n):
        if platform == "bilibili":
            out.append(av_to_bv(100_000 + i))
        elif platform == "douyin":
            out.append(str(7_450_000_000_000_000_000 + i))
        elif platform == "kuaishou":
            out.append(f"3xbench{i:09d}")
        elif platform == "weibo":
            out.append(str(5_046_000_000_000_000 + i))
        elif platform == "xiaohongshu":
            out.append(f"{0x6650C1D2000000001E000000 + i:024x}")
        else:
            out.append(f"BeNcH{i:07d}")
    return out


def bench_refs(n: int) -> list[Any]:
    """``n`` posts spread evenly over the six bench platforms."""
    from reach.models import PostRef

    platforms = list(LIMITS)
    per = {p: n // len(platforms) + (1 if i < n % len(platforms) else 0) for i, p in enumerate(platforms)}
    return [PostRef(p, pid) for p in platforms for pid in post_ids(p, per[p])]


def add_posts_bulk(store: Any, refs: list[Any], campaign: str = "bench") -> None:
    """Track many posts at once (set-up only: one INSERT ... SELECT, not the per-post API)."""
    now = datetime.now(timezone.utc)
    with store.transaction() as con:
        con.execute(
            "INSERT INTO posts (post_key, platform, post_id, added_at, active) "
            "SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), ?, TRUE",
            [[r.post_key for r in refs], [r.platform for r in refs], [r.post_id for r in refs], now],
        )
        con.execute("INSERT INTO campaigns (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", [campaign, now])
        con.execute(
            "INSERT INTO campaign_posts SELECT ?, unnest(?::VARCHAR[]), ?", [campaign, [r.post_key for r in refs], now]
        )


def bench_collectors() -> dict[str, Any]:
    """The real collectors with the bench's concurrency limits (a bench-only subclass each)."""
    from reach.collectors import get_collector

    out = {}
    for platform, (concurrency, _) in LIMITS.items():
        base = type(get_collector(platform))
        out[platform] = type(f"Bench{base.__name__}", (base,), {"max_concurrency": concurrency})()
    return out


@contextmanager
def patched_collectors(collectors: dict[str, Any]) -> Iterator[None]:
    import reach.collect

    original = reach.collect.get_collector
    reach.collect.get_collector = lambda platform: collectors[platform]  # type: ignore[assignment]
    try:
        yield
    finally:
        reach.collect.get_collector = original  # type: ignore[assignment]


@contextmanager
def replay_server(latency: float = LATENCY) -> Iterator[int]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "replay.py"), "--latency", str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        yield int(proc.stdout.readline())
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_engine(store: Any, refs: list[Any], transport: Any, intervals: dict[str, float]) -> Any:
    from reach.collect import Engine
    from reach.config import Settings

    settings = Settings(min_interval=intervals, retries=0)
    with patched_collectors(bench_collectors()):
        return Engine(store, settings=settings, transport=transport).run(refs, "bench")


def ideal_seconds(requests_per_platform: dict[str, int]) -> tuple[float, str]:
    """The slowest platform's requests x latency / allowed concurrency (and spacing when it binds)."""
    worst, name = 0.0, ""
    for platform, n in requests_per_platform.items():
        concurrency, interval = LIMITS[platform]
        t = max(math.ceil(n / concurrency) * LATENCY, (n - 1) * interval + LATENCY)
        if t > worst:
            worst, name = t, platform
    return worst, name


# -- (a) collection ----------------------------------------------------------------------------------


def collect_once(port: int, n: int, workdir: Path, record: bool = False) -> tuple[float, Any, LoopbackTransport]:
    from reach.store import Store

    refs = bench_refs(n)
    db = workdir / f"collect-{n}-{time.monotonic_ns()}.duckdb"
    store = Store(db)
    add_posts_bulk(store, refs)
    transport = LoopbackTransport(port)
    transport.record = record
    intervals = {p: interval for p, (_, interval) in LIMITS.items()}
    t = time.perf_counter()
    summary = run_engine(store, refs, transport, intervals)
    wall = time.perf_counter() - t
    store.close()
    if summary.ok != n:
        raise SystemExit(f"bench collection: {n - summary.ok} of {n} posts failed: {summary.failures[:3]}")
    return wall, summary, transport


def sequential_loop(port: int, requests: list[tuple[str, str, bytes]], workdir: Path) -> float:
    """What a user would write instead: one httpx call after the other, one INSERT per answer."""
    import duckdb
    import httpx

    con = duckdb.connect(str(workdir / "sequential.duckdb"))
    con.execute("CREATE TABLE answers (url VARCHAR, status INTEGER, size INTEGER, fetched_at TIMESTAMPTZ)")
    t = time.perf_counter()
    with httpx.Client(transport=SyncLoopbackTransport(port)) as client:
        for method, url, content in requests:
            r = client.request(method, url, content=content or None)
            con.execute(
                "INSERT INTO answers VALUES (?, ?, ?, ?)",
                [url, r.status_code, len(r.content), datetime.now(timezone.utc)],
            )
    wall = time.perf_counter() - t
    con.close()
    return wall


def section_collect(sizes: dict[str, Any], workdir: Path, results: dict[str, Any]) -> None:
    n = sizes["collect_posts"]
    header(f"(a) collection: {n} posts over {len(LIMITS)} platforms, {LATENCY * 1000:.0f} ms per response")
    with replay_server() as port:
        collect_once(port, 12, workdir)  # warm-up: imports, connections, server
        wall, _, transport = collect_once(port, n, workdir, record=True)
        seq = sequential_loop(port, transport.requests, workdir)
    per_platform: dict[str, int] = {}
    for host, spans in transport.log.items():
        per_platform[HOST_PLATFORM[host]] = per_platform.get(HOST_PLATFORM[host], 0) + len(spans)
    ideal, slowest = ideal_seconds(per_platform)
    line("limits (concurrency, min interval)", ", ".join(f"{p} {c}/{i:g}s" for p, (c, i) in LIMITS.items()))
    line("ideal (slowest platform: " + slowest + ")", secs(ideal))
    line("reach collect (Engine)", secs(wall))
    line("plain sequential loop (httpx + INSERT each)", secs(seq))
    full = sizes is FULL  # at small sizes the start (connections, Douyin's cookie handshake) weighs more
    at = "" if full else f" at {FULL['collect_posts']:,} posts"
    line("engine / ideal", f"{wall / ideal:.2f}x", "<= 1.2x" + at, wall / ideal <= 1.2 if full else None)
    line("sequential / engine", f"{seq / wall:.1f}x faster", ">= 10x" + at, seq / wall >= 10 if full else None)
    ok = True
    for host, (count, gap, peak) in sorted(politeness(transport.log).items()):
        concurrency, interval = LIMITS[HOST_PLATFORM[host]]
        good = peak <= concurrency and gap >= interval
        ok = ok and good
        line(
            f"  {host} ({count} requests)",
            f"min gap {gap * 1000:.1f} ms (>= {interval * 1000:g}), in flight {peak} (<= {concurrency})",
            verdict=good,
        )
    line("politeness limits respected", "yes" if ok else "NO", "exactly", ok)
    results["collect"] = (wall, ideal, seq)


# -- (b) ingest --------------------------------------------------------------------------------------


def make_snapshots(keys: list[str], per_post: int, start: int = 0) -> list[Any]:
    """Realistic collector snapshots: five counters, some rounded ("1.2万"), a run id."""
    from reach.models import Count, CountKind, Metrics, Snapshot

    out = []
    approx = CountKind.APPROXIMATE
    for j in range(start, start + per_post):
        at = T0 + timedelta(hours=j)
        for i, key in enumerate(keys):
            views = 1_000 + i * 37 + j * 101
            if i % 6 == 4:  # a platform that rounds
                v = Count(views // 1000 * 1000, approx, 1000, f"{views / 10_000:.1f}万")
            else:
                v = Count(views)
            out.append(
                Snapshot(
                    key,
                    at + timedelta(seconds=i % 3000),
                    Metrics(v, Count(views // 20), Count(views // 200), Count(views // 150), None),
                    source="bilibili@1",
                    run_id=f"run{j}",
                )
            )
    return out


def ingest_rows(snaps: list[Any]) -> dict[str, list[Any]]:
    """The same snapshots as columns (what the Arrow reference inserts)."""
    from reach.models import METRIC_NAMES
    from reach.store import snapshot_id

    cols: dict[str, list[Any]] = {"snapshot_id": [], "post_key": [], "collected_at": [], "run_id": [], "source": []}
    for m in METRIC_NAMES:
        for suffix in ("", "_kind", "_granularity", "_raw"):
            cols[m + suffix] = []
    for name in ("extra", "title", "author", "published_at", "note"):
        cols[name] = []
    for s in snaps:
        cols["snapshot_id"].append(snapshot_id(s.post_key, s.collected_at, s.source))
        cols["post_key"].append(s.post_key)
        cols["collected_at"].append(s.collected_at)
        cols["run_id"].append(s.run_id)
        cols["source"].append(s.source)
        for m in METRIC_NAMES:
            c = s.metrics.get(m)
            cols[m].append(c.value if c else None)
            cols[m + "_kind"].append(c.kind.value if c else None)
            cols[m + "_granularity"].append(c.granularity if c else None)
            cols[m + "_raw"].append(c.raw if c else None)
        for name in ("extra", "title", "author", "published_at", "note"):
            cols[name].append(None)
    return cols


def fresh_store(workdir: Path, name: str, keys: list[str]) -> Any:
    from reach.models import PostRef
    from reach.store import Store

    path = workdir / f"{name}-{time.monotonic_ns()}.duckdb"
    store = Store(path)
    add_posts_bulk(store, [PostRef(*k.split(":", 1)) for k in keys])
    return store


def ingest_pair(workdir: Path, total: int, chunk: int = 100_000, one_call: bool = True) -> tuple[float, float, str]:
    """(store API seconds, bulk reference seconds, reference name) for ``total`` snapshots into tables with
    the same schema (``snapshot_id`` PRIMARY KEY included: the reference pays for the same index).

    ``one_call``: the whole load is one ``add_snapshots`` call (one transaction, its rows sent ``chunk`` at a
    time) against one ``INSERT`` of one Arrow table (one transaction). Otherwise a call, and an ``INSERT``,
    per ``chunk`` snapshots, each its own transaction: every commit then checkpoints, rewriting the primary
    key's index as it has grown, on both sides. Snapshots and Arrow tables are built before the clock starts.
    """
    posts = max(1, min(10_000, total // 100))
    per_post = max(1, total // posts)
    keys = [f"bilibili:{pid}" for pid in post_ids("bilibili", posts)]
    api_store = fresh_store(workdir, "ingest-api", keys)
    ref_store = fresh_store(workdir, "ingest-ref", keys)
    try:
        import pyarrow as pa

        reference = "bulk INSERT from an Arrow table"
    except ImportError:
        pa = None
        reference = "bulk INSERT ... SELECT from one relation (pyarrow missing)"
    step = max(1, chunk // posts)
    batches = [make_snapshots(keys, min(step, per_post - j), start=j) for j in range(0, per_post, step)]
    tables = [ingest_rows(snaps) for snaps in batches]
    api = ref = 0.0
    calls = [[s for snaps in batches for s in snaps]] if one_call else batches
    del batches
    for snaps in calls:
        t = time.perf_counter()
        api_store.add_snapshots(snaps, chunk=chunk)
        api += time.perf_counter() - t
    del calls, snaps
    if pa is not None:
        arrow = [pa.table(cols) for cols in tables]
        for table in [pa.concat_tables(arrow)] if one_call else arrow:  # one transaction each
            ref_store.con.register("arrow_batch", table)
            t = time.perf_counter()
            with ref_store.transaction() as con:
                con.execute("INSERT INTO snapshots SELECT * FROM arrow_batch")
            ref += time.perf_counter() - t
            ref_store.con.unregister("arrow_batch")
    else:
        for group in [tables] if one_call else [[cols] for cols in tables]:  # one transaction each
            t = time.perf_counter()
            with ref_store.transaction() as con:
                for cols in group:
                    names = list(cols)
                    casts = ", ".join(f"unnest(?::{_sql_type(n)}[]) AS {n}" for n in names)
                    con.execute(f"INSERT INTO snapshots SELECT {casts}", [cols[n] for n in names])
            ref += time.perf_counter() - t
    n_api = api_store.con.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    n_ref = ref_store.con.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    api_store.close()
    ref_store.close()
    if n_api != n_ref:
        raise SystemExit(f"ingest: the store wrote {n_api} rows, the reference {n_ref}")
    return api, ref, reference


def _sql_type(name: str) -> str:
    if name in ("collected_at", "published_at"):
        return "TIMESTAMPTZ"
    if name.endswith("_granularity") or name in ("views", "likes", "comments", "shares", "favorites"):
        return "BIGINT"
    return "VARCHAR"


def section_ingest(sizes: dict[str, Any], workdir: Path, results: dict[str, Any]) -> None:
    n = sizes["ingest"]
    header(f"(b) ingest: {n:,} snapshots through the store API")
    api, ref, reference = ingest_pair(workdir, n)
    full = sizes is FULL
    line(
        "Store.add_snapshots, one call",
        f"{secs(api)} ({api / n * 1e6:.2f} us/snapshot)",
        "<= 10 s" + ("" if full else " for 1,000,000"),
        api <= 10 if full else None,
    )
    line(reference, secs(ref) + ", one transaction")
    line("store API / bulk insert", f"{api / ref:.2f}x", "<= 3x", api / ref <= 3)
    # the same rows a call (and an INSERT) per 100,000, each its own commit: every commit checkpoints
    many, many_ref, _ = ingest_pair(workdir, n, one_call=False)
    line("a call (a commit) per 100,000", f"{secs(many)} vs bulk {secs(many_ref)} = {many / many_ref:.2f}x")
    # the one-at-a-time API, for scale (a small sample, same run)
    sample = 500
    keys = [f"bilibili:{pid}" for pid in post_ids("bilibili", 50)]
    store = fresh_store(workdir, "ingest-one", keys)
    snaps = make_snapshots(keys, sample // 50)
    t = time.perf_counter()
    for s in snaps:
        store.add_snapshot(s)
    one = (time.perf_counter() - t) / len(snaps)
    store.close()
    line("Store.add_snapshot, one call per snapshot", f"{one * 1e6:.0f} us/snapshot ({one / (api / n):.0f}x slower)")
    results["ingest"] = (api, ref)


# -- (c) reports -------------------------------------------------------------------------------------


def report_keys(posts: int) -> list[str]:
    """The post keys of a report campaign of ``posts`` posts (spread over the bench platforms)."""
    platforms = list(LIMITS)
    keys = []
    for i, p in enumerate(platforms):
        count = posts // len(platforms) + (1 if i < posts % len(platforms) else 0)
        keys += [f"{p}:{pid}" for pid in post_ids(p, count)]
    return keys


RUN_SQL = """
INSERT INTO snapshots (snapshot_id, post_key, collected_at, run_id, source, views, views_kind,
    views_granularity, likes, likes_kind, likes_granularity, comments, comments_kind, comments_granularity)
SELECT md5(k.post_key || j)[:24], k.post_key,
       ?::TIMESTAMPTZ + to_hours(j) + to_seconds((k.i * 7) % 3000), 'run' || j, 'bench@1',
       CASE WHEN starts_with(k.post_key, 'douyin:') THEN NULL
            WHEN k.i % 6 = 5 THEN (1000 + k.i * 37 + j * 101) // 1000 * 1000
            ELSE 1000 + k.i * 37 + j * 101 END,
       CASE WHEN starts_with(k.post_key, 'douyin:') THEN NULL
            WHEN k.i % 6 = 5 THEN 'approximate' ELSE 'exact' END,
       CASE WHEN starts_with(k.post_key, 'douyin:') THEN NULL WHEN k.i % 6 = 5 THEN 1000 ELSE 1 END,
       (1000 + k.i * 37 + j * 101) // 20, 'exact', 1, (1000 + k.i * 37 + j * 101) // 200, 'exact', 1
FROM (SELECT unnest(?::VARCHAR[]) AS post_key, generate_subscripts(?::VARCHAR[], 1) AS i) k,
     range(?, ?) AS r(j)
ORDER BY j, k.i
"""
"""Hourly public snapshots ``j`` in [from, to) of every post, in time order (as collection runs append them)."""


def report_store(workdir: Path, posts: int, snaps: int) -> Any:
    """A campaign of ``posts`` posts x ``snaps`` hourly snapshots (each post at its own second of the hour),
    written with one INSERT ... SELECT in time order (as collection runs append them). Douyin posts hide
    plays publicly: their views come from daily owner entries (``manual``), as in real campaigns; every
    sixth post is rounded ("1.2万"). Every post has a publication time (the day before the first snapshot),
    so the report computes views at 24h / 72h / 7d for all of them."""
    from reach.models import PostRef

    keys = report_keys(posts)
    store = fresh_store(workdir, f"report-{posts}x{snaps}", [])
    add_posts_bulk(store, [PostRef(*k.split(":", 1)) for k in keys])
    with store.transaction() as con:
        con.execute(
            """
            CREATE TEMP TABLE k AS SELECT unnest(?::VARCHAR[]) AS post_key, generate_subscripts(?::VARCHAR[], 1) AS i
            """,
            [keys, keys],
        )
        con.execute(RUN_SQL, [T0, keys, keys, 0, snaps])
        con.execute(
            """UPDATE posts SET published_at = ?::TIMESTAMPTZ - to_days(1) + to_seconds((k.i * 13) % 86400)
               FROM k WHERE posts.post_key = k.post_key""",
            [T0],
        )
        con.execute(
            """
            INSERT INTO snapshots (snapshot_id, post_key, collected_at, source, views, views_kind, views_granularity)
            SELECT md5('own' || k.post_key || d)[:24], k.post_key, ?::TIMESTAMPTZ + to_days(d) + to_hours(10),
                   'manual', 5000 + k.i * 41 + d * 2600, 'exact', 1
            FROM k, range(?) AS r(d) WHERE starts_with(k.post_key, 'douyin:')
            """,
            [T0, max(1, snaps // 24)],
        )
        con.execute("DROP TABLE k")
    store.con.execute("CHECKPOINT")
    store.bench_keys, store.bench_runs = keys, snaps  # type: ignore[attr-defined]
    return store


def append_run(store: Any) -> None:
    """One more collection run: a snapshot of every post, an hour after the newest."""
    keys, j = store.bench_keys, store.bench_runs
    with store.transaction() as con:
        con.execute(RUN_SQL, [T0, keys, keys, j, j + 1])
    store.bench_runs = j + 1


REFERENCE_SQL = """
WITH days AS (SELECT unnest(?::TIMESTAMPTZ[]) AS day_end),
sel AS (SELECT post_key FROM campaign_posts WHERE campaign = 'bench'),
v AS (SELECT post_key, collected_at, views FROM snapshots WHERE views IS NOT NULL
      AND post_key IN (SELECT post_key FROM sel)),
j AS (SELECT s.day_end, s.post_key, v.views FROM (SELECT * FROM days, sel) s
      ASOF LEFT JOIN v ON s.post_key = v.post_key AND s.day_end > v.collected_at),
l AS (SELECT *, views - lag(views) OVER (PARTITION BY post_key ORDER BY day_end) AS inc FROM j)
SELECT day_end, sum(views)::BIGINT, sum(inc)::BIGINT, count(views) FROM l GROUP BY day_end ORDER BY day_end
"""
"""The query a user would write by hand: per day, each post's newest views before the day's end (ASOF),
summed, and the change since the day before. The bench checks the report gives the same totals,
increases and counts of posts (the bench data has no owner/public overlap and no change smaller than the
rounding, so the report's extra rules do not change these numbers)."""


def report_pair(store: Any, repeats: int) -> tuple[float, float, float, float, float, float]:
    """(report wall s, reference wall s, report CPU s, reference CPU s, first report s, report without
    the day table s).

    The first report builds the day table (:mod:`reach.days`) from every snapshot; each timed report
    after it follows a new collection run (one more snapshot of every post), so it includes bringing
    the day table up to date, as a report opened after each cron run does. The report and the
    reference query run interleaved on the same data, best of ``repeats`` each; every report's daily
    totals are checked against the query's. CPU time (all threads of this process) is printed beside
    the wall time: on a shared machine it moves less."""
    from reach import days
    from reach.report import build_report

    now = datetime(2030, 1, 1, tzinfo=timezone.utc)

    def report() -> Any:
        return build_report(store, campaign="bench", by="day", tz="UTC", now=now)

    def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        return out, time.perf_counter() - t, time.process_time() - c

    def checked(rep: Any) -> tuple[float, float]:
        ends = [b.end.astimezone(timezone.utc) for b in rep.buckets]
        ref_rows, t_ref, c_ref = timed(lambda: store.con.execute(REFERENCE_SQL, [ends]).fetchall())
        got = [(b.total.value, b.increase, b.total.posts) for b in rep.buckets]
        want = [(r[1], r[2] if i else None, r[3]) for i, r in enumerate(ref_rows)]
        if got != want:
            raise SystemExit(f"report totals differ from the reference query: {got[:3]} vs {want[:3]}")
        return t_ref, c_ref

    real_refresh = days.refresh
    days.refresh = lambda *_: False  # type: ignore[assignment]
    try:
        rep, t_plain, _ = timed(report)
    finally:
        days.refresh = real_refresh  # type: ignore[assignment]
    checked(rep)
    rep, t_first, _ = timed(report)
    checked(rep)
    t_rep = t_ref = c_rep = c_ref = float("inf")
    for _ in range(repeats):
        append_run(store)
        rep, t, c = timed(report)
        t_rep, c_rep = min(t_rep, t), min(c_rep, c)
        t, c = checked(rep)
        t_ref, c_ref = min(t_ref, t), min(c_ref, c)
    return t_rep, t_ref, c_rep, c_ref, t_first, t_plain


def section_report(sizes: dict[str, Any], workdir: Path, results: dict[str, Any]) -> None:
    header("(c) reports: daily report of a campaign vs one hand-written DuckDB query (same daily totals)")
    for key, budget in (("report_small", 0.3), ("report_big", 1.5)):
        posts, snaps = sizes[key]
        t = time.perf_counter()
        store = report_store(workdir, posts, snaps)
        made = time.perf_counter() - t
        rows = store.con.execute("SELECT count(*) FROM snapshots").fetchone()[0]
        t_rep, t_ref, c_rep, c_ref, t_first, t_plain = report_pair(store, sizes["repeats"])
        store.close()
        full = sizes is FULL
        line(f"{posts:,} posts x {snaps:,} snapshots ({rows:,} rows)", f"(made in {secs(made)})")
        line("  first report (builds the day table)", secs(t_first))
        line("  report from every snapshot (no day table)", secs(t_plain))
        line(
            f"  build_report by day, after a run (+{posts:,})",
            secs(t_rep),
            f"<= {secs(budget)}" + ("" if full else " at the full size"),
            t_rep <= budget if full else None,
        )
        line("  hand-written single query", secs(t_ref))
        line("  report / query", f"{t_rep / t_ref:.2f}x", "<= 2x", t_rep / t_ref <= 2)
        line("  CPU time: report / query", f"{secs(c_rep)} / {secs(c_ref)} = {c_rep / c_ref:.2f}x")
        results[key] = (t_rep, t_ref)


# -- (d) memory --------------------------------------------------------------------------------------


def memory_child(n: int, port: int) -> None:
    """Runs in its own process: collect ``n`` posts, print peak RSS before and after (MB)."""
    from reach.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        refs = bench_refs(n)
        store = Store(Path(tmp) / "memory.duckdb")
        add_posts_bulk(store, refs)
        del refs
        refs = bench_refs(n)
        before = peak_rss_mb()
        global LIMITS
        LIMITS = {p: (16, 0.0) for p in LIMITS}
        transport = LoopbackTransport(port)
        transport.log = _NoLog()  # type: ignore[assignment]
        t = time.perf_counter()
        summary = run_engine(store, refs, transport, {p: 0.0 for p in LIMITS})
        wall = time.perf_counter() - t
        store.close()
        peak = peak_rss_mb()
        print(f"{before:.1f} {peak:.1f} {wall:.3f} {summary.ok}")


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss it does not inherit the parent's peak across fork)."""
    try:
        for text in Path("/proc/self/status").read_text().splitlines():
            if text.startswith("VmHWM:"):
                return int(text.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _NoLog(dict[str, Any]):
    def __getitem__(self, key: str) -> Any:
        return []


def section_memory(sizes: dict[str, Any], workdir: Path, results: dict[str, Any]) -> None:
    n = sizes["memory_posts"]
    header(f"(d) memory: peak RSS of a process collecting {n:,} posts through the replay server")
    with replay_server(latency=LATENCY) as port:
        out = {}
        for size in (n // 10, n):
            proc = subprocess.run(
                [sys.executable, __file__, "--memory-child", str(size), "--port", str(port)],
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            if proc.returncode != 0:
                raise SystemExit(proc.stderr)
            before, peak, wall, ok = proc.stdout.split()
            out[size] = (float(before), float(peak), float(wall), int(ok))
    for size, (before, peak, wall, ok) in out.items():
        line(f"{size:,} posts ({ok:,} ok, {secs(wall)})", f"peak RSS {peak:.0f} MB (before collecting {before:.0f} MB)")
    peak_n = out[n][1]
    line("peak RSS / target", f"{peak_n / 300:.2f}x of 300 MB", "<= 300 MB", peak_n <= 300 if sizes is FULL else None)
    small, big = out[n // 10], out[n]
    growth_small, growth_big = small[1] - small[0], big[1] - big[0]
    line("RSS growth at 10x the posts", f"{growth_big:.0f} MB vs {growth_small:.0f} MB at 1/10 the size")
    results["memory"] = peak_n


# -- (e) start-up ------------------------------------------------------------------------------------


def section_startup(sizes: dict[str, Any], workdir: Path, results: dict[str, Any]) -> None:
    header("(e) start-up: wall time of a fresh process (best of 7, interleaved)")
    from reach.store import Store

    empty = workdir / "empty.duckdb"
    Store(empty).close()
    exe = Path(sys.executable).parent / "reach"
    env = {**os.environ, "REACH_DB": str(empty)}

    def run(cmd: list[str]) -> Callable[[], None]:
        return lambda: subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)

    base, help_, posts = best_of(
        7, run([sys.executable, "-c", "pass"]), run([str(exe), "--help"]), run([str(exe), "--db", str(empty), "posts"])
    )
    line("python -c pass", secs(base))
    line("reach --help", f"{secs(help_)} ({help_ / base:.1f}x python -c pass)", "<= 350 ms", help_ <= 0.35)
    line(
        "reach posts (empty database)",
        f"{secs(posts)} ({posts / base:.1f}x python -c pass)",
        "<= 350 ms",
        posts <= 0.35,
    )
    results["startup"] = (base, help_, posts)


# -- (f) scaling -------------------------------------------------------------------------------------


def section_scaling(sizes: dict[str, Any], workdir: Path, results: dict[str, Any]) -> None:
    header("(f) scaling: cost per post / per snapshot at 1x, 10x, 100x")
    n = sizes["collect_posts"]
    with replay_server() as port:
        for size in (max(6, n // 100), max(6, n // 10), n):
            wall, _, _ = collect_once(port, size, workdir)
            line(f"collect {size:,} posts", f"{secs(wall)} = {wall / size * 1000:.2f} ms/post")
    total = sizes["ingest"]
    for size in (total // 100, total // 10, total):
        if size == total and "ingest" in results:
            api, ref = results["ingest"]
        else:
            api, ref, _ = ingest_pair(workdir, size)
        line(
            f"ingest {size:,} snapshots", f"{api / size * 1e6:.2f} us/snapshot (bulk reference {ref / size * 1e6:.2f})"
        )
    section_report_scaling(sizes, workdir, results, title=False)


def section_report_scaling(sizes: dict[str, Any], workdir: Path, results: dict[str, Any], title: bool = True) -> None:
    """Reports at 1x, 10x and 100x posts (same snapshots per post): cost per post and per snapshot."""
    if title:
        header("(f) scaling of reports: cost per post / per snapshot at 1x, 10x, 100x posts")
    posts, snaps = sizes["report_big"]
    for p in (posts // 100, posts // 10, posts):
        if p == posts and "report_big" in results:
            t_rep, t_ref = results["report_big"]
        else:
            store = report_store(workdir, p, snaps)
            t_rep, t_ref, *_ = report_pair(store, sizes["repeats"])
            store.close()
        rows = p * snaps
        line(
            f"report {p:,} posts x {snaps:,} snapshots",
            f"{secs(t_rep)} = {t_rep / p * 1000:.3f} ms/post, {t_rep / rows * 1e6:.3f} us/snapshot "
            f"(query {t_ref / rows * 1e6:.3f})",
        )


SECTIONS = {
    "collect": section_collect,
    "ingest": section_ingest,
    "report": section_report,
    "memory": section_memory,
    "startup": section_startup,
    "scaling": section_scaling,
    "report-scaling": section_report_scaling,
    "lake": lambda sizes, workdir, results: __import__("lake").section(sizes is QUICK, workdir, header, line),
}


def main() -> None:
    parser = argparse.ArgumentParser(description="reach performance suite (issue 10)")
    parser.add_argument("--quick", action="store_true", help="small sizes (under a minute)")
    default = ",".join(name for name in SECTIONS if name != "report-scaling")  # scaling includes it
    parser.add_argument("--only", default=default, help="comma-separated sections: " + ", ".join(SECTIONS))
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.port)
        return
    sizes = QUICK if args.quick else FULL
    import duckdb

    print(
        f"reach bench ({'quick' if args.quick else 'full'} sizes): {os.cpu_count()} cores, Python "
        f"{sys.version.split()[0]}, DuckDB {duckdb.__version__}, {datetime.now().isoformat(timespec='seconds')}"
    )
    results: dict[str, Any] = {}
    workdir = Path(tempfile.mkdtemp(prefix="reach-bench-"))
    started = time.perf_counter()
    try:
        for name in args.only.split(","):
            SECTIONS[name.strip()](sizes, workdir, results)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\ndone in {secs(time.perf_counter() - started)}")


if __name__ == "__main__":
    main()
