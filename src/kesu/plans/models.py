"""A region's plan (实施方案 / 工作要点): sections, tasks, responsibilities and targets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import scoped

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser


class PlanKind(models.TextChoices):
    FIVE_YEAR = "five_year", _("五年实施方案")
    ANNUAL = "annual", _("年度工作要点")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class PlanQuerySet(models.QuerySet["Plan"]):
    def visible_to(self, user: AnyUser) -> PlanQuerySet:
        """Offices and leaders see their subtree's plans; a liaison sees published plans it has tasks in."""
        # A subquery, not a join: a join through tasks would repeat each plan once per responsibility.
        return scoped(
            self,
            user,
            lambda access: (
                access.region_q("region__path")
                | Q(
                    status=PlanStatus.PUBLISHED,
                    pk__in=Responsibility.objects.filter(unit__in=access.liaison_unit_ids).values(
                        "task__plan_id"
                    ),
                )
            ),
        )

    def manageable_by(self, user: AnyUser) -> PlanQuerySet:
        return scoped(self, user, lambda access: access.office_q("region__path"))

    def published(self) -> PlanQuerySet:
        return self.filter(status=PlanStatus.PUBLISHED)


class Plan(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="plans"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=PlanKind.choices, default=PlanKind.FIVE_YEAR)
    title = models.CharField(_("标题"), max_length=200)
    doc_number = models.CharField(_("文号"), max_length=60, blank=True)
    period_start = models.PositiveSmallIntegerField(_("起始年"), null=True, blank=True)
    period_end = models.PositiveSmallIntegerField(_("截止年"), null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级方案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    status = models.CharField(_("状态"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    goal_indicator = models.CharField(_("总体目标指标"), max_length=100, blank=True)
    goal_value = models.FloatField(_("目标值（%）"), null=True, blank=True)
    goal_comparator = models.CharField(_("比较"), max_length=2, blank=True)
    goal_year = models.PositiveSmallIntegerField(_("目标年"), null=True, blank=True)
    goal_text = models.TextField(_("目标原文"), blank=True)
    reporting_deadlines = models.JSONField(_("报送时限"), default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # goal_value / goal_comparator / goal_year the office corrected by hand → what the document said
    corrections = models.JSONField(_("手工修改"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "-period_start", "title"]
        verbose_name = _("方案")
        verbose_name_plural = _("方案")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("plans:plan", kwargs={"plan_id": self.pk})

    @property
    def period_label(self) -> str:
        if self.period_start is None:
            return ""
        if self.period_end in (None, self.period_start):
            return f"{self.period_start}年"
        return f"{self.period_start}—{self.period_end}年"

    @property
    def current_document(self) -> PlanDocument | None:
        return self.documents.order_by("-version").first()

    @property
    def goal_comparator_label(self) -> str:
        return {">": "超过 ", ">=": ""}.get(self.goal_comparator, "")

    @property
    def is_published(self) -> bool:
        return self.status == PlanStatus.PUBLISHED


class PlanDocument(models.Model):
    """One uploaded version of the plan's source: the file, its text and hash."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="documents")
    version = models.PositiveSmallIntegerField(default=1)
    file = models.FileField(upload_to="plans/%Y/")
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    text = models.TextField()
    # [start, end) spans of ``text`` the OCR engine was unsure of (scanned plans): marked for checking
    uncertain_spans = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="plan_document_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.filename} v{self.version}"


class PartKind(models.TextChoices):
    ACTION = "action", _("提升行动")
    PROJECT = "project", _("重点工程")
    OTHER = "other", _("其他")


class Section(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    number = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=10)  # part / section / item
    title = models.CharField(max_length=300)
    order = models.PositiveIntegerField()
    span_start = models.PositiveIntegerField()
    span_end = models.PositiveIntegerField()
    general = models.BooleanField(default=False)

    class Meta:
        ordering = ["plan", "order"]

    def __str__(self) -> str:
        return f"{self.number}{self.title}"


class TaskQuerySet(models.QuerySet["Task"]):
    def visible_to(self, user: AnyUser) -> TaskQuerySet:
        """An office or leader sees its subtree's tasks; a liaison only its unit's tasks of published plans."""
        return scoped(
            self,
            user,
            lambda access: (
                access.region_q("plan__region__path")
                | Q(
                    plan__status=PlanStatus.PUBLISHED,
                    pk__in=Responsibility.objects.filter(unit__in=access.liaison_unit_ids).values("task_id"),
                )
            ),
        )

    def active(self) -> TaskQuerySet:
        return self.filter(is_active=True)

    def for_unit(self, unit_id: int) -> TaskQuerySet:
        return self.filter(responsibilities__unit_id=unit_id).distinct()


class Task(models.Model):
    """A leaf item of the plan that units are held to; ``external_id`` survives re-imports."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    external_id = models.CharField(_("任务编号"), max_length=64)
    order = models.PositiveIntegerField()
    number = models.CharField(_("序号"), max_length=20, blank=True)
    part = models.CharField(_("所属部分"), max_length=200, blank=True)
    section_title = models.CharField(_("所属章节"), max_length=300, blank=True)
    part_kind = models.CharField(_("类别"), max_length=10, choices=PartKind.choices, default=PartKind.OTHER)
    # "|青少年|农民|": a delimited string so one LIKE filters by group on SQLite and PostgreSQL alike.
    key_group_tags = models.CharField(_("重点人群"), max_length=120, blank=True)
    title = models.CharField(_("任务"), max_length=300)
    text = models.TextField(_("主要内容"))
    span_start = models.PositiveIntegerField(default=0)
    span_end = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)  # a task dropped by a re-import is kept, inactive
    # The office decided nobody reports on this task (a 保障措施 paragraph): new cycles leave it out and
    # the board shows it grey 不报送 rather than 无责任单位.
    not_reported = models.BooleanField(_("不报送"), default=False)
    # Fields the office corrected by hand since the last import → what the document said there
    # (title, text: the text; lead / participating / responsible: the names as written). A re-import
    # keeps these corrections unless the office takes the new document's value (plans.reimport).
    corrections = models.JSONField(_("手工修改"), default=dict, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "external_id"], name="task_external_id_unique")
        ]
        verbose_name = _("任务")
        verbose_name_plural = _("任务")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("plans:task", kwargs={"task_id": self.pk})

    @property
    def key_groups(self) -> list[str]:
        return [g for g in self.key_group_tags.split("|") if g]

    @key_groups.setter
    def key_groups(self, groups: list[str]) -> None:
        self.key_group_tags = f"|{'|'.join(groups)}|" if groups else ""

    def units_in_role(self, role: str) -> list[str]:
        return [r.display_name for r in self.responsibilities.all() if r.role == role]

    @property
    def lead_names(self) -> list[str]:
        return self.units_in_role(Role.LEAD)

    @property
    def participating_names(self) -> list[str]:
        return self.units_in_role(Role.PARTICIPATING)

    @property
    def responsible_names(self) -> list[str]:
        return self.units_in_role(Role.RESPONSIBLE)


class Role(models.TextChoices):
    LEAD = "lead", _("牵头")
    PARTICIPATING = "participating", _("参与")
    RESPONSIBLE = "responsible", _("责任")


class Responsibility(models.Model):
    """Task × unit × role; ``mention`` is the name as written, resolved to a unit or a group."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="responsibilities")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    mention = models.CharField(_("文中名称"), max_length=100)
    unit = models.ForeignKey(
        "regions.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="responsibilities"
    )
    group = models.ForeignKey(
        "regions.UnitGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="responsibilities"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["task", "role", "order"]
        constraints = [
            models.UniqueConstraint(fields=["task", "role", "mention"], name="responsibility_unique")
        ]

    def __str__(self) -> str:
        return f"{self.display_name}（{self.get_role_display()}）"

    @property
    def display_name(self) -> str:
        return self.unit.name if self.unit else self.mention

    @property
    def is_resolved(self) -> bool:
        return self.unit_id is not None or self.group_id is not None


class Target(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="targets")
    indicator = models.CharField(_("指标"), max_length=200)
    value = models.FloatField(_("目标值"))
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    comparator = models.CharField(_("比较"), max_length=2, default=">=")
    year = models.PositiveSmallIntegerField(_("完成年份"), null=True, blank=True)
    per_year = models.BooleanField(_("每年"), default=False)
    text = models.CharField(_("原文"), max_length=300, blank=True)
    span_start = models.PositiveIntegerField(default=0)
    span_end = models.PositiveIntegerField(default=0)
    # indicator, value, unit, comparator, year, per_year the office corrected → the document's value
    corrections = models.JSONField(_("手工修改"), default=dict, blank=True)
    # Added on the task page, not found in the document: a re-import leaves it alone.
    added_by_office = models.BooleanField(_("手工新增"), default=False)

    class Meta:
        ordering = ["task", "span_start"]
        verbose_name = _("目标")
        verbose_name_plural = _("目标")

    def __str__(self) -> str:
        return f"{self.indicator} {self.comparator_label}{self.value_label}{self.unit}"

    @property
    def value_label(self) -> str:
        return f"{self.value:g}"

    @property
    def comparator_label(self) -> str:
        return {">=": "≥", ">": "＞", "=": "＝", "<=": "≤", "<": "＜"}.get(self.comparator, self.comparator)

    @property
    def deadline_label(self) -> str:
        if self.per_year:
            return "每年"
        return f"{self.year}年" if self.year else ""
