"""Indicators benchmark on PostgreSQL: region overview and per-indicator pages on a province of values.

    psql -h 127.0.0.1 -U postgres -c 'create database indicators_bench'
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/indicators_bench .venv/bin/python benchmarks/indicators_bench.py

Steps: migrate; build the synthetic province of benchmarks/province.py once (1 province, 17 cities,
160 counties, their plans and targets); add 40 indicators × every region × 10 half-years of values
(演示数据, bulk-inserted) and link every plan target to one of the 40; then time, with the Django
test client in this process, the region overview and the per-indicator page for the province, a
city and a county. Prints p50/p95 per page; the requirement is p95 under 300 ms.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "40"))
INDICATORS = 40
PERIODS = [f"{year}H{half}" for year in range(2021, 2026) for half in (1, 2)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def setup() -> tuple:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from benchmarks.province import build_province

    from kesu.indicators import actions

    actions.ensure_catalogue()
    started = time.perf_counter()
    province = build_province()
    print(
        f"province ready in {time.perf_counter() - started:.1f} s: {len(province.regions)} cities and counties"
    )
    started = time.perf_counter()
    indicators = _indicators()
    made = _values(province.province, indicators)
    links = _links(indicators)
    print(f"values ready in {time.perf_counter() - started:.1f} s: {made} values, {links} target links")
    return province, indicators


def _indicators() -> list:
    """The standard catalogue topped up with bench indicators to 40 (sums and ratios)."""
    from kesu.indicators.models import Aggregation, Indicator

    chosen = list(
        Indicator.objects.filter(region__isnull=True)
        .exclude(code__in=["population", "adult_population"])
        .order_by("order")
    )[: INDICATORS - 8]
    for n in range(1, INDICATORS - len(chosen) + 1):
        indicator, _ = Indicator.objects.get_or_create(
            code=f"bench_{n:02d}",
            defaults={
                "name": f"演示指标{n}",
                "unit": "个" if n % 2 else "%",
                "aggregation": Aggregation.SUM if n % 2 else Aggregation.RATIO,
            },
        )
        chosen.append(indicator)
    return chosen


def _values(province, indicators: list) -> int:  # type: ignore[no-untyped-def]
    from kesu.core import dbstats
    from kesu.indicators.models import Indicator, IndicatorValue
    from kesu.regions.models import Region

    if IndicatorValue.objects.filter(provenance="benchmark").exists():
        return IndicatorValue.objects.filter(provenance="benchmark").count()
    rng = random.Random(5)
    regions = list(Region.objects.filter(path__startswith=province.path))
    population = Indicator.objects.get(code="population")
    rows = []
    for region in regions:
        people = rng.uniform(2e5, 1.5e6)
        for period in PERIODS:
            rows.append(
                IndicatorValue(
                    indicator=population,
                    region=region,
                    period=period,
                    value=round(people),
                    source="import",
                    provenance="benchmark",
                )
            )
            for indicator in indicators:
                base = rng.uniform(10, 1000)
                if indicator.is_ratio:
                    denominator = round(people)
                    numerator = round(denominator * rng.uniform(0.02, 0.2))
                    value = numerator / denominator * indicator.scale
                    rows.append(
                        IndicatorValue(
                            indicator=indicator,
                            region=region,
                            period=period,
                            value=value,
                            numerator=numerator,
                            denominator=denominator,
                            source="import",
                            provenance="benchmark",
                        )
                    )
                else:
                    rows.append(
                        IndicatorValue(
                            indicator=indicator,
                            region=region,
                            period=period,
                            value=round(base),
                            source="import",
                            provenance="benchmark",
                        )
                    )
    IndicatorValue.objects.bulk_create(rows, batch_size=5000)
    # As an import does (kesu.core.dbstats): until the planner learns the table grew, overviews ran 2× slower.
    dbstats.analyse([IndicatorValue._meta.db_table])
    return len(rows)


def _links(indicators: list) -> int:
    from kesu.indicators.models import TargetLink
    from kesu.plans.models import Target

    targets = list(Target.objects.filter(indicator_link__isnull=True, task__plan__title__contains="演示数据"))
    TargetLink.objects.bulk_create(
        [
            TargetLink(
                target=t,
                indicator=indicators[i % len(indicators)],
                baseline_year=2020,
                baseline_value=50,
                confirmed=True,
            )
            for i, t in enumerate(targets)
        ],
        batch_size=5000,
    )
    return TargetLink.objects.count()


def time_pages(province, indicators: list) -> list[tuple[str, list[float], int]]:  # type: ignore[no-untyped-def]
    from django.test import Client

    from kesu.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1", headers={"X-Forwarded-Proto": "https"}, secure=True)
    client.force_login(User.objects.get(username=f"office-{province.province.code}"))
    city = province.regions[0]
    county = next(r for r in province.regions if r.level == 3)
    pages = []
    for label, region in (("省", province.province), ("市", city), ("县", county)):
        base = f"/indicators/regions/{region.code}/"
        pages += [
            (f"{label}：监测总览", base),
            (f"{label}：指标页（比率 literacy_rate）", f"{base}literacy_rate/"),
            (f"{label}：指标页（求和 volunteer_count）", f"{base}volunteer_count/"),
        ]
    pages.append(("省：下级比较", f"/indicators/regions/{province.province.code}/compare/"))
    results = []
    for name, url in pages:
        client.get(url)  # warm the caches once, as a running server would be
        millis, errors = [], 0
        for _ in range(SAMPLES):
            started = time.perf_counter()
            response = client.get(url)
            millis.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200
        results.append((name, millis, errors))
    return results


def main() -> None:
    province, indicators = setup()
    print(f"{'page':<36} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} errors")
    worst = 0.0
    for name, millis, errors in time_pages(province, indicators):
        p95 = percentile(millis, 95)
        worst = max(worst, p95)
        print(
            f"{name:<36} {len(millis):>4} {statistics.median(millis):8.1f} {p95:8.1f} {max(millis):8.1f} {errors}"
        )
    print(f"worst p95 {worst:.1f} ms — {'PASS' if worst < 300 else 'FAIL'} (requirement: p95 < 300 ms)")


if __name__ == "__main__":
    main()
