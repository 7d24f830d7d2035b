"""A registry refresh writes many values in one batch: the stored roll-ups still equal a live recompute."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from kesu.funding.testing import make_line
from kesu.indicators import rollups
from kesu.indicators.models import IndicatorValue
from kesu.indicators.tests.test_rollup import assert_stored_is_what_progress_computes

pytestmark = pytest.mark.django_db


def _lines_in_two_counties(world: Any) -> None:
    make_line(world.kexie, "科普日", nature="special", budget=Decimal(200_000), received=Decimal(200_000))
    make_line(
        world.edu_bureau,
        "科技教育",
        nature="appropriation",
        budget=Decimal(500_000),
        received=Decimal(400_000),
    )


def test_refresh_registry_counts_rolls_up_once_and_the_stored_figures_equal_a_live_recompute(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lines_in_two_counties(world)
    calls: list[int] = []
    real = rollups.refresh

    def counted(keys: Any) -> int:
        calls.append(1)
        return real(keys)

    monkeypatch.setattr(rollups, "refresh", counted)
    call_command("refresh_registry_counts", "--year", "2025")
    assert len(calls) == 1  # every registry's values, one recompute at the end
    keys = set(
        IndicatorValue.objects.filter(indicator__code="funding_total").values_list(
            "disaggregation_key", flat=True
        )
    )
    assert len(keys) > 1  # the total and each 资金性质
    for key in keys:
        assert assert_stored_is_what_progress_computes("funding_total", key) > 1
