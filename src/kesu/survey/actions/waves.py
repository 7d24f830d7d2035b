"""Waves and their design: creation, weighting settings, quotas, status, sampling frame and margins."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction

from kesu.core import audit, uploads
from kesu.indicators.models import IndicatorValue
from kesu.periods import Period
from kesu.regions.models import Region
from kesu.survey import analysis
from kesu.survey.actions._common import SurveyError, _fail_if, _read
from kesu.survey.demographics import (
    AGE_GROUPS,
    MARGIN_VARIABLES,
    SEXES,
    variable_code,
    variable_label,
)
from kesu.survey.models import (
    FrameUnit,
    Instrument,
    Margin,
    Respondent,
    Wave,
    WaveStatus,
)
from kesu.survey.tables import TableError, number

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.core.models import Job


@transaction.atomic
def create_wave(
    actor: User | None,
    region: Region,
    *,
    title: str,
    period: str,
    instrument: Instrument,
    rule_kind: str,
    rule_params: dict[str, Any] | None = None,
    is_demo: bool = False,
) -> Wave:
    try:
        Period.parse(period)
    except ValueError as error:
        raise SurveyError(str(error)) from error
    if not instrument.items.exists():
        raise SurveyError("所选问卷没有题目。")
    wave = Wave.objects.create(
        region=region,
        title=title,
        period=period,
        instrument=instrument,
        rule_kind=rule_kind,
        rule_params=rule_params or {},
        is_demo=is_demo,
        margin_variables=["sex", "age_group"],
        created_by=actor,
    )
    analysis.rule_for(wave)  # a custom rule that does not build fails here, before anything is kept
    audit.record(actor, "survey.wave_create", wave, region=region, after={"title": title, "period": period})
    return wave


@transaction.atomic
def update_weighting(
    actor: User | None,
    wave: Wave,
    *,
    method: str,
    variables: list[str],
    lonely_psu: str,
    trim_lower: float | None,
    trim_upper: float | None,
    rule_kind: str | None = None,
) -> Wave:
    unknown = [v for v in variables if v not in MARGIN_VARIABLES]
    if unknown:
        raise SurveyError(f"不能用于校准的变量：{'、'.join(unknown)}。")
    if trim_lower is not None and trim_upper is not None and trim_lower >= trim_upper:
        raise SurveyError("权数下限必须小于上限。")
    before = audit.snapshot(
        wave, ["weighting_method", "margin_variables", "lonely_psu", "trim_lower", "trim_upper", "rule_kind"]
    )
    wave.weighting_method, wave.margin_variables, wave.lonely_psu = method, variables, lonely_psu
    wave.rule_kind = rule_kind or wave.rule_kind
    wave.trim_lower, wave.trim_upper = trim_lower, trim_upper
    wave.save()
    audit.record(
        actor,
        "survey.weighting_update",
        wave,
        region=wave.region,
        before=before,
        after=audit.snapshot(wave, list(before)),
    )
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
            rows.append(
                {
                    "variable": variable_label(variable),
                    "category": category,
                    "target": target,
                    "done": done,
                    "percent": min(100, round(100 * done / target)) if target else 100,
                    "full": done >= target,
                }
            )
    return rows


@transaction.atomic
def set_status(actor: User | None, wave: Wave, status: str) -> None:
    if status == WaveStatus.OPEN and not wave.frame.exists():
        raise SurveyError("开始采集前请先导入抽样框（层、PSU 与基础权数）。")
    before = {"status": wave.status}
    wave.status = status
    wave.save(update_fields=["status"])
    audit.record(
        actor, "survey.wave_status", wave, region=wave.region, before=before, after={"status": status}
    )


FRAME_COLUMNS: dict[str, Sequence[str]] = {
    "stratum": ("层", "stratum"),
    "psu": ("初级抽样单元", "PSU", "psu"),
    "weight": ("基础权数", "base_weight", "weight"),
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
        r.code: r for r in Region.objects.subtree(wave.region)
    }
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
        units.append(
            FrameUnit(wave=wave, stratum=stratum[:60], psu=psu[:60], subregion=town, base_weight=weight)
        )
    _fail_if(errors)
    used = set(wave.respondents.filter(unit__isnull=False).values_list("unit__stratum", "unit__psu"))
    dropped = used - seen
    if dropped:
        raise SurveyError(
            f"已有受访者属于 PSU {'、'.join(f'{s}/{p}' for s, p in sorted(dropped)[:5])}，新抽样框中缺少它们。"
        )
    existing = {(u.stratum, u.psu): u for u in wave.frame.all()}
    for unit in units:
        old = existing.pop((unit.stratum, unit.psu), None)
        if old is not None:
            old.subregion, old.base_weight = unit.subregion, unit.base_weight
            old.save()
        else:
            unit.save()
    FrameUnit.objects.filter(pk__in=[u.pk for u in existing.values()]).delete()
    audit.record(
        actor, "survey.frame_import", wave, region=wave.region, after={"psus": len(units), "file": filename}
    )
    return len(units)


@transaction.atomic
def import_margins(actor: User | None, wave: Wave, data: bytes, filename: str) -> int:
    """Census margins `variable,category,population`; replaces the previous margins."""
    table = _read(data, filename)
    try:
        col = table.require(
            {
                "variable": ("variable", "变量"),
                "category": ("category", "类别"),
                "population": ("population", "总体人数", "人数"),
            }
        )
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
        margins.append(
            Margin(wave=wave, variable=code, category=row[col["category"]][:60], population=population)
        )
    _fail_if(errors)
    wave.margins.all().delete()
    Margin.objects.bulk_create(margins)
    audit.record(
        actor,
        "survey.margins_import",
        wave,
        region=wave.region,
        after={"rows": len(margins), "file": filename},
    )
    return len(margins)


@transaction.atomic
def issue_codes(actor: User | None, wave: Wave, unit: FrameUnit, count: int) -> list[Respondent]:
    """Per-respondent codes for people sampled in one PSU: each code answers once."""
    if not 1 <= count <= 5000:
        raise SurveyError("一次可生成 1 至 5000 个答题码。")
    respondents = Respondent.objects.bulk_create([Respondent(wave=wave, unit=unit) for _ in range(count)])
    audit.record(
        actor, "survey.codes_issue", wave, region=wave.region, after={"count": count, "psu": str(unit)}
    )
    return respondents


# 18—69岁常住人口 by group, as statistics offices publish it; the disaggregation keys Kesu reads.
POPULATION_INDICATOR = "adult_population"
POPULATION_KEYS = {"sex": ("性别",), "age_group": ("年龄组", "年龄")}


def _age_category(text: str) -> str:
    """“18—29岁”, “18～29” or “18-29” as the survey's age group 18-29."""
    cleaned = text.strip().removesuffix("岁").removesuffix("周岁")
    for dash in ("—", "–", "～", "~", "至", "－"):
        cleaned = cleaned.replace(dash, "-")
    return cleaned.replace(" ", "")


