"""Property tests for identity: no crash on any text, id conversions round-trip, links survive share texts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reach import identify
from reach.collectors.bilibili import av_to_bv, bv_to_av
from reach.errors import ReachError

CJK = st.text(alphabet=st.sampled_from("禁毒宣传对毒品说NO青春【】！，。 #🔥\u200b"), max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_identify_never_crashes(text: str) -> None:
    try:
        ref = identify(text)
    except ReachError:
        return
    assert ref.post_id and ref.platform in ("bilibili", "youtube")


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=(1 << 51) - 1))
def test_av_bv_round_trip(aid: int) -> None:
    bvid = av_to_bv(aid)
    assert bvid.startswith("BV1") and len(bvid) == 12 and bv_to_av(bvid) == aid


@settings(max_examples=200, deadline=None)
@given(CJK, CJK, st.integers(min_value=1, max_value=(1 << 51) - 1), st.booleans())
def test_link_is_found_inside_share_text(before: str, after: str, aid: int, use_av: bool) -> None:
    bvid = av_to_bv(aid)
    link = f"https://m.bilibili.com/video/{f'av{aid}' if use_av else bvid}?share_source=copy"
    assert identify(f"{before} {link} {after}").post_key == f"bilibili:{bvid}"


@settings(max_examples=200, deadline=None)
@given(CJK, st.from_regex(r"[0-9A-Za-z_-]{10}[AEIMQUYcgkosw048]", fullmatch=True))
def test_youtube_ids_survive(before: str, video_id: str) -> None:
    assert identify(f"{before} https://youtu.be/{video_id}?si=x").post_id == video_id


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[0-9A-Za-z_-]{11}", fullmatch=True))
def test_every_spelling_of_a_youtube_id_has_one_key(video_id: str) -> None:
    key = identify(f"https://www.youtube.com/watch?v={video_id}").post_id
    assert key[:10] == video_id[:10] and identify(f"https://youtu.be/{key}").post_id == key
