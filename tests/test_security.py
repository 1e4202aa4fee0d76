"""Secrets stay secret: planted cookies and API keys never reach messages, the database or exports,
even when a platform echoes them back."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from reach import Tracker, cli
from reach.config import Settings

SESSDATA = "PLANTEDsessdata0123456789"
BUVID = "PLANTEDbuvid3-abcdef-0123"
API_KEY = "AIzaPLANTEDkey-0123456789abcdef"
SECRETS = (SESSDATA, BUVID, API_KEY)
OK_BV, ECHO_BV, QUOTA_VID = "BV1a7421K7Qg", "BV1a7421K7Qu", "AbCdEfGhIjk"


def _cookie_file(tmp_path: Path) -> Path:
    path = tmp_path / "bilibili-cookies.txt"
    lines = ["# Netscape HTTP Cookie File"]
    for name, value in (("SESSDATA", SESSDATA), ("buvid3", BUVID)):
        lines.append("\t".join([".bilibili.com", "TRUE", "/", "TRUE", "4102444800", name, value]))
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def _echo(request: httpx.Request) -> httpx.Response:
    """A hostile platform: it echoes the request's cookies and key in bodies and headers."""
    cookie = request.headers.get("cookie", "")
    key = request.headers.get("x-goog-api-key", "")
    if request.url.host == "api.bilibili.com":
        bvid = request.url.params.get("bvid")
        if bvid == ECHO_BV:  # not JSON: the parse error quotes the start of the body
            return httpx.Response(200, text=f"<html>blocked {cookie} {key}</html>", headers={"X-Echo": cookie})
        body = {
            "code": 0,
            "message": "0",
            "data": {
                "bvid": bvid,
                "title": f"标题 {cookie}",
                "owner": {"name": f"作者 {cookie}"},
                "pubdate": 1781917200,
                "stat": {"view": 10, "like": 1, "reply": 1, "share": 1, "favorite": 1, "coin": 1, "danmaku": 1},
            },
        }
        return httpx.Response(200, json=body)
    if request.url.host == "www.googleapis.com":
        err = {
            "error": {"code": 403, "message": f"quota for key {key} exceeded", "errors": [{"reason": "quotaExceeded"}]}
        }
        return httpx.Response(403, json=err)
    return httpx.Response(404)


def _everything_written(db: Path) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        dump = [repr(con.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables]
    finally:
        con.close()
    return "\n".join(dump)


def test_planted_secrets_never_leave(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "reach.duckdb"
    settings = Settings(
        db=db,
        youtube_api_key=API_KEY,
        cookies={"bilibili": _cookie_file(tmp_path)},
        min_interval={"*": 0.0},
        retry_backoff=0.0,
        retries=0,
    )
    transport = httpx.MockTransport(_echo)
    messages: list[str] = []
    with Tracker(db, settings=settings, transport=transport) as tracker:
        tracker.add(f"https://www.bilibili.com/video/{OK_BV}", f"https://www.bilibili.com/video/{ECHO_BV}",
                    f"https://youtu.be/{QUOTA_VID}", campaign="c")  # fmt: skip
        summary = tracker.collect(on_outcome=lambda o: messages.append(o.message))
        report = tracker.report(campaign="c")
        outputs = [report.to_json(), report.to_csv(), *messages, *(f.message for f in summary.failures)]
    assert summary.ok == 1 and len(summary.failures) == 2
    outputs.append(_everything_written(db))
    outputs.append(db.read_bytes().decode("latin-1"))

    def fake_tracker() -> Tracker:
        return Tracker(db, settings=settings, transport=transport)

    monkeypatch.setattr(cli, "_tracker", fake_tracker)
    runner = CliRunner()
    for args in (["posts", "--format", "json"], ["report", "-c", "c", "--format", "json"], ["collect"]):
        result = runner.invoke(cli.app, args)
        outputs.append(result.output)
    text = "\n".join(outputs)
    for secret in SECRETS:
        assert secret not in text
    assert "***" in text  # the echoed values were there, and were masked


def test_the_database_file_is_private(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("file modes are POSIX")
    db = tmp_path / "new.duckdb"
    with Tracker(db, settings=Settings(db=db)) as tracker:
        tracker.add("https://www.bilibili.com/video/BV1a7421K7Qg")
    assert stat.S_IMODE(db.stat().st_mode) & 0o077 == 0


def test_a_cookie_file_others_can_read_gets_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.name != "posix":
        pytest.skip("file modes are POSIX")
    path = _cookie_file(tmp_path)
    path.chmod(0o644)
    settings = Settings(cookies={"bilibili": path}, min_interval={"*": 0.0})
    from reach.collectors import get_collector
    from reach.http import Http

    with pytest.warns(UserWarning, match="readable by other users"):
        Http(settings, transport=httpx.MockTransport(_echo))._client(get_collector("bilibili"))
    assert json.dumps(str(path))  # the warning names the file, never its content


def test_the_cli_prints_warnings_as_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """`reach` shows warnings as `warning: …` on stderr (no file names or source lines)."""
    from reach.http import SecretFileWarning

    cli._show_warning(SecretFileWarning("cookie file /x is readable by other users"), SecretFileWarning, "f.py", 1)
    assert capsys.readouterr().err == "warning: cookie file /x is readable by other users\n"


# -- requests go only to the platforms' hosts ---------------------------------------------------


class _Redirector:
    """A real loopback HTTP server whose every answer is a redirect somewhere else."""

    def __init__(self, location: str) -> None:
        import http.server
        import threading

        outer = self
        self.paths: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                outer.paths.append(self.path)
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _ToLoopback(httpx.AsyncBaseTransport):
    """Sends every request over a real socket to the loopback server, remembering the host asked."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.hosts: list[str] = []
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.hosts.append(request.url.host)
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example/video/BV1J442187uv",
        "http://127.0.0.1:1/video/BV1J442187uv",
        "https://www.bilibili.com@evil.example/video/BV1J442187uv",
        "file:///etc/passwd",
        "https://www.bilibili.com.evil.example/video/BV1J442187uv",
    ],
)
def test_a_short_link_cannot_redirect_reach_elsewhere(tmp_path: Path, location: str) -> None:
    from reach.errors import ReachError

    server = _Redirector(location)
    transport = _ToLoopback(server.port)
    try:
        db = tmp_path / "r.duckdb"
        with Tracker(db, settings=Settings(db=db, min_interval={"*": 0.0}, retries=0), transport=transport) as t:
            with pytest.raises(ReachError) as caught:
                t.add("【禁毒宣传-哔哩哔哩】 https://b23.tv/AbCdEfG")
    finally:
        server.close()
    assert transport.hosts == ["b23.tv"]  # one real request, to the platform's short-link host only
    assert server.paths == ["/AbCdEfG"]
    assert "not followed" in str(caught.value) or "not a" in str(caught.value)
    if db.exists():
        with Tracker(db) as again:
            assert again.posts() == []  # nothing was added
