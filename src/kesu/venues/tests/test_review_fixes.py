"""The registry after review: the demo step, honest expiry sections, renewed titles not lapsed, new
bases on their own flow indicator, the office's baseline kept, gaps in words, the list's filters."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from typing import Any

import pytest
from django.utils import timezone

from kesu.indicators import actions as indicator_actions
from kesu.indicators.models import IndicatorValue, TargetLink
from kesu.plans.models import Target
from kesu.plans.testing import plan_with_task_led_by
from kesu.regions.models import Region
from kesu.venues import actions, counting, views
from kesu.venues.filters import Expiry, designations_matching
from kesu.venues.models import CountMeasure, Designation, DesignationLevel, DesignationSystem, Institution
from kesu.venues.testing import add, make_base

pytestmark = pytest.mark.django_db

CITY, NATIONAL = DesignationLevel.CITY, DesignationLevel.NATIONAL
KEXIE = DesignationSystem.KEXIE
TODAY = datetime.date(2026, 8, 15)  # within 6 months of 31 Dec 2026, not within 3


@pytest.fixture
def on_today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    monkeypatch.setattr(counting, "today", lambda: TODAY)
    return TODAY


def test_the_bases_demo_step_is_registered_when_the_app_is_ready() -> None:
    """In a fresh process (here every module may already be imported): setting Django up registers
    the bases demo step, after the indicators' one."""
    script = (
        "import django; django.setup(); from kesu.core.demo import DEMO_STEPS; "
        "print(' '.join(f'{s.__module__}.{s.__name__}' for s in DEMO_STEPS))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kesu.settings"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    steps = out.stdout.split()
    assert "kesu.venues.demo.load_demo_bases" in steps
    assert steps.index("kesu.indicators.demo.load_demo_values") < steps.index(
        "kesu.venues.demo.load_demo_bases"
    )


# ---- expiry -------------------------------------------------------------------------------------


def test_a_renewed_title_is_not_lapsed(world: Any) -> None:
    renewed = make_base(world.pingdingshan, "已续期", number=1, years=(2019, 2023))
    add(renewed, level=CITY, system=KEXIE, years=(2024, 2028))
    make_base(world.pingdingshan, "未续期", number=2, years=(2019, 2023))
    other_level = make_base(world.pingdingshan, "换了级别", number=3, years=(2019, 2023))
    add(other_level, level=DesignationLevel.PROVINCE, system=KEXIE, years=(2024, 2028))
    lapsed = Designation.objects.lapsed(datetime.date(2026, 1, 1))
    names = sorted(d.institution.name for d in lapsed)
    assert names == ["换了级别", "未续期"]  # a 省级 title does not renew a 市级 one


def test_expiry_sections_are_disjoint_and_counted_whole(world: Any) -> None:
    make_base(world.pingdingshan, "今年到期", number=1, years=(2022, 2026))
    make_base(world.pingdingshan, "明年到期", number=2, years=(2023, 2027))
    everything = Designation.objects.all()
    december = datetime.date(2026, 11, 1)  # 31 Dec 2026 is within 3 months
    assert Expiry.section(everything, Expiry.WITHIN3, december).count() == 1
    assert Expiry.section(everything, Expiry.WITHIN6, december).count() == 0  # not repeated
    june = datetime.date(2027, 7, 10)  # 31 Dec 2027 is within 6 months but not 3
    assert [d.institution.name for d in Expiry.section(everything, Expiry.WITHIN6, june)] == ["明年到期"]
    assert Expiry.section(everything, Expiry.WITHIN3, june).count() == 0


def test_the_expiry_page_shows_at_most_100_rows_with_the_total_and_a_link(
    world: Any, client_for: Any, on_today: datetime.date
) -> None:
    rows = [
        Institution(
            name=f"到期基地{n:03d}",
            credit_code=f"X{n:017d}",
            region=world.pingdingshan,
        )
        for n in range(105)
    ]
    Institution.objects.bulk_create(rows)
    Designation.objects.bulk_create(
        Designation(institution=i, system=KEXIE, level=CITY, batch_year=2022, start_year=2022, end_year=2026)
        for i in Institution.objects.filter(name__startswith="到期基地")
    )
    page = client_for(world.pds_office).get("/bases/expiry/").content.decode()
    assert "3–6 个月内到期（105 项）" in page
    assert "3 个月内到期（0 项）" in page
    assert "只列出前 100 项，共 105 项" in page
    assert page.count("到期基地") == 100
    assert f"/bases/?region={world.pingdingshan.code}&amp;expiry=within6" in page
    listed = client_for(world.pds_office).get(f"/bases/?region={world.pingdingshan.code}&expiry=within6")
    assert "共 105 个单位" in listed.content.decode()


# ---- new bases on their own flow indicator ------------------------------------------------------


@pytest.fixture
def new_target(world: Any) -> Target:
    plan, task = plan_with_task_led_by(world.kexie)
    plan.period_start, plan.period_end = 2023, 2025
    plan.save()
    return Target.objects.create(task=task, indicator="新认定科普教育基地", value=5, unit="个", year=2025)


def test_new_bases_go_to_their_flow_indicator_and_the_rule_links_to_it(
    world: Any, new_target: Target
) -> None:
    make_base(world.pingdingshan, "2023年新", number=1, years=(2023, 2027))
    make_base(world.pingdingshan, "2024年新", number=2, years=(2024, 2028))
    actions.set_count_rule(
        world.pds_office, new_target, system="", level=None, level_comparison="eq", measure=CountMeasure.NEW
    )
    link = TargetLink.objects.get(target=new_target)
    assert link.indicator.code == "base_new_count" and link.indicator.temporal == "flow"
    for year in (2023, 2024):
        actions.refresh_counts(None, world.pingdingshan, year)
    values = IndicatorValue.objects.filter(indicator__code="base_new_count", region=world.pingdingshan)
    assert sorted((v.period, v.value) for v in values) == [("2023", 1.0), ("2024", 1.0)]
    assert not IndicatorValue.objects.filter(
        indicator__code="base_count", disaggregation__has_key="口径"
    ).exists()
    rule = new_target.venues_count_rule
    assert counting.measured(rule, world.pingdingshan, 2024).value == 2  # 2023 and 2024 added up
    assert counting.measured(rule, world.pingdingshan, 2024).basis == "2023—2024 年累计"


def test_setting_a_rule_keeps_the_baseline_the_office_confirmed(world: Any) -> None:
    plan, task = plan_with_task_led_by(world.kexie)
    plan.period_start = 2024
    plan.save()
    target = Target.objects.create(task=task, indicator="市级科普教育基地", value=150, unit="个", year=2025)
    indicator = indicator_actions.indicator_by_code("base_count")
    indicator_actions.link_target(world.pds_office, target, indicator, baseline_year=2020, baseline_value=88)
    actions.set_count_rule(
        world.pds_office, target, system="", level=CITY, level_comparison="eq", measure="stock"
    )
    link = TargetLink.objects.get(target=target)
    assert (link.baseline_year, link.baseline_value) == (2020, 88)


def test_a_rule_without_a_baseline_takes_the_registrys_figure_for_the_year_before_the_plan(
    world: Any,
) -> None:
    make_base(world.pingdingshan, "老基地", number=1, years=(2021, 2025))
    make_base(world.pingdingshan, "新基地", number=2, years=(2024, 2028))
    plan, task = plan_with_task_led_by(world.kexie)
    plan.period_start = 2024
    plan.save()
    target = Target.objects.create(task=task, indicator="市级科普教育基地", value=150, unit="个", year=2025)
    actions.set_count_rule(
        world.pds_office, target, system="", level=CITY, level_comparison="eq", measure="stock"
    )
    link = TargetLink.objects.get(target=target)
    assert (link.baseline_year, link.baseline_value) == (2023, 1)


# ---- counts page --------------------------------------------------------------------------------


def test_the_counts_page_says_the_gap_and_why_a_level_is_zero(
    world: Any, client_for: Any, on_today: datetime.date
) -> None:
    for n in range(4):
        make_base(world.pingdingshan, f"市级{n}", number=n + 1, years=(2024, 2028))
    make_base(world.pingdingshan, "国家级", number=9, level=NATIONAL, years=(2021, 2025))
    _plan, task = plan_with_task_led_by(world.kexie)
    short = Target.objects.create(task=task, indicator="市级科普教育基地", value=15, unit="个", year=2026)
    over = Target.objects.create(task=task, indicator="科普教育基地", value=2, unit="个", year=2026)
    actions.set_count_rule(None, short, system="", level=CITY, level_comparison="eq", measure="stock")
    actions.set_count_rule(None, over, system="", level=None, level_comparison="eq", measure="stock")
    page = client_for(world.pds_office).get("/bases/counts/?year=2026").content.decode()
    assert "差 11 个" in page and "已超 2 个" in page
    assert "国家级认定（1 个单位）已于 2025 年底到期，尚未续期" in page
    assert counting.gap_words(">=", 5, 5) == "已达到"


# ---- the list -----------------------------------------------------------------------------------


def test_valid_in_a_year_means_held_that_year_whatever_came_later(world: Any) -> None:
    ended = make_base(world.pingdingshan, "2025年底到期", number=1, years=(2021, 2025))
    later = make_base(world.pingdingshan, "2026年起", number=2, years=(2026, 2030))
    revoked = make_base(world.pingdingshan, "2026年摘牌", number=3, years=(2022, 2026))
    actions.revoke_designation(
        None, revoked.designations.get(), reason="考核不合格", on=datetime.date(2026, 3, 1)
    )
    today = datetime.date(2026, 8, 1)

    def names(**filters: Any) -> list[str]:
        found = designations_matching(Designation.objects.all(), today=today, **filters)
        return sorted(d.institution.name for d in found)

    assert names(status="valid", year=2025) == ["2025年底到期", "2026年摘牌"]
    assert names(status="valid") == ["2026年起"]
    assert names(status="valid", year=2026) == ["2026年起"]
    assert names(status="expired") == ["2025年底到期"]
    assert names(status="revoked", year=2025) == []
    assert names(status="revoked", year=2026) == ["2026年摘牌"]
    assert ended.pk and later.pk


def test_the_list_offers_the_regions_of_the_users_scope_by_name(world: Any, client_for: Any) -> None:
    baofeng = Region.objects.get(code="410421000000")
    make_base(baofeng, "宝丰县基地", number=1)
    make_base(world.pingdingshan, "市本级基地", number=2, base_name="市本级基地")
    page = client_for(world.pds_office).get("/bases/").content.decode()
    select = re.search(r'<select name="region"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    assert '<option value="" selected>全部</option>' in select.group(1)
    assert f'value="{baofeng.code}"' in select.group(1) and "宝丰县" in select.group(1)
    assert "郑州市" not in select.group(1) and "新郑市" not in select.group(1)  # outside the office's scope
    assert "---------" not in page
    filtered = client_for(world.pds_office).get(f"/bases/?region={baofeng.code}").content.decode()
    assert "宝丰县基地" in filtered and "市本级基地" not in filtered
    assert "基地名称</th>" not in page and "单位名称</th>" not in page  # one name column
    assert page.count("市本级基地（") == 0  # the same name is not repeated


def test_the_list_shows_the_unit_name_only_when_it_differs(world: Any) -> None:
    same = make_base(world.pingdingshan, "市科技馆", number=1, base_name="市科技馆")
    other = make_base(world.pingdingshan, "市科学技术协会", number=2, base_name="市科普大篷车基地")
    assert views._name(same) == "市科技馆"
    assert views._name(other) == "市科普大篷车基地（市科学技术协会）"
