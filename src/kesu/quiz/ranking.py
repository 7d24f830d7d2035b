"""Participation figures, normalised rankings and the 组织奖 list of a contest (registries.md §6).

Pure: no Django. The app hands in one ``Place`` per region or unit (its counts and, for regions, the
population the office chose as denominator) and gets back standings that carry both the raw counts
and the normalised figure, so a page or a 通报 can always state both:

- 参与率 = 参赛人数 ÷ 人口 (常住人口 or 18–69 周岁人口) × 100 %;
- 人均参赛次数 = 参赛人次 ÷ 参赛人数;
- 满分率 = 满分人次 ÷ 参赛人次 × 100 %.

Raw counts favour large places, so a ranking says which figure it is by. A place whose figure cannot
be computed (no population for a rate, no attempts for 满分率) is not given a rank on that figure: it is
listed after the ranked ones, ordered by its raw 参赛人数, and the page says so.

Ties share a rank (competition ranking: 1, 1, 3); within a tie places are listed by name. The 组织奖
goes to the places ranked within the rule's count, so a tie at the boundary takes every tied place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Metric(StrEnum):
    PARTICIPANTS = "participants"
    ATTEMPTS = "attempts"
    PARTICIPATION_RATE = "participation_rate"
    ATTEMPTS_PER_PARTICIPANT = "attempts_per_participant"
    FULL_SCORE_RATE = "full_score_rate"

    @property
    def label(self) -> str:
        return METRIC_LABELS[self]

    @property
    def formula(self) -> str:
        return METRIC_FORMULAS[self]

    @property
    def needs_population(self) -> bool:
        return self is Metric.PARTICIPATION_RATE


METRIC_LABELS = {
    Metric.PARTICIPANTS: "参赛人数",
    Metric.ATTEMPTS: "参赛人次",
    Metric.PARTICIPATION_RATE: "参与率",
    Metric.ATTEMPTS_PER_PARTICIPANT: "人均参赛次数",
    Metric.FULL_SCORE_RATE: "满分率",
}
METRIC_FORMULAS = {
    Metric.PARTICIPANTS: "参赛人数（原始数，未按人口折算）",
    Metric.ATTEMPTS: "参赛人次（原始数，未按人口折算）",
    Metric.PARTICIPATION_RATE: "参与率 = 参赛人数 ÷ {population} × 100%",
    Metric.ATTEMPTS_PER_PARTICIPANT: "人均参赛次数 = 参赛人次 ÷ 参赛人数",
    Metric.FULL_SCORE_RATE: "满分率 = 满分人次 ÷ 参赛人次 × 100%",
}
DEFAULT_METRIC = Metric.PARTICIPATION_RATE


@dataclass(frozen=True)
class Place:
    """One region or unit as the contest's figures know it."""

    key: str  # a region code or "unit:<id>": stable, for the caller to find its object again
    name: str
    participants: int
    attempts: int
    full_scores: int
    population: int | None = None  # None: no population known (units never have one)


def participation_rate(participants: int, population: int | None) -> float | None:
    """Participants per hundred people of the chosen population, or None when it is unknown or zero."""
    if not population or population <= 0:
        return None
    return participants / population * 100


def attempts_per_participant(attempts: int, participants: int) -> float | None:
    return attempts / participants if participants > 0 else None


def full_score_rate(full_scores: int, attempts: int) -> float | None:
    return full_scores / attempts * 100 if attempts > 0 else None


def value_of(place: Place, metric: Metric) -> float | None:
    if metric is Metric.PARTICIPANTS:
        return float(place.participants)
    if metric is Metric.ATTEMPTS:
        return float(place.attempts)
    if metric is Metric.PARTICIPATION_RATE:
        return participation_rate(place.participants, place.population)
    if metric is Metric.ATTEMPTS_PER_PARTICIPANT:
        return attempts_per_participant(place.attempts, place.participants)
    return full_score_rate(place.full_scores, place.attempts)


@dataclass(frozen=True)
class Standing:
    place: Place
    value: float | None  # the figure ranked on; None when it cannot be computed
    rank: int | None  # rank on ``value``; None for the unranked places listed after
    raw_rank: int  # rank on 参赛人数, which every place has

    @property
    def rate(self) -> float | None:
        return participation_rate(self.place.participants, self.place.population)

    @property
    def per_participant(self) -> float | None:
        return attempts_per_participant(self.place.attempts, self.place.participants)

    @property
    def full_rate(self) -> float | None:
        return full_score_rate(self.place.full_scores, self.place.attempts)


