"""Jobs that recover: a job whose worker died is failed with a reason (or run again once, when that is
safe) instead of spinning at "运行中 60%" forever."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from kesu.core import jobs
from kesu.core.jobs import INTERRUPTED, REQUEUED, job_kind, recover_stale_jobs, start_job
from kesu.core.models import Job, JobStatus
from kesu.testing import World


def stale_job(world: World, kind: str = "audit_export", *, attempts: int = 1, **fields: Any) -> Job:
    """A job a worker took and then stopped beating for (killed mid-job), at 60 %."""
    long_ago = timezone.now() - jobs.stale_after() - timedelta(seconds=5)
    return Job.objects.create(
        kind=kind,
        title="导出审计日志",
        created_by=world.pds_office,
        status=JobStatus.RUNNING,
        progress=60,
        heartbeat_at=long_ago,
        attempts=attempts,
        **fields,
    )


@pytest.mark.django_db
def test_polling_a_job_whose_worker_died_shows_the_failure_instead_of_a_spinner(
    world: World, client_for: Any
) -> None:
    job = stale_job(world, "always_slow_never_retried")
    page = client_for(world.pds_office).get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})
    text = page.content.decode()
    assert "失败" in text and INTERRUPTED in text and "hx-trigger" not in text
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at is not None


@pytest.mark.django_db
def test_a_job_still_beating_is_left_running(world: World) -> None:
    job = stale_job(world)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    assert recover_stale_jobs() == 0
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING


@pytest.mark.django_db
def test_a_job_safe_to_retry_runs_again_once_and_then_is_failed(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    first = stale_job(world, attempts=1)
    with django_capture_on_commit_callbacks() as queued:
        assert recover_stale_jobs() == 1
    first.refresh_from_db()
    assert first.status == JobStatus.QUEUED and first.message == REQUEUED and len(queued) == 1
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:  # enqueued again: the worker (here the immediate backend) runs it
            callback()
    first.refresh_from_db()
    assert first.status == JobStatus.SUCCEEDED and first.attempts == 2 and first.result_file

    second = stale_job(world, attempts=2)  # interrupted on its second run as well
    assert recover_stale_jobs() == 1
    second.refresh_from_db()
    assert second.status == JobStatus.FAILED and second.message == INTERRUPTED


@pytest.mark.django_db
def test_progress_stamps_the_heartbeat(world: World, django_capture_on_commit_callbacks: Any) -> None:
    beats: list[Any] = []

    @job_kind("test.records_its_beat")
    def records_its_beat(job: Job, progress: Any) -> None:
        progress(30, "读取中")
        beats.append(Job.objects.get(pk=job.pk).heartbeat_at)

    with django_capture_on_commit_callbacks(execute=True):
        start_job(world.pds_office, "test.records_its_beat", "测试")
    assert beats and beats[0] is not None and timezone.now() - beats[0] < timedelta(seconds=30)


@pytest.mark.django_db
def test_a_job_that_breaks_with_an_english_error_says_so_in_chinese(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    @job_kind("test.breaks_in_english")
    def breaks(job: Job, progress: Any) -> None:
        raise ValueError("All strings must be XML compatible")

    with django_capture_on_commit_callbacks(execute=True):
        start_job(world.pds_office, "test.breaks_in_english", "测试")
    job = Job.objects.get(kind="test.breaks_in_english")
    assert job.status == JobStatus.FAILED and job.message == jobs.UNEXPECTED


# ---- a real worker, killed with SIGKILL ---------------------------------------------------------------

# Two job kinds both the seeding script and the workers register: one that is not safe to run twice,
# one that is. Each reports 60 % and then works for ever on its first run (the kill comes meanwhile).
KINDS = textwrap.dedent(
    """
    import time
    from kesu.core.jobs import job_kind

    @job_kind("test.slow")
    def slow(job, progress):
        progress(60, "处理中")
        time.sleep(600)

    @job_kind("test.slow_retry_safe", retry_safe=True)
    def slow_retry_safe(job, progress):
        progress(60, "处理中")
        if job.attempts == 1:
            time.sleep(600)
    """
)
SEED = textwrap.dedent(
    """
    import django
    django.setup()
    import kinds
    from django.db import transaction
    from kesu.accounts.models import User
    from kesu.core.jobs import start_job

    clerk = User.objects.create(username="clerk")
    with transaction.atomic():
        start_job(clerk, "test.slow", "不可重试的任务")
    with transaction.atomic():
        start_job(clerk, "test.slow_retry_safe", "可重试的任务")
    """
)
WORKER = textwrap.dedent(
    """
    import django
    django.setup()
    import kinds
    from django.core.management import call_command

    call_command("db_worker", "--no-startup-delay", "--interval", "0.2")
    """
)
STALE_SECONDS = 5  # beats every 1.25 s: a loaded test machine still beats in time


class Site:
    """A Kesu installation in a directory: a SQLite file database, its workers and their logs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "kinds.py").write_text(KINDS)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kesu.settings",
            "DATABASE_URL": f"sqlite:///{root / 'kesu.sqlite3'}",
            "KESU_DATA_DIR": str(root),
            "KESU_JOB_STALE_SECONDS": str(STALE_SECONDS),
            "PYTHONPATH": os.pathsep.join([str(root), *sys.path]),
        }
        self.workers = 0

    def run(self, script: str) -> None:
        subprocess.run([sys.executable, "-c", script], env=self.env, cwd=self.root, check=True, timeout=300)

    def start_worker(self) -> subprocess.Popen[bytes]:
        self.workers += 1
        log = (self.root / f"worker-{self.workers}.log").open("wb")
        return subprocess.Popen(
            [sys.executable, "-c", WORKER], env=self.env, cwd=self.root, stdout=log, stderr=subprocess.STDOUT
        )

    def job(self, title: str) -> dict[str, Any]:
        with sqlite3.connect(self.root / "kesu.sqlite3", timeout=30) as db:
            db.row_factory = sqlite3.Row
            row = db.execute(
                "SELECT status, progress, message, attempts FROM core_job WHERE title = ?", (title,)
            ).fetchone()
        return dict(row)

    def wait_for(self, title: str, **expected: Any) -> dict[str, Any]:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = self.job(title)
            if all(job[key] == value for key, value in expected.items()):
                return job
            time.sleep(0.3)
        logs = "\n".join(
            p.read_text(errors="replace")[-2000:] for p in sorted(self.root.glob("worker-*.log"))
        )
        raise AssertionError(f"{title}: {self.job(title)}, expected {expected}\n{logs}")


def kill(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)


def test_a_worker_killed_mid_job_leaves_a_failed_job_or_one_run_again_not_a_spinner(tmp_path: Path) -> None:
    site = Site(tmp_path)
    site.run(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', verbosity=0)"
    )
    site.run(SEED)
    workers = []
    try:
        workers.append(site.start_worker())
        site.wait_for("不可重试的任务", status="running", progress=60)
        kill(workers[-1])
        assert site.job("不可重试的任务")["status"] == "running"  # nobody left to say otherwise

        # The next worker finds the job whose beat stopped and fails it with the reason, while it
        # takes the next job in the queue.
        workers.append(site.start_worker())
        failed = site.wait_for("不可重试的任务", status="failed")
        assert failed["message"] == INTERRUPTED
        site.wait_for("可重试的任务", status="running", progress=60, attempts=1)
        kill(workers[-1])

        # A job safe to run twice is queued again and, on its second run, finishes.
        workers.append(site.start_worker())
        done = site.wait_for("可重试的任务", status="succeeded")
        assert done["attempts"] == 2 and done["progress"] == 100
        assert site.job("不可重试的任务")["status"] == "failed"  # and stays failed: it is not retried
    finally:
        for worker in workers:
            if worker.poll() is None:
                kill(worker)
