"""The 科普统计 form as data, and the checks its own rules imply (pure: no Django import).

A form year is one JSON file in ``kesu/data/kepustats/form-<year>.json`` (the national form changes
from year to year); a data year uses the newest form not after it. A figure is a whole number, or
``MISSING`` (entered as “-”: the unit has no data for the item); a figure not entered at all is simply
absent from the values. The checks are those the form's own rules imply: whole numbers, “0” vs “-”,
其中 items not above their totals, 人月 for workload (at most 12 per person), and 人次 only where
something was held.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

FORMS_DIR = Path(__file__).resolve().parent.parent / "data" / "kepustats"
MISSING_TEXT = "-"
MONTHS_PER_PERSON = 12


class _Missing:
    """The “-” of the form: an item the unit has no data for (not the same as “0”)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing()
Cell = int | _Missing
Values = Mapping[str, Cell]


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    block: str
    parent: str | None = None  # the total this 其中 item may not exceed
    prefill: str | None = None  # the Kesu source that fills it (activities, funding, venues, people)
    workload_of: str | None = None  # 人月 item: at most 12 × that head count
    count: str | None = None  # 人次/发文量 item: needs that count above 0

    @property
    def is_part(self) -> bool:
        return self.name.startswith("其中")

    @property
    def prefillable(self) -> bool:
        return self.prefill is not None


@dataclass(frozen=True)
class Block:
    key: str
    name: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class FormDef:
    year: int
    title: str
    blocks: tuple[Block, ...]
    by_code: dict[str, Indicator] = field(default_factory=dict, compare=False, hash=False)

    @property
    def indicators(self) -> list[Indicator]:
        return [i for block in self.blocks for i in block.indicators]

    def __getitem__(self, code: str) -> Indicator:
        return self.by_code[code]


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


class FormError(ValueError):
    """A form file or a cell that cannot be read; the message is for the user."""


def form_years() -> list[int]:
    return sorted(int(p.stem.split("-")[1]) for p in FORMS_DIR.glob("form-*.json"))


def form_year_for(data_year: int) -> int:
    """The newest form not after the data year (the first form for earlier years)."""
    years = form_years()
    if not years:
        raise FormError("未找到科普统计调查表定义。")
    earlier = [y for y in years if y <= data_year]
    return earlier[-1] if earlier else years[0]


@cache
def load_form(year: int) -> FormDef:
    path = FORMS_DIR / f"form-{year}.json"
    if not path.exists():
        raise FormError(f"没有{year}年度的科普统计调查表定义。")
    return parse_form(json.loads(path.read_text(encoding="utf-8")))


def form_for(data_year: int) -> FormDef:
    return load_form(form_year_for(data_year))


def parse_form(raw: Mapping) -> FormDef:
    """Build a form from its data; every parent and reference must name an item of the same form."""
    blocks = tuple(
        Block(
            key=b["key"],
            name=b["name"],
            indicators=tuple(
                Indicator(
                    code=i["code"],
                    name=i["name"],
                    unit=i["unit"],
                    block=b["key"],
                    parent=i.get("parent"),
                    prefill=i.get("prefill"),
                    workload_of=i.get("workload_of"),
                    count=i.get("count"),
                )
                for i in b["indicators"]
            ),
        )
        for b in raw["blocks"]
    )
    by_code = {i.code: i for b in blocks for i in b.indicators}
    if len(by_code) != sum(len(b.indicators) for b in blocks):
        raise FormError("调查表定义中有重复的指标编码。")
    for i in by_code.values():
        for ref in (i.parent, i.workload_of, i.count):
            if ref is not None and ref not in by_code:
                raise FormError(f"指标 {i.code} 引用了不存在的指标 {ref}。")
    return FormDef(year=int(raw["year"]), title=raw["title"], blocks=blocks, by_code=by_code)


# ---- cells --------------------------------------------------------------------------------------

_DASHES = {"-", "－", "—", "–", "——"}
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


