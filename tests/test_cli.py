"""The CLI as staff and cron use it: stdout data, stderr messages, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from reach import cli
from reach.config import Settings
from reach.tracker import Tracker

from .conftest import bili_view as view
from .conftest import json_response

runner = CliRunner()
KEYS = ("outcome", "platform", "post_id", "title", "author", "published_at", "metrics", "extra", "message")


def invoke(*args: str, input: str | None = None) -> Any:
    return runner.invoke(cli.app, list(args), input=input)


@pytest.fixture
def platforms(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Route the CLI's tracker through a mock transport; ``state`` steers the answers."""
    state: dict[str, Any] = {"views": 1000, "fail": set(), "offline": False}

    def handler(request: httpx.Request) -> httpx.Response:
        if state["offline"]:
            raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution")
        if request.url.host == "b23.tv":
            return httpx.Response(302, headers={"Location": "https://www.bilibili.com/video/BV1a7421K7Qu"})
        bvid = request.url.params.get("bvid", "")
        if bvid in state["fail"]:
            return json_response({"code": -352, "message": "风控校验失败", "ttl": 1, "data": {"v_voucher": "x"}})
        return json_response(view(bvid, state["views"]))

    def factory() -> Tracker:
        settings = Settings.load(config_file=cli.state.config, db=cli.state.db).with_(
            min_interval={"*": 0.0}, retry_backoff=0.0
        )
        return Tracker(settings=settings, transport=httpx.MockTransport(handler))

    monkeypatch.setattr(cli, "_tracker", factory)
    return state


def test_add_collect_report_round_trip(tmp_path: Path, platforms: dict[str, Any]) -> None:
    db = str(tmp_path / "bureau.duckdb")
    r = invoke("--db", db, "add", "【对毒品说NO】 https://b23.tv/AbCdEfG 复制打开", "BV1a7421K7Qg", "-c", "禁毒")
    assert r.exit_code == 0, r.output
    assert r.stdout.split() == ["bilibili:BV1a7421K7Qu", "bilibili:BV1a7421K7Qg"]
    assert "added 2 new post(s)" in r.stderr
    r = invoke("--db", db, "collect", "-c", "禁毒")
    assert r.exit_code == 0 and r.stdout == "" and "2 ok" in r.stderr
    r = invoke("--db", db, "-q", "collect")
    assert r.exit_code == 0 and r.stderr == ""
    platforms["fail"] = {"BV1a7421K7Qu"}
    r = invoke("--db", db, "-q", "collect")
    assert r.exit_code == 8 and "blocked" in r.stderr and "bilibili:BV1a7421K7Qu" in r.stderr
    r = invoke("--db", db, "report", "-c", "禁毒", "--format", "json", "--tz", "Asia/Shanghai")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["campaign"] == "禁毒" and data["totals"][-1]["views"]["value"] == 2000
    r = invoke("--db", db, "report", "--format", "csv")
    assert r.exit_code == 0 and r.stdout.startswith("\ufeff")
    r = invoke("--db", db, "report", "--lang", "zh", "--tz", "Asia/Shanghai")
    assert r.exit_code == 0 and "全平台播放量" in r.stdout and "Asia/Shanghai" in r.stdout
    r = invoke("--db", db, "posts", "--format", "json")
    rows = json.loads(r.stdout)
    assert {row["post_key"] for row in rows} == {"bilibili:BV1a7421K7Qu", "bilibili:BV1a7421K7Qg"}
    assert all(row["views"] == 1000 for row in rows)


def test_offline_collect_is_a_clear_network_error(tmp_path: Path, platforms: dict[str, Any]) -> None:
    db = str(tmp_path / "r.duckdb")
    assert invoke("--db", db, "add", "https://www.bilibili.com/video/BV1a7421K7Qg").exit_code == 0
    platforms["offline"] = True
    r = invoke("--db", db, "collect")
    assert r.exit_code == 64
    assert "could not resolve api.bilibili.com" in r.stderr and "Traceback" not in r.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("add", "https://example.com/watch?v=1"), "not a post link"),
        (("add", "garbage share text without links"), "no post link"),
        (("report", "--tz", "Asia/Shangai"), "unknown time zone"),
        (("report", "--since", "yesterday"), "YYYY-MM-DD"),
        (("collect", "--platform", "myspace"), "unknown platform"),
    ],
)
def test_bad_input_one_line_error_nothing_written(
    tmp_path: Path, platforms: dict[str, Any], args: tuple[str, ...], needle: str
) -> None:
    db = tmp_path / "r.duckdb"
    r = invoke("--db", str(db), *args)
    assert r.exit_code == 2, r.output
    assert needle in r.stderr and r.stderr.startswith("error: ") and r.stderr.count("\n") == 1
    assert not db.exists()


