"""Every write of contests Part 1: the contest record and its steps, rounds, the results import, the
freeze at 结算 (with the 组织奖 and their figures) and the indicator values (docs/contests.md).

One transaction and one audit event each; a broken rule is a ``ContestError`` with a Chinese message
and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from kesu.contests import own_figures, rankings, standings
from kesu.contests.models import (
    Award,
    AwardKind,
    Contest,
    ContestKind,
    ContestRound,
    ContestStatus,
    FigureSource,
    ParticipationFigure,
)
from kesu.core import audit, dbstats
from kesu.core.models import AuditEvent
from kesu.quiz.ranking import Standing, awarded

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.plans.models import Task
    from kesu.regions.models import Region, Unit

VERBS: dict[str, str] = {
    "contest.create": "登记科普竞赛",
    "contest.update": "修改科普竞赛",
    "contest.advance": "推进竞赛阶段",
    "contest.freeze": "竞赛结算（冻结成绩、评定组织奖）",
    "contest.round_save": "保存竞赛轮次",
    "contest.round_delete": "删除竞赛轮次",
    "contest.import_results": "导入竞赛成绩",
}
CONTEST_FIELDS = (
    "name",
    "level",
    "kind",
    "organiser",
    "year",
    "opens_at",
    "closes_at",
    "population_basis",
    "award_rule",
    "notes",
)
# The step after each state. Own contests lock their bank before they open (the bank helper's rules).
NEXT_JOINED = {
    ContestStatus.DRAFT: ContestStatus.OPEN,
    ContestStatus.OPEN: ContestStatus.SETTLING,
    ContestStatus.SETTLING: ContestStatus.PUBLISHED,
    ContestStatus.PUBLISHED: ContestStatus.AWARDED,
}
NEXT_OWN = NEXT_JOINED | {
    ContestStatus.DRAFT: ContestStatus.BANK_LOCKED,
    ContestStatus.BANK_LOCKED: ContestStatus.OPEN,
}
STEP_LABELS = {
    ContestStatus.BANK_LOCKED: "锁定题库",
    ContestStatus.OPEN: "开始竞赛",
    ContestStatus.SETTLING: "结算（冻结成绩、评定组织奖）",
    ContestStatus.PUBLISHED: "公示",
    ContestStatus.AWARDED: "发奖",
}
INDICATOR_PARTICIPANTS = "contest_participants"
INDICATOR_ATTEMPTS = "contest_attempts"
INDICATOR_RATE = "contest_participation_rate"
IMPORT_VERB = "contest.import_results"


class ContestError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def next_status(contest: Contest) -> str | None:
    steps = NEXT_OWN if contest.is_own else NEXT_JOINED
    return steps.get(ContestStatus(contest.status))


def step_label(contest: Contest) -> str:
    """The button of the next step on the contest page; none for locking the bank (the bank page does it)."""
    target = next_status(contest)
    return STEP_LABELS[ContestStatus(target)] if target and target != ContestStatus.BANK_LOCKED else ""


def _check_window(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at <= opens_at:
        raise ContestError("结束时间应晚于开始时间")


def _snapshot(contest: Contest) -> dict[str, Any]:
    return audit.snapshot(contest, [*CONTEST_FIELDS, "status", "region"])


@transaction.atomic
def create_contest(
    actor: User | None, region: Region, *, plan_tasks: Sequence[Task] = (), **fields: Any
) -> Contest:
    _check_window(fields["opens_at"], fields["closes_at"])
    contest = Contest(region=region, created_by=actor if actor and actor.is_authenticated else None, **fields)
    contest.full_clean(exclude=["public_key"])
    contest.save()
    contest.plan_tasks.set(plan_tasks)
    audit.record(actor, "contest.create", contest, region=region, after=_snapshot(contest))
    return contest


@transaction.atomic
def update_contest(
    actor: User | None, contest: Contest, *, plan_tasks: Sequence[Task] | None = None, **fields: Any
) -> Contest:
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    before = _snapshot(contest)
    for key, value in fields.items():
        if key not in CONTEST_FIELDS:
            raise ContestError(f"不能修改“{key}”")
        setattr(contest, key, value)
    changed_rule = before["award_rule"] != contest.award_rule
    if contest.is_frozen and (changed_rule or before["population_basis"] != contest.population_basis):
        raise ContestError("竞赛已结算，组织奖规则和参与率分母不能再修改")
    _check_window(contest.opens_at, contest.closes_at)
    contest.full_clean(exclude=["public_key"])
    contest.save()
    if plan_tasks is not None:
        contest.plan_tasks.set(plan_tasks)
    audit.record(
        actor, "contest.update", contest, region=contest.region, before=before, after=_snapshot(contest)
    )
    return contest


@transaction.atomic
def advance_contest(actor: User | None, contest: Contest, expected: str) -> Contest:
    """One step on 草稿 → (题库锁定) → 进行中 → 结算 → 公示 → 发奖. ``expected`` is the state the page
    showed: a second click (or another office's) on a stale page moves nothing."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if contest.status != expected:
        raise ContestError(f"竞赛当前状态为“{contest.get_status_display()}”，页面已过期，请刷新后再操作")
    target = next_status(contest)
    if target is None:
        raise ContestError("竞赛已发奖，没有下一步")
    if target == ContestStatus.BANK_LOCKED:  # the bank's own step checks the draw rule against the items
        raise ContestError("本级自办竞赛请在“题库”页检查抽题规则后锁定题库")
    before = contest.status
    contest.status = target
    if target == ContestStatus.SETTLING:
        _freeze(contest)
    contest.save(update_fields=["status", "frozen_at", "updated_at"])
    verb = "contest.freeze" if target == ContestStatus.SETTLING else "contest.advance"
    after: dict[str, Any] = {"status": target}
    if target == ContestStatus.SETTLING:
        after["awards"] = contest.awards.count()
    audit.record(actor, verb, contest, region=contest.region, before={"status": before}, after=after)
    if target == ContestStatus.SETTLING:
        refresh_indicators(actor, contest)  # the frozen figures, whatever their source
    return contest


def _freeze(contest: Contest) -> None:
    """The 组织奖 by the office's rule, each with the figures it was decided on; the figures stop changing.
    An own contest first recounts its rows from the attempts, so what is frozen is the final count."""
    if contest.is_own:
        own_figures.refresh_own_figures(contest)
    result = rankings.rankings(contest)
    contest.awards.filter(kind__in=[AwardKind.REGION, AwardKind.UNIT]).delete()
    frozen_at = timezone.now()
    awards = [
        Award(
            contest=contest,
            kind=AwardKind.REGION,
            rank=standing.rank or 0,
            region=result.region_objects[standing.place.key],
            metrics=_metrics(
                standing, result.rule.metric, result.region_formula, result.population_words, frozen_at
            ),
        )
        for standing in awarded(result.regions, result.rule.region_count)
    ]
    awards += [
        Award(
            contest=contest,
            kind=AwardKind.UNIT,
            rank=standing.rank or 0,
            unit=result.unit_objects[standing.place.key],
            metrics=_metrics(standing, result.rule.unit_metric, result.unit_formula, "", frozen_at),
        )
        for standing in awarded(result.units, result.rule.unit_count)
    ]
    if contest.is_own:
        contest.awards.filter(kind=AwardKind.INDIVIDUAL).delete()
        awards += [
            Award(
                contest=contest,
                kind=AwardKind.INDIVIDUAL,
                rank=row.rank,
                participant_id=row.participant_id,
                metrics={
                    "score": row.score,
                    "duration_ms": row.duration_ms,
                    "entered_at": row.entered_at.isoformat(),
                    "order": contest.tie_break or [],
                    "frozen_at": frozen_at.isoformat(),
                },
            )
            for row in standings.top_participants(contest, result.rule.individual_count)
            if result.rule.individual_count
        ]
    Award.objects.bulk_create(awards)
    contest.frozen_at = frozen_at


def _metrics(standing: Standing, metric: Any, formula: str, population: str, at: datetime) -> dict[str, Any]:
    place = standing.place
    return {
        "metric": str(metric),
        "formula": formula,
        "value": standing.value,
        "rank": standing.rank,
        "raw_rank": standing.raw_rank,
        "participants": place.participants,
        "attempts": place.attempts,
        "full_scores": place.full_scores,
        "population": place.population,
        "population_source": population,
        "frozen_at": at.isoformat(),
    }


# ---- rounds ---------------------------------------------------------------------------------------


@transaction.atomic
def save_round(
    actor: User | None,
    contest: Contest,
    number: int,
    opens_at: datetime,
    closes_at: datetime,
    name: str = "",
) -> ContestRound:
    _check_window(opens_at, closes_at)
    if opens_at < contest.opens_at or closes_at > contest.closes_at:
        raise ContestError("轮次时间应在竞赛的开始与结束时间之内")
    round_, created = ContestRound.objects.update_or_create(
        contest=contest, number=number, defaults={"name": name, "opens_at": opens_at, "closes_at": closes_at}
    )
    audit.record(
        actor,
        "contest.round_save",
        contest,
        region=contest.region,
        after={"round": number, "name": name, "created": created},
    )
    return round_


@transaction.atomic
def delete_round(actor: User | None, round_: ContestRound) -> None:
    contest = round_.contest
    if contest.figures.filter(round=round_).exists():
        raise ContestError(f"{round_} 已有导入的成绩，不能删除")
    number = round_.number
    round_.delete()
    audit.record(actor, "contest.round_delete", contest, region=contest.region, before={"round": number})


# ---- the results import ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureRow:
    """One checked line of a results file: a region or a unit and its counts."""

    line: int
    region: Region | None
    unit: Unit | None
    participants: int
    attempts: int
    full_scores: int


@transaction.atomic
def import_results(
    actor: User | None,
    contest: Contest,
    rows: Sequence[FigureRow],
    *,
    filename: str,
    round: ContestRound | None = None,
) -> int:
    """Store a checked file. The file is the platform's whole export for the contest (or the round): its
    region rows replace the stored region rows, its unit rows the stored unit rows. One event."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if contest.is_frozen:
        raise ContestError("竞赛已结算，成绩已冻结，不能再导入")
    if contest.is_own:
        raise ContestError("本级自办竞赛的成绩由本系统答题统计，不能导入")
    stored = contest.figures.filter(round=round, source=FigureSource.IMPORTED)
    if any(row.region is not None for row in rows):
        stored.filter(region__isnull=False).delete()
    if any(row.unit is not None for row in rows):
        stored.filter(unit__isnull=False).delete()
    ParticipationFigure.objects.bulk_create(
        ParticipationFigure(
            contest=contest,
            round=round,
            region=row.region,
            unit=row.unit,
            participants=row.participants,
            attempts=row.attempts,
            full_scores=row.full_scores,
            source=FigureSource.IMPORTED,
        )
        for row in rows
    )
    audit.record(
        actor,
        IMPORT_VERB,
        contest,
        region=contest.region,
        after={
            "file": filename,
            "round": round.number if round else None,
            "regions": sum(1 for row in rows if row.region is not None),
            "units": sum(1 for row in rows if row.unit is not None),
            "participants": sum(row.participants for row in rows if row.region is not None),
        },
    )
    if round is None:
        refresh_indicators(actor, contest)
    dbstats.analyse_after_commit(len(rows), ParticipationFigure)
    return len(rows)


# ---- indicator values -----------------------------------------------------------------------------


def provenance(contest: Contest) -> str:
    """Where the figures come from: the contest and the file last imported, or 本系统答题统计."""
    if contest.kind == ContestKind.OWN:
        return f"科普竞赛“{contest.name}”：本系统答题统计"
    event = AuditEvent.objects.for_target(contest).filter(verb=IMPORT_VERB).order_by("-pk").first()
    name = (event.after or {}).get("file", "") if event is not None else ""
    return f"科普竞赛“{contest.name}”：导入文件 {name}" if name else f"科普竞赛“{contest.name}”"


def refresh_indicators(actor: User | None, contest: Contest) -> int:
    """Write 参赛人数, 参赛人次 and 参与率 for the organising region and each direct sub-region with figures
    (period = the contest's year, disaggregated by 竞赛 = the contest's name). Unchanged values are left
    alone. Returns how many values were written."""
    from kesu.indicators.actions import record_registry_value, values_batch

    result = rankings.rankings(contest)
    words = provenance(contest)
    places: list[tuple[Region, int, int, int | None]] = [
        (result.region_objects[s.place.key], s.place.participants, s.place.attempts, s.place.population)
        for s in result.regions
    ]
    if result.total.participants:
        population = result.organiser_population.count if result.organiser_population else None
        places.append((contest.region, result.total.participants, result.total.attempts, population))
    labels = {"竞赛": contest.name}
    written = 0
    with values_batch():
        for region, participants, attempts, population in places:
            for code, value in ((INDICATOR_PARTICIPANTS, participants), (INDICATOR_ATTEMPTS, attempts)):
                written += record_registry_value(
                    actor,
                    code,
                    region,
                    str(contest.year),
                    float(value),
                    disaggregation=labels,
                    provenance=words,
                )
            if population:
                written += record_registry_value(
                    actor,
                    INDICATOR_RATE,
                    region,
                    str(contest.year),
                    participants / population * 100,
                    disaggregation=labels,
                    provenance=f"{words}；参赛人数 ÷ {result.basis_label}",
                    numerator=float(participants),
                    denominator=float(population),
                )
    return written


def refresh_year(year: int) -> int:
    """``kesu refresh_registry_counts``: the indicator values of every contest of ``year`` with figures."""
    contests = Contest.objects.filter(year=year, figures__isnull=False).distinct().select_related("region")
    return sum(refresh_indicators(None, contest) for contest in contests)
