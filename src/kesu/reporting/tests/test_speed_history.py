"""Pages people open every day cost the same after ten years of half-year cycles as after one.

The office's and the leader's home page, the cycle list and the status board are asked for with a
short history, then again after more approved half-years were added to the same plan: they must run
the same number of queries (each reads a bounded set: the page's cycles, the current cycles, this
cycle's rows). The board's trajectory baselines, now looked up in SQL for this cycle's values only,
are still the first value the unit reported in an earlier approved cycle, as ``rules`` judges them.
Timings are benchmarks/reporting_bench.py's business, not the tests'.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kesu.accounts.models import User
from kesu.messaging.models import Message
from kesu.periods import Period
from kesu.plans.models import Plan, Target
from kesu.progress.status import Point
from kesu.reporting import actions, board, notify, rules
from kesu.reporting.models import Cycle, Entry, Report, ReportStatus, TargetValue
from kesu.reporting.testing import fill_report, reporting_plan
from kesu.testing import World

pytestmark = pytest.mark.django_db


def _current() -> Period:
    today = timezone.localdate()
    return Period(today.year, 1 if today.month <= 6 else 2)


def _before(period: Period, count: int) -> list[Period]:
    """The ``count`` half-years before ``period``, oldest first."""
    halves, year, half = [], period.year, period.half or 2
    for _ in range(count):
        year, half = (year, 1) if half == 2 else (year - 1, 2)
        halves.append(Period(year, half))
    return halves[::-1]


def _plan(world: World) -> Plan:
    plan = reporting_plan(world.edu_bureau, partner=world.kexie, tasks=4)
    plan.period_start, plan.period_end = 2000, 2040  # room for a long history
    plan.save(update_fields=["period_start", "period_end"])
    return plan


def _approved(plan: Plan, period: Period, value: float) -> Cycle:
    """A past cycle of the plan, every report approved; the lead reported ``value`` for the target."""
    cycle = actions.open_cycle(None, plan, period, due_date=period.end + timedelta(days=10))
    Entry.objects.filter(report__cycle=cycle, role="lead").update(status="in_progress", percent=60)
    Entry.objects.filter(report__cycle=cycle).update(narrative="已按计划推进")
    target = Target.objects.get(task__plan=plan)
    lead = Entry.objects.get(report__cycle=cycle, task=target.task, role="lead")
    TargetValue.objects.create(entry=lead, target=target, value=value)
    when = timezone.now() - timedelta(days=30)
    cycle.reports.update(
        status=ReportStatus.APPROVED, round=1, first_submitted_at=when, submitted_at=when, on_time=True
    )
    return cycle


def _history(plan: Plan, periods: list[Period]) -> None:
    for number, period in enumerate(periods):
        _approved(plan, period, 100 + number)


def _open_now(world: World, plan: Plan) -> Cycle:
    """This half-year's cycle, due in 20 days: on the office's agenda and the leader's current cycles;
    the lead has handed in, with a value for the target."""
    cycle = actions.open_cycle(None, plan, _current(), due_date=timezone.localdate() + timedelta(days=20))
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    target = Target.objects.get(task__plan=plan)
    lead = Entry.objects.get(report=report, task=target.task)
    TargetValue.objects.create(entry=lead, target=target, value=130)
    actions.submit_report(world.edu_liaison, report)
    return cycle


def _queries(user: User, path: str) -> int:
    client = Client()
    client.force_login(user)
    client.get(path)  # the first request of a session pays once for the session and the scope
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured.captured_queries)


def _pages(world: World, cycle: Cycle) -> dict[str, int]:
    return {
        "office home": _queries(world.pds_office, "/"),
        "leader home": _queries(world.pds_leader, "/"),
        "liaison home": _queries(world.edu_liaison, "/"),
        "cycle list": _queries(world.pds_office, "/reporting/cycles/"),
        "board": _queries(world.pds_office, f"/reporting/cycles/{cycle.pk}/"),
        "board, units tab": _queries(world.pds_office, f"/reporting/cycles/{cycle.pk}/?tab=units"),
    }


def test_home_pages_cycle_list_and_board_run_the_same_queries_after_two_or_ten_years_of_history(
    world: World,
) -> None:
    plan = _plan(world)
    cycle = _open_now(world, plan)
    earlier = _before(_current(), 20)
    _history(plan, earlier[-4:])  # two years
    short = _pages(world, cycle)
    _history(plan, earlier[:-4])  # eight years more: ten years of half-year cycles
    assert Cycle.objects.filter(plan=plan).count() == 21
    assert _pages(world, cycle) == short


def test_the_cycle_list_counts_the_reports_of_its_page_only(world: World) -> None:
    plan = _plan(world)
    _open_now(world, plan)
    _history(plan, _before(_current(), 40))  # more cycles than one page holds
    client = Client()
    client.force_login(world.pds_office)
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/reporting/cycles/")
    counting = [q["sql"] for q in captured.captured_queries if 'COUNT("reporting_report"."id")' in q["sql"]]
    assert len(page.context["page"].object_list) == 30
    # The reports are counted for the page's 30 cycles only (the paginator counts the cycles).
    assert counting and all('"cycle_id" IN (' in sql for sql in counting)


def test_the_board_judges_a_target_from_the_first_value_of_an_earlier_approved_cycle(world: World) -> None:
    plan = _plan(world)
    earlier = _before(_current(), 3)
    _history(plan, earlier)  # 100, 101, 102 reported in the three half-years before this one
    cycle = _open_now(world, plan)  # 130 reported now
    target = Target.objects.get(task__plan=plan)
    lead = Entry.objects.get(report__cycle=cycle, task=target.task, role="lead")
    (facts,) = board.target_facts(cycle)[lead.pk]
    assert facts.spec.baseline == Point(str(earlier[0]), 100)
    assert facts.latest == Point(str(_current()), 130)
    # The board's light of the task is the rule's, entry by entry.
    report = Report.objects.get(pk=lead.report_id)
    expected = rules.entry_light(
        rules.EntryFacts(
            report.status, lead.status, lead.percent, board.cycle_expected_percent(cycle), (facts,)
        ),
        cycle.due_date,
        date.today(),
        cycle.warn_days,
    )
    row = next(
        r for r in board.build_board(cycle, plan.tasks.all(), date.today()).tasks if r.task == target.task
    )
    assert row.light == expected
    assert board.task_light_counts(cycle, date.today())[expected.colour] >= 1


def test_a_period_s_rank_in_sql_orders_periods_as_their_end_does() -> None:
    periods = ["2024H1", "2024H2", "2024", "2023", "2025H1"]
    ranks = {text: board.rank_of(Period.parse(text)) for text in periods}
    for a in periods:
        for b in periods:
            assert (ranks[a] < ranks[b]) == (Period.parse(a).end < Period.parse(b).end)


def test_a_submit_only_queues_the_office_s_message_which_the_background_task_then_sends(
    world: World, cycle: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    queued: list[tuple[Any, ...]] = []
    monkeypatch.setattr(notify, "_queue", lambda trigger, args: queued.append((trigger.__name__, *args)))
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    client = Client()
    client.force_login(world.edu_liaison)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/reporting/reports/{report.pk}/submit/")
    assert response.status_code == 302
    assert queued == [("report_submitted", report.pk, 1, world.edu_liaison.pk)]
    office = Message.objects.filter(recipient=world.pds_office, key=f"submitted:{report.pk}:1")
    assert not office.exists()  # not composed inside the liaison's request
    assert notify.compose_messages.call(*queued[0]) >= 1
    assert office.exists()
