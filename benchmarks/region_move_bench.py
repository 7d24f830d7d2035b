"""A county moved to another city: how long its copied region paths take to follow, by the old path
prefix (what ``move_region`` sends now) and by comparing every row of the two provinces with its
region (what a reload of the divisions still does, and what a move did before).

    psql -h 127.0.0.1 -U postgres -c 'create database activities_bench'
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/activities_bench .venv/bin/python benchmarks/region_move_bench.py
    # BENCH_ACTIVITIES=500000 BENCH_FUNDING_LINES=50000 (the province of activities_bench.py, built once)

The county with the most activities is moved under another city inside a transaction; each way of
rewriting runs from the same state (a savepoint rolled back after each), three times, and the whole
move is rolled back at the end, so the database is left as it was. Prints rows rewritten and the
least and median seconds of each way, with the load average.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
RUNS = 3


class _Undo(Exception):
    """Raised to roll the whole move back."""


def timed(call: Callable[[], int]) -> tuple[int, list[float]]:
    from django.db import transaction

    seconds, rows = [], 0
    for _ in range(RUNS):
        savepoint = transaction.savepoint()
        started = time.perf_counter()
        rows = call()
        seconds.append(time.perf_counter() - started)
        transaction.savepoint_rollback(savepoint)
    return rows, seconds


def ways(provinces: set[str], moved: tuple[str, str]) -> dict[str, Callable[[], int]]:
    from kesu.activities.actions import follow_region_move
    from kesu.funding.models import FundingLine
    from kesu.regions.signals import rewrite_prefix

    return {
        "activities, by the old prefix": lambda: follow_region_move(None, provinces, moved=moved),
        "activities, every row of the provinces": lambda: follow_region_move(None, provinces),
        "funding lines, by the old prefix": lambda: rewrite_prefix(
            FundingLine.objects.all(), "region_path", *moved
        ),
        "funding lines, every line": lambda: FundingLine.objects.sync_region_paths(),
    }


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("请设置 DATABASE_URL=postgresql://…/activities_bench（与 activities_bench.py 同一个库）")
    from benchmarks.activities_bench import setup

    setup()
    from django.db import transaction
    from django.db.models import Count

    from kesu.activities.models import Activity
    from kesu.regions.models import Region
    from kesu.regions.signals import rewrite_prefix

    busiest = Activity.objects.filter(region__level=3).values("region").annotate(n=Count("pk")).order_by("-n")
    county = Region.objects.get(pk=busiest[0]["region"])
    city = Region.objects.filter(level=2).exclude(pk=county.parent_id).order_by("code").first()
    assert city is not None
    load = os.getloadavg()[0]
    results: dict[str, tuple[int, list[float]]] = {}
    try:
        with transaction.atomic():
            old = county.path
            county.parent, county.path = city, f"{city.path}{county.code}/"
            county.save(update_fields=["parent", "path"])
            rewrite_prefix(Region.objects.exclude(pk=county.pk), "path", old, county.path)
            provinces = {old.split("/")[0], county.path.split("/")[0]}
            for name, call in ways(provinces, (old, county.path)).items():
                results[name] = timed(call)
            raise _Undo
    except _Undo:
        pass
    print(
        f"{county.name} moved under {city.name}; load average {load:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    for name, (rows, seconds) in results.items():
        print(
            f"{name:<42} rows {rows:>7}  least {min(seconds):6.3f} s  median {statistics.median(seconds):6.3f} s"
        )


if __name__ == "__main__":
    main()
