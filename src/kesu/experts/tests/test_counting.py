"""Figures from the registry on hand-counted cases, recorded as indicator values against a plan target."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from kesu.experts import actions, counting
from kesu.experts.models import Appointment, AppointmentStatus
from kesu.experts.testing import make_expert
from kesu.indicators.models import IndicatorValue
from kesu.indicators.testing import import_published_plan
from kesu.plans.models import Target
from kesu.regions.models import Region

pytestmark = pytest.mark.django_db


def _held(expert: Any, title: str = "chief", level: str = "city", **fields: Any) -> Appointment:
    values = {"start": date(2022, 1, 1), "end": date(2026, 12, 31), "status": "serving", **fields}
    return Appointment.objects.create(expert=expert, title=title, level=level, **values)


@pytest.fixture
def people(world: Any) -> dict[str, Any]:
    """Five experts in 平顶山 and one in 宝丰县, with the titles the cases below count."""
    baofeng = Region.objects.get(code="410421000000")
    made = {
        name: make_expert(region, name, f"1380000{index:04d}")
        for index, (name, region) in enumerate(
            [
                ("两届", world.pingdingshan),
                ("期满", world.pingdingshan),
                ("公示", world.pingdingshan),
                ("解聘", world.pingdingshan),
                ("县首席", baofeng),
                ("库员", world.pingdingshan),
            ]
        )
    }
    _held(made["两届"], start=date(2020, 1, 1), end=date(2024, 12, 31))  # two terms, one person
    _held(made["两届"], start=date(2025, 1, 1), end=date(2029, 12, 31), status="renewed")
    _held(made["期满"], start=date(2020, 1, 1), end=date(2025, 6, 30))  # ended before 31 December
    _held(made["公示"], status="proposed")  # not yet appointed
    _held(made["解聘"], dismissed_on=date(2025, 5, 1), status="dismissed")
    _held(made["县首席"], level="county")
    _held(made["库员"], title="pool", start=date(2025, 3, 1), end=date(2027, 2, 28))
    return made


def test_chiefs_in_term_count_distinct_persons_on_31_december(world: Any, people: dict[str, Any]) -> None:
    assert counting.chiefs_in_term(world.pingdingshan, 2025, "city") == 1  # 两届 only
    assert counting.chiefs_in_term(world.pingdingshan, 2025) == 2  # and the county chief of 宝丰县
    assert counting.chiefs_in_term(world.pingdingshan, 2024, "city") == 3  # 两届, 期满, 解聘 (dismissed 2025)
    assert counting.chiefs_in_term(Region.objects.get(code="410421000000"), 2025) == 1


def test_the_expert_pool_counts_each_person_once_whatever_titles_they_hold(
    world: Any, people: dict[str, Any]
) -> None:
    _held(people["两届"], title="emergency", start=date(2025, 1, 1), end=date(2027, 12, 31))
    assert counting.experts_in_pool(world.pingdingshan, 2025) == 3  # 两届, 县首席, 库员
    assert counting.experts_joined(world.pingdingshan, 2025) == 1  # 库员 is new in 2025


def test_the_appointment_reads_expired_after_its_end_without_being_stored_so(people: dict[str, Any]) -> None:
    ended = Appointment.objects.get(expert=people["期满"])
    assert ended.status == "serving"
    assert ended.status_on(date(2025, 7, 1)) == AppointmentStatus.EXPIRED
    assert ended.status_on(date(2025, 6, 30)) == AppointmentStatus.SERVING


def test_a_renewal_starts_the_day_after_the_term_and_the_old_term_then_reads_expired(
    people: dict[str, Any],
) -> None:
    old = Appointment.objects.get(expert=people["库员"])
    renewed = actions.renew(None, old, years=3)
    assert renewed.start == date(2027, 3, 1) and renewed.end == date(2030, 2, 28)
    assert renewed.status == "renewed" and old.status_on(date(2027, 3, 1)) == "expired"


def test_active_experts_and_titles_without_activity(
    world: Any, people: dict[str, Any], client_for: Any
) -> None:
    actions.log_activity(
        None, people["两届"], date=date(2026, 3, 1), role="lecturer", hours=2, title="健康讲座", health=True
    )
    figures = counting.activity_figures(world.pingdingshan, 2026, date(2026, 6, 1))
    assert (figures.titled, figures.active, figures.titled_without_activity) == (3, 1, 2)
    assert counting.health_sessions(world.pingdingshan, 2026) == 1
    with pytest.raises(actions.ExpertError, match="时长应在 0 到 24 小时之间"):
        actions.log_activity(
            None, people["库员"], date=date(2026, 3, 1), role="lecturer", hours=30, title="过长"
        )


def test_dispatch_figures_give_the_median_response_time(world: Any) -> None:
    expert = make_expert(world.pingdingshan, "应急", "13800009999")
    topic = actions.save_topic(None, world.pingdingshan, name="洪涝", response_hours=6, experts=[expert])
    opened = timezone.make_aware(datetime(2026, 7, 20, 8))
    event = actions.open_event(None, world.pingdingshan, title="汛期强降雨", topic=topic, opened_at=opened)
    for hours in (1, 3, 10):
        row = actions.dispatch(None, event, expert=expert, ask="article", requested_at=opened)
        actions.record_response(
            None, row, responded_at=opened + timedelta(hours=hours), output="解读稿", reach=100
        )
    actions.dispatch(None, event, expert=expert, ask="live", requested_at=opened)  # not answered yet
    figures = counting.dispatch_figures(world.pingdingshan, 2026)
    assert (figures.dispatches, figures.responded, figures.median_response_hours, figures.reach) == (
        4,
        3,
        3.0,
        300,
    )
    with pytest.raises(actions.ExpertError, match="派遣时间不能早于事件启动时间"):
        actions.dispatch(None, event, expert=expert, ask="video", requested_at=opened - timedelta(hours=1))


def test_a_count_rule_records_the_registry_figure_against_the_target(
    world: Any, people: dict[str, Any]
) -> None:
    plan = import_published_plan(world.pingdingshan)
    target = Target.objects.filter(task__plan=plan, text__contains="首席科普专家").first()
    assert target is not None
    rule = actions.set_count_rule(None, target, what="chiefs", level="city")
    assert actions.refresh_counts(None, world.pingdingshan, 2025) == 1
    value = IndicatorValue.objects.get(
        indicator__code="chief_expert_count", region=world.pingdingshan, period="2025"
    )
    assert value.value == 1 and value.source == "registry"
    assert value.provenance == "登记库：市级在聘首席科普专家（人），年末存量"
    assert value.disaggregation == {"级别": "市级"}
    target.refresh_from_db()
    assert target.indicator_link.disaggregation == {"级别": "市级"}
    # the baseline is the registry's own figure for the year before the plan: 两届 and 期满 held in 2020
    assert (target.indicator_link.baseline_year, target.indicator_link.baseline_value) == (2020, 2.0)
    # A county's write refreshes the city's rule too: the rule counts the whole subtree.
    assert [r.pk for r in actions.rules_touching(Region.objects.get(code="410421000000"))] == [rule.pk]
    assert list(actions.rules_touching(world.xinzheng)) == []
