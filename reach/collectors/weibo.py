"""Collector for https://weibo.com/ posts. (Skeleton: being written.)"""

from __future__ import annotations

import re

from ..errors import NotSupported
from ..models import ParsedPost
from .base import Collector, RawResponse


class WeiboCollector(Collector):
    platform = "weibo"
    version = "1"
    hosts = ("weibo.com", "weibo.cn")
    patterns = (re.compile(r"^https?://m\.weibo\.cn/status/(?P<id>\d{16})"),)
    example_urls = ("https://m.weibo.cn/status/5000000000000001",)

    def canonical_url(self, post_id: str) -> str:
        return "https://m.weibo.cn/status/5000000000000001"

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        raise NotSupported("weibo is not implemented yet")
