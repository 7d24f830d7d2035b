"""Job kinds of the survey app."""

from __future__ import annotations

from pathlib import Path

from kesu.core import uploads
from kesu.core.jobs import Progress, job_kind
from kesu.core.models import Job
from kesu.survey import actions
from kesu.survey.models import Wave, WeightingRun


@job_kind("survey_estimate")
def estimate_wave(job: Job, progress: Progress) -> None:
    """Scoring, weighting and estimation of one wave; a bad design fails the job with the stats core's message."""
    run = WeightingRun.objects.select_related("wave__instrument").get(pk=job.params["run_id"])
    actions.run_estimation(run, progress)


@job_kind(actions.RESPONSES_JOB)
def import_response_file(job: Job, progress: Progress) -> None:
    """A large questionnaire file checked and stored all or nothing; the held file goes whatever happens."""
    params = job.params
    try:
        data = Path(params["path"]).read_bytes()
        wave = Wave.objects.select_related("instrument", "region").get(pk=params["wave_id"])
        progress(5, "正在读取文件")
        count = actions.import_responses(job.created_by, wave, data, params["filename"], progress)
    finally:
        uploads.release(params.get("path", ""))
    progress(100, f"已导入 {count} 份问卷")


@job_kind(actions.WAVE_FILE_JOB)
def import_wave_file(job: Job, progress: Progress) -> None:
    """A large sample frame or margins file, checked and stored all or nothing; the held file goes whatever happens."""
    params = job.params
    importer = {"frame": actions.import_frame, "margins": actions.import_margins}[params["file_kind"]]
    try:
        data = Path(params["path"]).read_bytes()
        wave = Wave.objects.select_related("instrument", "region").get(pk=params["wave_id"])
        progress(10, "正在读取并检查文件")
        count = importer(job.created_by, wave, data, params["filename"])
    finally:
        uploads.release(params.get("path", ""))
    progress(100, f"已导入 {count} 行")
