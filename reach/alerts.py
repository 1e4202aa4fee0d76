"""Alerts: tell a group chat when something happens to a campaign, once per event.

**Events** (detected by pure functions over what the database holds, after each ``reach collect``):

``milestone``
    The campaign's total views (the report's total: owner data over public counters, see
    :mod:`reach.insights`) passed a configured threshold (default 10万, 100万, 1000万, 1亿). Never
    overstated: a total holding rounded counters (``≈``) counts as its lowest possible value
    (:attr:`reach.models.Count.low` summed), a total holding lower bounds (``≥``, "10万+") is said
    to be "at least"; the message names the precision. A threshold already passed before the
    channel was added is not announced.
``stalled``
    A post whose exact public view count did not move for ``stall_hours`` (default 48) while it
    was collected successfully (its newest attempt ok). Rounded or "10万+" counters never make a
    post look stalled (they can hide growth). Once per plateau, and at most once a week per post
    (:data:`STALL_REPEAT`).
``unavailable``
    A post flagged as deleted/private (found unavailable several times in a row, see
    :mod:`reach.store`). Once per flagging.
``blocked``
    A platform whose circuit breaker stopped the run (it blocked as many requests in a row as its
    breaker allows). At most once per platform and campaign per local day.

**Channels** (table ``alert_channels``, per campaign): WeCom (企业微信) and DingTalk (钉钉) group
robots, Feishu/Lark (飞书) bots, and a generic JSON webhook. The URL and the optional signing secret
are stored in the database (they are configuration) and never shown: every output masks them
(:func:`mask_url`), and delivery records hold only a masked reason.

**Once only.** Each event has a deterministic key (campaign, kind, subject, threshold / plateau /
day); ``alert_events`` holds one row per (key, channel), ``alert_deliveries`` one row per attempt.
An event is sent until one attempt succeeds (HTTP 2xx and, for the robots, ``errcode``/``code`` 0),
once per run for :data:`RETRY_FOR`; after a failure, the channel's other alerts wait for the next run (a
robot that is down costs one timeout per run). A failed delivery never changes snapshots.

**Network.** Only the configured URL is requested (no redirects followed), over https; http is
accepted only for a loopback host (a local relay, tests). The collectors' HTTP layer
(:mod:`reach.http`) is not used: it only talks to the platforms' own hosts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from .errors import InputError
from .insights import DEFAULT_MILESTONES, MAX_INTERPOLATION_GAP, Point, claimed
from .models import CountKind
from .redact import clean_text, redact, register_secret, tail
from .times import zone_label

if TYPE_CHECKING:
    import httpx

    from .store import Store

KINDS: dict[str, str] = {
    "wecom": "qyapi.weixin.qq.com",
    "dingtalk": "oapi.dingtalk.com",
    "feishu": "open.feishu.cn",
    "webhook": "",
}
"""Channel kinds and the host their robots live on (``webhook``: any https host)."""
LARK_HOST = "open.larksuite.com"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_STALL_HOURS = 48.0
STALL_REPEAT = timedelta(days=7)
"""A post announced as stalled is not announced again (for a later plateau) within this time."""
MAX_PER_RUN = 15
"""Messages sent to one channel in one pass (WeCom and DingTalk robots take about 20 a minute); the
others wait for the next run, without counting as a failed attempt."""
RETRY_FOR = timedelta(days=3)
"""How long an undelivered alert is tried again (once per run); older ones are given up (``reach doctor`` says so)."""
TIMEOUT = 10.0
"""Seconds each connect / read / write may take; one delivery ends after 3 × TIMEOUT whatever happens."""
MAX_ANSWER = 64 * 1024
"""Bytes of a webhook's answer that are read (robots answer ``{"errcode":0,"errmsg":"ok"}``)."""
EVENT_KINDS = ("milestone", "stalled", "unavailable", "blocked", "test")
BASELINE = "baseline"
"""The kind of a remembered, never-sent event: a milestone passed before the channel was added."""


