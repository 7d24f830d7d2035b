from __future__ import annotations

from typing import Any

from kesu.kepustats.api.views import StatisticsFormViewSet


def register(router: Any) -> None:
    router.register("statistics-forms", StatisticsFormViewSet, basename="statistics-form")
