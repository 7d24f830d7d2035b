"""The side menu, by role: each app lists its entries in its navigation.py."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from kesu.accounts.access import Access
from kesu.core.http import AuthedRequest
from kesu.core.registry import app_modules

# (label, URL name, Bootstrap icon, position): position orders entries across apps.
Entry = tuple[str, str, str, int]


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    icon: str
    active: bool = False


def menu_entries(access: Access) -> list[Entry]:
    entries: list[Entry] = [("工作台", "core:home", "house", 0)]
    if access.is_office:
        # The API serves offices' own tools; liaisons and leaders work in the pages only.
        entries += [("审计日志", "core:audit_list", "journal", 90), ("接口文档", "api-docs", "code", 99)]
    return entries


def menu_for(request: AuthedRequest) -> list[MenuItem]:
    access = request.user.access
    entries = [e for module in app_modules("navigation") for e in module.menu_entries(access)]
    items = []
    for label, name, icon, _position in sorted(entries, key=lambda e: e[3]):
        url = reverse(name)
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append(MenuItem(label, url, icon, active))
    return items
