"""Collector for https://www.tiktok.com/ posts. (Skeleton: being written.)"""

from __future__ import annotations

import re

from ..errors import NotSupported
from ..models import ParsedPost
from .base import Collector, RawResponse


class TiktokCollector(Collector):
    platform = "tiktok"
    version = "1"
    hosts = ("tiktok.com",)
    patterns = (re.compile(r"^https?://(?:www\.)?tiktok\.com/@[\w.-]+/video/(?P<id>\d{19})"),)
    example_urls = ("https://www.tiktok.com/@invented/video/7400000000000000001",)

    def canonical_url(self, post_id: str) -> str:
        return "https://www.tiktok.com/@invented/video/7400000000000000001"

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        raise NotSupported("tiktok is not implemented yet")
