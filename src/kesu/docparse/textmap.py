"""Text edited in stages, with a map from every stage back to the original offsets.

Cleaning a plan (dropping artifacts, joining wrapped lines, removing spaces around numbers) changes
offsets, yet spans shown to the user must point into the text as extracted. Each stage records its
edits as segments; mapping a span walks the stages back to the source.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field

Edit = tuple[int, int, str]  # replace text[start:end] by the string


@dataclass
class _Stage:
    new_starts: list[int]
    orig_starts: list[int]
    orig_ends: list[int]
    copied: list[bool]
    orig_length: int

    def start(self, i: int) -> int:
        k = bisect.bisect_right(self.new_starts, i) - 1
        if k < 0:
            return 0
        if self.copied[k]:
            return min(self.orig_starts[k] + (i - self.new_starts[k]), self.orig_ends[k])
        return self.orig_starts[k]

    def end(self, i: int) -> int:
        if i <= 0:
            return 0
        k = bisect.bisect_right(self.new_starts, i - 1) - 1
        if k < 0:
            return 0
        if self.copied[k]:
            return min(self.orig_starts[k] + (i - 1 - self.new_starts[k]) + 1, self.orig_ends[k])
        return self.orig_ends[k]


@dataclass
class MappedText:
    """A string plus the stages that produced it from ``source``."""

    text: str
    source: str
    stages: list[_Stage] = field(default_factory=list)

    @classmethod
    def of(cls, source: str) -> MappedText:
        return cls(text=source, source=source)

    def edit(self, edits: Iterable[Edit]) -> MappedText:
        """Apply non-overlapping edits (any order) and return the new stage."""
        ordered = sorted(e for e in edits if e[0] != e[1] or e[2])
        if not ordered:
            return self
        text = self.text
        parts: list[str] = []
        new_starts: list[int] = []
        orig_starts: list[int] = []
        orig_ends: list[int] = []
        copied: list[bool] = []
        pos = 0
        length = 0

        def add(piece: str, o_start: int, o_end: int, is_copy: bool) -> None:
            nonlocal length
            if not piece:
                return
            parts.append(piece)
            new_starts.append(length)
            orig_starts.append(o_start)
            orig_ends.append(o_end)
            copied.append(is_copy)
            length += len(piece)

        for start, end, replacement in ordered:
            if start < pos:  # overlapping edit: the earlier one wins
                continue
            add(text[pos:start], pos, start, True)
            add(replacement, start, end, False)
            pos = end
        add(text[pos:], pos, len(text), True)
        stage = _Stage(new_starts, orig_starts, orig_ends, copied, len(text))
        return MappedText(text="".join(parts), source=self.source, stages=[*self.stages, stage])

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of ``text`` to the matching span of ``source``."""
        for stage in reversed(self.stages):
            start, end = stage.start(start), stage.end(end)
            if end < start:
                end = start
        return start, end
