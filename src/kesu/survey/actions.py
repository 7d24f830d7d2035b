"""Every write to surveys: instruments, waves, frames, margins, responses, runs, indicator values."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from kesu import stats
from kesu.core import audit
from kesu.core.demo import DATA_DIR
from kesu.core.jobs import start_job
from kesu.periods import Period
from kesu.regions.models import Region
from kesu.survey import analysis
from kesu.survey.demographics import (
    EDUCATION,
    MARGIN_VARIABLES,
    OCCUPATIONS,
    SEXES,
    URBAN_RURAL,
    age_group_of,
    key_group_of,
    variable_code,
    variable_label,
)
from kesu.survey.models import (
    Answer,
    Dimension,
    Estimate,
    FrameUnit,
    Instrument,
    Item,
    ItemType,
    Margin,
    PublicStart,
    Respondent,
    RespondentStatus,
    RunStatus,
    Source,
    Wave,
    WaveStatus,
    WeightingRun,
)
from kesu.survey.tables import Table, TableError, number, read_table

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.core.models import Job

STARTER_BANK = Path(DATA_DIR) / "reference" / "items_public.csv"
MAX_ERRORS = 20

ITEM_COLUMNS: dict[str, Sequence[str]] = {
    "code": ("题号", "id", "code"), "dimension": ("维度", "dimension"), "type": ("题型", "type"),
    "stem": ("题干", "stem"), "options": ("选项", "options"), "answer": ("答案", "answer"),
}
ITEM_TYPES = {
    "tf": ItemType.TRUE_FALSE, "判断": ItemType.TRUE_FALSE, "判断题": ItemType.TRUE_FALSE,
    "single": ItemType.SINGLE, "choice": ItemType.SINGLE, "单选": ItemType.SINGLE, "单选题": ItemType.SINGLE,
    "multiple": ItemType.MULTIPLE, "multi": ItemType.MULTIPLE, "多选": ItemType.MULTIPLE, "多选题": ItemType.MULTIPLE,
}
EXPORT_HEADERS = ["题号", "维度", "题型", "题干", "选项", "答案", "来源"]


class SurveyError(ValueError):
    """A survey operation that cannot go ahead; the message is for the office or the respondent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _fail_if(errors: list[str]) -> None:
    if errors:
        more = f"（另有 {len(errors) - MAX_ERRORS} 处问题未列出）" if len(errors) > MAX_ERRORS else ""
        raise SurveyError("文件未导入，没有写入任何数据。请修改以下问题后重新上传：\n" + "\n".join(errors[:MAX_ERRORS]) + more)


def _read(data: bytes, filename: str) -> Table:
    try:
        return read_table(data, filename)
    except TableError as error:
        raise SurveyError(error.message) from error


# ---- instruments ------------------------------------------------------------------------------

def parse_items(table: Table) -> list[Item]:
    """Validate every row of an item bank; all problems are reported together."""
    try:
        col = table.require(ITEM_COLUMNS)
    except TableError as error:
        raise SurveyError(error.message) from error
    source_col = table.column(("来源", "source"))
    items: list[Item] = []
    errors: list[str] = []
    seen: set[str] = set()
    for index, row in enumerate(table.rows):
        line = table.lines[index]
        code, dimension = row[col["code"]], row[col["dimension"]]
        kind = ITEM_TYPES.get(row[col["type"]].lower())
        options = [o.strip() for o in row[col["options"]].split("|") if o.strip()]
        answer = [a.strip() for a in row[col["answer"]].split("|") if a.strip()]
        problems = _item_problems(code, dimension, kind, row[col["stem"]], options, answer, seen)
        errors += [f"第 {line} 行：{p}" for p in problems]
        seen.add(code)
        if not problems and kind is not None:
            items.append(Item(code=code[:30], order=index + 1, dimension=dimension, type=kind,
                              stem=row[col["stem"]], options=options, answer=answer,
                              source=row[source_col][:300] if source_col is not None else ""))
    _fail_if(errors)
    return items


