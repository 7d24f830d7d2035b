"""Plan pages: list, upload, the parsed plan beside its source, corrections, export, comparison."""

from __future__ import annotations

from difflib import SequenceMatcher

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from kesu.core.exports import wants_xlsx, xlsx_response
from kesu.core.http import (
    AuthedRequest,
    current_region,
    managed_region,
    manages_current_region,
    writable_or_403,
)
from kesu.core.models import Job, JobStatus
from kesu.docparse import PlanReadError, needs_ocr
from kesu.plans import actions
from kesu.plans.filters import TaskFilterSet
from kesu.plans.forms import GoalForm, MentionForm, PlanUploadForm, ReimportForm, TargetForm, TaskForm
from kesu.plans.highlight import Piece, highlight
from kesu.plans.models import Plan, Responsibility, Target, Task
from kesu.regions.models import Unit

TASK_PREFETCH = (Prefetch("responsibilities", Responsibility.objects.select_related("unit")), "targets")


def _max_bytes() -> int:
    return int(settings.KESU_MAX_UPLOAD_MB) * 1024 * 1024


@require_safe
def plan_list(request: AuthedRequest) -> HttpResponse:
    plans = (
        Plan.objects.visible_to(request.user)
        .select_related("region", "parent")
        .annotate(task_count=Count("tasks", filter=Q(tasks__is_active=True)))
    )
    region = current_region(request)
    if region is not None:
        plans = plans.filter(region__path__startswith=region.path)
    can_upload = manages_current_region(request)
    return render(request, "plans/plan_list.html", {"plans": plans, "can_upload": can_upload})


def plan_upload(request: AuthedRequest) -> HttpResponse:
    region = managed_region(request)
    form = PlanUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        files = [(upload.read(), upload.name) for upload in form.ordered_files()]
        if len(files) == 1 and (same := actions.plan_with_document(region, files[0][0])) is not None:
            messages.info(
                request, f"这份文件已经导入过，即《{same.title}》，已为您打开。如需更新，请用“导入修订版”。"
            )
            return redirect(same)
        kind, parent = form.cleaned_data["kind"] or None, form.cleaned_data["parent"]
        try:
            if len(files) > 1 or needs_ocr(*files[0]):  # a scan: OCR takes minutes, so a job reads it
                job = actions.start_scan_import(request.user, region, files, kind=kind, parent=parent)
                return redirect("plans:scan_progress", job_id=job.pk)
            plan = actions.import_plan(
                request.user,
                region,
                files[0][0],
                files[0][1],
                kind=kind,
                parent=parent,
                max_bytes=_max_bytes(),
            )
        except PlanReadError as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, f"已解析《{plan.title}》：{plan.tasks.count()} 项任务。请核对后发布。")
            return redirect(plan)
    return render(request, "plans/plan_upload.html", {"form": form, "region": region})


def scan_progress(request: AuthedRequest, job_id: int) -> HttpResponse:
    """A scan being read, page by page; once read, on to the parsed plan (htmx polls this page)."""
    job = get_object_or_404(Job.objects.visible_to(request.user).filter(kind=actions.SCAN_JOB), pk=job_id)
    plan_id = job.params.get("plan_id")
    if job.status == JobStatus.SUCCEEDED and plan_id and request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("plans:plan", kwargs={"plan_id": plan_id})
        return response
    template = "plans/_scan_progress.html" if request.htmx else "plans/scan_progress.html"
    return render(request, template, {"job": job, "plan_id": plan_id})


