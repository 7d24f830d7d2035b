"""The session remembers a user's scope, and forgets it the moment what it derives from changes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kesu.accounts import actions as account_actions
from kesu.accounts.access import Access, remembered, to_session
from kesu.accounts.models import Membership, Role
from kesu.regions import actions as region_actions
from kesu.regions.models import Region
from kesu.reporting.testing import open_test_cycle
from kesu.testing import World, load_test_divisions


def test_a_remembered_scope_is_used_only_for_its_user_its_stamp_and_a_few_minutes() -> None:
    access = Access(office_paths=("410000000000/410400000000/",), office_region_ids=(7,))
    saved = to_session(access, user_id=3, stamp=2, now=1000.0)
    assert remembered(saved, user_id=3, is_system_admin=False, stamp=2, now=1200.0, max_age=300) == access
    assert remembered(saved, user_id=4, is_system_admin=False, stamp=2, now=1200.0, max_age=300) is None
    assert remembered(saved, user_id=3, is_system_admin=False, stamp=3, now=1200.0, max_age=300) is None
    assert remembered(saved, user_id=3, is_system_admin=False, stamp=2, now=1300.0, max_age=300) is None
    assert (
        remembered(saved, user_id=3, is_system_admin=False, stamp=2, now=900.0, max_age=300) is None
    )  # clock went back
    assert remembered({"junk": 1}, user_id=3, is_system_admin=False, stamp=2, now=1200.0, max_age=300) is None
    # The superuser flag always comes from the user row, never from the session.
    promoted = remembered(saved, user_id=3, is_system_admin=True, stamp=2, now=1200.0, max_age=300)
    assert promoted is not None and promoted.is_system_admin


@pytest.mark.django_db
def test_a_signed_in_page_does_not_look_up_the_users_memberships_again(world: World, client_for) -> None:
    report = open_test_cycle(world.edu_bureau).reports.get(unit=world.edu_bureau)
    liaison = client_for(world.edu_liaison)
    assert liaison.get(f"/reporting/reports/{report.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert liaison.get(f"/reporting/reports/{report.pk}/").status_code == 200
    assert not [q for q in queries.captured_queries if Membership._meta.db_table in q["sql"]]


@pytest.mark.django_db
def test_a_liaison_whose_role_is_revoked_loses_the_report_on_the_next_request(
    world: World, client_for
) -> None:
    report = open_test_cycle(world.edu_bureau).reports.get(unit=world.edu_bureau)
    liaison = client_for(world.edu_liaison)
    assert liaison.get(f"/reporting/reports/{report.pk}/").status_code == 200
    # Another role stays (with none left the session ends altogether: test_tokens.py).
    account_actions.grant_membership(world.pds_office, world.edu_liaison, Role.LIAISON, unit=world.kexie)
    edu = world.edu_liaison.memberships.get(unit=world.edu_bureau)
    account_actions.revoke_membership(world.pds_office, edu)
    assert liaison.get(f"/reporting/reports/{report.pk}/").status_code == 404
    assert liaison.post(f"/reporting/reports/{report.pk}/submit/").status_code == 404


@pytest.mark.django_db
def test_a_liaison_given_a_second_unit_sees_its_report_on_the_next_request(world: World, client_for) -> None:
    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie)
    kexie_report = cycle.reports.get(unit=world.kexie)
    liaison = client_for(world.edu_liaison)
    assert liaison.get(f"/reporting/reports/{kexie_report.pk}/").status_code == 404
    account_actions.grant_membership(world.pds_office, world.edu_liaison, Role.LIAISON, unit=world.kexie)
    assert liaison.get(f"/reporting/reports/{kexie_report.pk}/").status_code == 200


@pytest.mark.django_db
def test_an_office_keeps_its_own_region_when_the_region_moves_under_another_city(
    world: World, client_for
) -> None:
    unit = region_actions.create_unit(None, world.xinzheng, "市教育局")
    office = client_for(world.xz_office)
    assert office.get(f"/regions/units/{unit.pk}/").status_code == 200
    region_actions.move_region(world.admin, world.xinzheng, Region.objects.get(code="410400000000"))
    assert office.get(f"/regions/units/{unit.pk}/").status_code == 200  # its office path was rewritten too
    assert client_for(world.pds_office).get(f"/regions/units/{unit.pk}/").status_code == 200


def test_a_rule_drops_the_branches_that_are_empty_for_this_user() -> None:
    from django.db.models import Q

    from kesu.accounts.access import without_empty_parts

    liaison_only = Q(unit__in=(179,)) | (Q(unit__kind="subregion") & Q(unit__region_id__in=()))
    assert without_empty_parts(liaison_only) == Q(unit__in=(179,))
    assert without_empty_parts(Q(unit__in=()) | Q(pk__in=[])) is None  # nothing at all: no query is run
    negated = ~Q(unit__in=())
    assert without_empty_parts(negated) == negated  # "not in nothing" is everything, left alone


@pytest.mark.django_db
def test_a_user_with_no_role_sees_no_reports_without_a_query(world: World, django_assert_num_queries) -> None:
    from kesu.accounts.models import User
    from kesu.reporting.models import Report

    nobody = User.objects.create(username="nobody")
    nobody.__dict__["access"] = Access()
    with django_assert_num_queries(0):
        assert list(Report.objects.visible_to(nobody)) == []


@pytest.mark.django_db
def test_reloading_divisions_that_move_a_county_changes_its_offices_scope_at_once(world: World) -> None:
    from kesu.accounts.models import User

    stamp = User.objects.get(pk=world.py_office.pk).access_stamp
    untouched = User.objects.get(pk=world.xz_office.pk).access_stamp
    Region.objects.filter(pk=world.pingyin.pk).update(
        path="370000000000/370124000000/"
    )  # as if filed elsewhere
    load_test_divisions()  # the national data puts 平阴县 back under 济南市
    assert User.objects.get(pk=world.py_office.pk).access_stamp == stamp + 1
    assert User.objects.get(pk=world.xz_office.pk).access_stamp == untouched
