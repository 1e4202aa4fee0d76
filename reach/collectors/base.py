"""The collector contract: what every platform module declares and implements.

A collector has two halves:

* ``fetch`` / ``fetch_batch``: the only I/O, through :class:`reach.http.Http`; returns
  :class:`RawResponse` objects (status, final URL, headers, body) exactly as received.
* ``parse(raw, post_id)``: a **pure** function over a saved response. It reads the platform's error
  envelope *before* any counter and raises a :class:`~reach.errors.CollectError` subclass for every
  error outcome; it returns a :class:`~reach.models.ParsedPost` only for a real success. A counter
  the response does not carry is ``None`` (with a warning), never 0.

Identity is offline: :meth:`Collector.match` turns a URL into a :class:`~reach.models.PostRef`
using the class's ``patterns`` (each with a named ``id`` group) and :meth:`Collector.normalize_id`.
Short links are resolved by :meth:`Collector.resolve`, which follows redirects only inside
``redirect_hosts`` (default ``hosts``); a platform varies it through the resolution hooks
(:meth:`Collector.check_landing`, :meth:`Collector.post_from_page`, :meth:`Collector.refuse_redirect`,
:meth:`Collector.classify_dead_end`) instead of copying the loop.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from ..errors import CollectError, NeedsResolution, ParseError, UnsupportedURL
from ..models import ParsedPost, PostRef

if TYPE_CHECKING:
    from ..config import Settings
    from ..http import Http


@dataclass(frozen=True)
class RawResponse:
    """An HTTP response as received, before any interpretation.

    Attributes:
        status: HTTP status code.
        url: the final URL (after any redirect the collector followed).
        body: the raw bytes.
        headers: response headers (lower-case names), without ``set-cookie``.
        cookies: cookies the response set (name → value); never saved, never printed.
    """

    status: int
    url: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; :class:`~reach.errors.ParseError` when it is empty or not JSON."""
        if not self.body.strip():
            raise ParseError(f"empty response body (HTTP {self.status}) from {_host(self.url)}")
        try:
            return json.loads(self.body)
        except ValueError as exc:
            snippet = self.text.strip()[:80].replace("\n", " ")
            raise ParseError(
                f"expected JSON from {_host(self.url)} but got something else (HTTP {self.status}): {snippet!r}"
            ) from exc


REDIRECTS = (301, 302, 303, 307, 308)
"""HTTP statuses that send a client elsewhere (``Location``)."""


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def host_matches(host: str, allowed: Sequence[str]) -> bool:
    """Whether ``host`` is one of ``allowed`` or a subdomain of one (``m.bilibili.com``)."""
    host = host.lower().rstrip(".")
    return any(host == a or host.endswith("." + a) for a in allowed)


