"""The collector registry: one module per platform, listed here.

Adding a platform: write ``reach/collectors/<platform>.py`` with a :class:`~.base.Collector`
subclass, add one line to ``_MODULES``, add fixtures and tests. Registry invariants are tested:
every example URL matches its own collector and no other.
"""

from __future__ import annotations

import importlib
from functools import cache

from ..errors import InputError
from .base import Collector, RawResponse

__all__ = ["Collector", "RawResponse", "all_collectors", "get_collector", "platforms"]

# platform key -> "module:ClassName"
_MODULES: dict[str, str] = {
    "bilibili": "bilibili:BilibiliCollector",
    "douyin": "douyin:DouyinCollector",
    "kuaishou": "kuaishou:KuaishouCollector",
    "tiktok": "tiktok:TiktokCollector",
    "toutiao": "toutiao:ToutiaoCollector",
    "wechat_channels": "wechat_channels:WechatChannelsCollector",
    "wechat_mp": "wechat_mp:WechatMpCollector",
    "weibo": "weibo:WeiboCollector",
    "xiaohongshu": "xiaohongshu:XiaohongshuCollector",
    "youtube": "youtube:YoutubeCollector",
}


def platforms() -> list[str]:
    """The platform keys `reach` has a collector for, sorted."""
    return sorted(_MODULES)


@cache
def get_collector(platform: str) -> Collector:
    """The collector of ``platform``.

    Raises:
        InputError: no collector for that platform.
    """
    key = platform.strip().lower()
    if key not in _MODULES:
        raise InputError(f"unknown platform {platform!r}: use one of {', '.join(platforms())}")
    module_name, class_name = _MODULES[key].split(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    collector: Collector = getattr(module, class_name)()
    return collector


def all_collectors() -> list[Collector]:
    """Every registered collector, in platform order."""
    return [get_collector(p) for p in platforms()]
