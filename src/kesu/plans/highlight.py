"""Source text split into plain and highlighted pieces, for showing the parse beside the text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    text: str
    mark: str = ""  # "" plain, "target" a numeric target, "goal" the headline goal, "uncertain" OCR unsure
    anchor: str = ""  # an element id placed before the piece (a task's start)


def highlight(text: str, marks: list[tuple[int, int, str]], anchors: dict[int, str]) -> list[Piece]:
    """Cut ``text`` at mark boundaries and anchor positions; overlapping marks keep the first."""
    cuts = sorted({0, len(text), *anchors, *(s for s, _, _ in marks), *(e for _, e, _ in marks)})
    mark_at: dict[int, str] = {}
    for start, end, kind in sorted(marks):
        for pos in cuts:
            if start <= pos < end:
                mark_at.setdefault(pos, kind)
    pieces = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        if 0 <= start < end <= len(text):
            pieces.append(Piece(text[start:end], mark_at.get(start, ""), anchors.get(start, "")))
    return pieces
