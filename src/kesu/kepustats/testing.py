"""Test helpers of the 科普统计 app: a round with a form, and the URL walk's samples."""

from __future__ import annotations

from datetime import date
from typing import Any

from kesu.regions.models import Region, Unit


def statistics_round(unit: Unit, year: int = 2025) -> Any:
    """A 科普统计 round of ``unit``'s region (on a published test plan), its form pre-filled."""
    from kesu.kepustats import actions
    from kesu.kepustats.models import KIND
    from kesu.reporting.models import Cycle
    from kesu.reporting.testing import reporting_plan

    existing = Cycle.objects.filter(plan__region=unit.region, kind=KIND, period=str(year)).first()
    if existing is not None:
        return existing
    if not unit.region.plans.filter(status="published").exists():
        reporting_plan(unit)
    return actions.open_round(None, unit.region, year, due_date=date(2099, 5, 31))  # open for writing


def url_samples(owner_unit: Unit, owner_region: Region, owner_user: Any) -> dict[str, Any]:
    """URL keyword → an object on ``owner_unit``'s side (see tests/test_every_url_respects_scope.py)."""
    from kesu.kepustats.models import StatisticsForm

    cycle = statistics_round(owner_unit)
    form = StatisticsForm.objects.get(report__cycle=cycle, report__unit=owner_unit)
    return {
        "round:cycle_id": cycle.pk,
        "round_export:cycle_id": cycle.pk,
        "round_prefill:cycle_id": cycle.pk,
        "form_id": form.pk,
        "statistics-form-detail:pk": form.pk,
    }
