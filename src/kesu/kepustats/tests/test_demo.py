"""The demo step: one 科普统计 round for 平顶山市 for the last full year, pre-filled, partly submitted."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.utils import timezone

from kesu.activities.models import Activity, ActivityKind, ActivityStatus
from kesu.core.demo import DemoAccounts
from kesu.kepustats.demo import load_statistics_round
from kesu.kepustats.models import KIND, Figure, StatisticsForm
from kesu.reporting.models import Cycle
from kesu.reporting.testing import reporting_plan


def test_the_demo_opens_a_prefilled_round_with_some_forms_handed_in(world: Any) -> None:
    reporting_plan(world.edu_bureau)
    year = timezone.localdate().year - 1
    start = datetime.combine(timezone.localdate().replace(year=year, month=6, day=1), time(9))
    Activity.objects.create(
        unit=world.kexie,
        region=world.pingdingshan,
        name="讲座",
        kind=ActivityKind.LECTURE,
        starts_at=timezone.make_aware(start),
        ends_at=timezone.make_aware(start),
        attendance=300,
        status=ActivityStatus.ADOPTED,
    )
    load_statistics_round(DemoAccounts())
    load_statistics_round(DemoAccounts())  # a second run keeps what is there
    cycle = Cycle.objects.get(plan__region=world.pingdingshan, kind=KIND)
    assert cycle.period == str(year)
    assert Figure.objects.get(form__report__unit=world.kexie, code="A101").value == 300
    statuses = sorted(
        StatisticsForm.objects.filter(report__cycle=cycle).values_list("report__status", flat=True)
    )
    assert statuses == ["approved", "draft"]
