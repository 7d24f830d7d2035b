"""Every write to reporting: cycles, entries, evidence, submission, review, reopening, xlsx import."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from kesu.core import audit
from kesu.core import rows as db_rows
from kesu.core.formats import day_text, moment_text
from kesu.core.jobs import enqueue_written_out
from kesu.periods import Period
from kesu.plans.models import Plan, Responsibility, Role
from kesu.reporting import notify, rules
from kesu.reporting.models import (
    CYCLE_PROGRESS,
    Cycle,
    Entry,
    Evidence,
    ProgressStatus,
    Report,
    ReportQuerySet,
    ReportStatus,
    Submission,
    TargetValue,
)
from kesu.reporting.sniff import ALLOWED_LABEL, sniff

if TYPE_CHECKING:
    from kesu.accounts.models import User

log = logging.getLogger(__name__)
ROLE_RANK = {Role.LEAD: 0, Role.RESPONSIBLE: 1, Role.PARTICIPATING: 2}
EVIDENCE_MAX_MB = 20


class ReportingError(ValueError):
    """An operation that cannot go ahead; the message is for the user."""


@dataclass
class Conflict(Exception):
    """Someone saved the entry after this form was opened: their values, to show beside the draft."""

    entry: Entry
    theirs: dict[str, Any] = field(default_factory=dict)


def today() -> date:
    return timezone.localdate()


# ---- cycles -------------------------------------------------------------------------------------


def assignments(plan: Plan) -> dict[int, dict[int, str]]:
    """unit id → task id → role, for every unit named on an active task the office has not marked
    不报送 (groups resolved)."""
    result: dict[int, dict[int, str]] = {}
    rows = Responsibility.objects.filter(
        task__plan=plan, task__is_active=True, task__not_reported=False
    ).select_related("group")
    for r in rows:
        unit_ids = (
            [r.unit_id]
            if r.unit_id
            else (list(r.group.resolve().values_list("pk", flat=True)) if r.group else [])
        )
        for unit_id in unit_ids:
            tasks = result.setdefault(unit_id, {})
            current = tasks.get(r.task_id)
            if current is None or ROLE_RANK[Role(r.role)] < ROLE_RANK[Role(current)]:
                tasks[r.task_id] = r.role
    return result


@transaction.atomic
def open_cycle(
    actor: User | None,
    plan: Plan,
    period: Period,
    *,
    due_date: date | None = None,
    timely_days: int = 0,
    lock_days: int = 30,
    warn_days: int = 7,
    kind: str = CYCLE_PROGRESS,
    units: Iterable[int] | None = None,
) -> Cycle:
    """Open the plan's cycle for ``period``. ``kind`` other than progress (e.g. 科普统计, whose form
    lives in another app) with ``units``: one report per unit and no task entries."""
    if not plan.is_published:
        raise ReportingError("方案尚未发布，不能开启报送。")
    if Cycle.objects.filter(plan=plan, period=str(period), kind=kind).exists():
        raise ReportingError(f"{period.label}的报送周期已经开启。")
    due = due_date or rules.due_date_for(period.year, period.half, plan.reporting_deadlines or [])
    cycle = Cycle.objects.create(
        plan=plan,
        period=str(period),
        kind=kind,
        due_date=due,
        timely_days=timely_days,
        lock_days=lock_days,
        warn_days=warn_days,
        opened_by=actor,
    )
    units = assignments(plan) if units is None else {unit_id: {} for unit_id in units}
    reports = Report.objects.bulk_create(Report(cycle=cycle, unit_id=unit_id) for unit_id in sorted(units))
    Entry.objects.bulk_create(
        Entry(report=report, task_id=task_id, role=role)
        for report in reports
        for task_id, role in sorted(units[report.unit_id].items())
    )
    audit.record(
        actor,
        "cycle.open",
        cycle,
        region=plan.region,
        after={"period": cycle.period, "kind": kind, "due_date": due.isoformat(), "reports": len(reports)},
    )
    notify.after_commit(notify.cycle_opened, cycle.pk, _id(actor))
    return cycle


# ---- entries ------------------------------------------------------------------------------------


def _check_editable(report: Report) -> None:
    if report.status == ReportStatus.APPROVED:
        raise ReportingError("本报送已审核通过并锁定；如需修改，请素质办先重新开放。")
    if report.status == ReportStatus.SUBMITTED:
        raise ReportingError("本报送已提交，等待审核；审核退回后才能修改。")
    if report.status == ReportStatus.DRAFT and today() > report.cycle.lock_date:
        raise ReportingError(
            f"本周期已于 {day_text(report.cycle.lock_date)} 锁定，请联系素质办开放后再填报。"
        )


def entry_state(entry: Entry) -> dict[str, Any]:
    values = {str(v.target_id): v.value for v in entry.values.all()}
    return {"status": entry.status, "percent": entry.percent, "narrative": entry.narrative, "values": values}


@transaction.atomic
def save_entry(
    actor: User | None,
    entry: Entry,
    *,
    version: int,
    status: str,
    percent: int | None,
    narrative: str,
    values: dict[int, float | None] | None = None,
) -> Entry:
    """Save a task's progress if nobody saved it since ``version`` was read; else raise Conflict."""
    entry = Entry.objects.select_for_update().select_related("report__cycle").get(pk=entry.pk)
    _check_editable(entry.report)
    if entry.version != version:
        label = ProgressStatus(entry.status).label if entry.status else ""
        raise Conflict(
            entry,
            entry_state(entry)
            | {"by": str(entry.updated_by or ""), "at": entry.updated_at, "status_label": label},
        )
    _write_entry(actor, entry, status, percent, narrative, values or {})
    return entry


