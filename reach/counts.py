"""Read counts as platforms display them (``"1.2万"``, ``"3.4M views"``, ``"1.234 Aufrufe"``).

The rule above all others: **never produce a wrong number**. When a text can be read two ways and the
two readings give different numbers, :func:`parse_count` returns ``None`` rather than guess.

Public functions
================

* :func:`parse_count` -- a displayed counter (``str``) or a JSON number (``int``/``float``) to a
  :class:`~reach.models.Count`, or ``None`` when the input holds no count.
* :func:`parse_live_count` -- ``"1,234 watching now"`` to ``("concurrent_viewers", Count)``,
  ``"19 waiting"`` to ``("waiting", Count)``.
* :func:`format_count` -- a number for reports, the Chinese way (``"1.23万"``, ``"4.35亿"``) or
  grouped (``"1,234,567"``).

How a text is read
==================

1. **Clean-up.** Bidi and other format characters (U+200E/F, U+202A-E, U+2066-9, U+FEFF, zero-width
   characters: every Unicode category ``Cf`` character) are dropped; full-width forms (``"１２"``,
   ``"，"``, ``"＋"``) become ASCII; every decimal digit of any script (Arabic-Indic, Devanagari, ...)
   becomes ``0-9``; every kind of space (NBSP U+00A0, narrow NBSP U+202F, thin space, U+3000) becomes
   one plain space; ``’`` becomes ``'``; text is case-folded. No NFKC: it would also turn ``"10²"`` into
   ``"102"``. CJK magnitude characters (万, 萬, 亿, 億, 만, 억 ...) are kept as they are.
2. **Which number counts.** Numbers that are plainly not counters are skipped: a time or age
   (``"10 years ago"``, ``"3天前"``), a percentage, a time of day or a date (``"3:45"``,
   ``"2024-01-01"``), a hashtag (``"#2024"``), an ordinal (``"第12集"``, ``"No. 1"``, ``"№ 3"``) or an
   identifier (letters glued before the digits: ``"v2"``; currency prefixes such as ``"Rp3,202"`` and
   ``"RM15.00万"`` are allowed). Of the numbers left, a number is *labelled* when a unit or a counter
   word (rule 8) follows it:

   * The first number is the count when it is labelled (``"50K views • 10 years ago"`` is 50000,
     ``"0讨论 0阅读"`` is 0) or when it is the only number (``"播放次數：4821"``, ``"在看 12"``).
   * A bare first number followed by other numbers is not trusted: the next number is the count when
     it is labelled and only spaces stand between the two (``"2023 1,000 views"`` and
     ``"Top 10 1,000 views"`` are 1000); otherwise nothing tells which number is the count: ``None``
     (``"2023 • 1,000 views"``, ``"2023 1000"``, ``"1,234 • 56 likes"``).
3. **Digits and separators.**

   * ``"6418"`` is exact.
   * Grouping: ``"1,093,517"``, ``"274 105 362"`` (any space), ``"1'234'567"``, ``"1.234.567"``,
     Indian ``"12,34,567"``. Groups after the first must have exactly 3 digits (else ``None``).
   * One ``.`` or ``,`` followed by exactly 3 digits and **no** magnitude unit is a grouping separator:
     ``"1.234 Aufrufe"`` is 1234, ``"123.456"`` is 123456, ``"Rp3,202"`` is 3202.
   * One ``.`` or ``,`` followed by 1, 2 or 4+ digits is a decimal separator: ``"1.2万"``,
     ``"1,2 Mio."``, ``"113.70万"``. Without a unit a decimal is not a count: ``"1.5"`` is ``None``
     (``"316.0"`` and ``"15.00"``, whose decimals are all zero, are exact).
   * One separator followed by exactly 3 digits **and** a unit is read with the unit's convention:
     CJK/Indic/Arabic units use ``.`` for decimals (``"1.234万"`` = 12340, ``"1,234万"`` = 12340000);
     continental units use ``,`` (``"1,234 Mio."`` = 1234000, ``"1.234 Mio."`` = 1234000000); for
     units used in both conventions (``k``, ``M``, ``B``, ``million`` ...) it is ambiguous: ``None``.
   * ``"1,234.5万"`` / ``"1.234,5 Mio."``: the last separator is the decimal one. A mix that
     contradicts the unit's convention is ``None``.

4. **Magnitudes.** 百 (10^2), 千 (10^3), 万/萬/w (10^4), 百万 (10^6), 千万 (10^7), 亿/億 (10^8),
   百亿 (10^10), 千亿 (10^11), 万亿 (10^12); 천 (10^3), 만 (10^4), 억 (10^8); k (10^3),
   kk/m/mn/mio/mi/mln/million (10^6), b/bn/bi/billion/mrd/md/mld/milliard (10^9), lakh (10^5),
   crore (10^7); Vietnamese nghìn/ngàn (10^3), triệu (10^6), tỷ/tỉ (10^9); Indonesian/Malay ribu
   (10^3), juta (10^6), miliar (10^9); Lithuanian tūkst. (10^3); Georgian ათ. (10^3), მლნ (10^6),
   მლრდ (10^9); Tamil ஆயிரம் (10^3), லட்சம் (10^5), கோடி (10^7); the full words of Russian,
   Ukrainian, German, French, Italian, Dutch, Swedish, Danish/Norwegian, Turkish and Hungarian
   (``тысяч``, ``tausend``, ``mila``, ``ezer`` ...); and Russian, Greek, Thai, Hindi, Urdu (ارب,
   10^9), Bengali, Arabic, Persian and Hebrew words. Units of scripts written with spaces (Korean,
   Hindi, Arabic ...) must end their word, or be followed by a counter word (``"25억회"``):
   ``"12 만화"`` is ``None``. Chinese and Korean units written one after the other add up, each
   smaller than the one before: ``"1亿2345万"`` -> (123450000, 10000), ``"1万5千"`` -> (15000, 1000);
   a part that does not fit (``"1亿12345万"``) or a decimal before it (``"1.5亿2000万"``) gives
   ``None``. Digits glued after a unit without a unit of their own (``"1万5"``, colloquially 15000)
   are not added: the first unit's granularity already covers them. A value with a unit is
   ``APPROXIMATE`` with
   ``granularity = unit × 10^-(decimals shown)``: ``"1.2万"`` -> (12000, 1000), ``"2万"`` ->
   (20000, 10000), ``"113.70万"`` -> (1137000, 100), ``"4.35亿"`` -> (435000000, 1000000). The maths is
   done on the digit strings with Python ints, so ``"4.35亿"`` is 435000000, never 434999999. More
   decimals than the unit allows (``"1.23456万"``) give ``None``.
5. **Bounds.** A trailing ``+``, ``以上``, ``多``, ``余`` or ``이상``, a ``多``/``余`` between the number
   and a Chinese unit (``"10多万"`` -> (100000, LOWER_BOUND, 10000)), or a leading ``more than``,
   ``over``, ``at least``, ``超过``/``超``/``逾`` makes a ``LOWER_BOUND`` (``"10万+"`` ->
   (100000, LOWER_BOUND, granularity 10000); ``"100+"`` -> (100, LOWER_BOUND, 1)). The granularity of
   a lower bound is the unit of its last shown digit, as for any other count; it has no effect on
   :attr:`Count.low`/:attr:`Count.high`. Upper bounds and near-misses (``less than``, ``under``,
   ``nearly``, ``不足``, ``不到``, ``近``, ``<``) cannot be expressed by a :class:`Count`: ``None``.
   ``about``/``约``/``~`` before a number with a unit keeps it approximate; before a unit-less number
   they give ``None`` (an "about 1,234" is not exact and has no known granularity).
6. **Zero.** ``"No views"``, ``"No likes"``, ``"No comments"``, ``"No shares"``, ``"No plays"``,
   ``"No reactions"`` (optionally followed by ``yet``; and a few other counters, in English, German,
   French, Spanish and Portuguese), ``"无播放"``, ``"暂无播放"`` (and 暂无/无 + 评论, 点赞, 转发, 分享,
   收藏, 弹幕) and ``"0"`` are ``Count(0, EXACT)``. A zero phrase must fill a whole segment of the
   text: segments are separated by punctuation and symbols (``"No views • 2 days ago"`` and
   ``"暂无评论，快来抢沙发"`` are 0), so a longer phrase that starts like one is not zero
   (``"No comments allowed"``, ``"暂无播放数据"``, ``"无评论权限"``: a counter not shown, ``None``). Any
   other ``"No <word>"`` (``"No items"``), ``"暂无数据"``, ``"评论已关闭"`` and ``"Comments are turned
   off"`` are ``None``.
7. **Live counters are not views.** A text that speaks of a live audience (``"watching"``,
   ``"waiting"``, ``"正在观看"``, ``"人正在看"``, ``"視聴中"`` ...) gives ``None`` from
   :func:`parse_count`; read it with :func:`parse_live_count`. (WeChat's ``"在看"`` button is *not*
   a live counter.)
8. **Unknown words.** The word right after a unit-less number (after spaces, hyphens and opening
   brackets or quotes; in any script) must be a time word (rule 2), a known counter word or one of a
   few neutral words (``x``, ``de``, ``of``, ``and`` ...). Counter words are matched by their stem, in
   about 30 languages: ``views``, ``Aufrufe``, ``visualizações``, ``просмотров``, ``lượt``, 次, 播放,
   观看, 阅读, 讨论, 人, 回, 件, 회, 명, ``ครั้ง`` ... (see ``_COUNTER_STEMS``; a neutral word followed by a
   counter word, as in ``"12 x ditonton"``, labels the number too). Any other word may be a magnitude
   we do not know (``"12 rb"`` without an Indonesian word in the text, ``"1,2 Tr"`` without a
   Vietnamese one, Hungarian ``"1,2 E"``, ``"12 fantastic views"``), so the reading is unsafe:
   ``None``. So is a number glued to a word that starts like a unit (``"50Kviews"``). A word after a
   bracket or quote is never read as a unit (``"12 (triệu)"`` is ``None``).

Ambiguous inputs and the decisions taken
========================================

* ``"N/A"``, ``"--"``, ``"-"``, ``""`` and other placeholders are ``None``. A peer module maps
  ``"N/A"`` and ``"--"`` to 0; we do not, because a count the platform did not show is never 0
  (see :class:`~reach.models.Metrics`: ``None`` = not shown, 0 = shown as zero).
* ``"B"``: billion (English) or *bin* = thousand (Turkish). With a Turkish word in the text
  (``görüntüleme``, ``izlenme``) it is 10^3; with a decimal comma and no such hint (``"1,2 B"``) it is
  ``None``; otherwise 10^9.
* ``"M"``: million, even with a decimal comma (``"1,2 M de vues"``), except in Indonesian texts
  (``ditonton``, ``tayangan``) where it is *miliar* (10^9); ``rb``/``jt`` are then 10^3/10^6.
  Vietnamese texts (``lượt``) read ``N``/``Tr``/``T`` as 10^3/10^6/10^9.
* ``"mil"`` is the Spanish/Portuguese thousand (``"15 mil visualizaciones"`` = 15000; ``"1,2 mil M"``
  = 1.2×10^9); ``"mil."`` (Czech/Romanian million) is ambiguous with it: ``None``.
* The ``"10万+"`` granularity: ``reach.models`` documents it as 1; this module follows the unit of the
  last shown digit (10000), as for approximate counts. Both give the same ``low``/``high``.
* JSON numbers: ``bool`` is not a count; a float must be finite, non-negative, integral and at most
  2^53 (beyond, the float itself may already be rounded); a ``Decimal`` must be finite, non-negative
  and integral. Other types (``bytes``, ``Fraction``, containers) are ``None``.
* More than 30 digits is not a counter: ``None`` (ints stay exact at any size).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from reach.models import Count, CountKind

__all__ = [
    "LIVE_CONCURRENT",
    "LIVE_WAITING",
    "LiveKind",
    "format_count",
    "parse_count",
    "parse_live_count",
]

LiveKind = Literal["concurrent_viewers", "waiting"]
LIVE_CONCURRENT: Final = "concurrent_viewers"
"""Kind returned by :func:`parse_live_count` for people watching a live stream now."""
LIVE_WAITING: Final = "waiting"
"""Kind returned by :func:`parse_live_count` for people waiting for a premiere or a stream."""

_MAX_DIGITS: Final = 30
"""More digits than this is not a counter (and keeps ``int()`` far from its 4300-digit limit)."""
_MAX_EXACT_FLOAT: Final = 2**53
_WINDOW: Final = 32
"""How many characters before a number are looked at for bound words, signs and glued letters."""

# --------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------

_CHAR_MAP: Final[dict[int, str]] = {
    0x3000: " ",  # ideographic space
    0x2018: "'",
    0x2019: "'",  # Swiss grouping often comes out as a right quote
    0x02BC: "'",
    0x066B: ".",  # Arabic decimal separator
    0x066C: ",",  # Arabic thousands separator
    0xFE50: ",",  # small comma
    0xFE52: ".",  # small full stop
    0x2212: "-",  # minus sign
    0x2024: ".",  # one dot leader
}


def _normalise(text: str) -> str:
    """Clean-up step 1 of the module docstring: ASCII digits, one kind of space, no format marks."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII
            ch = chr(code - 0xFEE0)
        elif code in _CHAR_MAP:
            ch = _CHAR_MAP[code]
        category = unicodedata.category(ch)
        if category == "Cf":
            continue
        if category == "Nd":
            ch = str(unicodedata.decimal(ch))
        elif ch.isspace():
            ch = " "
        out.append(ch)
    return re.sub(r" {2,}", " ", "".join(out)).strip().casefold()


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


