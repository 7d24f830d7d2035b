"""Count rules on plan targets: registry figures recorded into the indicators with provenance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from kesu.core.registry_imports import importer
from kesu.indicators.actions import record_value
from kesu.indicators.models import IndicatorValue, TargetLink
from kesu.indicators.testing import import_published_plan
from kesu.plans.models import Target
from kesu.volunteers import actions, counting
from kesu.volunteers.testing import id_number


@pytest.fixture
def plan(world: Any) -> Any:
    return import_published_plan(world.pingdingshan)


def _target(plan: Any, words: str) -> Target:
    return Target.objects.get(task__plan=plan, indicator=words)


def _value(code: str, world: Any, year: int = 2025) -> IndicatorValue:
    return IndicatorValue.objects.get(indicator__code=code, region=world.pingdingshan, period=str(year))


def test_registered_volunteers_count_distinct_people_in_the_subtree_with_the_rule_in_words(
    world: Any, plan: Any
) -> None:
    county = world.pingdingshan.children.get(code="410402000000")
    for serial, region in ((1, world.pingdingshan), (2, county), (3, world.xinzheng)):
        actions.create_volunteer(
            None, region, id_number=id_number(serial), name=f"志愿者{serial}", registered_on=date(2025, 1, 5)
        )
    actions.create_volunteer(
        None, county, id_number=id_number(4), name="明年注册", registered_on=date(2026, 1, 5)
    )
    rule = actions.set_count_rule(world.pds_office, _target(plan, "全市注册科技志愿者"), what="volunteers")
    assert TargetLink.objects.get(target=rule.target).indicator.code == "volunteer_count"
    assert actions.refresh_counts(world.pds_office, world.pingdingshan, 2025) == 1
    value = _value("volunteer_count", world)
    assert (
        value.value == 2
        and value.source == "registry"
        and value.provenance == "登记库：注册志愿者（按人去重），年末存量"
    )
    assert (
        actions.refresh_counts(world.pds_office, world.pingdingshan, 2025) == 0
    )  # unchanged: nothing written again


def test_a_write_refreshes_the_count_on_commit(
    world: Any, plan: Any, django_capture_on_commit_callbacks: Any
) -> None:
    actions.set_count_rule(world.pds_office, _target(plan, "组建科技志愿服务队"), what="teams")
    with django_capture_on_commit_callbacks(execute=True):
        actions.create_team(
            world.pds_office,
            world.pingdingshan,
            name="市支队",
            level="detachment",
            founded_on=date(2021, 3, 5),
        )
    assert _value("volunteer_team_count", world, date.today().year).value == 1


def test_the_active_rate_counts_volunteers_with_a_record_this_year(world: Any) -> None:
    people = [
        actions.create_volunteer(None, world.pingdingshan, id_number=id_number(n), name=f"人{n}")
        for n in range(1, 5)
    ]
    activity = actions.create_activity(
        None, world.pingdingshan, name="科普周", start_date=date(2025, 5, 1), end_date=date(2025, 5, 3)
    )
    actions.record_service(None, activity, people[0], date(2025, 5, 1), declared_hours=Decimal(2))
    actions.record_service(None, activity, people[0], date(2025, 5, 2), declared_hours=Decimal(2))
    actions.record_service(None, activity, people[1], date(2025, 5, 1), declared_hours=Decimal(1))
    overview = counting.overview(world.pingdingshan, 2025)
    assert (overview.registered, overview.active, overview.active_rate, overview.services) == (4, 2, 50.0, 1)
    assert overview.hours == Decimal(5)


def test_the_informant_rate_rolls_up_as_a_ratio_of_sums_and_both_target_forms_show(
    world: Any, plan: Any, client_for: Any
) -> None:
    xinhua, baofeng = (world.pingdingshan.children.get(code=c) for c in ("410402000000", "410421000000"))
    record_value(None, "population", xinhua, "2025", 100_000, source="import")
    record_value(None, "population", baofeng, "2025", 300_000, source="import")
    data = "区划代码,月份,注册数,月活数\n410402,2025-05,5000,900\n410402,2025-06,6000,1000\n410421,2025-06,6000,800\n"
    assert (
        importer("informants")
        .run(world.pds_office, world.pingdingshan, data.encode(), "a.csv", dry_run=False)
        .ok
    )
    figures = counting.informants(world.pingdingshan, 2025)
    assert figures.registered == 12_000 and figures.rate == pytest.approx(
        3.0
    )  # 12000 / 400000, not the mean of 6% and 2%
    actions.set_count_rule(world.pds_office, _target(plan, "科普中国信息员注册比例"), what="informant_rate")
    actions.set_count_rule(world.pds_office, _target(plan, "平顶山市科普中国信息员"), what="informants")
    actions.refresh_counts(None, world.pingdingshan, 2025)
    rate = _value("informant_rate", world)
    assert (rate.numerator, rate.denominator, rate.value) == (12_000, 400_000, pytest.approx(3.0))
    page = client_for(world.pds_office).get("/volunteers/", {"year": 2025}).content.decode()
    assert "人数目标</strong>更难达到" in page  # 20万 > 4% of 40万


def test_grid_coverage_counts_named_or_registered_informants_per_first_level_grid(
    world: Any, plan: Any
) -> None:
    header = "区划代码,网格名称,网格层级,科普员姓名,已在科普中国注册\n"
    rows = "410402,甲村,一级,张,是\n410402,乙村,一级,李,否\n410402,丙村,一级,,否\n410402,甲村一组,二级,,否\n"
    assert (
        importer("grid_posts")
        .run(world.pds_office, world.pingdingshan, (header + rows).encode(), "g.csv", dry_run=False)
        .ok
    )
    coverage = counting.grid_coverage(world.pingdingshan)
    assert (coverage.grids, coverage.covered, coverage.registered) == (3, 2, 1)
    actions.set_count_rule(
        world.pds_office, _target(plan, "科普信息员"), what="grid_coverage", registered_only=True
    )
    actions.refresh_counts(None, world.pingdingshan, 2025)
    value = _value("informant_coverage", world)
    assert (value.numerator, value.denominator) == (1, 3) and "只计已注册的科普员" in value.provenance
