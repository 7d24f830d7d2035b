"""Cycles: the list (and opening one), the status board with its exports, the summary document."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from kesu.core.downloads import DOCX_TYPE, attachment
from kesu.core.exports import wants_xlsx, xlsx_response
from kesu.core.filters import sorted_rows
from kesu.core.http import AuthedRequest, current_region
from kesu.plans.models import Plan, Task
from kesu.regions.models import Unit
from kesu.reporting import actions, board, documents
from kesu.reporting.filters import CycleTaskFilterSet
from kesu.reporting.forms import CycleForm
from kesu.reporting.models import HANDED_IN, Cycle, Report
from kesu.reporting.views.common import today


def cycle_list(request: AuthedRequest) -> HttpResponse:
    access = request.user.access
    if not (access.is_office or access.is_leader):
        raise Http404
    cycles = (
        Cycle.objects.visible_to(request.user)
        .select_related("plan__region")
        .order_by("-due_date", "plan__title")
    )
    region = current_region(request)
    if region is not None:
        cycles = cycles.filter(plan__region__path__startswith=region.path)
    form = CycleForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not access.is_office:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                cycle = actions.open_cycle(
                    request.user,
                    data["plan"],
                    data["period"],
                    due_date=data["due_date"],
                    timely_days=data["timely_days"],
                    lock_days=data["lock_days"],
                    warn_days=data["warn_days"],
                )
            except actions.ReportingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"已开启{cycle.period_label}报送：{cycle.reports.count()} 家单位。")
                return redirect(cycle)
    page = Paginator(cycles, 30).get_page(request.GET.get("page"))
    page.object_list = _count_reports(list(page.object_list))
    return render(
        request, "reporting/cycle_list.html", {"page": page, "form": form, "can_open": access.is_office}
    )


def _count_reports(cycles: list[Cycle]) -> list[Cycle]:
    """Reports and hand-ins of the page's cycles only: the list stays as fast after ten years of history."""
    counts = {
        row["cycle_id"]: row
        for row in Report.objects.filter(cycle__in=cycles)
        .values("cycle_id")
        .annotate(total=Count("pk"), handed_in=Count("pk", filter=Q(status__in=HANDED_IN)))
    }
    for cycle in cycles:
        row: Mapping[str, Any] = counts.get(cycle.pk, {})
        cycle.report_count, cycle.submitted_count = row.get("total", 0), row.get("handed_in", 0)  # type: ignore[attr-defined]
    return cycles


@require_safe
def cycle_board(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(
        Cycle.objects.visible_to(request.user).select_related("plan__region"), pk=cycle_id
    )
    access = request.user.access
    if not access.reads_path(cycle.plan.region.path):
        raise Http404  # a liaison or sub-region office sees its own report, not the whole board
    tasks = (
        Task.objects.filter(plan=cycle.plan)
        .active()
        .only("pk", "title", "part", "part_kind", "order", "plan_id", "not_reported")
    )
    filterset = CycleTaskFilterSet(request.GET, queryset=tasks, request=request, cycle=cycle)
    unit_id = filterset.form.cleaned_data.get("unit") if filterset.is_valid() else None
    result = board.build_board(cycle, filterset.qs, today(), unit_id=int(unit_id) if unit_id else None)
    result.units = sorted_rows(result.units, request.GET.get("usort", ""), UNIT_SORTS)
    query = request.GET.get("uq", "").strip()
    if query:  # the 按单位 tab's search: a unit's name
        result.units = [u for u in result.units if query in u.report.unit.name]
    if wants_xlsx(request):
        return _board_xlsx(cycle, result, units=request.GET.get("table") == "units")
    page = Paginator(result.tasks, 50).get_page(request.GET.get("page"))
    # The 按单位 tab pages too: a county's 240 units were most of the page's HTML (sorted and searched
    # over all of them first, exported whole).
    unit_page = Paginator(result.units, UNITS_PER_PAGE).get_page(request.GET.get("upage"))
    return render(
        request,
        "reporting/cycle_board.html",
        {
            "cycle": cycle,
            "board": result,
            "page": page,
            "unit_page": unit_page,
            "filterset": filterset,
            "units": Unit.objects.filter(reports__cycle=cycle).order_by("name"),
            # The 单位 filter's options from the reports the board has read: no second query, no model
            # per option, and the chosen one compared once here rather than per option in the template.
            "unit_choices": board.unit_choices(result),
            "chosen_unit": _chosen_unit(filterset.form["unit"].value()),
            "parts": list(
                dict.fromkeys(tasks.exclude(part="").order_by("order").values_list("part", flat=True))
            ),
            "tab": request.GET.get("tab", "tasks"),
            "can_notice": Report.objects.reviewable_by(request.user).filter(cycle=cycle).exists(),
            "can_manage_plan": Plan.objects.manageable_by(request.user).filter(pk=cycle.plan_id).exists(),
            "approvable": Report.objects.reviewable_by(request.user)
            .filter(cycle=cycle)
            .awaiting_review()
            .with_no_returned_task()
            .count(),
        },
    )


def _chosen_unit(value: object) -> int | None:
    """The 单位 filter's value as a unit id, as typed in the address (even if another filter is invalid)."""
    try:
        return int(str(value))
    except ValueError:
        return None


UNITS_PER_PAGE = 50

# The 按单位 tab's sortable columns (``?usort=``; the tasks tab sorts with ``?sort=``).
UNIT_SORTS: dict[str, Callable[[board.UnitRow], Any]] = {
    "unit": lambda u: u.report.unit.name,
    "status": lambda u: u.report.status,
    "filled": lambda u: u.filled / u.entries if u.entries else 0,
    "submitted": lambda u: u.report.first_submitted_at,
    "rate": lambda u: u.history.reporting_rate,
}


def _board_xlsx(cycle: Cycle, result: board.Board, *, units: bool) -> HttpResponse:
    if units:
        rows = (
            (
                u.report.unit.name,
                u.report.get_status_display(),
                u.light.label,
                u.light.reason,
                u.report.first_submitted_at,
                "是" if u.report.on_time else "否",
                f"{u.filled}/{u.entries}",
                u.history.reporting_rate,
                u.history.on_time_rate,
            )
            for u in result.units
        )
        headers = [
            "单位",
            "状态",
            "灯号",
            "原因",
            "首次提交",
            "按时",
            "已填任务",
            "历次报送率（%）",
            "历次及时率（%）",
        ]
        return xlsx_response(f"{cycle}-单位报送.xlsx", "单位报送", headers, rows, print_title="")
    task_rows = (
        (
            t.task.title,
            t.task.part or t.task.get_part_kind_display(),
            t.light.label,
            t.light.reason,
            t.lead.get_status_display() if t.lead and t.lead.status else "",
            t.lead.percent if t.lead else "",
            "、".join(f"{name}（牵头）" if lead else name for name, lead in t.units),
        )
        for t in result.tasks
    )
    return xlsx_response(
        f"{cycle}-任务状态.xlsx",
        "任务状态",
        ["任务", "所属行动或工程", "灯号", "原因", "进展", "完成比例", "单位"],
        task_rows,
        print_title="",
    )


@require_safe
def cycle_summary(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(
        Cycle.objects.visible_to(request.user).select_related("plan__region"), pk=cycle_id
    )
    if not request.user.access.reads_path(cycle.plan.region.path):
        raise Http404
    return attachment(
        documents.summary_docx(cycle),
        f"{cycle.plan.region.name}{cycle.period_label}工作总结.docx",
        DOCX_TYPE,
    )
