"""The civic scientific literacy survey: instruments, waves, sample frames, respondents, estimates."""

from __future__ import annotations

import secrets

import numpy as np
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import RegionScopedQuerySet

# Letters and digits that cannot be confused when read aloud or copied from paper (no 0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_code(length: int = 10) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def new_codes(count: int, length: int = 10) -> list[str]:
    """``count`` codes as ``new_code`` draws them, for an import of 100,000 questionnaires in one go."""
    alphabet = np.frombuffer(CODE_ALPHABET.encode(), dtype=np.uint8)
    size, cut = len(alphabet), 256 - 256 % len(alphabet)  # bytes at or over ``cut`` would bias the draw
    drawn = np.empty(0, dtype=np.uint8)
    while drawn.size < count * length:
        raw = np.frombuffer(secrets.token_bytes(count * length + 64), dtype=np.uint8)
        drawn = np.concatenate([drawn, raw[raw < cut] % size])
    letters = alphabet[drawn[: count * length]].reshape(count, length)
    return [bytes(row).decode() for row in letters]


def new_token() -> str:
    return secrets.token_urlsafe(18)


class Dimension(models.TextChoices):
    KNOWLEDGE = "科学知识", _("科学知识")
    METHOD = "科学方法", _("科学方法")
    SPIRIT = "科学精神与思想", _("科学精神与思想")
    APPLICATION = "应用科学的能力", _("应用科学的能力")


class ItemType(models.TextChoices):
    TRUE_FALSE = "tf", _("判断题")
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")


class InstrumentQuerySet(RegionScopedQuerySet):
    pass


