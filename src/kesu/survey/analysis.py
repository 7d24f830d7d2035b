"""From a wave's stored responses to scores, weights and estimates, through `kesu.stats`.

This module only gathers arrays and hands them to the statistics core; every formula lives
there. `compute` writes nothing: the caller stores the result in one transaction, so a design or
margin that fails leaves the previous estimates as they were.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db.models import TextField
from django.db.models.functions import Cast

from kesu import stats
from kesu.stats.scoring import Grade
from kesu.survey import sheets
from kesu.survey.demographics import CATEGORY_ORDER, DOMAIN_VARIABLES, variable_label
from kesu.survey.models import Answer, Item, Respondent, RuleKind, Wave, WeightingMethod

Progress = Callable[[int, str], None]
OUTCOME_LITERATE = "literate"
OUTCOME_SCORE = "score"


def rule_for(wave: Wave) -> stats.ScoringRule:
    """The wave's scoring rule as data: one of the three published rules, or custom thresholds."""
    params = wave.rule_params or {}
    if wave.rule_kind == RuleKind.BENCHMARK_2016:
        return stats.BENCHMARK_2016_RULE
    if wave.rule_kind == RuleKind.MILLER:
        share = float(params.get("dimension_share", 0.6))
        return stats.DimensionThresholdRule(
            name="米勒三维度",
            grades=(Grade(100, "具备"),),
            lowest_grade="不具备",
            dimension_thresholds=dict.fromkeys(stats.MILLER_RULE.dimension_thresholds, share),
            dimension_map=dict(stats.MILLER_RULE.dimension_map),
        )
    if wave.rule_kind == RuleKind.CUSTOM:
        pass_score = float(params.get("pass_score", 70))
        grades = tuple(Grade(float(g), label) for g, label in params.get("grades", []))
        return stats.DimensionWeightedRule(
            name="自定义",
            grades=grades or (Grade(pass_score, "具备"),),
            lowest_grade=params.get("lowest_grade", "不具备" if not grades else "较低"),
            dimension_points=params.get("dimension_points", dict(stats.CURRENT_RULE.dimension_points)),
            pass_score=pass_score,
        )
    return stats.CURRENT_RULE


def stats_items(items: list[Item]) -> list[stats.Item]:
    return [stats.Item(i.code, i.dimension, i.type, tuple(i.options), frozenset(i.answer)) for i in items]


@dataclass
class Sample:
    """A wave's submitted questionnaires as columns: what scoring, weighting and estimation read.

    Read with one query of plain values (no model instances): 100,000 respondents load in about a
    second, where instances with their units and towns took ten."""

    ids: list[int]
    has_unit: list[bool]
    stratum: list[str]
    psu: list[str]
    base_weight: list[float]
    labels: dict[str, npt.NDArray[np.str_]]
    sheets: list[list[int] | None]

    _codes: dict[str, tuple[npt.NDArray[np.int64], list[str]]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.ids)

    def codes(self, variable: str) -> tuple[npt.NDArray[np.int64], list[str]]:
        """Each respondent's index among the variable's distinct labels, and those labels; computed once."""
        if variable not in self._codes:
            index: dict[str, int] = {}
            codes = [index.setdefault(label, len(index)) for label in self.labels[variable].tolist()]
            self._codes[variable] = (np.array(codes, dtype=np.int64), list(index))
        return self._codes[variable]


SAMPLE_FIELDS = ("sex", "age_group", "education", "urban_rural", "key_group")


