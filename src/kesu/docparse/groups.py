"""Key groups (重点人群) and the family of a task's part (提升行动 / 重点工程)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

KEY_GROUPS: dict[str, re.Pattern[str]] = {
    "青少年": re.compile(r"青少年|中小学生?|未成年人|学生"),
    "农民": re.compile(r"农民"),
    "产业工人": re.compile(r"产业工人|城镇劳动者|职工"),
    "老年人": re.compile(r"老年|老龄|银龄|银发"),
    "领导干部和公务员": re.compile(r"领导干部|公务员"),
}

ACTION, PROJECT, OTHER = "action", "project", "other"


class _HasHeadings(Protocol):
    @property
    def headings(self) -> list[str]: ...

    @property
    def title(self) -> str: ...


def groups_in(text: str) -> list[str]:
    return [name for name, pattern in KEY_GROUPS.items() if pattern.search(text)]


def key_groups(task: _HasHeadings | Mapping[str, Any]) -> list[str]:
    """The key groups a task serves: named by its nearest heading that names any, else by its title.

    Takes a parsed Task or its JSON dict (which carries ``headings``)."""
    if isinstance(task, Mapping):
        headings = list(task.get("headings") or [])
        title = str(task.get("title") or "")
    else:
        headings, title = list(task.headings), task.title
    for heading in reversed(headings):
        found = groups_in(heading)
        if found:
            return found
    return groups_in(title)


def part_kind(headings: list[str]) -> str:
    """``action`` under a 提升行动 heading, ``project`` under a (重点)工程 one, else ``other``."""
    for heading in headings:
        has_action, has_project = "行动" in heading, "工程" in heading
        if has_action and not has_project:
            return ACTION
        if has_project and not has_action:
            return PROJECT
        if has_action and has_project:
            return ACTION if heading.rfind("行动") > heading.rfind("工程") else PROJECT
    return OTHER
