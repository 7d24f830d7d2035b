"""The demo step: a year of activities, two campaigns with figures, a resource library; idempotent."""

from __future__ import annotations

import pytest

from kesu.activities import counting, demo
from kesu.activities.models import Activity, ActivityStatus, Campaign, Resource
from kesu.core.demo import DemoAccounts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(demo, "ACTIVITIES", 300)


def test_the_demo_loads_activities_campaigns_and_resources_once(world):
    demo.load_activities(DemoAccounts())
    rows = Activity.objects.filter(region__path__startswith=world.pingdingshan.path)
    assert rows.count() == 300
    adopted = rows.filter(status=ActivityStatus.ADOPTED).count()
    assert adopted > 250  # most adopted
    assert rows.filter(status__in=(ActivityStatus.SUBMITTED, ActivityStatus.RETURNED)).exists()
    campaigns = list(Campaign.objects.filter(region=world.pingdingshan))
    assert len(campaigns) == 2
    for campaign in campaigns:
        assert counting.campaign_figures(campaign).total.activities > 0
    assert Resource.objects.count() == demo.RESOURCES
    demo.load_activities(DemoAccounts())  # a second run keeps what is there
    assert rows.count() == 300 and Campaign.objects.count() == 2
