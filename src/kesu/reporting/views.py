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
from kesu.core.formats import day_text
from kesu.core.http import AuthedRequest, current_region
from kesu.core.models import AuditEvent
from kesu.plans.models import Target, Task
from kesu.regions.models import Region, Unit
from kesu.reporting import actions, assessment, board, documents, home, rules, supervision, workbook
from kesu.reporting.filters import CycleTaskFilterSet, NoticeFilterSet
from kesu.reporting.forms import (
    NOTICE_STEP_FORMS,
    AdjustmentForm,
    CycleForm,
    EntryForm,
    EvidenceForm,
    JudgementForm,
    NoticeForm,
    SchemeForm,
    UploadForm,
)
from kesu.reporting.models import (
    LEAD_ROLES,
    AdjustmentKind,
    Cycle,
    Entry,
    Evidence,
    Notice,
    Notification,
    Report,
    ReportStatus,
    Scheme,
    Score,
    ScoreAdjustment,
)


def _attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _today() -> date:
    return timezone.localdate()


# ---- to-do --------------------------------------------------------------------------------------

def task_order(entry: Entry) -> tuple[bool, int]:
    """Own lead tasks first, then the plan's order: the to-do page, the report page and 下一项 agree."""
    return (not entry.is_lead, entry.task.order)


@dataclass
class TodoRow:
    """A report still to do, its tasks in ``task_order`` and the days to its due date."""

    report: Report
    entries: list[Entry]
    days: int

    @property
    def to_fix(self) -> list[Entry]:
        """The tasks a return asked to change."""
        return [e for e in self.entries if self.report.asks_to_change(e)]

    @property
    def to_fill(self) -> int:
        return sum(not e.filled for e in self.entries)


@require_safe
def todo(request: AuthedRequest) -> HttpResponse:
    """A liaison's reports still to do, with their tasks; what awaits an office; a leader's overview."""
    access = request.user.access
    today = _today()
    region = current_region(request)
    mine = list(Report.objects.writable_by(request.user).still_to_do(today)[:20])
    entries = (Entry.objects.filter(report__in=mine).select_related("task")
               .only("pk", "report_id", "role", "status", "percent", "filled", "review_comment", "task__title",
                     "task__order", "task__part_kind"))
    by_report: dict[int, list[Entry]] = {}
    for entry in sorted(entries, key=lambda e: (e.report_id, task_order(e))):
        by_report.setdefault(entry.report_id, []).append(entry)
    rows = [TodoRow(r, by_report.get(r.pk, []), (r.cycle.due_date - today).days) for r in mine]
    to_review, agenda = None, None
    if access.is_office:
        pending = (Report.objects.reviewable_by(request.user).filter(status=ReportStatus.SUBMITTED)
                   .select_related("cycle__plan", "unit").order_by("submitted_at"))
        to_review = Paginator(pending, 30).get_page(request.GET.get("page"))
        agenda = home.office_agenda(request.user, region, today)
    overview = home.current_cycles(request.user, region, today) if access.is_leader and not access.is_office else []
    notices = (Notice.objects.answerable_by(request.user).open().select_related("task", "unit")[:20]
               if access.is_liaison or access.is_office else [])
    unread = Notification.objects.visible_to(request.user).filter(read_at__isnull=True)[:10]
    return render(request, "reporting/todo.html", {
        "rows": rows, "to_review": to_review, "agenda": agenda, "overview": overview, "notices": notices,
        "unread": unread, "today": today, "writes": access.is_liaison or bool(rows)})


CHANNEL_LABELS = {"site": "站内消息", "email": "邮件", "sms": "短信", "wechat": "微信", "log": "日志"}


@require_safe
def notifications(request: AuthedRequest) -> HttpResponse:
    items = Notification.objects.visible_to(request.user).prefetch_related("deliveries")
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    Notification.objects.filter(pk__in=[n.pk for n in page], read_at__isnull=True).update(read_at=timezone.now())
    channels = [(n, [(CHANNEL_LABELS.get(d.channel, d.channel), d) for d in n.deliveries.all()]) for n in page]
    return render(request, "reporting/notifications.html", {"page": page, "channels": channels})


