"""科技志愿者与服务队、服务记录、记录证明，科普中国信息员月度数据与网格登记，以及计数规则."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import RegionScopedQuerySet, liaison_paths, scoped
from kesu.core.personal import mask_id_number, mask_mobile
from kesu.volunteers import hours as hour_rules

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser


class VolunteerError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TeamLevel(models.TextChoices):
    CORPS = "corps", _("总队")
    DETACHMENT = "detachment", _("支队")
    BRIGADE = "brigade", _("大队")
    SQUAD = "squad", _("分队")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Platform(models.TextChoices):
    KEJI = "keji", _("科技志愿服务平台")
    NATIONAL = "national", _("全国志愿服务信息系统")
    PROVINCE = "province", _("省级平台")
    NONE = "", _("未在平台注册")


class ScopedQuerySet(RegionScopedQuerySet):
    pass


# ---- office rules ------------------------------------------------------------------------------------


class HourScheme(models.Model):
    """The office's hour rules and star ladder, for its region and below (the nearest one above applies)."""

    region = models.OneToOneField(
        "regions.Region", on_delete=models.CASCADE, related_name="volunteer_hour_scheme"
    )
    unit = models.DecimalField(_("计时单位（小时）"), max_digits=4, decimal_places=2, default=Decimal("0.5"))
    per_activity_cap = models.DecimalField(
        _("每次活动上限（小时）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    daily_cap = models.DecimalField(_("每日上限（小时）"), max_digits=5, decimal_places=2, default=Decimal(8))
    factors = models.JSONField(_("服务类别系数"), default=dict, blank=True)
    star_ladder = models.JSONField(_("星级标准（小时）"), default=list, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("计时规则")
        verbose_name_plural = _("计时规则")

    def __str__(self) -> str:
        return f"{self.region.name}志愿服务计时规则"

    def rules(self) -> hour_rules.HourRules:
        return hour_rules.HourRules(
            unit=Decimal(self.unit),
            per_activity_cap=Decimal(self.per_activity_cap) if self.per_activity_cap is not None else None,
            daily_cap=Decimal(self.daily_cap),
            factors={str(k): Decimal(str(v)) for k, v in (self.factors or {}).items()},
        )

    def ladder(self) -> tuple[float, ...]:
        return hour_rules.check_ladder(self.star_ladder or hour_rules.DEFAULT_LADDER)


# ---- teams and volunteers ------------------------------------------------------------------------------


class Team(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("属地区划"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("队伍名称"), max_length=120)
    level = models.CharField(_("层级"), max_length=12, choices=TeamLevel.choices, default=TeamLevel.SQUAD)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级队伍"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    host = models.CharField(_("依托单位"), max_length=120, blank=True)
    leaders = models.CharField(_("队长/副队长"), max_length=120, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    platform_number = models.CharField(_("平台注册号"), max_length=60, blank=True)
    in_register = models.BooleanField(_("在册"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="volunteer_team_unique_name")]
        verbose_name = _("科技志愿服务队")
        verbose_name_plural = _("科技志愿服务队")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("volunteers:team", kwargs={"pk": self.pk})


def region_ids(paths: tuple[str, ...]) -> list[int]:
    """The regions of these subtrees as a list of ids: with a literal list PostgreSQL estimates a
    province's 200,000 volunteers right (a join on ``path LIKE`` it takes for one row, and sorts them all)."""
    from kesu.regions.models import Region

    if not paths:
        return []
    condition = models.Q()
    for path in paths:
        condition |= models.Q(path__startswith=path)
    return list(Region.objects.filter(condition).values_list("pk", flat=True))


class VolunteerQuerySet(RegionScopedQuerySet):
    def visible_to(self, user: AnyUser) -> VolunteerQuerySet:
        return scoped(self, user, lambda access: models.Q(region_id__in=region_ids(access.read_paths)))

    def manageable_by(self, user: AnyUser) -> VolunteerQuerySet:
        return scoped(self, user, lambda access: models.Q(region_id__in=region_ids(access.office_paths)))

    def creditable_by(self, user: AnyUser) -> VolunteerQuerySet:
        """Whom ``user`` may name on an activity: those they read, and for a member unit's liaison the
        volunteers registered in its unit's region or below — found by name, shown by name and employer only
        (``activities.people``), never their ID number or phone."""
        local = scoped(self, user, lambda access: models.Q(region_id__in=region_ids(liaison_paths(access))))
        return self.visible_to(user) | local

    def revealable_by(self, user: AnyUser) -> VolunteerQuerySet:
        """Who may read a full ID number: the office of the volunteer's own region (not a leader, not above)."""
        return scoped(self, user, lambda access: models.Q(region_id__in=list(access.office_region_ids)))


class Volunteer(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=60, db_index=True)  # searched from its start (张, 张三)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_cipher = models.TextField(editable=False)
    id_last4 = models.CharField(max_length=4, editable=False)
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    skills = models.CharField(_("服务技能"), max_length=200, blank=True)
    employer = models.CharField(_("工作单位"), max_length=120, blank=True)
    teams = models.ManyToManyField(Team, verbose_name=_("所属队伍"), blank=True, related_name="members")
    platform = models.CharField(_("注册平台"), max_length=12, choices=Platform.choices, blank=True)
    platform_number = models.CharField(_("平台编号"), max_length=60, blank=True)
    registered_on = models.DateField(_("注册日期"), null=True, blank=True)
    in_register = models.BooleanField(_("在册"), default=True)
    # the last platform import that listed this volunteer (to say who is gone since)
    last_seen_import = models.ForeignKey(
        "VolunteerImport", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        ordering = [
            "-pk"
        ]  # the latest registered first: a province's list pages without sorting 200,000 rows
        indexes = [models.Index(fields=["region", "name"])]
        verbose_name = _("科技志愿者")
        verbose_name_plural = _("科技志愿者")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("volunteers:volunteer", kwargs={"pk": self.pk})

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_last4)

    @property
    def masked_phone(self) -> str:
        return mask_mobile(self.phone)


# the fields an audit snapshot of a volunteer may carry: never the ID number's cipher or hash, nor the phone
VOLUNTEER_AUDIT_FIELDS = [
    "name",
    "sex",
    "birth_date",
    "skills",
    "employer",
    "platform",
    "platform_number",
    "in_register",
    "region",
]


class VolunteerImport(models.Model):
    """One platform export imported: what it changed (new, changed, gone) since the previous one."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("文件"), max_length=200)
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    new_count = models.PositiveIntegerField(_("新增"), default=0)
    changed_count = models.PositiveIntegerField(_("有变化"), default=0)
    unchanged_count = models.PositiveIntegerField(_("无变化"), default=0)
    gone_count = models.PositiveIntegerField(_("本次未出现"), default=0)
    summary = models.JSONField(
        default=dict, blank=True
    )  # {"new": [masked…], "changed": [...], "gone": [...]}

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = _("志愿者导入")
        verbose_name_plural = _("志愿者导入")

    def __str__(self) -> str:
        return f"{self.filename}（{self.imported_at:%Y-%m-%d %H:%M}）"

    def get_absolute_url(self) -> str:
        return reverse("volunteers:import_run", kwargs={"pk": self.pk})


# ---- service ----------------------------------------------------------------------------------------------


class ActivityQuerySet(RegionScopedQuerySet):
    """Offices and leaders of the region; the organiser's liaison too (谁组织谁记录)."""

    def visible_to(self, user: AnyUser) -> ActivityQuerySet:
        return scoped(
            self,
            user,
            lambda a: a.region_q("region__path") | models.Q(organiser_id__in=list(a.liaison_unit_ids)),
        )

    def manageable_by(self, user: AnyUser) -> ActivityQuerySet:
        return scoped(
            self,
            user,
            lambda a: a.office_q("region__path") | models.Q(organiser_id__in=list(a.liaison_unit_ids)),
        )


class ServiceActivity(models.Model):
    """An activity whose organiser records the hours (谁组织谁记录)."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    organiser = models.ForeignKey(
        "regions.Unit",
        verbose_name=_("组织单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("服务队"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    name = models.CharField(_("活动名称"), max_length=200)
    category = models.CharField(_("服务类别"), max_length=40, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = _("志愿服务活动")
        verbose_name_plural = _("志愿服务活动")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("volunteers:activity", kwargs={"pk": self.pk})


class RecordQuerySet(RegionScopedQuerySet):
    region_path = "activity__region__path"


class ServiceRecord(models.Model):
    activity = models.ForeignKey(
        ServiceActivity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="records"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.CASCADE, related_name="records"
    )
    service_date = models.DateField(_("服务日期"))
    sign_in = models.DateTimeField(_("签到"), null=True, blank=True)
    sign_out = models.DateTimeField(_("签退"), null=True, blank=True)
    declared_hours = models.DecimalField(_("申报时长"), max_digits=5, decimal_places=2, null=True, blank=True)
    raw_hours = models.DecimalField(_("服务时长"), max_digits=5, decimal_places=2)
    counted_hours = models.DecimalField(_("记入时长"), max_digits=6, decimal_places=2, default=Decimal(0))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["service_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer", "service_date"], name="volunteer_record_once_a_day"
            )
        ]
        indexes = [models.Index(fields=["volunteer", "service_date"]), models.Index(fields=["service_date"])]
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")

    def __str__(self) -> str:
        return f"{self.volunteer.name} {self.activity.name} {self.service_date}"


class VolunteerYear(models.Model):
    """A volunteer's records and counted hours in one year, kept by every action that writes records
    (record, import, correction, new rules) in the same transaction: the 当年有服务记录 filter and the
    active rate are one index lookup, not a probe into 2,000,000 records per volunteer. The hours are
    the sum of ``ServiceRecord.counted_hours`` (hours.py stays the one definition of what counts)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField()
    records = models.PositiveIntegerField(default=0)
    hours = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal(0))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "year"], name="volunteer_year_once"),
        ]
        # "who served in Y" read from the year's side (a semi-join, or an index-only count)
        indexes = [models.Index(fields=["year", "volunteer"], name="volunteer_year_by_year")]
        verbose_name = _("志愿者年度服务")
        verbose_name_plural = _("志愿者年度服务")

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.year}"


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("待核实")
    APPROVED = "approved", _("已更正")
    REJECTED = "rejected", _("不予更正")


