"""What the registry counts for the indicators: bases per region subtree and year.

Every figure counts **distinct institutions**, never designations: a base holding both a 科协 and a
科技 title, or two overlapping batches, is one base. A stock is taken on 31 December of the year
(a designation whose end year is that year still counts; the next year it does not); new bases
in a year are those in that year's stock that were not in the previous year's. Regions are
matched by their path, so a region moved under another parent counts in its new parent at once.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Max, Q, QuerySet

from kesu.regions.models import Region, RegionLevel
from kesu.venues.models import (
    CountMeasure,
    CountRule,
    Designation,
    DesignationLevel,
    DesignationSystem,
    LevelComparison,
)
from kesu.venues.models.institutions import end_of_year

BASE_INDICATOR = "base_count"
NEW_INDICATOR = "base_new_count"  # a flow: the dashboards add the years of the plan against the target
COVERAGE_INDICATOR = "base_county_coverage"  # counties with ≥1 base ÷ all counties, when the catalogue has it


@dataclass(frozen=True)
class Criteria:
    """Which designations a figure counts: 体系 (blank = any), 级别 (None = any) with = or ≥, and the measure."""

    system: str = ""
    level: int | None = None
    comparison: str = LevelComparison.EQUAL
    measure: str = CountMeasure.STOCK

    @classmethod
    def of(cls, rule: CountRule) -> Criteria:
        return cls(rule.system, rule.level, rule.level_comparison, rule.measure)

    def designation_q(self) -> Q:
        condition = Q()
        if self.system:
            condition &= Q(system=self.system)
        if self.level is not None:
            at_least = self.comparison == LevelComparison.AT_LEAST
            condition &= Q(level__lte=self.level) if at_least else Q(level=self.level)
        return condition

    @property
    def indicator(self) -> str:
        """A stock goes to the base count; new bases to their own flow indicator, summed over the years."""
        return NEW_INDICATOR if self.measure == CountMeasure.NEW else BASE_INDICATOR

    def disaggregation(self) -> dict[str, str]:
        """How the value is labelled on its indicator, so the same key always means the same count."""
        labels: dict[str, str] = {}
        if self.level is not None:
            suffix = "及以上" if self.comparison == LevelComparison.AT_LEAST else ""
            labels["级别"] = f"{DesignationLevel(self.level).label}{suffix}"
        if self.system:
            labels["体系"] = str(DesignationSystem(self.system).label)
        return labels


def _holders(region_path: str, year: int, criteria: Criteria) -> QuerySet[Designation, int]:
    """Institution ids (distinct) holding a matching designation on 31 December of ``year``."""
    return (
        Designation.objects.valid_on(end_of_year(year))
        .filter(criteria.designation_q(), institution__region__path__startswith=region_path)
        .values_list("institution_id", flat=True)
        .distinct()
    )


def stock(region_path: str, year: int, criteria: Criteria = Criteria()) -> int:
    return _holders(region_path, year, criteria).count()


def new_in(region_path: str, year: int, criteria: Criteria = Criteria()) -> int:
    """Bases in the year's stock that were not in the previous year's (a renewal is not new)."""
    before = _holders(region_path, year - 1, criteria)
    return _holders(region_path, year, criteria).exclude(institution_id__in=before).count()


def count(region_path: str, year: int, criteria: Criteria) -> int:
    if criteria.measure == CountMeasure.NEW:
        return new_in(region_path, year, criteria)
    return stock(region_path, year, criteria)


def counties_covered(region: Region, year: int) -> tuple[int, int]:
    """(counties in the subtree with at least one valid base on 31 Dec, all counties in the subtree)."""
    counties = Region.objects.filter(path__startswith=region.path, level=RegionLevel.COUNTY)
    paths = list(counties.values_list("path", flat=True))
    if not paths:
        return 0, 0
    held = set(
        Designation.objects.valid_on(end_of_year(year))
        .filter(institution__region__path__startswith=region.path)
        .values_list("institution__region__path", flat=True)
        .distinct()
    )
    covered = sum(1 for path in paths if any(h.startswith(path) for h in held))
    return covered, len(paths)


def standard_figures(region: Region, year: int) -> list[tuple[Criteria, int]]:
    """The figures kept for every region: all bases, bases by level, and new bases in the year."""
    figures = [Criteria()]
    figures += [Criteria(level=level) for level in DesignationLevel.values]
    figures.append(Criteria(measure=CountMeasure.NEW))
    return [(criteria, count(region.path, year, criteria)) for criteria in figures]


def rules_of(region: Region) -> QuerySet[CountRule]:
    """Count rules set on the targets of the region's own plans."""
    return CountRule.objects.filter(target__task__plan__region=region).select_related("target")


def today() -> datetime.date:
    return datetime.date.today()


@dataclass(frozen=True)
class Measured:
    """What a rule measures against its target in a year: the figure compared and how it was reached."""

    value: int
    basis: str  # e.g. "2025 年末" or "2021—2025 年累计"


def measured(rule: CountRule, region: Region, year: int) -> Measured:
    """A stock (or a per-year target) is the year's figure; new bases over a plan are added up from the
    plan's first year, as the dashboards add a flow."""
    criteria = Criteria.of(rule)
    target = rule.target
    if criteria.measure != CountMeasure.NEW or target.per_year:
        return Measured(
            count(region.path, year, criteria),
            f"{year} 年末" if criteria.measure == CountMeasure.STOCK else f"{year} 年",
        )
    first = target.task.plan.period_start or year
    if first >= year:
        return Measured(new_in(region.path, year, criteria), f"{year} 年")
    total = sum(new_in(region.path, y, criteria) for y in range(first, year + 1))
    return Measured(total, f"{first}—{year} 年累计")


def gap_words(comparator: str, target_value: float, value: float, unit: str = "个") -> str:
    """差 11 个 / 已超 3 个 / 已达到 against a target (≥ by default; ≤ reads the other way)."""
    short = target_value - value if not comparator.startswith("<") else value - target_value
    amount = f"{abs(short):g} {unit}"
    if short > 0:
        return f"差 {amount}"
    return f"已超 {amount}" if short < 0 else "已达到"


def level_zero_reason(region: Region, year: int, level: int) -> str:
    """Why a level counts 0 when it once had bases: its titles ran out and were not renewed."""
    lapsed = Designation.objects.lapsed(end_of_year(year)).filter(
        level=level, institution__region__path__startswith=region.path
    )
    last = lapsed.aggregate(last=Max("end_year"))["last"]
    if last is None:
        return ""
    held = lapsed.filter(end_year=last).values("institution_id").distinct().count()
    label = DesignationLevel(level).label
    return f"{label}认定（{held} 个单位）已于 {last} 年底到期，尚未续期"
