"""The side menu, by role: each app adds its entries here so the layout stays one template."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from kesu.core.http import AuthedRequest


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    icon: str
    active: bool = False


def menu_for(request: AuthedRequest) -> list[MenuItem]:
    access = request.user.access
    entries: list[tuple[str, str, str]] = [("工作台", "core:home", "house")]
    if access.is_office or access.is_leader:
        entries += [("实施方案", "plans:plan_list", "file-earmark-text")]
    entries += [("任务", "plans:task_list", "list-check")]
    if access.is_office or access.is_leader:
        entries += [("行政区划", "regions:region_list", "map"), ("成员单位", "regions:unit_list", "building")]
    elif access.is_liaison:
        entries += [("本单位", "regions:unit_list", "building")]
    if access.is_office:
        entries += [("用户与角色", "accounts:user_list", "people"), ("审计日志", "core:audit_list", "journal")]
    entries += [("接口文档", "api-docs", "code")]
    path = request.path
    items = []
    for label, name, icon in entries:
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        items.append(MenuItem(label, url, icon, active))
    return items
