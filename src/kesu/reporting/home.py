"""Reporting on the home page, and what awaits an office or a leader (also on the to-do page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from kesu.core.http import AuthedRequest, current_region
from kesu.core.panels import HomePanel
from kesu.regions.models import Region
from kesu.reporting import rules
from kesu.reporting.board import task_light_counts
from kesu.reporting.models import (
    Cycle,
    CycleQuerySet,
    Notice,
    NoticeStatus,
    Report,
    ReportStatus,
    rate_counts,
    rates_of_row,
)

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser

SOON_DAYS = 30  # a cycle due within this many days (or overdue by as many) is on the office's agenda
CURRENT_DAYS = 183  # a cycle due within the last half-year is still a leader's current one


@dataclass
class CycleLine:
    """A cycle with its reporting and on-time rates so far."""

    cycle: Cycle
    rates: rules.Rates
    days_left: int

    @property
    def missing(self) -> int:
        return self.rates.expected - self.rates.submitted


@dataclass
class Agenda:
    """What awaits an office: reports to review, 督办 answered and waiting for 办结, cycles due soon."""

    to_review: int = 0
    to_close: list[Notice] = field(default_factory=list)
    cycles_due: list[CycleLine] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.to_review or self.to_close or self.cycles_due)


def _in_region(cycles: CycleQuerySet, region: Region | None) -> CycleQuerySet:
    return cycles.filter(plan__region__path__startswith=region.path) if region else cycles


def _lines(cycles: list[Cycle], today: date) -> list[CycleLine]:
    """Each cycle's rates from one grouped query."""
    rows = Report.objects.filter(cycle__in=cycles).values("cycle_id").annotate(**rate_counts())
    rates = {r["cycle_id"]: rates_of_row(r) for r in rows}
    return [CycleLine(c, rates.get(c.pk, rules.NO_RATES), (c.due_date - today).days) for c in cycles]


def office_agenda(user: AnyUser, region: Region | None, today: date) -> Agenda:
    soon = Cycle.objects.manageable_by(user).filter(
        due_date__range=(today - timedelta(days=SOON_DAYS), today + timedelta(days=SOON_DAYS))
    )
    cycles = list(_in_region(soon, region).select_related("plan").order_by("due_date")[:6])
    # Switched to a county, the office sees that county's work only, as its home page promises.
    reports = Report.objects.reviewable_by(user)
    notices = Notice.objects.manageable_by(user)
    if region is not None:
        reports = reports.filter(cycle__plan__region__path__startswith=region.path)
        notices = notices.filter(region__path__startswith=region.path)
    return Agenda(
        to_review=reports.filter(status=ReportStatus.SUBMITTED).count(),
        to_close=list(
            notices.filter(status=NoticeStatus.RESPONDED)
            .select_related("unit", "task")
            .order_by("responded_at")[:10]
        ),
        cycles_due=[line for line in _lines(cycles, today) if line.missing or line.days_left >= 0],
    )


def current_cycles(user: AnyUser, region: Region | None, today: date) -> list[CycleLine]:
    """The latest cycle of each plan in the region, due within the last half-year or later."""
    recent = Cycle.objects.visible_to(user).filter(due_date__gte=today - timedelta(days=CURRENT_DAYS))
    latest: dict[int, Cycle] = {}
    for cycle in _in_region(recent, region).select_related("plan__region").order_by("due_date"):
        latest[cycle.plan_id] = cycle
    cycles = sorted(latest.values(), key=lambda c: (c.plan.region.path, c.due_date))[:8]
    return _lines(cycles, today)


LEADER_CYCLES = 3  # the lights of this many current cycles are counted for a leader's summary


def leader_attention(
    user: AnyUser, region: Region | None, lines: list[CycleLine], today: date
) -> dict[str, object]:
    """What a leader should ask about: tasks in red on the current cycles, and 督办 past their time limit."""
    reds = []
    for line in lines[:LEADER_CYCLES]:
        # The task lights only, as the board counts them: not the board's unit table, history and
        # sub-regions, so the panel reads each cycle's own rows however long the history is.
        red = task_light_counts(line.cycle, today)[rules.RED]
        if red:
            reds.append((line.cycle, red))
    notices = Notice.objects.visible_to(user).open().filter(deadline__lt=today)
    if region is not None:
        notices = notices.filter(region__path__startswith=region.path)
    return {
        "reds": reds,
        "overdue": list(notices.select_related("unit", "task").order_by("deadline")[:5]),
        "overdue_count": notices.count(),
    }


def home_panels(request: AuthedRequest) -> list[HomePanel]:
    access = request.user.access
    panels = []
    today = timezone.localdate()
    if access.is_liaison or access.is_office:
        mine = list(Report.objects.writable_by(request.user).still_to_do(today)[:5])
        rows = [(report, (report.cycle.due_date - today).days) for report in mine]
        notices = Notice.objects.answerable_by(request.user).open().count()
        if rows or access.is_liaison:
            panels.append(
                HomePanel("报送待办", "reporting/_home_todo.html", 5, {"rows": rows, "notices": notices})
            )
    if access.is_office:
        agenda = office_agenda(request.user, current_region(request), today)
        panels.append(HomePanel("素质办待办", "reporting/_home_review.html", 6, {"agenda": agenda}))
    elif access.is_leader:
        region = current_region(request)
        lines = current_cycles(request.user, region, today)
        panels.append(HomePanel("报送概况", "reporting/_home_summary.html", 6, {"lines": lines}))
        panels.append(
            HomePanel(
                "需要关注",
                "reporting/_home_attention.html",
                4,
                leader_attention(request.user, region, lines, today),
            )
        )
    return panels
