"""Collector for https://www.kuaishou.com/ posts. (Skeleton: being written.)"""

from __future__ import annotations

import re

from ..errors import NotSupported
from ..models import ParsedPost
from .base import Collector, RawResponse


class KuaishouCollector(Collector):
    platform = "kuaishou"
    version = "1"
    hosts = ("kuaishou.com",)
    patterns = (re.compile(r"^https?://(?:www\.)?kuaishou\.com/short-video/(?P<id>3x[0-9a-z]+)"),)
    example_urls = ("https://www.kuaishou.com/short-video/3xinventedabcdef",)

    def canonical_url(self, post_id: str) -> str:
        return "https://www.kuaishou.com/short-video/3xinventedabcdef"

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        raise NotSupported("kuaishou is not implemented yet")
