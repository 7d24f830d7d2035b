"""Indicators (指标), their values over regions and periods, links from plan targets, publication."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import scoped
from kesu.periods import Period

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser
    from kesu.regions.models import Region


class Aggregation(models.TextChoices):
    SUM = "sum", _("求和")
    RATIO = "ratio", _("分子分母分别求和后相除")
    NONE = "none", _("不可汇总")


class Temporal(models.TextChoices):
    STOCK = "stock", _("时点数（期末累计）")
    FLOW = "flow", _("时期数（期内发生）")


class ValueSource(models.TextChoices):
    REPORT = "report", _("工作报送")
    IMPORT = "import", _("批量导入")
    SURVEY = "survey", _("素质调查")
    REGISTRY = "registry", _("登记库")
    MANUAL = "manual", _("手工录入")


class IndicatorQuerySet(models.QuerySet["Indicator"]):
    def visible_to(self, user: AnyUser) -> IndicatorQuerySet:
        """The standard catalogue for every signed-in user, plus the offices' own within their scope."""
        return scoped(self, user, lambda access: Q(region__isnull=True) | access.region_q("region__path"))

    def manageable_by(self, user: AnyUser) -> IndicatorQuerySet:
        return scoped(self, user, lambda access: access.office_q("region__path"))

    def available_in(self, region: Region) -> IndicatorQuerySet:
        """The standard ones and those an office at or above ``region`` added."""
        ancestors = [c for c in region.path.strip("/").split("/") if c]
        return self.filter(Q(region__isnull=True) | Q(region__code__in=ancestors))


class Indicator(models.Model):
    code = models.SlugField(
        _("代码"),
        max_length=60,
        unique=True,
        help_text=_("小写字母、数字和下划线，如 volunteer_count；创建后不再改动"),
    )
    name = models.CharField(_("名称"), max_length=100)
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    definition = models.TextField(_("定义"), blank=True)
    aggregation = models.CharField(
        _("汇总方式"), max_length=10, choices=Aggregation.choices, default=Aggregation.SUM
    )
    temporal = models.CharField(
        _("时间属性"), max_length=10, choices=Temporal.choices, default=Temporal.STOCK
    )
    source = models.CharField(_("数据来源"), max_length=100, blank=True)
    scale = models.FloatField(
        _("比例系数"), default=100.0, help_text=_("比率 = 分子 ÷ 分母 × 系数；百分比为 100")
    )
    numerator_label = models.CharField(_("分子含义"), max_length=60, blank=True)
    denominator_code = models.CharField(
        _("分母指标代码"), max_length=60, blank=True, help_text=_("只有比率时，用该指标的值作分母还原分子")
    )
    denominator_label = models.CharField(_("分母含义"), max_length=60, blank=True)
    disaggregations = models.CharField(_("分组维度"), max_length=100, blank=True, help_text=_("如：级别"))
    higher_is_better = models.BooleanField(_("越高越好"), default=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("添加单位所在区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    order = models.PositiveSmallIntegerField(default=100)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("指标")
        verbose_name_plural = _("指标")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('indicators:catalogue')}#indicator-{self.code}"

    @property
    def is_ratio(self) -> bool:
        return self.aggregation == Aggregation.RATIO

    @property
    def is_standard(self) -> bool:
        return self.region_id is None

    @property
    def status_method(self) -> str:
        return "growth" if self.is_ratio else "linear"


class IndicatorValueQuerySet(models.QuerySet["IndicatorValue"]):
    def visible_to(self, user: AnyUser) -> IndicatorValueQuerySet:
        return scoped(self, user, lambda access: access.region_q("region__path"))

    def totals(self) -> IndicatorValueQuerySet:
        return self.filter(disaggregation_key="")

    def in_subtree(self, region: Region) -> IndicatorValueQuerySet:
        return self.filter(region__path__startswith=region.path)


def disaggregation_key(disaggregation: dict[str, str] | None) -> str:
    """A canonical text form (级别=市级;类型=示范) so one unique index covers any disaggregation."""
    items = sorted(
        (k.strip(), v.strip()) for k, v in (disaggregation or {}).items() if k.strip() and v.strip()
    )
    return ";".join(f"{k}={v}" for k, v in items)


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="indicator_values")
    period = models.CharField(_("期间"), max_length=7)
    disaggregation = models.JSONField(_("分组"), default=dict, blank=True)
    disaggregation_key = models.CharField(max_length=200, blank=True, default="")
    value = models.FloatField(_("数值"), null=True, blank=True)
    numerator = models.FloatField(_("分子"), null=True, blank=True)
    denominator = models.FloatField(_("分母"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=ValueSource.choices)
    provenance = models.CharField(_("出处"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "region__code", "period", "disaggregation_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "period", "disaggregation_key"], name="indicator_value_unique"
            )
        ]
        indexes = [models.Index(fields=["indicator", "disaggregation_key", "period"])]
        verbose_name = _("指标值")
        verbose_name_plural = _("指标值")

    def __str__(self) -> str:
        return f"{self.indicator.name} {self.region.name} {self.period_label}：{self.value_label}"

    @property
    def period_label(self) -> str:
        return Period.parse(self.period).label

    @property
    def value_label(self) -> str:
        return "—" if self.value is None else f"{self.value:g}"

    @property
    def disaggregation_label(self) -> str:
        return "，".join(f"{k}：{v}" for k, v in sorted(self.disaggregation.items())) or "合计"


class TargetLink(models.Model):
    """A plan target tied to the indicator that measures it, with the baseline the office confirmed."""

    target = models.OneToOneField("plans.Target", on_delete=models.CASCADE, related_name="indicator_link")
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="target_links"
    )
    disaggregation = models.JSONField(_("分组"), default=dict, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("基线年份"), null=True, blank=True)
    baseline_value = models.FloatField(_("基线值"), null=True, blank=True)
    confirmed = models.BooleanField(_("已确认"), default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("目标与指标的对应")
        verbose_name_plural = _("目标与指标的对应")

    def __str__(self) -> str:
        return f"{self.target} → {self.indicator}"


class PublicationQuerySet(models.QuerySet["Publication"]):
    def visible_to(self, user: AnyUser) -> PublicationQuerySet:
        return scoped(self, user, lambda access: access.region_q("region__path"))


class Publication(models.Model):
    """What an office shows on its public dashboard: one row per region × indicator it published."""

    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="publications")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="publications")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "indicator__order"]
        constraints = [models.UniqueConstraint(fields=["region", "indicator"], name="publication_unique")]
        verbose_name = _("公开发布")
        verbose_name_plural = _("公开发布")

    def __str__(self) -> str:
        return f"{self.region} {self.indicator}"


