"""Alerts under attack: wrong numbers (mixed floors and rounded counts), secrets shown where they
should not be (a query with no value, short tokens in a path, a URL pasted without https://), URLs the
HTTP client cannot use, answers that only look like success, webhooks that trickle their answer,
post titles that carry chat markup, odd milestones, and a channel removed and added again."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from reach import alerts
from reach.config import effective_config
from reach.errors import InputError
from reach.insights import Point
from reach.models import CountKind
from reach.redact import redact
from reach.store import Store

from .test_alerts import (  # noqa: F401 - `robot` is a fixture
    POSTS,
    SHANGHAI,
    T0,
    WECOM_KEY,
    Views,
    _cli,
    _Robot,
    robot,
    setup_campaign,
    urls,
)

# -- numbers ------------------------------------------------------------------------------------


def test_a_floor_total_with_rounded_parts_counts_them_at_their_lowest() -> None:
    """ "99万+" plus a rounded "1万" (could be 5,000) is not proven to be 100万."""
    unproven = [Point(T0, 1_000_000, CountKind.LOWER_BOUND, 10_000)]
    assert alerts.milestone_events("c", unproven, [1_000_000], T0, posts=2) == []
    proven = [Point(T0, 1_100_000, CountKind.LOWER_BOUND, 100_000)]
    [event] = alerts.milestone_events("c", proven, [1_000_000], T0, posts=2)
    assert event.data["low"] == 1_050_000
    _, text = alerts.message(event, "zh", SHANGHAI)
    assert "至少 105万" in text and "110万" not in text
    _, text = alerts.message(event, "en", SHANGHAI)
    assert "at least 1,050,000" in text


def test_floor_plus_rounded_owner_records_announce_nothing_unproven(robot: str, tmp_path: Path) -> None:  # noqa: F811
    views = Views()
    with setup_campaign(tmp_path / "m.duckdb", views, robot, ("webhook",)) as t:
        t.record(POSTS[0], views="99万+")
        t.record(POSTS[1], views="1万")  # ≈1万: as low as 5,000, so the total may be 99.5万
        assert t.send_alerts(None).sent == []
        t.record(POSTS[1], views="2万")  # at least 99万 + 1.5万
        assert [k for _, k in t.send_alerts(None).sent] == ["milestone"]
    [call] = _Robot.calls
    assert call["body"]["data"]["low"] == 1_005_000 and "至少 100.5万" in call["body"]["text"]


# -- secrets ------------------------------------------------------------------------------------


def test_tokens_without_a_name_or_short_ones_in_the_path_are_masked_and_redacted() -> None:
    bare = "https://ops.example.org/hook?SuperSecretToken123456"
    assert "SuperSecretToken" not in alerts.mask_url(bare)
    slack_like = "https://hooks.example.org/services/T0123ab9/B9999xyz/abcdef1234567"
    masked = alerts.mask_url(slack_like)
    assert "T0123ab9" not in masked and "abcdef1234567" not in masked and "/services/" in masked
    robot_path = "https://open.feishu.cn/open-apis/bot/v2/hook/3f2a6c1e-9b8d-4e7f-a6b5-c4d3e2f1a0b9"
    assert alerts.mask_url(robot_path).startswith("https://open.feishu.cn/open-apis/bot/v2/hook/…")
    alerts.make_channel("c", "webhook", bare)
    alerts.make_channel("c", "webhook", slack_like)
    said = redact("refused SuperSecretToken123456 on 20260601")
    assert "SuperSecretToken123456" not in said and "20260601" in said  # short parts: masked, not redacted


def test_config_show_masks_an_alert_url_pasted_without_its_scheme() -> None:
    env = {
        "REACH_ALERT_URL": f"qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}",
        "REACH_ALERT_SECRET": "SECabcdef123456",
    }
    shown = json.dumps(effective_config(env=env), ensure_ascii=False)
    assert WECOM_KEY not in shown and "SECabcdef123456" not in shown


# -- URLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["\u2603.com", "a\u00ad.com", "a\u200db.com", "xn--a.com", "\u0661\u0662.com"])
def test_a_host_the_http_client_cannot_encode_is_refused(host: str) -> None:
    with pytest.raises(InputError, match="host name is not valid"):
        alerts.check_url("webhook", f"https://{host}/hook?token=abcdef")


def test_one_spelling_per_webhook() -> None:
    lower = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"
    upper = f"HTTPS://QYAPI.Weixin.QQ.com/cgi-bin/webhook/send?key={WECOM_KEY}#group"
    assert alerts.check_url("wecom", upper) == lower
    assert alerts.make_channel("c", "wecom", upper).channel_id == alerts.make_channel("c", "wecom", lower).channel_id
    assert alerts.check_url("webhook", "https://例子.测试/hook") == "https://例子.测试/hook"  # a real IDN is fine


def test_a_stored_url_the_client_cannot_use_fails_alone(robot: str, tmp_path: Path) -> None:  # noqa: F811
    """A channel stored by an older version (or edited by hand) with an unusable host: its delivery
    fails with a reason; the other channels still get their alerts."""
    with Store(tmp_path / "bad.duckdb") as store:
        store.create_campaign("c")
        bad = alerts.Channel("badbadbadbad", "c", "webhook", "https://\u2603.com/hook", None, 0, (10,), T0)
        good = alerts.make_channel("c", "webhook", urls(robot)["webhook"], now=T0)
        store.add_alert_channel(bad.row())
        store.add_alert_channel(good.row())
        event = alerts.blocked_event("c", "douyin", 3, T0, SHANGHAI)
        now = datetime.now(timezone.utc)
        store.add_alert_events(
            [(event.key, ch.channel_id, "c", event.kind, event.subject, event.payload(), now) for ch in (bad, good)]
        )
        report = alerts.run_alerts(store, "zh", SHANGHAI)
    assert [k for _, k in report.sent] == ["blocked"]
    [(_, _, reason)] = report.failed
    assert reason.startswith("could not send (InvalidURL")
    assert len(_Robot.calls) == 1


# -- answers and slow webhooks --------------------------------------------------------------------


@pytest.mark.parametrize("code", [False, "0", 0.0, None])
def test_only_the_number_zero_is_success(code: object) -> None:
    assert not alerts.accepted("wecom", 200, json.dumps({"errcode": code, "errmsg": "ok"}).encode())[0]
    assert not alerts.accepted("feishu", 200, json.dumps({"code": code, "msg": "ok"}).encode())[0]


@pytest.fixture()
def trickler() -> Iterator[str]:
    """A webhook that answers 200 and then one byte of its body at a time, each well within the read
    timeout: only a deadline on the whole delivery ends it."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                try:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                    for _ in range(100_000):
                        if stop.is_set():
                            return
                        conn.sendall(b" ")
                        time.sleep(0.02)
                except OSError:
                    continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}/hook"
    stop.set()
    srv.close()


