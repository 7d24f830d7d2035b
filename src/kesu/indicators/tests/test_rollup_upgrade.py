"""An install upgraded to stored roll-ups gets them filled by ``kesu migrate``, not an empty overview."""

from __future__ import annotations

from typing import Any

import pytest

from kesu.indicators import actions
from kesu.indicators.apps import fill_rollups_after_upgrade
from kesu.indicators.models import RolledValue
from kesu.indicators.tests.test_rollup import XINHUA, assert_stored_is_what_progress_computes, region

pytestmark = pytest.mark.django_db


def test_migrating_an_install_with_values_but_no_rollups_fills_them(world: Any) -> None:
    actions.record_value(None, "volunteer_count", region(XINHUA), "2025", 350, source="registry")
    RolledValue.objects.all().delete()  # as after the upgrade's migration: values, no roll-ups

    fill_rollups_after_upgrade()

    assert RolledValue.objects.exists()
    assert assert_stored_is_what_progress_computes("volunteer_count") > 0


def test_migrating_again_keeps_the_rollups_it_has(world: Any) -> None:
    actions.record_value(None, "volunteer_count", region(XINHUA), "2025", 350, source="registry")
    before = set(RolledValue.objects.values_list("pk", flat=True))

    fill_rollups_after_upgrade()

    assert set(RolledValue.objects.values_list("pk", flat=True)) == before
