"""Helpers the reporting pages share: file answers (``attachment``, from ``core.downloads``), today's
date, task order, history lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from kesu.core.models import AuditEvent
from kesu.reporting.models import Entry


def today() -> date:
    return timezone.localdate()


def task_order(entry: Entry) -> tuple[bool, int]:
    """Own lead tasks first, then the plan's order: the to-do page, the report page and 下一项 agree."""
    return (not entry.is_lead, entry.task.order)


@dataclass
class Step:
    """One audit event as a history line, with the review comments that belong on that page;
    ``report_wide`` marks a report's step shown on a task's page (submitted, approved …)."""

    event: AuditEvent
    comments: list[str] = field(default_factory=list)
    report_wide: bool = False


def review_comments(event: AuditEvent) -> dict[str, str]:
    return dict((event.after or {}).get("comments") or {})
