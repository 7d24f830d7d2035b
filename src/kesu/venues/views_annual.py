"""Annual report and review pages: rubrics, rounds with their status board, one base's report (filled
by the 推荐单位's liaison, on a phone too; reviewed by the office) and the published results."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from kesu.core.exports import wants_xlsx, xlsx_response
from kesu.core.http import READ_ONLY, AuthedRequest, managed_region, manages_current_region
from kesu.core.models import AuditEvent
from kesu.regions.models import Region
from kesu.reporting import rules
from kesu.reporting.sniff import INLINE_TYPES
from kesu.venues import actions_annual as actions
from kesu.venues.forms_certification import (
    AnnualReportForm,
    BandsForm,
    LineForm,
    PhotoForm,
    ReturnForm,
    ReviewForm,
    RoundForm,
    RubricForm,
)
from kesu.venues.models import AnnualPhoto, AnnualReport, AnnualRound, Outcome, ReportState, Rubric
from kesu.venues.models.annual import BANDS

# ---- home and rubrics ---------------------------------------------------------------------------


@require_safe
def annual_home(request: AuthedRequest) -> HttpResponse:
    """Offices: the rounds of their region; a liaison: its bases' reports to fill, newest first."""
    rounds = AnnualRound.objects.visible_to(request.user).select_related("region", "rubric").distinct()
    mine = (
        AnnualReport.objects.filter(institution__unit__in=request.user.access.liaison_unit_ids)
        .select_related("round", "institution")
        .order_by("-round__year", "institution__name")
    )
    return render(
        request,
        "venues/annual/home.html",
        {
            "rounds": rounds,
            "mine": mine,
            "can_open": manages_current_region(request),
            "rubrics": Rubric.objects.visible_to(request.user)[:20],
        },
    )


def rubric_list(request: AuthedRequest) -> HttpResponse:
    rubrics = Rubric.objects.visible_to(request.user).prefetch_related("lines")
    can_create = manages_current_region(request)
    form = RubricForm(request.POST or None)
    if request.method == "POST":
        region = managed_region(request)
        if form.is_valid():
            try:
                rubric = actions.create_rubric(request.user, region, **form.cleaned_data)
            except actions.AnnualError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"已新建考核评分表：{rubric.name}，请添加评分项")
                return redirect(rubric)
    return render(
        request,
        "venues/annual/rubric_list.html",
        {"rubrics": rubrics, "form": form, "can_create": can_create},
    )


def rubric_detail(request: AuthedRequest, rubric_id: int) -> HttpResponse:
    rubric = get_object_or_404(Rubric.objects.visible_to(request.user), pk=rubric_id)
    manages = Rubric.objects.manageable_by(request.user).filter(pk=rubric.pk).exists()
    line_form = LineForm(request.POST if request.POST.get("step") == "line" else None, auto_id="line_%s")
    bands_form = BandsForm(
        request.POST if request.POST.get("step") == "bands" else None, instance=rubric, auto_id="bands_%s"
    )
    if request.method == "POST":
        if not manages:
            raise PermissionDenied(READ_ONLY)
        form = line_form if request.POST.get("step") == "line" else bands_form
        if form.is_valid():
            try:
                if form is line_form:
                    actions.add_line(request.user, rubric, **form.cleaned_data)
                else:
                    actions.update_bands(request.user, rubric, **form.cleaned_data)
            except actions.AnnualError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "已保存")
                return redirect(rubric)
    return render(
        request,
        "venues/annual/rubric_detail.html",
        {
            "rubric": rubric,
            "lines": rubric.lines.all(),
            "manages": manages,
            "line_form": line_form,
            "bands_form": bands_form,
        },
    )


# ---- rounds and the status board ---------------------------------------------------------------


def round_new(request: AuthedRequest) -> HttpResponse:
    region = managed_region(request)
    form = RoundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            annual = actions.open_round(
                request.user,
                region,
                data["year"],
                data["rubric"],
                due_date=data["due_date"],
                warn_days=data["warn_days"],
            )
        except actions.AnnualError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"已开启{annual}，共 {annual.reports.count()} 个基地需填报")
            return redirect(annual)
    return render(request, "venues/annual/round_form.html", {"form": form, "region": region})


@dataclass
class BoardRow:
    report: AnnualReport
    light: rules.Light
    on_time: bool


def board(annual: AnnualRound, reports: Any) -> tuple[list[BoardRow], rules.Rates]:
    """Each report's light and the round's reporting and on-time rates, by Reporting's rules."""
    today = timezone.localdate()
    rows = []
    for report in reports:
        light = rules.report_light(report.light_status, annual.due_date, today, annual.warn_days)
        first = timezone.localtime(report.first_submitted_at).date() if report.first_submitted_at else None
        rows.append(BoardRow(report, light, rules.is_on_time(first, annual.timely_date)))
    handed_in = [row for row in rows if row.report.light_status in rules.HANDED_IN]
    rates = rules.Rates(len(rows), len(handed_in), sum(1 for row in rows if row.on_time))
    return rows, rates


