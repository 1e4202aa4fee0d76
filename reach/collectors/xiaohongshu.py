"""Collector for https://www.xiaohongshu.com/ posts. (Skeleton: being written.)"""

from __future__ import annotations

import re

from ..errors import NotSupported
from ..models import ParsedPost
from .base import Collector, RawResponse


class XiaohongshuCollector(Collector):
    platform = "xiaohongshu"
    version = "1"
    hosts = ("xiaohongshu.com",)
    patterns = (re.compile(r"^https?://(?:www\.)?xiaohongshu\.com/explore/(?P<id>[0-9a-f]{24})"),)
    example_urls = ("https://www.xiaohongshu.com/explore/65f0a1b2000000001203abcd",)

    def canonical_url(self, post_id: str) -> str:
        return "https://www.xiaohongshu.com/explore/65f0a1b2000000001203abcd"

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        raise NotSupported("xiaohongshu is not implemented yet")
