"""Group robots over a real connection to the loopback server: formats, signatures, error codes,
retries, rate limits and the at-most-once rule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kesu.messaging import actions, delivery
from kesu.messaging.models import DeliveryStatus, GroupRobot, RobotDelivery
from kesu.messaging.tests.conftest import DING_SECRET
from kesu.messaging.tests.robots import RobotServer, markdown_of

pytestmark = pytest.mark.django_db


def wecom_robot(world: Any, server: RobotServer, key: str = "wx") -> GroupRobot:
    return actions.add_robot(
        world.edu_liaison,
        world.edu_bureau,
        platform="wecom",
        name="教体局工作群",
        webhook=server.wecom_url(key),
    )


def ding_robot(world: Any, server: RobotServer, token: str = "ding", secret: str = DING_SECRET) -> GroupRobot:
    return actions.add_robot(
        world.pds_office,
        world.pingdingshan,
        platform="dingtalk",
        name="素质办钉钉群",
        webhook=server.dingtalk_url(token),
        secret=secret,
    )


def group_message(owner: Any, key: str = "due:1", kind: str = "report_due") -> list[RobotDelivery]:
    return actions.notify_group(
        owner,
        kind,
        title="【提醒】上半年报送将于3天后截止",
        body="请于6月30日前提交。",
        url="/reporting/",
        key=key,
    )


def settle_all(worker: str = "w1") -> None:
    delivery.send_batch(worker)


def test_a_wecom_robot_gets_the_message_as_markdown_with_a_link_that_opens_kesu(
    world: Any, robot_server: RobotServer
) -> None:
    wecom_robot(world, robot_server)
    [row] = group_message(world.edu_bureau)
    settle_all()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and row.sent_at is not None
    [received] = robot_server.accepted("wecom", "wx")
    assert received.payload["msgtype"] == "markdown"
    text = markdown_of(received)
    assert "**【提醒】上半年报送将于3天后截止**" in text
    assert "(https://kesu.example.gov.cn/reporting/)" in text


def test_a_dingtalk_robot_with_the_right_secret_is_accepted_and_signed(
    world: Any, robot_server: RobotServer
) -> None:
    ding_robot(world, robot_server)
    [row] = group_message(world.pingdingshan)
    settle_all()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    [received] = robot_server.accepted("dingtalk", "ding")
    assert received.payload["markdown"]["title"].startswith("【提醒】")


def test_a_wrong_dingtalk_secret_fails_once_with_a_chinese_reason(
    world: Any, robot_server: RobotServer
) -> None:
    ding_robot(world, robot_server, token="wrong", secret="SEC" + "b2" * 32)
    [row] = group_message(world.pingdingshan)
    settle_all()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED
    assert "加签密钥" in row.last_error
    assert row.status_text.startswith("失败：钉钉安全设置校验未通过")
    assert len(robot_server.rejected) == 1 and robot_server.accepted() == []


def test_the_platforms_rate_limit_code_queues_the_message_again_and_rests_the_robot(
    world: Any, robot_server: RobotServer
) -> None:
    robot_server.behaviour["busy"] = "ratelimit"
    robot = wecom_robot(world, robot_server, key="busy")
    [row] = group_message(world.edu_bureau)
    before = timezone.now()
    settle_all()
    row.refresh_from_db()
    robot.refresh_from_db()
    assert row.status == DeliveryStatus.QUEUED and row.attempts == 1
    assert "每分钟 20 条" in row.last_error
    assert row.next_attempt_at >= before + timedelta(seconds=59)
    assert robot.next_send_at is not None and robot.next_send_at >= before + timedelta(seconds=59)


def test_a_platform_that_does_not_answer_in_time_is_not_sent_again(
    world: Any, robot_server: RobotServer
) -> None:
    robot_server.behaviour["slow"] = "timeout"
    wecom_robot(world, robot_server, key="slow")
    [row] = group_message(world.edu_bureau)
    settle_all()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED
    assert "可能已送达" in row.last_error
    RobotDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(hours=1))
    settle_all()
    assert len(robot_server.accepted("wecom", "slow")) == 1  # the server did take it, once


def test_an_unreachable_platform_is_retried_with_growing_waits_then_fails(
    world: Any, robot_server: RobotServer
) -> None:
    robot = wecom_robot(world, robot_server)
    [row] = group_message(world.edu_bureau)
    robot_server.stop()  # nothing listens on the port any more: the connection is refused
    waits = []
    for _ in range(delivery.max_attempts()):
        RobotDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        GroupRobot.objects.filter(pk=robot.pk).update(next_send_at=None)
        moment = timezone.now()
        settle_all()
        row.refresh_from_db()
        waits.append((row.next_attempt_at - moment).total_seconds())
    assert row.status == DeliveryStatus.FAILED
    assert row.last_error == f"无法连接到平台（已尝试 {delivery.max_attempts()} 次）"
    assert 55 < waits[0] < 65 and 115 < waits[1] < 125 and 235 < waits[2] < 245
    robot_server.start()  # the fixture stops it again


def test_a_robot_gets_its_next_message_only_after_its_slot(world: Any, robot_server: RobotServer) -> None:
    wecom_robot(world, robot_server)
    group_message(world.edu_bureau, key="a")
    group_message(world.edu_bureau, key="b")
    settle_all()
    settle_all("w2")
    assert len(robot_server.accepted()) == 1
    wake = delivery.next_wake()
    assert wake is not None and wake >= timezone.now() + timedelta(seconds=2.5)


def test_a_disabled_robot_receives_nothing(world: Any, robot_server: RobotServer) -> None:
    robot = wecom_robot(world, robot_server)
    assert group_message(world.edu_bureau, key="a")
    actions.update_robot(world.edu_liaison, robot, name=robot.name, enabled=False)
    assert group_message(world.edu_bureau, key="b") == []
    settle_all()
    assert robot_server.accepted() == []
    assert RobotDelivery.objects.get(key="a").last_error == "群机器人已停用"


def test_a_robot_takes_only_the_kinds_it_was_set_to(world: Any, robot_server: RobotServer) -> None:
    actions.add_robot(
        world.pds_office,
        world.pingdingshan,
        platform="wecom",
        name="督办群",
        webhook=robot_server.wecom_url("notices"),
        kinds=["notice_overdue"],
    )
    assert group_message(world.pingdingshan, kind="report_due") == []
    assert len(group_message(world.pingdingshan, kind="notice_overdue")) == 1


def test_a_group_message_is_sent_once_per_robot_and_key(world: Any, robot_server: RobotServer) -> None:
    wecom_robot(world, robot_server)
    assert len(group_message(world.edu_bureau)) == 1
    assert group_message(world.edu_bureau) == []
    settle_all()
    assert len(robot_server.accepted()) == 1


def test_a_platform_error_page_is_retried(world: Any, robot_server: RobotServer) -> None:
    robot_server.behaviour["down"] = "error500"
    wecom_robot(world, robot_server, key="down")
    [row] = group_message(world.edu_bureau)
    settle_all()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.QUEUED and "暂时不可用（500）" in row.last_error
