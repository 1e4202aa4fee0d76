"""``reach collect --write-pages DIR``: keep every response the collectors fetched, for debugging a
platform whose pages changed (like yt-dlp's ``--write-pages``).

Each response becomes ``<platform>_<post_id>_<n>.<ext>`` (``n`` counts the requests made for that post,
from 1; ``ext`` from the content type: json, html, js, xml, txt or bin) and ``<same name>.meta.json``::

    {"platform": "bilibili", "post_id": "BV1J442187uv", "method": "GET", "status": 200,
     "url": "https://api.bilibili.com/x/web-interface/view?bvid=BV1J442187uv",
     "time": "2026-06-20T08:00:00+00:00", "headers": {"content-type": "application/json"}}

Secrets never reach these files: request cookies and headers are not saved; ``Set-Cookie`` headers
are left out; credential query parameters (``key=``, ``access_token=``, ``xsec_token=``, …) are
masked in every URL (``key=***``); and every secret `reach` knows (cookie values, API keys, the
values of those parameters) is replaced by ``***`` in the body and headers, in whatever spelling the
platform echoed it. Files are created 0600 and a new ``DIR`` 0700.
"""

from __future__ import annotations

import contextvars
import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path

from .errors import InputError
from .redact import private_dir, private_file, redact, register_secret, scrub_url, secret_params

CURRENT_POST: contextvars.ContextVar[str] = contextvars.ContextVar("reach_current_post", default="")
"""The post id the running collector task is fetching for (set by the engine; names dump files)."""

_EXTENSIONS = (("json", "json"), ("html", "html"), ("javascript", "js"), ("xml", "xml"), ("text/", "txt"))
_KEEP_HEADERS = ("content-type", "location", "retry-after", "date", "server", "x-cache")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _extension(content_type: str) -> str:
    content_type = content_type.lower()
    for needle, ext in _EXTENSIONS:
        if needle in content_type:
            return ext
    return "bin"


def _safe_name(text: str, limit: int = 80) -> str:
    return (_UNSAFE.sub("_", text).strip("._") or "unknown")[:limit]


class PageDump:
    """Write fetched responses to a folder (see the module docstring).

    Args:
        folder: where the files go; created (0700) when missing.

    Raises:
        InputError: ``folder`` exists and is not a folder, or cannot be created.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).expanduser()
        try:
            private_dir(self.folder)
        except OSError as exc:
            raise InputError(
                f"--write-pages {folder}: cannot use it as a folder ({exc.strerror or exc}); "
                "give a new or existing folder"
            ) from None
        self._count: dict[str, int] = {}
        self.written: list[Path] = []

    def write(
        self,
        platform: str,
        method: str,
        url: str,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        *,
        post_id: str | None = None,
        request_url: str | None = None,
    ) -> Path | None:
        """Save one response; returns the body file's path (``None`` when it could not be written:
        a debugging aid never fails a collection)."""
        for value in secret_params(request_url or url) + secret_params(url):
            register_secret(value)  # an xsec_token the page echoes is masked like a cookie
        for name, value in headers:
            if name.lower() == "set-cookie":
                register_secret(value.partition("=")[2].split(";", 1)[0].strip())
        post = _safe_name(post_id if post_id is not None else CURRENT_POST.get() or "request")
        stem = f"{_safe_name(platform, 40)}_{post}"
        kept = {k.lower(): v for k, v in headers if k.lower() in _KEEP_HEADERS}
        if "location" in kept:
            kept["location"] = scrub_url(kept["location"])
        ext = _extension(kept.get("content-type", ""))
        text = body.decode("utf-8", errors="surrogateescape")
        clean = redact(text).encode("utf-8", errors="surrogateescape")
        meta = {
            "platform": platform,
            "post_id": post_id if post_id is not None else CURRENT_POST.get() or None,
            "method": method,
            "status": status,
            "url": scrub_url(url),
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "headers": {k: redact(v) for k, v in kept.items()},
        }
        if meta["post_id"] is not None:
            meta["post_id"] = redact(str(meta["post_id"]))
        try:
            path, meta_path = self._free_names(stem, ext)
            with os.fdopen(private_file(path, new=True), "wb") as fh:
                fh.write(clean)
            with os.fdopen(private_file(meta_path, new=True), "w", encoding="utf-8") as fh:
                json.dump(meta, fh, ensure_ascii=False, indent=1)
                fh.write("\n")
        except OSError:
            return None
        self.written.append(path)
        return path

    def _free_names(self, stem: str, ext: str) -> tuple[Path, Path]:
        """The next ``stem_N.ext`` and its ``.meta.json`` that do not exist yet (an earlier run's
        files are kept)."""
        while True:
            n = self._count.get(stem, 0) + 1
            self._count[stem] = n
            path = self.folder / f"{stem}_{n}.{ext}"
            meta_path = path.with_name(path.name + ".meta.json")
            if not os.path.lexists(path) and not os.path.lexists(meta_path):
                return path, meta_path
