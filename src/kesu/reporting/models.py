"""Reporting cycles, unit reports and their per-task entries, 督办 notices and 考核 (messages about
them live in the message centre, ``kesu.messaging``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.db import connections, models
from django.db.models import Count, Exists, ExpressionWrapper, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import RegionScopedQuerySet, admits, scoped, without_empty_parts
from kesu.core import rows
from kesu.core.choices import ColouredChoices
from kesu.periods import Period
from kesu.plans.models import Role
from kesu.regions.models import Unit
from kesu.reporting import rules

if TYPE_CHECKING:
    from kesu.accounts.access import Access, AnyUser


class CycleQuerySet(models.QuerySet["Cycle"]):
    def visible_to(self, user: AnyUser) -> CycleQuerySet:
        """Offices and leaders see cycles of their subtree's plans; a liaison, or the office of a
        sub-region whose government reports upward, the cycles a report of theirs is in."""
        return scoped(self, user, _cycle_scope_q)

    def manageable_by(self, user: AnyUser) -> CycleQuerySet:
        """The office of the plan's own region opens and runs its cycles (and reviews their reports)."""
        return scoped(self, user, lambda access: Q(plan__region_id__in=access.office_region_ids))


def _cycle_scope_q(access: Access) -> Q:
    # A correlated EXISTS, not a join through the reports: a join needs DISTINCT over every report of
    # the cycle, which made opening one board cost more than all its other queries together.
    reports = without_empty_parts(Q(unit__in=access.liaison_unit_ids) | access.region_q("unit__region__path"))
    plans = access.region_q("plan__region__path")
    if reports is None:
        return plans
    return plans | Q(Exists(Report.objects.filter(reports, cycle=OuterRef("pk"))))


CYCLE_PROGRESS = "progress"  # Cycle.kind of the plan's own progress reports
# Cycle.kind → the badge lists show beside a round that is not a progress round, so the office can tell
# a 科普统计 round of 2025 from the plan's 2025 progress round.
CYCLE_KIND_LABELS = {"kepustats": "科普统计"}


class Cycle(models.Model):
    """One plan × one period (报送周期) with DHIS2's due, timely and lock days."""

    plan = models.ForeignKey(
        "plans.Plan", verbose_name=_("方案"), on_delete=models.CASCADE, related_name="cycles"
    )
    period = models.CharField(_("期间"), max_length=7)  # kesu.periods.Period: 2025H1, 2025H2, 2025
    # What the units fill in: "progress" (tasks' entries) or another app's form, e.g. "kepustats"
    # (科普统计, kesu.kepustats), which reuses the cycle's reports, board, reminders, review and lock.
    kind = models.CharField(_("报送类别"), max_length=20, default=CYCLE_PROGRESS)
    due_date = models.DateField(_("报送截止日"))
    timely_days = models.PositiveSmallIntegerField(_("按时宽限天数"), default=0)
    lock_days = models.PositiveSmallIntegerField(_("截止后锁定天数"), default=30)
    warn_days = models.PositiveSmallIntegerField(_("临期提醒天数"), default=7)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)

    objects = CycleQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "plan"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "period", "kind"], name="cycle_unique_per_plan_period_kind"
            )
        ]
        verbose_name = _("报送周期")
        verbose_name_plural = _("报送周期")

    def __str__(self) -> str:
        return f"{self.plan.title} · {self.period_obj.label}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:cycle", kwargs={"cycle_id": self.pk})

    @property
    def period_obj(self) -> Period:
        return Period.parse(self.period)

    @property
    def period_label(self) -> str:
        return self.period_obj.label

    @property
    def kind_label(self) -> str:
        """Blank for a progress round; the kind's name (科普统计) for any other."""
        return "" if self.kind == CYCLE_PROGRESS else CYCLE_KIND_LABELS.get(self.kind, self.kind)

    @property
    def timely_date(self) -> date:
        return self.due_date + timedelta(days=self.timely_days)

    @property
    def lock_date(self) -> date:
        return self.due_date + timedelta(days=self.lock_days)


class ReportStatus(ColouredChoices):
    DRAFT = "draft", "secondary", _("草稿")
    SUBMITTED = "submitted", "primary", _("已提交")
    RETURNED = "returned", "danger", _("已退回")
    APPROVED = "approved", "success", _("已通过")


