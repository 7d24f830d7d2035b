"""Reporting pages: to-do, cycles and status board, a unit's report, entries, review, 督办, 考核."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from kesu.core.exports import XLSX_TYPE, wants_xlsx, xlsx_response
from kesu.core.http import AuthedRequest, current_region
from kesu.core.models import AuditEvent
from kesu.plans.filters import TaskFilterSet
from kesu.plans.models import Task
from kesu.regions.models import Unit
from kesu.reporting import actions, assessment, board, documents, rules, supervision, workbook
from kesu.reporting.filters import NoticeFilterSet
from kesu.reporting.forms import (
    CycleForm,
    EntryForm,
    EvidenceForm,
    JudgementForm,
    NoticeForm,
    SchemeForm,
    UploadForm,
)
from kesu.reporting.models import (
    Cycle,
    Entry,
    Evidence,
    Notice,
    Notification,
    Report,
    ReportStatus,
    Scheme,
    Score,
)


def _attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _today() -> date:
    return timezone.localdate()


# ---- to-do --------------------------------------------------------------------------------------

@require_safe
def todo(request: AuthedRequest) -> HttpResponse:
    """A liaison's reports still to do, with their tasks; an office's reports awaiting review."""
    access = request.user.access
    today = _today()
    mine_qs = (Report.objects.writable_by(request.user).exclude(status=ReportStatus.APPROVED)
            .filter(Q(cycle__due_date__gte=today.replace(year=today.year - 1)))
            .select_related("cycle__plan", "unit").order_by("cycle__due_date")[:20])
    mine = list(mine_qs)
    entries = (Entry.objects.filter(report__in=mine).select_related("task")
               .only("pk", "report_id", "role", "status", "percent", "filled", "review_comment", "task__title",
                     "task__order", "task__part_kind").order_by("report_id", "task__order"))
    by_report: dict[int, list[Entry]] = {}
    for entry in sorted(entries, key=lambda e: (e.report_id, not e.is_lead, e.task.order)):  # own tasks first
        by_report.setdefault(entry.report_id, []).append(entry)
    rows = [(r, by_report.get(r.pk, []), (r.cycle.due_date - today).days) for r in mine]
    to_review = None
    if access.is_office:
        pending = (Report.objects.reviewable_by(request.user).filter(status=ReportStatus.SUBMITTED)
                   .select_related("cycle__plan", "unit").order_by("submitted_at"))
        to_review = Paginator(pending, 30).get_page(request.GET.get("page"))
    notices = (Notice.objects.answerable_by(request.user).open().select_related("task", "unit")[:20]
               if access.is_liaison or access.is_office else [])
    unread = Notification.objects.visible_to(request.user).filter(read_at__isnull=True)[:10]
    return render(request, "reporting/todo.html", {"rows": rows, "to_review": to_review, "notices": notices,
                                                   "unread": unread, "today": today})


@require_safe
def notifications(request: AuthedRequest) -> HttpResponse:
    items = Notification.objects.visible_to(request.user).prefetch_related("deliveries")
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    Notification.objects.filter(pk__in=[n.pk for n in page], read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "reporting/notifications.html", {"page": page})


# ---- cycles and board ---------------------------------------------------------------------------

def cycle_list(request: AuthedRequest) -> HttpResponse:
    access = request.user.access
    if not (access.is_office or access.is_leader):
        raise Http404
    cycles = Cycle.objects.visible_to(request.user).select_related("plan__region").annotate(
        report_count=Count("reports", distinct=True)).order_by("-due_date", "plan__title")
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
                cycle = actions.open_cycle(request.user, data["plan"], data["period"], due_date=data["due_date"],
                                           timely_days=data["timely_days"], lock_days=data["lock_days"],
                                           warn_days=data["warn_days"])
            except actions.ReportingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"已开启{cycle.period_label}报送：{cycle.reports.count()} 家单位。")
                return redirect(cycle)
    page = Paginator(cycles, 30).get_page(request.GET.get("page"))
    return render(request, "reporting/cycle_list.html", {"page": page, "form": form, "can_open": access.is_office})


@require_safe
def cycle_board(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle.objects.visible_to(request.user).select_related("plan__region"), pk=cycle_id)
    access = request.user.access
    if not access.reads_path(cycle.plan.region.path):
        raise Http404  # a liaison or sub-region office sees its own report, not the whole board
    tasks = Task.objects.filter(plan=cycle.plan).active().only("pk", "title", "part_kind", "order", "plan_id")
    filterset = TaskFilterSet(request.GET, queryset=tasks, request=request)
    result = board.build_board(cycle, filterset.qs, _today())
    if wants_xlsx(request):
        if request.GET.get("table") == "units":
            rows = ((u.report.unit.name, u.report.get_status_display(), rules.LIGHT_LABELS[u.light],
                     u.report.first_submitted_at, "是" if u.report.on_time else "否", f"{u.filled}/{u.entries}",
                     u.history.reporting_rate, u.history.on_time_rate) for u in result.units)
            headers = ["单位", "状态", "灯号", "首次提交", "按时", "已填任务", "历次报送率（%）", "历次及时率（%）"]
            return xlsx_response(f"{cycle}-单位报送.xlsx", "单位报送", headers, rows)
        task_rows = ((t.task.title, t.task.get_part_kind_display(), rules.LIGHT_LABELS[t.light],
                 t.lead.get_status_display() if t.lead and t.lead.status else "", t.lead.percent if t.lead else "",
                 "、".join(t.units)) for t in result.tasks)
        return xlsx_response(f"{cycle}-任务状态.xlsx", "任务状态", ["任务", "类别", "灯号", "进展", "完成比例", "单位"],
                             task_rows)
    units = Unit.objects.filter(reports__cycle=cycle).order_by("name")
    page = Paginator(result.tasks, 50).get_page(request.GET.get("page"))
    return render(request, "reporting/cycle_board.html", {
        "cycle": cycle, "board": result, "page": page, "filterset": filterset, "units": units,
        "can_manage": access.manages_path(cycle.plan.region.path), "labels": rules.LIGHT_LABELS,
    })


@require_safe
def cycle_summary(request: AuthedRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle.objects.visible_to(request.user).select_related("plan__region"), pk=cycle_id)
    if not request.user.access.reads_path(cycle.plan.region.path):
        raise Http404
    return _attachment(documents.summary_docx(cycle), f"{cycle.plan.region.name}{cycle.period_label}工作总结.docx",
                       documents.DOCX_TYPE)


# ---- a unit's report ----------------------------------------------------------------------------

def _report(request: AuthedRequest, report_id: int) -> Report:
    return get_object_or_404(Report.objects.visible_to(request.user).select_related("cycle__plan__region", "unit"),
                             pk=report_id)


@require_safe
def report_detail(request: AuthedRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id)
    entries = list(report.entries.select_related("task", "updated_by")
                   .prefetch_related("values__target", "evidence", "task__targets"))
    if wants_xlsx(request):
        rows = ((e.task.title, e.role_label, e.get_status_display() if e.status else "", e.percent, e.narrative,
                 e.review_comment) for e in entries)
        return xlsx_response(f"{report}.xlsx", "报送", ["任务", "角色", "进展状态", "完成比例", "进展情况", "审核意见"], rows)
    can_write = Report.objects.writable_by(request.user).filter(pk=report.pk).exists()
    can_review = Report.objects.reviewable_by(request.user).filter(pk=report.pk).exists()
    titles = {str(e.pk): e.task.title[:30] for e in entries}
    events = [Step(e, [f"{titles.get(k, '')}：{c}" for k, c in _comments(e).items()])
              for e in AuditEvent.objects.filter(target_type="reporting.report", target_id=str(report.pk))
              .select_related("actor")[:50]]
    return render(request, "reporting/report_detail.html", {
        "below": _subregion_summary(report) if report.unit.kind == "subregion" else None,
        "report": report, "entries": entries, "can_write": can_write, "can_review": can_review,
        "events": events, "upload_form": UploadForm(), "missing": [e for e in entries if not e.filled],
        "days_left": (report.cycle.due_date - _today()).days,
    })


def _subregion_summary(report: Report) -> dict[str, Any]:
    """For a sub-region's consolidated report: how its own units reported for the same period."""
    own = Report.objects.filter(cycle__period=report.cycle.period, cycle__plan__region=report.unit.region)
    entries = Entry.objects.filter(report__in=own.filter(status=ReportStatus.APPROVED),
                                   role__in=["lead", "responsible"])
    return {"rates": board.rates_of(own), "cycles": list(Cycle.objects.filter(period=report.cycle.period,
                                                                                plan__region=report.unit.region)),
            "done": entries.filter(status="done").count(), "lagging": entries.filter(status="lagging").count(),
            "leads": entries.count()}


