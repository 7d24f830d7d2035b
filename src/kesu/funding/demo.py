"""Demo step (演示数据): 科普经费 lines of every 平顶山市 member unit for last year and this year.

Each member unit gets 1–4 lines a year, in the mix of natures a city's budget has (most 财政拨款 and
科普专项); last year's are self-evaluated or published with 绩效目标 on about one line in three, this
year's approved or executing. One line carries money over from the year before (执行数 above 到位数,
with its note). Then the funding indicators are written from the rows. One seeded ``random.Random``,
``bulk_create`` throughout: well under a second.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from django.db import transaction

from kesu.core.demo import DemoAccounts, register_demo_step
from kesu.funding import actions
from kesu.funding.models import FundingLine, LineStatus, Nature, PerformanceTarget, ProjectType
from kesu.regions.models import Region, Unit

SEED = 17
PINGDINGSHAN = "410400000000"
NAMES = (
    "全国科普日专题活动",
    "科技活动周",
    "科普惠农与社区益民行动",
    "科普信息化及资源开发共享",
    "科学素质工作经费",
    "科普大篷车运行维护",
    "青少年科技教育活动",
    "健康科普进社区",
    "应急科普宣传",
    "科普阵地建设",
    "科技志愿服务",
    "科普讲解大赛",
)
NATURES: tuple[str, ...] = (
    Nature.APPROPRIATION,
    Nature.SPECIAL,
    Nature.SELF_RAISED,
    Nature.DONATION,
    Nature.TRANSFER,
)
WEIGHTS = (40, 35, 10, 5, 10)
TARGETS = (
    ("开展全国科普日专题科普活动", "10场", "9场", "10", "9"),
    ("预算执行率", "≥90%", "96%", "20", "20"),
    ("受益群众满意度", "≥90%", "93%", "10", "10"),
    ("微信公众号发布科普文章", "≥800篇", "812篇", "10", "10"),
)


@register_demo_step
def load_funding(accounts: DemoAccounts) -> None:
    city = Region.objects.filter(code=PINGDINGSHAN).first()
    if city is None:
        return
    units = list(Unit.objects.filter(region=city, is_member=True).order_by("name"))
    if not units or FundingLine.objects.filter(unit__in=units).exists():
        return  # no units yet, or loaded before: the demo keeps what is there
    rng = random.Random(SEED)
    this_year = date.today().year
    with transaction.atomic():
        lines = FundingLine.objects.bulk_create(
            [
                line
                for year in (this_year - 1, this_year)
                for unit in units
                for line in _lines(rng, unit, year)
            ],
            batch_size=500,
        )
        _carry_over(lines, this_year - 1)
        _targets(rng, [line for line in lines if line.year == this_year - 1])
    for year in (this_year - 1, this_year):
        actions.refresh_year(year)


def _lines(rng: random.Random, unit: Unit, year: int) -> list[FundingLine]:
    past = year < date.today().year
    rows = []
    for name in rng.sample(NAMES, rng.randint(1, 4)):
        nature = rng.choices(NATURES, WEIGHTS)[0]
        budget = Decimal(rng.randrange(20, 800)) * 1000
        received = (budget * Decimal(rng.randint(90, 100)) / 100).quantize(Decimal(1))
        share = rng.randint(80, 100) if past else rng.randint(20, 70)
        spent = (received * Decimal(share) / 100).quantize(Decimal(1))
        activities = (spent * Decimal("0.6")).quantize(Decimal(1)) if rng.random() < 0.6 else None
        rows.append(
            FundingLine(
                unit=unit,
                year=year,
                name=name,
                nature=nature,
                is_special=nature == Nature.SPECIAL,
                project_type=rng.choice(list(ProjectType)),
                budget=budget,
                received=received,
                spent=spent,
                spent_activities=activities,
                spent_other=(spent - activities) if activities is not None else None,
                status=rng.choice(
                    [LineStatus.EVALUATED, LineStatus.PUBLISHED]
                    if past
                    else [LineStatus.APPROVED, LineStatus.EXECUTING, LineStatus.EXECUTING]
                ),
            )
        )
    return rows


def _carry_over(lines: list[FundingLine], year: int) -> None:
    """One line spent more than arrived, as a real year has: money carried over, said in its note."""
    line = next((line for line in lines if line.year == year), None)
    if line is None:
        return
    line.spent = line.received + Decimal(30_000)
    line.spent_activities, line.spent_other = None, None
    line.note = "使用上年结转资金 3 万元"
    line.save(update_fields=["spent", "spent_activities", "spent_other", "note"])


def _targets(rng: random.Random, lines: list[FundingLine]) -> None:
    rows = []
    for line in lines[::3]:
        chosen = TARGETS[: rng.randint(2, 4)]
        for order, (indicator, target, actual, points, score) in enumerate(chosen):
            rows.append(
                PerformanceTarget(
                    line=line,
                    order=order,
                    indicator=indicator,
                    target=target,
                    actual=actual,
                    points=Decimal(points),
                    score=Decimal(score),
                )
            )
        line.self_score = sum((Decimal(t[4]) for t in chosen), Decimal(0))
    PerformanceTarget.objects.bulk_create(rows, batch_size=500)
    FundingLine.objects.bulk_update(lines[::3], ["self_score"], batch_size=500)
