"""Hostile checks of the DuckLake backend on SQLite-catalog lakes (fast; no PostgreSQL): bad targets
and data paths write nothing and echo no password, ``reach migrate`` keeps every table's every cell
(file -> lake -> file), an interrupted migrate can be run again, reports are byte-identical on a
lake and a file, and two processes importing the same file at once store it once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from reach import cli
from reach.config import Settings
from reach.errors import ConfigError
from reach.lake import parse_target
from reach.models import PostRef
from reach.store import Store

from .conftest import bili_view
from .test_lake import _extension_cache, _needs_extra  # noqa: F401 - fixtures: skip without the extra

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = "禁毒宣传"
IDS = [f"BV1a7421K7Q{d}" for d in "1234"]
DAY0 = datetime(2026, 6, 20, 12, tzinfo=timezone.utc)
runner = CliRunner()


def _tables(store: Store) -> dict[str, list[str]]:
    """Every reach table's rows, each row as its repr, sorted (the lake's guard and migration log aside)."""
    names = [
        r[0]
        for r in store.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
            "AND table_type = 'BASE TABLE' AND table_name NOT IN ('schema_migrations', 'reach_lake_guard') ORDER BY 1"
        ).fetchall()
    ]
    out = {}
    for name in names:
        columns = ", ".join(
            f'"{r[0]}"'
            for r in store.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() "
                "AND table_name = ? ORDER BY ordinal_position",
                [name],
            ).fetchall()
        )
        out[name] = sorted(repr(row) for row in store.con.execute(f'SELECT {columns} FROM "{name}"').fetchall())
    return out


def _history(path: str) -> None:
    """A file with something in every table: collected, recorded (0 and unknown, 万 and 10万+ and
    extras), imported (an alias), an alert channel with events and a delivery."""
    from reach.tracker import Tracker

    def handler(request: httpx.Request) -> httpx.Response:
        bvid = request.url.params["bvid"]
        if bvid == IDS[3]:
            return httpx.Response(200, json={"code": -404, "message": "啥都木有", "ttl": 1})
        return httpx.Response(200, json=bili_view(bvid, 12345 + len(bvid)))

    sheet = Path(path).with_name("本周 数据.csv")
    sheet.write_text(f"链接,播放量,点赞\nhttps://www.bilibili.com/video/{IDS[1]},99999,0\n", encoding="utf-8")
    settings = Settings(min_interval={"*": 0.0}, retry_backoff=0.0, timezone="Asia/Shanghai", lang="en")
    at = DAY0 + timedelta(hours=6, microseconds=123456)
    with Tracker(path, settings=settings, transport=httpx.MockTransport(handler), clock=lambda: at) as t:
        t.add(*IDS, campaign=CAMPAIGN)
        t.add(IDS[0], campaign="第二个 campaign")
        t.collect(campaign=CAMPAIGN)
        t.record(IDS[0], views=0, likes="1.2万", shares="10万+", extra={"在看": 12}, at=DAY0, note="后台 'quoted'")
        t.record(IDS[2], views=5, at=DAY0 + timedelta(seconds=1, microseconds=7))  # likes unknown: NULL
        t.import_file(sheet, campaign=CAMPAIGN, at=DAY0 + timedelta(hours=3))
        store = t.store
        store.add_alert_channel(
            ["ch1", CAMPAIGN, "generic", "https://hook.example/x", "s3cr3t-hook", 12.5, "[100000]", DAY0]
        )
        store.add_alert_events([("ev1", "ch1", CAMPAIGN, "milestone", "10万", '{"n": 1}', DAY0)])
        store.record_alert_delivery("ev1", "ch1", True, "200 OK")
        store.write_owner_data([], aliases=[("wechat_channels", "视频ID 1", f"bilibili:{IDS[0]}")])


def test_migrate_file_to_lake_to_file_keeps_every_cell(tmp_path: Path) -> None:
    """The round trip through a lake whose path has spaces and Chinese characters: every table, every
    column, NULL vs 0, raw strings, extras JSON, kinds and granularities, microseconds."""
    source = str(tmp_path / "office.duckdb")
    _history(source)
    folder = tmp_path / "共享 湖"
    folder.mkdir()
    lake = f"ducklake:sqlite:{folder}/目录 catalog.sqlite"
    back = str(tmp_path / "back again.duckdb")
    first = runner.invoke(cli.app, ["migrate", "--from", source, "--to", lake])
    assert first.exit_code == 0, first.output
    second = runner.invoke(cli.app, ["migrate", "--from", lake, "--to", back])
    assert second.exit_code == 0, second.output
    with Store(source) as a, Store(lake, create=False) as b, Store(back, create=False) as c:
        want = _tables(a)
        assert all(want[t] for t in want), [t for t in want if not want[t]]  # every table holds rows
        assert _tables(b) == want
        assert _tables(c) == want
        nulls = a.con.execute("SELECT count(*) FROM snapshots WHERE likes IS NULL").fetchone()
        zeros = a.con.execute("SELECT count(*) FROM snapshots WHERE views = 0").fetchone()
        assert nulls and nulls[0] and zeros and zeros[0]
    again = runner.invoke(cli.app, ["migrate", "--from", lake, "--to", back])  # back holds it: a no-op
    assert again.exit_code == 0 and "already holds this history" in again.output


def test_migrate_into_a_lake_holding_another_history_is_refused(tmp_path: Path) -> None:
    lake = f"ducklake:sqlite:{tmp_path}/c.sqlite"
    with Store(lake) as store:
        store.add_post(PostRef("bilibili", IDS[0]), campaign="c")
        before = _tables(store)
    source = str(tmp_path / "other.duckdb")
    with Store(source) as store:
        store.add_post(PostRef("bilibili", IDS[1]), campaign="c")
    result = runner.invoke(cli.app, ["migrate", "--from", source, "--to", lake])
    assert result.exit_code == 2 and "already holds another history" in result.output
    with Store(lake, create=False) as store:
        assert _tables(store) == before


def _migrate_proc(source: str, target: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "reach", "migrate", "--from", source, "--to", target],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_a_migrate_killed_halfway_leaves_nothing_half_and_runs_again(tmp_path: Path) -> None:
    """SIGKILL while migrating into a lake: the target holds all of the history or none of it, and
    running the same migrate again completes it."""
    source = str(tmp_path / "office.duckdb")
    _history(source)
    lake = f"ducklake:sqlite:{tmp_path}/c.sqlite"
    proc = _migrate_proc(source, lake)
    deadline = time.monotonic() + 60
    while not (tmp_path / "c.sqlite").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # somewhere in opening, creating or copying
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    with Store(source) as a:
        want = _tables(a)
    if (tmp_path / "c.sqlite").exists():
        with Store(lake, create=False) as b:
            got = _tables(b)
        assert got == want or not any(got.values()), "a half-copied history"
    rerun = _migrate_proc(source, lake)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    with Store(lake, create=False) as b:
        assert _tables(b) == want


@pytest.mark.parametrize(
    ("target", "data", "words"),
    [
        ("ducklake:", None, "names no catalog"),
        ("ducklake:sqlite:", None, "names no catalog file"),
        ("ducklake:nosuch:x", None, "unknown DuckLake catalog 'nosuch'"),
        ("ducklake:postgres:postgresql://reach:hunter2@127.0.0.1:1/reach", None, "PGPASSWORD"),
        ("ducklake:postgres:dbname=reach PASSWORD=hunter2 host=127.0.0.1", None, "PGPASSWORD"),
        ("ducklake:sqlite:{tmp}/c.sqlite", "{tmp}/a-file", "is a file, not a folder"),
        ("ducklake:sqlite:{tmp}/c.sqlite", "{tmp}/no/such/data", "does not exist"),
    ],
)
def test_bad_targets_one_line_nothing_written_no_password(
    tmp_path: Path, target: str, data: str | None, words: str
) -> None:
    (tmp_path / "a-file").write_text("x")
    before = sorted(p.name for p in tmp_path.iterdir())
    args = ["--db", target.format(tmp=tmp_path)]
    if data:
        args += ["--data-path", data.format(tmp=tmp_path)]
    for command in [["add", IDS[0]]] if data else [["posts"], ["add", IDS[0]]]:
        result = runner.invoke(cli.app, [*args, *command])
        assert result.exit_code == 2, result.output
        assert words in result.output and "hunter2" not in result.output
        assert len(result.output.strip().splitlines()) == 1 and "internal error" not in result.output
    migrated = runner.invoke(cli.app, ["migrate", "--from", str(tmp_path / "none.duckdb"), "--to", args[1]])
    assert migrated.exit_code != 0 and "hunter2" not in migrated.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_named_and_nothing_written(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        for args in (["--db", f"ducklake:sqlite:{ro}/c.sqlite"], ["--db", f"ducklake:sqlite:{tmp_path}/c.sqlite",
                     "--data-path", str(ro / "data")]):  # fmt: skip
            result = runner.invoke(cli.app, [*args, "add", IDS[0]])
            assert result.exit_code == 2 and "internal error" not in result.output, result.output
        assert not list(ro.iterdir()) and not (tmp_path / "c.sqlite").exists()
    finally:
        ro.chmod(0o755)


def test_reports_are_byte_identical_on_a_lake_and_a_file(tmp_path: Path) -> None:
    source = str(tmp_path / "office.duckdb")
    _history(source)
    lake = f"ducklake:sqlite:{tmp_path}/c.sqlite"
    assert runner.invoke(cli.app, ["migrate", "--from", source, "--to", lake]).exit_code == 0
    for fmt, table in [("csv", "buckets"), ("csv", "posts"), ("json", "buckets"), ("jsonl", "posts")]:
        outputs = []
        for db in (source, lake):
            out = tmp_path / f"r-{fmt}-{table}-{len(outputs)}.{fmt}"
            args = ["--db", db, "report", "-c", CAMPAIGN, "-f", fmt, "--table", table, "--tz", "UTC", "-o", str(out)]
            result = runner.invoke(cli.app, args)
            assert result.exit_code == 0, result.output
            data = out.read_bytes()
            if fmt == "json":
                obj = json.loads(data)
                obj.pop("generated_at", None)
                data = json.dumps(obj, sort_keys=True).encode()
            outputs.append(data)
        assert outputs[0] == outputs[1], (fmt, table)


def test_doctor_and_config_show_on_a_lake(tmp_path: Path) -> None:
    lake = f"ducklake:sqlite:{tmp_path}/c.sqlite"
    doctor = runner.invoke(cli.app, ["--db", lake, "doctor", "-f", "json"])
    assert "internal error" not in doctor.output and "DuckLake" in doctor.output, doctor.output
    shown = runner.invoke(cli.app, ["--db", lake, "config", "show"])
    assert shown.exit_code == 0 and "ducklake:sqlite:" in shown.output, shown.output
    assert not (tmp_path / "c.sqlite").exists()  # looking creates nothing


def _import_worker() -> None:  # python -c "...; _import_worker()" DB FILE|record
    from reach.tracker import Tracker

    db, sheet = sys.argv[1], sys.argv[2]
    with Tracker(db, settings=Settings(timezone="UTC", lock_timeout=60.0)) as t:
        if sheet == "record":  # the same owner numbers at the same moment: one snapshot
            written = sum(t.record(i, views=777, likes="1.2万", at=DAY0).written for i in IDS)
            print(json.dumps({"written": written, "source": "manual"}), flush=True)
            return
        result = t.import_file(sheet, campaign=CAMPAIGN)
    print(json.dumps({"written": result.written, "source": result.source}), flush=True)


def test_the_same_file_imported_by_two_processes_at_once_is_stored_once(tmp_path: Path) -> None:
    """The same bytes under two names, imported at the same moment into one lake: one observation."""
    lake = f"ducklake:sqlite:{tmp_path}/c.sqlite"
    with Store(lake) as store:
        for i in IDS:
            store.add_post(PostRef("bilibili", i), campaign=CAMPAIGN)
    text = "链接,播放量\n" + "".join(f"https://www.bilibili.com/video/{i},{1000 + n}\n" for n, i in enumerate(IDS))
    stamp = (DAY0 - timedelta(days=1)).timestamp()
    sheets = [tmp_path / "周报.csv", tmp_path / "周报 (1).csv"]
    for sheet in sheets:
        sheet.write_text(text, encoding="utf-8")
        os.utime(sheet, (stamp, stamp))
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from tests.test_lake_hostile import _import_worker; _import_worker()",
                lake,
                str(s),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for s in [*sheets, *sheets, "record", "record"]
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["written"] for r in results) == 2 * len(IDS)
    with Store(lake, create=False) as store:
        rows = store.con.execute("SELECT count(*), count(DISTINCT post_key), count(DISTINCT source) FROM snapshots")
        assert rows.fetchone() == (2 * len(IDS), len(IDS), 2)
        assert store.con.execute("SELECT count(DISTINCT snapshot_id) FROM snapshots").fetchone() == (2 * len(IDS),)
        assert store.con.execute("SELECT count(*) FROM imports").fetchone() == (1,)


def test_an_import_racing_another_process_is_redone_with_its_time_and_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic form of the race above: the other process's import commits between this one's
    look-up of the file and its write."""
    from reach.tracker import Tracker

    lake = f"ducklake:sqlite:{tmp_path}/c.sqlite"
    text = f"链接,播放量\nhttps://www.bilibili.com/video/{IDS[0]},1000\n"
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for sheet in (first, second):
        sheet.write_text(text, encoding="utf-8")
    settings = Settings(timezone="UTC")
    with Tracker(lake, settings=settings) as t:
        t.add(IDS[0], campaign=CAMPAIGN)
        t.import_file(first, campaign=CAMPAIGN, at=DAY0)
        real = Store.imported_file
        calls: list[int] = []

        def unseen_once(self: Store, sha: str) -> Any:
            calls.append(1)
            return None if len(calls) == 1 else real(self, sha)

        monkeypatch.setattr(Store, "imported_file", unseen_once)
        result = t.import_file(second, campaign=CAMPAIGN)  # its mtime is another time; its name another name
        assert result.written == 0 and result.observed_at == DAY0 and len(calls) == 2
        assert t.store.con.execute("SELECT count(*), count(DISTINCT source) FROM snapshots").fetchone() == (1, 1)


