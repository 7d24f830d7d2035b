"""Indicators benchmark on PostgreSQL: region overview and per-indicator pages on a province of values.

    psql -h 127.0.0.1 -U postgres -c 'create database indicators_bench'
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/indicators_bench .venv/bin/python benchmarks/indicators_bench.py

Steps: migrate; build the synthetic province of benchmarks/province.py once: 1 province with its own
plan, 17 cities and 160 × BENCH_SCALE counties (the first city holds 96 × BENCH_SCALE of them), a plan
of 200 tasks per province, city and county, a target on every fourth task; add 40 indicators × every
county × 20 half-years (2016–2025) of values (演示数据, bulk-inserted, then ``ANALYZE`` and the stored
roll-ups rebuilt as ``kesu rebuild_rollups`` does after a bulk load) and link every plan target to one
of the 40; ten years of reporting cycles for the plans the pages read (the province's, the big city's,
one county's). Then time, with the Django test client in this process, the region overview and the
per-indicator pages for the province, the big city and a county, with each page's query count.
Prints p50/p95 per page; the requirement is p95 under 300 ms at 1× and under 500 ms at 4×.
``benchmarks/overview_bench.py`` times the same pages through gunicorn.

    BENCH_SCALE=4 (one database per scale: the province is built once per database)
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

from benchmarks.timing import percentile  # noqa: E402

SAMPLES = int(os.environ.get("BENCH_SAMPLES", "40"))
SCALE = int(os.environ.get("BENCH_SCALE", "1"))
BIG_CITY_COUNTIES = 96
INDICATORS = 40
HISTORY = (2016, 2025)  # ten years
PERIODS = [f"{year}H{half}" for year in range(HISTORY[0], HISTORY[1] + 1) for half in (1, 2)]


def setup() -> tuple:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from benchmarks.province import build_province

    from kesu.indicators import actions

    actions.ensure_catalogue()
    started = time.perf_counter()
    province = build_province(scale=SCALE, first_city_counties=BIG_CITY_COUNTIES, province_plan=True)
    print(
        f"province ({SCALE}×) ready in {time.perf_counter() - started:.1f} s: "
        f"{len(province.regions)} cities and counties, {len(province.plans)} plans"
    )
    started = time.perf_counter()
    _history(province)
    print(f"{HISTORY[1] - HISTORY[0] + 1} years of cycles ready in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    indicators = _indicators()
    made = _values(province.province, indicators)
    links = _links(indicators)
    print(f"values ready in {time.perf_counter() - started:.1f} s: {made} values, {links} target links")
    return province, indicators


def measured(province) -> list:
    """(label, region) of the pages timed: the province, the city with 96 × scale counties, a county."""
    city = province.regions[0]
    county = next(r for r in province.regions if r.level == 3 and r.parent_id == city.pk)
    return [("省", province.province), (f"市（{city.children.count()}县）", city), ("县", county)]


def _history(province) -> None:
    """Ten years of half-yearly cycles for the plans whose overviews are timed."""
    from benchmarks.province import build_cycles

    from kesu.plans.models import Plan
    from kesu.reporting.models import Cycle

    regions = [region for _label, region in measured(province)]
    plans = list(Plan.objects.filter(region__in=regions))
    if not Cycle.objects.filter(plan__in=plans).exists():
        build_cycles(province, *HISTORY, rng=random.Random(3), plans=plans)


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


def _values(province, indicators: list) -> int:
    from kesu.core import dbstats
    from kesu.indicators import rollups
    from kesu.indicators.models import Indicator, IndicatorValue, RolledValue
    from kesu.regions.models import Region

    if IndicatorValue.objects.filter(provenance="benchmark").exists():
        return IndicatorValue.objects.filter(provenance="benchmark").count()
    rng = random.Random(5)
    # Values where offices record them, in the counties: the city and province figures are roll-ups.
    regions = list(Region.objects.filter(path__startswith=province.path, level=3))
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
    started = time.perf_counter()
    stored = rollups.rebuild_all()  # a load around the actions: `kesu rebuild_rollups`
    dbstats.analyse([RolledValue._meta.db_table])
    print(f"roll-ups rebuilt in {time.perf_counter() - started:.1f} s: {stored} stored figures")
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


def pages(province) -> list[tuple[str, str]]:
    found = []
    for label, region in measured(province):
        base = f"/indicators/regions/{region.code}/"
        found += [
            (f"{label}：监测总览", base),
            (f"{label}：指标页（比率 literacy_rate）", f"{base}literacy_rate/"),
            (f"{label}：指标页（求和 volunteer_count）", f"{base}volunteer_count/"),
        ]
    found.append(("省：下级比较", f"/indicators/regions/{province.province.code}/compare/"))
    return found


def query_counts(province) -> dict[str, int]:
    """Each page's SQL statements, counted once in this process (gunicorn cannot tell)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = office_client(province)
    counts = {}
    for name, url in pages(province):
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        counts[name] = len(captured)
    return counts


