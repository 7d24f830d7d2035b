"""Honest statuses: a target is judged only on a confirmed link to an indicator of its own kind, and
the figure shown is the one it was judged on, in words a leader reads."""

from __future__ import annotations

from typing import Any

import pytest

from kesu.indicators import actions
from kesu.indicators.catalogue import Kind, suggest_code, target_kind
from kesu.indicators.testing import import_published_plan
from kesu.plans.models import Target

pytestmark = pytest.mark.django_db


def _page(client: Any, world: Any) -> str:
    return client.get(f"/indicators/regions/{world.pingdingshan.code}/").content.decode()


def _status(client: Any, world: Any, target: Target) -> Any:
    response = client.get(f"/indicators/regions/{world.pingdingshan.code}/")
    return next(s for s in response.context["statuses"] if s.target.pk == target.pk)


def test_a_per_grid_target_is_never_suggested_the_total_count_of_informants() -> None:
    assert target_kind("科普信息员", "每个网格明确1名科普信息员", "名") is Kind.PER_UNIT
    assert suggest_code("科普信息员", "每个网格明确1名科普信息员", "名") is None
    assert suggest_code("科普信息员注册人数", "全市科普信息员达到3000人", "人") == ("informant_count", {})
    assert target_kind("职业培训", "每年完成各类职业培训15万人次", "万人次") is Kind.COUNT  # 每年 is a period


def test_a_demonstration_base_target_is_not_counted_as_science_education_bases() -> None:
    assert suggest_code("市级科普示范基地", "创建5个市级科普示范基地", "个") is None
    assert suggest_code("市级科普教育基地", "市级科普教育基地达到15个", "个") == (
        "base_count",
        {"级别": "市级"},
    )


def test_a_coverage_target_is_suggested_a_coverage_and_a_share_of_people_a_rate() -> None:
    assert suggest_code("科普信息员覆盖率", "科普信息员覆盖率达到90%", "%") == ("informant_coverage", {})
    assert suggest_code("信息员注册比例", "信息员注册比例达到常住人口的2%", "%") == ("informant_rate", {})


def test_suggesting_links_leaves_a_per_grid_target_unlinked(world: Any) -> None:
    plan = import_published_plan(world.pingdingshan)
    task = plan.tasks.first()
    grid = Target.objects.create(
        task=task, indicator="科普信息员", value=1, unit="名", text="每个网格明确1名科普信息员"
    )
    actions.suggest_links(world.pds_office, [grid])
    assert not hasattr(Target.objects.get(pk=grid.pk), "indicator_link")


def test_a_suggested_link_shows_unconfirmed_and_no_status_until_the_office_confirms_it(
    world: Any, client_for: Any
) -> None:
    plan = import_published_plan(world.pingdingshan)
    target = Target.objects.get(task__plan=plan, text="全市注册科技志愿者5000人以上")
    volunteers = actions.indicator_by_code("volunteer_count")
    actions.link_target(None, target, volunteers, baseline_year=2020, baseline_value=1000, confirmed=False)
    actions.record_value(None, "volunteer_count", world.pingdingshan, "2023", 3400, source="registry")
    office = client_for(world.pds_office)
    status = _status(office, world, target)
    assert status.assessment is None and status.is_unconfirmed and status.latest_value is None
    assert "未确认" in _page(office, world)
    actions.link_target(world.pds_office, target, volunteers, baseline_year=2020, baseline_value=1000)
    assert _status(office, world, target).assessment.label == "进展正常"


def test_a_confirmed_link_of_the_wrong_kind_is_not_judged_against_a_total(
    world: Any, client_for: Any
) -> None:
    plan = import_published_plan(world.pingdingshan)
    grid = Target.objects.create(
        task=plan.tasks.first(), indicator="科普信息员", value=1, unit="名", text="每个网格明确1名科普信息员"
    )
    actions.link_target(world.pds_office, grid, actions.indicator_by_code("informant_count"))
    actions.record_value(None, "informant_count", world.pingdingshan, "2024", 2500, source="registry")
    status = _status(client_for(world.pds_office), world, grid)
    assert status.assessment is None and "口径不符" in status.note and "已实现" not in status.note