class Collector:
    """Base class of every platform collector. Subclasses set the class attributes below.

    Attributes:
        platform: lowercase key (``"bilibili"``), also the module name.
        version: bumped when parsing changes; stored in each snapshot's ``source``.
        hosts: every host (and its subdomains) this collector may request or recognise.
        short_link_hosts: hosts whose links need a redirect to find the post id.
        patterns: URL regexes with a named ``id`` group, tried in order.
        example_urls: URLs that must match this collector and no other (tested).
        cookie_names: cookies the collector can use when the user provides a cookies.txt.
        min_interval: seconds between two requests to this platform (politeness).
        max_concurrency: requests in flight at once to this platform.
        batch_size: posts one request can answer (YouTube Data API: 50).
        zone: the IANA zone the platform shows local times in (``Asia/Shanghai`` for Chinese
            platforms): relative and zone-less publication times are read in it.
        block_threshold: consecutive ``blocked`` outcomes after which a collection run stops asking
            this platform (Douyin: 1, never hammer a 403).
        max_redirects: redirects :meth:`resolve` follows before giving up.
        redirect_hosts: hosts (and subdomains) a short link may redirect to; empty (the default)
            means ``hosts``. Douyin narrows it to its page hosts (not the cookie handshake host).
        post_noun: what messages call a post (``"TikTok post"``, ``"xiaohongshu note"``); empty
            (the default) means ``"<platform> post"``.

    Short-link resolution (:meth:`resolve`) is one loop for every platform: for each URL of the
    chain (the pasted link first, then each redirect target) it

    1. identifies the URL with :meth:`match`; a URL naming a post ends resolution. When ``match``
       raises :class:`~reach.errors.NeedsResolution`, the URL it carries (``NeedsResolution.url``,
       e.g. a short link with pasted share text trimmed) is the one requested;
    2. calls ``check_landing(original_url, current_url) -> PostRef | None`` before any request:
       raise the :class:`~reach.errors.CollectError` (or
       :class:`~reach.errors.UnsupportedURL`) a known dead-end URL stands for (login wall,
       ``/404?…``, captcha, profile, home page), or return a ``PostRef`` when the URL names the post
       in a parameter (a login page's ``redirect_url``); ``None`` (the default) goes on;
    3. refuses a URL already requested (a redirect loop), then GETs it without following redirects;
    4. on a redirect, follows the target only within ``redirect_hosts``; another host raises
       :class:`~reach.errors.UnsupportedURL` with the message of
       ``refuse_redirect(original_url, target) -> str``;
    5. on HTTP 200, asks ``post_from_page(raw, url) -> str | None`` (``url``: the URL requested) for
       the post id the page names (default ``None``); the fetch parameters come from
       :meth:`fetch_params` of that URL. The hook may raise the outcome of an error page;
    6. otherwise calls ``classify_dead_end(raw)``, which raises the outcome of an error page (default:
       HTTP 404 → unavailable), and else raises :class:`~reach.errors.UnsupportedURL`.

    More than ``max_redirects`` redirects raise :class:`~reach.errors.UnsupportedURL`.
    """

    platform: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    hosts: ClassVar[tuple[str, ...]] = ()
    short_link_hosts: ClassVar[tuple[str, ...]] = ()
    patterns: ClassVar[tuple[re.Pattern[str], ...]] = ()
    example_urls: ClassVar[tuple[str, ...]] = ()
    cookie_names: ClassVar[tuple[str, ...]] = ()
    min_interval: ClassVar[float] = 2.0
    max_concurrency: ClassVar[int] = 1
    batch_size: ClassVar[int] = 1
    max_redirects: ClassVar[int] = 5
    block_threshold: ClassVar[int] = 3
    zone: ClassVar[str] = "UTC"
    redirect_hosts: ClassVar[tuple[str, ...]] = ()
    post_noun: ClassVar[str] = ""

    @property
    def source(self) -> str:
        """``"<platform>@<version>"``: stored with every snapshot this collector makes."""
        return f"{self.platform}@{self.version}"

    # -- identity (offline) -------------------------------------------------------------------

    def match(self, url: str) -> PostRef | None:
        """The post a URL names, or ``None`` when it is not one of this platform's post URLs.

        Raises:
            NeedsResolution: the URL is a short link of this platform.
        """
        for pattern in self.patterns:
            m = pattern.search(url)
            if m:
                post_id = self.normalize_id(m.group("id"))
                if post_id is None:
                    continue
                return PostRef(self.platform, post_id, url=url, params=self.fetch_params(url))
        host = _host(url)
        if self.short_link_hosts and host_matches(host, self.short_link_hosts):
            raise NeedsResolution(url, self.platform)
        return None

    def normalize_id(self, raw_id: str) -> str | None:
        """Turn the matched id into the canonical post id (``None``: not a valid id after all)."""
        return raw_id

    def fetch_params(self, url: str) -> dict[str, str]:
        """Fetch parameters carried in a URL that are not identity (share tokens, parts)."""
        return {}

    def canonical_url(self, post_id: str) -> str:
        """The public page of a post, for people to click in reports."""
        raise NotImplementedError

    # -- I/O ---------------------------------------------------------------------------------

    async def resolve(self, http: Http, url: str) -> PostRef:
        """Follow a short link's redirects (only within ``redirect_hosts``) and identify the target.

        The loop and its hooks are described in the class docstring; platforms implement the hooks,
        not this method.

        Raises:
            UnsupportedURL: the chain leaves the platform's hosts, loops, is too long or ends on no post.
            CollectError: the chain ends on an error page or a known dead end (blocked, not found).
        """
        current = url
        seen: set[str] = set()
        for _ in range(self.max_redirects + 1):
            try:
                ref = self.match(current)
            except NeedsResolution as exc:
                ref, current = None, exc.url
            if ref is None:
                ref = self.check_landing(url, current)
            if ref is not None:
                return PostRef(self.platform, ref.post_id, url=url, params=ref.params)
            if current in seen:
                raise UnsupportedURL(f"{url} redirects in a loop; not followed")
            seen.add(current)
            raw = await http.get(self, current, follow_redirects=False)
            location = raw.headers.get("location")
            if raw.status in REDIRECTS and location:
                nxt = http.join_url(current, location)
                if not host_matches(urlsplit(nxt).hostname or "", self.redirect_hosts or self.hosts):
                    raise UnsupportedURL(self.refuse_redirect(url, nxt))
                current = nxt
                continue
            if raw.status == 200:
                post_id = self.post_from_page(raw, current)
                if post_id is not None:
                    return PostRef(self.platform, post_id, url=url, params=self.fetch_params(current))
            self.classify_dead_end(raw)
            noun = self.post_noun or f"{self.platform} post"
            raise UnsupportedURL(f"{url} did not lead to a {noun} (HTTP {raw.status})")
        raise UnsupportedURL(f"{url}: more than {self.max_redirects} redirects; not followed")

    def check_landing(self, original_url: str, current_url: str) -> PostRef | None:
        """Look at a URL of a short link's chain that names no post, before it is requested.

        Args:
            original_url: the link being resolved (for messages).
            current_url: the URL about to be requested (the link itself or a redirect target).

        Returns:
            The post when the URL names it in a parameter (a login page's ``redirect_url``), else
            ``None`` (the default): the URL is requested.

        Raises:
            CollectError: the URL is a known dead end (a login wall → blocked, ``/404`` → unavailable).
            UnsupportedURL: the URL is a page that is not a post (a profile, the home page).
        """
        return None

    def post_from_page(self, raw: RawResponse, url: str) -> str | None:
        """The post id a page answered with HTTP 200 (instead of a redirect) names, or ``None``
        (the default): the page is then classified by :meth:`classify_dead_end`.

        Args:
            raw: the answer.
            url: the URL requested (``raw.url`` is what the HTTP client made of it).

        Raises:
            CollectError: the page is an error page (captcha, deleted post).
        """
        return None

    def refuse_redirect(self, original_url: str, target: str) -> str:
        """The message of the :class:`~reach.errors.UnsupportedURL` raised when a short link
        redirects outside ``redirect_hosts`` (``target``: the absolute redirect URL, not requested)."""
        return f"{original_url} redirects outside {self.platform} (to {_host(target)}); not followed"

    def classify_dead_end(self, raw: RawResponse) -> None:
        """Raise the right :class:`CollectError` when short-link resolution ends on an error page
        (any answer that is neither a redirect nor a page :meth:`post_from_page` reads); return
        to let :meth:`resolve` raise :class:`~reach.errors.UnsupportedURL`."""
        if raw.status == 404:
            from ..errors import Unavailable

            raise Unavailable("short link leads nowhere (HTTP 404): the post or link no longer exists")

    async def fetch(self, http: Http, ref: PostRef) -> RawResponse:
        """Fetch the response that :meth:`parse` reads for one post."""
        raise NotImplementedError

    async def fetch_batch(
        self, http: Http, refs: Sequence[PostRef]
    ) -> list[tuple[PostRef, RawResponse | CollectError]]:
        """Fetch several posts; one failure never hides the others' responses.

        The default fetches one by one. Collectors whose API answers many ids per request
        (``batch_size > 1``) override this and hand the same response to each ref.
        """
        out: list[tuple[PostRef, RawResponse | CollectError]] = []
        for ref in refs:
            try:
                out.append((ref, await self.fetch(http, ref)))
            except CollectError as exc:
                out.append((ref, exc))
        return out

    def default_interval(self, settings: Settings) -> float:
        """Seconds between two requests by default (a collector whose route depends on a setting,
        like YouTube's API key, overrides this). ``min_interval`` in the config wins over it."""
        return self.min_interval

    def request_headers(self) -> dict[str, str]:
        """Headers this platform needs on every request (User-Agent, Referer)."""
        return {}

    # -- pure parsing ------------------------------------------------------------------------

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        """Read one post's counters from a saved response. Pure: no I/O, no clock.

        Args:
            raw: the response as fetched (or loaded from a file by ``reach parse``).
            post_id: the post wanted, for responses that can hold several (YouTube batches);
                checked against the response when given.

        Raises:
            CollectError: a subclass naming the outcome (unavailable, blocked, ...).
        """
        raise NotImplementedError
