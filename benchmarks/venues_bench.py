"""Bases registry benchmark: the registry list with filters and the region overview with counts.

    psql -h 127.0.0.1 -U postgres -c 'create database venues_bench'
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/venues_bench .venv/bin/python benchmarks/venues_bench.py
    DATABASE_URL=sqlite:////tmp/venues_bench.sqlite3 .venv/bin/python benchmarks/venues_bench.py

Steps: migrate; build the synthetic province of benchmarks/province.py once (1 province, 17 cities,
160 counties, their units, offices and plans); add a registry (演示数据, bulk-inserted, kept between
runs): 200 institutions per city spread over its counties (3,400), their designations (市级 科协
batches 2017–2025 valid five years, most renewed, some 科技-line, 省级 and 县级 titles too), a
count rule on one target of every city's plan, and five years (2021–2025) of annual reports for
every base valid in the year, reviewed and scored. Then time, with the Django test client in this
process (as benchmarks/indicators_bench.py does), the institution list unfiltered, filtered
(级别·体系·状态·年度, keyword, region) and on a later page, the region overview with counts
(/bases/counts/) for two years, and the expiry list, for the province's, a city's and a county's
office. Prints p50/p95/max per page, the query count of one request, and the load average before
and after (the machine is shared); the requirement is p95 under 300 ms.

Each line: wall p50/p95/max, this process's CPU per request (p50: the app's own work, which the
load does not inflate), the SQL time and query count of one request. The last lines say PASS or
FAIL against 300 ms, and the worst p95 of app CPU + SQL.

Numbers, 2026-12-02 16:50 UTC, after the expiry page was cut to 100 rows per section with SQL
excludes (BENCH_SAMPLES=20, PostgreSQL 15, 2 cores shared with seven other sessions' test runs; load
average 12.1 before, 12.3 after, so every wall time is mostly waiting for a core):
- FAIL on wall time: p95 422 ms (county expiry) to 1,520 ms (province list, 已过期 page 3); the
  province's expiry page p50 833 / p95 1,192 ms (it was p95 5,932 ms). App CPU p50 per request
  38–120 ms on every page (province expiry 101 ms, was 829 ms). Queries per request: 12 (lists and
  expiry), 17–19 (overview: + the gap to each target and why a level is 0), the same for a county
  and the province. Worst p95 of app CPU + SQL (what an unloaded machine would answer in): 555 ms,
  the SQL part measured under the same load; rerun on an unloaded machine to confirm the 300 ms.

Earlier numbers, 2026-12-02, BENCH_SAMPLES=20, load average 12–14 throughout:
- PostgreSQL 15: FAIL. Wall p95 304 ms (county expiry) to 5,932 ms (province expiry). App CPU p50
  per request 29–106 ms on every page but the province's expiry list (829 ms). EXPLAIN ANALYZE of the
  slowest query of each page: 70 ms at most (province list, 市级·科协·有效·2025: 2,505 matches sorted
  for the first 100), under 1 ms on a county. Queries per request: 10–11 (lists), 15–16 (overview),
  9 (expiry), the same for a county and the province.
- SQLite: FAIL. Wall p95 153 ms (county list) to 9,788 ms (province expiry); app CPU p50 34–106 ms
  but 846 ms for the province's expiry list.
- The expiry list then rendered every title ending within 6 months and every lapse of 3 years in one
  page (2,094 rows, 308 KB for the province) and built the 6-month list with ``d not in within3``
  over model instances (207,000 ``Model.__eq__`` calls); now each section is a queryset (the 3–6
  month one excludes the 3-month one in SQL), cut at 100 rows, with its total and a link to the list.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")

from benchmarks.timing import percentile  # noqa: E402

SAMPLES = int(os.environ.get("BENCH_SAMPLES", "30"))
PER_CITY = int(os.environ.get("BENCH_INSTITUTIONS_PER_CITY", "200"))
REPORT_YEARS = range(2021, 2026)
MARK = "（演示数据·基准）"


def setup() -> Any:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from benchmarks.province import build_province

    started = time.perf_counter()
    province = build_province()
    print(
        f"province ready in {time.perf_counter() - started:.1f} s: {len(province.regions)} cities and counties"
    )
    started = time.perf_counter()
    made = build_registry(province)
    print(f"registry ready in {time.perf_counter() - started:.1f} s: {made}")
    return province


def build_registry(province: Any) -> str:
    """The province's registry, bulk-inserted once (kept between runs)."""
    from django.db import connection, transaction

    from kesu.venues.models import AnnualReport, Designation, Institution

    if not Institution.objects.filter(address__endswith=MARK).exists():
        with transaction.atomic():
            _build(province, random.Random(15))
    if connection.vendor == "postgresql":  # fresh statistics, as autovacuum would have them after a bulk load
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return (
        f"{Institution.objects.count()} institutions, {Designation.objects.count()} designations, "
        f"{AnnualReport.objects.count()} annual reports"
    )


