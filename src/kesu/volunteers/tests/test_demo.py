"""The demo step: the register at city scale, and targets whose status is computed from it."""

from __future__ import annotations

from datetime import date
from typing import Any

from kesu.core.demo import DemoAccounts
from kesu.indicators.actions import ensure_catalogue
from kesu.indicators.models import IndicatorValue
from kesu.indicators.testing import import_published_plan
from kesu.volunteers import counting, demo
from kesu.volunteers.models import CountRule, GridPost, InformantSnapshot, ServiceRecord, Team, Volunteer


def test_the_demo_loads_the_city_register_and_counts_the_seed_targets_from_it(world: Any) -> None:
    from kesu.indicators import demo as indicators_demo

    ensure_catalogue()
    import_published_plan(world.pingdingshan)
    indicators_demo._link_targets()
    demo.load_volunteers(DemoAccounts())
    assert (Volunteer.objects.count(), Team.objects.count(), ServiceRecord.objects.count()) == (
        5000,
        100,
        20_000,
    )
    counties = world.pingdingshan.children.count()
    assert InformantSnapshot.objects.count() == 24 * (
        counties + 2
    )  # and 新郑市, 平阴县 of the other seed counties
    assert InformantSnapshot.objects.exclude(flag="").exists()
    assert (
        CountRule.objects.filter(what="volunteers").exists()
        and CountRule.objects.filter(what="teams").exists()
    )
    year = date.today().year
    value = IndicatorValue.objects.get(
        indicator__code="volunteer_count", region=world.pingdingshan, period=str(year)
    )
    assert value.value == counting.volunteers(world.pingdingshan, year) and value.provenance.startswith(
        "登记库："
    )
    assert counting.overview(world.pingdingshan, year).active_rate
    demo.load_volunteers(DemoAccounts())  # a second run keeps what is there
    assert (
        Volunteer.objects.count() == 5000 and not GridPost.objects.exists()
    )  # 云溪区 is not in the test world
