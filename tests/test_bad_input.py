"""A corpus of malformed input, through the CLI as staff type it: every case gets a clear error
(first line ``error: …``), a non-zero exit, no traceback, and nothing written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reach import cli
from reach.config import Settings
from reach.models import Count, Metrics, Snapshot
from reach.store import Store
from reach.tracker import Tracker
from reach.urls import identify

runner = CliRunner()
REAL_TRACKER = cli._tracker  # the CLI's own factory: reads --db, --config and the environment

BAD_LINKS = [
    "",
    " ",
    "\t",
    "hello",
    "你好世界",
    "12345",
    "http://",
    "https://",
    "https:///video/BV1J442187uv",
    "ftp://www.bilibili.com/video/BV1J442187uv",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://example.com/video/BV1J442187uv",
    "https://www.bilibili.com@evil.example/video/BV1J442187uv",
    "https://evil.example/?u=https://b23.tv/x",
    "https://127.0.0.1/video/BV1J442187uv",
    "https://[::1]/video/BV1J442187uv",
    "https://10.0.0.1/",
    "https://www.bilibili.com.evil.example/video/BV1J442187uv",
    "https://www.bіlibili.com/video/BV1J442187uv",
    "https://www.bilibili.com/video/BV1J44218",
    "https://www.bilibili.com/video/BV0000000000",
    "https://www.bilibili.com/video/av0",
    "https://www.bilibili.com/video/av-5",
    "https://www.bilibili.com/",
    "https://space.bilibili.com/123456",
    "https://www.youtube.com/",
    "https://www.youtube.com/watch?v=short",
    "https://www.youtube.com/@somechannel",
    "https://www.youtube.com/playlist?list=PL0123456789",
    "https://www.douyin.com/",
    "https://www.douyin.com/video/123",
    "https://www.douyin.com/user/MS4wLjABAAAA",
    "https://www.kuaishou.com/profile/3xabc",
    "https://www.xiaohongshu.com/user/profile/5e0a0b0c000000000100aaaa",
    "https://www.xiaohongshu.com/explore/zzzz",
    "https://weibo.com/u/7000000001",
    "https://weibo.com/",
    "https://www.tiktok.com/@someone",
    "https://www.tiktok.com/@someone/video/123",
    "https://www.toutiao.com/",
    "https://mp.weixin.qq.com/",
    "https://channels.weixin.qq.com/",
    "myspace:12345",
    "bilibili:",
    ":BV1J442187uv",
    "bilibili:BV0000000000",
    "youtube:tooshort",
    "douyin:abc",
    "weibo:-1",
    "BV1J44",
    "av",
    "AV",
    "https://www.bilibili.com/video/BV1J442187uv\r\nHost: evil",
    "https://www.bilibili.com/video/%00",
    "\x00",
    "\u202eBV1J44218",
    "复制打开抖音，看看【作品】",
    "【标题】没有链接的分享文字 #话题",
    "https://" + "a" * 3000 + ".com/",
    "x" * 10_000,
    "https://b23.tv",
    "https://v.douyin.com",
    "https://weixin.qq.com/",
    "https://youtu.be/",
    "https://youtu.be/AbCdEfGhIj",
    "https://www.bilibili.com/video/",
    "https://m.weibo.cn/status/",
    "https://www.tiktok.com/@u/video/",
    "https://www.toutiao.com/video/",
    "https://mp.weixin.qq.com/s/",
    "https://www.xiaohongshu.com/discovery/item/",
    "https://www.kuaishou.com/short-video/",
    "mailto:a@b.c",
    "tel:12345678901",
    "//",
    "///",
    "http:/x",
    "https://www.bilibili.com:99999/video/BV1J442187uv",
    "[https://www.bilibili.com/]",
]

BAD_COUNTS = [
    "abc",
    "-5",
    "-1",
    "1e3",
    "1.5",
    "0.5",
    "NaN",
    "inf",
    "-inf",
    "1,2,3",
    "1..2",
    "万",
    "亿",
    "+",
    "--5",
    "1.2.3万",
    "12 34",
    "五",
    "很多",
    "0x10",
    "１２３abc",
    "99999999999999999999999999",
    "1万万",
    "10万-",
    "true",
    "null",
    "=1+1",
    "@SUM(1)",
    "1/2",
    "½",
    "²",
    "١٢٣abc",
    "—",
    "N/A?",
    "1.2万万",
    "10^6",
    "1_000",
]

BAD_TIMES = [
    "yesterday-ish",
    "2026-13-01 10:00",
    "2026-02-30",
    "2026-06-01 25:00",
    "2999-01-01 10:00",
    "9999-12-31",
    "abc",
    "",
    "10:00:00:00",
    "2026/06/01 10:61",
    "-1",
    "1e10",
    "昨天 25:00",
    "2026年13月01日",
]

BAD_DB_PATHS = ["/proc/reach.duckdb", "/dev/null", "/nonexistent-dir/sub/reach.duckdb"]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database with one post and one snapshot; the CLI's tracker opens it, offline."""
    path = tmp_path / "reach.duckdb"
    with Store(path) as store:
        ref = identify("https://www.bilibili.com/video/BV1J442187uv")
        store.add_post(ref, campaign="禁毒")
        from datetime import datetime, timezone

        store.add_snapshot(
            Snapshot(
                ref.post_key, datetime(2026, 6, 1, tzinfo=timezone.utc), Metrics(views=Count.exact(10)), source="x"
            )
        )

    def tracker() -> Tracker:
        return Tracker(path, settings=Settings(db=path, timezone="Asia/Shanghai", min_interval={"*": 0.0}, retries=0))

    monkeypatch.setattr(cli, "_tracker", tracker)
    return path


