"""The office's review of a submitted report, and reopening approved or locked data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from kesu.core.http import READ_ONLY, AuthedRequest, writable_or_403
from kesu.reporting import actions
from kesu.reporting.models import Cycle, Report

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser


@require_POST
def report_review(request: AuthedRequest, report_id: int) -> HttpResponse:
    report = writable_or_403(
        Report.objects.reviewable_by(request.user), Report.objects.visible_to(request.user), pk=report_id
    )
    comments = {
        int(k.removeprefix("comment_")): str(v)
        for k, v in request.POST.items()
        if k.startswith("comment_") and k.removeprefix("comment_").isdigit()
    }
    approve = request.POST.get("decision") == "approve"
    try:
        actions.review_report(
            request.user, report, approve=approve, comments=comments, overall=request.POST.get("overall", "")
        )
    except actions.ReportingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已审核通过，数据已锁定。" if approve else "已退回，单位将收到修改意见。")
    return redirect(report)


def next_waiting(user: AnyUser, report: Report) -> Report | None:
    """The next report of the same cycle waiting for this office's review (下一份), oldest first."""
    return (
        Report.objects.reviewable_by(user)
        .filter(cycle_id=report.cycle_id)
        .awaiting_review()
        .exclude(pk=report.pk)
        .select_related("unit")
        .first()
    )


@require_POST
def approve_together(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(
        Cycle.objects.visible_to(request.user).select_related("plan__region"), pk=cycle_id
    )
    reviewable = Report.objects.reviewable_by(request.user)
    if not reviewable.filter(cycle=cycle).exists():
        raise PermissionDenied(READ_ONLY)  # a liaison sees the cycle of its report, but reviews none
    try:
        approved = actions.approve_together(request.user, cycle, reviewable)
    except actions.ReportingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"已批量审核通过 {len(approved)} 份报送，数据已锁定；此操作已记入审计日志。"
        )
    return redirect(cycle)


@require_POST
def report_reopen(request: AuthedRequest, report_id: int) -> HttpResponse:
    report = writable_or_403(
        Report.objects.reviewable_by(request.user), Report.objects.visible_to(request.user), pk=report_id
    )
    try:
        actions.reopen_report(request.user, report, request.POST.get("reason", ""))
    except actions.ReportingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已重新开放，单位可以修改后再次提交；此操作已记入审计日志。")
    return redirect(report)
