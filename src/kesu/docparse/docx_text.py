"""Text of a docx read straight from its XML, in document order, with Word's automatic numbers.

Plans often number their headings with Word's list numbering (一、 / （一） / 1.), which is not in
the paragraph text: the labels are rebuilt from numbering.xml so that headings keep their numbers.
Tables come out one row per line, cells separated by a tab.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from .errors import CorruptDocumentError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN_DIGITS = "零一二三四五六七八九"


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1


@dataclass
class _Numbering:
    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)  # abstractNumId → levels
    abstract_of: dict[str, str] = field(default_factory=dict)  # numId → abstractNumId
    style_num: dict[str, tuple[str, int]] = field(default_factory=dict)  # styleId → (numId, ilvl)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)

    def label(self, num_id: str, ilvl: int) -> str:
        abstract = self.abstract_of.get(num_id)
        if abstract is None or num_id == "0":
            return ""
        levels = self.levels.get(abstract, {})
        counters = self.counters.setdefault(abstract, {})
        level = levels.get(ilvl, _Level())
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level.fmt in {"bullet", "none"}:
            return ""
        out = level.text
        for k in range(ilvl + 1):
            value = counters.get(k, levels.get(k, _Level()).start)
            fmt = levels.get(k, _Level()).fmt
            out = out.replace(f"%{k + 1}", _format(value, fmt))
        return out


def _format(value: int, fmt: str) -> str:
    if fmt.startswith(("chinese", "ideograph", "japaneseCounting", "taiwanese")):
        return _chinese(value)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(ord("①") + value - 1) if 1 <= value <= 20 else str(value)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) - ord("0") + 0xFF10) for d in str(value))
    if fmt in {"upperLetter", "lowerLetter"}:
        letter = chr(ord("A") + (value - 1) % 26)
        return letter if fmt == "upperLetter" else letter.lower()
    return str(value)


def _chinese(value: int) -> str:
    if value < 10:
        return _CN_DIGITS[value]
    if value < 20:
        return "十" + (_CN_DIGITS[value % 10] if value % 10 else "")
    if value < 100:
        return _CN_DIGITS[value // 10] + "十" + (_CN_DIGITS[value % 10] if value % 10 else "")
    return str(value)


def extract(archive: zipfile.ZipFile) -> str:
    numbering = _read_numbering(archive)
    root = _parse_part(archive, "word/document.xml")
    body = root.find(f"{_W}body")
    lines: list[str] = []
    if body is None:
        return ""
    for child in body:
        if child.tag == f"{_W}p":
            lines.append(_paragraph(child, numbering))
        elif child.tag == f"{_W}tbl":
            lines.extend(_table(child))
        elif child.tag == f"{_W}sdt":
            for p in child.iter(f"{_W}p"):
                lines.append(_paragraph(p, numbering))
    return "\n".join(lines)


def _paragraph(p: ElementTree.Element, numbering: _Numbering) -> str:
    parts: list[str] = []
    for el in p.iter():
        tag = el.tag
        if tag == f"{_W}t" and el.text:
            parts.append(el.text)
        elif tag == f"{_W}tab":
            parts.append(" ")  # a tab in a paragraph is layout (1.<tab>标题); tabs separate table cells only
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    text = "".join(parts)
    label = _numbering_label(p, numbering)
    return label + text if label and not text.startswith(label) else text


def _numbering_label(p: ElementTree.Element, numbering: _Numbering) -> str:
    ppr = p.find(f"{_W}pPr")
    if ppr is None:
        return ""
    num_pr = ppr.find(f"{_W}numPr")
    num_id: str | None = None
    ilvl = 0
    if num_pr is not None:
        num_el = num_pr.find(f"{_W}numId")
        lvl_el = num_pr.find(f"{_W}ilvl")
        num_id = num_el.get(f"{_W}val") if num_el is not None else None
        ilvl = int(lvl_el.get(f"{_W}val") or 0) if lvl_el is not None else 0
    else:
        style = ppr.find(f"{_W}pStyle")
        style_id = style.get(f"{_W}val") if style is not None else None
        if style_id and style_id in numbering.style_num:
            num_id, ilvl = numbering.style_num[style_id]
    return numbering.label(num_id, ilvl) if num_id else ""


def _table(tbl: ElementTree.Element) -> list[str]:
    """One line per row, cells joined by tabs. A cell spanning columns is followed by empty cells so the
    columns stay aligned; a cell merged down from the row above repeats that cell's text."""
    rows: list[str] = []
    above: dict[int, str] = {}  # grid column → text of the cell that a vertical merge continues
    for tr in tbl.findall(f"{_W}tr"):
        cells: list[str] = []
        for tc in tr.findall(f"{_W}tc"):
            column = len(cells)
            tcpr = tc.find(f"{_W}tcPr")
            span_el = tcpr.find(f"{_W}gridSpan") if tcpr is not None else None
            merge_el = tcpr.find(f"{_W}vMerge") if tcpr is not None else None
            span = int(span_el.get(f"{_W}val") or 1) if span_el is not None else 1
            text = _cell_text(tc)
            if merge_el is not None and merge_el.get(f"{_W}val") in (None, "continue") and not text:
                text = above.get(column, "")
            above[column] = text
            cells.append(text)
            cells.extend("" for _ in range(max(span, 1) - 1))
        rows.append("\t".join(cells))
    return rows


