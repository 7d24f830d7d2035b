"""The list, the overview and the API cost the same number of SQL statements for three times the lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kesu.funding import actions
from kesu.funding.testing import make_line


def _statements(client: Any, url: str) -> int:
    client.get(url)  # the first request pays for the session and the content types
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _add(world: Any, start: int, count: int) -> None:
    for n in range(start, start + count):
        line = make_line(world.edu_bureau if n % 2 else world.kexie, f"项目{n}")
        actions.save_targets(
            None, line, [actions.TargetRow("活动场次", "10场", "9场", Decimal(10), Decimal(9))]
        )


def test_the_office_pages_cost_the_same_for_three_times_the_lines(world: Any, client_for: Any) -> None:
    client = client_for(world.pds_office)
    urls = ("/funding/", "/funding/overview/?year=2025", "/api/funding-lines/")
    _add(world, 0, 5)
    before = [_statements(client, url) for url in urls]
    _add(world, 5, 10)
    assert [_statements(client, url) for url in urls] == before
