"""Faults found by trying to break reach: each test is a kind of fault that must stay fixed."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from rich.console import Console
from typer.testing import CliRunner

from reach import UnsupportedURL, identify
from reach.cli import app
from reach.collect import Engine
from reach.collectors import get_collector
from reach.collectors.base import RawResponse
from reach.config import Settings
from reach.errors import AuthRequired, ConfigError, InputError, ParseError
from reach.models import Count, CountKind, Metrics, OutcomeStatus, PostRef, Snapshot
from reach.redact import redact
from reach.report import build_report, render_table
from reach.store import Store

from .conftest import json_response

T1 = datetime(2026, 3, 1, 4, 0, tzinfo=timezone.utc)
T2 = datetime(2026, 3, 2, 4, 0, tzinfo=timezone.utc)
T3 = datetime(2026, 3, 10, 4, 0, tzinfo=timezone.utc)
A = PostRef("bilibili", "BV1a7421K7Qg")


def view(bvid: str, views: Any, title: str = "标题") -> dict[str, Any]:
    return {"code": 0, "data": {"bvid": bvid, "title": title, "stat": {"view": views, "like": 1, "reply": 0}}}


# -- identity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "BV1J442187u",  # a BV id missing a character is not a YouTube id
        "13800138000",  # a phone number
        "hello_world",
        "https://www.youtube.com/embed/videoseries?list=PL0000000000",
        "https://www.youtube.com/embed/live_stream?channel=UC00000000",
        "https://www.bilibili.com/video/BV1J442187uvX",  # an id with a tail is not silently cut
        "https://message.bilibili.com/?aid=123456",  # a query aid on any page is not a video
        "https://www.bilibili.com/v/popular?aid=1",
    ],
)
def test_not_posts(text: str) -> None:
    with pytest.raises(UnsupportedURL):
        identify(text)


def test_youtube_id_spellings_share_one_key() -> None:
    assert identify("DJztXj2GPfl").post_id == "DJztXj2GPfk"
    assert identify("https://youtu.be/DJztXj2GPfl").post_key == identify("https://youtu.be/DJztXj2GPfk").post_key


def test_youtube_key_errors_are_auth_required() -> None:
    body = {
        "error": {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "errors": [{"message": "API key not valid.", "domain": "global", "reason": "badRequest"}],
            "status": "INVALID_ARGUMENT",
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}],
        }
    }
    with pytest.raises(AuthRequired):
        get_collector("youtube").parse(RawResponse(400, "https://www.googleapis.com/", json.dumps(body).encode()))


def test_youtube_key_with_odd_characters() -> None:
    settings = Settings(youtube_api_key="AIza-ключ", min_interval={"*": 0.0}, retry_backoff=0.0)
    summary = Engine(None, settings, transport=httpx.MockTransport(lambda r: httpx.Response(500))).run(
        [PostRef("youtube", "AbCdEfGhIjk")]
    )
    assert summary.counts == {OutcomeStatus.AUTH_REQUIRED: 1}


@pytest.mark.parametrize(
    "body",
    [
        {"code": 0, "data": {"aid": 2**60, "stat": {"view": 1, "like": 1, "reply": 1}}},
        {"code": 0, "data": {"bvid": "BV1a7421K7Qg", "stat": {"view": 1.5, "like": True, "reply": None}}},
    ],
)
def test_bilibili_odd_values_never_crash(body: dict[str, Any]) -> None:
    raw = RawResponse(200, "https://api.bilibili.com/", json.dumps(body).encode())
    try:
        parsed = get_collector("bilibili").parse(raw)
    except ParseError:
        return
    assert parsed.metrics.views is None and parsed.metrics.likes is None  # float and bool are not counts


# -- one post never loses the others ------------------------------------------------------------


def test_values_the_database_cannot_hold_fail_one_post_only() -> None:
    store = Store()
    bvs = ["BV1a7421K7Qg", "BV1a7421K7Qu", "BV1a7421K7QM"]
    for b in bvs:
        store.add_post(PostRef("bilibili", b))

    def handler(request: httpx.Request) -> httpx.Response:
        bvid = request.url.params["bvid"]
        if bvid == bvs[0]:
            return json_response(view(bvid, 2**63))
        if bvid == bvs[1]:
            return httpx.Response(200, content=json.dumps(view(bvid, 7, title="\ud83d 坏表情")).encode())
        return json_response(view(bvid, 9))

    settings = Settings(min_interval={"*": 0.0}, retry_backoff=0.0)
    summary = Engine(store, settings, transport=httpx.MockTransport(handler)).run([p.ref for p in store.posts()])
    assert summary.counts == {OutcomeStatus.PARSE_ERROR: 1, OutcomeStatus.OK: 2}
    assert store.con.execute("SELECT count(*) FROM run_outcomes").fetchone() == (3,)
    assert store.con.execute("SELECT finished_at IS NOT NULL FROM runs").fetchone() == (True,)
    assert [s.metrics.views.value for s in store.snapshots(f"bilibili:{bvs[2]}")] == [9]  # type: ignore[union-attr]


HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_a_reader_holding_the_file_delays_writes_but_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    with Store(db) as store:
        for b in ("BV1a7421K7Qg", "BV1a7421K7Qu", "BV1a7421K7QM"):
            store.add_post(PostRef("bilibili", b))
    store = Store(db, lock_timeout=10)
    refs = [p.ref for p in store.posts()]
    store.release()
    script = tmp_path / "hold.py"
    script.write_text(HOLDER)
    holders: list[subprocess.Popen[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if not holders:  # the first answer arrives while an analyst has the file open
            store.release()
            holders.append(
                subprocess.Popen([sys.executable, str(script), str(db), "1.5"], stdout=subprocess.PIPE, text=True)
            )
            assert holders[0].stdout is not None and holders[0].stdout.readline().strip() == "held"
        return json_response(view(request.url.params["bvid"], 5))

    settings = Settings(min_interval={"*": 0.0}, retry_backoff=0.0, lock_timeout=10)
    try:
        summary = Engine(store, settings, transport=httpx.MockTransport(handler)).run(refs)
    finally:
        for h in holders:
            h.wait()
            if h.stdout is not None:
                h.stdout.close()
    assert summary.ok == 3
    assert store.con.execute("SELECT count(*) FROM snapshots").fetchone() == (3,)
    store.close()


# -- reports --------------------------------------------------------------------------------------


def test_until_shows_values_as_of_that_day() -> None:
    store = Store()
    store.add_post(A, campaign="c")
    for when, views in ((T1, 1000), (T2, 2000), (T3, 999999)):
        store.add_snapshot(Snapshot(A.post_key, when, Metrics(views=Count.exact(views)), source="manual"))
    rep = build_report(store, campaign="c", tz="Asia/Shanghai", until=date(2026, 3, 2))
    assert rep.buckets[-1].total.value == 2000
    assert rep.posts[0].metrics["views"].value == 2000  # type: ignore[union-attr]
    assert rep.platforms[0].totals["views"].value == 2000


def test_a_lower_bound_below_a_known_value_is_not_a_drop() -> None:
    store = Store()
    store.add_post(A, campaign="c")
    store.add_snapshot(Snapshot(A.post_key, T1, Metrics(views=Count.exact(150000)), source="manual"))
    floor = Count(100000, CountKind.LOWER_BOUND, 10000, "10万+")
    store.add_snapshot(Snapshot(A.post_key, T2, Metrics(views=floor), source="manual"))
    rep = build_report(store, campaign="c", tz="UTC")
    assert rep.buckets[1].increase == 0 and rep.buckets[1].increase_kind is CountKind.APPROXIMATE


def test_markup_in_titles_is_shown_not_parsed() -> None:
    store = Store()
    store.add_post(A, campaign="[bold]c[/]")
    store.add_snapshot(
        Snapshot(A.post_key, T1, Metrics(views=Count.exact(1)), title="[/] closing [link=x]y", source="manual")
    )
    console = Console(file=io.StringIO(), width=200)
    render_table(build_report(store, campaign="[bold]c[/]", tz="UTC"), console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "[/] closing [link=x]y" in out and "[bold]c[/]" in out


# -- store and CLI --------------------------------------------------------------------------------


def test_another_programs_duckdb_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE posts (id INTEGER)")
    con.close()
    with pytest.raises(ConfigError, match="another program"):
        Store(path)
    con = duckdb.connect(str(path))
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    con.close()
    assert tables == {"posts"}


@pytest.mark.parametrize("name", ["", "  ", "禁毒\n宣传", "x" * 201, "a\x00b"])
def test_bad_campaign_names(name: str) -> None:
    with pytest.raises(InputError):
        Store().add_post(A, campaign=name)


def test_campaign_names_are_trimmed() -> None:
    store = Store()
    store.add_post(A, campaign="禁毒 ")
    store.add_post(PostRef("youtube", "AbCdEfGhIjk"), campaign=" 禁毒")
    assert [c.name for c in store.campaigns()] == ["禁毒"] and len(store.posts(campaign="禁毒  ")) == 2


def test_cli_report_to_missing_folder_and_posts_precision(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    with Store(db) as store:
        store.add_post(A, campaign="c")
        store.add_snapshot(
            Snapshot(
                A.post_key, T1, Metrics(views=Count(120000, CountKind.LOWER_BOUND, 10000, "12万+")), source="manual"
            )
        )
    runner = CliRunner()
    r = runner.invoke(app, ["--db", str(db), "report", "-o", str(tmp_path / "no" / "x.txt")])
    assert r.exit_code == 2 and "cannot write" in r.stderr
    r = runner.invoke(app, ["--db", str(db), "posts", "--format", "json"])
    row = json.loads(r.stdout)[0]
    assert row["views"] == 120000 and row["views_kind"] == "lower_bound"


def test_secrets_are_redacted_from_messages(tmp_path: Path) -> None:
    key = "AIzaSyInventedKey0123456789"
    settings = Settings(youtube_api_key=key, min_interval={"*": 0.0}, retry_backoff=0.0)
    assert redact(f"bad key {key}!") == "bad key ***!"

    def echo(request: httpx.Request) -> httpx.Response:
        return json_response(
            {
                "error": {
                    "code": 400,
                    "message": f"key {request.headers['x-goog-api-key']} invalid",
                    "errors": [{"reason": "keyInvalid"}],
                }
            },
            400,
        )

    store = Store(tmp_path / "r.duckdb")
    store.add_post(PostRef("youtube", "AbCdEfGhIjk"))
    summary = Engine(store, settings, transport=httpx.MockTransport(echo)).run([p.ref for p in store.posts()])
    assert key not in summary.failures[0].message and "***" in summary.failures[0].message
    store.close()
    assert key.encode() not in (tmp_path / "r.duckdb").read_bytes()


def test_subprocess_free_of_tracebacks_for_bad_db(tmp_path: Path) -> None:
    bad = tmp_path / "bad.duckdb"
    bad.write_text("not a database")
    r = subprocess.run(
        [sys.executable, "-m", "reach", "--db", str(bad), "posts"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.startswith("error: ")


def test_reach_parse_refuses_impossible_counts_like_a_run_does(tmp_path: Path) -> None:
    """A count beyond 64 bits is refused by `reach parse` exactly as a collection run refuses it."""
    from typer.testing import CliRunner

    from reach import cli

    body = {
        "aweme_detail": {
            "aweme_id": "7400000000000000001",
            "statistics": {"digg_count": 2**70, "comment_count": 3, "play_count": 0},
        },
        "status_code": 0,
    }
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(body))
    result = CliRunner().invoke(cli.app, ["parse", str(path), "--platform", "douyin"])
    out = json.loads(result.stdout)
    assert out["outcome"] == "parse_error" and "impossible likes count" in out["message"]
    assert result.exit_code == 32
