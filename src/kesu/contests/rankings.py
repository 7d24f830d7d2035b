"""A contest's figures as places to rank: the organising region's direct sub-regions (deeper rows rolled
up by region path) and the units, with the population the contest chose as denominator.

Reads ``ParticipationFigure`` only, so a joined contest (imported rows) and an own contest (rows counted
from attempts by ``own_figures``) rank, award and 通报 alike. The arithmetic is ``kesu.quiz.ranking``.

Population: the indicator values Kesu already holds for each region (``population`` = 常住人口, or
``adult_population`` = 18–69 周岁常住人口), the latest calendar year not after the contest's year. The
page and the 通报 state which indicator and which year; a region without one is ranked by raw count only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from kesu.contests.models import Contest, ContestRound, ParticipationFigure, PopulationBasis
from kesu.indicators.models import IndicatorValue
from kesu.quiz.ranking import AwardRule, Place, Standing, rank
from kesu.regions.models import Region, Unit

POPULATION_CODES = {PopulationBasis.RESIDENT: "population", PopulationBasis.AGED_18_69: "adult_population"}


@dataclass(frozen=True)
class Population:
    count: int
    year: str


def populations(regions: list[Region], year: int, basis: str) -> dict[int, Population]:
    """Region id → its population at the end of ``year`` or the latest year before it (one query)."""
    rows = (
        IndicatorValue.objects.filter(
            indicator__code=POPULATION_CODES[PopulationBasis(basis)],
            region__in=regions,
            disaggregation_key="",
            period__regex=r"^\d{4}$",
            period__lte=str(year),
        )
        .order_by("region_id", "-period")
        .values_list("region_id", "value", "period")
    )
    found: dict[int, Population] = {}
    for region_id, value, period in rows:
        if region_id not in found and value:
            found[region_id] = Population(int(value), period)
    return found


def figures_of(contest: Contest, round: ContestRound | None = None) -> QuerySet[ParticipationFigure]:
    return contest.figures.filter(round=round)


@dataclass
class Totals:
    participants: int = 0
    attempts: int = 0
    full_scores: int = 0

    def add(self, figure: ParticipationFigure) -> None:
        self.participants += figure.participants
        self.attempts += figure.attempts
        self.full_scores += figure.full_scores


def region_totals(
    contest: Contest, rows: list[ParticipationFigure], children: list[Region]
) -> dict[int, Totals]:
    """Each direct sub-region's counts: its own row when the platform gave one, else the sum of the rows
    below it (a town belongs to one county, so its participants add up without counting anyone twice)."""
    totals: dict[int, Totals] = {}
    for child in children:
        own = [row for row in rows if row.region_id == child.pk]
        below = own or [
            row for row in rows if row.region is not None and row.region.path.startswith(child.path)
        ]
        if below:
            total = Totals()
            for row in below:
                total.add(row)
            totals[child.pk] = total
    return totals


@dataclass
class Rankings:
    """What the rankings page, the 通报, the freeze and the API show of one contest (or one round)."""

    contest: Contest
    rule: AwardRule
    basis_label: str
    regions: list[Standing] = field(default_factory=list)
    units: list[Standing] = field(default_factory=list)
    total: Totals = field(default_factory=Totals)
    population_years: list[str] = field(default_factory=list)
    region_objects: dict[str, Region] = field(default_factory=dict)
    unit_objects: dict[str, Unit] = field(default_factory=dict)
    organiser_population: Population | None = None

    @property
    def population_words(self) -> str:
        """Which population and which year the rates divide by, in one sentence."""
        years = "、".join(sorted(set(self.population_years))) or "无"
        return f"人口数据：指标数值“{self.basis_label}”{years} 年末数（取不晚于 {self.contest.year} 年的最近一年）"

    @property
    def region_formula(self) -> str:
        return self.rule.metric.formula.format(population=self.basis_label)

    @property
    def unit_formula(self) -> str:
        return self.rule.unit_metric.formula.format(population=self.basis_label)

    @property
    def has_unranked_regions(self) -> bool:
        return any(s.rank is None for s in self.regions)


def rankings(
    contest: Contest,
    round: ContestRound | None = None,
    *,
    user_figures: QuerySet[ParticipationFigure] | None = None,
) -> Rankings:
    """The contest's standings. ``user_figures`` narrows the rows to what a reader may see (a county
    office reads its own subtree of a city's contest); the organising office passes None."""
    rule = AwardRule.from_json(contest.award_rule or {})
    basis_label = str(PopulationBasis(contest.population_basis).label)
    base = user_figures if user_figures is not None else ParticipationFigure.objects.all()
    rows = list(base.filter(contest=contest, round=round).select_related("region", "unit__region"))
    result = Rankings(contest, rule, basis_label)
    children = list(Region.objects.filter(parent=contest.region).order_by("code"))
    totals = region_totals(contest, [r for r in rows if r.region_id is not None], children)
    people = populations([*children, contest.region], contest.year, contest.population_basis)
    own_row = next((row for row in rows if row.region_id == contest.region_id), None)
    if own_row is not None:  # the platform's own total for the organising region wins over a sum
        result.total = Totals(own_row.participants, own_row.attempts, own_row.full_scores)
    else:
        for count in totals.values():
            result.total.participants += count.participants
            result.total.attempts += count.attempts
            result.total.full_scores += count.full_scores
    result.organiser_population = people.get(contest.region_id)
    places = []
    for child in children:
        if child.pk not in totals:
            continue
        count = totals[child.pk]
        population = people.get(child.pk)
        if population is not None:
            result.population_years.append(population.year)
        places.append(
            Place(
                child.code,
                child.name,
                count.participants,
                count.attempts,
                count.full_scores,
                population.count if population else None,
            )
        )
        result.region_objects[child.code] = child
    result.regions = rank(places, rule.metric)
    unit_places = []
    for row in rows:
        if row.unit is not None:
            key = f"unit:{row.unit_id}"
            unit_places.append(Place(key, row.unit.name, row.participants, row.attempts, row.full_scores))
            result.unit_objects[key] = row.unit
    result.units = rank(unit_places, rule.unit_metric)
    return result
