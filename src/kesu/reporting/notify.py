"""What reporting tells people, through the message centre (``kesu.messaging``).

Every trigger composes its message once per recipient (``compose(user) -> Draft | None``): the
recipient must see the object through the same ``visible_to`` rule the pages use, and the text names
only what that rule admits (a liaison's return lists its own unit's tasks, never another unit's).
Recipients told exactly the same thing share one ``messaging.notify`` call. Each message says what
to do and links to the page where it is done. Keys make every message unique per recipient, so a
trigger that runs twice (``kesu send_reminders`` on the same day, a retried callback or job) sends
nothing twice. Triggers run after the action's transaction commits (``transaction.on_commit``), and
sending happens in background jobs, so a slow or failing channel never holds or undoes the action.

Triggers that tell many people (a cycle opened: every unit of the plan; 考核 published) are composed
in a background task too (``compose_messages``, queued with the action's commit, see
``after_commit``): the office's request only queues it, whatever the number of units. So is a
report's submission: at a deadline hundreds arrive in the same minute, and the liaison's answer
should not wait for the office's message (docs/reporting.md, "Speed where people wait"). A report's
other events (returned, a 督办) compose inline: a handful of queries. The reminder ladder and
overdue 督办 run in ``kesu send_reminders`` (cron), which is itself outside any request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Model, QuerySet
from django_tasks import task
from django_tasks.backends.database import DatabaseBackend

from kesu.accounts.models import Membership, Role, User
from kesu.core import audit
from kesu.core.formats import day_text, moment_text
from kesu.core.models import AuditEvent
from kesu.messaging import actions as messaging
from kesu.reporting.models import Cycle, Entry, Notice, NoticeStatus, Report, Scheme

if TYPE_CHECKING:
    from kesu.regions.models import Region, Unit


@dataclass(frozen=True)
class Draft:
    """What one recipient is told: a title, what to do, and the page to do it on."""

    title: str
    body: str
    url: str


Compose = Callable[[User], "Draft | None"]
log = logging.getLogger("kesu.reporting")


# ---- recipients ---------------------------------------------------------------------------------


def _active(users: QuerySet[User]) -> list[User]:
    return list(users.filter(is_active=True).distinct().order_by("pk"))


def unit_users(unit: Unit) -> list[User]:
    """The unit's liaisons; a sub-region government's report goes to that region's office."""
    users = _active(User.objects.filter(memberships__role=Role.LIAISON, memberships__unit=unit))
    if not users and unit.kind == "subregion":
        users = office_users(unit.region_id)
    return users


def office_users(region_id: int) -> list[User]:
    """The office of one region (not the offices above it: they read, the region's own office acts)."""
    return _active(User.objects.filter(memberships__role=Role.OFFICE, memberships__region_id=region_id))


def leader_users(region_id: int) -> list[User]:
    return _active(User.objects.filter(memberships__role=Role.LEADER, memberships__region_id=region_id))


def sees(user: User, model: type[Model], pk: int) -> bool:
    """Whether ``user`` reaches the row through its model's ``visible_to`` (the pages' one rule)."""
    return bool(model.objects.visible_to(user).filter(pk=pk).exists())  # type: ignore[attr-defined]


def send(
    kind: str,
    users: Iterable[User],
    compose: Compose,
    *,
    key: str,
    region: Region | None,
    actor: User | None = None,
    group: Unit | Region | None = None,
) -> int:
    """Compose for each recipient (None: not theirs to read, nothing sent) and store the messages;
    returns how many are new (a key already sent to a recipient is not sent again).

    ``group``: the unit's or office's working group robots get the message too, with the text the
    group's own members are given (a unit's group reads what its liaisons read, an office's group what
    the office reads), composed for the first recipient who may see it."""
    shown: list[Draft] = []

    def composed(user: User) -> tuple[str, str, str] | None:
        draft = compose(user)
        if draft is None:
            return None
        shown.append(draft)
        return draft.title[:200], draft.body, draft.url

    created = messaging.notify_each(users, kind, composed, key=key[:120], region=region, actor=actor)
    if group is not None and shown:
        draft = shown[0]
        messaging.notify_group(
            group,
            kind,
            title=draft.title,
            body=draft.body,
            url=draft.url,
            key=key,
            region=region,
            actor=actor,
        )
    return len(created)