# --------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------

_DOT: Final = "dot"  # "." is the decimal separator, "," groups (CJK, Indic, Arabic, Thai)
_COMMA: Final = "comma"  # "," is the decimal separator, "." groups (continental Europe, id, tr, vi)
_AMBIGUOUS: Final = "ambiguous"  # used with both conventions (k, M, B, million ...)

# Units written in a script with word spacing (Latin, Greek, Cyrillic, Georgian, Tamil ...): matched as
# whole words (``"1.2m"``, ``"1,2 Mio."``), never as the start of a longer word (``"12 months"`` is not
# 12 million).
_WORD_UNITS: Final[dict[str, tuple[int, str]]] = {
    _nfc(k): v
    for k, v in {
        "k": (3, _AMBIGUOUS),
        "thousand": (3, _AMBIGUOUS),
        "kk": (6, _AMBIGUOUS),
        "m": (6, _AMBIGUOUS),
        "mn": (6, _AMBIGUOUS),
        "million": (6, _AMBIGUOUS),
        "millions": (6, _AMBIGUOUS),
        "b": (9, _AMBIGUOUS),
        "bn": (9, _AMBIGUOUS),
        "billion": (9, _AMBIGUOUS),
        "billions": (9, _AMBIGUOUS),
        "w": (4, _DOT),  # Chinese internet shorthand for 万
        "lakh": (5, _DOT),
        "lakhs": (5, _DOT),
        "lac": (5, _DOT),
        "crore": (7, _DOT),
        "crores": (7, _DOT),
        "cr": (7, _DOT),
        # continental Europe and Latin America
        "mil": (3, _COMMA),  # es/pt thousand; "mil." is rejected (cs/ro million)
        "tsd": (3, _COMMA),
        "tsd.": (3, _COMMA),
        "tys": (3, _COMMA),
        "tys.": (3, _COMMA),
        "tis": (3, _COMMA),
        "tis.": (3, _COMMA),
        "mio": (6, _COMMA),
        "mio.": (6, _COMMA),
        "mi": (6, _COMMA),
        "mln": (6, _COMMA),
        "mln.": (6, _COMMA),
        "milj": (6, _COMMA),
        "milj.": (6, _COMMA),
        "mill": (6, _COMMA),
        "mill.": (6, _COMMA),
        "millones": (6, _COMMA),
        "millón": (6, _COMMA),
        "milhão": (6, _COMMA),
        "milhões": (6, _COMMA),
        "bi": (9, _COMMA),
        "mrd": (9, _COMMA),
        "mrd.": (9, _COMMA),
        "md": (9, _COMMA),
        "md.": (9, _COMMA),
        "mld": (9, _COMMA),
        "mld.": (9, _COMMA),
        "milliard": (9, _COMMA),
        "milliards": (9, _COMMA),
        "milliarden": (9, _COMMA),
        "тыс": (3, _COMMA),
        "тыс.": (3, _COMMA),
        "тис": (3, _COMMA),
        "тис.": (3, _COMMA),
        "млн": (6, _COMMA),
        "млн.": (6, _COMMA),
        "млрд": (9, _COMMA),
        "млрд.": (9, _COMMA),
        "χιλ": (3, _COMMA),
        "χιλ.": (3, _COMMA),
        "εκ": (6, _COMMA),
        "εκ.": (6, _COMMA),
        "δισ": (9, _COMMA),
        "δισ.": (9, _COMMA),
        # full words of other languages (all unambiguous as magnitudes)
        "тысяча": (3, _COMMA),
        "тысячи": (3, _COMMA),
        "тысяч": (3, _COMMA),
        "тисяча": (3, _COMMA),
        "тисячі": (3, _COMMA),
        "тисяч": (3, _COMMA),
        "миллион": (6, _COMMA),
        "миллиона": (6, _COMMA),
        "миллионов": (6, _COMMA),
        "мільйон": (6, _COMMA),
        "мільйона": (6, _COMMA),
        "мільйонів": (6, _COMMA),
        "миллиард": (9, _COMMA),
        "миллиарда": (9, _COMMA),
        "миллиардов": (9, _COMMA),
        "мільярд": (9, _COMMA),
        "мільярда": (9, _COMMA),
        "мільярдів": (9, _COMMA),
        "tausend": (3, _COMMA),
        "millionen": (6, _COMMA),
        "milliarde": (9, _COMMA),
        "mille": (3, _COMMA),
        "milliers": (3, _COMMA),
        "mila": (3, _COMMA),
        "milioni": (6, _COMMA),
        "miliardi": (9, _COMMA),
        "miljoen": (6, _COMMA),
        "miljard": (9, _COMMA),
        "miljon": (6, _COMMA),
        "miljoner": (6, _COMMA),
        "miljarder": (9, _COMMA),
        "tusen": (3, _COMMA),
        "tusind": (3, _COMMA),
        "milyon": (6, _COMMA),
        "milyar": (9, _COMMA),
        # Vietnamese
        "nghìn": (3, _COMMA),
        "ngàn": (3, _COMMA),
        "triệu": (6, _COMMA),
        "tỷ": (9, _COMMA),
        "tỉ": (9, _COMMA),
        # Indonesian and Malay (the abbreviations rb/jt need an Indonesian word in the text, see _HINTS)
        "ribu": (3, _COMMA),
        "juta": (6, _COMMA),
        "miliar": (9, _COMMA),
        # Hungarian ("E"/"M"/"Mrd" abbreviations are not read: "1,2 E" is None)
        "ezer": (3, _COMMA),
        "millió": (6, _COMMA),
        "milliárd": (9, _COMMA),
        # Lithuanian ("mln."/"mlrd." above)
        "tūkst": (3, _COMMA),
        "tūkst.": (3, _COMMA),
        # Georgian
        "ათ": (3, _COMMA),
        "ათ.": (3, _COMMA),
        "ათასი": (3, _COMMA),
        "მლნ": (6, _COMMA),
        "მლნ.": (6, _COMMA),
        "მლრდ": (9, _COMMA),
        "მლრდ.": (9, _COMMA),
        # Tamil
        "ஆயிரம்": (3, _DOT),
        "லட்சம்": (5, _DOT),
        "கோடி": (7, _DOT),
    }.items()
}

