"""``kesu import_registry <kind> FILE --region CODE [--dry-run]``: one registry import from the shell.

Generic over the registries (bases, experts, volunteers, …): each app registers its importer in
``kesu.core.registry_imports``. Prints one JSON object ``{"created", "updated", "errors"}`` and exits
0 when nothing is wrong, 2 when anything is (then nothing was written).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kesu.core.registry_imports import ImportResult, RowError, importer, importers
from kesu.regions.models import Region

FAILED = 2


class Command(BaseCommand):
    help = "导入登记库（科普教育基地、专家、志愿者等）的 xlsx/CSV 文件，输出一行 JSON；有任何问题时不写入数据并以 2 退出"

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = "、".join(item.kind for item in importers()) or "bases"
        parser.add_argument("kind", help=f"登记库种类：{kinds}")
        parser.add_argument("file", help="xlsx 或 CSV 文件")
        parser.add_argument("--region", required=True, help="导入到的区划代码（12 位），文件中的区划应在其下")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        result = run(options["kind"], Path(options["file"]), options["region"], dry_run=options["dry_run"])
        self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        if not result.ok:
            sys.exit(FAILED)


def run(kind: str, path: Path, region_code: str, *, dry_run: bool) -> ImportResult:
    try:
        registered = importer(kind)
    except KeyError as error:
        return _failed(str(error.args[0]))
    region = Region.objects.filter(code=region_code.strip()).first()
    if region is None:
        return _failed(f"区划代码“{region_code}”不存在")
    try:
        data = path.read_bytes()
    except OSError as error:
        return _failed(f"无法读取文件“{path}”：{error.strerror or error}")
    return registered.run(None, region, data, path.name, dry_run=dry_run)


def _failed(message: str) -> ImportResult:
    return ImportResult(errors=[RowError(0, "", message)])
