"""The survey's shares (具备科学素质, each grade) carry svyciprop's logit interval: never below 0 or above 100%."""

from __future__ import annotations

import pytest

from kesu import stats
from kesu.stats.estimation import degrees_of_freedom, logit_interval
from kesu.survey.models import Estimate, Respondent
from kesu.survey.tests.conftest import response_rows, towns_of
from kesu.survey.tests.test_survey import estimate, import_responses

pytestmark = pytest.mark.django_db


def test_every_share_of_a_wave_has_an_interval_inside_0_and_100_percent_and_the_score_a_symmetric_one(
    world, client_for, pingyin_wave, django_capture_on_commit_callbacks
) -> None:
    office = client_for(world.py_office)
    import_responses(office, pingyin_wave, response_rows(towns_of(world.pingyin)))
    estimate(office, pingyin_wave, django_capture_on_commit_callbacks)
    shares = Estimate.objects.exclude(outcome="score")
    assert shares.exists()
    for row in shares:
        assert 0 <= row.ci_low <= row.estimate <= row.ci_high <= 1, (row.outcome, row.by, row.level)
    respondents = list(Respondent.objects.order_by("pk").select_related("unit"))
    design = stats.Design(
        [r.unit.stratum for r in respondents],
        [r.unit.psu for r in respondents],
        [r.result.weight for r in respondents],
    )
    stored = Estimate.objects.get(outcome="literate", by="")
    logit = logit_interval(stored.estimate, stored.se, degrees_of_freedom(design))
    assert (stored.ci_low, stored.ci_high) == pytest.approx(logit, rel=1e-12)
    score = Estimate.objects.get(outcome="score", by="")
    assert score.ci_high - score.estimate == pytest.approx(score.estimate - score.ci_low)
