"""The activity list of a province counts up to a cap and says so, rather than counting 500,000 rows."""

from __future__ import annotations

import pytest

from kesu.activities import filters, paging
from kesu.activities.testing import make_activity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_list_longer_than_the_cap_says_there_are_more_and_lists_the_newest(world, client_for, monkeypatch):
    monkeypatch.setattr(paging.CappedPaginator, "cap", 2)
    for name in ("讲座一", "讲座二", "讲座三"):
        make_activity(world.edu_bureau, name)
    page = client_for(world.pds_office).get("/activities/").content.decode()
    assert "符合条件的活动超过 2 条" in page


def test_a_short_list_shows_no_cap_note(world, client_for):
    make_activity(world.edu_bureau, "讲座一")
    page = client_for(world.pds_office).get("/activities/").content.decode()
    assert "讲座一" in page and "符合条件的活动超过" not in page


def test_with_many_units_the_unit_menu_offers_only_the_chosen_one_but_still_filters(
    world, client_for, monkeypatch
):
    monkeypatch.setattr(filters, "UNIT_CHOICES_SHOWN", 1)
    make_activity(world.edu_bureau, "教体局讲座")
    make_activity(world.kexie, "科协讲座")
    client = client_for(world.pds_office)
    page = client.get("/activities/").content.decode()
    assert "单位较多，请按区划代码筛选" in page
    filtered = client.get("/activities/", {"unit": world.kexie.pk}).content.decode()
    assert "科协讲座" in filtered and "教体局讲座" not in filtered
