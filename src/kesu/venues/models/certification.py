"""Certification (认定): a batch the office opens, applications moving through its review steps,
experts' scores and the objections raised during 公示.

The steps are stated once, in ``CERTIFICATION_STEPS``: the actions refuse what it refuses and the
application's page offers only what it allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Avg, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import RegionScopedQuerySet, scoped
from kesu.core.choices import ColouredChoices
from kesu.venues.models.institutions import DesignationLevel, DesignationSystem

if TYPE_CHECKING:
    from kesu.accounts.access import Access, AnyUser

__all__ = [
    "CERTIFICATION_STEPS",
    "Application",
    "ApplicationStatus",
    "CertificateTemplate",
    "CertificationBatch",
    "CertificationStep",
    "ExpertScore",
    "Objection",
]


def batches_open_to_q(access: Access) -> Q:
    """Batches a liaison may file into: those of its unit's region or a region above it."""
    from kesu.regions.models import Region

    above = Region.objects.filter(pk__in=access.liaison_region_ids, path__startswith=OuterRef("region__path"))
    return access.region_q("region__path") | Q(Exists(above))


class BatchQuerySet(RegionScopedQuerySet):
    def visible_to(self, user: AnyUser) -> BatchQuerySet:
        """Offices and leaders read their subtree's batches; a liaison those it may file into."""
        return scoped(self, user, batches_open_to_q)


