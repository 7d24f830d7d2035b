"""Menu entries of certification and the annual review (merged by ``kesu.venues.navigation``)."""

from __future__ import annotations

from kesu.accounts.access import Access
from kesu.core.navigation import Entry


def menu_entries(access: Access) -> list[Entry]:
    """Offices, leaders and liaisons (who file for their unit's institutions) reach both."""
    if not (access.is_office or access.is_leader or access.is_liaison):
        return []
    return [
        ("基地认定", "venues:batch_list", "patch-check", 41),
        ("基地年报", "venues:annual", "journal-check", 42),
    ]