def _build(province: Any, rng: random.Random) -> None:
    from kesu.regions.models import Region, RegionLevel, Unit, UnitKind
    from kesu.venues import actions
    from kesu.venues.models import Category, Institution
    from kesu.venues.models.institutions import CREDIT_CODE_CHARS, credit_code_check_char

    actions.ensure_category_schemes()
    categories = list(Category.objects.filter(scheme__is_default=True))
    cities = [r for r in province.regions if r.level == RegionLevel.CITY]
    counties: dict[int, list[Region]] = {}
    for region in province.regions:
        if region.level == RegionLevel.COUNTY:
            counties.setdefault(region.parent_id, []).append(region)
    units: dict[int, list[Unit]] = {}
    for unit in Unit.objects.filter(region__in=cities).exclude(kind=UnitKind.SUBREGION):
        units.setdefault(unit.region_id, []).append(unit)
    rows, codes = [], set()
    for city in cities:
        for n in range(PER_CITY):
            place = rng.choice(counties.get(city.pk) or [city])
            while True:
                body = "12" + place.code[:6] + "".join(rng.choice(CREDIT_CODE_CHARS[:10]) for _ in range(9))
                if body not in codes:
                    codes.add(body)
                    break
            name = f"{place.name}{'科技馆' if n % 25 == 0 else '科普教育基地'}{n:03d}"
            rows.append(
                Institution(
                    name=name,
                    base_name=name,
                    credit_code=body + credit_code_check_char(body),
                    region=place,
                    unit=rng.choice(units[city.pk]),
                    address=f"{place.name}演示路{n}号{MARK}",
                    contact_name="演示联系人",
                    contact_phone=f"139{rng.randint(10_000_000, 99_999_999)}",
                    category=rng.choice(categories),
                    exhibit_area=Decimal(rng.choice([200, 600, 1500, 4000])),
                    opening_days="周二至周日",
                    opening_hours="9:00—17:00",
                )
            )
    Institution.objects.bulk_create(rows, batch_size=2000)
    institutions = list(Institution.objects.filter(address__endswith=MARK).select_related("region"))
    held = _designations(institutions, rng)
    _count_rules(province)
    _annual_reports(cities, institutions, held, rng)


def _designations(institutions: list[Any], rng: random.Random) -> dict[int, set[int]]:
    """Titles of every institution; returns the years each institution held a valid one."""
    from kesu.venues.models import Designation

    rows, held = [], {}
    for institution in institutions:
        years: set[int] = set()
        lines = [(3, "kexie", rng.randint(2017, 2025), 0.75)]
        if rng.random() < 0.1:
            lines.append((3, "keji", rng.randint(2019, 2025), 0.0))
        if rng.random() < 0.08:
            lines.append((2, rng.choice(["kexie", "keji"]), rng.randint(2019, 2025), 0.5))
        if rng.random() < 0.05:
            lines.append((4, "kexie", rng.randint(2017, 2022), 0.0))
        for level, system, first, renew in lines:
            year = first
            while year <= 2025:
                rows.append(
                    Designation(
                        institution=institution,
                        system=system,
                        level=level,
                        batch=f"{year}年度",
                        batch_year=year,
                        start_year=year,
                        end_year=year + 4,
                        method="reapply" if year != first else "apply",
                        document_no=f"演示〔{year}〕{rng.randint(1, 60)}号",
                        decided_on=datetime.date(year, 4, 18),
                    )
                )
                years.update(range(year, year + 5))
                if rng.random() >= renew:
                    break
                year += 5 + rng.choice([0, 1])
        held[institution.pk] = years
    Designation.objects.bulk_create(rows, batch_size=5000)
    return held