def _write_entry(
    actor: User | None,
    entry: Entry,
    status: str,
    percent: int | None,
    narrative: str,
    values: dict[int, float | None],
) -> None:
    _validate_entry(entry, status, percent)
    before = entry_state(entry)
    entry.status, entry.percent, entry.narrative = status, percent, narrative.strip()
    entry.version += 1
    entry.updated_by, entry.updated_at = actor, timezone.now()
    entry.save(update_fields=["status", "percent", "narrative", "version", "updated_by", "updated_at"])
    entry.__dict__.pop("filled", None)  # the database recomputed it: read afresh if asked
    if entry.is_lead:
        allowed = set(entry.task.targets.values_list("pk", flat=True))
        for target_id, value in values.items():
            if target_id not in allowed:
                raise ReportingError("目标不属于该任务。")
            if value is None:
                TargetValue.objects.filter(entry=entry, target_id=target_id).delete()
            else:
                TargetValue.objects.update_or_create(
                    entry=entry, target_id=target_id, defaults={"value": value}
                )
    after = entry_state(entry)
    if before != after:
        audit.record(
            actor, "entry.save", entry, region=entry.report.cycle.plan.region, before=before, after=after
        )


def _validate_entry(entry: Entry, status: str, percent: int | None) -> None:
    if status and status not in ProgressStatus.values:
        raise ReportingError(f"进展状态“{status}”无效，应为未启动、推进中、已完成或滞后。")
    if percent is not None and not 0 <= percent <= 100:
        raise ReportingError("完成比例应在 0 到 100 之间。")
    if status == ProgressStatus.DONE and percent is not None and percent < 100:
        raise ReportingError("状态为“已完成”时，完成比例应为 100%。")


