"""Post-stratification, raking, trimming and weight diagnostics."""

from __future__ import annotations

import numpy as np
import pytest

from kesu.stats import (
    InputDataError,
    MarginMismatchError,
    RakingError,
    WeightDiagnostics,
    poststratify,
    rake,
    trim_weights,
)

SEX = np.array(["男", "男", "女", "女", "男", "女", "男", "女"])
URBAN = np.array(["城镇", "农村", "城镇", "农村", "城镇", "城镇", "农村", "城镇"])
BASE = np.array([1.0, 2.0, 1.0, 2.0, 1.5, 1.0, 3.0, 0.5])
MARGINS = {
    "sex": (SEX, {"男": 60.0, "女": 40.0}),
    "urban": (URBAN, {"城镇": 55.0, "农村": 45.0}),
}


def test_poststratification_scales_each_cell_to_its_population() -> None:
    result = poststratify([1.0, 1.0, 2.0, 2.0], ["a", "a", "b", "b"], {"a": 10.0, "b": 20.0})
    assert result.weights.tolist() == [5.0, 5.0, 10.0, 10.0]


def test_raking_reaches_every_margin() -> None:
    result = rake(BASE, MARGINS)
    for name, (values, population) in MARGINS.items():
        for category, count in population.items():
            assert result.weights[values == category].sum() == pytest.approx(count, rel=1e-9), name
    assert result.converged and result.iterations >= 2


def test_raked_weights_have_the_multiplicative_form_of_iterative_proportional_fitting() -> None:
    # IPF multiplies each weight by a factor per category of each margin: g = a_sex · b_urban.
    g = rake(BASE, MARGINS).weights / BASE
    factor = {(s, u): g[(s == SEX) & (u == URBAN)] for s in ("男", "女") for u in ("城镇", "农村")}
    assert all(np.ptp(v) < 1e-12 for v in factor.values())
    assert factor["男", "城镇"][0] * factor["女", "农村"][0] == pytest.approx(
        factor["男", "农村"][0] * factor["女", "城镇"][0]
    )


def test_a_category_in_the_data_missing_from_the_margins_is_named() -> None:
    margins = {"sex": (SEX, {"男": 60.0}), "urban": MARGINS["urban"]}
    with pytest.raises(MarginMismatchError, match="“sex”.*“女”"):
        rake(BASE, margins)


def test_a_margin_category_absent_from_the_data_is_named() -> None:
    margins = {"sex": MARGINS["sex"], "urban": (URBAN, {"城镇": 50.0, "农村": 40.0, "牧区": 10.0})}
    with pytest.raises(MarginMismatchError, match="“urban”.*“牧区”"):
        rake(BASE, margins)


def test_margins_describing_different_population_totals_are_refused() -> None:
    margins = {"sex": MARGINS["sex"], "urban": (URBAN, {"城镇": 55.0, "农村": 55.0})}
    with pytest.raises(MarginMismatchError, match="合计不一致"):
        rake(BASE, margins)


def test_raking_that_does_not_converge_names_the_margin_furthest_off() -> None:
    with pytest.raises(RakingError, match="“sex”") as caught:
        rake(BASE, MARGINS, epsilon=1e-15, max_iter=1)
    assert caught.value.margin == "sex"  # the last margin fitted (urban) is exact after a sweep


def test_trimming_spreads_the_amount_cut_equally_like_r_trimweights() -> None:
    trimmed = trim_weights([1.0, 2.0, 3.0, 10.0], upper=5.0)
    assert trimmed.tolist() == pytest.approx([1 + 5 / 3, 2 + 5 / 3, 3 + 5 / 3, 5.0])
    assert trimmed.sum() == pytest.approx(16.0)


def test_strict_trimming_repeats_until_no_weight_is_outside() -> None:
    trimmed = trim_weights([1.0, 1.0, 2.0, 10.0], upper=4.0, strict=True)
    assert trimmed.max() <= 4.0 + 1e-12 and trimmed.sum() == pytest.approx(14.0)


def test_strict_trimming_to_impossible_bounds_is_refused() -> None:
    with pytest.raises(InputDataError, match="上下限"):
        trim_weights([1.0, 1.0, 1.0, 10.0], upper=3.0, strict=True)


def test_raking_with_bounds_keeps_weights_inside_them_and_still_meets_the_margins() -> None:
    rng = np.random.default_rng(3)
    sex, urban = rng.choice(["男", "女"], 400), rng.choice(["城镇", "农村"], 400, p=[0.8, 0.2])
    base = rng.uniform(0.5, 1.5, 400)
    margins = {"sex": (sex, {"男": 250.0, "女": 250.0}), "urban": (urban, {"城镇": 250.0, "农村": 250.0})}
    free = rake(base, margins)
    bounded = rake(base, margins, trim=(0.3, 4.0))
    assert free.weights.max() > 4.0
    assert bounded.weights.max() <= 4.0 * (1 + 1e-6) and bounded.trimmed > 0
    assert bounded.weights[urban == "农村"].sum() == pytest.approx(250.0)


def test_kish_design_effect_is_one_plus_the_squared_coefficient_of_variation() -> None:
    diagnostics = WeightDiagnostics.of(np.array([1.0, 1.0, 2.0, 2.0]))
    assert diagnostics.kish_deff == pytest.approx(4 * 10 / 36)  # n Σw² / (Σw)²
    assert diagnostics.efficiency == pytest.approx(36 / 40)
    assert diagnostics.cv == pytest.approx(np.std([1, 1, 2, 2]) / 1.5)
    assert (diagnostics.minimum, diagnostics.maximum) == (1.0, 2.0)


def test_raking_reports_diagnostics_before_and_after() -> None:
    result = rake(BASE, MARGINS)
    assert result.before.total == pytest.approx(BASE.sum())
    assert result.after.total == pytest.approx(100.0)
    assert result.margin_totals["sex"]["女"] == pytest.approx(40.0)


def test_margins_that_contradict_each_other_through_empty_cells_are_named_not_silently_missed() -> None:
    # Every man is urban and every woman rural, so 52% men and 40% urban cannot both hold. The
    # sweeps settle at once on the same weights (R's rake() stops there without a warning).
    sex = np.array(["男", "男", "女", "女"])
    urban = np.array(["城镇", "城镇", "农村", "农村"])
    margins = {"sex": (sex, {"男": 52.0, "女": 48.0}), "urban": (urban, {"城镇": 40.0, "农村": 60.0})}
    with pytest.raises(RakingError, match="边际“sex”") as caught:
        rake(np.ones(4), margins)
    assert caught.value.margin == "sex" and "合并" in caught.value.message
