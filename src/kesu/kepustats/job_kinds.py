"""Job kind of the 科普统计: re-pre-filling a whole round's forms (a city's 60 units) in a worker."""

from __future__ import annotations

from kesu.core.jobs import Progress, job_kind
from kesu.core.models import Job
from kesu.kepustats import actions
from kesu.kepustats.models import StatisticsForm

PREFILL_JOB = "kepustats_prefill"


@job_kind(PREFILL_JOB, retry_safe=True)  # pre-filling twice writes the same figures and keeps typed ones
def prefill_round(job: Job, progress: Progress) -> None:
    forms = StatisticsForm.objects.filter(report__cycle_id=job.params["cycle_id"])
    result = actions.prefill_forms(job.created_by, forms, progress)
    progress(
        100, f"已预填 {result.forms} 张统计表：写入 {result.written} 个数，保留单位填报的 {result.kept} 个数"
    )
