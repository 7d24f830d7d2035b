"""The hot pages cost the same number of SQL statements whatever the number of rows they show.

Each test builds a page's rows at two sizes (N and 3N tasks, units, reports or cycles, each row with
what it usually carries: responsibilities, a target, a filled entry, evidence, a notice) and compares
the statements of the second request of the page (the first pays for session and content types). A
query per row shows as a difference of 2N statements.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kesu.accounts.models import User
from kesu.periods import Period
from kesu.plans.models import Plan, PlanStatus, Responsibility, Target, Task
from kesu.regions import actions as region_actions
from kesu.regions.models import Region, Unit
from kesu.reporting import actions, supervision
from kesu.reporting.models import Cycle, Report
from kesu.reporting.testing import PNG
from kesu.testing import World

pytestmark = pytest.mark.django_db

N = 3
_plans = iter(range(1, 1000))


@pytest.fixture(autouse=True)
def evidence_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def statements(user: User, url: str, *, shows: str = "") -> int:
    """The statements of the second request of the page, which must show ``shows`` (a row near the end)."""
    client = Client()
    client.force_login(user)
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200 and shows in response.content.decode()
    print(f"{url}: {len(queries.captured_queries)} statements")
    return len(queries.captured_queries)


def published_plan(region: Region, leads: list[Unit], *, partner: Unit | None = None) -> Plan:
    """A published plan with one task per lead unit, each with a target and a participating partner."""
    number = next(_plans)
    plan = Plan.objects.create(
        region=region,
        title=f"{region.name}测试方案{number}",
        status=PlanStatus.PUBLISHED,
        period_start=2021,
        period_end=2025,
    )
    for order, unit in enumerate(leads, start=1):
        task = Task.objects.create(
            plan=plan,
            external_id=str(order),
            order=order,
            title=f"方案{number}任务{order}",
            text="内容",
            part_kind="action" if order % 2 else "project",
        )
        Responsibility.objects.create(task=task, role="lead", mention=unit.name, unit=unit)
        if partner is not None and partner != unit:
            Responsibility.objects.create(task=task, role="participating", mention=partner.name, unit=partner)
        Target.objects.create(
            task=task, indicator="市级科普教育基地", value=150 + order, unit="个", year=2025
        )
    return plan


def open_and_fill(plan: Plan, *, submit: bool = True) -> Cycle:
    """The plan's cycle with every lead entry filled and given evidence, and the reports submitted."""
    cycle = actions.open_cycle(None, plan, Period.parse("2025H1"), due_date=date(2099, 6, 30))
    for report in cycle.reports.all():
        for entry in report.entries.all():
            if not entry.is_lead:
                continue
            entry = actions.save_entry(
                None, entry, version=entry.version, status="in_progress", percent=40, narrative="按计划推进"
            )
            actions.add_evidence(None, entry, PNG, "现场.png")
        if submit and report.entries.filter(role="lead").exists():
            actions.submit_report(None, report)
    return cycle


def new_units(region: Region, count: int, prefix: str) -> list[Unit]:
    return [region_actions.create_unit(None, region, f"{prefix}单位{i}") for i in range(count)]


def test_the_plan_page_costs_the_same_for_three_times_the_tasks(world: World) -> None:
    small = published_plan(world.pingdingshan, [world.edu_bureau] * N, partner=world.kexie)
    large = published_plan(world.pingdingshan, [world.edu_bureau] * (3 * N), partner=world.kexie)
    last = large.tasks.order_by("-order")[0].title
    assert statements(world.pds_office, f"/plans/{small.pk}/") == statements(
        world.pds_office, f"/plans/{large.pk}/", shows=last
    )


def test_the_status_board_costs_the_same_for_three_times_the_units(world: World) -> None:
    small = open_and_fill(published_plan(world.pingdingshan, new_units(world.pingdingshan, N, "甲")))
    large = open_and_fill(published_plan(world.pingdingshan, new_units(world.pingdingshan, 3 * N, "乙")))
    assert small.reports.count() == N and large.reports.count() == 3 * N
    assert statements(world.pds_office, f"/reporting/cycles/{small.pk}/") == statements(
        world.pds_office, f"/reporting/cycles/{large.pk}/", shows="乙单位8"
    )


def test_the_report_page_costs_the_same_for_three_times_the_tasks(world: World) -> None:
    small = open_and_fill(
        published_plan(world.pingdingshan, [world.edu_bureau] * N, partner=world.kexie), submit=False
    )
    large = open_and_fill(
        published_plan(world.pingdingshan, [world.edu_bureau] * (3 * N), partner=world.kexie), submit=False
    )
    pages = [Report.objects.get(cycle=c, unit=world.edu_bureau).get_absolute_url() for c in (small, large)]
    last = large.plan.tasks.order_by("-order")[0].title
    assert statements(world.edu_liaison, pages[0]) == statements(world.edu_liaison, pages[1], shows=last)
    office = [Report.objects.get(cycle=c, unit=world.kexie).get_absolute_url() for c in (small, large)]
    assert statements(world.kexie_liaison, office[0]) == statements(world.kexie_liaison, office[1])


def test_the_liaison_to_do_list_costs_the_same_for_three_times_the_reports(world: World) -> None:
    def add_cycles(count: int) -> None:
        for _ in range(count):
            cycle = open_and_fill(
                published_plan(world.pingdingshan, [world.edu_bureau] * 2, partner=world.kexie), submit=False
            )
            task = cycle.plan.tasks.first()
            assert task is not None
            supervision.issue_notice(None, task, world.edu_bureau, "请加快推进", date(2099, 7, 31), cycle)

    add_cycles(N)
    small = statements(world.edu_liaison, "/reporting/todo/")
    add_cycles(2 * N)
    assert statements(world.edu_liaison, "/reporting/todo/") == small


def test_the_region_overview_costs_the_same_for_three_times_the_tasks(world: World) -> None:
    url = f"/indicators/regions/{world.pingdingshan.code}/"
    open_and_fill(
        published_plan(world.pingdingshan, new_units(world.pingdingshan, N, "甲"), partner=world.kexie)
    )
    small = statements(world.pds_office, url)
    open_and_fill(
        published_plan(world.pingdingshan, new_units(world.pingdingshan, 2 * N, "乙"), partner=world.kexie)
    )
    assert statements(world.pds_office, url) == small
