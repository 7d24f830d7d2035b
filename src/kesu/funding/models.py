"""科普经费: funding lines per unit per year, tied to plan tasks, with their 绩效目标 (docs/funding.md).

Amounts are stored in 元 (two decimals); pages and exports say which unit they show (the 科普统计
form asks for 万元). Who sees what is decided once (``FundingLineQuerySet``): an office reads its
subtree's lines, a unit's liaison reads and edits its own unit's lines, nobody else reads anything.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import scoped

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser
    from kesu.regions.models import Region


class Nature(models.TextChoices):
    """资金性质, as the 科普统计 splits 筹集额."""

    APPROPRIATION = "appropriation", _("财政拨款")
    SPECIAL = "special", _("科普专项")
    SELF_RAISED = "self_raised", _("自筹")
    DONATION = "donation", _("社会捐赠")
    TRANSFER = "transfer", _("上级转移支付")


class ProjectType(models.TextChoices):
    RECURRING = "recurring", _("常年性项目")
    CONTINUING = "continuing", _("延续性项目")
    ONE_OFF = "one_off", _("一次性项目")


class LineStatus(models.TextChoices):
    DECLARED = "declared", _("预算申报")
    APPROVED = "approved", _("已批复")
    EXECUTING = "executing", _("执行中")
    EVALUATED = "evaluated", _("绩效自评")
    PUBLISHED = "published", _("已公开")


# The one way forward through a line's year: 申报 → 批复 → 执行 → 绩效自评 → 公开 (no skipping, no way back;
# a mistake after the self-evaluation is corrected by the office, see docs/funding.md).
NEXT_STATUS: dict[str, str] = {
    LineStatus.DECLARED: LineStatus.APPROVED,
    LineStatus.APPROVED: LineStatus.EXECUTING,
    LineStatus.EXECUTING: LineStatus.EVALUATED,
    LineStatus.EVALUATED: LineStatus.PUBLISHED,
}
# The button that moves a line on, by the state it is in.
STEP_LABEL: dict[str, str] = {
    LineStatus.DECLARED: "记录批复",
    LineStatus.APPROVED: "开始执行",
    LineStatus.EXECUTING: "提交绩效自评",
    LineStatus.EVALUATED: "公开",
}
# Amounts and targets can change until the self-evaluation is submitted; after that the figures are
# what was evaluated and published.
EDITABLE_STATUSES = frozenset({LineStatus.DECLARED, LineStatus.APPROVED, LineStatus.EXECUTING})


class FundingError(ValueError):
    """A funding write that cannot go ahead; ``message`` is for the user (Chinese)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


class FundingLineQuerySet(models.QuerySet["FundingLine"]):
    # Paths are read off the line's own ``region_path`` (its unit's region's, kept in step): a subtree
    # is one range of the path index, with no join to units and regions.
    def visible_to(self, user: AnyUser) -> FundingLineQuerySet:
        return scoped(
            self,
            user,
            lambda access: Q(unit__in=access.liaison_unit_ids) | access.region_q("region_path"),
        )

    def editable_by(self, user: AnyUser) -> FundingLineQuerySet:
        return scoped(
            self,
            user,
            lambda access: Q(unit__in=access.liaison_unit_ids) | access.office_q("region_path"),
        )

    def in_region(self, region: Region) -> FundingLineQuerySet:
        """Lines of units in ``region`` or below it."""
        return self.filter(region_path__startswith=region.path)

    def bulk_create(  # django-stubs types it on the generic model, not this queryset's
        self,
        objs: Iterable[Any],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Collection[str] | None = None,
        unique_fields: Collection[str] | None = None,
    ) -> list[Any]:
        """Lines built without their region path get their unit's (demo data, benchmarks): one query."""
        lines = list(objs)
        missing = {line.unit_id for line in lines if not line.region_path}
        if missing:
            from kesu.regions.models import Unit

            paths = dict(Unit.objects.filter(pk__in=missing).values_list("pk", "region__path"))
            for line in lines:
                line.region_path = line.region_path or paths.get(line.unit_id, "")
        return super().bulk_create(
            lines,
            batch_size=batch_size,
            ignore_conflicts=ignore_conflicts,
            update_conflicts=update_conflicts,
            update_fields=update_fields,
            unique_fields=unique_fields,
        )

    def sync_region_paths(self) -> int:
        """Give every line whose unit's region moved (or whose unit moved) the path it has now: one
        join finds the lines that differ (none, mostly), and only those are written. Returns how many."""
        from kesu.regions.models import Unit

        current = Unit.objects.filter(pk=OuterRef("unit_id")).values("region__path")[:1]
        stale = list(
            self.exclude(region_path=F("unit__region__path")).order_by().values_list("pk", flat=True)
        )
        return sum(
            self.filter(pk__in=stale[start : start + 5000]).update(region_path=Subquery(current))
            for start in range(0, len(stale), 5000)
        )

    def manageable_by(self, user: AnyUser) -> FundingLineQuerySet:
        """The registry shape's name for ``editable_by`` (``core.objectviews`` asks for it)."""
        return self.editable_by(user)


