from __future__ import annotations

from typing import Any

from kesu.experts.api.views import ExpertViewSet


def register(router: Any) -> None:
    router.register("experts", ExpertViewSet, basename="expert")
