"""Reading values out of the database into the progress core: series, breakdowns, target status.

One query per indicator and subtree; the roll-up itself happens in ``kesu.progress`` in memory,
so a province's page does not issue a query per region.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from kesu import progress
from kesu.indicators.catalogue import kind_mismatch
from kesu.indicators.models import Indicator, IndicatorValue, TargetLink, Temporal, disaggregation_key
from kesu.periods import Period
from kesu.plans.models import Target
from kesu.regions.models import Region


@lru_cache(maxsize=4096)
def parse_period(period: str) -> Period:
    """Periods repeat across thousands of figures on a page; parse each text once."""
    return Period.parse(period)


@lru_cache(maxsize=4096)
def period_sort_key(period: str) -> tuple[int, float]:
    p = parse_period(period)
    return p.year, {1: 1.0, 2: 2.0, None: 2.5}[p.half]


@dataclass
class SubtreeFigures:
    """Every figure of one indicator (one disaggregation) in one region's subtree."""

    indicator: Indicator
    root: Region
    disaggregation_key: str = ""
    rows: list[tuple[str, str, float | None, float | None, float | None]] = field(default_factory=list)
    regions: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (name, parent code)

    @classmethod
    def load(cls, indicator: Indicator, root: Region, disaggregation_key: str = "") -> SubtreeFigures:
        return cls.load_many([(indicator, disaggregation_key)], root)[(indicator.pk, disaggregation_key)]

    @classmethod
    def load_many(
        cls, keys: Iterable[tuple[Indicator, str]], root: Region
    ) -> dict[tuple[int, str], SubtreeFigures]:
        """Several indicators' figures with two queries in all: the values, then the regions they need."""
        wanted = {(i.pk, k): cls(i, root, k) for i, k in keys}
        if not wanted:
            return {}
        rows = IndicatorValue.objects.filter(
            indicator_id__in={i for i, _ in wanted},
            disaggregation_key__in={k for _, k in wanted},
            region__path__startswith=root.path,
        ).values_list(
            "indicator_id",
            "disaggregation_key",
            "region__code",
            "region__level",
            "period",
            "value",
            "numerator",
            "denominator",
        )
        deepest = root.level
        for indicator_id, key, code, level, period, value, numerator, denominator in rows:
            figures = wanted.get((indicator_id, key))
            if figures is not None:
                figures.rows.append((code, period, value, numerator, denominator))
                deepest = max(deepest, level)
        region_rows = list(
            Region.objects.filter(path__startswith=root.path, level__lte=deepest).values_list(
                "code", "name", "path"
            )
        )
        for figures in wanted.values():
            figures.regions = _regions_to_walk(root, {r[0] for r in figures.rows}, region_rows)
        return wanted

    @cached_property
    def periods(self) -> list[str]:
        return sorted({r[1] for r in self.rows}, key=period_sort_key)

    @cached_property
    def tree(self) -> progress.RegionTree:
        tree = progress.RegionTree()
        for code, (name, parent) in self.regions.items():
            tree.add(code, parent if parent in self.regions else None, name)
        return tree

    @cached_property
    def figure(self) -> Callable[[str, str], progress.Rolled]:
        recorded = {(r, p): progress.Observation(v, n, d) for r, p, v, n, d in self.rows}
        return progress.resolve_series(
            self.tree,
            recorded,
            progress.Aggregation(self.indicator.aggregation),
            self.indicator.scale,
            complete=self._completer(),
        )

    def _completer(self) -> Callable[[str, str, progress.Observation], progress.Observation] | None:
        """A rate stored without its parts gets them back from the denominator indicator's value."""
        if not self.indicator.is_ratio or not self.indicator.denominator_code:
            return None
        denominator = Indicator.objects.filter(code=self.indicator.denominator_code).first()
        if denominator is None:
            return None
        scale = self.indicator.scale
        loaded: list[SubtreeFigures] = []  # the denominator's figures, read only if some child needs them

        def complete(region: str, period: str, obs: progress.Observation) -> progress.Observation:
            if obs.numerator is not None and obs.denominator is not None or obs.value is None:
                return obs
            if not loaded:
                loaded.append(SubtreeFigures.load(denominator, self.root))
            known = loaded[0].latest_at_or_before(region, period)
            if known is None or known.value is None:
                return obs
            return progress.Observation(obs.value, obs.value * known.value / scale, known.value)

        return complete

    def at(self, region: Region | str, period: str) -> progress.Rolled:
        code = region if isinstance(region, str) else region.code
        return self.figure(code, period)

    def series(self, region: Region | None = None) -> list[tuple[str, progress.Rolled]]:
        code = (region or self.root).code
        return [(p, self.figure(code, p)) for p in self.periods]

    def latest(self, region: Region | None = None) -> tuple[str, progress.Rolled] | None:
        known = [(p, f) for p, f in self.series(region) if f.value is not None]
        return known[-1] if known else None

    def latest_at_or_before(self, code: str, period: str) -> progress.Rolled | None:
        """A stock at the end of ``period`` or the last one before (population is yearly, rates half-yearly)."""
        limit = progress.period_time(period)
        for p in reversed(self.periods):
            if progress.period_time(p) <= limit:
                rolled = self.figure(code, p)
                if rolled.value is not None:
                    return rolled
        return None

    def year_values(self, region: Region | None = None) -> dict[int, tuple[float, bool]]:
        """Per calendar year: (value, whole year known). Flows add their halves; stocks take the last."""
        by_period = {parse_period(p): f for p, f in self.series(region) if f.value is not None}
        years: dict[int, tuple[float, bool]] = {}
        for year in sorted({p.year for p in by_period}):
            whole, h1, h2 = (
                by_period.get(Period(year)),
                by_period.get(Period(year, 1)),
                by_period.get(Period(year, 2)),
            )
            if whole is not None and whole.value is not None:
                years[year] = (whole.value, True)
            elif self.indicator.temporal == Temporal.FLOW:
                if h1 is not None and h2 is not None and h1.value is not None and h2.value is not None:
                    years[year] = (h1.value + h2.value, True)
                elif h1 is not None and h1.value is not None:
                    years[year] = (h1.value, False)
            else:
                last = h2 or h1
                if last is not None and last.value is not None:
                    years[year] = (last.value, h2 is not None)
        return years

    def children(self) -> list[tuple[str, str]]:
        """(code, name) of the root's direct sub-regions."""
        return [(c, self.tree.names[c]) for c in self.tree.children.get(self.root.code, [])]


