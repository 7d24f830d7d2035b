"""The background task that sends messages, and how it is woken.

``deliver_messages`` is a django-tasks task run by ``kesu db_worker``: one pass sends what is due
(``delivery.run_pass``) and, when something is left for later (a retry, a rate-limited robot, quiet
hours, the digest), queues itself again for that moment. ``kick`` keeps at most ``parallel`` passes
waiting in the queue, so a burst is spread over the workers without flooding the queue.
``kesu send_messages`` (cron, every few minutes) is the safety net if the queue lost a wake-up.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks.backends.base import BaseTaskBackend

log = logging.getLogger("kesu.messaging")

TASK_PATH = "kesu.messaging.job_kinds.deliver_messages"


def worker_name() -> str:
    """Who holds a lease: machine, process and pass, so a lease of a dead pass is never mistaken."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@task()
def deliver_messages() -> None:
    from kesu.messaging import delivery

    if delivery.due_count() > delivery.batch_size():
        kick(parallel=1, from_pass=True)  # plenty to do: let another worker help
    try:
        wake = delivery.run_pass(worker_name())
    except Exception:
        # A pass that broke (the database went away) still leaves a wake-up behind, so queued
        # messages do not wait for the next notify or cron run.
        kick(at=timezone.now() + timedelta(seconds=30), from_pass=True)
        raise
    if wake is not None:
        kick(at=wake, from_pass=True)


def _backend() -> BaseTaskBackend:
    return deliver_messages.get_backend()


def _waiting(until: datetime) -> int:
    """Passes queued to start by ``until`` (database backend only; others cannot be asked)."""
    from django_tasks.backends.database.models import DBTaskResult
    from django_tasks.task import ResultStatus

    waiting = DBTaskResult.objects.filter(task_path=TASK_PATH, status=ResultStatus.NEW)
    return waiting.exclude(run_after__gt=until).count()


def kick(*, at: datetime | None = None, parallel: int = 1, from_pass: bool = False) -> None:
    """Make sure ``parallel`` passes are queued to run by ``at`` (default now)."""
    backend = _backend()
    if not backend.supports_defer:
        # The immediate backend (tests) runs the pass right here; a pass never re-runs itself inline.
        if not from_pass:
            deliver_messages.enqueue()
        return
    now = timezone.now()
    when = at if at is not None and at > now else None
    try:
        missing = parallel - _waiting((when or now) + timedelta(seconds=1))
    except Exception:  # another backend: just queue one
        missing = 1
    for _ in range(max(0, missing)):
        (deliver_messages.using(run_after=when) if when else deliver_messages).enqueue()
