from __future__ import annotations

from kesu.accounts.access import Access
from kesu.core.navigation import Entry


def menu_entries(access: Access) -> list[Entry]:
    if access.is_office or access.is_leader:
        return [
            ("行政区划", "regions:region_list", "map", 60),
            ("成员单位", "regions:unit_list", "building", 61),
        ]
    if access.is_liaison:
        return [("本单位", "regions:unit_list", "building", 61)]
    return []
