"""Traffic lights, reporting rates and 考核 arithmetic: plain Python, no Django, tested alone.

The status board, the reminders command and the scoring all ask these functions, so the rules
an office reads in the documentation are the rules the code applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

GREEN, YELLOW, RED = "green", "yellow", "red"
LIGHT_LABELS = {GREEN: "正常", YELLOW: "预警", RED: "滞后"}
# A task is "behind" its trajectory when its % complete trails the expected share of elapsed time
# by more than BEHIND points, and "off track" beyond OFF_TRACK points.
BEHIND, OFF_TRACK = 10, 30
DEFAULT_DEADLINES = ("06-30", "12-30")  # 平阴县's plan: 6月30日 for the half-year, 12月30日 for the year


def due_date_for(year: int, half: int | None, deadlines: Sequence[str]) -> date:
    """The plan's own deadline for the period ("06-30" / "12-30"), else 6月30日 and 12月30日."""
    chosen = [d for d in deadlines if _parse_month_day(d) is not None] or list(DEFAULT_DEADLINES)
    text = chosen[0] if half == 1 else chosen[-1] if len(chosen) > 1 else DEFAULT_DEADLINES[1]
    month, day = _parse_month_day(text) or (12, 30)
    return date(year, month, day)


def _parse_month_day(text: str) -> tuple[int, int] | None:
    try:
        month, day = (int(part) for part in str(text).split("-")[-2:])
        date(2001, month, day)
    except (TypeError, ValueError):
        return None
    return month, day


def expected_percent(period_start: date, period_end: date, plan_start_year: int | None,
                     plan_end_year: int | None) -> float | None:
    """The share of a task that should be done by the end of the period, if work is spread evenly."""
    if plan_start_year is None or plan_end_year is None or plan_end_year < plan_start_year:
        return None
    total_days = (date(plan_end_year, 12, 31) - date(plan_start_year, 1, 1)).days + 1
    elapsed = (period_end - date(plan_start_year, 1, 1)).days + 1
    return max(0.0, min(100.0, 100.0 * elapsed / total_days))


def trajectory_gap(percent: int | None, expected: float | None) -> float:
    if percent is None or expected is None:
        return 0.0
    return expected - percent


@dataclass(frozen=True)
class EntryFacts:
    """What the light of one task in one report depends on."""

    report_status: str  # draft / submitted / returned / approved
    progress_status: str  # not_started / in_progress / done / lagging, or ""
    percent: int | None
    expected: float | None


def report_light(status: str, due: date, today: date, warn_days: int) -> str:
    """Red when overdue or returned and not resubmitted; yellow when due soon and not in."""
    submitted = status in ("submitted", "approved")
    if status == "returned":
        return RED
    if not submitted and today > due:
        return RED
    if not submitted and (due - today).days <= warn_days:
        return YELLOW
    return GREEN


def entry_light(facts: EntryFacts, due: date, today: date, warn_days: int) -> str:
    """The report's light, made worse when the task lags or trails its trajectory."""
    light = report_light(facts.report_status, due, today, warn_days)
    if facts.progress_status == "done":
        return light
    gap = trajectory_gap(facts.percent, facts.expected)
    if facts.progress_status == "lagging" or gap > OFF_TRACK:
        return RED
    if gap > BEHIND and light == GREEN:
        return YELLOW
    return light


def worst(lights: Iterable[str]) -> str:
    order = {GREEN: 0, YELLOW: 1, RED: 2}
    return max(lights, key=lambda light: order[light], default=GREEN)


@dataclass(frozen=True)
class Rates:
    expected: int
    submitted: int
    on_time: int

    @property
    def reporting_rate(self) -> float | None:
        """DHIS2's reporting rate: reports in over reports expected, in %."""
        return None if not self.expected else round(100 * self.submitted / self.expected, 1)

    @property
    def on_time_rate(self) -> float | None:
        return None if not self.expected else round(100 * self.on_time / self.expected, 1)

    def __add__(self, other: Rates) -> Rates:
        return Rates(self.expected + other.expected, self.submitted + other.submitted, self.on_time + other.on_time)


NO_RATES = Rates(0, 0, 0)


def is_on_time(first_submitted: date | None, timely_date: date) -> bool:
    return first_submitted is not None and first_submitted <= timely_date


@dataclass(frozen=True)
class Weights:
    timeliness: float = 20
    completeness: float = 20
    achievement: float = 40
    quality: float = 20


@dataclass(frozen=True)
class UnitYear:
    """A unit's year, as the score needs it: counts over its reports and entries."""

    reports_expected: int
    reports_on_time: int
    entries_expected: int
    entries_filled: int
    achievement_ratios: tuple[float, ...]  # reported / target per target, capped at 1; or % complete / 100


@dataclass(frozen=True)
class Components:
    timeliness: float
    completeness: float
    achievement: float


def computed_components(year: UnitYear, weights: Weights) -> Components:
    """The parts of a 考核 score the data decides; quality is the office's judgement."""
    timely = year.reports_on_time / year.reports_expected if year.reports_expected else 0.0
    complete = year.entries_filled / year.entries_expected if year.entries_expected else 0.0
    ratios = year.achievement_ratios
    achieved = sum(min(1.0, max(0.0, r)) for r in ratios) / len(ratios) if ratios else 0.0
    return Components(round(weights.timeliness * timely, 1), round(weights.completeness * complete, 1),
                      round(weights.achievement * achieved, 1))


def total_score(parts: Components, quality: float | None, bonus: float, penalty: float) -> float:
    return round(parts.timeliness + parts.completeness + parts.achievement + (quality or 0) + bonus - penalty, 1)


def target_ratio(reported: float, target: float, comparator: str) -> float:
    """How far a reported value goes towards its target (≤ targets invert the ratio)."""
    if comparator in ("<=", "<"):
        return 1.0 if reported <= target else (target / reported if reported else 0.0)
    return reported / target if target else 1.0


def rank(totals: Sequence[tuple[str, float]]) -> list[tuple[int, str, float]]:
    """Competition ranking (1, 2, 2, 4) by total, highest first."""
    ordered = sorted(totals, key=lambda item: -item[1])
    ranked: list[tuple[int, str, float]] = []
    for index, (name, total) in enumerate(ordered):
        place = ranked[-1][0] if ranked and ranked[-1][2] == total else index + 1
        ranked.append((place, name, total))
    return ranked
