"""Reporting's companion panel: a task's page in a unit's report lists the contests linked to that task
and the unit's own figures in them (the office links tasks on the contest's form)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kesu.contests.models import Contest, ParticipationFigure

if TYPE_CHECKING:
    from kesu.core.http import AuthedRequest
    from kesu.reporting.companions import Panel
    from kesu.reporting.models import Entry


def panel(request: AuthedRequest, entry: Entry) -> Panel | None:
    """None when no contest is linked to the task (the page stays as it was)."""
    from kesu.reporting.companions import Panel

    contests = list(
        Contest.objects.filter(plan_tasks=entry.task_id).select_related("region").order_by("-opens_at")[:10]
    )
    if not contests:
        return None
    figures = {
        f.contest_id: f
        for f in ParticipationFigure.objects.visible_to(request.user).filter(
            contest__in=contests, unit_id=entry.report.unit_id, round__isnull=True
        )
    }
    readable = set(
        Contest.objects.visible_to(request.user)
        .filter(pk__in=[c.pk for c in contests])
        .values_list("pk", flat=True)
    )
    rows = [(contest, figures.get(contest.pk), contest.pk in readable) for contest in contests]
    return Panel("关联的科普竞赛", "contests/_report_link.html", {"rows": rows})