def _item_problems(code: str, dimension: str, kind: str | None, stem: str, options: list[str], answer: list[str],
                   seen: set[str]) -> list[str]:
    problems = []
    if not code:
        problems.append("题号为空")
    elif code in seen:
        problems.append(f"题号“{code}”重复")
    if dimension not in Dimension.values:
        problems.append(f"维度“{dimension}”不是 {'、'.join(Dimension.values)} 之一")
    if kind is None:
        problems.append("题型应为 判断题(tf)、单选题(single) 或 多选题(multiple)")
    if not stem:
        problems.append("题干为空")
    if len(options) < 2:
        problems.append("至少要有 2 个选项（用 | 分隔）")
    wrong = [a for a in answer if a not in options]
    if not answer or wrong:
        problems.append(f"答案“{'|'.join(answer)}”不在选项中" if answer else "答案为空")
    elif kind in (ItemType.TRUE_FALSE, ItemType.SINGLE) and len(answer) != 1:
        problems.append("判断题和单选题只能有一个答案")
    return problems


@transaction.atomic
def import_instrument(actor: User | None, region: Region, name: str, data: bytes, filename: str) -> Instrument:
    """A new instrument, or a new version of the region's instrument of the same name."""
    items = parse_items(_read(data, filename))
    last = Instrument.objects.filter(region=region, name=name).order_by("-version").first()
    instrument = Instrument.objects.create(region=region, name=name[:120], version=(last.version + 1) if last else 1,
                                           note=f"导入自 {filename}"[:300], created_by=actor)
    for item in items:
        item.instrument = instrument
    Item.objects.bulk_create(items)
    audit.record(actor, "survey.instrument_import", instrument, region=region,
                 after={"items": len(items), "version": instrument.version, "file": filename})
    return instrument


def import_starter_bank(actor: User | None, region: Region) -> Instrument:
    return import_instrument(actor, region, "科学素质测试题（入门题库）", STARTER_BANK.read_bytes(), STARTER_BANK.name)


@transaction.atomic
def new_version(actor: User | None, instrument: Instrument) -> Instrument:
    last = Instrument.objects.filter(region=instrument.region, name=instrument.name).order_by("-version").first()
    copy = Instrument.objects.create(region=instrument.region, name=instrument.name,
                                     version=(last.version if last else instrument.version) + 1,
                                     note=f"复制自第 {instrument.version} 版", created_by=actor)
    Item.objects.bulk_create([
        Item(instrument=copy, code=i.code, order=i.order, dimension=i.dimension, type=i.type, stem=i.stem,
             options=i.options, answer=i.answer, source=i.source)
        for i in instrument.items.all()
    ])
    audit.record(actor, "survey.instrument_version", copy, region=copy.region, after={"from": instrument.pk})
    return copy


def instrument_rows(instrument: Instrument) -> list[list[str]]:
    """Rows in the import's own shape, so an exported bank can be edited and imported again."""
    return [[i.code, i.dimension, i.type, i.stem, "|".join(i.options), i.answer_text, i.source]
            for i in instrument.items.all()]


# ---- waves and their design --------------------------------------------------------------------

@transaction.atomic
def create_wave(actor: User | None, region: Region, *, title: str, period: str, instrument: Instrument,
                rule_kind: str, rule_params: dict[str, Any] | None = None, is_demo: bool = False) -> Wave:
    try:
        Period.parse(period)
    except ValueError as error:
        raise SurveyError(str(error)) from error
    if not instrument.items.exists():
        raise SurveyError("所选问卷没有题目。")
    wave = Wave.objects.create(region=region, title=title, period=period, instrument=instrument,
                               rule_kind=rule_kind, rule_params=rule_params or {}, is_demo=is_demo,
                               margin_variables=["sex", "age_group"], created_by=actor)
    analysis.rule_for(wave)  # a custom rule that does not build fails here, before anything is kept
    audit.record(actor, "survey.wave_create", wave, region=region, after={"title": title, "period": period})
    return wave


