from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from kesu.docparse.cli import main


class Command(BaseCommand):
    help = (
        "解析一份实施方案或工作要点（txt、docx、pdf、doc、wps；扫描件 PDF 或按顺序列出的 JPG/PNG 页面用 OCR 识别），"
        "在标准输出打印 JSON；不访问数据库"
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", nargs="+", help="方案文件路径，或按页序排列的多张图片")

    def handle(self, *args: Any, **options: Any) -> None:
        code = main(list(options["path"]))
        if code:
            sys.exit(code)
