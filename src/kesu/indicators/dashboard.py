"""The blocks of the dashboards: each a chart (ECharts option) with the table it was drawn from."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import quote

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from kesu import progress
from kesu.core.demo import DATA_DIR
from kesu.core.exports import csv_cell, xlsx_response
from kesu.indicators import charts, rollups
from kesu.indicators.figures import (
    UNCONFIRMED,
    SubtreeFigures,
    TargetStatus,
    period_sort_key,
    target_statuses,
)
from kesu.indicators.models import Boundary, Indicator
from kesu.periods import Period
from kesu.plans.filters import KEY_GROUPS
from kesu.plans.models import PartKind, Plan, PlanKind, Target, Task
from kesu.progress import wording
from kesu.progress.rollup import GAP
from kesu.regions.models import Region
from kesu.reporting import task_status

HEADLINE = "literacy_rate"


@dataclass
class Block:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    option: dict | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def option_id(self) -> str:
        return f"chart-{self.key}"


def download(request: HttpRequest, blocks: list[Block], stem: str) -> HttpResponse | None:
    """``?download=<block>&format=xlsx|csv`` answers with that block's table."""
    key = request.GET.get("download")
    block = next((b for b in blocks if b.key == key), None)
    if block is None:
        return None
    filename = f"{stem}-{block.title}"
    if request.GET.get("format") == "csv":
        return csv_response(f"{filename}.csv", block.headers, block.rows)
    return xlsx_response(f"{filename}.xlsx", block.title, block.headers, block.rows)