def complete_respondents(wave: Wave, with_sheets: bool = True) -> Sample:
    """The submitted questionnaires in respondent order; ``with_sheets=False`` leaves the answers unread."""
    rows = list(
        Respondent.objects.filter(wave=wave)
        .complete()
        .order_by("pk")
        .annotate(sheet_text=Cast("sheet", TextField()))
        .values_list(
            "pk",
            "unit_id",
            "unit__stratum",
            "unit__psu",
            "unit__base_weight",
            "unit__subregion__name",
            *SAMPLE_FIELDS,
            "sheet_text" if with_sheets else "pk",
        )
    )
    columns = list(zip(*rows, strict=True)) if rows else [()] * (7 + len(SAMPLE_FIELDS))
    labels = {"region": np.array([name or "" for name in columns[5]], dtype=str)}
    for offset, name in enumerate(SAMPLE_FIELDS):
        labels[name] = np.array([value or "" for value in columns[6 + offset]], dtype=str)
    return Sample(
        ids=list(columns[0]),
        has_unit=[unit is not None for unit in columns[1]],
        stratum=list(columns[2]),
        psu=list(columns[3]),
        base_weight=list(columns[4]),
        labels=labels,
        sheets=_parse_sheets(columns[-1]) if with_sheets else [],
    )


def _parse_sheets(texts: tuple[str | None, ...]) -> list[list[int] | None]:
    """The JSON of every sheet parsed in one call (100,000 calls of ``json.loads`` took 4 s)."""
    if None in texts:
        return [None if text is None else json.loads(text) for text in texts]
    return json.loads("[" + ",".join(texts) + "]") if texts else []  # type: ignore[arg-type]


@dataclass
class Scored:
    respondent_ids: list[int]
    result: stats.ScoreResult


def score(wave: Wave, sample: Sample) -> Scored:
    """Score complete respondents; unanswered items count as wrong, as the national survey does."""
    items = list(wave.instrument.items.order_by("order", "pk"))
    if not items:
        raise stats.ScoringError("问卷中没有题目，无法评分。")
    meta = stats_items(items)
    masks = answer_masks(sample, items)
    result = stats.score_answers(masks, stats.answer_key(meta), meta, rule_for(wave))
    return Scored(sample.ids, result)


def answer_masks(sample: Sample, items: list[Item]) -> npt.NDArray[np.int64]:
    """The n × m matrix of answer masks from the sheets; a sheet not packed yet is read from its Answer rows."""
    missing = [pk for pk, sheet in zip(sample.ids, sample.sheets, strict=True) if sheet is None]
    packed: dict[int, list[int]] = {}
    if missing:
        answers = Answer.objects.filter(respondent_id__in=missing).values_list(
            "respondent_id", "item_id", "choice"
        )
        packed = sheets.pack_many([(i.pk, i.options) for i in items], answers.iterator(chunk_size=5000))
    blank = [0] * len(items)
    full = [
        sheet if sheet is not None and len(sheet) == len(items) else packed.get(pk, blank)
        for pk, sheet in zip(sample.ids, sample.sheets, strict=True)
    ]
    return np.array(full, dtype=np.int64).reshape(len(full), len(items))


@dataclass
class Computation:
    """Everything one run produces, ready to be stored."""

    respondent_ids: list[int]
    scores: list[float]
    literate: list[int]
    grades: list[str]
    weights: list[float]
    estimates: list[dict[str, Any]] = field(default_factory=list)
    diagnostics: dict[str, Any] = field(default_factory=dict)


def _labels(sample: Sample, variable: str) -> npt.NDArray[np.str_]:
    return sample.labels[variable]


def base_design(wave: Wave, sample: Sample) -> stats.Design:
    """The stratified cluster design with base weights from the frame (R: svydesign(nest=TRUE))."""
    if sample.n < 2:
        raise stats.InputDataError(f"已提交的问卷只有 {sample.n} 份，至少需要 2 份才能估计。")
    without = [pk for pk, has in zip(sample.ids, sample.has_unit, strict=True) if not has]
    if len(without) == sample.n and not wave.frame.exists():
        # No sampling frame (an office collecting through the public link): each respondent is its own
        # cluster in one stratum with weight 1, as a simple random sample; calibration to the census
        # margins then carries the weighting. The report states the design it used.
        return stats.Design(
            np.array(["全部"] * sample.n),
            np.array([f"r{pk}" for pk in sample.ids]),
            np.ones(sample.n, dtype=np.float64),
            lonely_psu=wave.lonely_psu,  # type: ignore[arg-type]
        )
    if without:
        names = Respondent.objects.filter(pk__in=without[:5])
        raise stats.InputDataError(
            f"{len(without)} 位受访者没有对应的抽样单元（如 {'、'.join(str(r) for r in names)}）：请先导入抽样框并为其指定 PSU。"
        )
    return stats.Design(
        np.array(sample.stratum),
        np.array(sample.psu),
        np.array(sample.base_weight, dtype=np.float64),
        lonely_psu=wave.lonely_psu,  # type: ignore[arg-type]
    )