@transaction.atomic
def add_evidence(
    actor: User | None,
    entry: Entry,
    data: bytes,
    filename: str,
    max_bytes: int = EVIDENCE_MAX_MB * 1024 * 1024,
) -> Evidence:
    _check_editable(entry.report)
    if len(data) > max_bytes:
        raise ReportingError(f"文件超过 {max_bytes // (1024 * 1024)} MB 的上限，请压缩后再上传。")
    kind = sniff(data, filename)
    if kind is None:
        raise ReportingError(
            f"“{filename}”不是可接受的佐证材料：只接受{ALLOWED_LABEL}（按文件内容识别，不看扩展名）。"
        )
    evidence = Evidence(
        entry=entry,
        filename=filename[:200],
        kind=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    evidence.file.save(f"e{entry.pk}-{evidence.sha256[:12]}.{kind}", ContentFile(data), save=False)
    evidence.save()
    audit.record(
        actor,
        "evidence.add",
        entry,
        region=entry.report.cycle.plan.region,
        after={"file": evidence.filename, "kind": kind, "size": len(data)},
    )
    return evidence


@transaction.atomic
def remove_evidence(actor: User | None, evidence: Evidence) -> None:
    entry = evidence.entry
    _check_editable(entry.report)
    audit.record(
        actor,
        "evidence.remove",
        entry,
        region=entry.report.cycle.plan.region,
        before={"file": evidence.filename},
    )
    evidence.file.delete(save=False)
    evidence.delete()


# ---- submission and review ----------------------------------------------------------------------

# Cycle.kind → a check run inside submit_report (the report row locked) before the submission is
# stored; it raises ReportingError with the user's message. Progress cycles have none.
SUBMIT_CHECKS: dict[str, Callable[[Report], None]] = {}


def register_submit_check(kind: str, check: Callable[[Report], None]) -> None:
    SUBMIT_CHECKS[kind] = check


# Cycle.kind → the URL of the page showing a report of that kind (its own form); the report page
# sends readers there, so submit, review and reopen (which return to the report page) land on it.
REPORT_PAGES: dict[str, Callable[[Report], str]] = {}


def register_report_page(kind: str, page: Callable[[Report], str]) -> None:
    REPORT_PAGES[kind] = page


@transaction.atomic
def submit_report(actor: User | None, report: Report | int, *, as_writer: bool = False) -> Submission:
    """Submit once: the row lock makes a second submit of the same round wait, then return the first.

    ``as_writer``: the actor must be one who writes the report (``Report.is_writable_by``), else
    ``Report.DoesNotExist``, as for a report that does not exist. Submission is the hot path at a
    deadline: the lock, the submission and the status are written-out statements (docs/reporting.md).
    """
    locked = Report.objects.locked_for_submit(report if isinstance(report, int) else report.pk)
    if locked is None or (as_writer and not locked[0].is_writable_by(actor or AnonymousUser())):
        raise Report.DoesNotExist("没有这份报送，或您不能提交它。")
    report, has_missing = locked
    if report.is_handed_in:
        existing = report.submissions.order_by("-round").first()
        if existing is not None:
            return existing
    if report.status == ReportStatus.DRAFT and today() > report.cycle.lock_date:
        raise ReportingError(
            f"本周期已于 {day_text(report.cycle.lock_date)} 锁定，请联系素质办开放后再提交。"
        )
    if has_missing:
        missing = list(
            report.entries.filter(filled=False).order_by("task__order").values_list("task__title", flat=True)
        )
        names = "；".join(title[:30] for title in missing[:5])
        raise ReportingError(
            f"还有 {len(missing)} 项任务未填写完整（{names}），请填写进展情况及状态后再提交。"
        )
    check = SUBMIT_CHECKS.get(report.cycle.kind)
    if check is not None:
        check(report)  # another app's form (e.g. 科普统计) refuses with a ReportingError
    now = timezone.now()
    first = report.first_submitted_at or now
    on_time = rules.is_on_time(timezone.localdate(first), report.cycle.timely_date)
    before = {"status": report.status, "round": report.round}
    # The unique (report, round) constraint backs the row lock: a duplicate can never be stored.
    submission = Submission(
        report=report, round=report.round + 1, submitted_by=actor, submitted_at=now, on_time=on_time
    )
    db_rows.insert(submission)
    report.status, report.round, report.version = ReportStatus.SUBMITTED, report.round + 1, report.version + 1
    report.submitted_at, report.first_submitted_at = now, first
    report.on_time = report.on_time if report.on_time is not None else on_time
    db_rows.update(report, ["status", "round", "version", "submitted_at", "first_submitted_at", "on_time"])
    event = audit.capture(
        actor,
        "report.submit",
        report,
        before=before,
        after={"status": report.status, "round": report.round, "on_time": on_time},
        at=now,
    )
    follow_up_submission(report.pk, report.round, _id(actor), event)
    return submission


def follow_up_submission(report_id: int, round: int, actor_id: int | None, event: dict[str, Any]) -> None:
    """A submit's audit event and the office's message. With the database queue (the default), one
    task row written in the submit's own transaction carries both: an outbox, as certain as the
    submission itself, while the request neither takes the audit chain's lock (which made submits
    commit one at a time) nor composes anything. Any other queue is not part of the transaction: the
    event is written now, and the message follows the commit."""
    if notify.queue_commits_with_the_action():
        enqueue_written_out(submission_followed_up, report_id, round, actor_id, event)
    else:
        _audit_submission(report_id, event)
        notify.after_commit(notify.report_submitted, report_id, round, actor_id)


# Not on commit by itself: queued inside the submit's transaction (``follow_up_submission``).
@task(enqueue_on_commit=False)
def submission_followed_up(report_id: int, round: int, actor_id: int | None, event: dict[str, Any]) -> int:
    """The worker's half of a submit: its audit event (at the time and from the address of the
    request), then the office's message; returns how many messages are new. Safe to run twice."""
    if not _audit_submission(report_id, event):
        return 0  # the report was deleted (its plan with it) before the worker came: no one to tell
    return notify.report_submitted(report_id, round, actor_id)


def _audit_submission(report_id: int, event: dict[str, Any]) -> bool:
    """Write the submit's event; whether the report still exists (the event is written either way)."""
    report = Report.objects.select_related("cycle__plan", "unit").filter(pk=report_id).first()
    if report is None:
        audit.record_captured(event, target_repr=f"报送 #{report_id}（已删除）", region_id=None)
        return False
    audit.record_captured(event, target_repr=str(report), region_id=report.cycle.plan.region_id)
    return True


@transaction.atomic
def review_report(
    actor: User | None, report: Report, *, approve: bool, comments: dict[int, str], overall: str = ""
) -> Report:
    """Approve (locks the data) or return with a comment per task; both go into each task's history."""
    report = Report.objects.select_for_update().select_related("cycle__plan__region").get(pk=report.pk)
    if report.status != ReportStatus.SUBMITTED:
        raise ReportingError("只有已提交、待审核的报送可以审核。")
    comments = {k: v.strip() for k, v in comments.items() if v and v.strip()}
    if not approve and not comments and not overall.strip():
        raise ReportingError("退回时请至少对一项任务写明修改意见。")
    before = audit.snapshot(report, ["status"])
    entries = {e.pk: e for e in report.entries.all()}
    for entry_id, entry in entries.items():
        entry.review_comment = comments.get(entry_id, "")
    Entry.objects.bulk_update(entries.values(), ["review_comment"])
    report.status = ReportStatus.APPROVED if approve else ReportStatus.RETURNED
    report.reviewed_at, report.reviewed_by, report.review_comment = timezone.now(), actor, overall.strip()
    report.reopened = False
    report.version += 1
    report.save(
        update_fields=["status", "reviewed_at", "reviewed_by", "review_comment", "reopened", "version"]
    )
    audit.record(
        actor,
        "report.approve" if approve else "report.return",
        report,
        region=report.cycle.plan.region,
        before=before,
        after={"status": report.status, "comments": {str(k): v for k, v in comments.items()}},
        note=overall[:500],
    )
    if approve:
        transaction.on_commit(lambda: push_indicator_values(actor, report))
    # After commit: the report row stays locked until then, and no message tells of a rolled-back review.
    notify.after_commit(notify.report_approved if approve else notify.report_returned, report.pk, _id(actor))
    return report


@transaction.atomic
def approve_together(actor: User | None, cycle: Cycle, reports: ReportQuerySet) -> list[Report]:
    """Approve at once every report of ``cycle`` in ``reports`` that waits for review and has no
    returned task; each is approved as one by one would be (its own event, values pushed), and the
    batch is one more event on the cycle naming the units."""
    eligible = list(
        reports.filter(cycle=cycle).awaiting_review().with_no_returned_task().select_related("unit")
    )
    if not eligible:
        raise ReportingError("没有可批量审核通过的报送：只有已提交、且没有退回修改任务的报送可以批量通过。")
    approved = [review_report(actor, report, approve=True, comments={}) for report in eligible]
    audit.record(
        actor,
        "cycle.approve_together",
        cycle,
        region=cycle.plan.region,
        after={"reports": [r.pk for r in eligible], "units": [r.unit.name for r in eligible]},
    )
    return approved


@transaction.atomic
def reopen_report(actor: User | None, report: Report, reason: str) -> Report:
    """Unlock approved (or locked-out) data for correction; the reason is kept in the audit trail."""
    if not reason.strip():
        raise ReportingError("请说明重新开放的理由。")
    report = Report.objects.select_for_update().select_related("cycle__plan__region").get(pk=report.pk)
    if report.status not in (ReportStatus.APPROVED, ReportStatus.DRAFT, ReportStatus.SUBMITTED):
        raise ReportingError("该报送当前已可修改，无需重新开放。")
    before = audit.snapshot(report, ["status"])
    report.status, report.reopened = ReportStatus.RETURNED, True
    report.review_comment = reason.strip()
    report.version += 1
    report.save(update_fields=["status", "review_comment", "reopened", "version"])
    audit.record(
        actor,
        "report.reopen",
        report,
        region=report.cycle.plan.region,
        before=before,
        after={"status": report.status},
        note=reason.strip(),
    )
    notify.after_commit(notify.report_reopened, report.pk, report.version, _id(actor))
    return report


def _id(actor: User | None) -> int | None:
    """The actor's id for a message sent after commit (the row is read again then)."""
    return actor.pk if actor is not None and actor.is_authenticated else None


# ---- xlsx round trip ----------------------------------------------------------------------------

STATUS_BY_LABEL = {str(label): value for value, label in ProgressStatus.choices}


@dataclass
class ImportRow:
    """One task's row of an uploaded workbook; ``version`` is the entry's version when it was downloaded."""

    entry: Entry
    status: str
    percent: int | None
    narrative: str
    version: int
    where: str = ""  # the row in the user's words, e.g. “任务进展”第 3 行
    values: dict[int, float | None] = field(default_factory=dict)


@transaction.atomic
def import_report_rows(actor: User | None, report: Report, rows: Iterable[ImportRow]) -> int:
    """Apply validated rows, every one or none; returns how many tasks changed.

    Under the row locks, a row whose task was saved by anyone since the download refuses the whole
    file — unless the row equals what is saved now (a re-upload of the same file), which is skipped."""
    report = Report.objects.select_for_update().select_related("cycle__plan__region").get(pk=report.pk)
    _check_editable(report)
    wanted = {row.entry.pk: row for row in rows}
    # Ordered by pk, not by the model's task order, which would join and lock the plan's tasks too.
    locked = {
        e.pk: e
        for e in Entry.objects.select_for_update(of=("self",))
        .select_related("task", "updated_by")
        .filter(report=report, pk__in=wanted)
        .order_by("pk")
    }
    if len(locked) < len(wanted):
        raise ReportingError("报送表中有不属于本报送的任务，请重新下载报送表后再填写。")
    saved: dict[int, dict[int, float]] = {}
    for entry_id, target_id, value in TargetValue.objects.filter(entry__in=locked).values_list(
        "entry_id", "target_id", "value"
    ):
        saved.setdefault(entry_id, {})[target_id] = value
    changed = [row for pk, row in wanted.items() if not _unchanged(locked[pk], row, saved.get(pk, {}))]
    stale = [
        _stale(locked[row.entry.pk], row) for row in changed if locked[row.entry.pk].version != row.version
    ]
    if stale:
        raise ReportingError("；".join(stale))
    for row in changed:
        entry = locked[row.entry.pk]
        entry.report = report
        _write_entry(actor, entry, row.status, row.percent, row.narrative, row.values)
    if changed:
        audit.record(
            actor, "report.import", report, region=report.cycle.plan.region, after={"rows": len(changed)}
        )
    return len(changed)


def _unchanged(entry: Entry, row: ImportRow, saved_values: dict[int, float]) -> bool:
    return (row.status, row.percent, row.narrative.strip()) == (
        entry.status,
        entry.percent,
        entry.narrative,
    ) and all(saved_values.get(target_id) == value for target_id, value in row.values.items())


def _stale(entry: Entry, row: ImportRow) -> str:
    when = f" 于 {moment_text(entry.updated_at)}" if entry.updated_at else ""
    return (
        f"{row.where or '任务'}（{entry.task.title[:30]}）：下载后已被 {entry.updated_by or '他人'}{when} 修改，"
        "请重新下载报送表后再填写。"
    )


# ---- indicators (written last: reporting works without any target link) -------------------------


def push_indicator_values(actor: User | None, report: Report) -> int:
    """Send approved target values whose target is linked to an indicator to the indicators app.

    Without a link on the target nothing is sent. A value the indicators app refuses is logged,
    never undoes the approval the office already made.
    """
    # The one call from reporting up to indicators (docs/architecture.md, "Layers"): imported here,
    # never at module level, because indicators reads reporting's figures for its dashboards.
    from kesu.indicators.actions import record_value, values_batch
    from kesu.indicators.models import TargetLink

    values = list(
        TargetValue.objects.filter(entry__report=report).select_related(
            "entry__task", "entry__report__unit", "entry__report__cycle__plan__region"
        )
    )
    links = {
        link.target_id: link
        for link in TargetLink.objects.filter(target__in=[v.target_id for v in values]).select_related(
            "indicator"
        )
    }
    sent = 0
    with values_batch():  # one roll-up of the stored figures for the whole report, not one per value
        for value in values:
            link = links.get(value.target_id)
            if link is None:
                continue
            cycle = value.entry.report.cycle
            about = f"{report.unit.name} · {cycle.period_label} · {value.entry.task.title}"
            provenance = f"报送 #{report.pk}：{about}"[:300]
            try:
                with transaction.atomic():
                    record_value(
                        actor,
                        link.indicator.code,
                        cycle.plan.region,
                        cycle.period,
                        value.value,
                        disaggregation=link.disaggregation or None,
                        source="report",
                        provenance=provenance,
                    )
            except Exception:
                log.exception("推送指标值失败：报送 %s 目标 %s", report.pk, value.target_id)
                continue
            sent += 1
    return sent
