"""Traditional → simplified Chinese, character by character (same length, so offsets are kept).

The table is OpenCC's TSCharacters dictionary as the ``opencc-purepy`` package installs it (read
at first use, never copied into this repository): each single BMP character mapped to the first
simplified form OpenCC gives. Used only on documents written in traditional characters (see
``clean.is_traditional``), so characters that are also simplified forms of their own (於, 乾)
take their usual simplified form there.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def traditional_to_simplified() -> dict[str, str]:
    """Single traditional characters → their first simplified form, where both are one BMP character."""
    table = resources.files("opencc_purepy").joinpath("dicts/TSCharacters.txt").read_text(encoding="utf-8")
    pairs: dict[str, str] = {}
    for line in table.splitlines():
        source, _, targets = line.partition("\t")
        simplified = targets.split(" ")[0] if targets else ""
        if _one_bmp_char(source) and _one_bmp_char(simplified) and source != simplified:
            pairs.setdefault(source, simplified)
    return pairs


def _one_bmp_char(text: str) -> bool:
    return len(text) == 1 and ord(text) <= 0xFFFF