# -- channels ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    """Where a campaign's alerts go.

    Attributes:
        channel_id: 12 hex digits from (campaign, kind, URL): the same webhook added twice is one channel.
        campaign: the campaign name.
        kind: ``wecom``, ``dingtalk``, ``feishu`` or ``webhook``.
        url: the webhook URL (a secret: show :attr:`masked` instead).
        secret: the signing secret (DingTalk ``SEC…``, Feishu, or the generic webhook's HMAC key), or ``None``.
        stall_hours: hours without growth that make a post stalled (``0``: no stall alerts).
        milestones: view totals to announce, ascending.
        created_at: when it was added (UTC); earlier happenings are not announced.
    """

    channel_id: str
    campaign: str
    kind: str
    url: str
    secret: str | None
    stall_hours: float
    milestones: tuple[int, ...]
    created_at: datetime

    @property
    def masked(self) -> str:
        return mask_url(self.url)

    def row(self) -> tuple[Any, ...]:
        return (
            self.channel_id,
            self.campaign,
            self.kind,
            self.url,
            self.secret,
            self.stall_hours,
            json.dumps(list(self.milestones)),
            self.created_at,
        )

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Channel:
        milestones = tuple(int(v) for v in json.loads(row[6] or "[]")) or DEFAULT_MILESTONES
        channel = cls(row[0], row[1], row[2], row[3], row[4], float(row[5] or 0), milestones, row[7])
        register_url_secrets(channel.url, channel.secret)
        return channel


def channel_id(campaign: str, kind: str, url: str) -> str:
    """The deterministic id of a channel (12 hex digits)."""
    return hashlib.sha256(f"{campaign}\x00{kind}\x00{url}".encode()).hexdigest()[:12]


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(kind: str, url: str) -> str:
    """The webhook URL, checked: ``https`` (``http`` only to a loopback host), no user name or
    password, no spaces or line breaks, and for a robot its own host. Returns it stripped.

    Raises:
        InputError: what is wrong, without repeating the URL (it holds the robot's key).
    """
    if kind not in KINDS:
        raise InputError(f"unknown alert kind {kind!r}: use one of {', '.join(KINDS)}")
    url = url.strip()
    if not url:
        raise InputError("the webhook URL is empty: paste the address the group robot shows")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise InputError("the webhook URL contains spaces or line breaks: paste it again as one line")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise InputError("the webhook URL cannot be read: paste the address the group robot shows") from None
    if parts.scheme not in ("https", "http"):
        raise InputError("the webhook URL must start with https://")
    if not host:
        raise InputError("the webhook URL has no host name: paste the whole address, starting with https://")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InputError("the webhook URL must not contain a user name or password (user@host)")
    if parts.scheme == "http" and not is_loopback(host):
        raise InputError("the webhook URL must start with https:// (plain http only to this machine)")
    expected = KINDS[kind]
    owner = next((k for k, h in KINDS.items() if h and host in ({h, LARK_HOST} if k == "feishu" else {h})), None)
    if kind == "webhook" and owner:  # the generic JSON body is refused by every robot: nothing would arrive
        raise InputError(f"this is a {owner} robot's URL: add it with --kind {owner}")
    if expected and not is_loopback(host):
        hosts = {expected, LARK_HOST} if kind == "feishu" else {expected}
        if host not in hosts:
            raise InputError(
                f"a {kind} robot's URL is on {' or '.join(sorted(hosts))}, not {host}: "
                "copy the webhook address from the group's robot settings (or use --kind webhook)"
            )
    if kind == "wecom" and not dict(parse_qsl(parts.query)).get("key"):
        raise InputError("a WeCom robot URL ends in ?key=…: copy the whole webhook address")
    if kind == "dingtalk" and not dict(parse_qsl(parts.query)).get("access_token"):
        raise InputError("a DingTalk robot URL ends in ?access_token=…: copy the whole webhook address")
    if kind == "dingtalk" and {"timestamp", "sign"} & {k for k, _ in parse_qsl(parts.query)}:
        # a signature pasted with the URL expires within the hour: every later alert would be refused
        raise InputError("remove &timestamp=…&sign=… from the DingTalk URL and give the robot's SEC… as --secret")
    # the host as the HTTP client will contact it (IDNA-encoded): a name it cannot encode ("☃.com", a
    # zero-width joiner) would fail every delivery, and a robot must be reached on its own host
    import httpx

    try:
        sent_to = httpx.URL(url).host.lower()
    except Exception:  # noqa: BLE001 - httpx.InvalidURL, idna's UnicodeError
        raise InputError("the webhook URL's host name is not valid: paste the address the group robot shows") from None
    robot_hosts = {expected, LARK_HOST} if kind == "feishu" else {expected}
    if expected and not is_loopback(host) and sent_to not in robot_hosts:
        raise InputError(f"a {kind} robot's URL must be on {expected}: copy the webhook address from its settings")
    # one spelling per webhook (scheme and host in lower case, no #fragment: it is never sent), so the same
    # robot added as "HTTPS://QYAPI…" and "https://qyapi…" is one channel, not two sending everything twice
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def register_url_secrets(url: str, secret: str | None) -> None:
    """Let :func:`reach.redact.redact` remove the URL's key/token (query values, long path parts) and
    the signing secret from any text."""
    register_secret(secret)
    register_secret(url)
    parts = urlsplit(url)
    # redaction applies to every text shown, so only long parts are registered (a short one such as
    # "20260601" would blank out dates); masking (:func:`mask_url`) hides the shorter token-like ones too
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        register_secret(value or (name if len(name) >= 16 else None))  # ``?TOKEN`` alone: the name is the secret
    for segment in parts.path.split("/"):
        if len(segment) >= 16:
            register_secret(segment)


def _secret_like(segment: str) -> bool:
    """Whether a path segment may be a token: 16+ characters, or 8+ with a digit (``/T0123ab9/…``;
    the robots' fixed words ``cgi-bin``, ``open-apis``, ``webhook`` have none)."""
    return len(segment) >= 16 or (len(segment) >= 8 and any(ch.isdigit() for ch in segment))


def mask_url(url: str) -> str:
    """The URL fit to show: query values (a name without value too) and token-like path parts
    (:func:`_secret_like`) replaced by ``…`` and their last 4 characters (``…?key=…1a2b``), so channels
    can be told apart without revealing the key."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unreadable URL)"

    path = "/".join(tail(s) if _secret_like(s) else s for s in parts.path.split("/"))
    query = "&".join(f"{k}={tail(v)}" if v else tail(k) for k, v in parse_qsl(parts.query, keep_blank_values=True))
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, path, query, ""))


def make_channel(
    campaign: str,
    kind: str,
    url: str,
    secret: str | None = None,
    stall_hours: float | None = None,
    milestones: Sequence[int] | None = None,
    now: datetime | None = None,
) -> Channel:
    """A checked channel (see :func:`check_url`).

    Raises:
        InputError: bad kind, URL, secret, stall hours or milestones.
    """
    url = check_url(kind, url)
    if secret is not None:
        secret = secret.strip()
        if not secret or any(ch.isspace() for ch in secret):
            raise InputError("--secret is empty or contains spaces: paste the robot's signing secret")
    hours = DEFAULT_STALL_HOURS if stall_hours is None else float(stall_hours)
    if not 0 <= hours <= 24 * 365:
        raise InputError("--stall-hours must be between 0 (no stall alerts) and 8760")
    chosen = tuple(sorted(set(milestones))) if milestones else DEFAULT_MILESTONES
    if any(m <= 0 for m in chosen):
        raise InputError("milestones must be positive view counts, e.g. 100万,1000万")
    register_url_secrets(url, secret)
    when = now or datetime.now(timezone.utc)
    return Channel(channel_id(campaign, kind, url), campaign, kind, url, secret, hours, chosen, when)


# -- events --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """Something to tell a campaign's channels.

    Attributes:
        key: deterministic: the same happening gives the same key in every run.
        campaign: the campaign.
        kind: ``milestone``, ``stalled``, ``unavailable``, ``blocked`` or ``test``.
        subject: what it is about (a post key, a platform, a threshold).
        at: when it happened (UTC): the observation that showed it.
        data: the facts (JSON-safe: ints, strings, ISO times), see each detector.
    """

    key: str
    campaign: str
    kind: str
    subject: str
    at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)

    def payload(self) -> str:
        return json.dumps(
            {"key": self.key, "kind": self.kind, "subject": self.subject, "at": _iso(self.at), "data": dict(self.data)},
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_payload(cls, campaign: str, text: str) -> Event:
        raw = json.loads(text)
        return cls(raw["key"], campaign, raw["kind"], raw["subject"], datetime.fromisoformat(raw["at"]), raw["data"])


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def milestone_events(
    campaign: str,
    total: Sequence[Point],
    thresholds: Sequence[int],
    since: datetime,
    posts: int,
    timelines: Mapping[str, Sequence[Point]] | None = None,
) -> list[Event]:
    """Thresholds the total passed, judged by :func:`reach.insights.claimed`, at an observation made at or after
    ``since``. A threshold already passed before is not news: it comes back as a :data:`BASELINE`
    event (remembered so that it is not looked for again, never sent).

    Args:
        total: :func:`reach.insights.total_timeline` of the campaign.
        posts: how many posts of the campaign show views (said in the message).
        timelines: the posts' timelines the total was made of: when given, ``posts`` counts those that
            showed views at the crossing (a post added later is not part of that total).

    ``data``: ``threshold``, ``value``, ``low``, ``kind`` and ``granularity`` of the total at that
    observation, ``posts``; ``after`` (ISO time) when the observation before it is more than
    :data:`reach.insights.MAX_INTERPOLATION_GAP` older: the milestone passed somewhere between the
    two, and the message says so rather than suggest it passed at the observation.
    """
    out = []
    for threshold in sorted(set(thresholds)):
        i = next((i for i, p in enumerate(total) if claimed(p) >= threshold), None)
        if i is None:
            continue
        first = total[i]
        if first.at < since:  # remembered, never sent: later runs need not look again
            key = f"{campaign}|milestone|{threshold}"
            out.append(Event(key, campaign, BASELINE, str(threshold), first.at, {"threshold": threshold}))
            continue
        data = {
            "threshold": threshold,
            "value": first.value,
            "low": claimed(first),
            "kind": first.kind.value,
            "granularity": first.granularity,
            "posts": posts if timelines is None else sum(1 for ln in timelines.values() if ln and ln[0].at <= first.at),
        }
        if i > 0 and first.at - total[i - 1].at > MAX_INTERPOLATION_GAP:
            data["after"] = _iso(total[i - 1].at)
        out.append(Event(f"{campaign}|milestone|{threshold}", campaign, "milestone", str(threshold), first.at, data))
    return out


@dataclass(frozen=True)
class Observation:
    """One public views snapshot of a post: when, the value, its precision."""

    at: datetime
    views: int
    kind: CountKind


def stalled_event(
    campaign: str,
    post_key: str,
    observations: Sequence[Observation],
    hours: float,
    last_ok: bool,
    since: datetime,
    title: str | None = None,
) -> Event | None:
    """The post's views stayed at one exact value for ``hours`` up to its newest observation.

    Args:
        observations: the post's public views snapshots, oldest first.
        last_ok: whether the post's newest collection attempt succeeded (a failing post is not stalled,
            it is failing: ``reach failures``).
        since: the channel's creation: a plateau whose newest observation is older is not news.

    ``None`` when not stalled, when ``hours`` is 0, or when any value of the plateau is rounded or a
    lower bound (the real count may be growing behind it). ``data``: ``views``, ``since`` (ISO
    start of the plateau), ``hours`` (its length), ``title``.
    """
    if hours <= 0 or not last_ok or not observations:
        return None
    newest = observations[-1]
    if newest.kind is not CountKind.EXACT or newest.at < since:
        return None
    start = newest
    for obs in reversed(observations[:-1]):
        if obs.views != newest.views:
            break
        if obs.kind is not CountKind.EXACT:
            return None
        start = obs
    length = newest.at - start.at
    if length < timedelta(hours=hours):
        return None
    data = {
        "views": newest.views,
        "since": _iso(start.at),
        "hours": round(length.total_seconds() / 3600, 1),
        "title": title,
    }
    return Event(f"{campaign}|stalled|{post_key}|{_iso(start.at)}", campaign, "stalled", post_key, newest.at, data)


def unavailable_event(
    campaign: str, post_key: str, flagged_at: datetime, message: str | None, since: datetime, title: str | None = None
) -> Event | None:
    """A post flagged deleted/private at ``flagged_at`` (not news when flagged before ``since``)."""
    if flagged_at < since:
        return None
    data = {"message": redact(message or ""), "title": title}
    key = f"{campaign}|unavailable|{post_key}|{_iso(flagged_at)}"
    return Event(key, campaign, "unavailable", post_key, flagged_at, data)


def blocked_event(campaign: str, platform: str, blocked: int, at: datetime, zone: ZoneInfo) -> Event:
    """``platform`` blocked ``blocked`` requests of the run started at ``at``; one key per local day."""
    day = at.astimezone(zone).date().isoformat()
    data = {"blocked": blocked, "day": day}
    return Event(f"{campaign}|blocked|{platform}|{day}", campaign, "blocked", platform, at, data)


# -- messages ------------------------------------------------------------------------------------

PLATFORM_NAMES_ZH = {
    "bilibili": "B站",
    "douyin": "抖音",
    "kuaishou": "快手",
    "xiaohongshu": "小红书",
    "weibo": "微博",
    "toutiao": "头条",
    "xigua": "西瓜视频",
    "wechat_channels": "视频号",
    "wechat_article": "公众号",
    "youtube": "YouTube",
    "tiktok": "TikTok",
}


def _when(moment: datetime, zone: ZoneInfo, lang: str) -> str:
    return f"{moment.astimezone(zone).strftime('%Y-%m-%d %H:%M')} {zone_label(zone.key, lang)}"


def _count(value: int, lang: str) -> str:
    """A count for a message, cut to what the display shows (``1,234,567`` -> ``123.45万``, never
    ``123.46万``, :func:`reach.counts.format_count`): an alert never claims more than the number proves."""
    from .counts import format_count

    return format_count(value, lang)


_INERT = str.maketrans({"<": "＜", ">": "＞", "[": "［", "]": "］", "*": "＊", "`": "｀", "#": "＃", "@": "＠"})


def _inert(text: str, limit: int = 80) -> str:
    """A platform's text (a post title anyone can choose, an error message) made inert in a robot's
    message: one line, at most ``limit`` characters, and no markup: no ``[link](…)``, ``<font>``, Feishu
    ``<at user_id="all">`` or ``@所有人`` mention, ``**``/``#`` formatting (those characters become their
    full-width look-alikes)."""
    line = " ".join(text.split()).translate(_INERT)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def message(event: Event, lang: str, zone: ZoneInfo) -> tuple[str, str]:
    """``(title, text)`` of an event in ``lang`` (``zh``: 万/亿 and the zone, Beijing time by default).

    Milestones state the precision of the total: "at least" for lower bounds, "about" with the lowest
    possible value for rounded totals; the threshold is never claimed on a number that does not prove it.
    """
    zh = lang == "zh"
    d = event.data
    c = event.campaign
    when = _when(event.at, zone, lang)
    subject = event.subject
    if event.kind in ("stalled", "unavailable") and d.get("title"):
        shown = _inert(str(d["title"]))
        subject = f"{shown} ({event.subject})" if not zh else f"《{shown}》（{event.subject}）"
    if event.kind == "milestone":
        threshold = _count(int(d["threshold"]), lang)
        kind = CountKind(d["kind"])
        value = _count(int(d["value"]), lang)
        posts = int(d.get("posts") or 0)
        if zh:
            title = f"「{c}」总播放量突破 {threshold}"
            if kind is CountKind.LOWER_BOUND:  # "at least" the lowest value (rounded parts at their lowest)
                now = f"至少 {_count(int(d.get('low', d['value'])), lang)}（部分作品只显示下限，如“10万+”）"
            elif kind is CountKind.APPROXIMATE:
                now = f"约 {value}（含平台约数；按最低可能值 {_count(int(d['low']), lang)} 计也已超过）"
            else:
                now = value
            text = (
                f"活动「{c}」总播放量已超过 {threshold}。\n"
                f"当前总播放量：{now}，{posts} 个作品有播放数据。\n观测时间：{when}"
            )
            if d.get("after"):  # a long gap before this observation: no moment is claimed
                after = _when(datetime.fromisoformat(str(d["after"])), zone, lang)
                text += f"\n上次采集（{after}）时尚未达到：在两次采集之间突破，具体时间不详"
        else:
            title = f"{c}: total views passed {threshold}"
            if kind is CountKind.LOWER_BOUND:
                low = _count(int(d.get("low", d["value"])), lang)
                now = f"at least {low} (some posts show only a floor, such as 100K+)"
            elif kind is CountKind.APPROXIMATE:
                now = (
                    f"about {value} (platforms round some counts; even the lowest possible value, "
                    f"{_count(int(d['low']), lang)}, is past it)"
                )
            else:
                now = value
            text = (
                f"Campaign {c}: total views passed {threshold}.\n"
                f"Total now: {now}, over {posts} post(s) showing views.\nObserved: {when}"
            )
            if d.get("after"):  # a long gap before this observation: no moment is claimed
                after = _when(datetime.fromisoformat(str(d["after"])), zone, lang)
                text += f"\nNot yet at the snapshot before ({after}): passed somewhere between the two"
        return title, text
    if event.kind == "stalled":
        views = _count(int(d["views"]), lang)
        start = _when(datetime.fromisoformat(d["since"]), zone, lang)
        if zh:
            return (
                f"「{c}」作品播放量停滞",
                f"活动「{c}」的作品 {subject} 播放量 {d['hours']} 小时没有增长（自 {start} 起一直是 {views}），"
                f"采集正常。\n最近观测：{when}",
            )
        return (
            f"{c}: a post stopped growing",
            f"Campaign {c}: post {subject} has had {views} views for {d['hours']} hours (since {start}) "
            f"while collected fine.\nLast observed: {when}",
        )
    if event.kind == "unavailable":
        said = _inert(str(d.get("message") or ""))
        why = f"（{said}）" if zh and said else f" ({said})" if said else ""
        if zh:
            return (
                f"「{c}」作品已无法访问",
                f"活动「{c}」的作品 {subject} 多次无法访问（已删除或设为私密）{why}，此后不再采集。\n"
                f"如作品恢复，运行 reach collect --include-unavailable。\n时间：{when}",
            )
        return (
            f"{c}: a post is gone",
            f"Campaign {c}: post {subject} was unavailable several times in a row (deleted or private){why}; "
            f"it is no longer collected.\nIf it comes back: reach collect --include-unavailable.\nAt: {when}",
        )
    if event.kind == "blocked":
        name = PLATFORM_NAMES_ZH.get(event.subject, event.subject) if zh else event.subject
        if zh:
            return (
                f"「{c}」{name} 拒绝了采集",
                f"{name} 连续拒绝了 {d['blocked']} 次请求（验证码或限流），本轮已停止访问该平台。"
                f"数据未受影响，稍后会自动重试；若持续出现，请见 reach failures。\n时间：{when}",
            )
        return (
            f"{c}: {name} blocked collection",
            f"{name} refused {d['blocked']} requests (captcha or rate limit); the run stopped asking it. "
            f"No data was changed; later runs try again. If it persists, see reach failures.\nAt: {when}",
        )
    if zh:
        return f"「{c}」提醒测试", f"这是 reach 的测试消息：活动「{c}」的提醒会发到这个群。\n时间：{when}"
    return (
        f"{c}: test alert",
        f"This is a test message from reach: alerts of campaign {c} come to this chat.\nAt: {when}",
    )


# -- delivery ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One webhook call: the URL (with signature parameters for DingTalk), headers and JSON body."""

    url: str
    body: bytes
    headers: Mapping[str, str]


def build_request(
    channel: Channel, event: Event, lang: str, zone: ZoneInfo, clock: Callable[[], float] = time.time
) -> Request:
    """The request that delivers ``event`` to ``channel``.

    * ``wecom``: ``{"msgtype": "markdown", "markdown": {"content": …}}``.
    * ``dingtalk``: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``; with a secret the URL gets
      ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" + secret)).
    * ``feishu``: ``{"msg_type": "text", "content": {"text": …}}``; with a secret the body gets
      ``timestamp`` (s) and ``sign`` = base64(HMAC-SHA256(key=timestamp + "\\n" + secret, msg=b"")).
    * ``webhook``: the event as JSON (``event``, ``key``, ``campaign``, ``subject``, ``at``, ``title``,
      ``text``, ``data``); with a secret, header ``X-Reach-Signature: sha256=<hex HMAC of the body>``.
    """
    title, text = message(event, lang, zone)
    headers = {"Content-Type": "application/json; charset=utf-8"}
    url = channel.url
    body: dict[str, Any]
    if channel.kind == "wecom":
        body = {"msgtype": "markdown", "markdown": {"content": f"**{_md(title)}**\n{_md(text)}"}}
    elif channel.kind == "dingtalk":
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": f"#### {_md(title)}\n\n{_md(text)}"}}
        if channel.secret:
            stamp = str(int(clock() * 1000))
            digest = hmac.new(channel.secret.encode(), f"{stamp}\n{channel.secret}".encode(), hashlib.sha256).digest()
            url = _with_query(url, {"timestamp": stamp, "sign": base64.b64encode(digest).decode()})
    elif channel.kind == "feishu":
        body = {"msg_type": "text", "content": {"text": f"{title}\n{text}"}}
        if channel.secret:
            stamp = str(int(clock()))
            digest = hmac.new(f"{stamp}\n{channel.secret}".encode(), b"", hashlib.sha256).digest()
            body = {"timestamp": stamp, "sign": base64.b64encode(digest).decode(), **body}
    else:
        body = {
            "event": event.kind,
            "key": event.key,
            "campaign": event.campaign,
            "subject": event.subject,
            "at": _iso(event.at),
            "title": title,
            "text": text,
            "data": dict(event.data),
        }
    raw = json.dumps(body, ensure_ascii=False).encode()
    if channel.kind == "webhook" and channel.secret:
        headers["X-Reach-Signature"] = "sha256=" + hmac.new(channel.secret.encode(), raw, hashlib.sha256).hexdigest()
    return Request(url, raw, headers)


def _md(text: str) -> str:
    """Line breaks markdown keeps (robots' markdown joins single newlines)."""
    return text.replace("\n", "  \n")


def _with_query(url: str, extra: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urlencode(extra)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def accepted(kind: str, status: int, body: bytes) -> tuple[bool, str]:
    """Whether the webhook took the message, and if not a short reason (secrets redacted).

    Robots answer HTTP 200 even when they refuse: WeCom and DingTalk put ``errcode`` 0 for success,
    Feishu ``code`` 0 (older answers: ``StatusCode`` 0); anything else is a failure.
    """
    if not 200 <= status < 300:
        return False, f"HTTP {status}"
    if kind == "webhook":
        return True, f"HTTP {status}"
    try:
        answer = json.loads(body or b"null")
    except ValueError:
        return False, f"HTTP {status} with an answer that is not JSON"
    if not isinstance(answer, dict):
        return False, f"HTTP {status} with an unexpected answer"
    if kind == "feishu":
        code = answer.get("code", answer.get("StatusCode"))
        text = answer.get("msg", answer.get("StatusMessage", ""))
    else:
        code = answer.get("errcode")
        text = answer.get("errmsg", "")
    if type(code) is int and code == 0:  # not false, 0.0 or "0": only the robots' own success answer
        return True, "ok"
    said = f"{'code' if kind == 'feishu' else 'errcode'} {str(code)[:20]}: {' '.join(str(text).split())[:160]}"
    return False, clean_text(said).rstrip(": ")  # redacted, no ESC sequences for the terminal


def send(client: httpx.Client, channel: Channel, event: Event, lang: str, zone: ZoneInfo) -> tuple[bool, str]:
    """Deliver one event; ``(ok, reason)``. Never raises for network trouble (the reason says what)."""
    import httpx

    request = build_request(channel, event, lang, zone)
    deadline = time.monotonic() + 3 * TIMEOUT
    try:
        # streamed: a webhook that trickles its answer (each byte within the read timeout) or sends
        # megabytes is cut off at the deadline / MAX_ANSWER bytes; the answer's start is enough
        with client.stream("POST", request.url, content=request.body, headers=dict(request.headers)) as response:
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if time.monotonic() > deadline:
                    return False, "timed out"
                if len(body) >= MAX_ANSWER:
                    break
    except httpx.TimeoutException:
        return False, "timed out"
    except httpx.HTTPError as exc:
        return False, f"could not connect ({type(exc).__name__})"
    except Exception as exc:  # noqa: BLE001 - httpx.InvalidURL, UnicodeError: a stored URL it cannot use
        # never raised: one bad channel must not stop the other channels' alerts
        return False, f"could not send ({type(exc).__name__}; check the URL: `reach alerts add` it again)"
    return accepted(channel.kind, response.status_code, body[:MAX_ANSWER])


def client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The one client alerts use: no redirects, :data:`TIMEOUT` seconds."""
    import httpx

    from . import __version__

    return httpx.Client(
        timeout=TIMEOUT,
        follow_redirects=False,
        transport=transport,
        headers={"User-Agent": f"reach/{__version__} alerts"},
    )


# -- one pass: detect, remember, deliver ------------------------------------------------------


@dataclass
class AlertReport:
    """What one pass did: events newly detected, deliveries that worked (``(channel masked URL, event
    kind)``), and those that failed (``(channel masked URL, event kind, reason)``; retried next run)."""

    detected: int = 0
    deferred: int = 0
    """Events left for the next run (more than :data:`MAX_PER_RUN` for one channel)."""
    sent: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)


def detect(store: Store, channel: Channel, zone: ZoneInfo, run_id: str | None = None) -> list[Event]:
    """Every event of the channel's campaign that the database shows now (see the module text).

    Cheap on a big campaign: the views timelines (every snapshot) are read only when the current total
    may have passed a threshold not yet remembered for this channel; plateaus are found in SQL.
    """
    from .collectors import get_collector
    from .insights import post_timelines, total_timeline
    from .store import OWNER_SOURCE_SQL

    posts = store.posts(campaign=channel.campaign)
    keys = [p.post_key for p in posts]
    titles = {p.post_key: p.title for p in posts}
    if not keys:
        return []
    events: list[Event] = []
    known = {
        int(r[0])
        for r in store.con.execute(
            "SELECT subject FROM alert_events WHERE channel_id = ? AND kind IN ('milestone', ?)",
            [channel.channel_id, BASELINE],
        ).fetchall()
    }
    current = 0
    for latest in store.latest_values(keys).values():
        views = latest.metrics.views
        if views is not None and views.value is not None:
            current += views.low if views.low is not None else views.value
    if any(t not in known and t <= current for t in channel.milestones):
        timelines = post_timelines(store, keys)
        total = total_timeline(timelines)
        events += milestone_events(
            channel.campaign, total, channel.milestones, channel.created_at, len(timelines), timelines
        )
    states = store.post_states(keys)
    if channel.stall_hours > 0:
        # per post: the newest public views, and the first snapshot after the last one that differed
        # (another value, or a rounded / floor count): the start of the exact plateau
        rows = store.con.execute(
            f"""WITH pub AS (
                    SELECT post_key, collected_at, views, views_kind FROM snapshots
                    WHERE views IS NOT NULL AND NOT {OWNER_SOURCE_SQL} AND list_contains(?, post_key)),
                newest AS (
                    SELECT post_key, arg_max(views, collected_at) AS v, arg_max(views_kind, collected_at) AS k,
                           max(collected_at) AS at FROM pub GROUP BY post_key),
                differs AS (
                    SELECT p.post_key, max(p.collected_at) AS at FROM pub p JOIN newest n USING (post_key)
                    WHERE p.views <> n.v OR coalesce(p.views_kind, 'exact') <> 'exact' GROUP BY p.post_key)
                SELECT n.post_key, n.v, n.k, n.at, min(p.collected_at)
                FROM newest n LEFT JOIN differs d USING (post_key) JOIN pub p ON p.post_key = n.post_key
                WHERE d.at IS NULL OR p.collected_at > d.at
                GROUP BY n.post_key, n.v, n.k, n.at""",
            [keys],
        ).fetchall()
        for key, views, kind, newest_at, plateau_start in rows:
            state = states.get(key)
            ok = state is not None and state.last_status == "ok" and state.flag is None
            line = [
                Observation(plateau_start, int(views), CountKind.EXACT),
                Observation(newest_at, int(views), CountKind(kind or "exact")),
            ]
            found = stalled_event(
                channel.campaign, key, line, channel.stall_hours, ok, channel.created_at, titles.get(key)
            )
            if found and not _stalled_lately(store, channel, found):
                events.append(found)
    for key, state in states.items():
        if state.flag == "unavailable" and state.flagged_at is not None:
            found = unavailable_event(
                channel.campaign, key, state.flagged_at, state.last_message, channel.created_at, titles.get(key)
            )
            if found:
                events.append(found)
    if run_id:
        started = store.con.execute("SELECT started_at FROM runs WHERE run_id = ?", [run_id]).fetchone()
        blocked = store.con.execute(
            "SELECT p.platform, count(*) FROM run_outcomes o JOIN posts p USING (post_key) "
            "WHERE o.run_id = ? AND o.status = 'blocked' AND list_contains(?, o.post_key) GROUP BY p.platform",
            [run_id, keys],
        ).fetchall()
        for platform, n in blocked:
            try:
                threshold = max(1, min(3, get_collector(platform).block_threshold))
            except Exception:  # noqa: BLE001 - a platform this version no longer has
                continue
            if started and n >= threshold and started[0] >= channel.created_at:
                events.append(blocked_event(channel.campaign, platform, int(n), started[0], zone))
    return events


def _stalled_lately(store: Store, channel: Channel, event: Event) -> bool:
    """Whether another plateau of the same post was announced to ``channel`` less than
    :data:`STALL_REPEAT` before ``event`` (a long-tail post gaining a view every few days would
    otherwise be "stalled" again after each one)."""
    rows = store.con.execute(
        "SELECT event_key, payload FROM alert_events WHERE channel_id = ? AND kind = 'stalled' AND subject = ?",
        [channel.channel_id, event.subject],
    ).fetchall()
    if any(key == event.key for key, _ in rows):
        return False  # this very plateau: already remembered, nothing new either way
    return any(
        timedelta(0) <= event.at - Event.from_payload(channel.campaign, payload).at < STALL_REPEAT
        for _, payload in rows
    )


def run_alerts(
    store: Store,
    lang: str,
    zone: ZoneInfo,
    run_id: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> AlertReport:
    """Detect the events of every campaign with a channel, remember the new ones, and deliver every
    event not delivered yet (one attempt each). Nothing happens without channels; snapshots are never touched."""
    report = AlertReport()
    channels = [Channel.from_row(r) for r in store.alert_channels()]
    if not channels:
        return report
    now = datetime.now(timezone.utc)
    rows = []
    for channel in channels:
        for event in detect(store, channel, zone, run_id):
            rows.append(
                (event.key, channel.channel_id, channel.campaign, event.kind, event.subject, event.payload(), now)
            )
    report.detected = store.add_alert_events(rows)
    pending = store.pending_alert_events(now - RETRY_FOR)
    if not pending:
        return report
    by_id = {c.channel_id: c for c in channels}
    per_channel: dict[str, int] = {}
    with client(transport) as http:
        failing: set[str] = set()
        for key, cid, campaign, _kind, _subject, payload, _at in pending:
            if cid not in by_id:  # added by `reach alerts add` while this pass ran: the next pass sends
                continue
            channel = by_id[cid]
            per_channel[cid] = per_channel.get(cid, 0) + 1
            # robots accept about 20 messages a minute, and a robot that just failed will fail again: wait
            if per_channel[cid] > MAX_PER_RUN or cid in failing:
                report.deferred += 1
                continue
            event = Event.from_payload(campaign, payload)
            ok, reason = send(http, channel, event, lang, zone)
            store.record_alert_delivery(key, cid, ok, reason)
            if ok:
                report.sent.append((channel.masked, event.kind))
            else:
                failing.add(cid)
                report.failed.append((channel.masked, event.kind, reason))
    return report


def sample_event(campaign: str, now: datetime | None = None) -> Event:
    """The message ``reach alerts test`` sends (not remembered: every test is sent)."""
    at = now or datetime.now(timezone.utc)
    return Event(f"{campaign}|test|{_iso(at)}", campaign, "test", "test", at, {})
