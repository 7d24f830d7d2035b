from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from kesu.stats.cli import main


class Command(BaseCommand):
    help = "按分层整群抽样设计估计比例或均值及其标准误（可选 raking 校准），不访问数据库。参数见 --help"
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def run_from_argv(self, argv: list[str]) -> None:
        # The statistics CLI owns its argument parsing; pass everything after the command name.
        sys.exit(main(argv[2:]))

    def handle(self, *args: Any, **options: Any) -> None:  # pragma: no cover - run_from_argv does the work
        raise NotImplementedError
