from __future__ import annotations

from django.utils import timezone

from kesu.core.http import AuthedRequest
from kesu.core.panels import HomePanel
from kesu.reporting.models import Notice, Report, ReportStatus


def home_panels(request: AuthedRequest) -> list[HomePanel]:
    access = request.user.access
    panels = []
    if access.is_liaison or access.is_office:
        today = timezone.localdate()
        mine = list(Report.objects.writable_by(request.user)
                    .exclude(status=ReportStatus.APPROVED).filter(cycle__due_date__gte=today.replace(year=today.year - 1))
                    .select_related("cycle__plan", "unit").order_by("cycle__due_date")[:5])
        rows = [(report, (report.cycle.due_date - today).days) for report in mine]
        notices = Notice.objects.answerable_by(request.user).open().count()
        if rows or access.is_liaison:
            panels.append(HomePanel("报送待办", "reporting/_home_todo.html", 5, {"rows": rows, "notices": notices}))
    if access.is_office:
        waiting = Report.objects.reviewable_by(request.user).filter(status=ReportStatus.SUBMITTED).count()
        panels.append(HomePanel("待审核的报送", "reporting/_home_review.html", 6, {"waiting": waiting}))
    return panels
