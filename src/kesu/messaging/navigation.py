from __future__ import annotations

from kesu.accounts.access import Access
from kesu.core.navigation import Entry


def menu_entries(access: Access) -> list[Entry]:
    entries: list[Entry] = [("消息中心", "messaging:centre", "bell", 1)]
    if access.is_office or access.is_liaison:
        entries.append(("工作群机器人", "messaging:robots", "robot", 95))
    return entries