def _regions_to_walk(
    root: Region, with_values: set[str], rows: list[tuple[str, str, str]]
) -> dict[str, tuple[str, str]]:
    """The root and, below every region whose subtree holds values, all its children (even empty ones).

    A county without a figure while its siblings have one is a gap in the city's sum; a town
    level nobody ever reported at is not walked at all.
    """
    parent_of = {code: _parent_code(path) for code, _name, path in rows}
    active = {root.code}
    for code in with_values:
        while code and code != root.code and code in parent_of:
            active.add(code)
            code = parent_of[code]
    return {
        code: (name, parent_of[code])
        for code, name, _path in rows
        if code == root.code or parent_of[code] in active
    }


def _parent_code(path: str) -> str:
    parts = [p for p in path.strip("/").split("/") if p]
    return parts[-2] if len(parts) > 1 else ""


UNCONFIRMED = "未确认"


@dataclass
class TargetStatus:
    """A target as the overview shows it: the status only once the office confirmed the link and the
    indicator measures the same kind of figure; the value shown is the one the status was judged on."""

    target: Target
    link: TargetLink | None
    assessment: progress.Assessment | None
    latest_period: str = ""
    latest_value: float | None = None
    note: str = ""  # why there is no status: 未确认, or the kinds that do not match

    @property
    def latest_label(self) -> str:
        """The judged value's period (2024年, 2021—2024年累计)."""
        if not self.latest_period:
            return ""
        basis = self.assessment.inputs.get("口径", "") if self.assessment else ""
        label = parse_period(self.latest_period).label
        return f"{basis}（至{label}）" if basis else label

    @property
    def is_unconfirmed(self) -> bool:
        return self.note == UNCONFIRMED


def assess_target(
    link: TargetLink,
    figures: SubtreeFigures,
    region: Region,
    first_year: int | None,
    last_year: int | None,
    as_of: int,
) -> progress.Assessment:
    target = link.target
    unit = figures.indicator.unit
    if target.per_year:
        years = figures.year_values(region)
        first = first_year or (min(years) if years else as_of)
        return progress.assess_per_year(
            target.value, target.comparator, years, first, last_year or as_of, as_of, unit
        )
    if figures.indicator.temporal == Temporal.FLOW:
        return _assess_cumulative(link, figures, region, first_year, last_year)
    baseline = None
    if link.baseline_year is not None and link.baseline_value is not None:
        baseline = progress.Point(str(link.baseline_year), link.baseline_value)
    latest = _latest_by(figures, region, target.year or last_year)
    point = progress.Point(latest[0], latest[1].value) if latest and latest[1].value is not None else None
    spec = progress.TargetSpec(
        target.value,
        target.comparator,
        target.year or last_year,
        baseline,
        figures.indicator.status_method,
        unit,
    )
    return progress.assess(spec, point)