def _actor(actor_id: int | None) -> User | None:
    return User.objects.filter(pk=actor_id).first() if actor_id else None


def after_commit(trigger: Callable[..., int], *args: int | None) -> None:
    """Run a trigger once the action's transaction has committed (never inside it or its row locks):
    a trigger that tells many people is queued as a background task, the others run right away.
    Robust: a trigger that fails is logged, and the action, already committed, answers as it would.

    When the queue is a table of this database (django-tasks' database backend, the default), the
    task's row is written inside the action's transaction instead: it commits with the action, so a
    submit costs one commit (one disk flush) rather than two, and no message can be lost between
    them. The worker sees the row only once the action has committed. A row that cannot be written
    fails the action with it: that queue is the very database the action writes to."""
    if BACKGROUND.get(trigger.__name__) is not trigger:
        transaction.on_commit(lambda: trigger(*args), robust=True)
    elif queue_commits_with_the_action():
        compose_messages.enqueue(trigger.__name__, *args)
    else:
        transaction.on_commit(lambda: _queue(trigger, args), robust=True)


def queue_commits_with_the_action() -> bool:
    """Whether the task queue is a table of this database (django-tasks' database backend, the
    default): a task queued inside an action's transaction then commits with it, or not at all."""
    return isinstance(compose_messages.get_backend(), DatabaseBackend)


# Not on commit by itself: ``after_commit`` decides when it is queued.
@task(enqueue_on_commit=False)
def compose_messages(trigger: str, *args: int | None) -> int:
    """The background task of a trigger that tells many people; returns how many messages are new.
    Safe to run twice: each message's key is sent once per recipient."""
    return BACKGROUND[trigger](*args)


def _queue(trigger: Callable[..., int], args: tuple[int | None, ...]) -> None:
    try:
        compose_messages.enqueue(trigger.__name__, *args)
    except Exception:
        # The queue is unreachable: better the office waits for its messages than nobody gets them.
        log.exception("could not queue %s; composing now", trigger.__name__)
        trigger(*args)


# ---- cycles and reports -------------------------------------------------------------------------


def _report(report_id: int) -> Report:
    return Report.objects.select_related("cycle__plan__region", "unit__region").get(pk=report_id)


def _plan(report: Report) -> str:
    """《方案》 as a body names it: the title says the period and what to do, the body which plan."""
    return f"《{report.cycle.plan.title}》"


def cycle_opened(cycle_id: int, actor_id: int | None = None) -> int:
    """Each unit of the cycle: its report is open, how many tasks it has, and by when. Run as a
    background task; its queries grow with recipients and reports, each unit's group robots are
    planned in one batch."""
    cycle = Cycle.objects.select_related("plan__region").get(pk=cycle_id)
    actor = _actor(actor_id)
    reports = list(
        cycle.reports.select_related("unit__region").annotate(tasks=Count("entries")).order_by("pk")
    )
    recipients = _unit_users_of([report.unit for report in reports])
    readable = _readable_reports(cycle, {u.pk: u for users in recipients.values() for u in users})
    when = day_text(cycle.due_date)
    sent, groups = 0, list[messaging.GroupMessage]()
    for report in reports:
        report.cycle = cycle
        draft = Draft(
            f"【报送开启】{cycle.period_label}报送已开启，{when}截止",
            f"{report.unit.name}：{_plan(report)}{cycle.period_label}报送已开启，本单位共 "
            f"{report.tasks} 项任务，请于 {when} 前填写进展并提交。",
            report.get_absolute_url(),
        )
        users = [u for u in recipients[report.unit_id] if report.pk in readable[u.pk]]
        key = f"cycle_opened:{report.pk}"
        sent += send("cycle_opened", users, _told(draft), key=key, region=cycle.plan.region, actor=actor)
        if users:  # the unit's group reads what its liaisons read
            groups.append(messaging.GroupMessage(report.unit, draft.title, draft.body, draft.url, key))
    messaging.notify_groups(groups, "cycle_opened", region=cycle.plan.region, actor=actor)
    return sent


