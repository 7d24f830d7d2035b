from __future__ import annotations

from typing import Any

from kesu.plans.api.views import PlanViewSet, TaskViewSet


def register(router: Any) -> None:
    router.register("plans", PlanViewSet, basename="plan")
    router.register("tasks", TaskViewSet, basename="task")
