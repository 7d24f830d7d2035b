from __future__ import annotations

from typing import Any

from kesu.survey.api.views import WaveViewSet


def register(router: Any) -> None:
    router.register("survey-waves", WaveViewSet, basename="survey-wave")
