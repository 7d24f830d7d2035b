"""Activities benchmark on PostgreSQL: a province with 500,000 活动 rows, its campaigns and activity lists.

    psql -h 127.0.0.1 -U postgres -c 'create database activities_bench'
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/activities_bench .venv/bin/python benchmarks/activities_bench.py
    # BENCH_SAMPLES=30 BENCH_ACTIVITIES=500000 BENCH_FUNDING_LINES=50000

Steps: migrate; build the synthetic province of benchmarks/province.py once (1 province, 17 cities,
160 counties, about 60 member units each); add, once and kept between runs (``build_activities``,
reusable by other benchmarks): a province 全国科普月 and a 科技活动周 in every city, BENCH_ACTIVITIES
activities over 2024–2025 spread over every unit with the demo's generator (kinds, key groups, 人次,
about 90 % adopted, a quarter inside a campaign, 15 % with a co-organiser), and — when the funding app
is installed — BENCH_FUNDING_LINES 科普经费 lines (``build_funding_lines``). Then time, with the
Django test client in this process (as the other benchmarks do), the campaign page of the province and
of a city for their offices, the activity list (unfiltered, by campaign, page 20 by number and page
20 reached by clicking 下一页, unfiltered and within the campaign) for the province's, a city's and a
county's office and a unit's liaison, and once each the campaign's 总结
(docx) and 汇总表 (xlsx). Prints p50/p95/max, the query count of one request and the load average
beside every line (the machine is shared). The requirement is p95 < 500 ms for the pages, the 重点人群 filter included.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")

from benchmarks.timing import percentile  # noqa: E402

SAMPLES = int(os.environ.get("BENCH_SAMPLES", "30"))
ACTIVITIES = int(os.environ.get("BENCH_ACTIVITIES", "500000"))
FUNDING_LINES = int(os.environ.get("BENCH_FUNDING_LINES", "50000"))
MARK = "（基准）"


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
    print(build_activities(province, ACTIVITIES), f"in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    print(build_funding_lines(province, FUNDING_LINES), f"in {time.perf_counter() - started:.1f} s")
    return province


# ---- the data builders (reusable) ------------------------------------------------------------------------


def campaigns_of(province: Any) -> list[Any]:
    """The province's 全国科普月 2025 and a 科技活动周 2025 in every city (created once)."""
    from kesu.activities import actions_campaigns
    from kesu.activities.models import Campaign, CampaignKind
    from kesu.regions.models import RegionLevel

    found = list(Campaign.objects.filter(name__endswith=MARK))
    if found:
        return found
    made = [
        actions_campaigns.create_campaign(
            None,
            province.province,
            name=f"2025年全国科普月{MARK}",
            kind=CampaignKind.SCIENCE_DAY,
            year=2025,
            starts_on=date(2025, 9, 1),
            ends_on=date(2025, 9, 30),
        )
    ]
    for city in (r for r in province.regions if r.level == RegionLevel.CITY):
        made.append(
            actions_campaigns.create_campaign(
                None,
                city,
                name=f"{city.name}2025年科技活动周{MARK}",
                kind=CampaignKind.SCIENCE_WEEK,
                year=2025,
                starts_on=date(2025, 5, 17),
                ends_on=date(2025, 5, 24),
            )
        )
    return made


