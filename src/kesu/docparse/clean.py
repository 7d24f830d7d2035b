"""From extracted text to clean paragraphs, keeping a map back to the extracted offsets.

What extraction leaves behind and this module undoes:
- converter artifacts such as ``[image: …]`` or ``[bookmark: _GoBack]``, page numbers of a PDF;
- a document pasted twice (the second copy often broken into runs of a few characters): one copy
  is kept;
- PDF lines wrapped at the page width, with spaces around numbers: they are joined into paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .t2s_chars import traditional_to_simplified
from .tables import table_line_flags
from .textmap import Edit, MappedText

# Same-length substitutions: full-width digits and signs read as ASCII, odd spaces as spaces.
_SAME_LENGTH = str.maketrans(
    {
        **{chr(0xFF10 + d): str(d) for d in range(10)},
        "％": "%",
        "．": ".",
        "\u3000": " ",
        "\xa0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u200b": " ",
        "\ufeff": " ",
        "\x0b": "\n",
        "\x0c": "\n",
    }
)

_ARTIFACT = re.compile(r"\[(?:image|bookmark|picture|figure|img|图片|书签)\b[^\]\n]{0,300}\]", re.I)
_CR = re.compile(r"\r\n?")
# A line holding only a page number: "— 3 —", "- 3 -", "第3页", "3/12", "第 3 页 共 12 页".
_PAGE_NUMBER_LINE = re.compile(
    r"^[ ]*(?:[-—–－]+[ ]*\d{1,3}[ ]*[-—–－]+|第[ ]*\d{1,3}[ ]*页(?:[ ]*[，,]?[ ]*共[ ]*\d{1,3}[ ]*页)?"
    r"|\d{1,3}[ ]*/[ ]*\d{1,3})[ ]*$",
    re.M,
)
_HSPACE_RUN = re.compile(r"[ ]+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")

# Paragraph starts that a wrapped line must not be glued onto.
BLOCK_START = re.compile(
    r"^(?:第?[一二三四五六七八九十]{1,3}(?:、|\.|部分|章)"
    r"|[（(][一二三四五六七八九十]{1,3}[）)]"
    r"|\d{1,2}(?:[.、](?!\d)|[）)])"
    r"|[（(]\d{1,2}[）)]"
    r"|[①-⑳]"
    r"|——|--"
    r"|[（(]?(?:责任分工|任务分工|分工|责任单位|责任部门|牵头单位|牵头部门|参与单位|参与部门|参加单位|配合单位|配合部门|协办单位|主责单位)[：:]"
    r"|附件)"
)
_MARKER_ONLY = re.compile(
    r"^(?:第?[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|\d{1,2}[.、]|[（(]\d{1,2}[）)]|[①-⑳]|——)$"
)


@dataclass
class CleanText:
    """The cleaned text, its paragraphs as [start, end) spans, and the way back to the source."""

    mapped: MappedText
    paragraphs: list[tuple[int, int]]
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.mapped.text

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        return self.mapped.to_source(start, end)


_T2S = str.maketrans(traditional_to_simplified())
_TRADITIONAL = re.compile("[" + re.escape("".join(traditional_to_simplified())) + "]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def clean(source: str) -> CleanText:
    notes: list[str] = []
    text = _same_length(source)
    if is_traditional(text):
        text = text.translate(_T2S)  # one character for one: offsets stay those of the source
        notes.append("文件为繁体字，已按简体字识别（原文不变）。")
    mapped = MappedText(text=_tabs_outside_tables(text), source=source)
    mapped = mapped.edit(_artifact_edits(mapped.text))
    mapped, kept_copy = _drop_second_copy(mapped)
    if kept_copy:
        notes.append("文中同一内容出现两遍，已只保留一份。")
    # widths are measured before spaces go: extraction adds spaces that took no room on the page
    lines = mapped.text.split("\n")
    spaced = _is_spaced(mapped.text)
    if spaced:  # "平 顶 山 市": the spaces took no room on the page
        lines = [line.replace(" ", "") for line in lines]
        notes.append("文本每个字之间有空格（如 PDF 提取），已去掉空格后识别。")
    line_widths = [_width(line) for line in lines]
    wrapped = _wrap_width(line_widths, from_pdf=spaced)
    mapped = mapped.edit(_space_edits(mapped.text, spaced))
    mapped = mapped.edit(_join_edits(mapped.text, line_widths, wrapped))
    if wrapped:
        notes.append("文本按页宽断行（如 PDF），已把断行合并为段落。")
    return CleanText(mapped=mapped, paragraphs=_paragraph_spans(mapped.text), notes=notes)


_SAME_LENGTH_CHARS = re.compile("[" + re.escape("".join(chr(k) for k in _SAME_LENGTH)) + "]")


def _same_length(text: str) -> str:
    """``text.translate(_SAME_LENGTH)``, faster: str.translate walks every character in Python."""
    return _SAME_LENGTH_CHARS.sub(lambda m: str(_SAME_LENGTH[ord(m.group())]), text)


def is_traditional(text: str) -> bool:
    """Written in traditional characters: a simplified plan has next to none (著 in 显著 at most)."""
    sample = text[:20000]
    traditional = len(_TRADITIONAL.findall(sample))
    return traditional >= 10 and traditional >= 0.04 * len(_CJK.findall(sample))


def _tabs_outside_tables(text: str) -> str:
    """Tabs separate table cells (kept) or indent a line (made spaces, dropped later); same length."""
    if "\t" not in text:
        return text
    lines = text.split("\n")
    flags = table_line_flags(lines)
    return "\n".join(
        line if flag else line.replace("\t", " ") for line, flag in zip(lines, flags, strict=True)
    )


def _artifact_edits(text: str) -> list[Edit]:
    edits: list[Edit] = [(m.start(), m.end(), "") for m in _ARTIFACT.finditer(text)]
    edits += [(m.start(), m.end(), "\n") for m in _CR.finditer(text)]
    edits += [(m.start(), m.end(), "") for m in _PAGE_NUMBER_LINE.finditer(text)]
    return _non_overlapping(edits)


def _non_overlapping(edits: list[Edit]) -> list[Edit]:
    out: list[Edit] = []
    last_end = -1
    for edit in sorted(edits):
        if edit[0] >= last_end:
            out.append(edit)
            last_end = edit[1]
    return out


def _space_edits(text: str, spaced: bool = False) -> list[Edit]:
    """Drop horizontal spaces except between two Latin letters (``Open Data`` keeps its space); in
    text with a space after every character only a wider gap separates words (``A P P`` is APP)."""
    edits: list[Edit] = []
    for m in _HSPACE_RUN.finditer(text):
        before = text[m.start() - 1] if m.start() > 0 else "\n"
        after = text[m.end()] if m.end() < len(text) else "\n"
        between_letters = _ASCII_LETTER.match(before) and _ASCII_LETTER.match(after)
        if between_letters and not (spaced and m.end() - m.start() == 1):
            if m.end() - m.start() > 1:
                edits.append((m.start(), m.end(), " "))
            continue
        edits.append((m.start(), m.end(), ""))
    return edits


# --- a document pasted twice ----------------------------------------------------------------

_PROBE = 40


def _drop_second_copy(mapped: MappedText) -> tuple[MappedText, bool]:
    """If the text's opening recurs and the rest matches for long, keep the longer copy only."""
    text = mapped.text
    runs = [(m.start(), m.group()) for m in re.finditer(r"\S+", text)]
    compact = "".join(r for _, r in runs)
    if len(compact) < 4 * _PROBE:
        return mapped, False
    at = -1
    for skip in (0, _PROBE, 2 * _PROBE):  # a scan's copy may misread a character of the opening
        found = compact.find(compact[skip : skip + _PROBE], skip + _PROBE)
        if found >= 0:
            at = found - skip if skip == 0 else _copy_start(compact, found - skip)
            break
    if at <= 0:
        return mapped, False
    shared = _common_prefix_length(compact, 0, at)
    rest = len(compact) - at
    if shared < min(300, rest) or shared < 0.6 * min(at, rest):
        # a scan's two copies differ by the recogniser's slips: compare them character by character
        span = min(at, rest, _SIMILAR_SPAN)
        shared = _similar_length(compact[:span], compact[at : at + span])
        if shared < min(300, rest) or shared < 0.9 * span:
            return mapped, False
    cut = _source_offset(runs, at)
    if rest > at:
        return mapped.edit([(0, cut, "")]), True
    return mapped.edit([(cut, len(text), "\n")]), True


