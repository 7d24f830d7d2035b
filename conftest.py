"""Fixtures shared by every test: the personas' world and a logged-in client per persona.

Imports are inside the fixtures so the pure cores' tests also run without Django
(``pytest src/kesu/docparse -p no:django``).
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def world(db: None) -> Any:
    from kesu.testing import build_world

    return build_world()


@pytest.fixture
def client_for(world: Any):
    from django.test import Client

    def make(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Rate-limit counters live in the cache: each test starts with none (tests run in one process)."""
    yield
    from django.conf import settings

    if settings.configured:
        from django.core.cache import cache

        cache.clear()


@pytest.fixture
def small_uploads(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Any) -> None:
    """Large-import tests: a file over 1,000 bytes goes to a background job, and held files go in this
    test's own media folder, so no other test's held file counts as left behind."""
    from kesu.core import uploads

    monkeypatch.setattr(uploads, "BACKGROUND_BYTES", 1000)
    settings.MEDIA_ROOT = tmp_path / "media"
