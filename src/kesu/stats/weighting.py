"""Weighting to population margins: post-stratification, raking, trimming, diagnostics.

The algorithms are those of R's survey package, step for step, so that weights and standard
errors agree with it:

- `poststratify` is `postStratify()`: w ← w · N_g / Σ_{i∈g} w_i.
- `rake` is `rake()`: iterative proportional fitting, one `postStratify()` per margin per sweep,
  stopping when no cell of the cross-table of all margin variables moved by `epsilon` or more
  during a sweep (an `epsilon` below 1 is relative to the initial weight total, as in R).
  It records what `rake()` records for variance estimation: the weights after each margin's
  step in the last sweep.
- `trim_weights` is `trimWeights()`: weights are clipped to [lower, upper] and the amount cut
  is spread equally over the weights not clipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .design import CalibrationStep, ProjectionTerm, weighted_counts
from .errors import InputDataError, MarginMismatchError, RakingError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# A margin as the caller gives it: each respondent's category, and the population per category.
MarginInput = tuple[npt.ArrayLike, Mapping[Any, float]]

# Population totals of different margins must describe the same population.
_TOTALS_TOLERANCE = 1e-6
_MAX_TRIM_PASSES = 1000


@dataclass(frozen=True)
class EncodedMargin:
    """A margin with the respondents' categories coded 0..G-1 in the order of `categories`."""

    name: str
    codes: IntArray
    categories: tuple[object, ...]
    population: FloatArray

    @property
    def n_groups(self) -> int:
        return len(self.categories)

    def weighted_totals(self, weights: FloatArray) -> FloatArray:
        return weighted_counts(self.codes, weights, self.n_groups)


@dataclass(frozen=True)
class WeightDiagnostics:
    """Spread of a set of weights; Kish's design effect due to weighting is 1 + CV² = nΣw²/(Σw)²."""

    n: int
    total: float
    minimum: float
    maximum: float
    mean: float
    cv: float
    kish_deff: float
    efficiency: float
    effective_n: float

    @classmethod
    def of(cls, weights: FloatArray) -> WeightDiagnostics:
        n = int(weights.shape[0])
        total = float(weights.sum())
        kish = n * float(np.dot(weights, weights)) / total**2 if total > 0 else float("nan")
        return cls(
            n=n,
            total=total,
            minimum=float(weights.min()),
            maximum=float(weights.max()),
            mean=total / n,
            cv=float(np.sqrt(max(kish - 1.0, 0.0))),
            kish_deff=kish,
            efficiency=1.0 / kish,
            effective_n=n / kish,
        )


@dataclass(frozen=True)
class RakeResult:
    """Raked weights, the calibration record for standard errors, and how the fit went."""

    weights: FloatArray
    calibration: CalibrationStep
    iterations: int
    converged: bool
    max_change: float
    trimmed: int
    before: WeightDiagnostics
    after: WeightDiagnostics
    margin_totals: dict[str, dict[object, float]]


@dataclass(frozen=True)
class PoststratifyResult:
    weights: FloatArray
    calibration: CalibrationStep
    before: WeightDiagnostics
    after: WeightDiagnostics


def encode_margin(name: str, values: npt.ArrayLike, population: Mapping[Any, float]) -> EncodedMargin:
    """Code respondents' categories against the population table; any mismatch is an error."""
    codes, labels = _codes_and_labels(np.asarray(values))
    present = [_plain(label) for label in labels]
    check_margin_categories(name, present, population)
    totals = np.array([float(population[c]) for c in present], dtype=np.float64)
    bad = [c for c, t in zip(present, totals, strict=True) if not np.isfinite(t) or t <= 0]
    if bad:
        raise MarginMismatchError(f"变量“{name}”的类别 {_quote(bad)} 的总体数必须是正数。")
    return EncodedMargin(name, codes, tuple(present), totals)


