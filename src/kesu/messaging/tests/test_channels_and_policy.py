"""Which channels a message takes and when: preferences within the office's policy, quiet hours,
urgent kinds, the daily digest; and the SMS adapter against the loopback 腾讯云短信 API."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kesu.messaging import actions, delivery, rules
from kesu.messaging.kinds import get_kind
from kesu.messaging.models import ChannelPolicy, Delivery, DeliveryStatus, RobotDelivery
from kesu.messaging.tests.robots import RobotServer, markdown_of

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, 27, hour, minute, tzinfo=SHANGHAI)


def reachable(user: Any) -> Any:
    user.mobile, user.email = "13812345678", f"{user.username}@example.cn"
    user.save(update_fields=["mobile", "email"])
    return user


def channels_of(key: str) -> set[str]:
    return set(Delivery.objects.filter(message__key=key).values_list("channel", flat=True))


def test_an_sms_at_night_waits_for_the_morning_but_an_overdue_notice_does_not() -> None:
    policy = ChannelPolicy(quiet_start=time(22), quiet_end=time(7))
    assert rules.slot_for("sms", get_kind("report_due"), policy, at(23, 30)).at == at(7) + timedelta(days=1)
    assert rules.slot_for("sms", get_kind("report_due"), policy, at(6, 59)).at == at(7)
    assert rules.slot_for("sms", get_kind("report_due"), policy, at(12)).at == at(12)
    assert rules.slot_for("sms", get_kind("notice_overdue"), policy, at(23, 30)).at == at(23, 30)
    assert rules.slot_for("wecom", get_kind("report_due"), policy, at(23, 30)).at == at(7) + timedelta(days=1)
    assert rules.slot_for("email", get_kind("report_due"), policy, at(23, 30)).at == at(23, 30)
    assert rules.slot_for("inapp", get_kind("report_due"), policy, at(23, 30)).at == at(23, 30)


def test_with_the_digest_on_messages_wait_for_the_digest_time_except_urgent_ones() -> None:
    policy = ChannelPolicy(digest=True, digest_time=time(8, 30))
    slot = rules.slot_for("sms", get_kind("report_submitted"), policy, at(9))
    assert slot.in_digest and slot.at == at(8, 30) + timedelta(days=1)
    assert not rules.slot_for("sms", get_kind("notice_escalated"), policy, at(9)).in_digest
    assert not rules.slot_for("inapp", get_kind("report_submitted"), policy, at(9)).in_digest


def test_a_user_gets_the_kinds_defaults_only_through_channels_they_can_receive(world: Any) -> None:
    actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key="a")
    assert channels_of("a") == {"inapp"}  # no mobile yet: no SMS row
    reachable(world.edu_liaison)
    actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key="b")
    assert channels_of("b") == {"inapp", "sms"}


def test_a_users_choice_applies_within_what_the_office_allows(world: Any) -> None:
    reachable(world.edu_liaison)
    actions.set_preferences(world.edu_liaison, {"report_due": ["email", "sms"]})
    actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key="a")
    assert channels_of("a") == {"inapp", "email", "sms"}
    actions.set_policy(
        world.pds_office,
        world.pingdingshan,
        channels=["inapp", "email"],
        quiet_start=None,
        quiet_end=None,
        digest=False,
    )
    actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key="b")
    assert channels_of("b") == {"inapp", "email"}
    actions.set_preferences(world.edu_liaison, {"report_due": []})
    actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key="c")
    assert channels_of("c") == {"inapp"}  # 站内 cannot be switched off


def test_a_county_without_its_own_policy_follows_none_of_another_regions(world: Any) -> None:
    actions.set_policy(
        world.pds_office,
        world.pingdingshan,
        channels=["inapp"],
        quiet_start=None,
        quiet_end=None,
        digest=False,
    )
    reachable(world.py_office)
    actions.notify([world.py_office], "report_due", title="甲", body="", url="/", key="a")
    assert channels_of("a") == {"inapp", "sms"}


def test_quiet_hours_of_the_office_hold_the_sms_but_not_the_inapp_message(world: Any) -> None:
    reachable(world.edu_liaison)
    now = timezone.localtime()
    start, end = (now - timedelta(hours=1)).time(), (now + timedelta(hours=1)).time()
    actions.set_policy(
        world.pds_office, world.pingdingshan, channels=[], quiet_start=start, quiet_end=end, digest=False
    )
    actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key="a")
    sms = Delivery.objects.get(message__key="a", channel="sms")
    assert sms.next_attempt_at > timezone.now() + timedelta(minutes=50)
    assert Delivery.objects.get(message__key="a", channel="inapp").status == DeliveryStatus.SENT


def test_the_digest_sends_one_message_listing_the_days_messages(
    world: Any, robot_server: RobotServer
) -> None:
    actions.set_policy(
        world.pds_office, world.pingdingshan, channels=[], quiet_start=None, quiet_end=None, digest=True
    )
    actions.add_robot(
        world.pds_office, world.pingdingshan, platform="wecom", name="群", webhook=robot_server.wecom_url("d")
    )
    for index in range(3):
        actions.notify_group(
            world.pingdingshan,
            "report_submitted",
            title=f"单位{index}已提交",
            body="",
            url="/",
            key=f"s{index}",
        )
    assert RobotDelivery.objects.filter(in_digest=True).count() == 3
    delivery.send_batch("w")
    assert robot_server.accepted() == []  # not before the digest time
    RobotDelivery.objects.update(next_attempt_at=timezone.now())
    delivery.send_batch("w")
    [received] = robot_server.accepted()
    text = markdown_of(received)
    assert "科素消息汇总（3 条）" in text and "单位2已提交" in text
    assert set(RobotDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_an_sms_goes_through_the_providers_signed_api_with_the_template(
    world: Any, robot_server: RobotServer
) -> None:
    reachable(world.edu_liaison)
    actions.notify(
        [world.edu_liaison], "report_due", title="上半年报送将于3天后截止", body="", url="/", key="a"
    )
    delivery.send_batch("w")
    [received] = robot_server.accepted("sms")
    assert received.payload["PhoneNumberSet"] == ["+8613812345678"]
    assert received.payload["TemplateId"] == "100001" and received.payload["SignName"] == "科素"
    assert received.payload["TemplateParamSet"] == ["报送即将截止", "上半年报送将于3天后截止"]
    assert Delivery.objects.get(message__key="a", channel="sms").status == DeliveryStatus.SENT


def test_a_wrong_sms_key_fails_with_a_chinese_reason(
    world: Any, robot_server: RobotServer, settings: Any
) -> None:
    settings.KESU_SMS_SECRET_KEY = "not-the-key"
    reachable(world.edu_liaison)
    actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key="a")
    delivery.send_batch("w")
    row = Delivery.objects.get(message__key="a", channel="sms")
    assert row.status == DeliveryStatus.FAILED and row.last_error == "短信平台签名校验失败，请核对短信密钥"


def test_the_sms_frequency_limit_queues_the_message_again(world: Any, robot_server: RobotServer) -> None:
    robot_server.behaviour["sms"] = "ratelimit"
    reachable(world.edu_liaison)
    actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key="a")
    delivery.send_batch("w")
    row = Delivery.objects.get(message__key="a", channel="sms")
    assert row.status == DeliveryStatus.QUEUED and "频率" in row.last_error


def test_an_email_goes_through_djangos_backend_with_the_link(
    world: Any, mailoutbox: Any, settings: Any
) -> None:
    settings.KESU_SITE_URL = "https://kesu.example.gov.cn"
    reachable(world.edu_liaison)
    actions.notify(
        [world.edu_liaison], "cycle_opened", title="报送周期已开启", body="请填报", url="/reporting/", key="a"
    )
    delivery.send_batch("w")
    [mail] = mailoutbox
    assert mail.subject == "报送周期已开启" and "https://kesu.example.gov.cn/reporting/" in mail.body
    assert Delivery.objects.get(message__key="a", channel="email").status == DeliveryStatus.SENT


def test_a_second_sms_to_the_same_number_waits_its_turn(world: Any, robot_server: RobotServer) -> None:
    reachable(world.edu_liaison)
    for key in ("a", "b"):
        actions.notify([world.edu_liaison], "report_due", title=key, body="", url="/", key=key)
    delivery.send_batch("w")
    assert len(robot_server.accepted("sms")) == 1
    waiting = Delivery.objects.get(channel="sms", status=DeliveryStatus.QUEUED)
    assert waiting.attempts == 0 and waiting.next_attempt_at > timezone.now() + timedelta(seconds=25)


def test_a_persons_digest_is_one_sms_for_all_held_messages(world: Any, robot_server: RobotServer) -> None:
    actions.set_policy(
        world.pds_office, world.pingdingshan, channels=[], quiet_start=None, quiet_end=None, digest=True
    )
    reachable(world.edu_liaison)
    for key in ("a", "b", "c"):
        actions.notify([world.edu_liaison], "report_returned", title=f"退回{key}", body="", url="/", key=key)
    Delivery.objects.filter(in_digest=True).update(next_attempt_at=timezone.now())
    delivery.send_batch("w")
    [received] = robot_server.accepted("sms")
    assert received.payload["TemplateParamSet"] == ["消息汇总", "科素消息汇总（3 条）"]
    assert Delivery.objects.filter(channel="sms", status=DeliveryStatus.SENT).count() == 3


def test_after_the_callers_commit_the_background_pass_sends_the_message(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    reachable(world.edu_liaison)
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key="a")
    sms = Delivery.objects.get(message__key="a", channel="sms")
    assert sms.status == DeliveryStatus.SENT  # the demo's log provider


def test_a_mistyped_quiet_hours_setting_falls_back_and_never_stops_the_action(
    world: Any, settings: Any
) -> None:
    settings.KESU_MESSAGE_QUIET_HOURS = "晚上十点到早上七点"
    assert rules.default_quiet_hours() == (time(22), time(7))
    reachable(world.edu_liaison)
    assert len(actions.notify([world.edu_liaison], "report_due", title="甲", body="", url="/", key="a")) == 1
