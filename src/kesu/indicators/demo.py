"""Demo step: synthetic values (演示数据) for the seed regions, target links and a public page.

平顶山市's figures are recorded for its ten counties, so the city's own figures are roll-ups and
the drill-down has something to compare (and a schematic grid, not a real boundary, to map it on);
the county-level seed regions get their own figures.
One county misses one half-year of 志愿者 on purpose: the city's figure for it shows as a gap.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from django.db import transaction

from kesu.core.demo import DemoAccounts, register_demo_step
from kesu.indicators import actions, geo, rollups
from kesu.indicators.figures import SubtreeFigures
from kesu.indicators.models import Boundary, Indicator, IndicatorValue, disaggregation_key
from kesu.periods import Period, half_years
from kesu.plans.models import Plan, Target
from kesu.regions.models import Region

PROVENANCE = "演示数据（合成）"
PINGDINGSHAN = "410400000000"
LAST = Period(2025, 1)  # the demo stands just after the 2025 first-half reporting cycle


@dataclass(frozen=True)
class Profile:
    """A figure from ``start`` (end of 2020) to ``end`` (mid-2025); flows give per-year amounts."""

    code: str
    start: float
    end: float
    flow: bool = False
    ratio_of: str = ""  # for rates: the denominator indicator whose value scales the numerator
    level: str = ""  # 基地 级别
    yearly: bool = False  # recorded once a year (surveys, population)


PDS = [
    Profile("population", 4_990_000, 4_960_000, yearly=True),
    Profile("adult_population", 3_500_000, 3_470_000, yearly=True),
    Profile("literacy_rate", 9.6, 13.2, ratio_of="adult_population", yearly=True),
    Profile("informant_count", 60_000, 175_000),
    Profile("base_count", 90, 146, level="市级"),
    Profile("chief_expert_count", 120, 300),
    Profile("expert_count", 400, 950),
    Profile("volunteer_count", 1500, 5200),
    Profile("volunteer_team_count", 30, 95),
    Profile("vocational_training_count", 140_000, 158_000, flow=True),
    Profile("cpd_training_count", 48_000, 49_000, flow=True),
    Profile("micro_video_count", 90, 110, flow=True),
]
DIRECT = {
    "410184000000": [  # 新郑市
        Profile("population", 1_160_000, 1_190_000, yearly=True),
        Profile("adult_population", 820_000, 835_000, yearly=True),
        Profile("literacy_rate", 11.5, 16.2, ratio_of="adult_population", yearly=True),
        Profile("informant_count", 9_000, 20_500),
        Profile("school_lab_coverage", 30, 46, ratio_of="schools"),
        Profile("base_count", 6, 12, level="市级"),
        Profile("volunteer_count", 300, 900),
        Profile("vocational_training_count", 38_000, 42_000, flow=True),
        Profile("high_skill_training_count", 2_800, 3_100, flow=True),
        Profile("cpd_training_count", 9_500, 10_400, flow=True),
        Profile("science_teacher_training_count", 40, 44, flow=True),
    ],
    "370124000000": [  # 平阴县
        Profile("population", 330_000, 326_000, yearly=True),
        Profile("adult_population", 232_000, 229_000, yearly=True),
        Profile("literacy_rate", 12.0, 16.5, ratio_of="adult_population", yearly=True),
        Profile("health_literacy_rate", 22.0, 28.0, ratio_of="sample", yearly=True),
        Profile("occupational_health_awareness", 80.0, 88.0, ratio_of="sample", yearly=True),
        Profile("health_education_event_count", 5, 7, flow=True),
        Profile("sci_counselor_training_count", 28, 34, flow=True),
        Profile("volunteer_service_count", 18, 24, flow=True),
        Profile("youth_training_count", 1, 1, flow=True),
    ],
    "430603000000": [  # 岳阳市云溪区
        Profile("population", 190_000, 188_000, yearly=True),
        Profile("adult_population", 134_000, 132_000, yearly=True),
        Profile("literacy_rate", 10.2, 13.9, ratio_of="adult_population", yearly=True),
        Profile("informant_coverage", 60, 85, ratio_of="grids"),
        Profile("agri_tech_training_count", 10, 12, flow=True),
        Profile("farmer_training_count", 90, 110, flow=True),
        Profile("migrant_skill_training_count", 1200, 1300, flow=True),
        Profile("base_count", 1, 4, level="县级"),
    ],
}
DEMO_APPROVAL = "演示数据（无）"
DEMO_BOUNDARY_SOURCE = "演示数据，示意图，非真实边界"
PUBLISHED = ["literacy_rate", "informant_rate", "volunteer_count", "base_count"]


@register_demo_step
def load_demo_values(accounts: DemoAccounts) -> None:
    actions.ensure_catalogue()
    if not IndicatorValue.objects.filter(provenance=PROVENANCE).exists():
        with rollups.deferred():  # thousands of values one by one: roll each province up once at the end
            _record_all()
    _link_targets()
    city = Region.objects.get(code=PINGDINGSHAN)
    for code in PUBLISHED:
        actions.set_published(None, city, Indicator.objects.get(code=code), True)
    _schematic_boundary(city)


def _schematic_boundary(city: Region) -> None:
    """A grid of squares for the counties, so the demo shows the choropleth: not a real boundary.

    No boundary data we could cite ships with Kesu; a real map needs the office's approved file.
    """
    if Boundary.objects.filter(region=city).exists():
        return
    grid = geo.grid(actions.sub_regions(city))
    actions.upload_boundary(
        None,
        city,
        json.dumps(grid, ensure_ascii=False).encode("utf-8"),
        filename="演示示意网格.geojson",
        approval_number=DEMO_APPROVAL,
        source=DEMO_BOUNDARY_SOURCE,
        public=True,
    )


@transaction.atomic
def _record_all() -> None:
    city = Region.objects.get(code=PINGDINGSHAN)
    counties = list(Region.objects.filter(parent=city).order_by("code"))
    rng = random.Random(4104)
    weights = [rng.uniform(0.6, 1.6) for _ in counties]
    shares = [w / sum(weights) for w in weights]
    lean = [rng.uniform(-1.8, 1.8) for _ in counties]  # counties' literacy above or below the city's
    for profile in PDS:
        for county, share, offset in zip(counties, shares, lean, strict=True):
            skip = {"2023H1"} if profile.code == "volunteer_count" and county.name == "石龙区" else set()
            _record_profile(county, profile, share, offset, rng, skip)
    _record_rates(counties)
    for code, profiles in DIRECT.items():
        region = Region.objects.get(code=code)
        for profile in profiles:
            _record_profile(region, profile, 1.0, 0.0, random.Random(code + profile.code), set())


def _periods(profile: Profile) -> list[Period]:
    if profile.yearly:
        return [Period(y) for y in range(2020, LAST.year)]
    return [p for p in half_years(2020, LAST.year) if p <= LAST]


def _record_profile(
    region: Region, profile: Profile, share: float, offset: float, rng: random.Random, skip: set[str]
) -> None:
    periods = _periods(profile)
    for index, period in enumerate(periods):
        if str(period) in skip:
            continue
        progress = index / max(1, len(periods) - 1)
        level = profile.start + (profile.end - profile.start) * progress
        if profile.flow:  # a year's amount, half of it in each half-year, with some wobble
            amount = level * (0.5 if period.half else 1.0) * share * rng.uniform(0.9, 1.12)
            _store(region, profile, period, round(amount))
        elif profile.ratio_of:
            rate = max(0.5, level + offset + rng.uniform(-0.3, 0.3))
            _store_rate(region, profile, period, rate, share)
        else:
            _store(region, profile, period, max(0, round(level * share * rng.uniform(0.97, 1.03))))


def _store(region: Region, profile: Profile, period: Period, value: float) -> None:
    actions.record_value(
        None,
        profile.code,
        region,
        str(period),
        value,
        source="import",
        provenance=PROVENANCE,
        disaggregation={"级别": profile.level} if profile.level else None,
    )


def _store_rate(region: Region, profile: Profile, period: Period, rate: float, share: float) -> None:
    base = IndicatorValue.objects.filter(
        indicator__code=profile.ratio_of, region=region, period=str(period.year_period())
    ).first()
    denominator = (
        base.value if base and base.value else 2000 * max(share, 0.05)
    )  # a sample or a count of places
    actions.record_value(
        None,
        profile.code,
        region,
        str(period),
        None,
        numerator=round(rate * denominator / 100, 1),
        denominator=round(denominator),
        source="survey" if profile.yearly else "import",
        provenance=PROVENANCE,
    )


def _record_rates(counties: list[Region]) -> None:
    """信息员注册比例 as registrations over 常住人口, so the city's rate is a ratio of sums."""
    for county in counties:
        population = {
            v.period: v.value
            for v in IndicatorValue.objects.filter(indicator__code="population", region=county)
        }
        for row in IndicatorValue.objects.filter(indicator__code="informant_count", region=county):
            people = population.get(row.period[:4]) or population.get(str(int(row.period[:4]) - 1))
            if people:
                actions.record_value(
                    None,
                    "informant_rate",
                    county,
                    row.period,
                    None,
                    numerator=row.value,
                    denominator=people,
                    source="registry",
                    provenance=PROVENANCE,
                )


def _link_targets() -> None:
    """Link each seed plan's targets as the office would: the suggestion, confirmed, with a 2020 baseline."""
    for plan in Plan.objects.published().select_related("region"):
        for target in Target.objects.filter(task__plan=plan, indicator_link__isnull=True):
            indicator = actions.suggest_indicator(target)
            if indicator is None:
                continue
            group = actions.suggest_disaggregation(target)
            year = (plan.period_start or 2021) - 1
            baseline = None
            if not target.per_year and indicator.temporal == "stock":
                figures = SubtreeFigures.load(indicator, plan.region, disaggregation_key(group))
                if str(year) in figures.periods or f"{year}H2" in figures.periods:
                    baseline = figures.at(
                        plan.region, f"{year}H2" if f"{year}H2" in figures.periods else str(year)
                    ).value
            actions.link_target(
                None,
                target,
                indicator,
                baseline_year=year if baseline is not None else None,
                baseline_value=round(baseline, 2) if baseline is not None else None,
                disaggregation=group,
                confirmed=True,
            )