def _told(draft: Draft) -> Compose:
    """Everyone given the draft (already checked through ``visible_to``) reads the same text."""
    return lambda user: draft


def _unit_users_of(units: list[Unit]) -> dict[int, list[User]]:
    """``unit_users`` of many units: their liaisons in one query (a sub-region government without
    its own liaison falls back to its region's office, as ``unit_users`` does)."""
    found: dict[int, dict[int, User]] = {unit.pk: {} for unit in units}
    liaisons = Membership.objects.filter(
        role=Role.LIAISON, unit_id__in=list(found), user__is_active=True
    ).select_related("user")
    for membership in liaisons.order_by("user_id"):
        found[membership.unit_id][membership.user_id] = membership.user  # type: ignore[index]
    by_unit = {unit_id: list(users.values()) for unit_id, users in found.items()}
    for unit in units:
        if not by_unit[unit.pk] and unit.kind == "subregion":
            by_unit[unit.pk] = office_users(unit.region_id)
    return by_unit


def _readable_reports(cycle: Cycle, users: dict[int, User]) -> dict[int, set[int]]:
    """Per recipient, the cycle's reports its ``visible_to`` admits (one query per recipient)."""
    return {
        pk: set(Report.objects.visible_to(user).filter(cycle=cycle).values_list("pk", flat=True))
        for pk, user in users.items()
    }


def report_submitted(report_id: int, round: int, actor_id: int | None = None) -> int:
    """The reviewing office (the plan's region's): which unit handed in, and that it waits for review."""
    report = _report(report_id)
    again = round > 1

    def compose(user: User) -> Draft | None:
        if not sees(user, Report, report.pk):
            return None
        when = moment_text(report.submitted_at) if report.submitted_at else ""
        return Draft(
            f"【{'重新提交' if again else '待审核'}】{report.unit.name}提交了{report.cycle.period_label}报送",
            f"{report.unit.name}于 {when} "
            + (
                f"修改后重新提交了{_plan(report)}{report.cycle.period_label}报送（第 {round} 次）"
                if again
                else f"提交了{_plan(report)}{report.cycle.period_label}报送"
            )
            + "，请审核：通过并锁定，或逐项退回修改。",
            report.get_absolute_url(),
        )

    return send(
        "report_resubmitted" if again else "report_submitted",
        office_users(report.cycle.plan.region_id),
        compose,
        key=f"submitted:{report.pk}:{round}",
        region=report.cycle.plan.region,
        actor=_actor(actor_id),
        group=report.cycle.plan.region,
    )


def report_returned(report_id: int, actor_id: int | None = None) -> int:
    """The unit: its report came back, with each task to change and the office's comment on it."""
    report = _report(report_id)

    def compose(user: User) -> Draft | None:
        if not sees(user, Report, report.pk):
            return None
        to_fix = (
            Entry.objects.visible_to(user)
            .filter(report=report)
            .exclude(review_comment="")
            .select_related("task")
            .order_by("task__order", "pk")
        )
        lines = [f"{n}. {e.task.title[:40]}：{e.review_comment}" for n, e in enumerate(to_fix, start=1)]
        period = report.cycle.period_label
        head = f"素质办退回了{report.unit.name}{period}的报送（{_plan(report)}），" + (
            f"请修改以下 {len(lines)} 项任务后重新提交：" if lines else "请按意见修改后重新提交。"
        )
        overall = f"\n素质办意见：{report.review_comment}" if report.review_comment else ""
        title = f"【退回修改】{period}报送被退回" + (f"，需修改 {len(lines)} 项任务" if lines else "")
        return Draft(title, "\n".join([head, *lines]) + overall, report.get_absolute_url())

    return send(
        "report_returned",
        unit_users(report.unit),
        compose,
        key=f"return:{report.pk}:{report.round}",
        region=report.cycle.plan.region,
        actor=_actor(actor_id),
        group=report.unit,
    )


