"""The side menu, by role: each app lists its entries in its navigation.py."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from kesu.accounts.access import Access
from kesu.core.http import AuthedRequest
from kesu.core.registry import app_modules

# (label, URL name, Bootstrap icon, position): position orders entries across apps.
Entry = tuple[str, str, str, int]


# Where a group of entries starts (by position) and its heading: a long menu read in sections.
SECTIONS = ((10, "方案与报送"), (30, "监测与调查"), (40, "登记库"), (60, "系统管理"))


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    icon: str
    active: bool = False
    section: str = ""  # the heading shown above this entry, when it opens a section


def section_of(position: int) -> str:
    return next((name for start, name in reversed(SECTIONS) if position >= start), "")


def menu_entries(access: Access) -> list[Entry]:
    entries: list[Entry] = [("工作台", "core:home", "house", 0)]
    if access.is_office:
        # The API serves offices' own tools; liaisons and leaders work in the pages only.
        entries += [("审计日志", "core:audit_list", "journal", 90), ("接口文档", "api-docs", "code", 99)]
    return entries


def menu_for(request: AuthedRequest) -> list[MenuItem]:
    access = request.user.access
    entries = sorted(
        (e for module in app_modules("navigation") for e in module.menu_entries(access)), key=lambda e: e[3]
    )
    urls = [reverse(name) for _label, name, _icon, _position in entries]
    # The entry whose address is the longest prefix of this page is the one lit: /experts/events/ lights
    # 应急科普, not 科普专家 (/experts/) as well.
    matching = [url for url in urls if (request.path == url if url == "/" else request.path.startswith(url))]
    current = max(matching, key=len, default=None)
    items, shown = [], ""
    for (label, _name, icon, position), url in zip(entries, urls, strict=True):
        section = section_of(position)
        items.append(MenuItem(label, url, icon, url == current, section if section != shown else ""))
        shown = section
    return items
