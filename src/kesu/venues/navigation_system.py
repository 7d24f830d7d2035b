"""Menu entries of the 科技馆 system, 示范创建 and 表彰 (merged by venues/navigation.py)."""

from __future__ import annotations

from kesu.accounts.access import Access
from kesu.core.navigation import Entry


def menu_entries(access: Access) -> list[Entry]:
    """Offices and leaders reach the whole part; a liaison the 表彰 its unit may recommend for."""
    if access.is_office or access.is_leader:
        return [
            ("科技馆体系", "venues:system_overview", "bank", 43),
            ("示范创建", "venues:system_creation_list", "award", 44),
            ("表彰奖励", "venues:system_call_list", "trophy", 45),
        ]
    if access.is_liaison:
        return [("表彰推荐", "venues:system_call_list", "trophy", 45)]
    return []
