"""Registry refreshers with and without ``values_batch`` (stored roll-ups recomputed once, not per value).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/funding_bench .venv/bin/python benchmarks/rollup_batch_bench.py

Runs on the database ``benchmarks/funding_bench.py`` built (a province, 50,000 funding lines), inside one
transaction that is rolled back, so the database is left as it was. The year's funding values are
deleted first so every figure is written again; then ``funding.refresh_counts`` of one city's counties
is timed with ``values_batch`` turned off (one roll-up per value, as before) and on, and
``funding.refresh_year`` for the whole province with it on. Afterwards the stored roll-ups of a city
and of the province are compared with a live recompute (``SubtreeFigures.load``). Prints the load average.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
YEAR = 2025
CODES = ("funding_total", "funding_per_capita")


def _timed(label: str, run: Any) -> int:
    started, cpu = time.perf_counter(), time.process_time()
    written = run()
    print(
        f"{label}: {time.perf_counter() - started:.1f} s wall, {time.process_time() - cpu:.1f} s CPU, "
        f"{written} values written (load average {os.getloadavg()[0]:.2f})"
    )
    return int(written)


def _cleared() -> None:
    from kesu.indicators.models import IndicatorValue

    IndicatorValue.objects.filter(indicator__code__in=CODES, period=str(YEAR)).delete()


def _compare(region: Any) -> int:
    from kesu.indicators import rollups
    from kesu.indicators.figures import SubtreeFigures
    from kesu.indicators.models import Indicator, IndicatorValue

    compared = 0
    for indicator in Indicator.objects.filter(code__in=CODES):
        keys = IndicatorValue.objects.filter(indicator=indicator).values_list("disaggregation_key", flat=True)
        for key in set(keys):
            live, stored = SubtreeFigures.load(indicator, region, key), rollups.load(indicator, region, key)
            for period in live.periods:
                assert stored.at(region, period) == live.at(region, period), (indicator.code, key, period)
                compared += 1
    return compared


def main() -> None:
    import django

    django.setup()
    from django.db import transaction

    from kesu.funding import actions
    from kesu.indicators import actions as indicator_actions
    from kesu.regions.models import Region, RegionLevel

    province = Region.objects.get(level=RegionLevel.PROVINCE, code="990000000000")  # benchmarks/province.py
    city = Region.objects.filter(parent=province).order_by("code").first()
    assert city is not None
    counties = list(Region.objects.filter(parent=city).order_by("code"))
    with transaction.atomic():
        _cleared()
        real = indicator_actions.values_batch
        indicator_actions.values_batch = contextlib.nullcontext  # type: ignore[assignment]
        _timed(
            f"one city's {len(counties)} counties, one roll-up per value (before)",
            lambda: sum(actions.refresh_counts(None, c, YEAR) for c in counties),
        )
        indicator_actions.values_batch = real
        _cleared()
        _timed(
            f"one city's {len(counties)} counties, batched (after)",
            lambda: sum(actions.refresh_counts(None, c, YEAR) for c in counties),
        )
        _cleared()
        _timed("the whole province, refresh_year batched (after)", lambda: actions.refresh_year(YEAR))
        print(f"stored = live: {_compare(city) + _compare(province)} figures compared")
        transaction.set_rollback(True)  # the bench database stays as it was


if __name__ == "__main__":
    main()
