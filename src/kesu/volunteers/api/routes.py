from __future__ import annotations

from typing import Any

from kesu.volunteers.api.views import SnapshotViewSet, TeamViewSet, VolunteerViewSet


def register(router: Any) -> None:
    router.register("volunteers", VolunteerViewSet, basename="volunteer")
    router.register("teams", TeamViewSet, basename="volunteer-team")
    router.register("informant-snapshots", SnapshotViewSet, basename="informant-snapshot")
