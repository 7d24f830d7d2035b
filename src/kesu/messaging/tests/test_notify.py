"""notify: stored once per recipient, a Delivery per chosen channel, nothing sent inside the caller."""

from __future__ import annotations

from typing import Any

import pytest

from kesu.messaging import actions
from kesu.messaging.models import Delivery, DeliveryStatus, Message

pytestmark = pytest.mark.django_db


def test_a_message_is_stored_once_per_recipient_even_when_sent_twice(world: Any) -> None:
    users = [world.edu_liaison, world.kexie_liaison]
    first = actions.notify(
        users, "report_due", title="报送即将截止", body="请提交", url="/reporting/", key="due:1"
    )
    again = actions.notify(
        users, "report_due", title="报送即将截止", body="请提交", url="/reporting/", key="due:1"
    )
    assert len(first) == 2 and again == []
    assert Message.objects.filter(key="due:1").count() == 2


def test_each_recipient_sees_only_their_own_messages(world: Any) -> None:
    actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key="k")
    assert Message.objects.visible_to(world.edu_liaison).count() == 1
    assert Message.objects.visible_to(world.kexie_liaison).count() == 0
    assert Message.objects.visible_to(world.pds_office).count() == 0


def test_inapp_delivery_is_sent_at_once_and_reads_read_after_mark_read(world: Any) -> None:
    [message] = actions.notify([world.edu_liaison], "report_submitted", title="甲", body="", url="/", key="k")
    inapp = Delivery.objects.get(message=message, channel="inapp")
    assert inapp.status == DeliveryStatus.SENT
    assert actions.mark_read(world.kexie_liaison, [message]) == 0
    assert actions.mark_read(world.edu_liaison, [message]) == 1
    inapp.refresh_from_db()
    assert inapp.status == DeliveryStatus.READ


def test_each_recipient_gets_what_compose_made_for_them_or_nothing(world: Any) -> None:
    def compose(user: Any) -> tuple[str, str, str] | None:
        if user == world.kexie_liaison:
            return None
        return (f"给{user.username}", "正文", "/reporting/")

    sent = actions.notify_each(
        [world.edu_liaison, world.kexie_liaison], "report_returned", compose, key="r:1"
    )
    assert [m.title for m in sent] == ["给edu-liaison"]
    assert not Message.objects.filter(recipient=world.kexie_liaison).exists()


def test_nothing_is_scheduled_until_the_callers_transaction_commits(world: Any, monkeypatch: Any) -> None:
    from django.db import transaction

    from kesu.messaging import job_kinds

    kicks: list[int] = []
    monkeypatch.setattr(job_kinds, "kick", lambda **kwargs: kicks.append(1))
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key="rolled-back")
        raise RuntimeError("the caller's action failed")
    assert not Message.objects.filter(key="rolled-back").exists() and kicks == []


def test_a_queue_that_is_down_never_fails_the_callers_action(
    world: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from kesu.messaging import job_kinds

    def broken(**kwargs: Any) -> None:
        raise ConnectionError("queue down")

    monkeypatch.setattr(job_kinds, "kick", broken)
    with django_capture_on_commit_callbacks(execute=True):
        sent = actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key="k")
    assert len(sent) == 1


def test_an_unknown_kind_is_a_programming_error(world: Any) -> None:
    with pytest.raises(ValueError, match="register_kind"):
        actions.notify([world.edu_liaison], "no_such_kind", title="甲", body="", url="/", key="k")


def test_a_registry_can_add_its_own_kind(world: Any) -> None:
    from kesu.messaging.kinds import MessageKind, get_kind, register_kind

    register_kind(MessageKind("venue_test_kind", "测试类别", "测试"))
    assert get_kind("venue_test_kind").label == "测试类别"
    assert (
        len(actions.notify([world.edu_liaison], "venue_test_kind", title="甲", body="", url="/", key="k"))
        == 1
    )


def test_inactive_users_get_no_message(world: Any) -> None:
    world.edu_liaison.is_active = False
    world.edu_liaison.save()
    assert actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key="k") == []
