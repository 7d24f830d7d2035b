"""The office's review of a submitted report, and reopening approved or locked data."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from kesu.core.http import AuthedRequest
from kesu.reporting import actions
from kesu.reporting.models import Report


@require_POST
def report_review(request: AuthedRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(Report.objects.reviewable_by(request.user), pk=report_id)
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


@require_POST
def report_reopen(request: AuthedRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(Report.objects.reviewable_by(request.user), pk=report_id)
    try:
        actions.reopen_report(request.user, report, request.POST.get("reason", ""))
    except actions.ReportingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已重新开放，单位可以修改后再次提交；此操作已记入审计日志。")
    return redirect(report)
