from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kesu.core.backup import BackupError, restore_sqlite


class Command(BaseCommand):
    help = "用备份文件恢复内置 SQLite 数据库（会覆盖当前数据，请先停止网站与后台任务进程）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("backup", help="备份文件路径")
        parser.add_argument("--yes", action="store_true", help="不再确认，直接恢复")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            answer = input("恢复会覆盖当前数据库中的全部数据，确定继续吗？输入 yes 确认：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消")
        try:
            restore_sqlite(Path(options["backup"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write("已恢复。")