def test_parse_target_keeps_passwords_out(tmp_path: Path) -> None:
    for bad in ("ducklake:postgres:postgres://u:pw-hunter2@h/db", "ducklake:postgres:host=h password=hunter2"):
        with pytest.raises(ConfigError) as info:
            parse_target(bad)
        assert "hunter2" not in str(info.value)
    assert parse_target("ducklake:postgres:dbname=r host=h user=someone@corp").catalog == "postgres"


def test_without_the_extra_migrate_and_doctor_say_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib.util

    source = str(tmp_path / "office.duckdb")
    with Store(source) as store:
        store.add_post(PostRef("bilibili", IDS[0]))
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name.startswith("duckdb_extension") else real(name, *a)
    )
    lake = f"ducklake:sqlite:{tmp_path}/c.sqlite"
    for args in (["migrate", "--from", source, "--to", lake], ["migrate", "--from", lake, "--to", source + "2"],
                 ["--db", lake, "report"], ["--db", lake, "add", IDS[1]]):  # fmt: skip
        result = runner.invoke(cli.app, args)
        assert result.exit_code == 2, (args, result.output)
        assert (
            result.output.strip()
            == "error: DuckLake needs the lake extra: pip install '.[lake]' in your reach checkout"
        ), args
    assert sorted(p.name for p in tmp_path.iterdir()) == ["office.duckdb"]


