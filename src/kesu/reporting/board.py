"""What the status board and the to-do page show: lights and rates computed from few grouped queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.db import connection
from django.db.models import Case, F, IntegerField, QuerySet, Subquery, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Substr

from kesu.periods import Period
from kesu.plans.models import Task
from kesu.progress.status import Point, TargetSpec
from kesu.regions.models import Region
from kesu.reporting import rules
from kesu.reporting.models import (
    LEAD_ROLES,
    Cycle,
    Entry,
    ProgressStatus,
    Report,
    ReportStatus,
    TargetValue,
    rate_counts,
    rates_of_row,
)


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
    lead: BoardEntry | None
    entries: list[BoardEntry] = field(default_factory=list)  # every unit's entry for the task

    @cached_property
    def units(self) -> list[tuple[str, bool]]:
        """(unit name, is it the lead), lead units first: asked only for the rows shown or exported,
        not for each of a plan's 800 tasks."""
        return sorted(((e.unit_name, e.is_lead) for e in self.entries), key=lambda u: (not u[1], u[0]))


@dataclass
class Board:
    cycle: Cycle
    totals: rules.Rates
    units: list[UnitRow]
    tasks: list[TaskRow]
    subregions: list[tuple[Region, rules.Rates]]
    reports: dict[int, Report] = field(default_factory=dict)  # every report of the cycle, by pk

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
    reports = cycle_reports(cycle)
    task_list = list(tasks)
    titles = {t.pk: t.title for t in task_list}
    by_task: dict[int, list[tuple[BoardEntry, rules.Light]]] = defaultdict(list)
    by_report: dict[int, list[tuple[str, rules.Light]]] = defaultdict(list)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for entry, light in entry_lights(cycle, reports, on, {t.pk: t.order for t in task_list}):
        counts[entry.report_id][0] += 1
        counts[entry.report_id][1] += entry.filled
        if entry.task_id in titles:
            by_task[entry.task_id].append((entry, light))
            by_report[entry.report_id].append((titles[entry.task_id], light))
    return Board(
        cycle,
        rates_of(cycle.reports.all()),
        _unit_rows(cycle, reports, by_report, counts, on, unit_id),
        [_task_row(task, by_task.get(task.pk, [])) for task in task_list],
        subregion_rates(cycle),
        reports,
    )


def unit_choices(board: Board) -> list[tuple[int, str]]:
    """(unit id, name) of every unit reporting in the cycle, by name: the board's 单位 filter."""
    return sorted(((r.unit_id, r.unit.name) for r in board.reports.values()), key=lambda u: (u[1], u[0]))


def cycle_reports(cycle: Cycle) -> dict[int, Report]:
    """The cycle's reports with their units, by pk; without ``Report.Meta.ordering``, whose joins (the
    cycle, its plan and region) only order reports of different cycles."""
    return {r.pk: r for r in cycle.reports.select_related("unit").only(*REPORT_FIELDS).order_by()}


# What the board shows of a report and its unit (a 240-unit board built 480 full models before).
REPORT_FIELDS = ("cycle_id", "unit_id", "status", "first_submitted_at", "on_time", "unit__name")


