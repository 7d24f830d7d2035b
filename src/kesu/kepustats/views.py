"""Pages of the 科普统计: rounds, a unit's form, the region's aggregate and export, the period conversion.

Status, reminders, review and lock are Reporting's own pages (the round links to its board); these
pages show and write the figures. Liaisons reach only their unit's forms; offices their subtree's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kesu.core import audit
from kesu.core.http import AuthedRequest, current_region, managed_region, writable_or_403
from kesu.core.jobs import start_or_join_job
from kesu.kepustats import actions, exports, summary
from kesu.kepustats import form as formdef
from kesu.kepustats.job_kinds import PREFILL_JOB
from kesu.kepustats.models import KIND, Source, StatisticsForm
from kesu.regions.models import Region
from kesu.reporting.models import Cycle, Report


def _last_full_year() -> date:
    return date(date.today().year - 1, 12, 31)


def _year(request: AuthedRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return _last_full_year().year
    return year if 2000 <= year <= 2100 else _last_full_year().year


def _reader_region(request: AuthedRequest) -> Region:
    """The current region, for an office or leader reading it; anyone else gets a 404."""
    region = current_region(request)
    if region is None or not request.user.access.reads_path(region.path):
        raise Http404
    return region


def _rounds(request: AuthedRequest) -> QuerySet[Cycle]:
    return Cycle.objects.visible_to(request.user).filter(kind=KIND).select_related("plan__region")


def _round(request: AuthedRequest, cycle_id: int) -> Cycle:
    """A round the user reads as an office or leader (a liaison sees its own form, not the round)."""
    cycle = get_object_or_404(_rounds(request), pk=cycle_id)
    if not request.user.access.reads_path(cycle.plan.region.path):
        raise Http404
    return cycle


@require_http_methods(["GET", "POST"])
def index(request: AuthedRequest) -> HttpResponse:
    access = request.user.access
    if request.method == "POST":
        return _open_round(request)
    region = current_region(request)
    forms = StatisticsForm.objects.visible_to(request.user).select_related("report__unit", "report__cycle")
    if access.is_liaison and not access.read_paths:
        forms = forms.filter(report__unit__in=access.liaison_unit_ids)
    else:
        forms = forms.none()
    return render(
        request,
        "kepustats/index.html",
        {
            "region": region,
            "rounds": list(_rounds(request).filter(plan__region__path__startswith=region.path))
            if region and access.read_paths
            else [],
            "forms": list(forms.order_by("-year")[:50]),
            "can_open": region is not None and access.is_office_of(region.pk),
            "default_year": _last_full_year().year,
        },
    )


def _open_round(request: AuthedRequest) -> HttpResponse:
    region = managed_region(request)
    if not request.user.access.is_office_of(region.pk):
        raise Http404
    try:
        year = int(request.POST.get("year", ""))
        due = date.fromisoformat(request.POST["due_date"]) if request.POST.get("due_date") else None
    except (ValueError, KeyError):
        messages.error(request, "请填写正确的统计年度和截止日期。")
        return redirect("kepustats:index")
    if not 2000 <= year <= date.today().year:
        messages.error(request, "统计年度须为已经开始的年度。")
        return redirect("kepustats:index")
    try:
        cycle = actions.open_round(request.user, region, year, due_date=due)
    except actions.StatisticsError as error:
        messages.error(request, str(error))
        return redirect("kepustats:index")
    messages.success(request, f"已开启{year}年度科普统计报送，各成员单位的统计表已按科速数据预填。")
    return redirect("kepustats:round", cycle_id=cycle.pk)


@require_safe
def round_detail(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    cycle = _round(request, cycle_id)
    forms = StatisticsForm.objects.filter(report__cycle=cycle)
    first = forms.first()
    form_year = first.form_year if first else formdef.form_year_for(cycle.period_obj.year)
    problems = summary.unit_problems(forms)
    units = [
        (f, len(problems.get(f.pk, [])))
        for f in forms.select_related("report__unit").order_by("report__unit__name")
    ]
    return render(
        request,
        "kepustats/round.html",
        {
            "cycle": cycle,
            "units": units,
            "result": summary.aggregate(forms, form_year),
            "can_manage": Cycle.objects.manageable_by(request.user).filter(pk=cycle.pk).exists(),
        },
    )


@require_safe
def round_export(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    cycle = _round(request, cycle_id)
    forms = StatisticsForm.objects.filter(report__cycle=cycle)
    first = forms.first()
    result = summary.aggregate(
        forms, first.form_year if first else formdef.form_year_for(cycle.period_obj.year)
    )
    name = f"{cycle.plan.region.name}{cycle.period_obj.year}年度科普统计汇总表"
    audit.record_export(request.user, name, rows=result.forms, region=cycle.plan.region)
    return exports.national_form_response(name, cycle.plan.region.name, result)


@require_POST
def round_prefill(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle.objects.manageable_by(request.user).filter(kind=KIND), pk=cycle_id)
    job = start_or_join_job(
        request.user,
        PREFILL_JOB,
        f"重新预填{cycle.plan.region.name}{cycle.period_obj.year}年度科普统计表",
        region=cycle.plan.region,
        cycle_id=cycle.pk,
    )
    return redirect(job)


@require_safe
def region_aggregate(request: AuthedRequest) -> HttpResponse:
    """The current region's subtree for a year: every round's handed-in forms added up."""
    region = _reader_region(request)
    year = _year(request)
    forms = StatisticsForm.objects.visible_to(request.user).filter(
        year=year, report__cycle__kind=KIND, report__unit__region__path__startswith=region.path
    )
    result = summary.aggregate(forms, formdef.form_year_for(year))
    if request.GET.get("format") == "xlsx":
        name = f"{region.name}{year}年度科普统计汇总表"
        audit.record_export(request.user, name, rows=result.forms, region=region)
        return exports.national_form_response(name, region.name, result)
    return render(request, "kepustats/aggregate.html", {"region": region, "year": year, "result": result})


@require_safe
def conversion(request: AuthedRequest) -> HttpResponse:
    region = _reader_region(request)
    year = _year(request)
    rows = summary.conversion(region, year)
    if request.GET.get("format") == "xlsx":
        name = f"{region.name}{year}年度科协综合统计科普活动（1—10月实际＋11—12月计划）"
        audit.record_export(request.user, name, rows=len(rows), region=region)
        return exports.conversion_response(name, rows)
    return render(request, "kepustats/conversion.html", {"region": region, "year": year, "rows": rows})


# ---- a unit's form ------------------------------------------------------------------------------


def _form_rows(form: StatisticsForm, posted: dict[str, str]) -> list[dict[str, Any]]:
    figures = {f.code: f for f in form.figures.all()}
    problems: dict[str, list[str]] = {}
    for problem in formdef.check(form.definition, form.values()):
        problems.setdefault(problem.code, []).append(problem.message)
    blocks = []
    for block in form.definition.blocks:
        rows = [
            {
                "item": item,
                "figure": figures.get(item.code),
                "text": posted.get(f"v_{item.code}", _stored_text(figures, item.code)),
                "reason": posted.get(
                    f"r_{item.code}", figures[item.code].reason if item.code in figures else ""
                ),
                "problems": problems.get(item.code, []),
            }
            for item in block.indicators
        ]
        blocks.append({"block": block, "rows": rows})
    return blocks


def _stored_text(figures: dict[str, Any], code: str) -> str:
    return formdef.cell_text(figures[code].cell) if code in figures else ""


@require_http_methods(["GET", "POST"])
def form_detail(request: AuthedRequest, form_id: int) -> HttpResponse:
    visible = StatisticsForm.objects.visible_to(request.user).select_related("report__unit", "report__cycle")
    if request.method == "POST":
        form = writable_or_403(StatisticsForm.objects.writable_by(request.user), visible, pk=form_id)
        return _save(request, form)
    form = get_object_or_404(visible, pk=form_id)
    return _render_form(request, form)


def report_page(report: Report) -> str:
    """Where Reporting's report page sends a 科普统计 report (after submit, review, reopen)."""
    form = StatisticsForm.objects.filter(report=report).only("pk").first()
    return form.get_absolute_url() if form else reverse("kepustats:index")


