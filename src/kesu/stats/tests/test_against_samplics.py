"""Agreement with samplics where it applies: Taylor SEs with fixed weights, and raking."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from kesu.stats import Design, estimate_by, estimate_mean, rake
from kesu.stats.synthetic import make_survey

samplics_estimation = pytest.importorskip(
    "samplics.estimation", reason="samplics 未安装：交叉核对是可选的（pip install -e '.[crosscheck]'）"
)
samplics_weighting = pytest.importorskip(
    "samplics.weighting", reason="samplics 未安装：交叉核对是可选的（pip install -e '.[crosscheck]'）"
)
from samplics.utils.types import PopParam  # noqa: E402

SURVEY = make_survey(3000, n_strata=10, mean_cluster=25, seed=99)
Y = SURVEY.literate


def _taylor(domain: np.ndarray | None = None) -> tuple[object, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator = samplics_estimation.TaylorEstimator(PopParam.mean)
        estimator.estimate(
            y=Y, samp_weight=SURVEY.weight, stratum=SURVEY.stratum, psu=SURVEY.psu, domain=domain
        )
    return estimator.point_est, estimator.stderror


def test_overall_mean_and_se_equal_samplics_taylor_estimator() -> None:
    ours = estimate_mean(Design(SURVEY.stratum, SURVEY.psu, SURVEY.weight), Y)
    point, se = _taylor()
    assert ours.estimate == pytest.approx(float(point), abs=1e-12)  # type: ignore[arg-type]
    assert ours.se == pytest.approx(float(se), rel=1e-10)  # type: ignore[arg-type]


def test_domain_means_and_ses_equal_samplics_taylor_estimator() -> None:
    edu = SURVEY.demographics["edu"]
    ours = estimate_by(Design(SURVEY.stratum, SURVEY.psu, SURVEY.weight), Y, edu)
    points, ses = _taylor(edu)
    for e in ours:
        assert e.estimate == pytest.approx(points[int(e.level)], abs=1e-12)  # type: ignore[index]
        assert e.se == pytest.approx(ses[int(e.level)], rel=1e-10)  # type: ignore[index]


def test_raked_weights_equal_samplics_raking() -> None:
    sex, age = SURVEY.demographics["sex"], SURVEY.demographics["agegrp"]
    control = {"sex": {0: 520.0e3, 1: 480.0e3}, "agegrp": {0: 150e3, 1: 200e3, 2: 250e3, 3: 220e3, 4: 180e3}}
    ours = rake(
        SURVEY.weight,
        {"sex": (sex, control["sex"]), "agegrp": (age, control["agegrp"])},
        epsilon=1e-14,
        max_iter=500,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = samplics_weighting.SampleWeight().rake(
            SURVEY.weight,
            {"sex": sex, "agegrp": age},
            control=control,
            tol=1e-14,
            ctrl_tol=1e-14,
            max_iter=500,
        )
    assert np.max(np.abs(ours.weights / theirs - 1.0)) < 1e-9
