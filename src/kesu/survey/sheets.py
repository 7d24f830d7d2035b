"""A respondent's answers as one list of bit masks (``Respondent.sheet``), in the instrument's item order.

Option k of an item sets bit k (``kesu.stats.Item.mask_of``): true/false and single choice set one
bit, multiple choice several, a skipped item is 0. Plain Python, no Django: the migration that packs
the answers stored before this column existed uses the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def mask_of(options: Sequence[str], choice: str) -> int:
    """The mask of a stored choice (option texts joined by ``|``); texts that are no option count as none."""
    mask = 0
    for text in choice.split("|") if choice else ():
        if text in options:
            mask |= 1 << list(options).index(text)
    return mask


def choice_of(options: Sequence[str], mask: int) -> str:
    """The stored text of a mask: the chosen options in their order, joined by ``|``."""
    return "|".join(option for k, option in enumerate(options) if mask >> k & 1)


def pack(items: Sequence[tuple[int, Sequence[str]]], choices: Mapping[int, str]) -> list[int]:
    """One respondent's sheet from its choices by item id; ``items`` are (id, options) in order."""
    return [mask_of(options, choices.get(item_id, "")) for item_id, options in items]


def pack_many(
    items: Sequence[tuple[int, Sequence[str]]], answers: Iterable[tuple[int, int, str]]
) -> dict[int, list[int]]:
    """Sheets by respondent id from (respondent id, item id, choice) rows, e.g. the Answer table."""
    column = {item_id: j for j, (item_id, _options) in enumerate(items)}
    sheets: dict[int, list[int]] = {}
    for respondent_id, item_id, choice in answers:
        j = column.get(item_id)
        if j is None or not choice:
            continue
        sheet = sheets.setdefault(respondent_id, [0] * len(items))
        sheet[j] = mask_of(items[j][1], choice)
    return sheets
