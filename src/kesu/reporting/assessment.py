"""考核: a scheme per region and year; components computed from the year's reports, quality judged."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from kesu.core import audit
from kesu.regions.models import Region
from kesu.reporting import rules
from kesu.reporting.models import Entry, Report, ReportStatus, Scheme, Score, TargetValue

if TYPE_CHECKING:
    from kesu.accounts.models import User


def weights_of(scheme: Scheme) -> rules.Weights:
    return rules.Weights(scheme.timeliness, scheme.completeness, scheme.achievement, scheme.quality)


@transaction.atomic
def create_scheme(actor: User | None, region: Region, year: int, weights: rules.Weights) -> Scheme:
    total = weights.timeliness + weights.completeness + weights.achievement + weights.quality
    if abs(total - 100) > 0.01:
        raise ValueError(f"各项权重之和应为 100，现为 {total:g}。")
    scheme, _ = Scheme.objects.update_or_create(region=region, year=year, defaults=vars(weights))
    audit.record(actor, "assessment.scheme", scheme, region=region, after=audit.snapshot(scheme))
    return scheme


def unit_years(scheme: Scheme) -> dict[int, rules.UnitYear]:
    """Per unit: reports due in the year, on time, entries filled, and target achievement ratios."""
    reports = Report.objects.filter(cycle__plan__region=scheme.region, cycle__period__startswith=str(scheme.year))
    expected: dict[int, int] = defaultdict(int)
    on_time: dict[int, int] = defaultdict(int)
    for unit_id, first, timely in reports.values_list("unit_id", "first_submitted_at", "cycle__due_date"):
        expected[unit_id] += 1
        if first is not None and rules.is_on_time(timezone.localdate(first), timely):
            on_time[unit_id] += 1
    entries = Entry.objects.filter(report__in=reports).select_related("report")
    filled: dict[int, int] = defaultdict(int)
    total: dict[int, int] = defaultdict(int)
    ratios: dict[int, list[float]] = defaultdict(list)
    for e in entries.only("report__unit_id", "report__status", "filled", "percent", "role"):
        unit_id = e.report.unit_id
        total[unit_id] += 1
        filled[unit_id] += e.filled and e.report.status == ReportStatus.APPROVED
        if e.is_lead and e.percent is not None and e.report.status == ReportStatus.APPROVED:
            ratios[unit_id].append(e.percent / 100)
    approved = TargetValue.objects.filter(entry__report__in=reports, entry__report__status=ReportStatus.APPROVED)
    for unit_id, value, target, comparator in approved.values_list(
            "entry__report__unit_id", "value", "target__value", "target__comparator"):
        ratios[unit_id].append(rules.target_ratio(value, target, comparator))
    return {u: rules.UnitYear(expected[u], on_time[u], total[u], filled[u], tuple(ratios[u])) for u in expected}


@transaction.atomic
def compute_scores(actor: User | None, scheme: Scheme) -> int:
    """(Re)compute the data-driven components; the office's quality marks and adjustments are kept."""
    weights = weights_of(scheme)
    existing = {s.unit_id: s for s in scheme.scores.all()}
    now = timezone.now()
    for unit_id, year in unit_years(scheme).items():
        parts = rules.computed_components(year, weights)
        score = existing.get(unit_id) or Score(scheme=scheme, unit_id=unit_id)
        score.timeliness, score.completeness, score.achievement = parts.timeliness, parts.completeness, parts.achievement
        score.total = rules.total_score(parts, score.quality, score.bonus, score.penalty)
        score.computed_at = now
        score.save()
        existing[unit_id] = score
    audit.record(actor, "assessment.compute", scheme, region=scheme.region, after={"units": len(existing)})
    return len(existing)


@transaction.atomic
def judge(actor: User | None, score: Score, *, quality: float | None, bonus: float, penalty: float,
          reasons: str) -> Score:
    scheme = score.scheme
    if quality is not None and not 0 <= quality <= scheme.quality:
        raise ValueError(f"工作质量得分应在 0 到 {scheme.quality:g} 之间。")
    if (bonus or penalty) and not reasons.strip():
        raise ValueError("加分或减分须写明理由。")
    before = audit.snapshot(score, ["quality", "bonus", "penalty", "adjustment_reasons", "total"])
    score.quality, score.bonus, score.penalty, score.adjustment_reasons = quality, bonus, penalty, reasons.strip()
    parts = rules.Components(score.timeliness, score.completeness, score.achievement)
    score.total = rules.total_score(parts, quality, bonus, penalty)
    score.save()
    audit.record(actor, "assessment.judge", scheme, region=scheme.region, before=before,
                 after=audit.snapshot(score, ["quality", "bonus", "penalty", "adjustment_reasons", "total"]),
                 note=score.unit.name)
    return score


def ranking(scheme: Scheme) -> list[tuple[int, Score]]:
    scores = list(scheme.scores.select_related("unit__region"))
    places = {name: place for place, name, _ in rules.rank([(str(s.pk), s.total) for s in scores])}
    return sorted(((places[str(s.pk)], s) for s in scores), key=lambda item: (item[0], item[1].unit.name))
