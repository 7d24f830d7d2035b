"""Design-based estimates of means and proportions with Taylor-linearised standard errors.

What is computed, following R's survey package (svymean, svyby, svyrecvar, onestrat):

- the ratio estimator ȳ_d = Σ_{i∈d} w_i y_i / Σ_{i∈d} w_i;
- its influence values x_i = 1[i∈d] · w_i (y_i − ȳ_d) / Σ_{i∈d} w_i, zero outside the domain
  d (svyby's subsetting of a design keeps every PSU; it never drops the rest of the sample);
- if the weights were calibrated, the influence values are projected on each recorded
  calibration step in turn (svyrecvar's loop over `design$postStrata`);
- the with-replacement variance Σ_h n_h/(n_h−1) Σ_j (t_hj − t̄_h)², t_hj the PSU totals of x;
- the design effect v / v_srs with v_srs = s²_w (1/n − 1/N̂), s²_w = n/(n−1) Σw(y−ȳ)²/Σw
  (svymean(deff=TRUE)); a 95% confidence interval ȳ ± z_{0.975}·SE (confint);
- for a proportion (``proportion=True``: a 0/1 outcome), the interval of svyciprop(method="logit"):
  logit(p̂) ± t_{df, 0.975} · SE/(p̂(1−p̂)), back through expit, with df the design's degrees of
  freedom (PSUs − strata, R's degf); it never leaves [0, 1], where p̂ ± z·SE does near 0 or 1.

Projections are linear, so they are carried out on group sums rather than on n-vectors: every
calibration term k adds −psw_k ⊙ C_k[g_k] to x, and the sums the next projection needs are
S_j(x) = S_j(x₀) − Σ_k M_jk C_k with M_jk the (small) cross-tables of the terms' groups. All
domains of a variable are handled at once; the cost is a handful of bincounts per variable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from .design import CalibrationStep, Design, ProjectionTerm, weighted_counts
from .errors import InputDataError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Estimate:
    """A mean or proportion for the population or one domain (level of a `by` variable)."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    deff: float
    by: str = ""
    level: str = ""

    def as_row(self) -> dict[str, object]:
        """The row printed by `kesu survey_estimate`."""
        return {
            "by": self.by,
            "level": self.level,
            "estimate": _json_float(self.estimate),
            "se": _json_float(self.se),
            "ci_low": _json_float(self.ci_low),
            "ci_high": _json_float(self.ci_high),
            "n": self.n,
        }


def estimate_mean(
    design: Design,
    y: npt.ArrayLike,
    domain_mask: npt.ArrayLike | None = None,
    *,
    na_rm: bool = False,
    confidence: float = 0.95,
    proportion: bool = False,
) -> Estimate:
    """Mean of y over the population, or over the domain where `domain_mask` is true."""
    mask = np.ones(design.n, dtype=bool) if domain_mask is None else np.asarray(domain_mask, dtype=bool)
    codes = np.where(mask, 0, -1).astype(np.int64)
    return estimate_levels(design, y, codes, [""], na_rm=na_rm, confidence=confidence, proportion=proportion)[
        0
    ]


def estimate_by(
    design: Design,
    y: npt.ArrayLike,
    by_codes: npt.ArrayLike,
    *,
    by: str = "",
    na_rm: bool = False,
    confidence: float = 0.95,
    proportion: bool = False,
) -> list[Estimate]:
    """One estimate per level of `by_codes` (sorted), each over the full design (svyby)."""
    codes, labels = np.unique(np.asarray(by_codes), return_inverse=True)
    return estimate_levels(
        design,
        y,
        labels.reshape(-1).astype(np.int64),
        [str(c) for c in codes],
        by=by,
        na_rm=na_rm,
        confidence=confidence,
        proportion=proportion,
    )


