"""Figures per region (its subtree) and year, computed from the registers; the count rules record them.

Stock figures stand at 31 December of the year, flows count what happened within it. Informant
figures come from the latest monthly snapshot of the year of each region that reports; a rate is
rolled up as the ratio of sums (Σ注册数 ÷ Σ常住人口 of the same regions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, Sum

from kesu.regions.models import Region
from kesu.volunteers.models import (
    GridLevel,
    GridPost,
    InformantSnapshot,
    ServiceActivity,
    ServiceRecord,
    Team,
    Volunteer,
    VolunteerYear,
)

T = TypeVar("T")


def _year_end(year: int) -> date:
    return date(year, 12, 31)


def volunteers(region: Region, year: int, *, flow: bool = False, active_only: bool = False) -> int:
    rows = Volunteer.objects.filter(region__path__startswith=region.path, in_register=True)
    if flow:
        rows = rows.filter(registered_on__year=year)
    else:
        rows = rows.filter(Q(registered_on__isnull=True) | Q(registered_on__lte=_year_end(year)))
    if active_only:
        rows = rows.filter(served_in(year))
    return rows.count()  # one row per person: id_hash is unique


def _year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), _year_end(year)


def served_in(year: int) -> Q:
    """The volunteer has a record in the year: read from the yearly summary the record actions keep
    (a semi-join on its (year, volunteer) index, not a probe into every volunteer's records)."""
    return Q(pk__in=VolunteerYear.objects.filter(year=year).values("volunteer_id"))


def active_volunteers(region: Region, year: int) -> int:
    return Volunteer.objects.filter(region__path__startswith=region.path).filter(served_in(year)).count()


def teams(region: Region, year: int, *, flow: bool = False) -> int:
    rows = Team.objects.filter(region__path__startswith=region.path, in_register=True)
    if flow:
        return rows.filter(founded_on__year=year).count()
    return rows.filter(Q(founded_on__isnull=True) | Q(founded_on__lte=_year_end(year))).count()


def services(region: Region, year: int) -> int:
    """Activities with at least one record in the year (a flow whatever the rule's measure)."""
    start, end = _year_range(year)
    records = ServiceRecord.objects.filter(activity=OuterRef("pk"), service_date__range=(start, end))
    return (
        ServiceActivity.objects.filter(
            region__path__startswith=region.path, start_date__lte=end, end_date__gte=start
        )
        .filter(Exists(records))
        .count()
    )


def hours(region: Region, year: int) -> Decimal:
    total = ServiceRecord.objects.filter(
        activity__region__path__startswith=region.path, service_date__range=_year_range(year)
    ).aggregate(total=Sum("counted_hours"))["total"]
    return Decimal(total or 0)


def by_child(region: Region, year: int) -> list[tuple[Region, int, int]]:
    """(child region, registered, active) for each region directly below: two grouped queries, rolled up here."""
    children = list(Region.objects.filter(parent=region).order_by("code")[:60])
    subtree = Volunteer.objects.filter(region__path__startswith=region.path, in_register=True).filter(
        Q(registered_on__isnull=True) | Q(registered_on__lte=_year_end(year))
    )
    registered = dict(
        subtree.values_list("region__path").annotate(n=Count("pk")).values_list("region__path", "n")
    )
    active = dict(
        subtree.filter(served_in(year))
        .values_list("region__path")
        .annotate(n=Count("pk"))
        .values_list("region__path", "n")
    )
    return [
        (
            child,
            sum(n for path, n in registered.items() if path.startswith(child.path)),
            sum(n for path, n in active.items() if path.startswith(child.path)),
        )
        for child in children
    ]


@dataclass(frozen=True)
class Overview:
    registered: int
    active: int
    teams: int
    services: int
    hours: Decimal

    @property
    def active_rate(self) -> float | None:
        return self.active / self.registered * 100 if self.registered else None


def overview(region: Region, year: int) -> Overview:
    stock = Volunteer.objects.filter(region__path__startswith=region.path, in_register=True).filter(
        Q(registered_on__isnull=True) | Q(registered_on__lte=_year_end(year))
    )
    return Overview(
        registered=stock.count(),
        active=stock.filter(served_in(year)).count(),
        teams=teams(region, year),
        services=services(region, year),
        hours=hours(region, year),
    )


# ---- informants ---------------------------------------------------------------------------------------


def latest_snapshots(region: Region, year: int) -> list[InformantSnapshot]:
    """The latest snapshot of the year of each reporting region in the subtree, the highest level kept:
    a county that reports its own total is not added to its towns' figures."""
    rows = (
        InformantSnapshot.objects.filter(region__path__startswith=region.path, month__year=year)
        .select_related("region")
        .order_by("region__path", "-month")
    )
    latest: dict[int, InformantSnapshot] = {}
    for row in rows:
        latest.setdefault(row.region_id, row)
    paths = sorted((row.region.path, row) for row in latest.values())
    kept: list[InformantSnapshot] = []
    for path, row in paths:
        if not any(path != k.region.path and path.startswith(k.region.path) for k in kept):
            kept.append(row)
    return kept


def population(region: Region, year: int) -> float | None:
    from kesu.indicators.models import IndicatorValue

    row = (
        IndicatorValue.objects.filter(
            indicator__code="population", region=region, period__lte=str(year), disaggregation_key=""
        )
        .filter(period__regex=r"^\d{4}$")
        .order_by("-period")
        .values_list("value", flat=True)
        .first()
    )
    return float(row) if row is not None else None


@dataclass(frozen=True)
class InformantFigures:
    registered: int
    active: int
    shares: int
    population: float | None  # Σ常住人口 of the regions whose snapshots are counted (None if any is missing)

    @property
    def rate(self) -> float | None:
        return self.registered / self.population * 100 if self.population else None


def informants(region: Region, year: int) -> InformantFigures:
    snapshots = latest_snapshots(region, year)
    populations = [population(row.region, year) for row in snapshots]
    known = None if not snapshots or any(p is None for p in populations) else sum(p or 0 for p in populations)
    return InformantFigures(
        registered=sum(row.registered for row in snapshots),
        active=sum(row.monthly_active for row in snapshots),
        shares=sum(row.shares for row in snapshots),
        population=known,
    )


@dataclass(frozen=True)
class Coverage:
    grids: int
    covered: int
    registered: int

    @property
    def rate(self) -> float | None:
        return self.covered / self.grids * 100 if self.grids else None

    @property
    def registered_rate(self) -> float | None:
        return self.registered / self.grids * 100 if self.grids else None


def grid_coverage(region: Region) -> Coverage:
    figures = GridPost.objects.filter(region__path__startswith=region.path, level=GridLevel.FIRST).aggregate(
        grids=Count("pk"),
        covered=Count("pk", filter=~Q(informant="")),
        registered=Count("pk", filter=~Q(informant="") & Q(registered=True)),
    )
    return Coverage(figures["grids"], figures["covered"], figures["registered"])


# ---- the region overview, cached until the next registry write -----------------------------------------

VERSION_KEY = "volunteers:version"
CACHE_SECONDS = 600


def data_changed() -> None:
    """Every registry write calls this: cached overviews of earlier data are never read again."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, None)


def cached(name: str, region: Region, year: int, compute: Callable[[], T]) -> T:
    """``compute()`` for this region and year, reused until the data changes (or ten minutes pass)."""
    key = f"volunteers:{name}:{cache.get(VERSION_KEY, 0)}:{region.pk}:{year}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    return found