_REJECTED_WORD_UNITS: Final = frozenset({"mil."})
"""Units whose meaning depends on the language in a way we cannot tell: the count is ``None``."""

# Language-specific readings, switched on by a word of that language anywhere in the text.
_HINTS: Final[tuple[tuple[tuple[str, ...], dict[str, tuple[int, str]]], ...]] = (
    (("ditonton", "tayangan", "penayangan"), {"rb": (3, _COMMA), "jt": (6, _COMMA), "m": (9, _COMMA)}),
    (
        ("görüntüleme", "izlenme"),
        {"b": (3, _COMMA), "bin": (3, _COMMA), "mn": (6, _COMMA), "mr": (9, _COMMA)},
    ),
    (("lượt",), {"n": (3, _COMMA), "tr": (6, _COMMA), "t": (9, _COMMA)}),
)

# Units in scripts without letter case or word spacing: matched as prefixes (``"903万次观看"``).
_PREFIX_UNITS: Final[dict[str, int]] = {
    _nfc(k): v
    for k, v in {
        "百": 2,
        "千": 3,
        "万": 4,
        "萬": 4,
        "百万": 6,
        "百萬": 6,
        "千万": 7,
        "千萬": 7,
        "亿": 8,
        "億": 8,
        "百亿": 10,
        "百億": 10,
        "千亿": 11,
        "千億": 11,
        "万亿": 12,
        "萬億": 12,
        "천": 3,
        "만": 4,
        "백만": 6,
        "천만": 7,
        "억": 8,
        # Thai
        "พัน": 3,
        "หมื่น": 4,
        "แสน": 5,
        "ล้าน": 6,
        "พันล้าน": 9,
        # Hindi
        "हज़ार": 3,
        "हजार": 3,
        "लाख": 5,
        "करोड़": 7,
        "करोड": 7,
        "अरब": 9,
        # Urdu
        "ہزار": 3,
        "لاکھ": 5,
        "کروڑ": 7,
        "ارب": 9,
        # Arabic
        "ألف": 3,
        "الف": 3,
        "آلاف": 3,
        "مليون": 6,
        "ملايين": 6,
        "مليار": 9,
        # Persian
        "هزار": 3,
        "میلیون": 6,
        "میلیارد": 9,
        # Bengali
        "হাজার": 3,
        "লাখ": 5,
        "কোটি": 7,
        # Hebrew
        "אלף": 3,
        "מיליון": 6,
        "מיליארד": 9,
    }.items()
}
_PREFIX_UNITS_LONGEST_FIRST: Final = tuple(sorted(_PREFIX_UNITS, key=len, reverse=True))

