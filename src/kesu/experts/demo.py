"""Demo step: synthetic experts (演示数据) for 平顶山市 and the seed counties, at real-city scale.

- 400 市级首席科普专家 in five overlapping batches (2021–2025, 80 a year, five-year terms), spread over
  平顶山's counties, so the plan's “市级首席科普专家达到400人以上” is met at the end of 2025;
  a few dozen more in the 科普专家库, so “千名科普专家” shows how far off it is;
- 健康科普专家 in 平阴县 with their sessions per year, against “5 场” and “10 场/年”;
- an emergency roster (传染病, 地震, 洪涝, 化工, 食品安全) and one event with its dispatches;
- a 2026 selection round with applications at several stages;
- count rules on the seed plans' targets measured by expert indicators (found by their indicator links,
  never by a hard-coded result), then every figure recorded from the registry.
Names and phones are made up. Everything is skipped when the demo experts are there already.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from kesu.core.demo import DemoAccounts, register_demo_step
from kesu.experts import actions
from kesu.experts.models import (
    Activity,
    Appointment,
    CountWhat,
    Expert,
    Stage,
    Title,
    join_tags,
)
from kesu.regions.models import Region, Unit

PINGDINGSHAN = "410400000000"
XINZHENG = "410184000000"
PINGYIN = "370124000000"
BATCHES = [(2021, "第一批"), (2022, "第二批"), (2023, "第三批"), (2024, "第四批"), (2025, "第五批")]
CHIEFS_PER_BATCH = 80
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅晓东海燕鹏飞宇浩然思远子涵雨欣博文俊杰"
EMPLOYERS = [
    "平顶山学院",
    "河南城建学院",
    "平顶山市第一人民医院",
    "平顶山市中医医院",
    "市农业科学院",
    "市气象局",
    "平煤神马集团",
    "市疾病预防控制中心",
    "市地震局",
    "县人民医院",
]
FIELDS = [
    "卫生健康",
    "气象",
    "消防",
    "乡村振兴",
    "信息安全",
    "大数据",
    "应急管理",
    "食品安全",
    "地震",
    "环境",
]
TOPICS = [("传染病", 2), ("地震", 6), ("洪涝", 6), ("化工", 12), ("食品安全", 24)]


@register_demo_step
def load_demo_experts(accounts: DemoAccounts) -> None:
    city = Region.objects.filter(code=PINGDINGSHAN).first()
    if city is None:
        return
    if not Expert.objects.filter(region__path__startswith=city.path).exists():
        _registry(city)
    _count_rules()


@transaction.atomic
def _registry(city: Region) -> None:
    rng = random.Random(4104)
    counties = list(Region.objects.filter(parent=city).order_by("code")) or [city]
    units: list[Unit | None] = [*Unit.objects.filter(region=city).order_by("name")] or [None]
    names = _names(rng)
    chiefs = _experts(city, counties, units, names, rng, count=len(BATCHES) * CHIEFS_PER_BATCH)
    _chief_batches(chiefs)
    pool = _experts(city, [city], units, names, rng, count=30, start_serial=len(chiefs))
    _pool(pool, date(2024, 3, 1), years=3)
    serial = len(chiefs) + len(pool)
    for code, count in ((XINZHENG, 10), (PINGYIN, 10)):
        region = Region.objects.filter(code=code).first()
        if region is None:
            continue
        local_units: list[Unit | None] = [*Unit.objects.filter(region=region).order_by("name")] or [None]
        locals_ = _experts(
            region, [region], local_units, names, rng, count=count, start_serial=serial, health=True
        )
        serial += count
        _pool(locals_, date(2022, 1, 1), years=5)
        _health_sessions(locals_, rng)
    _activities(chiefs, rng)
    _emergency(city, chiefs + pool)
    _selection(city, pool, units)


def _names(rng: random.Random) -> list[str]:
    seen: dict[str, None] = {}
    while len(seen) < 600:
        seen.setdefault(rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))))
    return list(seen)


def _experts(
    region: Region,
    places: list[Region],
    units: list[Unit | None],
    names: list[str],
    rng: random.Random,
    *,
    count: int,
    start_serial: int = 0,
    health: bool = False,
) -> list[Expert]:
    made = []
    for index in range(count):
        serial = start_serial + index
        phone = actions.phone_of(f"139{4104_0000 + serial:08d}")
        name = names[serial % len(names)]
        expert = Expert(
            region=places[index % len(places)],
            name=name,
            sex=rng.choice(("male", "female")),
            birth_year=rng.randint(1960, 1990),
            employer="县人民医院" if health else rng.choice(EMPLOYERS),
            position=rng.choice(("主任医师", "教授", "研究员", "高级工程师", "副教授", "高级农艺师")),
            rank=rng.choice(("full", "associate", "associate")),
            discipline="medicine"
            if health
            else rng.choice(("science", "engineering", "agriculture", "medicine", "cross")),
            fields=join_tags(["卫生健康"] if health else rng.sample(FIELDS, 2)),
            recommending_unit=units[index % len(units)],
            specialties=join_tags(rng.sample(["讲座", "创作", "媒体", "咨询", "应急"], 2)),
            groups=join_tags(rng.sample(["青少年", "农民", "产业工人", "老年人", "领导干部和公务员"], 2)),
        )
        actions._set_phone(expert, phone)
        made.append(expert)
    return Expert.objects.bulk_create(made, batch_size=500)


def _chief_batches(chiefs: list[Expert]) -> None:
    rows = []
    for index, (year, batch) in enumerate(BATCHES):
        start = date(year, 1, 1)
        for expert in chiefs[index * CHIEFS_PER_BATCH : (index + 1) * CHIEFS_PER_BATCH]:
            rows.append(
                Appointment(
                    expert=expert,
                    title=Title.CHIEF,
                    level="city",
                    batch=batch,
                    start=start,
                    end=actions.term_end(start, 5),
                    document_no=f"平科协〔{year}〕{index + 10}号",
                    status="serving",
                )
            )
    Appointment.objects.bulk_create(rows, batch_size=500)


def _pool(experts: list[Expert], start: date, *, years: int) -> None:
    Appointment.objects.bulk_create(
        [
            Appointment(
                expert=e, title=Title.POOL, level="city", start=start, end=actions.term_end(start, years)
            )
            for e in experts
        ]
    )


def _health_sessions(experts: list[Expert], rng: random.Random) -> None:
    """平阴's health experts: 6 to 9 sessions a year, 2021 to 2025 (targets: 5 and 10)."""
    rows = []
    for year in range(2021, 2026):
        for session in range(6 + (year - 2021) % 4):
            rows.append(
                Activity(
                    expert=experts[session % len(experts)],
                    date=date(year, 3 + session, 10),
                    role="lecturer",
                    hours=2,
                    title=f"健康科普“五进”讲座（{year}年第{session + 1}场）",
                    health=True,
                )
            )
    Activity.objects.bulk_create(rows)


