"""Long work in background workers (django-tasks, database backend) with progress users can watch.

A Job row is what users see; the django-tasks result is the worker's queue entry. Both live in
the database, so queued work survives a restart and any number of ``kesu db_worker`` processes,
on any number of machines sharing the database, can take it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from kesu.core.models import Job, JobStatus

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.regions.models import Region

Progress = Callable[[int, str], None]
JobRunner = Callable[[Job, Progress], None]
_RUNNERS: dict[str, JobRunner] = {}


def job_kind(kind: str) -> Callable[[JobRunner], JobRunner]:
    """Register the function that does one kind of job."""

    def register(runner: JobRunner) -> JobRunner:
        _RUNNERS[kind] = runner
        return runner

    return register


def start_job(actor: User, kind: str, title: str, *, region: Region | None = None, **params: Any) -> Job:
    if kind not in _RUNNERS:
        raise KeyError(f"unknown job kind {kind}")
    job = Job.objects.create(kind=kind, title=title, created_by=actor, region=region, params=params)
    # Enqueue after commit so a worker never picks up a job whose row it cannot see yet.
    transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job


@task()
def run_job(job_id: int) -> None:
    job = Job.objects.get(pk=job_id)
    if job.is_finished:
        return  # a retried delivery of work already done
    Job.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, progress=0)

    def progress(percent: int, message: str) -> None:
        Job.objects.filter(pk=job_id).update(progress=max(0, min(100, percent)), message=message[:500])

    try:
        _RUNNERS[job.kind](job, progress)
    except Exception as error:  # the job page must say it failed rather than spin forever
        Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, message=f"失败：{error}"[:500],
                                             finished_at=timezone.now())
        raise
    Job.objects.filter(pk=job_id).update(status=JobStatus.SUCCEEDED, progress=100, finished_at=timezone.now())
