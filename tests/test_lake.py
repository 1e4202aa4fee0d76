"""DuckLake backend with real components: a real PostgreSQL server on loopback (started here, in a
temporary folder), SQLite catalogs, collector processes committing at the same moment through a
loopback HTTP server, and ``reach migrate`` between a file and a lake.

Skipped (with the reason) when the ``lake`` extra or the PostgreSQL server binaries are missing,
except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from hashlib import blake2b
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from reach.config import Settings
from reach.errors import ConfigError
from reach.lake import is_lake, parse_target
from reach.models import PostRef
from reach.store import Store

from .conftest import bili_view

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CAMPAIGN = "禁毒宣传"
IDS = [f"BV1a7421K7Q{d}" for d in "1234"]
DAY0 = datetime(2026, 6, 20, 12, tzinfo=timezone.utc)


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the lake tests must run)")
    pytest.skip(reason)


def _lake_extra() -> None:
    from reach.lake import extension_file

    try:
        for name in ("ducklake", "sqlite", "postgres"):
            extension_file(name)
    except ConfigError as exc:
        _missing(str(exc))


@pytest.fixture(scope="session")
def _extension_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _needs_extra(_extension_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip (fail under CI) without the lake extra; install the extensions once per session (the
    private extension folder lives in the user cache folder, which every test would otherwise renew)."""
    _lake_extra()
    monkeypatch.setenv("XDG_CACHE_HOME", str(_extension_cache))


# -- a real PostgreSQL server --------------------------------------------------------------------


def _pg_bin() -> Path | None:
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").is_file():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A PostgreSQL server of our own on 127.0.0.1 (temporary data folder, trust auth on loopback):
    yields the connection string of an empty database ``reach``; stopped and deleted afterwards."""
    bindir = _pg_bin()
    if bindir is None:
        _missing("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    assert bindir is not None
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="reach-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root: run it as the postgres user
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base)
            _missing("running as root and there is no postgres user to run the server as")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        runuser = _runuser()
        as_user = [runuser, "-u", "postgres", "--"] if runuser else ["su", "postgres", "-c"]
    data, port = base / "data", _free_port()

    def run(*cmd: str) -> None:
        full = [*as_user, *cmd] if as_user[:1] != ["su"] else [*as_user, " ".join(cmd)]
        subprocess.run(full, check=True, capture_output=True, timeout=120)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "reach", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off -c max_connections=100"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-o", options, "-w", "start")
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "reach", "reach")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(base, ignore_errors=True)
        err = getattr(exc, "stderr", b"") or b""
        pytest.fail(f"could not start PostgreSQL: {err.decode(errors='replace')[-500:]}")
    try:
        yield f"host=127.0.0.1 port={port} user=reach"
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
            if as_user[:1] != ["su"]
            else [*as_user, f"{bindir / 'pg_ctl'} -D {data} -m immediate stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


def _runuser() -> str | None:
    """``runuser`` (util-linux), also where a minimal PATH leaves it out (``/usr/sbin``: not on a user's PATH)."""
    return shutil.which("runuser", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))


