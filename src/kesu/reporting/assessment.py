"""考核: a scheme per region and year; components computed from the year's reports, quality judged,
加分 / 减分 items entered one by one with their reasons."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone

from kesu.core import audit
from kesu.regions.models import Region, UnitKind
from kesu.reporting import notify, rules
from kesu.reporting.models import (
    CYCLE_PROGRESS,
    LEAD_ROLES,
    AdjustmentKind,
    Cycle,
    Entry,
    Report,
    ReportStatus,
    Scheme,
    Score,
    ScoreAdjustment,
    TargetValue,
)

if TYPE_CHECKING:
    from kesu.accounts.models import User

MAX_POINTS = 100  # one item may not outweigh the whole scheme
JUDGED_FIELDS = ["quality", "judged_by", "judged_at", "total"]


class AssessmentError(ValueError):
    """A 考核 change refused, with the reason in the office's words (views show it beside the form)."""


def weights_of(scheme: Scheme) -> rules.Weights:
    return scheme.weights


def year_cycles(scheme: Scheme) -> QuerySet[Cycle]:
    """The year's progress cycles: 考核 judges the plan's work, never another kind of round (科普统计)."""
    return Cycle.objects.filter(
        plan__region=scheme.region, period__startswith=str(scheme.year), kind=CYCLE_PROGRESS
    )


def open_cycles(scheme: Scheme, on: date | None = None) -> list[Cycle]:
    """The year's cycles units may still report in (their lock date not passed): scores computed now
    may change, so the page calls them 暂算."""
    on = on or timezone.localdate()
    return [
        c for c in year_cycles(scheme).select_related("plan").order_by("due_date", "pk") if c.lock_date >= on
    ]


@transaction.atomic
def create_scheme(
    actor: User | None,
    region: Region,
    year: int,
    weights: rules.Weights,
    *,
    bonus_cap: float | None = None,
    penalty_cap: float | None = None,
) -> Scheme:
    """Sets (or changes) a region's scheme for the year; existing totals follow a changed cap."""
    total = weights.timeliness + weights.completeness + weights.achievement + weights.quality
    if abs(total - 100) > 0.01:
        raise AssessmentError(f"各项权重之和应为 100，现为 {total:g}。")
    for label, cap in (("加分上限", bonus_cap), ("减分上限", penalty_cap)):
        if cap is not None and cap <= 0:
            raise AssessmentError(f"{label}应大于 0；不设上限请留空。")
    scheme, _ = Scheme.objects.update_or_create(
        region=region,
        year=year,
        defaults={**vars(weights), "bonus_cap": bonus_cap, "penalty_cap": penalty_cap},
    )
    scores = list(scheme.scores.select_for_update())
    sums = _sums(scores)
    for score in scores:
        _retotal(score, scheme, sums[score.pk])
        score.save(update_fields=["total"])
    audit.record(actor, "assessment.scheme", scheme, region=region, after=audit.snapshot(scheme))
    return scheme


def unit_years(scheme: Scheme) -> dict[int, rules.UnitYear]:
    """Per unit: reports due in the year, on time, entries filled, and target achievement ratios."""
    reports = Report.objects.filter(cycle__in=year_cycles(scheme))
    expected: dict[int, int] = defaultdict(int)
    on_time: dict[int, int] = defaultdict(int)
    # ``on_time`` was decided at the first submission against the cycle's timely date (due date +
    # 按时宽限天数), so the grace days count here exactly as on the status board.
    for unit_id, timely in reports.values_list("unit_id", "on_time"):
        expected[unit_id] += 1
        on_time[unit_id] += bool(timely)
    entries = Entry.objects.filter(report__in=reports).select_related("report")
    filled: dict[int, int] = defaultdict(int)
    total: dict[int, int] = defaultdict(int)
    ratios: dict[int, list[float]] = defaultdict(list)
    leads: set[int] = set()
    for e in entries.only("report__unit_id", "report__status", "filled", "percent", "role"):
        unit_id = e.report.unit_id
        total[unit_id] += 1
        if e.role in LEAD_ROLES:
            leads.add(unit_id)
        filled[unit_id] += e.filled and e.report.status == ReportStatus.APPROVED
        if e.is_lead and e.percent is not None and e.report.status == ReportStatus.APPROVED:
            ratios[unit_id].append(e.percent / 100)
    approved = TargetValue.objects.filter(
        entry__report__in=reports, entry__report__status=ReportStatus.APPROVED
    )
    for unit_id, value, target, comparator in approved.values_list(
        "entry__report__unit_id", "value", "target__value", "target__comparator"
    ):
        ratios[unit_id].append(rules.target_ratio(value, target, comparator))
    # A participating unit is judged on its own contributions (on time, filled in), never on the
    # lead's targets: with no task of its own, 目标完成度 is 不适用 for it.
    return {
        u: rules.UnitYear(expected[u], on_time[u], total[u], filled[u], tuple(ratios[u]), u in leads)
        for u in expected
    }


