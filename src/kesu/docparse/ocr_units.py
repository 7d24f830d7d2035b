"""Unit names in a recognised plan, repaired against the plan's own list of units.

On photographed pages the recogniser drops the small “、” between unit names, so three units
read as one (“市工业和信息化局市民政局市人力资源和社会保障局”), reads it as another character
(“…旅游局全市应急管理局室市乡村振兴局”), or loses or swaps a small character (平顶山→平山,
平顶山→平预山). A plan names the same units in many clauses, and most of them read right, so:

- a name is split where a unit ends (a 部门 suffix: 局 委 办 会 院 厅 部 站 所 中心 台 社 …) and
  the next begins with 市/省/县/区 — a unit name never runs on past its suffix into a new 市…;
- a name read in fewer clauses than a near twin (one character inserted or dropped, up to two
  characters swapped in a long name of the same length, or one in a short name where the
  recogniser was unsure of that character) becomes the twin.

Nothing here knows a plan's answers: the vocabulary is the document's own. Applied to
recognised text only (text documents are parsed as written).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from .model import PlanDraft, Task

_ROLES = ("lead_units", "participating_units", "responsible_units")
# a unit's last characters, then the first of the next unit's name
# (a stray character between them is the “、” misread: the name it starts is corrected below)
_BOUNDARY = re.compile(r"(?:[局委办院厅部站所台社队馆联协会]|中心)(?=.?[市省县区])")
_MIN_PIECE = 3
_LEADING_JUNK = re.compile(r"^[^\w（(]+")  # no unit name opens with a symbol


def split_run(name: str) -> list[str]:
    """A run of unit names read without the “、” between them, split at each unit's end (a
    speck read as a symbol before the name, “√市广播电视台”, goes)."""
    cuts = [m.end() for m in _BOUNDARY.finditer(name)]
    pieces, start = [], 0
    for cut in cuts:
        if cut - start >= _MIN_PIECE and len(name) - cut >= _MIN_PIECE:
            pieces.append(name[start:cut])
            start = cut
    pieces.append(name[start:])
    return [_LEADING_JUNK.sub("", piece) or piece for piece in pieces]


def _near(a: str, b: str, unsure_at: Callable[[int], bool]) -> bool:
    """One character inserted or dropped (names of five or more); up to two characters swapped
    in a name of eight or more of the same length; or, in a shorter name, one character swapped
    where the recogniser said it was unsure of it (市总主会 for 市总工会 — not 市民政局 for
    市财政局, two real units a sure reading tells apart)."""
    if len(a) == len(b):
        swapped = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(a) >= 8:
            return len(swapped) <= 2
        return len(a) >= 4 and len(swapped) == 1 and unsure_at(swapped[0])
    short, long = sorted((a, b), key=len)
    if len(long) - len(short) != 1 or len(short) < 4:
        return False
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _corrected(name: str, counts: Counter[str], text: str, unsure: set[int]) -> str:
    def unsure_at(index: int) -> bool:  # at any place the name was read
        start = text.find(name)
        while start >= 0:
            if start + index in unsure:
                return True
            start = text.find(name, start + 1)
        return False

    twins = [other for other in counts if counts[other] > counts[name] and _near(name, other, unsure_at)]
    if len(twins) != 1:  # none, or ambiguous: leave it for the office
        return name
    return twins[0]


def _dedupe(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def repair_units(draft: PlanDraft) -> int:
    """Split and correct unit names in place; returns how many names changed."""
    tasks: list[Task] = list(draft.tasks)
    split = {
        id(t): {role: [p for n in getattr(t, role) for p in split_run(n)] for role in _ROLES} for t in tasks
    }
    counts: Counter[str] = Counter(
        n for roles in split.values() for names in roles.values() for n in set(names)
    )
    unsure = {i for start, end in draft.uncertain_spans for i in range(start, end)}
    changed = 0
    for task in tasks:
        for role in _ROLES:
            before = getattr(task, role)
            after = _dedupe([_corrected(n, counts, draft.text, unsure) for n in split[id(task)][role]])
            changed += before != after
            setattr(task, role, after)
    return changed