@transaction.atomic
def update_weighting(actor: User | None, wave: Wave, *, method: str, variables: list[str], lonely_psu: str,
                     trim_lower: float | None, trim_upper: float | None, rule_kind: str | None = None) -> Wave:
    unknown = [v for v in variables if v not in MARGIN_VARIABLES]
    if unknown:
        raise SurveyError(f"不能用于校准的变量：{'、'.join(unknown)}。")
    if trim_lower is not None and trim_upper is not None and trim_lower >= trim_upper:
        raise SurveyError("权数下限必须小于上限。")
    before = audit.snapshot(wave, ["weighting_method", "margin_variables", "lonely_psu", "trim_lower", "trim_upper",
                                   "rule_kind"])
    wave.weighting_method, wave.margin_variables, wave.lonely_psu = method, variables, lonely_psu
    wave.rule_kind = rule_kind or wave.rule_kind
    wave.trim_lower, wave.trim_upper = trim_lower, trim_upper
    wave.save()
    audit.record(actor, "survey.weighting_update", wave, region=wave.region, before=before,
                 after=audit.snapshot(wave, list(before)))
    return wave


def parse_quotas(text: str) -> dict[str, dict[str, int]]:
    """Lines like “性别:男=300” into {"sex": {"男": 300}}."""
    quotas: dict[str, dict[str, int]] = {}
    for line_number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            variable, rest = line.replace("：", ":").split(":", 1)
            category, count = rest.replace("＝", "=").split("=", 1)
            code = variable_code(variable)
            if code is None:
                raise ValueError
            quotas.setdefault(code, {})[category.strip()] = int(count)
        except ValueError:
            raise SurveyError(f"配额第 {line_number} 行“{line}”的格式应为“性别:男=300”。") from None
    return quotas


@transaction.atomic
def set_quotas(actor: User | None, wave: Wave, quotas: dict[str, dict[str, int]]) -> None:
    before = {"quotas": wave.quotas}
    wave.quotas = quotas
    wave.save(update_fields=["quotas"])
    audit.record(actor, "survey.quotas", wave, region=wave.region, before=before, after={"quotas": quotas})


def quota_progress(wave: Wave) -> list[dict[str, Any]]:
    rows = []
    complete = Respondent.objects.filter(wave=wave).complete()
    for variable, targets in (wave.quotas or {}).items():
        field = "unit__subregion__name" if variable == "region" else variable
        counts = Counter(complete.values_list(field, flat=True))
        for category, target in targets.items():
            done = counts.get(category, 0)
            rows.append({"variable": variable_label(variable), "category": category, "target": target, "done": done,
                         "percent": min(100, round(100 * done / target)) if target else 100, "full": done >= target})
    return rows


@transaction.atomic
def set_status(actor: User | None, wave: Wave, status: str) -> None:
    if status == WaveStatus.OPEN and not wave.frame.exists():
        raise SurveyError("开始采集前请先导入抽样框（层、PSU 与基础权数）。")
    before = {"status": wave.status}
    wave.status = status
    wave.save(update_fields=["status"])
    audit.record(actor, "survey.wave_status", wave, region=wave.region, before=before, after={"status": status})


FRAME_COLUMNS: dict[str, Sequence[str]] = {
    "stratum": ("层", "stratum"), "psu": ("初级抽样单元", "PSU", "psu"), "weight": ("基础权数", "base_weight", "weight"),
}


