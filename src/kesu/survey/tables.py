"""Reading uploaded tables (xlsx or CSV) into rows of text, with the line each row came from.

Offices keep item banks, sample frames, margins and paper questionnaires in Excel; CAPI systems
export CSV in UTF-8 or GB18030. Every cell becomes a stripped string so validation can name the
row and the column of anything wrong.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kesu.textcodec import decode_chinese_text


class TableError(ValueError):
    """An upload that cannot be read, or whose rows do not fit; the message is for the office."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    lines: list[int]  # the spreadsheet row number of each row (the header is row 1)

    def column(self, aliases: Sequence[str]) -> int | None:
        """Index of the first header among `aliases` (case-insensitive), or None."""
        lowered = [h.lower() for h in self.headers]
        for alias in aliases:
            if alias.lower() in lowered:
                return lowered.index(alias.lower())
        return None

    def require(self, wanted: dict[str, Sequence[str]]) -> dict[str, int]:
        """Indexes of the wanted columns; all missing ones are named at once."""
        found = {key: self.column(aliases) for key, aliases in wanted.items()}
        missing = [aliases[0] for key, aliases in wanted.items() if found[key] is None]
        if missing:
            raise TableError(f"文件缺少以下列：{'、'.join(missing)}。现有列：{'、'.join(self.headers) or '（无）'}。")
        return {key: index for key, index in found.items() if index is not None}


def read_table(data: bytes, filename: str) -> Table:
    name = filename.lower()
    if name.endswith(".xlsx"):
        cells = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")):
        cells = [list(row) for row in csv.reader(io.StringIO(_decode(data)))]
    else:
        raise TableError(f"不支持的文件类型“{filename}”：请上传 .xlsx 或 .csv 文件。")
    raw = [[_text(c) for c in row] for row in cells]
    if not raw or not any(raw[0]):
        raise TableError("文件是空的，或第一行没有列名。")
    headers = [h.strip() for h in raw[0]]
    rows, lines = [], []
    for number, row in enumerate(raw[1:], start=2):
        if any(cell for cell in row):
            rows.append((row + [""] * len(headers))[: len(headers)])
            lines.append(number)
    if not rows:
        raise TableError("文件只有列名，没有数据行。")
    return Table(headers, rows, lines)


def _decode(data: bytes) -> str:
    text = decode_chinese_text(data)
    if text is None:
        raise TableError("无法识别文件的编码：请另存为 UTF-8 或 GB18030 编码的 CSV，或 .xlsx 文件。")
    return text


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise TableError(f"无法读取 Excel 文件：{error}") from error
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 23 as 23.0; ids and ages should read as typed
    return str(value).strip()


def number(table: Table, row: int, col: int, label: str) -> float:
    """A numeric cell, or an error naming the row, the column and the text found."""
    text = table.rows[row][col]
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise TableError(f"第 {table.lines[row]} 行“{label}”列的“{text}”不是数字。") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise TableError(f"第 {table.lines[row]} 行“{label}”列的“{text}”不是有限的数字。")
    return value
