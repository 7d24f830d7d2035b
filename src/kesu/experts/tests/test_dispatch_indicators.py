"""The year's dispatches feed two indicators per region, recomputed from each region's whole subtree."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from kesu.experts import actions
from kesu.experts.testing import make_expert
from kesu.indicators.models import IndicatorValue
from kesu.regions.models import Region

pytestmark = pytest.mark.django_db


def _event(region: Region, expert: Any, opened: datetime) -> Any:
    topic = actions.save_topic(None, region, name="洪涝", response_hours=6, experts=[expert])
    return actions.open_event(None, region, title="汛期强降雨", topic=topic, opened_at=opened)


def _answered(event: Any, expert: Any, opened: datetime, hours: int) -> None:
    row = actions.dispatch(None, event, expert=expert, ask="article", requested_at=opened)
    actions.record_response(None, row, responded_at=opened + timedelta(hours=hours), output="解读稿")


def _values(region: Region) -> dict[str, tuple[float | None, str, str]]:
    rows = IndicatorValue.objects.filter(
        region=region, period="2026", indicator__code__startswith="emergency_"
    )
    return {row.indicator.code: (row.value, row.source, row.provenance) for row in rows}


def test_each_dispatch_write_records_the_count_and_the_median_recomputed_for_every_region_above_it(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    baofeng = Region.objects.get(code="410421000000")
    opened = timezone.make_aware(datetime(2026, 7, 20, 8))
    city_expert = make_expert(world.pingdingshan, "市专家", "13800009991")
    county_expert = make_expert(baofeng, "县专家", "13800009992")
    with django_capture_on_commit_callbacks(execute=True):
        city_event = _event(world.pingdingshan, city_expert, opened)
        county_event = _event(baofeng, county_expert, opened)
        _answered(city_event, city_expert, opened, 1)
        for hours in (2, 5, 9):
            _answered(county_event, county_expert, opened, hours)
        actions.dispatch(
            None, county_event, expert=county_expert, ask="live", requested_at=opened
        )  # unanswered
    county, city = _values(baofeng), _values(world.pingdingshan)
    # 宝丰县: 4 dispatches, answered in 2, 5, 9 h → median 5; the unanswered one is not a response time.
    assert county["emergency_dispatch_count"][0] == 4
    assert county["emergency_response_median_hours"][0] == 5
    # 平顶山市: its own 1 h plus the county's: 1, 2, 5, 9 → 3.5 (not the sum or mean of the medians).
    assert city["emergency_dispatch_count"][0] == 5
    assert city["emergency_response_median_hours"][0] == 3.5
    assert {source for _v, source, _p in city.values()} == {"registry"}
    assert city["emergency_response_median_hours"][2].startswith("登记库：")
    assert _values(world.xinzheng) == {}  # no dispatch in 新郑市: no value claimed there


def test_the_registered_refresher_records_the_dispatch_figures_again(world: Any) -> None:
    from kesu.core.registry_imports import count_refreshers

    opened = timezone.make_aware(datetime(2026, 3, 1, 8))
    expert = make_expert(world.pingdingshan, "市专家", "13800009991")
    _answered(_event(world.pingdingshan, expert, opened), expert, opened, 3)
    assert (
        _values(world.pingdingshan) == {}
    )  # nothing committed in this test: the on_commit refresh did not run
    written = count_refreshers()["experts"](2026)
    assert written >= 2
    assert _values(world.pingdingshan)["emergency_response_median_hours"][0] == 3


def test_a_dispatch_tells_the_office_and_the_experts_own_unit_and_no_other_unit(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from kesu.messaging.models import Message

    opened = timezone.make_aware(datetime(2026, 7, 20, 8))
    expert = make_expert(world.pingdingshan, "王医生", "13800009993", unit=world.edu_bureau)
    with django_capture_on_commit_callbacks(execute=True):
        event = _event(world.pingdingshan, expert, opened)
        actions.dispatch(world.pds_office, event, expert=expert, ask="article", requested_at=opened)
    told = Message.objects.filter(kind="expert_dispatched")
    assert set(told.values_list("recipient", flat=True)) == {world.pds_office.pk, world.edu_liaison.pk}
    message = told.get(recipient=world.edu_liaison)
    assert "王医生" in message.title and message.url == expert.get_absolute_url()  # the event is the office's
    assert told.get(recipient=world.pds_office).url == event.get_absolute_url()
    assert not Message.objects.filter(recipient__in=[world.kexie_liaison, world.xz_office]).exists()