def test_reading_a_lake_that_does_not_exist_creates_none(tmp_path: Path) -> None:
    """A typo in --from or --db of a read: one line, no new lake, no target file."""
    typo = f"ducklake:sqlite:{tmp_path}/typo.sqlite"
    for args in (["migrate", "--from", typo, "--to", str(tmp_path / "x.duckdb")], ["--db", typo, "report"],
                 ["--db", typo, "posts"]):  # fmt: skip
        result = runner.invoke(cli.app, args)
        assert result.exit_code == 2 and "no DuckLake catalog at" in result.output, (args, result.output)
    assert not list(tmp_path.iterdir())


def test_a_catalog_given_as_a_duckdb_file_is_named_without_the_network(tmp_path: Path) -> None:
    """DuckDB opens a SQLite file by downloading its sqlite extension: reach says what the file is instead."""
    lake = f"ducklake:sqlite:{tmp_path}/c.sqlite"
    with Store(lake) as store:
        store.add_post(PostRef("bilibili", IDS[0]))
    catalog = str(tmp_path / "c.sqlite")
    for args in (["--db", catalog, "posts"], ["migrate", "--from", lake, "--to", catalog],
                 ["migrate", "--from", catalog, "--to", str(tmp_path / "x.duckdb")]):  # fmt: skip
        result = runner.invoke(cli.app, args)
        assert result.exit_code == 2 and "is a SQLite file" in result.output, (args, result.output)
        assert "extensions.duckdb.org" not in result.output
    doctor = runner.invoke(cli.app, ["--db", catalog, "doctor"])
    assert "is a SQLite file" in doctor.output and "extensions.duckdb.org" not in doctor.output
    assert not (tmp_path / "x.duckdb").exists()


