from __future__ import annotations

from kesu.accounts.access import Access
from kesu.core.navigation import Entry


def menu_entries(access: Access) -> list[Entry]:
    if not (access.is_office or access.is_leader):
        return []
    return [
        ("监测评估", "indicators:home", "graph-up", 30),
        ("指标目录", "indicators:catalogue", "list-ul", 31),
        ("指标数值", "indicators:values", "123", 32),
    ]
