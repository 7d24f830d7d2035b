from __future__ import annotations

from kesu.accounts.access import Access
from kesu.core.navigation import Entry


def menu_entries(access: Access) -> list[Entry]:
    """Offices and leaders get the overview (人均科普经费); a liaison its unit's lines."""
    if access.is_office or access.is_leader:
        return [("科普经费", "funding:overview", "cash-coin", 58)]
    if access.is_liaison:
        return [("本单位科普经费", "funding:line_list", "cash-coin", 58)]
    return []
