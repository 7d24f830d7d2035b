"""Plan pages: list, upload, the parsed plan beside its source, corrections, export, comparison."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from kesu.core.exports import wants_xlsx, xlsx_response
from kesu.core.http import AuthedRequest, current_region, managed_region, manages_current_region
from kesu.docparse import PlanReadError
from kesu.plans import actions
from kesu.plans.filters import TaskFilterSet
from kesu.plans.forms import GoalForm, MentionForm, PlanUploadForm, ReimportForm, TaskForm
from kesu.plans.highlight import Piece, highlight
from kesu.plans.models import Plan, Responsibility, Task
from kesu.regions.models import Unit

TASK_PREFETCH = (Prefetch("responsibilities", Responsibility.objects.select_related("unit")), "targets")


def _max_bytes() -> int:
    return int(settings.KESU_MAX_UPLOAD_MB) * 1024 * 1024


@require_safe
def plan_list(request: AuthedRequest) -> HttpResponse:
    plans = Plan.objects.visible_to(request.user).select_related("region", "parent").annotate(
        task_count=Count("tasks", filter=Q(tasks__is_active=True)))
    region = current_region(request)
    if region is not None:
        plans = plans.filter(region__path__startswith=region.path)
    can_upload = manages_current_region(request)
    return render(request, "plans/plan_list.html", {"plans": plans, "can_upload": can_upload})


def plan_upload(request: AuthedRequest) -> HttpResponse:
    region = managed_region(request)
    form = PlanUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            plan = actions.import_plan(request.user, region, upload.read(), upload.name,
                                       kind=form.cleaned_data["kind"] or None, parent=form.cleaned_data["parent"],
                                       max_bytes=_max_bytes())
        except PlanReadError as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, f"已解析《{plan.title}》：{plan.tasks.count()} 项任务。请核对后发布。")
            return redirect(plan)
    return render(request, "plans/plan_upload.html", {"form": form, "region": region})


@require_safe
def plan_detail(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.visible_to(request.user).select_related("region", "parent"), pk=plan_id)
    tasks = Task.objects.visible_to(request.user).filter(plan=plan).active().prefetch_related(*TASK_PREFETCH)
    if wants_xlsx(request):
        return breakdown_xlsx(plan, tasks)
    document = plan.current_document
    can_manage = Plan.objects.manageable_by(request.user).filter(pk=plan.pk).exists()
    context = {
        "plan": plan, "tasks": tasks, "document": document, "can_manage": can_manage,
        "pieces": _source_pieces(plan, tasks, document.text) if document and can_manage else [],
        "unresolved": actions.unresolved_mentions(plan) if can_manage else [],
        "goal_form": GoalForm(initial={"value": plan.goal_value, "year": plan.goal_year,
                                       "comparator": plan.goal_comparator or ">="}),
    }
    return render(request, "plans/plan_detail.html", context)


def _source_pieces(plan: Plan, tasks: QuerySet[Task], text: str) -> list[Piece]:
    marks = [(t.span_start, t.span_end, "target") for task in tasks for t in task.targets.all()]
    if plan.goal_text and plan.goal_text in text:
        start = text.index(plan.goal_text)
        marks.append((start, start + len(plan.goal_text), "goal"))
    anchors = {task.span_start: f"src-{task.pk}" for task in tasks}
    return highlight(text, marks, anchors)


def breakdown_xlsx(plan: Plan, tasks: QuerySet[Task]) -> HttpResponse:
    """The 任务分解表 in the form offices circulate."""
    rows = []
    for index, task in enumerate(tasks, start=1):
        targets = "；".join(f"{t.indicator}{t.comparator_label}{t.value_label}{t.unit}" for t in task.targets.all())
        deadline = "；".join(sorted({t.deadline_label for t in task.targets.all() if t.deadline_label}))
        lead = "、".join(task.lead_names or task.responsible_names)
        rows.append((index, task.title, task.text, lead, "、".join(task.participating_names), targets,
                     deadline or plan.period_label))
    headers = ["序号", "任务", "主要内容", "牵头单位", "参与单位", "目标指标", "完成时限"]
    return xlsx_response(f"{plan.title}-任务分解表.xlsx", "任务分解表", headers, rows)


@require_safe
def task_list(request: AuthedRequest) -> HttpResponse:
    tasks = Task.objects.visible_to(request.user).active().select_related("plan").prefetch_related(*TASK_PREFETCH)
    region = current_region(request)
    if region is not None and not request.user.access.is_liaison:
        tasks = tasks.filter(plan__region__path__startswith=region.path)
    filterset = TaskFilterSet(request.GET, queryset=tasks, request=request)
    units = Unit.objects.visible_to(request.user).filter(responsibilities__isnull=False).distinct()
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "plans/task_list.html", {"page": page, "filterset": filterset, "units": units})


def task_detail(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.visible_to(request.user).select_related("plan__region")
                             .prefetch_related(*TASK_PREFETCH), pk=task_id)
    can_manage = Plan.objects.manageable_by(request.user).filter(pk=task.plan_id).exists()
    form = TaskForm(request.POST or None, initial={
        "title": task.title, "text": task.text, "lead": "、".join(task.lead_names),
        "participating": "、".join(task.participating_names), "responsible": "、".join(task.responsible_names),
    })
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if form.is_valid():
            actions.update_task(request.user, task, title=form.cleaned_data["title"], text=form.cleaned_data["text"],
                                units=form.units())
            messages.success(request, "任务已更新")
            return redirect(task)
    return render(request, "plans/task_detail.html", {"task": task, "form": form, "can_manage": can_manage})


def _managed_plan(request: AuthedRequest, plan_id: int) -> Plan:
    return get_object_or_404(Plan.objects.manageable_by(request.user), pk=plan_id)


def plan_mentions(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = _managed_plan(request, plan_id)
    if request.method == "POST" and request.POST.get("all_new"):
        created = actions.resolve_all_as_new_units(request.user, plan)
        messages.success(request, f"已新建 {len(created)} 个单位")
        return redirect("plans:mentions", plan_id=plan.pk)
    if request.method == "POST":
        form = MentionForm(request.POST, region=plan.region)
        if form.is_valid():
            unit = actions.resolve_mention(request.user, plan, form.cleaned_data["mention"],
                                           unit=form.cleaned_data["unit"],
                                           new_unit_name=form.cleaned_data["new_unit_name"])
            messages.success(request, f"“{form.cleaned_data['mention']}”已对应到 {unit.name}")
            return redirect("plans:mentions", plan_id=plan.pk)
    pending = [(m, n, MentionForm(initial={"mention": m}, region=plan.region))
               for m, n in actions.unresolved_mentions(plan)]
    return render(request, "plans/plan_mentions.html", {"plan": plan, "pending": pending})


@require_POST
def plan_publish(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = _managed_plan(request, plan_id)
    try:
        actions.publish_plan(request.user, plan)
    except actions.PlanError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "方案已发布，成员单位可以看到各自的任务。")
    return redirect(plan)


@require_POST
def plan_goal(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = _managed_plan(request, plan_id)
    form = GoalForm(request.POST)
    if form.is_valid():
        actions.update_goal(request.user, plan, value=form.cleaned_data["value"], year=form.cleaned_data["year"],
                            comparator=form.cleaned_data["comparator"])
        messages.success(request, "总体目标已更新")
    else:
        messages.error(request, "总体目标填写有误：" + "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(plan)


def plan_reimport(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """Step one: upload and preview the differences; step two: confirm and apply."""
    plan = _managed_plan(request, plan_id)
    pending_dir = Path(settings.MEDIA_ROOT) / "pending"
    if request.method == "POST" and request.POST.get("token"):
        token = request.POST["token"]
        path = pending_dir / f"{uuid.UUID(token)}.bin"
        if not path.exists():
            messages.error(request, "待确认的文件已过期，请重新上传。")
            return redirect("plans:reimport", plan_id=plan.pk)
        diff = actions.reimport_plan(request.user, plan, path.read_bytes(), request.POST.get("filename", "方案"),
                                     max_bytes=_max_bytes())
        path.unlink(missing_ok=True)
        messages.success(request, f"已更新：新增 {len(diff.added)} 项、修改 {len(diff.changed)} 项、停用 {len(diff.removed)} 项")
        return redirect(plan)
    form = ReimportForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"plan": plan, "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            draft, _ = actions.parse_upload(data, upload.name, _max_bytes())
        except PlanReadError as error:
            form.add_error("file", f"{error.message}（原方案未做任何改动）")
        else:
            token = str(uuid.uuid4())
            pending_dir.mkdir(parents=True, exist_ok=True)
            _forget_abandoned_previews(pending_dir)
            (pending_dir / f"{token}.bin").write_bytes(data)
            context.update(diff=actions.diff_reimport(plan, draft), token=token, filename=upload.name)
    return render(request, "plans/plan_reimport.html", context)


def _forget_abandoned_previews(pending_dir: Path, max_age_s: int = 86400) -> None:
    """Uploads previewed but never confirmed would otherwise pile up in the media folder."""
    cutoff = time.time() - max_age_s
    for stale in pending_dir.glob("*.bin"):
        if stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)


@require_safe
def plan_compare(request: AuthedRequest) -> HttpResponse:
    plans = list(Plan.objects.visible_to(request.user).select_related("region").prefetch_related("tasks__targets"))
    indicators: dict[str, dict[int, list[str]]] = {}
    for plan in plans:
        for task in plan.tasks.all():
            for t in task.targets.all():
                cell = indicators.setdefault(t.indicator, {}).setdefault(plan.pk, [])
                cell.append(f"{t.comparator_label}{t.value_label}{t.unit}" + (f"（{t.deadline_label}）" if t.deadline_label else ""))
    rows = [(name, ["；".join(cells.get(p.pk, [])) for p in plans]) for name, cells in sorted(indicators.items())
            if len(cells) >= (2 if len(plans) > 1 and request.GET.get("shared") else 1)]
    return render(request, "plans/plan_compare.html", {"plans": plans, "rows": rows})


@require_safe
def unit_tasks(request: AuthedRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=unit_id)
    tasks = (Task.objects.visible_to(request.user).active().for_unit(unit.pk).select_related("plan")
             .prefetch_related(*TASK_PREFETCH))
    roles = {r.task_id: r.get_role_display() for r in Responsibility.objects.filter(unit=unit, task__in=tasks)}
    return render(request, "plans/unit_tasks.html", {"unit": unit, "tasks": tasks, "roles": roles})
