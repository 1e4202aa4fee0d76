"""Unattended collection: due schedules, deleted posts, run and failure memory, schedule, doctor."""

from __future__ import annotations

import json
import os
import stat
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from reach import cli
from reach.config import Settings
from reach.doctor import FAIL, OK, WARN, check_cookie_file, diagnose, mask
from reach.errors import ConfigError
from reach.models import PostRef
from reach.schedule import DEFAULT, PostState, next_due, parse_schedule, schedule_for
from reach.store import SCHEMA_VERSION, Store
from reach.tracker import Tracker

from .conftest import bili_view, json_response

runner = CliRunner()
T0 = datetime(2026, 6, 1, 0, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)
BVS = ["BV1a7421K7Qg", "BV1a7421K7Qu", "BV1a7421K7QM"]


def invoke(*args: str) -> Any:
    return runner.invoke(cli.app, list(args))


# -- schedules ---------------------------------------------------------------------------------


def test_default_schedule_by_age() -> None:
    assert DEFAULT.interval(timedelta(0)) == H
    assert DEFAULT.interval(23 * H) == H
    assert DEFAULT.interval(24 * H) == 6 * H
    assert DEFAULT.interval(6 * 24 * H) == 6 * H
    assert DEFAULT.interval(7 * 24 * H) == 24 * H
    assert DEFAULT.interval(30 * 24 * H) == 7 * 24 * H
    assert DEFAULT.interval(400 * 24 * H) == 7 * 24 * H
    stop = parse_schedule("30m until 2d, then stop")
    assert stop.interval(H) == timedelta(minutes=30) and stop.interval(49 * H) is None
    assert parse_schedule("2h").interval(1000 * H) == 2 * H


@pytest.mark.parametrize("text", ["", "1h until", "every hour", "1h until 1d, 6h until 1d", "0h", "1x until 2d"])
def test_bad_schedules_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError, match="e.g."):
        parse_schedule(text)


def test_next_due_catches_up_once_and_allows_cron_jitter() -> None:
    born = T0
    never = next_due(None, DEFAULT, born, T0 + 5 * H)
    assert never == T0 + 5 * H  # never tried: due now
    ok = PostState("p", last_attempt_at=T0 + 2 * H, last_ok_at=T0 + 2 * H, last_status="ok")
    due = next_due(ok, DEFAULT, born, T0 + 2 * H + timedelta(minutes=15))
    assert due is not None and T0 + 2 * H + timedelta(minutes=15) < due <= T0 + 3 * H
    # a cron tick a few seconds early still counts (slack), the tick before does not
    assert next_due(ok, DEFAULT, born, T0 + 3 * H - timedelta(seconds=5))
    assert next_due(ok, DEFAULT, born, T0 + 3 * H) <= T0 + 3 * H - timedelta(seconds=5)  # type: ignore[operator]
    # after a missed night: due once; the run's success moves the next sample a full interval on
    late = T0 + 14 * H
    assert next_due(ok, DEFAULT, born, late) <= late  # type: ignore[operator]
    caught_up = PostState("p", last_attempt_at=late, last_ok_at=late, last_status="ok")
    assert next_due(caught_up, DEFAULT, born, late + timedelta(minutes=15)) > late + timedelta(minutes=15)  # type: ignore[operator]


def test_failing_posts_back_off_but_not_beyond_their_interval() -> None:
    now = T0 + 40 * 24 * H  # weekly
    for streak, pause in ((1, timedelta(minutes=15)), (3, timedelta(hours=1)), (12, timedelta(days=7))):
        state = PostState(
            "p", last_attempt_at=now, last_ok_at=now - 30 * 24 * H, last_status="blocked", fail_streak=streak
        )
        due = next_due(state, DEFAULT, T0, now)
        assert due is not None and now + pause * 0.74 <= due <= now + pause


def test_a_post_in_several_campaigns_follows_the_most_frequent() -> None:
    slow, fast = parse_schedule("1d"), parse_schedule("10m until 1d, then 1d")
    assert schedule_for(["a", "b"], {"a": slow, "b": fast}) is fast
    assert schedule_for([], {"a": slow}) is DEFAULT
    assert schedule_for(["c"], {"a": slow}) is DEFAULT