def _state(path: Path) -> tuple[int, int, int]:
    with Store(path) as store:
        row = store.con.execute(
            "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM snapshots), (SELECT count(*) FROM campaigns)"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def _refused(args: list[str], db: Path, input: str | None = None) -> None:
    before = _state(db)
    result = runner.invoke(cli.app, args, input=input)
    output = result.output
    assert result.exit_code not in (0, None), (args, output)
    assert result.exit_code != 1, ("internal error", args, output)
    assert "Traceback" not in output, (args, output)
    assert isinstance(result.exception, SystemExit), (args, repr(result.exception))
    first = next((line for line in output.splitlines() if line.strip()), "")
    assert first.startswith(("error:", "Usage:")), (args, output)
    assert _state(db) == before, ("something was written", args)


@pytest.mark.parametrize("text", BAD_LINKS)
def test_add_refuses(db: Path, text: str) -> None:
    _refused(["add", text], db)


@pytest.mark.parametrize("value", BAD_COUNTS)
def test_record_refuses_counts(db: Path, value: str) -> None:
    _refused(["record", "bilibili:BV1J442187uv", "--views", value], db)


@pytest.mark.parametrize("value", BAD_TIMES)
def test_record_refuses_times(db: Path, value: str) -> None:
    _refused(["record", "bilibili:BV1J442187uv", "--views", "100", "--at", value], db)


@pytest.mark.parametrize("value", [v for v in BAD_TIMES if v])
@pytest.mark.parametrize("option", ["--since", "--until"])
def test_report_refuses_ranges(db: Path, option: str, value: str) -> None:
    _refused(["report", "-c", "禁毒", option, value], db)


@pytest.mark.parametrize(
    "args",
    [
        ["report", "-c", "no-such-campaign"],
        ["report", "--by", "fortnight"],
        ["report", "--tz", "Mars/Olympus"],
        ["report", "--format", "docx"],
        ["report", "--lang", "fr-klingon"],
        ["posts", "--format", "xml"],
        ["posts", "--platform", "myspace"],
        ["collect", "--platform", "myspace"],
        ["collect", "-c", "no-such-campaign"],
        ["parse", "/nonexistent/file.json", "--platform", "bilibili"],
        ["parse", "-", "--platform", "myspace"],
        ["parse", "-", "--platform", "bilibili", "--status", "999"],
        ["parse", "-", "--platform", "bilibili", "--url", "https://youtu.be/AbCdEfGhIjk"],
        ["record", "bilibili:BV1J442187uv"],
        ["record", "bilibili:BV1J442187uv", "--views", "5", "--extra", "noequals"],
        ["record", "bilibili:BV1J442187uv", "--views", "5", "--extra", "=5"],
        ["record", "bilibili:BV1J442187uv", "--views", "5", "-c", ""],
        ["record", "bilibili:BV1J442187uv", "--views", "5", "-c", "\x00bad"],
        ["record", "bilibili:BV1J442187uv", "--views", "5", "-c", "x" * 500],
        ["record", "bilibili:BV1J442187uv", "--views", "5", "--note", "x" * 100_000],
        ["import", "/nonexistent/export.xlsx"],
        ["add", "https://www.bilibili.com/video/BV1J442187uv", "-c", ""],
        ["add", "https://www.bilibili.com/video/BV1J442187uv", "-c", "   "],
        ["add"],
        ["nosuchcommand"],
        ["report", "--since", "2026-06-10", "--until", "2026-06-01"],
    ],
)
def test_options_refused(db: Path, args: list[str]) -> None:
    _refused(args, db, input="{}")


IMPORT_FILES = {
    "empty.csv": b"",
    "bom-only.csv": b"\xef\xbb\xbf",
    "no-header.csv": b"1,2,3\n4,5,6\n",
    "binary.csv": bytes(range(256)) * 4,
    "bad-number.csv": "链接,播放量\nhttps://www.bilibili.com/video/BV1J442187uv,abc\n".encode(),
    "negative.csv": "链接,播放量\nhttps://www.bilibili.com/video/BV1J442187uv,-5\n".encode(),
    "formula.csv": "链接,播放量\nhttps://www.bilibili.com/video/BV1J442187uv,=1+1\n".encode(),
    "bad-link.csv": "链接,播放量\nhttps://evil.example/x,5\n".encode(),
    "not-xlsx.xlsx": b"this is not a zip file",
    "truncated.xlsx": b"PK\x03\x04\x14\x00\x00\x00",
    "not-xls.xls": b"\xd0\xcf\x11\xe0 not really",
    "json.csv": b'{"a": 1}',
}


@pytest.mark.parametrize("name", sorted(IMPORT_FILES))
def test_import_refuses_files(db: Path, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(IMPORT_FILES[name])
    _refused(["import", str(path), "-c", "禁毒"], db)


CONFIGS = {
    "not-toml": "this is = = not toml",
    "bad-zone": 'timezone = "Mars/Olympus"',
    "bad-lang": "lang = 5",
    "bad-interval": '[min_interval]\nbilibili = "fast"',
    "negative-interval": "[min_interval]\nbilibili = -1",
    "bad-timeout": 'timeout = "soon"',
    "bad-cookies": "[cookies]\nbilibili = 5",
    "unknown-key": 'colour = "blue"',
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_bad_config_files(db: Path, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / f"{name}.toml"
    config.write_text(CONFIGS[name])
    monkeypatch.setattr(cli, "_tracker", REAL_TRACKER)
    _refused(["--config", str(config), "--db", str(db), "posts"], db)


@pytest.mark.parametrize("path", BAD_DB_PATHS)
def test_bad_database_paths(db: Path, path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_tracker", REAL_TRACKER)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    result = runner.invoke(cli.app, ["--db", path, "add", "https://www.bilibili.com/video/BV1J442187uv"])
    assert result.exit_code not in (0, 1, None) and "Traceback" not in result.output, result.output
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_corpus_is_large() -> None:
    n = len(BAD_LINKS) + len(BAD_COUNTS) + len(BAD_TIMES) + 2 * len([v for v in BAD_TIMES if v]) + 26
    n += len(IMPORT_FILES) + len(CONFIGS) + len(BAD_DB_PATHS)
    assert n >= 200