def test_a_cumulative_target_shows_the_sum_it_was_judged_on_with_its_period(
    world: Any, client_for: Any
) -> None:
    plan = import_published_plan(world.pingdingshan)
    task = plan.tasks.first()
    target = Target.objects.create(
        task=task,
        indicator="高素质农民培训",
        value=5000,
        unit="人",
        year=2025,
        text="十四五期间培训高素质农民5000人",
    )
    actions.link_target(world.pds_office, target, actions.indicator_by_code("farmer_training_count"))
    for period, trained in (("2021", 900), ("2022", 1100), ("2023H1", 600), ("2023H2", 500)):
        actions.record_value(
            None, "farmer_training_count", world.pingdingshan, period, trained, source="report"
        )
    status = _status(client_for(world.pds_office), world, target)
    assert status.latest_value == 3100 and status.assessment.value == 3100  # the sum judged, not 2023H2's 500
    assert status.latest_label == "自2021年起累计（至2023年下半年）"
    # 3,100 in 3 years of 5: at that pace 3,100 × 5 / 3 ≈ 5,167 by the end of 2025
    assert (
        status.assessment.explanation
        == "目标 5,000人，2021—2023年下半年累计 3,100人，按目前进度 2025年约 5,167人，进展正常"
    )


def test_no_comparator_signs_method_names_or_raw_ratios_reach_the_overview(
    world: Any, client_for: Any
) -> None:
    plan = import_published_plan(world.pingdingshan)
    target = Target.objects.get(task__plan=plan, text="全市注册科技志愿者5000人以上")
    actions.link_target(
        world.pds_office,
        target,
        actions.indicator_by_code("volunteer_count"),
        baseline_year=2020,
        baseline_value=1000,
    )
    actions.record_value(None, "volunteer_count", world.pingdingshan, "2023", 2987.25, source="registry")
    page = _page(client_for(world.pds_leader), world)
    for raw in (">=", "&gt;=", "Open SDG", "比值", "2987.25", "2,987.25"):
        assert raw not in page
    assert "2023年 2,987人" in page and "计算方法" in page


def test_a_target_due_in_2025_is_judged_on_2025s_figure_not_on_what_came_after(
    world: Any, client_for: Any
) -> None:
    plan = import_published_plan(world.pingdingshan)
    target = Target.objects.get(task__plan=plan, text="全市注册科技志愿者5000人以上")
    target.year = 2025
    target.save()
    actions.link_target(
        world.pds_office,
        target,
        actions.indicator_by_code("volunteer_count"),
        baseline_year=2020,
        baseline_value=1000,
    )
    for year, registered in (("2024", 4200), ("2025", 4600), ("2026", 5300)):
        actions.record_value(None, "volunteer_count", world.pingdingshan, year, registered, source="registry")
    status = _status(client_for(world.pds_office), world, target)
    assert (status.latest_period, status.latest_value) == ("2025", 4600)
    assert status.assessment.label != "已实现"


def test_a_cumulative_target_counts_nothing_done_after_its_deadline(world: Any, client_for: Any) -> None:
    plan = import_published_plan(world.pingdingshan)
    target = Target.objects.create(
        task=plan.tasks.first(),
        indicator="高素质农民培训",
        value=2000,
        unit="人",
        year=2022,
        text="培训2000人",
    )
    actions.link_target(world.pds_office, target, actions.indicator_by_code("farmer_training_count"))
    for period, trained in (("2021", 900), ("2022", 800), ("2023", 700)):
        actions.record_value(
            None, "farmer_training_count", world.pingdingshan, period, trained, source="report"
        )
    status = _status(client_for(world.pds_office), world, target)
    assert status.latest_value == 1700 and status.assessment.label != "已实现"