def _render_form(
    request: AuthedRequest, form: StatisticsForm, posted: dict[str, str] | None = None
) -> HttpResponse:
    writable = StatisticsForm.objects.writable_by(request.user).filter(pk=form.pk).exists()
    return render(
        request,
        "kepustats/form.html",
        {
            "form": form,
            "report": form.report,
            "blocks": _form_rows(form, posted or {}),
            "writable": writable and form.report.is_editable,
            "posted": posted or {},
            "prefill_label": Source.PREFILL.label,
            "can_review": Report.objects.reviewable_by(request.user).filter(pk=form.report_id).exists(),
        },
    )


def _save(request: AuthedRequest, form: StatisticsForm) -> HttpResponse:
    posted = {key: str(request.POST.get(key, "")) for key in request.POST}
    cells = {
        key[2:]: actions.Typed(value, posted.get(f"r_{key[2:]}", ""))
        for key, value in posted.items()
        if key.startswith("v_")
    }
    try:
        version = int(request.POST.get("version", "0"))
        problems = actions.save_figures(request.user, form, cells, version=version)
    except (actions.StatisticsError, ValueError) as error:
        messages.error(request, str(error) or "保存失败。")
        form.refresh_from_db()
        return _render_form(request, form, posted=posted)
    if problems:
        messages.warning(request, f"已保存。另有 {len(problems)} 处不符合调查表规则，提交前请修改。")
    else:
        messages.success(request, "已保存。")
    return redirect(form)


@require_POST
def form_prefill(request: AuthedRequest, form_id: int) -> HttpResponse:
    """The unit re-pre-fills its own form from today's rows; what it typed stays."""
    visible = StatisticsForm.objects.visible_to(request.user)
    form = writable_or_403(StatisticsForm.objects.writable_by(request.user), visible, pk=form_id)
    if not form.report.is_editable:
        messages.error(request, "本统计表已提交或已审核，不能重新预填。")
        return redirect(form)
    result = actions.prefill_forms(request.user, StatisticsForm.objects.filter(pk=form.pk))
    messages.success(request, f"已按科速数据重新预填；单位填报的 {result.kept} 个数保持不变。")
    return redirect(reverse("kepustats:form", kwargs={"form_id": form.pk}))
