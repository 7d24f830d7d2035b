"""The 科技馆 system and mobile venues, 示范创建 and 表彰奖励.

- 科技馆, 达标 科技馆, 农村中学科技馆 and 科技小院 are flags of an ``Institution`` (institutions.py); this
  module adds the mobile venues: 流动科技馆 tours with their stops (a county, dates, visitors) and
  科普大篷车 trips.
- 示范创建: a ``Creation`` (示范县/社区/村/学校/基地 of a region, at a level, for a cycle) is checked
  against a ``Checklist`` kept as data: each ``Criterion`` says what evidence it needs and which figure,
  compared with which threshold; the figure is typed in, or read live from an indicator value or from
  the registry's own counts. Steps 提交自评 → 市级检查 → 验收 are the table ``CREATION_STEPS``.
- 表彰奖励: an ``AwardCall`` (推荐 → 评审 → 公示 5 个工作日 → 公布, the table ``CALL_STEPS``) and its
  ``Nomination``s of a person, a unit or a base; an award may carry a 加分 item into the year's 考核.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import RegionScopedQuerySet, scoped
from kesu.core.choices import ColouredChoices

if TYPE_CHECKING:
    from typing import Self

    from kesu.accounts.access import Access, AnyUser

__all__ = [
    "CALL_STEPS",
    "CREATION_STEPS",
    "AwardCall",
    "CallStatus",
    "CaravanTrip",
    "Checklist",
    "Comparator",
    "Creation",
    "CreationEvidence",
    "CreationKind",
    "CreationLevel",
    "CreationStatus",
    "CreationStepLog",
    "Criterion",
    "CriterionSource",
    "CriterionValue",
    "Nomination",
    "NomineeKind",
    "Step",
    "Tour",
    "TourStop",
    "working_days_end",
]


def working_days_end(start: datetime.date, days: int = 5) -> datetime.date:
    """The last day of a period of ``days`` working days beginning on ``start`` (weekends skipped; a
    start on a weekend begins on the Monday). Statutory holidays are not known here: the office
    moves the end by hand when a holiday falls inside."""
    day, counted = start, 0
    while True:
        if day.weekday() < 5:
            counted += 1
            if counted == days:
                return day
        day += datetime.timedelta(days=1)


# ---- mobile venues ------------------------------------------------------------------------------


class Tour(models.Model):
    """A 流动科技馆 exhibition set touring the counties of the organising region in a year."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("组织区划"), on_delete=models.PROTECT, related_name="+"
    )
    exhibition = models.CharField(_("展览（展品套）"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "exhibition"]
        verbose_name = _("流动科技馆巡展")
        verbose_name_plural = _("流动科技馆巡展")

    def __str__(self) -> str:
        return f"{self.exhibition}（{self.year}年巡展）"

    def get_absolute_url(self) -> str:
        return reverse("venues:system_tour", kwargs={"tour_id": self.pk})


class TourStop(models.Model):
    """One stop of a tour: the county it stood in, from when to when, and how many came."""

    tour = models.ForeignKey(Tour, verbose_name=_("巡展"), on_delete=models.CASCADE, related_name="stops")
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("巡展县（市、区）"), on_delete=models.PROTECT, related_name="+"
    )
    venue = models.CharField(_("展出地点"), max_length=200, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    visitors = models.PositiveIntegerField(_("参观人次"), default=0)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["tour", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="venues_tour_stop_dates_ordered"
            )
        ]
        verbose_name = _("巡展站点")
        verbose_name_plural = _("巡展站点")

    def __str__(self) -> str:
        return f"{self.region.name} {self.start_date:%Y-%m-%d}—{self.end_date:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return self.tour.get_absolute_url()


class CaravanTrip(models.Model):
    """One 科普大篷车 outing: which vehicle, when, where, how many activities and visitors."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所到区划"), on_delete=models.PROTECT, related_name="+"
    )
    vehicle = models.CharField(_("车辆"), max_length=100)
    date = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=200)
    activities = models.PositiveIntegerField(_("活动场次"), default=1)
    visitors = models.PositiveIntegerField(_("受众人次"), default=0)
    note = models.CharField(_("活动内容"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "vehicle"]
        verbose_name = _("科普大篷车活动")
        verbose_name_plural = _("科普大篷车活动")

    def __str__(self) -> str:
        return f"{self.vehicle} {self.date:%Y-%m-%d} {self.place}"

    def get_absolute_url(self) -> str:
        return reverse("venues:system_caravan", kwargs={"caravan_id": self.pk})


# ---- transitions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One transition: the states it starts from, the state it leads to, who takes it (``own``: an
    office managing the record's region; ``above``: an office of a region above it), and whether a
    reason must be given (a return)."""

    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    by: str = "own"
    needs_reason: bool = False

    def allowed_for(self, access: Access, path: str, parent_path: str | None) -> bool:
        if self.by == "own":
            return access.manages_path(path)
        return parent_path is not None and access.manages_path(parent_path)


