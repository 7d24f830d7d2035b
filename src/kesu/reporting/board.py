"""What the status board and the to-do page show: lights and rates computed from few grouped queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, QuerySet

from kesu.periods import Period
from kesu.plans.models import Task
from kesu.progress.status import Point, TargetSpec
from kesu.regions.models import Region
from kesu.reporting import rules
from kesu.reporting.models import Cycle, Entry, Report, ReportStatus, TargetValue, rate_counts, rates_of_row


def cycle_expected_percent(cycle: Cycle) -> float | None:
    period = cycle.period_obj
    return rules.expected_percent(period.start, period.end, cycle.plan.period_start, cycle.plan.period_end)


def rates_of(rows: QuerySet[Report]) -> rules.Rates:
    counts = rows.aggregate(**rate_counts())
    return rates_of_row(counts)


@dataclass
class UnitRow:
    report: Report
    light: rules.Light
    entries: int = 0
    filled: int = 0
    history: rules.Rates = rules.NO_RATES


@dataclass
class TaskRow:
    task: Task
    light: rules.Light
    lead: Entry | None
    units: list[tuple[str, bool]] = field(default_factory=list)  # (unit name, is it the lead)


@dataclass
class Board:
    cycle: Cycle
    totals: rules.Rates
    units: list[UnitRow]
    tasks: list[TaskRow]
    subregions: list[tuple[Region, rules.Rates]]

    @property
    def unassigned(self) -> list[Task]:
        """Tasks nobody reports on in this cycle (grey 无责任单位): the office assigns a unit to each."""
        return [row.task for row in self.tasks if row.light.name == rules.NO_UNIT]

    @property
    def light_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(rules.LIGHT_LABELS, 0)
        for row in self.tasks:
            counts[row.light.colour] += 1
        return counts


def build_board(cycle: Cycle, tasks: QuerySet[Task], on: date, unit_id: int | None = None) -> Board:
    """Lights per task (its lead units' entries) and per unit (all its entries), for the filtered tasks;
    with ``unit_id`` only that unit's row."""
    expected = cycle_expected_percent(cycle)
    reports = {r.pk: r for r in cycle.reports.select_related("unit")}
    task_list = list(tasks)
    task_ids = {t.pk for t in task_list}
    targets = target_facts(cycle)
    by_task: dict[int, list[tuple[Entry, rules.Light]]] = defaultdict(list)
    by_report: dict[int, list[tuple[str, rules.Light]]] = defaultdict(list)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    entries = (
        Entry.objects.filter(report__cycle=cycle)
        .select_related("task")
        .only("pk", "report_id", "task_id", "role", "status", "percent", "filled", "task__title")
    )
    for entry in entries:
        report = reports[entry.report_id]
        facts = rules.EntryFacts(
            report.status,
            entry.status,
            entry.percent,
            expected if entry.is_lead else None,
            targets.get(entry.pk, ()),
        )
        light = rules.entry_light(facts, cycle.due_date, on, cycle.warn_days)
        counts[report.pk][0] += 1
        counts[report.pk][1] += entry.filled
        if entry.task_id in task_ids:
            entry.report = report
            by_task[entry.task_id].append((entry, light))
            by_report[report.pk].append((entry.task.title, light))
    return Board(
        cycle,
        rates_of(cycle.reports.all()),
        _unit_rows(cycle, reports, by_report, counts, on, unit_id),
        [_task_row(task, by_task.get(task.pk, [])) for task in task_list],
        subregion_rates(cycle),
    )


def _unit_rows(
    cycle: Cycle,
    reports: dict[int, Report],
    by_report: dict[int, list[tuple[str, rules.Light]]],
    counts: dict[int, list[int]],
    on: date,
    unit_id: int | None,
) -> list[UnitRow]:
    """Units with a task among the filtered ones (all units when no task filter leaves any out)."""
    history = unit_history(cycle)
    rows = []
    for report in sorted(reports.values(), key=lambda r: r.unit.name):
        if (unit_id is not None and report.unit_id != unit_id) or (
            counts[report.pk][0] and not by_report[report.pk]
        ):
            continue
        light = rules.unit_light(
            rules.report_light(report.status, cycle.due_date, on, cycle.warn_days), by_report[report.pk]
        )
        rows.append(
            UnitRow(
                report,
                light,
                counts[report.pk][0],
                counts[report.pk][1],
                history.get(report.unit_id, rules.NO_RATES),
            )
        )
    return rows


def _task_row(task: Task, pairs: list[tuple[Entry, rules.Light]]) -> TaskRow:
    leads = [(e, light) for e, light in pairs if e.is_lead] or pairs
    light = rules.task_light([light for _, light in leads], task.not_reported)
    if len(leads) > 1 and light.colour != rules.GREEN:  # several lead units: say whose light it is
        entry = next(e for e, candidate in leads if candidate == light)
        light = rules.Light(light.colour, f"{entry.report.unit.name}：{light.reason}")
    units = sorted(((e.report.unit.name, e.is_lead) for e, _ in pairs), key=lambda u: (not u[1], u[0]))
    return TaskRow(task, light, leads[0][0] if leads and leads[0][0].is_lead else None, units)


def target_facts(cycle: Cycle) -> dict[int, tuple[rules.TargetFacts, ...]]:
    """Per entry of the cycle that reported target values: each target of its task, the value
    reported now, and the first value the same unit reported for it in an earlier approved cycle of
    the plan — the start of the trajectory to the target."""
    plan = cycle.plan
    baselines: dict[tuple[int, int], Point] = {}
    approved = TargetValue.objects.filter(
        entry__report__cycle__plan=plan, entry__report__status=ReportStatus.APPROVED
    ).values_list("target_id", "entry__report__unit_id", "entry__report__cycle__period", "value")
    ends = cycle.period_obj.end
    for target_id, unit_id, period, value in sorted(
        approved, key=lambda row: Period.parse(row[2]).end, reverse=True
    ):
        if Period.parse(period).end < ends:  # newest first, so the earliest earlier value is kept
            baselines[(target_id, unit_id)] = Point(period, value)
    result: dict[int, list[rules.TargetFacts]] = defaultdict(list)
    now = TargetValue.objects.filter(entry__report__cycle=cycle).select_related("target")
    for reported in now.annotate(unit_id=F("entry__report__unit_id")):
        target = reported.target
        spec = TargetSpec(
            target.value,
            target.comparator,
            target.year or plan.period_end,
            baselines.get((target.pk, reported.unit_id)),
            "growth" if target.unit == "%" else "linear",
            target.unit,
        )
        result[reported.entry_id].append(
            rules.TargetFacts(
                f"{target.indicator} {target.comparator_label}{target.value_label}{target.unit}",
                spec,
                Point(cycle.period, reported.value),
                target.per_year,
            )
        )
    return {entry_id: tuple(facts) for entry_id, facts in result.items()}


def unit_history(cycle: Cycle) -> dict[int, rules.Rates]:
    """Each unit's rates over this plan's cycles due so far (DHIS2's reporting-rate summary)."""
    rows = (
        Report.objects.filter(cycle__plan=cycle.plan, cycle__due_date__lte=cycle.due_date)
        .values("unit_id")
        .annotate(**rate_counts())
    )
    return {r["unit_id"]: rates_of_row(r) for r in rows}


def subregion_rates(cycle: Cycle) -> list[tuple[Region, rules.Rates]]:
    """Per child region: its own plans' reports for the same period, and its government's report here."""
    region = cycle.plan.region
    children = list(Region.objects.filter(parent=region))
    if not children:
        return []
    totals: dict[str, rules.Rates] = defaultdict(lambda: rules.NO_RATES)
    groups = [
        Report.objects.filter(cycle__period=cycle.period, cycle__plan__region__path__startswith=region.path)
        .exclude(cycle__plan__region=region)
        .values(path=F("cycle__plan__region__path")),
        cycle.reports.exclude(unit__region=region).values(path=F("unit__region__path")),
    ]
    for group in groups:
        for row in group.annotate(**rate_counts()):
            child = _child_path(region.path, row["path"])
            totals[child] = totals[child] + rates_of_row(row)
    return [(c, totals[c.path]) for c in children if c.path in totals]


def _child_path(parent_path: str, path: str) -> str:
    rest = path[len(parent_path) :]
    return parent_path + rest.split("/", 1)[0] + "/"


def days_left(cycle: Cycle, on: date) -> int:
    return (cycle.due_date - on).days