def _cell_text(tc: ElementTree.Element) -> str:
    """A cell's paragraphs on one line: joined with ；unless a paragraph already ends a sentence."""
    out = ""
    for p in tc.findall(f"{_W}p"):
        text = "".join(t.text or "" for t in p.iter(f"{_W}t")).replace("\t", " ").strip()
        if not text:
            continue
        if out and out[-1] not in "。；;，,、：:":
            out += "；"
        out += text
    return out


def _parse_part(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    """One XML part of the docx. Word never writes a DTD: a part declaring one is refused unparsed, since its
    entities could expand a few kilobytes into gigabytes of text (the "billion laughs")."""
    data = archive.read(name)
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")  # XML may be UTF-16: look for the DTD in its characters
    probe = data.decode("utf-16", errors="ignore").encode() if utf16 else data
    if b"<!DOCTYPE" in probe or b"<!ENTITY" in probe:
        raise CorruptDocumentError(
            "Word 文档中含有文档类型声明（DTD），不是 Word 保存的正常文件，已拒绝读取。"
        )
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise CorruptDocumentError("Word 文档已损坏，无法读取其中的内容（XML 格式有误）。") from error


def _read_numbering(archive: zipfile.ZipFile) -> _Numbering:
    numbering = _Numbering()
    names = set(archive.namelist())
    if "word/numbering.xml" in names:
        root = _parse_part(archive, "word/numbering.xml")
        for abstract in root.findall(f"{_W}abstractNum"):
            abstract_id = abstract.get(f"{_W}abstractNumId") or ""
            levels: dict[int, _Level] = {}
            for lvl in abstract.findall(f"{_W}lvl"):
                level = _Level()
                fmt, text, start = lvl.find(f"{_W}numFmt"), lvl.find(f"{_W}lvlText"), lvl.find(f"{_W}start")
                if fmt is not None:
                    level.fmt = fmt.get(f"{_W}val") or "decimal"
                if text is not None:
                    level.text = text.get(f"{_W}val") or ""
                if start is not None:
                    level.start = int(start.get(f"{_W}val") or 1)
                levels[int(lvl.get(f"{_W}ilvl") or 0)] = level
            numbering.levels[abstract_id] = levels
        for num in root.findall(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            if ref is not None:
                numbering.abstract_of[num.get(f"{_W}numId") or ""] = ref.get(f"{_W}val") or ""
    if "word/styles.xml" in names:
        root = _parse_part(archive, "word/styles.xml")
        for style in root.findall(f"{_W}style"):
            num_pr = style.find(f"{_W}pPr/{_W}numPr")
            if num_pr is None:
                continue
            num_el, lvl_el = num_pr.find(f"{_W}numId"), num_pr.find(f"{_W}ilvl")
            if num_el is not None:
                ilvl = int(lvl_el.get(f"{_W}val") or 0) if lvl_el is not None else 0
                numbering.style_num[style.get(f"{_W}styleId") or ""] = (num_el.get(f"{_W}val") or "", ilvl)
    return numbering
