"""The heading tree of a plan: 一、 parts, （一） sections, 1. / （1） / ① / —— items.

Headings are recognised at paragraph starts only, and a number is accepted when it continues the
numbering of its style (or starts it at 1): a stray ``3.`` inside a paragraph does not open a
heading. Styles nest in the order they first appear, as in any Chinese official document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .numerals import cn_to_int

PART, SECTION, ITEM = "part", "section", "item"

_MARKERS: list[tuple[str, str, re.Pattern[str]]] = [
    ("chapter", PART, re.compile(r"^第([一二三四五六七八九十]{1,3})(?:部分|章)[、.：:]?")),
    ("cn", PART, re.compile(r"^([一二三四五六七八九十]{1,3})[、.](?![一二三四五六七八九十\d])")),
    ("paren_cn", SECTION, re.compile(r"^[（(]([一二三四五六七八九十]{1,3})[）)]")),
    ("arabic", ITEM, re.compile(r"^(\d{1,2})(?:[.、](?!\d)|[）)])")),
    ("paren_arabic", ITEM, re.compile(r"^[（(](\d{1,2})[）)]")),
    ("circled", ITEM, re.compile(r"^([①-⑳])")),
    ("dash", ITEM, re.compile(r"^(?:——|--)(?=[^—\-])")),
]


@dataclass
class Marker:
    style: str
    kind: str
    number: int | None  # None for —— bullets
    label: str  # the numeral as written: "二", "1"
    length: int  # characters taken by the marker


def find_marker(paragraph: str) -> Marker | None:
    for style, kind, pattern in _MARKERS:
        m = pattern.match(paragraph)
        if not m:
            continue
        if style == "dash":
            return Marker(style, kind, None, "", m.end())
        label = m.group(1)
        if style == "circled":
            number: int | None = ord(label) - ord("①") + 1
        elif label.isdigit():
            number = int(label)
        else:
            number = cn_to_int(label)
        return Marker(style, kind, number, label, m.end())
    return None


@dataclass
class Node:
    """A heading and what follows it up to the next heading of the same or a higher level."""

    style: str
    kind: str
    number: int | None
    label: str
    heading: tuple[int, int]  # span of the heading paragraph, in the cleaned text
    title: str = ""
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    body: list[tuple[int, int]] = field(default_factory=list)  # paragraphs after the heading
    end: int = 0  # end of the last paragraph belonging to the node or its descendants

    @property
    def depth(self) -> int:
        return 0 if self.parent is None else self.parent.depth + 1

    def ancestors(self) -> list[Node]:
        chain: list[Node] = []
        node: Node | None = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class OutlineBuilder:
    """Feeds paragraphs one by one and keeps the stack of open headings."""

    def __init__(self) -> None:
        self.roots: list[Node] = []
        self.stack: list[Node] = []
        self._last_number: dict[str, int] = {}

    def accepts(self, marker: Marker) -> bool:
        if marker.number is None:
            return bool(self.stack)
        open_sibling = next((n for n in reversed(self.stack) if n.style == marker.style), None)
        if open_sibling is not None and open_sibling.number is not None:
            return open_sibling.number <= marker.number <= open_sibling.number + 3
        last = self._last_number.get(marker.style)
        if marker.number == 1:
            return True
        # numbering that runs on across sections (items 6, 7 under （一）, 8 under （二）…)
        return last is not None and last < marker.number <= last + 3

    def open(self, marker: Marker, span: tuple[int, int]) -> Node:
        while (
            self.stack
            and self.stack[-1].style != marker.style
            and marker.style in {n.style for n in self.stack}
        ):
            self.stack.pop()
        if self.stack and self.stack[-1].style == marker.style:
            self.stack.pop()
        parent = self.stack[-1] if self.stack else None
        node = Node(marker.style, marker.kind, marker.number, marker.label, span, parent=parent, end=span[1])
        if parent is None:
            self.roots.append(node)
        else:
            parent.children.append(node)
        self.stack.append(node)
        if marker.number is not None:
            self._last_number[marker.style] = marker.number
        self.extend(span[1])
        return node

    def add_body(self, span: tuple[int, int]) -> Node | None:
        if not self.stack:
            return None
        self.stack[-1].body.append(span)
        self.extend(span[1])
        return self.stack[-1]

    def extend(self, end: int) -> None:
        """The open headings now reach ``end`` (a paragraph or a table row under them)."""
        for node in self.stack:
            node.end = max(node.end, end)

    @property
    def current(self) -> Node | None:
        return self.stack[-1] if self.stack else None


def walk(nodes: list[Node]) -> list[Node]:
    out: list[Node] = []
    for node in nodes:
        out.append(node)
        out.extend(walk(node.children))
    return out
