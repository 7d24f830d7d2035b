"""The 科技馆 system, mobile venues, 示范创建 and 表彰 counted per region subtree and year.

Stocks (科技馆, 达标科技馆, 农村中学科技馆, 科技小院) are the institutions flagged so in the subtree;
flows (巡展站次 and 人次, 大篷车 trips and 人次, awards) are those dated in the year; 示范 titles are
the accepted creations whose cycle covers the year. Coverage = counties (county-level regions) of the
subtree with at least one ÷ all of them; "科技小院 in every county" is a seed target, so the page
names the counties still without one. Regions are matched by path: a moved county counts in its new
parent at once.

``refresh_system_counts`` records the figures as indicator values (source 登记库, with the rule in
words as provenance), skipping values that did not change so a refresh after every write stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum

from kesu.indicators import actions as indicator_actions
from kesu.indicators.catalogue import BY_CODE as CATALOGUE_BY_CODE
from kesu.indicators.catalogue import Entry
from kesu.indicators.models import Indicator, IndicatorValue, ValueSource, disaggregation_key
from kesu.regions.models import Region, RegionLevel
from kesu.venues.models import (
    AwardCall,
    CallStatus,
    CaravanTrip,
    Creation,
    CreationEvidence,
    CreationKind,
    CreationStatus,
    Criterion,
    CriterionSource,
    CriterionValue,
    Institution,
    Nomination,
    TourStop,
)

if TYPE_CHECKING:
    from kesu.accounts.models import User

# The indicators these figures are written to (in the standard catalogue).
SYSTEM_CODES = (
    "science_museum_count",
    "science_museum_standard_count",
    "rural_school_museum_count",
    "science_courtyard_count",
    "science_courtyard_county_coverage",
    "science_museum_county_coverage",
    "mobile_museum_stop_count",
    "mobile_museum_visitors",
    "caravan_trip_count",
    "caravan_visitors",
    "demo_creation_count",
    "award_count",
)
ENTRIES: tuple[Entry, ...] = tuple(CATALOGUE_BY_CODE[code] for code in SYSTEM_CODES)
BY_CODE = {entry.code: entry for entry in ENTRIES}

# Registry figures a 示范创建 criterion may read live (``Criterion.registry_figure``): key → label.
REGISTRY_FIGURES: dict[str, str] = {
    **{entry.code: entry.name for entry in ENTRIES if entry.code != "demo_creation_count"},
    "base_count": "科普教育基地数（各级，有效）",
}


@dataclass(frozen=True)
class Figure:
    """One value to record: indicator code, disaggregation, value (or numerator/denominator), words."""

    code: str
    value: float | None
    provenance: str
    disaggregation: tuple[tuple[str, str], ...] = ()
    numerator: float | None = None
    denominator: float | None = None


def counties(region: Region) -> list[Region]:
    """The county-level regions of the subtree (the region itself when it is one)."""
    return list(
        Region.objects.filter(path__startswith=region.path, level=RegionLevel.COUNTY).order_by("code")
    )


def _institutions(region: Region) -> QuerySet[Institution]:
    return Institution.objects.filter(region__path__startswith=region.path)


@dataclass(frozen=True)
class CountyRow:
    """One county of the overview: what stands there and what came through it in the year."""

    region: Region
    museums: int
    standard_museums: int
    rural_school_museums: int
    courtyards: int
    tour_stops: int
    tour_visitors: int
    caravan_trips: int
    caravan_visitors: int


def _stock_by_path(region: Region) -> dict[str, dict[str, int]]:
    """Per institution region path: how many of each kind stand there (one query)."""
    rows = (
        Institution.objects.filter(region__path__startswith=region.path)
        .values("region__path")
        .annotate(
            museums=Count("pk", filter=Q(is_science_museum=True)),
            standard=Count("pk", filter=Q(is_science_museum=True, museum_meets_standard=True)),
            rural=Count("pk", filter=Q(rural_school_museum=True)),
            courtyards=Count("pk", filter=Q(science_courtyard=True)),
        )
    )
    return {row.pop("region__path"): row for row in rows}


def _sum_under(by_path: dict[str, dict[str, int]], path: str, key: str) -> int:
    return sum(values[key] for p, values in by_path.items() if p.startswith(path))


def county_rows(region: Region, year: int) -> list[CountyRow]:
    """The overview's table: a row per county of the subtree (a handful of queries, not one per county)."""
    stock = _stock_by_path(region)
    stops = _flow_by_path(
        TourStop.objects.filter(region__path__startswith=region.path, start_date__year=year), "visitors"
    )
    trips = _flow_by_path(
        CaravanTrip.objects.filter(region__path__startswith=region.path, date__year=year), "visitors"
    )
    rows = []
    for county in counties(region):
        path = county.path
        rows.append(
            CountyRow(
                county,
                _sum_under(stock, path, "museums"),
                _sum_under(stock, path, "standard"),
                _sum_under(stock, path, "rural"),
                _sum_under(stock, path, "courtyards"),
                _sum_under(stops, path, "n"),
                _sum_under(stops, path, "people"),
                _sum_under(trips, path, "n"),
                _sum_under(trips, path, "people"),
            )
        )
    return rows


