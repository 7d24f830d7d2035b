"""Counting rules on hand-computed cases.

平顶山市 (city) holds, on 31 December of each year:

| base | region | designations                                | 2022 | 2023 | 2024 |
|------|--------|---------------------------------------------|------|------|------|
| A    | 新华区 | 市级科协 2022–2026 and 2024–2028 (overlap)  | ✓    | ✓    | ✓    |
| B    | 市本级 | 市级科协 2019–2023 (ends in 2023)            | ✓    | ✓    |      |
| C    | 市本级 | 市级科协 2022–2026 + 市级科技 2023–2027      | ✓    | ✓    | ✓    |
| D    | 市本级 | 省级科协 2022–2026                           | ✓    | ✓    | ✓    |
| E    | 市本级 | 市级科协 2022–2026, 摘牌 2024-06-30          | ✓    | ✓    |      |
| G    | 宝丰县 | 县级科协 2023–2027                           |      | ✓    | ✓    |

and F (市级科协 2022–2026) sits in 新郑市 under 郑州市 until 新郑市 is moved under 平顶山市.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from kesu.indicators.models import IndicatorValue, TargetLink
from kesu.plans.models import Target
from kesu.plans.testing import plan_with_task_led_by
from kesu.regions import actions as region_actions
from kesu.regions.models import Region
from kesu.venues import actions, counting
from kesu.venues.counting import Criteria
from kesu.venues.models import CountMeasure, Designation, DesignationLevel, DesignationSystem, LevelComparison
from kesu.venues.testing import add, make_base

pytestmark = pytest.mark.django_db

CITY, PROVINCE, COUNTY = DesignationLevel.CITY, DesignationLevel.PROVINCE, DesignationLevel.COUNTY
KEXIE, KEJI = DesignationSystem.KEXIE, DesignationSystem.KEJI


@pytest.fixture
def bases(world: Any) -> dict[str, Any]:
    xinhua = Region.objects.get(code="410402000000")
    baofeng = Region.objects.get(code="410421000000")
    pds = world.pingdingshan
    a = make_base(xinhua, "A", number=1, years=(2022, 2026))
    add(a, level=CITY, system=KEXIE, years=(2024, 2028))
    b = make_base(pds, "B", number=2, years=(2019, 2023))
    c = make_base(pds, "C", number=3, years=(2022, 2026))
    add(c, level=CITY, system=KEJI, years=(2023, 2027))
    d = make_base(pds, "D", number=4, level=PROVINCE, years=(2022, 2026))
    e = make_base(pds, "E", number=5, years=(2022, 2026))
    actions.revoke_designation(
        None, Designation.objects.get(institution=e), reason="年度考核不合格", on=datetime.date(2024, 6, 30)
    )
    g = make_base(baofeng, "G", number=7, level=COUNTY, years=(2023, 2027))
    f = make_base(world.xinzheng, "F", number=6, years=(2022, 2026))
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g, "pds": pds}


def test_a_base_is_counted_once_whatever_it_holds(bases: dict[str, Any]) -> None:
    path = bases["pds"].path
    assert counting.stock(path, 2024) == 4  # A, C, D, G: A's two batches and C's two 体系 count once each
    assert counting.stock(path, 2024, Criteria(level=CITY)) == 2  # A, C
    assert counting.stock(path, 2024, Criteria(level=CITY, system=KEJI)) == 1  # C
    assert counting.stock(path, 2024, Criteria(level=CITY, system=KEXIE)) == 2  # A, C


def test_a_level_counts_alone_or_with_the_levels_above_it(bases: dict[str, Any]) -> None:
    path = bases["pds"].path
    assert counting.stock(path, 2024, Criteria(level=CITY, comparison=LevelComparison.EQUAL)) == 2
    assert counting.stock(path, 2024, Criteria(level=CITY, comparison=LevelComparison.AT_LEAST)) == 3  # + D
    assert counting.stock(path, 2024, Criteria(level=COUNTY, comparison=LevelComparison.AT_LEAST)) == 4


def test_a_designation_counts_in_its_end_year_but_not_the_next(bases: dict[str, Any]) -> None:
    path = bases["pds"].path
    assert counting.stock(path, 2023, Criteria(level=CITY)) == 4  # A, B (ends 2023), C, E
    assert counting.stock(path, 2024, Criteria(level=CITY)) == 2  # B ended, E revoked mid-2024


def test_a_revoked_title_stays_counted_before_the_day_it_was_taken(bases: dict[str, Any]) -> None:
    path = bases["pds"].path
    assert counting.stock(path, 2023) == 6  # A, B, C, D, E, G
    assert counting.stock(path, 2024) == 4


def test_new_bases_are_those_that_entered_the_stock_not_renewals(bases: dict[str, Any]) -> None:
    path = bases["pds"].path
    new = Criteria(measure=CountMeasure.NEW)
    assert counting.new_in(path, 2023, new) == 1  # G; C's 科技 title in 2023 is not a new base
    assert counting.new_in(path, 2024, new) == 0  # A's 2024–2028 batch overlaps its 2022 one
    assert counting.count(path, 2023, Criteria(system=KEJI, measure=CountMeasure.NEW)) == 1  # C, in 科技 only


def test_a_moved_region_counts_in_its_new_parent(bases: dict[str, Any], world: Any) -> None:
    zhengzhou = Region.objects.get(code="410100000000")
    assert counting.stock(bases["pds"].path, 2024) == 4
    assert counting.stock(zhengzhou.path, 2024) == 1  # F
    region_actions.move_region(None, world.xinzheng, bases["pds"])
    pds = Region.objects.get(pk=bases["pds"].pk)
    assert counting.stock(pds.path, 2024) == 5
    assert counting.stock(Region.objects.get(pk=zhengzhou.pk).path, 2024) == 0


def test_county_coverage_counts_counties_with_a_valid_base(bases: dict[str, Any]) -> None:
    assert counting.counties_covered(bases["pds"], 2024) == (2, 2)  # 新华区 (A), 宝丰县 (G)
    assert counting.counties_covered(bases["pds"], 2022) == (1, 2)  # G not yet


def test_the_targets_rule_writes_the_registry_value_and_labels_the_link(
    bases: dict[str, Any], world: Any
) -> None:
    _plan, task = plan_with_task_led_by(world.kexie)
    target = Target.objects.create(task=task, indicator="市级科普教育基地", value=150, unit="个", year=2025)
    actions.set_count_rule(
        world.pds_office,
        target,
        level=CITY,
        level_comparison=LevelComparison.AT_LEAST,
        system="",
        measure="stock",
    )
    actions.refresh_counts(world.pds_office, world.pingdingshan, 2024)
    value = IndicatorValue.objects.get(
        indicator__code="base_count",
        region=world.pingdingshan,
        period="2024",
        disaggregation={"级别": "市级及以上"},
    )
    assert value.value == 3 and value.source == "registry"
    assert value.provenance.startswith("登记库：市级及以上") and "只计一次" in value.provenance
    link = TargetLink.objects.get(target=target)
    assert link.indicator.code == "base_count" and link.disaggregation == {"级别": "市级及以上"}
    total = IndicatorValue.objects.get(
        indicator__code="base_count", region=world.pingdingshan, period="2024", disaggregation_key=""
    )
    assert total.value == 4


def test_an_unchanged_figure_is_not_written_again(bases: dict[str, Any], world: Any) -> None:
    first = actions.refresh_counts(None, world.pingdingshan, 2024)
    assert first > 0
    assert actions.refresh_counts(None, world.pingdingshan, 2024) == 0


def test_registry_writes_refresh_this_years_values_after_commit(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        make_base(world.pingdingshan, "市科技馆", number=9, years=(2022, 2026))
    year = counting.today().year
    assert IndicatorValue.objects.filter(
        indicator__code="base_count", region=world.pingdingshan, period=str(year), source="registry"
    ).exists()
