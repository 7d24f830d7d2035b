"""The venues app's API: ``/api/bases/`` here; the certification/annual and 科技馆 system parts add theirs
through their own ``routes_*`` modules, registered below when present."""

from __future__ import annotations

import importlib
from typing import Any

from kesu.venues.api.views import InstitutionViewSet

# Each of these modules, when it exists, has ``register(router)`` for its own viewsets.
PART_ROUTES = ("kesu.venues.api.routes_certification", "kesu.venues.api.routes_system")


def register(router: Any) -> None:
    router.register("bases", InstitutionViewSet, basename="base")
    for name in PART_ROUTES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise  # a real import error inside the module must not be hidden
            continue
        module.register(router)
