"""Helpers the reporting pages share: file answers, today's date, task order, history lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone

from kesu.core.models import AuditEvent
from kesu.reporting.models import Entry


def attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    """A file download whose Chinese name survives every browser (RFC 5987)."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


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
