"""Per-app extension points found by convention, so adding an app touches only that app.

An app may provide ``api/routes.py`` with ``register(router)``, ``navigation.py`` with
``menu_entries(access)`` and ``testing.py`` with ``url_samples(...)``; these helpers find them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

from django.conf import settings


def kesu_apps() -> list[str]:
    return [app for app in settings.INSTALLED_APPS if app.startswith("kesu.")]


def app_modules(submodule: str) -> Iterator[ModuleType]:
    for app in kesu_apps():
        try:
            yield importlib.import_module(f"{app}.{submodule}")
        except ModuleNotFoundError as error:
            if error.name != f"{app}.{submodule}":
                raise  # a real import error inside the module must not be hidden
