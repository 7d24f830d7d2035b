"""方案对比 (/indicators/plans/compare/): the plans an office chose, side by side by indicator.

Plans word the same indicator differently (注册科技志愿者 / 科技志愿者注册人数), so rows are keyed by
the linked indicator: the office's confirmed link, else the catalogue's suggestion (marked as
such). A target with neither is listed apart, for the office to link.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kesu.indicators.catalogue import BY_CODE, suggest_code
from kesu.plans.models import Plan, Target


@dataclass(frozen=True)
class Cell:
    """One plan's target for the row's indicator, as the plan states it."""

    target: Target
    text: str  # ≥150个（2025年）
    suggested: bool  # the indicator is the catalogue's suggestion, not a link the office confirmed


@dataclass
class Row:
    code: str
    name: str
    cells: dict[int, list[Cell]] = field(default_factory=dict)  # plan id → its targets

    def in_plan(self, plan: Plan) -> list[Cell]:
        return self.cells.get(plan.pk, [])

    @property
    def suggested(self) -> bool:
        return any(cell.suggested for cells in self.cells.values() for cell in cells)


@dataclass
class Comparison:
    plans: list[Plan]
    rows: list[Row]
    unlinked: list[tuple[Plan, Target]]

    def columns(self, row: Row) -> list[list[Cell]]:
        return [row.in_plan(plan) for plan in self.plans]

    def shared(self) -> list[Row]:
        """Rows with targets in at least two of the plans."""
        return [row for row in self.rows if len(row.cells) >= 2]


def target_text(target: Target) -> str:
    deadline = f"（{target.deadline_label}）" if target.deadline_label else ""
    return f"{target.comparator_label}{target.value_label}{target.unit}{deadline}"


def indicator_of(target: Target) -> tuple[str, str, bool] | None:
    """(code, name, suggested): the office's confirmed link, else an unconfirmed link or the catalogue's
    suggestion (which already refuses a target of another kind)."""
    link = getattr(target, "indicator_link", None)
    if link is not None:
        return link.indicator.code, link.indicator.name, not link.confirmed
    found = suggest_code(target.indicator, target.text, target.unit)
    if found is None or found[0] not in BY_CODE:
        return None
    return found[0], BY_CODE[found[0]].name, True


def compare(plans: list[Plan], targets: list[Target]) -> Comparison:
    """``targets``: those of ``plans``, with ``task__plan`` and ``indicator_link__indicator`` selected."""
    rows: dict[str, Row] = {}
    unlinked: list[tuple[Plan, Target]] = []
    for target in targets:
        plan = target.task.plan
        found = indicator_of(target)
        if found is None:
            unlinked.append((plan, target))
            continue
        code, name, suggested = found
        row = rows.setdefault(code, Row(code, name))
        row.cells.setdefault(plan.pk, []).append(Cell(target, target_text(target), suggested))
    order = {entry.code: index for index, entry in enumerate(BY_CODE.values())}
    ordered = sorted(
        rows.values(), key=lambda row: (-len(row.cells), order.get(row.code, len(order)), row.name)
    )
    return Comparison(plans, ordered, unlinked)
