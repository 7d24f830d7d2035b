from __future__ import annotations

import importlib

from kesu.accounts.access import Access
from kesu.core.navigation import Entry

# The certification/annual and 科技馆 system parts may add their own entries (``menu_entries(access)``).
PART_MENUS = ("kesu.venues.navigation_certification", "kesu.venues.navigation_system")


def menu_entries(access: Access) -> list[Entry]:
    """Offices, leaders and liaisons (their unit's institutions) reach the registry."""
    entries: list[Entry] = []
    if access.is_office or access.is_leader or access.is_liaison:
        entries.append(("科普基地", "venues:institution_list", "building", 40))
    for name in PART_MENUS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        entries += module.menu_entries(access)
    return entries
