"""Reading uploaded tables (xlsx or CSV) one row at a time, within limits checked before anything is loaded.

Every importer in Kesu (indicator values, the offline report workbook, item banks, sample frames,
margins, paper and CAPI responses) reads its upload here. Plain Python with openpyxl and csv, no
Django, so the statistics core may use it too.

What an office uploads can be damaged or hostile: a 1 MB xlsx may declare a million rows or unpack
to gigabytes of text, a CSV may hold one field of 100 MB. So the file size, the unpacked size, the
declared sheet dimension, and then row by row the row count, column count, cell length and total
cells are checked against `Limits`; the first limit reached stops the reading with a Chinese message
that says what to change. Nothing is written by a reader: importers collect every row's problem in
`RowErrors` and store all rows or none.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kesu.text import clean_text
from kesu.textcodec import decode_chinese_text

MB = 1024 * 1024
UNREADABLE_XLSX = "无法打开该 Excel 文件：请确认是 .xlsx 格式（不是 .xls 或改了扩展名的文件）且未加密。"


class TableError(ValueError):
    """An upload that cannot be read, or that breaks a limit; the message is for the office."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnreadableError(TableError):
    """Not a table at all: a damaged, encrypted or renamed file. Importers may word it for their own form."""


@dataclass(frozen=True)
class Limits:
    """How much one upload may hold. Importers narrow them to what their table can sensibly have."""

    max_bytes: int = 20 * MB
    max_unpacked_bytes: int = 100 * MB  # an xlsx is a zip: its parts unpacked, shared strings included
    max_rows: int = 50_000  # data rows, the header not counted
    max_columns: int = 500
    max_cell_chars: int = 32_767  # Excel's own limit for one cell
    max_cells: int = 5_000_000


DEFAULT_LIMITS = Limits()


# ---- rows ---------------------------------------------------------------------------------------


def file_kind(filename: str) -> str:
    """ "xlsx" or "csv" from the file name; anything else is refused in words the office understands."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        return "csv"
    raise UnreadableError(f"不支持的文件类型“{filename}”：请上传 .xlsx 或 .csv 文件。")


def iter_rows(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) of the first sheet (or the CSV), the header being row 1, checked against `limits`.

    xlsx cells keep their type (numbers, dates, text); CSV cells are text. Blank rows are yielded too,
    so row numbers stay those the office sees in Excel.
    """
    check_size(data, limits)
    if file_kind(filename) == "xlsx":
        with open_workbook(data, limits) as book:
            yield from sheet_rows(book.worksheets[0], limits)
    else:
        yield from csv_rows(data, limits)


def check_size(data: bytes, limits: Limits) -> None:
    if len(data) > limits.max_bytes:
        raise TableError(
            f"文件有 {_size(len(data))}，超过 {_size(limits.max_bytes)} 的上限：请拆分后分批上传。"
        )
    if not data.strip():
        raise TableError("文件是空的。")


def _size(count: int) -> str:
    return f"{count / MB:.3g} MB" if count >= MB else f"{count / 1024:.3g} KB"


