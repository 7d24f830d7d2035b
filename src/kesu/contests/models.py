"""科普竞赛: the national and provincial 网络竞赛 an office mobilises for, and the office's own quiz (docs/contests.md).

One ``Contest`` is either a contest run elsewhere whose per-region or per-unit results the office imports
(``kind=joined``) or one the office runs itself on Kesu (``kind=own``). Both end in the same
``ParticipationFigure`` rows, so rankings, the 组织奖 list, the 通报 and the indicator values read the
two alike. An own contest adds an item bank (``ContestItem``), participants who register with a phone
number (stored as personal data: hash, cipher, last four), attempts and their drawn items. The draw,
the timer and the score live on the server; the answer key never leaves it before an item is answered.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import scoped

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser


class ContestLevel(models.TextChoices):
    NATIONAL = "national", _("全国")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


class ContestKind(models.TextChoices):
    JOINED = "joined", _("组织参加（导入平台成绩）")
    OWN = "own", _("本级自办（在科素答题）")


class ContestStatus(models.TextChoices):
    """草稿 → 题库锁定 → 进行中 → 结算 → 公示 → 发奖 (registries.md §6)."""

    DRAFT = "draft", _("草稿")
    BANK_LOCKED = "bank_locked", _("题库锁定")
    OPEN = "open", _("进行中")
    SETTLING = "settling", _("结算")
    PUBLISHED = "published", _("公示")
    AWARDED = "awarded", _("发奖")


class PopulationBasis(models.TextChoices):
    RESIDENT = "resident", _("常住人口")
    AGED_18_69 = "aged_18_69", _("18–69 周岁人口")


class ScoreMode(models.TextChoices):
    BEST = "best", _("取最高分")
    SUM = "sum", _("累计得分")


class ItemType(models.TextChoices):
    JUDGE = "judge", _("判断")
    SINGLE = "single", _("单选")
    MULTI = "multi", _("多选")


class ItemStatus(models.TextChoices):
    ACTIVE = "active", _("启用")
    RETIRED = "retired", _("停用")


class AttemptStatus(models.TextChoices):
    """started → submitted / expired → (voided). Scoring happens as answers arrive."""

    ACTIVE = "active", _("答题中")
    FINISHED = "finished", _("已交卷")
    EXPIRED = "expired", _("已超时")
    VOIDED = "voided", _("已作废")


class FigureSource(models.TextChoices):
    IMPORTED = "imported", _("平台导出导入")
    OWN = "own", _("本系统答题统计")


class AwardKind(models.TextChoices):
    REGION = "region", _("地区组织奖")
    UNIT = "unit", _("单位组织奖")
    INDIVIDUAL = "individual", _("个人奖")


def new_public_key() -> str:
    return secrets.token_urlsafe(9)


class ContestQuerySet(models.QuerySet["Contest"]):
    def visible_to(self, user: AnyUser) -> ContestQuerySet:
        """Offices and leaders of the organising region and below read it; offices above read theirs too."""
        return scoped(self, user, lambda access: access.region_q("region__path") | _above_q(access))

    def manageable_by(self, user: AnyUser) -> ContestQuerySet:
        """Only the office of the organising region changes a contest, its bank and its results."""
        return scoped(self, user, lambda access: Q(region_id__in=list(access.office_region_ids)))


def _above_q(access: Any) -> Q:
    # A county office reads the provincial contest it mobilises for (its own sub-regions' rows).
    return Q(region__path__in=[p for path in access.read_paths for p in _ancestors(path)])


def _ancestors(path: str) -> list[str]:
    # Paths are "<code>/<code>/…/" from the root (Region.compute_path).
    parts = path.strip("/").split("/")
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]


class Contest(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("组织区划"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("竞赛名称"), max_length=200)
    level = models.CharField(_("级别"), max_length=12, choices=ContestLevel.choices)
    kind = models.CharField(_("方式"), max_length=8, choices=ContestKind.choices)
    organiser = models.CharField(_("主办单位"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("结束时间"))
    status = models.CharField(
        _("状态"), max_length=12, choices=ContestStatus.choices, default=ContestStatus.DRAFT
    )
    population_basis = models.CharField(
        _("参与率分母"), max_length=12, choices=PopulationBasis.choices, default=PopulationBasis.RESIDENT
    )
    # {"metric": "participants"|"attempts"|"full_score_rate"|"participation_rate", "region_count": 10, "unit_count": 5}
    award_rule = models.JSONField(_("组织奖规则"), default=dict, blank=True)
    plan_tasks = models.ManyToManyField(
        "plans.Task", verbose_name=_("关联任务"), blank=True, related_name="+"
    )
    notes = models.TextField(_("说明"), blank=True)
    # Own contests only ------------------------------------------------------------------------------
    public_key = models.CharField(_("公开链接标识"), max_length=20, unique=True, default=new_public_key)
    # {"judge": 7, "single": 7, "multi": 6, "topics": {"卫生健康": 2}}: items per attempt by type, and at least N per topic.
    draw_rule = models.JSONField(_("抽题规则"), default=dict, blank=True)
    points_per_item = models.PositiveSmallIntegerField(_("每题分值"), default=5)
    seconds_per_item = models.PositiveIntegerField(_("每题限时（秒）"), null=True, blank=True)
    seconds_per_attempt = models.PositiveIntegerField(_("每次答题限时（秒）"), null=True, blank=True)
    attempts_per_day = models.PositiveSmallIntegerField(_("每日答题次数"), default=1)
    score_mode = models.CharField(
        _("成绩计算"), max_length=8, choices=ScoreMode.choices, default=ScoreMode.BEST
    )
    # ["score_desc", "time_asc", "first_entry_asc"]
    tie_break = models.JSONField(_("同分排序"), default=list, blank=True)
    min_age = models.PositiveSmallIntegerField(_("最小年龄"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("最大年龄"), null=True, blank=True)
    # Which of region (always), unit, school, key group the registration asks for: {"unit": true, "school": false, "key_group": true}
    registration_fields = models.JSONField(_("报名信息项"), default=dict, blank=True)
    certificate_threshold = models.PositiveSmallIntegerField(_("证书分数线"), null=True, blank=True)
    leaderboard_size = models.PositiveSmallIntegerField(_("排行榜人数"), default=100)
    frozen_at = models.DateTimeField(_("成绩冻结时间"), null=True, blank=True)
    # Item bank (bank helper): bumped by every change of the bank, so a cached draw summary knows it is stale.
    bank_version = models.PositiveIntegerField(_("题库版本"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContestQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at", "-id"]
        indexes = [models.Index(fields=["region", "-opens_at"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contests:contest", kwargs={"pk": self.pk})

    @property
    def is_own(self) -> bool:
        return self.kind == ContestKind.OWN

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class ContestRound(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("轮次"))
    name = models.CharField(_("名称"), max_length=100, blank=True)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("结束时间"))

    class Meta:
        ordering = ["contest", "number"]
        constraints = [models.UniqueConstraint(fields=["contest", "number"], name="contest_round_unique")]

    def __str__(self) -> str:
        return self.name or f"第{self.number}轮"


class ParticipationFigureQuerySet(models.QuerySet["ParticipationFigure"]):
    def visible_to(self, user: AnyUser) -> ParticipationFigureQuerySet:
        """Offices and leaders read the rows of their subtree (a county office its own rows of a city's
        contest); a liaison reads its own unit's rows only (contests Part 1, docs/contests.md)."""
        return scoped(
            self,
            user,
            lambda access: (
                access.region_q("region__path")
                | access.region_q("unit__region__path")
                | Q(unit_id__in=list(access.liaison_unit_ids))
            ),
        )