class FundingLine(models.Model):
    """One line of a unit's 科普经费 in one budget year."""

    unit = models.ForeignKey(
        "regions.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    # The unit's region's path ("41/4104/…/"), copied onto the line so that a subtree (who may see a
    # line, the region filter, the overview's sums) is read from this table alone. Set by the actions
    # and the import, and kept in step when a region or a unit moves (``signals``).
    region_path = models.CharField(max_length=80, editable=False, default="")
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("项目名称"), max_length=200)
    tasks = models.ManyToManyField("plans.Task", verbose_name=_("关联任务"), blank=True, related_name="+")
    nature = models.CharField(_("资金性质"), max_length=16, choices=Nature.choices)
    # 是否科普专项: the national 人均科普专项经费 counts these; a 科普专项 line always is one (actions set it).
    is_special = models.BooleanField(_("是否科普专项"), default=False)
    project_type = models.CharField(
        _("项目类型"), max_length=12, choices=ProjectType.choices, default=ProjectType.RECURRING
    )
    budget = models.DecimalField(_("预算数（元）"), max_digits=16, decimal_places=2)
    received = models.DecimalField(_("到位数（元）"), max_digits=16, decimal_places=2, default=Decimal(0))
    spent = models.DecimalField(_("执行数（元）"), max_digits=16, decimal_places=2, default=Decimal(0))
    # 使用额 split as the 科普统计 asks it; blank means the unit did not split the line.
    spent_activities = models.DecimalField(
        _("其中：科普活动支出"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    spent_venue_building = models.DecimalField(
        _("其中：场馆基建支出"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    spent_exhibits = models.DecimalField(
        _("其中：展品、设施支出"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    spent_other = models.DecimalField(
        _("其中：其他支出"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("执行说明"), blank=True)  # required when spent > received
    status = models.CharField(
        _("状态"), max_length=12, choices=LineStatus.choices, default=LineStatus.DECLARED
    )
    self_score = models.DecimalField(_("绩效自评得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FundingLineQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "unit", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "name"], name="funding_line_unique_per_unit_year")
        ]
        indexes = [
            models.Index(fields=["year", "unit"], name="funding_line_year_unit"),
            # the list's default order: a page of a province's 50,000 lines is read off the index
            models.Index(fields=["-year", "unit", "name"], name="funding_line_list_order"),
            # a subtree's lines (LIKE 'path%' needs the pattern operator class on a non-C collation),
            # by year: the scope filter, the region filter and the overview's grouped sums
            models.Index(
                fields=["region_path", "year"],
                name="funding_line_path_year",
                opclasses=["varchar_pattern_ops", "int2_ops"],
            ),
        ]
        verbose_name = _("科普经费项目")
        verbose_name_plural = _("科普经费项目")

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.region_path:
            self.region_path = self.unit.region.path
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("funding:line", kwargs={"line_id": self.pk})

    @property
    def execution_rate(self) -> Decimal | None:
        """执行率 = 执行数 ÷ 预算数 in % (None without a budget)."""
        from kesu.funding.arithmetic import execution_rate

        return execution_rate(self.spent, self.budget)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def next_status(self) -> str | None:
        return NEXT_STATUS.get(self.status)

    @property
    def step_label(self) -> str:
        return STEP_LABEL.get(self.status, "")

    @property
    def next_step_locks(self) -> bool:
        """The next step ends editing (绩效自评 freezes amounts and targets): the page warns before it."""
        return self.is_editable and self.next_status is not None and self.next_status not in EDITABLE_STATUSES


class PerformanceTarget(models.Model):
    """A 绩效目标 row of a line: the indicator, its target and what was achieved."""

    line = models.ForeignKey(FundingLine, on_delete=models.CASCADE, related_name="performance_targets")
    indicator = models.CharField(_("绩效指标"), max_length=200)
    target = models.CharField(_("目标值"), max_length=100)
    actual = models.CharField(_("实际完成值"), max_length=100, blank=True)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1, null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["line", "order", "pk"]
        verbose_name = _("绩效目标")
        verbose_name_plural = _("绩效目标")

    def __str__(self) -> str:
        return f"{self.indicator}：{self.target}"


def creatable_units(user: AnyUser) -> models.QuerySet[Any]:
    """The units a user may add lines for: a liaison its own unit(s), an office every unit of its subtree."""
    from kesu.regions.models import Unit

    return scoped(
        Unit.objects.select_related("region"),
        user,
        lambda access: Q(pk__in=access.liaison_unit_ids) | access.office_q("region__path"),
    ).order_by("region__path", "name")
