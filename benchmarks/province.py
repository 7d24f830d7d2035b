"""A synthetic province for benchmarks (演示数据, nothing real): importable by any app's benchmark.

``build_province()`` creates 1 province, 17 cities and 160 counties (fake 99xxxx codes), about 60
member units per city or county each with one liaison, one published plan per city or county with
200 tasks (1 lead and 2 participating units each, a target on every fourth task), and — when
``cycle_years`` is given — two reporting cycles a year: past ones approved, the last one open.
Everything goes in with bulk_create, so the whole province takes a minute or two on PostgreSQL.

Knobs (the defaults build the province above, which the other benchmarks use):

- ``scale``: 1, 4, 16 … multiplies the counties (160 → 640 → 2,560) under the same 17 cities;
- ``first_city_counties``: the first city gets this many counties × ``scale`` (96 gives the issue's
  "city with 96 counties"), the rest are spread over the other cities;
- ``province_plan``: the province office has its own published plan too (plans at every level);
- ``build_cycles(..., plans=[...])``: history for some plans only (ten years of cycles for every plan
  of a 4× province would be tens of millions of entries).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from kesu.accounts.models import Membership, Role, User
from kesu.periods import Period
from kesu.plans.models import Plan, PlanStatus, Responsibility, Target, Task
from kesu.regions.models import Region, RegionLevel, Unit, UnitKind

PROVINCE_CODE = "990000000000"
PASSWORD = "bench-password-2025"
UNIT_NAMES = [
    "教育局",
    "科技局",
    "科协",
    "农业农村局",
    "人社局",
    "卫健委",
    "文旅局",
    "团委",
    "妇联",
    "总工会",
]
PARTS = ["action", "project"]
GROUPS = ["青少年", "农民", "产业工人", "老年人", "领导干部和公务员"]


@dataclass
class Province:
    province: Region
    regions: list[Region] = field(default_factory=list)  # the cities and counties, each with a plan
    plans: list[Plan] = field(default_factory=list)

    def office_of(self, region: Region) -> User:
        return User.objects.get(username=f"office-{region.code}")


def build_province(
    *,
    cities: int = 17,
    counties: int = 160,
    units_per_region: int = 60,
    tasks_per_plan: int = 200,
    cycle_years: tuple[int, int] | None = None,
    seed: int = 1,
    scale: int = 1,
    first_city_counties: int | None = None,
    province_plan: bool = False,
) -> Province:
    """Build (or find, if already built) the synthetic province."""
    existing = Region.objects.filter(code=PROVINCE_CODE).first()
    if existing is not None:
        regions = list(
            Region.objects.filter(path__startswith=existing.path, level__in=[2, 3]).order_by("code")
        )
        planned = [existing, *regions]
        return Province(
            existing, regions, list(Plan.objects.filter(region__in=planned).order_by("region__code"))
        )
    rng = random.Random(seed)
    first = first_city_counties * scale if first_city_counties else None
    with transaction.atomic():
        province, regions = _regions(cities, counties * scale, first)
        planned = [province, *regions] if province_plan else regions
        units = _units(planned, units_per_region)
        _people(province, regions, units)
        plans = _plans(planned, units, tasks_per_plan, rng)
    result = Province(province, regions, plans)
    if cycle_years is not None:
        build_cycles(result, *cycle_years, rng=rng)
    return result


def _regions(cities: int, counties: int, first: int | None = None) -> tuple[Region, list[Region]]:
    province = Region(code=PROVINCE_CODE, name="演示省", level=RegionLevel.PROVINCE, path=f"{PROVINCE_CODE}/")
    province.save()
    city_rows = [
        Region(
            code=f"99{c:02d}00000000",
            name=f"演示{c}市",
            level=RegionLevel.CITY,
            parent=province,
            path=f"{province.path}99{c:02d}00000000/",
        )
        for c in range(1, cities + 1)
    ]
    Region.objects.bulk_create(city_rows)
    city_rows = list(Region.objects.filter(parent=province).order_by("code"))
    county_rows = []
    for city, number in _county_places(city_rows, counties, first):
        code = _county_code(city.code, number)
        county_rows.append(
            Region(
                code=code,
                name=f"{city.name}演示{number}县",
                level=RegionLevel.COUNTY,
                parent=city,
                path=f"{city.path}{code}/",
            )
        )
    Region.objects.bulk_create(county_rows)
    county_rows = list(Region.objects.filter(parent__parent=province).order_by("code"))
    return province, city_rows + county_rows


def _county_places(cities: list[Region], counties: int, first: int | None) -> list[tuple[Region, int]]:
    """(city, number within the city) of each county: round-robin, or ``first`` of them in the first city."""
    if first is None:
        return [(cities[i % len(cities)], i // len(cities) + 1) for i in range(counties)]
    places = [(cities[0], n) for n in range(1, first + 1)]
    others = cities[1:] or cities[:1]
    rest = max(0, counties - first)
    return places + [(others[i % len(others)], i // len(others) + 1) for i in range(rest)]


def _county_code(city_code: str, number: int) -> str:
    """12 digits: 01–99 in the county digits as before; beyond 99 (a 4× city) the next two digits count
    the hundreds, so 100 is ``xxxx0001 0000`` and never meets a two-digit number's ``xxxxNN000000``."""
    if number < 100:
        return f"{city_code[:4]}{number:02d}000000"
    return f"{city_code[:4]}{number % 100:02d}{number // 100:02d}0000"


