"""The HTTP choke point and the collection engine, against mock transports."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from reach.collect import Engine
from reach.collectors import get_collector
from reach.collectors.base import Collector, RawResponse, host_matches
from reach.config import Settings
from reach.errors import Blocked, NeedsResolution, NetworkError, RateLimited, Unavailable, UnsupportedURL
from reach.http import Http, retry_after_seconds
from reach.models import OutcomeStatus, PostRef
from reach.store import Store

from .conftest import bili_view as view
from .conftest import json_response

bili = get_collector("bilibili")
BVS = ["BV1a7421K7Qg", "BV1a7421K7Qu", "BV1a7421K7QM"]


def get(settings: Settings, handler: object, url: str = "https://api.bilibili.com/x/web-interface/view") -> object:
    async def go() -> object:
        async with Http(settings, transport=httpx.MockTransport(handler)) as http:  # type: ignore[arg-type]
            return await http.get(bili, url)

    return asyncio.run(go())


def test_retries_transient_failures_then_succeeds(fast_settings: Settings) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("reset")
        if len(calls) == 2:
            return httpx.Response(502)
        return json_response(view(BVS[0]))

    raw = get(fast_settings, handler)
    assert len(calls) == 3 and raw.status == 200  # type: ignore[attr-defined]


def test_gives_up_after_retries(fast_settings: Settings) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503)

    with pytest.raises(NetworkError, match="HTTP 503"):
        get(fast_settings, handler)
    assert len(calls) == fast_settings.retries + 1


def test_no_retry_on_permanent_answers(fast_settings: Settings) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(412, text="blocked")

    assert get(fast_settings, handler).status == 412  # type: ignore[attr-defined]
    assert len(calls) == 1


def test_429_honours_short_retry_after_and_refuses_long(fast_settings: Settings) -> None:
    calls = []

    def short(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(429, headers={"Retry-After": "0"}) if len(calls) == 1 else json_response(view(BVS[0]))

    assert get(fast_settings, short).status == 200  # type: ignore[attr-defined]
    calls.clear()

    def long(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(429, headers={"Retry-After": "3600"})

    with pytest.raises(RateLimited):
        get(fast_settings, long)
    assert len(calls) == 1
    assert retry_after_seconds("120") == 120.0 and retry_after_seconds("junk") is None


def test_browser_headers_not_python(fast_settings: Settings) -> None:
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return json_response(view(BVS[0]))

    async def go() -> None:
        async with Http(fast_settings, transport=httpx.MockTransport(handler)) as http:
            await bili.fetch(http, PostRef("bilibili", BVS[0]))

    asyncio.run(go())
    ua = seen[0].headers["user-agent"]
    assert "python" not in ua.lower() and "Mozilla" in ua
    assert seen[0].headers["referer"].startswith("https://www.bilibili.com/")
    assert seen[0].url.params["bvid"] == BVS[0]


@pytest.mark.parametrize(
    "url", ["https://evil.example/x", "http://127.0.0.1/", "file:///etc/passwd", "https://user@www.bilibili.com/"]
)
def test_only_declared_hosts(fast_settings: Settings, url: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:  # pragma: no cover - must not be called
        raise AssertionError("request sent")

    with pytest.raises(UnsupportedURL):
        get(fast_settings, handler, url)


def test_politeness_spacing_is_respected() -> None:
    settings = Settings(min_interval={"bilibili": 0.05}, retry_backoff=0.0)
    starts: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append(time.monotonic())
        return json_response(view(request.url.params["bvid"]))

    engine = Engine(None, settings, transport=httpx.MockTransport(handler))
    summary = engine.run([PostRef("bilibili", b) for b in BVS])
    assert summary.ok == 3
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.045


def test_short_link_resolution_stays_on_platform(fast_settings: Settings) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "b23.tv" and request.url.path == "/good":
            return httpx.Response(302, headers={"Location": "https://www.bilibili.com/video/BV1J442187uv?p=2"})
        if request.url.host == "b23.tv" and request.url.path == "/evil":
            return httpx.Response(302, headers={"Location": "https://evil.example/video/BV1J442187uv"})
        if request.url.host == "b23.tv" and request.url.path == "/loop":
            return httpx.Response(302, headers={"Location": "https://b23.tv/loop"})
        return httpx.Response(404)

    async def resolve(url: str) -> PostRef:
        async with Http(fast_settings, transport=httpx.MockTransport(handler)) as http:
            return await bili.resolve(http, url)

    ref = asyncio.run(resolve("https://b23.tv/good"))
    assert ref.post_key == "bilibili:BV1J442187uv" and ref.params == {"p": "2"}
    with pytest.raises(UnsupportedURL, match="outside bilibili"):
        asyncio.run(resolve("https://b23.tv/evil"))
    with pytest.raises(UnsupportedURL, match="redirects"):
        asyncio.run(resolve("https://b23.tv/loop"))


class HookedCollector(Collector):
    """A tiny platform that implements every resolution hook of :meth:`Collector.resolve`."""

    platform = "hooked"
    hosts = ("hooked.example", "handshake.example")
    short_link_hosts = ("s.hooked.example",)
    redirect_hosts = ("hooked.example",)  # the handshake host may be requested, never redirected to
    patterns = (re.compile(r"^https://www\.hooked\.example/post/(?P<id>\d+)"),)
    post_noun = "hooked clip"
    max_redirects = 3

    def __init__(self) -> None:
        self.landings: list[tuple[str, str]] = []
        self.pages: list[str] = []

    def match(self, url: str) -> PostRef | None:
        try:
            return super().match(url)
        except NeedsResolution:  # share text glued after a comma is not part of the short link
            raise NeedsResolution(url.split(",")[0], self.platform) from None

    def fetch_params(self, url: str) -> dict[str, str]:
        token = parse_qs(urlsplit(url).query).get("t")
        return {"t": token[0]} if token else {}

    def check_landing(self, original_url: str, current_url: str) -> PostRef | None:
        self.landings.append((original_url, current_url))
        parts = urlsplit(current_url)
        if parts.hostname != "www.hooked.example":
            return None
        if parts.path == "/login":
            for target in parse_qs(parts.query).get("next", []):
                ref = self.match(target)
                if ref is not None:
                    return ref
            raise Blocked(f"{original_url} leads to a login page")
        if parts.path == "/gone":
            raise Unavailable(f"{original_url} leads to the 'gone' page")
        return None

    def post_from_page(self, raw: RawResponse, url: str) -> str | None:
        self.pages.append(url)
        if "captcha" in raw.text:
            raise Blocked("captcha page")
        m = re.search(r'data-post="(\d+)"', raw.text)
        return m.group(1) if m else None

    def refuse_redirect(self, original_url: str, target: str) -> str:
        if host_matches(urlsplit(target).hostname or "", ("handshake.example",)):
            return f"{original_url} leads to the cookie handshake, not a post"
        return super().refuse_redirect(original_url, target)


HOOKED_ROUTES: dict[str, httpx.Response] = {
    "/post": httpx.Response(302, headers={"Location": "https://www.hooked.example/post/11?t=abc"}),
    "/hop": httpx.Response(301, headers={"Location": "https://s.hooked.example/post"}),
    "/login-post": httpx.Response(
        302, headers={"Location": "https://www.hooked.example/login?next=https://www.hooked.example/post/12%3Ft%3Dx"}
    ),
    "/login": httpx.Response(302, headers={"Location": "https://www.hooked.example/login?next=nothing"}),
    "/gone": httpx.Response(302, headers={"Location": "https://www.hooked.example/gone"}),
    "/handshake": httpx.Response(302, headers={"Location": "https://handshake.example/register"}),
    "/evil": httpx.Response(302, headers={"Location": "https://evil.example/post/13"}),
    "/page": httpx.Response(200, text='<html><div data-post="14"></div></html>'),
    "/blank": httpx.Response(200, text="<html>nothing here</html>"),
    "/captcha": httpx.Response(200, text="<html>captcha</html>"),
    "/ping": httpx.Response(302, headers={"Location": "https://s.hooked.example/pong"}),
    "/pong": httpx.Response(302, headers={"Location": "https://s.hooked.example/ping"}),
    "/a": httpx.Response(302, headers={"Location": "https://s.hooked.example/b"}),
    "/b": httpx.Response(302, headers={"Location": "https://s.hooked.example/c"}),
    "/c": httpx.Response(302, headers={"Location": "https://s.hooked.example/d"}),
    "/d": httpx.Response(302, headers={"Location": "https://s.hooked.example/e"}),
}


def resolve_hooked(settings: Settings, url: str) -> tuple[PostRef | Exception, HookedCollector, list[str]]:
    collector = HookedCollector()
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        assert request.url.host == "s.hooked.example", "only short links are requested"
        return HOOKED_ROUTES.get(request.url.path, httpx.Response(404))

    async def go() -> PostRef:
        async with Http(settings, transport=httpx.MockTransport(handler)) as http:
            return await collector.resolve(http, url)

    try:
        return asyncio.run(go()), collector, requested
    except Exception as exc:  # the caller checks which
        return exc, collector, requested


def test_resolve_follows_redirects_and_requests_the_trimmed_short_link(fast_settings: Settings) -> None:
    ref, collector, requested = resolve_hooked(fast_settings, "https://s.hooked.example/hop,copy this")
    assert ref == PostRef("hooked", "11", url="https://s.hooked.example/hop,copy this", params={"t": "abc"})
    assert requested == ["https://s.hooked.example/hop", "https://s.hooked.example/post"]  # NeedsResolution.url
    # check_landing saw every URL that named no post, with the link being resolved
    assert collector.landings == [
        ("https://s.hooked.example/hop,copy this", "https://s.hooked.example/hop"),
        ("https://s.hooked.example/hop,copy this", "https://s.hooked.example/post"),
    ]


def test_check_landing_names_the_post_or_raises_before_any_request(fast_settings: Settings) -> None:
    ref, _, requested = resolve_hooked(fast_settings, "https://s.hooked.example/login-post")
    assert isinstance(ref, PostRef) and ref.post_key == "hooked:12" and ref.params == {"t": "x"}
    assert ref.url == "https://s.hooked.example/login-post"
    assert requested == ["https://s.hooked.example/login-post"]  # the login page is never requested
    blocked, _, requested = resolve_hooked(fast_settings, "https://s.hooked.example/login")
    assert isinstance(blocked, Blocked) and "s.hooked.example/login leads to a login page" in str(blocked)
    assert requested == ["https://s.hooked.example/login"]
    gone, _, _ = resolve_hooked(fast_settings, "https://s.hooked.example/gone")
    assert isinstance(gone, Unavailable)


def test_redirect_hosts_and_refuse_redirect_message(fast_settings: Settings) -> None:
    handshake, _, _ = resolve_hooked(fast_settings, "https://s.hooked.example/handshake")
    assert isinstance(handshake, UnsupportedURL)  # a declared host, but not one a short link may lead to
    assert str(handshake) == "https://s.hooked.example/handshake leads to the cookie handshake, not a post"
    evil, _, _ = resolve_hooked(fast_settings, "https://s.hooked.example/evil")
    assert isinstance(evil, UnsupportedURL)
    assert str(evil) == "https://s.hooked.example/evil redirects outside hooked (to evil.example); not followed"


def test_post_from_page_reads_a_200_answer(fast_settings: Settings) -> None:
    ref, collector, _ = resolve_hooked(fast_settings, "https://s.hooked.example/page?t=tok")
    assert ref == PostRef("hooked", "14", url="https://s.hooked.example/page?t=tok", params={"t": "tok"})
    assert collector.pages == ["https://s.hooked.example/page?t=tok"]  # the URL requested
    captcha, _, _ = resolve_hooked(fast_settings, "https://s.hooked.example/captcha")
    assert isinstance(captcha, Blocked)
    blank, _, _ = resolve_hooked(fast_settings, "https://s.hooked.example/blank")
    assert isinstance(blank, UnsupportedURL)
    assert str(blank) == "https://s.hooked.example/blank did not lead to a hooked clip (HTTP 200)"
    # not a 200: post_from_page is not asked; classify_dead_end (default) reads the 404
    gone, collector, _ = resolve_hooked(fast_settings, "https://s.hooked.example/nowhere")
    assert isinstance(gone, Unavailable) and collector.pages == []


def test_resolve_detects_loops_and_long_chains(fast_settings: Settings) -> None:
    loop, _, requested = resolve_hooked(fast_settings, "https://s.hooked.example/ping")
    assert isinstance(loop, UnsupportedURL) and "redirects in a loop" in str(loop)
    assert requested == ["https://s.hooked.example/ping", "https://s.hooked.example/pong"]
    long, _, requested = resolve_hooked(fast_settings, "https://s.hooked.example/a")
    assert isinstance(long, UnsupportedURL) and "more than 3 redirects" in str(long)
    assert len(requested) == HookedCollector.max_redirects + 1


def test_resolve_hook_defaults(fast_settings: Settings) -> None:
    url = "https://www.bilibili.com/read/cv1"
    assert bili.check_landing("https://b23.tv/x", url) is None
    assert bili.post_from_page(RawResponse(200, url, b'<a href="/video/BV1J442187uv">'), url) is None
    assert bili.refuse_redirect("https://b23.tv/x", "https://evil.example/a") == (
        "https://b23.tv/x redirects outside bilibili (to evil.example); not followed"
    )
    assert bili.redirect_hosts == () and bili.post_noun == ""  # empty: hosts, "<platform> post"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>a page</html>")

    async def go() -> PostRef:
        async with Http(fast_settings, transport=httpx.MockTransport(handler)) as http:
            return await bili.resolve(http, "https://b23.tv/page")

    with pytest.raises(UnsupportedURL, match=r"did not lead to a bilibili post \(HTTP 200\)"):
        asyncio.run(go())


def test_engine_one_failure_never_loses_others_and_errors_are_not_snapshots(fast_settings: Settings) -> None:
    store = Store(":memory:")
    for b in BVS:
        store.add_post(PostRef("bilibili", b), campaign="禁毒")
    store.add_post(PostRef("youtube", "AbCdEfGhIjk"), campaign="禁毒")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "www.googleapis.com":
            raise httpx.ConnectError("offline")
        bvid = request.url.params["bvid"]
        if bvid == BVS[1]:
            return json_response({"code": -404, "message": "啥都木有", "ttl": 1})
        if bvid == BVS[2]:
            return json_response({"code": 0, "data": {"weird": True}})
        return json_response(view(bvid, 1234))

    fixed = datetime(2026, 6, 20, 13, 0, tzinfo=timezone.utc)
    engine = Engine(store, fast_settings, transport=httpx.MockTransport(handler), clock=lambda: fixed)
    summary = engine.run([p.ref for p in store.posts()])
    assert summary.counts == {
        OutcomeStatus.OK: 1,
        OutcomeStatus.UNAVAILABLE: 1,
        OutcomeStatus.PARSE_ERROR: 1,
        OutcomeStatus.NETWORK_ERROR: 1,
    }
    assert store.con.execute("SELECT count(*) FROM snapshots").fetchone() == (1,)
    assert store.con.execute("SELECT count(*) FROM run_outcomes WHERE run_id = ?", [summary.run_id]).fetchone() == (4,)
    snap = store.snapshots(f"bilibili:{BVS[0]}")[0]
    assert snap.collected_at == fixed and snap.metrics.views.value == 1234  # type: ignore[union-attr]
    assert snap.source == "bilibili@1" and snap.run_id == summary.run_id
    messages = dict((k, m) for k, _, m in store.run_outcomes(summary.run_id))
    assert "could not reach www.googleapis.com" in messages["youtube:AbCdEfGhIjk"]


def test_circuit_breaker_stops_hammering(fast_settings: Settings) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return json_response({"code": -412, "message": "请求被拦截", "ttl": 1, "data": None})

    refs = [PostRef("bilibili", b) for b in BVS] * 2  # six requests wanted
    summary = Engine(None, fast_settings, transport=httpx.MockTransport(handler), breaker_threshold=3).run(refs)
    assert len(calls) == 3
    assert summary.counts == {OutcomeStatus.BLOCKED: 6}
    assert "in a row" in summary.failures[-1].message


def test_unreachable_platform_is_not_retried_post_after_post(fast_settings: Settings) -> None:
    """Offline: after three posts that could not reach the platform, the rest end at once."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("no route to host", request=request)

    settings = replace(fast_settings, retries=0)
    refs = [PostRef("bilibili", b) for b in BVS] * 3  # nine posts
    summary = Engine(None, settings, transport=httpx.MockTransport(handler), breaker_threshold=3).run(refs)
    assert len(calls) == 3
    assert summary.counts == {OutcomeStatus.NETWORK_ERROR: 9}
    assert "could not be reached 3 times in a row" in summary.failures[-1].message


