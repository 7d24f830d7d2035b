"""Design-based means, domains, calibration-adjusted and lonely-PSU standard errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kesu.stats import Design, InputDataError, LonelyPsuError, estimate_by, estimate_mean, poststratify, rake

# Hand-computed case: stratum A has PSUs a1 = {(y=1,w=1), (y=0,w=1)} and a2 = {(1,2)};
# stratum B has PSUs b1 = {(0,1)}, b2 = {(1,1)}, b3 = {(0,2)}.
STRATUM = np.array(["A", "A", "A", "B", "B", "B"])
PSU = np.array([1, 1, 2, 1, 2, 3])
W = np.array([1.0, 1.0, 2.0, 1.0, 1.0, 2.0])
Y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])


def test_the_tiny_case_matches_the_hand_computation() -> None:
    # ȳ = Σwy/Σw = 4/8. Influence x = w(y − ȳ)/Σw; PSU totals (in 96ths): a1 0, a2 12,
    # b1 −6, b2 6, b3 −12. A: 2/1 · (6² + 6²) = 144; B: mean −4, 3/2 · (2² + 10² + 8²) = 252.
    # var = (144 + 252)/96² = 0.04296875.
    estimate = estimate_mean(Design(STRATUM, PSU, W), Y)
    assert estimate.estimate == 0.5
    assert estimate.se == pytest.approx(math.sqrt(396 / 96**2), rel=1e-14)
    assert estimate.ci_low == pytest.approx(0.5 - 1.959963984540054 * estimate.se, rel=1e-14)
    assert estimate.n == 6


def test_the_tiny_case_design_effect_uses_svymeans_srs_variance() -> None:
    # s² = n/(n−1) Σw(y−ȳ)²/Σw = 6/5 · 2/8 = 0.3; v_srs = s²(1/n − 1/Σw) = 0.3 · (1/6 − 1/8).
    estimate = estimate_mean(Design(STRATUM, PSU, W * 10), Y)
    v_srs = 0.3 * (1 / 6 - 1 / 80)
    assert estimate.deff == pytest.approx(estimate.se**2 / v_srs, rel=1e-12)
    assert math.isnan(estimate_mean(Design(STRATUM, PSU, W), Y).deff) is False


def test_a_domain_keeps_every_psu_and_zeroes_influence_outside_it() -> None:
    rng = np.random.default_rng(11)
    design, y, domain = _random_design(rng, 300)
    ours = estimate_mean(design, y, domain)
    assert ours.estimate == pytest.approx(
        np.sum(design.weights * y * domain) / np.sum(design.weights * domain), rel=1e-13
    )
    assert ours.se == pytest.approx(
        math.sqrt(_naive_variance(design, _influence(design, y, domain))), rel=1e-12
    )
    assert ours.n == int(domain.sum())


def test_estimates_by_a_variable_equal_the_domain_estimates_one_by_one() -> None:
    rng = np.random.default_rng(12)
    design, y, _ = _random_design(rng, 300)
    groups = rng.choice(["乙", "甲", "丙"], 300)
    by = estimate_by(design, y, groups, by="group")
    assert [e.level for e in by] == sorted({"甲", "乙", "丙"})
    for e in by:
        single = estimate_mean(design, y, groups == e.level)
        assert (e.estimate, e.se, e.n, e.by) == (
            pytest.approx(single.estimate),
            pytest.approx(single.se),
            single.n,
            "group",
        )


def test_raked_standard_errors_follow_svyrecvars_ten_projection_cycles() -> None:
    rng = np.random.default_rng(13)
    design, y, domain = _random_design(rng, 400)
    sex, age = rng.choice(["男", "女"], 400), rng.choice(["青", "中", "老"], 400)
    result = rake(
        design.weights,
        {"sex": (sex, {"男": 500.0, "女": 500.0}), "age": (age, {"青": 300.0, "中": 400.0, "老": 300.0})},
    )
    raked = design.with_weights(result.weights, [result.calibration])
    x = _influence(raked, y, domain)
    for _ in range(10):  # R: for (margin in psvar) x <- x - psw * ave(x/psw, margin)
        for term in result.calibration.terms:
            x = x - term.psw * _group_mean(x / term.psw, term.codes)
    assert estimate_mean(raked, y, domain).se == pytest.approx(
        math.sqrt(_naive_variance(raked, x)), rel=1e-10
    )


def test_poststratified_standard_errors_follow_svyrecvar() -> None:
    rng = np.random.default_rng(14)
    design, y, _ = _random_design(rng, 300)
    cells = rng.choice(["a", "b", "c"], 300)
    result = poststratify(design.weights, cells, {"a": 100.0, "b": 200.0, "c": 300.0})
    post = design.with_weights(result.weights, [result.calibration])
    x, old, new = _influence(post, y, np.ones(300, bool)), design.weights, result.weights
    codes = np.unique(cells, return_inverse=True)[1]
    # R: psmeans <- rowsum(x*oldw/psw, psvar)/by(oldw, psvar, sum); x <- x - psmeans[psvar]*psw
    x = x - new * (np.bincount(codes, x * old / new) / np.bincount(codes, old))[codes]
    assert estimate_mean(post, y).se == pytest.approx(math.sqrt(_naive_variance(post, x)), rel=1e-10)


def test_calibration_reduces_the_variance_of_a_margin_variable_to_zero() -> None:
    rng = np.random.default_rng(15)
    design, _, _ = _random_design(rng, 300)
    sex = rng.choice(["男", "女"], 300)
    result = rake(design.weights, {"sex": (sex, {"男": 480.0, "女": 520.0})}, variance="calibrate")
    raked = design.with_weights(result.weights, [result.calibration])
    share = estimate_mean(raked, (sex == "女").astype(float))
    assert share.estimate == pytest.approx(0.52) and share.se < 1e-12


def test_a_single_psu_stratum_fails_naming_the_stratum_and_the_remedies() -> None:
    with pytest.raises(LonelyPsuError, match="“C”.*合并.*certainty.*adjust") as caught:
        Design(np.append(STRATUM, "C"), np.append(PSU, 1), np.append(W, 2.0))
    assert caught.value.strata == ["C"]


def test_certainty_drops_a_lonely_stratum_and_adjust_adds_its_squared_total() -> None:
    stratum, psu, w, y = np.append(STRATUM, "C"), np.append(PSU, 1), np.append(W, 2.0), np.append(Y, 1.0)
    certainty = estimate_mean(Design(stratum, psu, w, lonely_psu="certainty"), y)
    adjust = estimate_mean(Design(stratum, psu, w, lonely_psu="adjust"), y)
    # ȳ = 6/10; influence totals in 10ths: lonely PSU c1 = 2·(1 − 0.6)/10 = 0.08.
    assert adjust.se**2 - certainty.se**2 == pytest.approx(0.08**2, rel=1e-12)
    design = Design(stratum, psu, w, lonely_psu="certainty")
    assert certainty.se == pytest.approx(
        math.sqrt(_naive_variance(design, _influence(design, y, np.ones(7, bool))))
    )


def test_missing_outcomes_are_refused_unless_asked_to_drop_them() -> None:
    design = Design(STRATUM, PSU, W)
    y = Y.copy()
    y[0] = np.nan
    with pytest.raises(InputDataError, match="缺失值"):
        estimate_mean(design, y)
    dropped = estimate_mean(design, y, na_rm=True)
    assert dropped.n == 5 and dropped.estimate == pytest.approx(3 / 7)


def _random_design(rng: np.random.Generator, n: int) -> tuple[Design, np.ndarray, np.ndarray]:
    stratum = rng.integers(0, 5, n)
    psu = rng.integers(0, 4, n)
    weights = rng.uniform(1.0, 5.0, n)
    y = (rng.random(n) < 0.3 + 0.1 * stratum / 4).astype(float)
    return Design(stratum, psu, weights), y, rng.random(n) < 0.4


def _influence(design: Design, y: np.ndarray, domain: np.ndarray) -> np.ndarray:
    w = design.weights * domain
    return w * (y - np.sum(w * y) / np.sum(w)) / np.sum(w)


def _group_mean(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    return (np.bincount(codes, values) / np.bincount(codes))[codes]


def _naive_variance(design: Design, x: np.ndarray) -> float:
    """Σ_h n_h/(n_h − 1) Σ_j (t_hj − t̄_h)², PSU by PSU with dictionaries."""
    totals: dict[int, dict[int, float]] = {}
    for i, value in enumerate(x):
        stratum = int(design.psu_stratum[design.psu_index[i]])
        by_psu = totals.setdefault(stratum, {})
        by_psu[int(design.psu_index[i])] = by_psu.get(int(design.psu_index[i]), 0.0) + float(value)
    variance = 0.0
    for by_psu in totals.values():
        t = np.array(list(by_psu.values()))
        if t.size > 1:
            variance += t.size / (t.size - 1) * float(np.sum((t - t.mean()) ** 2))
    return variance


def test_a_rare_proportion_gets_an_interval_inside_zero_and_one_where_the_wald_one_goes_below_zero() -> None:
    # 2 literate of 60 in 6 clusters of 10, 3 strata: p̂ = 1/30, its Wald interval reaches below 0.
    design = Design(np.repeat([1, 1, 2, 2, 3, 3], 10), np.repeat(np.arange(6), 10), np.ones(60))
    y = np.zeros(60)
    y[[0, 1]] = 1
    wald = estimate_mean(design, y)
    logit = estimate_mean(design, y, proportion=True)
    assert wald.ci_low < 0 and logit.estimate == wald.estimate and logit.se == wald.se
    assert 0 < logit.ci_low < logit.estimate < logit.ci_high < 1
    # by hand: logit(1/30) ± t(0.975, 6 − 3 = 3) · SE / (p̂(1 − p̂)), back through expit
    p, half = 1 / 30, 3.182446305284263 * wald.se / (1 / 30 * 29 / 30)
    centre = math.log(p / (1 - p))
    assert logit.ci_low == pytest.approx(1 / (1 + math.exp(-(centre - half))), rel=1e-9)
    assert logit.ci_high == pytest.approx(1 / (1 + math.exp(-(centre + half))), rel=1e-9)


def test_a_proportion_of_nobody_or_everybody_is_that_figure_with_no_spread() -> None:
    design = Design([1, 1, 2, 2], [1, 2, 3, 4], np.ones(4))
    assert (
        estimate_mean(design, np.ones(4), proportion=True).ci_low,
        estimate_mean(design, np.ones(4), proportion=True).ci_high,
    ) == (1.0, 1.0)


def test_a_proportion_needs_a_zero_or_one_outcome() -> None:
    design = Design([1, 1, 2, 2], [1, 2, 3, 4], np.ones(4))
    with pytest.raises(InputDataError, match="只能取 0 或 1"):
        estimate_mean(design, np.array([0.0, 1.0, 2.0, 1.0]), proportion=True)


def test_students_t_quantiles_are_exact() -> None:
    from kesu.stats.estimation import t_quantile

    assert t_quantile(0.975, 1) == pytest.approx(12.706204736174694, rel=1e-12)
    assert t_quantile(0.975, 32) == pytest.approx(2.0369333434601016, rel=1e-12)
    assert t_quantile(0.975, 1000) == pytest.approx(1.9623390808264083, rel=1e-12)
