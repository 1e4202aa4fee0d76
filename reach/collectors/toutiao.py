"""Collector for https://www.toutiao.com/ posts. (Skeleton: being written.)"""

from __future__ import annotations

import re

from ..errors import NotSupported
from ..models import ParsedPost
from .base import Collector, RawResponse


class ToutiaoCollector(Collector):
    platform = "toutiao"
    version = "1"
    hosts = ("toutiao.com", "ixigua.com")
    patterns = (re.compile(r"^https?://(?:www\.)?toutiao\.com/video/(?P<id>\d{19})"),)
    example_urls = ("https://www.toutiao.com/video/7400000000000000001/",)

    def canonical_url(self, post_id: str) -> str:
        return "https://www.toutiao.com/video/7400000000000000001/"

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        raise NotSupported("toutiao is not implemented yet")
