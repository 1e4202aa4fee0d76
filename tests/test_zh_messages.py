"""The stderr summaries of add / collect / record / import / doctor / alerts test follow the language
setting (REACH_LANG, config ``lang``, else the locale) like the tables: Chinese in zh, the English text
unchanged in en. Data on stdout and JSON stays language-neutral; ``error:`` lines of bad input stay English."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from reach import alerts, cli
from reach.alerts import AlertReport
from reach.config import Settings
from reach.errors import DatabaseBusy
from reach.tracker import Tracker

from .conftest import bili_view, json_response

runner = CliRunner()
BVS = ["BV1a7421K7Q1", "BV1a7421K7Q2", "BV1a7421K7Q3", "BV1a7421K7Q4"]
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = (
    "added ",
    "collected ",
    "post(s)",
    "snapshot(s)",
    "row(s)",
    "imported ",
    "dry run",
    "Nothing was written",
    "recorded",
    "already ",
    "nothing due",
    "next sample",
    "times in a row",
    "header on row",
    "numbers as of",
    "skipped",
    "columns not used",
    "source:",
    "database:",
    "alerts:",
    "not delivered",
    "something is broken",
    "channel(s)",
    "campaign",
)


def invoke(lang: str | None, *args: str, env: dict[str, str] | None = None) -> Any:
    """Run the CLI with ``REACH_LANG=lang`` (``None``: unset) in Beijing time."""
    environ = {"REACH_TZ": "Asia/Shanghai", **(env or {})}
    if lang is not None:
        environ["REACH_LANG"] = lang
    return runner.invoke(cli.app, list(args), env=environ)


def assert_chinese(stderr: str) -> None:
    """Every stderr line has Chinese in it and no English summary phrase is left."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "no summary printed"
    for line in lines:
        assert CJK.search(line), f"an English-only line in zh: {line!r}"
    for phrase in ENGLISH:
        assert phrase not in stderr, f"{phrase!r} left in zh: {stderr}"


