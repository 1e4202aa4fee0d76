"""The one HTTP choke point: every request `reach` makes goes through :class:`Http`.

What it guarantees:

* **Only declared hosts.** A request to a host the collector does not declare (``Collector.hosts``)
  is refused before any byte is sent, so pasted text or a redirect cannot steer `reach` elsewhere.
* **Politeness.** Per platform, at most ``max_concurrency`` requests in flight and at least
  ``min_interval`` seconds between two request starts (retries included).
* **Retries for transient failures only** (tenacity, exponential backoff with jitter): connection
  errors, timeouts, HTTP 5xx, and 429 honouring ``Retry-After`` (when it asks for more than
  ``max_retry_wait`` seconds we stop and report ``rate_limited`` instead of sleeping).
  Nothing else is retried: a deleted post or a captcha will not change in a second.
* **Secrets stay out.** Cookies (per-platform Netscape cookies.txt) live in the platform's client
  jar; API keys travel in headers, never in URLs, so error messages and stored URLs cannot leak them.

Tests inject an ``httpx.MockTransport`` (or any transport) through ``Http(transport=...)``.
"""

from __future__ import annotations

import asyncio
import email.utils
import http.cookiejar
import os
import re
import socket
import time
import warnings
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_random_exponential

from . import __version__
from .errors import ConfigError, NetworkError, RateLimited, UnsupportedURL
from .redact import register_secret

if TYPE_CHECKING:
    from .collectors.base import Collector, RawResponse
    from .config import Settings
    from .pages import PageDump

BROWSER_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
"""A desktop browser User-Agent (several platforms reject library User-Agents)."""

IPHONE_USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
"""A mobile Safari User-Agent, for mobile share pages."""

DEFAULT_USER_AGENT = f"reach/{__version__} (+https://pypi.org/project/reach/)"
_PLAIN_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?\.?")
"""A DNS host name as requested (lower case, after IDNA): letters, digits, dots and hyphens only."""


class _Transient(Exception):
    """Internal: a failure worth retrying."""

    def __init__(self, error: NetworkError | RateLimited) -> None:
        super().__init__(str(error))
        self.error = error