def estimate_levels(
    design: Design,
    y: npt.ArrayLike,
    level_codes: IntArray,
    level_labels: list[str],
    *,
    by: str = "",
    na_rm: bool = False,
    confidence: float = 0.95,
    proportion: bool = False,
) -> list[Estimate]:
    """Estimates for domains coded 0..L−1 (−1: in no domain); empty domains are left out.

    With ``proportion`` the outcome must be 0/1 and the interval is the logit one (svyciprop)."""
    values = np.asarray(y, dtype=np.float64).reshape(-1)
    codes = np.asarray(level_codes, dtype=np.int64).reshape(-1)
    if values.shape[0] != design.n or codes.shape[0] != design.n:
        raise InputDataError("结果变量、分组变量与样本设计的长度必须相同。")
    missing = np.isnan(values) & (codes >= 0)
    if missing.any():
        if not na_rm:
            raise InputDataError(
                f"结果变量有 {int(missing.sum())} 个缺失值：请先处理，或设 na_rm=True 只用有值的受访者。"
            )
        codes = np.where(missing, -1, codes)
    if proportion and not np.isin(values[codes >= 0], (0.0, 1.0)).all():
        raise InputDataError("比例的结果变量只能取 0 或 1。")
    sums = _domain_sums(design, values, codes, len(level_labels))
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    rows = []
    for level, label in enumerate(level_labels):
        if sums.weight[level] <= 0:
            continue
        se = float(np.sqrt(sums.variance[level]))
        mean = float(sums.mean[level])
        if proportion:
            low, high = logit_interval(mean, se, degrees_of_freedom(design, codes == level), confidence)
        else:
            low, high = mean - z * se, mean + z * se
        rows.append(Estimate(mean, se, low, high, int(sums.n[level]), float(sums.deff[level]), by, label))
    return rows


def degrees_of_freedom(design: Design, inside: npt.NDArray[np.bool_] | None = None) -> int:
    """R's degf: PSUs minus strata, counting (for a domain, as svyby's subset does) only the PSUs
    and strata that hold a member of it."""
    psus = np.unique(design.psu_index if inside is None else design.psu_index[inside])
    return int(psus.shape[0] - np.unique(design.psu_stratum[psus]).shape[0])


def logit_interval(p: float, se: float, df: int, confidence: float = 0.95) -> tuple[float, float]:
    """svyciprop(method="logit")'s interval: symmetric on the log-odds scale, so it stays in [0, 1].

    The log-odds' SE is the proportion's over p(1−p) (the delta method; svyglm's sandwich SE of the
    intercept of ``y ~ 1`` is the same), the quantile Student's t on the design's degrees of freedom
    (the normal one when the design has none). A proportion of 0 or 1 has no spread to show.
    """
    if not 0 < p < 1 or se <= 0 or not math.isfinite(se):
        return p, p
    level = 0.5 + confidence / 2
    quantile = t_quantile(level, df) if df > 0 else NormalDist().inv_cdf(level)
    centre, half = math.log(p / (1 - p)), quantile * se / (p * (1 - p))
    return _expit(centre - half), _expit(centre + half)


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def t_quantile(probability: float, df: int) -> float:
    """Student's t quantile (probability > 0.5) by bisection on its CDF; exact to 1e-12."""
    low, high = 0.0, 1.0
    while _t_cdf(high, df) < probability:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if _t_cdf(middle, df) < probability:
            low = middle
        else:
            high = middle
        if high - low < 1e-13:
            break
    return (low + high) / 2


def _t_cdf(t: float, df: int) -> float:
    """P(T ≤ t) for t ≥ 0: 1 − I_x(df/2, 1/2)/2 with x = df/(df + t²)."""
    return 1 - 0.5 * _incomplete_beta(df / (df + t * t), df / 2, 0.5)


