from __future__ import annotations

from kesu.accounts.access import Access
from kesu.core.navigation import Entry


def menu_entries(access: Access) -> list[Entry]:
    if access.is_office or access.is_leader:
        return [("素质调查", "survey:index", "clipboard2-data", 35)]
    return []
