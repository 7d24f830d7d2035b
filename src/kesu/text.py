"""Free text as it is stored and as it is written into files. Plain Python, no Django.

Text pasted from Word or Excel brings characters no one typed on purpose: Word's manual line break
is a vertical tab (\\x0b), a page break \\x0c, and a stray NUL or escape sometimes rides along.
XML (xlsx, docx) cannot hold them at all, so one such character in a unit's name made every
export that lists the unit fail. Forms and the API store text through ``clean_text``; exports
write any stored text (older rows included) through ``printable``.
"""

from __future__ import annotations

import re
import unicodedata

# Word's manual line break and page break, and the Unicode line and paragraph separators, are lines.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# C0 controls except tab and newline, DEL, C1 controls; and the non-characters XML refuses.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
# What a spreadsheet reads as the start of a formula (OWASP CSV injection): = + - @, and a tab or
# carriage return, which some programs skip before looking at the next character.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def clean_text(value: str) -> str:
    """Text as typed, fit to store: line breaks as \\n, no control characters but tab and newline, NFC."""
    value = unicodedata.normalize("NFC", value)
    return _CONTROLS.sub("", _LINE_BREAKS.sub("\n", value))


def printable(value: str) -> str:
    """Stored text fit for XML files: ``clean_text`` without the normalisation, which stored text has had."""
    return _CONTROLS.sub("", _LINE_BREAKS.sub("\n", value))


def looks_like_formula(value: str) -> bool:
    """Text a spreadsheet would evaluate: it starts like a formula and is not just a number (-3.5)."""
    return value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value)


def csv_text(value: str) -> str:
    """A CSV field that opens as the same text: a formula-like value gets a leading apostrophe (OWASP)."""
    return "'" + value if looks_like_formula(value) else value