def _units(regions: list[Region], per_region: int) -> dict[int, list[Unit]]:
    rows = []
    for region in regions:
        rows.append(Unit(region=region, name=f"{region.name}科协", kind=UnitKind.MASS, is_office=True))
        for n in range(1, per_region):
            rows.append(Unit(region=region, name=f"{region.name}{UNIT_NAMES[n % len(UNIT_NAMES)]}{n}"))
        if region.level == RegionLevel.COUNTY:  # the county government, which reports upward to its city
            rows.append(
                Unit(region=region, name=f"{region.name}人民政府", kind=UnitKind.SUBREGION, is_member=False)
            )
    Unit.objects.bulk_create(rows, batch_size=5000)
    units: dict[int, list[Unit]] = {}
    for unit in Unit.objects.filter(region__in=regions).order_by("pk"):
        units.setdefault(unit.region_id, []).append(unit)
    return units


def _people(province: Region, regions: list[Region], units: dict[int, list[Unit]]) -> None:
    password = make_password(PASSWORD)
    users = [
        User(username=f"office-{r.code}", display_name=f"{r.name}素质办", password=password)
        for r in [province, *regions]
    ]
    users += [
        User(username=f"liaison-{u.pk}", display_name=f"{u.name}联络员", password=password)
        for unit_list in units.values()
        for u in unit_list
        if u.kind != UnitKind.SUBREGION
    ]
    User.objects.bulk_create(users, batch_size=5000)
    names = [u.username for u in users]
    by_name: dict[str, int] = {}
    for start in range(0, len(names), 10_000):  # 16× has more users than a statement takes parameters
        chunk = User.objects.filter(username__in=names[start : start + 10_000])
        by_name |= dict(chunk.values_list("username", "pk"))
    memberships = [
        Membership(user_id=by_name[f"office-{r.code}"], role=Role.OFFICE, region=r)
        for r in [province, *regions]
    ]
    memberships += [
        Membership(user_id=by_name[f"liaison-{u.pk}"], role=Role.LIAISON, unit=u)
        for unit_list in units.values()
        for u in unit_list
        if u.kind != UnitKind.SUBREGION
    ]
    Membership.objects.bulk_create(memberships, batch_size=5000)


