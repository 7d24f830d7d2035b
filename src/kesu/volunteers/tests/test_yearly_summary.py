"""The yearly summary (VolunteerYear) equals a recount of the records after every kind of write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear

from kesu.core.registry_imports import importer
from kesu.volunteers import actions, counting
from kesu.volunteers.models import ServiceRecord, Volunteer, VolunteerYear
from kesu.volunteers.testing import id_number

A, B = id_number(31), id_number(32)


def _recount() -> dict[tuple[int, int], tuple[int, D]]:
    rows = (
        ServiceRecord.objects.annotate(year=ExtractYear("service_date"))
        .values("volunteer_id", "year")
        .annotate(n=Count("pk"), hours=Sum("counted_hours"))
    )
    return {(r["volunteer_id"], r["year"]): (r["n"], D(r["hours"])) for r in rows}


def _summary() -> dict[tuple[int, int], tuple[int, D]]:
    return {(s.volunteer_id, s.year): (s.records, D(s.hours)) for s in VolunteerYear.objects.all()}


def _activity(world: Any, start: date, end: date, name: str = "科普进社区") -> Any:
    return actions.create_activity(
        world.pds_office, world.pingdingshan, name=name, category="科技咨询", start_date=start, end_date=end
    )


def test_the_summary_equals_a_recount_after_records_and_a_correction(world: Any) -> None:
    volunteer = actions.create_volunteer(world.pds_office, world.pingdingshan, id_number=A, name="张三")
    actions.set_hour_scheme(world.pds_office, world.pingdingshan, daily_cap=D(4))
    first = _activity(world, date(2024, 12, 31), date(2025, 1, 1))
    other = _activity(world, date(2025, 1, 1), date(2025, 1, 1), "科普讲座")
    actions.record_service(None, first, volunteer, date(2024, 12, 31), declared_hours=D(3))
    record = actions.record_service(None, first, volunteer, date(2025, 1, 1), declared_hours=D(3))
    actions.record_service(None, other, volunteer, date(2025, 1, 1), declared_hours=D(3))
    assert (
        _summary()
        == _recount()
        == {
            (volunteer.pk, 2024): (1, D(3)),
            (volunteer.pk, 2025): (2, D(4)),  # the second record of the day gets what is left of the 4 h cap
        }
    )
    correction = actions.request_correction(None, record, hours=D("0.5"), reason="签退时间记错")
    actions.review_correction(world.pds_office, correction, approve=True)
    assert _summary() == _recount() and _summary()[(volunteer.pk, 2025)] == (2, D("3.5"))


def test_the_summary_equals_a_recount_after_an_import_and_new_rules(world: Any) -> None:
    people = f"姓名,身份证号\n甲,{A}\n乙,{B}\n".encode()
    importer("volunteers").run(world.pds_office, world.pingdingshan, people, "名单.csv", dry_run=False)
    records = (
        "活动名称,活动开始日期,活动结束日期,身份证号,服务日期,服务时长\n"
        f"科普日,2025-09-20,2025-09-21,{A},2025-09-20,3\n"
        f"科普日,2025-09-20,2025-09-21,{A},2025-09-21,5\n"
        f"科普日,2025-09-20,2025-09-21,{B},2025-09-21,2\n"
    ).encode()
    result = importer("service_records").run(
        world.pds_office, world.pingdingshan, records, "记录.csv", dry_run=False
    )
    assert result.created == 3
    a = Volunteer.objects.get(id_last4=A[-4:])
    assert _summary() == _recount() and _summary()[(a.pk, 2025)] == (2, D(8))
    actions.set_hour_scheme(world.pds_office, world.pingdingshan, daily_cap=D(4))
    assert _summary() == _recount() and _summary()[(a.pk, 2025)] == (2, D(7))


def test_the_active_filter_and_rate_read_the_summary(world: Any) -> None:
    served = actions.create_volunteer(world.pds_office, world.pingdingshan, id_number=A, name="张三")
    actions.create_volunteer(world.pds_office, world.pingdingshan, id_number=B, name="李四")
    activity = _activity(world, date(2025, 3, 1), date(2025, 3, 1))
    actions.record_service(None, activity, served, date(2025, 3, 1), declared_hours=D(2))
    assert list(Volunteer.objects.filter(counting.served_in(2025))) == [served]
    assert not Volunteer.objects.filter(counting.served_in(2024)).exists()
    figures = counting.overview(world.pingdingshan, 2025)
    assert (figures.registered, figures.active, figures.active_rate) == (2, 1, 50.0)
