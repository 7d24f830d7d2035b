"""Agreement with R's survey package: stored reference results, and a live run when R is here.

fixtures/r_reference.R computes, with svydesign(ids=~psu, strata=~stratum, weights=~w,
nest=TRUE), svymean/svyby(deff=TRUE) and confint, the cases of reference_cases.py: base
weights, rake() with R's defaults and run to convergence, calibrate(calfun="raking"),
postStratify(), trimWeights() after rake(), and every survey.lonely.psu rule. The stored
outputs (r_estimates.csv, r_weights.csv) let CI without R check exact agreement.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kesu.stats.synthetic import make_survey, population_margins, write_margins, write_responses

from .reference_cases import FIXTURES, compare, compare_ciprop

# The agreement required: estimates within 1e-9, SEs and weights within 1e-6 relative.
ESTIMATE_TOLERANCE = 1e-9
RELATIVE_TOLERANCE = 1e-6
INTERVAL_TOLERANCE = 1e-8  # the logit interval carries the SE's 1e-6 relative error, scaled down


def _r_survey_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    check = subprocess.run(["Rscript", "-e", "library(survey)"], capture_output=True)
    return check.returncode == 0


def test_estimates_ses_and_weights_equal_the_stored_r_results() -> None:
    agreement = compare(FIXTURES)
    assert agreement.compared == 336
    assert agreement.max_abs_estimate < ESTIMATE_TOLERANCE
    assert agreement.max_rel_se < RELATIVE_TOLERANCE
    assert agreement.max_rel_deff < RELATIVE_TOLERANCE
    assert agreement.max_rel_weight < RELATIVE_TOLERANCE


def test_proportion_intervals_equal_rs_svyciprop_logit_in_every_case_and_domain() -> None:
    largest, compared = compare_ciprop(FIXTURES)
    assert compared == 168 and largest < INTERVAL_TOLERANCE


@pytest.mark.skipif(not _r_survey_available(), reason="Rscript with the survey package is not installed")
def test_estimates_ses_and_weights_equal_r_run_now_on_fresh_data(tmp_path: Path) -> None:
    survey = make_survey(1500, n_strata=12, mean_cluster=20, seed=20240917)
    write_responses(survey, tmp_path / "responses.csv")
    write_margins(population_margins(["sex", "agegrp", "urban"], total=2_500_000), tmp_path / "margins.csv")
    subprocess.run(
        ["Rscript", str(FIXTURES / "r_reference.R"), "responses.csv", "margins.csv", "."],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    agreement = compare(tmp_path)
    assert compare_ciprop(tmp_path)[0] < INTERVAL_TOLERANCE
    assert agreement.max_abs_estimate < ESTIMATE_TOLERANCE
    assert agreement.max_rel_se < RELATIVE_TOLERANCE
    assert agreement.max_rel_deff < RELATIVE_TOLERANCE
    assert agreement.max_rel_weight < RELATIVE_TOLERANCE
