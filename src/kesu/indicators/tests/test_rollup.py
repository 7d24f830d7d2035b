"""Stored roll-ups: after every real write path, what the overviews read equals what ``kesu.progress`` computes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from kesu.indicators import actions, rollups
from kesu.indicators.figures import SubtreeFigures
from kesu.indicators.models import Indicator, IndicatorValue, RolledValue
from kesu.regions import actions as region_actions
from kesu.regions.models import Region

pytestmark = pytest.mark.django_db
XINHUA, BAOFENG, CITY = "410402000000", "410421000000", "410400000000"
ZHENGZHOU = "410100000000"


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def assert_stored_is_what_progress_computes(code: str, key: str = "") -> int:
    """Recompute live with ``SubtreeFigures`` (kesu.progress) at every region holding values; compare."""
    indicator = Indicator.objects.get(code=code)
    compared = 0
    paths = set(
        IndicatorValue.objects.filter(indicator=indicator, disaggregation_key=key).values_list(
            "region__path", flat=True
        )
    )
    codes = {c for path in paths for c in path.strip("/").split("/")}
    for place in Region.objects.filter(code__in=codes):
        live = SubtreeFigures.load(indicator, place, key)
        stored = rollups.load(indicator, place, key)
        assert stored.periods == live.periods, place.name
        for period in live.periods:
            assert stored.at(place, period) == live.at(place, period), (place.name, period)
            with_children = rollups.load(indicator, place, key, period)
            for child, _name in live.children():
                assert with_children.at(child, period) == live.at(child, period), (child, period)
                compared += 1
            compared += 1
    return compared


def test_recorded_values_are_stored_rolled_up_as_progress_computes_them(world: Any) -> None:
    actions.record_value(None, "volunteer_count", region(XINHUA), "2024", 300, source="registry")
    actions.record_value(None, "volunteer_count", region(XINHUA), "2025", 350, source="registry")
    actions.record_value(None, "volunteer_count", region(BAOFENG), "2025", 150, source="registry")
    assert assert_stored_is_what_progress_computes("volunteer_count") > 5
    city = rollups.load(Indicator.objects.get(code="volunteer_count"), world.pingdingshan)
    gap = city.at(world.pingdingshan, "2024")
    assert gap.value is None and "宝丰县" in gap.missing and gap.partial == 300


def test_a_ratio_completed_from_population_follows_a_new_population_figure(world: Any) -> None:
    for code, people, rate in ((XINHUA, 300_000, 4.0), (BAOFENG, 100_000, 1.0)):
        actions.record_value(None, "population", region(code), "2024", people, source="import")
        actions.record_value(None, "informant_rate", region(code), "2024H2", rate, source="import")
    assert assert_stored_is_what_progress_computes("informant_rate")
    actions.record_value(None, "population", region(BAOFENG), "2024", 300_000, source="import")
    assert assert_stored_is_what_progress_computes("informant_rate")
    city = rollups.load(Indicator.objects.get(code="informant_rate"), world.pingdingshan)
    assert city.at(world.pingdingshan, "2024H2").value == pytest.approx(2.5)  # 15 000 / 600 000


def test_imported_and_deleted_values_and_a_changed_indicator_keep_the_stored_figures_true(
    world: Any,
) -> None:
    rows = [
        {"indicator": "volunteer_count", "region": region(c), "period": p, "value": v, "disaggregation": d}
        for c in (XINHUA, BAOFENG, CITY)
        for p, v in (("2023", 10), ("2024", 20))
        for d in ({}, {"级别": "县级"})
    ]
    actions.import_values(None, world.pingdingshan, rows, provenance="测试", filename="v.csv")
    assert assert_stored_is_what_progress_computes("volunteer_count")
    assert assert_stored_is_what_progress_computes("volunteer_count", "级别=县级")
    actions.delete_value(
        None, IndicatorValue.objects.get(region__code=BAOFENG, period="2024", disaggregation_key="")
    )
    assert assert_stored_is_what_progress_computes("volunteer_count")
    volunteers = Indicator.objects.get(code="volunteer_count")
    actions.update_indicator(None, volunteers, aggregation="none")
    assert assert_stored_is_what_progress_computes("volunteer_count")
    henan = region("410000000000")
    assert rollups.load(volunteers, henan).at(henan, "2023").value is None  # no longer summed


def test_a_county_moved_to_another_city_takes_its_stored_figures_along(world: Any) -> None:
    for code, count in ((XINHUA, 300), (BAOFENG, 200)):
        actions.record_value(None, "volunteer_count", region(code), "2024", count, source="registry")
    actions.record_value(None, "volunteer_count", world.xinzheng, "2024", 1000, source="registry")
    region_actions.move_region(None, region(BAOFENG), region(ZHENGZHOU))
    assert assert_stored_is_what_progress_computes("volunteer_count")
    volunteers = Indicator.objects.get(code="volunteer_count")
    assert rollups.load(volunteers, region(ZHENGZHOU)).at(ZHENGZHOU, "2024").value == 1200


def test_rebuild_rollups_restores_what_a_bulk_load_bypassed(world: Any) -> None:
    actions.record_value(None, "volunteer_count", region(XINHUA), "2024", 300, source="registry")
    RolledValue.objects.all().delete()  # as after a load that went around the actions
    call_command("rebuild_rollups")
    assert assert_stored_is_what_progress_computes("volunteer_count")


def test_the_overview_reads_stored_figures_with_the_same_queries_however_many_values(
    world: Any, client_for: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    office = client_for(world.pds_office)
    actions.record_value(
        None, "literacy_rate", region(XINHUA), "2024", None, numerator=10, denominator=100, source="survey"
    )
    url = f"/indicators/regions/{world.pingdingshan.code}/"
    office.get(url)  # the session's first request also reads the scope and saves the session
    with CaptureQueriesContext(connection) as few:
        assert office.get(f"/indicators/regions/{world.pingdingshan.code}/").status_code == 200
    with rollups.deferred():
        for year in range(2010, 2024):
            for code in (XINHUA, BAOFENG):
                actions.record_value(
                    None,
                    "literacy_rate",
                    region(code),
                    str(year),
                    None,
                    numerator=10,
                    denominator=100,
                    source="survey",
                )
    with CaptureQueriesContext(connection) as many:
        response = office.get(f"/indicators/regions/{world.pingdingshan.code}/")
    assert response.status_code == 200
    assert len(many) == len(few)  # 14 more years of values: not one query more