def entry_lights(
    cycle: Cycle, reports: dict[int, Report], on: date, task_order: dict[int, int] | None = None
) -> list[tuple[BoardEntry, rules.Light]]:
    """Each entry of the cycle with its light (``rules.entry_light``), in the order the board lists
    them: by unit name, then by the task's place in the plan (``task_order``; tasks left out of it
    keep no particular order).

    A 2,400-entry cycle is read as plain tuples, not a model per entry (that was most of the board's
    time), in no SQL order (``Entry.Meta.ordering`` joins the report's, cycle's, plan's and region's
    tables to sort rows of one cycle: 17 of the query's 18 ms); entries with the same facts (every
    entry of a draft, leads reporting the same status and %) share one call of the rule: a few hundred
    calls instead of one per entry. Entries with target values are judged one by one."""
    expected = cycle_expected_percent(cycle)
    targets = target_facts(cycle)
    order = task_order or {}
    judged: dict[tuple[object, ...], rules.Light] = {}
    rows = (
        Entry.objects.filter(report__cycle=cycle)
        .order_by()
        .values_list("pk", "report_id", "task_id", "role", "status", "percent", "filled")
    )
    names = {pk: report.unit.name for pk, report in reports.items()}
    result = []
    for pk, report_id, task_id, role, status, percent, filled in rows:
        report = reports[report_id]
        entry = BoardEntry(pk, report_id, task_id, role, status, percent, filled, report, names[report_id])
        lead = role in LEAD_ROLES
        entry_targets = targets.get(pk, ())
        # What the light depends on besides the cycle's own dates: the same key, the same light.
        key = (report.status, status, percent, lead, pk if entry_targets else None)
        light = judged.get(key)
        if light is None:
            facts = rules.EntryFacts(
                report.status, status, percent, expected if lead else None, entry_targets
            )
            light = judged[key] = rules.entry_light(facts, cycle.due_date, on, cycle.warn_days)
        result.append((entry, light))
    result.sort(key=lambda pair: (pair[0].unit_name, pair[0].report_id, order.get(pair[0].task_id, 0)))
    return result


def task_light_counts(cycle: Cycle, on: date) -> dict[str, int]:
    """How many of the cycle's active tasks show each light, as the board counts them, without the
    board's unit table, history and sub-regions: what a leader's home page asks of each current cycle."""
    reports = cycle_reports(cycle)
    tasks = list(Task.objects.filter(plan=cycle.plan_id).active().only("pk", "not_reported", "title"))
    by_task: dict[int, list[tuple[BoardEntry, rules.Light]]] = defaultdict(list)
    for entry, light in entry_lights(cycle, reports, on):
        by_task[entry.task_id].append((entry, light))
    counts = dict.fromkeys(rules.LIGHT_LABELS, 0)
    for task in tasks:
        counts[_task_row(task, by_task.get(task.pk, [])).light.colour] += 1
    return counts


@dataclass(slots=True)
class BoardEntry:
    """What the board reads of an entry, with the entry's own ``is_lead`` and status wording; the
    task row links to the lead's entry by ``pk``."""

    pk: int
    report_id: int
    task_id: int
    role: str
    status: str
    percent: int | None
    filled: bool
    report: Report
    unit_name: str = ""  # the report's unit's name, read once per report rather than once per entry

    @property
    def is_lead(self) -> bool:
        return self.role in LEAD_ROLES

    def get_status_display(self) -> str:
        return str(ProgressStatus(self.status).label) if self.status else ""


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


def _task_row(task: Task, pairs: list[tuple[BoardEntry, rules.Light]]) -> TaskRow:
    leads = [(e, light) for e, light in pairs if e.is_lead] or pairs
    light = rules.task_light([light for _, light in leads], task.not_reported)
    if len(leads) > 1 and light.colour != rules.GREEN:  # several lead units: say whose light it is
        entry = next(e for e, candidate in leads if candidate == light)
        light = rules.Light(light.colour, f"{entry.unit_name}：{light.reason}")
    return TaskRow(task, light, leads[0][0] if leads and leads[0][0].is_lead else None, [e for e, _ in pairs])


def target_facts(cycle: Cycle) -> dict[int, tuple[rules.TargetFacts, ...]]:
    """Per entry of the cycle that reported target values: each target of its task, the value
    reported now, and the first value the same unit reported for it in an earlier approved cycle of
    the plan — the start of the trajectory to the target.

    The baseline is a subquery per value reported now, so the board reads this cycle's values only,
    however many years of history the plan has."""
    plan = cycle.plan
    now = list(
        TargetValue.objects.filter(entry__report__cycle=cycle)
        .select_related("target")
        .annotate(unit_id=F("entry__report__unit_id"))
    )
    baselines = _baselines(cycle, {(v.target_id, v.unit_id) for v in now}, {v.target.task_id for v in now})
    result: dict[int, list[rules.TargetFacts]] = defaultdict(list)
    for reported in now:
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


