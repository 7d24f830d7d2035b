"""A background job finished: its owner is told, with a link to the job's page (result, or the reason).

Core's jobs run as django-tasks tasks (``core.jobs.run_job``); django-tasks sends ``task_finished``
after each task, in the worker (or inline with the immediate backend). Listening to it keeps core
unaware of messages. Connected by ``connect()`` from the app's ``ready``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django_tasks.signals import task_finished

from kesu.core.models import Job, JobStatus
from kesu.messaging import actions

RUN_JOB = "kesu.core.jobs.run_job"
log = logging.getLogger("kesu.messaging")


def job_finished(job: Job) -> int:
    """Tell the job's owner it ended (once per attempt); nothing while it is still queued or running
    (a job put back in the queue after its worker died ends later)."""
    owner = job.created_by
    if owner is None or job.status not in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return 0
    if not Job.objects.visible_to(owner).filter(pk=job.pk).exists():
        return 0
    if job.status == JobStatus.SUCCEEDED:
        title = f"【已完成】{job.title}"
        body = "后台任务已完成，" + ("请打开下载结果文件。" if job.result_file else "请打开查看结果。")
    else:
        title = f"【未完成】{job.title}"
        body = f"后台任务未能完成：{job.message or '原因见任务页面'}。可修正后重新提交。"
    sent = actions.notify(
        [owner],
        "job_finished",
        title=title,
        body=body,
        url=job.get_absolute_url(),
        key=f"job:{job.pk}:{job.attempts}",
        region=job.region,
    )
    return len(sent)


def on_task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    task = getattr(task_result, "task", None)
    if getattr(task, "module_path", "") != RUN_JOB or not task_result.args:
        return
    job = Job.objects.select_related("created_by", "region").filter(pk=task_result.args[0]).first()
    if job is not None:
        transaction.on_commit(lambda: _quietly(job))


def _quietly(job: Job) -> None:
    """A message that cannot be stored must not disturb the worker: it is logged, the job stands."""
    try:
        job_finished(job)
    except Exception:
        log.exception("could not tell the owner of job %s", job.pk)


def connect() -> None:
    task_finished.connect(on_task_finished, dispatch_uid="kesu.messaging.job_finished")