def test_server_errors_do_not_count_as_unreachable(fast_settings: Settings) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503)

    settings = replace(fast_settings, retries=0)
    refs = [PostRef("bilibili", b) for b in BVS] * 2
    summary = Engine(None, settings, transport=httpx.MockTransport(handler), breaker_threshold=3).run(refs)
    assert len(calls) == 6 and summary.counts == {OutcomeStatus.NETWORK_ERROR: 6}


def test_parser_crash_is_contained(fast_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> object:
        raise KeyError("surprise")

    monkeypatch.setattr(type(bili), "parse", boom)
    summary = Engine(None, fast_settings, transport=httpx.MockTransport(lambda r: json_response(view(BVS[0])))).run(
        [PostRef("bilibili", BVS[0])]
    )
    assert summary.counts == {OutcomeStatus.PARSE_ERROR: 1}


def test_relative_publication_times_are_placed_against_the_collection_time() -> None:
    """A list answer says "昨天 14:02": parse keeps the text, the run reads it in Beijing time."""
    from reach.collect import outcome_from
    from reach.collectors import get_collector
    from reach.collectors.base import RawResponse

    weibo = get_collector("weibo")
    body = {
        "ok": 1,
        "data": {
            "created_at": "昨天 14:02",
            "id": "5001002003004099",
            "mid": "5001002003004099",
            "text": "禁毒宣传",
            "user": {"screen_name": "示范市公安局"},
            "reposts_count": 3,
            "comments_count": 4,
            "attitudes_count": 5,
        },
    }
    raw = RawResponse(200, "https://m.weibo.cn/statuses/show?id=5001002003004099", json.dumps(body).encode())
    parsed = weibo.parse(raw, "5001002003004099")
    assert parsed.published_at is None and parsed.published_text == "昨天 14:02"
    # 00:30 on 21 June in Beijing: "yesterday 14:02" is 20 June 14:02 Beijing = 06:02 UTC
    read_at = datetime(2026, 6, 20, 16, 30, tzinfo=timezone.utc)
    outcome = outcome_from(weibo, PostRef("weibo", "5001002003004099"), raw, run_id=None, collected_at=read_at)
    assert outcome.snapshot is not None
    assert outcome.snapshot.published_at == datetime(2026, 6, 20, 6, 2, tzinfo=timezone.utc)


def test_a_missing_cookie_file_is_a_credentials_problem(fast_settings: Settings, tmp_path: Path) -> None:
    """A configured cookies.txt that is not there: the outcome points at the cookies (auth_required)."""
    settings = replace(fast_settings, cookies={"bilibili": tmp_path / "gone.txt"})
    summary = Engine(None, settings, transport=httpx.MockTransport(lambda r: json_response(view(BVS[0])))).run(
        [PostRef("bilibili", BVS[0])]
    )
    assert summary.counts == {OutcomeStatus.AUTH_REQUIRED: 1}
    assert "gone.txt" in summary.failures[0].message


def test_a_target_beyond_any_count_is_refused(tmp_path: Path) -> None:
    from reach import Tracker
    from reach.errors import InputError

    with Tracker(tmp_path / "t.duckdb") as tracker, pytest.raises(InputError, match="larger than any view count"):
        tracker.create_campaign("x", target_views=10**30)


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("[Errno -2] Name or service not known"),
        httpx.ConnectError("[Errno -3] Temporary failure in name resolution"),
    ],
)
def test_a_host_name_that_does_not_resolve_is_not_retried(fast_settings: Settings, error: Exception) -> None:
    """Offline (no DNS), every retry fails the same way: one attempt, a message that says so."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise error

    with pytest.raises(NetworkError, match=r"could not resolve api\.bilibili\.com \(no network or DNS\)"):
        get(fast_settings, handler)
    assert len(calls) == 1


def test_a_gaierror_under_the_transport_error_counts_as_not_resolved(fast_settings: Settings) -> None:
    import socket

    def handler(request: httpx.Request) -> httpx.Response:
        try:
            raise socket.gaierror(-2, "lookup failed")
        except socket.gaierror as cause:
            raise httpx.ConnectError("connect failed") from cause

    with pytest.raises(NetworkError, match="could not resolve"):
        get(fast_settings, handler)
