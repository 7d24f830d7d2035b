from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kesu.core.demo import DEMO_PASSWORD, DemoAccounts, load_demo


class Command(BaseCommand):
    help = "载入演示数据（行政区划、示例地区的成员单位与账号），可重复运行，不会覆盖已有数据"

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = DemoAccounts()
        load_demo(accounts)
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。演示账号（密码均为 {DEMO_PASSWORD}）："))
        for username, role, where in accounts.rows:
            self.stdout.write(f"  {username:<22} {role:<10} {where}")
