"""Reporting figures for overviews that stay the same cost however many cycles a plan has behind it.

``figures.task_statuses`` reads every lead entry of every cycle to keep the newest per task; after ten
years of half-yearly cycles that is twenty entries per task read to show one. Here the newest cycles
are read first and older ones only for the tasks still without a status, so a page costs at most
``WINDOWS + 1`` entry queries whatever the history. Same answer as ``figures.task_statuses``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from kesu.plans.models import Task
from kesu.reporting.models import CYCLE_PROGRESS, HANDED_IN, LEAD_ROLES, Cycle, Entry, ProgressStatus

CYCLES_PER_WINDOW = 2  # a status is nearly always in the last cycle or the one before
WINDOWS = 2


def task_statuses(task_ids: list[int]) -> dict[int, str]:
    """Each task's status as its lead unit last reported it (approved or submitted reports only)."""
    plans = Task.objects.filter(pk__in=task_ids).values("plan_id")
    cycles = list(
        Cycle.objects.filter(plan_id__in=plans).order_by("-due_date", "-pk").values_list("pk", flat=True)
    )
    latest: dict[int, str] = {}
    remaining = set(task_ids)
    for window in range(WINDOWS + 1):
        start = window * CYCLES_PER_WINDOW
        chosen = cycles[start:] if window == WINDOWS else cycles[start : start + CYCLES_PER_WINDOW]
        if not chosen or not remaining:
            break
        found = _latest_in(sorted(remaining), chosen)
        latest.update(found)
        remaining -= set(found)
    return latest


def _latest_in(task_ids: list[int], cycle_ids: list[int]) -> dict[int, str]:
    rows = (
        Entry.objects.filter(
            task_id__in=task_ids,
            role__in=LEAD_ROLES,
            report__status__in=HANDED_IN,
            report__cycle_id__in=cycle_ids,
        )
        .exclude(status="")
        .order_by("task_id", "-report__cycle__due_date")
        .values_list("task_id", "status")
    )
    latest: dict[int, str] = {}
    for task_id, status in rows:
        latest.setdefault(task_id, str(ProgressStatus(status).label))
    return latest


def completeness(region: Any, cycles: int = 10) -> list[dict[str, Any]]:
    """``figures.completeness`` counting the reports of the newest ``cycles`` only, not of all history."""
    newest = list(
        Cycle.objects.filter(plan__region=region, kind=CYCLE_PROGRESS)  # the plan's reports, not 科普统计
        .order_by("-due_date")
        .values_list("pk", flat=True)[:cycles]
    )
    rows = (
        Cycle.objects.filter(pk__in=newest)
        .order_by("-due_date")
        .annotate(
            expected=Count("reports"),
            submitted=Count("reports", filter=Q(reports__status__in=HANDED_IN)),
            on_time=Count("reports", filter=Q(reports__on_time=True, reports__status__in=HANDED_IN)),
        )
    )
    return [
        {"cycle": c.period_label, "expected": c.expected, "submitted": c.submitted, "on_time": c.on_time}
        for c in rows
    ]