def parse_cell(text: str | None) -> Cell | None:
    """“12” → 12, “-” → MISSING, “” → None (not entered). Raises FormError with a Chinese message."""
    value = (text or "").strip().translate(_FULLWIDTH).replace(",", "")
    if not value:
        return None
    if value in _DASHES:
        return MISSING
    if not re.fullmatch(r"-?\d+(\.\d+)?", value):
        raise FormError(f"“{text}”不是数字：请填写整数，无数据填“0”，缺失填“-”。")
    number = Decimal(value)
    if number < 0:
        raise FormError("不能为负数。")
    if number != number.to_integral_value():
        raise FormError(f"“{text}”不是整数：调查表只收整数（四舍五入后为零的填“0”）。")
    return int(number)


def cell_text(cell: Cell | None) -> str:
    if cell is None:
        return ""
    return MISSING_TEXT if cell is MISSING else str(cell)


def whole(amount: Decimal | int | float | None, divisor: int = 1) -> int:
    """Round to a whole number, half up, as the form asks (“四舍五入后为零的填0”)."""
    if amount is None:
        return 0
    try:
        return int((Decimal(str(amount)) / divisor).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation as error:
        raise FormError(f"无法取整：{amount}") from error


# ---- checks -------------------------------------------------------------------------------------


def _number(values: Values, code: str | None) -> int | None:
    """The figure as a number, or None when it is “-” or not entered."""
    if code is None:
        return None
    cell = values.get(code)
    return cell if isinstance(cell, int) and not isinstance(cell, bool) else None


def check(form: FormDef, values: Values) -> list[Problem]:
    """Every problem the form's rules find in ``values`` (entered items only; see ``unfilled``)."""
    problems: list[Problem] = []
    for item in form.indicators:
        cell = values.get(item.code)
        if cell is None:
            continue
        if cell is not MISSING and (not isinstance(cell, int) or isinstance(cell, bool) or cell < 0):
            problems.append(Problem(item.code, f"「{item.name}」须为非负整数。"))
            continue
        problems.extend(_relations(form, item, values))
    return problems


def _relations(form: FormDef, item: Indicator, values: Values) -> list[Problem]:
    value = _number(values, item.code)
    found: list[Problem] = []
    if item.parent is not None:
        parent = form[item.parent]
        total = _number(values, item.parent)
        if values.get(item.parent) is MISSING and value:
            found.append(
                Problem(
                    item.code,
                    f"「{parent.name}」填了“-”（缺失），其中项「{item.name}」却有数：总数请填实数。",
                )
            )
        elif value is not None and total is not None and value > total:
            found.append(Problem(item.code, f"「{item.name}」{value} 不能大于「{parent.name}」{total}。"))
    if item.workload_of is not None and value is not None:
        found.extend(_workload(form, item, value, values))
    if item.count is not None and value:
        count = _number(values, item.count)
        if count == 0:
            found.append(
                Problem(item.code, f"「{form[item.count].name}」为 0，「{item.name}」却为 {value}。")
            )
    return found


def _workload(form: FormDef, item: Indicator, months: int, values: Values) -> list[Problem]:
    assert item.workload_of is not None
    people = _number(values, item.workload_of)
    if people is None:
        return []
    most = people * MONTHS_PER_PERSON
    if months > most:
        who = form[item.workload_of].name
        return [
            Problem(
                item.code,
                f"「{item.name}」以人月计，{months} 人月超过「{who}」{people} 人 × 12 个月 = {most} 人月。",
            )
        ]
    return []


def unfilled(form: FormDef, values: Values) -> list[Problem]:
    """Items not entered at all: the form wants “0” for none and “-” for no data, never a blank."""
    return [
        Problem(i.code, f"「{i.name}」尚未填写：无此项填“0”，缺失填“-”。")
        for i in form.indicators
        if values.get(i.code) is None
    ]


def submit_problems(form: FormDef, values: Values) -> list[Problem]:
    return unfilled(form, values) + check(form, values)


def add_up(form: FormDef, forms: list[Values]) -> dict[str, Cell]:
    """The region's figures: the sum of the forms' numbers; “-” only when every form says “-”."""
    totals: dict[str, Cell] = {}
    for item in form.indicators:
        numbers = [_number(v, item.code) for v in forms]
        present = [n for n in numbers if n is not None]
        if present:
            totals[item.code] = sum(present)
        elif any(v.get(item.code) is MISSING for v in forms):
            totals[item.code] = MISSING
    return totals
