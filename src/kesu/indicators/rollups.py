"""Stored roll-ups: what ``kesu.progress`` gives every region, computed once per change, read by overviews.

A region overview used to load every value of every linked indicator in its subtree and roll them
up in Python on each request (a province: 177 sub-regions × 40 indicators × every period). Now a
write (a value recorded, imported or deleted, an indicator's way of summing changed) recomputes the
figures of the province it touched with the same ``SubtreeFigures``/``kesu.progress`` code the pages
used, and stores one ``RolledValue`` per region × period. Pages read a region's own rows and its
children's: a few queries whatever the size of the subtree or its history.

The stored figure of a region equals what ``SubtreeFigures.load(indicator, region)`` computes live:
walking a region's subtree gives the same result whichever ancestor the walk started from (the
tests recompute and compare after the real actions). ``kesu rebuild_rollups`` recomputes them all,
for upgrades and after loads that bypass the actions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

from kesu import progress
from kesu.indicators.figures import SubtreeFigures, _regions_to_walk, period_sort_key
from kesu.indicators.models import Indicator, IndicatorValue, RolledValue
from kesu.progress.rollup import GAP
from kesu.regions.models import Region

Key = tuple[int, str, str]  # indicator id, disaggregation key, province (top region) code

# Inside ``deferred()``: the keys written so far, recomputed once when the outermost block ends.
_pending: ContextVar[set[Key] | None] = ContextVar("kesu_rollups_pending", default=None)


def top_code(region: Region) -> str:
    """The code of the region's province (the first step of its path): one roll-up per province."""
    return region.path.strip("/").split("/")[0]


def changed(indicator: Indicator, key: str, regions: Iterable[Region]) -> None:
    """Values of ``indicator`` (disaggregation ``key``) changed in ``regions``: bring the roll-ups up to date."""
    keys = {(indicator.pk, key, top_code(r)) for r in regions}
    pending = _pending.get()
    if pending is not None:
        pending |= keys
    else:
        refresh(keys)


def value_changed(indicator: Indicator, key: str, region: Region, period: str) -> None:
    """One value recorded or deleted: recompute only its period when that is all that changed.

    The walk (which regions expect their children's figures) depends on where values exist in any
    period, and a rate completed from this indicator reads its other periods: in those cases, or
    inside ``deferred()``, the whole indicator is recomputed instead.
    """
    still_walked = IndicatorValue.objects.filter(
        indicator=indicator, disaggregation_key=key, region__path__startswith=region.path
    ).exclude(region=region, period=period)
    dependents = key == "" and Indicator.objects.filter(denominator_code=indicator.code).exists()
    if _pending.get() is not None or dependents or not still_walked.exists():
        changed(indicator, key, [region])
        return
    root = Region.objects.get(code=top_code(region))
    refresh_period(indicator, key, root, period)


@transaction.atomic
def refresh_period(indicator: Indicator, key: str, root: Region, period: str) -> int:
    """The figures of one period of one indicator in one province; the walk still from every period."""
    values = IndicatorValue.objects.filter(
        indicator=indicator, disaggregation_key=key, region__path__startswith=root.path
    )
    active = set(values.values_list("region__code", "region__level").distinct())
    RolledValue.objects.filter(
        indicator=indicator, disaggregation_key=key, region__path__startswith=root.path, period=period
    ).delete()
    if not active:
        return 0
    figures = SubtreeFigures(indicator, root, key)
    figures.rows = list(
        values.filter(period=period).values_list(
            "region__code", "period", "value", "numerator", "denominator"
        )
    )
    deepest = max(level for _code, level in active)
    regions = list(
        Region.objects.filter(path__startswith=root.path, level__lte=deepest).values_list(
            "code", "name", "path", "pk"
        )
    )
    figures.regions = _regions_to_walk(root, {code for code, _ in active}, [r[:3] for r in regions])
    rows = list(compute(figures, {r[0]: r[3] for r in regions}))
    RolledValue.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@contextmanager
def deferred() -> Iterator[None]:
    """Many values written one by one (a demo, an approval with many targets): recompute once at the end."""
    if _pending.get() is not None:
        yield
        return
    token = _pending.set(set())
    try:
        yield
        keys = _pending.get() or set()
    finally:
        _pending.reset(token)
    refresh(keys)