class ParticipationFigure(models.Model):
    """One region's or one unit's participation in a contest (a round, or the whole contest when round is null).

    Imported from the platform's export for a joined contest; counted from attempts for an own contest.
    Exactly one of ``region`` and ``unit`` is set.
    """

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="figures")
    round = models.ForeignKey(ContestRound, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "regions.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    participants = models.PositiveIntegerField(_("参赛人数"), default=0)
    attempts = models.PositiveIntegerField(_("参赛人次"), default=0)
    full_scores = models.PositiveIntegerField(_("满分人次"), default=0)
    source = models.CharField(_("来源"), max_length=10, choices=FigureSource.choices)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ParticipationFigureQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=False, unit__isnull=True)
                | Q(region__isnull=True, unit__isnull=False),
                name="contest_figure_region_or_unit",
            ),
            # One row per place and round (the whole contest when round is null), on SQLite as on PostgreSQL.
            models.UniqueConstraint(
                fields=["contest", "region"],
                condition=Q(round__isnull=True, region__isnull=False),
                name="contest_figure_region_whole",
            ),
            models.UniqueConstraint(
                fields=["contest", "unit"],
                condition=Q(round__isnull=True, unit__isnull=False),
                name="contest_figure_unit_whole",
            ),
            models.UniqueConstraint(
                fields=["contest", "round", "region"],
                condition=Q(round__isnull=False, region__isnull=False),
                name="contest_figure_region_round",
            ),
            models.UniqueConstraint(
                fields=["contest", "round", "unit"],
                condition=Q(round__isnull=False, unit__isnull=False),
                name="contest_figure_unit_round",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contest_id}:{self.region_id or self.unit_id}"


