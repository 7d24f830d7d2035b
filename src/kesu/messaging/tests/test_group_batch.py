"""notify_groups: a deadline's group messages queued in a few statements per batch, by the same rules
as notify_group (once per robot and key, kinds, quiet hours, the digest), and sent like any other."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from kesu.messaging import actions, delivery
from kesu.messaging.actions import GroupMessage
from kesu.messaging.models import DeliveryStatus, GroupRobot, RobotDelivery
from kesu.messaging.tests.robots import RobotServer, markdown_of
from kesu.regions import actions as region_actions

pytestmark = pytest.mark.django_db


def unit_robots(world: Any, server: RobotServer, count: int) -> list[Any]:
    """``count`` units of 平顶山, each with its 企业微信 group robot."""
    units = [region_actions.create_unit(None, world.pingdingshan, f"单位{i:02d}") for i in range(count)]
    for index, unit in enumerate(units):
        actions.add_robot(
            world.pds_office, unit, platform="wecom", name="工作群", webhook=server.wecom_url(f"wx{index}")
        )
    return units


def inserts_per_batch() -> int:
    """The INSERT statements ``bulk_create`` needs for one batch of GROUP_BATCH rows here."""
    fields = [f for f in RobotDelivery._meta.concrete_fields if not f.primary_key]
    rows = actions.GROUP_BATCH
    return math.ceil(rows / min(rows, connection.ops.bulk_batch_size(fields, [None] * rows)))


def due(owner: Any, n: int = 0) -> GroupMessage:
    return GroupMessage(
        owner, f"【提醒】第{n}份报送将于3天后截止", "请于6月30日前提交。", "/reporting/", f"due:{n}"
    )


def test_a_thousand_group_messages_cost_the_statements_of_three_batches_not_one_per_message(
    world: Any, robot_server: RobotServer, django_assert_max_num_queries: Any
) -> None:
    units = unit_robots(world, robot_server, 10)
    with django_assert_max_num_queries(6):  # savepoint, policies, robots, keys taken, insert, release
        assert actions.notify_groups([due(unit) for unit in units], "report_due") == 10
    many = [due(unit, n) for unit in units for n in range(1, 121)]
    # 1,200 messages: three batches of 500, each read twice and inserted (in chunks where the
    # database caps the parameters of one statement, as SQLite's 999 does)
    with django_assert_max_num_queries(3 + 3 * (2 + inserts_per_batch())):
        assert actions.notify_groups(many, "report_due") == 1200
    assert RobotDelivery.objects.count() == 1210


def test_the_same_key_twice_queues_one_message_per_robot(world: Any, robot_server: RobotServer) -> None:
    [unit] = unit_robots(world, robot_server, 1)
    assert actions.notify_groups([due(unit), due(unit)], "report_due") == 1
    assert actions.notify_groups([due(unit)], "report_due") == 0
    actions.notify_group(unit, "report_due", title="甲", body="", url="/", key="due:0")
    assert RobotDelivery.objects.filter(key="due:0").count() == 1


def test_a_key_another_sender_stored_meanwhile_is_skipped_not_an_error(
    world: Any, robot_server: RobotServer, monkeypatch: Any
) -> None:
    [unit] = unit_robots(world, robot_server, 1)
    actions.notify_group(unit, "report_due", title="先到", body="", url="/", key="due:0")
    monkeypatch.setattr(actions, "_plan_group_batch", _blind_to_taken_keys)
    actions.notify_groups([due(unit)], "report_due")
    assert list(RobotDelivery.objects.values_list("title", flat=True)) == ["先到"]


def _blind_to_taken_keys(items: list[GroupMessage], planner: Any) -> int:
    """As if the keys were read before another process committed the same key."""
    robots = GroupRobot.objects.filter(unit_id__in=[i.owner.pk for i in items])
    rows = [planner.row(robot, item) for item in items for robot in robots]
    RobotDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def test_only_enabled_robots_taking_the_kind_get_it_and_a_region_offices_robot_too(
    world: Any, robot_server: RobotServer
) -> None:
    units = unit_robots(world, robot_server, 2)
    GroupRobot.objects.filter(unit=units[1]).update(enabled=False)
    actions.add_robot(
        world.pds_office,
        world.pingdingshan,
        platform="wecom",
        name="素质办群",
        webhook=robot_server.wecom_url("office"),
        kinds=["report_submitted"],
    )
    items = [due(units[0]), due(units[1]), due(world.pingdingshan), due(world.edu_bureau)]
    assert actions.notify_groups(items, "report_due") == 1
    assert actions.notify_groups([due(world.pingdingshan, 9)], "report_submitted") == 1
    assert set(RobotDelivery.objects.values_list("robot__unit", "robot__region", "key")) == {
        (units[0].pk, None, "due:0"),
        (None, world.pingdingshan.pk, "due:9"),
    }


def test_group_messages_wait_out_the_offices_quiet_hours_and_join_its_digest(
    world: Any, robot_server: RobotServer
) -> None:
    [unit] = unit_robots(world, robot_server, 1)
    now = timezone.localtime()
    start, end = (now - timedelta(hours=1)).time(), (now + timedelta(hours=1)).time()
    actions.set_policy(
        world.pds_office, world.pingdingshan, channels=[], quiet_start=start, quiet_end=end, digest=False
    )
    actions.notify_groups([due(unit, 1)], "report_due")
    assert RobotDelivery.objects.get(key="due:1").next_attempt_at > timezone.now() + timedelta(minutes=50)
    actions.set_policy(
        world.pds_office, world.pingdingshan, channels=[], quiet_start=None, quiet_end=None, digest=True
    )
    actions.notify_groups([due(unit, 2)], "report_due")
    assert RobotDelivery.objects.get(key="due:2").in_digest


def test_the_senders_are_woken_once_after_the_callers_transaction_commits(
    world: Any, robot_server: RobotServer, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from kesu.messaging import job_kinds

    units = unit_robots(world, robot_server, 3)
    kicks: list[int] = []
    monkeypatch.setattr(job_kinds, "kick", lambda **kwargs: kicks.append(1))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        actions.notify_groups([due(unit, 1) for unit in units], "report_due")
        actions.notify_groups([due(unit, 2) for unit in units], "report_due")
        assert kicks == []
    assert kicks == [1]


def test_batched_group_messages_reach_each_group_by_the_robot_platform(
    world: Any, robot_server: RobotServer
) -> None:
    units = unit_robots(world, robot_server, 2)
    actions.notify_groups([due(unit, i) for i, unit in enumerate(units)], "report_due")
    delivery.send_batch("w1")
    assert set(RobotDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    texts = {r.key: markdown_of(r) for r in robot_server.accepted("wecom")}
    assert "【提醒】第1份报送将于3天后截止" in texts["wx1"] and "第0份" in texts["wx0"]


def test_an_unknown_kind_is_a_programming_error_in_a_batch_too(world: Any) -> None:
    with pytest.raises(ValueError, match="register_kind"):
        actions.notify_groups([due(world.edu_bureau)], "no_such_kind")
