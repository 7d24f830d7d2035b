"""Recognised lines of scanned pages → paragraphs in reading order, as a text PDF would give them.

Per page: lines cut into two boxes are put back together; running headers, footers and page
numbers are dropped (they sit outside the body and recur from page to page); one or two columns
are read column by column; lines are joined into paragraphs where the next line is not indented
and the previous one ran to the right edge (edges fitted along the page, so a photographed,
slanted page still reads right). A paragraph cut by the page break, or by the foot of a column,
is joined across it.
Low-confidence lines keep their offsets so the review page can mark them.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from .ocr import OcrLine

_PAGE_NUMBER = re.compile(
    r"^[\s\-—–－一~～_·.]*(?:第\s*)?\d{1,3}(?:\s*页)?(?:\s*[/／]\s*\d{1,3})?[\s\-—–－一~～_·.]*$"
)
_DIGITS = re.compile(r"\d+")
_MARGIN_ZONE = 0.12  # top and bottom share of the page where headers, footers, page numbers live


@dataclass
class Paragraph:
    text: str
    uncertain: list[tuple[int, int]] = field(default_factory=list)  # offsets in ``text``
    opens_indented: bool = True  # first line indented: a new paragraph, not the rest of one
    ends_full: bool = False  # last line reaches the right edge: may continue on the next page


@dataclass
class PageLayout:
    paragraphs: list[Paragraph]
    dropped: list[str]  # headers, footers and page numbers left out


def margin_texts(pages: Sequence[Sequence[OcrLine]], heights: Sequence[float]) -> set[str]:
    """Texts (digits masked) of margin-zone lines that recur on two or more pages: running heads."""
    seen: dict[str, int] = {}
    for lines, height in zip(pages, heights, strict=True):
        keys = {_key(line.text) for line in lines if _in_margin(line, height)}
        for key in keys:
            seen[key] = seen.get(key, 0) + 1
    return {key for key, count in seen.items() if count >= 2 and key}


def _key(text: str) -> str:
    return _DIGITS.sub("#", re.sub(r"\s+", "", text))


def _in_margin(line: OcrLine, page_height: float) -> bool:
    middle = (line.y0 + line.y1) / 2
    return middle < page_height * _MARGIN_ZONE or middle > page_height * (1 - _MARGIN_ZONE)


def page_layout(
    lines: Sequence[OcrLine],
    page_width: float,
    page_height: float,
    running: set[str] | None = None,
    *,
    first: bool = True,
) -> PageLayout:
    """``running``: margin texts recurring across pages; ``first``: the document's first page,
    whose top line is the title (kept even when running heads repeat it)."""
    running = running or set()
    body: list[OcrLine] = []
    dropped: list[str] = []
    for line in lines:
        in_margin = _in_margin(line, page_height)
        if in_margin and (_PAGE_NUMBER.match(line.text) or (not first and _key(line.text) in running)):
            dropped.append(line.text)
        else:
            body.append(line)
    body = _merge_split_lines(body)
    if not first:
        body = _without_set_apart_heads(body, page_height, dropped)
    if not body:
        return PageLayout([], dropped)
    em = statistics.median(line.height for line in body)
    # a paragraph running from the foot of the left column to the top of the right one is joined
    # as across a page break
    paragraphs = join_pages([_paragraphs(column, em) for column in _columns(body, em)])
    return PageLayout(paragraphs, dropped)


def _without_set_apart_heads(body: list[OcrLine], page_height: float, dropped: list[str]) -> list[OcrLine]:
    """A running head or footer seen on one page only: a margin line set apart from the body by
    a gap wider than 1.6 line pitches (a title or heading sits at the usual line spacing)."""
    rows = sorted(body, key=lambda ln: ln.y0)
    if len(rows) < 4:
        return body
    pitch = statistics.median(b.y0 - a.y0 for a, b in zip(rows, rows[1:], strict=False))
    if pitch <= 0:
        return body
    apart: set[int] = set()
    top, second = rows[0], rows[1]
    if _in_margin(top, page_height) and top.y1 < page_height / 2 and second.y0 - top.y0 > 1.6 * pitch:
        apart.add(id(top))
    bottom, above = rows[-1], rows[-2]
    if _in_margin(bottom, page_height) and bottom.y0 > page_height / 2 and bottom.y0 - above.y0 > 1.6 * pitch:
        apart.add(id(bottom))
    dropped.extend(line.text for line in rows if id(line) in apart)
    return [line for line in body if id(line) not in apart]


def _merge_split_lines(lines: list[OcrLine]) -> list[OcrLine]:
    """Boxes on the same row, close together, are one line (detection splits at wide gaps)."""
    out: list[OcrLine] = []
    for line in sorted(lines, key=lambda ln: (ln.y0, ln.x0)):
        for i, other in enumerate(out):
            overlap = min(line.y1, other.y1) - max(line.y0, other.y0)
            gap = line.x0 - other.x1
            if (
                line.column == other.column  # never across a gutter found in the pixels
                and overlap > 0.6 * min(line.height, other.height)
                and -0.5 * line.height < gap < 0.8 * line.height
            ):
                out[i] = _joined(other, line)
                break
        else:
            out.append(line)
    return out


def _joined(a: OcrLine, b: OcrLine) -> OcrLine:
    weight_a, weight_b = len(a.text), len(b.text)
    confidence = (a.confidence * weight_a + b.confidence * weight_b) / max(1, weight_a + weight_b)
    shift = len(a.text)
    return OcrLine(
        a.text + b.text,
        min(a.x0, b.x0),
        min(a.y0, b.y0),
        max(a.x1, b.x1),
        max(a.y1, b.y1),
        confidence,
        a.unsure + tuple((s + shift, e + shift) for s, e in b.unsure),
        a.column,
    )


def _columns(lines: list[OcrLine], em: float) -> list[list[OcrLine]]:
    """Reading order: full-width lines in place, between them the left column then the right."""
    if any(line.column for line in lines):
        return _tagged_columns(lines)
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    gutter = _gutter(lines, left, right, em)
    ordered = sorted(lines, key=lambda ln: ln.y0)
    if gutter is None:
        return [ordered]
    blocks: list[list[OcrLine]] = []
    band: list[OcrLine] = []
    for line in ordered:
        if line.x0 < gutter < line.x1:  # spans both columns: a title, a wide table row
            if band:
                blocks.extend(_split_band(band, gutter))
                band = []
            blocks.append([line])
        else:
            band.append(line)
    if band:
        blocks.extend(_split_band(band, gutter))
    return blocks


def _tagged_columns(lines: list[OcrLine]) -> list[list[OcrLine]]:
    """Lines of a page whose columns were found in its pixels (``ocr.page_regions``): bands
    across the page in place, between them column 1 then column 2."""
    blocks: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda ln: ln.y0):
        if not blocks or (line.column == 0) != (blocks[-1][0].column == 0):
            blocks.append([])
        blocks[-1].append(line)
    out: list[list[OcrLine]] = []
    for block in blocks:
        if block[0].column == 0:
            out.append(block)
        else:
            out.extend(c for c in ([ln for ln in block if ln.column == k] for k in (1, 2)) if c)
    return out


def _split_band(band: list[OcrLine], gutter: float) -> list[list[OcrLine]]:
    return [c for c in ([ln for ln in band if ln.x1 <= gutter], [ln for ln in band if ln.x0 >= gutter]) if c]


def _gutter(lines: list[OcrLine], left: float, right: float, em: float) -> float | None:
    """The x of an empty vertical strip in the middle third that most lines keep clear of."""
    width = right - left
    if width < 10 * em or len(lines) < 6:
        return None
    step = max(1.0, em / 4)
    best: tuple[int, float] | None = None
    x = left + width / 3
    while x < left + 2 * width / 3:
        crossing = sum(1 for line in lines if line.x0 < x < line.x1)
        if best is None or crossing < best[0]:
            best = (crossing, x)
        x += step
    if best is None or best[0] > 0.15 * len(lines):
        return None
    # both sides must hold text for it to be a gutter, not the ragged end of short lines
    x = best[1]
    left_side = sum(1 for line in lines if line.x1 <= x)
    right_side = sum(1 for line in lines if line.x0 >= x)
    if left_side < 0.3 * len(lines) or right_side < 0.3 * len(lines):
        return None
    return x


def _edge(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares x = a + b·y through (y, x) points; a slanted page has a slanted margin."""
    if len(points) < 3:
        return (statistics.median(x for _, x in points), 0.0)
    mean_y = statistics.fmean(y for y, _ in points)
    mean_x = statistics.fmean(x for _, x in points)
    var = sum((y - mean_y) ** 2 for y, _ in points)
    if var == 0:
        return (mean_x, 0.0)
    slope = sum((y - mean_y) * (x - mean_x) for y, x in points) / var
    slope = max(-0.2, min(0.2, slope))
    return (mean_x - slope * mean_y, slope)


