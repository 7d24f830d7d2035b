from __future__ import annotations

from kesu.accounts.access import Access
from kesu.core.navigation import Entry


def menu_entries(access: Access) -> list[Entry]:
    if not (access.is_office or access.is_leader):
        return []
    return [
        ("科技志愿者", "volunteers:overview", "people", 52),
        ("志愿者名单", "volunteers:volunteer_list", "person-vcard", 53),
    ]
