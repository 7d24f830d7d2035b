from __future__ import annotations

from kesu.accounts.access import Access
from kesu.core.navigation import Entry


def menu_entries(access: Access) -> list[Entry]:
    entries: list[Entry] = [
        ("报送待办", "reporting:todo", "inbox", 20),
        ("督办", "reporting:notice_list", "flag", 23),
    ]
    if access.is_office or access.is_leader:
        entries += [
            ("报送状态", "reporting:cycle_list", "stoplights", 21),
            ("年度考核", "reporting:scheme_list", "award", 24),
        ]
    return entries
