"""Where other apps plug figures into the dashboards, so indicators never imports them.

The reporting app registers, from its ``AppConfig.ready``:

- ``register_task_status_provider(fn)``: ``fn(task_ids: list[int]) -> dict[int, str]`` giving each
  task's latest status label (e.g. 正常推进 / 滞后 / 已完成);
- ``register_completeness_provider(fn)``: ``fn(region) -> list[dict]`` with rows like
  ``{"cycle": "2025年上半年", "expected": 30, "submitted": 27, "on_time": 25}``.

Without a provider the dashboards show task counts only and say reporting has no data yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TaskStatusProvider = Callable[[list[int]], dict[int, str]]
CompletenessProvider = Callable[[Any], list[dict[str, Any]]]

_task_status: list[TaskStatusProvider] = []
_completeness: list[CompletenessProvider] = []


def register_task_status_provider(provider: TaskStatusProvider) -> None:
    if provider not in _task_status:
        _task_status.append(provider)


def register_completeness_provider(provider: CompletenessProvider) -> None:
    if provider not in _completeness:
        _completeness.append(provider)


def task_statuses(task_ids: list[int]) -> dict[int, str]:
    """Each task's status from reporting; empty when reporting has nothing (or is not installed)."""
    statuses: dict[int, str] = {}
    for provider in _task_status:
        statuses.update(provider(task_ids))
    return statuses


def reporting_completeness(region: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for provider in _completeness:
        rows.extend(provider(region))
    return rows