@pytest.fixture
def bili(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The CLI's tracker answers from a mock bilibili; ``state["answers"]`` overrides one post's answer."""
    state: dict[str, Any] = {"answers": {}}

    def handler(request: httpx.Request) -> httpx.Response:
        bvid = request.url.params.get("bvid", "")
        answer: httpx.Response | None = state["answers"].get(bvid)
        return answer if answer is not None else json_response(bili_view(bvid, 1000))

    def factory() -> Tracker:
        settings = Settings.load(config_file=cli.state.config, db=cli.state.db).with_(
            min_interval={"*": 0.0}, retry_backoff=0.0
        )
        return Tracker(settings=settings, transport=httpx.MockTransport(handler))

    monkeypatch.setattr(cli, "_tracker", factory)
    return state


GONE = {"code": -404, "message": "啥都木有", "ttl": 1}


# -- add -------------------------------------------------------------------------------------------


def test_add_summary(tmp_path: Path, bili: dict[str, Any]) -> None:
    zh_db, en_db = str(tmp_path / "zh.duckdb"), str(tmp_path / "en.duckdb")
    zh = invoke("zh", "--db", zh_db, "add", BVS[0], BVS[1], "-c", "禁毒")
    assert zh.exit_code == 0, zh.output
    assert zh.stdout.split() == [f"bilibili:{BVS[0]}", f"bilibili:{BVS[1]}"]
    assert "已添加 2 条新作品到活动「禁毒」，0 条原已在跟踪 · 数据库：" in zh.stderr
    assert_chinese(zh.stderr)
    again = invoke("zh", "--db", zh_db, "add", BVS[0])
    assert "已添加 0 条新作品，1 条原已在跟踪" in again.stderr
    en = invoke("en", "--db", en_db, "add", BVS[0], BVS[1], "-c", "禁毒")
    assert en.exit_code == 0 and en.stdout == zh.stdout
    assert en.stderr.startswith("added 2 new post(s) to campaign '禁毒', 0 already tracked · database: ")
    assert not CJK.search(en.stderr.replace("禁毒", ""))


def test_add_bad_input_error_stays_english(tmp_path: Path, bili: dict[str, Any]) -> None:
    r = invoke("zh", "--db", str(tmp_path / "x.duckdb"), "add", " ")
    assert r.exit_code == 2 and r.stderr.startswith("error: nothing to add: give post links")


# -- collect ---------------------------------------------------------------------------------------


def test_collect_summary_failures_and_nothing_due(tmp_path: Path, bili: dict[str, Any]) -> None:
    for lang in ("zh", "en"):
        db = str(tmp_path / f"{lang}.duckdb")
        assert invoke(lang, "--db", db, "add", *BVS).exit_code == 0
        ok = invoke(lang, "--db", db, "collect")
        due = invoke(lang, "--db", db, "collect", "--due")
        for post in BVS:
            bili["answers"][post] = json_response(GONE)
        gone = invoke(lang, "--db", db, "collect")
        bili["answers"].clear()
        assert ok.exit_code == 0 and due.exit_code == 0 and gone.exit_code == 4, gone.output
        assert ok.stdout == due.stdout == gone.stdout == ""
        [summary, failure] = gone.stderr.splitlines()
        if lang == "zh":
            assert re.fullmatch(r"已采集 4 条作品：成功 4 条 · 运行编号 \S+\n", ok.stderr), ok.stderr
            assert re.fullmatch(
                r"暂无到期需采集的作品（共跟踪 4 条）；下次采样时间：\d{4}-\d\d-\d\d \d\d:\d\d（北京时间）\n",
                due.stderr,
            ), due.stderr
            assert summary.startswith("已采集 4 条作品：无法访问（已删除/私密） 4 条 · 运行编号 ")
            shown = "、".join(f"bilibili:{p}" for p in BVS[:3])
            assert failure.startswith(f"  无法访问（已删除/私密） {shown} 等 4 条："), failure
            for result in (ok, due, gone):
                assert_chinese(result.stderr)
        else:
            assert re.fullmatch(r"collected 4 post\(s\): 4 ok · run \S+\n", ok.stderr), ok.stderr
            assert re.fullmatch(
                r"nothing due \(4 post\(s\) tracked\); next sample due \d{4}-\d\d-\d\d \d\d:\d\d CST\n", due.stderr
            ), due.stderr
            assert summary.startswith("collected 4 post(s): 4 unavailable · run ")
            shown = ", ".join(f"bilibili:{p}" for p in BVS[:3])
            assert failure.startswith(f"  unavailable   {shown} and 1 more: "), failure


def test_collect_flags_a_post_deleted_three_times(tmp_path: Path, bili: dict[str, Any]) -> None:
    for lang, expected in (
        (
            "zh",
            f"  bilibili:{BVS[0]}：连续 3 次无法访问，视为已删除，不再采集（`reach collect --include-unavailable` 可",
        ),
        ("en", f"  bilibili:{BVS[0]}: unavailable 3 times in a row: treated as deleted, no longer fetched ("),
    ):
        db = str(tmp_path / f"{lang}.duckdb")
        assert invoke(lang, "--db", db, "add", *BVS[:2]).exit_code == 0
        bili["answers"][BVS[0]] = json_response(GONE)
        for _ in range(2):
            assert invoke(lang, "--db", db, "-q", "collect").exit_code == 4
        r = invoke(lang, "--db", db, "-q", "collect")
        bili["answers"].clear()
        assert r.exit_code == 4 and expected in r.stderr, r.stderr
        if lang == "zh":
            assert_chinese(r.stderr)


def test_collect_alert_notices(tmp_path: Path, bili: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    report = AlertReport(
        deferred=2, sent=[("wecom key=…5aaa", "milestone")], failed=[("webhook …/reach", "milestone", "HTTP 500")]
    )
    monkeypatch.setattr(Tracker, "send_alerts", lambda self, run_id=None, lang=None: report)
    zh_db, en_db = str(tmp_path / "zh.duckdb"), str(tmp_path / "en.duckdb")
    assert invoke("zh", "--db", zh_db, "add", BVS[0]).exit_code == 0
    assert invoke("en", "--db", en_db, "add", BVS[0]).exit_code == 0
    zh = invoke("zh", "--db", zh_db, "collect")
    en = invoke("en", "--db", en_db, "collect")
    assert zh.exit_code == en.exit_code == 0, zh.output + en.output
    assert "提醒：已发送 1 条，另有 2 条下次运行时发送（机器人每分钟约收 20 条）" in zh.stderr
    assert "warning: 1 条提醒未能发送到 webhook …/reach (HTTP 500)，下次运行时重试（`reach alerts list`）" in zh.stderr
    assert_chinese(zh.stderr)
    assert "alerts: 1 message(s) sent, 2 more at the next run (robots take ~20 a minute)\n" in en.stderr
    assert (
        "warning: 1 alert(s) not delivered to webhook …/reach (HTTP 500); retried next run (`reach alerts list`)\n"
        in en.stderr
    )

    def busy(self: Tracker, run_id: str | None = None, lang: str | None = None) -> AlertReport:
        raise DatabaseBusy("held")

    monkeypatch.setattr(Tracker, "send_alerts", busy)
    zh = invoke("zh", "--db", zh_db, "-q", "collect")
    en = invoke("en", "--db", en_db, "-q", "collect")
    assert zh.stderr == "warning: 未检查提醒（另一个 `reach collect` 正在使用数据库），下次运行时检查\n"
    assert en.stderr == (
        "warning: alerts not checked (another `reach collect` holds the database); the next run checks them\n"
    )


# -- record / import -------------------------------------------------------------------------------


def test_record_summaries(tmp_path: Path, bili: dict[str, Any]) -> None:
    args = ("record", BVS[0], "--views", "1.2万", "--at", "2026-06-09 10:00")
    zh_db, en_db = str(tmp_path / "zh.duckdb"), str(tmp_path / "en.duckdb")
    first = invoke("zh", "--db", zh_db, *args, "-c", "禁毒")
    again = invoke("zh", "--db", zh_db, *args)
    assert first.exit_code == again.exit_code == 0, first.output
    assert first.stderr == (
        f"已写入 bilibili:{BVS[0]} 截至 2026-06-09 10:00（北京时间）的数据（新作品，已开始跟踪），"
        "已加入活动「禁毒」 · 来源：manual（手动录入）\n"
    )
    assert again.stderr == f"已存在：bilibili:{BVS[0]} 于 2026-06-09 10:00（北京时间），未写入新数据\n"
    first = invoke("en", "--db", en_db, *args, "-c", "禁毒")
    again = invoke("en", "--db", en_db, *args)
    assert first.stderr == (
        f"recorded the numbers of bilibili:{BVS[0]} (a new post, now tracked) in campaign '禁毒' "
        "as of 2026-06-09 10:00 Asia/Shanghai · source: manual\n"
    )
    assert (
        again.stderr == f"already recorded: bilibili:{BVS[0]} at 2026-06-09 10:00 Asia/Shanghai, nothing new written\n"
    )


def _table(path: Path) -> Path:
    path.write_text(
        "标题,链接,播放量,点赞,作者ID\n"
        f"禁毒宣传,https://www.bilibili.com/video/{BVS[0]},12345,30,x\n"
        "合计,,99999,,\n"
        f"空行,https://www.bilibili.com/video/{BVS[1]},,,\n",
        encoding="utf-8",
    )
    return path


def test_import_summaries(tmp_path: Path, bili: dict[str, Any]) -> None:
    table = _table(tmp_path / "links.csv")
    at = ("--at", "2026-06-08 18:00")
    out: dict[str, dict[str, Any]] = {}
    for lang in ("zh", "en"):
        db = str(tmp_path / f"{lang}.duckdb")
        out[lang] = {
            "json": invoke(lang, "--db", db, "import", str(table), *at, "--dry-run", "-f", "json"),
            "dry": invoke(lang, "--db", db, "import", str(table), *at, "--dry-run", "-c", "禁毒"),
            "done": invoke(lang, "--db", db, "import", str(table), *at, "-c", "禁毒"),
            "again": invoke(lang, "--db", db, "import", str(table)),
            "mtime": invoke(lang, "--db", str(tmp_path / f"{lang}-2.duckdb"), "import", str(table), "--dry-run"),
        }
        assert all(r.exit_code == 0 for r in out[lang].values()), [r.output for r in out[lang].values()]
    zh, en = out["zh"], out["en"]
    assert json.loads(zh["json"].stdout) == json.loads(en["json"].stdout)  # language-neutral
    assert zh["json"].stderr == en["json"].stderr == ""
    head = "links.csv：链接与数据表格 · CSV (UTF-8)，表头在第 1 行 · 数据时间 2026-06-08 18:00（北京时间），"
    problems = "  跳过 第 3 行：合计行，不是作品\n  跳过 第 4 行：该行没有数字\n"
    unused = "  未使用的列：作者ID（如其中某列有用，用 --map 列名=目标 指定）\n"
    assert zh["dry"].stderr == (
        f"{head}按 --at 参数\n{problems}{unused}试运行：将写入 1 条快照，其中新作品 1 条，跳过 2 行。未写入任何数据。\n"
    )
    assert zh["done"].stderr.endswith(
        f"{unused}已写入 1 条快照，其中新作品 1 条，跳过 2 行 · 来源：import:table:links.csv\n"
    )
    assert zh["again"].stderr == (
        f"{head}沿用该文件首次导入时的时间\n{problems}{unused}"
        "已写入 0 条快照，1 条已存在（此前导入过该文件），跳过 2 行 · 来源：import:table:links.csv\n"
    )
    assert "取自文件修改时间（可用 --at 修改）\n" in zh["mtime"].stderr
    for key in ("dry", "done", "again", "mtime"):
        assert_chinese(zh[key].stderr)
        assert zh[key].stdout.count("bilibili:") == en[key].stdout.count("bilibili:") == 1
    head = (
        "links.csv: table of links and numbers · CSV (UTF-8), header on row 1 · "
        "numbers as of 2026-06-08 18:00 Asia/Shanghai (from the "
    )
    problems = "  skipped row 3: a totals row, not a post\n  skipped row 4: no numbers in this row\n"
    unused = "  columns not used: 作者ID (use --map COLUMN=TARGET if one matters)\n"
    assert en["dry"].stderr == (
        f"{head}--at)\n{problems}{unused}"
        "dry run: would write 1 snapshot(s), 1 new post(s), 2 row(s) skipped. Nothing was written.\n"
    )
    assert en["done"].stderr.endswith(
        f"{unused}imported 1 snapshot(s), 1 new post(s), 2 row(s) skipped · source: import:table:links.csv\n"
    )
    assert en["again"].stderr == (
        f"{head}first import of this file)\n{problems}{unused}imported 0 snapshot(s), 1 already stored by an "
        "earlier import of this file, 2 row(s) skipped · source: import:table:links.csv\n"
    )
    assert "(from the file modification time; --at changes it)\n" in en["mtime"].stderr


def test_import_bad_cells_error_stays_english(tmp_path: Path, bili: dict[str, Any]) -> None:
    table = tmp_path / "bad.csv"
    table.write_text(f"链接,播放量\nhttps://www.bilibili.com/video/{BVS[0]},很多\n", encoding="utf-8")
    r = invoke("zh", "--db", str(tmp_path / "x.duckdb"), "import", str(table), "--at", "2026-06-08 18:00")
    assert r.exit_code == 2 and r.stderr.startswith("error: bad.csv: 1 value(s) could not be read"), r.stderr


# -- doctor / alerts test --------------------------------------------------------------------------


def test_doctor_summary(tmp_path: Path) -> None:
    missing = {"REACH_DOUYIN_COOKIES": str(tmp_path / "nope.txt")}
    zh = invoke("zh", "--db", str(tmp_path / "d.duckdb"), "doctor", env=missing)
    en = invoke("en", "--db", str(tmp_path / "d.duckdb"), "doctor", env=missing)
    assert zh.exit_code == en.exit_code == 2, zh.output
    assert zh.stderr == "有检查未通过：请按上面 fail 行的提示修复\n"
    assert en.stderr == "something is broken: fix the `fail` lines above\n"
    assert "fail  cookies" in zh.stdout and "fail  cookies" in en.stdout  # the checks are not translated here
    broken = tmp_path / "config.toml"
    broken.write_text("lang = \n", encoding="utf-8")  # unreadable: the language comes from REACH_LANG
    r = invoke("zh", "--config", str(broken), "doctor")
    assert r.exit_code == 2 and r.stderr == "有检查未通过：请按上面 fail 行的提示修复\n", r.output


def test_alerts_test_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alerts, "send", lambda *args: (False, "HTTP 500"))  # no network: every channel refuses
    for lang, expected in (
        ("zh", "error: 1 个提醒通道未收到测试消息：请检查地址和密钥\n"),
        ("en", "error: 1 channel(s) did not take the test message; check the URL and secret\n"),
    ):
        db = str(tmp_path / f"{lang}.duckdb")
        assert invoke(lang, "--db", db, "campaign", "create", "禁毒").exit_code == 0
        url = "https://example.org/hooks/reach"
        added = invoke(
            lang, "--db", db, "alerts", "add", "禁毒", "--kind", "webhook", "--url", url, "--secret", "s" * 32
        )
        assert added.exit_code == 0, added.output
        r = invoke(lang, "--db", db, "alerts", "test", "禁毒")
        assert r.exit_code == 2 and r.stderr == expected, r.output
        assert r.stdout.startswith("fail  ") and "HTTP 500" in r.stdout


# -- how the language is chosen --------------------------------------------------------------------


def test_language_from_config_and_locale(tmp_path: Path, bili: dict[str, Any]) -> None:
    """The same resolution as `reach report` / `reach posts`: REACH_LANG, else config, else the locale."""
    config = tmp_path / "config.toml"
    config.write_text('lang = "zh"\n', encoding="utf-8")
    r = invoke(None, "--config", str(config), "--db", str(tmp_path / "a.duckdb"), "add", BVS[0])
    assert r.stderr.startswith("已添加 1 条新作品"), r.stderr
    r = invoke("en", "--config", str(config), "--db", str(tmp_path / "b.duckdb"), "add", BVS[0])
    assert r.stderr.startswith("added 1 new post(s)"), r.stderr
    r = invoke(None, "--db", str(tmp_path / "c.duckdb"), "add", BVS[0], env={"LANG": "zh_CN.UTF-8"})
    assert r.stderr.startswith("已添加 1 条新作品"), r.stderr
    r = invoke(None, "--db", str(tmp_path / "d.duckdb"), "add", BVS[0])  # the tests' locale is en_US
    assert r.stderr.startswith("added 1 new post(s)"), r.stderr