def _writable(request: AuthedRequest, report_id: int) -> Report:
    return get_object_or_404(Report.objects.writable_by(request.user).select_related("cycle__plan__region", "unit"),
                             pk=report_id)


@require_POST
def report_submit(request: AuthedRequest, report_id: int) -> HttpResponse:
    try:
        submission = actions.submit_report(request.user, report_id, scope=Report.objects.writable_by(request.user))
    except Report.DoesNotExist as missing:
        raise Http404 from missing
    except actions.ReportingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"已提交（第 {submission.round} 次报送），等待素质办审核。")
    return redirect("reporting:report", report_id=report_id)


@require_POST
def report_review(request: AuthedRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(Report.objects.reviewable_by(request.user), pk=report_id)
    comments = {int(k.removeprefix("comment_")): str(v) for k, v in request.POST.items()
                if k.startswith("comment_") and k.removeprefix("comment_").isdigit()}
    approve = request.POST.get("decision") == "approve"
    try:
        actions.review_report(request.user, report, approve=approve, comments=comments,
                              overall=request.POST.get("overall", ""))
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


def report_xlsx(request: AuthedRequest, report_id: int) -> HttpResponse:
    """GET: the unit's report as a workbook; POST: the filled workbook back, all rows or none."""
    if request.method == "GET":
        report = _report(request, report_id)
        return _attachment(workbook.report_workbook(report), f"{report.unit.name}-{report.cycle.period}-报送表.xlsx",
                           XLSX_TYPE)
    if request.method != "POST":
        return HttpResponse(status=405)
    report = _writable(request, report_id)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的 xlsx 文件。")
        return redirect(report)
    parsed = workbook.parse_report_workbook(report, form.cleaned_data["file"].read())
    if parsed.errors:
        messages.error(request, "未导入任何内容，请修改后重新上传：" + "；".join(parsed.errors[:10]))
        return redirect(report)
    try:
        count = actions.import_report_rows(request.user, report, parsed.rows)
    except actions.ReportingError as error:
        messages.error(request, f"未导入任何内容：{error}")
    else:
        messages.success(request, f"已导入 {count} 项任务的进展。")
    return redirect(report)


# ---- entries ------------------------------------------------------------------------------------

def entry_detail(request: AuthedRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(Entry.objects.visible_to(request.user)
                              .select_related("report__cycle__plan__region", "report__unit", "task", "updated_by")
                              .prefetch_related("task__targets", "values", "evidence"), pk=entry_id)
    can_write = Report.objects.writable_by(request.user).filter(pk=entry.report_id).exists()
    form = EntryForm(request.POST or None, entry=entry, initial={
        "status": entry.status, "percent": entry.percent, "narrative": entry.narrative})
    version, conflict = entry.version, None
    if request.method == "POST":
        if not can_write:
            raise Http404
        version = _posted_version(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.save_entry(request.user, entry, version=version, status=data.get("status", ""),
                                   percent=data.get("percent"), narrative=data["narrative"],
                                   values=form.target_values())
            except actions.Conflict as clash:
                # The user's draft stays in the form; the fresh version makes a resave a deliberate choice.
                conflict, version = clash.theirs, clash.entry.version
                form.add_error(None, "保存未成功：在您编辑期间，他人已保存了这项任务。您填写的内容仍在下方；"
                                     "请对照上方对方的修改，确认后再次保存。")
            except actions.ReportingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "已保存草稿。")
                return redirect("reporting:entry", entry_id=entry.pk)
    return render(request, "reporting/entry_detail.html", {
        "entry": entry, "form": form, "version": version, "conflict": conflict,
        "can_write": can_write and entry.report.is_editable,
        "contributions": actions.contributions(entry) if entry.is_lead else [],
        "history": task_history(entry), "evidence_form": EvidenceForm(),
        "can_notice": Report.objects.reviewable_by(request.user).filter(pk=entry.report_id).exists(),
        "targets": [(t, next((v.value for v in entry.values.all() if v.target_id == t.pk), None))
                    for t in entry.task.targets.all()],
    })


def _posted_version(request: AuthedRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1  # no version: treat as stale, so nothing is overwritten blindly


def task_history(entry: Entry) -> list[Step]:
    """Every event about this task in this report and the report's own steps, newest first."""
    notices = list(Notice.objects.filter(task_id=entry.task_id, unit_id=entry.report.unit_id).values_list("pk", flat=True))
    q = (Q(target_type="reporting.entry", target_id=str(entry.pk))
         | Q(target_type="reporting.report", target_id=str(entry.report_id)))
    if notices:
        q |= Q(target_type="reporting.notice", target_id__in=[str(n) for n in notices])
    # A review's comments concern many tasks: the task's history shows its own.
    return [Step(e, [c for k, c in _comments(e).items() if k == str(entry.pk)])
            for e in AuditEvent.objects.filter(q).select_related("actor")[:100]]


@dataclass
class Step:
    """One audit event as a history line, with the review comments that belong on that page."""

    event: AuditEvent
    comments: list[str] = field(default_factory=list)


def _comments(event: AuditEvent) -> dict[str, str]:
    return dict((event.after or {}).get("comments") or {})


@require_POST
def evidence_upload(request: AuthedRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(Entry.objects.filter(report__in=Report.objects.writable_by(request.user))
                              .select_related("report__cycle__plan__region"), pk=entry_id)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的文件。")
        return redirect("reporting:entry", entry_id=entry.pk)
    upload = form.cleaned_data["file"]
    limit = actions.EVIDENCE_MAX_MB * 1024 * 1024
    if upload.size > limit:
        messages.error(request, f"文件超过 {actions.EVIDENCE_MAX_MB} MB 的上限，请压缩后再上传。")
        return redirect("reporting:entry", entry_id=entry.pk)
    try:
        actions.add_evidence(request.user, entry, upload.read(), upload.name)
    except actions.ReportingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"已上传“{upload.name}”。")
    return redirect("reporting:entry", entry_id=entry.pk)


@require_safe
def evidence_file(request: AuthedRequest, evidence_id: int) -> FileResponse:
    evidence = get_object_or_404(Evidence.objects.filter(entry__in=Entry.objects.visible_to(request.user)),
                                 pk=evidence_id)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.filename)


@require_POST
def evidence_delete(request: AuthedRequest, evidence_id: int) -> HttpResponse:
    evidence = get_object_or_404(Evidence.objects.filter(entry__report__in=Report.objects.writable_by(request.user))
                                 .select_related("entry__report__cycle__plan__region"), pk=evidence_id)
    entry_id = evidence.entry_id
    try:
        actions.remove_evidence(request.user, evidence)
    except actions.ReportingError as error:
        messages.error(request, str(error))
    return redirect("reporting:entry", entry_id=entry_id)


# ---- 督办 ---------------------------------------------------------------------------------------

@require_safe
def notice_list(request: AuthedRequest) -> HttpResponse:
    notices = Notice.objects.visible_to(request.user).select_related("unit", "task", "region")
    region = current_region(request)
    if region is not None and not request.user.access.is_liaison:
        notices = notices.filter(region__path__startswith=region.path)
    filterset = NoticeFilterSet(request.GET, queryset=notices, request=request)
    fmt = request.GET.get("format")
    if fmt == "xlsx":
        rows = ((n.number, n.unit.name, n.task.title, n.requirement, n.deadline, n.get_status_display(), n.level,
                 n.issued_at, n.signed_at, n.responded_at, n.closed_at, n.response) for n in filterset.qs)
        headers = ["督办单号", "单位", "任务", "督办要求", "时限", "状态", "级别", "交办", "签收", "反馈", "办结", "办理情况"]
        return xlsx_response("督办通报.xlsx", "督办通报", headers, rows)
    if fmt == "docx":
        title = f"{region.name if region else ''}全民科学素质行动督办事项通报"
        return _attachment(documents.notices_docx(list(filterset.qs), title), "督办通报.docx", documents.DOCX_TYPE)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "reporting/notice_list.html", {"page": page, "filterset": filterset})


def notice_new(request: AuthedRequest, entry_id: int) -> HttpResponse:
    """Issue a 督办 notice about a task to the unit whose entry lags."""
    entry = get_object_or_404(Entry.objects.filter(report__in=Report.objects.reviewable_by(request.user))
                              .select_related("task__plan__region", "report__unit", "report__cycle"), pk=entry_id)
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice = supervision.issue_notice(request.user, entry.task, entry.report.unit,
                                              form.cleaned_data["requirement"], form.cleaned_data["deadline"],
                                              entry.report.cycle)
        except actions.ReportingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已向{notice.unit.name}交办督办单 {notice.number}。")
            return redirect(notice)
    return render(request, "reporting/notice_new.html", {"entry": entry, "form": form})


def notice_detail(request: AuthedRequest, notice_id: int) -> HttpResponse:
    notice = get_object_or_404(Notice.objects.visible_to(request.user).select_related("unit", "task", "cycle"),
                               pk=notice_id)
    can_answer = Notice.objects.answerable_by(request.user).filter(pk=notice.pk).exists()
    can_manage = Notice.objects.manageable_by(request.user).filter(pk=notice.pk).exists()
    if request.method == "POST":
        step = request.POST.get("step", "")
        if not ((step in ("sign", "respond") and can_answer) or (step in ("close", "escalate") and can_manage)):
            raise Http404
        try:
            _notice_step(request, notice, step)
        except (actions.ReportingError, ValueError) as error:
            messages.error(request, str(error))
        return redirect(notice)
    events = [Step(e) for e in AuditEvent.objects.filter(target_type="reporting.notice", target_id=str(notice.pk))
              .select_related("actor")]
    return render(request, "reporting/notice_detail.html", {"notice": notice, "can_answer": can_answer,
                                                            "can_manage": can_manage, "events": events})


def _notice_step(request: AuthedRequest, notice: Notice, step: str) -> None:
    post = request.POST
    if step == "sign":
        supervision.sign_notice(request.user, notice)
        messages.success(request, "已签收。")
    elif step == "respond":
        supervision.respond_notice(request.user, notice, post.get("response", ""))
        messages.success(request, "已反馈办理情况。")
    elif step == "close":
        supervision.close_notice(request.user, notice, post.get("note", ""))
        messages.success(request, "已办结。")
    else:
        deadline = date.fromisoformat(post.get("deadline") or "")
        supervision.escalate_notice(request.user, notice, post.get("note", ""), deadline)
        messages.success(request, "已升级督办。")


# ---- 考核 ---------------------------------------------------------------------------------------

def scheme_list(request: AuthedRequest) -> HttpResponse:
    access = request.user.access
    if not (access.is_office or access.is_leader):
        raise Http404
    schemes = Scheme.objects.visible_to(request.user).select_related("region")
    region = current_region(request)
    if region is not None:
        schemes = schemes.filter(region__path__startswith=region.path)
    form = SchemeForm(request.POST or None, initial={"year": _today().year})
    if request.method == "POST":
        if region is None or not access.manages_path(region.path):
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                scheme = assessment.create_scheme(request.user, region, data["year"], rules.Weights(
                    data["timeliness"], data["completeness"], data["achievement"], data["quality"]))
            except ValueError as error:
                form.add_error(None, str(error))
            else:
                return redirect(scheme)
    return render(request, "reporting/scheme_list.html", {"schemes": schemes, "form": form,
                                                          "can_manage": region is not None and access.manages_path(region.path)})


def scheme_detail(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_object_or_404(Scheme.objects.visible_to(request.user).select_related("region"), pk=scheme_id)
    can_manage = Scheme.objects.manageable_by(request.user).filter(pk=scheme.pk).exists()
    if request.method == "POST":
        if not can_manage:
            raise Http404
        count = assessment.compute_scores(request.user, scheme)
        messages.success(request, f"已按报送数据计算 {count} 家单位的得分；评议分和加减分保持不变。")
        return redirect(scheme)
    ranked = assessment.ranking(scheme)
    if wants_xlsx(request):
        rows = ((place, s.unit.name, s.unit.region.name, s.timeliness, s.completeness, s.achievement, s.quality,
                 s.bonus, s.penalty, s.total, s.adjustment_reasons) for place, s in ranked)
        headers = ["名次", "单位", "区划", "及时性", "完整性", "目标完成度", "工作质量", "加分", "减分", "总分", "加减分理由"]
        return xlsx_response(f"{scheme}.xlsx", "考核结果", headers, rows)
    units = [(p, s) for p, s in ranked if s.unit.kind != "subregion"]
    subregions = [(p, s) for p, s in ranked if s.unit.kind == "subregion"]
    return render(request, "reporting/scheme_detail.html", {
        "scheme": scheme, "units": _reranked(units), "subregions": _reranked(subregions), "can_manage": can_manage})


def _reranked(rows: list[tuple[int, Score]]) -> list[tuple[int, Score]]:
    places = {name: place for place, name, _ in rules.rank([(str(s.pk), s.total) for _, s in rows])}
    return [(places[str(s.pk)], s) for _, s in rows]


@require_POST
def score_judge(request: AuthedRequest, score_id: int) -> HttpResponse:
    score = get_object_or_404(Score.objects.filter(scheme__in=Scheme.objects.manageable_by(request.user))
                              .select_related("scheme__region", "unit"), pk=score_id)
    form = JudgementForm(request.POST)
    if not form.is_valid():
        messages.error(request, "评分填写有误：" + "；".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(score.scheme)
    data: dict[str, Any] = form.cleaned_data
    try:
        assessment.judge(request.user, score, quality=data["quality"], bonus=data["bonus"] or 0,
                         penalty=data["penalty"] or 0, reasons=data["reasons"])
    except ValueError as error:
        messages.error(request, f"{score.unit.name}：{error}")
    else:
        messages.success(request, f"已保存{score.unit.name}的评分。")
    return redirect(score.scheme)