def report_approved(report_id: int, actor_id: int | None = None) -> int:
    report = _report(report_id)

    def compose(user: User) -> Draft | None:
        if not sees(user, Report, report.pk):
            return None
        return Draft(
            f"【审核通过】{report.cycle.period_label}报送已审核通过",
            f"{report.unit.name}{report.cycle.period_label}的报送（{_plan(report)}）已审核通过，数据已锁定，"
            "无需再操作；如需更正，请联系素质办重新开放。",
            report.get_absolute_url(),
        )

    return send(
        "report_approved",
        unit_users(report.unit),
        compose,
        key=f"approved:{report.pk}:{report.round}",
        region=report.cycle.plan.region,
        actor=_actor(actor_id),
        group=report.unit,
    )


def report_reopened(report_id: int, version: int, actor_id: int | None = None) -> int:
    report = _report(report_id)

    def compose(user: User) -> Draft | None:
        if not sees(user, Report, report.pk):
            return None
        return Draft(
            f"【重新开放】{report.cycle.period_label}报送已重新开放，请修改后重新提交",
            f"素质办重新开放了{report.unit.name}{report.cycle.period_label}的报送（{_plan(report)}），"
            f"理由：{report.review_comment}。请修改后重新提交。",
            report.get_absolute_url(),
        )

    return send(
        "report_reopened",
        unit_users(report.unit),
        compose,
        key=f"reopen:{report.pk}:{version}",
        region=report.cycle.plan.region,
        actor=_actor(actor_id),
        group=report.unit,
    )


# ---- the reminder ladder ------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    key: str
    kind: str  # report_due (提醒) / report_overdue (催办)
    title: str
    body: str


def reminder_for(report: Report, on: date) -> Reminder | None:
    """提醒 within the warning days before the due date; 催办 each week after it, until in or locked."""
    cycle = report.cycle
    if report.is_handed_in or on > cycle.lock_date:
        return None
    days_left = (cycle.due_date - on).days
    if 0 <= days_left <= cycle.warn_days:
        return Reminder(
            f"remind:{report.pk}:{report.round}",
            "report_due",
            f"【提醒】{cycle.period_label}报送将于{days_left}天后截止",
            f"{report.unit.name}：{_plan(report)}{cycle.period_label}报送，"
            f"请于 {day_text(cycle.due_date)} 前填写并提交。",
        )
    if days_left < 0:
        week = (-days_left - 1) // 7
        return Reminder(
            f"urge:{report.pk}:{report.round}:{week}",
            "report_overdue",
            f"【催办】{cycle.period_label}报送已逾期{-days_left}天",
            f"{report.unit.name}：{_plan(report)}{cycle.period_label}报送截止日 {day_text(cycle.due_date)} 已过，"
            "请尽快填写并提交；"
            f"{day_text(cycle.lock_date)} 后将锁定。",
        )
    return None


# Reminders of registries above Reporting (the bases' annual report) that the daily run also sends.
ReminderSource = Callable[[date], int]
_REMINDER_SOURCES: list[ReminderSource] = []


def register_reminder_source(source: ReminderSource) -> None:
    if source not in _REMINDER_SOURCES:
        _REMINDER_SOURCES.append(source)


