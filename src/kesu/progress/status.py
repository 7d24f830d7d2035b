"""Where a target stands: achieved / on track / at risk / off track, with the calculation's inputs.

Counts follow a straight line from the baseline to the target at the deadline; rates compare the
compound growth rate achieved with the one the target requires (the method of the UN SDG progress
reports: at least 95% of the required growth is on track, at least half "acceleration needed" —
需加快 —, less is off track). Targets set per year (每年 15万人次) are judged year by year against
the same figure.

Every assessment says in one plain sentence what a leader needs (``explanation``: 目标 15%，2024年
13.09%，按目前增速 2025年约 14.1%，需加快) and keeps the figures it judged (``value`` and
``period``); ``inputs`` is the method note the page puts behind a 计算方法 link.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from kesu.periods import Period
from kesu.progress import wording

# Thresholds on (progress made) / (progress the trajectory required by now).
LINEAR_ON_TRACK, LINEAR_AT_RISK = 0.95, 0.75
GROWTH_ON_TRACK, GROWTH_AT_RISK = 0.95, 0.5


class Status(StrEnum):
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self]


STATUS_LABELS = {
    Status.ACHIEVED: "已实现",
    Status.ON_TRACK: "进展正常",
    Status.AT_RISK: "需加快",
    Status.OFF_TRACK: "滞后",
    Status.NO_DATA: "无法判断",
}
STATUS_COLOURS = {
    Status.ACHIEVED: "success",
    Status.ON_TRACK: "primary",
    Status.AT_RISK: "warning",
    Status.OFF_TRACK: "danger",
    Status.NO_DATA: "secondary",
}


@dataclass(frozen=True)
class Point:
    period: str  # "2023", "2024H1"
    value: float

    @property
    def time(self) -> float:
        return period_time(self.period)


@dataclass(frozen=True)
class TargetSpec:
    value: float
    comparator: str = ">="
    deadline_year: int | None = None
    baseline: Point | None = None
    method: str = "linear"  # "linear" for counts, "growth" for rates
    unit: str = ""  # how the figures read: 个, 人次, %


@dataclass
class Assessment:
    status: Status
    reason: str
    inputs: dict[str, object] = field(default_factory=dict)  # the method note, every value as it reads
    years: list[tuple[int, Status, str]] = field(default_factory=list)  # per-year targets only
    value: float | None = None  # the figure the status was judged on …
    period: str = ""  # … and its period ("2024"; the last period of a cumulative sum)
    expected: float | None = None  # where the trajectory says the figure should be by now
    explanation: str = ""  # one plain sentence for a leader

    @property
    def label(self) -> str:
        return self.status.label

    @property
    def period_label(self) -> str:
        return Period.parse(self.period).label if self.period else ""


@lru_cache(maxsize=4096)
def period_time(period: str) -> float:
    """The end of a period as a fractional year: 2024H1 → 2024.5, 2024 and 2024H2 → 2025.0."""
    p = Period.parse(period)
    return p.year + (0.5 if p.half == 1 else 1.0)


def meets(value: float, target: float, comparator: str) -> bool:
    return {
        ">=": value >= target,
        ">": value > target,
        "<=": value <= target,
        "<": value < target,
        "=": abs(value - target) < 1e-9,
    }.get(comparator, value >= target)


def assess(spec: TargetSpec, latest: Point | None) -> Assessment:
    result = _assess(spec, latest)
    if latest is not None:
        result.value, result.period = latest.value, latest.period
    result.explanation = result.explanation or _explain(spec, latest, result)
    return result


def _assess(spec: TargetSpec, latest: Point | None) -> Assessment:
    inputs: dict[str, object] = {"目标": _target_text(spec)}
    if spec.baseline is not None:
        inputs["基线"] = (
            f"{Period.parse(spec.baseline.period).label} {wording.number(spec.baseline.value, spec.unit)}"
        )
    if latest is None:
        return Assessment(Status.NO_DATA, "尚无实际值", inputs)
    inputs["最新值"] = f"{Period.parse(latest.period).label} {wording.number(latest.value, spec.unit)}"
    if meets(latest.value, spec.value, spec.comparator):
        return Assessment(Status.ACHIEVED, "最新值已达到目标", inputs)
    if spec.deadline_year and latest.time >= spec.deadline_year + 1:
        return Assessment(Status.OFF_TRACK, "已到完成年份仍未达到目标", inputs)
    baseline = spec.baseline
    if baseline is None or spec.deadline_year is None:
        return Assessment(Status.NO_DATA, "缺少基线或完成年份，无法判断进度", inputs)
    if latest.time <= baseline.time:
        return Assessment(Status.NO_DATA, "基线之后尚无新数据", inputs)
    if spec.method == "growth" and baseline.value > 0 and spec.value > 0 and latest.value > 0:
        return _growth(spec, baseline, latest, inputs)
    return _linear(spec, baseline, latest, inputs)


def _target_text(spec: TargetSpec) -> str:
    deadline = f"（{spec.deadline_year}年）" if spec.deadline_year else ""
    return f"{wording.comparator(spec.comparator)} {wording.number(spec.value, spec.unit)}{deadline}"


def _linear(spec: TargetSpec, baseline: Point, latest: Point, inputs: dict[str, object]) -> Assessment:
    assert spec.deadline_year is not None
    span = spec.deadline_year + 1 - baseline.time
    elapsed = latest.time - baseline.time
    expected = baseline.value + (spec.value - baseline.value) * min(1.0, elapsed / span)
    required = expected - baseline.value
    ratio = (latest.value - baseline.value) / required if required else 0.0
    projected = baseline.value + (latest.value - baseline.value) * span / elapsed
    inputs.update(
        {
            "计算方法": "线性轨迹：从基线到完成年份按直线推进，比较实际进度与按时间应有的进度",
            "按进度此时应达": wording.number(expected, spec.unit),
            "实际进度": f"为应有进度的 {wording.percent(ratio)}",
            "判断标准": "达到应有进度的 95% 为进展正常，75% 以上为需加快，以下为滞后",
        }
    )
    result = Assessment(
        _band(ratio, LINEAR_ON_TRACK, LINEAR_AT_RISK), "与线性轨迹比较", inputs, expected=expected
    )
    result.explanation = _sentence(
        spec,
        latest,
        f"按目前进度 {spec.deadline_year}年约 {wording.number(projected, spec.unit, 1)}",
        result.status,
    )
    return result


def _growth(spec: TargetSpec, baseline: Point, latest: Point, inputs: dict[str, object]) -> Assessment:
    assert spec.deadline_year is not None
    actual = (latest.value / baseline.value) ** (1 / (latest.time - baseline.time)) - 1
    required = (spec.value / baseline.value) ** (1 / (spec.deadline_year + 1 - baseline.time)) - 1
    ratio = actual / required if required else 0.0
    projected = latest.value * (1 + actual) ** (spec.deadline_year + 1 - latest.time)
    inputs.update(
        {
            "计算方法": "增长率比较：实际年均增长率与实现目标所需的年均增长率相比",
            "实际年均增长率": f"{actual:.2%}",
            "所需年均增长率": f"{required:.2%}",
            "实际增速": f"为所需增速的 {wording.percent(ratio)}",
            "判断标准": "达到所需增速的 95% 为进展正常，一半以上为需加快，不足一半为滞后",
        }
    )
    result = Assessment(_band(ratio, GROWTH_ON_TRACK, GROWTH_AT_RISK), "实际增长率与所需增长率之比", inputs)
    result.explanation = _sentence(
        spec,
        latest,
        f"按目前增速 {spec.deadline_year}年约 {wording.number(projected, spec.unit, 1)}",
        result.status,
    )
    return result


def _sentence(spec: TargetSpec, latest: Point, outlook: str, status: Status) -> str:
    """目标 15%，2024年 13.09%，按目前增速 2025年约 14.1%，需加快"""
    verdict = {Status.ON_TRACK: "进展正常", Status.AT_RISK: "需加快", Status.OFF_TRACK: "明显滞后"}[status]
    return (
        f"{wording.target(spec.value, spec.unit, spec.comparator)}，{Period.parse(latest.period).label} "
        f"{wording.number(latest.value, spec.unit)}，{outlook}，{verdict}"
    )


def _explain(spec: TargetSpec, latest: Point | None, result: Assessment) -> str:
    """The sentence for the verdicts that need no trajectory."""
    goal = wording.target(spec.value, spec.unit, spec.comparator)
    if spec.deadline_year:
        goal += f"（{spec.deadline_year}年）"
    if latest is None:
        return f"{goal}，尚无实际值"
    now = f"{Period.parse(latest.period).label} {wording.number(latest.value, spec.unit)}"
    ending = {Status.ACHIEVED: "已实现", Status.OFF_TRACK: "已到完成年份，未实现"}.get(
        result.status, "缺少基线，暂无法判断进度"
    )
    return f"{goal}，{now}，{ending}"


def _band(ratio: float, on_track: float, at_risk: float) -> Status:
    if ratio >= on_track:
        return Status.ON_TRACK
    return Status.AT_RISK if ratio >= at_risk else Status.OFF_TRACK


def assess_per_year(
    target: float,
    comparator: str,
    years: Mapping[int, tuple[float, bool]],
    first: int,
    last: int,
    as_of: int,
    unit: str = "",
) -> Assessment:
    """Judge each year of [first, last] up to ``as_of``: ``years[y] = (value, whole_year_known)``.

    A whole year meets the target or not; a year known only for its first half is on track if it
    reached half the target, at risk otherwise; a finished year with no figure is a gap.
    """
    verdicts: list[tuple[int, Status, str]] = []
    for year in range(first, min(last, as_of) + 1):
        known = years.get(year)
        if known is None:
            verdicts.append((year, Status.NO_DATA, "缺数"))
            continue
        value, whole = known
        if whole:
            status = Status.ACHIEVED if meets(value, target, comparator) else Status.OFF_TRACK
            verdicts.append((year, status, wording.number(value, unit)))
        else:
            status = Status.ON_TRACK if meets(value, target / 2, comparator) else Status.AT_RISK
            verdicts.append(
                (
                    year,
                    status,
                    f"上半年 {wording.number(value, unit)}"
                    f"（全年目标的一半为 {wording.number(target / 2, unit)}）",
                )
            )
    goal = f"每年{wording.comparator(comparator)} {wording.number(target, unit)}"
    inputs: dict[str, object] = {"目标": goal, **{f"{y}年": f"{note}：{s.label}" for y, s, note in verdicts}}
    judged = [v for v in verdicts if v[1] is not Status.NO_DATA]
    if not judged:
        return Assessment(
            Status.NO_DATA, "尚无年度数据", inputs, verdicts, explanation=f"目标{goal}，尚无年度数据"
        )
    year, status, _ = judged[-1]
    missed = [y for y, s, _ in judged if s is Status.OFF_TRACK]
    if status is Status.ACHIEVED and missed:
        reason = f"{year}年已完成；{'、'.join(str(y) for y in missed)}年未完成"
    else:
        reason = f"按{year}年判断"
    value, whole = years[year]
    period = str(year) if whole else f"{year}H1"
    said = {
        Status.ACHIEVED: "已完成",
        Status.OFF_TRACK: "未完成",
        Status.ON_TRACK: "上半年已过半，进展正常",
        Status.AT_RISK: "上半年未过半，需加快",
    }[status]
    explanation = f"目标{goal}，{Period.parse(period).label} {wording.number(value, unit)}，{said}"
    if missed and status is Status.ACHIEVED:
        explanation += f"（{'、'.join(str(y) for y in missed)}年未完成）"
    return Assessment(status, reason, inputs, verdicts, value=value, period=period, explanation=explanation)
