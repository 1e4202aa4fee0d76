"""Secrets stay out of `reach config show`, `reach doctor` and `--write-pages` dumps; files reach
writes are private (0600, folders 0700); secrets echoed in other spellings are still masked."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from urllib.parse import quote, unquote

import httpx
import pytest
from typer.testing import CliRunner

from reach import Tracker, cli
from reach.config import Settings, config_lines, cookie_file_summary, effective_config
from reach.redact import redact, register_secret, scrub_url

# a real SESSDATA is percent-encoded ("…%2C…"): a page may echo it decoded
SESSDATA = "PLANTEDsess%2C1781917200%2Cab12CjA"
BUVID = "PLANTEDbuvid3-abcdef-0123"
API_KEY = "AIzaPLANTEDkey-0123456789abcdef"
SET_COOKIE = "PLANTEDsetcookie987654"
XSEC = "PLANTEDxsecTOKEN0123="
WEBHOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=PLANTEDwebhook-0000-1111"
HOOK_SECRET = "SECPLANTEDsigning0123456789"
OK_BV = "BV1a7421K7Qg"
NOTE = "65f0a1b2000000001203abcd"
POSIX = os.name == "posix"


def _cookie_file(folder: Path) -> Path:
    path = folder / "bilibili-cookies.txt"
    rows = [("SESSDATA", SESSDATA, "4102444800"), ("buvid3", BUVID, "4133980800")]
    lines = ["# Netscape HTTP Cookie File"]
    lines += ["\t".join([".bilibili.com", "TRUE", "/", "TRUE", expires, n, v]) for n, v, expires in rows]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def _echoes(request: httpx.Request) -> str:
    """Everything secret in the request, in the spellings a page might use."""
    cookie = request.headers.get("cookie", "")
    key = request.headers.get("x-goog-api-key", "")
    found = [cookie, unquote(cookie), json.dumps(cookie)[1:-1], key, quote(key), str(request.url), cookie.upper()]
    return " | ".join(found)


def _hostile(request: httpx.Request) -> httpx.Response:
    """A platform that echoes every secret it was sent in bodies, headers, cookies and links."""
    echo = _echoes(request)
    headers = {
        "Set-Cookie": f"sid={SET_COOKIE}; Path=/; HttpOnly",
        "X-Echo": echo.encode("ascii", "replace").decode(),
        "Location": f"https://www.bilibili.com/next?access_token={SET_COOKIE}#token={SET_COOKIE}",
    }
    if request.url.host == "api.bilibili.com":
        body = {
            "code": 0,
            "message": "0",
            "data": {
                "bvid": request.url.params.get("bvid"),
                "title": f"标题 {echo}",
                "owner": {"name": "作者"},
                "pubdate": 1781917200,
                "stat": {"view": 10, "like": 1, "reply": 1, "share": 1, "favorite": 1, "coin": 1, "danmaku": 1},
            },
        }
        return httpx.Response(200, json=body, headers=headers)
    if request.url.host == "www.googleapis.com":
        return httpx.Response(403, json={"error": {"code": 403, "message": f"bad key {echo}"}}, headers=headers)
    return httpx.Response(200, html=f"<html><script>window.__INITIAL_STATE__={echo}</script></html>", headers=headers)


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        db=tmp_path / "reach.duckdb",
        youtube_api_key=API_KEY,
        cookies={"bilibili": _cookie_file(tmp_path)},
        min_interval={"*": 0.0},
        retry_backoff=0.0,
        retries=0,
    )


def _all_text(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(folder.rglob("*")) if p.is_file())


def _assert_no_secret(text: str) -> None:
    for secret in (SESSDATA, unquote(SESSDATA), BUVID, API_KEY, SET_COOKIE, XSEC, "PLANTEDwebhook", HOOK_SECRET):
        assert secret.lower() not in text.lower(), secret
    assert "planted" not in text.lower()


# -- --write-pages -------------------------------------------------------------------------------------


def test_write_pages_dumps_every_response_without_a_secret(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    pages = tmp_path / "pages"
    with Tracker(settings=settings, transport=httpx.MockTransport(_hostile)) as tracker:
        tracker.add(
            f"https://www.bilibili.com/video/{OK_BV}",
            "https://youtu.be/AbCdEfGhIjk",
            f"https://www.xiaohongshu.com/discovery/item/{NOTE}?xsec_token={XSEC}&xsec_source=pc_share",
            campaign="c",
        )
        summary = tracker.collect(write_pages=pages)
        titles = [p.title or "" for p in tracker.posts()]
    assert summary.total == 3
    names = sorted(p.name for p in pages.iterdir())
    assert f"bilibili_{OK_BV}_1.json" in names and f"bilibili_{OK_BV}_1.json.meta.json" in names
    assert "youtube_AbCdEfGhIjk_1.json" in names
    assert f"xiaohongshu_{NOTE}_1.html" in names
    meta = json.loads((pages / f"bilibili_{OK_BV}_1.json.meta.json").read_text())
    assert meta["status"] == 200 and meta["method"] == "GET" and meta["platform"] == "bilibili"
    assert meta["url"] == f"https://api.bilibili.com/x/web-interface/view?bvid={OK_BV}"
    assert "set-cookie" not in meta["headers"] and "x-echo" not in meta["headers"]
    assert meta["headers"]["location"] == "https://www.bilibili.com/next?access_token=***"
    xhs = json.loads((pages / f"xiaohongshu_{NOTE}_1.html.meta.json").read_text())
    assert "xsec_token=***" in xhs["url"]
    body = (pages / f"bilibili_{OK_BV}_1.json").read_text()
    assert "***" in body and "标题" in body  # the echo was there, masked; the rest is kept as received
    _assert_no_secret(_all_text(pages) + "\n".join(titles))
    if POSIX:
        assert stat.S_IMODE(pages.stat().st_mode) == 0o700
        for path in pages.iterdir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_write_pages_from_the_cli_keeps_earlier_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path)
    transport = httpx.MockTransport(_hostile)
    monkeypatch.setattr(cli, "_tracker", lambda: Tracker(settings=settings, transport=transport))
    with Tracker(settings=settings, transport=transport) as tracker:
        tracker.add(f"https://www.bilibili.com/video/{OK_BV}")
    pages = tmp_path / "dump"
    runner = CliRunner()
    outputs = []
    for _ in range(2):
        result = runner.invoke(cli.app, ["collect", "--write-pages", str(pages)])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert sorted(p.name for p in pages.glob("*.json") if not p.name.endswith(".meta.json")) == [
        f"bilibili_{OK_BV}_1.json",
        f"bilibili_{OK_BV}_2.json",
    ]
    _assert_no_secret(_all_text(pages) + "".join(outputs))


def test_write_pages_into_a_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path)
    monkeypatch.setattr(cli, "_tracker", lambda: Tracker(settings=settings, transport=httpx.MockTransport(_hostile)))
    with Tracker(settings=settings) as tracker:
        tracker.add(f"https://www.bilibili.com/video/{OK_BV}")
    taken = tmp_path / "taken"
    taken.write_text("x")
    result = CliRunner().invoke(cli.app, ["collect", "--write-pages", str(taken)])
    assert result.exit_code == 2
    assert result.output.startswith("error: --write-pages") and result.output.count("\n") == 1
    with Tracker(settings=settings) as tracker:
        assert tracker.runs() == []  # nothing was collected


# -- config show and doctor ------------------------------------------------------------------------------


def _config(tmp_path: Path) -> Path:
    cookies = _cookie_file(tmp_path)
    path = tmp_path / "config.toml"
    path.write_text(
        f'db = "{tmp_path / "c.duckdb"}"\ntimezone = "Asia/Shanghai"\nlang = "zh"\nyoutube_api_key = "{API_KEY}"\n'
        f'[cookies]\nbilibili = "{cookies}"\nweibo = "{tmp_path / "missing.txt"}"\n'
        f'[campaigns."禁毒"]\nschedule = "1h until 1d, then stop"\n'
        f'[campaigns."禁毒".alerts]\nurl = "{WEBHOOK}"\nsecret = "{HOOK_SECRET}"\nnote = "{HOOK_SECRET}"\n',
        encoding="utf-8",
    )
    return path


def test_config_show_masks_every_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config(tmp_path)
    monkeypatch.setenv("REACH_CONFIG", str(config))
    monkeypatch.delenv("REACH_YOUTUBE_API_KEY", raising=False)
    monkeypatch.delenv("REACH_DB", raising=False)
    monkeypatch.setenv("REACH_ALERT_URL", WEBHOOK)
    monkeypatch.setenv("REACH_ALERT_SECRET", HOOK_SECRET)
    runner = CliRunner()
    table = runner.invoke(cli.app, ["config", "show"])
    as_json = runner.invoke(cli.app, ["config", "show", "--format", "json"])
    assert table.exit_code == 0 and as_json.exit_code == 0, table.output + as_json.output
    data = json.loads(as_json.output)
    assert data["config_file"] == {"path": str(config), "exists": True, "from": "REACH_CONFIG"}
    assert data["db"]["path"] == str(tmp_path / "c.duckdb") and data["db"]["from"] == "config file"
    assert data["timezone"] == {"value": "Asia/Shanghai", "from": "config file"}
    assert data["youtube_api_key"] == "set (from config file)"
    bili = data["cookies"]["bilibili"]
    assert (bili["cookies"], bili["earliest_expiry"], bili["expired"], bili["problem"]) == (2, "2100-01-01", 0, None)
    assert data["cookies"]["weibo"]["problem"] == "the file does not exist"
    alerts = data["campaigns"]["禁毒"]["alerts"]
    assert alerts == {"url": "set (https://qyapi.weixin.qq.com/…)", "secret": "set", "note": "set"}
    assert data["environment"]["REACH_ALERT_URL"] == "set (https://qyapi.weixin.qq.com/…)"
    assert data["environment"]["REACH_ALERT_SECRET"] == "set"
    assert "earliest expiry 2100-01-01" in table.output and "set (from config file)" in table.output
    _assert_no_secret(table.output + as_json.output)

    doctor = runner.invoke(cli.app, ["doctor"])
    doctor_json = runner.invoke(cli.app, ["doctor", "--format", "json"])
    assert "YouTube API key" in doctor.output
    _assert_no_secret(doctor.output + doctor_json.output)


def test_config_show_names_where_each_value_came_from(tmp_path: Path) -> None:
    cookies = _cookie_file(tmp_path)
    env = {
        "REACH_CONFIG": str(tmp_path / "none.toml"),
        "REACH_YOUTUBE_API_KEY": API_KEY,
        "REACH_BILIBILI_COOKIES": str(cookies),
        "REACH_TZ": "Europe/Berlin",
    }
    (tmp_path / "none.toml").write_text("")
    data = effective_config(env=env, db=tmp_path / "x.duckdb")
    assert data["youtube_api_key"] == "set (from REACH_YOUTUBE_API_KEY)"
    assert data["cookies"]["bilibili"]["from"] == "REACH_BILIBILI_COOKIES"
    assert data["timezone"] == {"value": "Europe/Berlin", "from": "REACH_TZ"}
    assert data["db"]["from"] == "--db"
    assert effective_config(env={**env, "REACH_YOUTUBE_API_KEY": ""})["youtube_api_key"] == "not set"
    lines = dict(config_lines(data))
    assert lines["timezone"] == "Europe/Berlin (from REACH_TZ)"
    _assert_no_secret(json.dumps(data) + repr(lines))


def test_cookie_summary_of_bad_and_shared_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("SESSDATA=PLANTED")
    summary = cookie_file_summary(bad)
    assert summary["problem"] is not None and "Netscape" in summary["problem"]
    if POSIX:
        shared = _cookie_file(tmp_path)
        shared.chmod(0o644)
        assert cookie_file_summary(shared)["private"] is False
        assert "READABLE BY OTHERS" in dict(config_lines({"c": {**cookie_file_summary(shared), "from": "x"}}))["c"]


def test_config_show_with_a_broken_config_is_one_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(f'youtube_api_key = "{API_KEY}"\nlang = "fr"\n')
    monkeypatch.setenv("REACH_CONFIG", str(bad))
    result = CliRunner().invoke(cli.app, ["config", "show"])
    assert result.exit_code == 2 and result.output.startswith("error: unknown language")
    _assert_no_secret(result.output)


# -- files reach writes are private ---------------------------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="file modes are POSIX")
@pytest.mark.parametrize("name", ["r.csv", "r.json", "r.jsonl", "r.xlsx", "r.html", "r.txt", "r.png"])
def test_report_files_are_created_private(tmp_path: Path, name: str) -> None:
    with Tracker(":memory:") as tracker:
        tracker.record("https://www.bilibili.com/video/BV1a7421K7Qg", views=100, at="2026-06-01 10:00")
        tracker.record("https://www.bilibili.com/video/BV1a7421K7Qg", views=300, at="2026-06-02 10:00")
        rep = tracker.report()
    path = tmp_path / name
    path.write_text("old")
    path.chmod(0o644)  # an earlier file others could read: the new content is private too
    rep.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() != b"old"
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_a_failed_report_write_leaves_the_earlier_file(tmp_path: Path) -> None:
    from reach.errors import InputError

    with Tracker(":memory:") as tracker:
        rep = tracker.report()  # no data: a PNG cannot be drawn
    path = tmp_path / "week.png"
    path.write_bytes(b"earlier chart")
    with pytest.raises(InputError):
        rep.save(path)
    assert path.read_bytes() == b"earlier chart"
    assert [p.name for p in tmp_path.iterdir()] == ["week.png"]


@pytest.mark.skipif(not POSIX, reason="file modes are POSIX")
def test_cli_writes_private_files_and_restores_the_umask(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    before = os.umask(0o022)
    try:
        runner = CliRunner()
        assert (
            runner.invoke(cli.app, ["--db", str(db), "add", f"https://www.bilibili.com/video/{OK_BV}"]).exit_code == 0
        )
        out = tmp_path / "out.csv"
        result = runner.invoke(cli.app, ["--db", str(db), "report", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert os.umask(0o022) == 0o022  # the command restored it
    finally:
        os.umask(before)
    for path in (db, out):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


# -- other spellings of a secret --------------------------------------------------------------------------


def test_redact_catches_encoded_decoded_and_escaped_spellings() -> None:
    secret = "PLANTEDredact%2Cvalue/with+slash"
    register_secret(secret)
    for spelling in (
        secret,
        unquote(secret),  # percent-decoded
        quote(secret, safe=""),  # percent-encoded again
        json.dumps(unquote(secret))[1:-1].replace("/", "\\/"),  # JSON with escaped slashes
        secret.upper(),
        quote(unquote(secret), safe="").lower(),
    ):
        assert "PLANTED" not in redact(f"x {spelling} y").upper(), spelling
    assert redact("nothing secret here") == "nothing secret here"


def test_scrub_url_masks_credentials_in_query_fragment_and_userinfo() -> None:
    url = (
        "https://user:pw@www.xiaohongshu.com/discovery/item/1?xsec_token=AB%2Bcd&key=k1&access_token=t1"
        "&msToken=m1&a_bogus=b1&pass_ticket=p1&uin=u1&vd_source=keep#access_token=frag"
    )
    clean = scrub_url(url)
    assert clean.startswith("https://www.xiaohongshu.com/discovery/item/1?")
    for gone in ("user", "pw", "AB", "k1", "t1", "m1", "b1", "p1", "u1", "frag", "#"):
        assert gone not in clean.split("?", 1)[1] if gone not in ("user", "pw") else gone not in clean
    assert "vd_source=keep" in clean and clean.count("***") == 7


@pytest.mark.parametrize("value", ["123456789012", '["AIzaPLANTEDinalist"]', '"AIza PLANTED"', "true"])
def test_a_key_that_is_not_text_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    config = tmp_path / "k.toml"
    config.write_text(f"youtube_api_key = {value}\n")
    monkeypatch.setenv("REACH_CONFIG", str(config))
    result = CliRunner().invoke(cli.app, ["config", "show"])
    assert result.exit_code == 2 and result.output.startswith("error: youtube_api_key")
    assert "planted" not in result.output.lower()


def test_an_empty_key_is_no_key(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('youtube_api_key = ""\n')
    assert effective_config(config_file=tmp_path / "c.toml", env={})["youtube_api_key"] == "not set"
