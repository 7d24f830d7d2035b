"""Every write on experts: one transaction, one audit event, the count rules refreshed after commit.

Phones go in through ``_phone`` only: checked, hashed for matching, encrypted, masked. Snapshots
carry the masked phone, never the number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from kesu.core import audit, dbstats, personal
from kesu.experts import counting
from kesu.experts.models import (
    RANK_ORDER,
    Activity,
    Application,
    Appointment,
    AppointmentStatus,
    CountRule,
    CountWhat,
    Dispatch,
    Event,
    Expert,
    Measure,
    Quota,
    Rank,
    Selection,
    Stage,
    Topic,
    join_tags,
)
from kesu.regions.models import Region

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.core.models import Job
    from kesu.plans.models import Target
    from kesu.regions.models import Unit


class ExpertError(ValueError):
    """A domain rule broken; ``message`` is for the office."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


TAG_FIELDS = ("fields", "specialties", "groups")
EXPERT_FIELDS = (
    "name",
    "sex",
    "birth_year",
    "employer",
    "employer_unit",
    "position",
    "rank",
    "discipline",
    "recommending_unit",
    *TAG_FIELDS,
)


@dataclass(frozen=True)
class Phone:
    hash: str
    cipher: str
    masked: str
    number: str


def phone_of(text: str) -> Phone:
    number = str(text or "").strip().replace(" ", "").replace("-", "")
    problem = personal.mobile_error(number)
    if problem:
        raise ExpertError(problem, "phone")
    return Phone(
        personal.keyed_hash("mobile", number),
        personal.encrypt_text(number),
        personal.mask_mobile(number),
        number,
    )


def match_key(name: str, phone: Phone) -> str:
    """The same person in two files: same name and same phone (kept as a keyed hash only)."""
    return personal.keyed_hash("expert", f"{name.strip()}|{phone.number}")


def expert_snapshot(expert: Expert) -> dict[str, Any]:
    return {**audit.snapshot(expert), "phone": expert.phone_masked}


def _tags(value: Any) -> str:
    if isinstance(value, str):
        return join_tags(
            [part for chunk in value.split("|") for part in chunk.replace("，", "、").split("、")]
        )
    return join_tags(list(value or []))


