"""``kesu send_reminders``: run daily (cron or a systemd timer); running it twice sends nothing twice."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from kesu.reporting.notify import send_reminders


class Command(BaseCommand):
    help = "向未按时报送的单位发送提醒（截止前）和催办（逾期后），站内消息与邮件各记录一次"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按该日期计算（YYYY-MM-DD），默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        on = date.fromisoformat(options["date"]) if options.get("date") else timezone.localdate()
        sent = send_reminders(on)
        self.stdout.write(f"已发送 {sent} 条提醒/催办（{on:%Y-%m-%d}）")