# ---- cycles and board ---------------------------------------------------------------------------

def cycle_list(request: AuthedRequest) -> HttpResponse:
    access = request.user.access
    if not (access.is_office or access.is_leader):
        raise Http404
    cycles = Cycle.objects.visible_to(request.user).select_related("plan__region").annotate(
        report_count=Count("reports", distinct=True),
        submitted_count=Count("reports", filter=Q(reports__status__in=home.IN), distinct=True),
    ).order_by("-due_date", "plan__title")
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
    tasks = Task.objects.filter(plan=cycle.plan).active().only("pk", "title", "part", "part_kind", "order", "plan_id")
    filterset = CycleTaskFilterSet(request.GET, queryset=tasks, request=request, cycle=cycle)
    unit_id = filterset.form.cleaned_data.get("unit") if filterset.is_valid() else None
    result = board.build_board(cycle, filterset.qs, _today(), unit_id=int(unit_id) if unit_id else None)
    if wants_xlsx(request):
        return _board_xlsx(cycle, result, units=request.GET.get("table") == "units")
    page = Paginator(result.tasks, 50).get_page(request.GET.get("page"))
    return render(request, "reporting/cycle_board.html", {
        "cycle": cycle, "board": result, "page": page, "filterset": filterset,
        "units": Unit.objects.filter(reports__cycle=cycle).order_by("name"),
        "parts": list(dict.fromkeys(tasks.exclude(part="").order_by("order").values_list("part", flat=True))),
        "tab": request.GET.get("tab", "tasks"),
    })


def _board_xlsx(cycle: Cycle, result: board.Board, *, units: bool) -> HttpResponse:
    if units:
        rows = ((u.report.unit.name, u.report.get_status_display(), u.light.label, u.light.reason,
                 u.report.first_submitted_at, "是" if u.report.on_time else "否", f"{u.filled}/{u.entries}",
                 u.history.reporting_rate, u.history.on_time_rate) for u in result.units)
        headers = ["单位", "状态", "灯号", "原因", "首次提交", "按时", "已填任务", "历次报送率（%）", "历次及时率（%）"]
        return xlsx_response(f"{cycle}-单位报送.xlsx", "单位报送", headers, rows)
    task_rows = ((t.task.title, t.task.part or t.task.get_part_kind_display(), t.light.label, t.light.reason,
                  t.lead.get_status_display() if t.lead and t.lead.status else "", t.lead.percent if t.lead else "",
                  "、".join(f"{name}（牵头）" if lead else name for name, lead in t.units)) for t in result.tasks)
    return xlsx_response(f"{cycle}-任务状态.xlsx", "任务状态",
                         ["任务", "所属行动或工程", "灯号", "原因", "进展", "完成比例", "单位"], task_rows)


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
        revised = bool(e.review_comment and report.reviewed_at and e.updated_at and e.updated_at > report.reviewed_at)
        targets = [(t, values.get(t.pk)) for t in e.task.targets.all()] if e.is_lead else []  # the lead reports them
        lines.append(ReportLine(e, targets, revised))
    return lines