def _incomplete_beta(x: float, a: float, b: float) -> float:
    """The regularised incomplete beta function I_x(a, b) by its continued fraction (Lentz)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x > (a + 1) / (a + b + 2):  # the fraction converges fast only below this point
        return 1 - _incomplete_beta(1 - x, b, a)
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < 1e-15:
            break
    return front * result / a


@dataclass(frozen=True)
class _DomainSums:
    weight: FloatArray
    mean: FloatArray
    variance: FloatArray
    deff: FloatArray
    n: IntArray


def _domain_sums(design: Design, y: FloatArray, codes: IntArray, n_levels: int) -> _DomainSums:
    inside = codes >= 0
    level = np.where(inside, codes, 0)
    w = np.where(inside, design.weights, 0.0)
    y0 = np.where(inside, y, 0.0)
    weight = weighted_counts(level, w, n_levels)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = weighted_counts(level, w * y0, n_levels) / weight
        centred = np.where(inside, y0 - mean[level], 0.0)
        resid = w * centred  # numerator of the influence value; divided by Σ_d w per level below
        psu_totals = _group_sums(design.psu_index, design.n_psu, resid, level, n_levels) / weight
        if design.is_calibrated:
            psu_totals = _calibrated_psu_totals(design, psu_totals, resid, level, n_levels, weight)
        variance = _stratified_variance(design, psu_totals, codes, n_levels)
        n = weighted_counts(level, inside, n_levels).astype(np.int64)
        n_nonzero = weighted_counts(level, inside & (design.weights != 0), n_levels)
        s2 = weighted_counts(level, resid * centred, n_levels) / weight * n_nonzero / (n_nonzero - 1)
        v_srs = s2 * (weight - n_nonzero) / (weight * n_nonzero)
        deff = np.where(weight >= n_nonzero, variance / v_srs, np.nan)  # svymean: NA when Σw < n
    return _DomainSums(weight, mean, variance, deff, n)


def _group_sums(
    groups: IntArray, n_groups: int, values: FloatArray, level: IntArray, n_levels: int
) -> FloatArray:
    """Σ values by (group, level) as an n_groups × n_levels matrix, in one bincount."""
    flat = weighted_counts(groups * n_levels + level, values, n_groups * n_levels)
    return flat.reshape(n_groups, n_levels)


@dataclass(frozen=True)
class _Projection:
    """Per design: the terms of all calibration steps, M_jk cross-tables and PSU × group sums."""

    terms: list[ProjectionTerm]
    cross: list[list[FloatArray]]  # cross[j][k][g, h] = Σ_i [g_j=g][g_k=h] multiplier_j psw_k
    psu_sums: list[FloatArray]  # psu_sums[k][p, h] = Σ_{i∈p} [g_k=h] psw_k


def _projection(design: Design) -> _Projection:
    cached = design.cache.get("projection")
    if isinstance(cached, _Projection):
        return cached
    terms = [term for step in design.calibration for term in step.terms]
    cross = [
        [
            weighted_counts(
                tj.codes * tk.n_groups + tk.codes, tj.multiplier * tk.psw, tj.n_groups * tk.n_groups
            ).reshape(tj.n_groups, tk.n_groups)
            for tk in terms
        ]
        for tj in terms
    ]
    psu_sums = [_group_sums(design.psu_index, design.n_psu, t.psw, t.codes, t.n_groups) for t in terms]
    projection = _Projection(terms, cross, psu_sums)
    design.cache["projection"] = projection
    return projection


def _calibrated_psu_totals(
    design: Design,
    psu_totals: FloatArray,
    resid: FloatArray,
    level: IntArray,
    n_levels: int,
    weight: FloatArray,
) -> FloatArray:
    """PSU totals of the influence values after svyrecvar's calibration projections."""
    projection = _projection(design)
    start = [
        _group_sums(t.codes, t.n_groups, resid * t.multiplier, level, n_levels) / weight
        for t in projection.terms
    ]
    corrections = [np.zeros((t.n_groups, n_levels)) for t in projection.terms]
    first = 0
    for step in design.calibration:
        indices = list(range(first, first + len(step.terms)))
        if step.kind == "sequential":
            _sequential(step, indices, projection, start, corrections)
        else:
            _joint(indices, projection, start, corrections)
        first += len(step.terms)
    for sums, correction in zip(projection.psu_sums, corrections, strict=True):
        psu_totals = psu_totals - sums @ correction
    return psu_totals


def _current_sums(
    j: int, projection: _Projection, start: list[FloatArray], corrections: list[FloatArray]
) -> FloatArray:
    """S_j(x) for the current x = x₀ − Σ_k psw_k ⊙ C_k[g_k]."""
    current = start[j].copy()
    for k, correction in enumerate(corrections):
        current -= projection.cross[j][k] @ correction
    return current


