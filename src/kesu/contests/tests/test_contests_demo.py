"""The demo step of contests Part 1: 平顶山's settled and open provincial contests, loaded once."""

from __future__ import annotations

from typing import Any

import pytest

from kesu.contests.demo import load_contests
from kesu.contests.models import Award, Contest, ContestStatus
from kesu.core.demo import DemoAccounts
from kesu.indicators.actions import record_value
from kesu.plans.testing import plan_with_task_led_by

pytestmark = pytest.mark.django_db


def test_the_demo_awards_last_years_contest_opens_this_years_and_links_the_contest_tasks(world: Any) -> None:
    for region in world.pingdingshan.children.all():
        record_value(None, "population", region, "2024", 500_000, source="manual")
    _plan, task = plan_with_task_led_by(world.kexie)
    task.text = "组织参加全民科学素质网络竞赛"
    task.save()
    load_contests(DemoAccounts())
    load_contests(DemoAccounts())  # a second run keeps what is there
    contests = list(Contest.objects.filter(region=world.pingdingshan).order_by("year"))
    assert [c.status for c in contests] == [ContestStatus.AWARDED, ContestStatus.OPEN]
    assert all(list(c.plan_tasks.all()) == [task] for c in contests)
    assert contests[1].figures.filter(unit=world.edu_bureau).exists()
    assert contests[1].figures.filter(region__parent=world.pingdingshan).count() == 2
    assert Award.objects.filter(contest=contests[0], kind="region").exists()
    assert not Award.objects.filter(contest=contests[1]).exists()


def test_the_demo_opens_the_citys_own_quiz_that_a_phone_can_answer_at_once(world: Any) -> None:
    from django.test import Client

    from kesu.contests.demo import load_own_contest

    load_own_contest(DemoAccounts())
    load_own_contest(DemoAccounts())  # a second run keeps what is there
    own = Contest.objects.get(region=world.pingdingshan, kind="own")
    assert own.status == ContestStatus.OPEN and own.items.count() >= 100
    page = Client().get(f"/c/{own.public_key}/")
    assert page.status_code == 200 and own.name in page.content.decode()