def _apply(expert: Expert, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name not in EXPERT_FIELDS:
            raise TypeError(name)
        setattr(expert, name, _tags(value) if name in TAG_FIELDS else value)


def _set_phone(expert: Expert, phone: Phone) -> None:
    expert.phone_hash, expert.phone_cipher, expert.phone_masked = phone.hash, phone.cipher, phone.masked
    expert.match_key = match_key(expert.name, phone)


def _save_unique(expert: Expert) -> None:
    if Expert.objects.filter(match_key=expert.match_key).exclude(pk=expert.pk).exists():
        raise ExpertError(f"已登记同名同手机号的专家“{expert.name}”", "phone")
    expert.full_clean(exclude=["match_key"])
    try:
        with transaction.atomic():
            expert.save()
    except IntegrityError as error:  # a concurrent save of the same person
        raise ExpertError(f"已登记同名同手机号的专家“{expert.name}”", "phone") from error


def _refresh_later(region: Region, years: set[int] | None = None) -> None:
    """After commit, the count rules that include ``region`` record their figures again."""
    wanted = years or {timezone.localdate().year}
    transaction.on_commit(lambda: [refresh_counts(None, region, year) for year in sorted(wanted)])


@transaction.atomic
def create_expert(actor: User | None, region: Region, *, phone: str, **fields: Any) -> Expert:
    expert = Expert(region=region)
    _apply(expert, fields)
    _set_phone(expert, phone_of(phone))
    _save_unique(expert)
    audit.record(actor, "expert.create", expert, region=region, after=expert_snapshot(expert))
    return expert


@transaction.atomic
def update_expert(actor: User | None, expert: Expert, *, phone: str = "", **fields: Any) -> Expert:
    before = expert_snapshot(expert)
    _apply(expert, fields)
    if phone:
        _set_phone(expert, phone_of(phone))
    else:  # the name changed: match the person again under the phone kept
        _set_phone(expert, phone_of(personal.decrypt_text(expert.phone_cipher)))
    _save_unique(expert)
    audit.record(
        actor, "expert.update", expert, region=expert.region, before=before, after=expert_snapshot(expert)
    )
    _refresh_later(expert.region)
    return expert


def reveal_phone(actor: User, expert: Expert) -> str:
    """The full number, for an office that manages the expert; the reveal is an audit event."""
    with transaction.atomic():
        return personal.reveal(actor, expert, expert.phone_cipher, field="手机号", region=expert.region)


# ---- appointments -------------------------------------------------------------------------------


def term_end(start: date, years: int) -> date:
    """The last day of a term of ``years`` starting on ``start`` (29 February starts end on the 28th)."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:
        anniversary = start.replace(year=start.year + years, day=28)
    return date.fromordinal(anniversary.toordinal() - 1)


def _appointment(expert: Expert, **fields: Any) -> Appointment:
    appointment = Appointment(expert=expert, **fields)
    if appointment.start and appointment.end and appointment.end < appointment.start:
        raise ExpertError("聘期结束日期不能早于开始日期", "end")
    appointment.full_clean(exclude=["expert"])
    appointment.save()
    return appointment


@transaction.atomic
def add_appointment(actor: User | None, expert: Expert, **fields: Any) -> Appointment:
    appointment = _appointment(expert, **fields)
    audit.record(
        actor, "expert.appoint", appointment, region=expert.region, after=audit.snapshot(appointment)
    )
    _refresh_later(expert.region, {appointment.start.year, appointment.end.year})
    return appointment


@transaction.atomic
def dismiss(actor: User | None, appointment: Appointment, *, on: date, reason: str) -> Appointment:
    if not reason.strip():
        raise ExpertError("请填写解聘原因", "reason")
    if appointment.status == AppointmentStatus.DISMISSED:
        raise ExpertError("该聘任已解聘")
    before = audit.snapshot(appointment)
    appointment.status, appointment.dismissed_on, appointment.note = AppointmentStatus.DISMISSED, on, reason
    appointment.save()
    region = appointment.expert.region
    audit.record(
        actor,
        "expert.dismiss",
        appointment,
        region=region,
        before=before,
        after=audit.snapshot(appointment),
        note=reason,
    )
    _refresh_later(region, {on.year})
    return appointment


@transaction.atomic
def renew(actor: User | None, appointment: Appointment, *, years: int, document_no: str = "") -> Appointment:
    """A new term from the day after the old one ends, recorded as 续聘; the old term reads 期满 once over."""
    if appointment.status == AppointmentStatus.DISMISSED:
        raise ExpertError("已解聘的聘任不能续聘")
    start = date.fromordinal(appointment.end.toordinal() + 1)
    renewed = _appointment(
        appointment.expert,
        title=appointment.title,
        level=appointment.level,
        batch=appointment.batch,
        start=start,
        end=term_end(start, years),
        document_no=document_no,
        status=AppointmentStatus.RENEWED,
    )
    region = appointment.expert.region
    audit.record(actor, "expert.renew", renewed, region=region, after=audit.snapshot(renewed))
    _refresh_later(region, {start.year})
    return renewed


# ---- the yearly selection -----------------------------------------------------------------------


@transaction.atomic
def create_selection(actor: User | None, region: Region, **fields: Any) -> Selection:
    selection = Selection(region=region, **fields)
    selection.full_clean()
    selection.save()
    audit.record(actor, "selection.create", selection, region=region, after=audit.snapshot(selection))
    return selection


@transaction.atomic
def set_quota(actor: User | None, selection: Selection, unit: Unit, quota: int) -> Quota:
    row = Quota.objects.filter(selection=selection, unit=unit).first()
    before = audit.snapshot(row) if row else None
    row = row or Quota(selection=selection, unit=unit, quota=quota)
    row.quota = quota
    row.save()
    audit.record(
        actor,
        "selection.quota",
        selection,
        region=selection.region,
        before=before,
        after=audit.snapshot(row),
        note=f"{unit.name}：{quota} 名",
    )
    return row


@transaction.atomic
def apply(actor: User | None, selection: Selection, expert: Expert, unit: Unit) -> Application:
    if Application.objects.filter(selection=selection, expert=expert).exists():
        raise ExpertError(f"{expert.name}已在本轮遴选中申请", "expert")
    application = Application.objects.create(selection=selection, expert=expert, recommending_unit=unit)
    audit.record(
        actor, "application.create", application, region=selection.region, after=audit.snapshot(application)
    )
    return application


def _check_quota(application: Application) -> None:
    selection, unit = application.selection, application.recommending_unit
    used = (
        Application.objects.filter(selection=selection, recommending_unit=unit)
        .exclude(pk=application.pk)
        .exclude(stage=Stage.APPLIED)
        .count()
    )
    quota = selection.quota_for(unit.pk)
    if used >= quota:
        raise ExpertError(f"{unit.name}的推荐名额（{quota} 名）已用完")


def _check_rank(application: Application) -> None:
    expert, selection = application.expert, application.selection
    if RANK_ORDER[Rank(expert.rank)] < RANK_ORDER[Rank(selection.min_rank)]:
        raise ExpertError(
            f"{expert.name}的职称为{expert.get_rank_display()}，不符合“{selection.rank_rule_label()}”的要求"
        )


def _publicise(application: Application, day: date) -> None:
    selection = application.selection
    application.appointment = _appointment(
        application.expert,
        title=selection.title,
        level=selection.level,
        batch=selection.batch,
        start=day,
        end=term_end(day, selection.term_years),
        status=AppointmentStatus.PROPOSED,
    )


def _appoint(application: Application, day: date) -> None:
    appointment = application.appointment
    if appointment is None:  # pragma: no cover - a publicised application always has one
        _publicise(application, day)
        appointment = application.appointment
    assert appointment is not None
    appointment.status = AppointmentStatus.SERVING
    appointment.save()


# The selection's transitions, defined once: the stage reached → the check and the side it needs.
# RECOMMENDED is the recommending unit's step (its liaison, or the office); the others the office's.
STAGE_FLOW: dict[str, Any] = {
    Stage.RECOMMENDED: _check_quota,
    Stage.QUALIFIED: _check_rank,
    Stage.REVIEWED: None,
    Stage.PUBLICISED: None,
    Stage.APPOINTED: None,
}


def next_stage(application: Application) -> str | None:
    order = list(Stage.values)
    index = order.index(application.stage)
    return order[index + 1] if index + 1 < len(order) else None


def previous_stage(application: Application) -> str | None:
    order = list(Stage.values)
    index = order.index(application.stage)
    if application.stage == Stage.APPOINTED or index == 0:
        return None  # an appointment ends by 解聘, not by going back
    return order[index - 1]


@transaction.atomic
def advance(
    actor: User | None, application: Application, *, score: float | None = None, day: date | None = None
) -> Application:
    stage = next_stage(application)
    if stage is None:
        raise ExpertError("已聘任，无需继续")
    check = STAGE_FLOW[stage]
    if check is not None:
        check(application)
    before = audit.snapshot(application)
    today = day or timezone.localdate()
    if stage == Stage.REVIEWED and score is not None:
        application.review_score = score
    if stage == Stage.PUBLICISED:
        _publicise(application, today)
    if stage == Stage.APPOINTED:
        _appoint(application, today)
    application.stage, application.returned_reason = stage, ""
    application.save()
    region = application.selection.region
    audit.record(
        actor,
        f"application.{stage}",
        application,
        region=region,
        before=before,
        after=audit.snapshot(application),
    )
    if stage == Stage.APPOINTED:
        _refresh_later(application.expert.region, {today.year})
    return application


@transaction.atomic
def send_back(actor: User | None, application: Application, *, reason: str) -> Application:
    """One stage back, with the reason the office or the unit reads; a proposed appointment is withdrawn."""
    if not reason.strip():
        raise ExpertError("请填写退回原因", "reason")
    stage = previous_stage(application)
    if stage is None:
        raise ExpertError("当前环节不能退回")
    before = audit.snapshot(application)
    if application.stage == Stage.PUBLICISED and application.appointment is not None:
        proposed, application.appointment = application.appointment, None
        application.save()
        proposed.delete()
    application.stage, application.returned_reason = stage, reason.strip()
    application.save()
    audit.record(
        actor,
        "application.return",
        application,
        region=application.selection.region,
        before=before,
        after=audit.snapshot(application),
        note=reason,
    )
    return application


# ---- activities ---------------------------------------------------------------------------------


@transaction.atomic
def log_activity(actor: User | None, expert: Expert, **fields: Any) -> Activity:
    activity = Activity(expert=expert, **fields)
    if activity.hours is not None and not 0 < float(activity.hours) <= 24:
        raise ExpertError("时长应在 0 到 24 小时之间", "hours")
    activity.full_clean(exclude=["expert"])
    activity.save()
    audit.record(actor, "expert.activity", activity, region=expert.region, after=audit.snapshot(activity))
    _refresh_later(expert.region, {activity.date.year})
    return activity


# ---- the emergency roster -----------------------------------------------------------------------


def _on_call(region: Region, experts: list[Expert]) -> list[Expert]:
    outside = [e.name for e in experts if not e.region.path.startswith(region.path)]
    if outside:
        raise ExpertError(f"不是本区划的专家：{'、'.join(outside)}", "experts")
    return experts


@transaction.atomic
def save_topic(
    actor: User | None,
    region: Region,
    *,
    name: str,
    response_hours: int,
    experts: list[Expert],
    topic: Topic | None = None,
) -> Topic:
    before = (
        {**audit.snapshot(topic), "experts": sorted(topic.experts.values_list("pk", flat=True))}
        if topic
        else None
    )
    if Topic.objects.filter(region=region, name=name).exclude(pk=topic.pk if topic else 0).exists():
        raise ExpertError(f"已有“{name}”这个主题", "name")
    topic = topic or Topic(region=region)
    topic.name, topic.response_hours = name, response_hours
    topic.save()
    topic.experts.set(_on_call(region, experts))
    after = {**audit.snapshot(topic), "experts": sorted(e.pk for e in experts)}
    audit.record(actor, "topic.save", topic, region=region, before=before, after=after)
    return topic


@transaction.atomic
def open_event(actor: User | None, region: Region, *, title: str, topic: Topic, opened_at: datetime) -> Event:
    if topic.region_id != region.pk:
        raise ExpertError("主题不属于本区划", "topic")
    event = Event.objects.create(region=region, title=title, topic=topic, opened_at=opened_at)
    audit.record(actor, "event.open", event, region=region, after=audit.snapshot(event))
    return event


@transaction.atomic
def dispatch(
    actor: User | None, event: Event, *, expert: Expert, ask: str, requested_at: datetime
) -> Dispatch:
    if not expert.region.path.startswith(event.region.path):
        raise ExpertError("只能派遣本区划的专家", "expert")
    if requested_at < event.opened_at:
        raise ExpertError("派遣时间不能早于事件启动时间", "requested_at")
    row = Dispatch(event=event, expert=expert, ask=ask, requested_at=requested_at)
    row.full_clean()
    row.save()
    audit.record(actor, "dispatch.create", row, region=event.region, after=audit.snapshot(row))
    _refresh_later(event.region, {requested_at.year})
    transaction.on_commit(partial(tell_dispatched, row.pk), robust=True)
    return row


def tell_dispatched(dispatch_id: int) -> None:
    """The event's office and the expert's recommending unit hear of a dispatch, each only if the
    dispatch is theirs to see, with a link to the event's timeline."""
    from kesu.messaging.actions import notify_each
    from kesu.reporting.notify import office_users, unit_users

    row = Dispatch.objects.select_related("event__region", "expert__recommending_unit").get(pk=dispatch_id)
    unit = row.expert.recommending_unit
    recipients = office_users(row.event.region_id) + (unit_users(unit) if unit is not None else [])
    title = f"【应急科普】已派遣{row.expert.name}：{row.get_ask_display()}"
    when = timezone.localtime(row.requested_at).strftime("%Y-%m-%d %H:%M")
    body = f"事件“{row.event.title}”于 {when} 派遣{row.expert.name}（{row.get_ask_display()}），请跟进并在事件页登记响应与成果。"

    def compose(user: User) -> tuple[str, str, str] | None:
        # The office follows the event's timeline; the expert's unit sees its expert, not the event.
        if Dispatch.objects.visible_to(user).filter(pk=row.pk).exists():
            return title, body, row.event.get_absolute_url()
        if Expert.objects.visible_to(user).filter(pk=row.expert_id).exists():
            return (
                title,
                f"本单位推荐的专家{row.expert.name}已被派遣（{row.get_ask_display()}），请协助其按时响应。",
                (row.expert.get_absolute_url()),
            )
        return None

    notify_each(recipients, "expert_dispatched", compose, key=f"dispatch:{row.pk}", region=row.event.region)


@transaction.atomic
def record_response(
    actor: User | None,
    row: Dispatch,
    *,
    responded_at: datetime,
    output: str,
    url: str = "",
    reach: int | None = None,
) -> Dispatch:
    if responded_at < row.requested_at:
        raise ExpertError("响应时间不能早于派遣时间", "responded_at")
    before = audit.snapshot(row)
    row.responded_at, row.output, row.url, row.reach = responded_at, output, url, reach
    row.full_clean()
    row.save()
    audit.record(
        actor, "dispatch.respond", row, region=row.event.region, before=before, after=audit.snapshot(row)
    )
    _refresh_later(row.event.region, {row.requested_at.year})  # the median moves with each answer
    return row


# ---- counting into indicators -------------------------------------------------------------------


@transaction.atomic
def set_count_rule(
    actor: User | None,
    target: Target,
    *,
    what: str,
    level: str = "",
    measure: str = "stock",
    disaggregation: dict[str, str] | None = None,
) -> CountRule:
    """The office says how a target is measured from the registry; its link carries the rule's groups."""
    rule = CountRule.objects.filter(target=target).first()
    before = audit.snapshot(rule) if rule else None
    rule = rule or CountRule(target=target)
    if what in FLOWS:
        measure = Measure.FLOW  # sessions and dispatches are counted within the year, never as a stock
    rule.what, rule.level, rule.measure = what, level, measure
    rule.disaggregation = disaggregation if disaggregation is not None else default_disaggregation(rule)
    rule.full_clean()
    rule.save()
    _link(actor, target, rule)
    region = target.task.plan.region
    audit.record(actor, "count_rule.save", rule, region=region, before=before, after=audit.snapshot(rule))
    _refresh_later(region, _plan_years(target))
    return rule


FLOWS = (CountWhat.HEALTH_SESSIONS, CountWhat.DISPATCHES)


def _link(actor: User | None, target: Target, rule: CountRule) -> None:
    """The target's indicator link carries the rule's groups, and a stock's baseline from the registry
    too: a baseline taken from other figures would not compare with what the rule counts."""
    from kesu.indicators import actions as indicator_actions

    link = getattr(target, "indicator_link", None)
    code = counting.DEFAULT_INDICATOR[CountWhat(rule.what)]
    indicator = link.indicator if link else indicator_actions.indicator_by_code(code)
    plan = target.task.plan
    year = (link.baseline_year if link else None) or ((plan.period_start - 1) if plan.period_start else None)
    stock = rule.measure == Measure.STOCK and not target.per_year
    baseline = float(counting.figure(rule, plan.region, year)) if stock and year else None
    indicator_actions.link_target(
        actor,
        target,
        indicator,
        baseline_year=year if baseline is not None else None,
        baseline_value=baseline,
        disaggregation=rule.disaggregation,
        confirmed=True,
    )


def default_disaggregation(rule: CountRule) -> dict[str, str]:
    return {"级别": rule.get_level_display()} if rule.level else {}


def _plan_years(target: Target) -> set[int]:
    """The years a target is judged in: its plan's period (the current year for a plan without one)."""
    plan = target.task.plan
    this_year = timezone.localdate().year
    return set(range(plan.period_start or this_year, (plan.period_end or this_year) + 1))


def rules_touching(region: Region) -> Any:
    """The rules whose plan's region contains ``region`` or lies below it."""
    ancestors = [region.path[: i + 1] for i, char in enumerate(region.path) if char == "/"]
    return CountRule.objects.filter(
        Q(target__task__plan__region__path__in=ancestors)
        | Q(target__task__plan__region__path__startswith=region.path)
    ).select_related("target__task__plan__region", "target__indicator_link__indicator")


def refresh_counts(actor: User | None, region: Region, year: int) -> int:
    """Record, for ``year``, the figure of every rule that includes ``region``; returns how many.

    Each figure is one ``record_value`` (itself one transaction and one audit event), so a rule that
    fails leaves the others recorded; the stored roll-ups are recomputed once at the end (``values_batch``).
    """
    from kesu.indicators.actions import values_batch

    recorded = 0
    with values_batch():
        for rule in rules_touching(region):
            if year in _plan_years(rule.target):  # a figure outside the plan's years measures no target
                recorded += _refresh_rule(rule, rule.target.task.plan.region, year)
        return recorded + refresh_dispatch_figures(region, year)


def refresh_dispatch_figures(region: Region, year: int) -> int:
    """The year's dispatch count and median response time for ``region`` and every region above it.

    Each region's median is recomputed from all dispatches in its subtree: medians cannot be summed.
    A region whose subtree had no dispatch that year gets no value (a 0 there would claim a registry
    nobody keeps); a median is only recorded once some dispatch was answered.
    """
    from kesu.indicators import actions as indicator_actions

    recorded = 0
    with indicator_actions.values_batch():
        for each in region.ancestors(include_self=True):
            figures = counting.dispatch_figures(each, year)
            if not figures.dispatches:
                continue
            for code, value in (
                ("emergency_dispatch_count", float(figures.dispatches)),
                ("emergency_response_median_hours", figures.median_response_hours),
            ):
                if value is None:
                    continue
                indicator_actions.record_value(
                    None,
                    code,
                    each,
                    str(year),
                    value,
                    source="registry",
                    provenance=DISPATCH_PROVENANCE[code],
                )
                recorded += 1
    return recorded


DISPATCH_PROVENANCE = {
    "emergency_dispatch_count": "登记库：应急科普专家派遣次数（本级及下级），期内",
    "emergency_response_median_hours": "登记库：已响应派遣的响应时间中位数（本级及下级），期内",
}


def refresh_year(year: int) -> int:
    """``kesu refresh_registry_counts``: every count rule and the dispatch figures of every region that
    opened an emergency event in ``year``."""
    from kesu.indicators.actions import values_batch

    regions = Region.objects.filter(pk__in=Event.objects.filter(opened_at__year=year).values("region_id"))
    with values_batch():
        return refresh_all(year) + sum(refresh_dispatch_figures(region, year) for region in regions)


def refresh_all(year: int | None = None) -> int:
    """Every rule, for ``year`` or every year of its plan."""
    from kesu.indicators.actions import values_batch

    recorded = 0
    with values_batch():
        for rule in CountRule.objects.select_related("target__task__plan__region"):
            region = rule.target.task.plan.region
            judged = _plan_years(rule.target)
            years = ([year] if year in judged else []) if year else sorted(judged)
            for each in years:
                recorded += _refresh_rule(rule, region, each)
    return recorded


def _refresh_rule(rule: CountRule, region: Region, year: int) -> int:
    from kesu.indicators import actions as indicator_actions

    link = getattr(rule.target, "indicator_link", None)
    code = link.indicator.code if link else counting.DEFAULT_INDICATOR[CountWhat(rule.what)]
    indicator_actions.record_value(
        None,
        code,
        region,
        str(year),
        counting.figure(rule, region, year),
        disaggregation=rule.disaggregation or None,
        source="registry",
        provenance=f"登记库：{rule.in_words()}",
    )
    return 1


# ---- import -------------------------------------------------------------------------------------


EXPERT_IMPORT_JOB = "experts.import"


def start_expert_import(actor: User, region: Region, data: bytes, filename: str) -> Job:
    """A large expert file, held for a background job that checks and stores it (``job_kinds``)."""
    from kesu.core import uploads

    return uploads.start_import(
        actor, EXPERT_IMPORT_JOB, f"导入科普专家：{filename}", region=region, data=data, filename=filename
    )


@dataclass
class ImportRow:
    """One checked row: the expert's fields, their phone, and the appointment the row carries (if any)."""

    line: int
    region: Region
    phone: Phone
    fields: dict[str, Any]
    appointment: dict[str, Any] | None


@transaction.atomic
def import_experts(
    actor: User | None, region: Region, rows: list[ImportRow], *, filename: str
) -> tuple[int, int]:
    """All rows in bulk: new experts created, known ones (same name + phone) updated, appointments added
    unless the same title, level and start is there already. One audit event for the file."""
    keys = {match_key(row.fields["name"], row.phone): row for row in rows}
    known = _by_match_key(list(keys))
    new: list[Expert] = []
    changed: list[Expert] = []
    for key, row in keys.items():
        expert = known.get(key)
        if expert is None:
            expert = Expert(region=row.region)
            _apply(expert, row.fields)
            _set_phone(expert, row.phone)
            new.append(expert)
            continue
        before = _stored(expert)
        expert.region = row.region
        _apply(expert, row.fields)  # same name and phone: the phone fields stay as stored
        if _stored(expert) != before:
            changed.append(expert)
    Expert.objects.bulk_create(new, batch_size=500)
    # an upsert on the match key, not bulk_update: its UPDATE … CASE WHEN grows with rows × fields
    Expert.objects.bulk_create(
        changed, batch_size=500, update_conflicts=True, unique_fields=["match_key"], update_fields=UPDATED
    )
    by_key = _by_match_key(list(keys))
    _import_appointments(rows, by_key)
    audit.record(
        actor,
        "expert.import",
        None,
        region=region,
        target_repr=f"导入科普专家：{filename}",
        after={"created": len(new), "updated": len(changed), "rows": len(rows)},
    )
    years = {row.appointment["start"].year for row in rows if row.appointment} or None
    _refresh_later(region, years)
    dbstats.analyse_after_commit(len(rows), Expert, Appointment)
    return len(new), len(changed)


UPDATED = ["region", *EXPERT_FIELDS]
STORED_NAMES = {
    "region": "region_id",
    "employer_unit": "employer_unit_id",
    "recommending_unit": "recommending_unit_id",
}


def _stored(expert: Expert) -> list[Any]:
    """The values an import may change, foreign keys by id (reading the related row would cost a query per expert)."""
    return [getattr(expert, STORED_NAMES.get(name, name)) for name in UPDATED]


def _by_match_key(keys: list[str]) -> dict[str, Expert]:
    found: dict[str, Expert] = {}
    for start in range(0, len(keys), 2000):  # within every database's limit on query parameters
        found |= {e.match_key: e for e in Expert.objects.filter(match_key__in=keys[start : start + 2000])}
    return found


def _import_appointments(rows: list[ImportRow], by_key: dict[str, Expert]) -> None:
    wanted = [(by_key[match_key(r.fields["name"], r.phone)], r.appointment) for r in rows if r.appointment]
    experts = [expert.pk for expert, _a in wanted]
    held: set[tuple[Any, ...]] = set()
    for start in range(0, len(experts), 2000):
        chunk = Appointment.objects.filter(expert_id__in=experts[start : start + 2000])
        held |= set(chunk.values_list("expert_id", "title", "level", "start"))
    fresh = []
    for expert, fields in wanted:
        assert fields is not None
        key = (expert.pk, fields["title"], fields["level"], fields["start"])
        if key not in held:
            held.add(key)
            fresh.append(Appointment(expert=expert, **fields))
    Appointment.objects.bulk_create(fresh, batch_size=500)