_LETTERS: Final = "a-z\u00c0-\u024f\u1e00-\u1eff\u0370-\u03ff\u0400-\u04ff"


def _no_word_spacing(ch: str) -> bool:
    """Han, kana and Thai: scripts written without spaces between words."""
    code = ord(ch)
    return 0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x0E00 <= code <= 0x0E7F


_SPACED_PREFIX_UNITS: Final = frozenset(k for k in _PREFIX_UNITS if not _no_word_spacing(k[0]))
"""Prefix units of scripts with word spacing (Korean, Hindi, Arabic ...): they must end their word
(``"12 만화"`` is not 120000), unless a counter word or a bound marker is glued to them (``"25억회"``)."""
_COMPOUND_UNITS: Final = frozenset(
    k for k in _PREFIX_UNITS if "\u3400" <= k[0] <= "\u9fff" or "\uac00" <= k[0] <= "\ud7a3"
)
"""Chinese and Korean units, which add up when written one after the other (``"1亿2345万"``)."""
_COMPOUND_PART_RE: Final = re.compile(r"[零〇]?([0-9]+)(?:\.([0-9]+))?")
_MID_BOUNDS: Final = ("多", "余", "餘")
"""Between a number and a Chinese unit, "more than": ``"10多万"`` is at least 100000."""

# A number: space/apostrophe grouping (exactly 3-digit groups), or digits joined by "." and ",".
_NUMBER_RE: Final = re.compile(
    r"(?<![0-9])(?:"
    r"[0-9]{1,3}(?P<g>[ '])[0-9]{3}(?![0-9])(?:(?P=g)[0-9]{3}(?![0-9]))*(?:[.,][0-9]+)?"
    r"|[0-9]+(?:[.,][0-9]+)*"
    r")"
)

# Short words that may follow a count without being a magnitude ("12 x ditonton", "5 de 10"). They do not
# say what is counted: the word after them may ("12 x ditonton").
_SAFE_SHORT_WORDS: Final = frozenset(
    "x de del des du da do di of in on at by and or the for per von van la le les el los il im am "
    "mal vez fan new all total from with out раз".split()
)

