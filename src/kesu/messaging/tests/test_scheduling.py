"""Waking the senders: at most the wanted number of passes wait in the queue, and cron's command
sends what is due."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from kesu.messaging import actions, job_kinds
from kesu.messaging.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_queue(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.database.DatabaseBackend"}}


def waiting_passes() -> int:
    from django_tasks.backends.database.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=job_kinds.TASK_PATH).count()


def test_kicking_twice_queues_no_more_passes_than_asked(
    database_queue: None, django_capture_on_commit_callbacks: Any
) -> None:
    # The database backend queues on commit, as after the action that sent the messages.
    for parallel in (2, 2, 1):
        with django_capture_on_commit_callbacks(execute=True):
            job_kinds.kick(parallel=parallel)
    assert waiting_passes() == 2


def test_a_pass_for_later_does_not_stand_in_for_one_now(
    database_queue: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job_kinds.kick(at=timezone.now() + timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        job_kinds.kick()
    assert waiting_passes() == 2


def test_a_transaction_with_many_messages_wakes_the_senders_once(
    world: Any, database_queue: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for index in range(5):
            actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key=f"k{index}")
    assert [c for c in callbacks if c is actions._wake_senders] == [actions._wake_senders]
    assert waiting_passes() == 2


def test_the_cron_command_sends_what_is_due(world: Any) -> None:
    world.edu_liaison.mobile = "13812345678"
    world.edu_liaison.save()
    actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key="a")
    out = StringIO()
    call_command("send_messages", seconds=1, stdout=out)
    assert Delivery.objects.get(channel="sms").status == DeliveryStatus.SENT
    assert "待发送 0 条" in out.getvalue()
