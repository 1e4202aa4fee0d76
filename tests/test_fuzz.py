"""Every collector's ``parse`` on random and mutated responses: a ParsedPost with well-formed counts,
or a documented CollectError. Never another exception, never a negative or non-int count."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reach.collectors import all_collectors, get_collector
from reach.collectors.base import RawResponse
from reach.errors import CollectError
from reach.models import METRIC_NAMES, Count, ParsedPost

from .conftest import FIXTURES, samples_dir

PLATFORMS = [c.platform for c in all_collectors()]


def _seeds(platform: str) -> list[bytes]:
    """Our fixtures, plus the recorded samples when REACH_SAMPLES is set (bodies only)."""
    folders = [FIXTURES / platform]
    root = samples_dir()
    if root is not None:
        folders.append(root / platform)
    out: list[bytes] = []
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                body = path.is_file() and not path.name.endswith((".source.txt", ".tsv"))
                if body and path.stat().st_size < 2_000_000:
                    out.append(path.read_bytes())
    return out or [b"{}"]


SEEDS = {p: _seeds(p) for p in PLATFORMS}


def _check(result: ParsedPost, platform: str) -> None:
    assert result.platform == platform
    assert isinstance(result.post_id, str)
    for name in (*METRIC_NAMES, *result.metrics.extra):
        count = result.metrics.get(name)
        if count is None:
            continue
        assert isinstance(count, Count)
        assert count.value is None or (type(count.value) is int and count.value >= 0), (name, count)
        assert type(count.granularity) is int and count.granularity >= 1
    assert result.published_at is None or result.published_at.utcoffset() is not None


def _parse(platform: str, body: bytes, status: int, post_id: str | None) -> None:
    collector = get_collector(platform)
    raw = RawResponse(status=status, url=collector.canonical_url(post_id or "unknown"), body=body)
    try:
        result = collector.parse(raw, post_id)
    except CollectError:
        return
    _check(result, platform)


_JUNK = [b"null", b"-1", '"1.2万"'.encode(), b"{", b"]", b"9" * 30, b"\\u0000", b"undefined", b"NaN"]


@st.composite
def mutated(draw: st.DrawFn, platform: str) -> bytes:
    seed = draw(st.sampled_from(SEEDS[platform]))
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        op = draw(st.sampled_from(["cut", "flip", "insert", "truncate", "digits"]))
        at = draw(st.integers(0, len(data) - 1))
        if op == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(_JUNK))
        elif op == "truncate":
            del data[at:]
        else:  # rewrite a run of digits: counters change, structure stays
            data[at:at] = str(draw(st.integers(-(10**20), 10**20))).encode()
    return bytes(data)


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_mutated_responses(platform: str, data: st.DataObject) -> None:
    body = data.draw(mutated(platform))
    status = data.draw(st.sampled_from([200, 200, 200, 302, 403, 404, 429, 500]))
    _parse(platform, body, status, None)


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=40, deadline=None)
@given(body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_random_bytes(platform: str, body: bytes) -> None:
    _parse(platform, body, 200, None)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**25), 10**25) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=30,
)


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=40, deadline=None)
@given(value=JSONISH)
def test_random_json(platform: str, value: object) -> None:
    _parse(platform, json.dumps(value).encode(), 200, None)


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("body", [b"https://www.example.com/x", b"page.html", b"<", b"\xff\xfe", b"   "])
def test_bodies_that_look_like_urls_or_nothing(platform: str, body: bytes) -> None:
    """BeautifulSoup warns on markup that looks like a URL or a file name; with warnings as errors
    (pytest here, -W error in a cron job) that must still be a clean outcome."""
    _parse(platform, body, 200, None)
