"""考核: the region's schemes, the rankings and their export, judging one unit's score."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from kesu.core.exports import wants_xlsx, xlsx_response
from kesu.core.http import READ_ONLY, AuthedRequest, current_region
from kesu.core.models import AuditEvent
from kesu.regions.models import Region
from kesu.reporting import assessment, rules
from kesu.reporting.forms import AdjustmentForm, JudgementForm, SchemeForm
from kesu.reporting.models import AdjustmentKind, Scheme, Score, ScoreAdjustment
from kesu.reporting.views.common import Step, today


def scheme_list(request: AuthedRequest) -> HttpResponse:
    access = request.user.access
    if not (access.is_office or access.is_leader):
        raise Http404
    schemes = Scheme.objects.visible_to(request.user).select_related("region")
    region = current_region(request)
    if region is not None:
        schemes = schemes.filter(region__path__startswith=region.path)
    can_manage = region is not None and access.is_office_of(region.pk)
    form = SchemeForm(request.POST or None, initial={"year": today().year})
    if request.method == "POST":
        if region is None or not can_manage:
            raise PermissionDenied(READ_ONLY)  # a leader reads the schemes, the office writes them
        if form.is_valid():
            data = form.cleaned_data
            try:
                scheme = assessment.create_scheme(
                    request.user,
                    region,
                    data["year"],
                    rules.Weights(
                        data["timeliness"], data["completeness"], data["achievement"], data["quality"]
                    ),
                    bonus_cap=data["bonus_cap"],
                    penalty_cap=data["penalty_cap"],
                )
            except assessment.AssessmentError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"已保存{scheme}的考核方案。")
                return redirect(scheme)
    return render(
        request, "reporting/scheme_list.html", {"schemes": schemes, "form": form, "can_manage": can_manage}
    )


def scheme_detail(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_object_or_404(Scheme.objects.visible_to(request.user).select_related("region"), pk=scheme_id)
    can_manage = Scheme.objects.manageable_by(request.user).filter(pk=scheme.pk).exists()
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(READ_ONLY)
        still_open = assessment.open_cycles(scheme)
        if still_open and not request.POST.get("provisional"):  # warn first; the office may go on
            messages.warning(
                request,
                f"以下报送周期尚未结束：{'、'.join(map(str, still_open))}。"
                "如仍要计算，请点击“仍然计算（暂算）”。",
            )
            return redirect(scheme)
        count = assessment.compute_scores(request.user, scheme)
        note = "（暂算：仍有报送周期未结束）" if still_open else ""
        messages.success(
            request, f"已按报送数据计算 {count} 家单位的得分{note}；工作质量评分和加减分项保持不变。"
        )
        return redirect(scheme)
    ranked = assessment.rankings(scheme)
    if wants_xlsx(request):
        return _scheme_xlsx(scheme, ranked)
    return render(
        request,
        "reporting/scheme_detail.html",
        {
            "scheme": scheme,
            "units": ranked.units,
            "subregions": ranked.subregions,
            "can_manage": can_manage,
            "has_subregions": Region.objects.filter(parent=scheme.region).exists(),
            "open_cycles": assessment.open_cycles(scheme) if can_manage else [],
        },
    )


def _scheme_xlsx(scheme: Scheme, ranked: assessment.Rankings) -> HttpResponse:
    """Both rankings on one sheet, member units first, each with its own places (as on the page)."""
    groups = (("成员单位", ranked.units), ("下级区划", ranked.subregions))
    rows = (
        (
            place,
            s.unit.name,
            group,
            *(getattr(s, c) if s.applies(c) else "不适用" for c in rules.COMPONENTS),
            s.quality,
            s.bonus_counted,
            s.penalty_counted,
            s.total,
            s.adjustments_text,
            str(s.judged_by or ""),
            s.judged_at,
        )
        for group, places in groups
        for place, s in places
    )
    headers = [
        "名次",
        "单位",
        "排名类别",
        "及时性",
        "完整性",
        "目标完成度",
        "工作质量",
        "加分合计",
        "减分合计",
        "总分",
        "加减分明细",
        "评议人",
        "评议时间",
    ]
    return xlsx_response(f"{scheme}.xlsx", "考核结果", headers, rows, print_title="")


def score_judge(request: AuthedRequest, score_id: int) -> HttpResponse:
    """One unit's score: its parts, the office's 工作质量 mark and 加减分 items, and who entered what."""
    score = get_object_or_404(
        Score.objects.filter(scheme__in=Scheme.objects.visible_to(request.user))
        .select_related("scheme__region", "unit__region", "judged_by")
        .prefetch_related("adjustments"),
        pk=score_id,
    )
    can_manage = Scheme.objects.manageable_by(request.user).filter(pk=score.scheme_id).exists()
    top = score.scheme.quality
    score_forms: dict[str, Any] = {
        "quality": JudgementForm(initial={"quality": score.quality}, top=top),
        "add": AdjustmentForm(initial={"kind": AdjustmentKind.BONUS}),
    }
    if request.method == "POST":
        step = request.POST.get("do", "")
        if step not in ("quality", "add", "remove"):
            raise Http404
        if not can_manage:
            raise PermissionDenied(READ_ONLY)
        if step == "remove":
            return _remove_adjustment(request, score)
        form = score_forms[step] = (
            JudgementForm(request.POST, top=top) if step == "quality" else AdjustmentForm(request.POST)
        )
        if form.is_valid():
            try:
                messages.success(request, _score_step(request, score, step, form.cleaned_data))
            except assessment.AssessmentError as error:
                form.add_error(None, str(error))
            else:
                return redirect(score)
        # Invalid input re-renders the page with what was typed and the reason next to the field.
    items = score.adjustments.select_related("created_by")
    events = [Step(e) for e in AuditEvent.objects.for_target(score).select_related("actor")]
    return render(
        request,
        "reporting/scheme_score.html",
        {
            "score": score,
            "scheme": score.scheme,
            "items": items,
            "forms": score_forms,
            "can_manage": can_manage,
            "events": events,
        },
    )


def _score_step(request: AuthedRequest, score: Score, step: str, data: dict[str, Any]) -> str:
    """Runs one validated change and says what happened."""
    if step == "quality":
        score = assessment.judge(request.user, score, quality=data["quality"])
        mark = "已清除" if score.quality is None else f"为 {score.quality:.1f} 分"
        return f"{score.unit.name}的工作质量评分{mark}，总分 {score.total:.1f}。"
    item = assessment.add_adjustment(
        request.user, score, kind=data["kind"], points=data["points"], reason=data["reason"]
    )
    return f"已为{score.unit.name}添加{item.label}。"


def _remove_adjustment(request: AuthedRequest, score: Score) -> HttpResponse:
    item_id = request.POST.get("item", "")
    item = ScoreAdjustment.objects.filter(score=score, pk=int(item_id)).first() if item_id.isdigit() else None
    if item is None:
        messages.error(request, "该加减分项已被删除，请刷新后查看。")  # e.g. removed in another tab
        return redirect(score)
    label = item.label
    try:
        assessment.remove_adjustment(request.user, item)
    except assessment.AssessmentError as error:  # removed in another tab since this page was read
        messages.error(request, str(error))
    else:
        messages.success(request, f"已删除{score.unit.name}的{label}。")
    return redirect(score)