class BoundaryQuerySet(models.QuerySet["Boundary"]):
    def visible_to(self, user: AnyUser) -> BoundaryQuerySet:
        return scoped(self, user, lambda access: access.region_q("region__path"))

    def manageable_by(self, user: AnyUser) -> BoundaryQuerySet:
        return scoped(self, user, lambda access: access.office_q("region__path"))

    def current_for(self, region: Region) -> Boundary | None:
        """The newest upload replaces the earlier ones, which stay as history."""
        return self.filter(region=region).defer("geojson").order_by("-uploaded_at", "-pk").first()


class Boundary(models.Model):
    """The sub-region boundaries an office uploaded for its region's choropleth, with its 审图号.

    Offices may only publish maps that passed review (审图), so the approval number is required and
    shown under every map drawn from it. ``geojson`` is normalised: one feature per matched
    sub-region, properties ``name`` and ``code`` only.
    """

    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="boundaries")
    approval_number = models.CharField(_("审图号"), max_length=100)
    source = models.CharField(_("来源"), max_length=200)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    geojson = models.TextField(_("边界（GeoJSON）"))  # served as is; pages defer it, a file may be 20 MB
    feature_count = models.PositiveIntegerField(_("要素数"), default=0)
    missing = models.JSONField(_("缺少图形的下级区划"), default=list, blank=True)
    public = models.BooleanField(_("在公开页显示地图"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = BoundaryQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "-uploaded_at", "-pk"]
        verbose_name = _("边界文件")
        verbose_name_plural = _("边界文件")

    def __str__(self) -> str:
        return f"{self.region.name}下级区划边界（{self.approval_number}）"

    def get_absolute_url(self) -> str:
        return reverse("indicators:boundary", kwargs={"region_code": self.region.code})

    @property
    def map_name(self) -> str:
        """The name ECharts registers the map under; a new upload gets a new name, so no stale cache."""
        return f"kesu-{self.region.code}-{self.pk}"

    @property
    def caption(self) -> str:
        return f"审图号：{self.approval_number}；边界来源：{self.source}"


class RolledValue(models.Model):
    """The figure ``kesu.progress`` gives a region for one period, stored when a value changes.

    Computed by ``kesu.indicators.rollups`` over the whole province once per write, so a region
    overview reads its own row and its children's instead of rolling up every value of its
    subtree per request. ``in_subtree``: the region's own subtree holds a value for the period
    (its series shows it); rows without it are the gaps its parent's comparison lists.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=7)
    disaggregation_key = models.CharField(max_length=200, blank=True, default="")
    in_subtree = models.BooleanField(default=True)
    value = models.FloatField(null=True)
    numerator = models.FloatField(null=True)
    denominator = models.FloatField(null=True)
    origin = models.CharField(max_length=6)
    children = models.PositiveIntegerField(default=0)
    missing = models.JSONField(default=list)
    partial = models.FloatField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region", "indicator", "disaggregation_key", "period"], name="rolled_value_unique"
            )
        ]
        indexes = [models.Index(fields=["indicator", "disaggregation_key"])]
        verbose_name = _("汇总值")
        verbose_name_plural = _("汇总值")

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.region_id} {self.period} {self.value}"