class _Limiter:
    """Concurrency and minimum spacing of request starts for one platform."""

    def __init__(self, max_concurrency: int, min_interval: float) -> None:
        self.semaphore = asyncio.Semaphore(max(1, max_concurrency))
        self.min_interval = max(0.0, min_interval)
        self._lock = asyncio.Lock()
        self._next_start = 0.0

    async def wait_turn(self) -> None:
        async with self._lock:
            now = time.monotonic()
            while self._next_start > now:  # again after waking: the request before may have left later
                await asyncio.sleep(self._next_start - now)
                now = time.monotonic()
            self._next_start = now + self.min_interval

    def sent(self) -> None:
        """A request is leaving now (called at the last moment, by the client's request hook): the next
        start is ``min_interval`` from here, however long building the request took."""
        self._next_start = max(self._next_start, time.monotonic() + self.min_interval)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class Http:
    """Async HTTP for collectors: one ``httpx.AsyncClient`` per platform, politeness, retries.

    Use as ``async with Http(settings) as http: raw = await http.get(collector, url)``.

    Args:
        settings: where cookies, API keys, timeouts and politeness overrides come from.
        transport: an httpx transport to use instead of the network (tests, the demo, replays).
        pages: where to save every response received, secrets scrubbed (``collect --write-pages``).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        pages: PageDump | None = None,
    ):
        from .config import Settings

        self.settings = settings or Settings()
        self.transport = transport
        self.pages = pages
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._limiters: dict[str, _Limiter] = {}

    async def __aenter__(self) -> Http:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    def limiter(self, collector: Collector) -> _Limiter:
        platform = collector.platform
        if platform not in self._limiters:
            interval = self.settings.min_interval_for(platform, collector.default_interval(self.settings))
            self._limiters[platform] = _Limiter(collector.max_concurrency, interval)
        return self._limiters[platform]

    def secret(self, name: str) -> str | None:
        """A secret setting (``"youtube_api_key"``) for a collector to put in a header."""
        return self.settings.secret(name)

    @staticmethod
    def join_url(base: str, location: str) -> str:
        return urljoin(base, location)

    def _client(self, collector: Collector) -> httpx.AsyncClient:
        platform = collector.platform
        if platform not in self._clients:
            cookies = self._load_cookies(platform)
            self._clients[platform] = httpx.AsyncClient(
                transport=self.transport,
                timeout=httpx.Timeout(self.settings.timeout),
                headers={"User-Agent": DEFAULT_USER_AGENT, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"},
                cookies=cookies,
                follow_redirects=False,
                trust_env=self.transport is None,
                event_hooks={"request": [self._guard(collector), self._spacing(collector)]},
            )
        return self._clients[platform]

    def _guard(self, collector: Collector) -> Any:
        """A request hook of the platform's client: every request it sends, a redirect it follows
        itself (``follow_redirects=True``) included, goes to one of the collector's hosts."""

        async def guard(request: httpx.Request) -> None:
            self.check_host(collector, str(request.url))

        return guard

    def _spacing(self, collector: Collector) -> Any:
        """A request hook of the platform's client: spacing counts from when each request leaves (a
        redirect followed by the client included), not from when its turn came."""
        limiter = self.limiter(collector)

        async def spacing(request: httpx.Request) -> None:
            limiter.sent()

        return spacing

    def _load_cookies(self, platform: str) -> http.cookiejar.CookieJar | None:
        path = self.settings.cookie_file(platform)
        if path is None:
            return None
        _warn_if_shared(path)
        jar = http.cookiejar.MozillaCookieJar(str(path))
        try:
            jar.load(ignore_discard=True, ignore_expires=False)
        except (OSError, http.cookiejar.LoadError) as exc:
            raise ConfigError(
                f"cannot read the {platform} cookie file {path}: {type(exc).__name__}. "
                "Export it again in Netscape cookies.txt format."
            ) from None
        for cookie in jar:
            register_secret(cookie.value)
        return jar

    def check_host(self, collector: Collector, url: str) -> None:
        """Refuse any URL that is not https/http on one of the collector's declared hosts."""
        from .collectors.base import host_matches

        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme not in ("https", "http") or parts.username or parts.password:
            raise UnsupportedURL(f"refusing to fetch {parts.scheme}://{host}: not a plain web link")
        try:
            seen_by_httpx = httpx.URL(url).host
        except (httpx.InvalidURL, ValueError):
            seen_by_httpx = None
        if not _PLAIN_HOST.fullmatch(host) or seen_by_httpx != host:  # "evil.example\.bilibili.com", "%2f", …
            raise UnsupportedURL(f"refusing to fetch {host!r}: not a plain host name")
        if not host_matches(host, collector.hosts):
            raise UnsupportedURL(f"refusing to fetch {host}: not a {collector.platform} host")

    def cookie(self, collector: Collector, name: str) -> str | None:
        """The value of cookie ``name`` in the platform's jar (from cookies.txt or set by a response)."""
        for cookie in self._client(collector).cookies.jar:
            if cookie.name == name and cookie.value:
                return cookie.value
        return None

    def set_cookie(self, collector: Collector, name: str, value: str, domain: str) -> None:
        """Put an anonymous cookie (Douyin ``ttwid``, Weibo visitor ``SUB``) in the platform's jar.

        The value is registered as a secret: it never appears in messages or logs.
        """
        register_secret(value)
        self._client(collector).cookies.set(name, value, domain=domain)

    async def get(
        self,
        collector: Collector,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        follow_redirects: bool = False,
    ) -> RawResponse:
        """GET ``url`` for ``collector`` and return the response as received (any status).

        Raises:
            UnsupportedURL: the host is not one the collector declares.
            NetworkError: no usable answer after the retries (connection, timeout, 5xx).
            RateLimited: HTTP 429 that persisted, or asked to wait longer than ``max_retry_wait``.
        """
        return await self.request(
            collector, "GET", url, params=params, headers=headers, follow_redirects=follow_redirects
        )

    async def post(
        self,
        collector: Collector,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> RawResponse:
        """POST a form (``data``) or a JSON body (``json``); same guarantees and errors as :meth:`get`.

        Used only for anonymous-session handshakes (Douyin ``ttwid``, Weibo visitor cookies).
        """
        return await self.request(collector, "POST", url, params=params, headers=headers, data=data, json=json)

    async def request(
        self,
        collector: Collector,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json: Any = None,
        follow_redirects: bool = False,
    ) -> RawResponse:
        """Send one request for ``collector`` (host allowlist, politeness, retries) and return the
        response as received, any status. ``RawResponse.cookies`` holds the cookies it set.

        Raises:
            UnsupportedURL: the host is not one the collector declares.
            NetworkError: no usable answer after the retries (connection, timeout, 5xx).
            RateLimited: HTTP 429 that persisted, or asked to wait longer than ``max_retry_wait``.
        """
        from .collectors.base import RawResponse

        self.check_host(collector, url)
        limiter = self.limiter(collector)
        client = self._client(collector)
        merged = {**collector.request_headers(), **(headers or {})}
        host = urlsplit(url).hostname or url
        max_wait = self.settings.max_retry_wait

        backoff = wait_random_exponential(multiplier=self.settings.retry_backoff, max=max_wait)

        def wait(state: RetryCallState) -> float:
            """Retry-After when the server said it (429), else exponential backoff with full jitter."""
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, _Transient) and isinstance(exc.error, RateLimited) and exc.error.retry_after:
                return min(exc.error.retry_after, max_wait)
            return float(backoff(state)) if self.settings.retry_backoff > 0 else 0.0

        async def attempt() -> RawResponse:
            async with limiter.semaphore:
                await limiter.wait_turn()
                try:
                    response = await client.request(
                        method,
                        url,
                        params=params,
                        headers=merged,
                        data=data,
                        json=json,
                        follow_redirects=follow_redirects,
                    )
                except httpx.TimeoutException as exc:
                    raise _Transient(
                        NetworkError(f"{host} did not answer within {self.settings.timeout:g} s ({type(exc).__name__})")
                    ) from None
                except httpx.TransportError as exc:
                    if _name_not_resolved(exc):  # offline or no DNS: retrying within the run only costs time
                        raise NetworkError(
                            f"could not resolve {host} (no network or DNS): check the internet connection "
                            "or proxy settings"
                        ) from None
                    raise _Transient(
                        NetworkError(
                            f"could not reach {host} ({type(exc).__name__}): check the internet connection "
                            "or proxy settings"
                        )
                    ) from None
                except httpx.HTTPError as exc:  # invalid URL and the like: our bug or bad input
                    raise NetworkError(f"request to {host} failed ({type(exc).__name__})") from None
            if self.pages is not None:
                for received in (*response.history, response):
                    self.pages.write(
                        collector.platform,
                        method,
                        str(received.url),
                        received.status_code,
                        received.headers.multi_items(),
                        received.content,
                    )
            status = response.status_code
            if status == 429:
                retry_after = retry_after_seconds(response.headers.get("retry-after"))
                error = RateLimited(
                    f"{host} says too many requests (HTTP 429); try again later",
                    http_status=429,
                    retry_after=retry_after,
                )
                if retry_after is not None and retry_after > max_wait:
                    raise error
                raise _Transient(error)
            if status >= 500:
                raise _Transient(NetworkError(f"{host} server error (HTTP {status})", http_status=status))
            return RawResponse(
                status=status,
                url=str(response.url),
                body=response.content,
                headers={k.lower(): v for k, v in response.headers.items() if k.lower() != "set-cookie"},
                cookies=_set_cookies(response),
            )

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.retries + 1),
            wait=wait,
            retry=retry_if_exception_type(_Transient),
            reraise=True,
        )
        try:
            async for attempt_state in retrying:
                with attempt_state:
                    return await attempt()
        except _Transient as exc:
            raise exc.error from None
        raise AssertionError("unreachable")  # pragma: no cover


