"""A task in a unit's report: the entry form, the other units on the task, its history, evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST, require_safe

from kesu.core.http import READ_ONLY, AuthedRequest, writable_or_403
from kesu.core.models import AuditEvent
from kesu.reporting import actions, companions
from kesu.reporting.forms import EntryForm, EvidenceForm
from kesu.reporting.models import Entry, Evidence, Notice, Report
from kesu.reporting.sniff import IMAGE_KINDS, INLINE_TYPES
from kesu.reporting.views.common import Step, review_comments, task_order, today

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser


def entry_detail(request: AuthedRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(
        Entry.objects.visible_to(request.user)
        .select_related("report__cycle__plan__region", "report__unit", "task", "updated_by")
        .prefetch_related("task__targets", "values", "evidence"),
        pk=entry_id,
    )
    can_write = Report.objects.writable_by(request.user).filter(pk=entry.report_id).exists()
    shown = {f"target_{target_id}": value for target_id, value in entry.reported_values().items()}
    form = EntryForm(
        request.POST or None,
        entry=entry,
        initial={"status": entry.status, "percent": entry.percent, "narrative": entry.narrative, **shown},
    )
    version, conflict = entry.version, None
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(READ_ONLY)  # the entry is visible: say so, do not pretend it is missing
        version = _posted_version(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.save_entry(
                    request.user,
                    entry,
                    version=version,
                    status=data.get("status", ""),
                    percent=data.get("percent"),
                    narrative=data["narrative"],
                    values=form.target_values(),
                )
            except actions.Conflict as clash:
                # The user's draft stays in the form; the fresh version makes a resave a deliberate choice.
                conflict, version = clash.theirs, clash.entry.version
                form.add_error(
                    None,
                    "保存未成功：在您编辑期间，他人已保存了这项任务。您填写的内容仍在下方；"
                    "请对照上方对方的修改，确认后再次保存。",
                )
            except actions.ReportingError as error:
                form.add_error(None, str(error))
            else:
                uploads = request.FILES.getlist("file")
                messages.success(request, "已保存草稿。")
                _store_evidence(request, entry, uploads)
                following = _position(entry).next if request.POST.get("then") == "next" else None
                return redirect("reporting:entry", entry_id=following.pk if following else entry.pk)
        if request.FILES.getlist("file"):
            # A browser cannot put a chosen file back into the form: say so, the typed text stays.
            form.add_error(None, "所选文件尚未上传：请先处理上面的问题，再重新选择文件上传。")
    return render(
        request,
        "reporting/entry_detail.html",
        {
            "entry": entry,
            "form": form,
            "version": version,
            "conflict": conflict,
            "can_write": can_write and entry.report.is_editable,
            **_entry_context(request, entry),
        },
    )


@dataclass
class Position:
    """Where a task sits among its report's tasks (in ``task_order``), for 上一项 / 下一项."""

    number: int
    count: int
    previous: Entry | None
    next: Entry | None


def _position(entry: Entry) -> Position:
    siblings = sorted(
        Entry.objects.filter(report_id=entry.report_id)
        .select_related("task")
        .only("pk", "role", "task__order", "task__title"),
        key=task_order,
    )
    index = next(i for i, e in enumerate(siblings) if e.pk == entry.pk)
    return Position(
        index + 1,
        len(siblings),
        siblings[index - 1] if index else None,
        siblings[index + 1] if index + 1 < len(siblings) else None,
    )


def _entry_context(request: AuthedRequest, entry: Entry) -> dict[str, Any]:
    """What the task page shows around the form: due date, position, the other units, history."""
    same_task = Entry.objects.readable_by(request.user).on_task_of(entry)
    participants = list(same_task.participants()) if entry.is_lead else []
    values = entry.reported_values()
    return {
        "days_left": (entry.report.cycle.due_date - today()).days,
        "position": _position(entry),
        "contributions": participants,
        "written": [e for e in participants if e.filled],
        "silent": [e for e in participants if not e.filled],
        "leads": list(same_task.leads().prefetch_related("values__target")),
        "history": task_history(entry, request.user),
        "earlier": _earlier_periods(request, entry),
        "evidence_form": EvidenceForm(attach_to="entry-form"),
        "image_kinds": IMAGE_KINDS,
        "can_notice": Report.objects.reviewable_by(request.user).filter(pk=entry.report_id).exists(),
        "targets": [(t, values.get(t.pk)) for t in entry.task.targets.all()],
        "companions": companions.panels_for(request, entry),  # other apps' panels (reporting/companions.py)
    }


def _earlier_periods(request: AuthedRequest, entry: Entry) -> list[Entry]:
    """This unit's entries for the same task in the plan's earlier cycles, newest first."""
    return list(
        Entry.objects.visible_to(request.user)
        .filter(
            task_id=entry.task_id,
            report__unit_id=entry.report.unit_id,
            report__cycle__plan_id=entry.report.cycle.plan_id,
            report__cycle__due_date__lt=entry.report.cycle.due_date,
        )
        .select_related("report__cycle")
        .order_by("-report__cycle__due_date")[:12]
    )