# What a counter counts: a word right after a number that starts with one of these is a counter word
# ("1,234 views", "903万次观看", "12 lượt xem"). Any other word there may be a magnitude we do not know
# ("12 triệu", "12 ஆயிரம்"): the reading is unsafe. No stem may start a magnitude word (tested).
_COUNTER_STEMS: Final = tuple(
    _nfc(w)
    for w in (
        # English
        "view play like comment share reaction repl repost retweet quote favo save subscri follow listen "
        "stream read vote download install visit impression click heart member watch wait people person "
        "other time user fans stars upvote point answer post video tweet photo hits clap kudo bookmark "
        "mention review rating student enrol backer supporter signature "
        # German, Dutch, Scandinavian, Finnish
        "aufruf aufgeruf wiedergab kommentar kommentt abonnent zuschauer gefällt antwort reaktion leute "
        "mitglied stimme besucher hörer klick geteilt weergave keer reactie abonnee bekeken visning gånger "
        "ganger gange prenumerant katselu näyttö tykkäy "
        # French, Spanish, Portuguese, Italian, Romanian
        "vue visionnement lecture commentaire abonné partage réaction fois spectateur écoute membre réponse "
        "vista visualiza visualizz vizualiz vizionăr reprodu riprodu comentario comentário comentari "
        "suscriptor seguidor veces vezes persona pessoa respuesta resposta reaccion reação reações curtida "
        "inscrito compartid compartilha oyente volte iscritt ori abona "
        # Polish, Czech, Slovak, Hungarian, Turkish
        "wyświetle odtworze komentarz subskryb polubie osób osoby razy zhlédnutí zobrazení komentář "
        "odběratel lidí krát megtekint hozzászól kedvel alkalommal feliratkoz görüntüle izlenme beğen "
        "yorum abone kez kişi paylaş dinlenme "
        # Indonesian, Malay, Vietnamese
        "ditonton tayangan penayangan kali suka komentar pelanggan orang tontonan dibagikan penonton "
        "pengikut lượt người lần bình "
        # Russian, Ukrainian, Bulgarian, Greek
        "просмотр перегляд раз комментар коментар подписчик підписник лайк отметк оценк человек зрител "
        "глядач прослушиван прослуховуван репост ответ відповід голос слушател показ уподобан "
        "пользовател участник гледания προβολ σχόλι συνδρομητ φορές άτομα "
        # Arabic, Persian, Urdu, Hindi, Bengali, Hebrew, Tamil, Georgian, Thai
        "مشاهد تعليق إعجاب مرة مرات مشترك شخص أشخاص متابع تفاعل بازدید بار نظر لایک دنبال مشترک نفر "
        "ویوز تبصر لائک سبسکرائبر لوگ व्यू बार टिप्पणि लाइक सब्सक्राइबर लोग दृश्य বার ভিউ মন্তব্য লাইক জন "
        "צפי תגוב לייק מנוי אנשים פעמים שיתופ பார்வை முறை கருத்து விருப்ப ნახვ კომენტარ მოწონ "
        "გამომწერ ครั้ง วิว คน การดู ยอดดู ไลค์ ความคิดเห็น การแชร์ ผู้ติดตาม "
        # Japanese, Korean
        "回 件 人 視聴 再生 いいね コメント 票 名 本 枚 ビュー フォロワー 登録者 高評価 "
        "회 명 개 건 번 뷰 조회 좋아요 댓글 공유 구독자 시청 "
        # Chinese
        "次 个 個 条 條 位 播放 观看 觀看 阅读 閱讀 讨论 討論 浏览 瀏覽 赞 讚 点赞 點讚 评论 評論 评 評 "
        "转发 轉發 转 轉 分享 收藏 弹幕 彈幕 粉丝 粉絲 关注 關注 在看 喜欢 喜歡 投币 投幣 硬币 硬幣 "
        "订阅 訂閱 推荐 推薦 热度 熱度 人气 人氣 访问 訪問 点击 點擊 下载 下載 回复 回覆 留言 帖 篇"
    ).split()
)
_JOINERS: Final = " -\u2010\u2011([{\"'\u201c\u00ab\u300c\u300e\u3010\u300a\u3008"
"""Spaces, hyphens and opening brackets/quotes: the word after them still belongs to the number
(``"12 (triệu)"``). A unit is never read across them; an unknown word after them makes the reading unsafe."""

_TIME_WORDS: Final = frozenset(
    (
        "s sec secs second seconds min mins minute minutes h hr hrs hour hours d day days wk wks week weeks "
        "mo mos month months y yr yrs year years ago "
        "sekunde sekunden minute minuten stunde stunden tag tagen tage woche wochen monat monaten "
        "jahr jahren seconde secondes heure heures jour jours semaine semaines mois an ans "
        "segundo segundos minuto minutos hora horas día días dia dias semana semanas mes meses "
        "año años ano anos"
    ).split()
)
# Chinese/Japanese/Korean time, date, percentage, episode and rank markers after a number.
_TIME_RE: Final = re.compile(
    r"秒|分钟|分鐘|分前|小时|小時|時間|天|周(?!边)|週|[个個ヶかカケ]月|月(?![票播])|年(?!度)|日(?![播])|[号號]|"
    r"[点點](?![赞讚击擊])|초|시간|일 ?전|주 ?전|개월|달 ?전|년|%|‰|集|话(?!题)|話(?!題)|期|季|章|[楼樓]"
)
_GLUED_WORD_RE: Final = re.compile(f"[{_LETTERS}]+$")
_ORDINAL_BEFORE_RE: Final = re.compile(r"(?:#|第|(?<![a-z])no\.|nº|n°|№) ?$")
_CURRENCY_PREFIXES: Final = frozenset(
    "rp rm rs us usd hk hkd nt ntd idr myr inr php thb vnd krw jpy cny rmb eur gbp sgd aud cad".split()
)
"""Letters that may be glued to a count (``"Rp3,202"``, ``"RM15.00万"``); other letters glued to a
number make it an identifier (``"v2"``, ``"BV1xx411c7mD"``), which is skipped."""
_MIL_MILLION_RE: Final = re.compile(r" (?:m|millones|milhões)(?![" + _LETTERS + r"])")

_LB_SUFFIX_RE: Final = re.compile(r" ?(?:\+|(?:[次回人个個件条條] ?)?以上|多|余|餘|이상)")
_LB_PREFIX_RE: Final = re.compile(
    r"(?:(?<![a-z])(?:more than|over|at least|mehr als|más de|mais de|plus de)"
    r"|超过|超過|超|逾|大于|大於|>|≥) ?$"
)
_REJECT_PREFIX_RE: Final = re.compile(
    r"(?:(?<![a-z])(?:less than|fewer than|under|below|up to|nearly|almost|unter|weniger als|menos de|"
    r"moins de)|不足|不到|少于|少於|低于|低於|将近|將近|接近|近|<|≤) ?$"
)
_APPROX_PREFIX_RE: Final = re.compile(
    r"(?:(?<![a-z])(?:about|around|approx\.?|approximately|ca\.|circa|etwa|environ|aprox\.?)"
    r"|约|約|大约|大約|~|≈|≒) ?$"
)