class Instrument(models.Model):
    """A questionnaire version: its test items. A new version copies the items of the last one."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="survey_instruments"
    )
    name = models.CharField(_("问卷名称"), max_length=120)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "name", "-version"]
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")
        constraints = [
            models.UniqueConstraint(fields=["region", "name", "version"], name="instrument_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name}（第 {self.version} 版）"

    def get_absolute_url(self) -> str:
        return reverse("survey:instrument", kwargs={"instrument_id": self.pk})


class Item(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("题号"), max_length=30)
    order = models.PositiveIntegerField(_("顺序"))
    dimension = models.CharField(_("维度"), max_length=20, choices=Dimension.choices)
    type = models.CharField(_("题型"), max_length=10, choices=ItemType.choices)
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list)
    answer = models.JSONField(_("答案"), default=list)
    source = models.CharField(_("来源"), max_length=300, blank=True)

    class Meta:
        ordering = ["instrument", "order"]
        constraints = [models.UniqueConstraint(fields=["instrument", "code"], name="item_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.stem[:30]}"

    @property
    def answer_text(self) -> str:
        return "|".join(self.answer)


class RuleKind(models.TextChoices):
    CURRENT = "current", _("现行百分制（40/20/20/20，70 分具备）")
    BENCHMARK_2016 = "benchmark_2016", _("2016 基准（每题 2 分，答对 60% 具备）")
    MILLER = "miller", _("米勒三维度（各维度均达标）")
    CUSTOM = "custom", _("自定义阈值（维度加权）")


class WaveStatus(models.TextChoices):
    DRAFT = "draft", _("准备中")
    OPEN = "open", _("采集中")
    CLOSED = "closed", _("已结束采集")


class WeightingMethod(models.TextChoices):
    RAKE = "rake", _("迭代比例加权（按多个边际轮流调整）")
    POSTSTRATIFY = "poststratify", _("事后分层")
    NONE = "none", _("仅用基础权数")


class LonelyPsu(models.TextChoices):
    FAIL = "fail", _("报错（默认）")
    CERTAINTY = "certainty", _("视为必然入样单元，不计方差")
    ADJUST = "adjust", _("以总体均值为中心计算方差")


class WaveQuerySet(RegionScopedQuerySet):
    pass


class Wave(models.Model):
    """One round of the survey in a region and period, with its design, scoring rule and weighting."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="survey_waves"
    )
    period = models.CharField(_("期间"), max_length=7)
    title = models.CharField(_("名称"), max_length=150)
    instrument = models.ForeignKey(
        Instrument, verbose_name=_("问卷"), on_delete=models.PROTECT, related_name="waves"
    )
    rule_kind = models.CharField(
        _("评分规则"), max_length=20, choices=RuleKind.choices, default=RuleKind.CURRENT
    )
    rule_params = models.JSONField(_("评分参数"), default=dict, blank=True)
    age_min = models.PositiveSmallIntegerField(_("最小年龄"), default=18)
    age_max = models.PositiveSmallIntegerField(_("最大年龄"), default=69)
    status = models.CharField(_("状态"), max_length=10, choices=WaveStatus.choices, default=WaveStatus.DRAFT)
    public_link = models.BooleanField(_("允许公开链接作答"), default=True)
    public_token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    quotas = models.JSONField(_("配额"), default=dict, blank=True)
    weighting_method = models.CharField(
        _("加权方法"), max_length=15, choices=WeightingMethod.choices, default=WeightingMethod.RAKE
    )
    margin_variables = models.JSONField(_("校准变量"), default=list, blank=True)
    trim_lower = models.FloatField(_("权数下限（平均权数的倍数）"), null=True, blank=True)
    trim_upper = models.FloatField(_("权数上限（平均权数的倍数）"), null=True, blank=True)
    lonely_psu = models.CharField(
        _("只有一个初级抽样单元的层如何处理"),
        max_length=10,
        choices=LonelyPsu.choices,
        default=LonelyPsu.FAIL,
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WaveQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "-period", "title"]
        verbose_name = _("调查轮次")
        verbose_name_plural = _("调查轮次")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("survey:wave", kwargs={"wave_id": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status == WaveStatus.OPEN

    @property
    def latest_run(self) -> WeightingRun | None:
        return self.runs.filter(status=RunStatus.SUCCEEDED).order_by("-pk").first()


class FrameUnit(models.Model):
    """A sampled PSU of the frame: its stratum, its town and the base weight of its respondents."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="frame")
    stratum = models.CharField(_("层"), max_length=60)
    psu = models.CharField(_("初级抽样单元"), max_length=60)
    subregion = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    base_weight = models.FloatField(_("基础权数"))

    class Meta:
        ordering = ["wave", "stratum", "psu"]
        constraints = [models.UniqueConstraint(fields=["wave", "stratum", "psu"], name="frame_psu_unique")]

    def __str__(self) -> str:
        return f"{self.stratum} / {self.psu}"


class Source(models.TextChoices):
    WEB = "web", _("网络问卷")
    PAPER = "paper", _("纸质问卷")
    CAPI = "capi", _("计算机辅助面访")


class RespondentStatus(models.TextChoices):
    INVITED = "invited", _("未开始")
    STARTED = "started", _("答题中")
    COMPLETE = "complete", _("已提交")


class RespondentQuerySet(RegionScopedQuerySet):
    region_path = "wave__region__path"

    def complete(self) -> RespondentQuerySet:
        return self.filter(status=RespondentStatus.COMPLETE)


class Respondent(models.Model):
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="respondents")
    code = models.CharField(_("答题码"), max_length=16, unique=True, default=new_code)
    external_id = models.CharField(_("受访者编号"), max_length=60, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.WEB)
    status = models.CharField(
        _("状态"), max_length=10, choices=RespondentStatus.choices, default=RespondentStatus.INVITED
    )
    unit = models.ForeignKey(
        FrameUnit,
        verbose_name=_("抽样单元"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="respondents",
    )
    sex = models.CharField(_("性别"), max_length=2, blank=True)
    age = models.PositiveSmallIntegerField(_("年龄"), null=True, blank=True)
    age_group = models.CharField(_("年龄组"), max_length=10, blank=True)
    education = models.CharField(_("文化程度"), max_length=10, blank=True)
    urban_rural = models.CharField(_("城乡"), max_length=4, blank=True)
    occupation = models.CharField(_("职业"), max_length=30, blank=True)
    key_group = models.CharField(_("重点人群"), max_length=20, blank=True)
    item_shown_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The submitted answers in one column: the bit mask of the options chosen per item, in the order of
    # the instrument's items (0 = skipped). Scoring reads 100,000 of these in one query, where one row
    # per answer would be 5 million; web answers also keep their Answer rows, which carry the time.
    sheet = models.JSONField(_("答卷"), null=True, blank=True)

    objects = RespondentQuerySet.as_manager()

    class Meta:
        ordering = ["wave", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "external_id"],
                condition=~models.Q(external_id=""),
                name="respondent_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.external_id or self.code

    def get_absolute_url(self) -> str:
        return reverse("survey:respond", kwargs={"code": self.code})

    @property
    def is_complete(self) -> bool:
        return self.status == RespondentStatus.COMPLETE

    @property
    def has_profile(self) -> bool:
        return bool(self.sex and self.age and self.education and self.urban_rural and self.occupation)


class RespondentResult(models.Model):
    """Score, 具备, grade and final weight of a respondent, from the wave's latest successful run.

    A table of its own, narrow and written by COPY: updating these four columns in place on 100,000
    wide respondent rows (each holding its sheet) rewrote every row and every index, 13—17 s."""

    respondent = models.OneToOneField(
        Respondent, primary_key=True, on_delete=models.CASCADE, related_name="result"
    )
    score = models.FloatField(_("得分"))
    literate = models.BooleanField(_("具备科学素质"))
    grade = models.CharField(_("等级"), max_length=10, blank=True)
    weight = models.FloatField(_("最终权数"))

    def __str__(self) -> str:
        return f"{self.respondent_id}: {self.score:.1f}"


class Answer(models.Model):
    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("回答"), max_length=300, blank=True)
    seconds = models.FloatField(_("用时（秒）"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["respondent", "item"], name="answer_once_per_item")]

    def __str__(self) -> str:
        return f"{self.respondent} {self.item.code}: {self.choice}"


class Margin(models.Model):
    """A census margin: the population 18–69 of one category of a weighting variable."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="margins")
    variable = models.CharField(_("变量"), max_length=20)
    category = models.CharField(_("类别"), max_length=60)
    population = models.FloatField(_("总体人数"))

    class Meta:
        ordering = ["wave", "variable", "pk"]
        constraints = [models.UniqueConstraint(fields=["wave", "variable", "category"], name="margin_unique")]

    def __str__(self) -> str:
        return f"{self.variable} {self.category}: {self.population:g}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class WeightingRun(models.Model):
    """One run of scoring, weighting and estimation; its estimates replace the previous run's."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="runs")
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    message = models.TextField(_("说明"), blank=True)
    options = models.JSONField(default=dict)
    diagnostics = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["wave", "-pk"]

    def __str__(self) -> str:
        return f"{self.wave} 第 {self.pk} 次估计"


class EstimateQuerySet(RegionScopedQuerySet):
    region_path = "run__wave__region__path"


class Estimate(models.Model):
    """An estimate with its standard error, as R's svymean/svyby gives it."""

    run = models.ForeignKey(WeightingRun, on_delete=models.CASCADE, related_name="estimates")
    outcome = models.CharField(_("指标"), max_length=30)  # literate, score, grade:<label>
    by = models.CharField(_("分组变量"), max_length=20, blank=True)
    level = models.CharField(_("组别"), max_length=60, blank=True)
    estimate = models.FloatField(_("估计值"))
    se = models.FloatField(_("标准误"))
    ci_low = models.FloatField(_("95% 置信下限"))
    ci_high = models.FloatField(_("95% 置信上限"))
    n = models.PositiveIntegerField(_("样本量"))
    deff = models.FloatField(_("设计效应"), null=True)
    weighted_total = models.FloatField(_("加权人数"), null=True)

    objects = EstimateQuerySet.as_manager()

    class Meta:
        ordering = ["run", "outcome", "pk"]

    def __str__(self) -> str:
        return f"{self.outcome} {self.by} {self.level}: {self.estimate:.4f}"