def _fitted_edges(lines: list[OcrLine], em: float) -> tuple[tuple[float, float], tuple[float, float]]:
    lefts = sorted(line.x0 for line in lines)
    low = lefts[len(lefts) // 5]
    left_points = [((ln.y0 + ln.y1) / 2, ln.x0) for ln in lines if ln.x0 < low + 0.8 * em]
    rights = sorted(line.x1 for line in lines)
    high = rights[(len(rights) * 4) // 5]
    right_points = [((ln.y0 + ln.y1) / 2, ln.x1) for ln in lines if ln.x1 > high - 0.8 * em]
    return _edge(left_points or [(0.0, low)]), _edge(right_points or [(0.0, high)])


def _paragraphs(lines: list[OcrLine], em: float) -> list[Paragraph]:
    if len(lines) < 3:
        # too few lines to know the edges: each line is a paragraph (titles, a lone table row)
        return [_paragraph_of([ln], opens=True, ends_full=False) for ln in lines]
    (left_a, left_b), (right_a, right_b) = _fitted_edges(lines, em)
    pitch = (
        statistics.median(b.y0 - a.y0 for a, b in zip(lines, lines[1:], strict=False))
        if len(lines) > 1
        else em
    )
    groups: list[list[OcrLine]] = []
    opens: list[bool] = []
    previous: OcrLine | None = None
    for line in lines:
        y = (line.y0 + line.y1) / 2
        indented = line.x0 - (left_a + left_b * y) > 0.9 * em
        if previous is None:
            groups.append([line])
            opens.append(indented)
        else:
            py = (previous.y0 + previous.y1) / 2
            previous_full = (right_a + right_b * py) - previous.x1 < 1.5 * em
            far = line.y0 - previous.y0 > 1.8 * max(pitch, em)
            if indented or not previous_full or far or _opens_item(previous, line):
                groups.append([line])
                opens.append(True)
            else:
                groups[-1].append(line)
        previous = line
    out = []
    for group, opened in zip(groups, opens, strict=True):
        last = group[-1]
        ly = (last.y0 + last.y1) / 2
        out.append(
            _paragraph_of(group, opens=opened, ends_full=(right_a + right_b * ly) - last.x1 < 1.5 * em)
        )
    return out


# “2．提升…” after a sentence's end: a numbered item, even where a photographed page's slant
# hides its indent (a number followed by a digit is a figure, “2.5万”, not an item)
_ITEM_NUMBER = re.compile(r"^\s*(?:\d{1,2}[.．、]|[（(][一二三四五六七八九十\d]{1,3}[）)])\s*[\u4e00-\u9fff]")


def _opens_item(previous: OcrLine, line: OcrLine) -> bool:
    return previous.text.rstrip().endswith(("。", "；", "：")) and bool(_ITEM_NUMBER.match(line.text))


def _paragraph_of(lines: list[OcrLine], *, opens: bool, ends_full: bool) -> Paragraph:
    text = ""
    uncertain: list[tuple[int, int]] = []
    for line in lines:
        stripped = line.text.strip()
        lead = len(line.text) - len(line.text.lstrip())
        piece = _glue(text, line.text)
        start = len(text) + (len(piece) - len(stripped))
        text += piece
        for s, e in line.unsure:
            s, e = max(0, s - lead), min(len(stripped), e - lead)
            if s < e:
                uncertain.append((start + s, start + e))
    return Paragraph(text, uncertain, opens_indented=opens, ends_full=ends_full)


def _glue(before: str, line: str) -> str:
    """Chinese lines join without a space; two Latin words keep one."""
    line = line.strip()
    if (
        before
        and line
        and before[-1].isascii()
        and before[-1].isalpha()
        and line[0].isascii()
        and line[0].isalpha()
    ):
        return " " + line
    return line


def join_pages(pages: Sequence[list[Paragraph]]) -> list[Paragraph]:
    """One list of paragraphs: a page's first paragraph continues the previous page's last when
    that one ran to the edge and this one is not indented."""
    out: list[Paragraph] = []
    for paragraphs in pages:
        for index, paragraph in enumerate(paragraphs):
            if index == 0 and out and out[-1].ends_full and not paragraph.opens_indented:
                last = out[-1]
                shift = len(last.text)
                out[-1] = Paragraph(
                    last.text + paragraph.text,
                    last.uncertain + [(s + shift, e + shift) for s, e in paragraph.uncertain],
                    opens_indented=last.opens_indented,
                    ends_full=paragraph.ends_full,
                )
            else:
                out.append(paragraph)
    return out