class CorrectionQuerySet(RegionScopedQuerySet):
    region_path = "record__activity__region__path"


class Correction(models.Model):
    record = models.ForeignKey(ServiceRecord, on_delete=models.CASCADE, related_name="corrections")
    hours = models.DecimalField(_("更正后的服务时长"), max_digits=5, decimal_places=2)
    reason = models.CharField(_("理由"), max_length=300)
    status = models.CharField(
        _("状态"), max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("记录更正")
        verbose_name_plural = _("记录更正")

    def __str__(self) -> str:
        return f"更正：{self.record}"


class Certificate(models.Model):
    """志愿服务记录证明: the hours as issued; the public check page reads it by its code."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="certificates")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("验证码"), max_length=16, unique=True)
    hours = models.DecimalField(_("累计时长"), max_digits=8, decimal_places=2)
    activities = models.PositiveIntegerField(_("服务次数"), default=0)
    issuer = models.CharField(_("出具单位"), max_length=120)
    issued_at = models.DateTimeField(_("出具时间"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("志愿服务记录证明")
        verbose_name_plural = _("志愿服务记录证明")

    def __str__(self) -> str:
        return f"志愿服务记录证明 {self.code}"


# ---- 科普中国信息员 and grids ----------------------------------------------------------------------------


class InformantSnapshot(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("月份"))  # the first day of the month
    registered = models.PositiveIntegerField(_("注册数（累计）"))
    monthly_active = models.PositiveIntegerField(_("月活数"))
    shares = models.PositiveIntegerField(_("分享传播次数"), default=0)
    source = models.CharField(_("来源"), max_length=200)
    checksum = models.CharField(max_length=64, blank=True)
    explanation = models.CharField(_("说明"), max_length=300, blank=True)
    flag = models.CharField(_("提示"), max_length=200, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "month"]
        constraints = [
            models.UniqueConstraint(fields=["region", "month"], name="informant_snapshot_once_a_month")
        ]
        verbose_name = _("科普中国信息员月度数据")
        verbose_name_plural = _("科普中国信息员月度数据")

    def __str__(self) -> str:
        return f"{self.region.name} {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("volunteers:informants") + f"?region={self.region.code}"

    @property
    def active_share(self) -> float | None:
        return self.monthly_active / self.registered * 100 if self.registered else None


class GridLevel(models.TextChoices):
    FIRST = "1", _("一级网格（村、社区）")
    SECOND = "2", _("二级网格（楼栋、村民小组）")


class GridPost(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.CharField(_("网格"), max_length=120)
    level = models.CharField(_("网格层级"), max_length=1, choices=GridLevel.choices, default=GridLevel.FIRST)
    informant = models.CharField(_("科普员"), max_length=60, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    role = models.CharField(_("身份"), max_length=40, blank=True)
    registered = models.BooleanField(_("已在科普中国注册"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "grid"]
        constraints = [models.UniqueConstraint(fields=["region", "grid"], name="grid_post_unique")]
        verbose_name = _("网格科普员")
        verbose_name_plural = _("网格科普员")

    def __str__(self) -> str:
        return self.grid

    def get_absolute_url(self) -> str:
        return reverse("volunteers:grids") + f"?region={self.region.code}"

    @property
    def masked_phone(self) -> str:
        return mask_mobile(self.phone)


# ---- counting ------------------------------------------------------------------------------------------


class CountWhat(models.TextChoices):
    VOLUNTEERS = "volunteers", _("注册志愿者（按人去重）")
    TEAMS = "teams", _("在册服务队")
    SERVICES = "services", _("有记录的服务活动")
    INFORMANTS = "informants", _("信息员注册数")
    INFORMANT_RATE = "informant_rate", _("信息员注册比例")
    GRID_COVERAGE = "grid_coverage", _("网格科普员覆盖率")


class Measure(models.TextChoices):
    STOCK = "stock", _("年末存量")
    FLOW = "flow", _("期内新增")


class CountRuleQuerySet(RegionScopedQuerySet):
    region_path = "target__task__plan__region__path"


class CountRule(models.Model):
    target = models.OneToOneField(
        "plans.Target", on_delete=models.CASCADE, related_name="volunteers_count_rule"
    )
    what = models.CharField(_("统计口径"), max_length=20, choices=CountWhat.choices)
    measure = models.CharField(_("计量方式"), max_length=10, choices=Measure.choices, default=Measure.STOCK)
    active_only = models.BooleanField(_("只计当年有服务记录者"), default=False)
    registered_only = models.BooleanField(_("网格只计已注册的科普员"), default=False)
    disaggregation = models.JSONField(_("分组"), default=dict, blank=True)

    objects = CountRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("志愿者计数规则")
        verbose_name_plural = _("志愿者计数规则")

    def __str__(self) -> str:
        return f"{self.target}：{self.in_words()}"

    def in_words(self) -> str:
        words = f"{self.get_what_display()}，{self.get_measure_display()}"
        if self.active_only:
            words += "，只计当年有服务记录者"
        if self.registered_only:
            words += "，只计已注册的科普员"
        return words


INDICATOR_OF: dict[str, str] = {
    CountWhat.VOLUNTEERS: "volunteer_count",
    CountWhat.TEAMS: "volunteer_team_count",
    CountWhat.SERVICES: "volunteer_service_count",
    CountWhat.INFORMANTS: "informant_count",
    CountWhat.INFORMANT_RATE: "informant_rate",
    CountWhat.GRID_COVERAGE: "informant_coverage",
}


def audit_fields(obj: Any) -> list[str]:
    return VOLUNTEER_AUDIT_FIELDS if isinstance(obj, Volunteer) else []