def margins_of(wave: Wave, respondents: Sample) -> dict[str, tuple[Any, dict[str, float]]]:
    chosen = list(wave.margin_variables or [])
    if not chosen:
        raise stats.MarginMismatchError("没有选择校准变量：请在“加权设置”中至少选择一个变量。")
    tables: dict[str, dict[str, float]] = {}
    for margin in wave.margins.filter(variable__in=chosen):
        tables.setdefault(margin.variable, {})[margin.category] = margin.population
    missing = [variable_label(v) for v in chosen if v not in tables]
    if missing:
        raise stats.MarginMismatchError(
            f"没有导入变量 {'、'.join(missing)} 的总体边际：请先导入人口普查边际表。"
        )
    return {variable_label(v): (_labels(respondents, v), tables[v]) for v in chosen}


def calibrate(wave: Wave, design: stats.Design, respondents: Sample) -> tuple[stats.Design, dict[str, Any]]:
    """Raking or post-stratification to the census margins, then trimming; the design keeps the record."""
    method = wave.weighting_method
    if method == WeightingMethod.NONE:
        diag = stats.WeightDiagnostics.of(design.weights)
        return design, {"before": diag.__dict__, "after": diag.__dict__, "method": method}
    margins = margins_of(wave, respondents)
    population_total = sum(next(iter(margins.values()))[1].values())
    mean = float(population_total) / design.n  # trimming bounds are multiples of the final mean weight
    trim = _trim_bounds(wave, mean)
    if method == WeightingMethod.POSTSTRATIFY:
        if len(margins) != 1:
            raise stats.MarginMismatchError(
                "事后分层只能用一个变量；要同时调整多个变量的分布，请选择 Raking。"
            )
        ((name, (cells, population)),) = margins.items()
        post = stats.poststratify(design.weights, cells, population, name=name)
        weights = post.weights if trim is None else stats.trim_weights(post.weights, *trim)
        after = stats.WeightDiagnostics.of(weights)
        return design.with_weights(weights, [post.calibration]), {
            "before": post.before.__dict__,
            "after": after.__dict__,
            "method": method,
        }
    raked = stats.rake(design.weights, margins, trim=trim)
    return design.with_weights(raked.weights, [raked.calibration]), {
        "before": raked.before.__dict__,
        "after": raked.after.__dict__,
        "method": method,
        "sweeps": raked.iterations,
        "trimmed": raked.trimmed,
    }


def _trim_bounds(wave: Wave, mean: float) -> tuple[float, float] | None:
    if wave.trim_lower is None and wave.trim_upper is None:
        return None
    lower = (wave.trim_lower or 0.0) * mean
    upper = (wave.trim_upper or float("inf")) * mean
    return lower, upper


def domain_estimates(
    design: stats.Design, y: npt.NDArray[np.float64], outcome: str, respondents: Sample
) -> list[dict[str, Any]]:
    """Overall, then each domain variable's levels, estimated on the full design (svyby).

    Shares (具备科学素质, each grade) get svyciprop's logit interval, which stays inside 0—100%."""
    proportion = outcome != OUTCOME_SCORE
    rows = [stats.estimate_mean(design, y, proportion=proportion)]
    for variable in DOMAIN_VARIABLES:
        levels = sorted(set(respondents.codes(variable)[1]) - {""}, key=partial(level_order, variable))
        codes = level_codes(respondents, variable, levels)
        rows += stats.estimate_levels(design, y, codes, levels, by=variable, proportion=proportion)
    totals = _weighted_totals(design, respondents)
    return [
        {
            "outcome": outcome,
            "by": e.by,
            "level": e.level,
            "estimate": e.estimate,
            "se": e.se,
            "ci_low": e.ci_low,
            "ci_high": e.ci_high,
            "n": e.n,
            "deff": _finite(e.deff),
            "weighted_total": totals.get((e.by, e.level)),
        }
        for e in rows
    ]


