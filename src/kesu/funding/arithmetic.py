"""The arithmetic of 科普经费, in plain Python (no Django): 执行率, totals by 资金性质, 人均科普经费 and
the rules a line's amounts must keep. Amounts are ``Decimal`` 元; pages say which unit they show.

人均科普经费 = Σ qualifying amounts ÷ population, where *qualifying* is chosen, never implied:

- numerator: 本级财政科普经费 (财政拨款 + 科普专项 lines: the same-level budget the seeds ask for),
  科普专项经费 (lines flagged 是否科普专项: what the national 人均科普专项经费 counts) or all sources;
- basis: which amount of a line counts (预算数, 到位数 = the 科普统计's 筹集额, 执行数);
- denominator: 常住人口 or 户籍人口.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
ZERO = Decimal(0)

# 资金性质 in the order the pages show them (the values of models.Nature).
NATURES: tuple[str, ...] = ("appropriation", "special", "self_raised", "donation", "transfer")
NATURE_LABELS: dict[str, str] = {
    "appropriation": "财政拨款",
    "special": "科普专项",
    "self_raised": "自筹",
    "donation": "社会捐赠",
    "transfer": "上级转移支付",
}
# 本级财政: what the region's own budget pays (a transfer from the level above is not the same-level budget).
OWN_FISCAL = frozenset({"appropriation", "special"})


class Numerator(StrEnum):
    OWN_FISCAL = "own_fiscal"
    SPECIAL = "special"
    ALL = "all"

    @property
    def label(self) -> str:
        return {"own_fiscal": "本级财政科普经费", "special": "科普专项经费", "all": "全部来源科普经费"}[
            self.value
        ]

    @property
    def rule(self) -> str:
        """Which lines count, in words (shown under the figure)."""
        return {
            "own_fiscal": "资金性质为“财政拨款”或“科普专项”的项目",
            "special": "标为“是否科普专项：是”的项目",
            "all": "全部项目（财政拨款、科普专项、自筹、社会捐赠、上级转移支付）",
        }[self.value]


class Denominator(StrEnum):
    RESIDENT = "resident"
    REGISTERED = "registered"

    @property
    def label(self) -> str:
        return {"resident": "常住人口", "registered": "户籍人口"}[self.value]


class Basis(StrEnum):
    BUDGET = "budget"
    RECEIVED = "received"
    SPENT = "spent"

    @property
    def label(self) -> str:
        return {"budget": "预算数", "received": "到位数", "spent": "执行数"}[self.value]


@dataclass(frozen=True)
class LineAmounts:
    """What the arithmetic needs of one funding line."""

    nature: str
    is_special: bool
    budget: Decimal
    received: Decimal
    spent: Decimal
    count: int = 1  # a group of lines summed by the database counts as its lines

    def amount(self, basis: Basis) -> Decimal:
        return {Basis.BUDGET: self.budget, Basis.RECEIVED: self.received, Basis.SPENT: self.spent}[basis]


def qualifies(line: LineAmounts, numerator: Numerator) -> bool:
    if numerator is Numerator.OWN_FISCAL:
        return line.nature in OWN_FISCAL
    if numerator is Numerator.SPECIAL:
        return line.is_special or line.nature == "special"
    return True


def execution_rate(spent: Decimal, budget: Decimal) -> Decimal | None:
    """执行率 in %, to two decimals; None when there is no budget to execute (not 0 %, not infinity)."""
    if budget <= 0:
        return None
    return (Decimal(spent) / Decimal(budget) * 100).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Totals:
    budget: Decimal = ZERO
    received: Decimal = ZERO
    spent: Decimal = ZERO
    lines: int = 0

    def add(self, line: LineAmounts) -> None:
        self.budget += line.budget
        self.received += line.received
        self.spent += line.spent
        self.lines += line.count

    @property
    def rate(self) -> Decimal | None:
        """The 执行率 of the sum (Σ执行数 ÷ Σ预算数), never an average of the lines' rates."""
        return execution_rate(self.spent, self.budget)


@dataclass
class Breakdown:
    """A set of lines summed in total and by 资金性质 (every nature present, zero when absent)."""

    total: Totals = field(default_factory=Totals)
    by_nature: dict[str, Totals] = field(default_factory=lambda: {n: Totals() for n in NATURES})

    def rows(self) -> list[tuple[str, Totals]]:
        return [(NATURE_LABELS[n], self.by_nature[n]) for n in NATURES]


def breakdown(lines: Iterable[LineAmounts]) -> Breakdown:
    result = Breakdown()
    for line in lines:
        result.total.add(line)
        result.by_nature.setdefault(line.nature, Totals()).add(line)
    return result


@dataclass(frozen=True)
class PerCapita:
    """A per-capita figure with everything needed to state it: amount, population, what each means."""

    numerator: Numerator
    basis: Basis
    denominator: Denominator
    amount: Decimal  # 元
    population: int | None
    lines: int

    @property
    def value(self) -> Decimal | None:
        """元 per person, to two decimals; None without a population."""
        if not self.population or self.population <= 0:
            return None
        return (self.amount / Decimal(self.population)).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def formula(self) -> str:
        return f"{self.numerator.label}（{self.basis.label}）÷ {self.denominator.label}"


def per_capita(
    lines: Iterable[LineAmounts],
    population: int | None,
    numerator: Numerator = Numerator.OWN_FISCAL,
    basis: Basis = Basis.RECEIVED,
    denominator: Denominator = Denominator.RESIDENT,
) -> PerCapita:
    counted = [line for line in lines if qualifies(line, numerator)]
    amount = sum((line.amount(basis) for line in counted), ZERO)
    return PerCapita(numerator, basis, denominator, amount, population, sum(line.count for line in counted))


# ---- the rules a line keeps ----------------------------------------------------------------------

AMOUNT_LABELS: dict[str, str] = {
    "budget": "预算数",
    "received": "到位数",
    "spent": "执行数",
    "spent_activities": "科普活动支出",
    "spent_venue_building": "场馆基建支出",
    "spent_exhibits": "展品、设施支出",
    "spent_other": "其他支出",
}
SPLITS = ("spent_activities", "spent_venue_building", "spent_exhibits", "spent_other")


def yuan(amount: Decimal) -> str:
    """12,345.60 元 as people write it."""
    return f"{Decimal(amount).quantize(CENT):,} 元"


def line_problems(amounts: Mapping[str, Decimal | None], note: str) -> list[tuple[str, str]]:
    """(field, Chinese message) for every rule the amounts break; empty when the line may be stored.

    - no amount is negative;
    - 执行数 above 到位数 needs a 执行说明 (e.g. money carried over from last year, an advance);
    - the 使用额 split (其中 items) never adds up to more than the 执行数.
    """
    problems: list[tuple[str, str]] = []
    for key, label in AMOUNT_LABELS.items():
        value = amounts.get(key)
        if value is not None and value < 0:
            problems.append((key, f"{label}不能为负数"))
    if problems:
        return problems
    spent, received = amounts.get("spent") or ZERO, amounts.get("received") or ZERO
    if spent > received and not note.strip():
        problems.append(
            (
                "note",
                f"执行数（{yuan(spent)}）超过到位数（{yuan(received)}）：请在“执行说明”中写明原因"
                "（如使用上年结转资金、垫付），否则不能保存",
            )
        )
    split = sum((amounts.get(key) or ZERO for key in SPLITS), ZERO)
    if split > spent:
        problems.append(("spent_other", f"使用额各项之和（{yuan(split)}）超过执行数（{yuan(spent)}）"))
    return problems