def _count_rules(province: Any) -> None:
    """A rule on one target of each city's plan, so the overview also counts for a target."""
    from kesu.plans.models import Target
    from kesu.regions.models import RegionLevel
    from kesu.venues.models import CountRule

    rules = []
    for plan in province.plans:
        if plan.region.level == RegionLevel.CITY:
            target = Target.objects.filter(task__plan=plan).order_by("pk").first()
            if target is not None:
                rules.append(CountRule(target=target, level=3, level_comparison="eq", measure="stock"))
    CountRule.objects.bulk_create(rules)


def _annual_reports(
    cities: list[Any], institutions: list[Any], held: dict[int, set[int]], rng: random.Random
) -> None:
    from django.utils import timezone

    from kesu.venues.models import AnnualReport, AnnualRound, LineScore, Rubric, RubricLine

    rubrics = Rubric.objects.bulk_create(
        Rubric(region=city, name=f"{city.name}年度考核评分表") for city in cities
    )
    lines = RubricLine.objects.bulk_create(
        RubricLine(
            rubric=rubric, order=n, title=title, points=Decimal(points), figure=figure, thresholds=steps
        )
        for rubric in rubrics
        for n, (title, points, figure, steps) in enumerate(
            (
                ("开放时间", 40, "open_days", [[300, 40], [250, 32], [200, 24]]),
                ("接待人次", 40, "visitors", [[30000, 40], [10000, 32], [1000, 20]]),
                ("特色科普活动", 20, "", []),
            ),
            start=1,
        )
    )
    rounds = AnnualRound.objects.bulk_create(
        AnnualRound(
            region=city, year=year, rubric=rubric, due_date=datetime.date(year + 1, 3, 31), published=True
        )
        for city, rubric in zip(cities, rubrics, strict=True)
        for year in REPORT_YEARS
    )
    by_city = {(r.region_id, r.year): r for r in rounds}
    city_of = {c.path: c.pk for c in cities}
    now = timezone.now()
    reports = []
    for institution in institutions:
        city = next(pk for path, pk in city_of.items() if institution.region.path.startswith(path))
        for year in REPORT_YEARS:
            if year in held[institution.pk]:
                total = Decimal(rng.randint(50, 100))
                reports.append(
                    AnnualReport(
                        round=by_city[(city, year)],
                        institution=institution,
                        state="reviewed",
                        open_days=rng.randint(150, 330),
                        visitors=rng.randint(500, 80_000),
                        fulltime_staff=rng.randint(0, 8),
                        parttime_staff=rng.randint(0, 20),
                        funding=Decimal(rng.randint(1, 90)),
                        volunteers=rng.randint(0, 100),
                        activities="（演示数据）科普日主题开放",
                        submitted_at=now,
                        first_submitted_at=now,
                        self_total=total,
                        review_total=total,
                        band="优秀"
                        if total >= 90
                        else "良好"
                        if total >= 75
                        else "合格"
                        if total >= 60
                        else "不合格",
                        outcome="keep",
                        reviewed_at=now,
                    )
                )
    AnnualReport.objects.bulk_create(reports, batch_size=5000)
    by_rubric: dict[int, list[Any]] = {}
    for line in lines:
        by_rubric.setdefault(line.rubric_id, []).append(line)
    LineScore.objects.bulk_create(
        (
            LineScore(report=report, line=line, self_points=line.points, review_points=line.points)
            for report in reports
            for line in by_rubric[report.round.rubric_id]
        ),
        batch_size=5000,
    )


