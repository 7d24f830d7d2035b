from __future__ import annotations

from typing import Any

from kesu.indicators.api.views import IndicatorValueViewSet, IndicatorViewSet


def register(router: Any) -> None:
    router.register("indicators", IndicatorViewSet, basename="indicator")
    router.register("indicator-values", IndicatorValueViewSet, basename="indicator-value")
