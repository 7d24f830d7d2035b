from __future__ import annotations

from typing import Any

from kesu.funding.api.views import FundingLineViewSet


def register(router: Any) -> None:
    router.register("funding-lines", FundingLineViewSet, basename="funding-line")
