"""Collector for https://channels.weixin.qq.com/ posts. (Skeleton: being written.)"""

from __future__ import annotations

import re

from ..errors import NotSupported
from ..models import ParsedPost
from .base import Collector, RawResponse


class WechatChannelsCollector(Collector):
    platform = "wechat_channels"
    version = "1"
    hosts = ("weixin.qq.com",)
    patterns = (re.compile(r"^https?://weixin\.qq\.com/sph/(?P<id>\w+)"),)
    example_urls = ("https://weixin.qq.com/sph/AbCdEf123",)

    def canonical_url(self, post_id: str) -> str:
        return "https://weixin.qq.com/sph/AbCdEf123"

    def parse(self, raw: RawResponse, post_id: str | None = None) -> ParsedPost:
        raise NotSupported("wechat_channels is not implemented yet")