def send_reminders(on: date) -> int:
    """Remind every unit whose report is not in, and urge every 督办 past its deadline; each message
    is stored once per recipient and key, each reminder audited once."""
    sent = 0
    cycles = Cycle.objects.filter(due_date__gte=on - timedelta(days=365)).select_related("plan__region")
    for cycle in cycles:
        if on > cycle.lock_date:
            continue
        for report in cycle.reports.not_handed_in().select_related("unit__region", "cycle__plan__region"):
            reminder = reminder_for(report, on)
            if reminder is not None:
                sent += _remind(report, reminder)
    return sent + notices_overdue(on) + sum(source(on) for source in _REMINDER_SOURCES)


def _remind(report: Report, reminder: Reminder) -> int:
    """Deliver to the unit's users and audit it; a unit nobody can receive for is audited once per
    reminder, so the office sees in the task's history that the reminder went nowhere."""
    verb = "report.remind" if reminder.kind == "report_due" else "report.urge"
    region = report.cycle.plan.region
    users = unit_users(report.unit)

    def compose(user: User) -> Draft | None:
        if not sees(user, Report, report.pk):
            return None
        return Draft(reminder.title, reminder.body, report.get_absolute_url())

    with transaction.atomic():
        delivered = send(reminder.kind, users, compose, key=reminder.key, region=region, group=report.unit)
        if delivered:
            audit.record(
                None,
                verb,
                report,
                region=region,
                after={"key": reminder.key, "recipients": delivered},
                note=reminder.title,
            )
        elif (
            not users
            and not AuditEvent.objects.for_target(report).filter(verb=verb, after__key=reminder.key).exists()
        ):
            audit.record(
                None,
                verb,
                report,
                region=region,
                after={"key": reminder.key, "recipients": 0},
                note=f"{reminder.title}：{report.unit.name}没有可用的联络员账号，未能送达，请为该单位开通账号。",
            )
    return delivered


# ---- 督办 ---------------------------------------------------------------------------------------


def _notice(notice_id: int) -> Notice:
    return Notice.objects.select_related("task", "unit__region", "region").get(pk=notice_id)


def _notice_compose(notice: Notice, title: str, body: str) -> Compose:
    def compose(user: User) -> Draft | None:
        if not sees(user, Notice, notice.pk):
            return None
        return Draft(title, body, notice.get_absolute_url())

    return compose


def notice_issued(notice_id: int, actor_id: int | None = None) -> int:
    """The unit: a 督办 (or an escalated one) to sign, with the requirement and the deadline."""
    notice = _notice(notice_id)
    escalated = notice.level > 1
    label = "升级督办" if escalated else "督办"
    body = (
        f"{notice.number}（{notice.task.title[:60]}）：{notice.requirement if not escalated else notice.closing_note}\n"
        f"办理时限：{day_text(notice.deadline)}。请签收，并在时限内反馈办理情况。"
    )
    return send(
        "notice_escalated" if escalated else "notice_issued",
        unit_users(notice.unit),
        _notice_compose(notice, f"【{label}】{notice.task.title[:60]}", body),
        key=f"notice:{notice.pk}:{notice.level}",
        region=notice.region,
        actor=_actor(actor_id),
        group=notice.unit,
    )


def notice_signed(notice_id: int, actor_id: int | None = None) -> int:
    """The issuing office: the unit signed."""
    notice = _notice(notice_id)
    body = f"{notice.unit.name}已签收督办单 {notice.number}（{notice.task.title[:60]}），办理时限 {day_text(notice.deadline)}。"
    return send(
        "notice_signed",
        office_users(notice.region_id),
        _notice_compose(notice, f"【督办已签收】{notice.unit.name} · {notice.number}", body),
        key=f"notice_signed:{notice.pk}:{notice.level}",
        region=notice.region,
        actor=_actor(actor_id),
        group=notice.region,
    )