def check_margin_categories(name: str, present: list[object], population: Mapping[Any, float]) -> None:
    """Every category in the data has a population and every population category has respondents."""
    missing_in_margin = [c for c in present if c not in population]
    if missing_in_margin:
        raise MarginMismatchError(
            f"变量“{name}”在数据中有类别 {_quote(missing_in_margin)}，但总体边际表中没有这些类别。"
        )
    in_data = set(present)
    absent_in_data = [c for c in population if c not in in_data]
    if absent_in_data:
        raise MarginMismatchError(
            f"变量“{name}”的总体边际表中有类别 {_quote(absent_in_data)}，但样本中没有这些类别的受访者，"
            "无法调整到该总体分布：请合并类别或修改边际表。"
        )


def poststratify(
    weights: npt.ArrayLike, cells: npt.ArrayLike, population: Mapping[Any, float], name: str = "post-strata"
) -> PoststratifyResult:
    """R's postStratify(): scale weights within each cell to the cell's population."""
    start = _checked_weights(weights)
    margin = encode_margin(name, cells, population)
    new = _poststratify_once(start, margin)
    # svyrecvar's post-stratification adjustment: x ← x − psw·rowsum(x·oldw/psw)/Σ_g oldw.
    term = ProjectionTerm(name, margin.codes, margin.n_groups, new, start / new)
    step = CalibrationStep("sequential", (term,), cycles=1)
    return PoststratifyResult(new, step, WeightDiagnostics.of(start), WeightDiagnostics.of(new))


def rake(
    weights: npt.ArrayLike,
    margins: Mapping[str, MarginInput],
    *,
    epsilon: float = 1e-10,
    max_iter: int = 100,
    trim: tuple[float, float] | None = None,
    max_trim_rounds: int = 100,
    variance: Literal["rake", "calibrate"] = "rake",
) -> RakeResult:
    """Iterative proportional fitting of `weights` to the population `margins` (R's rake()).

    `epsilon` ≥ 1 is an absolute change in weighted counts, below 1 it is relative to the total
    of the initial weights (R's rule; R's default is epsilon=1, max_iter=10, which stops early,
    so the default here is stricter). `trim=(lower, upper)` alternates trimWeights() and raking
    until the weights stay within the bounds. `variance` chooses the record kept for standard
    errors: 'rake' reproduces rake() exactly, 'calibrate' reproduces calibrate(calfun="raking").
    """
    start = _checked_weights(weights)
    encoded = [encode_margin(name, values, population) for name, (values, population) in margins.items()]
    if not encoded:
        raise MarginMismatchError("没有提供任何总体边际。")
    _check_consistent_totals(encoded)
    tolerance = epsilon * float(start.sum()) if epsilon < 1 else epsilon
    cells = _cross_cells(encoded)
    fitted, last_sweep, iterations, change = _ipf(start, encoded, cells, tolerance, max_iter)
    trimmed = 0
    if trim is not None:
        fitted, last_sweep, iterations, change, trimmed = _rake_within_bounds(
            fitted, last_sweep, iterations, change, encoded, cells, tolerance, max_iter, trim, max_trim_rounds
        )
    step = _rake_step(encoded, last_sweep) if variance == "rake" else _calibrate_step(encoded, start, fitted)
    totals = {
        m.name: dict(zip(m.categories, m.weighted_totals(fitted).tolist(), strict=True)) for m in encoded
    }
    return RakeResult(
        weights=fitted,
        calibration=step,
        iterations=iterations,
        converged=True,
        max_change=change,
        trimmed=trimmed,
        before=WeightDiagnostics.of(start),
        after=WeightDiagnostics.of(fitted),
        margin_totals=totals,
    )


def trim_weights(
    weights: npt.ArrayLike, lower: float = -np.inf, upper: float = np.inf, strict: bool = False
) -> FloatArray:
    """R's trimWeights(): clip to [lower, upper], spread the amount cut equally over the rest.

    With strict=True the step is repeated until no weight is outside the bounds, which is only
    possible when the total fits: n·lower ≤ Σw ≤ n·upper.
    """
    current = _checked_weights(weights)
    total = float(current.sum())
    if strict and not (
        current.shape[0] * lower <= total * (1 + 1e-12) and total <= current.shape[0] * upper * (1 + 1e-12)
    ):
        raise InputDataError(
            f"权数总和 {total:,.6g} 无法在上下限 [{lower:g}, {upper:g}] 内保持不变：请放宽上下限。"
        )
    for _ in range(_MAX_TRIM_PASSES):
        outside = (current < lower) | (current > upper)
        if not outside.any():
            return current
        clipped = np.clip(current, lower, upper)
        inside = ~outside
        if not inside.any():
            raise InputDataError(f"所有权数都在上下限 [{lower:g}, {upper:g}] 之外，无处分摊截去的部分。")
        clipped[inside] += float((current - clipped).sum()) / int(inside.sum())
        current = clipped
        if not strict:
            return current
    return current


