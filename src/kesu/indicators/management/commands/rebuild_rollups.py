"""``kesu rebuild_rollups``: recompute the stored roll-ups the overviews read (after an upgrade or a bulk load)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from kesu.indicators import rollups


class Command(BaseCommand):
    help = "重新计算各区划的指标汇总值（升级后或绕过导入功能批量装入数值后运行）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("indicators", nargs="*", help="只重算这些指标代码（默认全部）")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        stored = rollups.rebuild_all(options["indicators"] or None)
        self.stdout.write(f"已重算汇总值 {stored} 条，用时 {time.perf_counter() - started:.1f} 秒")
