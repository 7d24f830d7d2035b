"""Demo step (演示数据): past cycles approved, the current one part-submitted, one task returned,
one 督办 open and last year's 考核 scored, for the seed plans of the demo regions."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from kesu.accounts.demo import PREFIXES, ensure_demo_user
from kesu.accounts.models import Role
from kesu.core.demo import DemoAccounts, register_demo_step
from kesu.core.models import AuditEvent
from kesu.periods import Period
from kesu.plans.models import Plan
from kesu.reporting import actions, assessment, rules, supervision
from kesu.reporting.models import Cycle, Entry, Report, ReportStatus

NARRATIVES = [
    "（演示数据）已制定年度工作方案，组织开展主题科普活动 {n} 场，覆盖群众约 {m} 人次。",
    "（演示数据）联合相关单位举办培训 {n} 期，编印科普资料 {m} 份，工作按计划推进。",
    "（演示数据）完成阶段性任务，新建科普阵地 {n} 个，志愿服务 {m} 小时。",
]


def _fill(entry: Entry, rng: random.Random, percent: int) -> None:
    status = "done" if percent >= 100 else ("lagging" if percent < 25 else "in_progress")
    values: dict[int, float | None] = (
        {
            t.pk: round(t.value * min(1.2, percent / 100 + rng.uniform(-0.1, 0.1)))
            for t in entry.task.targets.all()
        }
        if entry.is_lead
        else {}
    )
    actions.save_entry(
        None,
        entry,
        version=entry.version,
        status=status if entry.is_lead else "",
        percent=min(100, percent) if entry.is_lead else None,
        narrative=rng.choice(NARRATIVES).format(n=rng.randint(2, 30), m=rng.randint(200, 9000)),
        values=values,
    )


DEMO_NOTICE_DAYS = 7  # the demo's open cycle is due at least this many days ahead


def demo_calendar(today: date, deadlines: list[str] | None = None) -> tuple[Period, date]:
    """The half-year the demo is reporting and its due date, as a real calendar has them: the cycle
    is due in the half-year it reports (2026年下半年 by 12月30日), never a year later. Within the last
    days before a deadline the next half-year is the one being prepared."""
    period = Period(today.year, 1 if today.month <= 6 else 2)
    due = rules.due_date_for(period.year, period.half, deadlines or [])
    if due < today + timedelta(days=DEMO_NOTICE_DAYS):
        period = Period(today.year, 2) if period.half == 1 else Period(today.year + 1, 1)
        due = rules.due_date_for(period.year, period.half, deadlines or [])
    return period, due


def _past_periods(plan: Plan, current: Period) -> list[Period]:
    first = plan.period_start or current.year
    return [p for p in (Period(y, h) for y in range(first, current.year + 1) for h in (1, 2)) if p < current][
        -4:
    ]


@register_demo_step
def demo_reports(accounts: DemoAccounts) -> None:
    if Cycle.objects.exists():
        return
    rng = random.Random(2025)
    today = timezone.localdate()
    plans = Plan.objects.published().filter(kind="five_year").select_related("region")
    assessed_year = demo_calendar(today)[0].year - 1
    for plan in plans:
        # The office keeps reporting on its plan after the plan's last year until the next plan is
        # adopted: the demo's cycles follow today's calendar, each due in the half-year it reports.
        now, due = demo_calendar(today, plan.reporting_deadlines)
        assessed_year = min(assessed_year, now.year - 1)  # the last year whose cycles are all approved
        for period in _past_periods(plan, now):
            # A past cycle is opened with a long lock so its history can be written today.
            cycle = actions.open_cycle(None, plan, period, lock_days=3650)
            for report in cycle.reports.all():
                for entry in report.entries.select_related("task").prefetch_related("task__targets"):
                    _fill(entry, rng, rng.randint(40, 100))
                actions.submit_report(None, report)
                actions.review_report(None, report, approve=True, comments={})
                _backdate(report, cycle, rng)
            Cycle.objects.filter(pk=cycle.pk).update(lock_days=30)  # history written: the usual lock again
        _current_cycle(plan, now, due, rng)
    _demo_assessment(plans, assessed_year)


@register_demo_step
def demo_upward_office(accounts: DemoAccounts) -> None:
    """Per demo region whose plan names its sub-regions (各镇街道), an account for the first of
    them, to show a town writing and submitting its government's report upward (上报)."""
    for region_code, prefix in PREFIXES.items():
        report = (
            Report.objects.filter(cycle__plan__region__code=region_code, unit__kind="subregion")
            .select_related("unit__region")
            .order_by("-cycle__due_date", "unit__region__code")
            .first()
        )
        if report is not None:
            town = report.unit.region
            ensure_demo_user(f"{prefix}-t01", f"{town.name}科协", Role.OFFICE, region=town)
            accounts.add(f"{prefix}-t01", "下级区划素质办（向上报送）", town.full_name)