@require_safe
def report_detail(request: AuthedRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id)
    entries = sorted(report.entries.select_related("task", "updated_by")
                     .prefetch_related("values__target", "evidence", "task__targets"), key=task_order)
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
    lines = _report_lines(report, entries)
    to_fix = [line for line in lines if report.asks_to_change(line.entry)]
    return render(request, "reporting/report_detail.html", {
        "below": _subregion_summary(report) if report.unit.kind == "subregion" else None,
        "report": report, "lines": lines, "can_write": can_write, "can_review": can_review,
        "reviewing": can_review and report.status == ReportStatus.SUBMITTED,
        "events": events, "upload_form": UploadForm(), "missing": [e for e in entries if not e.filled],
        "to_fix": to_fix, "revised": sum(line.revised for line in to_fix),
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
        messages.success(request, f"已导入 {count} 项任务的进展。" if count else "报送表与已保存的内容一致，没有需要导入的修改。")
    return redirect(report)


# ---- entries ------------------------------------------------------------------------------------

def entry_detail(request: AuthedRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(Entry.objects.visible_to(request.user)
                              .select_related("report__cycle__plan__region", "report__unit", "task", "updated_by")
                              .prefetch_related("task__targets", "values", "evidence"), pk=entry_id)
    can_write = Report.objects.writable_by(request.user).filter(pk=entry.report_id).exists()
    shown = {f"target_{target_id}": value for target_id, value in entry.reported_values().items()}
    form = EntryForm(request.POST or None, entry=entry, initial={
        "status": entry.status, "percent": entry.percent, "narrative": entry.narrative, **shown})
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
                following = _position(entry).next if request.POST.get("then") == "next" else None
                return redirect("reporting:entry", entry_id=following.pk if following else entry.pk)
    return render(request, "reporting/entry_detail.html", {
        "entry": entry, "form": form, "version": version, "conflict": conflict,
        "can_write": can_write and entry.report.is_editable, **_entry_context(request, entry)})


@dataclass
class Position:
    """Where a task sits among its report's tasks (in ``task_order``), for 上一项 / 下一项."""

    number: int
    count: int
    previous: Entry | None
    next: Entry | None


def _position(entry: Entry) -> Position:
    siblings = sorted(Entry.objects.filter(report_id=entry.report_id).select_related("task")
                      .only("pk", "role", "task__order", "task__title"), key=task_order)
    index = next(i for i, e in enumerate(siblings) if e.pk == entry.pk)
    return Position(index + 1, len(siblings), siblings[index - 1] if index else None,
                    siblings[index + 1] if index + 1 < len(siblings) else None)


def _entry_context(request: AuthedRequest, entry: Entry) -> dict[str, Any]:
    """What the task page shows around the form: due date, position, the other units, history."""
    same_task = (Entry.objects.filter(report__cycle_id=entry.report.cycle_id, task_id=entry.task_id)
                 .exclude(pk=entry.pk).select_related("report__unit").order_by("report__unit__name"))
    participants = actions.contributions(entry) if entry.is_lead else []
    values = entry.reported_values()
    return {
        "days_left": (entry.report.cycle.due_date - _today()).days, "position": _position(entry),
        "contributions": participants, "written": [e for e in participants if e.filled],
        "silent": [e for e in participants if not e.filled],
        "leads": list(same_task.filter(role__in=LEAD_ROLES).prefetch_related("values__target")),
        "history": task_history(entry), "earlier": _earlier_periods(request, entry),
        "evidence_form": EvidenceForm(),
        "can_notice": Report.objects.reviewable_by(request.user).filter(pk=entry.report_id).exists(),
        "targets": [(t, values.get(t.pk)) for t in entry.task.targets.all()],
    }


def _earlier_periods(request: AuthedRequest, entry: Entry) -> list[Entry]:
    """This unit's entries for the same task in the plan's earlier cycles, newest first."""
    return list(Entry.objects.visible_to(request.user)
                .filter(task_id=entry.task_id, report__unit_id=entry.report.unit_id,
                        report__cycle__plan_id=entry.report.cycle.plan_id,
                        report__cycle__due_date__lt=entry.report.cycle.due_date)
                .select_related("report__cycle").order_by("-report__cycle__due_date")[:12])


def _posted_version(request: AuthedRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1  # no version: treat as stale, so nothing is overwritten blindly


def task_history(entry: Entry) -> list[Step]:
    """This task's events in this report, newest first: its saves and evidence, 督办 on it, a return
    only if it commented on this task (or on none in particular), and the report's own steps."""
    notices = list(Notice.objects.filter(task_id=entry.task_id, unit_id=entry.report.unit_id).values_list("pk", flat=True))
    q = (Q(target_type="reporting.entry", target_id=str(entry.pk))
         | Q(target_type="reporting.report", target_id=str(entry.report_id)))
    if notices:
        q |= Q(target_type="reporting.notice", target_id__in=[str(n) for n in notices])
    steps = []
    for event in AuditEvent.objects.filter(q).select_related("actor")[:100]:
        if event.target_type != "reporting.report":
            steps.append(Step(event))
            continue
        comments = _comments(event)
        mine = comments.get(str(entry.pk))
        if event.verb == "report.return" and comments and mine is None:
            continue  # a return that asked for changes to other tasks
        steps.append(Step(event, [mine] if mine else [], report_wide=not mine))
    return steps


@dataclass
class Step:
    """One audit event as a history line, with the review comments that belong on that page;
    ``report_wide`` marks a report's step shown on a task's page (submitted, approved …)."""

    event: AuditEvent
    comments: list[str] = field(default_factory=list)
    report_wide: bool = False


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
                 n.issued_at, n.signed_at, n.responded_at, n.escalated_at, n.closed_at, n.response, n.closing_note)
                for n in filterset.qs)
        headers = ["督办单号", "单位", "任务", "督办要求", "时限", "状态", "级别", "交办", "签收", "反馈", "升级督办", "办结",
                   "办理情况", "办结 / 升级意见"]
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
    # Each step's form has its own ids, so the close and escalate forms can share a page.
    step_forms = {step: form_class(auto_id=f"{step}_%s") for step, form_class in NOTICE_STEP_FORMS.items()}
    if request.method == "POST":
        step = request.POST.get("step", "")
        allowed = {"sign": can_answer, "respond": can_answer, "close": can_manage, "escalate": can_manage}
        if not allowed.get(step):
            raise Http404
        form = step_forms[step] = NOTICE_STEP_FORMS[step](request.POST, auto_id=f"{step}_%s")
        if form.is_valid():
            try:
                messages.success(request, _notice_step(request, notice, step, form.cleaned_data))
            except actions.ReportingError as error:  # e.g. already signed in another tab
                messages.error(request, str(error))
            return redirect(notice)
        # Invalid input re-renders the page with the user's input and the reason next to the field.
    events = [Step(e) for e in AuditEvent.objects.filter(target_type="reporting.notice", target_id=str(notice.pk))
              .select_related("actor")]
    return render(request, "reporting/notice_detail.html", {"notice": notice, "can_answer": can_answer,
                                                            "can_manage": can_manage, "events": events,
                                                            "step_forms": step_forms})


def _notice_step(request: AuthedRequest, notice: Notice, step: str, data: dict[str, Any]) -> str:
    """Runs one validated step and says what happened."""
    if step == "sign":
        supervision.sign_notice(request.user, notice)
        return "已签收，请在办理时限内反馈办理情况。"
    if step == "respond":
        supervision.respond_notice(request.user, notice, data["response"])
        return "已反馈办理情况，等待素质办审核办结。"
    if step == "close":
        supervision.close_notice(request.user, notice, data["note"])
        return "已办结。"
    deadline: date = data["deadline"]
    supervision.escalate_notice(request.user, notice, data["note"], deadline)
    return f"已升级督办，新的办理时限为 {day_text(deadline)}。"


# ---- 考核 ---------------------------------------------------------------------------------------

def scheme_list(request: AuthedRequest) -> HttpResponse:
    access = request.user.access
    if not (access.is_office or access.is_leader):
        raise Http404
    schemes = Scheme.objects.visible_to(request.user).select_related("region")
    region = current_region(request)
    if region is not None:
        schemes = schemes.filter(region__path__startswith=region.path)
    can_manage = region is not None and access.is_office_of(region.pk)
    form = SchemeForm(request.POST or None, initial={"year": _today().year})
    if request.method == "POST":
        if region is None or not can_manage:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                scheme = assessment.create_scheme(request.user, region, data["year"], rules.Weights(
                    data["timeliness"], data["completeness"], data["achievement"], data["quality"]),
                    bonus_cap=data["bonus_cap"], penalty_cap=data["penalty_cap"])
            except ValueError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"已保存{scheme}的考核方案。")
                return redirect(scheme)
    return render(request, "reporting/scheme_list.html", {"schemes": schemes, "form": form, "can_manage": can_manage})


def scheme_detail(request: AuthedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_object_or_404(Scheme.objects.visible_to(request.user).select_related("region"), pk=scheme_id)
    can_manage = Scheme.objects.manageable_by(request.user).filter(pk=scheme.pk).exists()
    if request.method == "POST":
        if not can_manage:
            raise Http404
        count = assessment.compute_scores(request.user, scheme)
        messages.success(request, f"已按报送数据计算 {count} 家单位的得分；工作质量评分和加减分项保持不变。")
        return redirect(scheme)
    ranked = assessment.rankings(scheme)
    if wants_xlsx(request):
        return _scheme_xlsx(scheme, ranked)
    return render(request, "reporting/scheme_detail.html", {
        "scheme": scheme, "units": ranked.units, "subregions": ranked.subregions, "can_manage": can_manage,
        "has_subregions": Region.objects.filter(parent=scheme.region).exists()})


def _scheme_xlsx(scheme: Scheme, ranked: assessment.Rankings) -> HttpResponse:
    """Both rankings on one sheet, member units first, each with its own places (as on the page)."""
    groups = (("成员单位", ranked.units), ("下级区划", ranked.subregions))
    rows = ((place, s.unit.name, group, s.timeliness, s.completeness, s.achievement, s.quality, s.bonus_counted,
             s.penalty_counted, s.total, s.adjustments_text, str(s.judged_by or ""), s.judged_at)
            for group, places in groups for place, s in places)
    headers = ["名次", "单位", "排名类别", "及时性", "完整性", "目标完成度", "工作质量", "加分合计", "减分合计", "总分",
               "加减分明细", "评议人", "评议时间"]
    return xlsx_response(f"{scheme}.xlsx", "考核结果", headers, rows)


def score_judge(request: AuthedRequest, score_id: int) -> HttpResponse:
    """One unit's score: its parts, the office's 工作质量 mark and 加减分 items, and who entered what."""
    score = get_object_or_404(Score.objects.filter(scheme__in=Scheme.objects.visible_to(request.user))
                              .select_related("scheme__region", "unit__region", "judged_by")
                              .prefetch_related("adjustments"), pk=score_id)
    can_manage = Scheme.objects.manageable_by(request.user).filter(pk=score.scheme_id).exists()
    top = score.scheme.quality
    score_forms: dict[str, Any] = {"quality": JudgementForm(initial={"quality": score.quality}, top=top),
                                   "add": AdjustmentForm(initial={"kind": AdjustmentKind.BONUS})}
    if request.method == "POST":
        step = request.POST.get("do", "")
        if not can_manage or step not in ("quality", "add", "remove"):
            raise Http404
        if step == "remove":
            return _remove_adjustment(request, score)
        form = score_forms[step] = (JudgementForm(request.POST, top=top) if step == "quality"
                                    else AdjustmentForm(request.POST))
        if form.is_valid():
            try:
                messages.success(request, _score_step(request, score, step, form.cleaned_data))
            except ValueError as error:
                form.add_error(None, str(error))
            else:
                return redirect(score)
        # Invalid input re-renders the page with what was typed and the reason next to the field.
    items = score.adjustments.select_related("created_by")
    events = [Step(e) for e in AuditEvent.objects.for_target(score).select_related("actor")]
    return render(request, "reporting/scheme_score.html", {
        "score": score, "scheme": score.scheme, "items": items, "forms": score_forms, "can_manage": can_manage,
        "events": events})


def _score_step(request: AuthedRequest, score: Score, step: str, data: dict[str, Any]) -> str:
    """Runs one validated change and says what happened."""
    if step == "quality":
        score = assessment.judge(request.user, score, quality=data["quality"])
        mark = "已清除" if score.quality is None else f"为 {score.quality:.1f} 分"
        return f"{score.unit.name}的工作质量评分{mark}，总分 {score.total:.1f}。"
    item = assessment.add_adjustment(request.user, score, kind=data["kind"], points=data["points"],
                                     reason=data["reason"])
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
    except ValueError as error:  # removed in another tab since this page was read
        messages.error(request, str(error))
    else:
        messages.success(request, f"已删除{score.unit.name}的{label}。")
    return redirect(score)
