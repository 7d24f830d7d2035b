from __future__ import annotations

from typing import Any

from kesu.activities.api.views import ActivityViewSet
from kesu.activities.api.views_campaigns import CampaignViewSet, ResourceViewSet


def register(router: Any) -> None:
    router.register("activities", ActivityViewSet, basename="activity")
    router.register("campaigns", CampaignViewSet, basename="campaign")
    router.register("resources", ResourceViewSet, basename="resource")