def _backdate(report: Report, cycle: Cycle, rng: random.Random) -> None:
    """Past submissions dated around their due date, most of them on time."""
    at = timezone.make_aware(datetime.combine(cycle.due_date - timedelta(days=rng.randint(-4, 12)), time(10)))
    Report.objects.filter(pk=report.pk).update(
        first_submitted_at=at, submitted_at=at, reviewed_at=at, on_time=at.date() <= cycle.timely_date
    )
    report.submissions.update(submitted_at=at, on_time=at.date() <= cycle.timely_date)
    # The history then reads as it happened: entries written the day before, submitted and approved.
    entry_ids = [str(pk) for pk in report.entries.values_list("pk", flat=True)]
    AuditEvent.objects.filter(target_type="reporting.entry", target_id__in=entry_ids).update(
        at=at - timedelta(days=1)
    )
    AuditEvent.objects.for_target(report).update(at=at)


def _current_cycle(plan: Plan, current: Period, due: date, rng: random.Random) -> None:
    cycle = actions.open_cycle(None, plan, current, due_date=due)
    reports = list(cycle.reports.select_related("unit").order_by("unit__name"))
    for index, report in enumerate(reports):
        if index % 3 == 2:
            continue  # a third still to do
        for entry in report.entries.select_related("task").prefetch_related("task__targets"):
            # Most tasks near done in a plan's last half-year; a few lag (the 督办 picks one of them).
            _fill(entry, rng, rng.randint(70, 100) if rng.random() > 0.08 else rng.randint(5, 20))
        if index % 3 == 0:
            actions.submit_report(None, report)
    submitted = list(cycle.reports.filter(status=ReportStatus.SUBMITTED).order_by("unit__name"))
    if submitted:
        returned = submitted[0]
        first = returned.entries.first()
        if first is not None:
            actions.review_report(
                None, returned, approve=False, comments={first.pk: "（演示数据）请补充量化数据和佐证材料。"}
            )
    lagging = (
        Entry.objects.filter(report__cycle=cycle, status="lagging")
        .select_related("task", "report__unit")
        .first()
    )
    if lagging is not None:
        supervision.issue_notice(
            None,
            lagging.task,
            lagging.report.unit,
            "（演示数据）该项任务进度滞后，请于期限内报送整改措施及进展。",
            due + _days(15),
            cycle,
        )


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def _demo_assessment(plans: QuerySet[Plan], year: int) -> None:
    """Last year's 考核 per demo region: computed, every unit's quality marked, and on about one unit in
    three one or two 加减分 items, each with its reason (加分 capped at 5 per unit)."""
    items = (
        ("bonus", 2.0, "（演示数据）承办全国科普日主场活动"),
        ("bonus", 1.0, "（演示数据）获省级科普工作表彰"),
        ("penalty", 1.0, "（演示数据）未按时报送半年工作总结"),
    )
    rng = random.Random(7)
    for region in sorted({p.region for p in plans}, key=lambda r: r.code):
        scheme = assessment.create_scheme(None, region, year, rules.Weights(), bonus_cap=5)
        assessment.compute_scores(None, scheme)
        for score in scheme.scores.order_by("unit__name"):
            assessment.judge(None, score, quality=round(rng.uniform(12, 20), 1))
            for kind, points, reason in rng.sample(items, rng.choice([0, 0, 0, 0, 1, 2])):
                assessment.add_adjustment(None, score, kind=kind, points=points, reason=reason)
