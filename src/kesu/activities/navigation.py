from __future__ import annotations

from kesu.accounts.access import Access
from kesu.core.navigation import Entry


def menu_entries(access: Access) -> list[Entry]:
    """Everyone with a role: activities (a liaison enters its own there, on the phone), the campaigns
    it takes part in and the resource library; each page shows only what the user may see."""
    if not (access.is_office or access.is_leader or access.is_liaison):
        return []
    return [
        ("科普活动", "activities:activity_list", "calendar-event", 54),
        ("主题活动", "activities:campaign_list", "megaphone", 55),
        ("科普资源", "activities:resource_list", "collection-play", 56),
    ]
