"""From a wave's stored responses to scores, weights and estimates, through `kesu.stats`.

This module only gathers arrays and hands them to the statistics core; every formula lives
there. `compute` writes nothing: the caller stores the result in one transaction, so a design or
margin that fails leaves the previous estimates as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from kesu import stats
from kesu.stats.scoring import Grade
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
class Scored:
    respondent_ids: list[int]
    result: stats.ScoreResult


def score(wave: Wave, respondents: list[Respondent]) -> Scored:
    """Score complete respondents; unanswered items count as wrong, as the national survey does."""
    items = list(wave.instrument.items.order_by("order"))
    if not items:
        raise stats.ScoringError("问卷中没有题目，无法评分。")
    meta = stats_items(items)
    column = {item.pk: j for j, item in enumerate(items)}
    row = {r.pk: i for i, r in enumerate(respondents)}
    masks = np.zeros((len(respondents), len(items)), dtype=np.int64)
    answers = (
        Answer.objects.filter(respondent_id__in=row)
        .exclude(choice="")
        .values_list("respondent_id", "item_id", "choice")
    )
    for respondent_id, item_id, choice in answers.iterator(chunk_size=5000):
        j = column.get(item_id)
        if j is not None:
            masks[row[respondent_id], j] = meta[j].mask_of(set(choice.split("|")))
    result = stats.score_answers(masks, stats.answer_key(meta), meta, rule_for(wave))
    return Scored([r.pk for r in respondents], result)


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


def _labels(respondents: list[Respondent], variable: str) -> npt.NDArray[np.str_]:
    if variable == "region":
        return np.array([r.unit.subregion.name if r.unit and r.unit.subregion else "" for r in respondents])
    return np.array([getattr(r, variable) or "" for r in respondents])


def complete_respondents(wave: Wave) -> list[Respondent]:
    return list(
        Respondent.objects.filter(wave=wave).complete().select_related("unit__subregion").order_by("pk")
    )


def base_design(wave: Wave, respondents: list[Respondent]) -> stats.Design:
    """The stratified cluster design with base weights from the frame (R: svydesign(nest=TRUE))."""
    if len(respondents) < 2:
        raise stats.InputDataError(f"已提交的问卷只有 {len(respondents)} 份，至少需要 2 份才能估计。")
    without = [str(r) for r in respondents if r.unit is None]
    if len(without) == len(respondents) and not wave.frame.exists():
        # No sampling frame (an office collecting through the public link): each respondent is its own
        # cluster in one stratum with weight 1, as a simple random sample; calibration to the census
        # margins then carries the weighting. The report states the design it used.
        n = len(respondents)
        return stats.Design(
            np.array(["全部"] * n),
            np.array([f"r{r.pk}" for r in respondents]),
            np.ones(n, dtype=np.float64),
            lonely_psu=wave.lonely_psu,  # type: ignore[arg-type]
        )
    if without:
        raise stats.InputDataError(
            f"{len(without)} 位受访者没有对应的抽样单元（如 {'、'.join(without[:5])}）：请先导入抽样框并为其指定 PSU。"
        )
    stratum = np.array([r.unit.stratum for r in respondents if r.unit])
    psu = np.array([r.unit.psu for r in respondents if r.unit])
    weight = np.array([r.unit.base_weight for r in respondents if r.unit], dtype=np.float64)
    return stats.Design(stratum, psu, weight, lonely_psu=wave.lonely_psu)  # type: ignore[arg-type]


def margins_of(wave: Wave, respondents: list[Respondent]) -> dict[str, tuple[Any, dict[str, float]]]:
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


def calibrate(
    wave: Wave, design: stats.Design, respondents: list[Respondent]
) -> tuple[stats.Design, dict[str, Any]]:
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
    design: stats.Design, y: npt.NDArray[np.float64], outcome: str, respondents: list[Respondent]
) -> list[dict[str, Any]]:
    """Overall, then each domain variable's levels, estimated on the full design (svyby).

    Shares (具备科学素质, each grade) get svyciprop's logit interval, which stays inside 0—100%."""
    proportion = outcome != OUTCOME_SCORE
    rows = [stats.estimate_mean(design, y, proportion=proportion)]
    for variable in DOMAIN_VARIABLES:
        labels = _labels(respondents, variable)
        levels = sorted(set(labels.tolist()) - {""}, key=partial(level_order, variable))
        codes = np.array([levels.index(v) if v else -1 for v in labels.tolist()], dtype=np.int64)
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


def level_order(variable: str, level: str) -> tuple[int, str]:
    """Categories in their natural order (小学及以下 before 初中), others alphabetically after."""
    order = CATEGORY_ORDER.get(variable, ())
    return (order.index(level) if level in order else len(order), level)


def _weighted_totals(design: stats.Design, respondents: list[Respondent]) -> dict[tuple[str, str], float]:
    totals = {("", ""): float(design.weights.sum())}
    for variable in DOMAIN_VARIABLES:
        for label, w in zip(_labels(respondents, variable).tolist(), design.weights.tolist(), strict=True):
            if label:
                totals[(variable, label)] = totals.get((variable, label), 0.0) + w
    return totals


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None


def compute(wave: Wave, progress: Progress | None = None) -> Computation:
    """Score, weight and estimate; raises a `kesu.stats` error with a Chinese message on bad input."""
    report = progress or (lambda _p, _m: None)
    respondents = complete_respondents(wave)
    report(10, f"正在评分：{len(respondents)} 份问卷")
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
    respondents = complete_respondents(wave)
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
