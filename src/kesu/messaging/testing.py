"""Test helpers of the message centre, including the URL samples the URL walk test uses."""

from __future__ import annotations

from typing import Any

from kesu.messaging import actions
from kesu.regions.models import Unit

WEBHOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


def url_samples(owner_unit: Unit, owner_region: Any, owner_user: Any) -> dict[str, Any]:
    """URL keyword → an object of ``owner_unit``'s side: a message to its liaison, its group robot."""
    private = f"{owner_unit.name}：仅收件人可见的消息"
    [message] = actions.notify(
        [owner_user],
        "report_due",
        title=private,
        body=private,
        url="/reporting/todo/",
        key=f"walk:{owner_unit.pk}",
    )
    robot = actions.add_robot(
        owner_user, owner_unit, platform="wecom", name="仅本单位可见的工作群", webhook=WEBHOOK
    )
    return {
        "message_id": message.pk,
        "robot_id": robot.pk,
        "message-detail:pk": message.pk,
        "message-read:pk": message.pk,
        "private_texts": [private, "仅本单位可见的工作群"],
    }
