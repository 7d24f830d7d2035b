"""Institutions (科普教育基地 sites) and the designations they hold.

One institution (a legal-person site, keyed by its 统一社会信用代码) may hold several designations:
the 科协 line and the 科技 line both certify bases, at four levels, in yearly batches that each run
five years and overlap. A target counts *institutions*, never designations, by the rule the office
sets on it (``CountRule``).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import RegionScopedQuerySet, scoped

if TYPE_CHECKING:
    from typing import Self

    from kesu.accounts.access import AnyUser

__all__ = [
    "Category",
    "CategoryScheme",
    "CountMeasure",
    "CountRule",
    "Designation",
    "DesignationLevel",
    "DesignationMethod",
    "DesignationStatus",
    "DesignationSystem",
    "Institution",
    "LevelComparison",
    "credit_code_problem",
]

# GB 32100-2015: 18 characters from 31 (no I, O, S, V, Z); the 18th is a check character.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The check character of a credit code from its first 17 characters (pure)."""
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid 统一社会信用代码 (in Chinese), or None when it is valid."""
    code = code.strip().upper()
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位，“{code}”为 {len(code)} 位"
    bad = [c for c in code if c not in CREDIT_CODE_CHARS]
    if bad:
        return f"统一社会信用代码含有不允许的字符“{bad[0]}”（不使用 I、O、S、V、Z）"
    if credit_code_check_char(code[:17]) != code[17]:
        return f"统一社会信用代码“{code}”校验位不正确，请核对"
    return None


class CategoryScheme(models.Model):
    """A version of the category list (类别): the six national categories, Henan's 2022 four, …"""

    name = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("启用年份"))
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("适用区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空为全国通用"),
    )
    is_default = models.BooleanField(_("默认"), default=False)

    class Meta:
        ordering = ["-is_default", "-year", "name"]
        verbose_name = _("类别体系")
        verbose_name_plural = _("类别体系")

    def __str__(self) -> str:
        return f"{self.name}（{self.year}）"


class Category(models.Model):
    scheme = models.ForeignKey(
        CategoryScheme, verbose_name=_("类别体系"), on_delete=models.CASCADE, related_name="categories"
    )
    code = models.CharField(_("代码"), max_length=20)
    name = models.CharField(_("名称"), max_length=50)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["scheme", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="venues_category_code_unique")]
        verbose_name = _("类别")
        verbose_name_plural = _("类别")

    def __str__(self) -> str:
        return self.name


class InstitutionQuerySet(RegionScopedQuerySet):
    """Offices and leaders read their subtree; a liaison reads the institutions its unit recommends."""

    def visible_to(self, user: AnyUser) -> Self:
        return scoped(
            self,
            user,
            lambda access: access.region_q("region__path") | Q(unit_id__in=access.liaison_unit_ids),
        )

    def within(self, region_path: str) -> Self:
        return self.filter(region__path__startswith=region_path)

    def public_on(self, day: datetime.date) -> Self:
        """What the public page lists: published institutions with a designation valid on ``day``."""
        valid = Designation.objects.valid_on(day).values("institution_id")
        return self.filter(published=True, pk__in=valid)


