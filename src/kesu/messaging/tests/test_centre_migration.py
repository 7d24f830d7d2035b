"""Reporting's migration 0007 on existing data: its notifications become message-centre messages
(same recipient, key, text, link, time, read state; 站内 and 邮件 deliveries with their outcome)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from kesu.testing import World

BEFORE = [("reporting", "0006_notice_response_attachment"), ("messaging", "0001_initial")]
AFTER = [("reporting", "0007_notifications_to_message_centre")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_old_notifications_move_into_the_message_centre(world: World) -> None:
    try:
        old = _migrate(BEFORE)
        Notification = old.get_model("reporting", "Notification")
        OldDelivery = old.get_model("reporting", "Delivery")
        read_at = timezone.now()
        unread = Notification.objects.create(
            user_id=world.edu_liaison.pk,
            key="urge:1:1:0",
            kind="催办",
            title="【催办】报送已逾期3天",
            body="请尽快提交",
            url="/reporting/reports/1/",
        )
        seen = Notification.objects.create(
            user_id=world.kexie_liaison.pk,
            key="notice:2:1",
            kind="督办",
            title="【督办】任务1",
            read_at=read_at,
        )
        OldDelivery.objects.create(notification=unread, channel="site", ok=True, detail="站内消息")
        OldDelivery.objects.create(notification=unread, channel="email", ok=False, detail="未登记邮箱")
        OldDelivery.objects.create(notification=unread, channel="log", ok=True, detail="已写入日志")
        OldDelivery.objects.create(notification=seen, channel="site", ok=True)

        new = _migrate(AFTER)
        Message = new.get_model("messaging", "Message")
        Delivery = new.get_model("messaging", "Delivery")
        urge = Message.objects.get(recipient_id=world.edu_liaison.pk)
        assert (urge.kind, urge.key, urge.title, urge.body, urge.url, urge.read_at) == (
            "report_overdue",
            "urge:1:1:0",
            "【催办】报送已逾期3天",
            "请尽快提交",
            "/reporting/reports/1/",
            None,
        )
        channels = dict(Delivery.objects.filter(message=urge).values_list("channel", "status"))
        assert channels == {"inapp": "sent", "email": "failed"}  # the log stand-in reached nobody
        assert Delivery.objects.get(message=urge, channel="email").last_error == "未登记邮箱"
        notice = Message.objects.get(recipient_id=world.kexie_liaison.pk)
        assert notice.kind == "notice_issued" and notice.read_at == read_at
        assert Delivery.objects.get(message=notice).status == "read"
        assert "reporting_notification" not in connection.introspection.table_names()
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