def test_a_webhook_that_trickles_its_answer_is_cut_off(trickler: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alerts, "TIMEOUT", 0.5)
    channel = alerts.make_channel("c", "webhook", trickler)
    with alerts.client() as http:
        ok, reason = alerts.send(http, channel, alerts.sample_event("c", T0), "en", SHANGHAI)
    assert (ok, reason) == (False, "timed out")


# -- messages -----------------------------------------------------------------------------------


def test_a_post_title_cannot_mention_everyone_or_plant_a_link() -> None:
    title = '<at user_id="all">所有人</at>\n[领奖](https://phish.example) **@all** <font color="red">x</font>'
    gone = alerts.unavailable_event("c", "douyin:1", T0, '<at user_id="all"></at>', T0, title)
    stalled = alerts.stalled_event(
        "c",
        "douyin:1",
        [alerts.Observation(T0, 5, CountKind.EXACT), alerts.Observation(T0 + timedelta(days=3), 5, CountKind.EXACT)],
        48,
        True,
        T0,
        title,
    )
    assert gone is not None and stalled is not None
    for event in (gone, stalled):
        for lang in ("zh", "en"):
            _, text = alerts.message(event, lang, SHANGHAI)
            line = next(x for x in text.splitlines() if "douyin:1" in x)
            for markup in ("<at", "](", "**", "<font", "@all", "\n"):
                assert markup not in line, (markup, line)
            assert "所有人" in line and "领奖" in line  # still readable