def test_schedule_in_config(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('schedule = "2h"\n[campaigns."禁毒"]\nschedule = "15m until 1d, then stop"\n', encoding="utf-8")
    default, own = Settings.load(config_file=cfg).schedules()
    assert default.interval(H) == 2 * H and own["禁毒"].interval(H) == timedelta(minutes=15)
    cfg.write_text('[campaigns."禁毒"]\nschedule = "sometimes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="sometimes"):
        Settings.load(config_file=cfg)
    cfg.write_text('[campaigns."禁毒"]\nshedule = "1h"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="shedule"):
        Settings.load(config_file=cfg)


# -- collect --due, deleted posts, runs and failures through the CLI -----------------------------


@pytest.fixture
def bili(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The CLI's tracker talks to a mock bilibili; ``state["answers"][bvid]`` overrides the answer."""
    state: dict[str, Any] = {"answers": {}, "asked": []}

    def handler(request: httpx.Request) -> httpx.Response:
        bvid = request.url.params.get("bvid", "")
        state["asked"].append(bvid)
        answer = state["answers"].get(bvid)
        return answer if answer is not None else json_response(bili_view(bvid))

    def factory() -> Tracker:
        settings = Settings.load(config_file=cli.state.config, db=cli.state.db).with_(
            min_interval={"*": 0.0}, retry_backoff=0.0, lock_timeout=1.0
        )
        return Tracker(settings=settings, transport=httpx.MockTransport(handler))

    monkeypatch.setattr(cli, "_tracker", factory)
    return state


def _age(db: Path, by: timedelta) -> None:
    """Pretend ``by`` has passed: every stored time moves back."""
    with Store(db) as store:
        secs = int(by.total_seconds())
        store.con.execute(f"UPDATE posts SET added_at = added_at - INTERVAL {secs} SECOND")
        store.con.execute(
            f"UPDATE post_state SET last_attempt_at = last_attempt_at - INTERVAL {secs} SECOND, "
            f"last_ok_at = last_ok_at - INTERVAL {secs} SECOND"
        )
        store.con.execute(f"UPDATE runs SET started_at = started_at - INTERVAL {secs} SECOND")


def test_collect_due_from_cron_every_15_minutes(tmp_path: Path, bili: dict[str, Any]) -> None:
    db = tmp_path / "cron.duckdb"
    assert invoke("--db", str(db), "add", *BVS, "-c", "禁毒").exit_code == 0
    with Store(db) as store:  # published two days ago: a 6-hourly post (bili_view says 2026-06-20)
        store.con.execute("UPDATE posts SET published_at = now() - INTERVAL 2 DAY")
    r = invoke("--db", str(db), "-q", "collect", "--due")
    assert r.exit_code == 0 and r.stderr == "" and len(bili["asked"]) == 3
    with Store(db) as store:
        store.con.execute("UPDATE posts SET published_at = now() - INTERVAL 2 DAY")
    # every 15 minutes: nothing due, nothing fetched, no run recorded, silence
    for _ in range(3):
        _age(db, timedelta(minutes=15))
        r = invoke("--db", str(db), "-q", "collect", "--due")
        assert r.exit_code == 0 and r.stdout == "" and r.stderr == ""
    assert len(bili["asked"]) == 3
    r = invoke("--db", str(db), "collect", "--due")
    assert r.exit_code == 0 and "nothing due (3 post(s) tracked); next sample due" in r.stderr
    # a missed night: one run catches up, the next tick has nothing to do
    _age(db, timedelta(hours=10))
    assert invoke("--db", str(db), "-q", "collect", "--due").exit_code == 0
    assert len(bili["asked"]) == 6
    _age(db, timedelta(minutes=15))
    assert invoke("--db", str(db), "-q", "collect", "--due").exit_code == 0
    assert len(bili["asked"]) == 6
    r = invoke("--db", str(db), "runs", "--format", "json")
    runs = json.loads(r.stdout)
    assert [x["posts"] for x in runs] == [3, 3] and all(x["selection"] == "all due" for x in runs)


def test_deleted_post_is_reported_once_then_no_longer_fetched(tmp_path: Path, bili: dict[str, Any]) -> None:
    db = tmp_path / "gone.duckdb"
    assert invoke("--db", str(db), "add", *BVS[:2]).exit_code == 0
    bili["answers"][BVS[0]] = json_response({"code": -404, "message": "啥都木有", "ttl": 1})
    for _ in range(2):
        r = invoke("--db", str(db), "-q", "collect")
        assert r.exit_code == 4 and "treated as deleted" not in r.stderr
    r = invoke("--db", str(db), "-q", "collect")
    assert r.exit_code == 4 and f"{'bilibili:' + BVS[0]}: unavailable 3 times in a row: treated as deleted" in r.stderr
    bili["asked"].clear()
    r = invoke("--db", str(db), "-q", "collect")
    assert r.exit_code == 0 and r.stderr == "" and bili["asked"] == [BVS[1]]
    r = invoke("--db", str(db), "-q", "collect", "--due")
    assert bili["asked"] == [BVS[1]]  # not due, and the deleted one is never due
    r = invoke("--db", str(db), "failures", "--since", "1d")
    assert r.exit_code == 0
    assert "(code -404): the video does not exist or was deleted" in r.stdout
    assert "no longer fetched" in r.stdout and "flagged posts:" in r.stdout
    r = invoke("--db", str(db), "-q", "collect", "--include-unavailable")
    assert r.exit_code == 4 and BVS[0] in bili["asked"]
    # it came back: added again, fetched again, the flag is gone
    bili["answers"].clear()
    assert invoke("--db", str(db), "add", BVS[0]).exit_code == 0
    bili["asked"].clear()
    assert invoke("--db", str(db), "-q", "collect").exit_code == 0 and sorted(bili["asked"]) == sorted(BVS[:2])
    r = invoke("--db", str(db), "failures", "--format", "json")
    assert json.loads(r.stdout) == []


def test_failures_say_what_to_do(tmp_path: Path, bili: dict[str, Any]) -> None:
    db = tmp_path / "f.duckdb"
    cookies = _cookie_file(tmp_path / "bilibili.txt", [int(time.time()) + 86400])
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[cookies]\nbilibili = "{cookies}"\n', encoding="utf-8")
    assert invoke("--db", str(db), "add", *BVS).exit_code == 0
    bili["answers"][BVS[0]] = json_response({"code": -101, "message": "账号未登录", "ttl": 1})
    bili["answers"][BVS[1]] = json_response({"code": -352, "message": "风控校验失败", "ttl": 1, "data": {}})
    r = invoke("--db", str(db), "--config", str(cfg), "-q", "collect")
    assert r.exit_code == 16 | 8
    r = invoke("--db", str(db), "--config", str(cfg), "failures", "--format", "json")
    rows = {row["status"]: row for row in json.loads(r.stdout)}
    assert (
        f"export fresh cookies (Netscape cookies.txt) from a browser logged in to bilibili to {cookies}"
        in (rows["auth_required"]["action"])
    )
    assert "wait a few hours" in rows["blocked"]["action"]
    run_id = rows["blocked"]["run_id"]
    r = invoke("--db", str(db), "runs")
    assert run_id in r.stdout and "1 auth_required, 1 blocked" in r.stdout
    r = invoke("--db", str(db), "failures", "--run", "nope")
    assert r.exit_code == 2 and "reach runs" in r.stderr
    r = invoke("--db", str(db), "failures", "--run", run_id)
    assert r.exit_code == 0 and r.stdout.count(run_id) == 2


def test_a_post_that_keeps_failing_is_flagged(tmp_path: Path) -> None:
    from reach.models import Outcome, OutcomeStatus, PostRef

    with Store(tmp_path / "s.duckdb") as store:
        store.add_post(PostRef("bilibili", BVS[0]))
        for i in range(5):
            run = store.begin_run("all")
            store.record_outcome(run, Outcome(f"bilibili:{BVS[0]}", OutcomeStatus.BLOCKED, "captcha"))
            assert bool(store.flagged()) is (i == 4)
        assert store.flagged(run)[0].flag == "failing" and store.flagged(run)[0].fail_streak == 5
        run = store.begin_run("all")
        store.record_outcome(run, Outcome(f"bilibili:{BVS[0]}", OutcomeStatus.OK))
        assert store.flagged() == [] and store.post_states()[f"bilibili:{BVS[0]}"].last_ok_at is not None


# -- schedule ----------------------------------------------------------------------------------


def test_schedule_prints_cron_and_systemd_with_absolute_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = invoke("--db", "bureau.duckdb", "schedule", "--log", "collect.log")
    assert r.exit_code == 0, r.output
    db, log = tmp_path / "bureau.duckdb", tmp_path / "collect.log"
    cron = next(line for line in r.stdout.splitlines() if line.startswith("*/15 "))
    assert f"--db {db} --quiet collect --due >> {log} 2>&1" in cron
    assert Path(cron.split()[5]).is_absolute()
    assert "OnCalendar=*:0/15" in r.stdout and "Persistent=true" in r.stdout
    assert f"StandardOutput=append:{log}" in r.stdout and "ExecStart=/" in r.stdout
    r = invoke("--db", str(db), "schedule", "--every", "30", "--system")
    assert "*/30 * * * *" in r.stdout and "/etc/systemd/system" in r.stdout and ">>" not in r.stdout


def test_schedule_escapes_percent_and_names_variables_cron_will_not_see(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found in the real cron trial: an unescaped % ends a crontab command, and settings made by
    environment variables in the shell (REACH_TZ, a proxy, an API key) silently vanish under cron."""
    import subprocess

    from reach.cron import cron_setup, unseen_environment

    setup = cron_setup(tmp_path / "100%" / "bureau.duckdb", log=tmp_path / "log-%Y.txt", every=1)
    line = setup.crontab_line()
    assert line.startswith("* * * * * ") and "100\\%/bureau.duckdb" in line and "log-\\%Y.txt" in line
    assert line.count("%") == line.count("\\%") == 2
    assert (
        "100%%/bureau.duckdb" in setup.service_unit()
        and "append:" + str(tmp_path) + "/log-%%Y.txt" in setup.service_unit()
    )
    # what cron runs: the part after the five time fields, with \% turned back into % (then sh -c)
    command = line.split(" ", 5)[5].replace("\\%", "%")
    echo = subprocess.run(["sh", "-c", "echo " + command.split(" >> ")[0]], capture_output=True, text=True)
    assert f"--db {tmp_path}/100%/bureau.duckdb" in echo.stdout

    env = {
        "REACH_TZ": "Asia/Shanghai",
        "REACH_YOUTUBE_API_KEY": "AIzaSy-secret-value",
        "REACH_DB": "x",
        "https_proxy": "http://proxy:3128",
        "HOME": "/root",
        "REACH_LANG": "",
    }
    assert unseen_environment(env) == ["REACH_TZ", "REACH_YOUTUBE_API_KEY", "https_proxy"]
    monkeypatch.setenv("REACH_TZ", "Asia/Shanghai")
    monkeypatch.setenv("REACH_YOUTUBE_API_KEY", "AIzaSy-secret-value")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    r = invoke("--db", str(tmp_path / "b.duckdb"), "schedule")
    assert r.exit_code == 0, r.output
    warnings = [line for line in r.stdout.splitlines() if line.startswith("# warning:")]
    assert len(warnings) == 2 and "REACH_TZ, REACH_YOUTUBE_API_KEY" in warnings[0] and "config.toml" in warnings[0]
    assert "HTTPS_PROXY" in warnings[1] and "NAME=value" in warnings[1]
    assert "secret-value" not in r.stdout and "proxy.example" not in r.stdout


# -- doctor ------------------------------------------------------------------------------------


def _cookie_file(path: Path, expires: list[int], mode: int = 0o600) -> Path:
    lines = ["# Netscape HTTP Cookie File"]
    lines += [f".bilibili.com\tTRUE\t/\tTRUE\t{e}\tSESSDATA{i}\tsecret-value-{i}" for i, e in enumerate(expires)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(mode)
    return path


def test_doctor_cookie_checks(tmp_path: Path) -> None:
    now = datetime.now(timezone.utc)
    later, past = int(now.timestamp()) + 90 * 86400, int(now.timestamp()) - 86400
    [good] = check_cookie_file("bilibili", _cookie_file(tmp_path / "a.txt", [later, 0]), now)
    assert good.status == OK
    [dead] = check_cookie_file("bilibili", _cookie_file(tmp_path / "b.txt", [past, past]), now)
    assert dead.status == FAIL and "expired" in dead.detail and "export fresh cookies" in dead.fix
    found = check_cookie_file("bilibili", _cookie_file(tmp_path / "c.txt", [later], mode=0o644), now)
    assert [c.status for c in found] == [WARN, OK] and "chmod 600" in found[0].fix
    [soon] = check_cookie_file("bilibili", _cookie_file(tmp_path / "d.txt", [int(now.timestamp()) + 3600]), now)
    assert soon.status == WARN and "expires on" in soon.detail
    [missing] = check_cookie_file("bilibili", tmp_path / "none.txt", now)
    assert missing.status == FAIL and "does not exist" in missing.detail
    (tmp_path / "e.txt").write_text("SESSDATA=abc; bili_jct=def\n", encoding="utf-8")
    (tmp_path / "e.txt").chmod(0o600)
    [wrong] = check_cookie_file("bilibili", tmp_path / "e.txt", now)
    assert wrong.status == FAIL and "Netscape" in wrong.detail
    for c in (good, dead, soon):
        assert "secret-value" not in c.detail + c.fix


def test_doctor_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bili: dict[str, Any]) -> None:
    key = "AIzaSyTESTKEYtestkey0123wxyz"
    monkeypatch.setenv("REACH_YOUTUBE_API_KEY", key)
    db = tmp_path / "d.duckdb"
    assert invoke("--db", str(db), "add", BVS[0]).exit_code == 0
    assert invoke("--db", str(db), "-q", "collect").exit_code == 0
    cfg = tmp_path / "config.toml"
    dead = _cookie_file(tmp_path / "bili.txt", [int(time.time()) - 86400])
    cfg.write_text(f'timezone = "Asia/Shanghai"\n[cookies]\nbilibili = "{dead}"\n', encoding="utf-8")
    r = invoke("--db", str(db), "--config", str(cfg), "doctor")
    assert r.exit_code == 2, r.output
    assert "set (…wxyz)" in r.stdout and key not in r.output and "secret-value" not in r.output
    assert f"schema version {SCHEMA_VERSION}, 1 post(s), 1 snapshot(s), 1 run(s)" in r.stdout
    assert "fail  cookies" in r.stdout and "fix: export fresh cookies" in r.stdout
    assert "time zone Asia/Shanghai" in r.stdout and "last run started 0.0 h ago" in r.stdout
    _cookie_file(dead, [int(time.time()) + 90 * 86400])
    r = invoke("--db", str(db), "--config", str(cfg), "doctor", "--format", "json")
    checks = json.loads(r.stdout)
    assert {c["area"] for c in checks} >= {"config", "database", "cookies", "keys", "fonts", "collection"}
    assert not any(c["status"] == "fail" for c in checks) and r.exit_code == 0
    cfg.write_text('timezone = "Mars/Olympus"\n', encoding="utf-8")
    r = invoke("--db", str(db), "--config", str(cfg), "doctor")
    assert r.exit_code == 2 and "fail  config     unknown time zone 'Mars/Olympus'" in r.stdout
    assert f"schema version {SCHEMA_VERSION}" in r.stdout  # the other checks still ran


def test_doctor_says_when_the_last_run_failed(tmp_path: Path, bili: dict[str, Any]) -> None:
    """A recent run where every post failed is not "ok": doctor names the failure kinds and where to look."""
    db = tmp_path / "d.duckdb"
    assert invoke("--db", str(db), "add", BVS[0]).exit_code == 0
    assert invoke("--db", str(db), "add", BVS[1]).exit_code == 0
    bili["answers"] = {b: httpx.Response(503) for b in BVS[:2]}
    invoke("--db", str(db), "-q", "collect")
    r = invoke("--db", str(db), "doctor")
    assert "warn  collection last run started 0.0 h ago: 0 of 2 post(s) ok (network error 2)" in r.stdout, r.stdout
    assert "reach failures" in r.stdout
    bili["answers"] = {BVS[1]: httpx.Response(503)}
    invoke("--db", str(db), "-q", "collect")
    r = invoke("--db", str(db), "doctor")
    assert "1 of 2 post(s) ok (network error 1)" in r.stdout, r.stdout


def test_doctor_database_and_font(tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    import duckdb

    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    checks = diagnose(Settings(db=other), find_font=lambda: None)
    assert any(c.area == "database" and c.status == FAIL for c in checks)
    font = [c for c in checks if c.area == "fonts"][0]
    assert font.status == WARN and "fonts-noto-cjk" in font.fix
    (tmp_path / "junk.duckdb").write_bytes(b"not a database at all" * 100)
    checks = diagnose(Settings(db=tmp_path / "junk.duckdb"), find_font=lambda: "Noto Sans CJK SC")
    assert any(c.area == "database" and c.status == FAIL for c in checks)
    assert mask("short") == "set" and mask("0123456789abcdef") == "set (…cdef)"


def test_migration_remembers_earlier_attempts(tmp_path: Path) -> None:
    """A database from before schema 3: post_state is filled from run history, so --due does not refetch all."""
    import duckdb

    from reach.store import MIGRATIONS

    path = tmp_path / "v2.duckdb"
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ)")
    for version, name, statements in MIGRATIONS[:2]:
        for sql in statements:
            con.execute(sql)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
    con.execute(
        "INSERT INTO posts (post_key, platform, post_id, added_at) VALUES ('bilibili:BV1', 'bilibili', 'BV1', now())"
    )
    con.execute("INSERT INTO runs (run_id, started_at) VALUES ('r1', now() - INTERVAL 2 HOUR), ('r2', now())")
    con.execute("INSERT INTO run_outcomes VALUES ('r1', 'bilibili:BV1', 'ok', '', 200, NULL, now())")
    con.execute("INSERT INTO run_outcomes VALUES ('r2', 'bilibili:BV1', 'blocked', 'x', 412, NULL, now())")
    con.close()
    with Store(path) as store:
        state = store.post_states()["bilibili:BV1"]
        assert state.last_status == "blocked" and state.last_ok_at is not None
        assert state.last_attempt_at is not None and state.last_attempt_at > state.last_ok_at
    assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 in (0, 0o044, 0o004, 0o040)  # created by duckdb here


# -- two collectors released at the same instant ---------------------------------------------------

CONTENDER = """
import sys, time
from pathlib import Path

import httpx

import reach.tracker
from reach import cli

db, config, port, gate = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])


class ToLoopback(httpx.AsyncBaseTransport):
    def __init__(self):
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request):
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=port)
        return await self.inner.handle_async_request(request)

    async def aclose(self):
        await self.inner.aclose()


plain_init = reach.tracker.Tracker.__init__


def init(self, *args, **kwargs):
    kwargs.setdefault("transport", ToLoopback())
    plain_init(self, *args, **kwargs)


reach.tracker.Tracker.__init__ = init
print("ready", flush=True)
while not gate.exists():  # the barrier: both processes leave it within a few milliseconds
    time.sleep(0.001)
sys.argv = ["reach", "--db", db, "--config", config, "-q", "collect", "--due"]
cli.main()
"""


@pytest.mark.parametrize("lock_timeout", ["15", "0.2"])
def test_two_collectors_started_at_the_same_instant(tmp_path: Path, lock_timeout: str) -> None:
    """Two `reach collect --due` on one database, released together: one collects; the other waits
    for it and then finds nothing due (exit 0), or, with a short REACH_LOCK_TIMEOUT, exits 3 with the
    documented message. Never two runs, never a snapshot twice; the database opens fine afterwards."""
    import subprocess
    import sys

    from .test_faults import _Faulty, _QuietServer

    server = _QuietServer(("127.0.0.1", 0), _Faulty)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    db = tmp_path / "shared.duckdb"
    ids = [f"BV1dripx{n}" for n in range(4)]  # each answer drips in over ~0.4 s: the run holds the lock
    with Store(db) as store:
        for bvid in ids:
            store.add_post(PostRef("bilibili", bvid), campaign="c")
    config = tmp_path / "config.toml"
    config.write_text("[min_interval]\nbilibili = 0.1\n")
    gate = tmp_path / "gate"
    env = {**os.environ, "REACH_LOCK_TIMEOUT": lock_timeout}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONTENDER, str(db), str(config), str(server.server_address[1]), str(gate)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        started = time.monotonic()
        gate.touch()
        results = [(p.wait(timeout=30), p.communicate()[1]) for p in procs]
        elapsed = time.monotonic() - started
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        server.shutdown()
        server.server_close()
    codes = sorted(code for code, _ in results)
    errors = "".join(err for _, err in results)
    assert "Traceback" not in errors and "warning" not in errors, errors  # alerts too were checked, no deadlock
    if lock_timeout == "15":
        assert codes == [0, 0], errors
    else:
        assert codes == [0, 3], errors
        assert "another `reach collect` is running" in errors and "waited 0.2 s" in errors
    assert elapsed < 20
    with Store(db, lock_timeout=5) as store:
        assert store.con.execute("SELECT count(*), count(DISTINCT snapshot_id) FROM snapshots").fetchone() == (4, 4)
        [run] = store.runs()
        assert run.finished_at is not None and run.counts == {"ok": 4}
        assert store.con.execute("SELECT count(*), count(DISTINCT post_key) FROM run_outcomes").fetchone() == (4, 4)
        assert store.con.execute("SELECT count(*) FROM post_state").fetchone() == (4,)
    from reach.doctor import check_database

    assert not [c for c in check_database(Settings(db=db), datetime.now(timezone.utc)) if c.status == FAIL]
