"""Reading survey CSV files into numpy arrays with the csv module.

Files come from offices' spreadsheets: UTF-8 with or without a byte-order mark, or GB18030
(what Excel on Chinese Windows writes). Errors name the column and the line of the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kesu.textcodec import decode_chinese_text

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


def read_csv(path: str | Path, wanted: Sequence[str]) -> CsvTable:
    """Read the `wanted` columns of a CSV file; missing columns are named in one error."""
    reader = csv.reader(io.StringIO(_decode(Path(path))))
    header = [name.strip() for name in next(reader, [])]
    missing = [name for name in dict.fromkeys(wanted) if name not in header]
    if missing:
        raise InputDataError(
            f"文件 {path} 缺少列：{'、'.join(missing)}（现有列：{'、'.join(header) or '无'}）。"
        )
    positions = {name: header.index(name) for name in dict.fromkeys(wanted)}
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        if len(row) < len(header):
            raise InputDataError(
                f"文件 {path} 第 {reader.line_num} 行只有 {len(row)} 列，表头有 {len(header)} 列。"
            )
        rows.append(row)
        line_numbers.append(reader.line_num)
    columns = {name: [row[position] for row in rows] for name, position in positions.items()}
    return CsvTable(str(path), columns, line_numbers)


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputDataError(f"无法读取文件 {path}：{exc.strerror or exc}。") from exc
    text = decode_chinese_text(data)
    if text is None:
        raise InputDataError(f"文件 {path} 既不是 UTF-8 也不是 GB18030 编码。")
    return text


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