# -- milestones on the command line -------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("1e7", [10_000_000]),
        ("2.5e6,1000万", [2_500_000, 10_000_000]),
        ("100万,1000000,１００万", [1_000_000]),
        ("10万+", [100_000]),
    ],
)
def test_milestones_in_any_spelling(robot: str, tmp_path: Path, given: str, stored: list[int]) -> None:  # noqa: F811
    db = tmp_path / "ms.duckdb"
    assert _cli(db, "campaign", "create", "c").exit_code == 0
    r = _cli(db, "alerts", "add", "c", "--kind", "webhook", "--url", urls(robot)["webhook"], "--milestones", given)
    assert r.exit_code == 0, r.output
    assert json.loads(_cli(db, "alerts", "list", "-f", "json").stdout)[0]["milestones"] == stored


@pytest.mark.parametrize("given", ["1,000,000", "-5", "0", "1.5", "1e-3", "abc", ",", "99e99", "1e400"])
def test_bad_milestones_write_nothing(robot: str, tmp_path: Path, given: str) -> None:  # noqa: F811
    db = tmp_path / "bad.duckdb"
    assert _cli(db, "campaign", "create", "c").exit_code == 0
    r = _cli(db, "alerts", "add", "c", "--kind", "webhook", "--url", urls(robot)["webhook"], "--milestones", given)
    assert r.exit_code == 2 and r.output.count("error:") == 1, r.output
    assert json.loads(_cli(db, "alerts", "list", "-f", "json").stdout) == []


# -- once only ----------------------------------------------------------------------------------


def test_a_channel_removed_and_added_again_repeats_nothing(robot: str, tmp_path: Path) -> None:  # noqa: F811
    views = Views()
    views.views = {POSTS[0]: 400_000, POSTS[1]: 200_000}
    with setup_campaign(tmp_path / "re.duckdb", views, robot, ("webhook",)) as t:
        t.collect()
        views.views = {POSTS[0]: 900_000, POSTS[1]: 350_000}
        assert [k for _, k in t.send_alerts(t.collect().run_id).sent] == ["milestone"]
        [row] = t.store.alert_channels()
        assert t.store.remove_alert_channel(row[0])
        again = alerts.make_channel(
            "禁毒宣传", "webhook", urls(robot)["webhook"].upper().replace("/HOOKS/REACH", "/hooks/reach")
        )
        assert again.channel_id == row[0]
        t.store.add_alert_channel(again.row())
        assert t.send_alerts(t.collect().run_id).sent == []
    assert len(_Robot.calls) == 1


def test_alerts_list_shows_the_newest_failure(robot: str, tmp_path: Path) -> None:  # noqa: F811
    with Store(tmp_path / "f.duckdb") as store:
        store.create_campaign("c")
        channel = alerts.make_channel("c", "webhook", urls(robot)["webhook"])
        store.add_alert_channel(channel.row())
        now = datetime.now(timezone.utc)
        events = [alerts.blocked_event("c", p, 3, T0, SHANGHAI) for p in ("a", "b")]
        store.add_alert_events([(e.key, channel.channel_id, "c", e.kind, e.subject, e.payload(), now) for e in events])
        for event, at, detail in ((events[0], now, "HTTP 503"), (events[1], now + timedelta(seconds=1), "HTTP 404")):
            store.con.execute(
                "INSERT INTO alert_deliveries VALUES (?, ?, ?, false, ?)", [event.key, channel.channel_id, at, detail]
            )
        assert store.alert_stats()[channel.channel_id] == (0, 2, "HTTP 404")


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}", "wecom"),
        ("https://oapi.dingtalk.com/robot/send?access_token=abcdef123456", "dingtalk"),
        ("https://open.larksuite.com/open-apis/bot/v2/hook/abcdef123456", "feishu"),
    ],
)
def test_a_robot_url_given_as_a_generic_webhook_is_refused(url: str, kind: str) -> None:
    with pytest.raises(InputError, match=f"--kind {kind}") as err:
        alerts.check_url("webhook", url)
    assert "abcdef" not in str(err.value) and WECOM_KEY not in str(err.value)


