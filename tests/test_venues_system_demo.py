"""The 科技馆 system demo (演示数据): counties with and without a 科技小院, tours and caravans in 2025 and
2026, a creation at each stage, a published award carried into 考核; a second run writes nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kesu.testing import World

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 9, 1)


def _demo(world: World, django_capture_on_commit_callbacks: Any) -> World:
    from kesu.reporting import assessment, rules
    from kesu.reporting.models import Score
    from kesu.venues import demo, demo_system

    demo.build_registry(DAY)
    scheme = assessment.create_scheme(None, world.pingdingshan, 2025, rules.Weights(), bonus_cap=5)
    Score.objects.create(scheme=scheme, unit=world.edu_bureau)  # as the reporting demo computes it
    with django_capture_on_commit_callbacks(execute=True):
        demo_system.load(DAY)
    return world


def test_the_demo_fills_every_part_and_a_second_run_writes_nothing(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from kesu.indicators.models import IndicatorValue
    from kesu.venues import counting_system, demo_system
    from kesu.venues.models import AwardCall, CallStatus, Creation, CreationStatus, Nomination, TourStop

    _demo(world, django_capture_on_commit_callbacks)
    rows = counting_system.county_rows(world.pingdingshan, 2026)
    lacking = counting_system.lacking_courtyard(rows)
    assert 0 < len(lacking) < len(rows)  # counties with a 科技小院, and one without
    assert sum(row.museums for row in rows) >= 2
    stops = TourStop.objects.filter(tour__region=world.pingdingshan)
    assert {stop.start_date.year for stop in stops} == {2025, 2026} and len({s.region_id for s in stops}) >= 2
    assert {row.caravan_trips > 0 for row in counting_system.county_rows(world.pingdingshan, 2025)} == {True}
    statuses = set(Creation.objects.values_list("kind", "status"))
    assert statuses == {("county", CreationStatus.SUBMITTED), ("community", CreationStatus.ACCEPTED)}
    call = AwardCall.objects.get()
    assert call.status == CallStatus.ANNOUNCED and call.year == 2025
    awarded = Nomination.objects.filter(call=call, selected=True)
    assert sorted(awarded.values_list("kind", flat=True)) == ["base", "person", "unit"]
    bonus = awarded.get(kind="unit").bonus
    assert bonus is not None and bonus.score.unit == world.edu_bureau
    coverage = IndicatorValue.objects.get(
        indicator__code="science_courtyard_county_coverage", region=world.pingdingshan, period="2026"
    )
    assert (coverage.numerator, coverage.denominator) == (len(rows) - len(lacking), len(rows))

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        demo_system.load(DAY)
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_the_overview_names_the_counties_without_a_courtyard(
    world: World, django_capture_on_commit_callbacks: Any, client_for: Any
) -> None:
    _demo(world, django_capture_on_commit_callbacks)
    page = client_for(world.pds_office).get("/bases/system/region/410400000000/?year=2026").content.decode()
    assert "尚无科技小院的县（市、区）" in page and "合计" in page
