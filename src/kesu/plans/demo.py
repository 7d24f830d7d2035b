"""Demo step: import and publish the five sample plans for their regions."""

from __future__ import annotations

from pathlib import Path

from kesu.core.demo import DATA_DIR, DemoAccounts, register_demo_step
from kesu.plans import actions
from kesu.plans.models import Plan
from kesu.regions.models import Region

SAMPLES = Path(DATA_DIR) / "sample_plans"
# (file, region code, parent file): the 2017 工作要点 sits under 平顶山市's five-year plan.
DEMO_PLANS = [
    ("pingdingshan_2021_2025.txt", "410400000000", None),
    ("pingdingshan_2017_work_points.txt", "410400000000", "pingdingshan_2021_2025.txt"),
    ("xinzheng_2021_2025.txt", "410184000000", None),
    ("pingyin_2021_2025.txt", "370124000000", None),
    ("yunxi_2022_2025.txt", "430603000000", None),
]


@register_demo_step
def import_demo_plans(accounts: DemoAccounts) -> None:
    imported: dict[str, Plan] = {}
    for filename, code, parent_file in DEMO_PLANS:
        path = SAMPLES / filename
        region = Region.objects.get(code=code)
        existing = Plan.objects.filter(region=region, documents__filename=filename).first()
        if existing is None:
            parent = imported.get(parent_file) if parent_file else None
            existing = actions.import_plan(None, region, path.read_bytes(), filename, parent=parent)
            for mention, _count in actions.unresolved_mentions(existing):
                actions.resolve_mention(None, existing, mention)
            actions.publish_plan(None, existing)
        imported[filename] = existing
