"""Reporting's in-app notifications move into the message centre (``kesu.messaging``).

Each Notification becomes a Message of the same recipient, key, title, body, link, time and read
state, with its kind named as the message centre names it; its 站内 and 邮件 deliveries become
Delivery rows (已读 / 已发送 / 失败 with the old reason). The old ``log`` stand-in was no channel
anyone received, so it is not carried over. Then the old tables go."""

from __future__ import annotations

from typing import Any

from django.db import migrations

KINDS = {"提醒": "report_due", "催办": "report_overdue", "督办": "notice_issued", "退回": "report_returned"}
BATCH = 1000


def _delivery(Delivery: Any, message: Any, old: Any) -> Any | None:
    if old.channel == "site":
        status = "read" if message.read_at else "sent"
        return Delivery(message=message, channel="inapp", status=status, sent_at=old.at, created_at=old.at)
    if old.channel in ("email", "sms"):
        return Delivery(
            message=message,
            channel=old.channel,
            status="sent" if old.ok else "failed",
            sent_at=old.at if old.ok else None,
            last_error="" if old.ok else old.detail[:300],
            attempts=1,
            created_at=old.at,
        )
    return None


def copy_notifications(apps: Any, schema_editor: Any) -> None:
    Notification = apps.get_model("reporting", "Notification")
    OldDelivery = apps.get_model("reporting", "Delivery")
    Message = apps.get_model("messaging", "Message")
    Delivery = apps.get_model("messaging", "Delivery")
    taken = set(Message.objects.values_list("recipient_id", "key"))
    rows = Notification.objects.order_by("pk")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        fresh = [n for n in batch if (n.user_id, n.key) not in taken]
        messages = Message.objects.bulk_create(
            Message(
                recipient_id=n.user_id,
                kind=KINDS.get(n.kind, "report_due"),
                title=n.title,
                body=n.body,
                url=n.url,
                key=n.key,
                created_at=n.created_at,
                read_at=n.read_at,
            )
            for n in fresh
        )
        by_old = {n.pk: m for n, m in zip(fresh, messages, strict=True)}
        olds = OldDelivery.objects.filter(notification_id__in=list(by_old)).order_by("pk")
        deliveries = [_delivery(Delivery, by_old[d.notification_id], d) for d in olds]
        Delivery.objects.bulk_create([d for d in deliveries if d is not None], ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0006_notice_response_attachment"),
        ("messaging", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_notifications, migrations.RunPython.noop, elidable=False),
        migrations.DeleteModel(name="Delivery"),
        migrations.DeleteModel(name="Notification"),
    ]