def test_missing_campaign_and_bad_db_path(tmp_path: Path, platforms: dict[str, Any]) -> None:
    db = str(tmp_path / "r.duckdb")
    invoke("--db", db, "add", "BV1a7421K7Qg")
    r = invoke("--db", db, "report", "-c", "没有这个活动")
    assert r.exit_code == 2 and "no campaign named" in r.stderr
    r = invoke("--db", str(tmp_path / "missing" / "r.duckdb"), "add", "BV1a7421K7Qg")
    assert r.exit_code == 2 and "does not exist" in r.stderr
    r = invoke("--db", str(tmp_path / "none.duckdb"), "report")
    assert r.exit_code == 2 and "reach add" in r.stderr


def test_parse_samples_shape(samples: Path) -> None:
    r = invoke(
        "parse",
        str(samples / "bilibili" / "web-interface_view_BV16z421B78Z_captured_2024-07.json"),
        "--platform",
        "bilibili",
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert tuple(data) == KEYS
    assert data["outcome"] == "ok" and data["post_id"] == "BV16z421B78Z"
    assert data["metrics"]["views"] == {"value": 602402, "kind": "exact", "granularity": 1, "raw": None}
    assert data["extra"]["coins"]["value"] == 208 and data["published_at"] == "2024-07-01T13:58:41Z"
    r = invoke("parse", str(samples / "bilibili" / "error_-352_risk_control_v_voucher.json"), "--platform", "bilibili")
    data = json.loads(r.stdout)
    assert r.exit_code == 8 and data["outcome"] == "blocked" and data["metrics"]["views"] is None
    r = invoke(
        "parse", str(samples / "youtube" / "error_403_quotaExceeded.json"), "--platform", "youtube", "--status", "403"
    )
    assert r.exit_code == 8 and json.loads(r.stdout)["outcome"] == "rate_limited"
    r = invoke(
        "parse",
        str(samples / "youtube" / "videos_list_multi_two_ids.json"),
        "--platform",
        "youtube",
        "--url",
        "https://youtu.be/ovdbrdCIP7U",
    )
    data = json.loads(r.stdout)  # --url picks the video; that answer lacks part=statistics: refused, by id
    assert r.exit_code == 32 and data["outcome"] == "parse_error" and "ovdbrdCIP7U" in data["message"]


def test_parse_bad_arguments(tmp_path: Path) -> None:
    assert invoke("parse", str(tmp_path / "missing.json"), "--platform", "bilibili").exit_code == 2
    f = tmp_path / "x.json"
    f.write_text("{}")
    assert invoke("parse", str(f), "--platform", "nope").exit_code == 2
    r = invoke("parse", str(f), "--platform", "bilibili", "--url", "https://youtu.be/AbCdEfGhIjk")
    assert r.exit_code == 2 and "--platform" in r.stderr
    r = invoke("parse", "-", "--platform", "bilibili", input="")
    assert r.exit_code == 32 and json.loads(r.stdout)["outcome"] == "parse_error"


def test_demo_runs_offline_and_leaves_user_database_alone(tmp_path: Path) -> None:
    r = invoke("demo", "--lang", "zh")
    assert r.exit_code == 0, r.output
    assert "对毒品说NO，对青春说YES" in r.stdout and "全平台播放量" in r.stdout and "Asia/Shanghai" in r.stdout
    assert "blocked" in r.stderr  # the simulated risk-control answer is reported, not stored as 0
    assert not any((Path.home()).rglob("*.duckdb"))
    db = tmp_path / "demo.duckdb"
    r = invoke("--db", str(db), "-q", "demo", "--days", "3", "--format", "json")
    assert r.exit_code == 0 and r.stderr == ""
    assert [t["bucket"] for t in json.loads(r.stdout)["totals"]] == ["2026-06-20", "2026-06-21", "2026-06-22"]
    assert db.exists()


def test_demo_follows_the_language_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REACH_LANG", "zh")
    r = invoke("-q", "demo", "--days", "2")
    assert r.exit_code == 0 and "全平台播放量" in r.stdout, r.output
    monkeypatch.setenv("REACH_LANG", "en")
    r = invoke("-q", "demo", "--days", "2")
    assert r.exit_code == 0 and "全平台播放量" not in r.stdout, r.output


def test_help_and_version() -> None:
    r = invoke("--help")
    assert r.exit_code == 0 and "demo" in r.stdout
    for command in ("add", "posts", "collect", "report", "parse", "demo"):
        assert invoke(command, "--help").exit_code == 0
    assert invoke("--version").stdout.startswith("reach ")


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path) -> None:
    """`reach report | head -1`: no error line, the pipe's own exit code (141), like other Unix tools."""
    import subprocess
    import sys

    db = tmp_path / "demo.duckdb"
    env = {**os.environ, "HOME": str(tmp_path), "REACH_LANG": "en"}
    reach = [sys.executable, "-c", "from reach.cli import main; main()"]
    subprocess.run([*reach, "--db", str(db), "-q", "demo"], env=env, check=True, capture_output=True)
    proc = subprocess.Popen(
        [*reach, "--db", str(db), "report", "--by", "hour"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # gone before the report is written: every write meets a closed pipe
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 141 and err == b""
