"""Test helpers of the funding app: a line on a unit's side for the URL walk, and a small city's lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kesu.funding import actions
from kesu.funding.models import FundingLine
from kesu.regions.models import Region, Unit


def make_line(unit: Unit, name: str = "全国科普日专题活动", year: int = 2025, **fields: Any) -> FundingLine:
    """A line created through the action, with round amounts unless told otherwise."""
    values: dict[str, Any] = {
        "nature": "special",
        "budget": Decimal(100_000),
        "received": Decimal(100_000),
        "spent": Decimal(80_000),
    } | fields
    return actions.create_line(None, unit, year, name=name, **values)


def url_samples(owner_unit: Unit, owner_region: Region, owner_user: Any) -> dict[str, Any]:
    """URL keyword → an object on ``owner_unit``'s side (see tests/test_every_url_respects_scope.py)."""
    name = f"{owner_unit.name}私有经费项目"
    line = FundingLine.objects.filter(unit=owner_unit, name=name).first() or make_line(
        owner_unit, name, note="私有执行说明"
    )
    actions.save_targets(None, line, [actions.TargetRow("私有绩效指标", "10场")])
    return {
        "line_id": line.pk,
        "funding-line-detail:pk": line.pk,
        "private_texts": [name, "私有绩效指标"],
    }
