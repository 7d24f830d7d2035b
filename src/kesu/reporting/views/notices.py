"""督办: the list and its exports, issuing a notice, and each step on a notice's page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from kesu.core.downloads import DOCX_TYPE, attachment
from kesu.core.exports import xlsx_response
from kesu.core.formats import day_text
from kesu.core.http import READ_ONLY, AuthedRequest, current_region, writable_or_403
from kesu.core.models import AuditEvent
from kesu.reporting import actions, documents, supervision
from kesu.reporting.filters import NoticeFilterSet
from kesu.reporting.forms import NOTICE_STEP_FORMS, NoticeForm, ReportNoticeForm
from kesu.reporting.models import Entry, Notice, Report, ReportStatus
from kesu.reporting.views.common import Step


@require_safe
def notice_list(request: AuthedRequest) -> HttpResponse:
    chosen = request.GET.get("report", "")
    if chosen.isdigit():  # the list's 向单位发督办单 picker
        return redirect("reporting:report_notice", report_id=int(chosen))
    notices = Notice.objects.visible_to(request.user).select_related("unit", "task", "region")
    region = current_region(request)
    if region is not None and not request.user.access.is_liaison:
        notices = notices.filter(region__path__startswith=region.path)
    filterset = NoticeFilterSet(request.GET, queryset=notices, request=request)
    fmt = request.GET.get("format")
    if fmt == "xlsx":
        rows = (
            (
                n.number,
                n.unit.name,
                n.task.title,
                n.requirement,
                n.deadline,
                n.get_status_display(),
                n.level,
                n.issued_at,
                n.signed_at,
                n.responded_at,
                n.escalated_at,
                n.closed_at,
                n.response,
                n.closing_note,
            )
            for n in filterset.qs
        )
        headers = [
            "督办单号",
            "单位",
            "任务",
            "督办要求",
            "时限",
            "状态",
            "级别",
            "交办",
            "签收",
            "反馈",
            "升级督办",
            "办结",
            "办理情况",
            "办结 / 升级意见",
        ]
        return xlsx_response("督办通报.xlsx", "督办通报", headers, rows, print_title="")
    if fmt == "docx":
        title = f"{region.name if region else ''}全民科学素质行动督办事项通报"
        return attachment(documents.notices_docx(list(filterset.qs), title), "督办通报.docx", DOCX_TYPE)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    # Reports an office may send a 督办 about from here: its own region's, in cycles still collecting.
    reports = (
        Report.objects.reviewable_by(request.user)
        .exclude(status=ReportStatus.APPROVED)
        .filter(cycle__due_date__gte=timezone.localdate() - timedelta(days=366))
        .select_related("unit", "cycle")
        .order_by("-cycle__due_date", "unit__name")[:300]
    )
    return render(
        request, "reporting/notice_list.html", {"page": page, "filterset": filterset, "reports": reports}
    )


def notice_new(request: AuthedRequest, entry_id: int) -> HttpResponse:
    """Issue a 督办 notice about a task to the unit whose entry lags."""
    entry = writable_or_403(
        Entry.objects.filter(report__in=Report.objects.reviewable_by(request.user)).select_related(
            "task__plan__region", "report__unit", "report__cycle"
        ),
        Entry.objects.visible_to(request.user),
        pk=entry_id,
    )
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice = supervision.issue_notice(
                request.user,
                entry.task,
                entry.report.unit,
                form.cleaned_data["requirement"],
                form.cleaned_data["deadline"],
                entry.report.cycle,
            )
        except actions.ReportingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已向{notice.unit.name}交办督办单 {notice.number}。")
            return redirect(notice)
    return render(request, "reporting/notice_new.html", {"entry": entry, "form": form})


def report_notice(request: AuthedRequest, report_id: int) -> HttpResponse:
    """Issue a 督办 to a report's unit from the list or the board; for a report not yet handed in it
    reads as 催报 (a reminder to submit, with the cycle's due date)."""
    report = writable_or_403(
        Report.objects.reviewable_by(request.user).select_related("unit", "cycle__plan__region"),
        Report.objects.visible_to(request.user),
        pk=report_id,
    )
    initial = {}
    if not report.is_handed_in:
        initial["requirement"] = (
            f"催报：请尽快完成并提交{report.cycle.period_label}报送（截止 {day_text(report.cycle.due_date)}）。"
        )
    form = ReportNoticeForm(request.POST or None, report=report, initial=initial)
    if request.method == "POST" and form.is_valid():
        entry = form.cleaned_data["entry"]
        try:
            notice = supervision.issue_notice(
                request.user,
                entry.task,
                report.unit,
                form.cleaned_data["requirement"],
                form.cleaned_data["deadline"],
                report.cycle,
            )
        except actions.ReportingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已向{notice.unit.name}交办督办单 {notice.number}。")
            return redirect(notice)
    return render(request, "reporting/notice_new.html", {"report": report, "form": form})


def notice_detail(request: AuthedRequest, notice_id: int) -> HttpResponse:
    notice = get_object_or_404(
        Notice.objects.visible_to(request.user).select_related("unit", "task", "cycle"), pk=notice_id
    )
    can_answer = Notice.objects.answerable_by(request.user).filter(pk=notice.pk).exists()
    can_manage = Notice.objects.manageable_by(request.user).filter(pk=notice.pk).exists()
    # Each step's form has its own ids, so the close and escalate forms can share a page.
    step_forms = {step: form_class(auto_id=f"{step}_%s") for step, form_class in NOTICE_STEP_FORMS.items()}
    if request.method == "POST":
        step = request.POST.get("step", "")
        allowed = {"sign": can_answer, "respond": can_answer, "close": can_manage, "escalate": can_manage}
        if step not in allowed:
            raise Http404
        if not allowed[step]:
            raise PermissionDenied(READ_ONLY)  # the notice is visible, the step is not this user's
        form = step_forms[step] = NOTICE_STEP_FORMS[step](request.POST, request.FILES, auto_id=f"{step}_%s")
        if form.is_valid():
            try:
                messages.success(request, _notice_step(request, notice, step, form.cleaned_data))
            except actions.ReportingError as error:  # e.g. already signed in another tab
                messages.error(request, str(error))
            return redirect(notice)
        # Invalid input re-renders the page with the user's input and the reason next to the field.
    events = [Step(e) for e in AuditEvent.objects.history_of(notice, request.user).select_related("actor")]
    return render(
        request,
        "reporting/notice_detail.html",
        {
            "notice": notice,
            "can_answer": can_answer,
            "can_manage": can_manage,
            "events": events,
            "step_forms": step_forms,
        },
    )


@require_safe
def notice_attachment(request: AuthedRequest, notice_id: int) -> FileResponse:
    notice = get_object_or_404(
        Notice.objects.visible_to(request.user).exclude(response_file=""), pk=notice_id
    )
    return FileResponse(
        notice.response_file.open("rb"), as_attachment=True, filename=notice.response_filename
    )


def _notice_step(request: AuthedRequest, notice: Notice, step: str, data: dict[str, Any]) -> str:
    """Runs one validated step and says what happened."""
    if step == "sign":
        supervision.sign_notice(request.user, notice)
        return "已签收，请在办理时限内反馈办理情况。"
    if step == "respond":
        upload = data.get("attachment")
        attachment = (upload.read(), upload.name or "附件") if upload else None
        supervision.respond_notice(request.user, notice, data["response"], attachment)
        return "已反馈办理情况，等待素质办审核办结。"
    if step == "close":
        supervision.close_notice(request.user, notice, data["note"])
        return "已办结。"
    deadline: date = data["deadline"]
    supervision.escalate_notice(request.user, notice, data["note"], deadline)
    return f"已升级督办，新的办理时限为 {day_text(deadline)}。"
