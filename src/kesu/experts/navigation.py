from __future__ import annotations

from kesu.accounts.access import Access
from kesu.core.navigation import Entry


def menu_entries(access: Access) -> list[Entry]:
    if access.is_office or access.is_leader:
        # One entry: the list links the selection, the emergency roster and its events, all under /experts/,
        # so a second entry would light up beside it on every page.
        return [("科普专家", "experts:expert_list", "person-badge", 50)]
    if access.is_liaison:  # the experts and applications their unit recommended
        return [("推荐的专家", "experts:application_list", "person-badge", 50)]
    return []