def csv_response(filename: str, headers: list[str], rows: list[list[Any]] | Any) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(h) for h in headers])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    # A BOM so Excel on Chinese Windows opens the UTF-8 file without mojibake.
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def fmt(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def whole(value: float | None) -> int | None:
    """A numerator or denominator counts people or places: no fraction of a person in a table."""
    return None if value is None else int(value + 0.5) if value >= 0 else -int(-value + 0.5)


@cache
def national_series() -> dict[int, float]:
    """The published national literacy rates (中国公民科学素质抽样调查), for context on the headline chart."""
    path = DATA_DIR / "reference" / "csl_published.csv"
    with path.open(encoding="utf-8") as handle:
        return {
            int(r["year"]): float(r["value_percent"])
            for r in csv.DictReader(handle)
            if r["series"] == "national"
        }


def five_year_plan(region: Region) -> Plan | None:
    plans = Plan.objects.filter(region=region, kind=PlanKind.FIVE_YEAR).published().order_by("-period_start")
    return plans.first() or Plan.objects.filter(region=region).published().order_by("-period_start").first()


def headline(region: Region) -> tuple[Block, progress.Assessment | None, dict[str, Any]]:
    indicator = Indicator.objects.get(code=HEADLINE)
    figures = rollups.load_many([(indicator, "")], region)[(indicator.pk, "")]
    years = figures.year_values(region)
    plan = five_year_plan(region)
    goal, goal_year = (plan.goal_value, plan.goal_year) if plan else (None, None)
    base_year = (plan.period_start - 1) if plan and plan.period_start else (min(years) if years else None)
    baseline = (
        (base_year, years[base_year][0])
        if base_year in years
        else ((min(years), years[min(years)][0]) if years else None)
    )
    national = national_series()
    span = [y for y in (*years, goal_year, base_year) if y]
    first = min(span) if span else 2020
    last = max(span) if span else 2025
    categories = list(range(min(first, 2015), last + 1))
    path: list[float | None] = [None] * len(categories)
    if baseline and goal is not None and goal_year and goal_year > baseline[0]:
        for i, year in enumerate(categories):
            if baseline[0] <= year <= goal_year:
                path[i] = fmt(
                    baseline[1] + (goal - baseline[1]) * (year - baseline[0]) / (goal_year - baseline[0])
                )
    local = [fmt(years[y][0]) if y in years else None for y in categories]
    nation = [national.get(y) for y in categories]
    option = charts.line_chart(
        f"{region.name}{indicator.name}",
        [str(y) for y in categories],
        [
            {
                "name": region.name,
                "data": local,
                "mark_line": goal,
                "mark_name": f"目标 {goal:g}%" if goal else "",
            },
            {"name": "目标路径", "data": path, "dashed": True},
            {"name": "全国（已公布）", "data": nation, "connect": True},
        ],
        unit="%",
    )
    rows = [
        [y, local[i], path[i], nation[i]]
        for i, y in enumerate(categories)
        if local[i] is not None or path[i] is not None or nation[i] is not None
    ]
    block = Block(
        "headline",
        indicator.name,
        ["年份", region.name, "目标路径", "全国（已公布）"],
        rows,
        option,
        note="全国数据来自中国公民科学素质抽样调查公布结果。",
    )
    assessment = None
    latest = figures.latest(region)
    if goal is not None:
        spec = progress.TargetSpec(
            goal,
            (plan.goal_comparator if plan else "") or ">=",
            goal_year,
            progress.Point(str(baseline[0]), baseline[1]) if baseline else None,
            "growth",
            indicator.unit,
        )
        assessment = progress.assess(
            spec,
            progress.Point(latest[0], latest[1].value) if latest and latest[1].value is not None else None,
        )
    facts = {
        "plan": plan,
        "goal": goal,
        "goal_year": goal_year,
        "latest": latest,
        "latest_label": Period.parse(latest[0]).label if latest else "",
    }
    return block, assessment, facts


def region_targets(region: Region) -> QuerySet[Target]:
    return (
        Target.objects.filter(task__plan__region=region, task__plan__status="published", task__is_active=True)
        .select_related("task__plan", "indicator_link__indicator")
        .order_by("task__plan", "task__order", "span_start")
    )


def status_label(status: TargetStatus) -> str:
    """已实现 / 需加快 …; 未确认 until the office confirms the link; 未对应指标 with no link."""
    if status.assessment is not None:
        return status.assessment.label
    if status.link is None:
        return "未对应指标"
    return UNCONFIRMED if status.is_unconfirmed else "口径不符"


def targets_block(region: Region, as_of: int) -> tuple[Block, list[TargetStatus]]:
    statuses = target_statuses(region_targets(region), region, as_of, load=rollups.load_many)
    rows = []
    for s in statuses:
        t = s.target
        a = s.assessment
        method = "；".join(f"{k}：{v}" for k, v in (a.inputs.items() if a else []))
        unit = s.link.indicator.unit if s.link else t.unit
        rows.append(
            [
                t.task.title,
                f"{t.indicator}{t.comparator_label}{t.value_label}{t.unit}",
                t.deadline_label,
                s.link.indicator.name if s.link else "（未对应指标）",
                wording.number(s.link.baseline_value, unit)
                if s.link and s.link.baseline_value is not None
                else "",
                wording.number(s.latest_value, unit) if s.latest_value is not None else "",
                s.latest_label,
                status_label(s),
                a.explanation if a else s.note,
                method,
            ]
        )
    block = Block(
        "targets",
        "目标进展",
        ["任务", "目标", "时限", "指标", "基线", "最新值", "最新值期间", "状态", "说明", "计算方法"],
        rows,
    )
    return block, statuses


def status_counts_block(statuses: list[TargetStatus]) -> Block:
    counts: dict[str, int] = {}
    for s in statuses:
        label = status_label(s)
        counts[label] = counts.get(label, 0) + 1
    order = [*progress.status.STATUS_LABELS.values(), UNCONFIRMED, "口径不符", "未对应指标"]
    labels = [label for label in order if label in counts]
    option = charts.bar_chart("目标状态分布", labels, [counts[label] for label in labels], "个")
    return Block(
        "statuses", "目标状态分布", ["状态", "目标数"], [[label, counts[label]] for label in labels], option
    )


def tasks_block(region: Region) -> Block:
    """Tasks per 提升行动 / 重点工程 / 重点人群, split by their latest reported status."""
    tasks = list(
        Task.objects.filter(plan__region=region, plan__status="published", is_active=True).values_list(
            "pk", "part_kind", "key_group_tags"
        )
    )
    statuses = task_status.task_statuses([pk for pk, _kind, _tags in tasks])
    groups: dict[str, list[int]] = {}
    for pk, kind, tags in tasks:
        groups.setdefault(str(PartKind(kind).label), []).append(pk)
        for group in KEY_GROUPS:
            if f"|{group}|" in tags:
                groups.setdefault(f"重点人群：{group}", []).append(pk)
    names = sorted({statuses.get(pk, "尚无报送") for pk, _k, _t in tasks}) or ["尚无报送"]
    categories = list(groups)
    stacks = {
        name: [sum(1 for pk in groups[c] if statuses.get(pk, "尚无报送") == name) for c in categories]
        for name in names
    }
    rows = [[c, len(groups[c]), *[stacks[n][i] for n in names]] for i, c in enumerate(categories)]
    note = "" if statuses else "报送模块尚无任务进展数据，暂按任务数统计。"
    option = (
        charts.stacked_bar("任务进展（按行动、工程和重点人群）", categories, stacks) if categories else None
    )
    return Block("tasks", "任务进展", ["分组", "任务数", *names], rows, option, note)


def completeness_block(region: Region) -> Block:
    rows = task_status.completeness(region)
    table = [[r.get("cycle"), r.get("expected"), r.get("submitted"), r.get("on_time")] for r in rows]
    option = None
    if rows:
        option = charts.line_chart(
            "报送完整率",
            [str(r.get("cycle")) for r in rows],
            [
                {
                    "name": "报送率（%）",
                    "data": [
                        fmt(100 * (r.get("submitted") or 0) / r["expected"]) if r.get("expected") else None
                        for r in rows
                    ],
                },
                {
                    "name": "按时报送率（%）",
                    "data": [
                        fmt(100 * (r.get("on_time") or 0) / r["expected"]) if r.get("expected") else None
                        for r in rows
                    ],
                },
            ],
            "%",
        )
    return Block(
        "completeness",
        "报送完整性",
        ["报送周期", "应报", "已报", "按时"],
        table,
        option,
        "" if rows else "报送模块尚无数据。",
    )


def compare_block(
    region: Region,
    indicator: Indicator,
    period: str | None,
    disaggregation_key: str = "",
    figures: SubtreeFigures | None = None,
) -> Block:
    figures = figures or rollups.load(indicator, region, disaggregation_key, period)
    period = period if period in figures.periods else (figures.periods[-1] if figures.periods else None)
    rows: list[list[Any]] = []
    names, values = [], []
    for code, name in figures.children():
        rolled = figures.at(code, period) if period else GAP
        note = "；".join(f"{k}：{v}" for k, v in rolled.inputs().items())
        rows.append([name, code, fmt(rolled.value), whole(rolled.numerator), whole(rolled.denominator), note])
        names.append(name)
        values.append(fmt(rolled.value))
    own = figures.at(region.code, period) if period else GAP
    title = f"{indicator.name}（{Period.parse(period).label if period else '无数据'}）"
    option = (
        charts.bar_chart(
            title,
            names,
            values,
            indicator.unit,
            own.value and fmt(own.value),
            f"{region.name} {fmt(own.value)}",
        )
        if names
        else None
    )
    block = Block(
        "compare",
        title,
        ["区划", "区划代码", "数值", "分子", "分母", "说明"],
        rows,
        option,
        extra={"period": period, "periods": figures.periods, "own": own},
    )
    return block


def map_block(
    region: Region,
    compare: Block,
    boundary: Boundary,
    map_url: str,
    unit: str = "",
    higher_is_better: bool = True,
) -> Block:
    """The sub-regions of ``compare`` on the office's approved boundary map, captioned with its 审图号."""
    names = [row[0] for row in compare.rows]
    values = [row[2] for row in compare.rows]
    title = compare.title.removeprefix("下级区划：")
    option = charts.map_chart(title, boundary.map_name, names, values, unit, higher_is_better)
    note = f"{boundary.caption}。灰色为缺数的区划。"
    if boundary.missing:
        note += f"边界文件中没有：{'、'.join(boundary.missing)}。"
    return Block(
        "map",
        f"分区地图：{title}",
        ["区划", "区划代码", "数值"],
        [row[:3] for row in compare.rows],
        option,
        note,
        extra={"map_url": map_url, "map_name": boundary.map_name},
    )


def indicator_blocks(
    region: Region, indicator: Indicator, period: str | None, disaggregation_key: str = ""
) -> tuple[Block, Block, list[Target]]:
    figures = rollups.load(indicator, region, disaggregation_key, period)
    targets = list(region_targets(region).filter(indicator_link__indicator=indicator))
    series = figures.series(region)
    target_value = targets[0].value if targets else None
    option = charts.line_chart(
        f"{region.name}{indicator.name}",
        [Period.parse(p).label for p, _ in series],
        [
            {
                "name": region.name,
                "data": [fmt(r.value) for _, r in series],
                "mark_line": target_value,
                "mark_name": f"目标 {target_value:g}" if target_value is not None else "",
            }
        ],
        indicator.unit,
    )
    rows = [
        [
            Period.parse(p).label,
            p,
            fmt(r.value),
            whole(r.numerator),
            whole(r.denominator),
            "；".join(f"{k}：{v}" for k, v in r.inputs().items()),
        ]
        for p, r in series
    ]
    trend = Block("series", "时间序列", ["期间", "期间代码", "数值", "分子", "分母", "说明"], rows, option)
    breakdown = compare_block(region, indicator, period, disaggregation_key, figures)
    breakdown.key, breakdown.title = "breakdown", f"下级区划：{breakdown.title}"
    return trend, breakdown, targets


def disaggregation_keys(indicator: Indicator, region: Region) -> list[str]:
    from kesu.indicators.models import RolledValue

    # The stored figures of the region itself: a key has rows there once any value of its subtree has it.
    keys = (
        RolledValue.objects.filter(indicator=indicator, region=region, in_subtree=True)
        .values_list("disaggregation_key", flat=True)
        .distinct()
    )
    return sorted(set(keys))


def sort_periods(periods: list[str]) -> list[str]:
    return sorted(periods, key=period_sort_key)
