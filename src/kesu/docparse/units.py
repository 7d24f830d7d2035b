"""Responsibility clauses: who leads (牵头), who takes part (参与/参加/配合), who is responsible.

The genre writes them in several ways, all handled here:
- labelled lines: ``牵头单位：A、B`` / ``参与单位：C、D等``, or both on one line with a comma;
- a heading suffix: ``（一）实施青少年科学素质行动（牵头部门：A、B）``;
- a per-item clause: ``（责任单位：A、B）`` or ``（A、B按职责分工负责）``;
- verbs after the lists: ``（责任分工：A、B牵头，C、D等单位参加）``.
Unit names may hold parentheses (各县（市、区）), so lists are split at depth 0 only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LEAD, PARTICIPATING, RESPONSIBLE = "lead", "participating", "responsible"
ROLES = (LEAD, PARTICIPATING, RESPONSIBLE)

_LABEL_ROLE = {
    "牵头单位": LEAD,
    "牵头部门": LEAD,
    "主责单位": LEAD,
    "主办单位": LEAD,
    "参与单位": PARTICIPATING,
    "参与部门": PARTICIPATING,
    "参加单位": PARTICIPATING,
    "配合单位": PARTICIPATING,
    "配合部门": PARTICIPATING,
    "协办单位": PARTICIPATING,
    "协同单位": PARTICIPATING,
    "协作单位": PARTICIPATING,
    "责任单位": RESPONSIBLE,
    "责任部门": RESPONSIBLE,
    "实施单位": RESPONSIBLE,
    "责任分工": "",  # the value carries its own verbs
    "任务分工": "",
    "分工": "",  # 分工：教育部、中国科协等按职责分工负责 (the national outline's way)
}
_LABEL = re.compile("(" + "|".join(_LABEL_ROLE) + r")\s*[：:]")
_VERB_ROLE = [
    ("按职责分工负责", RESPONSIBLE),
    ("按职责分工落实", RESPONSIBLE),
    ("按职责负责", RESPONSIBLE),
    ("分工负责", RESPONSIBLE),
    ("共同负责", RESPONSIBLE),
    ("分别负责", RESPONSIBLE),
    ("牵头负责", LEAD),
    ("牵头", LEAD),
    ("负责", RESPONSIBLE),
    ("参加", PARTICIPATING),
    ("参与", PARTICIPATING),
    ("配合", PARTICIPATING),
    ("协助", PARTICIPATING),
    ("协同", PARTICIPATING),
    ("协办", PARTICIPATING),
]
_VERB = re.compile(
    r"^(?P<units>.+?)(?:等(?:单位|部门|有关单位|相关单位))?(?:共同|积极)?(?P<verb>"
    + "|".join(v for v, _ in _VERB_ROLE)
    + r")(?:单位)?$"
)
_VERB_ROLE_MAP = dict(_VERB_ROLE)
_TRAILING_ETC = re.compile(r"(?:等(?:单位|部门|有关单位|相关单位|成员单位)?)$")
_OPEN, _CLOSE = "（(", "）)"
MAX_UNIT_LENGTH = 30


@dataclass
class Responsibility:
    """Units by role, as written (with 等 / 等单位 trimmed)."""

    lead: list[str] = field(default_factory=list)
    participating: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)

    def roles(self) -> dict[str, list[str]]:
        return {LEAD: self.lead, PARTICIPATING: self.participating, RESPONSIBLE: self.responsible}

    def add(self, role: str, units: list[str]) -> None:
        target = self.roles()[role]
        for unit in units:
            if unit not in target:
                target.append(unit)

    def merge(self, other: Responsibility) -> None:
        for role, units in other.roles().items():
            self.add(role, units)

    def is_empty(self) -> bool:
        return not (self.lead or self.participating or self.responsible)

    def overridden_by(self, closer: Responsibility) -> Responsibility:
        """Roles the closer clause names replace ours; the others are inherited."""
        out = Responsibility()
        for role, units in self.roles().items():
            own = closer.roles()[role]
            out.add(role, own if own else units)
        return out


def split_units(text: str) -> list[str]:
    """Split ``A、B、各县（市、区）等`` at top-level separators and trim each name."""
    units: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        if depth == 0 and ch in "、，,；;/ \n":
            units.append("".join(current))
            current = []
            continue
        current.append(ch)
    units.append("".join(current))
    return [u for u in (_clean_unit(u) for u in units) if u]


def _clean_unit(unit: str) -> str:
    unit = unit.strip().strip("。．.：:").strip()
    unit = re.sub(r"^(?:由|请|以)", "", unit)
    unit = _TRAILING_ETC.sub("", unit)
    return unit.strip()


def parse_clause(text: str) -> Responsibility | None:
    """Read a responsibility clause (without its outer parentheses); None if it is not one."""
    text = text.strip().strip("。；;，,").strip()
    if not text or "。" in text:
        return None
    found = Responsibility()
    labels = list(_LABEL.finditer(text))
    if labels:
        if text[: labels[0].start()].strip("（( "):
            return None
        for i, label in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
            value = text[label.end() : end].strip().strip("，,；;。")
            role = _LABEL_ROLE[label.group(1)]
            if role:
                verb_parsed = _parse_verb_groups(value)
                if verb_parsed is not None and verb_parsed.roles()[role] and _only_role(verb_parsed, role):
                    found.add(role, verb_parsed.roles()[role])
                else:
                    found.add(role, split_units(value))
            else:
                parsed = _parse_verb_groups(value)
                if parsed is None:
                    found.add(RESPONSIBLE, split_units(value))
                else:
                    found.merge(parsed)
    else:
        parsed = _parse_verb_groups(text)
        if parsed is None:
            return None
        found = parsed
    if found.is_empty() or any(len(u) > MAX_UNIT_LENGTH for us in found.roles().values() for u in us):
        return None
    return found


def _only_role(parsed: Responsibility, role: str) -> bool:
    return all(not units for r, units in parsed.roles().items() if r != role)


def _parse_verb_groups(text: str) -> Responsibility | None:
    """``A、B牵头，C、D等单位参加`` → lead A, B; participating C, D. None unless every group has a verb."""
    found = Responsibility()
    groups = [g for g in _split_top_level(text, "，,；;") if g.strip()]
    if not groups:
        return None
    for group in groups:
        m = _VERB.match(group.strip())
        if not m:
            return None
        units = split_units(m.group("units"))
        if not units:
            return None
        found.add(_VERB_ROLE_MAP[m.group("verb")], units)
    return found


def _split_top_level(text: str, separators: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in separators:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def paren_groups(text: str) -> list[tuple[int, int]]:
    """Spans of top-level parenthesised groups, brackets included."""
    spans: list[tuple[int, int]] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
    return spans


_CLAUSE_HINT = re.compile(r"牵头|负责|参与|参加|配合|协助|协办|责任|主责")


def inline_clauses(paragraph: str) -> list[tuple[tuple[int, int], Responsibility]]:
    """Parenthesised responsibility clauses inside a paragraph, with their spans."""
    out: list[tuple[tuple[int, int], Responsibility]] = []
    if not _CLAUSE_HINT.search(paragraph):
        return out
    for start, end in paren_groups(paragraph):
        inner = paragraph[start + 1 : end - 1]
        if not _CLAUSE_HINT.search(inner):
            continue
        parsed = parse_clause(inner)
        if parsed is not None:
            out.append(((start, end), parsed))
    return out


_LABEL_LINE = re.compile(r"^(?:" + "|".join(_LABEL_ROLE) + r")\s*[：:]")


def standalone_clause(paragraph: str) -> tuple[Responsibility, bool] | None:
    """A paragraph that is only a responsibility clause: (units, parenthesised?)."""
    text = paragraph.strip()
    if _LABEL_LINE.match(text):
        parsed = parse_clause(text)
        return (parsed, False) if parsed else None
    groups = paren_groups(text)
    if len(groups) == 1 and groups[0] == (0, len(text.rstrip("。；;"))):
        inner = text[1 : groups[0][1] - 1]
        if _CLAUSE_HINT.search(inner):
            parsed = parse_clause(inner)
            return (parsed, True) if parsed else None
    return None


def trailing_clause(paragraph: str) -> tuple[int, Responsibility] | None:
    """A labelled clause closing a paragraph (``2.建设校园科技馆20所。牵头单位：市教体局``): where it
    starts, and the units it names."""
    if not _LABEL.search(paragraph, 1):
        return None
    groups: list[tuple[int, int]] | None = None
    for m in _LABEL.finditer(paragraph):
        if m.start() == 0 or paragraph[m.start() - 1] in _OPEN:
            continue  # a clause in parentheses is an inline clause
        groups = paren_groups(paragraph) if groups is None else groups
        if any(start < m.start() < end for start, end in groups):
            continue
        parsed = parse_clause(paragraph[m.start() :])
        if parsed is not None:
            return m.start(), parsed
    return None


def looks_like_clause(paragraph: str) -> bool:
    """Opens like a responsibility line (牵头单位：…) whether or not its names could be read."""
    return bool(_LABEL_LINE.match(paragraph.strip()))
