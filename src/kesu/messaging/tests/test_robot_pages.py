"""Group robot pages over HTTP: who registers which group, bad input refused in Chinese, the secret
entered once and never shown again, the test button reaching the (loopback) robot."""

from __future__ import annotations

from typing import Any

import pytest

from kesu.messaging.models import GroupRobot, RobotDelivery
from kesu.messaging.tests.conftest import DING_SECRET
from kesu.testing import World

pytestmark = pytest.mark.django_db


def add(client: Any, url: str, **data: Any) -> Any:
    return client.post(url, {"platform": "wecom", "name": "科普工作群", "enabled": "on", **data})


def test_a_liaison_connects_its_units_group_and_tests_it(
    world: World, client_for: Any, robot_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    liaison = client_for(world.edu_liaison)
    url = f"/messages/robots/unit/{world.edu_bureau.pk}/"
    assert "如何连接企业微信群或钉钉群（两步）" in liaison.get(url).content.decode()
    webhook = robot_server.wecom_url("edu-key-abcdef")
    assert add(liaison, url, webhook=webhook, kinds=["report_returned", "notice_issued"]).status_code == 302
    robot = GroupRobot.objects.get(unit=world.edu_bureau)
    listing = liaison.get(url).content.decode()
    assert "科普工作群" in listing and "cdef" in listing and "edu-key-abcdef" not in listing
    assert "报送被退回修改、收到督办" in listing
    with django_capture_on_commit_callbacks(execute=True):
        assert liaison.post(f"/messages/robots/{robot.pk}/test/").status_code == 302
    [received] = robot_server.accepted("wecom", "edu-key-abcdef")
    assert "科素消息测试" in received.payload["markdown"]["content"]
    assert "已发送" in liaison.get(url).content.decode()


def test_a_dingtalk_secret_is_entered_once_and_never_shown_again(
    world: World, client_for: Any, robot_server: Any
) -> None:
    office = client_for(world.pds_office)
    url = f"/messages/robots/region/{world.pingdingshan.code}/"
    response = add(
        office, url, platform="dingtalk", webhook=robot_server.dingtalk_url("ding"), secret=DING_SECRET
    )
    assert response.status_code == 302
    robot = GroupRobot.objects.get(region=world.pingdingshan)
    assert robot.secret == DING_SECRET and DING_SECRET not in robot.secret_cipher
    for page in (url, f"/messages/robots/{robot.pk}/"):
        text = office.get(page).content.decode()
        assert DING_SECRET not in text and DING_SECRET[-4:] in text and "已设置" in text
    # Editing without retyping keeps the secret; the form never echoes it.
    office.post(f"/messages/robots/{robot.pk}/", {"name": "素质办工作群", "enabled": "on"})
    robot.refresh_from_db()
    assert robot.name == "素质办工作群" and robot.secret == DING_SECRET


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"webhook": "不是地址"}, "Webhook 地址格式不正确"),
        ({"webhook": "https://hooks.example.com/cgi-bin/webhook/send?key=abc"}, "不在系统允许的范围内"),
        ({"webhook": "http://10.0.0.8/cgi-bin/webhook/send?key=abc"}, "不在系统允许的范围内"),
        (
            {
                "platform": "dingtalk",
                "webhook": "https://oapi.dingtalk.com/robot/send?access_token=abc",
                "secret": "123",
            },
            "密钥",
        ),
        ({"webhook": ""}, "请填写 Webhook 地址"),
    ],
)
def test_bad_robot_input_is_refused_in_chinese_and_nothing_is_saved(
    world: World, client_for: Any, data: dict[str, str], message: str
) -> None:
    response = add(client_for(world.edu_liaison), f"/messages/robots/unit/{world.edu_bureau.pk}/", **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not GroupRobot.objects.exists()


def test_robot_pages_keep_to_their_owners(world: World, client_for: Any) -> None:
    from kesu.messaging import actions
    from kesu.messaging.testing import WEBHOOK

    robot = actions.add_robot(
        world.edu_liaison, world.edu_bureau, platform="wecom", name="教体局群", webhook=WEBHOOK
    )
    unit_url = f"/messages/robots/unit/{world.edu_bureau.pk}/"
    other, outsider = client_for(world.kexie_liaison), client_for(world.xz_office)
    for client in (other, outsider):
        assert client.get(unit_url).status_code == 404
        assert client.get(f"/messages/robots/{robot.pk}/").status_code == 404
        assert client.post(f"/messages/robots/{robot.pk}/test/").status_code == 404
        assert client.post(f"/messages/robots/{robot.pk}/", {"step": "delete"}).status_code == 404
        assert "教体局群" not in client.get("/messages/robots/").content.decode()
    assert add(other, unit_url, webhook=WEBHOOK).status_code == 404
    region_url = f"/messages/robots/region/{world.pingdingshan.code}/"
    assert client_for(world.pds_leader).get(region_url).status_code == 403  # reads the region, sets nothing
    assert client_for(world.edu_liaison).get(region_url).status_code in (403, 404)
    assert outsider.get(region_url).status_code == 404
    assert client_for(world.pds_leader).get("/messages/robots/").status_code == 403
    # The office above the unit manages its robots too, and sees them from its own page.
    office = client_for(world.pds_office)
    assert "教体局群" in office.get("/messages/robots/").content.decode()
    assert office.get(unit_url).status_code == 200
    assert GroupRobot.objects.count() == 1 and not RobotDelivery.objects.exists()
    assert office.post(f"/messages/robots/{robot.pk}/", {"step": "delete"}).status_code == 302
    assert not GroupRobot.objects.exists()
