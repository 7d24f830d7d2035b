"""At most once per channel: claims never overlap, and a worker that dies mid-send is settled by the
rule (never reached the platform: sent again; may have reached it: 失败, not resent)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kesu.messaging import actions, delivery
from kesu.messaging.models import Delivery, DeliveryStatus, RobotDelivery
from kesu.messaging.tests.robots import RobotServer

pytestmark = pytest.mark.django_db


def sms_to(users: list[Any], key: str = "due:1") -> list[Delivery]:
    for user in users:
        user.mobile = f"139{user.pk:08d}"
        user.save(update_fields=["mobile"])
    actions.notify(
        users, "report_due", title="【提醒】报送将于3天后截止", body="请提交", url="/reporting/", key=key
    )
    return list(Delivery.objects.filter(channel="sms", message__key=key).order_by("pk"))


def test_two_workers_claiming_at_once_never_hold_the_same_delivery(world: Any, settings: Any) -> None:
    settings.KESU_MESSAGE_BATCH = 2
    rows = sms_to([world.edu_liaison, world.kexie_liaison, world.pds_office])
    first = delivery.claim(Delivery, "w1", delivery.personal_due())
    second = delivery.claim(Delivery, "w2", delivery.personal_due())
    assert {r.pk for r in first}.isdisjoint({r.pk for r in second})
    assert len(first) + len(second) == len(rows) == 3
    assert delivery.claim(Delivery, "w3", delivery.personal_due()) == []


def test_a_claim_on_the_same_rows_by_a_second_worker_takes_nothing(world: Any) -> None:
    rows = sms_to([world.edu_liaison])
    ids = [r.pk for r in rows]
    assert len(delivery.claim(Delivery, "w1", delivery.personal_due(), ids=ids)) == 1
    assert delivery.claim(Delivery, "w2", delivery.personal_due(), ids=ids) == []


def test_a_delivery_whose_worker_died_before_calling_the_platform_is_sent_again(
    world: Any, robot_server: RobotServer
) -> None:
    [row] = sms_to([world.edu_liaison])
    delivery.claim(Delivery, "dead", delivery.personal_due())
    Delivery.objects.filter(pk=row.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert delivery.recover_expired() == 1
    delivery.send_batch("alive")
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    assert len(robot_server.accepted("sms")) == 1


def test_a_delivery_whose_worker_died_during_the_call_is_failed_and_never_resent(
    world: Any, robot_server: RobotServer
) -> None:
    [row] = sms_to([world.edu_liaison])
    delivery.claim(Delivery, "dead", delivery.personal_due())
    assert delivery._started(Delivery, [row.pk], "dead")
    Delivery.objects.filter(pk=row.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    delivery.recover_expired()
    delivery.send_batch("alive")
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED
    assert row.last_error == delivery.INTERRUPTED
    assert robot_server.accepted("sms") == []


def test_a_late_answer_from_a_worker_that_lost_its_lease_changes_nothing(world: Any) -> None:
    [row] = sms_to([world.edu_liaison])
    [claimed] = delivery.claim(Delivery, "slow", delivery.personal_due())
    delivery._started(Delivery, [row.pk], "slow")
    Delivery.objects.filter(pk=row.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    delivery.recover_expired()
    delivery.settle(Delivery, claimed, "slow", delivery.Outcome("sent"), delivery.Context())
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED


def test_a_failed_delivery_can_be_sent_again_by_a_person(world: Any, robot_server: RobotServer) -> None:
    [row] = sms_to([world.edu_liaison])
    Delivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.FAILED, last_error=delivery.INTERRUPTED)
    row.refresh_from_db()
    actions.resend(world.edu_liaison, row)
    delivery.send_batch("w")
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    with pytest.raises(actions.MessagingError):
        actions.resend(world.edu_liaison, row)


def test_a_pass_sends_everything_due_and_says_when_to_come_back(
    world: Any, robot_server: RobotServer
) -> None:
    robot = actions.add_robot(
        world.edu_liaison, world.edu_bureau, platform="wecom", name="群", webhook=robot_server.wecom_url("k")
    )
    for index in range(2):
        actions.notify_group(
            world.edu_bureau, "report_due", title=f"第{index}条", body="", url="/", key=f"k{index}"
        )
    sms_to([world.edu_liaison, world.kexie_liaison])
    wake = delivery.run_pass("w", seconds=1)
    assert len(robot_server.accepted("sms")) == 2
    assert len(robot_server.accepted("wecom")) == 1  # the second waits for the robot's next slot
    robot.refresh_from_db()
    assert (
        wake is not None
        and robot.next_send_at is not None
        and wake >= robot.next_send_at - timedelta(seconds=1)
    )
    assert RobotDelivery.objects.filter(status=DeliveryStatus.QUEUED).count() == 1


def test_a_send_that_starts_late_in_a_slow_batch_gets_a_whole_lease(world: Any) -> None:
    [row] = sms_to([world.edu_liaison])
    delivery.claim(Delivery, "w", delivery.personal_due())
    Delivery.objects.filter(pk=row.pk).update(claimed_until=timezone.now() + timedelta(seconds=1))
    assert delivery._started(Delivery, [row.pk], "w")
    row.refresh_from_db()
    assert row.claimed_until is not None
    assert row.claimed_until >= timezone.now() + delivery.lease() - timedelta(seconds=5)
