"""Figures the indicators dashboards ask reporting for (registered through ``kesu.indicators.hooks``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from kesu.reporting.models import Cycle, Entry, ProgressStatus

IN = ["submitted", "approved"]


def task_statuses(task_ids: list[int]) -> dict[int, str]:
    """Each task's status as its lead unit last reported it (approved or submitted reports only)."""
    rows = (Entry.objects.filter(task_id__in=task_ids, role__in=["lead", "responsible"],
                                 report__status__in=IN).exclude(status="")
            .order_by("task_id", "-report__cycle__due_date").values_list("task_id", "status"))
    latest: dict[int, str] = {}
    for task_id, status in rows:
        latest.setdefault(task_id, str(ProgressStatus(status).label))
    return latest


def completeness(region: Any) -> list[dict[str, Any]]:
    """Reports expected, in and on time per cycle of the region's own plans, newest first."""
    cycles = (Cycle.objects.filter(plan__region=region).order_by("-due_date")
              .annotate(expected=Count("reports"), submitted=Count("reports", filter=Q(reports__status__in=IN)),
                        on_time=Count("reports", filter=Q(reports__on_time=True, reports__status__in=IN))))
    return [{"cycle": c.period_label, "expected": c.expected, "submitted": c.submitted, "on_time": c.on_time}
            for c in cycles[:10]]


def register() -> None:
    try:
        from kesu.indicators import hooks
    except ImportError:
        return
    hooks.register_task_status_provider(task_statuses)
    hooks.register_completeness_provider(completeness)