def _sequential(
    step: CalibrationStep,
    indices: list[int],
    projection: _Projection,
    start: list[FloatArray],
    corrections: list[FloatArray],
) -> None:
    # postStratify: x ← x − psw·rowsum(x·oldw/psw)/Σ_g oldw; raking: x ← x − psw·ave(x/psw).
    # Both are C_j += S_j(x) / Σ_g multiplier·psw, the diagonal of M_jj.
    for _ in range(step.cycles):
        for j in indices:
            denominator = np.diag(projection.cross[j][j])[:, np.newaxis]
            corrections[j] += _current_sums(j, projection, start, corrections) / denominator


def _joint(
    indices: list[int], projection: _Projection, start: list[FloatArray], corrections: list[FloatArray]
) -> None:
    # GREG projection: β solves (X'W₀X)β = X'(x/g). X holds every category of the first
    # margin and all but the first category of the others, a full-rank basis of the same
    # space as R's model.matrix(~a+b+...) (intercept plus treatment contrasts).
    kept = [(j, slice(0 if pos == 0 else 1, None)) for pos, j in enumerate(indices)]
    rhs = np.vstack([_current_sums(j, projection, start, corrections)[rows] for j, rows in kept])
    gram = np.block([[projection.cross[j][k][rows_j, rows_k] for k, rows_k in kept] for j, rows_j in kept])
    beta = np.linalg.lstsq(gram, rhs, rcond=None)[0]
    offset = 0
    for j, rows in kept:
        size = projection.terms[j].n_groups - (rows.start or 0)
        corrections[j][rows] += beta[offset : offset + size]
        offset += size


def _stratified_variance(
    design: Design, psu_totals: FloatArray, codes: IntArray, n_levels: int
) -> FloatArray:
    """Σ_h n_h/(n_h−1) Σ_j (t_hj − t̄_h)², with R's survey.lonely.psu rules for n_h = 1."""
    counts = design.psus_per_stratum
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    stratum_sums = np.add.reduceat(psu_totals, starts, axis=0)
    deviations = psu_totals - np.repeat(stratum_sums / counts[:, np.newaxis], counts, axis=0)
    squares = np.add.reduceat(deviations**2, starts, axis=0)
    lonely = counts == 1
    scale = np.where(lonely, 0.0, counts / np.maximum(counts - 1, 1))
    variance = scale @ squares
    if design.lonely_psu == "adjust" and lonely.any():
        # onestrat() does not centre a lonely PSU: its total is compared with 0, the grand mean
        # of the influence values.
        variance = variance + (stratum_sums[lonely] ** 2).sum(axis=0)
    if design.lonely_psu == "average" and lonely.any():
        variance = variance * _average_scaling(design, codes, n_levels, lonely)
    return np.asarray(variance, dtype=np.float64)


def _average_scaling(
    design: Design, codes: IntArray, n_levels: int, lonely: npt.NDArray[np.bool_]
) -> FloatArray:
    """multistage(): variance × nstrat / nokstrat, counting the strata the estimate uses.

    An uncalibrated design is subset to the domain (strata without domain rows disappear);
    a calibrated one keeps all rows with zero weight, so all strata count.
    """
    n_strata = np.full(n_levels, float(lonely.shape[0]))
    n_lonely = np.full(n_levels, float(lonely.sum()))
    if not design.is_calibrated:
        inside = codes >= 0
        per_psu = _group_sums(
            design.psu_index, design.n_psu, inside.astype(np.float64), np.where(inside, codes, 0), n_levels
        )
        starts = np.concatenate(([0], np.cumsum(design.psus_per_stratum)[:-1]))
        present = np.add.reduceat(per_psu, starts, axis=0) > 0
        n_strata = present.sum(axis=0).astype(np.float64)
        n_lonely = present[lonely].sum(axis=0).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(n_strata / (n_strata - n_lonely), dtype=np.float64)


def _json_float(value: float) -> float | None:
    return value if np.isfinite(value) else None