_RESOLVE_FAILURES = ("name or service not known", "temporary failure in name resolution", "nodename nor servname")


def _name_not_resolved(exc: BaseException) -> bool:
    """Whether a transport error is a failed host-name lookup (``socket.gaierror`` anywhere in its chain)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return True
        if any(marker in str(current).lower() for marker in _RESOLVE_FAILURES):
            return True
        current = current.__cause__ or current.__context__
    return False


def _set_cookies(response: httpx.Response) -> dict[str, str]:
    """Name → value of the cookies a response sets (kept out of ``headers``; values are secrets)."""
    out: dict[str, str] = {}
    for line in response.headers.get_list("set-cookie"):
        name, sep, rest = line.partition("=")
        if sep and name.strip():
            value = rest.split(";", 1)[0].strip()
            if value:
                register_secret(value)
                out[name.strip()] = value
    return out


class SecretFileWarning(UserWarning):
    """A file holding secrets (a cookies.txt) can be read by other users of the machine."""


def _warn_if_shared(path: Path) -> None:
    """Warn (once per file) when a cookie file is readable by group or others: it holds logins."""
    if os.name != "posix":
        return
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # reading it reports the problem
    if mode & 0o077:
        warnings.warn(
            f"cookie file {path} is readable by other users of this machine; it holds your logins: "
            f"run `chmod 600 {path}`",
            SecretFileWarning,
            stacklevel=3,
        )