def _new_pg_database(conninfo: str, name: str) -> str:
    """A fresh database on the test server: one lake each."""
    port = conninfo.split("port=")[1].split()[0]
    bindir = _pg_bin()
    assert bindir is not None
    cmd = [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", port, "-U", "reach", name]
    if os.geteuid() == 0:
        runuser = _runuser()
        cmd = [runuser, "-u", "postgres", "--", *cmd] if runuser else ["su", "postgres", "-c", " ".join(cmd)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    return f"ducklake:postgres:dbname={name} {conninfo}"


# -- a loopback "platform" -----------------------------------------------------------------------


def views_of(bvid: str, day: int) -> int:
    return 1000 + int(blake2b(bvid.encode(), digest_size=3).hexdigest(), 16) % 50_000 + 7919 * day


class _Bili(BaseHTTPRequestHandler):
    """The bilibili view API for any bvid; the day (a header the collectors' transport adds) moves the numbers."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        bvid = parse_qs(urlsplit(self.path).query).get("bvid", [""])[0]
        day = int(self.headers.get("x-test-day", "0"))
        body = json.dumps(bili_view(bvid, views_of(bvid, day))).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@pytest.fixture(scope="module")
def platform() -> Iterator[int]:
    srv = _Server(("127.0.0.1", 0), _Bili)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield int(srv.server_address[1])
    srv.shutdown()
    srv.server_close()


class ToLoopback(httpx.AsyncBaseTransport):
    """Sends every request to the loopback platform, with the simulated day in a header."""

    def __init__(self, port: int, day: int) -> None:
        self.port, self.day = port, day
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        request.headers["x-test-day"] = str(self.day)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def collect_day(db: str, data_path: str | None, port: int, day: int, ids: list[str]) -> dict[str, int]:
    """One collector: add the posts to the campaign, then collect them all as of ``DAY0 + day``."""
    from reach.tracker import Tracker

    settings = Settings(
        data_path=Path(data_path) if data_path else None,
        min_interval={"*": 0.0},
        retry_backoff=0.0,
        lock_timeout=60.0,
        timezone="UTC",
    )
    at = DAY0 + timedelta(days=day)
    with Tracker(db, settings=settings, transport=ToLoopback(port, day), clock=lambda: at) as t:
        t.add(*ids, campaign=CAMPAIGN)
        summary = t.collect(campaign=CAMPAIGN)
    return {"ok": summary.ok, "total": summary.total}


def _worker() -> None:  # python -c "from tests.test_lake import _worker; _worker()" PORT DB DATA DAY
    port, db, data, day = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    print(json.dumps(collect_day(db, data or None, port, day, IDS)), flush=True)


def report_of(db: str, counts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The campaign's daily report over the test's days (``counts``: filled with :func:`table_counts`)."""
    from reach.tracker import Tracker

    with Tracker(db, settings=Settings(timezone="UTC", lang="en")) as t:
        data = t.report(campaign=CAMPAIGN, since=DAY0.date(), until=(DAY0 + timedelta(days=2)).date()).to_dict()
        if counts is not None:
            counts.update(table_counts(t.store))
    data.pop("generated_at")
    return data


def table_counts(store: Store) -> dict[str, tuple[int, int]]:
    """Per table: (rows, distinct natural keys)."""
    keys = {
        "posts": "post_key",
        "campaigns": "name",
        "campaign_posts": "campaign || '|' || post_key",
        "snapshots": "snapshot_id",
        "runs": "run_id",
        "run_outcomes": "run_id || '|' || post_key",
        "post_state": "post_key",
    }
    out = {}
    for table, key in keys.items():
        row = store.con.execute(f"SELECT count(*), count(DISTINCT {key}) FROM {table}").fetchone()
        assert row is not None
        out[table] = (int(row[0]), int(row[1]))
    return out


# -- tests -----------------------------------------------------------------------------------------


def test_targets_are_parsed_and_bad_ones_named(tmp_path: Path) -> None:
    assert is_lake("ducklake:sqlite:/x/c.sqlite") and not is_lake(tmp_path / "r.duckdb") and not is_lake(None)
    target = parse_target(f"ducklake:sqlite:{tmp_path}/c.sqlite")
    assert target.catalog == "sqlite" and target.data_path == f"{tmp_path}/c.sqlite.files" and target.one_machine
    pg = parse_target("ducklake:postgres:dbname=reach host=10.0.0.5 user=reach", data_path=tmp_path)
    assert pg.catalog == "postgres" and pg.data_path == str(tmp_path) and str(pg).startswith("ducklake:postgres:")
    for bad, words in [
        ("ducklake:mysql:db=x", "unknown DuckLake catalog 'mysql'"),
        ("ducklake:sqlite:", "names no catalog file"),
        ("ducklake:sqlite:/no/such/folder/c.sqlite", "folder /no/such/folder does not exist"),
        ("ducklake:postgres:", "names no PostgreSQL database"),
        ("ducklake:postgres:dbname=r password=hunter2", "PGPASSWORD"),
    ]:
        with pytest.raises(ConfigError, match=words) as info:
            parse_target(bad)
        assert "hunter2" not in str(info.value)


def test_core_paths_give_the_same_answers_on_a_file_and_a_sqlite_lake(tmp_path: Path) -> None:
    """add, collect, record, import and report through the Tracker on both backends: same rows, same report."""
    from reach.tracker import Tracker

    def handler(request: httpx.Request) -> httpx.Response:
        bvid = request.url.params["bvid"]
        return httpx.Response(200, json=bili_view(bvid, views_of(bvid, 0)))

    sheet = tmp_path / "本周数据.csv"
    sheet.write_text(f"链接,播放量\nhttps://www.bilibili.com/video/{IDS[1]},99999\n", encoding="utf-8")
    results = []
    for db in (str(tmp_path / "r.duckdb"), f"ducklake:sqlite:{tmp_path}/catalog.sqlite"):
        settings = Settings(min_interval={"*": 0.0}, retry_backoff=0.0, timezone="UTC", lang="en")
        clock = lambda: DAY0 + timedelta(hours=6)  # noqa: E731
        with Tracker(db, settings=settings, transport=httpx.MockTransport(handler), clock=clock) as t:
            assert [r.post_key for r in t.add(*IDS[:3], campaign=CAMPAIGN)] == [f"bilibili:{i}" for i in IDS[:3]]
            t.add(IDS[0], campaign=CAMPAIGN)  # again: still one post
            summary = t.collect(campaign=CAMPAIGN)
            assert (summary.ok, summary.total) == (3, 3)
            t.record(IDS[0], views=123456, likes="1.2万", at=DAY0 + timedelta(hours=2))
            imported = t.import_file(sheet, campaign=CAMPAIGN, at=DAY0 + timedelta(hours=3))
            assert imported.written == 1
            assert t.import_file(sheet, campaign=CAMPAIGN, at=DAY0 + timedelta(hours=3)).written == 0  # same file
            store = t.store
            assert (store.lake is not None) is is_lake(db)
            counts = table_counts(store)
            posts = [(p.post_key, p.metrics.views, p.sources.get("views")) for p in t.posts()]
            rep = t.report(campaign=CAMPAIGN, since=DAY0.date(), until=DAY0.date()).to_dict()
            rep.pop("generated_at")
            results.append((counts, posts, rep))
    (file_counts, file_posts, file_rep), (lake_counts, lake_posts, lake_rep) = results
    assert lake_counts == file_counts and all(rows == keys for rows, keys in lake_counts.values())
    assert lake_posts == file_posts and (lake_posts[0][1].value, lake_posts[0][2]) == (123456, "manual")
    assert lake_rep == file_rep


def test_a_lake_is_reopened_with_its_history_and_schema(tmp_path: Path) -> None:
    target = f"ducklake:sqlite:{tmp_path}/c.sqlite"
    with Store(target) as store:
        version = store.schema_version
        store.add_post(PostRef("bilibili", IDS[0]), campaign="c")
        views = store.con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'post_latest'").fetchone()
        assert views == (1,)
    with Store(target, create=False) as store:
        assert store.schema_version == version and [p.post_key for p in store.posts()] == [f"bilibili:{IDS[0]}"]
        guard = store.con.execute("SELECT count(*) FROM reach_lake_guard").fetchone()
        assert guard == (1,)
    assert oct(os.stat(tmp_path / "c.sqlite").st_mode & 0o777) == "0o600"


def test_a_new_postgres_lake_needs_a_data_path(postgres: str) -> None:
    target = _new_pg_database(postgres, "reach_nodata")
    with pytest.raises(ConfigError, match="--data-path"):
        Store(target)


def _run_workers(port: int, lakes: list[tuple[str, str]]) -> list[dict[str, int]]:
    """Start 4 collector processes per lake, all at once; wait for all."""
    procs = []
    for db, data in lakes:
        for worker in range(4):
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        "from tests.test_lake import _worker; _worker()",
                        str(port),
                        db,
                        data,
                        str(worker // 2),
                    ],  # fmt: skip
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env={**os.environ, "PYTHONPATH": str(ROOT)},
                )
            )
    finished: list[tuple[int, str, str]] = []
    try:
        for proc in procs:
            stdout, stderr = proc.communicate(timeout=120)
            finished.append((proc.returncode, stdout, stderr))
    finally:  # a failure or timeout never leaves processes or open pipes behind for later tests
        for proc in procs[len(finished) :]:
            proc.kill()
            proc.communicate()
    out = []
    for returncode, stdout, stderr in finished:
        assert returncode == 0, stderr[-2000:]
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def test_four_collectors_per_lake_commit_at_once_and_every_snapshot_lands_once(
    postgres: str, platform: int, tmp_path: Path
) -> None:
    """4 processes on a PostgreSQL-catalog lake and 4 on a SQLite-catalog lake, at the same time: each
    adds the same 8 posts and collects them (two by two as of the same moment, so their snapshots
    race for the same ids). Every snapshot lands exactly once and the campaign report equals the one
    from a single DuckDB file fed the same collections one after the other."""
    pg = _new_pg_database(postgres, "reach_many")
    sqlite = f"ducklake:sqlite:{tmp_path}/catalog.sqlite"
    pg_data = tmp_path / "pg-data"
    results = _run_workers(platform, [(pg, str(pg_data)), (sqlite, "")])
    assert all(r == {"ok": len(IDS), "total": len(IDS)} for r in results)

    reference = str(tmp_path / "one.duckdb")
    for worker in range(4):
        collect_day(reference, None, platform, worker // 2, IDS)
    file_counts: dict[str, Any] = {}
    expected = report_of(reference, file_counts)
    assert [b["views"]["value"] for b in expected["totals"]] == [sum(views_of(i, d) for i in IDS) for d in range(2)] + [
        sum(views_of(i, 1) for i in IDS)
    ]
    for db in (pg, sqlite):
        counts: dict[str, Any] = {}
        assert report_of(db, counts) == expected, db
        assert counts["snapshots"] == (2 * len(IDS), 2 * len(IDS)), db  # two moments, each stored once
        assert counts["posts"] == (len(IDS), len(IDS)) and counts["post_state"] == (len(IDS), len(IDS))
        assert counts["runs"] == (4, 4) and counts["run_outcomes"] == (4 * len(IDS), 4 * len(IDS))
        assert counts == file_counts


def test_migrate_a_file_into_a_postgres_lake_and_back(postgres: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from reach import cli
    from reach.tracker import Tracker

    source = str(tmp_path / "office.duckdb")
    settings = Settings(timezone="UTC", lang="en")
    with Tracker(source, settings=settings, clock=lambda: DAY0 + timedelta(hours=6)) as t:
        t.add(*IDS[:3], campaign=CAMPAIGN)
        t.record(IDS[0], views=1000, at=DAY0)
        t.record(IDS[0], views=2500, at=DAY0 + timedelta(hours=1))
    with Store(source) as store:
        expected = table_counts(store)
    lake = _new_pg_database(postgres, "reach_migrate")
    runner = CliRunner()
    args = ["--data-path", str(tmp_path / "lake-data"), "migrate", "--from", source, "--to", lake]
    first = runner.invoke(cli.app, args)
    assert first.exit_code == 0, first.output
    assert "copied 3 posts" in first.output and "2 snapshots" in first.output
    again = runner.invoke(cli.app, args)  # the same history: nothing written, no error
    assert again.exit_code == 0 and "already holds this history" in again.output
    back = str(tmp_path / "back.duckdb")
    result = runner.invoke(cli.app, ["migrate", "--from", lake, "--to", back])
    assert result.exit_code == 0, result.output
    with Store(back) as store:
        assert table_counts(store) == expected
    assert report_of(back) == report_of(source)  # back came from the lake: the lake held it all

    other = str(tmp_path / "other.duckdb")
    with Tracker(other, settings=settings) as t:
        t.add("BV1a7421K7R9")
    refused = runner.invoke(cli.app, ["migrate", "--from", other, "--to", lake])
    assert refused.exit_code == 2 and "already holds another history" in refused.output
    with Store(lake) as store:
        assert table_counts(store) == expected  # nothing written
    same = runner.invoke(cli.app, ["migrate", "--from", source, "--to", source])
    assert same.exit_code == 2 and "the same database" in same.output
    missing = runner.invoke(cli.app, ["migrate", "--from", str(tmp_path / "none.duckdb"), "--to", back])
    assert missing.exit_code != 0 and "no database at" in missing.output


def test_without_the_extra_one_clear_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib.util

    from typer.testing import CliRunner

    from reach import cli

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name.startswith("duckdb_extension") else real(name, *a)
    )
    result = CliRunner().invoke(cli.app, ["--db", f"ducklake:sqlite:{tmp_path}/c.sqlite", "posts"])
    assert result.exit_code == 2
    assert result.output.strip() == "error: DuckLake needs the lake extra: pip install '.[lake]' in your reach checkout"
    assert not (tmp_path / "c.sqlite").exists()


def test_a_conflicting_commit_is_retried_whole_and_writes_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import duckdb

    from reach import lake

    store = Store(f"ducklake:sqlite:{tmp_path}/c.sqlite")
    real = Store._add_post
    calls = []

    def flaky(self: Store, *args: Any) -> bool:
        calls.append(1)
        result = real(self, *args)
        if len(calls) == 1:  # the rows are written, then the commit fails: all of it must roll back
            raise duckdb.TransactionException("Failed to commit DuckLake transaction. Transaction conflict")
        return result

    monkeypatch.setattr(Store, "_add_post", flaky)
    assert store.add_post(PostRef("bilibili", IDS[0]), campaign="c") is True
    assert len(calls) == 2 and table_counts(store)["posts"] == (1, 1)
    assert table_counts(store)["campaign_posts"] == (1, 1)
    store.close()

    def always() -> None:
        raise duckdb.TransactionException("database is locked")

    started = time.monotonic()
    with pytest.raises(lake.DatabaseBusy, match="stayed busy"):
        lake.retrying(always, timeout=1.0)
    assert time.monotonic() - started < 10
    with pytest.raises(ValueError):  # not a lake conflict: raised at once
        lake.retrying(lambda: int("x"), timeout=30.0)


def test_migrations_lose_only_their_constraints_on_a_lake() -> None:
    from reach.store import _lake_sql

    assert _lake_sql("CREATE TABLE t (a VARCHAR PRIMARY KEY, b INT, PRIMARY KEY (a, b))") == (
        "CREATE TABLE t (a VARCHAR NOT NULL, b INT)"
    )
    assert _lake_sql("CREATE UNIQUE INDEX i ON t (a)") == "" and _lake_sql("CREATE INDEX i ON t (a)") == ""
    assert _lake_sql("CREATE TABLE u (a VARCHAR UNIQUE, b INT)") == "CREATE TABLE u (a VARCHAR, b INT)"