class Award(models.Model):
    """A 组织奖 or individual award, with the figures it was decided on (frozen at the close)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="awards")
    kind = models.CharField(_("奖项类别"), max_length=12, choices=AwardKind.choices)
    rank = models.PositiveIntegerField(_("名次"))
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "regions.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    participant = models.ForeignKey(
        "contests.Participant", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    metrics = models.JSONField(_("评定依据"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contest", "kind", "rank"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} 第{self.rank}名"


class ContestItem(models.Model):
    """One question of a contest's bank (判断/单选/多选), maybe copied from the survey's item bank."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("题号"), max_length=30)
    type = models.CharField(_("题型"), max_length=8, choices=ItemType.choices)
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list)  # ["A 文本", ...] as shown; 判断 has ["正确", "错误"]
    answer = models.JSONField(_("答案"), default=list)  # option letters, e.g. ["A", "C"]; 判断 ["A"] = 正确
    explanation = models.TextField(_("解析"), blank=True)
    topics = models.JSONField(_("主题标签"), default=list, blank=True)
    difficulty = models.PositiveSmallIntegerField(_("难度"), default=2)  # 1 易 … 5 难
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    status = models.CharField(_("状态"), max_length=8, choices=ItemStatus.choices, default=ItemStatus.ACTIVE)
    survey_item = models.ForeignKey(
        "survey.Item", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["contest", "code"]
        constraints = [models.UniqueConstraint(fields=["contest", "code"], name="contest_item_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.stem[:30]}"


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def visible_to(self, user: AnyUser) -> ParticipantQuerySet:
        """Offices of the participant's region and above, within the contests they may read."""
        return scoped(self, user, lambda access: access.office_q("region__path"))

    def phones_readable_by(self, user: AnyUser) -> ParticipantQuerySet:
        """Full phone numbers: only the organising office of the contest (audited on reveal)."""
        return scoped(self, user, lambda access: Q(contest__region_id__in=list(access.office_region_ids)))


class Participant(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="participants")
    phone_hash = models.CharField(max_length=64)
    phone_cipher = models.TextField()
    phone_last4 = models.CharField(max_length=4)
    name = models.CharField(_("姓名"), max_length=50)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "regions.Unit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    school = models.CharField(_("学校"), max_length=100, blank=True)
    key_group = models.CharField(_("重点人群"), max_length=20, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    registered_at = models.DateTimeField(auto_now_add=True)
    registered_ip = models.GenericIPAddressField(null=True, blank=True)
    # The counted result (engine helper, kesu.contests.standings): the best attempt, or the sum of the
    # attempts, kept up to date when an attempt ends or is voided, so a rank is a COUNT over participants
    # (index below) instead of over every attempt. Null until a first attempt counts.
    result_score = models.PositiveIntegerField(null=True, blank=True)
    result_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    result_entered_at = models.DateTimeField(null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contest", "phone_hash"], name="contest_participant_phone")
        ]
        indexes = [
            models.Index(fields=["contest", "region"]),
            # The ranking's order (score desc, time asc, first entry asc): top N and ranks by index.
            models.Index(
                fields=["contest", "-result_score", "result_duration_ms", "result_entered_at"],
                name="contest_participant_ranking",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Attempt(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="attempts")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="attempts")
    round = models.ForeignKey(ContestRound, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    day = models.DateField()  # the contest-local day, for attempts per day
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()  # the whole attempt's time limit (server clock)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.ACTIVE)
    item_count = models.PositiveSmallIntegerField()
    correct_count = models.PositiveSmallIntegerField(default=0)
    score = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=200, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            # One attempt at a time per participant, held by the database whatever the app servers do.
            models.UniqueConstraint(
                fields=["participant"], condition=Q(status="active"), name="contest_one_active_attempt"
            ),
        ]
        indexes = [
            models.Index(fields=["participant", "day"]),
            models.Index(fields=["contest", "status", "-score", "duration_ms", "started_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} 第{self.pk}次答题"


class AttemptItem(models.Model):
    """One drawn item of an attempt, in the order shown; the answer given and whether it was right."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="drawn")
    position = models.PositiveSmallIntegerField()
    item = models.ForeignKey(ContestItem, on_delete=models.PROTECT, related_name="+")
    shown_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.JSONField(null=True, blank=True)
    correct = models.BooleanField(null=True)
    points = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="contest_attempt_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.position}"