_ZERO_RE: Final = re.compile(
    r"(?:no (?:views?|likes?|comments?|shares?|plays?|reactions?|replies|reposts?|favorites?|saves?)(?: yet)?"
    r"|keine (?:aufrufe|kommentare|likes)|aucune vue|aucun commentaire"
    r"|sin (?:vistas|visualizaciones|comentarios)|nenhuma visualização|nenhum comentário"
    r"|暂?无(?:播放|观看|評論|评论|点赞|點讚|转发|轉發|分享|收藏|弹幕|彈幕))"
)
"""A phrase that means zero. It must fill a whole segment of the text (see :data:`_SEGMENT_RE`):
``"No comments allowed"`` and ``"暂无播放数据"`` are not zero."""
_SEGMENT_RE: Final = re.compile(r"[\w ]+")
"""A segment: a run of letters, digits and spaces; punctuation and symbols (``"•"``, ``"，"``, ``"."``)
separate segments."""

_LIVE_PATTERNS: Final[tuple[tuple[LiveKind, re.Pattern[str]], ...]] = (
    (
        "waiting",
        re.compile(r"(?<![a-z])waiting(?![a-z])|人?在等待|等待中|대기 ?중|待機中|esperando|aguardando"),
    ),
    (
        "concurrent_viewers",
        re.compile(
            r"(?<![a-z])watching(?![a-z])|正在观看|正在觀看|正在看|人在看|观看中|觀看中|視聴中|시청 ?중|"
            r"viendo ahora|assistindo agora|zuschauer live"
        ),
    ),
)


# --------------------------------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    """One read number: where it starts, and the count (``None`` = unreadable, the answer is None)."""

    start: int
    count: Count | None


class _Skip(Exception):
    """Internal: this number is not a counter (a date, a duration ...); look at the next one."""


def _valid_western_groups(groups: list[str]) -> bool:
    return 1 <= len(groups[0]) <= 3 and not groups[0].startswith("0") and all(len(g) == 3 for g in groups[1:])


def _valid_indian_groups(groups: list[str]) -> bool:
    return (
        len(groups) >= 3
        and 1 <= len(groups[0]) <= 2
        and not groups[0].startswith("0")
        and all(len(g) == 2 for g in groups[1:-1])
        and len(groups[-1]) == 3
    )


def _split_number(token: str, convention: str | None) -> tuple[str, str] | None:
    """``(integer digits, decimal digits)`` of a number token, or ``None`` when it is ambiguous or invalid.

    ``convention`` is the unit's decimal convention (``None`` = no unit).
    """
    seps = re.findall(r"[^0-9]", token)
    groups = re.split(r"[^0-9]", token)
    if not seps:
        return token, ""
    if len(set(seps)) == 1:
        sep = seps[0]
        if sep in " '" or len(seps) >= 2:
            ok = _valid_western_groups(groups) or (sep == "," and _valid_indian_groups(groups))
            return ("".join(groups), "") if ok else None
        head, tail = groups
        if len(tail) != 3 or not _valid_western_groups(groups):
            return head, tail  # can only be a decimal separator
        # "1.234" / "1,234": grouping or decimal, depending on the unit.
        if convention is None:
            return head + tail, ""
        if convention == _AMBIGUOUS:
            return None
        decimal_sep = "." if convention == _DOT else ","
        return (head, tail) if sep == decimal_sep else (head + tail, "")
    # Mixed separators: the last one is the decimal separator, the others group.
    decimal_sep, group_seps = seps[-1], seps[:-1]
    if decimal_sep not in ".," or len(set(group_seps)) != 1 or group_seps[0] == decimal_sep:
        return None
    if convention == _DOT and decimal_sep != "." or convention == _COMMA and decimal_sep != ",":
        return None
    int_groups = groups[:-1]
    ok = _valid_western_groups(int_groups) or (group_seps[0] == "," and _valid_indian_groups(int_groups))
    return ("".join(int_groups), groups[-1]) if ok else None


def _word_units(text: str) -> dict[str, tuple[int, str]]:
    units = dict(_WORD_UNITS)
    for hints, extra in _HINTS:
        if any(h in text for h in hints):
            units.update(extra)
    return units


def _word_at(text: str) -> tuple[str, bool, int]:
    """The word (letters and marks of any script) at the start of ``text``: ``(word, followed by ".", end)``.

    A word ends where the text switches between a script written with spaces and one without
    (``"k次观看"`` is ``"k"`` then ``"次观看"``).
    """
    end = 0
    unspaced = bool(text) and _no_word_spacing(text[0])
    while end < len(text) and unicodedata.category(text[end])[0] in "LM":
        if unicodedata.category(text[end])[0] == "L" and _no_word_spacing(text[end]) != unspaced:
            break
        end += 1
    dot = end > 0 and text[end : end + 1] == "."
    return text[:end], dot, end + dot


def _is_counter_word(word: str) -> bool:
    return word.startswith(_COUNTER_STEMS)


def _prefix_unit_at(text: str) -> str | None:
    for key in _PREFIX_UNITS_LONGEST_FIRST:
        if text.startswith(key):
            return key
    return None


def _labelled_by(text: str) -> bool:
    """Whether the text after a unit-less number names what is counted (``" views"``, ``"次播放"``).

    Raises ``ValueError`` when a word we do not know follows: it may be a magnitude (``"12 triệu"``).
    """
    bound = _LB_SUFFIX_RE.match(text)
    if bound is not None:
        text = text[bound.end() :]
    word, _, end = _word_at(text.lstrip(_JOINERS))
    if not word:
        return False
    if _is_counter_word(word):
        return True
    if word in _SAFE_SHORT_WORDS:  # "12 x ditonton": the word after a safe word may name the counter
        return _is_counter_word(_word_at(text.lstrip(_JOINERS)[end:].lstrip(" "))[0])
    raise ValueError(f"unknown word after the number: {word!r}")


