"""Administrative divisions (行政区划) and the units (单位) that work in them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import scoped

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("省级")
    CITY = 2, _("市级")
    COUNTY = 3, _("县级")
    TOWN = 4, _("乡级")
    VILLAGE = 5, _("村级")


class RegionQuerySet(models.QuerySet["Region"]):
    def visible_to(self, user: AnyUser) -> RegionQuerySet:
        """The regions a user may see: an office's or leader's subtree, a liaison's own region."""
        return scoped(
            self, user, lambda access: access.region_q("path") | Q(pk__in=access.liaison_region_ids)
        )

    def manageable_by(self, user: AnyUser) -> RegionQuerySet:
        return scoped(self, user, lambda access: access.office_q("path"))

    def subtree(self, region: Region) -> RegionQuerySet:
        return self.filter(path__startswith=region.path)


class Region(models.Model):
    """A division with its 12-digit 统计用区划代码; ``path`` makes subtree queries one index scan."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("级别"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=80, db_index=True, editable=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("regions:region", kwargs={"region_code": self.code})

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent else ""
        return f"{prefix}{self.code}/"

    @property
    def full_name(self) -> str:
        """省市县 names joined, as documents write them: 河南省平顶山市."""
        return "".join(r.name for r in self.ancestors(include_self=True) if r.level >= RegionLevel.PROVINCE)

    def ancestors(self, include_self: bool = False) -> list[Region]:
        codes = [c for c in self.path.strip("/").split("/") if c]
        if not include_self:
            codes = codes[:-1]
        by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    def is_within(self, other: Region) -> bool:
        return self.path.startswith(other.path)


class UnitKind(models.TextChoices):
    PARTY = "party", _("党委部门")
    GOVERNMENT = "government", _("政府部门")
    MASS = "mass", _("群团组织")
    UNIVERSITY = "university", _("高校")
    RESEARCH = "research", _("科研院所")
    ENTERPRISE = "enterprise", _("企业")
    SUBREGION = "subregion", _("下级政府")
    OTHER = "other", _("其他")


class UnitQuerySet(models.QuerySet["Unit"]):
    def visible_to(self, user: AnyUser) -> UnitQuerySet:
        """Units of the regions a user oversees; a liaison sees only its own unit."""
        return scoped(
            self, user, lambda access: access.region_q("region__path") | Q(pk__in=access.liaison_unit_ids)
        )

    def manageable_by(self, user: AnyUser) -> UnitQuerySet:
        return scoped(self, user, lambda access: access.office_q("region__path"))

    def members(self) -> UnitQuerySet:
        return self.filter(is_member=True)


class Unit(models.Model):
    """A body that takes on tasks: a bureau, a people's organisation, a college, a sub-government."""

    region = models.ForeignKey(
        Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=20, choices=UnitKind.choices, default=UnitKind.GOVERNMENT)
    is_member = models.BooleanField(_("领导小组成员单位"), default=True)
    is_office = models.BooleanField(_("素质办所在单位"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="unit_name_unique_in_region")]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("regions:unit", kwargs={"unit_id": self.pk})


class UnitAlias(models.Model):
    """Another name a document uses for a unit: 市教体局 for 市教育体育局."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="aliases")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="unit_aliases")
    alias = models.CharField(_("别名"), max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "alias"], name="alias_unique_in_region")]
        verbose_name = _("单位别名")
        verbose_name_plural = _("单位别名")

    def __str__(self) -> str:
        return f"{self.alias} → {self.unit.name}"


class GroupRule(models.TextChoices):
    MEMBERS = "members", _("全体成员单位")
    LEADS = "leads", _("任务牵头单位")
    SUBREGIONS = "subregions", _("下级区划政府")
    EXPLICIT = "explicit", _("指定单位")


class UnitGroup(models.Model):
    """A collective mention (各成员单位, 各县（市、区）) that resolves to a set of units, not to one."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="unit_groups")
    mention = models.CharField(_("文中写法"), max_length=60)
    rule = models.CharField(_("含义"), max_length=20, choices=GroupRule.choices)
    units = models.ManyToManyField(Unit, blank=True, related_name="groups")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "mention"], name="group_unique_in_region")]
        verbose_name = _("单位组")
        verbose_name_plural = _("单位组")

    def __str__(self) -> str:
        return self.mention

    def resolve(self) -> models.QuerySet[Unit]:
        """The units the mention stands for today (membership may change after a plan is issued)."""
        if self.rule == GroupRule.MEMBERS:
            return Unit.objects.filter(region=self.region, is_member=True)
        if self.rule == GroupRule.SUBREGIONS:
            return Unit.objects.filter(region__parent=self.region, kind=UnitKind.SUBREGION)
        return self.units.all()
