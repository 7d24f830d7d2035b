"""Reading survey CSV files into numpy arrays, through the shared table reader (``kesu.tables``).

Files come from offices' spreadsheets: UTF-8 with or without a byte-order mark, or GB18030
(what Excel on Chinese Windows writes). Errors name the column and the line of the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kesu.tables import MB, Limits, TableError, csv_rows

from .errors import InputDataError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CsvTable:
    """The wanted columns of a CSV file as lists of strings, with each row's line number."""

    path: str
    columns: dict[str, list[str]]
    line_numbers: list[int]

    @property
    def n_rows(self) -> int:
        return len(self.line_numbers)

    def numbers(self, name: str) -> FloatArray:
        """A column of finite numbers; the first cell that is not one is named in the error."""
        cells = self.columns[name]
        try:
            values = np.array(cells, dtype=np.float64)
        except ValueError:  # some cell is not a number: parse one by one to find which
            values = np.fromiter((_number_or_nan(cell) for cell in cells), dtype=np.float64, count=len(cells))
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            row = int(bad[0])
            raise InputDataError(
                f"文件 {self.path} 第 {self.line_numbers[row]} 行“{name}”列的值“{cells[row]}”不是数字"
                f"（共 {bad.size} 个这样的单元格）。"
            )
        return values

    def categories(self, name: str) -> tuple[IntArray, list[str]]:
        """Codes 0..k−1 of a text column, in the order of its sorted labels (numbers numerically)."""
        seen: dict[str, int] = {}
        raw = np.fromiter(
            (seen.setdefault(cell.strip(), len(seen)) for cell in self.columns[name]), dtype=np.int64
        )
        labels = sorted(seen, key=_natural_key)
        remap = np.empty(len(seen), dtype=np.int64)
        for new, label in enumerate(labels):
            remap[seen[label]] = new
        return remap[raw], labels


# A survey file on the analyst's own disk may be far larger than an upload; the reader's other
# limits (cell length, a field over csv's 128 KB, NUL bytes) still stop a damaged file with a message.
LIMITS = Limits(max_bytes=2 * 1024 * MB, max_rows=50_000_000, max_columns=5_000, max_cells=2_000_000_000)


def read_csv(path: str | Path, wanted: Sequence[str]) -> CsvTable:
    """Read the `wanted` columns of a CSV file; missing columns are named in one error."""
    try:
        rows = csv_rows(_read(Path(path)), LIMITS)
        header = [str(name).strip() for name in next(rows, (0, []))[1]]
        missing = [name for name in dict.fromkeys(wanted) if name not in header]
        if missing:
            raise InputDataError(
                f"文件 {path} 缺少列：{'、'.join(missing)}（现有列：{'、'.join(header) or '无'}）。"
            )
        positions = {name: header.index(name) for name in dict.fromkeys(wanted)}
        kept: list[list[str]] = []
        line_numbers: list[int] = []
        for number, row in rows:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) < len(header):
                raise InputDataError(
                    f"文件 {path} 第 {number} 行只有 {len(row)} 列，表头有 {len(header)} 列。"
                )
            kept.append(row)
            line_numbers.append(number)
    except TableError as error:
        raise InputDataError(f"文件 {path}：{error.message}") from error
    columns = {name: [row[position] for row in kept] for name, position in positions.items()}
    return CsvTable(str(path), columns, line_numbers)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputDataError(f"无法读取文件 {path}：{exc.strerror or exc}。") from exc


def _number_or_nan(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return float("nan")


def _natural_key(label: str) -> tuple[int, float, str]:
    """Numbers before text, numbers by value: age groups 2, 10 sort as 2 < 10."""
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)
