"""The experts' figures per region (its whole subtree) and year, as the count rules and the pages ask them.

Stocks are taken on 31 December of the year (an appointment counts if it is held that day), flows
within the calendar year. People are counted once however many titles they hold.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from kesu.experts.models import (
    Activity,
    Appointment,
    AppointmentQuerySet,
    CountRule,
    CountWhat,
    Dispatch,
    Expert,
    Measure,
    Title,
)

if TYPE_CHECKING:
    from kesu.regions.models import Region

# The catalogue indicator a rule records into when its target has no link yet.
DEFAULT_INDICATOR = {
    CountWhat.CHIEFS: "chief_expert_count",
    CountWhat.EXPERTS: "expert_count",
    CountWhat.HEALTH_SESSIONS: "health_education_event_count",
    CountWhat.DISPATCHES: "health_education_event_count",
}


def year_end(year: int) -> date:
    return date(year, 12, 31)


def _year_span(year: int) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(date(year, 1, 1), time.min, tzinfo=zone),
        datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=zone),
    )


def appointments_in(region: Region) -> AppointmentQuerySet:
    return Appointment.objects.filter(expert__region__path__startswith=region.path)


def chiefs_in_term(region: Region, year: int, level: str = "") -> int:
    """Distinct persons holding a 首席科普专家 title (at ``level``, if given) on 31 December."""
    held = appointments_in(region).filter(title=Title.CHIEF).in_term_on(year_end(year))
    if level:
        held = held.filter(level=level)
    return held.values("expert_id").distinct().count()


def chiefs_appointed(region: Region, year: int, level: str = "") -> int:
    """Distinct persons whose 首席 term began within the year (a new batch, renewals included)."""
    held = appointments_in(region).filter(
        title=Title.CHIEF, start__year=year, status__in=["serving", "renewed", "dismissed"]
    )
    if level:
        held = held.filter(level=level)
    return held.values("expert_id").distinct().count()


def experts_in_pool(region: Region, year: int, level: str = "") -> int:
    """Distinct persons holding any expert title (首席, 专家库, 应急库) on 31 December: the 千名专家."""
    held = appointments_in(region).in_term_on(year_end(year))
    if level:
        held = held.filter(level=level)
    return held.values("expert_id").distinct().count()


def experts_joined(region: Region, year: int, level: str = "") -> int:
    """Distinct persons whose first title began within the year."""
    held = appointments_in(region).exclude(status="proposed")
    if level:
        held = held.filter(level=level)
    earlier = held.filter(start__lt=date(year, 1, 1)).values("expert_id")
    new = held.filter(start__year=year).exclude(expert_id__in=earlier)
    return new.values("expert_id").distinct().count()


def health_sessions(region: Region, year: int) -> int:
    """健康科普 sessions given by the subtree's experts within the year (the 平阴 targets: 5 and 10 场/年)."""
    return Activity.objects.filter(
        expert__region__path__startswith=region.path, health=True, date__year=year
    ).count()


def dispatches_in(region: Region, year: int) -> QuerySet[Dispatch]:
    start, end = _year_span(year)
    return Dispatch.objects.filter(
        event__region__path__startswith=region.path, requested_at__gte=start, requested_at__lt=end
    )


@dataclass(frozen=True)
class DispatchFigures:
    dispatches: int
    responded: int
    median_response_hours: float | None
    reach: int


def dispatch_figures(region: Region, year: int) -> DispatchFigures:
    rows = list(dispatches_in(region, year).values_list("requested_at", "responded_at", "reach"))
    hours = [(done - asked).total_seconds() / 3600 for asked, done, _reach in rows if done is not None]
    return DispatchFigures(
        dispatches=len(rows),
        responded=len(hours),
        median_response_hours=round(statistics.median(hours), 1) if hours else None,
        reach=sum(reach or 0 for _a, _d, reach in rows),
    )


def figure(rule: CountRule, region: Region, year: int) -> int:
    """What ``rule`` counts in ``region``'s subtree for ``year``."""
    stock = rule.measure == Measure.STOCK
    if rule.what == CountWhat.CHIEFS:
        return (chiefs_in_term if stock else chiefs_appointed)(region, year, rule.level)
    if rule.what == CountWhat.EXPERTS:
        return (experts_in_pool if stock else experts_joined)(region, year, rule.level)
    if rule.what == CountWhat.HEALTH_SESSIONS:
        return health_sessions(region, year)
    return dispatch_figures(region, year).dispatches


# ---- who is active ------------------------------------------------------------------------------


def titled(region: Region, day: date) -> QuerySet[Expert]:
    """Experts of the subtree holding a title on ``day``."""
    held = appointments_in(region).in_term_on(day).values("expert_id")
    return Expert.objects.filter(pk__in=held)


def active_in(year: int) -> QuerySet[Activity]:
    return Activity.objects.filter(date__year=year)


@dataclass(frozen=True)
class ActivityFigures:
    titled: int
    active: int
    titled_without_activity: int


def activity_figures(region: Region, year: int, day: date) -> ActivityFigures:
    holders = titled(region, day)
    active_ids = active_in(year).values("expert_id")
    return ActivityFigures(
        titled=holders.count(),
        active=Expert.objects.filter(region__path__startswith=region.path, pk__in=active_ids).count(),
        titled_without_activity=holders.exclude(pk__in=active_ids).count(),
    )
