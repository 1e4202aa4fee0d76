"""A loopback replay server for the benchmarks, and the httpx transports that send reach's requests to it.

The server (run in its own process: ``python bench/replay.py --latency 0.05``) listens on 127.0.0.1 only,
answers every request after ``latency`` seconds with a body in the platform's real shape (built by the
offline demo's :class:`reach.demo.DemoPlatforms`, for any post id asked), and keeps connections alive. It
prints its port on the first line of stdout and stops when its stdin closes (so it never outlives the
benchmark).

:class:`LoopbackTransport` (async, for reach's :class:`~reach.http.Http`) and :class:`SyncLoopbackTransport`
(for a plain ``httpx.Client``) rewrite each request's URL to ``http://127.0.0.1:<port>`` and carry the
original URL in a header. The async one also logs, per original host, when each request started and
finished: the politeness figures (minimum gap between request starts, most requests in flight) come from it.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

ORIGINAL_URL = "x-bench-original-url"


# -- server ----------------------------------------------------------------------------------------


def _handler() -> Any:
    """The demo's platform simulator, answering for any post id (numbers derived from the id)."""
    from reach.demo import DemoPlatforms, DemoPost

    class AnyPost(dict[str, Any]):
        def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
            if not key:
                return default
            if key not in self:
                seed = int(hashlib.blake2b(key.encode(), digest_size=6).hexdigest(), 16)
                self[key] = DemoPost(
                    link="",
                    platform="",
                    post_id=key,
                    title=f"benchmark post {key}",
                    author="示范县公安局",
                    final_views=10_000 + seed % 5_000_000,
                    tau=1.0 + (seed % 30) / 10,
                    like_rate=0.05,
                    comment_rate=0.004,
                    share_rate=0.006,
                    favorite_rate=0.01,
                    published=datetime(2026, 6, 20, tzinfo=timezone.utc) - timedelta(hours=seed % 48),
                )
            return dict.get(self, key, default)

        def __getitem__(self, key: str) -> Any:
            return self.get(key)

    handler = DemoPlatforms()
    handler.day = 2
    handler.by_id = AnyPost()
    return handler


async def _serve(latency: float) -> None:
    handler = _handler()
    loop = asyncio.get_running_loop()

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                arrived = loop.time()
                url = headers.get(ORIGINAL_URL, f"http://127.0.0.1{target}")
                response = handler(httpx.Request(method, url, headers=headers, content=body))
                await asyncio.sleep(latency - (loop.time() - arrived))  # the answer leaves `latency` after the ask
                content = response.content
                out = [f"HTTP/1.1 {response.status_code} {response.reason_phrase}"]
                for name, value in response.headers.multi_items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        out.append(f"{name}: {value}")
                out.append(f"Content-Length: {len(content)}")
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("utf-8") + content)
                await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(connection, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    stop = asyncio.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(stop.set)), daemon=True).start()
    async with server:
        await stop.wait()


# -- client side -----------------------------------------------------------------------------------


def _rewrite(request: httpx.Request, port: int, content: bytes) -> httpx.Request:
    url = request.url
    headers = httpx.Headers(request.headers)
    headers[ORIGINAL_URL] = str(url)
    headers["host"] = f"127.0.0.1:{port}"
    target = httpx.URL(scheme="http", host="127.0.0.1", port=port, raw_path=url.raw_path)
    return httpx.Request(request.method, target, headers=headers, content=content)


class LoopbackTransport(httpx.AsyncBaseTransport):
    """Send every request to the replay server; log start/end times per original host."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inner: dict[str, httpx.AsyncHTTPTransport] = {}  # one pool per original host, as without the bench
        self.log: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self.requests: list[tuple[str, str, bytes]] = []
        self.record = False
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        content = await request.aread()
        if self.record:
            self.requests.append((request.method, str(request.url), content))
        host = request.url.host
        if host not in self.inner:  # plain http to 127.0.0.1: no certificates to load
            self.inner[host] = httpx.AsyncHTTPTransport(verify=False)
        response = await self.inner[host].handle_async_request(_rewrite(request, self.port, content))
        await response.aread()
        self.log[request.url.host].append((started, time.monotonic()))
        return response

    async def aclose(self) -> None:  # shared by every platform's client: close once
        if not self._closed:
            self._closed = True
            for inner in self.inner.values():
                await inner.aclose()


class SyncLoopbackTransport(httpx.BaseTransport):
    def __init__(self, port: int) -> None:
        self.port = port
        self.inner = httpx.HTTPTransport(verify=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(_rewrite(request, self.port, request.read()))

    def close(self) -> None:
        self.inner.close()


def politeness(log: dict[str, list[tuple[float, float]]]) -> dict[str, tuple[int, float, int]]:
    """Per host: (requests, minimum gap between two request starts in seconds, most requests in flight)."""
    out = {}
    for host, spans in log.items():
        starts = sorted(s for s, _ in spans)
        gap = min((b - a for a, b in zip(starts, starts[1:], strict=False)), default=float("inf"))
        events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans], key=lambda e: (e[0], e[1]))
        peak = level = 0
        for _, step in events:
            level += step
            peak = max(peak, level)
        out[host] = (len(spans), gap, peak)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.05)
    asyncio.run(_serve(parser.parse_args().latency))
