"""Registering a group robot: the address is checked against the allow-list, secrets are stored
encrypted and never shown again, and only the unit's liaisons and the offices above manage it."""

from __future__ import annotations

from typing import Any

import pytest

from kesu.core.models import AuditEvent
from kesu.messaging import actions
from kesu.messaging.actions import MessagingError
from kesu.messaging.models import GroupRobot
from kesu.messaging.tests.conftest import DING_SECRET
from kesu.messaging.webhooks import resolved_error, webhook_error

pytestmark = pytest.mark.django_db

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DING = "https://oapi.dingtalk.com/robot/send?access_token=ff6cd723bdb4455fe18ba30dbeff007f5"


def test_the_platforms_own_addresses_are_accepted() -> None:
    assert webhook_error(WECOM, "wecom") is None
    assert webhook_error(DING, "dingtalk") is None


@pytest.mark.parametrize(
    ("url", "platform", "words"),
    [
        ("qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1", "wecom", "格式不正确"),
        ("https://evil.example.com/cgi-bin/webhook/send?key=1", "wecom", "不在系统允许的范围内"),
        ("https://10.0.0.8/cgi-bin/webhook/send?key=1", "wecom", "不在系统允许的范围内"),
        ("https://127.0.0.1:8000/cgi-bin/webhook/send?key=1", "wecom", "不在系统允许的范围内"),
        ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1", "wecom", "https://"),
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "wecom", "不是企业微信群机器人"),
        (WECOM, "dingtalk", "不是钉钉自定义机器人"),
        ("https://user:pw@oapi.dingtalk.com/robot/send?access_token=1", "dingtalk", "用户名或密码"),
        ("https://oapi.dingtalk.com:abc/robot/send?access_token=1", "dingtalk", "格式不正确"),
    ],
)
def test_a_bad_webhook_address_is_refused_with_a_chinese_reason(url: str, platform: str, words: str) -> None:
    error = webhook_error(url, platform)
    assert error is not None and words in error


def test_a_loopback_address_is_used_only_when_the_operator_lists_it(settings: Any) -> None:
    url = "http://127.0.0.1:9/cgi-bin/webhook/send?key=1"
    assert webhook_error(url, "wecom") is not None
    settings.KESU_WEBHOOK_HOSTS = "127.0.0.1"
    assert webhook_error(url, "wecom") is None


def test_a_listed_name_that_resolves_to_an_internal_address_is_refused_at_send(settings: Any) -> None:
    settings.KESU_WEBHOOK_HOSTS = "localhost"
    url = "https://localhost/cgi-bin/webhook/send?key=1"
    assert webhook_error(url, "wecom") is None  # the name is on the list …
    assert "内部网络地址" in (resolved_error(url) or "")  # … but it points inward


def test_a_robot_is_saved_with_its_webhook_and_secret_encrypted(world: Any) -> None:
    robot = actions.add_robot(
        world.pds_office,
        world.pingdingshan,
        platform="dingtalk",
        name="钉钉群",
        webhook=DING,
        secret=DING_SECRET,
    )
    stored = GroupRobot.objects.values("webhook_cipher", "secret_cipher", "webhook_hint").get(pk=robot.pk)
    assert DING not in stored["webhook_cipher"] and DING_SECRET not in stored["secret_cipher"]
    robot.refresh_from_db()
    assert robot.webhook == DING and robot.secret == DING_SECRET
    assert robot.secret_text == f"已设置（末4位 {DING_SECRET[-4:]}）"
    assert "access_token" not in robot.webhook_hint
    event = AuditEvent.objects.get(verb="robot.create")
    assert DING_SECRET not in str(event.after) and "access_token" not in str(event.after)


def test_a_wrong_secret_or_a_secret_for_wecom_is_refused(world: Any) -> None:
    with pytest.raises(MessagingError, match="以 SEC 开头"):
        actions.add_robot(
            world.pds_office, world.pingdingshan, platform="dingtalk", name="群", webhook=DING, secret="abc"
        )
    with pytest.raises(MessagingError, match="没有加签密钥"):
        actions.add_robot(
            world.pds_office,
            world.pingdingshan,
            platform="wecom",
            name="群",
            webhook=WECOM,
            secret=DING_SECRET,
        )
    assert not GroupRobot.objects.exists()


def test_editing_a_robot_without_retyping_keeps_its_webhook_and_secret(world: Any) -> None:
    robot = actions.add_robot(
        world.pds_office,
        world.pingdingshan,
        platform="dingtalk",
        name="钉钉群",
        webhook=DING,
        secret=DING_SECRET,
    )
    actions.update_robot(world.pds_office, robot, name="改名后", kinds=["notice_overdue"])
    robot.refresh_from_db()
    assert (robot.name, robot.webhook, robot.secret, robot.kinds) == (
        "改名后",
        DING,
        DING_SECRET,
        ["notice_overdue"],
    )
    before = AuditEvent.objects.get(verb="robot.update").before
    assert before is not None and before["name"] == "钉钉群"


def test_a_units_robot_is_managed_by_its_liaisons_and_the_offices_above_only(world: Any) -> None:
    unit_robot = actions.add_robot(
        world.edu_liaison, world.edu_bureau, platform="wecom", name="教体局群", webhook=WECOM
    )
    city_robot = actions.add_robot(
        world.pds_office, world.pingdingshan, platform="wecom", name="市群", webhook=WECOM
    )

    def managed(user: Any) -> set[int]:
        return set(GroupRobot.objects.manageable_by(user).values_list("pk", flat=True))

    assert managed(world.edu_liaison) == {unit_robot.pk}
    assert managed(world.pds_office) == {unit_robot.pk, city_robot.pk}
    assert managed(world.kexie_liaison) == set()  # another unit of the same city
    assert managed(world.pds_leader) == set()
    assert managed(world.xz_office) == set()  # another region's office
    assert managed(world.admin) == {unit_robot.pk, city_robot.pk}