def population_margins(region: Region) -> tuple[str, dict[str, dict[str, float]]]:
    """The region's latest 18—69岁常住人口 by sex and by age group that Kesu holds, complete tables only:
    (period, {"sex": {"男": …, "女": …}, "age_group": {…}}); ("", {}) when none is held."""
    values = IndicatorValue.objects.filter(
        indicator__code=POPULATION_INDICATOR, region=region, value__isnull=False
    ).exclude(disaggregation_key="")
    by_period: dict[str, dict[str, dict[str, float]]] = {}
    for value in values:
        if len(value.disaggregation) != 1:
            continue  # a cross-tabulation (性别 × 年龄组) is not a margin
        ((key, category),) = value.disaggregation.items()
        for variable, keys in POPULATION_KEYS.items():
            if key in keys:
                label = _age_category(category) if variable == "age_group" else category.strip()
                by_period.setdefault(value.period, {}).setdefault(variable, {})[label] = float(
                    value.value or 0
                )
    expected = {"sex": set(SEXES), "age_group": set(AGE_GROUPS)}
    for period in sorted(by_period, reverse=True):
        tables = {v: t for v, t in by_period[period].items() if set(t) == expected[v]}
        if tables:
            return period, tables
    return "", {}


@transaction.atomic
def prefill_margins(actor: User | None, wave: Wave) -> int:
    """The wave's census margins from the 常住人口 Kesu holds for its region, when the wave has none yet."""
    if wave.margins.exists():
        return 0
    period, tables = population_margins(wave.region)
    if not tables:
        return 0
    rows = [
        Margin(wave=wave, variable=variable, category=category, population=population)
        for variable, table in tables.items()
        for category, population in table.items()
    ]
    Margin.objects.bulk_create(rows)
    audit.record(
        actor,
        "survey.margins_prefill",
        wave,
        region=wave.region,
        after={"rows": len(rows), "period": period, "variables": sorted(tables)},
    )
    return len(rows)


WAVE_FILE_JOB = "survey_wave_file_import"
WAVE_FILE_KINDS = {"frame": "抽样框", "margins": "普查边际"}


def wave_file_starter(kind: str) -> Callable[[User, Wave, bytes, str], Job]:
    """A starter of the background import of a large frame or margins file (``job_kinds.import_wave_file``)."""

    def start(actor: User, wave: Wave, data: bytes, filename: str) -> Job:
        title = f"导入{WAVE_FILE_KINDS[kind]}：{wave.title}（{filename}）"
        return uploads.start_import(
            actor,
            WAVE_FILE_JOB,
            title,
            region=wave.region,
            data=data,
            filename=filename,
            wave_id=wave.pk,
            file_kind=kind,
        )

    return start
