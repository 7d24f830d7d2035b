"""A campaign reaches down: the office of a region below reads it (and registers to it), the
campaign page's “登记活动” opens the entry form on that campaign."""

from __future__ import annotations

from datetime import date

import pytest

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role
from kesu.activities import actions_campaigns
from kesu.activities.models import CampaignKind
from kesu.regions.models import Region
from kesu.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _campaign(region, name="2025年全国科普月"):
    return actions_campaigns.create_campaign(
        None,
        region,
        name=name,
        kind=CampaignKind.SCIENCE_DAY,
        year=2025,
        starts_on=date(2025, 9, 1),
        ends_on=date(2025, 9, 30),
    )


@pytest.fixture
def district(world):
    below = Region.objects.filter(parent=world.pingdingshan).order_by("code").first()
    assert below is not None
    return below


@pytest.fixture
def district_office(district):
    return account_actions.create_user(None, "district-office", PASSWORD, role=Role.OFFICE, region=district)


def test_an_office_below_reads_the_citys_campaign_but_cannot_edit_it(world, client_for, district_office):
    month = _campaign(world.pingdingshan)
    client = client_for(district_office)
    assert month.name in client.get("/activities/campaigns/").content.decode()
    assert client.get(f"/activities/campaigns/{month.pk}/").status_code == 200
    assert client.get(f"/activities/campaigns/{month.pk}/edit/").status_code in (403, 404)
    assert client.post(f"/activities/campaigns/{month.pk}/edit/", {"name": "改名"}).status_code in (403, 404)
    assert client.get(f"/activities/campaigns/{month.pk}/summary.xlsx").status_code == 403
    month.refresh_from_db()
    assert month.name == "2025年全国科普月"


def test_an_office_does_not_see_the_campaigns_of_a_region_below_or_beside_it(
    world, client_for, district, district_office
):
    district_campaign = _campaign(district, "区科普月")
    elsewhere = _campaign(world.xinzheng, "新郑科普月")
    client = client_for(world.pds_office)
    listing = client.get("/activities/campaigns/").content.decode()
    assert district_campaign.name in listing  # below: its subtree, as before
    assert elsewhere.name not in listing
    assert elsewhere.name not in client_for(district_office).get("/activities/campaigns/").content.decode()


def test_the_register_button_opens_the_entry_form_on_its_campaign(world, client_for):
    month = _campaign(world.pingdingshan)
    client = client_for(world.edu_liaison)
    page = client.get(f"/activities/campaigns/{month.pk}/").content.decode()
    assert f"/activities/new/?campaign={month.pk}" in page
    form = client.get("/activities/new/", {"campaign": month.pk}).context["form"]
    assert form["campaign"].value() == month.pk
    assert (
        f'value="{month.pk}" selected' in client.get(f"/activities/new/?campaign={month.pk}").content.decode()
    )


def test_a_campaign_the_user_cannot_see_is_not_pre_filled(world, client_for):
    elsewhere = _campaign(world.xinzheng, "新郑科普月")
    response = client_for(world.edu_liaison).get("/activities/new/", {"campaign": elsewhere.pk})
    assert response.status_code == 200
    assert response.context["form"]["campaign"].value() is None
    assert "新郑科普月" not in response.content.decode()