def _latest_by(
    figures: SubtreeFigures, region: Region, deadline: int | None
) -> tuple[str, progress.Rolled] | None:
    """The figure a target is judged on: the latest up to its deadline year. A 2025 target read in
    2026 is judged on 2025's year-end figure, not on what happened after its plan ended."""
    series = [(p, r) for p, r in figures.series(region) if r.value is not None]
    if deadline is not None:
        in_time = [(p, r) for p, r in series if parse_period(p).year <= deadline]
        series = in_time or series
    return series[-1] if series else None


def _assess_cumulative(
    link: TargetLink, figures: SubtreeFigures, region: Region, first_year: int | None, last_year: int | None
) -> progress.Assessment:
    """A flow with a deadline ("十四五期间培训 500 人") counts what was done since the plan began, from zero:
    the value judged (and shown) is that sum, never one period's figure."""
    target = link.target
    start = first_year or link.baseline_year or min(figures.year_values(region), default=0)
    deadline = target.year or last_year or 9999
    done = [
        (p, r.value)
        for p, r in figures.series(region)
        if r.value is not None
        and start <= parse_period(p).year <= deadline
        and not _counted_twice(p, figures.periods)
    ]
    point = progress.Point(done[-1][0], sum(v for _, v in done)) if done else None
    spec = progress.TargetSpec(
        target.value,
        target.comparator,
        target.year or last_year,
        progress.Point(str(start - 1), 0.0),
        "linear",
        figures.indicator.unit,
    )
    assessment = progress.assess(spec, point)
    assessment.inputs["口径"] = f"自{start}年起累计"
    if point is not None:
        assessment.explanation = assessment.explanation.replace(
            f"{parse_period(point.period).label} ", f"{start}—{parse_period(point.period).label}累计 ", 1
        )
    return assessment


def _counted_twice(period: str, periods: list[str]) -> bool:
    """A half-year when the whole year is also recorded: the year figure already includes it."""
    p = Period.parse(period)
    return p.half is not None and str(p.year_period()) in periods


def _unjudged(target: Target, link: TargetLink) -> str:
    """Why a linked target gets no status: the office has not confirmed the link, or the indicator
    counts something else (a per-grid target against a total)."""
    if not link.confirmed:
        return UNCONFIRMED
    mismatch = kind_mismatch(
        target.indicator, target.text, target.unit, link.indicator.name, link.indicator.unit
    )
    return f"口径不符：{mismatch}，不作判断" if mismatch else ""


def target_statuses(
    targets: Iterable[Target],
    region: Region,
    as_of: int,
    load: Callable[[Iterable[tuple[Indicator, str]], Region], dict[tuple[int, str], SubtreeFigures]]
    | None = None,
) -> list[TargetStatus]:
    """Status of each target of a region's plans; all linked indicators' figures load in one go.

    ``load`` reads the figures another way (the overview passes ``rollups.load_many``, the stored ones).
    """
    targets = list(targets)
    links = [t.indicator_link for t in targets if getattr(t, "indicator_link", None) is not None]
    judged = [link for link in links if not _unjudged(link.target, link)]
    keys = {(link.indicator_id, disaggregation_key(link.disaggregation)): link.indicator for link in judged}
    loaded = (load or SubtreeFigures.load_many)([(i, key) for (_, key), i in keys.items()], region)
    result = []
    for target in targets:
        link = getattr(target, "indicator_link", None)
        if link is None:
            result.append(TargetStatus(target, None, None))
            continue
        why_not = _unjudged(target, link)
        if why_not:
            result.append(TargetStatus(target, link, None, note=why_not))
            continue
        figures = loaded[(link.indicator_id, disaggregation_key(link.disaggregation))]
        plan = target.task.plan
        assessment = assess_target(link, figures, region, plan.period_start, plan.period_end, as_of)
        result.append(TargetStatus(target, link, assessment, assessment.period, assessment.value))
    return result