@require_safe
def plan_detail(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(
        Plan.objects.visible_to(request.user).select_related("region", "parent"), pk=plan_id
    )
    tasks = Task.objects.visible_to(request.user).filter(plan=plan).active().prefetch_related(*TASK_PREFETCH)
    if wants_xlsx(request):
        return breakdown_xlsx(plan, tasks)
    document = plan.current_document
    can_manage = Plan.objects.manageable_by(request.user).filter(pk=plan.pk).exists()
    context = {
        "plan": plan,
        "tasks": tasks,
        "document": document,
        "can_manage": can_manage,
        "pieces": _source_pieces(plan, tasks, document.text, document.uncertain_spans)
        if document and can_manage
        else [],
        "unresolved": actions.unresolved_mentions(plan) if can_manage else [],
        "goal_form": GoalForm(
            initial={
                "value": plan.goal_value,
                "year": plan.goal_year,
                "comparator": plan.goal_comparator or ">=",
            }
        ),
    }
    return render(request, "plans/plan_detail.html", context)


def _source_pieces(
    plan: Plan, tasks: QuerySet[Task], text: str, uncertain: list[list[int]] | None = None
) -> list[Piece]:
    # a target the office added without quoting the source has no place in it
    marks = [
        (t.span_start, t.span_end, "target")
        for task in tasks
        for t in task.targets.all()
        if t.span_end > t.span_start
    ]
    if plan.goal_text and plan.goal_text in text:
        start = text.index(plan.goal_text)
        marks.append((start, start + len(plan.goal_text), "goal"))
    marks += [(start, end, "uncertain") for start, end in uncertain or [] if 0 <= start < end <= len(text)]
    anchors = {task.span_start: f"src-{task.pk}" for task in tasks}
    return highlight(text, marks, anchors)


def breakdown_xlsx(plan: Plan, tasks: QuerySet[Task]) -> HttpResponse:
    """The 任务分解表 in the form offices circulate."""
    rows = []
    for index, task in enumerate(tasks, start=1):
        targets = "；".join(
            f"{t.indicator}{t.comparator_label}{t.value_label}{t.unit}" for t in task.targets.all()
        )
        deadline = "；".join(sorted({t.deadline_label for t in task.targets.all() if t.deadline_label}))
        lead = "、".join(task.lead_names or task.responsible_names)
        rows.append(
            (
                index,
                task.part or task.get_part_kind_display(),
                task.title,
                task.text,
                lead,
                "、".join(task.participating_names),
                targets,
                deadline or plan.period_label,
            )
        )
    headers = ["序号", "所属行动/工程", "任务", "主要内容", "牵头单位", "参与单位", "目标指标", "完成时限"]
    return xlsx_response(
        f"{plan.title}-任务分解表.xlsx", "任务分解表", headers, rows, print_title=f"{plan.title}任务分解表"
    )


@require_safe
def task_list(request: AuthedRequest) -> HttpResponse:
    tasks = (
        Task.objects.visible_to(request.user).active().select_related("plan").prefetch_related(*TASK_PREFETCH)
    )
    region = current_region(request)
    if region is not None and not request.user.access.is_liaison:
        tasks = tasks.filter(plan__region__path__startswith=region.path)
    filterset = TaskFilterSet(request.GET, queryset=tasks, request=request)
    units = Unit.objects.visible_to(request.user).filter(responsibilities__isnull=False).distinct()
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "plans/task_list.html", {"page": page, "filterset": filterset, "units": units})


def task_detail(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = get_object_or_404(
        Task.objects.visible_to(request.user).select_related("plan__region").prefetch_related(*TASK_PREFETCH),
        pk=task_id,
    )
    can_manage = Plan.objects.manageable_by(request.user).filter(pk=task.plan_id).exists()
    form = TaskForm(
        request.POST or None,
        initial={
            "title": task.title,
            "text": task.text,
            "lead": "、".join(task.lead_names),
            "participating": "、".join(task.participating_names),
            "responsible": "、".join(task.responsible_names),
        },
    )
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if form.is_valid():
            actions.update_task(
                request.user,
                task,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                units=form.units(),
            )
            messages.success(request, "任务已更新")
            return redirect(task)
    return _task_page(request, task, form, can_manage)


def _task_page(
    request: AuthedRequest,
    task: Task,
    form: TaskForm,
    can_manage: bool,
    bound: TargetForm | None = None,
    bound_pk: int | None = None,
) -> HttpResponse:
    """The task with its correction forms: the task's own, one per target, and one to add a target."""
    target_forms = []
    if can_manage:
        for target in task.targets.all():
            initial = {
                f: getattr(target, f)
                for f in ("indicator", "comparator", "value", "unit", "year", "per_year")
            }
            target_forms.append(
                (
                    target,
                    bound if bound_pk == target.pk else TargetForm(initial=initial, prefix=f"t{target.pk}"),
                )
            )
    new_target_form = bound if bound is not None and bound_pk is None else TargetForm(prefix="new")
    return render(
        request,
        "plans/task_detail.html",
        {
            "task": task,
            "form": form,
            "can_manage": can_manage,
            "target_forms": target_forms,
            "new_target_form": new_target_form,
            "correcting_target": bound is not None,
        },
    )


@require_POST
def task_target(request: AuthedRequest, task_id: int, target_id: int | None = None) -> HttpResponse:
    """Add, correct or delete one target of a task (office only); audited, the source span kept."""
    task = get_object_or_404(
        Task.objects.filter(plan__in=Plan.objects.manageable_by(request.user))
        .select_related("plan__region")
        .prefetch_related(*TASK_PREFETCH),
        pk=task_id,
    )
    target = get_object_or_404(Target, pk=target_id, task=task) if target_id is not None else None
    if target is not None and request.POST.get("delete"):
        try:
            actions.delete_target(request.user, target)
        except actions.PlanError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "目标已删除")
        return redirect(task)
    form = TargetForm(request.POST, prefix=f"t{target.pk}" if target else "new")
    if not form.is_valid():
        messages.error(request, "目标填写有误，请按提示修改。")
        task_form = TaskForm(
            initial={
                "title": task.title,
                "text": task.text,
                "lead": "、".join(task.lead_names),
                "participating": "、".join(task.participating_names),
                "responsible": "、".join(task.responsible_names),
            }
        )
        return _task_page(request, task, task_form, True, bound=form, bound_pk=target.pk if target else None)
    data = form.cleaned_data
    actions.save_target(
        request.user,
        task,
        target,
        indicator=data["indicator"],
        value=data["value"],
        unit=data["unit"],
        comparator=data["comparator"],
        year=data["year"],
        per_year=data["per_year"],
        quote=data["quote"],
    )
    messages.success(request, "目标已保存" if target else "已新增目标")
    return redirect(task)