# 已报: the unit has handed the report in (waiting for review or approved). The board's lights, the
# reporting rate, the reminders and the write lock all count these, and only these. The set is
# written once, as plain values in the pure rules module.
HANDED_IN = tuple(ReportStatus(value) for value in rules.HANDED_IN)  # submitted, approved


def rate_counts() -> dict[str, Count]:
    """Aggregates over reports for ``rules.Rates``: expected, handed in (``submitted``) and on time."""
    return {
        "expected": Count("pk"),
        "submitted": Count("pk", filter=Q(status__in=HANDED_IN)),
        "on_time": Count("pk", filter=Q(on_time=True, status__in=HANDED_IN)),
    }


def rates_of_row(row: Mapping[str, Any]) -> rules.Rates:
    """The rates of one row aggregated with ``rate_counts``."""
    return rules.Rates(row["expected"], row["submitted"], row["on_time"])


def report_scope_q(access: Access, prefix: str = "") -> Q:
    """A liaison's own unit; an office or leader of the plan's region or of the unit's region."""
    return (
        Q(**{f"{prefix}unit__in": access.liaison_unit_ids})
        | access.region_q(f"{prefix}cycle__plan__region__path")
        | access.region_q(f"{prefix}unit__region__path")
    )


def unit_writers_q(access: Access, prefix: str = "") -> Q:
    """Who writes what a unit hands in (its report, its answer to a 督办 notice): the unit's liaison,
    and for a sub-region's government (上报) that sub-region's own office — not the office above it,
    which reviews it."""
    return Q(**{f"{prefix}unit__in": access.liaison_unit_ids}) | own_subregion_q(access, prefix)


@cache
def _locked_for_submit_sql(using: str) -> str:
    entry, report = rows.table(Entry), rows.table(Report)
    lock = " FOR UPDATE OF r" if connections[using].features.has_select_for_update_of else ""
    unfilled = (
        f"EXISTS (SELECT 1 FROM {entry} e WHERE e.{rows.column(Entry, 'report')} = r.{rows.column(Report, 'pk')} "
        f"AND NOT e.{rows.column(Entry, 'filled')})"
    )
    return (
        f"SELECT {rows.select_list(Report, 'r')}, {rows.select_list(Cycle, 'c')}, "
        f"{rows.select_list(Unit, 'u')}, {unfilled} FROM {report} r "
        f"JOIN {rows.table(Cycle)} c ON c.{rows.column(Cycle, 'pk')} = r.{rows.column(Report, 'cycle')} "
        f"JOIN {rows.table(Unit)} u ON u.{rows.column(Unit, 'pk')} = r.{rows.column(Report, 'unit')} "
        f"WHERE r.{rows.column(Report, 'pk')} = %s{lock}"
    )


def own_subregion_q(access: Access, prefix: str = "") -> Q:
    """A sub-region's government unit (县人民政府 in the city's plan), for that sub-region's own office."""
    return Q(**{f"{prefix}unit__kind": "subregion", f"{prefix}unit__region_id__in": access.office_region_ids})


