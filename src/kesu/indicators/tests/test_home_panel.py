"""The home panel's literacy figure is read from the stored roll-ups, not rolled up live on every visit."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from kesu.indicators import actions
from kesu.indicators.home import home_panels
from kesu.indicators.tests.test_rollup import BAOFENG, XINHUA, region

pytestmark = pytest.mark.django_db


def _literacy(code: str, year: int, literate: float) -> None:
    actions.record_value(
        None,
        "literacy_rate",
        region(code),
        str(year),
        None,
        numerator=literate,
        denominator=100,
        source="survey",
    )


def _panel_queries(user: Any) -> tuple[int, dict[str, Any] | None]:
    request = RequestFactory().get("/")
    request.user, request.session = user, {}  # type: ignore[assignment]
    with CaptureQueriesContext(connection) as queries:
        panels = home_panels(request)  # type: ignore[arg-type]
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "indicators_indicatorvalue" not in sql  # the subtree's values are never read on the home page
    return len(queries), panels[0].context["latest"]


def test_the_home_panel_shows_the_rolled_up_rate_with_the_same_queries_however_long_the_history(
    world: Any,
) -> None:
    _literacy(XINHUA, 2024, 10)
    _literacy(BAOFENG, 2024, 20)
    _panel_queries(world.pds_office)  # the user's access is read once
    few, latest = _panel_queries(world.pds_office)
    assert latest == {"value": 15.0, "label": "2024年"}  # 平顶山市: the sum of its counties' parts
    with actions.values_batch():
        for year in range(2010, 2024):
            for code in (XINHUA, BAOFENG):
                _literacy(code, year, 5)
    many, latest = _panel_queries(world.pds_office)
    assert many == few  # 28 more values: not one query more
    assert latest == {"value": 15.0, "label": "2024年"}
