"""Reminders (提醒 before the due date, 催办 after it) and other messages, through pluggable channels.

Every message is an in-app Notification with a unique key, so running ``kesu send_reminders`` twice
on a day sends nothing twice. E-mail goes through Django's mail backend; SMS and WeChat are
channels named in ``KESU_REMINDER_CHANNELS`` (default ``log``, which only writes to the log).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from kesu.accounts.models import Role, User
from kesu.core import audit
from kesu.core.formats import day_text
from kesu.core.models import AuditEvent
from kesu.reporting.models import Cycle, Delivery, Notice, Notification, Report

if TYPE_CHECKING:
    from kesu.regions.models import Unit

log = logging.getLogger("kesu.reporting.channels")

# A channel takes (user, title, body) and says whether it went out and why not.
Channel = Callable[[User, str, str], tuple[bool, str]]


def log_channel(user: User, title: str, body: str) -> tuple[bool, str]:
    """The default SMS/WeChat stand-in: offices plug in their gateway; until then, the log has it."""
    log.info("提醒 → %s（%s）：%s", user, user.mobile or "无手机号", title)
    return True, "已写入日志"


def email_channel(user: User, title: str, body: str) -> tuple[bool, str]:
    if not user.email:
        return False, "未登记邮箱"
    send_mail(title, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
    return True, user.email


@dataclass(frozen=True)
class Message:
    key: str
    kind: str  # 提醒 / 催办 / 督办 / 退回
    title: str
    body: str
    url: str


def extra_channels() -> dict[str, Channel]:
    """``KESU_REMINDER_CHANNELS=log`` or ``sms=mypkg.sms:send,wechat=mypkg.wx:send``."""
    spec = settings.KESU_REMINDER_CHANNELS
    channels: dict[str, Channel] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, target = item.partition("=")
        if not target:
            channels[name] = log_channel
            continue
        module, _, attr = target.partition(":")
        channels[name] = getattr(importlib.import_module(module), attr)
    return channels


def unit_users(unit: Unit) -> list[User]:
    """The unit's liaisons; a sub-region government's report goes to that region's office."""
    users = list(User.objects.filter(memberships__role=Role.LIAISON, memberships__unit=unit, is_active=True))
    if not users and unit.kind == "subregion":
        users = list(
            User.objects.filter(
                memberships__role=Role.OFFICE, memberships__region=unit.region_id, is_active=True
            )
        )
    return users


def deliver(user: User, message: Message) -> Notification | None:
    """Send a message once per user and key; None when it was already sent."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                key=message.key[:120],
                kind=message.kind,
                title=message.title[:200],
                body=message.body,
                url=message.url,
            )
    except IntegrityError:
        return None
    Delivery.objects.create(notification=notification, channel="site", ok=True, detail="站内消息")
    channels: dict[str, Channel] = {"email": email_channel, **extra_channels()}
    for name, channel in channels.items():
        try:
            ok, detail = channel(user, message.title, message.body)
        except Exception as error:  # a failing gateway is recorded, never stops the other messages
            ok, detail = False, f"发送失败：{error}"[:300]
        Delivery.objects.create(notification=notification, channel=name, ok=ok, detail=detail[:300])
    return notification


def deliver_to_unit(unit: Unit, message: Message) -> int:
    return sum(1 for user in unit_users(unit) if deliver(user, message) is not None)


def reminder_for(report: Report, on: date) -> Message | None:
    """提醒 within the warning days before the due date; 催办 each week after it, until in or locked."""
    cycle = report.cycle
    if report.is_handed_in or on > cycle.lock_date:
        return None
    days_left = (cycle.due_date - on).days
    url = report.get_absolute_url()
    title_base = f"{cycle.plan.title} · {cycle.period_label}"
    if 0 <= days_left <= cycle.warn_days:
        return Message(
            f"remind:{report.pk}:{report.round}",
            "提醒",
            f"【提醒】{title_base}报送将于{days_left}天后截止",
            f"{report.unit.name}：请于 {day_text(cycle.due_date)} 前提交{cycle.period_label}工作进展。",
            url,
        )
    if days_left < 0:
        week = (-days_left - 1) // 7
        return Message(
            f"urge:{report.pk}:{report.round}:{week}",
            "催办",
            f"【催办】{title_base}报送已逾期{-days_left}天",
            f"{report.unit.name}：报送截止日 {day_text(cycle.due_date)} 已过，请尽快提交。",
            url,
        )
    return None


def send_reminders(on: date) -> int:
    """Remind every unit whose report is not in; each reminder is recorded once and audited once."""
    sent = 0
    cycles = Cycle.objects.filter(due_date__gte=on - timedelta(days=365)).select_related("plan__region")
    for cycle in cycles:
        if on > cycle.lock_date:
            continue
        reports = cycle.reports.not_handed_in()
        for report in reports.select_related("unit", "cycle__plan"):
            message = reminder_for(report, on)
            if message is not None:
                sent += _remind(report, message)
    return sent


def _remind(report: Report, message: Message) -> int:
    """Deliver to the unit's users and audit it; a unit nobody can receive for is audited once per
    reminder, so the office sees in the task's history that the reminder went nowhere."""
    verb = "report.remind" if message.kind == "提醒" else "report.urge"
    region = report.cycle.plan.region
    with transaction.atomic():
        delivered = deliver_to_unit(report.unit, message)
        if delivered:
            audit.record(
                None,
                verb,
                report,
                region=region,
                after={"key": message.key, "recipients": delivered},
                note=message.title,
            )
        elif (
            not unit_users(report.unit)
            and not AuditEvent.objects.for_target(report).filter(verb=verb, after__key=message.key).exists()
        ):
            audit.record(
                None,
                verb,
                report,
                region=region,
                after={"key": message.key, "recipients": 0},
                note=f"{message.title}：{report.unit.name}没有可用的联络员账号，未能送达，请为该单位开通账号。",
            )
    return delivered


def report_returned(report: Report) -> None:
    """Run after the review commits (``transaction.on_commit``), like ``notice_issued``: the channels
    may be slow, and no message goes out for a review that was rolled back."""
    message = Message(
        f"return:{report.pk}:{report.round}",
        "退回",
        f"【退回】{report}需修改后重新提交",
        report.review_comment or "素质办已退回，请查看各项任务的审核意见。",
        report.get_absolute_url(),
    )
    deliver_to_unit(report.unit, message)


def notice_issued(notice: Notice) -> None:
    message = Message(
        f"notice:{notice.pk}:{notice.level}",
        "督办",
        f"【督办】{notice.task.title[:60]}",
        f"{notice.requirement}\n办理时限：{day_text(notice.deadline)}",
        notice.get_absolute_url(),
    )
    deliver_to_unit(notice.unit, message)
