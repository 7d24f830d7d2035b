"""Reporting periods as DHIS2 names them: a year "2025" or a half-year "2025H1" / "2025H2".

Plain Python, shared by reporting, indicators and survey so that a value reported for a cycle
and a value shown on a dashboard name their period the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_PATTERN = re.compile(r"^(?P<year>\d{4})(?:H(?P<half>[12]))?$")
# What an office types or a spreadsheet holds: 2025年, 2025年上半年, 2025年下半年 (the labels below).
_LABEL = re.compile(r"^(?P<year>\d{4})\s*年?\s*(?:(?P<half>[上下])半年)?(?:度)?$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    half: int | None = None  # None for a whole year

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PATTERN.match(text.strip().upper())
        if match:
            half = match.group("half")
            return cls(int(match.group("year")), int(half) if half else None)
        label = _LABEL.match(text.strip())
        if not label:
            raise ValueError(f"无法识别的期间“{text}”：应为 2025年、2025年上半年 或 2025年下半年")
        half = label.group("half")
        return cls(int(label.group("year")), {"上": 1, "下": 2}[half] if half else None)

    def __str__(self) -> str:
        return f"{self.year}H{self.half}" if self.half else str(self.year)

    @property
    def label(self) -> str:
        if self.half is None:
            return f"{self.year}年"
        return f"{self.year}年{'上' if self.half == 1 else '下'}半年"

    @property
    def start(self) -> date:
        return date(self.year, 7 if self.half == 2 else 1, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    @property
    def is_half_year(self) -> bool:
        return self.half is not None

    def year_period(self) -> Period:
        return Period(self.year)

    def contains(self, other: Period) -> bool:
        return self == other or (self.half is None and other.year == self.year)


def half_years(first: int, last: int) -> list[Period]:
    return [Period(year, half) for year in range(first, last + 1) for half in (1, 2)]
