"""科普专家: experts, their appointments (首席科普专家, 科普专家库, 应急科普专家库), the yearly selection,
activity logs, the emergency roster with its dispatches, and the count rules that feed indicators.

Who sees what is decided here, once: an office reads and manages the experts of its subtree; a
unit's liaison reads the experts its unit recommended (and the applications it recommends); nobody
else reads anything. Phones are never stored in clear: a keyed hash to find the same person again,
the encrypted number for an audited reveal, and the masked form lists show (``kesu.core.personal``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import RegionScopedQuerySet, liaison_area_q, scoped

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser


# ---- choices ------------------------------------------------------------------------------------


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Rank(models.TextChoices):
    """职称, from the highest: the qualification rule of a selection names the lowest it admits."""

    FULL = "full", _("正高")
    ASSOCIATE = "associate", _("副高")
    INTERMEDIATE = "intermediate", _("中级")
    OTHER = "other", _("其他")


RANK_ORDER = {Rank.FULL: 3, Rank.ASSOCIATE: 2, Rank.INTERMEDIATE: 1, Rank.OTHER: 0}
RANK_RULE_LABELS = {
    Rank.FULL: "正高",
    Rank.ASSOCIATE: "副高及以上",
    Rank.INTERMEDIATE: "中级及以上",
    Rank.OTHER: "不限",
}


class Discipline(models.TextChoices):
    SCIENCE = "science", _("理")
    ENGINEERING = "engineering", _("工")
    AGRICULTURE = "agriculture", _("农")
    MEDICINE = "medicine", _("医")
    CROSS = "cross", _("综合交叉")


SPECIALTIES = ("讲座", "创作", "媒体", "咨询", "应急")
GROUPS = ("青少年", "农民", "产业工人", "老年人", "领导干部和公务员")


class Title(models.TextChoices):
    CHIEF = "chief", _("首席科普专家")
    POOL = "pool", _("科普专家库成员")
    EMERGENCY = "emergency", _("应急科普专家库成员")


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


class AppointmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("拟聘公示")
    SERVING = "serving", _("在聘")
    EXPIRED = "expired", _("期满")  # never stored: derived from the end date
    RENEWED = "renewed", _("续聘")
    DISMISSED = "dismissed", _("解聘")


STORED_STATUSES = [c for c in AppointmentStatus.choices if c[0] != AppointmentStatus.EXPIRED]


class Stage(models.TextChoices):
    """The yearly selection, in order; ``actions.STAGE_FLOW`` says who moves an application on."""

    APPLIED = "applied", _("申请")
    RECOMMENDED = "recommended", _("单位推荐")
    QUALIFIED = "qualified", _("资格审核")
    REVIEWED = "reviewed", _("评审")
    PUBLICISED = "publicised", _("公示")
    APPOINTED = "appointed", _("聘任")


STAGE_ORDER = list(Stage.values)


class ActivityRole(models.TextChoices):
    LECTURER = "lecturer", _("主讲")
    ADVISER = "adviser", _("指导")
    LEAD = "lead", _("领衔")
    OTHER = "other", _("其他")


class Ask(models.TextChoices):
    ARTICLE = "article", _("解读稿")
    VIDEO = "video", _("视频")
    LIVE = "live", _("直播")
    COMMUNITY = "community", _("进社区")


class Measure(models.TextChoices):
    STOCK = "stock", _("年末存量")
    FLOW = "flow", _("期内新增")


class CountWhat(models.TextChoices):
    CHIEFS = "chiefs", _("在聘首席科普专家（人）")
    EXPERTS = "experts", _("科普专家库专家（人）")
    HEALTH_SESSIONS = "health_sessions", _("健康科普专家活动（场）")
    DISPATCHES = "dispatches", _("应急科普派遣（次）")


# ---- tags kept as text --------------------------------------------------------------------------


def join_tags(values: list[str] | tuple[str, ...]) -> str:
    """Tags as "|讲座|应急|": a plain ``icontains`` finds one on SQLite and PostgreSQL alike."""
    clean = [v.strip() for v in values if v and v.strip()]
    return f"|{'|'.join(dict.fromkeys(clean))}|" if clean else ""


def split_tags(text: str) -> list[str]:
    return [part for part in (text or "").split("|") if part]


def tag_q(field: str, tag: str) -> Q:
    return Q(**{f"{field}__contains": f"|{tag}|"})


# ---- experts ------------------------------------------------------------------------------------


class ExpertQuerySet(RegionScopedQuerySet):
    """Offices and leaders read their subtree's experts; a liaison reads those its unit recommended."""

    def visible_to(self, user: AnyUser) -> Self:
        return scoped(
            self,
            user,
            lambda access: access.region_q("region__path") | Q(recommending_unit__in=access.liaison_unit_ids),
        )

    def creditable_by(self, user: AnyUser) -> Self:
        """Whom ``user`` may name on an activity: those they read, and for a member unit's liaison the
        experts registered in its unit's region or below — found by name, shown by name and employer only
        (``activities.people``), never their phone."""
        local = scoped(self, user, lambda access: liaison_area_q(access, "region__path"))
        return self.visible_to(user) | local


