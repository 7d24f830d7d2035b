from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kesu.core.backup import BackupError, backup_sqlite


class Command(BaseCommand):
    help = "在线备份内置 SQLite 数据库到指定文件（默认 var/backups/kesu-时间.sqlite3）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("target", nargs="?", help="备份文件路径")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        target = Path(options["target"] or settings.DATA_DIR / "backups" / f"kesu-{stamp}.sqlite3")
        try:
            backup_sqlite(target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"已备份到 {target}")
