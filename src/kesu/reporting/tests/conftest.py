from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def cycle(world: Any) -> Any:
    """平顶山市's plan: two tasks led by 市教育体育局, the first with 市科协 participating and a target."""
    from kesu.reporting.testing import open_test_cycle

    return open_test_cycle(world.edu_bureau, partner=world.kexie)


@pytest.fixture(autouse=True)
def evidence_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Evidence files written by these tests go to a temporary directory, not the data directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
