"""Tests for :mod:`reach.counts`: the example table, the edge cases and property tests."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reach.counts import (
    _COUNTER_STEMS,
    _HINTS,
    _PREFIX_UNITS,
    _SAFE_SHORT_WORDS,
    _TIME_WORDS,
    _WORD_UNITS,
    format_count,
    parse_count,
    parse_live_count,
)
from reach.models import Count, CountKind

E = CountKind.EXACT
A = CountKind.APPROXIMATE
L = CountKind.LOWER_BOUND

MAX_N = 10**13

# (input, value, kind, granularity)
EXAMPLES: list[tuple[str, int, CountKind, int]] = [
    # plain and grouped digits
    ("6418", 6418, E, 1),
    ("523", 523, E, 1),
    ("0", 0, E, 1),
    ("1,093,517", 1093517, E, 1),
    ("274 105 362", 274105362, E, 1),
    ("274\u00a0105\u00a0362", 274105362, E, 1),
    ("274\u202f105\u202f362", 274105362, E, 1),
    ("274\u2009105\u2009362", 274105362, E, 1),
    ("1'234'567", 1234567, E, 1),
    ("1\u2019234\u2019567", 1234567, E, 1),
    ("1.234 Aufrufe", 1234, E, 1),
    ("123.456", 123456, E, 1),
    ("1.234.567", 1234567, E, 1),
    ("12,34,567 views", 1234567, E, 1),
    ("3,045,612,907 views", 3045612907, E, 1),
    ("9,007,199,254,740,993", 9007199254740993, E, 1),  # 2^53 + 1 stays exact
    ("1,234 views", 1234, E, 1),
    ("like this video along with 1,234 other people", 1234, E, 1),
    ("播放次數：4821", 4821, E, 1),
    ("播放次数:4821", 4821, E, 1),
    ("Rp3,202", 3202, E, 1),
    ("316.0", 316, E, 1),
    # cleaned-up text: full width, bidi marks, zero-width characters, other digits
    ("１２３４", 1234, E, 1),
    ("１，２３４", 1234, E, 1),
    ("\u200e1,234\u200f", 1234, E, 1),
    ("\ufeff\u2066523\u2069", 523, E, 1),
    ("  6418\n", 6418, E, 1),
    ("١٢٣٤", 1234, E, 1),
    # magnitudes
    ("1.2万", 12000, A, 1000),
    ("１．２万", 12000, A, 1000),
    ("2万", 20000, A, 10000),
    ("113.70万", 1137000, A, 100),
    ("4.35亿", 435000000, A, 1000000),
    ("4.35億", 435000000, A, 1000000),
    ("1.2萬", 12000, A, 1000),
    ("3千", 3000, A, 1000),
    ("1.2千万", 12000000, A, 1000000),
    ("1.2w", 12000, A, 1000),
    ("1.2W", 12000, A, 1000),
    ("2.6亿次观看", 260000000, A, 10000000),
    ("903万次观看", 9030000, A, 10000),
    ("1.1万人", 11000, A, 1000),
    ("RM15.00万", 150000, A, 100),
    ("Rp5221.61万", 52216100, A, 100),
    ("1,234万", 12340000, A, 10000),
    ("1.234万", 12340, A, 10),
    ("조회수 25억회", 2500000000, A, 100000000),
    ("1.2만회", 12000, A, 1000),
    ("50K views • 10 years ago", 50000, A, 1000),
    ("1.2K", 1200, A, 100),
    ("1.1 k", 1100, A, 100),
    ("1.1kk", 1100000, A, 100000),
    ("3.4M", 3400000, A, 100000),
    ("has 10M views", 10000000, A, 1000000),
    ("1.5 million views", 1500000, A, 100000),
    ("2.1B", 2100000000, A, 100000000),
    ("2.1 bn", 2100000000, A, 100000000),
    ("1,2 Mio.", 1200000, A, 100000),
    ("1,2 Mio", 1200000, A, 100000),
    ("3 Mrd.", 3000000000, A, 1000000000),
    ("1,5 mn", 1500000, A, 100000),
    ("2,4 bi de visualizações", 2400000000, A, 100000000),
    ("1.2 lakh", 120000, A, 10000),
    ("3 crore", 30000000, A, 10000000),
    ("\u202b2.8 ارب بار چلائے گئے", 2800000000, A, 100000000),
    ("15 mil visualizaciones", 15000, A, 1000),
    ("1,2 mil M de visualizaciones", 1200000000, A, 100000000),
    ("1,2 тыс. просмотров", 1200, A, 100),
    ("1,234 Mio.", 1234000, A, 1000),
    ("1.234 Mio.", 1234000000, A, 1000000),
    ("12 B görüntüleme", 12000, A, 1000),
    ("1,2 M x ditonton", 1200000000, A, 100000000),
    ("约1.2万", 12000, A, 1000),
    # lower bounds
    ("10万+", 100000, L, 10000),
    ("100+", 100, L, 1),
    ("100000+", 100000, L, 1),
    ("1.2万+", 12000, L, 1000),
    ("10w+", 100000, L, 10000),
    ("1M+ views", 1000000, L, 1000000),
    ("100万以上", 1000000, L, 10000),
    ("100万回以上", 1000000, L, 10000),
    ("1万多次播放", 10000, L, 10000),
    ("more than 1,000 views", 1000, L, 1),
    ("over 1M views", 1000000, L, 1000000),
    ("超过10万", 100000, L, 10000),
    # zero
    ("No views", 0, E, 1),
    ("No likes", 0, E, 1),
    ("No comments", 0, E, 1),
    ("No shares", 0, E, 1),
    ("No plays", 0, E, 1),
    ("No reactions", 0, E, 1),
    ("no views yet", 0, E, 1),
    ("No views • 2 days ago", 0, E, 1),
    ("无播放", 0, E, 1),
    ("暂无播放", 0, E, 1),
    ("暂无评论", 0, E, 1),
    ("0讨论 0阅读", 0, E, 1),
    # the first number is the count; dates, durations, hashtags and episodes are skipped
    ("3天前 1.2万", 12000, A, 1000),
    ("#2024 1.2万", 12000, A, 1000),
    ("第12集 3456次播放", 3456, E, 1),
    ("2024-01-01 1,234 views", 1234, E, 1),
    ("5m ago · 1,234 views", 1234, E, 1),
    ("v2 1,234 views", 1234, E, 1),
    # other scripts and languages
    ("1.2 लाख व्यूज़", 120000, A, 10000),
    ("1.2 แสน ครั้ง", 120000, A, 10000),
    ("1.2 ألف مشاهدة", 1200, A, 100),
    ("12 млн просмотров", 12000000, A, 1000000),
    ("1,2 Tr lượt xem", 1200000, A, 100000),
    ("1.2 M de vues", 1200000, A, 100000),
    # magnitude words of more languages, in any script (an unknown one would make the reading unsafe)
    ("12 triệu lượt xem", 12000000, A, 1000000),
    ("1,2 triệu lượt xem", 1200000, A, 100000),
    ("12 nghìn lượt xem", 12000, A, 1000),
    ("3 tỷ lượt xem", 3000000000, A, 1000000000),
    ("12 juta x ditonton", 12000000, A, 1000000),
    ("12 ribu x ditonton", 12000, A, 1000),
    ("1,5 miliar x ditonton", 1500000000, A, 100000000),
    ("12 tūkst.", 12000, A, 1000),
    ("1,2 tūkst. peržiūrų", 1200, A, 100),
    ("12 ათ.", 12000, A, 1000),
    ("1,2 მლნ ნახვა", 1200000, A, 100000),
    ("12 ஆயிரம்", 12000, A, 1000),
    ("1.2 லட்சம் பார்வைகள்", 120000, A, 10000),
    ("12 mila visualizzazioni", 12000, A, 1000),
    ("12 тысяч просмотров", 12000, A, 1000),
    ("12 ezer megtekintés", 12000, A, 1000),
    # counter words of any script after a unit-less number
    ("12 ნახვა", 12, E, 1),
    ("1,234 ครั้ง", 1234, E, 1),
    ("1,234回視聴", 1234, E, 1),
    ("1,234회", 1234, E, 1),
    ("12 x ditonton", 12, E, 1),
    ("1,234 (views)", 1234, E, 1),
    # Chinese and Korean magnitude forms
    ("5百次播放", 500, A, 100),
    ("5百万", 5000000, A, 1000000),
    ("3百亿", 30000000000, A, 10000000000),
    ("3千万", 30000000, A, 10000000),
    ("1亿2345万", 123450000, A, 10000),
    ("1亿3千万", 130000000, A, 10000000),
    ("1万5千", 15000, A, 1000),
    ("1억2345만", 123450000, A, 10000),
    ("1亿2345万次播放", 123450000, A, 10000),
    ("1亿2345万+", 123450000, L, 10000),
    ("1万5", 10000, A, 10000),  # colloquially 15000: not added, but the granularity covers it
    ("10多万", 100000, L, 10000),
    ("10余万次播放", 100000, L, 10000),
    ("3千多万", 30000000, L, 10000000),
    ("10多次", 10, L, 1),
    # a bare number before a labelled one is not the count
    ("No. 1 1,000 views", 1000, E, 1),
    ("№ 3 1.2万", 12000, A, 1000),
    ("2023 1,000 views", 1000, E, 1),
    ("Top 10 1,000 views", 1000, E, 1),
    ("2023 1.2万次播放", 12000, A, 1000),
    ("12 views 3 likes", 12, E, 1),
    ("12 3天前", 12, E, 1),
    # zero phrases fill a whole segment
    ("No views yet", 0, E, 1),
    ("No comments yet.", 0, E, 1),
    ("暂无评论，快来抢沙发", 0, E, 1),
    ("评论：暂无评论", 0, E, 1),
]

NONE_INPUTS: list[object] = [
    # placeholders: an unshown count is never 0
    "",
    " ",
    "--",
    "-",
    "—",
    "N/A",
    "n/a",
    "Recommended for you",
    "很多",
    "No items",
    "暂无数据",
    "十万+",
    # live counters are not views
    "1,234 watching now",
    "19 waiting",
    "正在观看",
    "人正在看",
    "1.2万人正在看",
    # never guess
    "1.5",
    "1,5",
    "1.2.3",
    "1,234K",  # 1.234 K or 1234 K?
    "1,2 B",  # billion, or Turkish "bin" (thousand)?
    "1,2 mil. zhlédnutí",  # Czech million vs Spanish thousand
    "12 rb",  # unknown abbreviation (Indonesian thousand)
    "1,2 Tr",
    "50Kviews",
    "1.23456万",
    "about 1,234",
    "less than 100",
    "under 1K",
    "不足1万",
    "近10万",
    "<100",
    "-5",
    "−1,234",
    "95%",
    "10 years ago",
    "3:45",
    "BV1xx411c7mD",
    "1" * 40,
    # a word right after the number that is neither a known unit nor a counter word: maybe a magnitude
    "12 tysięcy wyświetleń",  # Polish thousands (not in our tables)
    "12 ஆ பார்வைகள்",  # Tamil abbreviation of thousand
    "12 kuti",
    "12 fantastic views",
    "1,234 (triệu)",  # a unit is never read across a bracket
    "12 만화",  # 만 is a unit, 만화 is another word
    "12元",
    "10多天",
    # Chinese compound units that do not fit
    "1.5亿2000万",
    "1亿12345万",
    "1万2万",
    # two numbers and nothing tells which is the count
    "2023 • 1,000 views",
    "2023 1000",
    "1,234 • 56 likes",
    "Views 12 | Likes 3",
    "No. 5",
    # a counter not shown is not zero
    "暂无播放数据",
    "无评论权限",
    "No comments allowed",
    "评论已关闭",
    "Comments are turned off",
    "No views allowed here",
    "无播放权限",
    # non-numbers and bad numbers
    None,
    True,
    False,
    -1,
    -0.5,
    3.5,
    float("nan"),
    float("inf"),
    float("-inf"),
    2.0**60,
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("1.5"),
    Decimal("-3"),
    Decimal("1e100"),
    b"123",
    [1],
    {"views": 1},
    object(),
    Fraction(3, 1),
    complex(3, 0),
]


@pytest.mark.parametrize(("text", "value", "kind", "granularity"), EXAMPLES)
def test_examples(text: str, value: int, kind: CountKind, granularity: int) -> None:
    assert parse_count(text) == Count(value, kind, granularity, text)


@pytest.mark.parametrize("text", NONE_INPUTS, ids=repr)
def test_no_count(text: object) -> None:
    assert parse_count(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (6418, 6418),
        (2**31 + 1, 2**31 + 1),
        (2**53 + 1, 2**53 + 1),
        (10**30, 10**30),
        (316.0, 316),
        (0.0, 0),
        (-0.0, 0),
        (2.0**53, 2**53),
        (Decimal("1234"), 1234),
        (Decimal("1234.000"), 1234),
    ],
)
def test_numbers_are_exact_with_no_raw(value: object, expected: int) -> None:
    count = parse_count(value)
    assert count == Count(expected, E, 1, None)
    assert type(count.value) is int if count else False


def test_raw_is_the_original_string() -> None:
    text = "\u200e1.2万\u200f "
    count = parse_count(text)
    assert count is not None and count.raw == text and count.value == 12000


def test_decimal_maths_is_exact() -> None:
    for text, value in [("4.35亿", 435000000), ("0.29亿", 29000000), ("1.13万", 11300), ("8.7M", 8700000)]:
        count = parse_count(text)
        assert count is not None and count.value == value


@pytest.mark.parametrize("text", ["1:" * 50000, "a" * 100000 + "1", "9" * 100000, "1." * 50000, "no " * 30000])
def test_long_texts_are_fast_and_safe(text: str) -> None:
    assert parse_count(text) is None


def test_lower_bound_has_no_ceiling() -> None:
    count = parse_count("10万+")
    assert count is not None and count.low == 100000 and count.high is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234 watching now", ("concurrent_viewers", Count(1234, E, 1, "1,234 watching now"))),
        ("19 waiting", ("waiting", Count(19, E, 1, "19 waiting"))),
        ("1.2万人正在看", ("concurrent_viewers", Count(12000, A, 1000, "1.2万人正在看"))),
        ("正在观看", None),
        ("1,234 views", None),
        ("在看 12", None),  # WeChat's "在看" button is not a live audience
        (None, None),
        (12, None),
    ],
)
def test_parse_live_count(text: object, expected: tuple[str, Count] | None) -> None:
    assert parse_live_count(text) == expected


def _all_units() -> set[str]:
    units = set(_WORD_UNITS) | set(_PREFIX_UNITS)
    for _, extra in _HINTS:
        units |= set(extra)
    return {u.rstrip(".") for u in units}


def test_no_counter_word_starts_like_a_unit() -> None:
    """A counter stem that started a magnitude word would read "12 <magnitude>" as 12."""
    for stem in _COUNTER_STEMS:
        for unit in _all_units():
            assert not unit.startswith(stem), (stem, unit)


def test_wechat_zai_kan_is_not_live() -> None:
    assert parse_count("在看 12") == Count(12, E, 1, "在看 12")


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (0, "0", "0"),
        (9999, "9,999", "9,999"),
        (10000, "1万", "10,000"),
        (12345, "1.23万", "12,345"),
        (12355, "1.23万", "12,355"),  # cut, never rounded up
        (99999, "9.99万", "99,999"),  # not "10万": a milestone not reached is never shown as reached
        (120000, "12万", "120,000"),
        (1137000, "113.7万", "1,137,000"),
        (99995000, "9999.5万", "99,995,000"),
        (99999999, "9999.99万", "99,999,999"),
        (100000000, "1亿", "100,000,000"),
        (435000000, "4.35亿", "435,000,000"),
        (3045612907, "30.45亿", "3,045,612,907"),
    ],
)
def test_format_count(value: int, zh: str, en: str) -> None:
    assert format_count(value) == zh
    assert format_count(value, "zh-CN") == zh
    assert format_count(value, "en") == en


def test_format_count_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        format_count(-1)
    with pytest.raises(ValueError):
        format_count(1, "fr")
    with pytest.raises(TypeError):
        format_count(True)
    with pytest.raises(TypeError):
        format_count(1.5)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------------

SETTINGS = settings(max_examples=300, deadline=None)

COUNT_CHARS = st.sampled_from(
    list("0123456789.,' +-:/#%kKmMbBwW万萬亿億千만억次人以上多約约第集") + ["\u00a0", "\u202f", "\u200e", "１", "．"]
)


WORD_CHARS = st.sampled_from(
    list(
        "abcdefghijklmnopqrstuvwxyzàáâãäåçèéêëìíîïñòóôõöùúûüýÿąćęłńśźżăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
    )
    + list("абвгдежзийклмнопрстуфхцчшщъыьэюяαβγδεζηθικλμνξοπρστυφχψω")
    + list("აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ")
    + list("அஆஇஈஉஊஎஏஐஒஓகஙசஞடணதநபமயரலவழளறன\u0bbe\u0bbf\u0bc0\u0bc1\u0bcd")
    + list("कखगघचछजझटठडढणतथदधनपफबभमयरलवशसह\u093e\u093f\u0940\u094d")
)


@SETTINGS
@given(st.text(WORD_CHARS, min_size=1, max_size=8))
def test_an_unknown_word_after_a_number_is_unsafe(word: str) -> None:
    """Rule 8: "12 <word>" is read only when <word> is a unit, a counter, a time or a neutral word."""
    count = parse_count(f"12 {word}")
    units = _all_units()
    known = (
        word.startswith(_COUNTER_STEMS) or word.rstrip(".") in units or word in _TIME_WORDS or word in _SAFE_SHORT_WORDS
    )
    if not known:
        assert count is None, word


@SETTINGS
@given(st.text())
def test_never_raises_on_text(text: str) -> None:
    count = parse_count(text)
    assert count is None or (isinstance(count.value, int) and count.value >= 0 and count.granularity >= 1)
    parse_live_count(text)


@SETTINGS
@given(st.text(COUNT_CHARS, max_size=20) | st.text(max_size=5).map(lambda s: "1.2" + s + "万 " + s))
def test_never_raises_on_count_like_text(text: str) -> None:
    count = parse_count(text)
    assert count is None or (isinstance(count.value, int) and count.value >= 0 and count.raw == text)


@SETTINGS
@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.decimals(),
        st.fractions(),
        st.complex_numbers(),
        st.binary(),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
        st.builds(object),
    )
)
def test_never_raises_on_objects(value: object) -> None:
    count = parse_count(value)
    assert count is None or (count.kind is E and isinstance(count.value, int) and count.value >= 0)
    assert parse_live_count(value) is None


def _group(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


def _indian(n: int) -> str:
    digits = str(n)
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs: list[str] = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *pairs, tail])


EXACT_FORMATS: list[Callable[[int], str]] = [
    str,
    lambda n: f"{n:,}",
    lambda n: _group(n, " "),
    lambda n: _group(n, "\u00a0"),
    lambda n: _group(n, "\u202f"),
    lambda n: _group(n, "\u2009"),
    lambda n: _group(n, "'"),
    lambda n: _group(n, "."),
    _indian,
    lambda n: f"{n:,} views",
    lambda n: f"{_group(n, '.')} Aufrufe",
    lambda n: f"{_group(n, chr(0xA0))} vues",
    lambda n: f"播放次数：{n}",
    lambda n: f"{n}次播放",
    lambda n: f"like this video along with {n:,} other people",
    lambda n: f"{n:,} views • 3 years ago",
    lambda n: "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in f"{n:,}"),
]


@SETTINGS
@given(st.integers(0, MAX_N), st.sampled_from(range(len(EXACT_FORMATS))))
def test_exact_formats_round_trip(n: int, which: int) -> None:
    text = EXACT_FORMATS[which](n)
    assert parse_count(text) == Count(n, E, 1, text)


# (exponent, suffix, decimal separator)
UNITS = [
    (3, "K", "."),
    (3, "k", "."),
    (3, " k", ","),
    (6, "M", "."),
    (6, " M", ","),
    (9, "B", "."),
    (4, "万", "."),
    (8, "亿", "."),
    (4, "萬", "."),
    (8, "億", "."),
    (4, "만", "."),
    (8, "억", "."),
    (4, "w", "."),
    (5, " lakh", "."),
    (7, " crore", "."),
    (6, " Mio.", ","),
    (9, " Mrd.", ","),
    (6, " mi", ","),
    (9, " bi", ","),
    (3, " mil", ","),
    (3, " тыс.", ","),
]


def _with_unit(n: int, exponent: int, decimals: int, rounding: bool) -> tuple[int, str, str]:
    """``n`` in units of ``10**exponent`` with ``decimals`` decimals: (integer part, decimals)."""
    step = 10 ** (exponent - decimals)
    scaled = (n + step // 2) // step if rounding else n // step
    whole, frac = divmod(scaled, 10**decimals)
    return scaled * step, str(whole), str(frac).zfill(decimals) if decimals else ""


@SETTINGS
@given(
    st.integers(0, MAX_N),
    st.sampled_from(UNITS),
    st.integers(0, 2),
    st.booleans(),
    st.sampled_from(["", " views", "次观看", " de visualizações"]),
)
def test_approximate_formats_hold_the_true_value(
    n: int, unit: tuple[int, str, str], decimals: int, rounding: bool, words: str
) -> None:
    exponent, suffix, decimal_sep = unit
    shown, whole, frac = _with_unit(n, exponent, decimals, rounding)
    text = whole + (decimal_sep + frac if frac else "") + suffix + words
    count = parse_count(text)
    assert count is not None, text
    assert count.kind is A and count.value == shown and count.granularity == 10 ** (exponent - decimals)
    assert count.low is not None and count.high is not None
    assert count.low <= n <= count.high, text


def _bilibili(n: int) -> str:
    """bilibili/douyin style: exact below 10^4, then 1 decimal of 万 (truncated), 2 decimals of 亿."""
    if n < 10**4:
        return str(n)
    if n < 10**8:
        return f"{n // 10**4}.{n // 10**3 % 10}万"
    return f"{n // 10**8}.{n // 10**6 % 100:02d}亿"


def _youtube(n: int) -> str:
    """YouTube style: exact below 1000, then 3 significant digits at most, truncated."""
    for exponent, unit in ((9, "B"), (6, "M"), (3, "K")):
        if n >= 10**exponent:
            whole = n // 10**exponent
            if whole < 10:
                return f"{whole}.{n // 10 ** (exponent - 1) % 10}{unit} views"
            return f"{whole}{unit} views"
    return f"{n} views"


@SETTINGS
@given(st.integers(0, MAX_N), st.sampled_from([_bilibili, _youtube]))
def test_platform_formats_hold_the_true_value(n: int, fmt: Callable[[int], str]) -> None:
    text = fmt(n)
    count = parse_count(text)
    assert count is not None and count.low is not None and count.high is not None, text
    assert count.low <= n <= count.high, text
    if count.is_exact:
        assert count.value == n


@SETTINGS
@given(st.integers(0, MAX_N), st.sampled_from([(4, "万"), (3, "K"), (0, "")]))
def test_lower_bounds_never_exceed_the_true_value(n: int, unit: tuple[int, str]) -> None:
    exponent, suffix = unit
    text = f"{n // 10**exponent}{suffix}+"
    count = parse_count(text)
    assert count is not None and count.kind is L and count.value is not None
    assert count.value <= n and count.value == n // 10**exponent * 10**exponent


@SETTINGS
@given(st.integers(0, MAX_N), st.sampled_from(["zh", "en"]))
def test_format_count_reads_back(n: int, lang: str) -> None:
    text = format_count(n, lang)
    count = parse_count(text)
    assert count is not None and count.value is not None, text
    assert count.value <= n < count.value + count.granularity, text  # cut, never rounded up
    if lang == "en" or n < 10_000:
        assert count == Count(n, E, 1, text)


@SETTINGS
@given(st.floats(min_value=0, max_value=2.0**53))
def test_integral_floats_are_exact(value: float) -> None:
    count = parse_count(value)
    if value.is_integer():
        assert count == Count(int(value), E, 1, None)
    else:
        assert count is None
    assert not math.isnan(value)
