from __future__ import annotations

from kesu.core.http import AuthedRequest, current_region
from kesu.core.panels import HomePanel
from kesu.indicators import rollups
from kesu.indicators.dashboard import HEADLINE
from kesu.indicators.models import Indicator
from kesu.periods import Period
from kesu.plans.models import Plan, PlanKind


def home_panels(request: AuthedRequest) -> list[HomePanel]:
    access, region = request.user.access, current_region(request)
    if region is None or not (access.is_office or access.is_leader):
        return []
    indicator = Indicator.objects.filter(code=HEADLINE).first()
    if indicator is None:  # the catalogue is loaded by a migration; a wiped database may lack it
        return []
    # The region's own value or, lacking one, the roll-up of its sub-regions (as the dashboard shows),
    # read from the stored roll-ups: one query whatever the size of the subtree or its history.
    figures = rollups.load_many([(indicator, "")], region)[(indicator.pk, "")]
    found = figures.latest(region)
    latest = {"value": found[1].value, "label": Period.parse(found[0]).label} if found else None
    plan = (
        Plan.objects.visible_to(request.user)
        .filter(region=region, kind=PlanKind.FIVE_YEAR, goal_value__isnull=False)
        .order_by("-period_end")
        .first()
    )
    return [
        HomePanel(
            "公民具备科学素质的比例",
            "indicators/_home_literacy.html",
            8,
            {"latest": latest, "plan": plan, "region": region},
            width=6,
        )
    ]
