"""科普活动, campaigns and the 科普资源 library: one row per activity, entered once and read by the campaign
summary, the half-year report, the 科普统计 and the indicators (docs/activities.md).

Who sees what is decided here, once (``ScienceActivityQuerySet``): an office reads and reviews the
activities of its subtree; a unit's liaison edits its own unit's activities (主办) and reads those
its unit co-organises (承办/协办); nobody else reads anything.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.db import connections, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import RegionScopedQuerySet, scoped

if TYPE_CHECKING:
    from kesu.accounts.access import Access, AnyUser


# ---- choices ------------------------------------------------------------------------------------


class ActivityKind(models.TextChoices):
    """形式. Each maps to a 科普统计 activity row (``STATISTICS_ROW``); 其他 maps to none."""

    LECTURE = "lecture", _("讲座")
    EXHIBITION = "exhibition", _("展览")
    CONTEST = "contest", _("竞赛")
    TRAINING = "training", _("培训")
    CONSULTATION = "consultation", _("咨询")
    CLINIC = "clinic", _("义诊")
    CARAVAN = "caravan", _("科普大篷车")
    MOBILE_MUSEUM = "mobile_museum", _("流动科技馆")
    OPEN_DAY = "open_day", _("开放日")
    LIVESTREAM = "livestream", _("线上直播")
    CAMP = "camp", _("科技夏（冬）令营")
    INTERNATIONAL = "international", _("科普国际交流")
    INTEREST_GROUP = "interest_group", _("青少年科技兴趣小组")
    OTHER = "other", _("其他")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("计划")
    HELD = "held", _("已开展")
    SUBMITTED = "submitted", _("已提交")
    ADOPTED = "adopted", _("已采用")
    RETURNED = "returned", _("已退回")


class Mode(models.TextChoices):
    OFFLINE = "offline", _("线下")
    ONLINE = "online", _("线上")
    BOTH = "both", _("线上线下")


class CountMethod(models.TextChoices):
    SIGN_IN = "sign_in", _("签到")
    ESTIMATE = "estimate", _("估算")
    TICKETS = "tickets", _("票务")


class OrganiserRole(models.TextChoices):
    HOST = "host", _("主办")
    UNDERTAKER = "undertaker", _("承办")
    CO_ORGANISER = "co_organiser", _("协办")


class CampaignKind(models.TextChoices):
    SCIENCE_DAY = "science_day", _("全国科普日（科普月）")
    SCIENCE_WEEK = "science_week", _("科技活动周")
    THREE_RURAL = "three_rural", _("文化科技卫生“三下乡”")
    LEIFENG = "leifeng", _("学雷锋科技志愿服务周")
    THEME_DAY = "theme_day", _("主题日")
    OTHER = "other", _("其他")


class ResourceKind(models.TextChoices):
    ARTICLE = "article", _("图文")
    VIDEO = "video", _("视频")
    MICRO_VIDEO = "micro_video", _("微视频")
    POSTER = "poster", _("展板")
    COURSEWARE = "courseware", _("课件")
    READER = "reader", _("读本")


KEY_GROUPS = ("青少年", "农民", "产业工人", "老年人", "领导干部和公务员")


# ---- campaigns ------------------------------------------------------------------------------------


class CampaignQuerySet(RegionScopedQuerySet):
    """Offices read their subtree's campaigns and those of the regions above (read-only) and manage
    their own region's; a liaison reads the campaigns of its unit's region and the regions above it
    (where it registers activities)."""

    def visible_to(self, user: AnyUser) -> Self:
        return scoped(self, user, _campaign_scope_q)


def _campaign_scope_q(access: Access) -> Q:
    """The subtree read, plus (read-only) the regions above each office, leader or liaison's unit:
    a city office sees the province's 科普月 and registers its units' activities to it."""
    own = access.region_q("region__path")
    paths = list(access.read_paths)
    if access.liaison_unit_ids:
        from kesu.regions.models import Unit

        units = Unit.objects.filter(pk__in=access.liaison_unit_ids)
        paths += list(units.values_list("region__path", flat=True))
    above = Q()
    for path in paths:
        # A region's path starts with every ancestor's path: the campaign's region is above this one.
        above |= Q(region__path__in=[path[:end] for end in range(1, len(path) + 1)])
    return own | above


class Campaign(models.Model):
    """A brand campaign an office runs: a window, a theme, a notice and a summary deadline."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("活动名称"), max_length=200)
    kind = models.CharField(_("类别"), max_length=20, choices=CampaignKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    theme = models.CharField(_("主题"), max_length=200, blank=True)
    notice = models.TextField(_("活动通知"), blank=True)
    summary_due = models.DateField(_("总结报送截止日"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("主题活动")
        verbose_name_plural = _("主题活动")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("activities:campaign", kwargs={"campaign_id": self.pk})


# ---- activities ----------------------------------------------------------------------------------


# A row is changed by its unit while it is a plan, held, or returned; submitted and adopted rows are
# the reviewer's (a return gives them back).
EDITABLE_STATES = (ActivityStatus.PLANNED, ActivityStatus.HELD, ActivityStatus.RETURNED)
MIN_PHOTOS = 3  # evidence asked for before a submit (registries.md §5)
# The scope rules test the row's own copy of its region's path (``Activity.region_path``): a subtree is
# one prefix test on this table, read from an index, with no join to the regions.
PATH = "region_path"


def region_paths(region_ids: Iterable[int]) -> dict[int, str]:
    from kesu.regions.models import Region

    return dict(Region.objects.filter(pk__in=set(region_ids)).values_list("pk", "path"))


def with_region_paths(activities: Iterable[Any]) -> list[Any]:
    """The rows, each given its region's path (one query): what a bulk write stores with them."""
    rows = list(activities)
    paths = region_paths(a.region_id for a in rows)
    for activity in rows:
        activity.region_path = paths[activity.region_id]
    return rows


class ScienceActivityQuerySet(models.QuerySet["Activity"]):
    def visible_to(self, user: AnyUser) -> ScienceActivityQuerySet:
        """Offices: their subtree's activities. Liaisons: their units' own and co-organised ones."""
        return scoped(self, user, _activity_scope_q)

    def editable_by(self, user: AnyUser) -> ScienceActivityQuerySet:
        """The host unit's liaisons edit; offices of the subtree edit too (they correct and review)."""
        return scoped(self, user, lambda access: Q(unit__in=access.liaison_unit_ids) | access.office_q(PATH))

    def manageable_by(self, user: AnyUser) -> ScienceActivityQuerySet:
        """The registry shape's name for ``editable_by`` (the detail page's history, the edit view)."""
        return self.editable_by(user)

    def in_editable_state(self) -> ScienceActivityQuerySet:
        return self.filter(status__in=EDITABLE_STATES)

    def awaiting_review(self) -> ScienceActivityQuerySet:
        return self.filter(status=ActivityStatus.SUBMITTED)

    def adopted(self) -> ScienceActivityQuerySet:
        return self.filter(status=ActivityStatus.ADOPTED)

    def in_year(self, year: int) -> ScienceActivityQuerySet:
        return self.filter(starts_at__year=year)

    def with_key_group(self, group: str) -> ScienceActivityQuerySet:
        """Rows whose 重点人群 include ``group``.

        PostgreSQL: jsonb containment (``@>``), which the planner estimates from the column's
        statistics (a handful of lists make up every row). Matched as text, the filter was estimated
        at 42 rows of a province's 133,000, so the list joined and sorted all of them (650 ms) instead
        of reading the newest rows from the date index (4 ms). SQLite has no containment on JSON: the
        list is matched as text, quotes included (the names are fixed words), in both the spelling
        json.dumps writes (\\u8001…) and the plain one."""
        if connections[self.db].vendor == "postgresql":
            return self.filter(key_groups__contains=[group])
        text = Cast("key_groups", models.TextField())
        return self.alias(key_groups_text=text).filter(
            Q(key_groups_text__contains=json.dumps(group, ensure_ascii=False))
            | Q(key_groups_text__contains=json.dumps(group))
        )

    def reviewable_by(self, user: AnyUser) -> ScienceActivityQuerySet:
        """The office of the subtree reviews; so does the lead unit of a linked plan task (牵头单位)."""
        return scoped(self, user, _activity_review_q)

    # ---- the region's path follows the region on every bulk write (``Activity.save`` does it for one row)

    def bulk_create(  # django-stubs types it on the generic model, not this queryset's
        self,
        objs: Iterable[Any],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Collection[str] | None = None,
        unique_fields: Collection[str] | None = None,
    ) -> list[Any]:
        return super().bulk_create(
            with_region_paths(objs),
            batch_size=batch_size,
            ignore_conflicts=ignore_conflicts,
            update_conflicts=update_conflicts,
            update_fields=update_fields,
            unique_fields=unique_fields,
        )

    def bulk_update(self, objs: Iterable[Any], fields: Iterable[str], batch_size: int | None = None) -> int:
        rows, names = list(objs), list(fields)
        if "region" in names or "region_id" in names:
            rows, names = with_region_paths(rows), [*names, PATH]
        return super().bulk_update(rows, names, batch_size=batch_size)

    def update(self, **kwargs: Any) -> int:
        region = kwargs.get("region", kwargs.get("region_id"))
        if region is not None and PATH not in kwargs:
            from kesu.regions.models import Region

            if not isinstance(region, int | Region):
                raise TypeError(
                    "update(region=…) takes a region or its id; set region_path with an expression"
                )
            kwargs[PATH] = region.path if isinstance(region, Region) else region_paths([region])[region]
        return super().update(**kwargs)


def _activity_scope_q(access: Access) -> Q:
    if not access.liaison_unit_ids:  # an office or leader: no subqueries for co-organised rows
        return access.region_q(PATH)
    from kesu.plans.models import Role

    units = access.liaison_unit_ids
    # One ``id IN (… UNION …)`` rather than three OR-ed EXISTS: the database reads the unit's few rows
    # through the unit indexes instead of testing each of the region's 500,000 rows (1.1 s → ms).
    hosted = Activity.objects.filter(unit__in=units).values("pk")
    co_organised = ActivityOrganiser.objects.filter(unit__in=units).values("activity_id")
    # The lead unit of a linked task reviews the activity, so it reads it too.
    led = Activity.tasks.through.objects.filter(
        task__responsibilities__unit__in=units, task__responsibilities__role=Role.LEAD
    ).values("activity_id")
    mine = Q(pk__in=hosted.order_by().union(co_organised.order_by(), led.order_by()))
    return mine | access.region_q(PATH) if access.read_paths else mine


def _lead_of_linked_task(access: Access) -> Exists:
    from kesu.plans.models import Role

    return Exists(
        Activity.tasks.through.objects.filter(
            activity=OuterRef("pk"),
            task__responsibilities__unit__in=access.liaison_unit_ids,
            task__responsibilities__role=Role.LEAD,
        )
    )


def _activity_review_q(access: Access) -> Q:
    if not access.liaison_unit_ids:
        return access.office_q(PATH)
    return access.office_q(PATH) | Q(_lead_of_linked_task(access))


class Activity(models.Model):
    """One 科普活动: the hub row that campaign summaries, reports and 科普统计 read."""

    unit = models.ForeignKey(
        "regions.Unit", verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("活动地区"), on_delete=models.PROTECT, related_name="+"
    )
    # A copy of ``region.path``, written with the region (``save``, the queryset's bulk writes) and
    # rewritten when a region moves (``setup_activities``): the scope and the subtree filter read it.
    region_path = models.CharField(max_length=80, default="", editable=False)
    name = models.CharField(_("活动名称"), max_length=200)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("主题活动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    tasks = models.ManyToManyField("plans.Task", verbose_name=_("关联任务"), blank=True, related_name="+")
    kind = models.CharField(_("活动形式"), max_length=20, choices=ActivityKind.choices)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    address = models.CharField(_("活动地点"), max_length=200, blank=True)
    base = models.ForeignKey(
        "venues.Institution",
        verbose_name=_("科普基地"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    mode = models.CharField(_("线上/线下"), max_length=10, choices=Mode.choices, default=Mode.OFFLINE)
    online_url = models.URLField(_("线上链接"), blank=True)
    online_views = models.PositiveIntegerField(_("线上观看人次"), null=True, blank=True)
    key_groups = models.JSONField(_("重点人群"), default=list, blank=True)
    attendance = models.PositiveIntegerField(_("参与人次（线下）"), null=True, blank=True)
    count_method = models.CharField(_("人次统计方式"), max_length=10, choices=CountMethod.choices, blank=True)
    experts = models.ManyToManyField(
        "experts.Expert", verbose_name=_("参与专家"), blank=True, related_name="+"
    )
    volunteers = models.ManyToManyField(
        "volunteers.Volunteer", verbose_name=_("参与志愿者"), blank=True, related_name="+"
    )
    other_participants = models.CharField(_("其他参与人员"), max_length=500, blank=True)
    science_workers = models.PositiveIntegerField(_("参与科技人员（人）"), null=True, blank=True)
    cost = models.DecimalField(_("活动经费（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    funding_line = models.ForeignKey(
        "funding.FundingLine",
        verbose_name=_("经费来源"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    materials = models.PositiveIntegerField(_("发放资料（份）"), null=True, blank=True)
    news_url = models.URLField(_("新闻报道链接"), blank=True)
    resources: models.ManyToManyField[Resource, Any] = models.ManyToManyField(
        "Resource", verbose_name=_("使用的科普资源"), blank=True, related_name="activities"
    )
    summary = models.TextField(_("活动简介"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.HELD
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField(_("审核意见"), blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic concurrency, as reporting's entries
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScienceActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["region", "starts_at"], name="activity_region_start"),
            models.Index(fields=["unit", "starts_at"], name="activity_unit_start"),
            # The campaign page's cache key (rows and latest change per state) read from this index alone.
            models.Index(fields=["campaign", "status", "updated_at"], name="activity_campaign_state_at"),
            # The lists' order (newest first) read straight from an index: the first page of a
            # province's 500,000 rows, and of one campaign's, without sorting them all; with the path,
            # the rows a page by number skips are counted in the index alone (no row read).
            models.Index(fields=["-starts_at", "-id", PATH], name="activity_start_path"),
            # With the id as tie-breaker, so a campaign's latest 50 are the index's first 50 entries.
            models.Index(fields=["campaign", "-starts_at", "-id"], name="activity_campaign_start_id"),
            # The “待审核 N” badge counts the submitted rows of a subtree on every list view: from the
            # index alone (replaces (status, region), which had to read each row's path).
            models.Index(
                fields=["status", PATH], name="activity_status_path", opclasses=["", "text_pattern_ops"]
            ),
            # An office's subtree (a prefix of the copied path) in the lists' order, without the regions.
            models.Index(
                fields=[PATH, "-starts_at", "-id"],
                name="activity_path_start",
                opclasses=["text_pattern_ops", "", ""],  # LIKE 'prefix%' under any collation (PostgreSQL)
            ),
        ]
        verbose_name = _("科普活动")
        verbose_name_plural = _("科普活动")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Every save that may set the region copies its path (a save limited to other fields does not)."""
        fields = kwargs.get("update_fields")
        if self.region_id is not None and (fields is None or "region" in fields or "region_id" in fields):
            self.region_path = self.region.path
            if fields is not None:
                kwargs["update_fields"] = {*fields, PATH}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("activities:activity", kwargs={"activity_id": self.pk})

    # ---- the rules of one activity (the views and the API ask these; actions enforce them) ----

    @property
    def is_editable_state(self) -> bool:
        return self.status in EDITABLE_STATES

    @property
    def is_returned(self) -> bool:
        return self.status == ActivityStatus.RETURNED

    def can_edit(self, user: AnyUser) -> bool:
        return self.is_editable_state and Activity.objects.editable_by(user).filter(pk=self.pk).exists()

    def can_submit(self, user: AnyUser) -> bool:
        return self.can_edit(user) and self.status != ActivityStatus.PLANNED

    def can_review(self, user: AnyUser) -> bool:
        return (
            self.status == ActivityStatus.SUBMITTED
            and Activity.objects.reviewable_by(user).filter(pk=self.pk).exists()
        )

    def missing_for_submit(self, photo_count: int | None = None) -> list[str]:
        """What a submit still needs, in the form's words (empty when it may be submitted)."""
        count = self.photos.count() if photo_count is None else photo_count
        missing = []
        if count < MIN_PHOTOS:
            missing.append(f"现场照片至少 {MIN_PHOTOS} 张（现有 {count} 张）")
        if self.mode != Mode.ONLINE and self.attendance is None:
            missing.append("参与人次")
        if self.mode != Mode.OFFLINE and self.online_views is None:
            missing.append("线上观看人次")
        if not self.key_groups:
            missing.append("重点人群")
        return missing

    @property
    def key_groups_label(self) -> str:
        return "、".join(self.key_groups)

    @property
    def total_attendance(self) -> int:
        """人次 offline plus online views: what a campaign summary adds up."""
        return (self.attendance or 0) + (self.online_views or 0)


class ActivityOrganiser(models.Model):
    """A unit other than the host that 承办 or 协办 the activity: it reads it, never edits it."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="organisers")
    unit = models.ForeignKey("regions.Unit", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("角色"), max_length=12, choices=OrganiserRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "unit"], name="activity_organiser_unique")]
        verbose_name = _("承办/协办单位")
        verbose_name_plural = _("承办/协办单位")

    def __str__(self) -> str:
        return f"{self.get_role_display()}：{self.unit}"


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="activities/photos/%Y/")
    # A JPEG at most THUMB_SIZE on its long side (and without the camera's EXIF, location included):
    # what the list and the detail page show, so a phone never downloads three 5 MB originals.
    thumbnail = models.FileField(upload_to="activities/thumbs/%Y/", blank=True)
    filename = models.CharField(_("文件名"), max_length=200)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("活动照片")
        verbose_name_plural = _("活动照片")

    def __str__(self) -> str:
        return self.filename


# ---- 科普资源 -------------------------------------------------------------------------------------


class ResourceQuerySet(RegionScopedQuerySet):
    def visible_to(self, user: AnyUser) -> Self:
        return scoped(
            self, user, lambda access: Q(unit__in=access.liaison_unit_ids) | access.region_q("region__path")
        )

    def manageable_by(self, user: AnyUser) -> Self:
        """The owner unit's liaisons and the offices of the subtree change an entry."""
        return scoped(
            self, user, lambda access: Q(unit__in=access.liaison_unit_ids) | access.office_q("region__path")
        )


class Resource(models.Model):
    """A 科普资源 entry: a light library record (title, type, URL or a small file), not a media server."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "regions.Unit", verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("类型"), max_length=12, choices=ResourceKind.choices)
    url = models.URLField(_("链接"), blank=True)
    file = models.FileField(_("文件"), upload_to="activities/resources/%Y/", blank=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    tags = models.JSONField(_("主题标签"), default=list, blank=True)
    emergency = models.BooleanField(_("应急科普"), default=False)
    published_on = models.DateField(_("发布日期"))
    views = models.PositiveIntegerField(_("浏览量"), null=True, blank=True)
    # Expert dispatches (应急科普) that used this resource: held here, experts stays unaware of resources.
    dispatches = models.ManyToManyField(
        "experts.Dispatch", verbose_name=_("用于专家派遣"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "-pk"]
        indexes = [models.Index(fields=["region", "kind", "published_on"], name="resource_region_kind_date")]
        verbose_name = _("科普资源")
        verbose_name_plural = _("科普资源")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:resource", kwargs={"resource_id": self.pk})


# ---- counting into indicators (campaigns part; see counting.py) -----------------------------------


class CountWhat(models.TextChoices):
    ACTIVITIES = "activities", _("已采用的科普活动场次")
    ATTENDANCE = "attendance", _("已采用活动的参与人次")
    EXPERT_SERVICES = "expert_services", _("有专家参与的已采用活动次数")
    MICRO_VIDEOS = "micro_videos", _("科普资源库中的微视频期数")


class CountRuleQuerySet(RegionScopedQuerySet):
    region_path = "target__task__plan__region__path"


class CountRule(models.Model):
    """How a plan target is judged from the activity rows (a flow per calendar year)."""

    target = models.OneToOneField(
        "plans.Target", on_delete=models.CASCADE, related_name="activities_count_rule"
    )
    what = models.CharField(_("统计内容"), max_length=20, choices=CountWhat.choices)
    indicator_code = models.CharField(_("指标代码"), max_length=60, blank=True)
    kind = models.CharField(_("活动形式"), max_length=20, choices=ActivityKind.choices, blank=True)
    key_group = models.CharField(_("重点人群"), max_length=20, blank=True)
    campaign_kind = models.CharField(
        _("主题活动类别"), max_length=20, choices=CampaignKind.choices, blank=True
    )
    linked_only = models.BooleanField(_("只计关联本任务的活动"), default=False)
    disaggregation = models.JSONField(_("分组"), default=dict, blank=True)

    objects = CountRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动计数规则")
        verbose_name_plural = _("活动计数规则")

    def __str__(self) -> str:
        return self.in_words()

    def in_words(self) -> str:
        parts = [str(self.get_what_display())]
        if self.kind:
            parts.append(f"形式为{self.get_kind_display()}")
        if self.key_group:
            parts.append(f"面向{self.key_group}")
        if self.campaign_kind:
            parts.append(f"属于{self.get_campaign_kind_display()}")
        if self.linked_only:
            parts.append("只计关联本任务的活动")
        if self.what == CountWhat.MICRO_VIDEOS:
            parts.append("按发布日期计入当年")
        else:
            parts.append("按活动开始日期计入当年，多家单位合办的活动只计一次")
        return "，".join(parts)
