from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kesu.core.audit import verify_chain


class Command(BaseCommand):
    help = "校验审计日志的哈希链：报告第一条被改动（或其前一条被删除）的事件；完好时退出码为 0"

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = verify_chain()
        if broken is None:
            self.stdout.write(f"审计日志完好（OK）：已校验 {checked} 条事件。")
            return
        raise CommandError(
            f"审计日志在第 {checked} 条处断裂：事件 id={broken.pk}"
            f"（{timezone.localtime(broken.at):%Y-%m-%d %H:%M:%S} {broken.verb} {broken.target_repr}）"
            "的内容被改动，或它之前的事件被删除。",
            returncode=1,
        )
