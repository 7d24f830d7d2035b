from __future__ import annotations

from django.db.models import Count, Q

from kesu.core.http import AuthedRequest, current_region, manages_current_region
from kesu.core.panels import HomePanel
from kesu.plans.models import Plan, PlanStatus, Task


def home_panels(request: AuthedRequest) -> list[HomePanel]:
    access, region = request.user.access, current_region(request)
    if access.is_liaison and not (access.is_office or access.is_leader):
        tasks = Task.objects.visible_to(request.user).active()
        context = {
            "lead": tasks.filter(
                responsibilities__role__in=["lead", "responsible"],
                responsibilities__unit__in=access.liaison_unit_ids,
            )
            .distinct()
            .count(),
            "total": tasks.count(),
        }
        return [HomePanel("本单位承担的任务", "plans/_home_liaison.html", 20, context)]
    if region is None:
        return []
    plans = (
        Plan.objects.visible_to(request.user)
        .filter(region=region)
        .annotate(task_count=Count("tasks", filter=Q(tasks__is_active=True)))
        .order_by("-period_start")
    )
    office = {
        "plans": plans[:4],
        "drafts": plans.filter(status=PlanStatus.DRAFT).count(),
        "can_upload": manages_current_region(request),
    }
    return [HomePanel("实施方案", "plans/_home_office.html", 10, office, width=12)]
