"""The to-do page: a liaison's reports still to do, an office's agenda, a leader's overview."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kesu.core.http import AuthedRequest, current_region
from kesu.messaging.models import Message
from kesu.reporting import home
from kesu.reporting.models import Entry, Notice, Report, ReportStatus
from kesu.reporting.views.common import task_order, today


@dataclass
class TodoRow:
    """A report still to do, its tasks in ``task_order`` and the days to its due date."""

    report: Report
    entries: list[Entry]
    days: int

    @property
    def to_fix(self) -> list[Entry]:
        """The tasks a return asked to change."""
        return [e for e in self.entries if self.report.asks_to_change(e)]

    @property
    def to_fill(self) -> int:
        return sum(not e.filled for e in self.entries)


@require_safe
def todo(request: AuthedRequest) -> HttpResponse:
    """A liaison's reports still to do, with their tasks; what awaits an office; a leader's overview."""
    access = request.user.access
    day = today()
    region = current_region(request)
    mine = list(Report.objects.writable_by(request.user).still_to_do(day)[:20])
    entries = (
        Entry.objects.filter(report__in=mine)
        .select_related("task")
        .only(
            "pk",
            "report_id",
            "role",
            "status",
            "percent",
            "filled",
            "review_comment",
            "task__title",
            "task__order",
            "task__part_kind",
        )
    )
    by_report: dict[int, list[Entry]] = {}
    for entry in sorted(entries, key=lambda e: (e.report_id, task_order(e))):
        by_report.setdefault(entry.report_id, []).append(entry)
    rows = [TodoRow(r, by_report.get(r.pk, []), (r.cycle.due_date - day).days) for r in mine]
    to_review, agenda = None, None
    if access.is_office:
        pending = (
            Report.objects.reviewable_by(request.user)
            .filter(status=ReportStatus.SUBMITTED)
            .select_related("cycle__plan", "unit")
            .order_by("submitted_at")
        )
        to_review = Paginator(pending, 30).get_page(request.GET.get("page"))
        agenda = home.office_agenda(request.user, region, day)
    overview = (
        home.current_cycles(request.user, region, day) if access.is_leader and not access.is_office else []
    )
    notices = (
        Notice.objects.answerable_by(request.user).open().select_related("task", "unit")[:20]
        if access.is_liaison or access.is_office
        else []
    )
    unread = Message.objects.visible_to(request.user).unread().count()
    return render(
        request,
        "reporting/todo.html",
        {
            "rows": rows,
            "to_review": to_review,
            "agenda": agenda,
            "overview": overview,
            "notices": notices,
            "unread": unread,
            "today": day,
            "writes": access.is_liaison or bool(rows),
        },
    )
