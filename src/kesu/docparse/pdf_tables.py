"""A PDF page's text with its ruled tables written one row per line, cells separated by tabs.

pdfplumber's plain text runs a table's cells together on a line, so a 任务分工表 could not be told
from prose. Tables drawn with lines are found on the page; the text around them and their rows are
put back in reading order (top to bottom), rows written the way the docx reader writes them: a
cell merged down from the row above repeats its text, a row merged across the table is one cell.
"""

from __future__ import annotations

from typing import Any


def page_text(page: Any) -> str:
    """The text of one pdfplumber page; tables as tab-separated rows where the page has any."""
    text: str = page.extract_text() or ""
    if not text.strip():
        return text  # an image-only page: left to OCR
    try:
        tables = [t for t in page.find_tables() if len(t.rows) >= 2 and _widest(t) >= 2]
    except Exception:  # a damaged drawing must not cost the page its text
        return text
    if not tables:
        return text
    outside = page
    for table in tables:
        outside = outside.outside_bbox(table.bbox)
    pieces: list[tuple[float, str]] = [(line["top"], line["text"]) for line in outside.extract_text_lines()]
    for table in tables:
        for top, cells in _rows(table):
            pieces.append((top, "\t".join(cells)))
    pieces.sort(key=lambda piece: piece[0])
    return "\n".join(line for _, line in pieces)


def _widest(table: Any) -> int:
    return max(len(row.cells) for row in table.rows)


def _rows(table: Any) -> list[tuple[float, list[str]]]:
    out: list[tuple[float, list[str]]] = []
    above: list[str] = []
    for row, values in zip(table.rows, table.extract(), strict=False):
        spanned_across = sum(1 for v in values if v is not None) == 1
        cells: list[str] = []
        for column, value in enumerate(values):
            if value is None and not spanned_across and column < len(above):
                cells.append(above[column])  # covered by a cell merged down from above
            else:
                cells.append((value or "").replace("\n", ""))
        above = cells
        out.append((row.bbox[1], cells))
    return out
