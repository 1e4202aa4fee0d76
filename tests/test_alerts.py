"""Alerts: event detection (pure), message shapes and signatures of each robot, once-only delivery
and retries over real sockets (a loopback server plays WeCom, DingTalk, Feishu and a JSON webhook),
masked URLs everywhere, and honest numbers (a lower bound is said to be one; a rounded total that
might be below the threshold announces nothing)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from typer.testing import CliRunner

from reach import alerts, cli
from reach.config import Settings
from reach.errors import InputError
from reach.insights import Point
from reach.models import CountKind
from reach.tracker import Tracker

from .conftest import bili_view

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 6, 1, 4, 0, tzinfo=timezone.utc)
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DING_TOKEN = "d1e2a3d4b5e6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2"
DING_SECRET = "SECe8f0c2a5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9"
FEISHU_HOOK = "3f2a6c1e-9b8d-4e7f-a6b5-c4d3e2f1a0b9"
FEISHU_SECRET = "fEiShUsEcReT9876543210"
HOOK_SECRET = "generic-webhook-hmac-key-42"
SECRETS = (WECOM_KEY, DING_TOKEN, DING_SECRET, FEISHU_HOOK, FEISHU_SECRET, HOOK_SECRET)


# -- a loopback server playing every robot -------------------------------------------------------


class _Robot(BaseHTTPRequestHandler):
    """Records every POST; answers by the ``answers`` queue of the path's first segment, else success."""

    calls: list[dict[str, Any]] = []
    answers: dict[str, list[tuple[int, dict[str, Any]]]] = {}

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        parts = urlsplit(self.path)
        robot = parts.path.strip("/").split("/")[0]
        self.calls.append(
            {
                "robot": robot,
                "path": parts.path,
                "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                "headers": dict(self.headers),
                "raw": raw,
                "body": json.loads(raw),
            }
        )
        queue = self.answers.get(robot) or []
        if queue:
            status, answer = queue.pop(0)
        else:
            status, answer = (
                200,
                {"code": 0, "msg": "success"} if robot == "open-apis" else {"errcode": 0, "errmsg": "ok"},
            )
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True


@pytest.fixture()
def robot() -> Iterator[str]:
    _Robot.calls = []
    _Robot.answers = {}
    srv = _Server(("127.0.0.1", 0), _Robot)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def urls(base: str) -> dict[str, str]:
    return {
        "wecom": f"{base}/cgi-bin/webhook/send?key={WECOM_KEY}",
        "dingtalk": f"{base}/robot/send?access_token={DING_TOKEN}",
        "feishu": f"{base}/open-apis/bot/v2/hook/{FEISHU_HOOK}",
        "webhook": f"{base}/hooks/reach",
    }


SECRET_OF = {"dingtalk": DING_SECRET, "feishu": FEISHU_SECRET, "webhook": HOOK_SECRET, "wecom": None}


# -- a campaign collected through a mock platform -------------------------------------------------


class Views:
    """What the mock bilibili answers: views per post, or an error code."""

    def __init__(self) -> None:
        self.views: dict[str, int] = {}
        self.code: dict[str, int] = {}

    def handler(self, request: httpx.Request) -> httpx.Response:
        bvid = request.url.params["bvid"]
        if bvid in self.code:
            return httpx.Response(200, json={"code": self.code[bvid], "message": "x", "ttl": 1})
        return httpx.Response(200, json=bili_view(bvid, self.views[bvid]))


def tracker(db: Path, views: Views, lang: str = "zh") -> Tracker:
    settings = Settings(
        db=db, min_interval={"*": 0.0}, retry_backoff=0.0, lock_timeout=5.0, lang=lang, timezone="Asia/Shanghai"
    )
    return Tracker(settings=settings, transport=httpx.MockTransport(views.handler))


POSTS = ["BV1a7421K7Q1", "BV1a7421K7Q2"]


