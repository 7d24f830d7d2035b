"""``values_batch``: many single writes, one recompute of the stored roll-ups, and never a stale figure."""

from __future__ import annotations

from typing import Any

import pytest

from kesu.indicators import actions, rollups
from kesu.indicators.tests.test_rollup import BAOFENG, XINHUA, assert_stored_is_what_progress_computes, region

pytestmark = pytest.mark.django_db


def _count_refreshes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = rollups.refresh

    def counted(keys: Any) -> int:
        calls.append(1)
        return real(keys)

    monkeypatch.setattr(rollups, "refresh", counted)
    return calls


def test_values_written_in_a_batch_are_rolled_up_once_as_progress_computes_them(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_refreshes(monkeypatch)
    with actions.values_batch():
        for year, value in (("2023", 200), ("2024", 300), ("2025", 350)):
            actions.record_value(None, "volunteer_count", region(XINHUA), year, value, source="registry")
            actions.record_value(None, "volunteer_count", region(BAOFENG), year, value / 2, source="registry")
        assert calls == []  # nothing recomputed while the batch runs
    assert len(calls) == 1
    assert assert_stored_is_what_progress_computes("volunteer_count") > 5


def test_values_recorded_before_a_failure_in_the_batch_are_still_rolled_up(world: Any) -> None:
    with pytest.raises(actions.IndicatorError), actions.values_batch():
        actions.record_value(None, "volunteer_count", region(XINHUA), "2025", 300, source="registry")
        actions.record_value(None, "no_such_indicator", region(XINHUA), "2025", 1, source="registry")
    assert assert_stored_is_what_progress_computes("volunteer_count") > 1
