"""``kesu send_messages``: send the messages that are due now, digests included.

The workers send on their own (``kesu db_worker`` runs the passes that ``notify`` schedules); run
this from cron every few minutes as a safety net, or with ``--wake`` to only queue a pass.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kesu.messaging import delivery
from kesu.messaging.job_kinds import kick, worker_name


class Command(BaseCommand):
    help = "发送到期的消息（含每日汇总）；供 cron 定时运行，作为后台任务之外的保障。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seconds", type=float, default=50, help="最多运行多少秒")
        parser.add_argument("--wake", action="store_true", help="只为后台任务进程排入一次发送")

    def handle(self, *args: Any, seconds: float, wake: bool, **options: Any) -> None:
        if wake:
            kick()
            self.stdout.write("已排入发送任务")
            return
        delivery.run_pass(worker_name(), seconds=seconds)
        self.stdout.write(f"待发送 {delivery.due_count()} 条")