def _round(request: AuthedRequest, round_id: int) -> AnnualRound:
    return get_object_or_404(
        AnnualRound.objects.visible_to(request.user).select_related("region", "rubric").distinct(),
        pk=round_id,
    )


@require_safe
def round_board(request: AuthedRequest, round_id: int) -> HttpResponse:
    annual = _round(request, round_id)
    reports = (
        AnnualReport.objects.visible_to(request.user)
        .filter(round=annual)
        .select_related("institution__region", "institution__unit")
        .order_by("institution__region__code", "institution__name")
    )
    rows, rates = board(annual, reports)
    light = request.GET.get("light", "")
    shown = [row for row in rows if not light or row.light.colour == light]
    if wants_xlsx(request):
        headers = [
            "基地",
            "所在区划",
            "推荐单位",
            "状态",
            "灯",
            "说明",
            "自评得分",
            "评审得分",
            "等次",
            "处理结果",
        ]
        lines = (
            [
                r.report.institution,
                r.report.institution.region.name,
                getattr(r.report.institution.unit, "name", ""),
                r.report.get_state_display(),
                r.light.label,
                r.light.reason,
                r.report.self_total or "",
                r.report.review_total or "",
                r.report.band,
                r.report.get_outcome_display(),
            ]
            for r in shown
        )
        return xlsx_response(f"{annual}.xlsx", "年报状态", headers, lines, print_title=str(annual))
    manages = AnnualRound.objects.manageable_by(request.user).filter(pk=annual.pk).exists()
    lights = Counter(row.light.colour for row in rows)
    bands = Counter(row.report.band for row in rows if row.report.band)
    return render(
        request,
        "venues/annual/round_board.html",
        {
            "round": annual,
            "rows": shown,
            "rates": rates,
            "lights": [
                (colour, label, lights.get(colour, 0)) for colour, label in rules.LIGHT_LABELS.items()
            ],
            "bands": [(band, bands.get(band, 0)) for band in BANDS],
            "chosen": light,
            "manages": manages,
            "days_left": (annual.due_date - timezone.localdate()).days,
        },
    )


def round_results(request: AuthedRequest, round_id: int) -> HttpResponse:
    """The published list: bases to 整改 (with the deadline) and those whose title was taken away."""
    annual = _round(request, round_id)
    manages = AnnualRound.objects.manageable_by(request.user).filter(pk=annual.pk).exists()
    if request.method == "POST":
        if not manages:
            raise PermissionDenied(READ_ONLY)
        try:
            actions.publish_results(request.user, annual)
        except actions.AnnualError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "考核结果已公布")
        return redirect("venues:round_results", round_id=annual.pk)
    if not annual.published and not manages:
        raise Http404("考核结果尚未公布")
    reports = (
        AnnualReport.objects.visible_to(request.user)
        .filter(round=annual, state=ReportState.REVIEWED)
        .select_related("institution__region")
        .order_by("-review_total", "institution__name")
    )
    return render(
        request,
        "venues/annual/round_results.html",
        {
            "round": annual,
            "manages": manages,
            "excellent": [r for r in reports if r.band == BANDS[0]],
            "rectify": [r for r in reports if r.outcome == Outcome.RECTIFY],
            "revoked": [r for r in reports if r.outcome == Outcome.REVOKE],
            "bands": Counter(r.band for r in reports),
        },
    )


@login_not_required
@require_safe
def annual_public(request: HttpRequest, region_code: str, year: int) -> HttpResponse:
    """The published list, for anyone: the region's bases kept (with their band), those to 整改 by a
    date and those whose title was taken away. Nothing before the office publishes (404)."""
    region = get_object_or_404(Region, code=region_code)
    annual = get_object_or_404(
        AnnualRound.objects.select_related("region"), region=region, year=year, published=True
    )
    reports = list(
        annual.reports.filter(state=ReportState.REVIEWED)
        .select_related("institution__region")
        .order_by("institution__region__code", "institution__name")
    )
    return render(
        request,
        "venues/annual/public.html",
        {
            "round": annual,
            "total": len(reports),
            "kept": [r for r in reports if r.outcome == Outcome.KEEP],
            "rectify": [r for r in reports if r.outcome == Outcome.RECTIFY],
            "revoked": [r for r in reports if r.outcome == Outcome.REVOKE],
            "published_on": AuditEvent.objects.for_target(annual)
            .filter(verb="annual.publish")
            .order_by("-at")
            .values_list("at", flat=True)
            .first(),
        },
    )


