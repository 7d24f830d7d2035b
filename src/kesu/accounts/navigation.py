from __future__ import annotations

from kesu.accounts.access import Access
from kesu.core.navigation import Entry


def menu_entries(access: Access) -> list[Entry]:
    return [("用户与角色", "accounts:user_list", "people", 80)] if access.is_office else []