def _add_compound_parts(tail: str, exponent: int, value: int) -> tuple[int, int, str]:
    """``"1亿2345万"``: add the parts glued after the first Chinese/Korean unit, each in a smaller unit.

    Returns ``(value, granularity, rest of the text)``; raises ``ValueError`` for a part that does not fit.
    Digits glued after a unit without a unit of their own (``"1万5"``, colloquially 15000) are not added:
    they are left to be read as another number, and the first unit's granularity covers them.
    """
    granularity = 10**exponent
    while (part := _COMPOUND_PART_RE.match(tail)) is not None:
        key = _prefix_unit_at(tail[part.end() :])
        if key is None or key not in _COMPOUND_UNITS:
            break
        digits, frac = part.group(1), part.group(2) or ""
        smaller = _PREFIX_UNITS[key]
        shift = smaller - len(frac)
        if smaller >= exponent or shift < 0 or len(digits) + len(frac) > _MAX_DIGITS:
            raise ValueError("compound units must get smaller")
        added = int(digits + frac) * 10**shift
        if added >= 10**exponent:
            raise ValueError("a compound part as large as the unit before it")
        value, granularity, exponent = value + added, 10**shift, smaller
        tail = tail[part.end() + len(key) :]
    return value, granularity, tail


def _read_number(s: str, match: re.Match[str], units: dict[str, tuple[int, str]], hinted_b: bool) -> tuple[Count, bool]:
    """Read the number at ``match`` with its unit and bound markers: ``(count, labelled)``.

    ``labelled`` is true when a unit or a counter word follows the number (``"1.2万"``, ``"1,234 views"``).
    Raises :class:`_Skip` when the number is not a counter, ``ValueError`` when it cannot be read safely.
    """
    start, end = match.span()
    token = match.group(0)
    before = s[max(0, start - _WINDOW) : start]  # bounded windows keep long texts linear
    rest = s[end : end + 2 * _WINDOW]
    spaced = rest.startswith(" ")
    after = rest[1:] if spaced else rest

    # Not counters: hashtags, ordinals, dates, times, ratios, ranges, identifiers ("v2", "BV1xx4").
    if _ORDINAL_BEFORE_RE.search(before) or re.search(r"[0-9][:/\-.]$", before):
        raise _Skip
    glued = _GLUED_WORD_RE.search(before)
    if glued is not None and glued.group(0) not in _CURRENCY_PREFIXES:
        raise _Skip
    if re.match(r"[:/\-][0-9]", rest):
        raise _Skip

    # "10多万": "more than" between the number and a Chinese unit.
    mid_bound = after.startswith(_MID_BOUNDS) and _prefix_unit_at(after[1:]) in _COMPOUND_UNITS
    if mid_bound:
        after = after[1:]

    # The unit.
    exponent: int | None = None
    convention: str | None = None
    unit_word = ""
    unit_end = 0
    prefix_unit = _prefix_unit_at(after)
    if prefix_unit is not None:
        exponent, convention, unit_end = _PREFIX_UNITS[prefix_unit], _DOT, len(prefix_unit)
        glued_word = _word_at(after[unit_end:])[0]
        if prefix_unit in _SPACED_PREFIX_UNITS and glued_word and not _LB_SUFFIX_RE.match(after[unit_end:]):
            if not _is_counter_word(glued_word):
                raise ValueError("a unit glued to a word we do not know")
        larger = _prefix_unit_at(after[unit_end + 1 :])
        if (
            not mid_bound
            and exponent < 4
            and after[unit_end : unit_end + 1] in _MID_BOUNDS
            and larger is not None
            and larger in _COMPOUND_UNITS
            and prefix_unit in _COMPOUND_UNITS
        ):
            # "3千多万": more than 3千万
            mid_bound, exponent = True, exponent + _PREFIX_UNITS[larger]
            unit_end += 1 + len(larger)
    word, has_dot, word_end = _word_at(after)
    if exponent is None and word:
        with_dot = word + "." if has_dot else ""
        if with_dot in _REJECTED_WORD_UNITS:
            raise ValueError("ambiguous unit")
        if with_dot in units:
            (exponent, convention), unit_end, unit_word = units[with_dot], word_end, word
        elif word in units:
            (exponent, convention), unit_end, unit_word = units[word], len(word), word
            if word == "mil":
                billions = _MIL_MILLION_RE.match(after, unit_end)
                if billions is not None:
                    exponent, unit_end = 9, billions.end()
    tail = after[unit_end:]

    labelled = exponent is not None
    if exponent is None:
        if word in _TIME_WORDS or _TIME_RE.match(after):
            raise _Skip
        if word and not spaced and len(word) >= 2 and any(word.startswith(u) for u in units):
            raise ValueError("number glued to a word that starts like a unit")
        labelled = _labelled_by(after)
    elif re.match(r" ?ago(?![a-z])", tail):
        raise _Skip  # "5m ago"

    parts = _split_number(token, convention)
    if parts is None:
        raise ValueError("ambiguous or invalid digit grouping")
    int_digits, frac_digits = parts
    if len(int_digits) + len(frac_digits) > _MAX_DIGITS:
        raise ValueError("too many digits")
    if unit_word == "b" and frac_digits and "," in token and not hinted_b:
        raise ValueError("'1,2 B' may be Turkish bin (thousand)")

    kind = CountKind.EXACT
    if exponent is None:
        if frac_digits.strip("0"):
            raise ValueError("a count has no decimals")
        value, granularity = int(int_digits), 1
    else:
        shift = exponent - len(frac_digits)
        if shift < 0:
            raise ValueError("more decimals than the unit allows")
        granularity = 10**shift
        value = int(int_digits + frac_digits) * granularity
        kind = CountKind.APPROXIMATE
        if prefix_unit in _COMPOUND_UNITS and _COMPOUND_PART_RE.match(tail):
            if frac_digits or mid_bound:
                raise ValueError("'1.5亿2000万' and '10多万5千' are not numbers")
            value, granularity, tail = _add_compound_parts(tail, exponent, value)

    head = before.rstrip()
    if _REJECT_PREFIX_RE.search(head) or re.search(r"(?:^|[^0-9a-z])[-.]$", before):
        raise ValueError("upper bound, near-miss or negative number")
    if mid_bound and frac_digits:
        raise ValueError("'1.5多万' is not a number")
    if mid_bound or _LB_PREFIX_RE.search(head) or _LB_SUFFIX_RE.match(tail):
        kind = CountKind.LOWER_BOUND
    elif _APPROX_PREFIX_RE.search(head):
        if exponent is None:
            raise ValueError("'about N' has no known granularity")
        kind = CountKind.APPROXIMATE
    return Count(value, kind, granularity, None), labelled