@transaction.atomic
def import_frame(actor: User | None, wave: Wave, data: bytes, filename: str) -> int:
    """The sampled PSUs with their strata, towns and base weights; replaces the previous frame."""
    table = _read(data, filename)
    try:
        col = table.require(FRAME_COLUMNS)
    except TableError as error:
        raise SurveyError(error.message) from error
    region_col = table.column(("所在区划", "乡镇", "区划", "region"))
    towns = {r.name: r for r in Region.objects.subtree(wave.region)} | {
        r.code: r for r in Region.objects.subtree(wave.region)}
    units, errors, seen = [], [], set()
    for index, row in enumerate(table.rows):
        line = table.lines[index]
        stratum, psu = row[col["stratum"]], row[col["psu"]]
        try:
            weight = number(table, index, col["weight"], "基础权数")
            if weight <= 0:
                errors.append(f"第 {line} 行：基础权数必须大于 0")
        except TableError as error:
            errors.append(error.message)
            continue
        if not stratum or not psu:
            errors.append(f"第 {line} 行：层和初级抽样单元不能为空")
        if (stratum, psu) in seen:
            errors.append(f"第 {line} 行：层“{stratum}”中的 PSU“{psu}”重复")
        seen.add((stratum, psu))
        town = None
        if region_col is not None and row[region_col]:
            town = towns.get(row[region_col])
            if town is None:
                errors.append(f"第 {line} 行：“{row[region_col]}”不是{wave.region.name}的下级区划")
        units.append(FrameUnit(wave=wave, stratum=stratum[:60], psu=psu[:60], subregion=town, base_weight=weight))
    _fail_if(errors)
    used = set(wave.respondents.filter(unit__isnull=False).values_list("unit__stratum", "unit__psu"))
    dropped = used - seen
    if dropped:
        raise SurveyError(f"已有受访者属于 PSU {'、'.join(f'{s}/{p}' for s, p in sorted(dropped)[:5])}，新抽样框中缺少它们。")
    existing = {(u.stratum, u.psu): u for u in wave.frame.all()}
    for unit in units:
        old = existing.pop((unit.stratum, unit.psu), None)
        if old is not None:
            old.subregion, old.base_weight = unit.subregion, unit.base_weight
            old.save()
        else:
            unit.save()
    FrameUnit.objects.filter(pk__in=[u.pk for u in existing.values()]).delete()
    audit.record(actor, "survey.frame_import", wave, region=wave.region, after={"psus": len(units), "file": filename})
    return len(units)


@transaction.atomic
def import_margins(actor: User | None, wave: Wave, data: bytes, filename: str) -> int:
    """Census margins `variable,category,population`; replaces the previous margins."""
    table = _read(data, filename)
    try:
        col = table.require({"variable": ("variable", "变量"), "category": ("category", "类别"),
                             "population": ("population", "总体人数", "人数")})
    except TableError as error:
        raise SurveyError(error.message) from error
    margins, errors, seen = [], [], set()
    for index, row in enumerate(table.rows):
        line = table.lines[index]
        code = variable_code(row[col["variable"]])
        if code not in MARGIN_VARIABLES:
            names = "、".join(variable_label(v) for v in MARGIN_VARIABLES)
            errors.append(f"第 {line} 行：变量“{row[col['variable']]}”不能用于校准（可用：{names}）")
            continue
        try:
            population = number(table, index, col["population"], "population")
        except TableError as error:
            errors.append(error.message)
            continue
        if population <= 0:
            errors.append(f"第 {line} 行：总体人数必须大于 0")
        if (code, row[col["category"]]) in seen:
            errors.append(f"第 {line} 行：{variable_label(code)}“{row[col['category']]}”重复")
        seen.add((code, row[col["category"]]))
        margins.append(Margin(wave=wave, variable=code, category=row[col["category"]][:60], population=population))
    _fail_if(errors)
    wave.margins.all().delete()
    Margin.objects.bulk_create(margins)
    audit.record(actor, "survey.margins_import", wave, region=wave.region, after={"rows": len(margins), "file": filename})
    return len(margins)


@transaction.atomic
def issue_codes(actor: User | None, wave: Wave, unit: FrameUnit, count: int) -> list[Respondent]:
    """Per-respondent codes for people sampled in one PSU: each code answers once."""
    if not 1 <= count <= 5000:
        raise SurveyError("一次可生成 1 至 5000 个答题码。")
    respondents = Respondent.objects.bulk_create([Respondent(wave=wave, unit=unit) for _ in range(count)])
    audit.record(actor, "survey.codes_issue", wave, region=wave.region, after={"count": count, "psu": str(unit)})
    return respondents


# ---- the web questionnaire --------------------------------------------------------------------

# Responses one client (IP address) may start through a public link per hour; the setting
# KESU_SURVEY_STARTS_PER_IP_PER_HOUR overrides it. A household or an office behind one address
# shares it, so the default leaves room for a family or a meeting room answering together.
STARTS_PER_IP_PER_HOUR = 20
START_WINDOW = timedelta(hours=1)


class QuotaFullError(SurveyError):
    """A new respondent falls in a quota cell that already has its completed questionnaires."""


