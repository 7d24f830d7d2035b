"""方案对比: rows by the indicator a target measures, columns by plan, chosen by the office."""

from __future__ import annotations

from typing import Any

import pytest

from kesu.indicators import actions as indicator_actions
from kesu.plans.models import Plan, PlanStatus, Target, Task

pytestmark = pytest.mark.django_db


def _plan(
    region: Any, title: str, targets: list[tuple[str, str, float, str]], *, status: str = PlanStatus.PUBLISHED
) -> Plan:
    plan = Plan.objects.create(region=region, title=title, status=status, period_start=2021, period_end=2025)
    for order, (phrase, text, value, unit) in enumerate(targets, start=1):
        task = Task.objects.create(plan=plan, external_id=str(order), order=order, title=text, text=text)
        Target.objects.create(task=task, indicator=phrase, text=text, value=value, unit=unit, year=2025)
    return plan


@pytest.fixture
def plans(world: Any) -> tuple[Plan, Plan, Plan]:
    indicator_actions.ensure_catalogue()
    city = _plan(
        world.pingdingshan,
        "平顶山市科学素质行动实施方案",
        [
            ("注册科技志愿者", "全市注册科技志愿者5000人以上", 5000, "人"),
            ("科普信息员", "每个网格明确1名科普信息员", 1, "名"),
        ],
    )
    county = _plan(
        world.pingyin,
        "平阴县科学素质行动实施方案",
        [("科技志愿者注册人数", "科技志愿者注册人数达到800人", 800, "人")],
    )
    draft = _plan(
        world.pingdingshan,
        "平顶山市2026年工作要点（征求意见稿）",
        [("注册科技志愿者", "注册科技志愿者5500人", 5500, "人")],
        status=PlanStatus.DRAFT,
    )
    target = Target.objects.get(task__plan=city, indicator="注册科技志愿者")
    indicator_actions.link_target(
        world.pds_office, target, indicator_actions.indicator_by_code("volunteer_count")
    )
    return city, county, draft


def test_targets_worded_differently_meet_in_one_row_by_their_indicator(
    world: Any, client_for: Any, plans
) -> None:
    city, county, _draft = plans
    response = client_for(world.admin).get("/indicators/plans/compare/", {"plans": [city.pk, county.pk]})
    row = next(row for row, _columns in response.context["rows"] if row.name == "注册科技志愿者数")
    assert [(c.text, c.suggested) for c in row.in_plan(city)] == [("≥5000人（2025年）", False)]
    assert [(c.text, c.suggested) for c in row.in_plan(county)] == [
        ("≥800人（2025年）", True)
    ]  # not confirmed: 推荐
    page = response.content.decode()
    assert "平顶山市科学素质行动实施方案" in page and "平阴县科学素质行动实施方案" in page and "推荐" in page


def test_drafts_are_compared_only_when_asked(world: Any, client_for: Any, plans) -> None:
    *_published, draft = plans
    client = client_for(world.admin)
    assert draft not in client.get("/indicators/plans/compare/").context["plans"]
    assert "征求意见稿" not in client.get("/indicators/plans/compare/").content.decode()
    asked = client.get("/indicators/plans/compare/", {"plans": [draft.pk], "drafts": "1"})
    assert asked.context["plans"] == [draft]


def test_the_office_chooses_which_plans_are_columns(world: Any, client_for: Any, plans) -> None:
    city, county, _draft = plans
    response = client_for(world.admin).get("/indicators/plans/compare/", {"plans": [county.pk]})
    assert response.context["plans"] == [county]


def test_the_plans_pages_compare_link_leads_to_the_comparison_with_its_choices(
    world: Any, client_for: Any
) -> None:
    response = client_for(world.admin).get("/plans/compare/?plans=3&drafts=1")
    assert (
        response.status_code == 302 and response["Location"] == "/indicators/plans/compare/?plans=3&drafts=1"
    )


def test_a_target_with_no_indicator_is_listed_apart_with_a_link_to_link_it(
    world: Any, client_for: Any, plans
) -> None:
    city, _county, _draft = plans
    grid = Target.objects.get(task__plan=city, indicator="科普信息员")
    response = client_for(world.pds_office).get("/indicators/plans/compare/", {"plans": [city.pk]})
    assert [(plan, target) for plan, target in response.context["comparison"].unlinked] == [(city, grid)]
    assert f"/indicators/plans/{city.pk}/links/#target-{grid.pk}" in response.content.decode()