def _sums(scores: list[Score]) -> dict[int, dict[str, float]]:
    """Per score: the points of its 加分 and 减分 items, summed in the database."""
    sums: dict[int, dict[str, float]] = defaultdict(
        lambda: {AdjustmentKind.BONUS: 0.0, AdjustmentKind.PENALTY: 0.0}
    )
    rows = (
        ScoreAdjustment.objects.filter(score__in=[s.pk for s in scores if s.pk])
        .values("score_id", "kind")
        .annotate(points=Sum("points"))
    )
    for row in rows:
        sums[row["score_id"]][row["kind"]] = row["points"] or 0.0
    return sums


def _retotal(score: Score, scheme: Scheme, sums: dict[str, float] | None = None) -> None:
    """The stored total: components + quality + capped 加分 − capped 减分."""
    points = sums if sums is not None else _sums([score])[score.pk]
    parts = rules.Components(
        score.timeliness, score.completeness, score.achievement, tuple(score.not_applicable)
    )
    score.total = rules.total_score(
        parts,
        score.quality,
        rules.capped(points[AdjustmentKind.BONUS], scheme.bonus_cap),
        rules.capped(points[AdjustmentKind.PENALTY], scheme.penalty_cap),
        weights_of(scheme),
    )


@transaction.atomic
def compute_scores(actor: User | None, scheme: Scheme) -> int:
    """(Re)compute the data-driven components; the office's quality marks and 加减分 items are kept.

    The cycles still open are recorded on the scheme, so its pages say the scores are 暂算; the view
    asks the office to confirm before computing while any is open.
    """
    weights = weights_of(scheme)
    scheme.open_cycles = [str(cycle) for cycle in open_cycles(scheme)]
    scheme.save(update_fields=["open_cycles"])
    existing = {s.unit_id: s for s in scheme.scores.select_for_update()}
    sums = _sums(list(existing.values()))
    now = timezone.now()
    for unit_id, year in unit_years(scheme).items():
        parts = rules.computed_components(year, weights)
        score = existing.get(unit_id) or Score(scheme=scheme, unit_id=unit_id)
        score.timeliness, score.completeness, score.achievement = (
            parts.timeliness,
            parts.completeness,
            parts.achievement,
        )
        score.not_applicable = list(parts.not_applicable)
        _retotal(score, scheme, sums[score.pk])  # a new score has no items yet: zeros
        score.computed_at = now
        score.save()
        existing[unit_id] = score
    audit.record(
        actor,
        "assessment.compute",
        scheme,
        region=scheme.region,
        after={"units": len(existing), "open_cycles": scheme.open_cycles},
    )
    if not scheme.is_provisional:  # final scores: the office and leaders are told once
        notify.after_commit(notify.assessment_published, scheme.pk, actor.pk if actor is not None else None)
    return len(existing)


def _locked(score: Score) -> Score:
    """The score row, locked, so two offices editing one unit's score add up both changes."""
    return Score.objects.select_for_update().select_related("scheme__region", "unit").get(pk=score.pk)


