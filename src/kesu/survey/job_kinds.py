"""Job kinds of the survey app."""

from __future__ import annotations

from kesu.core.jobs import Progress, job_kind
from kesu.core.models import Job
from kesu.survey import actions
from kesu.survey.models import WeightingRun


@job_kind("survey_estimate")
def estimate_wave(job: Job, progress: Progress) -> None:
    """Scoring, weighting and estimation of one wave; a bad design fails the job with the stats core's message."""
    run = WeightingRun.objects.select_related("wave__instrument").get(pk=job.params["run_id"])
    actions.run_estimation(run, progress)
