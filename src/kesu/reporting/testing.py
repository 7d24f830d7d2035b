"""Test helpers of the reporting app, including the URL samples the URL walk test uses."""

from __future__ import annotations

from datetime import date
from typing import Any

from kesu.periods import Period
from kesu.plans.models import Plan, PlanStatus, Responsibility, Target, Task
from kesu.regions.models import Unit
from kesu.reporting import actions, assessment, rules, supervision
from kesu.reporting.models import Cycle, Evidence, Report, Score

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def reporting_plan(unit: Unit, *, partner: Unit | None = None, tasks: int = 2) -> Plan:
    """A published plan of the unit's region: tasks led by ``unit``, the first with a target and a partner."""
    plan = Plan.objects.create(
        region=unit.region,
        title=f"{unit.region.name}科学素质实施方案（测试）",
        status=PlanStatus.PUBLISHED,
        period_start=2021,
        period_end=2025,
    )
    for number in range(1, tasks + 1):
        task = Task.objects.create(
            plan=plan,
            external_id=str(number),
            order=number,
            title=f"任务{number}",
            text="内容",
            part_kind="action" if number % 2 else "project",
        )
        Responsibility.objects.create(task=task, role="lead", mention=unit.name, unit=unit)
        if number == 1:
            Target.objects.create(task=task, indicator="市级科普教育基地", value=150, unit="个", year=2025)
            if partner is not None:
                Responsibility.objects.create(
                    task=task, role="participating", mention=partner.name, unit=partner
                )
    return plan


def open_test_cycle(
    unit: Unit, *, partner: Unit | None = None, period: str = "2025H1", due: date | None = None
) -> Cycle:
    plan = reporting_plan(unit, partner=partner)
    return actions.open_cycle(None, plan, Period.parse(period), due_date=due or date(2099, 6, 30))


def fill_report(report: Report, actor: Any = None, narrative: str = "已按计划推进") -> None:
    for entry in report.entries.all():
        actions.save_entry(
            actor,
            entry,
            version=entry.version,
            status="in_progress" if entry.is_lead else "",
            percent=50 if entry.is_lead else None,
            narrative=narrative,
        )


def url_samples(owner_unit: Unit, owner_region: Any, owner_user: Any) -> dict[str, Any]:
    """URL keyword → an object belonging to ``owner_unit``'s side (see tests/test_every_url_respects_scope.py)."""
    cycle = open_test_cycle(owner_unit)
    report = cycle.reports.get(unit=owner_unit)
    entry = report.entries.first()
    assert entry is not None
    narrative = f"{owner_unit.name}本期进展：仅本单位与上级素质办可见"
    entry = actions.save_entry(
        None, entry, version=entry.version, status="in_progress", percent=30, narrative=narrative
    )
    evidence = actions.add_evidence(None, entry, PNG, "现场.png")
    notice = supervision.issue_notice(None, entry.task, owner_unit, "请加快推进", date(2099, 7, 31), cycle)
    scheme = assessment.create_scheme(None, owner_unit.region, 2098, rules.Weights())
    score = Score.objects.create(scheme=scheme, unit=owner_unit)
    assert isinstance(evidence, Evidence)
    return {
        "cycle_id": cycle.pk,
        "report_id": report.pk,
        "entry_id": entry.pk,
        "evidence_id": evidence.pk,
        "notice_id": notice.pk,
        "scheme_id": scheme.pk,
        "score_id": score.pk,
        "cycle-detail:pk": cycle.pk,
        "report-detail:pk": report.pk,
        "report-submit:pk": report.pk,
        "entry-detail:pk": entry.pk,
        "private_texts": [narrative],
        "notice-detail:pk": notice.pk,
    }
