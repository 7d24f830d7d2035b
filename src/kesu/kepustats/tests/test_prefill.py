"""Pre-fill is exact on hand-computed cases and never overwrites what the unit typed."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from kesu.activities.models import (
    Activity,
    ActivityKind,
    ActivityOrganiser,
    ActivityStatus,
    Campaign,
    CampaignKind,
    OrganiserRole,
)
from kesu.experts.models import Expert
from kesu.funding.models import FundingLine, Nature
from kesu.kepustats import actions, prefill, summary
from kesu.kepustats.models import Figure, Source, StatisticsForm
from kesu.kepustats.testing import statistics_round
from kesu.regions.models import Unit


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def activity(
    unit: Unit, kind: str, people: int | None, day: date = date(2025, 5, 1), **extra: Any
) -> Activity:
    return Activity.objects.create(
        unit=unit,
        region=unit.region,
        name=f"{kind}{people}",
        kind=kind,
        starts_at=at(day),
        ends_at=at(day, 12),
        attendance=people,
        status=extra.pop("status", ActivityStatus.ADOPTED),
        **extra,
    )


def line(unit: Unit, name: str, nature: str, received: str, spent: str, **splits: str) -> FundingLine:
    return FundingLine.objects.create(
        unit=unit,
        year=2025,
        name=name,
        nature=nature,
        budget=Decimal(received),
        received=Decimal(received),
        spent=Decimal(spent),
        **{key: Decimal(value) for key, value in splits.items()},
    )


def values(figures: prefill.UnitFigures) -> dict[str, int]:
    return {code: f.value for code, f in figures.items()}


def test_activities_count_by_type_with_attendance_summed_for_the_host_only(world: Any) -> None:
    edu, kexie = world.edu_bureau, world.kexie
    shared = activity(edu, ActivityKind.LECTURE, 120)
    ActivityOrganiser.objects.create(activity=shared, unit=kexie, role=OrganiserRole.UNDERTAKER)
    activity(edu, ActivityKind.LECTURE, 80, online_views=20)
    activity(edu, ActivityKind.EXHIBITION, 1500, materials=300)
    activity(edu, ActivityKind.CLINIC, 40)  # no row of its own: only the total
    activity(edu, ActivityKind.LECTURE, 999, status=ActivityStatus.SUBMITTED)  # not yet adopted
    activity(edu, ActivityKind.LECTURE, 999, day=date(2024, 12, 31))  # the year before
    activity(edu, ActivityKind.OPEN_DAY, 30)
    activity(edu, ActivityKind.OPEN_DAY, 70)
    week = Campaign.objects.create(
        region=world.pingdingshan,
        name="科技活动周",
        kind=CampaignKind.SCIENCE_WEEK,
        year=2025,
        starts_on=date(2025, 5, 18),
        ends_on=date(2025, 5, 25),
    )
    activity(edu, ActivityKind.CONTEST, 60, day=date(2025, 5, 20), campaign=week)
    got = prefill.compute([edu.pk, kexie.pk], 2025)
    edu_values = values(got[edu.pk])
    assert edu_values["A100"] == 2 and edu_values["A101"] == 120 + 80 + 20
    assert edu_values["A110"] == 1 and edu_values["A111"] == 1500
    assert edu_values["A120"] == 1 and edu_values["A121"] == 60
    assert edu_values["A160"] == 1 and edu_values["A161"] == 60
    assert edu_values["A170"] == 1 and edu_values["A171"] == 100  # one open unit, two open days
    assert edu_values["A190"] == 1  # 1,500 people: a 重大科普活动
    assert edu_values["A900"] == 120 + 100 + 1500 + 40 + 100 + 60
    assert edu_values["M950"] == 300
    assert values(got[kexie.pk])["A100"] == 0  # the co-organiser does not count it again
    assert "形式为“讲座”的 2 场" in got[edu.pk]["A100"].provenance


def test_funding_is_split_by_nature_and_use_in_whole_wan_yuan(world: Any) -> None:
    edu = world.edu_bureau
    line(
        edu,
        "财政拨款",
        Nature.APPROPRIATION,
        "120000",
        "100000",
        spent_activities="60000",
        spent_exhibits="40000",
    )
    line(edu, "科普专项", Nature.SPECIAL, "50000", "50000", spent_activities="50000")
    line(edu, "转移支付", Nature.TRANSFER, "30000", "0")
    line(edu, "捐赠", Nature.DONATION, "14999", "14999")  # not split: named in the provenance
    line(edu, "自筹", Nature.SELF_RAISED, "4000", "0")
    got = prefill.compute([edu.pk], 2025)[edu.pk]
    v = values(got)
    assert v["F100"] == 22  # 218,999 元
    assert v["F110"] == 20  # 120,000 + 50,000 + 30,000
    assert v["F111"] == 5
    assert v["F120"] == 1  # 14,999 元 rounds to 1 万元
    assert v["F130"] == 0  # 4,000 元 rounds to 0, entered as “0”
    assert v["F200"] == 16  # 164,999 元
    assert v["F210"] == 11 and v["F230"] == 4 and v["F220"] == 0
    assert "1 条未拆分使用额，共 14,999.00 元" in got["F200"].provenance


def test_experts_and_volunteers_of_the_units_activities_are_part_time_staff_counted_once(world: Any) -> None:
    edu = world.edu_bureau
    woman = Expert.objects.create(region=world.pingdingshan, name="李医生", sex="female", match_key="a")
    man = Expert.objects.create(region=world.pingdingshan, name="王教授", sex="male", match_key="b")
    first, second = activity(edu, ActivityKind.LECTURE, 10), activity(edu, ActivityKind.LECTURE, 10)
    first.experts.add(woman, man)
    second.experts.add(woman)
    v = values(prefill.compute([edu.pk], 2025)[edu.pk])
    assert v["R200"] == 2 and v["R220"] == 1


def test_a_round_opens_prefilled_and_refilling_never_overwrites_a_typed_figure(world: Any) -> None:
    activity(world.edu_bureau, ActivityKind.LECTURE, 100)
    cycle = statistics_round(world.edu_bureau)
    form = StatisticsForm.objects.get(report__cycle=cycle, report__unit=world.edu_bureau)
    assert form.figures.get(code="A101").value == 100
    with pytest.raises(actions.StatisticsError, match="请填写修改理由"):
        actions.save_figures(None, form, {"A101": actions.Typed("90")}, version=form.version)
    actions.save_figures(None, form, {"A101": actions.Typed("90", "一场重复登记")}, version=form.version)
    activity(world.edu_bureau, ActivityKind.LECTURE, 50)
    activity(world.edu_bureau, ActivityKind.EXHIBITION, 7)
    result = actions.prefill_forms(None, StatisticsForm.objects.filter(report__cycle=cycle))
    typed = Figure.objects.get(form=form, code="A101")
    assert (typed.value, typed.source, typed.computed, typed.reason) == (
        90,
        Source.TYPED,
        150,
        "一场重复登记",
    )
    assert Figure.objects.get(form=form, code="A111").value == 7
    assert result.kept == 1


def test_a_typed_figure_the_same_as_the_prefill_needs_no_reason_and_clearing_restores_it(world: Any) -> None:
    activity(world.edu_bureau, ActivityKind.LECTURE, 100)
    form = StatisticsForm.objects.get(
        report__cycle=statistics_round(world.edu_bureau), report__unit=world.edu_bureau
    )
    actions.save_figures(None, form, {"A101": actions.Typed("80", "核减")}, version=1)
    actions.save_figures(None, form, {"A101": actions.Typed("")}, version=2)
    figure = Figure.objects.get(form=form, code="A101")
    assert (figure.value, figure.source, figure.reason) == (100, Source.PREFILL, "")


def test_bad_cells_are_refused_all_together_and_nothing_is_written(world: Any) -> None:
    form = StatisticsForm.objects.get(
        report__cycle=statistics_round(world.edu_bureau), report__unit=world.edu_bureau
    )
    with pytest.raises(actions.StatisticsError) as error:
        actions.save_figures(
            None,
            form,
            {"R100": actions.Typed("3"), "R110": actions.Typed("1.5"), "M100": actions.Typed("很多")},
            version=form.version,
        )
    assert "「其中：中级职称" in str(error.value) and "「科普图书：出版种数」" in str(error.value)
    assert not Figure.objects.filter(form=form, code="R100").exists()
    with pytest.raises(actions.StatisticsError, match="他人已在您打开本页后保存"):
        actions.save_figures(None, form, {"R100": actions.Typed("3")}, version=form.version + 5)


def test_the_region_aggregate_sums_handed_in_forms_only(world: Any) -> None:
    from kesu.reporting.models import Report

    activity(world.edu_bureau, ActivityKind.LECTURE, 100)
    activity(world.kexie, ActivityKind.LECTURE, 40)
    cycle = statistics_round(world.edu_bureau)
    Report.objects.filter(cycle=cycle, unit=world.edu_bureau).update(status="submitted")
    forms = StatisticsForm.objects.filter(report__cycle=cycle)
    result = summary.aggregate(forms, 2024)
    assert result.totals["A101"] == 100 and result.forms == 1 and result.expected == 2
    Report.objects.filter(cycle=cycle).update(status="approved")
    assert summary.aggregate(forms, 2024).totals["A101"] == 140


def test_the_period_conversion_takes_january_to_october_actual_and_november_december_plan(world: Any) -> None:
    edu = world.edu_bureau
    activity(edu, ActivityKind.LECTURE, 100, day=date(2025, 3, 1))
    activity(edu, ActivityKind.LECTURE, 50, day=date(2025, 10, 31), status=ActivityStatus.HELD)
    activity(edu, ActivityKind.LECTURE, 30, day=date(2025, 10, 20), status=ActivityStatus.PLANNED)  # not held
    activity(edu, ActivityKind.LECTURE, 70, day=date(2025, 11, 15), status=ActivityStatus.PLANNED)
    activity(edu, ActivityKind.LECTURE, 20, day=date(2025, 12, 1), status=ActivityStatus.RETURNED)
    rows = {row.label: row for row in summary.conversion(world.pingdingshan, 2025)}
    lecture = rows["讲座"]
    assert (lecture.actual_n, lecture.actual_people, lecture.planned_n, lecture.planned_people) == (
        2,
        150,
        1,
        70,
    )
    assert rows["合计"].total_people == 220
