"""Annual report and review (年报与年度考核): a round the office opens for a year, each valid base's
report, photos, the rubric (lines, thresholds, bands) the office defines as data, scores and outcome.

Due dates, lights, rates and reminders are Reporting's (``kesu.reporting.rules`` and ``notify``):
a round is asked the same questions as a reporting cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import RegionScopedQuerySet, scoped
from kesu.core.choices import ColouredChoices

if TYPE_CHECKING:
    from kesu.accounts.access import Access, AnyUser

__all__ = [
    "REPORT_FIGURES",
    "AnnualPhoto",
    "AnnualReport",
    "AnnualRound",
    "LineScore",
    "Outcome",
    "ReportState",
    "Rubric",
    "RubricLine",
    "band_of",
    "line_points",
]

# The report's figures a rubric line may score automatically; "" is a line scored by hand.
REPORT_FIGURES = {
    "open_days": "开放天数",
    "visitors": "接待人次",
    "fulltime_staff": "专职科普人员",
    "parttime_staff": "兼职科普人员",
    "funding": "科普经费（万元）",
    "volunteers": "科技志愿者",
    "photo_count": "照片张数",
}
BANDS = ("优秀", "良好", "合格", "不合格")


def line_points(value: Decimal | int | None, thresholds: Sequence[Sequence[float]]) -> Decimal:
    """The points of the first threshold the value reaches: ``[[300, 10], [250, 8], [200, 6]]`` gives
    10 for ≥300 days, 8 for ≥250, 6 for ≥200 and 0 below (plain Python, tested alone)."""
    if value is None:
        return Decimal(0)
    for minimum, points in sorted(thresholds, key=lambda pair: -pair[0]):
        if Decimal(str(value)) >= Decimal(str(minimum)):
            return Decimal(str(points))
    return Decimal(0)


def band_of(total: Decimal, full: Decimal, minimums: Sequence[Decimal]) -> str:
    """优秀/良好/合格/不合格 by the total's share of full marks against the rubric's band minimums (%)."""
    percent = Decimal(100) * total / full if full else Decimal(0)
    for label, minimum in zip(BANDS, minimums, strict=False):
        if percent >= minimum:
            return label
    return BANDS[-1]


class Rubric(models.Model):
    """考核评分表: lines with points and thresholds, and the band minimums as shares of full marks."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=120)
    excellent_min = models.DecimalField(_("优秀不低于（%）"), max_digits=5, decimal_places=1, default=90)
    good_min = models.DecimalField(_("良好不低于（%）"), max_digits=5, decimal_places=1, default=75)
    pass_min = models.DecimalField(_("合格不低于（%）"), max_digits=5, decimal_places=1, default=60)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("考核评分表")
        verbose_name_plural = _("考核评分表")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("venues:rubric", kwargs={"rubric_id": self.pk})

    @property
    def full_marks(self) -> Decimal:
        return sum((line.points for line in self.lines.all()), Decimal(0))

    @property
    def band_minimums(self) -> tuple[Decimal, Decimal, Decimal]:
        return (self.excellent_min, self.good_min, self.pass_min)


class RubricLine(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="lines")
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    title = models.CharField(_("评分项"), max_length=120)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)
    figure = models.CharField(
        _("依据的年报数据"),
        max_length=20,
        blank=True,
        choices=[("", "人工评分"), *REPORT_FIGURES.items()],
    )
    # [[minimum, points], ...]: the points of the highest minimum the figure reaches.
    thresholds = models.JSONField(_("档次"), default=list, blank=True)

    class Meta:
        ordering = ["rubric", "order", "pk"]
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")

    def __str__(self) -> str:
        return f"{self.title}（{self.points}分）"

    @property
    def thresholds_text(self) -> str:
        return "；".join(f"≥{minimum:g} 得 {points:g} 分" for minimum, points in self.thresholds)


class AnnualRoundQuerySet(RegionScopedQuerySet):
    def visible_to(self, user: AnyUser) -> AnnualRoundQuerySet:
        """Offices and leaders their subtree's rounds and those holding their subtree's bases; a liaison
        the rounds a report of its unit is in (callers add ``distinct()``)."""
        return scoped(self, user, _round_q)


def _round_q(access: Access) -> Q:
    """A county office follows the city's round for its own bases (the reports it may read)."""
    return (
        access.region_q("region__path")
        | access.region_q("reports__institution__region__path")
        | Q(reports__institution__unit__in=access.liaison_unit_ids)
    )


