"""Chinese numerals as written in plans: heading numbers (十二) and quantities (十五万, 千)."""

from __future__ import annotations

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
MAGNITUDE = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}


def cn_to_int(text: str) -> int | None:
    """``十四`` → 14, ``二十`` → 20, ``一千二百`` → 1200, ``千`` → 1000; None if not a numeral."""
    if not text:
        return None
    total = 0
    section = 0
    digit: int | None = None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            section += (1 if digit is None else digit) * _SMALL_UNITS[ch]
            digit = None
        elif ch in _BIG_UNITS:
            section += digit or 0
            total += (section or 1) * _BIG_UNITS[ch]
            section = 0
            digit = None
        else:
            return None
    return total + section + (digit or 0)


def five_year_plan_end(ordinal: str) -> int | None:
    """The last year of a five-year plan period from its ordinal: ``十四`` (十四五) → 2025."""
    n = cn_to_int(ordinal)
    if n is None or not 6 <= n <= 20:
        return None
    return 1955 + 5 * n
