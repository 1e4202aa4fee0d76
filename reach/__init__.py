"""reach: track the reach of public-service video campaigns across social platforms.

Public API (stable)::

    reach.Tracker(db=None)          add / collect / report / posts / record / import_file
    reach.parse_count(text)         "1.2万" -> Count(12000, approximate, 1000, "1.2万")
    reach.identify(text)            URL or share text -> PostRef (offline)
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

from .errors import (
    AuthRequired,
    Blocked,
    CollectError,
    ConfigError,
    DatabaseBusy,
    InputError,
    NeedsResolution,
    NetworkError,
    NotFound,
    NotSupported,
    ParseError,
    RateLimited,
    ReachError,
    StoreWriteError,
    Unavailable,
    UnsupportedURL,
)
from .models import (
    METRIC_NAMES,
    Count,
    CountKind,
    Metrics,
    Outcome,
    OutcomeStatus,
    ParsedPost,
    PostRef,
    RunSummary,
    Snapshot,
)

if TYPE_CHECKING:
    from .counts import parse_count
    from .tracker import Tracker
    from .urls import identify

_LAZY = {"Tracker": "tracker", "identify": "urls", "parse_count": "counts"}
"""Imported on first use, so that ``reach --help`` does not load DuckDB, httpx and the report code."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AuthRequired",
    "Blocked",
    "CollectError",
    "ConfigError",
    "Count",
    "CountKind",
    "DatabaseBusy",
    "InputError",
    "METRIC_NAMES",
    "Metrics",
    "NeedsResolution",
    "NetworkError",
    "NotFound",
    "NotSupported",
    "Outcome",
    "OutcomeStatus",
    "ParseError",
    "ParsedPost",
    "PostRef",
    "RateLimited",
    "ReachError",
    "RunSummary",
    "Snapshot",
    "StoreWriteError",
    "Tracker",
    "Unavailable",
    "UnsupportedURL",
    "__version__",
    "identify",
    "parse_count",
]