class AnnualRound(models.Model):
    """年报填报: one year's collection from every base valid that year, with Reporting's due/warn days."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    rubric = models.ForeignKey(Rubric, verbose_name=_("考核评分表"), on_delete=models.PROTECT)
    due_date = models.DateField(_("填报截止日"))
    warn_days = models.PositiveSmallIntegerField(_("临期提醒天数"), default=7)
    timely_days = models.PositiveSmallIntegerField(_("按时宽限天数"), default=0)
    lock_days = models.PositiveSmallIntegerField(_("截止后催办天数"), default=60)
    published = models.BooleanField(_("结果已公布"), default=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)

    objects = AnnualRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-pk"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="annual_round_once_a_year")]
        verbose_name = _("年报轮次")
        verbose_name_plural = _("年报轮次")

    def __str__(self) -> str:
        return f"{self.region.name}{self.year}年度科普教育基地年报"

    def get_absolute_url(self) -> str:
        return reverse("venues:round", kwargs={"round_id": self.pk})

    @property
    def timely_date(self) -> date:
        return self.due_date + timedelta(days=self.timely_days)

    @property
    def lock_date(self) -> date:
        return self.due_date + timedelta(days=self.lock_days)


class ReportState(ColouredChoices):
    DRAFT = "draft", "secondary", _("填报中")
    SUBMITTED = "submitted", "primary", _("已提交")
    RETURNED = "returned", "danger", _("已退回")
    REVIEWED = "reviewed", "success", _("已评审")


# What Reporting's traffic lights call each state (rules.report_light reads these names).
LIGHT_STATUS = {
    ReportState.DRAFT: "draft",
    ReportState.SUBMITTED: "submitted",
    ReportState.RETURNED: "returned",
    ReportState.REVIEWED: "approved",
}


class Outcome(ColouredChoices):
    NONE = "", "secondary", _("待定")
    KEEP = "keep", "success", _("保留资格")
    RECTIFY = "rectify", "warning", _("限期整改")
    REVOKE = "revoke", "danger", _("取消资格（摘牌）")


class AnnualReportQuerySet(models.QuerySet["AnnualReport"]):
    def visible_to(self, user: AnyUser) -> AnnualReportQuerySet:
        """Offices and leaders their subtree's reports; a liaison its unit's institutions' reports."""
        return scoped(
            self,
            user,
            lambda access: (
                Q(institution__unit__in=access.liaison_unit_ids)
                | access.region_q("round__region__path")
                | access.region_q("institution__region__path")
            ),
        )

    def fileable_by(self, user: AnyUser) -> AnnualReportQuerySet:
        return scoped(
            self,
            user,
            lambda access: (
                Q(institution__unit__in=access.liaison_unit_ids) | access.office_q("round__region__path")
            ),
        )

    def manageable_by(self, user: AnyUser) -> AnnualReportQuerySet:
        """The office that opened the round reviews."""
        return scoped(self, user, lambda access: access.office_q("round__region__path"))


class AnnualReport(models.Model):
    round = models.ForeignKey(AnnualRound, on_delete=models.CASCADE, related_name="reports")
    institution = models.ForeignKey(
        "venues.Institution", verbose_name=_("基地"), on_delete=models.PROTECT, related_name="annual_reports"
    )
    state = models.CharField(_("状态"), max_length=10, choices=ReportState.choices, default=ReportState.DRAFT)
    open_days = models.PositiveSmallIntegerField(
        _("开放天数"), null=True, blank=True, validators=[MaxValueValidator(366)]
    )
    visitors = models.PositiveIntegerField(_("接待人次"), null=True, blank=True)
    fulltime_staff = models.PositiveSmallIntegerField(_("专职科普人员"), null=True, blank=True)
    parttime_staff = models.PositiveSmallIntegerField(_("兼职科普人员"), null=True, blank=True)
    funding = models.DecimalField(
        _("科普经费（万元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    volunteers = models.PositiveIntegerField(_("科技志愿者"), null=True, blank=True)
    activities = models.TextField(_("特色活动"), blank=True)
    problems = models.TextField(_("问题与建议"), blank=True)
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    self_total = models.DecimalField(_("自评得分"), max_digits=6, decimal_places=1, null=True, blank=True)
    review_total = models.DecimalField(_("评审得分"), max_digits=6, decimal_places=1, null=True, blank=True)
    band = models.CharField(_("考核等次"), max_length=6, blank=True)
    outcome = models.CharField(_("处理结果"), max_length=10, choices=Outcome.choices, blank=True)
    rectify_deadline = models.DateField(_("整改期限"), null=True, blank=True)
    outcome_note = models.TextField(_("评审意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = AnnualReportQuerySet.as_manager()

    class Meta:
        ordering = ["round", "institution"]
        constraints = [
            models.UniqueConstraint(fields=["round", "institution"], name="annual_report_once_per_round")
        ]
        verbose_name = _("基地年报")
        verbose_name_plural = _("基地年报")

    def __str__(self) -> str:
        return f"{self.institution}{self.round.year}年度年报"

    def get_absolute_url(self) -> str:
        return reverse("venues:annual_report", kwargs={"annual_report_id": self.pk})

    @property
    def state_choice(self) -> ReportState:
        return ReportState(self.state)

    @property
    def outcome_choice(self) -> Outcome | None:
        return Outcome.of(self.outcome) if self.outcome else None

    @property
    def is_editable(self) -> bool:
        return self.state in (ReportState.DRAFT, ReportState.RETURNED)

    @property
    def is_final(self) -> bool:
        """Reviewed and published: the result stands, and nobody reviews or returns it any more."""
        return self.state == ReportState.REVIEWED and self.round.published

    @property
    def light_status(self) -> str:
        return LIGHT_STATUS[ReportState(self.state)]

    def figure(self, name: str) -> Decimal | int | None:
        if name == "photo_count":
            return self.photos.count()
        value: Decimal | int | None = getattr(self, name)
        return value


class AnnualPhoto(models.Model):
    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to="venues/annual/%Y/")
    filename = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(max_length=6)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "uploaded_at", "pk"]
        verbose_name = _("年报照片")
        verbose_name_plural = _("年报照片")

    def __str__(self) -> str:
        return self.filename


class LineScore(models.Model):
    """A rubric line's points for one report: the base's own, and the reviewer's."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="line_scores")
    line = models.ForeignKey(RubricLine, on_delete=models.CASCADE, related_name="+")
    self_points = models.DecimalField(_("自评分"), max_digits=5, decimal_places=1, null=True, blank=True)
    review_points = models.DecimalField(_("评审分"), max_digits=5, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["report", "line__order", "line_id"]
        constraints = [models.UniqueConstraint(fields=["report", "line"], name="line_score_once")]

    def __str__(self) -> str:
        return f"{self.line.title}：{self.self_points}/{self.review_points}"
