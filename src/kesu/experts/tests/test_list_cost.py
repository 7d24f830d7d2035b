"""The expert list's cost does not grow with the registry: the same statements for 3 experts as for 30."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kesu.experts.models import Activity, Appointment
from kesu.experts.testing import make_expert

pytestmark = pytest.mark.django_db


def _register(world: Any, first: int, last: int) -> None:
    for n in range(first, last):
        expert = make_expert(world.pingdingshan, f"专家{n:02d}", f"1380000{n:04d}")
        Appointment.objects.create(
            expert=expert,
            title="chief",
            level="city",
            start=date(2022, 1, 1),
            end=date(2026, 12, 31),
            status="serving",
        )
        Appointment.objects.create(
            expert=expert,
            title="pool",
            level="city",
            start=date(2023, 1, 1),
            end=date(2025, 12, 31),
            status="serving",
        )
        Activity.objects.create(expert=expert, date=date(2026, 3, 1), role="lecturer", hours=2, title="讲座")


def _statements(office: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert office.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["", "?activity=idle", "?title=chief&level=city&year=2026"])
def test_the_expert_list_runs_as_many_statements_for_30_experts_as_for_3(
    world: Any, client_for: Any, query: str
) -> None:
    office = client_for(world.pds_office)
    _register(world, 0, 3)
    office.get("/experts/" + query)  # the session's first page warms caches the second does not pay
    few = _statements(office, "/experts/" + query)
    _register(world, 3, 30)
    many = _statements(office, "/experts/" + query)
    page = office.get("/experts/" + query).content.decode()
    assert "专家29" in page or query == "?activity=idle"
    assert many == few
