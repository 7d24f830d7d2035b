"""What the funding register counts for pages and indicators: a region's lines in a year, its population,
and the figures written to ``funding_total`` and ``funding_per_capita`` (arithmetic in ``arithmetic``).

Regions are matched by their path, so a unit's lines count in every region above it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from kesu.funding.arithmetic import (
    Basis,
    Breakdown,
    Denominator,
    LineAmounts,
    Numerator,
    PerCapita,
    breakdown,
    per_capita,
)
from kesu.funding.models import FundingLine
from kesu.indicators.models import IndicatorValue
from kesu.regions.models import Region

TOTAL_INDICATOR = "funding_total"
PER_CAPITA_INDICATOR = "funding_per_capita"
POPULATION_CODES = {Denominator.RESIDENT: "population", Denominator.REGISTERED: "registered_population"}
PROVENANCE_PREFIX = "登记库（科普经费）："
# The figure written to the indicator: the same-level budget the seeds ask for, as raised (到位数 ≈ 筹集额).
INDICATOR_NUMERATOR, INDICATOR_BASIS = Numerator.OWN_FISCAL, Basis.RECEIVED


def amounts_of(lines: QuerySet[FundingLine]) -> list[LineAmounts]:
    """The lines summed by the database per (资金性质, 专项): all the arithmetic needs, whatever their number."""
    grouped = (
        lines.order_by()
        .values("nature", "is_special")
        .annotate(b=Sum("budget"), r=Sum("received"), s=Sum("spent"), n=Count("id"))
    )
    return [LineAmounts(g["nature"], g["is_special"], g["b"], g["r"], g["s"], g["n"]) for g in grouped]


def lines_in(region: Region, year: int) -> QuerySet[FundingLine]:
    return FundingLine.objects.in_region(region).filter(year=year)


@dataclass(frozen=True)
class Population:
    count: int | None
    year: str  # the year of the figure used ("" when none)
    kind: Denominator

    @property
    def words(self) -> str:
        if self.count is None:
            return f"缺少{self.kind.label}数据（请在“指标数值”中录入或导入）"
        return f"{self.year} 年末{self.kind.label} {self.count:,} 人"


def population(region: Region, year: int, kind: Denominator = Denominator.RESIDENT) -> Population:
    """The region's total population at the end of ``year`` or of the latest year before it."""
    row = (
        IndicatorValue.objects.filter(
            indicator__code=POPULATION_CODES[kind],
            region=region,
            disaggregation_key="",
            period__regex=r"^\d{4}$",
            period__lte=str(year),
        )
        .order_by("-period")
        .values_list("value", "period")
        .first()
    )
    if row is None or row[0] is None:
        return Population(None, "", kind)
    return Population(int(row[0]), row[1], kind)


def figures(
    region: Region,
    year: int,
    numerator: Numerator = INDICATOR_NUMERATOR,
    basis: Basis = INDICATOR_BASIS,
    denominator: Denominator = Denominator.RESIDENT,
) -> tuple[Breakdown, PerCapita, Population]:
    amounts = amounts_of(lines_in(region, year))
    people = population(region, year, denominator)
    return breakdown(amounts), per_capita(amounts, people.count, numerator, basis, denominator), people


def regions_with_lines(year: int) -> list[Region]:
    """Every region that holds a unit with a line in ``year``, and every region above it."""
    paths = set(FundingLine.objects.filter(year=year).values_list("region_path", flat=True).distinct())
    codes = {code for path in paths for code in path.strip("/").split("/") if code}
    return list(Region.objects.filter(code__in=codes).order_by("level", "code"))


def wan(amount: Decimal) -> float:
    """元 → 万元 for the indicator (the 科普统计 form's unit), to four decimals (1 元)."""
    return float((amount / Decimal(10_000)).quantize(Decimal("0.0001")))


def unique_regions(regions: Iterable[Region]) -> list[Region]:
    return list({region.pk: region for region in regions}.values())
