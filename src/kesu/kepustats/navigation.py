from __future__ import annotations

from kesu.accounts.access import Access
from kesu.core.navigation import Entry


def menu_entries(access: Access) -> list[Entry]:
    if not (access.is_office or access.is_leader or access.is_liaison):
        return []
    return [("科普统计", "kepustats:index", "clipboard-data", 58)]
