"""Service records through the actions: rules as data, caps, corrections and certificates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D
from typing import Any

import pytest

from kesu.core.models import AuditEvent
from kesu.volunteers import actions
from kesu.volunteers.models import Volunteer, VolunteerError
from kesu.volunteers.testing import id_number


@pytest.fixture
def volunteer(world: Any) -> Volunteer:
    return actions.create_volunteer(
        world.pds_office, world.pingdingshan, id_number=id_number(1), name="张三丰", phone="13812345678"
    )


@pytest.fixture
def activity(world: Any) -> Any:
    return actions.create_activity(
        world.pds_office,
        world.pingdingshan,
        name="科技活动周进社区",
        category="科技咨询",
        start_date=date(2025, 5, 20),
        end_date=date(2025, 5, 21),
    )


def test_counted_hours_follow_the_offices_rules_set_as_data(
    world: Any, volunteer: Volunteer, activity: Any
) -> None:
    actions.set_hour_scheme(
        world.pds_office,
        world.pingdingshan,
        unit=D("0.5"),
        per_activity_cap=D(3),
        daily_cap=D(4),
        factors={"科技咨询": "1.5"},
    )
    first = actions.record_service(
        world.pds_office,
        activity,
        volunteer,
        date(2025, 5, 20),
        sign_in=datetime(2025, 5, 20, 9),
        sign_out=datetime(2025, 5, 20, 11, 50),
    )
    assert first.raw_hours == D("2.83") and first.counted_hours == D("3.75")  # 2.5 h × 1.5
    other = actions.create_activity(
        world.pds_office,
        world.pingdingshan,
        name="科普讲座",
        start_date=date(2025, 5, 20),
        end_date=date(2025, 5, 20),
    )
    second = actions.record_service(
        world.pds_office, other, volunteer, date(2025, 5, 20), declared_hours=D(2)
    )
    assert second.counted_hours == D("0.25")  # what is left of the day's 4 h
    assert actions.totals_of(volunteer).hours == D(4)


def test_a_record_outside_the_activity_dates_or_over_a_day_is_refused(
    world: Any, volunteer: Volunteer, activity: Any
) -> None:
    with pytest.raises(VolunteerError, match="不在活动日期"):
        actions.record_service(None, activity, volunteer, date(2025, 5, 22), declared_hours=D(2))
    with pytest.raises(VolunteerError, match="超过每天 24 小时"):
        actions.record_service(None, activity, volunteer, date(2025, 5, 20), declared_hours=D(25))
    actions.record_service(None, activity, volunteer, date(2025, 5, 20), declared_hours=D(20))
    other = actions.create_activity(
        None, world.pingdingshan, name="夜间观星", start_date=date(2025, 5, 20), end_date=date(2025, 5, 20)
    )
    with pytest.raises(VolunteerError, match="合计 25 小时，超过 24 小时"):
        actions.record_service(None, other, volunteer, date(2025, 5, 20), declared_hours=D(5))


def test_a_correction_after_the_certificate_keeps_the_certificate_as_issued(
    world: Any, volunteer: Volunteer, activity: Any
) -> None:
    record = actions.record_service(None, activity, volunteer, date(2025, 5, 20), declared_hours=D("6.5"))
    assert record.counted_hours == D("6.5")
    certificate = actions.issue_certificate(world.pds_office, volunteer, issuer="平顶山市科协")
    correction = actions.request_correction(
        world.kexie_liaison, record, hours=D("3.2"), reason="签退时间记错"
    )
    record.refresh_from_db()
    assert record.counted_hours == D("6.5")  # nothing changes before the review
    actions.review_correction(world.pds_office, correction, approve=True)
    record.refresh_from_db()
    assert record.counted_hours == D("3.0")
    check = actions.check_certificate(certificate.code)
    assert check is not None
    assert check.hours == D("6.5") and check.name == "张**" and "现累计 3 小时" in check.state
    assert AuditEvent.objects.filter(verb="volunteer_record.correction_review").count() == 1


def test_stars_use_the_offices_ladder(world: Any, volunteer: Volunteer) -> None:
    actions.set_hour_scheme(None, world.pingdingshan, daily_cap=D(24), star_ladder=[5, 10, 20, 30, 40])
    for day in range(1, 4):
        act = actions.create_activity(
            None,
            world.pingdingshan,
            name=f"活动{day}",
            start_date=date(2025, 6, day),
            end_date=date(2025, 6, day),
        )
        actions.record_service(None, act, volunteer, date(2025, 6, day), declared_hours=D(8))
    totals = actions.totals_of(volunteer)
    assert totals.hours == D(24) and totals.stars == 3 and totals.star_name == "三星"
    assert totals.eligibility.missing == ("服务活动 3 次，不足 10 次",)


def test_an_id_number_is_stored_masked_and_registered_only_once(world: Any, volunteer: Volunteer) -> None:
    number = id_number(1)
    assert number not in volunteer.id_cipher and volunteer.id_last4 == number[-4:]
    assert volunteer.masked_id == "*" * 14 + number[-4:]
    with pytest.raises(VolunteerError, match="已登记"):
        actions.create_volunteer(None, world.xinzheng, id_number=number, name="张三丰")
    event = AuditEvent.objects.get(verb="volunteer.create")
    assert number not in str(event.after) and "13812345678" not in str(event.after)


def test_only_the_office_of_the_volunteers_region_may_reveal_the_number(
    world: Any, volunteer: Volunteer
) -> None:
    assert actions.reveal_id_number(world.pds_office, volunteer) == id_number(1)
    assert AuditEvent.objects.filter(verb="personal.reveal").count() == 1
    for user in (world.pds_leader, world.xz_office, world.kexie_liaison):
        with pytest.raises(VolunteerError):
            actions.reveal_id_number(user, volunteer)