class TooManyStartsError(SurveyError):
    """One client has started as many responses through the public link as an hour allows."""


def starts_per_hour() -> int:
    return int(getattr(settings, "KESU_SURVEY_STARTS_PER_IP_PER_HOUR", STARTS_PER_IP_PER_HOUR))


def client_key(ip: str) -> str:
    """A keyed hash of the client's address: enough to count its starts, useless to identify it."""
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def start_public_response(wave: Wave, data: dict[str, Any], unit: FrameUnit | None, client_ip: str) -> Respondent:
    """A response begun through the public link, created only once its profile is answered (no empty rows)."""
    wave = Wave.objects.select_for_update().get(pk=wave.pk)  # one start at a time per wave: limits hold across processes
    if not (wave.is_open and wave.public_link):
        raise SurveyError("本次调查目前不接受作答。")
    profile = check_profile(wave, data)
    if unit is None or unit.wave_id != wave.pk:
        raise SurveyError("请选择您所在的乡镇（街道）。")
    refuse_full_quota(wave, profile, unit)
    now, client = timezone.now(), client_key(client_ip)
    PublicStart.objects.filter(wave=wave, created_at__lt=now - START_WINDOW).delete()
    if PublicStart.objects.filter(wave=wave, client=client).count() >= starts_per_hour():
        raise TooManyStartsError("从您所在的网络发起的答卷已经很多，请一小时后再试。"
                                 "如已开始作答，请输入答题码继续。")
    PublicStart.objects.create(wave=wave, client=client, created_at=now)
    return Respondent.objects.create(wave=wave, source=Source.WEB, status=RespondentStatus.STARTED, started_at=now,
                                     unit=unit, **profile)


def _quota_value(variable: str, profile: dict[str, Any], unit: FrameUnit | None) -> str:
    if variable == "region":
        return unit.subregion.name if unit is not None and unit.subregion is not None else ""
    return str(profile.get(variable, ""))


def refuse_full_quota(wave: Wave, profile: dict[str, Any], unit: FrameUnit | None) -> None:
    """Stop a new respondent whose quota cell already has its target of submitted questionnaires.

    Only new respondents are stopped: one who already began answers on and may submit past the
    target, so nobody's work is thrown away.
    """
    complete = Respondent.objects.filter(wave=wave).complete()
    for variable, targets in (wave.quotas or {}).items():
        value = _quota_value(variable, profile, unit)
        if value not in targets:
            continue
        field = "unit__subregion__name" if variable == "region" else variable
        if complete.filter(**{field: value}).count() >= targets[value]:
            raise QuotaFullError(f"感谢您的支持！本次调查中{variable_label(variable)}为“{value}”的受访者已经足够，"
                                 "暂不需要更多答卷。您填写的信息没有保存。")


def check_profile(wave: Wave, data: dict[str, Any]) -> dict[str, Any]:
    """The demographic answers of a respondent, or the first thing wrong with them."""
    try:
        age = int(str(data.get("age", "")).strip())
    except ValueError:
        raise SurveyError("请填写周岁年龄（数字）。") from None
    if not wave.age_min <= age <= wave.age_max:
        raise SurveyError(f"本调查的对象是 {wave.age_min}—{wave.age_max} 周岁的居民。")
    checks = (("sex", SEXES, "性别"), ("education", EDUCATION, "文化程度"), ("urban_rural", URBAN_RURAL, "城乡"),
              ("occupation", tuple(OCCUPATIONS), "职业"))
    for field, allowed, label in checks:
        if data.get(field) not in allowed:
            raise SurveyError(f"请选择{label}。")
    return {"sex": data["sex"], "age": age, "age_group": age_group_of(age), "education": data["education"],
            "urban_rural": data["urban_rural"], "occupation": data["occupation"],
            "key_group": key_group_of(age, data["occupation"])}


