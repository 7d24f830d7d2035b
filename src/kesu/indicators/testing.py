"""Test helpers of the indicators app, including the URL samples the URL walk test uses."""

from __future__ import annotations

from typing import Any

from kesu.indicators import actions
from kesu.indicators.models import Indicator
from kesu.regions.models import Unit


def url_samples(owner_unit: Unit, owner_region: Any, owner_user: Any) -> dict[str, Any]:
    """URL keyword → an object on ``owner_unit``'s side (see tests/test_every_url_respects_scope.py)."""
    region = owner_unit.region
    code = f"local_{region.code}_{owner_unit.pk}"
    indicator = Indicator.objects.filter(code=code).first() or actions.create_indicator(
        None, region, code=code, name=f"{region.name}本地指标", unit="个"
    )
    value = actions.record_value(None, code, region, "2024", 3, source="manual")
    return {
        "indicator_code": indicator.code,
        "indicator-detail:code": indicator.code,
        "indicator-value-detail:pk": value.pk,
    }


def seed_city_values(city: Any) -> None:
    """The demo's synthetic 平顶山 figures, for whatever counties the test world gives the city."""
    import random

    from kesu.indicators import demo
    from kesu.regions.models import Region

    counties = list(Region.objects.filter(parent=city).order_by("code"))
    rng = random.Random(1)
    from kesu.indicators import rollups

    with rollups.deferred():
        for profile in demo.PDS:
            for county in counties:
                demo._record_profile(county, profile, 1 / len(counties), 0.0, rng, set())
        demo._record_rates(counties)


def import_published_plan(region: Any, filename: str = "pingdingshan_2021_2025.txt") -> Any:
    from kesu.core.demo import DATA_DIR
    from kesu.plans import actions as plan_actions

    path = DATA_DIR / "sample_plans" / filename
    plan = plan_actions.import_plan(None, region, path.read_bytes(), filename)
    for mention, _count in plan_actions.unresolved_mentions(plan):
        plan_actions.resolve_mention(None, plan, mention)
    return plan_actions.publish_plan(None, plan)


def square_boundary(
    city: Any, *, code_key: str = "adcode", short: bool = True, encoding: str = "utf-8"
) -> bytes:
    """A synthetic GeoJSON of one square per sub-region of ``city``, keyed by the 6-digit adcode like DataV's files."""
    import json

    from kesu.indicators import actions, geo

    collection = geo.grid(actions.sub_regions(city))
    for feature in collection["features"]:
        code = feature["properties"].pop("code")
        feature["properties"][code_key] = int(code[:6]) if short else code
    return json.dumps(collection, ensure_ascii=False).encode(encoding)
