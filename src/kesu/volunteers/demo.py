"""Demo step (演示数据): 平顶山市's 科技志愿者 register, 科普中国信息员 figures and one county's grid register.

5,000 volunteers in a 100-team tree (one 支队, a 大队 per county, 分队 under them) with 20,000
service records over the last two years; 24 monthly informant snapshots for each county of 平顶山市
and for the other seed counties; a grid register for 云溪区 (with a few grids still vacant). Then
every seed plan target whose indicator link is one of this app's indicators gets the count rule an
office would set (found by the link, never by an expected number), and the registry's figures are
written into the indicators. One seeded ``random.Random``, ``bulk_create`` throughout: a few seconds.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from kesu.core.demo import DemoAccounts, register_demo_step
from kesu.core.personal import StoredIdNumber
from kesu.plans.models import Target
from kesu.regions.models import Region
from kesu.volunteers import actions, counting
from kesu.volunteers import hours as rules
from kesu.volunteers.models import (
    INDICATOR_OF,
    CountWhat,
    GridPost,
    InformantSnapshot,
    Platform,
    ServiceActivity,
    ServiceRecord,
    Team,
    TeamLevel,
    Volunteer,
)
from kesu.volunteers.testing import id_number

SEED = 16
PINGDINGSHAN = "410400000000"
GRID_COUNTY = "430603000000"  # 岳阳市云溪区: “科普信息员覆盖率90%以上”
OTHER_COUNTIES = ("410184000000", "370124000000", "430603000000")
VOLUNTEERS, TEAMS, RECORDS = 5000, 100, 20_000
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志坤晨宇欣怡子涵浩然梓轩"
SKILLS = (
    "科普讲解",
    "农技推广",
    "健康咨询",
    "应急救护",
    "青少年科技教育",
    "网络科普",
    "科技咨询",
    "心理辅导",
)
CATEGORIES = ("理论宣讲", "政策解读", "科技培训", "科技咨询", "农技推广", "田间课堂", "科技教育", "网络科普")
HOSTS = (
    "市科协",
    "平顶山学院",
    "河南城建学院",
    "市第一人民医院",
    "市农科院",
    "平煤神马集团",
    "市气象局",
    "市青少年宫",
)


@register_demo_step
def load_volunteers(accounts: DemoAccounts) -> None:
    city = Region.objects.filter(code=PINGDINGSHAN).first()
    if city is None or Team.objects.filter(region__path__startswith=city.path).exists():
        return  # no regions yet, or loaded before: the demo keeps what is there
    rng = random.Random(SEED)
    today = date.today()
    with transaction.atomic():
        counties = list(Region.objects.filter(parent=city).order_by("code")) or [city]
        teams = _teams(city, counties, rng)
        people = _volunteers(teams, rng, today)
        _records(city, teams, people, rng, today)
        _snapshots([*counties, *Region.objects.filter(code__in=OTHER_COUNTIES)], rng, today)
        _grids(rng)
        _count_rules(today)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _teams(city: Region, counties: list[Region], rng: random.Random) -> list[Team]:
    """One 支队 for the city, a 大队 per county, 分队 under the 大队 to make 100 teams in all."""
    founded = date(2021, 3, 5)
    top = Team.objects.create(
        region=city,
        name="平顶山市科技志愿服务支队",
        level=TeamLevel.DETACHMENT,
        host="市科协",
        leaders="市科协副主席",
        founded_on=founded,
        platform_number="KJZY-4104-0001",
    )
    brigades = Team.objects.bulk_create(
        [
            Team(
                region=c,
                parent=top,
                name=f"{c.name}科技志愿服务大队",
                level=TeamLevel.BRIGADE,
                host=f"{c.name}科协",
                founded_on=founded + timedelta(days=30 * i),
                platform_number=f"KJZY-{c.code[:6]}-0001",
            )
            for i, c in enumerate(counties)
        ]
    )
    squads = []
    for index in range(TEAMS - 1 - len(brigades)):
        brigade = brigades[index % len(brigades)]
        host = rng.choice(HOSTS)
        squads.append(
            Team(
                region=brigade.region,
                parent=brigade,
                name=f"{brigade.region.name}{host}科技志愿服务分队{index // len(brigades) + 1}",
                level=TeamLevel.SQUAD,
                host=host,
                founded_on=date(2021, 6, 1) + timedelta(days=rng.randrange(1200)),
                platform_number=f"KJZY-{brigade.region.code[:6]}-{index + 2:04d}",
            )
        )
    return [top, *brigades, *Team.objects.bulk_create(squads)]


def _volunteers(teams: list[Team], rng: random.Random, today: date) -> dict[int, list[int]]:
    """Volunteers of each 分队 (a few in the 大队 themselves); team id → volunteer ids."""
    squads = [t for t in teams if t.level == TeamLevel.SQUAD] or teams
    seen: set[str] = set()
    rows: list[Volunteer] = []
    homes: list[int] = []
    while len(rows) < VOLUNTEERS:
        team = rng.choice(squads)
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(45 * 365))
        number = id_number(rng.randrange(1000), team.region.code[:6], born.strftime("%Y%m%d"))
        if number in seen:
            continue
        seen.add(number)
        stored = StoredIdNumber.of(number)
        rows.append(
            Volunteer(
                region=team.region,
                name=_name(rng),
                sex="M" if int(number[16]) % 2 else "F",
                birth_date=born,
                id_hash=stored.hash,
                id_cipher=stored.cipher,
                id_last4=stored.last4,
                phone=f"13{rng.randrange(10**9):09d}",
                skills=rng.choice(SKILLS),
                employer=team.host,
                platform=Platform.KEJI,
                platform_number=f"V{len(rows) + 1:07d}",
                registered_on=date(2021, 3, 1)
                + timedelta(days=rng.randrange((today - date(2021, 3, 1)).days)),
            )
        )
        homes.append(team.pk)
    created = Volunteer.objects.bulk_create(rows, batch_size=1000)
    members: dict[int, list[int]] = {}
    through = Volunteer.teams.through
    links = []
    for volunteer, team_id in zip(created, homes, strict=True):
        members.setdefault(team_id, []).append(volunteer.pk)
        links.append(through(volunteer_id=volunteer.pk, team_id=team_id))
    through.objects.bulk_create(links, batch_size=2000)
    return members


def _records(
    city: Region, teams: list[Team], members: dict[int, list[int]], rng: random.Random, today: date
) -> None:
    """About 800 activities over the last two years, each with 25 records of its team's members."""
    squads = [t for t in teams if t.pk in members]
    activities = []
    for index in range(RECORDS // 25):
        team = rng.choice(squads)
        start = today - timedelta(days=rng.randrange(1, 730))
        activities.append(
            ServiceActivity(
                region=team.region,
                team=team,
                name=f"{rng.choice(CATEGORIES)}进社区（第{index + 1}场）",
                category=rng.choice(CATEGORIES),
                start_date=start,
                end_date=start + timedelta(days=rng.choice((0, 0, 1))),
            )
        )
    activities = ServiceActivity.objects.bulk_create(activities, batch_size=1000)
    records: list[ServiceRecord] = []
    entries: list[rules.Entry] = []
    for activity in activities:
        pool = members[activity.team_id or 0]
        days = (activity.end_date - activity.start_date).days + 1
        chosen = {
            (v, activity.start_date + timedelta(days=rng.randrange(days)))
            for v in rng.sample(pool, min(25, len(pool)))
        }
        for volunteer, day in sorted(chosen)[: RECORDS - len(records)]:
            raw = Decimal(str(rng.choice((1, 1.5, 2, 2, 2.5, 3, 3, 4, 6))))
            records.append(
                ServiceRecord(
                    activity=activity,
                    volunteer_id=volunteer,
                    service_date=day,
                    declared_hours=raw,
                    raw_hours=raw,
                )
            )
            entries.append(rules.Entry(len(records) - 1, volunteer, day, raw, activity.category))
    counted = rules.counted_hours(entries, rules.HourRules())
    _insert_records(
        [
            (r.activity.pk, r.volunteer_id, r.service_date, r.raw_hours, counted[i])
            for i, r in enumerate(records)
        ]
    )


def _insert_records(rows: list[tuple[int, int, date, Decimal, Decimal]]) -> None:
    """20,000 rows straight through the cursor: the model layer's per-field preparation would take most of the step."""
    table = ServiceRecord._meta.db_table
    sql = (
        f"INSERT INTO {table} (activity_id, volunteer_id, service_date, declared_hours, raw_hours, counted_hours, recorded_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [(a, v, d, str(raw), str(raw), str(hours), now) for a, v, d, raw, hours in rows]
        )
    # the yearly summaries the record actions keep (the 当年有服务记录 filter and the active rate read them)
    actions.summarise({(v, d.year) for _, v, d, _, _ in rows})


def _snapshots(counties: list[Region], rng: random.Random, today: date) -> None:
    """24 months per county up to last month: registrations grow, 月活 a share of them; one county jumps."""
    months: list[date] = []
    month = today.replace(day=1)
    for _ in range(24):
        month = (month - timedelta(days=1)).replace(day=1)
        months.insert(0, month)
    rows: list[InformantSnapshot] = []
    for index, county in enumerate(counties):
        population = counting.population(county, today.year) or 400_000
        start, end = population * rng.uniform(0.01, 0.02), population * rng.uniform(0.035, 0.045)
        for step, month in enumerate(months):
            registered = int(start + (end - start) * step / 23)
            if index == 1 and step == 20:  # bought registrations: a jump without activity (flagged)
                registered = int(registered * 1.35)
            if index == 1 and step > 20:
                registered = int(registered * 1.36)
            active = (
                int(registered * rng.uniform(0.22, 0.3))
                if not (index == 1 and step == 20)
                else rows[-1].monthly_active
            )
            flag = ""
            if rows and rows[-1].region_id == county.pk:
                flag = rules.growth_flag(rows[-1].registered, registered, rows[-1].monthly_active, active)
            rows.append(
                InformantSnapshot(
                    region=county,
                    month=month,
                    registered=registered,
                    monthly_active=active,
                    shares=int(active * rng.uniform(3, 9)),
                    source="上级科协月度通报（演示数据）",
                    flag=flag,
                )
            )
    InformantSnapshot.objects.bulk_create(rows, batch_size=1000)


def _grids(rng: random.Random) -> None:
    county = Region.objects.filter(code=GRID_COUNTY).first()
    if county is None:
        return
    names = [
        f"{rng.choice(('东', '西', '南', '北', '中', '新', '和平', '长青'))}{kind}{index}"
        for index, kind in enumerate(["村"] * 52 + ["社区"] * 28, start=1)
    ]
    rows: list[GridPost] = []
    for name in names:
        vacant = rng.random() < 0.12
        rows.append(
            GridPost(
                region=county,
                grid=name,
                informant="" if vacant else _name(rng),
                phone="" if vacant else f"139{rng.randrange(10**8):08d}",
                role="" if vacant else rng.choice(("网格员", "群主", "村干部", "教师")),
                registered=not vacant and rng.random() < 0.8,
            )
        )
        for group in range(rng.randrange(0, 3)):
            rows.append(
                GridPost(
                    region=county,
                    grid=f"{name}第{group + 1}组",
                    level="2",
                    informant=_name(rng) if rng.random() < 0.6 else "",
                )
            )
    GridPost.objects.bulk_create(rows)


RULE_OF = {code: what for what, code in INDICATOR_OF.items()}


def _count_rules(today: date) -> None:
    """Each seed target measured by this app's indicators gets a count rule; the figures go into the indicators."""
    targets = Target.objects.filter(
        indicator_link__indicator__code__in=set(INDICATOR_OF.values())
    ).select_related("indicator_link__indicator", "task__plan__region")
    regions = {}
    for target in targets:
        what = RULE_OF[target.indicator_link.indicator.code]
        if (
            what == CountWhat.GRID_COVERAGE
            and target.task.plan.region.code != GRID_COUNTY
            and "网格" not in target.text
        ):
            continue
        actions.set_count_rule(
            None, target, what=what, disaggregation=target.indicator_link.disaggregation or None
        )
        regions[target.task.plan.region.pk] = target.task.plan.region
    for region in regions.values():
        for year in (today.year - 1, today.year):
            actions.refresh_counts(None, region, year)