@transaction.atomic
def save_profile(respondent: Respondent, data: dict[str, Any], unit: FrameUnit | None) -> None:
    if respondent.is_complete:
        raise SurveyError("这份问卷已经提交，不能修改。")
    is_new = not respondent.has_profile
    profile = check_profile(respondent.wave, data)
    for field, value in profile.items():
        setattr(respondent, field, value)
    if unit is not None:
        respondent.unit = unit
    if respondent.unit is None:
        raise SurveyError("请选择您所在的乡镇（街道）。")
    if is_new:  # a code's first profile makes a new respondent: full quota cells take no more
        wave = Wave.objects.select_for_update().get(pk=respondent.wave_id)
        refuse_full_quota(wave, profile, respondent.unit)
    respondent.status = RespondentStatus.STARTED
    respondent.started_at = respondent.started_at or timezone.now()
    respondent.item_shown_at = None
    respondent.save()


def next_item(respondent: Respondent) -> Item | None:
    answered = respondent.answers.values_list("item_id", flat=True)
    return respondent.wave.instrument.items.exclude(pk__in=answered).order_by("order").first()


def mark_shown(respondent: Respondent) -> None:
    """The moment an item was shown; the time spent on it is measured on the server from here."""
    Respondent.objects.filter(pk=respondent.pk).update(item_shown_at=timezone.now())


@transaction.atomic
def answer_item(respondent: Respondent, item: Item, chosen: list[str]) -> Answer:
    if respondent.is_complete:
        raise SurveyError("这份问卷已经提交，不能修改。")
    wrong = [c for c in chosen if c not in item.options]
    if wrong or (item.type != ItemType.MULTIPLE and len(chosen) > 1):
        raise SurveyError("请从给出的选项中选择。")
    locked = Respondent.objects.select_for_update().get(pk=respondent.pk)
    shown = locked.item_shown_at
    seconds = (timezone.now() - shown).total_seconds() if shown else None
    answer, _created = Answer.objects.update_or_create(
        respondent=locked, item=item,
        defaults={"choice": "|".join(o for o in item.options if o in chosen), "seconds": seconds})
    Respondent.objects.filter(pk=locked.pk).update(item_shown_at=None)
    return answer


@transaction.atomic
def submit_response(respondent: Respondent) -> None:
    locked = Respondent.objects.select_for_update().get(pk=respondent.pk)
    if locked.is_complete:
        raise SurveyError("这份问卷已经提交过了：每个答题码只能提交一次。")
    if next_item(locked) is not None:
        raise SurveyError("还有题目没有回答。")
    locked.status, locked.submitted_at = RespondentStatus.COMPLETE, timezone.now()
    locked.save(update_fields=["status", "submitted_at"])
    audit.record(None, "survey.response_submit", locked, region=locked.wave.region, note="网络问卷")


# ---- import of paper and CAPI data ------------------------------------------------------------

RESPONSE_COLUMNS: dict[str, Sequence[str]] = {
    "id": ("受访者编号", "respondent_id"), "stratum": ("层", "stratum"), "psu": ("初级抽样单元", "PSU", "psu"),
    "sex": ("性别", "sex"), "age": ("年龄", "age"), "education": ("文化程度", "education"),
    "urban_rural": ("城乡", "urban_rural"), "occupation": ("职业", "occupation"),
}


def _option_of(item: Item, text: str) -> str | None:
    """An option given by its text or its letter (A, B, …)."""
    if text in item.options:
        return text
    letter = text.upper()
    if len(letter) == 1 and "A" <= letter <= "Z" and ord(letter) - 65 < len(item.options):
        return str(item.options[ord(letter) - 65])
    return None