# ---- 示范创建 ------------------------------------------------------------------------------------


class CreationKind(models.TextChoices):
    COUNTY = "county", _("科普示范县（市、区）")
    COMMUNITY = "community", _("科普示范社区")
    VILLAGE = "village", _("科普示范村")
    SCHOOL = "school", _("科普示范学校")
    BASE = "base", _("科普示范基地")


class CreationLevel(models.IntegerChoices):
    NATIONAL = 1, _("全国")
    PROVINCE = 2, _("省级")
    CITY = 3, _("市级")


class CreationStatus(ColouredChoices):
    SELF_ASSESSING = "self", "secondary", _("自评中")
    SUBMITTED = "submitted", "warning", _("待市级检查")
    CHECKED = "checked", "info", _("待验收")
    ACCEPTED = "accepted", "success", _("已验收命名")
    RETURNED = "returned", "danger", _("已退回修改")


# The creation's steps, stated once: the actions refuse what this refuses and the page offers only
# what it allows. A return goes back to the region, which corrects and submits its 自评 again.
CREATION_STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step(
            "submit",
            "提交自评",
            (CreationStatus.SELF_ASSESSING, CreationStatus.RETURNED),
            CreationStatus.SUBMITTED,
        ),
        Step("check", "市级检查通过", (CreationStatus.SUBMITTED,), CreationStatus.CHECKED, by="above"),
        Step("accept", "验收通过", (CreationStatus.CHECKED,), CreationStatus.ACCEPTED, by="above"),
        Step(
            "return",
            "退回修改",
            (CreationStatus.SUBMITTED, CreationStatus.CHECKED),
            CreationStatus.RETURNED,
            by="above",
            needs_reason=True,
        ),
    )
}


class Comparator(models.TextChoices):
    AT_LEAST = ">=", "≥"
    MORE = ">", "＞"
    EQUAL = "=", "＝"
    AT_MOST = "<=", "≤"
    LESS = "<", "＜"


def compare(value: float, comparator: str, threshold: float) -> bool:
    return {
        ">=": value >= threshold,
        ">": value > threshold,
        "=": abs(value - threshold) < 1e-9,
        "<=": value <= threshold,
        "<": value < threshold,
    }[comparator]


class CriterionSource(models.TextChoices):
    MANUAL = "manual", _("填报")
    INDICATOR = "indicator", _("指标数值")
    REGISTRY = "registry", _("登记库计数")


class ChecklistQuerySet(RegionScopedQuerySet):
    def visible_to(self, user: AnyUser) -> Self:
        """The common checklists (no region), those of the user's subtree, and those of the regions
        above it (a county creates against its city's or province's checklist); offices manage the
        ones of their subtree."""
        return scoped(
            self,
            user,
            lambda access: (
                Q(region__isnull=True)
                | access.region_q("region__path")
                | Q(region__code__in=_codes_above(access.read_paths))
            ),
        )


def _codes_above(paths: tuple[str, ...]) -> list[str]:
    return sorted({code for path in paths for code in path.strip("/").split("/")[:-1] if code})


