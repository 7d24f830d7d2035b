"""The demo step: lines for every 平顶山市 member unit, some with 绩效目标, and the indicators from them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count

from kesu.core.demo import DemoAccounts
from kesu.funding import demo
from kesu.funding.models import FundingLine, PerformanceTarget
from kesu.indicators.actions import record_value
from kesu.indicators.models import IndicatorValue
from kesu.regions.models import Unit


def test_the_demo_gives_every_member_unit_of_pingdingshan_one_to_four_lines_a_year(world: Any) -> None:
    year = date.today().year
    record_value(None, "population", world.pingdingshan, str(year - 1), 4_990_000, source="import")
    demo.load_funding(DemoAccounts())
    members = Unit.objects.filter(region=world.pingdingshan, is_member=True)
    per_unit_year = FundingLine.objects.values("unit", "year").annotate(n=Count("id"))
    assert {(row["unit"], row["year"]) for row in per_unit_year} == {
        (unit.pk, y) for unit in members for y in (year - 1, year)
    }
    assert all(1 <= row["n"] <= 4 for row in per_unit_year)
    assert PerformanceTarget.objects.exists()
    carried = FundingLine.objects.get(note__startswith="使用上年结转资金")
    assert carried.spent > carried.received  # allowed because it says why
    assert IndicatorValue.objects.filter(
        indicator__code="funding_per_capita", region=world.pingdingshan, period=str(year - 1)
    ).exists()
    assert IndicatorValue.objects.filter(indicator__code="funding_total", period=str(year)).exists()
    count = FundingLine.objects.count()
    demo.load_funding(DemoAccounts())  # a second run keeps what is there
    assert FundingLine.objects.count() == count