def _ipf(
    start: FloatArray, margins: list[EncodedMargin], cells: IntArray, tolerance: float, max_iter: int
) -> tuple[FloatArray, list[FloatArray], int, float]:
    """Sweeps of post-stratification on each margin until the cross-table is stable."""
    current = start
    old_table = np.bincount(cells, weights=current)
    change = float("inf")
    for sweep in range(1, max_iter + 1):
        after_each: list[FloatArray] = []
        for margin in margins:
            current = _poststratify_once(current, margin)
            after_each.append(current)
        new_table = np.bincount(cells, weights=current, minlength=old_table.shape[0])
        change = float(np.max(np.abs(old_table - new_table)))
        if change < tolerance:
            _check_margins_hold(margins, current)
            return current, after_each, sweep, change
        old_table = new_table
    worst = max(margins, key=lambda m: _relative_gap(m, current))
    raise RakingError(
        f"加权调整（raking）经过 {max_iter} 轮迭代仍未收敛：边际“{worst.name}”与总体分布相差最大"
        f"（相对差 {_relative_gap(worst, current):.3g}）。请检查该变量的类别是否过细、各边际是否互相矛盾，"
        "或增加迭代次数。",
        worst.name,
    )


# A stable cross-table does not prove the margins hold: when margins contradict each other
# through empty cells (say every man in the sample lives in a town), each sweep lands on the same
# weights, R's rake() stops and returns weights that miss all but the last margin. A gap this
# large (0.01%) is far above what a converged fit leaves, even with R's loose epsilon=1.
_MARGIN_GAP_TOLERANCE = 1e-4


def _check_margins_hold(margins: list[EncodedMargin], weights: FloatArray) -> None:
    worst = max(margins, key=lambda m: _relative_gap(m, weights))
    gap = _relative_gap(worst, weights)
    if gap > _MARGIN_GAP_TOLERANCE:
        raise RakingError(
            f"加权调整（raking）无法收敛到各总体边际：迭代停在一组权数上，但边际“{worst.name}”仍与总体分布相差"
            f"（相对差 {gap:.3g}）。样本中某些类别的组合没有受访者，使各边际互相矛盾：请合并该变量的类别、"
            "去掉该变量，或改用事后分层。",
            worst.name,
        )


def _rake_within_bounds(
    fitted: FloatArray,
    last_sweep: list[FloatArray],
    iterations: int,
    change: float,
    margins: list[EncodedMargin],
    cells: IntArray,
    tolerance: float,
    max_iter: int,
    trim: tuple[float, float],
    max_rounds: int,
) -> tuple[FloatArray, list[FloatArray], int, float, int]:
    lower, upper = trim
    # Trimming then re-raking approaches the bounds geometrically; 1e-6 of the bound is close enough.
    slack = 1e-6 * max(abs(upper), abs(lower), 1.0)
    trimmed = 0
    for _ in range(max_rounds):
        outside = (fitted < lower - slack) | (fitted > upper + slack)
        if not outside.any():
            return fitted, last_sweep, iterations, change, trimmed
        trimmed = max(trimmed, int(outside.sum()))
        fitted, last_sweep, more, change = _ipf(
            trim_weights(fitted, lower, upper, strict=True), margins, cells, tolerance, max_iter
        )
        iterations += more
    worst = max(margins, key=lambda m: _relative_gap(m, trim_weights(fitted, lower, upper, strict=True)))
    raise RakingError(
        f"在权数上下限 [{lower:g}, {upper:g}] 内无法同时满足各总体边际（最难满足的是“{worst.name}”）：请放宽上下限或合并类别。",
        worst.name,
    )