class ReportQuerySet(models.QuerySet["Report"]):
    def visible_to(self, user: AnyUser) -> ReportQuerySet:
        return scoped(self, user, lambda access: report_scope_q(access))

    def writable_by(self, user: AnyUser) -> ReportQuerySet:
        return scoped(self, user, unit_writers_q)

    def locked_for_submit(self, report_id: int) -> tuple[Report, bool] | None:
        """The report, locked until the transaction ends, with its cycle and unit, and whether one of
        its tasks is not yet filled (``Entry.filled``); None if there is no such report.

        Submitting is the hot path at a deadline, and the ORM spent more CPU building this query than
        the database spends answering it (docs/reporting.md): it is written out, with the columns from
        the models' own fields (``core.rows``). Who may submit stays ``Report.is_writable_by``, judged
        on the locked row; a caller refused there held the lock only until its own transaction ended.
        It reads by key alone, so it refuses a filtered queryset rather than ignore its filter."""
        if self.query.where:
            raise TypeError("locked_for_submit reads by key alone: call it on Report.objects")
        connection = connections[self.db]
        lowest, highest = connection.ops.integer_field_range(Report._meta.pk.get_internal_type())
        if not lowest <= report_id <= highest:
            return None  # an address no key can have (/reports/99999999999999999999/): no such report
        with connection.cursor() as cursor:
            cursor.execute(_locked_for_submit_sql(self.db), [report_id])
            row = cursor.fetchone()
        if row is None:
            return None
        cycle_at, unit_at = rows.width(Report), rows.width(Report) + rows.width(Cycle)
        report = rows.from_row(Report, row[:cycle_at], self.db)
        report.cycle = rows.from_row(Cycle, row[cycle_at:unit_at], self.db)
        report.unit = rows.from_row(Unit, row[unit_at:-1], self.db)
        return report, bool(row[-1])

    def handed_in(self) -> ReportQuerySet:
        return self.filter(status__in=HANDED_IN)

    def not_handed_in(self) -> ReportQuerySet:
        return self.exclude(status__in=HANDED_IN)

    def still_to_do(self, today: date) -> ReportQuerySet:
        """Not yet approved, in cycles due within the last year or later, soonest due first."""
        return (
            self.exclude(status=ReportStatus.APPROVED)
            .filter(cycle__due_date__gte=today - timedelta(days=365))
            .select_related("cycle__plan", "unit")
            .order_by("cycle__due_date")
        )

    def reviewable_by(self, user: AnyUser) -> ReportQuerySet:
        """The office of the plan's own region reviews; offices above it see the reports but do not
        approve a county's member units in the county's place."""
        return scoped(self, user, lambda access: Q(cycle__plan__region_id__in=access.office_region_ids))

    def awaiting_review(self) -> ReportQuerySet:
        """Submitted and not yet decided, oldest submission first: the office's review queue."""
        return self.filter(status=ReportStatus.SUBMITTED).order_by("submitted_at", "pk")

    def with_no_returned_task(self) -> ReportQuerySet:
        """Reports none of whose tasks carries a request to change it (never returned, or fixed
        and cleared): the ones an office may approve together."""
        return self.exclude(entries__review_comment__gt="")


class Report(models.Model):
    """A unit's report for a cycle; its tasks are its entries."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("报送周期"), on_delete=models.CASCADE, related_name="reports"
    )
    unit = models.ForeignKey(
        "regions.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="reports"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    round = models.PositiveSmallIntegerField(_("报送轮次"), default=0)  # how many times it has been submitted
    version = models.PositiveIntegerField(default=1)
    first_submitted_at = models.DateTimeField(_("首次提交"), null=True, blank=True)
    on_time = models.BooleanField(_("按时报送"), null=True, blank=True)  # decided at the first submission
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField(_("审核意见"), blank=True)
    # Returned by the office's reopening (of approved or locked data) rather than by a review; the
    # reason is then the review comment. Cleared by the next review.
    reopened = models.BooleanField(_("重新开放"), default=False)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["cycle", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["cycle", "unit"], name="report_unique_per_cycle_unit")]
        indexes = [models.Index(fields=["unit", "status"])]
        verbose_name = _("单位报送")
        verbose_name_plural = _("单位报送")

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.cycle.period_label}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:report", kwargs={"report_id": self.pk})

    @property
    def status_choice(self) -> ReportStatus:
        return ReportStatus(self.status)

    def is_writable_by(self, user: AnyUser) -> bool:
        """``Report.objects.writable_by(user)`` for this report as just read: judged from its loaded
        unit when it can be (``access.admits``), else asked of the database."""
        judged = admits(user, unit_writers_q, self)
        if judged is None:
            return Report.objects.writable_by(user).filter(pk=self.pk).exists()
        return judged

    @property
    def is_handed_in(self) -> bool:
        return self.status in HANDED_IN

    @property
    def is_locked(self) -> bool:
        """Handed in: the unit waits for the review, or the data is approved."""
        return self.is_handed_in

    # One question per state, for templates (which would otherwise restate the stored values).
    @property
    def is_draft(self) -> bool:
        return self.status == ReportStatus.DRAFT

    @property
    def awaits_review(self) -> bool:
        return self.status == ReportStatus.SUBMITTED

    @property
    def is_returned(self) -> bool:
        return self.status == ReportStatus.RETURNED

    @property
    def is_approved(self) -> bool:
        return self.status == ReportStatus.APPROVED

    @property
    def is_editable(self) -> bool:
        return self.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)

    @property
    def was_reopened(self) -> bool:
        """Returned by a reopening (of approved or locked data), not by a review."""
        return self.status == ReportStatus.RETURNED and self.reopened

    def asks_to_change(self, entry: Entry) -> bool:
        """Whether the office returned this report with a comment on ``entry``'s task."""
        return self.status == ReportStatus.RETURNED and bool(entry.review_comment)