@require_POST
def task_not_reported(request: AuthedRequest, task_id: int) -> HttpResponse:
    """The office marks a task nobody reports on as 不报送 (or takes it back); a reader gets 403."""
    task = writable_or_403(
        Task.objects.filter(plan__in=Plan.objects.manageable_by(request.user)).select_related("plan__region"),
        Task.objects.visible_to(request.user),
        pk=task_id,
    )
    value = request.POST.get("value") == "1"
    actions.mark_not_reported(request.user, task, value)
    messages.success(
        request, "已标记为不报送：以后开启的报送周期不再包含此任务。" if value else "已恢复报送。"
    )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect(task)


def _managed_plan(request: AuthedRequest, plan_id: int) -> Plan:
    return writable_or_403(
        Plan.objects.manageable_by(request.user), Plan.objects.visible_to(request.user), pk=plan_id
    )


def plan_mentions(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = _managed_plan(request, plan_id)
    if request.method == "POST" and request.POST.get("all_new"):
        created = actions.resolve_all_as_new_units(request.user, plan)
        messages.success(request, f"已新建 {len(created)} 个单位")
        return redirect("plans:mentions", plan_id=plan.pk)
    if request.method == "POST":
        form = MentionForm(request.POST, region=plan.region)
        if form.is_valid():
            unit = actions.resolve_mention(
                request.user,
                plan,
                form.cleaned_data["mention"],
                unit=form.cleaned_data["unit"],
                new_unit_name=form.cleaned_data["new_unit_name"],
            )
            messages.success(request, f"“{form.cleaned_data['mention']}”已对应到 {unit.name}")
            return redirect("plans:mentions", plan_id=plan.pk)
    units = list(Unit.objects.filter(region=plan.region).prefetch_related("aliases").order_by("name"))
    pending = []
    for m, n in actions.unresolved_mentions(plan):
        suggested = suggest_units(m, units)
        # Preselect only a near-certain match: the office still confirms each line.
        strong = (
            suggested and SequenceMatcher(None, _name_core(m), _name_core(suggested[0].name)).ratio() >= 0.8
        )
        initial = {"mention": m, "unit": suggested[0].pk if strong else None}
        pending.append((m, n, MentionForm(initial=initial, region=plan.region), suggested))
    return render(request, "plans/plan_mentions.html", {"plan": plan, "pending": pending})


def suggest_units(mention: str, units: list[Unit], limit: int = 3) -> list[Unit]:
    """The units whose name (or an alias) reads most like ``mention`` (市卫生健康委 → 市卫生健康委员会),
    best first. Names are compared without their shared shell (市…局, 县…委员会), so 市气象局 is not
    offered 市教育体育局 for having 市 and 局 in common."""

    def closeness(unit: Unit) -> float:
        names = [unit.name, *(a.alias for a in unit.aliases.all())]
        return max(SequenceMatcher(None, _name_core(mention), _name_core(name)).ratio() for name in names)

    scored = sorted(((closeness(u), u.name, u) for u in units), key=lambda s: (-s[0], s[1]))
    return [unit for score, _name, unit in scored[:limit] if score >= SUGGESTION_SCORE]


SUGGESTION_SCORE = 0.6
_NAME_SHELL = ("市", "县", "区", "镇", "乡", "街道")
_NAME_KIND = ("委员会", "办公室", "管理局", "局", "委", "办", "厅", "中心", "处")


def _name_core(name: str) -> str:
    """市卫生健康委员会 → 卫生健康: what tells one unit from another."""
    core = name.strip()
    for prefix in _NAME_SHELL:
        if core.startswith(prefix) and len(core) > len(prefix) + 1:
            core = core.removeprefix(prefix)
            break
    for suffix in _NAME_KIND:
        if core.endswith(suffix) and len(core) > len(suffix) + 1:
            return core.removesuffix(suffix)
    return core


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
def plan_unpublish(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = _managed_plan(request, plan_id)
    try:
        actions.unpublish_plan(request.user, plan, request.POST.get("reason", ""))
    except actions.PlanError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已撤回发布，方案回到草稿状态；理由已记入审计日志。")
    return redirect(plan)


@require_POST
def plan_delete(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = _managed_plan(request, plan_id)
    title = plan.title
    try:
        actions.delete_draft_plan(request.user, plan)
    except actions.PlanError as error:
        messages.error(request, str(error))
        return redirect(plan)
    messages.success(request, f"已删除方案草稿《{title}》。")
    return redirect("plans:plan_list")


@require_POST
def plan_goal(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = _managed_plan(request, plan_id)
    form = GoalForm(request.POST)
    if form.is_valid():
        actions.update_goal(
            request.user,
            plan,
            value=form.cleaned_data["value"],
            year=form.cleaned_data["year"],
            comparator=form.cleaned_data["comparator"],
        )
        messages.success(request, "总体目标已更新")
    else:
        messages.error(
            request, "总体目标填写有误：" + "；".join(str(e) for errs in form.errors.values() for e in errs)
        )
    return redirect(plan)


def plan_reimport(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """Step one: upload and preview the differences; step two: confirm and apply."""
    plan = _managed_plan(request, plan_id)
    if request.method == "POST" and request.POST.get("token"):
        try:
            diff = actions.confirm_reimport(
                request.user,
                plan,
                request.POST["token"],
                max_bytes=_max_bytes(),
                take_document=frozenset(
                    name.removeprefix("take:")
                    for name, choice in request.POST.items()
                    if name.startswith("take:") and choice == "document"
                ),
                expected=request.POST.get("fingerprint", ""),
            )
        except (actions.PlanError, PlanReadError) as error:
            messages.error(request, str(error))
            return redirect("plans:reimport", plan_id=plan.pk)
        kept = diff.kept_count
        messages.success(
            request,
            f"已更新：新增 {len(diff.added)} 项、修改 {len(diff.changed)} 项、停用 {len(diff.removed)} 项"
            + (f"；保留手工修改 {kept} 处" if kept else ""),
        )
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
            token = actions.hold_reimport(plan, data, upload.name)
            context.update(diff=actions.diff_reimport(plan, draft), token=token, filename=upload.name)
    return render(request, "plans/plan_reimport.html", context)


@require_safe
def plan_compare(request: AuthedRequest) -> HttpResponse:
    """方案对比 compares targets by their linked indicator, which the indicators app owns: it lives there."""
    query = request.GET.urlencode()
    return redirect(reverse("indicators:plan_compare") + (f"?{query}" if query else ""))


@require_safe
def unit_tasks(request: AuthedRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=unit_id)
    tasks = (
        Task.objects.visible_to(request.user)
        .active()
        .for_unit(unit.pk)
        .select_related("plan")
        .prefetch_related(*TASK_PREFETCH)
    )
    roles = {
        r.task_id: r.get_role_display() for r in Responsibility.objects.filter(unit=unit, task__in=tasks)
    }
    return render(request, "plans/unit_tasks.html", {"unit": unit, "tasks": tasks, "roles": roles})
