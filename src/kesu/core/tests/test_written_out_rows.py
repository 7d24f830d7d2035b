"""Rows written out for the deadline's hot path (``core.rows.insert``/``update``,
``core.jobs.enqueue_written_out``) hold what the ORM and django-tasks would have stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kesu.core import rows
from kesu.core.jobs import enqueue_written_out
from kesu.core.models import Job, JobStatus
from kesu.reporting.actions import submission_followed_up
from kesu.testing import World

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks.backends.database.DatabaseBackend"}}
COMPARED = (
    "kind",
    "title",
    "created_by_id",
    "region_id",
    "status",
    "progress",
    "message",
    "params",
    "attempts",
)


def test_an_inserted_row_reads_back_as_the_orm_would_have_saved_it(world: World) -> None:
    written = Job(kind="import", title="导入志愿者", created_by=world.pds_office, params={"名单": [1, "二"]})
    rows.insert(written)
    saved = Job.objects.create(
        kind="import", title="导入志愿者", created_by=world.pds_office, params={"名单": [1, "二"]}
    )
    read = Job.objects.get(pk=written.pk)
    assert written.pk != saved.pk and not written._state.adding
    assert [getattr(read, name) for name in COMPARED] == [getattr(saved, name) for name in COMPARED]
    assert read.created_at == written.created_at and read.created_at.tzinfo is not None
    with pytest.raises(TypeError):
        rows.insert(written)  # a row with a key already is the ORM's to save


def test_an_update_writes_only_the_named_fields(world: World) -> None:
    job = Job.objects.create(kind="import", title="导入", created_by=world.pds_office)
    job.status, job.progress, job.title = JobStatus.RUNNING, 40, "改了但不保存"
    with CaptureQueriesContext(connection) as queries:
        assert rows.update(job, ["status", "progress"]) == 1
    assert len(queries) == 1
    read = Job.objects.get(pk=job.pk)
    assert (read.status, read.progress, read.title) == (JobStatus.RUNNING, 40, "导入")


def test_a_task_queued_written_out_is_the_row_django_tasks_would_queue(world: World, settings: Any) -> None:
    from django_tasks.backends.database.models import DBTaskResult

    settings.TASKS = DATABASE_QUEUE
    event = {"verb": "report.submit", "at": timezone.now().isoformat()}
    submission_followed_up.enqueue(1, 1, world.edu_liaison.pk, event)
    enqueue_written_out(submission_followed_up, 1, 1, world.edu_liaison.pk, event)
    usual, written = DBTaskResult.objects.order_by("enqueued_at")
    same = ("status", "args_kwargs", "priority", "task_path", "queue_name", "backend_name", "run_after")
    assert [getattr(written, name) for name in same] == [getattr(usual, name) for name in same]
    assert set(DBTaskResult.objects.ready().values_list("pk", flat=True)) == {usual.pk, written.pk}
    assert written.task.func is submission_followed_up.func  # the worker finds and runs the same task


def test_a_row_whose_key_is_given_keeps_that_key(world: World, settings: Any) -> None:
    from django_tasks.backends.database.models import DBTaskResult

    settings.TASKS = DATABASE_QUEUE
    result = enqueue_written_out(submission_followed_up, 1, 1, None, {"verb": "report.submit"})
    [stored] = DBTaskResult.objects.all()
    assert str(stored.pk) == str(result.id)
    row: Any = DBTaskResult(args_kwargs={"args": [], "kwargs": {}}, task_path="x.y", backend_name="default")
    given = row.pk
    rows.insert(row)
    assert row.pk == given and DBTaskResult.objects.filter(pk=given).exists()


def test_without_the_database_queue_a_task_is_enqueued_as_usual(world: World, settings: Any) -> None:
    from django_tasks.backends.database.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    enqueue_written_out(submission_followed_up, 1, 1, None, {"verb": "report.submit"})
    assert not DBTaskResult.objects.exists()
    assert len(submission_followed_up.get_backend().results) == 1  # type: ignore[attr-defined]