class Submission(models.Model):
    """One submission of a report; (report, round) is unique, so a double click submits once."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="submissions")
    round = models.PositiveSmallIntegerField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    on_time = models.BooleanField(default=True)

    class Meta:
        ordering = ["report", "round"]
        constraints = [models.UniqueConstraint(fields=["report", "round"], name="submission_unique_round")]

    def __str__(self) -> str:
        return f"第 {self.round} 次提交"


class ProgressStatus(ColouredChoices):
    NOT_STARTED = "not_started", "secondary", _("未启动")
    IN_PROGRESS = "in_progress", "primary", _("推进中")
    DONE = "done", "success", _("已完成")
    LAGGING = "lagging", "danger", _("滞后")


LEAD_ROLES = (Role.LEAD, Role.RESPONSIBLE)  # the units that write the task's progress (status and %)


class EntryQuerySet(models.QuerySet["Entry"]):
    def visible_to(self, user: AnyUser) -> EntryQuerySet:
        return scoped(self, user, lambda access: report_scope_q(access, "report__"))

    def readable_by(self, user: AnyUser) -> EntryQuerySet:
        """``visible_to``, and the entries a unit may see on a task it shares: in the same cycle, a lead
        (or responsible) unit reads every other unit's entry on the task, a participating unit the
        lead units'. The task page and the API (``/api/reporting/entries/``) both start from here."""
        return scoped(self, user, lambda access: report_scope_q(access, "report__") | _shared_task_q(access))

    def on_task_of(self, entry: Entry) -> EntryQuerySet:
        """The other units' entries on ``entry``'s task in the same cycle, by unit name."""
        return (
            self.filter(report__cycle_id=entry.report.cycle_id, task_id=entry.task_id)
            .exclude(pk=entry.pk)
            .select_related("report__unit")
            .order_by("report__unit__name")
        )

    def leads(self) -> EntryQuerySet:
        return self.filter(role__in=LEAD_ROLES)

    def participants(self) -> EntryQuerySet:
        """Participating units' entries, those who wrote first (a lead unit's view of its partners)."""
        return self.filter(role=Role.PARTICIPATING).order_by("-filled", "report__unit__name")


def _shared_task_q(access: Access) -> Q:
    """Entries on a task where one of the user's units (as liaison, or a sub-region's own office for
    its government) has an entry in the same cycle; see ``EntryQuerySet.readable_by``."""
    mine = without_empty_parts(unit_writers_q(access, "report__"))
    if mine is None:
        return Q(pk__in=[])
    shares = Entry.objects.filter(
        mine, report__cycle_id=OuterRef("report__cycle_id"), task_id=OuterRef("task_id")
    )
    return Q(Exists(shares.filter(role__in=LEAD_ROLES))) | (Q(role__in=LEAD_ROLES) & Q(Exists(shares)))


