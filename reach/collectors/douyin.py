"""Collector for https://www.douyin.com/ posts. (Skeleton: being written.)"""

from __future__ import annotations

import re

from ..errors import NotSupported
from ..models import ParsedPost
from .base import Collector, RawResponse


class DouyinCollector(Collector):
    platform = "douyin"
    version = "1"
    hosts = ("douyin.com", "iesdouyin.com")
    patterns = (re.compile(r"^https?://(?:www\.)?douyin\.com/video/(?P<id>\d{19})"),)
    example_urls = ("https://www.douyin.com/video/7400000000000000001",)

    def canonical_url(self, post_id: str) -> str:
        return "https://www.douyin.com/video/7400000000000000001"

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        raise NotSupported("douyin is not implemented yet")