@transaction.atomic
def judge(actor: User | None, score: Score, *, quality: float | None) -> Score:
    """The office's 工作质量 mark (one decimal), or None to clear it; who and when are kept."""
    score = _locked(score)
    scheme = score.scheme
    if quality is not None and not 0 <= quality <= scheme.quality:
        raise AssessmentError(f"工作质量得分应在 0 到 {scheme.quality:g} 之间。")
    before = audit.snapshot(score, JUDGED_FIELDS)
    score.quality = None if quality is None else round(quality, 1)
    score.judged_by = actor if actor is not None and actor.is_authenticated else None
    score.judged_at = timezone.now()
    _retotal(score, scheme)
    score.save(update_fields=["quality", "judged_by", "judged_at", "total"])
    audit.record(
        actor,
        "assessment.judge",
        score,
        region=scheme.region,
        before=before,
        after=audit.snapshot(score, JUDGED_FIELDS),
        note=f"工作质量 {score.quality:.1f}" if score.quality is not None else "清除工作质量评分",
    )
    return score


def _checked_item(kind: str, points: float, reason: str) -> tuple[float, str]:
    if kind not in AdjustmentKind.values:
        raise AssessmentError("请选择加分或减分。")
    reason = reason.strip()
    if not reason:
        raise AssessmentError("加分或减分须写明理由。")
    if len(reason) > 200:
        raise AssessmentError(f"理由请控制在 200 字以内（现为 {len(reason)} 字）。")
    points = round(points, 1)
    if not 0 < points <= MAX_POINTS:
        raise AssessmentError(f"分值应大于 0 且不超过 {MAX_POINTS} 分（保留一位小数），现为 {points:g}。")
    return points, reason


@transaction.atomic
def add_adjustment(
    actor: User | None, score: Score, *, kind: str, points: float, reason: str
) -> ScoreAdjustment:
    """One 加分 or 减分 item with its own points and reason; the total follows (within the scheme's cap)."""
    points, reason = _checked_item(kind, points, reason)
    score = _locked(score)
    item = ScoreAdjustment.objects.create(
        score=score,
        kind=kind,
        points=points,
        reason=reason,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _retotal(score, score.scheme)
    score.save(update_fields=["total"])
    audit.record(
        actor,
        "assessment.adjustment_add",
        score,
        region=score.scheme.region,
        after={"kind": kind, "points": points, "reason": reason, "total": score.total},
        note=item.label,
    )
    return item


@transaction.atomic
def remove_adjustment(actor: User | None, item: ScoreAdjustment) -> Score:
    score = _locked(item.score)
    still_there = ScoreAdjustment.objects.filter(
        pk=item.pk, score=score
    ).first()  # another tab may have removed it
    if still_there is None:
        raise AssessmentError("该加减分项已被删除，请刷新后查看。")
    item = still_there
    before = {"kind": item.kind, "points": item.points, "reason": item.reason, "total": score.total}
    label = item.label
    item.delete()
    _retotal(score, score.scheme)
    score.save(update_fields=["total"])
    audit.record(
        actor,
        "assessment.adjustment_remove",
        score,
        region=score.scheme.region,
        before=before,
        after={"total": score.total},
        note=label,
    )
    return score


@dataclass(frozen=True)
class Rankings:
    """Member units and sub-regions (their governments' reports in this region's cycles), each ranked
    on its own: a county is not a member unit's competitor."""

    units: list[tuple[int, Score]]
    subregions: list[tuple[int, Score]]


def ranked(scores: list[Score]) -> list[tuple[int, Score]]:
    """Competition ranking (1, 2, 2, 4) by total; ties listed by name."""
    places = {key: place for place, key, _ in rules.rank([(str(s.pk), s.total) for s in scores])}
    return sorted(((places[str(s.pk)], s) for s in scores), key=lambda item: (item[0], item[1].unit.name))


def rankings(scheme: Scheme) -> Rankings:
    scores = list(
        scheme.scores.select_related("unit__region", "judged_by").prefetch_related(
            Prefetch("adjustments", queryset=ScoreAdjustment.objects.select_related("created_by"))
        )
    )
    return Rankings(
        ranked([s for s in scores if s.unit.kind != UnitKind.SUBREGION]),
        ranked([s for s in scores if s.unit.kind == UnitKind.SUBREGION]),
    )
