"""Test helpers of the plans app, including the URL samples the URL walk test uses."""

from __future__ import annotations

from typing import Any

from kesu.plans.models import Plan, PlanStatus, Responsibility, Target, Task
from kesu.regions.models import Unit


def plan_with_task_led_by(unit: Unit) -> tuple[Plan, Task]:
    """A published plan of the unit's region with one task only that unit leads."""
    plan = Plan.objects.create(
        region=unit.region, title=f"{unit.region.name}方案", status=PlanStatus.PUBLISHED
    )
    task = Task.objects.create(plan=plan, external_id="1", order=1, title="任务", text="内容")
    Responsibility.objects.create(task=task, role="lead", mention=unit.name, unit=unit)
    return plan, task


def url_samples(owner_unit: Unit, owner_region: Any, owner_user: Any) -> dict[str, Any]:
    """URL keyword → an object belonging to ``owner_unit``'s side (see tests/test_every_url_respects_scope.py)."""
    plan, task = plan_with_task_led_by(owner_unit)
    target = Target.objects.create(task=task, indicator="场次", value=10, unit="场")
    return {
        "plan_id": plan.pk,
        "task_id": task.pk,
        "target_id": target.pk,
        "plan-detail:pk": plan.pk,
        "task-detail:pk": task.pk,
    }