@transaction.atomic
def import_responses(actor: User | None, wave: Wave, data: bytes, filename: str) -> int:
    """Completed paper or CAPI questionnaires: validated in full, then written all at once."""
    table = _read(data, filename)
    items = list(wave.instrument.items.order_by("order"))
    wanted = dict(RESPONSE_COLUMNS) | {f"item:{i.pk}": (i.code,) for i in items}
    try:
        col = table.require(wanted)
    except TableError as error:
        raise SurveyError(error.message) from error
    source_col = table.column(("来源", "source"))
    units = {(u.stratum, u.psu): u for u in wave.frame.all()}
    existing = set(wave.respondents.exclude(external_id="").values_list("external_id", flat=True))
    ids = Counter(row[col["id"]] for row in table.rows)
    errors: list[str] = []
    respondents: list[Respondent] = []
    answers: list[list[tuple[Item, str]]] = []
    now = timezone.now()
    for index, row in enumerate(table.rows):
        line, rid = table.lines[index], row[col["id"]]
        problems = []
        if not rid:
            problems.append("受访者编号为空")
        elif ids[rid] > 1:
            problems.append(f"受访者编号“{rid}”在文件中出现 {ids[rid]} 次")
        elif rid in existing:
            problems.append(f"受访者编号“{rid}”已经导入过（重复数据）")
        unit = units.get((row[col["stratum"]], row[col["psu"]]))
        if unit is None:
            problems.append(f"层“{row[col['stratum']]}”/PSU“{row[col['psu']]}”不在抽样框中")
        profile: dict[str, Any] = {}
        try:
            float(row[col["age"]])
        except ValueError:
            problems.append(f"“年龄”列的“{row[col['age']]}”不是数字")
        else:
            try:
                profile = check_profile(wave, {k: row[col[k]] for k in ("sex", "age", "education", "urban_rural",
                                                                       "occupation")})
            except SurveyError as error:
                problems.append(error.message.replace("请选择", "缺少或无法识别").replace("请填写", "缺少"))
        row_answers = []
        for item in items:
            cell = row[col[f"item:{item.pk}"]]
            chosen = [_option_of(item, part.strip()) for part in cell.split("|") if part.strip()]
            if None in chosen or (item.type != ItemType.MULTIPLE and len(chosen) > 1):
                problems.append(f"题目 {item.code} 的回答“{cell}”不是该题的选项")
            else:
                row_answers.append((item, "|".join(o for o in item.options if o in chosen)))
        source = Source.CAPI if source_col is not None and row[source_col].lower() in ("capi", "面访") else Source.PAPER
        errors += [f"第 {line} 行：{p}" for p in problems]
        respondents.append(Respondent(wave=wave, external_id=rid[:60], source=source, unit=unit,
                                      status=RespondentStatus.COMPLETE, started_at=now, submitted_at=now, **profile))
        answers.append(row_answers)
    _fail_if(errors)
    created = Respondent.objects.bulk_create(respondents)
    Answer.objects.bulk_create([Answer(respondent=r, item=item, choice=choice)
                                for r, row_answers in zip(created, answers, strict=True)
                                for item, choice in row_answers], batch_size=5000)
    audit.record(actor, "survey.responses_import", wave, region=wave.region,
                 after={"respondents": len(created), "file": filename})
    return len(created)


RESPONSE_TEMPLATE_NOTE = "每行一位受访者；题目列填选项文字或字母（A、B…），多选用 | 分隔，未答留空。"


def response_template_headers(wave: Wave) -> list[str]:
    return ["受访者编号", "层", "初级抽样单元", "性别", "年龄", "文化程度", "城乡", "职业", "来源",
            *wave.instrument.items.order_by("order").values_list("code", flat=True)]


# ---- scoring, weighting and estimation ----------------------------------------------------------

def start_estimation(actor: User, wave: Wave) -> Job:
    """Check what is quick to check, then queue the run; bad input is refused before a job exists."""
    try:
        analysis.preflight(wave)
    except stats.SurveyStatsError as error:
        raise SurveyError(error.message) from error
    with transaction.atomic():
        job = start_job(actor, "survey_estimate", f"{wave.title}：评分、加权与估计", region=wave.region,
                        wave_id=wave.pk)
        run = WeightingRun.objects.create(wave=wave, job=job, created_by=actor, options=_run_settings(wave))
        job.params = {"wave_id": wave.pk, "run_id": run.pk}
        job.save(update_fields=["params"])
        audit.record(actor, "survey.estimate_start", wave, region=wave.region, after={"run": run.pk})
    return job


def _run_settings(wave: Wave) -> dict[str, Any]:
    return {"method": wave.weighting_method, "variables": list(wave.margin_variables or []),
            "trim": [wave.trim_lower, wave.trim_upper], "lonely_psu": wave.lonely_psu, "rule": wave.rule_kind}


