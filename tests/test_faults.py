"""Fault injection over real sockets: a loopback HTTP server misbehaves, the collector must end each
post in the right outcome and never write a wrong snapshot. Also: a collector killed mid-run, and a
second collector on a busy database."""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from reach.collect import Engine
from reach.config import Settings
from reach.models import OutcomeStatus, PostRef
from reach.store import Store

from .conftest import bili_view

CAPTCHA = (
    "<html><head><title>验证码</title></head><body><div id='captcha'>请完成安全验证</div>"
    "<script src='/static/geetest.js'></script></body></html>"
).encode()


class _Faulty(BaseHTTPRequestHandler):
    """Answers ``/x/web-interface/view?bvid=<fault>-<n>`` according to the fault's name."""

    hits: dict[str, int] = {}

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if body[:1] == b"{" else "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self) -> None:
        bvid = parse_qs(urlsplit(self.path).query).get("bvid", [""])[0]
        fault = bvid.split("x")[0].lower()
        n = self.hits[bvid] = self.hits.get(bvid, 0) + 1
        good = json.dumps(bili_view(bvid, 4321)).encode()
        if fault == "bv1ok":
            self._send(200, good)
        elif fault == "bv1slow":
            time.sleep(1.0)  # longer than the client's timeout
            self._send(200, good)
        elif fault == "bv1reset":
            # RST instead of an answer
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        elif fault == "bv1err":
            self._send(503, b"<html>Service Unavailable</html>")
        elif fault == "bv1limit":
            self._send(429, b"{}", {"Retry-After": "1"}) if n == 1 else self._send(200, good)
        elif fault == "bv1always":
            self._send(429, b"{}", {"Retry-After": "1"})
        elif fault == "bv1captcha":
            self._send(200, CAPTCHA)
        elif fault == "bv1cut":
            self._send(200, good[: len(good) // 2], length=len(good))  # connection closes early
            self.close_connection = True
        elif fault == "bv1bad":
            self._send(200, good[: len(good) // 2])  # complete HTTP answer, broken JSON
        elif fault == "bv1neg":
            self._send(200, json.dumps(bili_view(bvid, -5)).encode())
        elif fault == "bv1drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(good)))
            self.end_headers()
            for start in range(0, len(good), len(good) // 4 + 1):
                self.wfile.write(good[start : start + len(good) // 4 + 1])
                self.wfile.flush()
                time.sleep(0.1)  # each piece well within the read timeout
        else:
            self._send(404, b"{}")


class _ToLoopback(httpx.AsyncBaseTransport):
    def __init__(self, port: int) -> None:
        self.port = port
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (timeout) leaves a broken pipe behind: expected here


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    srv = _QuietServer(("127.0.0.1", 0), _Faulty)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


FAULTS = [
    ("BV1okx", OutcomeStatus.OK),
    ("BV1slowx", OutcomeStatus.NETWORK_ERROR),
    ("BV1resetx", OutcomeStatus.NETWORK_ERROR),
    ("BV1errx", OutcomeStatus.NETWORK_ERROR),
    ("BV1limitx", OutcomeStatus.OK),  # Retry-After honoured, then answered
    ("BV1alwaysx", OutcomeStatus.RATE_LIMITED),
    ("BV1captchax", None),  # blocked or parse error: never ok
    ("BV1cutx", OutcomeStatus.NETWORK_ERROR),
    ("BV1badx", OutcomeStatus.PARSE_ERROR),
    ("BV1negx", OutcomeStatus.OK),  # an impossible count is "not shown", never stored as a number
    ("BV1dripx", OutcomeStatus.OK),
]


def test_fault_matrix_outcomes_and_no_wrong_snapshot(server: int, tmp_path: Path) -> None:
    settings = Settings(min_interval={"*": 0.0}, retries=1, retry_backoff=0.0, timeout=0.4, max_retry_wait=2.0)
    refs = [PostRef("bilibili", f"{fault}{i}") for i, (fault, _) in enumerate(FAULTS)]
    started = time.monotonic()
    with Store(tmp_path / "faults.duckdb") as store:
        summary = Engine(store, settings, transport=_ToLoopback(server)).run(refs)
        stored = {r[0]: r[1:] for r in store.con.execute("SELECT post_key, views, run_id FROM snapshots").fetchall()}
        outcomes = dict((k, s) for k, s, _ in store.run_outcomes(summary.run_id))
    assert time.monotonic() - started < 20
    for ref, (fault, expected) in zip(refs, FAULTS, strict=True):
        status = outcomes[ref.post_key]
        if expected is None:
            assert status in ("blocked", "parse_error"), fault
        else:
            assert status == expected.value, (fault, status)
        if status == "ok":
            views = None if fault == "BV1negx" else 4321
            assert stored[ref.post_key] == (views, summary.run_id), fault
        else:
            assert ref.post_key not in stored, fault  # no snapshot, in particular no 0 or half a number
    assert summary.total == len(FAULTS) and summary.ok == 4
    assert _Faulty.hits["BV1limitx4"] == 2  # one 429, one answer after Retry-After


KILLED = """
import asyncio, sys, httpx
from reach.config import Settings
from reach.tracker import Tracker

async def handler(request):
    bvid = request.url.params["bvid"]
    if not bvid.endswith(("1", "2", "3")):
        await asyncio.sleep(30)  # the rest hang (as a slow platform would) until the process is killed
    return httpx.Response(200, json={"code": 0, "data": {"bvid": bvid, "stat": {"view": 7, "like": 1, "reply": 0}}})

settings = Settings(min_interval={"*": 0.0}, retry_backoff=0.0, lock_timeout=5.0)
with Tracker(sys.argv[1], settings=settings, transport=httpx.MockTransport(handler)) as t:
    t.collect(on_outcome=lambda o: print("done", o.post_key, flush=True))
"""


def test_sigkill_mid_run_keeps_committed_snapshots_and_the_next_run_completes(tmp_path: Path) -> None:
    from reach.tracker import Tracker

    db = tmp_path / "killed.duckdb"
    ids = [f"BV1a7421K7Q{n}" for n in range(1, 7)]
    with Tracker(db) as t:
        t.add(*ids)
    script = tmp_path / "killed.py"
    script.write_text(KILLED)
    proc = subprocess.Popen([sys.executable, str(script), str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        done = [proc.stdout.readline() for _ in range(3)]
        assert all(line.startswith("done") for line in done)
        time.sleep(0.6)  # outcomes are written within FLUSH_EVERY / the idle writer's period
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    with Store(db, lock_timeout=5) as store:
        assert store.con.execute("SELECT count(*) FROM snapshots").fetchone() == (3,)
        [run] = store.runs()
        assert run.finished_at is None and run.counts == {"ok": 3}
    from typer.testing import CliRunner

    from reach import cli

    r = CliRunner().invoke(cli.app, ["--db", str(db), "runs"])
    assert "unfinished" in r.stdout

    def handler(request: httpx.Request) -> httpx.Response:
        bvid = request.url.params["bvid"]
        return httpx.Response(200, json={"code": 0, "data": {"bvid": bvid, "stat": {"view": 9, "like": 1, "reply": 0}}})

    settings = Settings(min_interval={"*": 0.0}, retry_backoff=0.0, lock_timeout=5.0)
    with Tracker(db, settings=settings, transport=httpx.MockTransport(handler)) as t:
        assert t.collect().ok == 6  # the lock died with the process
        due = t.plan().due
        assert due == []  # everything sampled just now
    with Store(db) as store:
        assert store.con.execute("SELECT count(*), count(DISTINCT snapshot_id) FROM snapshots").fetchone() == (9, 9)
        assert [r.finished_at is not None for r in store.runs()] == [True, False]


HOLD = """
import sys, time
from reach.store import run_lock
with run_lock(sys.argv[1], 5):
    print("held", flush=True)
    time.sleep(20)
"""


def test_a_second_collect_waits_then_exits_3(tmp_path: Path) -> None:
    from reach.tracker import Tracker

    db = tmp_path / "busy.duckdb"
    with Tracker(db) as t:
        t.add("BV1a7421K7Qg")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        env = {**os.environ, "REACH_LOCK_TIMEOUT": "0.5"}
        started = time.monotonic()
        second = subprocess.run(
            [sys.executable, "-m", "reach", "--db", str(db), "-q", "collect", "--due"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert second.returncode == 3, second.stderr
    assert "another `reach collect` is running" in second.stderr and "waited 0.5 s" in second.stderr
    assert "Traceback" not in second.stderr and waited < 30
    with Store(db) as store:
        assert store.con.execute("SELECT count(*) FROM runs").fetchone() == (0,)
