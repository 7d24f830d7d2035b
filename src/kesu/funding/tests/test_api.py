"""/api/funding-lines/ with the page's filterset and the page's scope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kesu.funding import actions
from kesu.funding.testing import make_line


def test_the_office_filters_its_lines_by_year_and_nature_and_reads_targets_and_rates(
    world: Any, client_for: Any
) -> None:
    line = make_line(world.kexie, "科普日", nature="special")
    make_line(world.edu_bureau, "科技教育", nature="appropriation", year=2024)
    actions.save_targets(
        None, line, [actions.TargetRow("开展专题活动", "10场", "9场", Decimal(10), Decimal(9))]
    )
    client = client_for(world.pds_office)
    rows = client.get("/api/funding-lines/", {"year": 2025, "nature": "special"}).json()["results"]
    assert [row["name"] for row in rows] == ["科普日"]
    assert rows[0]["execution_rate"] == "80.00" and rows[0]["region"] == "410400000000"
    assert rows[0]["performance_targets"][0]["actual"] == "9场"
    assert client.get("/api/funding-lines/", {"region": "410184"}).json()["count"] == 0


def test_anonymous_callers_get_nothing(world: Any, client_for: Any) -> None:
    make_line(world.kexie, "科普日")
    assert client_for(None).get("/api/funding-lines/").status_code in (401, 403)