def run_estimation(run: WeightingRun, progress: analysis.Progress | None = None) -> WeightingRun:
    """Compute, then store scores, weights and estimates in one transaction; on error store only the message."""
    try:
        result = analysis.compute(run.wave, progress)
    except stats.SurveyStatsError as error:
        WeightingRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, message=error.message,
                                                      finished_at=timezone.now())
        raise
    _store(run, result)
    run.refresh_from_db()
    return run


@transaction.atomic
def _store(run: WeightingRun, result: analysis.Computation) -> None:
    by_id = {r.pk: r for r in Respondent.objects.filter(pk__in=result.respondent_ids)}
    rows = []
    for pk, score_value, literate, grade, weight in zip(result.respondent_ids, result.scores, result.literate,
                                                        result.grades, result.weights, strict=True):
        respondent = by_id[pk]
        respondent.score, respondent.literate, respondent.grade, respondent.weight = (
            score_value, bool(literate), grade, weight)
        rows.append(respondent)
    Respondent.objects.bulk_update(rows, ["score", "literate", "grade", "weight"], batch_size=2000)
    Estimate.objects.bulk_create([Estimate(run=run, **row) for row in result.estimates], batch_size=2000)
    run.status, run.diagnostics, run.finished_at = RunStatus.SUCCEEDED, result.diagnostics, timezone.now()
    overall = next(e for e in result.estimates if e["outcome"] == analysis.OUTCOME_LITERATE and not e["by"])
    run.message = f"具备科学素质的比例 {overall['estimate'] * 100:.2f}%（标准误 {overall['se'] * 100:.2f} 个百分点）"
    run.save()
    audit.record(run.created_by, "survey.estimate", run.wave, region=run.wave.region,
                 after={"run": run.pk, "respondents": len(rows), "literacy_rate": overall["estimate"]})


# ---- indicator values -------------------------------------------------------------------------

INDICATOR_CODE = "literacy_rate"


def record_indicators(actor: User | None, wave: Wave) -> int:
    """The literacy rate of the wave's region and of each sub-region with respondents, as indicator values."""
    run = wave.latest_run
    if run is None:
        raise SurveyError("还没有估计结果：请先运行“评分、加权与估计”。")
    try:
        from kesu.indicators.actions import record_value
    except ImportError:
        raise SurveyError("指标模块尚未提供 record_value，暂时无法把调查结果写入指标库。") from None
    try:
        return _record(actor, wave, run, record_value)
    except (ObjectDoesNotExist, LookupError, ValueError) as error:
        if isinstance(error, SurveyError):
            raise
        raise SurveyError(f"指标库没有接收调查结果：{error}") from error


def _record(actor: User | None, wave: Wave, run: WeightingRun, record_value: Any) -> int:
    estimates = run.estimates.filter(outcome=analysis.OUTCOME_LITERATE, by__in=["", "region"])
    subregions = {r.name: r for r in Region.objects.filter(parent=wave.region)}
    subregions |= {u.subregion.name: u.subregion for u in wave.frame.select_related("subregion") if u.subregion}
    count = 0
    with transaction.atomic():
        for estimate in estimates:
            region = wave.region if not estimate.by else subregions.get(estimate.level)
            if region is None:
                continue
            denominator = estimate.weighted_total or 0.0
            provenance = (f"{'演示数据 · ' if wave.is_demo else ''}调查《{wave.title}》第 {run.pk} 次估计："
                          f"标准误 {estimate.se * 100:.2f} 个百分点，95% 置信区间 {estimate.ci_low * 100:.2f}%—"
                          f"{estimate.ci_high * 100:.2f}%，样本 {estimate.n} 人")
            record_value(actor, INDICATOR_CODE, region, wave.period, estimate.estimate * 100,
                         numerator=estimate.estimate * denominator, denominator=denominator, source="survey",
                         provenance=provenance)
            count += 1
        audit.record(actor, "survey.indicators", wave, region=wave.region, after={"values": count, "run": run.pk})
    return count


def published_figures() -> list[dict[str, str]]:
    """The national figures of csl_published.csv (the latest year of each series and group)."""
    path = Path(DATA_DIR) / "reference" / "csl_published.csv"
    with path.open(encoding="utf-8") as file:
        return list(csv.DictReader(io.StringIO(file.read())))