def _first_count(s: str) -> _Found | None:
    """The count of the text (rule 2 of the module docstring).

    The first number that is not skipped is the count when a unit or a counter word follows it, or when
    it is the only one. A bare first number followed by others (``"2023 1,000 views"``): the next number
    is the count when it is labelled and only spaces stand between them; otherwise ``None``.
    """
    units = _word_units(s)
    hinted_b = units["b"][0] == 3
    first: _Found | None = None
    first_end = 0
    for match in _NUMBER_RE.finditer(s):
        try:
            count, labelled = _read_number(s, match, units, hinted_b)
        except _Skip:
            continue
        except ValueError:
            count, labelled = None, False
        if first is None:
            if count is None or labelled:
                return _Found(match.start(), count)
            first, first_end = _Found(match.start(), count), match.end()
            continue
        if count is not None and labelled and not s[first_end : match.start()].strip():
            return _Found(first.start, count)
        return _Found(first.start, None)  # two numbers, and nothing tells which one is the count
    return first


def _live_kind(s: str) -> LiveKind | None:
    best: tuple[int, LiveKind] | None = None
    for kind, pattern in _LIVE_PATTERNS:
        found = pattern.search(s)
        if found and (best is None or found.start() < best[0]):
            best = (found.start(), kind)
    return best[1] if best else None


def _parse_text(text: str, s: str) -> Count | None:
    """Read the normalised text ``s``; ``text`` is the original, kept as ``raw``."""
    zero = next((m.start() for m in _SEGMENT_RE.finditer(s) if _ZERO_RE.fullmatch(m.group(0).strip())), None)
    found = _first_count(s)
    if zero is not None and (found is None or zero < found.start):
        return Count(0, CountKind.EXACT, 1, str(text))
    if found is None or found.count is None:
        return None
    c = found.count
    return Count(c.value, c.kind, c.granularity, str(text))


def _parse_number(value: object) -> Count | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Count.exact(int(value)) if value >= 0 else None
    if isinstance(value, float):
        if not math.isfinite(value) or value < 0 or not value.is_integer() or value > _MAX_EXACT_FLOAT:
            return None
        return Count.exact(int(value))
    if isinstance(value, Decimal):
        if not value.is_finite() or value < 0 or value.adjusted() >= _MAX_DIGITS:
            return None
        if value != value.to_integral_value():
            return None
        return Count.exact(int(value))
    return None


def parse_count(text: object) -> Count | None:
    """Read a counter as a platform shows it; ``None`` when the input holds no (safe) count.

    Args:
        text: the displayed text (``"1.2万"``, ``"1,234 views"``, ``"No views"``), or a JSON number
            (``int``, integral ``float``, ``Decimal``). Anything else gives ``None``.

    Returns:
        A :class:`Count` whose ``raw`` is the input string (``None`` for numbers), or ``None``. The
        reading rules are in the module docstring. Live-audience texts (``"1,234 watching now"``)
        give ``None``: use :func:`parse_live_count`.

    Examples:
        >>> parse_count("1.2万")
        Count(value=12000, kind=<CountKind.APPROXIMATE: 'approximate'>, granularity=1000, raw='1.2万')
        >>> parse_count("10万+").kind
        <CountKind.LOWER_BOUND: 'lower_bound'>
        >>> parse_count("N/A") is None
        True
    """
    if not isinstance(text, str):
        return _parse_number(text)
    s = _normalise(text)
    if _live_kind(s) is not None:
        return None
    return _parse_text(text, s)


def parse_live_count(text: object) -> tuple[LiveKind, Count] | None:
    """Read a live-audience counter: ``"1,234 watching now"`` -> ``("concurrent_viewers", Count(1234))``.

    Returns ``("concurrent_viewers", count)`` or ``("waiting", count)``, or ``None`` when the text is
    not a live counter or holds no number (``"正在观看"``). Numbers are read as by :func:`parse_count`.
    """
    if not isinstance(text, str):
        return None
    s = _normalise(text)
    kind = _live_kind(s)
    if kind is None:
        return None
    count = _parse_text(text, s)
    if count is None:
        return None
    return kind, count


def format_count(value: int, lang: str = "zh", up: bool = False) -> str:
    """Show a count for a report.

    * ``lang="zh"``: below 10000 grouped (``"9,999"``); from 10^4 in 万 and from 10^8 in 亿, with at
      most 2 decimals, the rest cut off (never rounded up) and trailing zeros trimmed (``12345`` ->
      ``"1.23万"``, ``12399`` -> ``"1.23万"``, ``120000`` -> ``"12万"``, ``435000000`` -> ``"4.35亿"``).
      A shown number is never more than the count: ``99999`` is ``"9.99万"``, not ``"10万"`` (a
      leader reading "10万" takes the milestone as reached), ``99999999`` is ``"9999.99万"``. There is
      no unit above 亿 (``"12345.67亿"``).
    * ``lang="en"``: every digit, grouped by 3 (``"1,234,567"``).

    The text reads back through :func:`parse_count` to a count at most ``value`` and less than one
    unit of its last digit below it. ``up=True`` rounds the shown digits up instead (for the size of a
    negative number: −59,999 is shown −6万, never −5.99万, which would claim less of a drop).

    Raises:
        TypeError: ``value`` is not an int (or is a bool).
        ValueError: ``value`` is negative, or ``lang`` is neither ``"zh"`` nor ``"en"`` (a region
            suffix is ignored: ``"zh-CN"`` is ``"zh"``).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"format_count needs an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"a count is never negative: {value}")
    base = lang.lower().replace("_", "-").split("-")[0]  # "zh-CN" -> "zh"
    if base not in ("zh", "en"):
        raise ValueError(f"unknown lang {lang!r}: use 'zh' or 'en'")
    if base == "en" or value < 10_000:
        return f"{value:,}"
    exponent, unit = (8, "亿") if value >= 10**8 else (4, "万")
    step = 10 ** (exponent - 2)
    hundredths = -(-value // step) if up else value // step  # cut (or up), in hundredths of the unit
    if up and unit == "万" and hundredths >= 10_000 * 100:  # up to 10000万: shown in 亿
        exponent, unit, hundredths = 8, "亿", -(-value // 10**6)
    whole, frac = divmod(hundredths, 100)
    shown = f"{whole}.{frac:02d}".rstrip("0").rstrip(".")
    return shown + unit