class CertificationBatch(models.Model):
    """批次: one call for applications (e.g. 2025年度市级科普教育基地认定), with the title it confers
    (体系, 级别) and the validity window of the designations it creates."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("批次名称"), max_length=200)
    label = models.CharField(_("批次"), max_length=60, help_text=_("写在认定上的批次，如“2025年度”"))
    system = models.CharField(_("体系"), max_length=10, choices=DesignationSystem.choices)
    level = models.PositiveSmallIntegerField(_("级别"), choices=DesignationLevel.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    start_year = models.PositiveSmallIntegerField(_("有效期起"))
    end_year = models.PositiveSmallIntegerField(_("有效期止"))
    closes_on = models.DateField(_("申报截止日"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-pk"]
        verbose_name = _("认定批次")
        verbose_name_plural = _("认定批次")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("venues:batch", kwargs={"batch_id": self.pk})


class ApplicationStatus(ColouredChoices):
    DRAFT = "draft", "secondary", _("草稿")
    RECOMMENDING = "recommending", "info", _("推荐单位审核")
    FORMAL = "formal", "info", _("形式审查")
    EXPERT = "expert", "primary", _("专家评审")
    PROPOSED = "proposed", "primary", _("拟认定")
    PUBLICITY = "publicity", "warning", _("公示中")
    CERTIFIED = "certified", "success", _("已认定")
    RETURNED = "returned", "danger", _("已退回")
    REJECTED = "rejected", "dark", _("不予认定")


# Who takes a step: the applicant (the 推荐单位's liaison, or the office that entered it), the
# 推荐单位 (its liaison, or the office), or the office that runs the batch.
APPLICANT, RECOMMENDER, OFFICE = "applicant", "recommender", "office"


@dataclass(frozen=True)
class CertificationStep:
    label: str  # the button and the audit label
    sources: tuple[str, ...]
    target: str
    who: str
    needs_reason: bool = False


S = ApplicationStatus
CERTIFICATION_STEPS: dict[str, CertificationStep] = {
    "submit": CertificationStep("提交申报", (S.DRAFT, S.RETURNED), S.RECOMMENDING, APPLICANT),
    "recommend": CertificationStep("推荐单位审核通过", (S.RECOMMENDING,), S.FORMAL, RECOMMENDER),
    "pass_formal": CertificationStep("形式审查通过", (S.FORMAL,), S.EXPERT, OFFICE),
    "propose": CertificationStep("列为拟认定", (S.EXPERT,), S.PROPOSED, OFFICE),
    "publicize": CertificationStep("开始公示", (S.PROPOSED,), S.PUBLICITY, OFFICE),
    "certify": CertificationStep("认定", (S.PUBLICITY,), S.CERTIFIED, OFFICE),
    "return": CertificationStep(
        "退回", (S.RECOMMENDING, S.FORMAL, S.EXPERT, S.PROPOSED), S.RETURNED, OFFICE, needs_reason=True
    ),
    "reject": CertificationStep(
        "不予认定", (S.EXPERT, S.PROPOSED, S.PUBLICITY), S.REJECTED, OFFICE, needs_reason=True
    ),
}
# The order the page lists the way an application goes (a returned one starts again at 提交).
PATH = (S.DRAFT, S.RECOMMENDING, S.FORMAL, S.EXPERT, S.PROPOSED, S.PUBLICITY, S.CERTIFIED)


class ApplicationQuerySet(models.QuerySet["Application"]):
    def visible_to(self, user: AnyUser) -> ApplicationQuerySet:
        """Offices and leaders read the applications of their subtree (the batch's region or the
        institution's); the 推荐单位's liaison those it files or recommends."""
        return scoped(self, user, _visible_q)

    def manageable_by(self, user: AnyUser) -> ApplicationQuerySet:
        """The office running the batch, or one above it, reviews."""
        return scoped(self, user, lambda access: access.office_q("batch__region__path"))

    def fileable_by(self, user: AnyUser) -> ApplicationQuerySet:
        """Who edits and submits the application: its 推荐单位's liaison, or the batch's office."""
        return scoped(
            self,
            user,
            lambda access: Q(unit__in=access.liaison_unit_ids) | access.office_q("batch__region__path"),
        )


def _visible_q(access: Access) -> Q:
    return (
        Q(unit__in=access.liaison_unit_ids)
        | access.region_q("batch__region__path")
        | access.region_q("region__path")
    )


class Application(models.Model):
    """申报: an institution (already in the registry, or described here) asking for the batch's title."""

    batch = models.ForeignKey(
        CertificationBatch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="applications"
    )
    institution = models.ForeignKey(
        "venues.Institution",
        verbose_name=_("已登记的单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    name = models.CharField(_("基地名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "regions.Unit", verbose_name=_("推荐单位"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "venues.Category",
        verbose_name=_("类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("详细地址"), max_length=300, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    summary = models.TextField(_("申报材料摘要"), blank=True)
    status = models.CharField(
        _("状态"), max_length=15, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    reason = models.TextField(_("退回或不予认定理由"), blank=True)
    publicity_start = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_end = models.DateField(_("公示结束"), null=True, blank=True)
    doc_number = models.CharField(_("认定文号"), max_length=60, blank=True)
    certified_on = models.DateField(_("认定日期"), null=True, blank=True)
    certificate_number = models.CharField(_("证书编号"), max_length=60, blank=True)
    designation = models.OneToOneField(
        "venues.Designation",
        verbose_name=_("认定"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="application",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "name"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "credit_code"], name="application_once_per_batch")
        ]
        verbose_name = _("认定申报")
        verbose_name_plural = _("认定申报")

    def __str__(self) -> str:
        return f"{self.name}（{self.batch.label}）"

    def get_absolute_url(self) -> str:
        return reverse("venues:application", kwargs={"application_id": self.pk})

    @property
    def status_choice(self) -> ApplicationStatus:
        return ApplicationStatus(self.status)

    def allows(self, step: str) -> bool:
        """Whether the application's state admits ``step``: the actions and the page both ask this."""
        return self.status in CERTIFICATION_STEPS[step].sources

    def steps_allowed(self) -> list[tuple[str, CertificationStep]]:
        return [(name, step) for name, step in CERTIFICATION_STEPS.items() if self.allows(name)]

    @property
    def is_editable(self) -> bool:
        return self.status in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)

    def mean_score(self) -> Decimal | None:
        value = self.scores.aggregate(mean=Avg("score"))["mean"]
        return None if value is None else Decimal(value).quantize(Decimal("0.1"))


class ExpertScore(models.Model):
    """One reviewer's score of an application in 专家评审."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    reviewer_name = models.CharField(_("评审专家"), max_length=60)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.DecimalField(
        _("评分"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    comment = models.TextField(_("评审意见"), blank=True)
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["application", "reviewer_name"]
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer_name"], name="expert_score_once")
        ]
        verbose_name = _("专家评分")
        verbose_name_plural = _("专家评分")

    def __str__(self) -> str:
        return f"{self.reviewer_name}：{self.score}"


class Objection(models.Model):
    """异议 raised during 公示 and how the office handled it; an open one holds back 认定."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="objections")
    received_on = models.DateField(_("收到日期"))
    content = models.TextField(_("异议内容"))
    handling = models.TextField(_("处理情况"), blank=True)
    resolved = models.BooleanField(_("已处理"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "received_on", "pk"]
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self) -> str:
        return f"异议（{self.received_on}）"


class CertificateTemplate(models.Model):
    """An office's own 认定证书 (a .docx with ``{{名称}}``-style placeholders) for its region's batches
    and those of the regions below it that have none; without one the built-in certificate is used."""

    region = models.OneToOneField(
        "regions.Region", on_delete=models.CASCADE, related_name="venues_certificate_template"
    )
    document = models.FileField(_("证书模板"), upload_to="venues/certificates/")
    filename = models.CharField(_("文件名"), max_length=200)
    placeholders = models.JSONField(_("占位符"), default=list)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("证书模板")
        verbose_name_plural = _("证书模板")

    def __str__(self) -> str:
        return self.filename

    def read(self) -> bytes:
        with self.document.open("rb") as handle:
            data: bytes = handle.read()
        return data
