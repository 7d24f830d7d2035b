from __future__ import annotations

from typing import Any

from kesu.regions.api.views import RegionViewSet, UnitViewSet


def register(router: Any) -> None:
    router.register("regions", RegionViewSet, basename="region")
    router.register("units", UnitViewSet, basename="unit")