class open_workbook:  # noqa: N801 - used as ``with open_workbook(data, limits) as book``
    """An xlsx opened read-only after its unpacked size is checked; closed on leaving the block."""

    def __init__(self, data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
        check_size(data, limits)
        _check_unpacked(data, limits)
        from openpyxl import load_workbook

        try:
            self.book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # zip, XML and openpyxl raise many kinds for a damaged file
            raise UnreadableError(UNREADABLE_XLSX) from error

    def __enter__(self) -> Any:
        return self.book

    def __exit__(self, *exc: object) -> None:
        self.book.close()


def _check_unpacked(data: bytes, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > limits.max_unpacked_bytes:
                raise TableError(
                    f"该 Excel 文件解压后有 {_size(unpacked)}，超过 {_size(limits.max_unpacked_bytes)} 的上限："
                    "请删除无关的工作表、图片和格式，或拆分后分批上传。"
                )
            for name in archive.namelist():
                if _SHEET_PART.fullmatch(name):
                    _check_undeclared_rows(archive, name, limits)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        if isinstance(error, TableError):
            raise
        raise UnreadableError(UNREADABLE_XLSX) from error


_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")
_ROW = re.compile(rb"<(?:\w+:)?row\b")
_CHUNK = 1024 * 1024


def _check_undeclared_rows(archive: zipfile.ZipFile, name: str, limits: Limits) -> None:
    """Count the rows of a sheet that does not declare its used range, before openpyxl does.

    Opening a workbook, openpyxl looks for each sheet's declared dimension and, when there is none,
    parses the whole sheet to find it: a small file of a million empty rows held a worker for a
    minute that way. Counting row tags in the raw XML is a hundred times faster and stops at the limit.
    """
    rows, tail, declared_or_data = 0, b"", False
    with archive.open(name) as part:
        while chunk := part.read(_CHUNK):
            text = tail + chunk
            if not declared_or_data:
                dimension, data = _DIMENSION.search(text), _SHEET_DATA.search(text)
                if dimension and (data is None or dimension.start() < data.start()):
                    return  # declared: openpyxl stops there, and sheet_rows checks the range
                declared_or_data = data is not None
            if declared_or_data:  # a tag that ends within the tail was counted with the previous chunk
                rows += sum(1 for match in _ROW.finditer(text) if match.end() > len(tail))
            if rows > limits.max_rows + 1:
                raise TableError(
                    f"工作表超过 {limits.max_rows} 行（文件没有写明表格范围，带格式的空行也算在内）："
                    "请用 Excel 打开后删除表格末尾多余的行并另存，或拆分后分批上传。"
                )
            tail = chunk[-16:]


def sheet_rows(sheet: Any, limits: Limits = DEFAULT_LIMITS) -> Iterator[tuple[int, list[Any]]]:
    """The rows of one read-only worksheet; its declared dimension is checked before the first row is read."""
    _check_dimension(sheet, limits)
    counter = _Counter(limits, f"“{sheet.title}”工作表")
    # Without max_col a row is as wide as the declared dimension (checked above) or as its last cell.
    rows = sheet.iter_rows(max_row=limits.max_rows + 2, values_only=True)
    try:
        for number, row in enumerate(rows, start=1):
            cells = [clean_text(c) if isinstance(c, str) else c for c in row]
            counter.count(number, cells)
            yield number, cells
    except TableError:
        raise
    except Exception as error:  # a damaged sheet may fail only while its rows are read
        raise UnreadableError(
            "无法读取该 Excel 文件的内容：文件可能已损坏，请用 Excel 打开后另存为 .xlsx 再上传。"
        ) from error


def _check_dimension(sheet: Any, limits: Limits) -> None:
    """Excel writes the used range in each sheet: a sheet that declares too much is refused unread."""
    rows, columns = sheet.max_row, sheet.max_column
    if rows is None or columns is None:
        return  # not declared (some tools omit it): the row-by-row checks still hold
    where = f"“{sheet.title}”工作表"
    if rows - 1 > limits.max_rows:
        raise TableError(
            f"{where}超过 {limits.max_rows} 行（使用范围到第 {rows} 行，带格式的空行也算在内）："
            "请删除表格末尾多余的行，或拆分后分批上传。"
        )
    if columns > limits.max_columns:
        raise TableError(
            f"{where}超过 {limits.max_columns} 列（使用范围到第 {columns} 列）：请删除多余的列。"
        )
    if rows * columns > limits.max_cells:
        raise TableError(
            f"{where}的使用范围有 {rows * columns} 个单元格，超过 {limits.max_cells} 个的上限：请拆分后分批上传。"
        )


def csv_rows(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Iterator[tuple[int, list[Any]]]:
    """The rows of a CSV in UTF-8 (with or without BOM) or GB18030/GBK."""
    check_size(data, limits)
    text = decode_chinese_text(data)
    if text is None:
        raise UnreadableError(
            "无法识别文件的编码：请另存为 UTF-8 或 GBK（GB18030）编码的 CSV，或 .xlsx 文件。"
        )
    if "\x00" in text:
        raise TableError(
            "文件中含有空字符（\\0），不是正常的 CSV 文本：请用 Excel 打开后另存为 CSV 或 .xlsx 再上传。"
        )
    counter = _Counter(limits, "文件")
    reader = csv.reader(io.StringIO(text))
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise TableError(_csv_problem(number + 1, error, limits)) from error
        number += 1
        counter.count(number, row)
        yield number, [clean_text(cell) for cell in row]


def _csv_problem(number: int, error: csv.Error, limits: Limits) -> str:
    if "field larger than field limit" in str(error):
        return (
            f"第 {number} 行附近有一个单元格超过 {csv.field_size_limit()} 个字符（常见原因是引号没有配对）："
            "请检查该行的引号，或改用 .xlsx 文件。"
        )
    return f"第 {number} 行附近的 CSV 格式有误（{error}）：请用 Excel 打开后另存为 CSV 或 .xlsx 再上传。"


@dataclass
class _Counter:
    """The row-by-row limits, for files whose declared size was absent or false."""

    limits: Limits
    where: str
    cells: int = 0

    def count(self, number: int, row: list[Any]) -> None:
        limits = self.limits
        if number - 1 > limits.max_rows:
            raise TableError(
                f"{self.where}超过 {limits.max_rows} 行：请删除表格末尾多余的行，或拆分后分批上传。"
            )
        if len(row) > limits.max_columns and any(not _is_blank(c) for c in row[limits.max_columns :]):
            raise TableError(f"{self.where}第 {number} 行超过 {limits.max_columns} 列：请删除多余的列。")
        for index, cell in enumerate(row):
            if isinstance(cell, str) and len(cell) > limits.max_cell_chars:
                raise TableError(
                    f"{self.where}第 {number} 行第 {index + 1} 列的内容有 {len(cell)} 个字符，"
                    f"超过 {limits.max_cell_chars} 个的上限。"
                )
        self.cells += sum(1 for cell in row if not _is_blank(cell))
        if self.cells > limits.max_cells:
            raise TableError(f"{self.where}超过 {limits.max_cells} 个非空单元格：请拆分后分批上传。")


def _is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def is_blank_row(row: Sequence[Any]) -> bool:
    return all(_is_blank(cell) for cell in row)


# ---- a table of text with a header --------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """The header and the non-blank rows of an upload as stripped text, with the row number of each."""

    headers: list[str]
    rows: list[list[str]]
    lines: list[int]  # the spreadsheet row number of each row (the header is row 1)

    def column(self, aliases: Sequence[str]) -> int | None:
        """Index of the first header among `aliases` (case-insensitive), or None."""
        return find_column(self.headers, aliases)

    def require(self, wanted: Mapping[str, Sequence[str]]) -> dict[str, int]:
        """Indexes of the wanted columns; all missing ones are named at once."""
        return map_header(self.headers, wanted)


def read_table(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> Table:
    """Header and rows as text; a table without a header or without a data row is refused."""
    headers: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    for number, cells in iter_rows(data, filename, limits):
        texts = [cell_text(c) for c in cells]
        if headers is None:
            if not any(texts):
                raise TableError("文件是空的，或第一行没有列名。")
            while texts and not texts[-1]:
                texts.pop()  # xlsx rows are as wide as the sheet: blank header cells at the end are no columns
            headers = texts
        elif any(texts):
            rows.append((texts + [""] * len(headers))[: len(headers)])
            lines.append(number)
    if headers is None:
        raise TableError("文件是空的，或第一行没有列名。")
    if not rows:
        raise TableError("文件只有列名，没有数据行。")
    return Table(headers, rows, lines)


def cell_text(value: object) -> str:
    """A cell as the office typed it: Excel stores 23 as 23.0, ids and ages should read as 23."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ---- header mapping -----------------------------------------------------------------------------


def find_column(headers: Sequence[str], aliases: Sequence[str]) -> int | None:
    """Index of the first of `aliases` among `headers`, ignoring case and surrounding spaces."""
    lowered = [str(h).strip().lower() for h in headers]
    for alias in aliases:
        if alias.lower() in lowered:
            return lowered.index(alias.lower())
    return None


def map_header(
    headers: Sequence[str],
    wanted: Mapping[str, Sequence[str]],
    optional: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, int]:
    """Field key → column index, from Chinese header names and their aliases (the first alias names the column).

    Every missing required column is named in one message, with the header as found, so the office
    can see a typo or a column in the wrong file.
    """
    found = {key: find_column(headers, aliases) for key, aliases in wanted.items()}
    missing = [aliases[0] for key, aliases in wanted.items() if found[key] is None]
    if missing:
        present = "、".join(str(h) for h in headers if str(h).strip()) or "（无）"
        raise TableError(f"文件缺少以下列：{'、'.join(missing)}。现有列：{present}。")
    for key, aliases in (optional or {}).items():
        found[key] = find_column(headers, aliases)
    return {key: index for key, index in found.items() if index is not None}


# ---- cells --------------------------------------------------------------------------------------


def parse_number(raw: Any) -> float | None:
    """A finite number from a cell (1,234 and 12% read as 1234 and 12), None for a blank one.

    Raises ValueError for text that is not a number and for NaN or infinity, which Excel cannot hold
    and which would poison every sum they enter.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValueError(raw)
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        value = float(str(raw).replace(",", "").replace("，", "").strip().rstrip("%"))
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


# ---- errors, all or nothing ----------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem of one row. The message names the column in words; `column` is kept for machines (the API)."""

    row: int
    column: str
    message: str
    sheet: str = ""

    def __str__(self) -> str:
        sheet = f"“{self.sheet}”" if self.sheet else ""
        return f"{sheet}第 {self.row} 行：{self.message}"


@dataclass
class RowErrors:
    """Every problem of an upload, gathered before anything is stored: an import stores all rows or none."""

    errors: list[RowError] = field(default_factory=list)

    def add(self, row: int, column: str, message: str, sheet: str = "") -> None:
        self.errors.append(RowError(row, column, message, sheet))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def __len__(self) -> int:
        return len(self.errors)

    def messages(self) -> list[str]:
        return [str(error) for error in self.errors]

    def summary(self, shown: int = 20) -> str:
        """The message an office sees: nothing was stored, the first problems, how many more."""
        lines = self.messages()
        more = f"\n（另有 {len(lines) - shown} 处问题未列出）" if len(lines) > shown else ""
        return "文件未导入，没有写入任何数据。请修改以下问题后重新上传：\n" + "\n".join(lines[:shown]) + more

    def raise_if_any(self, shown: int = 20) -> None:
        if self.errors:
            raise TableError(self.summary(shown))


# ---- one row being read --------------------------------------------------------------------------


class SheetRow:
    """One data row of a table being imported: its cells by field key, and where a problem goes.

    A problem is recorded under the column header as the file writes it (or, for a column the file
    lacks, the template's name from ``names``), so the office finds the cell. Every registry import
    reads its rows through this one class; an app subclasses it only for cells of its own kind.
    """

    # How a message reads with its column: "联系电话：不能为空" or "“联系电话”不能为空".
    quote_header = False

    def __init__(
        self,
        line: int,
        cells: list[str],
        columns: Mapping[str, int],
        headers: Sequence[str],
        errors: RowErrors,
        names: Mapping[str, Sequence[str]],
    ) -> None:
        self.line, self.cells, self.columns, self.headers = line, cells, columns, headers
        self.errors, self.names = errors, names
        self.ok = True

    def get(self, key: str) -> str:
        index = self.columns.get(key)
        return self.cells[index].strip() if index is not None else ""

    def has(self, key: str) -> bool:
        return key in self.columns

    def header(self, key: str) -> str:
        index = self.columns.get(key)
        return str(self.headers[index]) if index is not None else self.names[key][0]

    def fail(self, key: str, message: str) -> None:
        header = self.header(key)
        self.errors.add(
            self.line, header, f"“{header}”{message}" if self.quote_header else f"{header}：{message}"
        )
        self.ok = False

    def choice(self, key: str, mapping: Mapping[str, str], *, required: bool = True) -> str:
        """The stored value of a cell that must be one of ``mapping``'s labels ("" if blank and optional)."""
        text = self.get(key)
        if not text and not required:
            return ""
        if text not in mapping:
            labels = "、".join(k for k in mapping if k)
            self.fail(key, f"“{text}”无效，应为 {labels} 之一" if text else "不能为空")
            return ""
        return mapping[text]

    def whole(self, key: str, *, required: bool = False) -> int | None:
        """A whole number not below 0; None for a blank cell (an error too when ``required``) or a bad one."""
        raw = self.get(key)
        try:
            number = parse_number(raw)
        except ValueError:
            self.fail(key, f"“{raw}”不是数字")
            return None
        if number is None:
            if required:
                self.fail(key, "不能为空")
            return None
        if number < 0:
            self.fail(key, f"“{raw}”不能为负数")
            return None
        if not number.is_integer():
            self.fail(key, f"“{raw}”应为整数")
            return None
        return int(number)

    def text(self, key: str, limit: int, *, required: bool = True) -> str:
        value = self.get(key)
        if required and not value:
            self.fail(key, "不能为空")
        elif len(value) > limit:
            self.fail(key, f"超过 {limit} 个字")
        return value