def _plans(
    regions: list[Region], units: dict[int, list[Unit]], tasks_per_plan: int, rng: random.Random
) -> list[Plan]:
    plans = Plan.objects.bulk_create(
        Plan(
            region=r,
            title=f"{r.name}全民科学素质行动实施方案（2021—2025年）（演示数据）",
            status=PlanStatus.PUBLISHED,
            period_start=2021,
            period_end=2025,
            reporting_deadlines=["06-30", "12-30"],
        )
        for r in regions
    )
    tasks = []
    for plan in plans:
        for n in range(1, tasks_per_plan + 1):
            task = Task(
                plan=plan,
                external_id=str(n),
                order=n,
                number=str(n),
                part_kind=PARTS[n % 2],
                title=f"演示任务{n}：开展科普活动",
                text=f"（演示数据）第{n}项任务的主要内容。",
            )
            task.key_groups = [GROUPS[n % len(GROUPS)]]
            tasks.append(task)
    Task.objects.bulk_create(tasks, batch_size=5000)
    responsibilities, targets = [], []
    for task in Task.objects.filter(plan__in=plans).select_related("plan").order_by("pk"):
        region_units = [
            u for u in units[task.plan.region_id] if u.kind != UnitKind.SUBREGION or rng.random() < 0.5
        ]
        chosen = rng.sample(region_units, 3)
        responsibilities.append(
            Responsibility(task=task, role="lead", mention=chosen[0].name, unit=chosen[0])
        )
        responsibilities += [
            Responsibility(task=task, role="participating", mention=u.name, unit=u, order=i)
            for i, u in enumerate(chosen[1:])
        ]
        if task.order % 4 == 0:
            targets.append(Target(task=task, indicator="科普活动场次", value=100, unit="场", year=2025))
    Responsibility.objects.bulk_create(responsibilities, batch_size=5000)
    Target.objects.bulk_create(targets, batch_size=5000)
    return plans


def build_cycles(
    province: Province,
    first_year: int,
    last_year: int,
    *,
    rng: random.Random,
    plans: list[Plan] | None = None,
) -> None:
    """Two cycles a year per plan (``plans``, default all); all but the last approved (with filled
    entries), the last one open."""
    from kesu.reporting import rules
    from kesu.reporting.actions import assignments
    from kesu.reporting.models import Cycle, Entry, Report, ReportStatus, TargetValue

    periods = [Period(y, h) for y in range(first_year, last_year + 1) for h in (1, 2)]
    current = periods[-1]
    today = date.today()
    for plan in province.plans if plans is None else plans:
        with transaction.atomic():
            units = assignments(plan)
            targets = dict(Target.objects.filter(task__plan=plan).values_list("task_id", "pk"))
            cycles = Cycle.objects.bulk_create(
                Cycle(
                    plan=plan,
                    period=str(p),
                    warn_days=7,
                    lock_days=30,
                    due_date=max(
                        today + timedelta(days=20), rules.due_date_for(p.year, p.half, ["06-30", "12-30"])
                    )
                    if p == current
                    else rules.due_date_for(p.year, p.half, ["06-30", "12-30"]),
                )
                for p in periods
            )
            reports = []
            for cycle in cycles:
                past = cycle.period != str(current)
                submitted = (
                    datetime.combine(
                        cycle.due_date - timedelta(days=rng.randint(-3, 10)), datetime.min.time(), tzinfo=UTC
                    )
                    if past
                    else None
                )
                for unit_id in sorted(units):
                    reports.append(
                        Report(
                            cycle=cycle,
                            unit_id=unit_id,
                            status=ReportStatus.APPROVED if past else ReportStatus.DRAFT,
                            round=1 if past else 0,
                            first_submitted_at=submitted,
                            submitted_at=submitted,
                            reviewed_at=submitted,
                            on_time=(submitted.date() <= cycle.due_date) if submitted else None,
                        )
                    )
            Report.objects.bulk_create(reports, batch_size=5000)
            entries = []
            for report in reports:
                past = report.status == ReportStatus.APPROVED
                for task_id, role in units[report.unit_id].items():
                    lead = role != "participating"
                    entries.append(
                        Entry(
                            report=report,
                            task_id=task_id,
                            role=role,
                            status=rng.choice(["in_progress", "done", "lagging"]) if past and lead else "",
                            percent=rng.randint(30, 100) if past and lead else None,
                            narrative="（演示数据）按计划推进。" if past else "",
                        )
                    )
            Entry.objects.bulk_create(entries, batch_size=5000)
            TargetValue.objects.bulk_create(
                (
                    TargetValue(entry=e, target_id=targets[e.task_id], value=rng.randint(40, 120))
                    for e in entries
                    if e.task_id in targets and e.role == "lead" and e.narrative
                ),
                batch_size=5000,
            )
