"""Traffic lights, reporting rates and 考核 arithmetic: plain Python, no Django, tested alone.

The status board, the reminders command and the scoring all ask these functions, so the rules
an office reads in the documentation are the rules the code applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from kesu.periods import Period
from kesu.progress import wording
from kesu.progress.status import Point, Status, TargetSpec, assess, assess_per_year

# 已报: the report states that count as handed in (models.HANDED_IN is these, as ReportStatus members).
HANDED_IN = ("submitted", "approved")
GREEN, GREY, YELLOW, RED = "green", "grey", "yellow", "red"
LIGHT_LABELS = {GREEN: "正常", GREY: "未报", YELLOW: "预警", RED: "滞后"}
_SEVERITY = {GREEN: 0, GREY: 1, YELLOW: 2, RED: 3}
# A task is "behind" its trajectory when its % complete trails the expected share of elapsed time
# by more than BEHIND points, and "off track" beyond OFF_TRACK points.
BEHIND, OFF_TRACK = 10, 30
DEFAULT_DEADLINES = ("06-30", "12-30")  # 平阴县's plan: 6月30日 for the half-year, 12月30日 for the year


def due_date_for(year: int, half: int | None, deadlines: Sequence[str]) -> date:
    """The plan's own deadline for the period ("06-30" / "12-30"), else 6月30日 and 12月30日.

    A report is due around its period's end: a deadline that would fall in the first half of the
    period ("01-10" for the second half-year or the year) is the next year's date.
    """
    chosen = [d for d in deadlines if _parse_month_day(d) is not None] or list(DEFAULT_DEADLINES)
    text = chosen[0] if half == 1 else chosen[-1] if len(chosen) > 1 else DEFAULT_DEADLINES[1]
    month, day = _parse_month_day(text) or (12, 30)
    middle = {1: date(year, 4, 1), 2: date(year, 10, 1)}.get(half or 0, date(year, 7, 1))
    return date(year + 1 if date(year, month, day) < middle else year, month, day)


def _parse_month_day(text: str) -> tuple[int, int] | None:
    try:
        month, day = (int(part) for part in str(text).split("-")[-2:])
        date(2001, month, day)
    except (TypeError, ValueError):
        return None
    return month, day


def expected_percent(
    period_start: date, period_end: date, plan_start_year: int | None, plan_end_year: int | None
) -> float | None:
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
class Light:
    """A traffic light and, in the office's words, why."""

    colour: str
    reason: str
    name: str = ""  # a label other than the colour's own (grey 无责任单位 rather than 未报)

    @property
    def label(self) -> str:
        return self.name or LIGHT_LABELS[self.colour]

    @property
    def severity(self) -> int:
        return _SEVERITY[self.colour]


@dataclass(frozen=True)
class TargetFacts:
    """One of the task's numeric targets with what the lead unit reported for it."""

    name: str  # 市级科普教育基地 ≥150个（2025年）
    spec: TargetSpec
    latest: Point | None  # the value in this report
    per_year: bool = False


@dataclass(frozen=True)
class EntryFacts:
    """What the light of one task in one report depends on."""

    report_status: str  # draft / submitted / returned / approved
    progress_status: str  # not_started / in_progress / done / lagging, or ""
    percent: int | None
    expected: float | None  # % of the task that should be done by now; None for participating units
    targets: tuple[TargetFacts, ...] = ()


def report_light(status: str, due: date, today: date, warn_days: int) -> Light:
    """Red when overdue or returned and not resubmitted; yellow when due soon and not in; grey while
    the unit has not reported and the due date is still far; green once it is in."""
    if status == "returned":
        return Light(RED, "已退回，尚未重新报送")
    if status in HANDED_IN:
        return Light(GREEN, "已报送")
    if today > due:
        return Light(RED, f"逾期未报（已过截止日 {(today - due).days} 天）")
    if (due - today).days <= warn_days:
        return Light(YELLOW, f"临近截止未报（还剩 {(due - today).days} 天）")
    return Light(GREY, "尚未报送")


def entry_light(facts: EntryFacts, due: date, today: date, warn_days: int) -> Light:
    """Until the report is in, its report light; once in, what the unit reported: a lead's own
    滞后, its % complete against the time elapsed, and each target against its trajectory."""
    light = report_light(facts.report_status, due, today, warn_days)
    if facts.report_status not in HANDED_IN or facts.expected is None:
        return light  # not in yet, or a participating unit's contribution: nothing more to judge
    if facts.progress_status == "done":
        return Light(GREEN, "已完成")
    verdicts = [_progress_light(facts), *(target_light(t) for t in facts.targets)]
    return worst([v for v in verdicts if v is not None] or [Light(GREEN, "进展正常")])


def _progress_light(facts: EntryFacts) -> Light | None:
    if facts.progress_status == "lagging":
        return Light(RED, "牵头单位自报滞后")
    gap = trajectory_gap(facts.percent, facts.expected)
    where = f"完成 {facts.percent}%，按时间进度应达 {facts.expected or 0:.0f}%"
    if gap > OFF_TRACK:
        return Light(RED, where)
    return Light(YELLOW, where) if gap > BEHIND else None


