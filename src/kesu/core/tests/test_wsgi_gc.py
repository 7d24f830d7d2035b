"""The WSGI entry point takes the loaded program out of the garbage collector's scans (``gc.freeze``)."""

from __future__ import annotations

import gc
import importlib
import sys


def test_loading_the_wsgi_application_freezes_what_it_loaded() -> None:
    gc.unfreeze()
    sys.modules.pop("kesu.wsgi", None)
    try:
        importlib.import_module("kesu.wsgi")
        # Django, the apps and every view module: far more than a request ever leaves behind.
        assert gc.get_freeze_count() > 50_000
    finally:
        gc.unfreeze()
