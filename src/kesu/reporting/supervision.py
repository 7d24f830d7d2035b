"""督办: 交办 (issue) → 签收 (sign) → 反馈 (respond) → 办结 (close) or 升级督办 (escalate)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from kesu.core import audit
from kesu.core.formats import day_text
from kesu.plans.models import Task
from kesu.regions.models import Region, Unit
from kesu.reporting import notify
from kesu.reporting.actions import EVIDENCE_MAX_MB, ReportingError
from kesu.reporting.models import Cycle, Notice, NoticeSequence, NoticeStatus
from kesu.reporting.sniff import ALLOWED_LABEL, sniff

if TYPE_CHECKING:
    from kesu.accounts.models import User

FIELDS = ["status", "level", "deadline", "response", "response_filename", "closing_note"]


def _next_number(region: Region) -> str:
    """督〔2025〕3号: the region's next number this year. The sequence row stays locked until the
    issuing transaction ends, so concurrent issues wait for each other instead of counting alike."""
    year = timezone.localdate().year
    sequence, _ = NoticeSequence.objects.select_for_update().get_or_create(region=region, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"督〔{year}〕{sequence.last}号"


@transaction.atomic
def issue_notice(
    actor: User | None, task: Task, unit: Unit, requirement: str, deadline: date, cycle: Cycle | None = None
) -> Notice:
    if not requirement.strip():
        raise ReportingError("请写明督办要求。")
    region = task.plan.region
    notice = Notice.objects.create(
        region=region,
        task=task,
        unit=unit,
        cycle=cycle,
        number=_next_number(region),
        requirement=requirement.strip(),
        deadline=deadline,
        issued_by=actor,
        issued_at=timezone.now(),
    )
    audit.record(
        actor,
        "notice.issue",
        notice,
        region=notice.region,
        after=audit.snapshot(notice, FIELDS),
        note=f"{notice.number}：{notice.requirement[:60]}（办理时限 {day_text(deadline)}）",
    )
    _notify_after_commit(notify.notice_issued, notice, actor)
    return notice


def _notify_after_commit(trigger: Callable[..., int], notice: Notice, actor: User | None) -> None:
    # Messages go out once the notice is committed and its row unlocked, so a slow channel never
    # holds the transaction open, and no message tells of a step that was rolled back.
    notify.after_commit(
        trigger, notice.pk, actor.pk if actor is not None and actor.is_authenticated else None
    )


def _step(actor: User | None, notice: Notice, step: str, note: str = "", **changes: object) -> Notice:
    """One step of the notice (``Notice.allows`` decides whether its state admits it), with its time
    and an audit event ``notice.<step>`` whose note the task history shows."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if not notice.allows(step):
        raise ReportingError(
            f"督办单 {notice.number} 当前为“{notice.get_status_display()}”，不能进行此操作。"
        )
    before = audit.snapshot(notice, FIELDS)
    for name, value in changes.items():
        setattr(notice, name, value)
    notice.save()
    audit.record(
        actor,
        f"notice.{step}",
        notice,
        region=notice.region,
        before=before,
        after=audit.snapshot(notice, FIELDS),
        note=f"{notice.number}{'：' + note if note else ''}",
    )
    return notice


@transaction.atomic
def sign_notice(actor: User | None, notice: Notice) -> Notice:
    notice = _step(actor, notice, "sign", status=NoticeStatus.SIGNED, signed_at=timezone.now())
    _notify_after_commit(notify.notice_signed, notice, actor)
    return notice


@transaction.atomic
def respond_notice(
    actor: User | None, notice: Notice, response: str, attachment: tuple[bytes, str] | None = None
) -> Notice:
    """反馈, optionally with one file (typed by its content, within the evidence size limit)."""
    if not response.strip():
        raise ReportingError("请填写办理情况。")
    files: dict[str, object] = {}
    if attachment is not None:
        data, filename = attachment
        if len(data) > EVIDENCE_MAX_MB * 1024 * 1024:
            raise ReportingError(f"附件超过 {EVIDENCE_MAX_MB} MB 的上限，请压缩后再上传。")
        kind = sniff(data, filename)
        if kind is None:
            raise ReportingError(f"“{filename}”不是可接受的附件：只接受{ALLOWED_LABEL}（按文件内容识别）。")
        stored = ContentFile(data, name=f"n{notice.pk}-{hashlib.sha256(data).hexdigest()[:12]}.{kind}")
        files = {"response_file": stored, "response_filename": filename[:200], "response_kind": kind}
    notice = _step(
        actor,
        notice,
        "respond",
        note=response.strip()[:60],
        status=NoticeStatus.RESPONDED,
        response=response.strip(),
        responded_at=timezone.now(),
        **files,
    )
    _notify_after_commit(notify.notice_answered, notice, actor)
    return notice


@transaction.atomic
def close_notice(actor: User | None, notice: Notice, note: str) -> Notice:
    notice = _step(
        actor,
        notice,
        "close",
        note=note.strip()[:60],
        status=NoticeStatus.CLOSED,
        closing_note=note.strip(),
        closed_at=timezone.now(),
    )
    _notify_after_commit(notify.notice_closed, notice, actor)
    return notice


@transaction.atomic
def escalate_notice(actor: User | None, notice: Notice, note: str, deadline: date) -> Notice:
    """The response fell short or the deadline passed: a higher-level notice the unit signs again."""
    if not note.strip():
        raise ReportingError("请写明升级督办的理由和要求。")
    notice = _step(
        actor,
        notice,
        "escalate",
        note=f"{note.strip()[:60]}（新的办理时限 {day_text(deadline)}）",
        status=NoticeStatus.ESCALATED,
        closing_note=note.strip(),
        deadline=deadline,
        level=notice.level + 1,
        escalated_at=timezone.now(),
    )
    _notify_after_commit(notify.notice_issued, notice, actor)
    return notice
