"""Reporting's figures that other pages show: the indicators dashboards read them directly.

Indicators sits above reporting (docs/architecture.md, "Layers"): it imports this module; nothing
here imports indicators.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from kesu.reporting.models import CYCLE_PROGRESS, HANDED_IN, LEAD_ROLES, Cycle, Entry, ProgressStatus


def task_statuses(task_ids: list[int]) -> dict[int, str]:
    """Each task's status as its lead unit last reported it (approved or submitted reports only)."""
    rows = (
        Entry.objects.filter(task_id__in=task_ids, role__in=LEAD_ROLES, report__status__in=HANDED_IN)
        .exclude(status="")
        .order_by("task_id", "-report__cycle__due_date")
        .values_list("task_id", "status")
    )
    latest: dict[int, str] = {}
    for task_id, status in rows:
        latest.setdefault(task_id, str(ProgressStatus(status).label))
    return latest


def completeness(region: Any) -> list[dict[str, Any]]:
    """Reports expected, in and on time per cycle of the region's own plans, newest first."""
    cycles = (
        Cycle.objects.filter(plan__region=region, kind=CYCLE_PROGRESS)  # the plan's reports, not 科普统计
        .order_by("-due_date")
        .annotate(
            expected=Count("reports"),
            submitted=Count("reports", filter=Q(reports__status__in=HANDED_IN)),
            on_time=Count("reports", filter=Q(reports__on_time=True, reports__status__in=HANDED_IN)),
        )
    )
    return [
        {"cycle": c.period_label, "expected": c.expected, "submitted": c.submitted, "on_time": c.on_time}
        for c in cycles[:10]
    ]
