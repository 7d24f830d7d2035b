"""Roll-up: a region's value from its children's, where the indicator allows it.

Sums add; ratios are recomputed from the children's numerators and denominators (an average of
percentages would weigh a 5万-person county like a 100万-person one); a missing child makes the
result a gap, with the partial figure kept in the inputs so the page can say what is known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from kesu.progress import wording


class Aggregation(StrEnum):
    SUM = "sum"
    RATIO = "ratio"
    NONE = "none"


@dataclass(frozen=True)
class Observation:
    """One region's figure for one period; numerator/denominator only for ratios."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True)
class Rolled:
    """A value with where it came from: ``direct`` (recorded), ``rollup`` (from children) or ``gap``."""

    value: float | None
    origin: str
    numerator: float | None = None
    denominator: float | None = None
    children: int = 0  # how many children contributed
    missing: tuple[str, ...] = ()  # the children without a usable figure
    partial: float | None = None  # what the present children give, when some are missing

    @property
    def is_gap(self) -> bool:
        return self.value is None

    def inputs(self) -> dict[str, object]:
        """What the figure was computed from, for the page to show next to it."""
        data: dict[str, object] = {
            "来源": {"direct": "直接录入", "rollup": "由下级汇总", "gap": "缺数"}[self.origin]
        }
        if self.numerator is not None:
            data["分子"] = wording.number(self.numerator, digits=0)  # counts of people or places
        if self.denominator is not None:
            data["分母"] = wording.number(self.denominator, digits=0)
        if self.origin != "direct":
            data["参与汇总的下级"] = self.children
        if self.missing:
            data["缺数的下级"] = "、".join(self.missing)
        if self.partial is not None:
            data["已有下级的合计"] = wording.number(self.partial)
        return data


GAP = Rolled(None, "gap")


def rollup(
    aggregation: Aggregation, children: Mapping[str, Observation | None], scale: float = 100.0
) -> Rolled:
    """Combine the children's figures; ``None`` for a child means it has no figure for the period."""
    if aggregation is Aggregation.NONE or not children:
        return GAP
    usable: dict[str, Observation] = {}
    missing: list[str] = []
    for name, obs in children.items():
        if obs is None or not _usable(aggregation, obs):
            missing.append(name)
        else:
            usable[name] = obs
    if not usable:
        return Rolled(None, "gap", missing=tuple(missing))
    if aggregation is Aggregation.SUM:
        total = sum(o.value for o in usable.values() if o.value is not None)
        if missing:
            return Rolled(None, "gap", children=len(usable), missing=tuple(missing), partial=total)
        return Rolled(total, "rollup", children=len(usable))
    numerator = sum(o.numerator or 0.0 for o in usable.values())
    denominator = sum(o.denominator or 0.0 for o in usable.values())
    ratio = numerator / denominator * scale if denominator else None
    if missing or ratio is None:
        return Rolled(
            None,
            "gap",
            numerator=numerator,
            denominator=denominator,
            children=len(usable),
            missing=tuple(missing),
            partial=ratio,
        )
    return Rolled(ratio, "rollup", numerator=numerator, denominator=denominator, children=len(usable))


def _usable(aggregation: Aggregation, obs: Observation) -> bool:
    if aggregation is Aggregation.RATIO:
        return obs.numerator is not None and obs.denominator is not None
    return obs.value is not None


@dataclass
class RegionTree:
    """Parent → children by region key, and display names for the gaps."""

    children: dict[str, list[str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, parent: str | None, name: str) -> None:
        self.names[key] = name
        self.children.setdefault(key, [])
        if parent is not None:
            self.children.setdefault(parent, []).append(key)


def resolve_series(
    tree: RegionTree,
    recorded: Mapping[tuple[str, str], Observation],
    aggregation: Aggregation,
    scale: float = 100.0,
    complete: Callable[[str, str, Observation], Observation] | None = None,
) -> Callable[[str, str], Rolled]:
    """A memoised ``figure(region, period)``: the recorded value if there is one, else the roll-up.

    ``complete`` may fill in a child's numerator/denominator (a rate imported without them,
    whose denominator is another indicator's value) before it is summed.
    """
    memo: dict[tuple[str, str], Rolled] = {}

    def figure(region: str, period: str) -> Rolled:
        key = (region, period)
        if key in memo:
            return memo[key]
        obs = recorded.get(key)
        if obs is not None and obs.value is not None:
            result = Rolled(obs.value, "direct", numerator=obs.numerator, denominator=obs.denominator)
        else:
            kids = tree.children.get(region, [])
            parts: dict[str, Observation | None] = {}
            for child in kids:
                rolled = figure(child, period)
                child_obs = (
                    None
                    if rolled.value is None
                    else Observation(rolled.value, rolled.numerator, rolled.denominator)
                )
                if child_obs is not None and complete is not None:
                    child_obs = complete(child, period, child_obs)
                parts[tree.names.get(child, child)] = child_obs
            result = rollup(aggregation, parts, scale) if kids else GAP
        memo[key] = result
        return result

    return figure


def observations(
    values: Sequence[tuple[str, str, float | None, float | None, float | None]],
) -> dict[tuple[str, str], Observation]:
    """(region, period, value, numerator, denominator) rows to the mapping ``resolve_series`` reads."""
    return {(r, p): Observation(v, n, d) for r, p, v, n, d in values}