def notice_answered(notice_id: int, actor_id: int | None = None) -> int:
    """The issuing office: the unit's 反馈, to close or escalate."""
    notice = _notice(notice_id)
    body = (
        f"{notice.unit.name}反馈了督办单 {notice.number}（{notice.task.title[:60]}）的办理情况："
        f"{notice.response[:200]}\n请审阅后办结，或升级督办。"
    )
    return send(
        "notice_answered",
        office_users(notice.region_id),
        _notice_compose(notice, f"【督办已反馈】{notice.unit.name} · {notice.number}", body),
        key=f"notice_answered:{notice.pk}:{notice.level}",
        region=notice.region,
        actor=_actor(actor_id),
        group=notice.region,
    )


def notice_closed(notice_id: int, actor_id: int | None = None) -> int:
    notice = _notice(notice_id)
    note = f"办结意见：{notice.closing_note}" if notice.closing_note else "素质办已办结。"
    body = f"督办单 {notice.number}（{notice.task.title[:60]}）已办结，无需再操作。{note}"
    return send(
        "notice_closed",
        unit_users(notice.unit),
        _notice_compose(notice, f"【督办办结】{notice.number}", body),
        key=f"notice_closed:{notice.pk}",
        region=notice.region,
        actor=_actor(actor_id),
        group=notice.unit,
    )


def notices_overdue(on: date) -> int:
    """Each week a 督办 stays unanswered past its deadline: the unit is urged, its office told."""
    late = (
        Notice.objects.open()
        .exclude(status=NoticeStatus.RESPONDED)
        .filter(deadline__lt=on)
        .select_related("task", "unit__region", "region")
    )
    sent = 0
    for notice in late:
        days = (on - notice.deadline).days
        week = (days - 1) // 7
        key = f"notice_overdue:{notice.pk}:{notice.level}:{week}"
        sent += send(
            "notice_overdue",
            unit_users(notice.unit),
            _notice_compose(
                notice,
                f"【督办逾期】{notice.number}已超过办理时限{days}天",
                f"督办单 {notice.number}（{notice.task.title[:60]}）的办理时限 {day_text(notice.deadline)} 已过，"
                "请立即签收并反馈办理情况。",
            ),
            key=key,
            region=notice.region,
            group=notice.unit,
        )
        sent += send(
            "notice_overdue",
            office_users(notice.region_id),
            _notice_compose(
                notice,
                f"【督办逾期】{notice.unit.name} · {notice.number}逾期{days}天未反馈",
                f"{notice.unit.name}的督办单 {notice.number}（{notice.task.title[:60]}）已超过办理时限"
                f" {day_text(notice.deadline)}，仍未反馈。可催办，或升级督办。",
            ),
            key=f"{key}:office",
            region=notice.region,
            group=notice.region,
        )
    return sent


# ---- 考核 ---------------------------------------------------------------------------------------


def assessment_published(scheme_id: int, actor_id: int | None = None) -> int:
    """Once a year's scores are final (no cycle still open): the region's office and leaders, who are
    the ones that read 考核 (units do not see the ranking)."""
    scheme = Scheme.objects.select_related("region").get(pk=scheme_id)
    if scheme.is_provisional:
        return 0
    users = {u.pk: u for u in [*office_users(scheme.region_id), *leader_users(scheme.region_id)]}
    draft = Draft(
        f"【考核结果】{scheme}已计算完成",
        f"{scheme}的得分已按全年报送计算完成（{scheme.scores.count()} 家单位），可查看排名、评议工作质量并导出。",
        scheme.get_absolute_url(),
    )

    def compose(user: User) -> Draft | None:
        return draft if sees(user, Scheme, scheme.pk) else None

    return send(
        "assessment_published",
        users.values(),
        compose,
        key=f"assessment:{scheme.pk}",
        region=scheme.region,
        actor=_actor(actor_id),
        group=scheme.region,
    )


# Triggers composed in a background task (``after_commit`` queues them): they tell many people, or
# (a report submitted) come in bursts at a deadline, where the submit's answer must not wait for them.
BACKGROUND: dict[str, Callable[..., int]] = {
    trigger.__name__: trigger for trigger in (cycle_opened, assessment_published, report_submitted)
}
