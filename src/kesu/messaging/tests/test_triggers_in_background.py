"""Messages never slow down the action that triggers them: the office's request that opens a cycle
only queues the composing (a background task, after the commit), whatever the number of units; the
task then tells every unit's liaisons, each of its own report only.

Tests use django-tasks' immediate backend: the queued task runs when the commit callbacks run.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role, User
from kesu.messaging.models import Message
from kesu.periods import Period
from kesu.plans.models import Plan, PlanStatus, Responsibility, Task
from kesu.regions import actions as region_actions
from kesu.reporting import actions, notify
from kesu.reporting.models import Cycle
from kesu.testing import PASSWORD, World

pytestmark = pytest.mark.django_db

# The request's own statements (session, scope, form, the cycle's rows in bulk, audit, the queued
# task): 17 measured with 3 units and with 30; the same bound must hold for both.
REQUEST_QUERIES = 20


def plan_with_units(world: World, count: int, prefix: str = "测试单位") -> tuple[Plan, list[User]]:
    """A published plan of 平顶山市 with one task led by each of ``count`` new units, each unit with
    its own liaison."""
    plan = Plan.objects.create(
        region=world.pingdingshan,
        title=f"平顶山市科学素质实施方案（{prefix}）",
        status=PlanStatus.PUBLISHED,
        period_start=2021,
        period_end=2025,
    )
    liaisons = []
    for number in range(1, count + 1):
        unit = region_actions.create_unit(None, world.pingdingshan, f"{prefix}{number:03d}")
        task = Task.objects.create(
            plan=plan, external_id=str(number), order=number, title=f"任务{number}", text="内容"
        )
        Responsibility.objects.create(task=task, role="lead", mention=unit.name, unit=unit)
        liaisons.append(
            account_actions.create_user(
                None,
                f"{prefix}-{number:03d}",
                PASSWORD,
                display_name=f"联络员{number}",
                role=Role.LIAISON,
                unit=unit,
            )
        )
    return plan, liaisons


def open_over_http(client: Any, plan: Plan) -> Any:
    return client.post(
        "/reporting/cycles/",
        {"plan": plan.pk, "period": "2025H2", "timely_days": 0, "lock_days": 30, "warn_days": 7},
    )


@pytest.mark.parametrize("units", [3, 30])
def test_the_request_that_opens_a_cycle_runs_the_same_few_queries_for_3_or_30_units(
    world: World,
    units: int,
    client_for: Any,
    django_assert_max_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    plan, liaisons = plan_with_units(world, units)
    office = client_for(world.pds_office)
    office.get("/")  # the session and scope are settled before the measured request
    with django_capture_on_commit_callbacks() as queued, django_assert_max_num_queries(REQUEST_QUERIES):
        assert open_over_http(office, plan).status_code == 302
    assert Message.objects.filter(kind="cycle_opened").count() == 0  # nothing composed in the request

    with django_capture_on_commit_callbacks(execute=True):  # the commit: the task is queued …
        for callback in queued:
            callback()  # … and the immediate backend runs it once the queueing commits
    cycle = Cycle.objects.get(plan=plan)
    for liaison in liaisons:
        [message] = Message.objects.filter(recipient=liaison, kind="cycle_opened")
        report = cycle.reports.get(unit__name=liaison.username.replace("-", ""))
        assert message.url == report.get_absolute_url()
        assert f"{report.unit.name}：" in message.body and "本单位共 1 项任务" in message.body
    assert Message.objects.filter(kind="cycle_opened").count() == units  # nobody else, nobody twice


def test_the_request_costs_no_more_queries_with_ten_times_the_units(
    world: World, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    office = client_for(world.pds_office)
    office.get("/")
    counts = []
    for units, prefix in ((3, "小"), (30, "大")):
        plan, _ = plan_with_units(world, units, prefix)
        with django_capture_on_commit_callbacks(), CaptureQueriesContext(connection) as queries:
            assert open_over_http(office, plan).status_code == 302
        counts.append(len(queries))
    assert counts[1] <= counts[0]


def test_running_the_task_twice_tells_nobody_twice(
    world: World, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    plan, liaisons = plan_with_units(world, 3)
    with django_capture_on_commit_callbacks(execute=True):
        open_over_http(client_for(world.pds_office), plan)
    cycle = Cycle.objects.get(plan=plan)
    assert notify.compose_messages.call("cycle_opened", cycle.pk, world.pds_office.pk) == 0  # a retried job
    assert Message.objects.filter(kind="cycle_opened").count() == 3
    assert {m.actor for m in Message.objects.filter(kind="cycle_opened")} == {world.pds_office}


def test_each_liaison_is_told_of_its_own_units_report_only(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """Per recipient through visible_to: a liaison of the first unit is told nothing of the others."""
    plan, liaisons = plan_with_units(world, 3)
    with django_capture_on_commit_callbacks(execute=True):
        cycle = actions.open_cycle(None, plan, Period.parse("2025H2"))
    first = cycle.reports.get(unit__name="测试单位001")
    [told] = Message.objects.filter(recipient=liaisons[0])
    assert told.url == first.get_absolute_url()
    assert "测试单位002" not in told.body and "测试单位003" not in told.body
    assert Message.objects.filter(recipient=world.edu_liaison).count() == 0
