"""Collector for https://mp.weixin.qq.com/ posts. (Skeleton: being written.)"""

from __future__ import annotations

import re

from ..errors import NotSupported
from ..models import ParsedPost
from .base import Collector, RawResponse


class WechatMpCollector(Collector):
    platform = "wechat_mp"
    version = "1"
    hosts = ("mp.weixin.qq.com",)
    patterns = (re.compile(r"^https?://mp\.weixin\.qq\.com/s/(?P<id>[\w-]{22})"),)
    example_urls = ("https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv",)

    def canonical_url(self, post_id: str) -> str:
        return "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOpQrStUv"

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        raise NotSupported("wechat_mp is not implemented yet")