def pages(province: Any) -> list[tuple[str, str, str]]:
    """(office, page name, URL) for the province's, a city's and a county's office."""
    from kesu.regions.models import RegionLevel

    city = next(r for r in province.regions if r.level == RegionLevel.CITY)
    county = next(r for r in province.regions if r.level == RegionLevel.COUNTY)
    result = []
    for label, region in (("省", province.province), ("市", city), ("县", county)):
        office = f"office-{region.code}"
        result += [
            (office, f"{label}：基地列表", "/bases/"),
            (
                office,
                f"{label}：列表 市级·科协·有效·2025",
                "/bases/?level=3&system=kexie&status=valid&year=2025",
            ),
            (
                office,
                f"{label}：列表 关键词“科技馆”·有效",
                "/bases/?q=%E7%A7%91%E6%8A%80%E9%A6%86&status=valid",
            ),
            (office, f"{label}：列表 已过期·第 3 页", "/bases/?status=expired&page=3"),
            (office, f"{label}：统计概览（今年）", "/bases/counts/"),
            (office, f"{label}：统计概览（2025）", "/bases/counts/?year=2025"),
            (office, f"{label}：到期提醒", "/bases/expiry/"),
        ]
        if region.level != RegionLevel.COUNTY:
            result.append(
                (office, f"{label}：列表 下级区划·有效", f"/bases/?region={county.code}&status=valid")
            )
    return result


@dataclass
class Timing:
    name: str
    millis: list[float]  # wall time per request
    cpu_millis: list[float]  # this process's CPU time per request (the app's own work, whatever the load)
    errors: int
    queries: int
    sql_millis: float  # the database's time for one request, as the driver reports it


def time_pages(province: Any) -> Iterator[Timing]:
    """Each page's timings as soon as they are taken (the first request warms the caches)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kesu.accounts.models import User

    clients: dict[str, Client] = {}
    for username, name, url in pages(province):
        if username not in clients:
            client = Client(HTTP_HOST="127.0.0.1", headers={"X-Forwarded-Proto": "https"}, secure=True)
            client.force_login(User.objects.get(username=username))
            clients[username] = client
        client = clients[username]
        first = client.get(url)  # warms the caches once, as a running server would be
        assert first.status_code == 200, (name, url, first.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        count = len(queries.captured_queries)  # now: the next request starts with the log cleared
        millis, cpu, errors = [], [], 0
        for _ in range(SAMPLES):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            millis.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            errors += response.status_code != 200
        yield Timing(name, millis, cpu, errors, count, sql)


def main() -> None:
    province = setup()
    from django.db import connection

    load_before = os.getloadavg()
    print(
        f"{'page':<30} {'n':>3} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
        f"{'cpu p50':>7} {'sql ms':>7} {'queries':>7} errors",
        flush=True,
    )
    worst, worst_own = 0.0, 0.0
    for t in time_pages(province):
        p95 = percentile(t.millis, 95)
        own = percentile(t.cpu_millis, 95) + t.sql_millis
        worst, worst_own = max(worst, p95), max(worst_own, own)
        print(
            f"{t.name:<30} {len(t.millis):>3} {statistics.median(t.millis):7.1f} {p95:7.1f} {max(t.millis):7.1f} "
            f"{statistics.median(t.cpu_millis):7.1f} {t.sql_millis:7.1f} {t.queries:>7} {t.errors}",
            flush=True,
        )
    load_after = os.getloadavg()
    print(
        f"database {connection.vendor}; {os.cpu_count()} CPU cores; load average "
        f"{load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f} before, "
        f"{load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f} after"
    )
    print(f"worst p95 {worst:.1f} ms — {'PASS' if worst < 300 else 'FAIL'} (requirement: p95 < 300 ms)")
    print(
        f"worst p95 of the work itself (app CPU + SQL, what an unloaded machine would answer in): {worst_own:.1f} ms"
    )


if __name__ == "__main__":
    main()
