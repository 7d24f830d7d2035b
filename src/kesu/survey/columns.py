"""A questionnaire file read column by column, fast enough for a province's wave (100,000 × 50).

The shared reader (`kesu.tables.read_table`) cleans and checks each of the 6 million cells of such a
file one by one in Python: about 7 s before a single row is validated. A CSV is read here with the
same limits and the same messages, but the work is done per column: cells are cleaned through a memo
(an answer column holds a handful of distinct texts), and the cell-length and cell-count limits are
checked with C-speed builtins. An xlsx goes through the shared reader and is then turned into columns.
Plain Python, no Django.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kesu import tables
from kesu.text import clean_text
from kesu.textcodec import decode_chinese_text

MB = tables.MB

# A province's wave: 100,000 respondents × 50 items and the profile is 5.9 million cells, about 15 MB of
# CSV with answers as letters (60 MB with option texts). The shared defaults (50,000 rows, 5 million
# cells, 20 MB) are for registers; this table may hold four times as much.
RESPONSE_LIMITS = tables.Limits(
    max_bytes=80 * MB,
    max_unpacked_bytes=400 * MB,
    max_rows=200_000,
    max_columns=500,
    max_cells=20_000_000,
)


@dataclass(frozen=True)
class Columns:
    """The header, the non-blank data rows as columns of stripped text, and each row's line number."""

    headers: list[str]
    columns: list[list[str]]
    lines: list[int]

    @property
    def n_rows(self) -> int:
        return len(self.lines)

    def column(self, aliases: tuple[str, ...] | list[str]) -> int | None:
        return tables.find_column(self.headers, aliases)


def read_columns(data: bytes, filename: str, limits: tables.Limits = RESPONSE_LIMITS) -> Columns:
    """Header and rows of an upload as columns; the shared reader's limits and messages hold."""
    if tables.file_kind(filename) == "xlsx":
        table = tables.read_table(data, filename, limits)
        return Columns(table.headers, _transpose(table.rows, len(table.headers)), table.lines)
    rows = _csv_rows(data, limits)
    headers = [cell_text(c) for c in rows[0]] if rows else []
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise tables.TableError("文件是空的，或第一行没有列名。")
    kept = [(number, row) for number, row in enumerate(rows[1:], start=2) if "".join(row).strip()]
    if not kept:
        raise tables.TableError("文件只有列名，没有数据行。")
    raw = _transpose([row for _number, row in kept], len(headers))
    return Columns(headers, [_cleaned(column) for column in raw], [number for number, _row in kept])


def _csv_rows(data: bytes, limits: tables.Limits) -> list[list[str]]:
    tables.check_size(data, limits)
    text = decode_chinese_text(data)
    if text is None:
        raise tables.UnreadableError(
            "无法识别文件的编码：请另存为 UTF-8 或 GBK（GB18030）编码的 CSV，或 .xlsx 文件。"
        )
    if "\x00" in text:
        raise tables.TableError(
            "文件中含有空字符（\\0），不是正常的 CSV 文本：请用 Excel 打开后另存为 CSV 或 .xlsx 再上传。"
        )
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as error:
        raise tables.TableError(_csv_problem(reader.line_num, error)) from error
    _check_limits(rows, limits)
    return rows


def _csv_problem(number: int, error: csv.Error) -> str:
    """The shared reader's words for a CSV the csv module cannot parse."""
    if "field larger than field limit" in str(error):
        return (
            f"第 {number} 行附近有一个单元格超过 {csv.field_size_limit()} 个字符（常见原因是引号没有配对）："
            "请检查该行的引号，或改用 .xlsx 文件。"
        )
    return f"第 {number} 行附近的 CSV 格式有误（{error}）：请用 Excel 打开后另存为 CSV 或 .xlsx 再上传。"


def _check_limits(rows: list[list[str]], limits: tables.Limits) -> None:
    """The shared reader's row, column, cell-length and cell-count limits, at C speed (map, count, join)."""
    if len(rows) - 1 > limits.max_rows:
        raise tables.TableError(f"文件超过 {limits.max_rows} 行：请删除表格末尾多余的行，或拆分后分批上传。")
    if max(map(len, rows), default=0) > limits.max_columns:
        for number, row in enumerate(rows, start=1):
            if len(row) > limits.max_columns and "".join(row[limits.max_columns :]).strip():
                raise tables.TableError(f"文件第 {number} 行超过 {limits.max_columns} 列：请删除多余的列。")
    if (
        max(map(len, map("".join, rows)), default=0) > limits.max_cell_chars
    ):  # a row longer than a cell may be
        for number, row in enumerate(rows, start=1):
            longest = max(map(len, row), default=0)
            if longest > limits.max_cell_chars:
                index = next(i for i, c in enumerate(row) if len(c) == longest)
                raise tables.TableError(
                    f"文件第 {number} 行第 {index + 1} 列的内容有 {longest} 个字符，"
                    f"超过 {limits.max_cell_chars} 个的上限。"
                )
    cells = sum(len(row) - row.count("") for row in rows)
    if cells > limits.max_cells:
        raise tables.TableError(f"文件超过 {limits.max_cells} 个非空单元格：请拆分后分批上传。")


def _transpose(rows: list[list[str]], width: int) -> list[list[str]]:
    if set(map(len, rows)) != {width}:  # rows shorter or longer than the header: pad or cut them first
        rows = [row[:width] if len(row) >= width else row + [""] * (width - len(row)) for row in rows]
    return [list(column) for column in zip(*rows, strict=True)] or [[] for _ in range(width)]


class Memo(dict[str, Any]):
    """A function's value per distinct key, looked up from C: ``list(map(memo.__getitem__, column))``.

    A column of 100,000 answers holds a handful of distinct texts; the function runs once for each."""

    def __init__(self, function: Callable[[str], Any]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, key: str) -> Any:
        value = self[key] = self.function(key)
        return value


def _cleaned(column: list[str]) -> list[str]:
    """Each cell cleaned and stripped as the shared reader does, each distinct text once."""
    return list(map(Memo(cell_text).__getitem__, column))


def cell_text(value: str) -> str:
    return clean_text(value).strip()
