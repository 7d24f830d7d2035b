"""The half-year report link: a task's page shows the unit's adopted activities linked to that task in
the report's period, and the figures they give for the task's targets. The figures are written into the
entry only when the liaison clicks 采用 (never silently), through reporting's own save, as a draft.

Which figure feeds which target is decided by the target's unit, stated on the panel: a target in
人次/人 gets the activities' 线下参与人次; one in 场/次/项/期/个 gets the number of activities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kesu.activities.models import Activity, ActivityStatus

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.core.http import AuthedRequest
    from kesu.plans.models import Target
    from kesu.reporting.companions import Panel
    from kesu.reporting.models import Entry

ATTENDANCE_UNITS = ("人次", "人")
COUNT_UNITS = ("场", "场次", "次", "项", "期", "个", "")
SHOWN = 20


class LinkError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Proposal:
    target: Target
    value: float
    basis: str  # 活动场次 or 线下参与人次
    current: float | None  # what the entry holds now

    @property
    def differs(self) -> bool:
        return self.current != self.value


def _moment(day: Any, end: bool = False) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


def linked_activities(entry: Entry) -> QuerySet[Activity]:
    """Adopted activities of the entry's unit (host or co-organiser) linked to its task, in the report's period."""
    period = entry.report.cycle.period_obj
    unit_id = entry.report.unit_id
    return (
        Activity.objects.filter(
            tasks=entry.task_id,
            status=ActivityStatus.ADOPTED,
            starts_at__range=(_moment(period.start), _moment(period.end, end=True)),
        )
        .filter(Q(unit_id=unit_id) | Q(organisers__unit_id=unit_id))
        .distinct()
    )


def proposals(entry: Entry) -> list[Proposal]:
    if not entry.is_lead:
        return []  # targets are reported by the lead unit only
    rows = linked_activities(entry)
    count = rows.count()
    if not count:
        return []
    attendance = Activity.objects.filter(pk__in=rows.values("pk")).aggregate(a=Sum("attendance"))["a"] or 0
    current = {value.target_id: value.value for value in entry.values.all()}
    found = []
    for target in entry.task.targets.all():
        unit = (target.unit or "").strip()
        if unit in ATTENDANCE_UNITS:
            found.append(Proposal(target, float(attendance), "线下参与人次", current.get(target.pk)))
        elif unit in COUNT_UNITS:
            found.append(Proposal(target, float(count), "活动场次", current.get(target.pk)))
    return found


def panel(request: AuthedRequest, entry: Entry) -> Panel | None:
    """Reporting's companion: None when no adopted activity is linked to the task (the page stays as it was)."""
    from kesu.reporting.companions import Panel
    from kesu.reporting.models import Report

    rows = linked_activities(entry)
    total = rows.count()
    if not total:
        return None
    can_accept = (
        entry.report.is_editable
        and Report.objects.writable_by(request.user).filter(pk=entry.report_id).exists()
    )
    shown = list(rows.select_related("unit").order_by("-starts_at")[:SHOWN])
    return Panel(
        "关联的科普活动",
        "activities/_report_link.html",
        {
            "activities": shown,
            "total": total,
            "more": total - len(shown),
            "proposals": proposals(entry),
            "can_accept": can_accept,
            "entry": entry,
        },
    )


def writable_entry(request: AuthedRequest, entry_id: int) -> Entry:
    from kesu.core.http import writable_or_403
    from kesu.reporting.models import Entry

    visible = Entry.objects.visible_to(request.user)
    writable = visible.filter(report__in=_writable_reports(request.user))
    entry = writable_or_403(writable, visible, pk=entry_id)
    return get_object_or_404(Entry.objects.select_related("report__cycle", "task"), pk=entry.pk)


def _writable_reports(user: Any) -> Any:
    from kesu.reporting.models import Report

    return Report.objects.writable_by(user).values("pk")


def accept(actor: User, entry: Entry, posted: Any) -> int:
    """Write the proposals into the entry's target values (recomputed here, never read from the post)."""
    from kesu.reporting import actions

    if not entry.report.is_editable:
        raise LinkError("该报送已提交或锁定，不能再修改。")
    found = [p for p in proposals(entry) if p.differs]
    if not found:
        raise LinkError("没有需要填入的活动数据。")
    try:
        version = int(posted.get("version", ""))
    except ValueError as error:
        raise LinkError("页面已过期，请刷新后再试。") from error
    try:
        actions.save_entry(
            actor,
            entry,
            version=version,
            status=entry.status,
            percent=entry.percent,
            narrative=entry.narrative,
            values={p.target.pk: p.value for p in found},
        )
    except actions.Conflict as error:
        raise LinkError("在您查看期间，他人已保存了这项任务。请刷新页面核对后再采用。") from error
    except actions.ReportingError as error:
        raise LinkError(str(error)) from error
    return len(found)