_SIMILAR_SPAN = 2000


def _copy_start(compact: str, guess: int) -> int:
    """Where the second copy begins, found from a probe past its opening: the opening's first
    characters (four, else three, else two: a misread one among them) nearest ``guess`` (the
    copy's misread opening may be a few characters shorter or longer, and a cut there would take
    the first copy's last characters with it)."""
    reach = _PROBE // 2
    for size in (4, 3, 2):
        starts = [m.start() for m in re.finditer(re.escape(compact[:size]), compact[: guess + reach])]
        near = [s for s in starts if s > 0 and abs(s - guess) <= reach]
        if near:
            return min(near, key=lambda s: abs(s - guess))
    return guess


def _similar_length(a: str, b: str) -> int:
    """Characters of ``a`` and ``b`` that line up (difflib), for copies with OCR slips."""
    import difflib

    blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return sum(block.size for block in blocks)


def _common_prefix_length(s: str, a: int, b: int) -> int:
    """Length of the longest common prefix of s[a:] and s[b:], by halving (C-speed compares)."""
    lo, hi = 0, len(s) - b
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if s[a : a + mid] == s[b : b + mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _source_offset(runs: list[tuple[int, str]], compact_index: int) -> int:
    seen = 0
    for start, run in runs:
        if seen + len(run) > compact_index:
            return start + (compact_index - seen)
        seen += len(run)
    return runs[-1][0] + len(runs[-1][1]) if runs else 0


# --- wrapped lines --------------------------------------------------------------------------


_HALF_WIDTH = re.compile(r"[\x00-\x7f]")


_SPACED_PAIR = re.compile(r"[^\s] (?=[^\s])")


def _is_spaced(text: str) -> bool:
    """PDF text with a space between every character (most characters are followed by one space)."""
    sample = text[:5000]
    visible = len(sample) - sample.count(" ") - sample.count("\n")
    return visible > 40 and len(_SPACED_PAIR.findall(sample)) > 0.6 * visible


def _width(line: str) -> float:
    """Width on the page in CJK characters: Latin letters, digits and spaces take half."""
    half = len(_HALF_WIDTH.findall(line))
    return (len(line) - half) + half * 0.5 if line.strip() else 0.0


def _wrap_width(line_widths: list[float], from_pdf: bool = False) -> float:
    """The page width in characters if lines look cut at a fixed width, else 0. Text known to come
    from a PDF (spaced characters) may be a short plan of mostly one-line paragraphs: a smaller share
    of full lines is enough there."""
    widths = sorted(w for w in line_widths if w > 0)
    if len(widths) < 12:
        return 0.0
    full = widths[int(len(widths) * (0.9 if from_pdf else 0.75))]
    if full > 80 or full < 12:
        return 0.0
    near_full = sum(1 for w in widths if 0.85 * full <= w <= 1.2 * full)
    return full if near_full >= (0.3 if from_pdf else 0.45) * len(widths) else 0.0


def _join_edits(text: str, line_widths: list[float], wrap_width: float) -> list[Edit]:
    """Newlines to delete: after a lone marker ("1."), and inside wrapped paragraphs."""
    edits: list[Edit] = []
    lines = text.split("\n")
    offsets: list[int] = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    previous = -1  # index of the previous non-empty line
    for i, line in enumerate(lines):
        if not line:
            continue
        if previous >= 0 and _glue(lines[previous], line_widths[previous], line, wrap_width):
            gap_start = offsets[previous] + len(lines[previous])
            edits.append((gap_start, offsets[i], ""))
        previous = i
    return edits


def _glue(prev: str, prev_width: float, line: str, wrap_width: float) -> bool:
    """Join a line to the previous one? Always after a lone "1."; in wrapped text, after a full line
    unless this one opens a heading or a responsibility clause. A full line ending in 。 is no
    paragraph end: wrapped paragraphs end on a short line."""
    if "\t" in prev or "\t" in line:
        return False  # table rows stay rows
    if _MARKER_ONLY.match(prev):
        return True
    if not wrap_width or prev_width < 0.85 * wrap_width:
        return False
    return not BLOCK_START.match(line)


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in re.finditer(r"[^\n]+", text):
        if m.group().strip():
            spans.append((m.start(), m.end()))
    return spans