def test_config_show_doctor_and_schedule_never_show_a_password_and_keep_the_target(tmp_path: Path) -> None:
    for db in ("ducklake:postgres:dbname=r host=h password=hunter2", "ducklake:postgres:postgresql://u:hunter2@h/r"):
        for command in (["config", "show"], ["doctor"], ["schedule"]):
            result = runner.invoke(cli.app, ["--db", db, *command])
            assert result.exit_code == 2 and "hunter2" not in result.output, (command, result.output)
            assert "PGPASSWORD" in result.output
    relative = os.path.relpath(tmp_path / "c.sqlite")
    result = runner.invoke(cli.app, ["--db", f"ducklake:sqlite:{relative}", "schedule"])
    assert result.exit_code == 0 and f"--db ducklake:sqlite:{tmp_path}/c.sqlite " in result.output, result.output
    shown = runner.invoke(cli.app, ["--db", f"ducklake:sqlite:{tmp_path}/c.sqlite", "config", "show"])
    assert "does not exist yet" in shown.output
    Store(f"ducklake:sqlite:{tmp_path}/c.sqlite").close()
    shown = runner.invoke(cli.app, ["--db", f"ducklake:sqlite:{tmp_path}/c.sqlite", "config", "show"])
    assert "c.sqlite (exists" in shown.output, shown.output