class Expert(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="experts"
    )
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=10, choices=Sex.choices)
    birth_year = models.PositiveSmallIntegerField(_("出生年"), null=True, blank=True)
    phone_hash = models.CharField(max_length=64, editable=False, blank=True)
    phone_cipher = models.TextField(editable=False, blank=True)
    phone_masked = models.CharField(_("手机"), max_length=20, editable=False, blank=True)
    # name + phone, hashed with the key: the same person found again by an import, without the phone
    match_key = models.CharField(max_length=64, editable=False, unique=True)
    employer = models.CharField(_("工作单位"), max_length=200, blank=True)
    employer_unit = models.ForeignKey(
        "regions.Unit",
        verbose_name=_("工作单位（成员单位）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    position = models.CharField(_("职务"), max_length=100, blank=True)
    rank = models.CharField(_("职称"), max_length=20, choices=Rank.choices)
    discipline = models.CharField(_("学科"), max_length=20, choices=Discipline.choices)
    fields = models.CharField(_("领域"), max_length=300, blank=True)  # tags, see join_tags
    recommending_unit = models.ForeignKey(
        "regions.Unit",
        verbose_name=_("推荐单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recommended_experts",
    )
    specialties = models.CharField(_("科普专长"), max_length=100, blank=True)
    groups = models.CharField(_("服务人群"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ExpertQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "name", "pk"]
        verbose_name = _("科普专家")
        verbose_name_plural = _("科普专家")
        indexes = [models.Index(fields=["phone_hash"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("experts:expert", kwargs={"expert_id": self.pk})

    @property
    def field_list(self) -> list[str]:
        return split_tags(self.fields)

    @property
    def specialty_list(self) -> list[str]:
        return split_tags(self.specialties)

    @property
    def group_list(self) -> list[str]:
        return split_tags(self.groups)

    def fields_label(self) -> str:
        return "、".join(self.field_list)

    def specialties_label(self) -> str:
        return "、".join(self.specialty_list)

    def groups_label(self) -> str:
        return "、".join(self.group_list)


# ---- appointments -------------------------------------------------------------------------------


class AppointmentQuerySet(RegionScopedQuerySet):
    region_path = "expert__region__path"

    def visible_to(self, user: AnyUser) -> Self:
        return scoped(
            self,
            user,
            lambda access: (
                access.region_q("expert__region__path")
                | Q(expert__recommending_unit__in=access.liaison_unit_ids)
            ),
        )

    def in_term_on(self, day: date) -> Self:
        """Held on ``day``: appointed (not only proposed), started, not ended, not dismissed by then."""
        held = Q(status__in=[AppointmentStatus.SERVING, AppointmentStatus.RENEWED], dismissed_on__isnull=True)
        dismissed_later = Q(status=AppointmentStatus.DISMISSED, dismissed_on__gt=day)
        return self.filter(held | dismissed_later, start__lte=day, end__gte=day)


class Appointment(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="appointments")
    title = models.CharField(_("称号"), max_length=20, choices=Title.choices)
    level = models.CharField(_("级别"), max_length=20, choices=Level.choices)
    batch = models.CharField(_("批次"), max_length=50, blank=True)
    start = models.DateField(_("聘期开始"))
    end = models.DateField(_("聘期结束"))
    document_no = models.CharField(_("聘任文号"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=STORED_STATUSES, default="serving")
    dismissed_on = models.DateField(_("解聘日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["expert", "-start", "pk"]
        verbose_name = _("聘任")
        verbose_name_plural = _("聘任")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="experts_term_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["title", "level", "start", "end"])]

    def __str__(self) -> str:
        return f"{self.expert.name} · {self.get_level_display()}{self.get_title_display()}"

    def get_absolute_url(self) -> str:
        return self.expert.get_absolute_url()

    def status_on(self, day: date) -> str:
        """The stored status, except that a term whose end has passed reads 期满."""
        held = self.status in (AppointmentStatus.SERVING, AppointmentStatus.RENEWED)
        return AppointmentStatus.EXPIRED if held and self.end < day else self.status

    def status_label(self) -> str:
        return str(AppointmentStatus(self.status_on(date.today())).label)

    def term_label(self) -> str:
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"


# ---- yearly selection ---------------------------------------------------------------------------


class Selection(models.Model):
    """A selection round: the office's call for one year and level, with its rules as data."""

    region = models.ForeignKey("regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("年度"))
    level = models.CharField(_("级别"), max_length=20, choices=Level.choices)
    title = models.CharField(_("称号"), max_length=20, choices=Title.choices, default=Title.CHIEF)
    batch = models.CharField(_("批次"), max_length=50)
    min_rank = models.CharField(
        _("职称要求（最低）"), max_length=20, choices=Rank.choices, default=Rank.ASSOCIATE
    )
    term_years = models.PositiveSmallIntegerField(_("聘期（年）"), default=5)
    default_quota = models.PositiveSmallIntegerField(_("每个推荐单位名额（默认）"), default=3)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "pk"]
        verbose_name = _("遴选")
        verbose_name_plural = _("遴选")

    def __str__(self) -> str:
        return f"{self.year}年{self.get_level_display()}{self.get_title_display()}遴选（{self.batch}）"

    def get_absolute_url(self) -> str:
        return reverse("experts:selection", kwargs={"selection_id": self.pk})

    def rank_rule_label(self) -> str:
        return RANK_RULE_LABELS[Rank(self.min_rank)]

    def quota_for(self, unit_id: int) -> int:
        quota = self.quotas.filter(unit_id=unit_id).values_list("quota", flat=True).first()
        return self.default_quota if quota is None else quota


class Quota(models.Model):
    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="quotas")
    unit = models.ForeignKey("regions.Unit", verbose_name=_("推荐单位"), on_delete=models.CASCADE)
    quota = models.PositiveSmallIntegerField(_("名额"))

    class Meta:
        verbose_name = _("推荐名额")
        verbose_name_plural = _("推荐名额")
        constraints = [
            models.UniqueConstraint(fields=["selection", "unit"], name="experts_one_quota_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.unit.name}：{self.quota} 名"


class ExpertApplicationQuerySet(RegionScopedQuerySet):
    region_path = "selection__region__path"

    def visible_to(self, user: AnyUser) -> Self:
        return scoped(
            self,
            user,
            lambda access: (
                access.region_q("selection__region__path") | Q(recommending_unit__in=access.liaison_unit_ids)
            ),
        )

    def recommendable_by(self, user: AnyUser) -> Self:
        """The office, or the liaison of the unit the application names as its recommender."""
        return scoped(
            self,
            user,
            lambda access: (
                access.office_q("selection__region__path") | Q(recommending_unit__in=access.liaison_unit_ids)
            ),
        )


class Application(models.Model):
    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="applications")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="applications")
    recommending_unit = models.ForeignKey(
        "regions.Unit", verbose_name=_("推荐单位"), on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(_("环节"), max_length=20, choices=Stage.choices, default=Stage.APPLIED)
    returned_reason = models.CharField(_("退回原因"), max_length=300, blank=True)
    review_score = models.FloatField(_("评审得分"), null=True, blank=True)
    appointment = models.OneToOneField(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="application"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ExpertApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["selection", "pk"]
        verbose_name = _("申请")
        verbose_name_plural = _("申请")
        constraints = [
            models.UniqueConstraint(fields=["selection", "expert"], name="experts_one_application_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.expert.name}（{self.selection}）"

    def get_absolute_url(self) -> str:
        return reverse("experts:application", kwargs={"application_id": self.pk})


# ---- activities ---------------------------------------------------------------------------------


class ActivityQuerySet(RegionScopedQuerySet):
    region_path = "expert__region__path"

    def visible_to(self, user: AnyUser) -> Self:
        return scoped(
            self,
            user,
            lambda access: (
                access.region_q("expert__region__path")
                | Q(expert__recommending_unit__in=access.liaison_unit_ids)
            ),
        )


class Activity(models.Model):
    """What an expert did. The Activities registry does not exist yet: the activity is a text or URL."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="activities")
    date = models.DateField(_("日期"))
    role = models.CharField(_("角色"), max_length=20, choices=ActivityRole.choices)
    hours = models.DecimalField(_("时长（小时）"), max_digits=5, decimal_places=1)
    title = models.CharField(_("活动名称"), max_length=200)
    health = models.BooleanField(_("健康科普"), default=False)
    emergency = models.BooleanField(_("应急科普"), default=False)
    activity_ref = models.CharField(_("活动链接或说明"), max_length=500, blank=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "pk"]
        verbose_name = _("专家活动")
        verbose_name_plural = _("专家活动")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self) -> str:
        return self.expert.get_absolute_url()


# ---- the emergency roster -----------------------------------------------------------------------


class Topic(models.Model):
    """An emergency topic (传染病, 地震, …) with the experts on call and the response promised."""

    region = models.ForeignKey("regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT)
    name = models.CharField(_("主题"), max_length=50)
    response_hours = models.PositiveSmallIntegerField(_("响应承诺（小时）"), default=24)
    experts = models.ManyToManyField(Expert, verbose_name=_("值守专家"), blank=True, related_name="topics")

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["region", "name"]
        verbose_name = _("应急科普主题")
        verbose_name_plural = _("应急科普主题")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="experts_topic_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("experts:roster")


class Event(models.Model):
    region = models.ForeignKey("regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT)
    title = models.CharField(_("事件"), max_length=200)
    topic = models.ForeignKey(Topic, verbose_name=_("主题"), on_delete=models.PROTECT, related_name="events")
    opened_at = models.DateTimeField(_("启动时间"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "pk"]
        verbose_name = _("应急事件")
        verbose_name_plural = _("应急事件")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("experts:event", kwargs={"emergency_id": self.pk})


class DispatchQuerySet(RegionScopedQuerySet):
    region_path = "event__region__path"


class Dispatch(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="dispatches")
    expert = models.ForeignKey(
        Expert, verbose_name=_("专家"), on_delete=models.PROTECT, related_name="dispatches"
    )
    ask = models.CharField(_("任务"), max_length=20, choices=Ask.choices)
    requested_at = models.DateTimeField(_("派遣时间"))
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    output = models.CharField(_("成果"), max_length=300, blank=True)
    url = models.URLField(_("发布链接"), max_length=500, blank=True)
    reach = models.PositiveIntegerField(_("触达人次"), null=True, blank=True)

    objects = DispatchQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at", "pk"]
        verbose_name = _("应急派遣")
        verbose_name_plural = _("应急派遣")

    def __str__(self) -> str:
        return f"{self.expert.name} · {self.get_ask_display()}"

    def get_absolute_url(self) -> str:
        return self.event.get_absolute_url()

    @property
    def response_hours(self) -> float | None:
        if self.responded_at is None:
            return None
        return round((self.responded_at - self.requested_at).total_seconds() / 3600, 1)


# ---- counting into indicators -------------------------------------------------------------------


class CountRuleQuerySet(RegionScopedQuerySet):
    region_path = "target__task__plan__region__path"


class CountRule(models.Model):
    """How a plan target is measured from this registry; ``counting`` computes, ``refresh_counts`` records."""

    target = models.OneToOneField("plans.Target", on_delete=models.CASCADE, related_name="experts_count_rule")
    what = models.CharField(_("统计内容"), max_length=30, choices=CountWhat.choices)
    level = models.CharField(_("级别"), max_length=20, choices=Level.choices, blank=True)
    measure = models.CharField(_("口径"), max_length=10, choices=Measure.choices, default=Measure.STOCK)
    disaggregation = models.JSONField(_("分组"), default=dict, blank=True)

    objects = CountRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("专家统计规则")
        verbose_name_plural = _("专家统计规则")

    def __str__(self) -> str:
        return self.in_words()

    def get_absolute_url(self) -> str:
        return reverse("experts:count_rules")

    def in_words(self) -> str:
        level = f"{self.get_level_display()}" if self.level else ""
        return f"{level}{self.get_what_display()}，{self.get_measure_display()}"


def as_choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v) for v in values]