def refresh(keys: Iterable[Key]) -> int:
    """Recompute the given keys and every ratio whose missing parts come from one of them.

    Grouped by indicator and province: a file of 1,000 disaggregations is a few queries, not 1,000 walks.
    """
    todo = _with_dependents(set(keys))
    roots = {r.code: r for r in Region.objects.filter(code__in={code for _, _, code in todo})}
    indicators = Indicator.objects.in_bulk({i for i, _, _ in todo})
    groups: dict[tuple[int, str], set[str]] = {}
    for indicator_id, key, code in todo:
        if code in roots and indicator_id in indicators:
            groups.setdefault((indicator_id, code), set()).add(key)
    stored = 0
    for (indicator_id, code), group in sorted(groups.items()):
        ordered = sorted(group)
        for start in range(0, len(ordered), CHUNK):
            stored += refresh_many(indicators[indicator_id], ordered[start : start + CHUNK], roots[code])
    return stored


CHUNK = 1000  # disaggregations per statement: a bounded IN list on every database


def _with_dependents(keys: set[Key]) -> set[Key]:
    """A rate stored without its parts takes them from its denominator indicator (population):
    a new population figure changes the roll-up of every disaggregation of such rates."""
    totals = {(i, code) for i, key, code in keys if key == ""}
    if not totals:
        return keys
    codes = dict(Indicator.objects.filter(pk__in={i for i, _ in totals}).values_list("pk", "code"))
    dependents = list(
        Indicator.objects.filter(denominator_code__in=codes.values()).values_list("pk", "denominator_code")
    )
    extra: set[Key] = set()
    for dependent, denominator in dependents:
        provinces = [code for i, code in totals if codes.get(i) == denominator]
        for code in provinces:
            extra |= {(dependent, k, code) for k in _keys_of(dependent, code)}
    return keys | extra


def _keys_of(indicator_id: int, province_code: str) -> set[str]:
    return set(
        IndicatorValue.objects.filter(indicator_id=indicator_id, region__path__startswith=f"{province_code}/")
        .values_list("disaggregation_key", flat=True)
        .distinct()
    )


@transaction.atomic
def refresh_many(indicator: Indicator, keys: list[str], root: Region) -> int:
    """Replace the stored figures of one indicator's disaggregations in one province."""
    RolledValue.objects.filter(
        indicator=indicator, disaggregation_key__in=keys, region__path__startswith=root.path
    ).delete()
    loaded = SubtreeFigures.load_many([(indicator, key) for key in keys], root)
    ids = dict(Region.objects.filter(path__startswith=root.path).values_list("code", "pk"))
    rows = [row for figures in loaded.values() for row in compute(figures, ids)]
    RolledValue.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def compute(figures: SubtreeFigures, ids: dict[str, int]) -> Iterator[RolledValue]:
    """Every walked region's figure for each period its own subtree or its parent's has a value for.

    A row stands for each period of the region's own series (``in_subtree``) and, for the periods its
    parent shows, each figure that says more than "no figure" (a partial sum, the missing children).
    """
    if not figures.rows:
        return
    parent = {code: up for code, (_name, up) in figures.regions.items()}
    own: dict[str, set[str]] = {}
    for code, period, *_ in figures.rows:
        while code in parent:
            own.setdefault(code, set()).add(period)
            code = parent[code]
    for code in figures.regions:
        mine = own.get(code, set())
        for period in sorted(mine | own.get(parent[code], set()), key=period_sort_key):
            rolled = figures.at(code, period)
            if rolled == GAP and period not in mine:
                continue  # a plain gap (no figure, nothing known below): reading no row gives the same
            yield _row(
                figures.indicator, figures.disaggregation_key, ids[code], period, period in mine, rolled
            )


def _row(
    indicator: Indicator, key: str, region_id: int, period: str, in_subtree: bool, r: Any
) -> RolledValue:
    return RolledValue(
        indicator=indicator,
        region_id=region_id,
        period=period,
        disaggregation_key=key,
        in_subtree=in_subtree,
        value=r.value,
        numerator=r.numerator,
        denominator=r.denominator,
        origin=r.origin,
        children=r.children,
        missing=list(r.missing),
        partial=r.partial,
    )