def test_an_unusable_extension_folder_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cache").write_text("a file, not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    result = runner.invoke(cli.app, ["--db", f"ducklake:sqlite:{tmp_path}/c.sqlite", "add", IDS[0]])
    assert result.exit_code == 2 and "cannot create the DuckLake extension folder" in result.output, result.output
    assert not (tmp_path / "c.sqlite").exists()


def test_a_sqlite_lake_made_with_its_own_data_path_reopens_without_it(tmp_path: Path) -> None:
    """--data-path is needed only when a lake is made: later commands (cron lines) leave it out."""
    lake = f"ducklake:sqlite:{tmp_path}/odd ?#%20/c.sqlite"
    (tmp_path / "odd ?#%20").mkdir()
    made = runner.invoke(cli.app, ["--db", lake, "--data-path", str(tmp_path / "parquet"), "add", IDS[0]])
    assert made.exit_code == 0, made.output
    for args in (
        ["--db", lake, "add", IDS[1]],
        ["--db", lake, "record", IDS[0], "--views", "5", "--at", "2026-06-01 10:00"],
    ):
        result = runner.invoke(cli.app, args)
        assert result.exit_code == 0, result.output
    other = runner.invoke(cli.app, ["--db", lake, "--data-path", str(tmp_path / "other"), "posts"])
    assert other.exit_code == 2 and "differs from the data path stored" in other.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd ?#%20", "parquet"]  # no stray folders
    assert sorted(p.name for p in (tmp_path / "odd ?#%20").iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "c.sqlite"
    ]
    with Store(lake, create=False) as store:
        assert len(store.posts()) == 2