class Institution(models.Model):
    """One legal-person site (单位) that is or wants to be a base (基地)."""

    name = models.CharField(_("单位名称"), max_length=200)
    base_name = models.CharField(_("基地名称"), max_length=200, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "regions.Unit",
        verbose_name=_("主管/推荐单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recommended_institutions",
    )
    address = models.CharField(_("详细地址"), max_length=300, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    building_area = models.DecimalField(
        _("建筑面积（平方米）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    exhibit_area = models.DecimalField(
        _("展教面积（平方米）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    opening_days = models.CharField(_("开放日"), max_length=200, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=200, blank=True)
    is_science_museum = models.BooleanField(_("科技馆"), default=False)
    museum_meets_standard = models.BooleanField(_("科技馆达标"), default=False)
    rural_school_museum = models.BooleanField(_("农村中学科技馆"), default=False)
    science_courtyard = models.BooleanField(_("科技小院"), default=False)
    published = models.BooleanField(_("对外公开"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = _("科普基地单位")
        verbose_name_plural = _("科普基地单位")

    def __str__(self) -> str:
        return self.base_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("venues:institution", kwargs={"institution_id": self.pk})


class DesignationSystem(models.TextChoices):
    """体系: which line certified it (科协 with 文明办; 科技 through 科技厅/局)."""

    KEXIE = "kexie", _("科协")
    KEJI = "keji", _("科技")
    OTHER = "other", _("其他")


class DesignationLevel(models.IntegerChoices):
    """级别; a smaller number is a higher level, so "≥ 市级" is ``level <= CITY``."""

    NATIONAL = 1, _("国家级")
    PROVINCE = 2, _("省级")
    CITY = 3, _("市级")
    COUNTY = 4, _("县级")


class DesignationMethod(models.TextChoices):
    APPLY = "apply", _("申报认定")
    DIRECT = "direct", _("直接认定")
    SUPPLEMENT = "supplement", _("补充认定")
    REAPPLY = "reapply", _("重新申报")


class DesignationStatus(models.TextChoices):
    """What is stored; 已过期 is derived from ``end_year`` (``Designation.status_on``)."""

    VALID = "valid", _("有效")
    RECTIFYING = "rectifying", _("整改中")
    REVOKED = "revoked", _("已摘牌")


EXPIRED_LABEL = "已过期"


def end_of_year(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


def add_months(day: datetime.date, months: int) -> datetime.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    last_day = (datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


class DesignationQuerySet(models.QuerySet["Designation"]):
    def visible_to(self, user: AnyUser) -> Self:
        return scoped(
            self,
            user,
            lambda access: (
                access.region_q("institution__region__path")
                | Q(institution__unit_id__in=access.liaison_unit_ids)
            ),
        )

    def manageable_by(self, user: AnyUser) -> Self:
        return scoped(self, user, lambda access: access.office_q("institution__region__path"))

    def valid_on(self, day: datetime.date) -> Self:
        """Held on ``day``: inside its years and not revoked by then (a revoked title counted until
        the day it was taken away, so past years' stocks do not change)."""
        return (
            self.filter(start_year__lte=day.year, end_year__gte=day.year)
            .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=day))
            .exclude(status=DesignationStatus.REVOKED, revoked_at__isnull=True)
        )

    def expiring_within(self, months: int, today: datetime.date) -> Self:
        """Valid today and ending (31 Dec of the end year) within ``months`` months of ``today``."""
        horizon = add_months(today, months)
        last_end_year = horizon.year if horizon == end_of_year(horizon.year) else horizon.year - 1
        return self.valid_on(today).filter(end_year__lte=last_end_year)

    def lapsed(self, today: datetime.date) -> Self:
        """Ran out (end year passed) without being revoked or renewed: to renew (重新申报) or let go.
        A title is renewed when the institution holds a later one of the same 体系 and 级别."""
        renewed = Designation.objects.filter(
            institution_id=OuterRef("institution_id"),
            system=OuterRef("system"),
            level=OuterRef("level"),
            end_year__gt=OuterRef("end_year"),
        )
        return (
            self.filter(end_year__lt=today.year)
            .exclude(status=DesignationStatus.REVOKED)
            .exclude(Exists(renewed))
        )


class Designation(models.Model):
    """One title an institution holds: 体系 × 级别 × 批次, valid from start to end year."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="designations"
    )
    system = models.CharField(_("体系"), max_length=10, choices=DesignationSystem.choices)
    level = models.PositiveSmallIntegerField(_("级别"), choices=DesignationLevel.choices)
    batch = models.CharField(_("批次"), max_length=100, blank=True)
    batch_year = models.PositiveSmallIntegerField(_("批次年份"))
    start_year = models.PositiveSmallIntegerField(_("有效期起"))
    end_year = models.PositiveSmallIntegerField(_("有效期止"))
    method = models.CharField(
        _("认定方式"), max_length=12, choices=DesignationMethod.choices, default=DesignationMethod.APPLY
    )
    document_no = models.CharField(_("认定文号"), max_length=100, blank=True)
    decided_on = models.DateField(_("认定日期"), null=True, blank=True)
    certificate_no = models.CharField(_("证书编号"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=DesignationStatus.choices, default=DesignationStatus.VALID
    )
    revoked_at = models.DateField(_("摘牌日期"), null=True, blank=True)
    revoke_reason = models.CharField(_("摘牌原因"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DesignationQuerySet.as_manager()

    class Meta:
        ordering = ["level", "-start_year", "system"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")), name="venues_designation_years_ordered"
            ),
        ]
        indexes = [models.Index(fields=["start_year", "end_year"], name="venues_desig_years")]
        verbose_name = _("认定")
        verbose_name_plural = _("认定")

    def __str__(self) -> str:
        return f"{self.get_level_display()}{self.get_system_display()}科普教育基地（{self.start_year}–{self.end_year}）"

    def get_absolute_url(self) -> str:
        return reverse("venues:institution", kwargs={"institution_id": self.institution_id})

    def status_on(self, day: datetime.date) -> str:
        """The status as the office reads it: 已过期 once the end year has passed."""
        if self.status != DesignationStatus.REVOKED and self.end_year < day.year:
            return EXPIRED_LABEL
        return str(self.get_status_display())

    @property
    def years_label(self) -> str:
        return f"{self.start_year}–{self.end_year}"


class LevelComparison(models.TextChoices):
    EQUAL = "eq", _("等于")
    AT_LEAST = "gte", _("及以上")


class CountMeasure(models.TextChoices):
    STOCK = "stock", _("年末存量")
    NEW = "new", _("期内新增")


class CountRule(models.Model):
    """How a plan target is measured from the registry, set once by the office on the target."""

    target = models.OneToOneField(
        "plans.Target", verbose_name=_("目标"), on_delete=models.CASCADE, related_name="venues_count_rule"
    )
    system = models.CharField(
        _("体系"), max_length=10, choices=DesignationSystem.choices, blank=True, help_text=_("空为不限")
    )
    level = models.PositiveSmallIntegerField(
        _("级别"), choices=DesignationLevel.choices, null=True, blank=True
    )
    level_comparison = models.CharField(
        _("级别比较"), max_length=3, choices=LevelComparison.choices, default=LevelComparison.EQUAL
    )
    measure = models.CharField(
        _("口径"), max_length=10, choices=CountMeasure.choices, default=CountMeasure.STOCK
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("计数规则")
        verbose_name_plural = _("计数规则")

    def __str__(self) -> str:
        return self.in_words

    @property
    def in_words(self) -> str:
        """市级及以上、科协体系的科普教育基地（不重复计算单位），年末存量"""
        parts = []
        if self.level:
            comparison = "及以上" if self.level_comparison == LevelComparison.AT_LEAST else ""
            parts.append(f"{DesignationLevel(self.level).label}{comparison}")
        if self.system:
            parts.append(f"{DesignationSystem(self.system).label}体系")
        scope = "、".join(parts) or "各级各体系"
        return f"{scope}科普教育基地（同一单位只计一次），{CountMeasure(self.measure).label}"