def target_light(target: TargetFacts) -> Light | None:
    """A target's status (kesu.progress) as a light: at risk is yellow, off track red."""
    if target.per_year and target.latest is not None:
        period = Period.parse(target.latest.period)
        years = {period.year: (target.latest.value, not period.is_half_year)}
        verdict = assess_per_year(
            target.spec.value,
            target.spec.comparator,
            years,
            period.year,
            period.year,
            period.year,
            target.spec.unit,
        )
    else:
        verdict = assess(target.spec, target.latest)
    colour = {Status.AT_RISK: YELLOW, Status.OFF_TRACK: RED}.get(verdict.status)
    if colour is None:
        return None
    unit = target.spec.unit
    latest = wording.number(target.latest.value, unit) if target.latest else "未报"
    why = (
        f"按进度此时应达 {wording.number(verdict.expected, unit)}"
        if verdict.expected is not None
        else verdict.reason
    )
    return Light(colour, f"{target.name}：报 {latest}，{why}")


NO_UNIT = "无责任单位"


def unassigned_light() -> Light:
    """A task nobody reports on (a 保障措施 paragraph, a task whose units were never named): grey, not
    green, so the office sees it and assigns a unit."""
    return Light(GREY, "方案未列责任单位（或尚未对应到单位），本周期无人报送此任务", NO_UNIT)


NOT_REPORTED = "不报送"


def task_light(lead_lights: Sequence[Light], not_reported: bool = False) -> Light:
    """A task's light: its lead units' worst; with no unit reporting on it, grey 不报送 when the office
    marked it so, else grey 无责任单位 (to be assigned)."""
    if lead_lights:
        return worst(lead_lights)
    if not_reported:
        return Light(GREY, "办公室已标记此任务不报送", NOT_REPORTED)
    return unassigned_light()


def worst(lights: Iterable[Light]) -> Light:
    return max(lights, key=lambda light: light.severity, default=Light(GREEN, "进展正常"))


def unit_light(report: Light, tasks: Sequence[tuple[str, Light]]) -> Light:
    """A unit's light: its report's until the report is in, then its tasks' worst, counted."""
    if report.colour != GREEN:
        return report
    red = [(title, light) for title, light in tasks if light.colour == RED]
    yellow = [(title, light) for title, light in tasks if light.colour == YELLOW]
    if not red and not yellow:
        return Light(GREEN, "已报送，各项任务进展正常")
    counts = "、".join(
        text
        for text in (f"{len(red)} 项滞后" if red else "", f"{len(yellow)} 项预警" if yellow else "")
        if text
    )
    title, first = (red or yellow)[0]
    return Light(first.colour, f"{counts}，如“{title[:20]}”：{first.reason}")


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
        return Rates(
            self.expected + other.expected, self.submitted + other.submitted, self.on_time + other.on_time
        )


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
    leads: bool = True  # leads (or is responsible for) a task: 目标完成度 has something to measure


# The data-driven components, in the order the pages list them, with what each needs to apply.
COMPONENTS = ("timeliness", "completeness", "achievement")
COMPONENT_LABELS = {
    "timeliness": "报送及时性",
    "completeness": "报送完整性",
    "achievement": "目标完成度",
    "quality": "工作质量",
}
NOT_APPLICABLE_WHY = {
    "timeliness": "本年度没有应报的报送",
    "completeness": "报送中没有任务",
    "achievement": "本单位不牵头任何任务，只按其参与的报送计分",
}


@dataclass(frozen=True)
class Components:
    timeliness: float
    completeness: float
    achievement: float
    not_applicable: tuple[str, ...] = ()  # components with nothing to measure for this unit (不适用)


def not_applicable(year: UnitYear) -> tuple[str, ...]:
    """The components a unit cannot be measured on: a participating unit leads no task, so 目标完成度
    would only ever be 0 for it; it is left out rather than counted against the unit."""
    missing = {
        "timeliness": not year.reports_expected,
        "completeness": not year.entries_expected,
        "achievement": not year.leads,
    }
    return tuple(name for name in COMPONENTS if missing[name])


def computed_components(year: UnitYear, weights: Weights) -> Components:
    """The parts of a 考核 score the data decides; quality is the office's judgement."""
    timely = year.reports_on_time / year.reports_expected if year.reports_expected else 0.0
    complete = year.entries_filled / year.entries_expected if year.entries_expected else 0.0
    ratios = year.achievement_ratios
    achieved = sum(min(1.0, max(0.0, r)) for r in ratios) / len(ratios) if ratios else 0.0
    return Components(
        round(weights.timeliness * timely, 1),
        round(weights.completeness * complete, 1),
        round(weights.achievement * achieved, 1),
        not_applicable(year),
    )


def rescale_factor(weights: Weights, skipped: Sequence[str]) -> float:
    """What the applicable components are multiplied by so they add up to the scheme's full marks:
    with 目标完成度 (40 of 100) not applicable, the other 60 points count ×100/60."""
    full = weights.timeliness + weights.completeness + weights.achievement + weights.quality
    left = full - sum(getattr(weights, name) for name in skipped)
    return full / left if skipped and left > 0 else 1.0


def total_score(
    parts: Components, quality: float | None, bonus: float, penalty: float, weights: Weights | None = None
) -> float:
    """Applicable components and quality, rescaled to the scheme's full marks, plus 加分 minus 减分."""
    applicable = sum(getattr(parts, name) for name in COMPONENTS if name not in parts.not_applicable)
    factor = rescale_factor(weights, parts.not_applicable) if weights is not None else 1.0
    return round((applicable + (quality or 0)) * factor + bonus - penalty, 1)


def capped(points: float, cap: float | None) -> float:
    """A unit's 加分 (or 减分) as it counts in the total: the items' sum, at most the scheme's cap."""
    return round(points if cap is None else min(points, cap), 1)


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
