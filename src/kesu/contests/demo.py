"""Demo step (演示数据): 平顶山市 organising its counties and member units for the 河南省全民科学素质网络竞赛.

Last year's contest is settled and awarded (成绩冻结, 组织奖 by 参与率); this year's is open with the
platform's export imported. Figures come from a seeded ``random.Random`` within the ranges of registries.md §6 (5–14 attempts each);
both contests are linked to the plan tasks that mention 竞赛 and write their indicator values.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from kesu.contests import actions
from kesu.contests.actions import FigureRow
from kesu.contests.models import Contest, ContestKind, ContestLevel, ContestStatus, PopulationBasis
from kesu.core.demo import DemoAccounts, register_demo_step
from kesu.regions.models import Region, Unit

SEED = 19
PINGDINGSHAN = "410400000000"
RULE = {"metric": "participation_rate", "region_count": 3, "unit_metric": "participants", "unit_count": 5}


@register_demo_step
def load_contests(accounts: DemoAccounts) -> None:
    city = Region.objects.filter(code=PINGDINGSHAN).first()
    if city is None or Contest.objects.filter(region=city, kind=ContestKind.JOINED).exists():
        return  # no divisions yet, or loaded before: the demo keeps what is there
    from kesu.plans.models import Task

    tasks = list(
        Task.objects.filter(plan__region=city, is_active=True)
        .filter(Q(title__contains="竞赛") | Q(text__contains="竞赛"))
        .order_by("plan_id", "order")[:3]
    )
    counties = list(Region.objects.filter(parent=city).order_by("code"))
    units = list(Unit.objects.filter(region=city, is_member=True).order_by("name"))
    rng = random.Random(SEED)
    this_year = date.today().year
    for year, settled in ((this_year - 1, True), (this_year, False)):
        contest = actions.create_contest(
            None,
            city,
            plan_tasks=tasks,
            name=f"{year}年河南省全民科学素质网络竞赛",
            level=ContestLevel.PROVINCIAL,
            kind=ContestKind.JOINED,
            organiser="河南省全民科学素质工作领导小组办公室",
            year=year,
            opens_at=timezone.make_aware(datetime(year, 9, 1)),
            closes_at=timezone.make_aware(datetime(year, 9, 28, 23, 59)),
            population_basis=PopulationBasis.RESIDENT,
            award_rule=RULE,
            notes="科普月期间通过“河南科协”微信公众号和科普中国 App 答题；平台按周导出各县（市、区）和市直单位成绩。",
        )
        actions.advance_contest(None, contest, ContestStatus.DRAFT)
        rows = [_county(rng, county) for county in counties] + [_unit(rng, unit) for unit in units]
        actions.import_results(None, contest, rows, filename=f"{year}年竞赛平台导出（平顶山市）.xlsx")
        if settled:
            actions.advance_contest(None, contest, ContestStatus.OPEN)
            actions.advance_contest(None, contest, ContestStatus.SETTLING)
            actions.advance_contest(None, contest, ContestStatus.PUBLISHED)


@register_demo_step
def load_own_contest(accounts: DemoAccounts) -> None:
    """平顶山's own quiz, open for the next four weeks with the demo bank: the public page answers at once
    (the embedded defaults: SQLite and the file cache, no Redis)."""
    from kesu.contests import bank
    from kesu.contests.demo_bank import load_demo_bank

    city = Region.objects.filter(code=PINGDINGSHAN).first()
    if city is None or Contest.objects.filter(region=city, kind=ContestKind.OWN).exists():
        return
    now = timezone.now()
    contest = actions.create_contest(
        None,
        city,
        name=f"{now.year}年平顶山市全民科学素质网络竞赛（本级自办）",
        level=ContestLevel.CITY,
        kind=ContestKind.OWN,
        organiser="平顶山市科学技术协会",
        year=now.year,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=28),
        population_basis=PopulationBasis.RESIDENT,
        award_rule=RULE,
        notes="每次随机抽取 20 题（判断 7、单选 7、多选 6），每题 30 秒，每天 3 次，取最高分；80 分以上可下载电子证书。",
    )
    load_demo_bank(contest)
    bank.save_rules(None, contest, OWN_RULES)
    bank.lock_bank(None, contest)
    actions.advance_contest(None, contest, ContestStatus.BANK_LOCKED)


OWN_RULES = {
    "draw_rule": {"judge": 7, "single": 7, "multi": 6},
    "points_per_item": 5,
    "seconds_per_item": 30,
    "seconds_per_attempt": None,
    "attempts_per_day": 3,
    "score_mode": "best",
    "tie_break": ["score_desc", "time_asc", "first_entry_asc"],
    "min_age": None,
    "max_age": None,
    "registration_fields": {},
    "certificate_threshold": 80,
    "leaderboard_size": 50,
}


def _county(rng: random.Random, county: Region) -> FigureRow:
    participants = rng.randint(3_000, 40_000)
    attempts = int(participants * rng.uniform(5.4, 14.1))  # 人均 5.4–14.1 次 (registries.md §6)
    return FigureRow(0, county, None, participants, attempts, int(attempts * rng.uniform(0.05, 0.2)))


def _unit(rng: random.Random, unit: Unit) -> FigureRow:
    participants = rng.randint(20, 1_500)
    attempts = int(participants * rng.uniform(3, 10))
    return FigureRow(0, None, unit, participants, attempts, int(attempts * rng.uniform(0.05, 0.25)))
