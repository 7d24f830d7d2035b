"""Demo step (演示数据): a day of messages in each persona's message centre.

The messages themselves are real: the reporting demo opens cycles, submits, returns, approves and
issues a 督办 through the actions, and each of them told the right people (``kesu.reporting.notify``).
They were all stored at the moment the demo ran, so this step spreads them out as a working day reads:
each persona's latest messages over today from 08:30 (over the last eight hours when the demo is
loaded before 09:30), the older ones (past cycles) on the days before, and read. It runs after
every other app's step (``register_last_demo_step``).

Triggers that tell many people compose their messages in a background task (an app's
``compose_messages`` task, e.g. a cycle opened for every unit). No worker runs while the demo loads,
so an early step (registered before the other apps' steps: messaging comes first in INSTALLED_APPS)
runs each such task as soon as it is queued, the way a worker would; the messages then come in the
order the actions were taken, which is the order the day is spread in.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_tasks.signals import task_enqueued

from kesu.accounts.models import Membership, Role
from kesu.core.demo import DemoAccounts, register_demo_step, register_last_demo_step
from kesu.messaging.models import Delivery, DeliveryStatus, Message

TODAY_COUNT = 8  # a persona's latest messages that arrived today
UNREAD_COUNT = 4  # of which the newest are still unread
COMPOSE_TASK = ".compose_messages"  # the name of an app's task that composes a trigger's messages
log = logging.getLogger("kesu.messaging")


@register_demo_step
def compose_at_once(accounts: DemoAccounts) -> None:
    """From here until the messages are spread, queued composing runs at once (see the docstring)."""
    task_enqueued.connect(_compose_now, dispatch_uid=DEMO_COMPOSE)


DEMO_COMPOSE = "kesu.messaging.demo.compose_now"


def _compose_now(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """Run a queued ``compose_messages`` task of the database backend here, as its worker would:
    once the action that queued it has committed (its row is queued inside the action's transaction)."""
    if str(getattr(task_result.task, "module_path", "")).endswith(COMPOSE_TASK):
        transaction.on_commit(lambda: _run_queued(task_result))


def _run_queued(task_result: Any) -> None:
    from django_tasks.backends.database.models import DBTaskResult
    from django_tasks.task import ResultStatus

    queued = DBTaskResult.objects.filter(pk=task_result.id, status=ResultStatus.NEW).first()
    if queued is None:  # another backend ran it already
        return
    queued.claim()
    try:
        queued.set_succeeded(queued.task.call(*task_result.args, **task_result.kwargs))
    except Exception as error:
        log.exception("demo: composing %s failed", queued.task_path)
        queued.set_failed(error)


@register_last_demo_step
def spread_messages(accounts: DemoAccounts) -> None:
    task_enqueued.disconnect(dispatch_uid=DEMO_COMPOSE)  # from now on the worker composes
    _signed_by_the_office()
    recipients = (
        Message.objects.values("recipient_id").annotate(n=Count("pk")).values_list("recipient_id", flat=True)
    )
    now = timezone.localtime()
    start = timezone.make_aware(datetime.combine(now.date(), time(8, 30)))
    for recipient_id in recipients:
        _spread(list(Message.objects.filter(recipient_id=recipient_id).order_by("-pk")), start, now)


# What an office's own actions send: the demo took them without a signed-in user (actor None).
OFFICE_SENT = ("cycle_opened", "report_returned", "report_approved", "report_reopened", "notice_issued")


def _signed_by_the_office() -> None:
    """The demo's office actions ran as nobody; their messages read as sent by the region's office,
    so the office's 已发出 page shows them with each channel's status."""
    offices = Membership.objects.filter(role=Role.OFFICE).order_by("user_id")
    first_office: dict[int, int] = {}
    for region_id, user_id in offices.values_list("region_id", "user_id"):
        first_office.setdefault(region_id, user_id)
    for region_id, user_id in first_office.items():
        Message.objects.filter(actor__isnull=True, kind__in=OFFICE_SENT, region_id=region_id).update(
            actor_id=user_id
        )


def _spread(newest_first: list[Message], start: datetime, now: datetime) -> None:
    """The newest few between 08:30 and now, evenly (before 09:30, over the last eight hours); the
    older ones one every three hours before those."""
    if now - start < timedelta(hours=1):
        start = now - timedelta(hours=8)
    today = newest_first[:TODAY_COUNT]
    step = (now - start) / (len(today) + 1)
    for index, message in enumerate(today):
        message.created_at = now - step * (index + 1)
        message.read_at = None if index < UNREAD_COUNT else message.created_at + timedelta(minutes=20)
    for index, message in enumerate(newest_first[TODAY_COUNT:]):
        message.created_at = start - timedelta(hours=3 * (index + 1))
        message.read_at = message.created_at + timedelta(hours=1)
    Message.objects.bulk_update(newest_first, ["created_at", "read_at"], batch_size=500)
    read = [m.pk for m in newest_first if m.read_at is not None]
    Delivery.objects.filter(message_id__in=read, channel="inapp").update(status=DeliveryStatus.READ)
