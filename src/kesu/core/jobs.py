"""Long work in background workers (django-tasks, database backend) with progress users can watch.

A Job row is what users see; the django-tasks result is the worker's queue entry. Both live in
the database, so queued work survives a restart and any number of ``kesu db_worker`` processes,
on any number of machines sharing the database, can take it.

A worker can also die mid-job (killed, out of memory, the machine restarted) and then nothing would
ever finish the row: it would spin at "运行中 60%" forever. So a running job beats: its progress
updates and a beat thread stamp ``heartbeat_at``. A running job whose beat is older than
``KESU_JOB_STALE_SECONDS`` has lost its worker; ``recover_stale_jobs`` (run by every worker at
start-up and between tasks, and by the job page as it polls) marks it failed with a reason in
Chinese, or queues it once more when its kind is safe to run twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django_tasks import task
from django_tasks.backends.database.backend import DatabaseBackend
from django_tasks.signals import task_enqueued
from django_tasks.utils import json_normalize

from kesu.core import rows
from kesu.core.models import Job, JobStatus

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.regions.models import Region

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]
JobRunner = Callable[[Job, Progress], None]
_RUNNERS: dict[str, JobRunner] = {}
_RETRY_SAFE: set[str] = set()
_RESULTS: dict[str, tuple[str, str]] = {}  # kind → (link text, URL name of the page showing its result)
MAX_ATTEMPTS = 2  # a job safe to retry runs at most twice: a job that kills its worker each time stops
INTERRUPTED = "后台任务进程中断，任务未完成，请重新提交。"
REQUEUED = "后台任务进程中断，已重新排队，将自动重试。"
UNEXPECTED = "失败：后台任务出错，请稍后重试；如仍失败，请联系系统管理员。"


def job_kind(
    kind: str, *, retry_safe: bool = False, results: tuple[str, str] | None = None
) -> Callable[[JobRunner], JobRunner]:
    """Register the function that does one kind of job. ``retry_safe``: running it again from the
    start after an interrupted run does no harm (it only reads, or its writes are idempotent), so a
    job whose worker died is queued once more instead of failed. ``results``: the link text and URL
    name of the list the job writes to (an import's registry), offered on the job's page."""

    def register(runner: JobRunner) -> JobRunner:
        _RUNNERS[kind] = runner
        if results is not None:
            _RESULTS[kind] = results
        if retry_safe:
            _RETRY_SAFE.add(kind)
        else:
            _RETRY_SAFE.discard(kind)
        return runner

    return register


def results_link(job: Job) -> tuple[str, str] | None:
    """The link text and URL of the list a job of this kind writes to; None for other kinds."""
    found = _RESULTS.get(job.kind)
    return (found[0], reverse(found[1])) if found is not None else None


def start_job(actor: User, kind: str, title: str, *, region: Region | None = None, **params: Any) -> Job:
    if kind not in _RUNNERS:
        raise KeyError(f"unknown job kind {kind}")
    job = Job.objects.create(kind=kind, title=title, created_by=actor, region=region, params=params)
    _enqueue_after_commit(job.pk)
    return job


def start_or_join_job(
    actor: User, kind: str, title: str, *, region: Region | None = None, **params: Any
) -> Job:
    """The same work already queued or running for this person, or a new job.

    A reload, a double click or a second tab asks for the same export again; one job serves them all
    instead of several workers writing the same file. A job whose worker stopped beating is not joined.
    """
    unfinished = Job.objects.filter(
        kind=kind,
        created_by=actor,
        region=region,
        params=params,
        status__in=(JobStatus.QUEUED, JobStatus.RUNNING),
        created_at__gte=timezone.now() - stale_after() * 4,
    ).first()
    return unfinished or start_job(actor, kind, title, region=region, **params)


def _enqueue_after_commit(job_id: int) -> None:
    # Enqueue after commit so a worker never picks up a job whose row it cannot see yet.
    transaction.on_commit(lambda: run_job.enqueue(job_id))


def stale_after() -> timedelta:
    return timedelta(seconds=settings.KESU_JOB_STALE_SECONDS)


def beat_interval() -> float:
    """Seconds between beats: several per stale period, so one slow beat does not fail a live job."""
    return max(0.5, settings.KESU_JOB_STALE_SECONDS / 4)


@task()
def run_job(job_id: int) -> None:
    job = Job.objects.get(pk=job_id)
    if job.is_finished:
        return  # a retried delivery of work already done
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.RUNNING, progress=0, heartbeat_at=timezone.now(), attempts=F("attempts") + 1
    )
    job.refresh_from_db(fields=["status", "progress", "heartbeat_at", "attempts"])

    def progress(percent: int, message: str) -> None:
        Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
            progress=max(0, min(100, percent)), message=message[:500], heartbeat_at=timezone.now()
        )

    try:
        with _beating(job_id):
            _RUNNERS[job.kind](job, progress)
    except Exception as error:  # the job page must say it failed rather than spin forever
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, message=failure_message(error), finished_at=timezone.now()
        )
        raise
    Job.objects.filter(pk=job_id).update(status=JobStatus.SUCCEEDED, progress=100, finished_at=timezone.now())


def failure_message(error: Exception) -> str:
    """What the job page says: the job's own words when it raised a message in Chinese, otherwise a
    plain Chinese sentence (a library's English traceback text means nothing to the office)."""
    text = str(error)
    if any("\u4e00" <= char <= "\u9fff" for char in text):
        return f"失败：{text}"[:500]
    logger.exception("job failed")
    return UNEXPECTED


@contextmanager
def _beating(job_id: int) -> Iterator[None]:
    """Stamp the job's heartbeat from a side thread while its work runs (work between two progress
    reports may take minutes). The thread has its own database connection and closes it."""
    done = threading.Event()

    def beat() -> None:
        try:
            while not done.wait(beat_interval()):
                try:
                    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:  # a busy database: the next beat tries again
                    logger.warning("job %s: heartbeat not written", job_id, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"job-{job_id}-beat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=5)


def recover_stale_jobs(jobs: Any = None) -> int:
    """Fail, or queue again when safe, each running job (of ``jobs``, default all) whose worker stopped
    beating. Returns how many were recovered. Safe to run from many processes at once: each job is
    claimed with a conditional update, so only one of them recovers it."""
    cutoff = timezone.now() - stale_after()
    queryset = Job.objects.all() if jobs is None else jobs
    stale = queryset.filter(status=JobStatus.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    recovered = 0
    for job in stale.only("pk", "kind", "attempts", "heartbeat_at"):
        claim = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, heartbeat_at=job.heartbeat_at)
        if job.kind in _RETRY_SAFE and job.attempts < MAX_ATTEMPTS:
            with transaction.atomic():
                if claim.update(status=JobStatus.QUEUED, progress=0, message=REQUEUED, heartbeat_at=None):
                    _enqueue_after_commit(job.pk)
                    recovered += 1
        elif claim.update(status=JobStatus.FAILED, message=INTERRUPTED, finished_at=timezone.now()):
            recovered += 1
    if recovered:
        logger.warning("recovered %s job(s) whose worker stopped", recovered)
    return recovered


def enqueue_written_out(queued_task: Any, *args: Any) -> Any:
    """``queued_task.enqueue(*args)`` inside the caller's transaction, its queue row written out.

    The row is the one django-tasks builds for its database queue; only the ORM's work of building the
    INSERT is skipped (``core.rows.insert``), which was a third of a submit's own CPU at a deadline
    (docs/reporting.md). Any other queue, or a task queued on commit, is enqueued as usual. Returns
    the task's result handle, as ``enqueue`` does."""
    backend = queued_task.get_backend()
    if not isinstance(backend, DatabaseBackend) or queued_task.enqueue_on_commit is not False:
        return queued_task.enqueue(*args)
    backend.validate_task(queued_task)
    row = backend._task_to_db_task(queued_task, json_normalize(args), {})
    rows.insert(row)
    result = row.task_result
    task_enqueued.send(type(backend), task_result=result)
    return result