def office_client(province):
    from django.test import Client

    from kesu.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1", headers={"X-Forwarded-Proto": "https"}, secure=True)
    client.force_login(User.objects.get(username=f"office-{province.province.code}"))
    return client


def time_pages(province, indicators: list) -> list[tuple[str, list[float], int]]:
    client = office_client(province)
    results = []
    for name, url in pages(province):
        client.get(url)  # warm the caches once, as a running server would be
        millis, errors = [], 0
        for _ in range(SAMPLES):
            started = time.perf_counter()
            response = client.get(url)
            millis.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200
        results.append((name, millis, errors))
    return results


def live_vs_stored(province) -> None:
    """The overview's figure work (headline + target statuses) rolled up per request, as before, and read
    from the stored roll-ups, as now: CPU ms in this process (load-independent) and queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kesu.indicators import dashboard, rollups
    from kesu.indicators.figures import SubtreeFigures, target_statuses
    from kesu.indicators.models import Indicator

    headline = Indicator.objects.get(code=dashboard.HEADLINE)
    print(
        f"{'figure work of the overview':<36} {'before CPU ms':>13} {'queries':>7} {'now CPU ms':>10} {'queries':>7}"
    )
    for label, region in measured(province):
        cells = []
        for load in (SubtreeFigures.load_many, rollups.load_many):
            cpu, queries = [], 0
            for _ in range(3):
                started = time.process_time()
                with CaptureQueriesContext(connection) as captured:
                    load([(headline, "")], region)[(headline.pk, "")].year_values(region)
                    target_statuses(dashboard.region_targets(region), region, 2025, load=load)
                cpu.append((time.process_time() - started) * 1000)
                queries = len(captured)
            cells += [statistics.median(cpu), queries]
        print(f"{label:<36} {cells[0]:13.1f} {cells[1]:>7} {cells[2]:10.1f} {cells[3]:>7}")


def limit_ms() -> int:
    return 300 if SCALE <= 1 else 500


def main() -> None:
    province, indicators = setup()
    live_vs_stored(province)
    counts = query_counts(province)
    load = os.getloadavg()[0]
    print(f"test client in this process, {SCALE}×, load average {load:.2f} before")
    print(f"{'page':<36} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>7} errors")
    worst = 0.0
    for name, millis, errors in time_pages(province, indicators):
        p95 = percentile(millis, 95)
        worst = max(worst, p95)
        print(
            f"{name:<36} {len(millis):>4} {statistics.median(millis):8.1f} {p95:8.1f} {max(millis):8.1f}"
            f" {counts[name]:>7} {errors}"
        )
    verdict = "PASS" if worst < limit_ms() else "FAIL"
    print(
        f"worst p95 {worst:.1f} ms — {verdict} (requirement at {SCALE}×: p95 < {limit_ms()} ms); "
        f"load average {os.getloadavg()[0]:.2f} after"
    )


if __name__ == "__main__":
    main()
