"""Each line carries its unit's region path (the subtree filters read the lines' table alone): set when a
line is written, and kept in step when a region or a unit moves."""

from __future__ import annotations

from typing import Any

import pytest

from kesu.funding.models import FundingLine
from kesu.funding.testing import make_line
from kesu.regions import actions as region_actions
from kesu.regions.models import Region, Unit

pytestmark = pytest.mark.django_db


def test_a_new_line_carries_its_units_region_path(world: Any) -> None:
    line = make_line(world.pingyin_kexie)
    assert line.region_path == world.pingyin.path
    assert list(FundingLine.objects.in_region(world.pingyin)) == [line]


def test_a_moved_county_takes_its_lines_to_the_new_city_and_its_office_keeps_them(
    world: Any, client_for: Any
) -> None:
    line = make_line(world.pingyin_kexie, "平阴县科普日")
    zhengzhou = Region.objects.get(code="410100000000")
    region_actions.move_region(None, world.pingyin, zhengzhou)
    line.refresh_from_db()
    moved = Region.objects.get(pk=world.pingyin.pk)
    assert line.region_path == moved.path and moved.path.startswith(zhengzhou.path)
    assert list(FundingLine.objects.in_region(zhengzhou)) == [line]
    assert "平阴县科普日" in client_for(world.py_office).get("/funding/").content.decode()


def test_a_unit_moved_to_another_region_takes_its_lines(world: Any) -> None:
    line = make_line(world.edu_bureau)
    baofeng = Region.objects.get(code="410421000000")
    region_actions.update_unit(None, Unit.objects.get(pk=world.edu_bureau.pk), region=baofeng)
    line.refresh_from_db()
    assert line.region_path == baofeng.path


def test_lines_written_in_bulk_without_a_path_get_their_units_and_a_lost_path_is_restored(world: Any) -> None:
    FundingLine.objects.bulk_create(
        [FundingLine(unit=world.kexie, year=2025, name="批量", nature="special", budget=1)]
    )
    line = FundingLine.objects.get(name="批量")
    assert line.region_path == world.pingdingshan.path
    FundingLine.objects.update(region_path="")  # as the data migration finds old rows
    assert FundingLine.objects.sync_region_paths() == 1
    assert FundingLine.objects.get(name="批量").region_path == world.pingdingshan.path