def _rake_step(margins: list[EncodedMargin], last_sweep: list[FloatArray]) -> CalibrationStep:
    # rake() stores the last sweep's postStratify() records as class "raking"; svyrecvar then
    # applies x ← x − psw·ave(x/psw, margin) for each margin, ten times over.
    terms = tuple(
        ProjectionTerm(m.name, m.codes, m.n_groups, psw, 1.0 / psw)
        for m, psw in zip(margins, last_sweep, strict=True)
    )
    return CalibrationStep("sequential", terms, cycles=10)


def _calibrate_step(margins: list[EncodedMargin], start: FloatArray, fitted: FloatArray) -> CalibrationStep:
    # calibrate() stores qr(mm·sqrt(w0)) and w = g·sqrt(w0); svyrecvar replaces x by
    # w·qr.resid(x/w), i.e. x − w_final ⊙ Xβ with β solving (X'W0X)β = X'(x·w0/w_final).
    ratio = start / fitted
    terms = tuple(ProjectionTerm(m.name, m.codes, m.n_groups, fitted, ratio) for m in margins)
    return CalibrationStep("joint", terms, cycles=1)


def _poststratify_once(weights: FloatArray, margin: EncodedMargin) -> FloatArray:
    totals = margin.weighted_totals(weights)
    if np.any(totals <= 0):
        empty = [c for c, t in zip(margin.categories, totals, strict=True) if t <= 0]
        raise MarginMismatchError(f"变量“{margin.name}”的类别 {_quote(empty)} 的样本权数之和为 0，无法调整。")
    return weights * (margin.population / totals)[margin.codes]


def _check_consistent_totals(margins: list[EncodedMargin]) -> None:
    totals = {m.name: float(m.population.sum()) for m in margins}
    reference = next(iter(totals.values()))
    if any(abs(t - reference) > _TOTALS_TOLERANCE * reference for t in totals.values()):
        listed = "；".join(f"“{name}”合计 {t:,.6g}" for name, t in totals.items())
        raise MarginMismatchError(f"各总体边际的合计不一致，无法同时满足（{listed}）：请使用同一总体的边际。")


def _cross_cells(margins: list[EncodedMargin]) -> IntArray:
    """Cell index of each respondent in the cross-table of all margin variables (R: svytable)."""
    key = np.zeros(margins[0].codes.shape[0], dtype=np.int64)
    size = 1
    for m in margins:
        key = key * m.n_groups + m.codes
        size *= m.n_groups
        if size > 4 * key.shape[0]:  # sparse cross-table: renumber the cells that occur
            key = np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)
            size = int(key.max()) + 1
    return key


def _relative_gap(margin: EncodedMargin, weights: FloatArray) -> float:
    return float(np.max(np.abs(margin.weighted_totals(weights) - margin.population) / margin.population))


def _codes_and_labels(values: np.ndarray) -> tuple[IntArray, np.ndarray]:
    values = values.reshape(-1)
    if values.dtype.kind in "iu" and values.size and values.min() >= 0 and values.max() < 1_000_000:
        # Small non-negative integer codes: a lookup table is much faster than sorting.
        present = np.flatnonzero(np.bincount(values))
        lookup = np.full(int(values.max()) + 1, -1, dtype=np.int64)
        lookup[present] = np.arange(present.shape[0])
        return lookup[values], present
    labels, codes = np.unique(values, return_inverse=True)
    return codes.reshape(-1).astype(np.int64), labels


def _plain(label: object) -> object:
    """numpy scalars to Python ones, so they compare and print like the caller's dict keys."""
    return label.item() if isinstance(label, np.generic) else label


def _checked_weights(weights: npt.ArrayLike) -> FloatArray:
    array = np.array(weights, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise InputDataError("权数必须是非负的有限数。")
    return array


def _quote(values: list[object]) -> str:
    shown = "、".join(f"“{v}”" for v in values[:10])
    return shown + (f" 等 {len(values)} 个" if len(values) > 10 else "")