class Entry(models.Model):
    """One task in one unit's report: the lead's progress, or a participating unit's contribution."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="entries")
    task = models.ForeignKey(
        "plans.Task", verbose_name=_("任务"), on_delete=models.CASCADE, related_name="entries"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    status = models.CharField(_("进展状态"), max_length=12, choices=ProgressStatus.choices, blank=True)
    percent = models.PositiveSmallIntegerField(_("完成比例（%）"), null=True, blank=True)
    narrative = models.TextField(_("进展情况"), blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic concurrency: a stale save is refused
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    # Written enough to submit: a narrative, and for a lead (or responsible) unit its status and %.
    # The database computes it, so the submit check, the board, the to-do page and 考核 share one rule.
    filled = models.GeneratedField(
        expression=ExpressionWrapper(
            ~Q(narrative="") & (~Q(role__in=LEAD_ROLES) | (~Q(status="") & Q(percent__isnull=False))),
            output_field=models.BooleanField(),
        ),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name=_("已填写"),
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["report", "task__order"]
        constraints = [
            models.UniqueConstraint(fields=["report", "task"], name="entry_unique_per_report_task")
        ]
        verbose_name = _("任务进展")
        verbose_name_plural = _("任务进展")

    def __str__(self) -> str:
        return f"{self.task.title[:60]}（{self.report}）"

    @property
    def is_lead(self) -> bool:
        return self.role in LEAD_ROLES

    def reported_values(self) -> dict[int, str]:
        """Target id → the value the lead reported, as it reads (132, not 132.0); uses prefetched values."""
        return {value.target_id: str(value) for value in self.values.all()}

    @property
    def role_label(self) -> str:
        return self.get_role_display()

    @property
    def status_choice(self) -> ProgressStatus | None:
        """None while the unit has set no status (a participating unit never does)."""
        return ProgressStatus.of(self.status)


class TargetValue(models.Model):
    """The value a lead unit reports for one of its task's targets (市级科普教育基地 132 of 150)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="values")
    target = models.ForeignKey("plans.Target", on_delete=models.CASCADE, related_name="reported_values")
    value = models.FloatField(_("实际值"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "target"], name="target_value_unique")]

    def __str__(self) -> str:
        return f"{self.value:g}"


class Evidence(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="reporting/evidence/%Y/")
    filename = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry", "uploaded_at"]

    def __str__(self) -> str:
        return self.filename


class NoticeStatus(ColouredChoices):
    ISSUED = "issued", "warning", _("已交办")
    SIGNED = "signed", "info", _("已签收")
    RESPONDED = "responded", "primary", _("已反馈")
    ESCALATED = "escalated", "danger", _("已升级督办")
    CLOSED = "closed", "success", _("已办结")


class NoticeQuerySet(models.QuerySet["Notice"]):
    def visible_to(self, user: AnyUser) -> NoticeQuerySet:
        return scoped(
            self,
            user,
            lambda access: (
                Q(unit__in=access.liaison_unit_ids)
                | access.region_q("region__path")
                | access.region_q("unit__region__path")
            ),
        )

    def manageable_by(self, user: AnyUser) -> NoticeQuerySet:
        """The issuing office closes or escalates its own notices."""
        return scoped(self, user, lambda access: Q(region_id__in=access.office_region_ids))

    def answerable_by(self, user: AnyUser) -> NoticeQuerySet:
        return scoped(self, user, unit_writers_q)

    def open(self) -> NoticeQuerySet:
        return self.exclude(status=NoticeStatus.CLOSED)