def _posted_version(request: AuthedRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1  # no version: treat as stale, so nothing is overwritten blindly


def task_history(entry: Entry, user: AnyUser) -> list[Step]:
    """This task's events in this report that ``user`` may read, newest first: its saves and evidence,
    督办 on it, a return only if it commented on this task (or on none in particular), and the
    report's own steps."""
    events = AuditEvent.objects.history_of(entry, user) | AuditEvent.objects.history_of(entry.report, user)
    notices = Notice.objects.filter(task_id=entry.task_id, unit_id=entry.report.unit_id)
    events |= AuditEvent.objects.history_of(notices, user)
    steps = []
    for event in events.select_related("actor")[:100]:
        if event.target_type != "reporting.report":
            steps.append(Step(event))
            continue
        comments = review_comments(event)
        mine = comments.get(str(entry.pk))
        if event.verb == "report.return" and comments and mine is None:
            continue  # a return that asked for changes to other tasks
        steps.append(Step(event, [mine] if mine else [], report_wide=not mine))
    return steps


def _store_evidence(request: AuthedRequest, entry: Entry, uploads: list[UploadedFile]) -> None:
    """Each chosen file as evidence, one message per file: a refused file does not stop the others."""
    limit = actions.EVIDENCE_MAX_MB * 1024 * 1024
    for upload in uploads:
        name = upload.name or "未命名文件"
        if upload.size is not None and upload.size > limit:
            messages.error(request, f"“{name}”超过 {actions.EVIDENCE_MAX_MB} MB 的上限，请压缩后再上传。")
            continue
        try:
            actions.add_evidence(request.user, entry, upload.read(), name)
        except actions.ReportingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"已上传“{name}”。")


def _writable_entry(request: AuthedRequest, entry_id: int) -> Entry:
    return writable_or_403(
        Entry.objects.filter(report__in=Report.objects.writable_by(request.user)).select_related(
            "report__cycle__plan__region"
        ),
        Entry.objects.visible_to(request.user),
        pk=entry_id,
    )


@require_POST
def evidence_upload(request: AuthedRequest, entry_id: int) -> HttpResponse:
    entry = _writable_entry(request, entry_id)
    uploads = request.FILES.getlist("file")
    if not uploads:
        messages.error(request, "请选择要上传的文件。")
    _store_evidence(request, entry, uploads)
    return redirect("reporting:entry", entry_id=entry.pk)


@require_POST
def entry_autosave(request: AuthedRequest, entry_id: int) -> JsonResponse:
    """The draft saving itself while the liaison types: the same save as the button, answered in JSON
    with the new version (the page carries it on, so its next save is not taken for someone else's)."""
    entry = _writable_entry(request, entry_id)
    entry = (
        Entry.objects.select_related("report__cycle__plan__region", "task")
        .prefetch_related("task__targets", "values")
        .get(pk=entry.pk)
    )
    form = EntryForm(request.POST, entry=entry)
    if not form.is_valid():
        return JsonResponse({"saved": False, "message": "有填写不正确的项，未自动保存。"}, status=400)
    data = form.cleaned_data
    try:
        saved = actions.save_entry(
            request.user,
            entry,
            version=_posted_version(request),
            status=data.get("status", ""),
            percent=data.get("percent"),
            narrative=data["narrative"],
            values=form.target_values(),
        )
    except actions.Conflict:
        message = "他人已保存了这项任务，未自动保存；请点击“保存草稿”查看对方的修改。"
        return JsonResponse({"saved": False, "message": message}, status=409)
    except actions.ReportingError as error:
        return JsonResponse({"saved": False, "message": str(error)}, status=400)
    at = timezone.localtime(saved.updated_at).strftime("%H:%M") if saved.updated_at else ""
    return JsonResponse({"saved": True, "version": saved.version, "message": f"草稿已自动保存（{at}）"})


@require_safe
@xframe_options_sameorigin
def evidence_file(request: AuthedRequest, evidence_id: int) -> FileResponse:
    """The file as a download; ``?view=1`` shows an image or a PDF in the page (thumbnail, preview).
    Only kinds read from the content are shown inline, with their own type, so nothing is guessed."""
    evidence = get_object_or_404(
        Evidence.objects.filter(entry__in=Entry.objects.visible_to(request.user)), pk=evidence_id
    )
    inline_type = INLINE_TYPES.get(evidence.kind) if request.GET.get("view") else None
    if inline_type is None:
        return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.filename)
    response = FileResponse(evidence.file.open("rb"), content_type=inline_type, filename=evidence.filename)
    response["X-Content-Type-Options"] = "nosniff"
    # Framed by our own page only (the site's policy forbids all framing); no object-src limit here,
    # since the browser's PDF viewer counts as a plugin.
    response["Content-Security-Policy"] = "frame-ancestors 'self'"
    return response


@require_POST
def evidence_delete(request: AuthedRequest, evidence_id: int) -> HttpResponse:
    evidence = writable_or_403(
        Evidence.objects.filter(entry__report__in=Report.objects.writable_by(request.user)).select_related(
            "entry__report__cycle__plan__region"
        ),
        Evidence.objects.filter(entry__in=Entry.objects.visible_to(request.user)),
        pk=evidence_id,
    )
    entry_id = evidence.entry_id
    try:
        actions.remove_evidence(request.user, evidence)
    except actions.ReportingError as error:
        messages.error(request, str(error))
    return redirect("reporting:entry", entry_id=entry_id)
