from __future__ import annotations

from kesu.accounts.access import Access
from kesu.core.navigation import Entry


def menu_entries(access: Access) -> list[Entry]:
    entries: list[Entry] = [("任务", "plans:task_list", "list-check", 11)]
    if access.is_office or access.is_leader:
        entries.append(("实施方案", "plans:plan_list", "file-earmark-text", 10))
    return entries