def _flow_by_path(queryset: QuerySet[Any], people: str) -> dict[str, dict[str, int]]:
    rows = queryset.values("region__path").annotate(n=Count("pk"), people=Sum(people))
    return {row["region__path"]: {"n": row["n"], "people": row["people"] or 0} for row in rows}


def accepted_creations(region: Region, year: int) -> QuerySet[Creation]:
    """示范 titles held in ``year``: accepted, the cycle covering the year, named by then."""
    return Creation.objects.filter(
        region__path__startswith=region.path,
        status=CreationStatus.ACCEPTED,
        cycle_start__lte=year,
        cycle_end__gte=year,
    ).filter(Q(named_on__isnull=True) | Q(named_on__year__lte=year))


def awards(region: Region, year: int) -> QuerySet[Nomination]:
    return Nomination.objects.filter(
        call__region__path__startswith=region.path,
        call__year=year,
        call__status=CallStatus.ANNOUNCED,
        selected=True,
    )


def figures(region: Region, year: int) -> list[Figure]:
    """Every figure of the region's subtree for the year, each with its rule in words."""
    where = f"{region.name}及下级区划"
    stock = _stock_by_path(region)
    total = {
        key: _sum_under(stock, region.path, key) for key in ("museums", "standard", "rural", "courtyards")
    }
    rows = county_rows(region, year)
    with_courtyard = sum(1 for row in rows if row.courtyards)
    with_museum = sum(1 for row in rows if row.museums)
    stops = TourStop.objects.filter(region__path__startswith=region.path, start_date__year=year).aggregate(
        n=Count("pk"), people=Sum("visitors")
    )
    trips = CaravanTrip.objects.filter(region__path__startswith=region.path, date__year=year).aggregate(
        n=Count("pk"), people=Sum("visitors")
    )
    result = [
        Figure("science_museum_count", total["museums"], f"登记库：{where}标为科技馆的单位数"),
        Figure(
            "science_museum_standard_count", total["standard"], f"登记库：{where}标为科技馆且达标的单位数"
        ),
        Figure("rural_school_museum_count", total["rural"], f"登记库：{where}标为农村中学科技馆的单位数"),
        Figure("science_courtyard_count", total["courtyards"], f"登记库：{where}标为科技小院的单位数"),
        Figure("mobile_museum_stop_count", stops["n"], f"登记库：{where}{year}年开始的流动科技馆巡展站点数"),
        Figure(
            "mobile_museum_visitors", stops["people"] or 0, f"登记库：{where}{year}年巡展站点参观人次之和"
        ),
        Figure("caravan_trip_count", trips["n"], f"登记库：{where}{year}年科普大篷车活动次数"),
        Figure("caravan_visitors", trips["people"] or 0, f"登记库：{where}{year}年科普大篷车受众人次之和"),
        Figure("award_count", awards(region, year).count(), f"登记库：{where}{year}年度已公布的表彰对象数"),
    ]
    if rows:  # a ratio needs counties to divide by
        result += [
            Figure(
                "science_courtyard_county_coverage",
                None,
                f"登记库：{where}有科技小院的县（市、区）÷ 全部县（市、区）",
                numerator=with_courtyard,
                denominator=len(rows),
            ),
            Figure(
                "science_museum_county_coverage",
                None,
                f"登记库：{where}有科技馆的县（市、区）÷ 全部县（市、区）",
                numerator=with_museum,
                denominator=len(rows),
            ),
        ]
    result += _creation_figures(region, year, where)
    return result