def rebuild_all(indicator_codes: Iterable[str] | None = None) -> int:
    """Recompute every stored figure (or those of some indicators): ``kesu rebuild_rollups``."""
    values = IndicatorValue.objects.all()
    stale = RolledValue.objects.all()
    if indicator_codes is not None:
        codes = list(indicator_codes)
        values = values.filter(indicator__code__in=codes)
        stale = stale.filter(indicator__code__in=codes)
    provinces = {top for (top,) in _tops(values)}
    keys = set(values.values_list("indicator_id", "disaggregation_key").distinct())
    with transaction.atomic():
        stale.delete()
        return refresh((i, k, code) for i, k in keys for code in provinces)


def _tops(values: Any) -> set[tuple[str]]:
    paths = values.values_list("region__path", flat=True).distinct()
    return {(path.strip("/").split("/")[0],) for path in paths}


def as_rolled(row: RolledValue | tuple) -> progress.Rolled:
    value, numerator, denominator, origin, children, missing, partial = row  # type: ignore[misc]
    return progress.Rolled(value, origin, numerator, denominator, children, tuple(missing or ()), partial)


ROLLED_FIELDS = ("value", "numerator", "denominator", "origin", "children", "missing", "partial")


@dataclass
class StoredFigures(SubtreeFigures):
    """``SubtreeFigures``' reading side (series, latest, year values, children) over the stored figures."""

    stored: dict[tuple[str, str], progress.Rolled] = field(default_factory=dict)
    own_periods: list[str] = field(default_factory=list)
    child_names: list[tuple[str, str]] = field(default_factory=list)

    @property
    def periods(self) -> list[str]:
        return self.own_periods

    @property
    def figure(self) -> Callable[[str, str], progress.Rolled]:
        return lambda code, period: self.stored.get((code, period), GAP)

    def children(self) -> list[tuple[str, str]]:
        return self.child_names


def load_many(keys: Iterable[tuple[Indicator, str]], root: Region) -> dict[tuple[int, str], SubtreeFigures]:
    """The region's own stored series of several indicators in one query (``SubtreeFigures.load_many``'s shape)."""
    wanted: dict[tuple[int, str], SubtreeFigures] = {(i.pk, k): StoredFigures(i, root, k) for i, k in keys}
    if not wanted:
        return {}
    rows = RolledValue.objects.filter(
        region=root,
        in_subtree=True,
        indicator_id__in={i for i, _ in wanted},
        disaggregation_key__in={k for _, k in wanted},
    ).values_list("indicator_id", "disaggregation_key", "period", *ROLLED_FIELDS)
    for indicator_id, key, period, *rolled in rows:
        figures = wanted.get((indicator_id, key))
        if isinstance(figures, StoredFigures):
            figures.stored[(root.code, period)] = as_rolled(tuple(rolled))
    for figures in wanted.values():
        if isinstance(figures, StoredFigures):
            figures.own_periods = sorted({p for _, p in figures.stored}, key=period_sort_key)
    return wanted


def load(indicator: Indicator, root: Region, key: str = "", period: str | None = None) -> StoredFigures:
    """One indicator's stored series of ``root`` and its children's figures for ``period`` (default: the latest)."""
    figures = load_many([(indicator, key)], root)[(indicator.pk, key)]
    assert isinstance(figures, StoredFigures)
    if period not in figures.own_periods:
        period = figures.own_periods[-1] if figures.own_periods else None
    if period is None:
        return figures
    rows = (
        RolledValue.objects.filter(
            Q(region__parent=root), indicator=indicator, disaggregation_key=key, period=period
        )
        .order_by("region__code")
        .values_list("region__code", "region__name", *ROLLED_FIELDS)
    )
    for code, name, *rolled in rows:
        figures.stored[(code, period)] = as_rolled(tuple(rolled))
        figures.child_names.append((code, name))
    return figures


def rebuild_provinces(codes: Iterable[str] | None) -> int:
    """Recompute every stored figure of some provinces (all of them for ``None``)."""
    if codes is None:
        return rebuild_all()
    codes = set(codes)
    inside = Q()
    for code in codes:
        inside |= Q(region__path__startswith=f"{code}/")
    keys = set(
        IndicatorValue.objects.filter(inside).values_list("indicator_id", "disaggregation_key").distinct()
    )
    RolledValue.objects.filter(inside).delete()
    return refresh((i, k, code) for i, k in keys for code in codes)


def on_tree_changed(sender: object, provinces: set[str] | None = None, **kwargs: object) -> None:
    """Regions moved or added: a county under another city, a new empty county making its city a gap."""
    rebuild_provinces(provinces)