def competition_ranks(values: Sequence[float]) -> list[int]:
    """Ranks of values already sorted descending: equal values share a rank, the next rank skips (1, 1, 3)."""
    ranks: list[int] = []
    for index, value in enumerate(values):
        ranks.append(ranks[-1] if index and value == values[index - 1] else index + 1)
    return ranks


def _ranked(places: Sequence[Place], values: dict[str, float]) -> dict[str, int]:
    ordered = sorted((p for p in places if p.key in values), key=lambda p: (-values[p.key], p.name))
    ranks = competition_ranks([values[p.key] for p in ordered])
    return {place.key: rank for place, rank in zip(ordered, ranks, strict=True)}


def rank(places: Sequence[Place], metric: Metric) -> list[Standing]:
    """Places ranked on ``metric``: those with a value first (by value, ties sharing a rank), then those
    without one by raw 参赛人数. Every standing keeps its raw rank beside."""
    raw = _ranked(places, {p.key: float(p.participants) for p in places})
    values = {p.key: v for p in places if (v := value_of(p, metric)) is not None}
    ranks = _ranked(places, values)
    ranked = sorted((p for p in places if p.key in values), key=lambda p: (ranks[p.key], p.name))
    unranked = sorted((p for p in places if p.key not in values), key=lambda p: (raw[p.key], p.name))
    return [Standing(p, values.get(p.key), ranks.get(p.key), raw[p.key]) for p in [*ranked, *unranked]]


@dataclass(frozen=True)
class AwardRule:
    """The office's rule for the 组织奖: which figure, and how many regions and units get it."""

    metric: Metric = DEFAULT_METRIC
    region_count: int = 0
    unit_count: int = 0
    # Units have no population: ranked on a count or on a rate of attempts.
    unit_metric: Metric = Metric.PARTICIPANTS
    individual_count: int = 0  # an own contest's individual awards, in its tie-break order

    @classmethod
    def from_json(cls, data: dict[str, object]) -> AwardRule:
        """The contest's ``award_rule`` field; unknown or missing parts fall back to the defaults."""
        metric = _metric(data.get("metric"), DEFAULT_METRIC)
        unit_metric = _metric(data.get("unit_metric"), Metric.PARTICIPANTS)
        if unit_metric is Metric.PARTICIPATION_RATE:
            unit_metric = Metric.PARTICIPANTS
        return cls(
            metric,
            _count(data.get("region_count")),
            _count(data.get("unit_count")),
            unit_metric,
            _count(data.get("individual_count")),
        )

    def as_json(self) -> dict[str, object]:
        return {
            "metric": str(self.metric),
            "region_count": self.region_count,
            "unit_count": self.unit_count,
            "unit_metric": str(self.unit_metric),
            "individual_count": self.individual_count,
        }

    def words(self, population: str = "常住人口") -> str:
        """The rule in a sentence, for the page and the 通报."""
        parts = []
        if self.region_count:
            parts.append(f"地区按{self.metric.label}取前 {self.region_count} 名")
        if self.unit_count:
            parts.append(f"成员单位按{self.unit_metric.label}取前 {self.unit_count} 名")
        if self.individual_count:
            parts.append(f"个人按成绩排名取前 {self.individual_count} 名")
        if not parts:
            return "尚未设定组织奖规则"
        formula = self.metric.formula.format(population=population)
        return "；".join(parts) + f"（{formula}；并列名次同时获奖）"


def _metric(raw: object, default: Metric) -> Metric:
    try:
        return Metric(str(raw)) if raw else default
    except ValueError:
        return default


def _count(raw: object) -> int:
    try:
        return max(0, int(str(raw))) if raw not in (None, "") else 0
    except ValueError:
        return 0


def awarded(standings: Sequence[Standing], count: int) -> list[Standing]:
    """The places within ``count`` on the ranked figure (a tie at the boundary takes every tied place);
    a place with no participants never wins an organising award."""
    if count <= 0:
        return []
    return [s for s in standings if s.rank is not None and s.rank <= count and s.place.participants > 0]