def test_a_milestone_counts_the_posts_of_its_moment() -> None:
    later = T0 + timedelta(hours=5)
    lines = {"a": [Point(T0, 600_000)], "b": [Point(T0 + timedelta(hours=1), 500_000)], "c": [Point(later, 10)]}
    total = [Point(T0, 600_000), Point(T0 + timedelta(hours=1), 1_100_000), Point(later, 1_100_010)]
    [event] = alerts.milestone_events("c", total, [1_000_000], T0, posts=3, timelines=lines)
    assert event.data["posts"] == 2  # "c" came after the crossing


def test_alerts_list_keeps_milestones_apart(robot: str, tmp_path: Path) -> None:  # noqa: F811
    db = tmp_path / "l.duckdb"
    assert _cli(db, "campaign", "create", "c").exit_code == 0
    url = urls(robot)["webhook"]
    assert _cli(db, "alerts", "add", "c", "--kind", "webhook", "--url", url, "--milestones", "1e5,1e6").exit_code == 0
    listing = _cli(db, "alerts", "list", env={"REACH_LANG": "en"}).stdout
    assert "100,000 / 1,000,000" in listing, listing


def test_a_robot_answer_cannot_drive_the_terminal() -> None:
    ok, reason = alerts.accepted(
        "wecom", 200, json.dumps({"errcode": 1, "errmsg": "bad\x1b]52;c;ZXZpbA==\x07"}).encode()
    )
    assert not ok and "\x1b" not in reason and "\x07" not in reason
    ok, reason = alerts.accepted("feishu", 200, json.dumps({"code": "\x1b[2J", "msg": "x"}).encode())
    assert not ok and "\x1b" not in reason


def test_a_long_tail_post_is_not_announced_stalled_after_every_view(robot: str, tmp_path: Path) -> None:  # noqa: F811
    """5000 views for 60 h (stalled), one more view, 5001 for 60 h: a second plateau, but the same post
    within a week: one alert. A week later it may be said again."""
    from .test_alerts import tracker

    db = tmp_path / "tail.duckdb"
    views = Views()
    views.views = {POSTS[0]: 5000, POSTS[1]: 100}
    with setup_campaign(db, views, robot, ("webhook",)):
        pass
    now = datetime.now(timezone.utc)
    plan = [(1, 5000), (61, 5000), (62, 5001), (122, 5001), (300, 5002), (370, 5002)]
    for hours, value in plan:
        views.views[POSTS[0]] = value
        views.views[POSTS[1]] += 1  # always growing: never stalled
        with tracker(db, views) as t:
            t.clock = lambda h=hours: now + timedelta(hours=h)
            t.send_alerts(t.collect().run_id)
    stalled = [c["body"]["data"]["views"] for c in _Robot.calls if c["body"]["event"] == "stalled"]
    assert stalled == [5000, 5002]


def test_a_dingtalk_url_with_a_pasted_signature_is_refused() -> None:
    url = "https://oapi.dingtalk.com/robot/send?access_token=abcdef123456&timestamp=1781920000000&sign=xyz%3D"
    with pytest.raises(InputError, match="--secret") as err:
        alerts.check_url("dingtalk", url)
    assert "abcdef" not in str(err.value)