def _activities(chiefs: list[Expert], rng: random.Random) -> None:
    """Most chiefs lectured in 2025; about a third did nothing this year, which the list shows."""
    rows = []
    this_year = timezone.localdate().year
    for index, expert in enumerate(chiefs):
        for year in (2025, this_year):
            if index % 3 == 0 and year == this_year:
                continue
            rows.append(
                Activity(
                    expert=expert,
                    date=date(year, 1 + index % 11, 1 + index % 27),
                    role=rng.choice(("lecturer", "adviser", "lead")),
                    hours=rng.choice((1, 1.5, 2, 3)),
                    title=rng.choice(
                        ("科普进校园讲座", "乡村振兴技术培训", "科普短视频创作", "健康知识讲座", "科普日咨询")
                    ),
                )
            )
    Activity.objects.bulk_create(rows, batch_size=1000)


def _emergency(city: Region, experts: list[Expert]) -> None:
    topics = {
        name: actions.save_topic(
            None, city, name=name, response_hours=hours, experts=experts[i * 4 : i * 4 + 4]
        )
        for i, (name, hours) in enumerate(TOPICS)
    }
    opened = timezone.make_aware(datetime(2025, 7, 20, 6, 30))
    event = actions.open_event(
        None, city, title="2025年7月强降雨应急科普", topic=topics["洪涝"], opened_at=opened
    )
    plan = [
        (0, "article", 1, 3.5, "《强降雨天气安全出行指南》解读稿", 52_000),
        (1, "video", 2, 5.0, "城市内涝避险短视频", 180_000),
        (2, "live", 3, 9.0, "汛期防溺水直播", 36_000),
        (3, "community", 4, None, "", None),
    ]
    on_call = list(topics["洪涝"].experts.all())
    for index, ask, after, hours, output, reach in plan:
        asked = opened + timedelta(hours=after)
        row = actions.dispatch(None, event, expert=on_call[index % len(on_call)], ask=ask, requested_at=asked)
        if hours is not None:
            actions.record_response(
                None,
                row,
                responded_at=asked + timedelta(hours=hours),
                output=output,
                url=f"https://kepu.example.cn/pds/2025/{index + 1}",
                reach=reach,
            )


def _selection(city: Region, pool: list[Expert], units: list[Unit | None]) -> None:
    unit = next((u for u in units if u is not None), None)
    if unit is None:
        return
    selection = actions.create_selection(
        None,
        city,
        year=2026,
        level="city",
        title=Title.CHIEF,
        batch="第六批",
        min_rank="associate",
        term_years=5,
        default_quota=3,
    )
    stages = [Stage.APPLIED, Stage.RECOMMENDED, Stage.QUALIFIED, Stage.REVIEWED]
    for index, expert in enumerate(pool[:4]):
        if expert.rank == "intermediate":
            continue
        application = actions.apply(None, selection, expert, unit)
        for _ in range(list(Stage.values).index(stages[index])):
            actions.advance(None, application, score=88.0)


# ---- count rules on the seed plans --------------------------------------------------------------


def _count_rules() -> None:
    """A rule on every published target an expert indicator measures, then the registry's figures."""
    from kesu.plans.models import Target

    linked = Target.objects.filter(
        task__plan__status="published",
        indicator_link__indicator__code__in=(
            "chief_expert_count",
            "expert_count",
            "health_education_event_count",
        ),
        experts_count_rule__isnull=True,
    ).select_related("indicator_link__indicator", "task__plan__region")
    for target in linked:
        code = target.indicator_link.indicator.code
        words = f"{target.text}{target.indicator}"
        if code == "chief_expert_count":
            level = "city" if "市级" in words or target.task.plan.region.level == 2 else "county"
            actions.set_count_rule(None, target, what=CountWhat.CHIEFS, level=level)
        elif code == "expert_count":
            actions.set_count_rule(None, target, what=CountWhat.EXPERTS)
        elif "专家" in words:  # 健康科普专家 sessions, not every health-education event
            actions.set_count_rule(
                None, target, what=CountWhat.HEALTH_SESSIONS, disaggregation={"来源": "健康科普专家"}
            )
    # each rule recorded its plan's years as it was saved (actions.set_count_rule, on commit)