def level_codes(sample: Sample, variable: str, levels: list[str]) -> npt.NDArray[np.int64]:
    """Each respondent's index in ``levels`` (-1 for a blank), mapped once per distinct label."""
    codes, distinct = sample.codes(variable)
    index = {level: k for k, level in enumerate(levels)}
    mapping = np.array([index.get(v, -1) for v in distinct], dtype=np.int64)
    return mapping[codes] if distinct else np.zeros(0, dtype=np.int64)


def level_order(variable: str, level: str) -> tuple[int, str]:
    """Categories in their natural order (小学及以下 before 初中), others alphabetically after."""
    order = CATEGORY_ORDER.get(variable, ())
    return (order.index(level) if level in order else len(order), level)


def _weighted_totals(design: stats.Design, respondents: Sample) -> dict[tuple[str, str], float]:
    totals = {("", ""): float(design.weights.sum())}
    for variable in DOMAIN_VARIABLES:
        codes, levels = respondents.codes(variable)
        sums = np.bincount(codes, weights=design.weights, minlength=len(levels))
        for label, total in zip(levels, sums.tolist(), strict=True):
            if label:
                totals[(variable, label)] = float(total)
    return totals


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None


def compute(wave: Wave, progress: Progress | None = None) -> Computation:
    """Score, weight and estimate; raises a `kesu.stats` error with a Chinese message on bad input."""
    report = progress or (lambda _p, _m: None)
    respondents = complete_respondents(wave)
    report(10, f"正在评分：{respondents.n} 份问卷")
    design = base_design(wave, respondents)
    scored = score(wave, respondents)
    report(35, "正在加权")
    design, diagnostics = calibrate(wave, design, respondents)
    report(60, "正在估计")
    result = scored.result
    outcomes: list[tuple[str, npt.NDArray[np.float64]]] = [
        (OUTCOME_LITERATE, result.literate.astype(np.float64)),
        (OUTCOME_SCORE, result.scores),
    ]
    outcomes += [
        (f"grade:{label}", (result.grade == code).astype(np.float64))
        for code, label in enumerate(result.grade_labels)
    ]
    estimates: list[dict[str, Any]] = []
    for index, (name, y) in enumerate(outcomes):
        estimates += domain_estimates(design, y, name, respondents)
        report(60 + 35 * (index + 1) // len(outcomes), f"已估计 {index + 1} / {len(outcomes)} 项指标")
    diagnostics["grade_labels"] = list(result.grade_labels)
    diagnostics["rule"] = rule_for(wave).name
    diagnostics["n_psu"] = design.n_psu
    diagnostics["n_strata"] = len(design.stratum_labels)
    return Computation(
        respondent_ids=scored.respondent_ids,
        scores=result.scores.tolist(),
        literate=result.literate.tolist(),
        grades=result.grade_names().tolist(),
        weights=design.weights.tolist(),
        estimates=estimates,
        diagnostics=diagnostics,
    )


def preflight(wave: Wave) -> None:
    """The checks that are quick before a job is queued: design, scoring and margin categories."""
    respondents = complete_respondents(wave, with_sheets=False)
    base_design(wave, respondents)
    stats.score_answers(
        np.zeros((0, wave.instrument.items.count()), dtype=np.int64),
        stats.answer_key(stats_items(list(wave.instrument.items.order_by("order")))),
        stats_items(list(wave.instrument.items.order_by("order"))),
        rule_for(wave),
    )
    if wave.weighting_method != WeightingMethod.NONE:
        for name, (labels, population) in margins_of(wave, respondents).items():
            stats.weighting.check_margin_categories(name, sorted(set(labels.tolist())), population)
