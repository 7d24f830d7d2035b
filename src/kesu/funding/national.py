"""The published national 人均科普专项经费 series (科技部 全国科普统计), read from
``kesu/data/funding/national_per_capita.csv`` with each figure's source. Plain Python, no Django."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "funding" / "national_per_capita.csv"


@dataclass(frozen=True)
class NationalFigure:
    year: int
    value: Decimal  # 元 per person
    measure: str  # 人均科普专项经费 (2006: 人均科普活动经费)
    note: str  # e.g. a derived figure says so
    source: str


def parse(text: str) -> list[NationalFigure]:
    rows = csv.DictReader(io.StringIO(text))
    figures = [
        NationalFigure(
            int(row["year"]), Decimal(row["value_yuan"]), row["measure"], row["note"] or "", row["source"]
        )
        for row in rows
    ]
    return sorted(figures, key=lambda figure: figure.year)


@cache
def series() -> tuple[NationalFigure, ...]:
    return tuple(parse(DATA_FILE.read_text(encoding="utf-8")))


def latest_for(year: int) -> NationalFigure | None:
    """The figure of ``year`` or, when not published (yet), the latest year before it."""
    earlier = [figure for figure in series() if figure.year <= year]
    return earlier[-1] if earlier else None
