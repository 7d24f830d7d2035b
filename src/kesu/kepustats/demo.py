"""Demo step (演示数据): one 科普统计 round for 平顶山市 for the last full year, pre-filled from the
activities and funding the earlier steps loaded, about a third of the units submitted (their
remaining items filled as a unit would: “0” or “-”), one of them approved, the rest in draft.

It runs after the activities and funding steps (INSTALLED_APPS order), so the pre-fill finds their rows.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from kesu.core.demo import DemoAccounts, register_demo_step
from kesu.kepustats import actions
from kesu.kepustats.models import KIND, Figure, Source, StatisticsForm
from kesu.regions.models import Region
from kesu.reporting import actions as reporting
from kesu.reporting.models import Cycle

PINGDINGSHAN = "410400000000"
SEED = 17


@register_demo_step
def load_statistics_round(accounts: DemoAccounts) -> None:
    city = Region.objects.filter(code=PINGDINGSHAN).first()
    if city is None or Cycle.objects.filter(plan__region=city, kind=KIND).exists():
        return  # no regions yet, or loaded before
    today = timezone.localdate()
    year = today.year - 1
    # The form is due by 31 May; a demo loaded later in the year keeps the round open a month more.
    due = max(date(year + 1, 5, 31), today + timedelta(days=30))
    try:
        cycle = actions.open_round(None, city, year, due_date=due)
    except actions.StatisticsError:
        return  # no published plan or no member units: nothing to hang a round on
    rng = random.Random(SEED)
    forms = list(StatisticsForm.objects.filter(report__cycle=cycle).select_related("report"))
    rng.shuffle(forms)
    for index, form in enumerate(forms[: max(1, len(forms) // 3)]):
        _fill_rest(form, rng)
        try:
            reporting.submit_report(None, form.report)
        except reporting.ReportingError:
            continue  # a figure the checks refuse stays in draft, as it would for the unit
        if index == 0:
            reporting.review_report(None, form.report, approve=True, comments={}, overall="数据核实无误。")


@transaction.atomic
def _fill_rest(form: StatisticsForm, rng: random.Random) -> None:
    """What a unit types beyond the pre-fill: staff counts, and “-” or “0” for what it does not have."""
    have = set(form.figures.values_list("code", flat=True))
    staff = rng.randint(1, 6)
    typed = {"R100": staff, "R110": rng.randint(0, staff), "R120": rng.randint(0, staff), "R170": staff * 12}
    rows = []
    for item in form.definition.indicators:
        if item.code in have:
            continue
        value = typed.get(item.code, 0 if rng.random() < 0.8 else None)
        rows.append(
            Figure(form=form, code=item.code, value=value, missing=value is None, source=Source.TYPED)
        )
    Figure.objects.bulk_create(rows)
