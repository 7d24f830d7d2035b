"""What the status board and the to-do page show: lights and rates computed from few grouped queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, Q, QuerySet

from kesu.plans.models import Task
from kesu.regions.models import Region
from kesu.reporting import rules
from kesu.reporting.models import Cycle, Entry, Report, ReportStatus

IN = [ReportStatus.SUBMITTED, ReportStatus.APPROVED]


def cycle_expected_percent(cycle: Cycle) -> float | None:
    period = cycle.period_obj
    return rules.expected_percent(period.start, period.end, cycle.plan.period_start, cycle.plan.period_end)


def rates_of(rows: QuerySet[Report]) -> rules.Rates:
    counts = rows.aggregate(expected=Count("pk"), submitted=Count("pk", filter=Q(status__in=IN)),
                            on_time=Count("pk", filter=Q(on_time=True, status__in=IN)))
    return rules.Rates(counts["expected"], counts["submitted"], counts["on_time"])


@dataclass
class UnitRow:
    report: Report
    light: str
    entries: int = 0
    filled: int = 0
    history: rules.Rates = rules.NO_RATES


@dataclass
class TaskRow:
    task: Task
    light: str
    lead: Entry | None
    units: list[str] = field(default_factory=list)


@dataclass
class Board:
    cycle: Cycle
    totals: rules.Rates
    units: list[UnitRow]
    tasks: list[TaskRow]
    subregions: list[tuple[Region, rules.Rates]]

    @property
    def light_counts(self) -> dict[str, int]:
        counts = {rules.GREEN: 0, rules.YELLOW: 0, rules.RED: 0}
        for row in self.tasks:
            counts[row.light] += 1
        return counts


def build_board(cycle: Cycle, tasks: QuerySet[Task], on: date) -> Board:
    expected = cycle_expected_percent(cycle)
    reports = {r.pk: r for r in cycle.reports.select_related("unit")}
    task_list = list(tasks)
    task_ids = {t.pk for t in task_list}
    by_task: dict[int, list[tuple[Entry, str]]] = defaultdict(list)
    unit_lights: dict[int, list[str]] = defaultdict(list)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    entries = Entry.objects.filter(report__cycle=cycle).only(
        "pk", "report_id", "task_id", "role", "status", "percent", "filled")
    for entry in entries:
        report = reports[entry.report_id]
        facts = rules.EntryFacts(report.status, entry.status, entry.percent, expected if entry.is_lead else None)
        light = rules.entry_light(facts, cycle.due_date, on, cycle.warn_days)
        unit_lights[report.pk].append(light)
        counts[report.pk][0] += 1
        counts[report.pk][1] += entry.filled
        if entry.task_id in task_ids:
            entry.report = report
            by_task[entry.task_id].append((entry, light))
    history = unit_history(cycle)
    units = [UnitRow(r, rules.worst(unit_lights[r.pk] or [rules.report_light(r.status, cycle.due_date, on,
                                                                               cycle.warn_days)]),
                     counts[r.pk][0], counts[r.pk][1], history.get(r.unit_id, rules.NO_RATES))
             for r in sorted(reports.values(), key=lambda r: r.unit.name)]
    task_rows = []
    for task in task_list:
        pairs = by_task.get(task.pk, [])
        leads = [(e, light) for e, light in pairs if e.is_lead]
        task_rows.append(TaskRow(task, rules.worst(light for _, light in (leads or pairs)),
                                 leads[0][0] if leads else None, [e.report.unit.name for e, _ in pairs]))
    return Board(cycle, rates_of(cycle.reports.all()), units, task_rows, subregion_rates(cycle))


def unit_history(cycle: Cycle) -> dict[int, rules.Rates]:
    """Each unit's rates over this plan's cycles due so far (DHIS2's reporting-rate summary)."""
    rows = (Report.objects.filter(cycle__plan=cycle.plan, cycle__due_date__lte=cycle.due_date)
            .values("unit_id").annotate(expected=Count("pk"), submitted=Count("pk", filter=Q(status__in=IN)),
                                        on_time=Count("pk", filter=Q(on_time=True, status__in=IN))))
    return {r["unit_id"]: rules.Rates(r["expected"], r["submitted"], r["on_time"]) for r in rows}


def subregion_rates(cycle: Cycle) -> list[tuple[Region, rules.Rates]]:
    """Per child region: its own plans' reports for the same period, and its government's report here."""
    region = cycle.plan.region
    children = list(Region.objects.filter(parent=region))
    if not children:
        return []
    totals: dict[str, rules.Rates] = defaultdict(lambda: rules.NO_RATES)
    groups = [
        Report.objects.filter(cycle__period=cycle.period, cycle__plan__region__path__startswith=region.path)
        .exclude(cycle__plan__region=region).values(path=F("cycle__plan__region__path")),
        cycle.reports.exclude(unit__region=region).values(path=F("unit__region__path")),
    ]
    for group in groups:
        for row in group.annotate(expected=Count("pk"), submitted=Count("pk", filter=Q(status__in=IN)),
                                  on_time=Count("pk", filter=Q(on_time=True, status__in=IN))):
            child = _child_path(region.path, row["path"])
            totals[child] = totals[child] + rules.Rates(row["expected"], row["submitted"], row["on_time"])
    return [(c, totals[c.path]) for c in children if c.path in totals]


def _child_path(parent_path: str, path: str) -> str:
    rest = path[len(parent_path):]
    return parent_path + rest.split("/", 1)[0] + "/"


def days_left(cycle: Cycle, on: date) -> int:
    return (cycle.due_date - on).days