class Checklist(models.Model):
    """The criteria of one kind of creation, as an office (or, region empty, everyone) uses them."""

    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("制定区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("创建类型"), max_length=12, choices=CreationKind.choices)
    name = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("版本年份"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChecklistQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-year", "name"]
        verbose_name = _("创建标准")
        verbose_name_plural = _("创建标准")

    def __str__(self) -> str:
        return f"{self.name}（{self.year}）"

    def get_absolute_url(self) -> str:
        return reverse("venues:system_checklist", kwargs={"checklist_id": self.pk})


class Criterion(models.Model):
    """One line of a checklist: what must hold, what evidence proves it, and the figure it needs.

    A figure is typed in by the region (``manual``), or read live: the region's indicator value for the
    year (``indicator_code``) or a count of the registries (``registry_figure``, a key of
    ``venues.counting_system.FIGURES``)."""

    checklist = models.ForeignKey(
        Checklist, verbose_name=_("创建标准"), on_delete=models.CASCADE, related_name="criteria"
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    text = models.CharField(_("标准内容"), max_length=300)
    evidence = models.CharField(_("佐证材料要求"), max_length=300, blank=True)
    figure = models.CharField(_("所需数据"), max_length=100, blank=True)
    comparator = models.CharField(
        _("比较"), max_length=2, choices=Comparator.choices, default=Comparator.AT_LEAST
    )
    threshold = models.FloatField(_("达标值"), null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    source = models.CharField(
        _("数据来源"), max_length=10, choices=CriterionSource.choices, default=CriterionSource.MANUAL
    )
    indicator_code = models.CharField(_("指标代码"), max_length=50, blank=True)
    registry_figure = models.CharField(_("登记库计数"), max_length=50, blank=True)

    class Meta:
        ordering = ["checklist", "order", "pk"]
        verbose_name = _("创建标准条目")
        verbose_name_plural = _("创建标准条目")

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return self.checklist.get_absolute_url()

    @property
    def requirement_label(self) -> str:
        """≥ 2 个; empty when the criterion is judged on evidence alone."""
        if self.threshold is None:
            return ""
        return f"{self.get_comparator_display()} {self.threshold:g} {self.unit}".strip()

    def judge(self, value: float | None) -> bool | None:
        """Met, not met, or None when there is no figure yet (or nothing to compare with)."""
        if self.threshold is None or value is None:
            return None
        return compare(value, self.comparator, self.threshold)


class CreationQuerySet(RegionScopedQuerySet):
    """Offices and leaders read their subtree's creations; offices of the region or above manage them
    (the step table says which step whom)."""


class Creation(models.Model):
    """A region (or a place in it: a 社区, a 村, a school) working towards a 示范 title for a cycle."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(
        _("创建单位（社区、村、学校等）"), max_length=200, blank=True, help_text=_("示范县留空")
    )
    kind = models.CharField(_("创建类型"), max_length=12, choices=CreationKind.choices)
    level = models.PositiveSmallIntegerField(_("级别"), choices=CreationLevel.choices)
    cycle_start = models.PositiveSmallIntegerField(_("创建周期起"))
    cycle_end = models.PositiveSmallIntegerField(_("创建周期止"))
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("创建标准"), on_delete=models.PROTECT, related_name="creations"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=CreationStatus.choices, default=CreationStatus.SELF_ASSESSING
    )
    document_no = models.CharField(_("命名文号"), max_length=100, blank=True)
    named_on = models.DateField(_("命名日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CreationQuerySet.as_manager()

    class Meta:
        ordering = ["-cycle_start", "region__code", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cycle_end__gte=F("cycle_start")), name="venues_creation_cycle_ordered"
            )
        ]
        verbose_name = _("示范创建")
        verbose_name_plural = _("示范创建")

    def __str__(self) -> str:
        who = self.place or self.region.name
        return f"{who}创建{self.get_level_display()}{self.get_kind_display()}（{self.cycle_start}—{self.cycle_end}）"

    def get_absolute_url(self) -> str:
        return reverse("venues:system_creation", kwargs={"creation_id": self.pk})

    def allows(self, step: str) -> bool:
        return self.status in CREATION_STEPS[step].sources

    def status_colour(self) -> str:
        return CreationStatus(self.status).colour


class CreationStepLog(models.Model):
    """Who took which step when, and why a return was made (the page's 流程记录; the audit trail
    holds the same with the before/after)."""

    creation = models.ForeignKey(Creation, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("步骤"), max_length=10)
    from_status = models.CharField(max_length=10)
    to_status = models.CharField(max_length=10)
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["creation", "at", "pk"]

    def __str__(self) -> str:
        return CREATION_STEPS[self.step].label if self.step in CREATION_STEPS else self.step


class CriterionValue(models.Model):
    """The figure a region typed in for a ``manual`` criterion, with its note."""

    creation = models.ForeignKey(Creation, on_delete=models.CASCADE, related_name="values")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    value = models.FloatField(_("数值"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creation", "criterion"], name="venues_criterion_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}：{self.value}"


class CreationEvidence(models.Model):
    """An uploaded proof for one criterion (the kind read from the file's content)."""

    creation = models.ForeignKey(Creation, on_delete=models.CASCADE, related_name="evidence")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to="venues/creation/%Y/")
    filename = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["creation", "criterion", "uploaded_at"]

    def __str__(self) -> str:
        return self.filename


# ---- 表彰奖励 ------------------------------------------------------------------------------------


class CallStatus(ColouredChoices):
    NOMINATING = "nominating", "warning", _("推荐")
    REVIEWING = "reviewing", "info", _("评审")
    PUBLICITY = "publicity", "primary", _("公示")
    ANNOUNCED = "announced", "success", _("公布")


CALL_STAGE_WORDS: dict[str, str] = {
    CallStatus.NOMINATING.value: "推荐中",
    CallStatus.REVIEWING.value: "评审中",
    CallStatus.PUBLICITY.value: "公示中",
    CallStatus.ANNOUNCED.value: "已公布",
}

# 表彰's steps, stated once. Publicity lasts five working days; 公布 comes after it ends.
CALL_STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step("review", "截止推荐，开始评审", (CallStatus.NOMINATING,), CallStatus.REVIEWING),
        Step("publicise", "评审完成，开始公示", (CallStatus.REVIEWING,), CallStatus.PUBLICITY),
        Step("announce", "公示期满，公布结果", (CallStatus.PUBLICITY,), CallStatus.ANNOUNCED),
        Step(
            "reopen",
            "退回重新评审",
            (CallStatus.PUBLICITY,),
            CallStatus.REVIEWING,
            needs_reason=True,
        ),
    )
}


class AwardCallQuerySet(RegionScopedQuerySet):
    def visible_to(self, user: AnyUser) -> Self:
        """Offices and leaders read their subtree's calls; a liaison reads its region's own calls,
        to recommend (its view of nominations is narrower: ``Nomination.visible_to``)."""
        return scoped(
            self,
            user,
            lambda access: access.region_q("region__path") | Q(region_id__in=access.liaison_region_ids),
        )


class AwardCall(models.Model):
    """One 表彰 of a region for a year (优秀科技志愿服务队, 优秀科技辅导员, …)."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("表彰名称"), max_length=200)
    quota = models.PositiveIntegerField(_("名额"), null=True, blank=True)
    nomination_deadline = models.DateField(_("推荐截止日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=CallStatus.choices, default=CallStatus.NOMINATING
    )
    publicity_start = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_end = models.DateField(_("公示结束"), null=True, blank=True)
    document_no = models.CharField(_("公布文号"), max_length=100, blank=True)
    announced_on = models.DateField(_("公布日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AwardCallQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "title"]
        verbose_name = _("表彰")
        verbose_name_plural = _("表彰")

    def __str__(self) -> str:
        return f"{self.year}年度{self.title}"

    def get_absolute_url(self) -> str:
        return reverse("venues:system_call", kwargs={"award_call_id": self.pk})

    def allows(self, step: str) -> bool:
        return self.status in CALL_STEPS[step].sources

    def status_colour(self) -> str:
        return CallStatus(self.status).colour

    @property
    def stage_label(self) -> str:
        """The stage as a page states it (推荐中, 已公布); the choices name the stages themselves."""
        return CALL_STAGE_WORDS.get(self.status, self.get_status_display())


class NomineeKind(models.TextChoices):
    PERSON = "person", _("个人")
    UNIT = "unit", _("单位")
    BASE = "base", _("基地")


class NominationQuerySet(RegionScopedQuerySet):
    region_path = "call__region__path"

    def visible_to(self, user: AnyUser) -> Self:
        """Offices and leaders read their subtree's nominations; a liaison those its unit recommended
        or that name its unit."""
        return scoped(
            self,
            user,
            lambda access: (
                access.region_q(self.region_path)
                | Q(recommended_by_id__in=access.liaison_unit_ids)
                | Q(unit_id__in=access.liaison_unit_ids)
            ),
        )


class Nomination(models.Model):
    """One candidate of a call: a person (by name), a unit or a base; selected in 评审, awarded when
    the call is 公布. ``bonus`` is the 加分 item it brought into the year's 考核, if the office chose."""

    call = models.ForeignKey(
        AwardCall, verbose_name=_("表彰"), on_delete=models.CASCADE, related_name="nominations"
    )
    kind = models.CharField(_("对象类型"), max_length=8, choices=NomineeKind.choices)
    person_name = models.CharField(_("姓名"), max_length=50, blank=True)
    unit = models.ForeignKey(
        "regions.Unit",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    institution = models.ForeignKey(
        "venues.Institution",
        verbose_name=_("基地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recommended_by = models.ForeignKey(
        "regions.Unit",
        verbose_name=_("推荐单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deeds = models.TextField(_("主要事迹"), blank=True)
    score = models.FloatField(_("评审得分"), null=True, blank=True)
    selected = models.BooleanField(_("拟表彰"), default=False)
    bonus = models.OneToOneField(
        "reporting.ScoreAdjustment",
        verbose_name=_("考核加分项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="award",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NominationQuerySet.as_manager()

    class Meta:
        ordering = ["call", "-selected", "-score", "pk"]
        verbose_name = _("推荐对象")
        verbose_name_plural = _("推荐对象")

    def __str__(self) -> str:
        return self.nominee_name

    def get_absolute_url(self) -> str:
        return self.call.get_absolute_url()

    @property
    def nominee_name(self) -> str:
        if self.kind == NomineeKind.PERSON:
            return self.person_name
        if self.kind == NomineeKind.UNIT:
            return self.unit.name if self.unit else ""
        return str(self.institution) if self.institution else ""

    @property
    def awarded(self) -> bool:
        return self.selected and self.call.status == CallStatus.ANNOUNCED

    @property
    def credited_unit(self) -> object | None:
        """The member unit whose 考核 an award counts in: the unit itself, or whoever recommended the
        person or base."""
        return self.unit if self.kind == NomineeKind.UNIT else self.recommended_by
