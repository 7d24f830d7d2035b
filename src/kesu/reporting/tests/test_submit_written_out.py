"""The submit's statements written out (``Report.objects.locked_for_submit``, ``core.rows``): who may
submit is still the queryset's rule, and what is stored is what the ORM would have stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.test.utils import CaptureQueriesContext

from kesu.accounts import actions as account_actions
from kesu.accounts.access import Access, admits
from kesu.accounts.models import Role, User
from kesu.periods import Period
from kesu.plans.models import Responsibility, Task
from kesu.regions import actions as region_actions
from kesu.regions.models import Region, UnitKind
from kesu.reporting import actions
from kesu.reporting.models import Report, ReportStatus, Submission, unit_writers_q
from kesu.reporting.testing import fill_report, open_test_cycle, reporting_plan
from kesu.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


def _county_report(world: World) -> tuple[Report, User]:
    """宝丰县's government report in the city's plan (上报), and the county office that writes it."""
    county = Region.objects.get(code="410421000000")
    government = region_actions.create_unit(
        None, county, "宝丰县人民政府", kind=UnitKind.SUBREGION, is_member=False
    )
    county_office = account_actions.create_user(None, "bf-office", PASSWORD, role=Role.OFFICE, region=county)
    plan = reporting_plan(world.edu_bureau)
    Responsibility.objects.create(
        task=Task.objects.get(plan=plan, order=1), role="participating", mention="各县", unit=government
    )
    cycle = actions.open_cycle(None, plan, Period.parse("2025H1"), due_date=date(2099, 6, 30))
    return cycle.reports.get(unit=government), county_office


def test_who_may_submit_is_judged_from_the_locked_row_exactly_as_the_queryset_judges_it(world: World) -> None:
    county_report, county_office = _county_report(world)
    reports = [county_report, *Report.objects.filter(cycle=county_report.cycle).exclude(pk=county_report.pk)]
    people: list[User | AnonymousUser] = [
        world.pds_office, world.pds_leader, world.edu_liaison, world.kexie_liaison,
        world.xz_office, world.py_office, world.admin, county_office, AnonymousUser(),
    ]  # fmt: skip
    for report in reports:
        with transaction.atomic():
            locked, _ = Report.objects.locked_for_submit(report.pk) or (None, None)
        assert locked is not None
        for person in people:
            expected = Report.objects.writable_by(person).filter(pk=report.pk).exists()
            with CaptureQueriesContext(connection) as queries:
                judged = locked.is_writable_by(person)
            assert judged == expected, (report.unit.name, getattr(person, "username", "anonymous"))
            assert len(queries) == 0  # the unit came with the locked row: no second query
    assert {p.username for p in people if isinstance(p, User) and county_report.is_writable_by(p)} == {
        "bf-office",
        world.admin.username,
    }


def test_a_rule_that_needs_what_was_not_loaded_is_asked_of_the_database(world: World) -> None:
    county_report, county_office = _county_report(world)
    bare = Report.objects.get(pk=county_report.pk)  # its unit not loaded
    assert admits(county_office, unit_writers_q, bare) is None
    with CaptureQueriesContext(connection) as queries:
        assert bare.is_writable_by(county_office)
    assert len(queries) == 1  # the queryset's answer, not a guess
    # Rules over region paths (``startswith``) are never judged in Python.
    assert admits(world.pds_office, lambda access: access.region_q("unit__region__path"), bare) is None


def _always(condition: Q) -> Callable[[Access], Q]:
    return lambda access: condition


def test_what_python_would_compare_differently_from_the_database_is_left_to_the_database(
    world: World,
) -> None:
    report = open_test_cycle(world.edu_bureau).reports.get(unit=world.edu_bureau)
    liaison, unit = world.edu_liaison, world.edu_bureau
    unknown = [
        Q(unit__in=[str(unit.pk)]),  # "5" against the key 5
        Q(unit__in=[unit]),  # a model instance
        Q(unit=unit.pk) ^ Q(status="approved"),  # XOR
        Q(Exists(Report.objects.filter(pk=OuterRef("pk")))),  # an expression as a condition
        Q(unit__in=Report.objects.values("unit")),  # a subquery
    ]
    for condition in unknown:
        assert admits(liaison, _always(condition), report) is None, condition
        assert Report.objects.filter(condition, pk=report.pk).exists()  # where the database says yes
    assert admits(liaison, lambda access: ~Q(unit=unit.pk) | Q(status="approved"), report) is False


def test_a_report_address_no_key_can_have_is_not_found_rather_than_an_error(world: World, client_for) -> None:
    huge = 10**23
    assert client_for(world.edu_liaison).post(f"/reporting/reports/{huge}/submit/").status_code == 404
    with pytest.raises(Report.DoesNotExist):
        actions.submit_report(world.edu_liaison, huge, as_writer=True)


def test_the_locked_read_refuses_a_filtered_queryset_rather_than_ignore_its_filter(world: World) -> None:
    report = open_test_cycle(world.edu_bureau).reports.get(unit=world.edu_bureau)
    for filtered in (Report.objects.none(), Report.objects.writable_by(world.kexie_liaison)):
        with pytest.raises(TypeError), transaction.atomic():
            filtered.locked_for_submit(report.pk)


def test_a_written_out_submit_stores_what_the_orm_reads_back(world: World) -> None:
    report = open_test_cycle(world.edu_bureau).reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    submission = actions.submit_report(world.edu_liaison, report.pk, as_writer=True)
    stored = Submission.objects.get()
    assert (stored.pk, stored.report_id, stored.round, stored.submitted_by, stored.on_time) == (
        submission.pk,
        report.pk,
        1,
        world.edu_liaison,
        True,
    )
    report.refresh_from_db()
    assert (report.status, report.round, report.version, report.on_time) == (
        ReportStatus.SUBMITTED,
        1,
        2,
        True,
    )
    assert report.submitted_at == report.first_submitted_at == stored.submitted_at == submission.submitted_at
    assert report.submitted_at is not None and report.submitted_at.tzinfo is not None


def test_a_submit_by_someone_who_does_not_write_the_report_stores_nothing(world: World) -> None:
    report = open_test_cycle(world.edu_bureau).reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    for outsider in (world.kexie_liaison, world.pds_office, world.xz_office, None):
        with pytest.raises(Report.DoesNotExist):
            actions.submit_report(outsider, report.pk, as_writer=True)
    with pytest.raises(Report.DoesNotExist):
        actions.submit_report(world.edu_liaison, 10**9, as_writer=True)
    assert not Submission.objects.exists()
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DRAFT


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_locked_read_takes_the_report_row_lock_on_postgresql(world: World) -> None:
    report = open_test_cycle(world.edu_bureau).reports.get(unit=world.edu_bureau)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        Report.objects.locked_for_submit(report.pk)
    [read] = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert read.rstrip().endswith("FOR UPDATE OF r")