# ---- one report ---------------------------------------------------------------------------------


def annual_report(request: AuthedRequest, annual_report_id: int) -> HttpResponse:
    report = get_object_or_404(
        AnnualReport.objects.visible_to(request.user).select_related(
            "round__region", "round__rubric", "institution__region", "institution__unit", "reviewed_by"
        ),
        pk=annual_report_id,
    )
    can_fill = (
        report.is_editable and AnnualReport.objects.fileable_by(request.user).filter(pk=report.pk).exists()
    )
    can_review = (
        not report.is_final and AnnualReport.objects.manageable_by(request.user).filter(pk=report.pk).exists()
    )
    step = request.POST.get("step", "") if request.method == "POST" else ""
    data = request.POST if step else None
    form = AnnualReportForm(
        data if step in ("save", "submit") else None,
        instance=report,
        suggested=actions.suggested_points(report),
    )
    photo_form = PhotoForm(data if step == "photo" else None, request.FILES if step == "photo" else None)
    review_form = ReviewForm(
        data if step == "review" else None,
        report=report,
        own_points=actions.self_scores(report),
        auto_id="review_%s",
    )
    return_form = ReturnForm(data if step == "return" else None, auto_id="return_%s")
    if step:
        allowed = can_review if step in ("review", "return") else can_fill
        if step not in ("save", "submit", "photo", "remove_photo", "review", "return"):
            raise Http404
        if not allowed:
            raise PermissionDenied(READ_ONLY)
        done = _report_step(request, report, step, form, photo_form, review_form, return_form)
        if done is not None:
            return done
    return render(
        request,
        "venues/annual/report.html",
        {
            "report": report,
            "form": form,
            "photo_form": photo_form,
            "review_form": review_form,
            "return_form": return_form,
            "can_fill": can_fill,
            "can_review": can_review and report.state in (ReportState.SUBMITTED, ReportState.REVIEWED),
            "scores": actions.score_rows(report),
            "photos": report.photos.all(),
            "missing": actions.required_missing(report) if can_fill else [],
            "history": AuditEvent.objects.history_of(report, request.user)
            .select_related("actor")
            .order_by("-at")[:30],
        },
    )


def _report_step(
    request: AuthedRequest,
    report: AnnualReport,
    step: str,
    form: AnnualReportForm,
    photo_form: PhotoForm,
    review_form: ReviewForm,
    return_form: ReturnForm,
) -> HttpResponse | None:
    user = request.user
    try:
        if step in ("save", "submit"):
            if not form.is_valid():
                return None
            actions.save_report(user, report, self_points=form.points(), **form.figures())
            if step == "submit":
                actions.submit_report(user, report)
                messages.success(request, "年报已提交，等待素质办评审")
            else:
                messages.success(request, "已保存")
        elif step == "photo":
            if not photo_form.is_valid():
                return None
            upload = photo_form.cleaned_data["photo"]
            actions.add_photo(user, report, upload.read(), upload.name)
            messages.success(request, f"已上传照片：{upload.name}")
        elif step == "remove_photo":
            photo = get_object_or_404(report.photos.all(), pk=request.POST.get("photo") or 0)
            actions.remove_photo(user, photo)
            messages.success(request, "已删除照片")
        elif step == "return":
            if not return_form.is_valid():
                return None
            actions.return_report(user, report, return_form.cleaned_data["reason"])
            messages.success(request, "已退回，推荐单位联络员会收到通知")
        else:
            if not review_form.is_valid():
                return None
            data = review_form.cleaned_data
            reviewed = actions.review_report(
                user,
                report,
                review_points=review_form.points(),
                outcome=data["outcome"],
                note=data["note"],
                rectify_deadline=data["rectify_deadline"],
            )
            messages.success(
                request,
                f"评审完成：{actions.number(reviewed.review_total or Decimal(0))} 分，{reviewed.band}，{reviewed.get_outcome_display()}",
            )
    except actions.AnnualError as error:
        target = {"photo": photo_form, "review": review_form, "return": return_form}.get(step, form)
        target.add_error(None, error.message)
        return None
    return redirect(report)


@require_safe
def annual_photo(request: AuthedRequest, annual_photo_id: int) -> FileResponse:
    photo = get_object_or_404(
        AnnualPhoto.objects.filter(report__in=AnnualReport.objects.visible_to(request.user)),
        pk=annual_photo_id,
    )
    response = FileResponse(
        photo.image.open("rb"), content_type=INLINE_TYPES.get(photo.kind, "application/octet-stream")
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
