"""A unit's report: the page, submitting it, and its xlsx round trip."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from kesu.core.downloads import attachment
from kesu.core.exports import XLSX_TYPE, wants_xlsx, xlsx_response
from kesu.core.http import READ_ONLY, AuthedRequest, writable_or_403
from kesu.core.models import AuditEvent
from kesu.plans.models import Target
from kesu.reporting import actions, board, workbook
from kesu.reporting.forms import UploadForm
from kesu.reporting.models import Cycle, Entry, ProgressStatus, Report, ReportStatus
from kesu.reporting.sniff import IMAGE_KINDS
from kesu.reporting.views.common import Step, review_comments, task_order, today
from kesu.reporting.views.review import next_waiting


def _report(request: AuthedRequest, report_id: int) -> Report:
    return get_object_or_404(
        Report.objects.visible_to(request.user).select_related("cycle__plan__region", "unit"), pk=report_id
    )


@dataclass
class ReportLine:
    """A task's row on the report page: the entry, each target with the value reported (None if not
    yet), and whether the entry was saved again after a return asked to change it."""

    entry: Entry
    targets: list[tuple[Target, str | None]]
    revised: bool = False


def _report_lines(report: Report, entries: list[Entry]) -> list[ReportLine]:
    lines = []
    for e in entries:
        values = e.reported_values()
        revised = bool(
            e.review_comment and report.reviewed_at and e.updated_at and e.updated_at > report.reviewed_at
        )
        targets = (
            [(t, values.get(t.pk)) for t in e.task.targets.all()] if e.is_lead else []
        )  # the lead reports them
        lines.append(ReportLine(e, targets, revised))
    return lines


@require_safe
def report_detail(request: AuthedRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id)
    other_page = actions.REPORT_PAGES.get(report.cycle.kind)
    if other_page is not None:
        return redirect(other_page(report))  # e.g. a 科普统计 report: its figures live on that app's page
    entries = sorted(
        report.entries.select_related("task", "updated_by").prefetch_related(
            "values__target", "evidence", "task__targets"
        ),
        key=task_order,
    )
    if wants_xlsx(request):
        rows = (
            (
                e.task.title,
                e.role_label,
                e.get_status_display() if e.status else "",
                e.percent,
                e.narrative,
                e.review_comment,
            )
            for e in entries
        )
        return xlsx_response(
            f"{report}.xlsx",
            "报送",
            ["任务", "角色", "进展状态", "完成比例", "进展情况", "审核意见"],
            rows,
            print_title="",
        )
    can_write = Report.objects.writable_by(request.user).filter(pk=report.pk).exists()
    can_review = Report.objects.reviewable_by(request.user).filter(pk=report.pk).exists()
    titles = {str(e.pk): e.task.title[:30] for e in entries}
    events = [
        Step(e, [f"{titles.get(k, '')}：{c}" for k, c in review_comments(e).items()])
        for e in AuditEvent.objects.history_of(report, request.user).select_related("actor")[:50]
    ]
    lines = _report_lines(report, entries)
    to_fix = [line for line in lines if report.asks_to_change(line.entry)]
    return render(
        request,
        "reporting/report_detail.html",
        {
            "below": _subregion_summary(report) if report.unit.kind == "subregion" else None,
            "report": report,
            "lines": lines,
            "can_write": can_write,
            "can_review": can_review,
            "reviewing": can_review and report.status == ReportStatus.SUBMITTED,
            "events": events,
            "upload_form": UploadForm(),
            "missing": [e for e in entries if not e.filled],
            "to_fix": to_fix,
            "revised": sum(line.revised for line in to_fix),
            "days_left": (report.cycle.due_date - today()).days,
            "image_kinds": IMAGE_KINDS,
            "next_report": next_waiting(request.user, report) if can_review else None,
        },
    )


def _subregion_summary(report: Report) -> dict[str, Any]:
    """For a sub-region's consolidated report: how its own units reported for the same period."""
    # The same kind of round only: a 科普统计 report says nothing of the sub-region's progress reports.
    own = Report.objects.filter(
        cycle__period=report.cycle.period,
        cycle__kind=report.cycle.kind,
        cycle__plan__region=report.unit.region,
    )
    entries = Entry.objects.filter(report__in=own.filter(status=ReportStatus.APPROVED)).leads()
    return {
        "rates": board.rates_of(own),
        "cycles": list(
            Cycle.objects.filter(
                period=report.cycle.period, kind=report.cycle.kind, plan__region=report.unit.region
            )
        ),
        "done": entries.filter(status=ProgressStatus.DONE).count(),
        "lagging": entries.filter(status=ProgressStatus.LAGGING).count(),
        "leads": entries.count(),
    }


def _writable(request: AuthedRequest, report_id: int) -> Report:
    return writable_or_403(
        Report.objects.writable_by(request.user).select_related("cycle__plan__region", "unit"),
        Report.objects.visible_to(request.user),
        pk=report_id,
    )


@require_POST
def report_submit(request: AuthedRequest, report_id: int) -> HttpResponse:
    try:
        submission = actions.submit_report(request.user, report_id, as_writer=True)
    except Report.DoesNotExist as missing:
        if Report.objects.visible_to(request.user).filter(pk=report_id).exists():
            raise PermissionDenied(READ_ONLY) from missing
        raise Http404 from missing
    except actions.ReportingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"已提交（第 {submission.round} 次报送），等待素质办审核。")
    return redirect("reporting:report", report_id=report_id)


def report_xlsx(request: AuthedRequest, report_id: int) -> HttpResponse:
    """GET: the unit's report as a workbook; POST: the filled workbook back, all rows or none."""
    if request.method == "GET":
        report = _report(request, report_id)
        return attachment(
            workbook.report_workbook(report),
            f"{report.unit.name}-{report.cycle.period}-报送表.xlsx",
            XLSX_TYPE,
        )
    if request.method != "POST":
        return HttpResponse(status=405)
    report = _writable(request, report_id)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "未导入任何内容：" + "".join(map(str, form.errors["file"])))  # its only field
        return redirect(report)
    parsed = workbook.parse_report_workbook(report, form.cleaned_data["file"].read())
    if parsed.errors:
        more = f"；另有 {len(parsed.errors) - 10} 处问题未列出" if len(parsed.errors) > 10 else ""
        messages.error(request, "未导入任何内容，请修改后重新上传：" + "；".join(parsed.errors[:10]) + more)
        return redirect(report)
    try:
        count = actions.import_report_rows(request.user, report, parsed.rows)
    except actions.ReportingError as error:
        messages.error(request, f"未导入任何内容：{error}")
    else:
        messages.success(
            request,
            f"已导入 {count} 项任务的进展。" if count else "报送表与已保存的内容一致，没有需要导入的修改。",
        )
    return redirect(report)
