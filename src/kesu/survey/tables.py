"""Survey uploads (item banks, sample frames, margins, paper and CAPI questionnaires) read as text tables.

The reading, its limits and its messages are the shared reader's (`kesu.tables`); this module keeps
the survey importers' names and adds the numeric cell check they share.
"""

from __future__ import annotations

from kesu.tables import Table, TableError, parse_number, read_table

__all__ = ["Table", "TableError", "number", "read_table"]


def number(table: Table, row: int, col: int, label: str) -> float:
    """A numeric cell, or an error naming the row, the column and the text found."""
    text = table.rows[row][col]
    try:
        value = parse_number(text)
    except ValueError:
        value = None
    if value is None:
        kind = "有限的数字" if text.strip().lower().lstrip("+-") in ("nan", "inf", "infinity") else "数字"
        raise TableError(f"第 {table.lines[row]} 行“{label}”列的“{text}”不是{kind}。")
    return value
