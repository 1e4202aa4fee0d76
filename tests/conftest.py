"""Shared fixtures: a clean environment, the recorded samples, mock transports."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reach.config import Settings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads the user's config, cookies or database: REACH_* unset, home and XDG dirs private."""
    for var in list(os.environ):
        if var.startswith("REACH_") and var != "REACH_SAMPLES":
            monkeypatch.delenv(var, raising=False)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    yield


def samples_dir() -> Path | None:
    """``REACH_SAMPLES`` (the platforms' recorded responses). Set but missing is an error, loudly."""
    value = os.environ.get("REACH_SAMPLES")
    if not value:
        return None
    path = Path(value)
    if not path.is_dir():
        raise RuntimeError(f"REACH_SAMPLES={value} is set but is not a folder")
    return path


@pytest.fixture
def samples() -> Path:
    path = samples_dir()
    if path is None:
        pytest.skip("REACH_SAMPLES not set (CI sets it to ../shared/samples)")
    return path


def fixture_bytes(platform: str, name: str) -> bytes:
    return (FIXTURES / platform / name).read_bytes()


@pytest.fixture
def fast_settings() -> Settings:
    """Settings with no politeness delays or retry waits, and a fake YouTube key."""
    return Settings(
        timezone="Asia/Shanghai",
        youtube_api_key="test-key-SECRET",
        min_interval={"*": 0.0},
        retry_backoff=0.0,
        lock_timeout=1.0,
    )


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body, ensure_ascii=False).encode(), headers=headers)


def bili_view(bvid: str, views: Any = 1000, title: str = "对毒品说NO，对青春说YES") -> dict[str, Any]:
    """A bilibili x/web-interface/view answer in the real shape (invented values)."""
    return {
        "code": 0,
        "message": "0",
        "ttl": 1,
        "data": {
            "bvid": bvid,
            "title": title,
            "pubdate": 1781917200,
            "owner": {"name": "示范县公安局"},
            "stat": {"view": views, "like": 10, "reply": 2, "share": 1, "favorite": 3, "coin": 4, "danmaku": 5},
        },
    }