def setup_campaign(db: Path, views: Views, base: str, kinds: tuple[str, ...], milestones: str = "100万") -> Tracker:
    t = tracker(db, views)
    t.add(*POSTS, campaign="禁毒宣传")
    for kind in kinds:
        t.store.add_alert_channel(
            alerts.make_channel(
                "禁毒宣传", kind, urls(base)[kind], SECRET_OF[kind], milestones=[1_000_000] if milestones else None
            ).row()
        )
    return t


def everything_in(db: Path) -> str:
    """Every stored value of every table except the channel configuration, as one text."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        text = []
        for table in tables:
            if table == "alert_channels":
                continue
            text += [repr(row) for row in con.execute(f"SELECT * FROM {table}").fetchall()]
        return "\n".join(text)
    finally:
        con.close()


# -- URLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "url", "why"),
    [
        ("wecom", "ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "https://"),
        ("webhook", "file:///etc/passwd", "https://"),
        ("webhook", "http://example.org/hook", "https://"),
        ("webhook", "https://user:pw@example.org/hook", "user name or password"),
        ("webhook", "https://example.org/hook\r\nX-Evil: 1", "line breaks"),
        ("webhook", "https://example.org/ho ok", "spaces"),
        ("webhook", "https:///nohost", "no host"),
        ("wecom", "https://evil.example/cgi-bin/webhook/send?key=abc", "qyapi.weixin.qq.com"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "?key="),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send", "access_token"),
        ("feishu", "https://open.feishu.cn.evil.example/open-apis/bot/v2/hook/x", "open.feishu.cn"),
        ("slack", "https://hooks.slack.com/x", "unknown alert kind"),
        ("webhook", "", "empty"),
    ],
)
def test_bad_urls_are_refused_without_echoing_them(kind: str, url: str, why: str) -> None:
    with pytest.raises(InputError) as err:
        alerts.check_url(kind, url)
    assert why in str(err.value)
    assert "abc" not in str(err.value) and "pw" not in str(err.value)


def test_good_urls_and_masking() -> None:
    wecom = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"
    assert alerts.check_url("wecom", f" {wecom} ") == wecom
    assert alerts.check_url("feishu", f"https://open.larksuite.com/open-apis/bot/v2/hook/{FEISHU_HOOK}")
    assert alerts.check_url("webhook", "https://example.org/hook")
    assert alerts.check_url("webhook", "http://127.0.0.1:8080/hook")  # plain http only to this machine
    masked = alerts.mask_url(wecom)
    assert WECOM_KEY not in masked and masked.endswith("key=…5aaa") and "qyapi.weixin.qq.com" in masked
    feishu = alerts.mask_url(f"https://open.feishu.cn/open-apis/bot/v2/hook/{FEISHU_HOOK}")
    assert FEISHU_HOOK not in feishu and feishu.endswith("/hook/…a0b9")
    assert alerts.channel_id("c", "wecom", wecom) == alerts.channel_id("c", "wecom", wecom)


# -- detection (pure) ---------------------------------------------------------------------------


def test_milestone_needs_the_lowest_possible_total_past_the_threshold() -> None:
    since = T0
    exact = [Point(T0 + timedelta(hours=1), 900_000), Point(T0 + timedelta(hours=2), 1_000_001)]
    [event] = alerts.milestone_events("c", exact, [1_000_000], since, posts=2)
    assert event.key == "c|milestone|1000000" and event.at == T0 + timedelta(hours=2)
    # a rounded total of ≈100.2万 summing granularities of 10000 could be 99.7万: nothing to announce
    rounded = [Point(T0 + timedelta(hours=1), 1_002_000, CountKind.APPROXIMATE, 10_000)]
    assert alerts.milestone_events("c", rounded, [1_000_000], since, posts=2) == []
    # ≈102万 with the same rounding is past it whatever the real numbers are
    surely = [Point(T0 + timedelta(hours=1), 1_020_000, CountKind.APPROXIMATE, 10_000)]
    [event] = alerts.milestone_events("c", surely, [1_000_000], since, posts=2)
    assert event.data["low"] == 1_015_000 and event.data["kind"] == "approximate"
    # passed before the channel existed: not news (remembered as a baseline, never sent)
    [old] = alerts.milestone_events("c", exact, [1_000_000], T0 + timedelta(hours=3), posts=2)
    assert old.kind == alerts.BASELINE and old.key == "c|milestone|1000000"
    # a total that went past and came back down does not announce it twice (one key per threshold)
    bumpy = [*exact, Point(T0 + timedelta(hours=3), 990_000), Point(T0 + timedelta(hours=4), 1_100_000)]
    assert len(alerts.milestone_events("c", bumpy, [1_000_000], since, posts=2)) == 1
    assert alerts.milestone_events("c", exact, [2_000_000], since, posts=2) == []  # not reached


def test_messages_state_precision_and_never_round_up() -> None:
    lower = [Point(T0, 1_234_567, CountKind.LOWER_BOUND)]
    [event] = alerts.milestone_events("禁毒宣传", lower, [1_000_000], T0, posts=3)
    title, text = alerts.message(event, "zh", SHANGHAI)
    assert "100万" in title and "至少 123.45万" in text and "123.46" not in text
    assert "2026-06-01 12:00 北京时间" in text
    title, text = alerts.message(event, "en", SHANGHAI)
    assert "at least 1,234,567" in text and "Asia/Shanghai" in text
    approx = [Point(T0, 1_020_000, CountKind.APPROXIMATE, 10_000)]
    [event] = alerts.milestone_events("禁毒宣传", approx, [1_000_000], T0, posts=3)
    _, text = alerts.message(event, "zh", SHANGHAI)
    assert "约 102万" in text and "101.5万" in text
    exact = [Point(T0, 1_000_000)]
    [event] = alerts.milestone_events("禁毒宣传", exact, [1_000_000], T0, posts=1)
    _, text = alerts.message(event, "zh", SHANGHAI)
    assert "当前总播放量：100万，" in text and "约" not in text and "至少" not in text


def obs(hours: float, views: int, kind: CountKind = CountKind.EXACT) -> alerts.Observation:
    return alerts.Observation(T0 + timedelta(hours=hours), views, kind)


def test_stalled_only_on_an_exact_plateau_while_collected_fine() -> None:
    line = [obs(0, 500), obs(10, 800), obs(30, 800), obs(60, 800)]
    event = alerts.stalled_event("c", "bilibili:BV1", line, 48, last_ok=True, since=T0, title="t")
    assert event is not None and event.data["hours"] == 50.0 and event.key.endswith(line[1].at.isoformat())
    assert alerts.stalled_event("c", "bilibili:BV1", line, 51, True, T0) is None  # not long enough
    assert alerts.stalled_event("c", "bilibili:BV1", line, 48, False, T0) is None  # failing, not stalled
    assert alerts.stalled_event("c", "bilibili:BV1", line, 0, True, T0) is None  # stall alerts off
    rounded = [obs(0, 12000, CountKind.APPROXIMATE), obs(60, 12000, CountKind.APPROXIMATE)]
    assert alerts.stalled_event("c", "k", rounded, 48, True, T0) is None  # "1.2万" may hide growth
    floor = [obs(0, 100000), obs(60, 100000, CountKind.LOWER_BOUND)]
    assert alerts.stalled_event("c", "k", floor, 48, True, T0) is None  # "10万+" too
    assert alerts.stalled_event("c", "k", line, 48, True, since=T0 + timedelta(hours=61)) is None


def test_blocked_key_is_per_local_day() -> None:
    late = datetime(2026, 6, 1, 15, 30, tzinfo=timezone.utc)  # 23:30 in Beijing
    next_day = late + timedelta(hours=1)
    a = alerts.blocked_event("c", "douyin", 3, late, SHANGHAI)
    b = alerts.blocked_event("c", "douyin", 3, next_day, SHANGHAI)
    assert a.key == "c|blocked|douyin|2026-06-01" and b.key == "c|blocked|douyin|2026-06-02"


# -- requests and answers -----------------------------------------------------------------------


def _channel(kind: str, secret: str | None) -> alerts.Channel:
    base = {
        "wecom": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}",
        "dingtalk": f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}",
        "feishu": f"https://open.feishu.cn/open-apis/bot/v2/hook/{FEISHU_HOOK}",
        "webhook": "https://example.org/hook",
    }[kind]
    return alerts.make_channel("禁毒宣传", kind, base, secret, now=T0)


def test_request_shapes_and_signatures() -> None:
    event = alerts.sample_event("禁毒宣传", T0)
    clock = lambda: 1_781_920_000.5  # noqa: E731

    wecom = alerts.build_request(_channel("wecom", None), event, "zh", SHANGHAI, clock)
    body = json.loads(wecom.body)
    assert body["msgtype"] == "markdown" and "禁毒宣传" in body["markdown"]["content"]
    assert wecom.url.endswith(f"key={WECOM_KEY}")

    ding = alerts.build_request(_channel("dingtalk", DING_SECRET), event, "zh", SHANGHAI, clock)
    body = json.loads(ding.body)
    assert body["msgtype"] == "markdown" and set(body["markdown"]) == {"title", "text"}
    q = {k: v[0] for k, v in parse_qs(urlsplit(ding.url).query).items()}
    assert q["access_token"] == DING_TOKEN and q["timestamp"] == "1781920000500"
    expected = hmac.new(DING_SECRET.encode(), f"1781920000500\n{DING_SECRET}".encode(), hashlib.sha256).digest()
    assert q["sign"] == base64.b64encode(expected).decode()

    feishu = alerts.build_request(_channel("feishu", FEISHU_SECRET), event, "en", SHANGHAI, clock)
    body = json.loads(feishu.body)
    assert body["msg_type"] == "text" and "test message" in body["content"]["text"]
    assert body["timestamp"] == "1781920000"
    key = f"1781920000\n{FEISHU_SECRET}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert "timestamp" not in alerts.build_request(_channel("feishu", None), event, "en", SHANGHAI, clock).body.decode()

    hook = alerts.build_request(_channel("webhook", HOOK_SECRET), event, "en", SHANGHAI, clock)
    body = json.loads(hook.body)
    assert body["event"] == "test" and body["campaign"] == "禁毒宣传" and body["at"] == T0.isoformat()
    sig = hmac.new(HOOK_SECRET.encode(), hook.body, hashlib.sha256).hexdigest()
    assert hook.headers["X-Reach-Signature"] == f"sha256={sig}"


@pytest.mark.parametrize(
    ("kind", "status", "answer", "ok"),
    [
        ("wecom", 200, {"errcode": 0, "errmsg": "ok"}, True),
        ("wecom", 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, False),
        ("dingtalk", 200, {"errcode": 310000, "errmsg": "sign not match"}, False),
        ("dingtalk", 200, {"errcode": 0, "errmsg": "ok"}, True),
        ("feishu", 200, {"code": 0, "msg": "success", "data": {}}, True),
        ("feishu", 200, {"StatusCode": 0, "StatusMessage": "success"}, True),
        ("feishu", 200, {"code": 19021, "msg": "sign match fail"}, False),
        ("feishu", 200, {"errcode": 0}, False),  # not Feishu's success shape
        ("wecom", 500, {"errcode": 0}, False),
        ("webhook", 204, {}, True),
        ("webhook", 302, {}, False),  # redirects are not followed
    ],
)
def test_answers(kind: str, status: int, answer: dict[str, Any], ok: bool) -> None:
    assert alerts.accepted(kind, status, json.dumps(answer).encode())[0] is ok


def test_a_robot_error_echoing_the_key_is_redacted() -> None:
    alerts.make_channel("c", "wecom", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}")
    ok, reason = alerts.accepted(
        "wecom", 200, json.dumps({"errcode": 93000, "errmsg": f"bad key {WECOM_KEY}"}).encode()
    )
    assert not ok and WECOM_KEY not in reason and "errcode 93000" in reason


# -- end to end over sockets --------------------------------------------------------------------


def test_each_event_is_sent_once_to_each_robot(robot: str, tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    views = Views()
    views.views = {POSTS[0]: 400_000, POSTS[1]: 200_000}
    with setup_campaign(db, views, robot, ("wecom", "dingtalk", "feishu", "webhook")) as t:
        run = t.collect()
        assert t.send_alerts(run.run_id).sent == []  # 60万: below 100万
        views.views = {POSTS[0]: 700_000, POSTS[1]: 350_000}
        run = t.collect()
        report = t.send_alerts(run.run_id)
        assert report.failed == [] and sorted(k for _, k in report.sent) == ["milestone"] * 4
        assert t.send_alerts(run.run_id).sent == []  # remembered: not again
        run = t.collect()
        assert t.send_alerts(run.run_id).sent == []  # still past it: not again
    by_robot = {c["robot"]: c for c in _Robot.calls}
    assert len(_Robot.calls) == 4
    wecom = by_robot["cgi-bin"]["body"]
    assert wecom["msgtype"] == "markdown" and "总播放量已超过 100万" in wecom["markdown"]["content"]
    assert "105万" in wecom["markdown"]["content"] and "北京时间" in wecom["markdown"]["content"]
    ding = by_robot["robot"]
    assert ding["body"]["msgtype"] == "markdown" and ding["query"]["access_token"] == DING_TOKEN
    stamp = ding["query"]["timestamp"]
    mac = hmac.new(DING_SECRET.encode(), f"{stamp}\n{DING_SECRET}".encode(), hashlib.sha256).digest()
    assert ding["query"]["sign"] == base64.b64encode(mac).decode()
    feishu = by_robot["open-apis"]["body"]
    key = f"{feishu['timestamp']}\n{FEISHU_SECRET}".encode()
    assert feishu["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert feishu["msg_type"] == "text" and "100万" in feishu["content"]["text"]
    hook = by_robot["hooks"]
    assert hook["body"]["event"] == "milestone" and hook["body"]["data"]["value"] == 1_050_000
    assert hook["body"]["data"]["kind"] == "exact"
    sig = hmac.new(HOOK_SECRET.encode(), hook["raw"], hashlib.sha256).hexdigest()
    assert hook["headers"]["X-Reach-Signature"] == f"sha256={sig}"
    stored = everything_in(db)
    assert not any(s in stored for s in SECRETS)  # deliveries keep masked reasons, never the URL


def test_failed_deliveries_are_retried_next_run_without_duplicates(robot: str, tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    views = Views()
    views.views = {POSTS[0]: 400_000, POSTS[1]: 200_000}
    with setup_campaign(db, views, robot, ("wecom", "dingtalk")) as t:
        t.collect()
        _Robot.answers = {
            "cgi-bin": [(200, {"errcode": 93000, "errmsg": f"invalid webhook url, key {WECOM_KEY}"})],
            "robot": [(500, {"errcode": -1}), (200, {"errcode": 310000, "errmsg": "sign not match"})],
        }
        views.views = {POSTS[0]: 900_000, POSTS[1]: 350_000}
        run = t.collect()
        first = t.send_alerts(run.run_id)
        assert first.sent == [] and len(first.failed) == 2
        reasons = sorted(r for _, _, r in first.failed)
        assert reasons[0] == "HTTP 500" and reasons[1].startswith("errcode 93000")
        assert not any(s in repr(first.failed) for s in SECRETS)
        second = t.send_alerts(None)  # e.g. a `collect --due` with nothing due
        assert [k for _, k in second.sent] == ["milestone"] and len(second.failed) == 1
        assert "errcode 310000" in second.failed[0][2]
        third = t.send_alerts(None)
        assert [k for _, k in third.sent] == ["milestone"] and third.failed == []
        assert t.send_alerts(None).sent == []
        stats = t.store.alert_stats()
        assert sorted(stats.values()) == [(1, 0, None), (1, 0, None)]
    wecom = [c for c in _Robot.calls if c["robot"] == "cgi-bin"]
    ding = [c for c in _Robot.calls if c["robot"] == "robot"]
    assert len(wecom) == 2 and len(ding) == 3  # each success once; failures only as many as runs


def test_unavailable_and_blocked_are_reported_once(robot: str, tmp_path: Path) -> None:
    db = tmp_path / "u.duckdb"
    views = Views()
    views.views = {POSTS[0]: 10, POSTS[1]: 20}
    with setup_campaign(db, views, robot, ("webhook",)) as t:
        t.collect()
        views.code = {POSTS[0]: -404}
        for _ in range(3):  # flagged as deleted on the third unavailable answer in a row
            t.send_alerts(t.collect(include_unavailable=True).run_id)
        more = ["BV1a7421K7Q3", "BV1a7421K7Q4", "BV1a7421K7Q5"]
        t.add(*more, campaign="禁毒宣传")
        views.code = {b: -412 for b in [POSTS[1], *more]}  # bilibili risk control: the breaker trips
        for _ in range(2):
            t.send_alerts(t.collect().run_id)
    kinds = [c["body"]["event"] for c in _Robot.calls]
    assert kinds.count("unavailable") == 1, kinds
    assert kinds.count("blocked") == 1, kinds
    gone = next(c["body"] for c in _Robot.calls if c["body"]["event"] == "unavailable")
    assert gone["subject"] == f"bilibili:{POSTS[0]}" and "deleted" in gone["text"]


def test_no_alert_from_a_number_that_does_not_prove_it(robot: str, tmp_path: Path) -> None:
    """A rounded owner record ≈100万 (could be 99.5万) passes nothing; a "10万+" style lower bound
    is announced as "at least"."""
    db = tmp_path / "n.duckdb"
    views = Views()
    with setup_campaign(db, views, robot, ("webhook",)) as t:
        t.record(POSTS[0], views="100万", at=datetime.now(timezone.utc))  # owner data, rounded to 1万
        t.send_alerts(None)
        assert _Robot.calls == []
        t.record(POSTS[1], views="1.2万", at=datetime.now(timezone.utc))
        t.send_alerts(None)
    [call] = _Robot.calls
    assert call["body"]["data"]["kind"] == "approximate" and call["body"]["data"]["low"] >= 1_000_000
    assert "about" in call["body"]["text"] or "约" in call["body"]["text"]


# -- the CLI -------------------------------------------------------------------------------------


def _cli(db: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(cli.app, ["--db", str(db), *args], env=env)


def test_cli_add_list_test_remove_masks_urls(robot: str, tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    r = _cli(db, "campaign", "create", "禁毒宣传")
    assert r.exit_code == 0, r.output
    r = _cli(db, "alerts", "add", "禁毒宣传", "--kind", "wecom", "--url", urls(robot)["wecom"], "--milestones", "100万")
    assert r.exit_code == 0, r.output
    assert "key=…5aaa" in r.stdout
    r = _cli(
        db, "alerts", "add", "禁毒宣传", "--kind", "dingtalk", "--url", urls(robot)["dingtalk"], "--secret", DING_SECRET
    )
    assert r.exit_code == 0, r.output
    listing = _cli(db, "alerts", "list")
    as_json = _cli(db, "alerts", "list", "--format", "json")
    assert listing.exit_code == 0 and "wecom" in listing.stdout and "dingtalk, signed" in listing.stdout
    assert json.loads(as_json.stdout)[0]["milestones"] == [1_000_000]
    _Robot.answers = {"robot": [(200, {"errcode": 310000, "errmsg": "sign not match"})]}
    tested = _cli(db, "alerts", "test", "禁毒宣传")
    assert tested.exit_code == 2 and "ok    " in tested.stdout and "errcode 310000" in tested.stdout
    assert [c["robot"] for c in _Robot.calls] == ["cgi-bin", "robot"]
    assert (
        "测试" in _Robot.calls[0]["body"]["markdown"]["content"]
        or "test" in _Robot.calls[0]["body"]["markdown"]["content"]
    )
    bad = _cli(db, "alerts", "add", "禁毒宣传", "--kind", "wecom", "--url", f"https://evil.example/x?key={WECOM_KEY}")
    unknown = _cli(db, "alerts", "add", "没有", "--kind", "wecom", "--url", urls(robot)["wecom"])
    gone = _cli(db, "alerts", "remove", "nope")
    for result in (bad, unknown, gone):
        assert result.exit_code == 2 and result.output.count("error:") == 1, result.output
    first_id = json.loads(as_json.stdout)[0]["id"]
    assert _cli(db, "alerts", "remove", first_id).exit_code == 0
    assert len(json.loads(_cli(db, "alerts", "list", "-f", "json").stdout)) == 1
    doctor = _cli(db, "doctor")
    everything = "".join(x.output for x in (listing, as_json, tested, bad, unknown, gone, doctor))
    assert not any(s in everything for s in SECRETS), everything
    assert "alerts" in doctor.stdout


def test_collect_warns_of_failed_delivery_and_keeps_its_exit_code(
    robot: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "w.duckdb"
    views = Views()
    views.views = {POSTS[0]: 2_000_000, POSTS[1]: 1}
    t = setup_campaign(db, views, robot, ("wecom",))
    t.close()
    monkeypatch.setattr(cli, "_tracker", lambda: tracker(db, views))
    _Robot.answers = {"cgi-bin": [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]}
    r = _cli(db, "-q", "collect")
    assert r.exit_code == 0, r.output  # the data was collected: delivery trouble is a warning
    [line] = [x for x in r.stderr.splitlines() if x.startswith("warning:")]
    assert "未能发送" in line and "key=…5aaa" in line and "errcode 93000" in line and WECOM_KEY not in r.stderr
    r = _cli(db, "-q", "collect", "--due")  # nothing due: the delivery is still retried
    assert r.exit_code == 0 and r.stderr == "", r.stderr
    assert len(_Robot.calls) == 2 and "已超过 100万" in _Robot.calls[1]["body"]["markdown"]["content"]
    with Tracker(settings=Settings(db=db)) as again:
        assert again.store.con.execute("SELECT count(*) FROM snapshots").fetchone() == (2,)


def test_stalled_post_over_real_snapshots_once_per_plateau(robot: str, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    views = Views()
    views.views = {POSTS[0]: 5000, POSTS[1]: 100}
    with setup_campaign(db, views, robot, ("webhook",)) as t:
        pass
    now = datetime.now(timezone.utc)
    for hours, second in ((1, 100), (30, 150), (60, 150), (90, 150), (100, 150)):
        if hours == 100:
            views.views[POSTS[0]] = 5001  # grows again: a new plateau starts
        with tracker(db, views) as t:
            t.clock = lambda h=hours: now + timedelta(hours=h)
            views.views[POSTS[1]] = second
            t.send_alerts(t.collect().run_id)
    stalled = [c["body"] for c in _Robot.calls if c["body"]["event"] == "stalled"]
    # post 1: 5000 from hour 1 to 90 -> one alert; post 2: 150 from hour 30, 60 h by hour 90 -> one alert
    assert sorted(b["subject"] for b in stalled) == [f"bilibili:{POSTS[0]}", f"bilibili:{POSTS[1]}"]
    first = next(b for b in stalled if b["subject"].endswith(POSTS[0]))
    assert first["data"]["views"] == 5000 and first["data"]["hours"] >= 48


def test_a_milestone_passed_before_the_channel_was_added_is_never_sent(robot: str, tmp_path: Path) -> None:
    db = tmp_path / "b.duckdb"
    views = Views()
    views.views = {POSTS[0]: 900_000, POSTS[1]: 900_000}
    with tracker(db, views) as t:
        t.add(*POSTS, campaign="禁毒宣传")
        t.collect()  # 180万 already
        channel = alerts.make_channel("禁毒宣传", "webhook", urls(robot)["webhook"], milestones=[1_000_000, 2_000_000])
        t.store.add_alert_channel(channel.row())
        for _ in range(2):
            assert t.send_alerts(t.collect().run_id).sent == []
        views.views = {POSTS[0]: 1_200_000, POSTS[1]: 900_000}
        assert [k for _, k in t.send_alerts(t.collect().run_id).sent] == ["milestone"]
        assert t.store.alert_stats()[channel.channel_id] == (1, 0, None)  # the baseline is not "waiting"
    [call] = _Robot.calls
    assert call["body"]["data"]["threshold"] == 2_000_000


def test_a_burst_of_alerts_is_spread_over_runs(robot: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Robots take about 20 messages a minute: beyond MAX_PER_RUN per chat, alerts wait for the next run."""
    from reach.store import Store

    monkeypatch.setattr(alerts, "MAX_PER_RUN", 2)
    with Store(tmp_path / "burst.duckdb") as store:
        store.create_campaign("c")
        channel = alerts.make_channel("c", "webhook", urls(robot)["webhook"])
        store.add_alert_channel(channel.row())
        events = [alerts.blocked_event("c", f"p{i}", 3, T0 + timedelta(minutes=i), SHANGHAI) for i in range(3)]
        now = datetime.now(timezone.utc)
        rows = [(e.key, channel.channel_id, "c", e.kind, e.subject, e.payload(), now) for e in events]
        assert store.add_alert_events(rows) == 3 and store.add_alert_events(rows) == 0  # once per key
        _Robot.answers = {"hooks": [(503, {})]}
        down = alerts.run_alerts(store, "en", SHANGHAI)  # one failure: the chat's other alerts wait
        assert (len(down.sent), down.deferred, [r for _, _, r in down.failed]) == (0, 2, ["HTTP 503"])
        first = alerts.run_alerts(store, "en", SHANGHAI)
        assert (len(first.sent), first.deferred, first.failed) == (2, 1, [])
        second = alerts.run_alerts(store, "en", SHANGHAI)
        assert (len(second.sent), second.deferred) == (1, 0)
        assert alerts.run_alerts(store, "en", SHANGHAI).sent == []
    assert [c["body"]["subject"] for c in _Robot.calls] == ["p0", "p0", "p1", "p2"]


def test_undelivered_alerts_are_given_up_after_three_days(robot: str, tmp_path: Path) -> None:
    from reach.store import Store

    with Store(tmp_path / "old.duckdb") as store:
        store.create_campaign("c")
        channel = alerts.make_channel("c", "webhook", urls(robot)["webhook"])
        store.add_alert_channel(channel.row())
        old = alerts.blocked_event("c", "douyin", 3, T0, SHANGHAI)
        long_ago = datetime.now(timezone.utc) - alerts.RETRY_FOR - timedelta(hours=1)
        store.add_alert_events([(old.key, channel.channel_id, "c", old.kind, old.subject, old.payload(), long_ago)])
        assert alerts.run_alerts(store, "en", SHANGHAI).sent == []
    assert _Robot.calls == []
    from reach.doctor import _alerts_health

    with Store(tmp_path / "old.duckdb") as store:
        [check] = _alerts_health(store.con, 4, datetime.now(timezone.utc))
    assert check.status == "warn" and "1 given up after 3 days" in check.detail