def build_activities(province: Any, count: int = ACTIVITIES) -> str:
    """``count`` activities over every unit of the province (kept: a second call adds none)."""
    from django.db import connection, transaction

    from kesu.activities.demo import Spread, generate_activities
    from kesu.activities.models import Activity
    from kesu.regions.models import Region, Unit

    campaigns = campaigns_of(province)
    existing = Activity.objects.filter(region__path__startswith=province.province.path).count()
    if existing >= count * 0.99:  # the per-region share rounds down: 499,848 of 500,000
        return f"{existing} activities (kept)"
    rng = random.Random(17)
    regions = [*province.regions]
    share = max(1, (count - existing) // len(regions))
    for region in regions:
        units = list(Unit.objects.filter(region=region).order_by("pk"))
        if not units:
            continue
        places = [region, *Region.objects.filter(parent=region)[:5]]
        own = [c for c in campaigns if c.region_id in (region.pk, region.parent_id, province.province.pk)]
        spread = Spread(units, places, date(2024, 1, 1), date(2025, 12, 31), own, 0.25)
        with transaction.atomic():
            generate_activities(rng, spread, share)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE activities_activity")  # index-only scans for the state counts
            cursor.execute("VACUUM ANALYZE activities_activityorganiser")
    return f"{Activity.objects.filter(region__path__startswith=province.province.path).count()} activities"


def build_funding_lines(province: Any, count: int = FUNDING_LINES) -> str:
    """``count`` 科普经费 lines of 2025 over every unit, when the funding app is installed (kept)."""
    from django.apps import apps

    if not apps.is_installed("kesu.funding"):
        return "no funding app: no funding lines"
    from kesu.funding.models import FundingLine
    from kesu.regions.models import Unit

    existing = FundingLine.objects.filter(name__endswith=MARK).count()
    if existing >= count:
        return f"{existing} funding lines (kept)"
    rng = random.Random(18)
    fields = {f.name for f in FundingLine._meta.get_fields()}
    units = list(
        Unit.objects.filter(region__path__startswith=province.province.path).values_list("pk", "region_id")
    )
    natures = _choices(FundingLine, "nature")
    rows = []
    for n in range(count - existing):
        unit_id, region_id = units[n % len(units)]
        budget = Decimal(rng.randrange(10_000, 2_000_000))
        values = {
            "unit_id": unit_id,
            "region_id": region_id,
            "name": f"科普经费{n}{MARK}",
            "year": 2025,
            "nature": rng.choice(natures) if natures else "",
            "budget": budget,
            "received": budget,
            "spent": (budget * Decimal("0.7")).quantize(Decimal("1")),
        }
        rows.append(FundingLine(**{k: v for k, v in values.items() if k.removesuffix("_id") in fields}))
    FundingLine.objects.bulk_create(rows, batch_size=5000)
    return f"{FundingLine.objects.filter(name__endswith=MARK).count()} funding lines"


def _choices(model: Any, name: str) -> list[str]:
    try:
        return [value for value, _label in model._meta.get_field(name).choices or []]
    except Exception:  # noqa: BLE001 — a field renamed by the funding app: lines without a nature
        return []


# ---- timing ------------------------------------------------------------------------------------------


def pages(province: Any) -> list[tuple[str, str, str]]:
    from kesu.accounts.models import Membership
    from kesu.activities.models import Campaign
    from kesu.regions.models import RegionLevel

    city = next(r for r in province.regions if r.level == RegionLevel.CITY)
    county = next(r for r in province.regions if r.level == RegionLevel.COUNTY and r.parent_id == city.pk)
    month = Campaign.objects.get(region=province.province, name__endswith=MARK)
    week = Campaign.objects.get(region=city, name__endswith=MARK)
    liaison = Membership.objects.filter(unit__region=city).select_related("user").first()
    result = [
        (f"office-{province.province.code}", "省：科普月页", f"/activities/campaigns/{month.pk}/"),
        (f"office-{city.code}", "市：科技周页", f"/activities/campaigns/{week.pk}/"),
    ]
    for region, label in ((province.province, "省"), (city, "市"), (county, "县")):
        office = f"office-{region.code}"
        result += [
            (office, f"{label}：活动列表", "/activities/"),
            (office, f"{label}：活动列表 第20页", "/activities/?page=20"),
            (office, f"{label}：第20页（翻页链接）", followed(office, "/activities/", 19)),
            (office, f"{label}：活动列表 科普月", f"/activities/?campaign={month.pk}"),
            (office, f"{label}：活动列表 重点人群（老年人）", "/activities/?key_group=" + quote("老年人")),
            (
                office,
                f"{label}：科普月 第20页（翻页）",
                followed(office, f"/activities/?campaign={month.pk}", 19),
            ),
        ]
    if liaison is not None:
        result.append((liaison.user.username, "联络员：活动列表", "/activities/"))
        result.append((liaison.user.username, "联络员：科技周页", f"/activities/campaigns/{week.pk}/"))
    return result


def followed(username: str, url: str, clicks: int) -> str:
    """The URL reached from ``url`` by clicking 下一页 ``clicks`` times (the link carries the key of the
    page's last row, so the page after it is read from the index at that point: activities.paging)."""
    import html
    import re

    client = _client(username)
    for _ in range(clicks):
        page = client.get(url).content.decode()
        found = re.search(r'href="([^"]*)">下一页', page)
        if found is None:
            break
        url = "/activities/" + html.unescape(found.group(1))
    return url


def _client(username: str) -> Any:
    from django.test import Client

    from kesu.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1", headers={"X-Forwarded-Proto": "https"}, secure=True)
    client.force_login(User.objects.get(username=username))
    return client


def time_pages(province: Any) -> Iterator[tuple[str, list[float], int, int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clients: dict[str, Any] = {}
    for username, name, url in pages(province):
        client = clients.setdefault(username, _client(username))
        first = client.get(url)  # warms the caches once, as a running server would be
        assert first.status_code == 200, (name, url, first.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        # Counted now: each request's start empties the connection's query log, so counting after the
        # samples (as before) always said 0.
        count = len(queries)
        millis, errors = [], 0
        for _ in range(SAMPLES):
            started = time.perf_counter()
            errors += client.get(url).status_code != 200
            millis.append((time.perf_counter() - started) * 1000)
        yield name, millis, errors, count


def time_documents(province: Any) -> None:
    from kesu.activities.models import Campaign

    month = Campaign.objects.get(region=province.province, name__endswith=MARK)
    client = _client(f"office-{province.province.code}")
    for label, url in (("科普月 总结 docx", "summary.docx"), ("科普月 汇总表 xlsx", "summary.xlsx")):
        started = time.perf_counter()
        response = client.get(f"/activities/campaigns/{month.pk}/{url}")
        seconds = time.perf_counter() - started
        streamed = getattr(response, "streaming", False)
        body = b"".join(response.streaming_content) if streamed else response.content
        size = len(body) if response.status_code == 200 else 0
        print(
            f"{label:<20} {seconds:8.2f} s  {size / 1e6:6.1f} MB  load {os.getloadavg()[0]:.2f}"
            f"  HTTP {response.status_code}"
        )
        if response.status_code == 302:  # a large table: a background job; run it here and time it
            _time_job(response["Location"])


def _time_job(location: str) -> None:
    from kesu.core.jobs import run_job
    from kesu.core.models import Job

    job = Job.objects.get(pk=int(location.rstrip("/").rsplit("/", 1)[-1]))
    started = time.perf_counter()
    run_job.call(job.pk)
    job.refresh_from_db()
    seconds = time.perf_counter() - started
    print(f"{'  └ 后台任务':<20} {seconds:8.2f} s  {job.result_file.size / 1e6:6.1f} MB  {job.status}")


def main() -> None:
    province = setup()
    from django.db import connection

    from kesu.activities.models import Activity, Campaign

    month = Campaign.objects.get(region=province.province, name__endswith=MARK)
    print(f"the province 科普月 holds {Activity.objects.filter(campaign=month).count()} activities")
    load_before = os.getloadavg()
    print(
        f"{'page':<24} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'load':>6} {'queries':>7} errors"
    )
    worst = 0.0
    for name, millis, errors, queries in time_pages(province):
        p95 = percentile(millis, 95)
        worst = max(worst, p95)
        print(
            f"{name:<24} {len(millis):>4} {statistics.median(millis):8.1f} {p95:8.1f} {max(millis):8.1f} "
            f"{os.getloadavg()[0]:6.2f} {queries:>7} {errors}"
        )
    time_documents(province)
    load_after = os.getloadavg()
    print(
        f"database {connection.vendor}; {os.cpu_count()} CPU cores; load average "
        f"{load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f} before, "
        f"{load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f} after"
    )
    print(f"worst p95 {worst:.0f} ms — {'PASS' if worst < 500 else 'FAIL'} (requirement: p95 < 500 ms)")


if __name__ == "__main__":
    main()