def _baselines(cycle: Cycle, pairs: set[tuple[int, int]], task_ids: set[int]) -> dict[tuple[int, int], Point]:
    """(target, unit) → the first value the unit reported for the target in an earlier approved
    cycle of the plan, for the ``pairs`` reported now.

    Nearly every pair has its baseline in the plan's first earlier cycle, so that cycle is read first:
    the same rows however many years of history follow it (with 10 years of half-year cycles the
    lookup over all of them read 42,000 buffers for a 2,400-entry town; the first cycle alone reads
    about 1,000). Only the pairs without an approved value there are looked up over every earlier
    cycle — a second query, only when some pair needs it."""
    earlier = (
        TargetValue.objects.filter(
            entry__report__status=ReportStatus.APPROVED, entry__report__cycle__plan_id=cycle.plan_id
        )
        .annotate(rank=period_rank("entry__report__cycle__"))
        .filter(rank__lt=rank_of(cycle.period_obj))
        .order_by("target_id", "entry__report__unit_id", "rank", "entry__report__cycle__due_date")
    )
    first_cycle = (
        Cycle.objects.filter(plan_id=cycle.plan_id)
        .annotate(rank=period_rank())
        .filter(rank__lt=rank_of(cycle.period_obj))
        .order_by("rank", "due_date", "pk")
        .values("pk")[:1]
    )
    baselines = _first_values(earlier.filter(entry__report__cycle_id=Subquery(first_cycle)), pairs, task_ids)
    missing = pairs - baselines.keys()
    if missing:
        baselines |= _first_values(earlier, missing, task_ids)
    return baselines


def _first_values(
    rows: QuerySet[TargetValue], pairs: set[tuple[int, int]], task_ids: set[int]
) -> dict[tuple[int, int], Point]:
    """The first of ``rows`` (ordered by target, unit, then period and due date) per (target, unit)
    pair of ``pairs``. On PostgreSQL only that row per pair leaves the database (DISTINCT ON).

    Rows are narrowed by the pairs' units and the targets' tasks (``task_ids``; a target's values are
    its task's entries), so that PostgreSQL finds the entries by the (report, task) index; a list of
    the target ids as well read no fewer rows and cost a third more Python to send."""
    rows = rows.filter(entry__report__unit_id__in={unit for _, unit in pairs}, entry__task_id__in=task_ids)
    if connection.features.can_distinct_on_fields:
        rows = rows.distinct("target_id", "entry__report__unit_id")
    baselines: dict[tuple[int, int], Point] = {}
    for target_id, unit_id, period, value in rows.values_list(
        "target_id", "entry__report__unit_id", "entry__report__cycle__period", "value"
    ):
        if (target_id, unit_id) in pairs:
            baselines.setdefault((target_id, unit_id), Point(period, value))  # the first in order
    return baselines


def period_rank(prefix: str = "") -> Combinable:
    """Periods in the order of their end, in SQL (``Period.end``): 2024H1 → 4048; 2024H2 and the
    year 2024, which end the same day, → 4049."""
    field = f"{prefix}period"
    half = Case(When(**{f"{field}__endswith": "H1"}, then=Value(0)), default=Value(1))
    return Cast(Substr(field, 1, 4), IntegerField()) * 2 + half


def rank_of(period: Period) -> int:
    """``period_rank`` of one period, in Python."""
    return period.year * 2 + (0 if period.half == 1 else 1)


def unit_history(cycle: Cycle) -> dict[int, rules.Rates]:
    """Each unit's rates over this plan's cycles due so far (DHIS2's reporting-rate summary)."""
    rows = (
        Report.objects.filter(
            cycle__plan=cycle.plan, cycle__kind=cycle.kind, cycle__due_date__lte=cycle.due_date
        )
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
        # Rounds of the same kind only: a 科普统计 report is no sub-region's progress report.
        Report.objects.filter(
            cycle__period=cycle.period,
            cycle__kind=cycle.kind,
            cycle__plan__region__path__startswith=region.path,
        )
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
