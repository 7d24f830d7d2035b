"""Volunteers benchmark on PostgreSQL: a province of 200,000 volunteers and 2,000,000 service records.

    psql -h 127.0.0.1 -U postgres -c 'create database volunteers_bench'
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/volunteers_bench .venv/bin/python benchmarks/volunteers_bench.py
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/volunteers_bench .venv/bin/python benchmarks/volunteers_bench.py import

Steps: migrate; build the synthetic province of benchmarks/province.py once (1 province, 17 cities,
160 counties); add, once and kept between runs, 2,000 teams (a 支队 per city, a 大队 per county, 分队
under them), 200,000 volunteers spread over the counties, each in one team, 80,000 activities and
2,000,000 service records over 2024–2025 (generated inside PostgreSQL with generate_series: the point
is the pages, not the loading). Then time, with the Django test client in this process (as the other
benchmarks do), the volunteer list unfiltered, filtered (区划, 队伍, 在册, 当年有服务记录, 姓名) and on a
later page, a team page, and the region overview for the province's, a city's and a county's office.
Prints p50/p95/max per page and the query count of one request; the requirement is p95 < 300 ms.

``import``: a 100,000-row platform export (CSV; half of the rows are people already registered, so
the de-duplication by ID hash has work to do) is checked and stored by the same code as the page
(``importing.run``) in this process; prints the seconds and the peak RSS (requirement: < 60 s, < 1 GB).
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")

from benchmarks.timing import percentile  # noqa: E402

SAMPLES = int(os.environ.get("BENCH_SAMPLES", "30"))
VOLUNTEERS = int(os.environ.get("BENCH_VOLUNTEERS", "200000"))
RECORDS = int(os.environ.get("BENCH_RECORDS", "2000000"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))


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
    _register(province)
    _summaries()
    _vacuum()
    print(f"register ready in {time.perf_counter() - started:.1f} s")
    return province


def _register(province: Any) -> None:
    """Teams, volunteers, their memberships, activities and records, generated in SQL; kept between runs."""
    from django.db import connection, transaction

    from kesu.regions.models import RegionLevel
    from kesu.volunteers.models import ServiceRecord, Team, TeamLevel, Volunteer

    if ServiceRecord.objects.exists():
        return
    counties = [r for r in province.regions if r.level == RegionLevel.COUNTY]
    cities = [r for r in province.regions if r.level != RegionLevel.COUNTY]
    with transaction.atomic():
        tops = {
            c.pk: Team.objects.create(region=c, name=f"{c.name}科技志愿服务支队", level=TeamLevel.DETACHMENT)
            for c in cities
        }
        brigades = Team.objects.bulk_create(
            [
                Team(
                    region=c,
                    parent=tops.get(c.parent_id),
                    name=f"{c.name}科技志愿服务大队",
                    level=TeamLevel.BRIGADE,
                )
                for c in counties
            ]
        )
        squads = []
        per = max(1, (2000 - len(tops) - len(brigades)) // len(brigades))
        for brigade in brigades:
            squads += [
                Team(
                    region=brigade.region,
                    parent=brigade,
                    name=f"{brigade.region.name}科技志愿服务分队{n + 1}",
                    level=TeamLevel.SQUAD,
                )
                for n in range(per)
            ]
        squads = Team.objects.bulk_create(squads)
        county_ids = [c.pk for c in counties]
        squad_ids = [t.pk for t in squads]
        volunteer, team_table = Volunteer._meta.db_table, Team._meta.db_table
        record = ServiceRecord._meta.db_table
        with connection.cursor() as cursor:
            # volunteer i lives in county i mod n and belongs to a squad of that county
            cursor.execute(
                f"""INSERT INTO {volunteer} (region_id, name, sex, birth_date, id_hash, id_cipher, id_last4, phone, skills,
                    employer, platform, platform_number, registered_on, in_register, created_at)
                SELECT (%s::int[])[1 + i %% %s], (ARRAY['王','李','张','刘','陈','杨'])[1 + i %% 6] || '志愿者' || i,
                    CASE WHEN i %% 2 = 0 THEN 'F' ELSE 'M' END, DATE '1960-01-01' + (i %% 16000),
                    md5('bench-' || i) || md5('id-' || i), 'bench', lpad((i %% 10000)::text, 4, '0'), '13' || lpad(i::text, 9, '0'),
                    '科普讲解', '演示单位', 'keji', 'V' || i, DATE '2021-03-01' + (i %% 1700), i %% 50 <> 0, now()
                FROM generate_series(0, %s - 1) AS i""",
                [county_ids, len(county_ids), VOLUNTEERS],
            )
            cursor.execute(
                f"""INSERT INTO {volunteer}_teams (volunteer_id, team_id)
                SELECT v.id, t.id FROM {volunteer} v
                JOIN LATERAL (SELECT id FROM {team_table} WHERE region_id = v.region_id AND level = 'squad'
                              ORDER BY id OFFSET (v.id %% %s) LIMIT 1) t ON true""",
                [per],
            )
            activity = f"{record.replace('servicerecord', 'serviceactivity')}"
            activities = RECORDS // 25
            cursor.execute(
                f"""INSERT INTO {activity} (region_id, team_id, name, category, start_date, end_date)
                SELECT t.region_id, t.id, '科普活动' || i, '科技咨询', DATE '2024-01-01' + (i %% 700), DATE '2024-01-01' + (i %% 700)
                FROM generate_series(0, %s - 1) AS i JOIN {team_table} t ON t.id = (%s::int[])[1 + i %% %s]""",
                [activities, squad_ids, len(squad_ids)],
            )
            # each activity gets 25 records of 25 members of its team
            cursor.execute(
                f"""INSERT INTO {record} (activity_id, volunteer_id, service_date, declared_hours, raw_hours, counted_hours, recorded_at)
                SELECT a.id, m.volunteer_id, a.start_date, 2.5, 2.5, 2.5, now()
                FROM {activity} a
                JOIN LATERAL (SELECT volunteer_id FROM {volunteer}_teams WHERE team_id = a.team_id
                              ORDER BY volunteer_id OFFSET (a.id % 20) LIMIT 25) m ON true
                ON CONFLICT DO NOTHING"""
            )
            cursor.execute(
                f"ANALYZE {volunteer}; ANALYZE {record}; ANALYZE {activity}; ANALYZE {volunteer}_teams"
            )
    print(
        f"{Volunteer.objects.count()} volunteers, {Team.objects.count()} teams, {ServiceRecord.objects.count()} records"
    )


def _summaries() -> None:
    """The yearly summaries of the SQL-generated records (the actions keep them for every later write)."""
    from django.db import connection, transaction

    from kesu.volunteers.models import ServiceRecord, VolunteerYear

    if VolunteerYear.objects.exists():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {VolunteerYear._meta.db_table} (volunteer_id, year, records, hours)
            SELECT volunteer_id, extract(year FROM service_date)::int, count(*), sum(counted_hours)
            FROM {ServiceRecord._meta.db_table} GROUP BY 1, 2"""
        )
        cursor.execute(f"ANALYZE {VolunteerYear._meta.db_table}")
    print(f"{VolunteerYear.objects.count()} yearly summaries")