def _creation_figures(region: Region, year: int, where: str) -> list[Figure]:
    by_kind = dict(
        accepted_creations(region, year).values("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    words = f"登记库：{where}验收命名且{year}年在创建周期内的"
    figures_ = [Figure("demo_creation_count", sum(by_kind.values()), f"{words}示范创建数")]
    for kind in CreationKind:
        figures_.append(
            Figure(
                "demo_creation_count",
                by_kind.get(kind.value, 0),
                f"{words}{kind.label}数",
                disaggregation=(("类型", str(kind.label)),),
            )
        )
    return figures_


def figure_value(region: Region, year: int, key: str) -> float | None:
    """One registry figure, for a 示范创建 criterion that reads it live."""
    if key == "base_count":
        from kesu.venues import counting

        return float(counting.stock(region.path, year))
    for figure in figures(region, year):
        if figure.code == key and not figure.disaggregation:
            if figure.value is None and figure.denominator:
                return round((figure.numerator or 0) / figure.denominator * 100, 1)
            return None if figure.value is None else float(figure.value)
    return None


@transaction.atomic
@indicator_actions.values_batch()  # inside the transaction: the roll-ups commit with the values
def refresh_system_counts(actor: User | None, region: Region, year: int) -> int:
    """Record the region's figures for the year (and its ancestors', whose subtrees hold it); values
    unchanged since the last refresh are left alone. Returns how many values were written."""
    written = 0
    for place in [*region.ancestors(), region]:
        written += _record(actor, place, year, figures(place, year))
    return written


@transaction.atomic
@indicator_actions.values_batch()
def refresh_system_paths(actor: User | None, paths: Iterable[str], year: int) -> int:
    """Every region on the given paths (and above them) once: for ``kesu refresh_registry_counts``."""
    codes = {code for path in paths for code in path.strip("/").split("/") if code}
    return sum(
        _record(actor, region, year, figures(region, year))
        for region in Region.objects.filter(code__in=codes)
    )


def system_paths() -> set[str]:
    """The region paths the 科技馆 system has anything on (for the yearly refresh)."""
    paths = set(
        Institution.objects.filter(
            Q(is_science_museum=True) | Q(rural_school_museum=True) | Q(science_courtyard=True)
        )
        .values_list("region__path", flat=True)
        .distinct()
    )
    paths |= set(TourStop.objects.values_list("region__path", flat=True).distinct())
    paths |= set(CaravanTrip.objects.values_list("region__path", flat=True).distinct())
    paths |= set(Creation.objects.values_list("region__path", flat=True).distinct())
    paths |= set(AwardCall.objects.values_list("region__path", flat=True).distinct())
    return paths


def _record(actor: User | None, region: Region, year: int, values: list[Figure]) -> int:
    existing = {
        (row.indicator.code, row.disaggregation_key): row
        for row in IndicatorValue.objects.filter(
            region=region, period=str(year), indicator__code__in=BY_CODE
        ).select_related("indicator")
    }
    written = 0
    for figure in values:
        labels = dict(figure.disaggregation)
        row = existing.get((figure.code, disaggregation_key(labels)))
        if row is not None and _same(row, figure):
            continue
        indicator_actions.record_value(
            actor,
            figure.code,
            region,
            str(year),
            figure.value,
            numerator=figure.numerator,
            denominator=figure.denominator,
            disaggregation=labels,
            source=ValueSource.REGISTRY,
            provenance=figure.provenance,
        )
        written += 1
    return written


def _same(row: IndicatorValue, figure: Figure) -> bool:
    if row.source != ValueSource.REGISTRY:
        return False
    if figure.denominator is not None:
        return row.numerator == figure.numerator and row.denominator == figure.denominator
    return row.value == figure.value


def total_row(rows: list[CountyRow]) -> dict[str, int]:
    """The overview's 合计: each column summed over the counties."""
    names = [name for name in CountyRow.__dataclass_fields__ if name != "region"]
    return {name: sum(getattr(row, name) for row in rows) for name in names}


def lacking_courtyard(rows: list[CountyRow]) -> list[Region]:
    return [row.region for row in rows if not row.courtyards]


def calls_of(region: Region, year: int) -> QuerySet[AwardCall]:
    return AwardCall.objects.filter(region__path__startswith=region.path, year=year)


# ---- 示范创建: a checklist with its figures, live where they can be read ---------------------------


@dataclass(frozen=True)
class ChecklistRow:
    criterion: Criterion
    value: float | None
    where: str  # how the value was found, in words
    met: bool | None  # None: no figure yet, or judged on evidence alone
    note: str
    evidence: list[CreationEvidence]


def _indicator_value(region: Region, code: str, year: int) -> tuple[float | None, str]:
    """The region's total (no disaggregation) for the latest year up to ``year``."""
    years = [str(y) for y in range(year, year - 6, -1)]
    row = (
        IndicatorValue.objects.filter(
            indicator__code=code, region=region, period__in=years, disaggregation_key=""
        )
        .order_by("-period")
        .first()
    )
    if row is None:
        name = Indicator.objects.filter(code=code).values_list("name", flat=True).first() or code
        return None, f"指标“{name}”暂无{region.name}的数值"
    return row.value, f"指标数值（{row.period}年，{row.get_source_display()}）"


def checklist_rows(creation: Creation, year: int) -> list[ChecklistRow]:
    """Each criterion of the creation's checklist with its figure: typed in, or read now from the
    indicators or the registries for the region and the year (at most the cycle's last year)."""
    year = min(max(year, creation.cycle_start), creation.cycle_end)
    typed = {row.criterion_id: row for row in CriterionValue.objects.filter(creation=creation)}
    evidence: dict[int, list[CreationEvidence]] = {}
    for item in CreationEvidence.objects.filter(creation=creation):
        evidence.setdefault(item.criterion_id, []).append(item)
    live = None
    rows = []
    for criterion in creation.checklist.criteria.all():
        note = ""
        if criterion.source == CriterionSource.INDICATOR:
            value, where = _indicator_value(creation.region, criterion.indicator_code, year)
        elif criterion.source == CriterionSource.REGISTRY:
            if live is None:
                live = {f.code: f for f in figures(creation.region, year) if not f.disaggregation}
            value = _live(creation.region, year, criterion.registry_figure, live)
            where = f"登记库计数（{year}年）：{REGISTRY_FIGURES.get(criterion.registry_figure, '')}"
        else:
            entered = typed.get(criterion.pk)
            value = entered.value if entered else None
            note = entered.note if entered else ""
            if value is not None:
                where = "创建地区填报"
            else:  # a line judged on evidence alone asks for no figure
                where = "以佐证材料为准" if criterion.threshold is None and not criterion.figure else "待填报"
        rows.append(
            ChecklistRow(
                criterion, value, where, criterion.judge(value), note, evidence.get(criterion.pk, [])
            )
        )
    return rows


def _live(region: Region, year: int, key: str, live: dict[str, Figure]) -> float | None:
    if key == "base_count":
        return figure_value(region, year, key)
    figure = live.get(key)
    if figure is None:
        return None
    if figure.denominator:
        return round((figure.numerator or 0) / figure.denominator * 100, 1)
    return None if figure.value is None else float(figure.value)