class Notice(models.Model):
    """督办: 交办 → 签收 → 反馈 → 办结, or escalated (升级督办) when the response falls short."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(
        "plans.Task", verbose_name=_("任务"), on_delete=models.CASCADE, related_name="notices"
    )
    unit = models.ForeignKey(
        "regions.Unit", verbose_name=_("督办单位"), on_delete=models.PROTECT, related_name="notices"
    )
    cycle = models.ForeignKey(Cycle, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices")
    number = models.CharField(_("督办单号"), max_length=30)
    requirement = models.TextField(_("督办要求"))
    deadline = models.DateField(_("办理时限"))
    status = models.CharField(
        _("状态"), max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.ISSUED
    )
    level = models.PositiveSmallIntegerField(_("督办级别"), default=1)
    response = models.TextField(_("办理情况"), blank=True)
    # A file the unit sends with its 反馈 (a scan of the signed reply, photos), typed by content as evidence is.
    response_file = models.FileField(_("反馈附件"), upload_to="reporting/notices/%Y/", blank=True)
    response_filename = models.CharField(_("附件名"), max_length=200, blank=True)
    response_kind = models.CharField(max_length=10, blank=True)
    closing_note = models.TextField(_("办结意见"), blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(_("交办时间"))
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    responded_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]
        # Numbers are given by NoticeSequence under a row lock; the constraint is the backstop.
        constraints = [models.UniqueConstraint(fields=["region", "number"], name="notice_unique_number")]
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")

    def __str__(self) -> str:
        return f"督办 {self.number} · {self.unit.name}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:notice", kwargs={"notice_id": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status != NoticeStatus.CLOSED

    @property
    def status_choice(self) -> NoticeStatus:
        return NoticeStatus(self.status)

    def allows(self, step: str) -> bool:
        """Whether the notice's state admits ``step`` (sign, respond, close, escalate): the actions refuse
        what this refuses, and the page offers only what it allows."""
        return self.status in NOTICE_STEPS[step]

    @property
    def can_sign(self) -> bool:
        return self.allows("sign")

    @property
    def can_respond(self) -> bool:
        return self.allows("respond")

    @property
    def can_close(self) -> bool:
        return self.allows("close")

    @property
    def can_escalate(self) -> bool:
        return self.allows("escalate")


# 督办's transitions: the states each step starts from. An escalated notice is signed again, then
# answered; a closed one takes no step.
NOTICE_STEPS: dict[str, tuple[str, ...]] = {
    "sign": (NoticeStatus.ISSUED, NoticeStatus.ESCALATED),
    "respond": (NoticeStatus.SIGNED,),
    "close": (NoticeStatus.RESPONDED,),
    "escalate": (NoticeStatus.ISSUED, NoticeStatus.SIGNED, NoticeStatus.RESPONDED),
}


class NoticeSequence(models.Model):
    """The last 督办 number a region gave in a year. Issuing locks this row, so two notices issued at
    the same moment get consecutive numbers rather than the same one."""

    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="notice_sequence_unique")]

    def __str__(self) -> str:
        return f"督〔{self.year}〕{self.last}号"


class SchemeQuerySet(RegionScopedQuerySet):
    """Offices and leaders read their subtree's 考核 (the base rule)."""

    def manageable_by(self, user: AnyUser) -> Self:
        """The region's own office sets and judges its 考核; offices above it read it."""
        return scoped(self, user, lambda access: Q(region_id__in=access.office_region_ids))


class Scheme(models.Model):
    """考核方案 of a region for a year: the weight of each component (they add up to 100)."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    timeliness = models.FloatField(_("报送及时性"), default=20)
    completeness = models.FloatField(_("报送完整性"), default=20)
    achievement = models.FloatField(_("目标完成度"), default=40)
    quality = models.FloatField(_("工作质量（评议）"), default=20)
    # At most this many points of 加分 (减分) count towards a unit's total; empty: no cap.
    bonus_cap = models.FloatField(_("加分上限"), null=True, blank=True)
    penalty_cap = models.FloatField(_("减分上限"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The year's cycles still open when the scores were last computed: non-empty means 暂算.
    open_cycles = models.JSONField(_("计算时未结束的报送周期"), default=list, blank=True)

    objects = SchemeQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="scheme_unique_per_region_year")
        ]
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")

    def __str__(self) -> str:
        return f"{self.region.name}{self.year}年度考核"

    def get_absolute_url(self) -> str:
        return reverse("reporting:scheme", kwargs={"scheme_id": self.pk})

    @property
    def weights(self) -> rules.Weights:
        return rules.Weights(self.timeliness, self.completeness, self.achievement, self.quality)

    @property
    def is_provisional(self) -> bool:
        """Computed while some of the year's cycles were still open: 暂算."""
        return bool(self.open_cycles)


