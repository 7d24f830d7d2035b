"""``kesu refresh_registry_counts [--year Y]``: write every registry's figures into the indicators.

Each registry (bases, the 科技馆 system, experts, volunteers, …) registers its refresher in
``kesu.core.registry_imports``; this runs them all for the year, with source 登记库. Run it yearly after
31 December, or after a correction; registry writes refresh the current year already.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from kesu.core.registry_imports import count_refreshers
from kesu.indicators.actions import values_batch


class Command(BaseCommand):
    help = "按各登记库（科普基地、科技馆体系、专家、志愿者等）重新计算并写入指标值（来源：登记库）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=None, help="年度，默认今年")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"] or timezone.localdate().year
        # Every registry's values first, then one recompute of the stored roll-ups they touched.
        with values_batch():
            written = {kind: refresh(year) for kind, refresh in count_refreshers().items()}
        self.stdout.write(json.dumps({"year": year, "written": written}, ensure_ascii=False))