def _vacuum() -> None:
    """Fresh statistics: an earlier import run leaves 100,000 deleted rows that mislead the planner."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("volunteers_volunteer", "volunteers_volunteer_teams", "volunteers_volunteeryear"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def pages(province: Any) -> list[tuple[str, str, str]]:
    from kesu.regions.models import RegionLevel
    from kesu.volunteers.models import Team

    city = next(r for r in province.regions if r.level == RegionLevel.CITY)
    county = next(r for r in province.regions if r.level == RegionLevel.COUNTY and r.parent_id == city.pk)
    team = Team.objects.filter(region=county, level="squad").first()
    result = []
    for region, label in ((province.province, "省"), (city, "市"), (county, "县")):
        office = f"office-{region.code}"
        result += [
            (office, f"{label}：志愿者名单", "/volunteers/people/"),
            (office, f"{label}：名单 第50页", "/volunteers/people/?page=50"),
            (
                office,
                f"{label}：名单 区划·在册",
                f"/volunteers/people/?region={county.code}&in_register=true",
            ),
            (office, f"{label}：名单 姓名", "/volunteers/people/?q=张志愿者1"),
            (office, f"{label}：名单 当年有记录", "/volunteers/people/?active_in=2025"),
            (office, f"{label}：名单 队伍", f"/volunteers/people/?team={team.pk if team else 0}"),
            (office, f"{label}：服务队页", f"/volunteers/teams/{team.pk if team else 0}/"),
            (office, f"{label}：区划总览", "/volunteers/?year=2025"),
        ]
    return result


def time_pages(province: Any) -> Iterator[tuple[str, list[float], list[float], int, int]]:
    """Wall-clock and this process's CPU milliseconds per request (the CPU time does not include
    PostgreSQL's, but it shows how much of a slow figure is the machine's load and not the page)."""
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
        with CaptureQueriesContext(connection) as queries:
            first = client.get(url)  # warms the caches once, as a running server would be
        assert first.status_code == 200, (name, url, first.status_code)
        millis, cpu, errors = [], [], 0
        for _ in range(SAMPLES):
            started, process = time.perf_counter(), time.process_time()
            response = client.get(url)
            millis.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - process) * 1000)
            errors += response.status_code != 200
        yield name, millis, cpu, errors, len(queries)


def import_bench(province: Any) -> None:
    from kesu.regions.models import RegionLevel
    from kesu.volunteers import importing
    from kesu.volunteers.models import Volunteer
    from kesu.volunteers.testing import id_number

    city = next(r for r in province.regions if r.level == RegionLevel.CITY)
    Volunteer.objects.filter(platform_number__startswith="IMP").delete()
    lines = ["志愿者姓名,证件号码,性别,联系电话,专业特长,工作单位,志愿者编号"]
    for n in range(IMPORT_ROWS):
        born = f"{1950 + n // 1000 % 60}{1 + n // 60000:02d}{1 + n % 28:02d}"
        number = id_number(n % 1000, city.code[:6], born)
        lines.append(f"志愿者{n},{number},{'男' if n % 2 else '女'},13{n:09d},科普讲解,平顶山学院,IMP{n}")
    data = "\n".join(lines).encode()
    first_half = "\n".join(lines[: IMPORT_ROWS // 2 + 1]).encode()
    print(f"file: {len(data) / 1e6:.1f} MB, {IMPORT_ROWS} rows")
    started = time.perf_counter()
    result = importing.run("volunteers", None, city, first_half, "第一次.csv", dry_run=False)
    print(
        f"first import of {IMPORT_ROWS // 2} rows: {time.perf_counter() - started:.1f} s, created {result.created}, errors {len(result.errors)}"
    )
    started, cpu = time.perf_counter(), time.process_time()
    result = importing.run("volunteers", None, city, data, "平台导出.csv", dry_run=False)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()
    print(
        f"import of {IMPORT_ROWS} rows (half already registered): {seconds:.1f} s ({cpu:.1f} s CPU of this process; "
        f"load average {load[0]:.2f}), created {result.created}, updated {result.updated}, errors {len(result.errors)}"
    )
    print(
        f"peak RSS {peak:.0f} MB — {'PASS' if seconds < 60 and peak < 1024 else 'FAIL'} (requirement: < 60 s, < 1 GB)"
    )
    # the page benchmark counts 200,000 volunteers: the imported ones go again
    Volunteer.teams.through.objects.filter(volunteer__platform_number__startswith="IMP").delete()
    Volunteer.objects.filter(platform_number__startswith="IMP").delete()


def main() -> None:
    province = setup()
    if sys.argv[1:] == ["import"]:
        import_bench(province)
        return
    from django.db import connection

    load_before = os.getloadavg()
    print(
        f"{'page':<24} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu p50':>8} {'load':>6} {'queries':>7} errors"
    )
    worst = 0.0
    for name, millis, cpu, errors, queries in time_pages(province):
        p95 = percentile(millis, 95)
        worst = max(worst, p95)
        print(
            f"{name:<24} {len(millis):>4} {statistics.median(millis):8.1f} {p95:8.1f} {max(millis):8.1f} "
            f"{statistics.median(cpu):8.1f} {os.getloadavg()[0]:6.2f} {queries:>7} {errors}"
        )
    load_after = os.getloadavg()
    print(
        f"database {connection.vendor}; {os.cpu_count()} CPU cores; load average "
        f"{load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f} before, "
        f"{load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f} after"
    )
    print(f"worst p95 {worst:.1f} ms — {'PASS' if worst < 300 else 'FAIL'} (requirement: p95 < 300 ms)")


if __name__ == "__main__":
    main()