class Score(models.Model):
    """A unit's 考核 score: components computed from its reports, quality judged by the office, and
    the office's 加分 / 减分 items (``adjustments``, the only record of them). ``total`` is stored for
    ranking and is recomputed whenever a component, the quality mark or an item changes."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="scores")
    unit = models.ForeignKey(
        "regions.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    timeliness = models.FloatField(_("及时性"), default=0)
    completeness = models.FloatField(_("完整性"), default=0)
    achievement = models.FloatField(_("目标完成度"), default=0)
    quality = models.FloatField(_("工作质量"), null=True, blank=True)  # entered by the office
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评议人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    judged_at = models.DateTimeField(_("评议时间"), null=True, blank=True)
    total = models.FloatField(_("总分"), default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    # Components with nothing to measure for this unit (不适用, e.g. 目标完成度 of a unit leading no
    # task); the others are rescaled to the scheme's full marks.
    not_applicable = models.JSONField(_("不适用的项目"), default=list, blank=True)

    class Meta:
        ordering = ["scheme", "-total"]
        constraints = [models.UniqueConstraint(fields=["scheme", "unit"], name="score_unique_per_unit")]
        verbose_name = _("考核得分")
        verbose_name_plural = _("考核得分")

    def __str__(self) -> str:
        return f"{self.unit.name}{self.scheme.year}年度考核得分"

    def get_absolute_url(self) -> str:
        return reverse("reporting:score", kwargs={"score_id": self.pk})

    def _points(self, kind: str) -> float:
        # Reads the prefetched items when the caller prefetched them (the ranking tables do).
        return round(sum(item.points for item in self.adjustments.all() if item.kind == kind), 1)

    @property
    def bonus(self) -> float:
        """The 加分 items' sum, before the scheme's cap."""
        return self._points(AdjustmentKind.BONUS)

    @property
    def penalty(self) -> float:
        """The 减分 items' sum, before the scheme's cap."""
        return self._points(AdjustmentKind.PENALTY)

    @property
    def bonus_counted(self) -> float:
        """The 加分 that enters the total: the items' sum, at most the scheme's 加分上限."""
        return rules.capped(self.bonus, self.scheme.bonus_cap)

    @property
    def penalty_counted(self) -> float:
        return rules.capped(self.penalty, self.scheme.penalty_cap)

    @property
    def rescale(self) -> float:
        """The factor the applicable parts count with (1 when every component applies)."""
        return rules.rescale_factor(self.scheme.weights, self.not_applicable)

    @property
    def not_applicable_labels(self) -> list[str]:
        return [rules.COMPONENT_LABELS[name] for name in self.not_applicable]

    def applies(self, component: str) -> bool:
        return component not in self.not_applicable

    @property
    def rescale_note(self) -> str:
        """目标完成度对本单位不适用（…）；其余各项合计 43.0 分（满分 60），按 100 ÷ 60 折算为 71.7 分。"""
        if not self.not_applicable:
            return ""
        weights = self.scheme.weights
        why = "；".join(
            f"{rules.COMPONENT_LABELS[n]}对本单位不适用（{rules.NOT_APPLICABLE_WHY[n]}）"
            for n in self.not_applicable
        )
        full = sum(vars(weights).values())
        left = full - sum(getattr(weights, n) for n in self.not_applicable)
        parts = sum(getattr(self, n) for n in rules.COMPONENTS if n not in self.not_applicable) + (
            self.quality or 0
        )
        return (
            f"{why}；其余各项合计 {parts:.1f} 分（满分 {left:g}），按 {full:g} ÷ {left:g} 折算为 "
            f"{parts * self.rescale:.1f} 分，再计加减分。"
        )

    @property
    def adjustments_text(self) -> str:
        """加分：承办全国科普日主场活动 +2；减分：未按时报送半年总结 −1"""
        return "；".join(item.label for item in self.adjustments.all())


class AdjustmentKind(models.TextChoices):
    BONUS = "bonus", _("加分")
    PENALTY = "penalty", _("减分")


class ScoreAdjustment(models.Model):
    """One 加分 or 减分 item of a unit's score, with its own points and reason."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(_("类别"), max_length=8, choices=AdjustmentKind.choices)
    points = models.FloatField(_("分值"))  # always positive; the kind gives the sign
    reason = models.CharField(_("理由"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        ordering = ["score", "kind", "created_at", "pk"]  # 加分 before 减分, each in the order entered
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="score_adjustment_points_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="score_adjustment_reason_required"),
        ]
        verbose_name = _("加减分项")
        verbose_name_plural = _("加减分项")

    def __str__(self) -> str:
        return self.label

    @property
    def signed_points(self) -> str:
        sign = "+" if self.kind == AdjustmentKind.BONUS else "\u2212"  # U+2212 MINUS SIGN, as printed
        return f"{sign}{self.points:g}"

    @property
    def label(self) -> str:
        return f"{self.get_kind_display()}：{self.reason} {self.signed_points}"
