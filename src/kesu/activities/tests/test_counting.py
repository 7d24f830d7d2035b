"""Campaign figures and count rules, exact on hand-computed cases."""

from __future__ import annotations

from datetime import date

import pytest

from kesu.activities import actions_campaigns, counting
from kesu.activities.models import ActivityKind, CampaignKind, CountWhat, Resource, ResourceKind
from kesu.activities.tests.camp_support import activity, moment
from kesu.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _week(world):
    return actions_campaigns.create_campaign(
        None,
        world.pingdingshan,
        name="科技活动周",
        kind=CampaignKind.SCIENCE_WEEK,
        year=2025,
        starts_on=date(2025, 5, 17),
        ends_on=date(2025, 5, 24),
    )


def test_an_activity_of_two_units_counts_once_for_the_region_and_once_for_each_unit(world):
    week = _week(world)
    activity(world.edu_bureau, campaign=week, co=[world.kexie], attendance=120)
    figures = counting.campaign_figures(week)
    assert figures.total.activities == 1
    assert figures.total.attendance == 120
    assert {unit.name: n for unit, n in figures.units} == {"市教育体育局": 1, "市科协": 1}


def test_the_page_keeps_the_first_units_but_still_tells_how_many_units_took_part():
    units = [(counting.UnitRef(pk, f"单位{pk}"), 1) for pk in range(counting.PAGE_UNITS + 7)]
    figures = counting.CampaignFigures(
        by_status={}, total=counting.Tally(), by_kind=[], by_group={}, areas=[], units=units, unit_total=100
    )
    page = counting.for_page(figures)
    assert len(page.units) == counting.PAGE_UNITS
    assert page.unit_count == counting.PAGE_UNITS + 7
    assert page.unit_rate == figures.unit_rate == pytest.approx(57.0)


def test_a_correction_of_an_adopted_activity_shows_on_the_page_at_once(world):
    week = _week(world)
    row = activity(world.edu_bureau, campaign=week, attendance=100)
    assert counting.cached_campaign_figures(week).total.attendance == 100
    row.attendance = 150
    row.save()
    assert counting.cached_campaign_figures(week).total.attendance == 150


def test_attendance_is_summed_by_type_and_only_adopted_activities_count(world):
    week = _week(world)
    activity(world.edu_bureau, campaign=week, attendance=100)
    activity(world.kexie, campaign=week, attendance=50)
    activity(world.kexie, campaign=week, kind=ActivityKind.EXHIBITION, attendance=400)
    activity(world.kexie, campaign=week, attendance=999, adopt=False)  # held, not adopted
    figures = counting.campaign_figures(week)
    kinds = {label: (t.activities, t.attendance) for label, t in figures.by_kind}
    assert kinds == {"讲座": (2, 150), "展览": (1, 400)}
    assert figures.total.attendance == 550
    assert dict(figures.status_lines) == {"已开展": 1}


def test_key_groups_count_an_activity_for_each_of_its_groups(world):
    week = _week(world)
    activity(world.edu_bureau, campaign=week, key_groups=["青少年", "老年人"], attendance=30)
    activity(world.edu_bureau, campaign=week, key_groups=["青少年"], attendance=20)
    groups = counting.campaign_figures(week).by_group
    assert (groups["青少年"].activities, groups["青少年"].attendance) == (2, 50)
    assert (groups["老年人"].activities, groups["老年人"].attendance) == (1, 30)
    assert groups["农民"].activities == 0


def test_coverage_counts_the_regions_one_level_below_with_an_adopted_activity(world):
    week = _week(world)
    xinhua = Region.objects.get(code="410402000000")
    activity(world.edu_bureau, xinhua, campaign=week)
    figures = counting.campaign_figures(week)
    assert [(r.name, n) for r, n in figures.areas] == [("新华区", 1), ("宝丰县", 0)]
    assert figures.areas_covered == 1 and figures.area_rate == 50.0


def test_the_roll_up_adds_every_region_below_a_child():
    class R:
        def __init__(self, pk, path):
            self.pk, self.path = pk, path

    children: list = [R(2, "1/2/"), R(3, "1/3/"), R(4, "1/4/")]
    assert counting.roll_up({"1/2/": 3, "1/2/5/": 2, "1/3/": 1}, children) == {2: 5, 3: 1, 4: 0}


def _target(world, unit: str = "场", value: float = 5):
    from kesu.plans.models import Target
    from kesu.plans.testing import plan_with_task_led_by

    _plan, task = plan_with_task_led_by(world.edu_bureau)
    return Target.objects.create(task=task, indicator="健康科普活动", value=value, unit=unit, per_year=True)


def test_a_per_year_target_is_judged_from_the_adopted_activities_linked_to_its_task(world):
    from kesu.indicators.models import IndicatorValue

    target = _target(world)
    linked = activity(world.edu_bureau, when=moment(2025, 3, 1))
    linked.tasks.add(target.task)
    activity(world.edu_bureau, when=moment(2025, 3, 2))  # not linked
    other_year = activity(world.edu_bureau, when=moment(2024, 3, 2))
    other_year.tasks.add(target.task)
    actions_campaigns.set_count_rule(
        None,
        target,
        what=CountWhat.ACTIVITIES,
        indicator_code="health_education_event_count",
        linked_only=True,
    )
    assert actions_campaigns.refresh_counts(None, world.pingdingshan, 2025) == 1
    value = IndicatorValue.objects.get(indicator__code="health_education_event_count", period="2025")
    assert value.value == 1
    assert value.source == "registry"
    assert "只计关联本任务的活动" in value.provenance and "登记库" in value.provenance
    assert (
        actions_campaigns.refresh_counts(None, world.pingdingshan, 2025) == 0
    )  # unchanged: nothing rewritten


def test_expert_services_count_adopted_activities_with_an_expert(world):
    from kesu.experts.models import Expert

    target = _target(world, "次", 20)
    rule = actions_campaigns.set_count_rule(None, target, what=CountWhat.EXPERT_SERVICES)
    expert = Expert.objects.create(region=world.pingdingshan, name="王医生")
    with_expert = activity(world.edu_bureau, when=moment(2025, 4, 1))
    with_expert.experts.add(expert)
    activity(world.edu_bureau, when=moment(2025, 4, 2))
    assert counting.rule_value(rule, world.pingdingshan, 2025) == 1


def test_micro_videos_are_counted_per_year_of_publication(world):
    target = _target(world, "期", 100)
    rule = actions_campaigns.set_count_rule(None, target, what=CountWhat.MICRO_VIDEOS)
    for day in (date(2025, 1, 5), date(2025, 12, 31), date(2024, 12, 31)):
        Resource.objects.create(
            region=world.pingdingshan,
            unit=world.kexie,
            title="微视频",
            kind=ResourceKind.MICRO_VIDEO,
            url="https://v.example.cn/1",
            published_on=day,
        )
    assert counting.rule_value(rule, world.pingdingshan, 2025) == 2
