from __future__ import annotations

from kesu.accounts.access import Access
from kesu.core.navigation import Entry


def menu_entries(access: Access) -> list[Entry]:
    """Offices and leaders: the contests; a liaison: its own unit's figures (the only rows it reads)."""
    if access.is_office or access.is_leader:
        return [("科普竞赛", "contests:contest_list", "trophy", 57)]
    if access.is_liaison:
        return [("本单位竞赛成绩", "contests:my_figures", "trophy", 57)]
    return []
