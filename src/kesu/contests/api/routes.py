from __future__ import annotations

from typing import Any

from kesu.contests.api.views import ContestViewSet, FigureViewSet


def register(router: Any) -> None:
    router.register("contests", ContestViewSet, basename="contest")
    router.register("contest-figures", FigureViewSet, basename="contest-figure")
