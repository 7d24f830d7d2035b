"""Each rule in one place: 督办 numbers and transitions, messages after commit, what a unit reads on a
shared task (page and API alike), audit history by the target's visibility, states stored as states."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role, User
from kesu.core.models import AuditEvent
from kesu.messaging.models import Message
from kesu.regions import actions as region_actions
from kesu.regions.models import Unit
from kesu.reporting import actions, supervision
from kesu.reporting.models import Cycle, Entry, Notice, Report, ReportStatus
from kesu.reporting.testing import fill_report, open_test_cycle
from kesu.testing import PASSWORD, World, api_token

DEADLINE = date(2099, 7, 31)


def _lead_entry(cycle: Cycle, world: World) -> Entry:
    entry = cycle.reports.get(unit=world.edu_bureau).entries.order_by("task__order").first()
    assert entry is not None
    return entry


# ---- 督办 numbers --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_notices_of_a_region_are_numbered_one_after_another_and_each_region_counts_alone(
    world: World, cycle: Cycle
) -> None:
    entry = _lead_entry(cycle, world)
    first = supervision.issue_notice(None, entry.task, world.edu_bureau, "请加快推进", DEADLINE)
    second = supervision.issue_notice(None, entry.task, world.kexie, "请配合推进", DEADLINE)
    year = timezone.localdate().year
    assert (first.number, second.number) == (f"督〔{year}〕1号", f"督〔{year}〕2号")
    elsewhere = open_test_cycle(world.pingyin_kexie).reports.get().entries.first()
    assert elsewhere is not None
    assert supervision.issue_notice(None, elsewhere.task, world.pingyin_kexie, "请推进", DEADLINE).number == (
        f"督〔{year}〕1号"
    )


@pytest.mark.django_db
def test_a_region_cannot_store_the_same_notice_number_twice(world: World, cycle: Cycle) -> None:
    entry = _lead_entry(cycle, world)
    notice = supervision.issue_notice(None, entry.task, world.edu_bureau, "请加快推进", DEADLINE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(
            region=notice.region,
            task=notice.task,
            unit=world.kexie,
            number=notice.number,
            requirement="重号",
            deadline=DEADLINE,
            issued_at=timezone.now(),
        )


@pytest.mark.django_db(transaction=True)
def test_two_notices_issued_at_the_same_moment_get_different_numbers_on_postgresql(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("行锁并发只在 PostgreSQL 上检验")
    entry = _lead_entry(open_test_cycle(world.edu_bureau, partner=world.kexie), world)
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def issue(unit_pk: int) -> None:
        try:
            barrier.wait()
            supervision.issue_notice(
                None, entry.task, type(world.kexie).objects.get(pk=unit_pk), "请推进", DEADLINE
            )
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=issue, args=(unit.pk,))
        for unit in (world.edu_bureau, world.kexie, world.edu_bureau)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Notice.objects.values_list("number", flat=True))
    year = timezone.localdate().year
    assert numbers == [f"督〔{year}〕{n}号" for n in (1, 2, 3)]


# ---- 督办 transitions ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_escalated_notice_offers_its_office_no_second_escalation_until_the_unit_answers(
    world: World, cycle: Cycle, client_for
) -> None:
    notice = supervision.issue_notice(
        world.pds_office, _lead_entry(cycle, world).task, world.edu_bureau, "请推进", DEADLINE
    )
    office = client_for(world.pds_office)
    assert 'value="escalate"' in office.get(notice.get_absolute_url()).content.decode()
    supervision.escalate_notice(world.pds_office, notice, "进度滞后", DEADLINE)
    page = office.get(notice.get_absolute_url()).content.decode()
    assert 'value="escalate"' not in page and 'value="close"' not in page
    notice.refresh_from_db()
    assert not notice.can_escalate and notice.can_sign
    supervision.sign_notice(world.edu_liaison, notice)
    supervision.respond_notice(world.edu_liaison, notice, "已整改")
    page = office.get(notice.get_absolute_url()).content.decode()
    assert 'value="escalate"' in page and 'value="close"' in page
    supervision.close_notice(world.pds_office, notice, "同意办结")
    page = office.get(notice.get_absolute_url()).content.decode()
    assert 'name="step"' not in page


# ---- messages after commit -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_return_and_a_notice_send_nothing_until_their_transaction_commits(
    world: World, cycle: Cycle, django_capture_on_commit_callbacks
) -> None:
    world.edu_liaison.email = "edu@example.org"
    world.edu_liaison.save()
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    actions.submit_report(world.edu_liaison, report)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.review_report(world.pds_office, report, approve=False, comments={}, overall="请补充佐证")
        supervision.issue_notice(
            world.pds_office, _lead_entry(cycle, world).task, world.edu_bureau, "请推进", DEADLINE
        )
        assert mail.outbox == [] and not Message.objects.exists()
    for callback in callbacks:
        callback()
    assert sorted(Message.objects.filter(recipient=world.edu_liaison).values_list("kind", flat=True)) == [
        "notice_issued",
        "report_returned",
    ]


# ---- what a unit reads on a shared task ----------------------------------------------------------


@pytest.fixture
def bystander(world: World) -> tuple[Unit, User]:
    """A unit of the same city with a task of its own in another plan, and its liaison."""
    unit = region_actions.create_unit(None, world.pingdingshan, "市文化广电和旅游局")
    liaison = account_actions.create_user(None, "wenlv-liaison", PASSWORD, role=Role.LIAISON, unit=unit)
    open_test_cycle(unit)
    return unit, liaison


def _api(user: User) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return api


@pytest.mark.django_db
def test_a_participating_unit_reads_the_lead_units_entry_on_the_page_and_in_the_api_alike(
    world: World, cycle: Cycle, client_for, bystander: tuple[Unit, User]
) -> None:
    lead = _lead_entry(cycle, world)
    actions.save_entry(
        world.edu_liaison,
        lead,
        version=lead.version,
        status="in_progress",
        percent=40,
        narrative="已建成科普教育基地十二个",
    )
    other_task = cycle.reports.get(unit=world.edu_bureau).entries.exclude(pk=lead.pk).get()
    actions.save_entry(
        world.edu_liaison,
        other_task,
        version=other_task.version,
        status="in_progress",
        percent=10,
        narrative="另一项任务的进展",
    )
    mine = cycle.reports.get(unit=world.kexie).entries.get()
    page = client_for(world.kexie_liaison).get(f"/reporting/entries/{mine.pk}/").content.decode()
    assert "已建成科普教育基地十二个" in page and "另一项任务的进展" not in page
    rows = _api(world.kexie_liaison).get(f"/api/reporting/entries/?cycle={cycle.pk}").json()["results"]
    by_unit = {row["unit_name"]: row for row in rows}
    assert set(by_unit) == {"市教育体育局", "市科协"} and len(rows) == 2
    assert by_unit["市教育体育局"]["narrative"] == "已建成科普教育基地十二个"
    # A unit that is not on the task reads neither the page nor the rows.
    _, outsider = bystander
    assert client_for(outsider).get(f"/reporting/entries/{lead.pk}/").status_code == 404
    outsider_rows = _api(outsider).get(f"/api/reporting/entries/?cycle={cycle.pk}").json()["results"]
    assert outsider_rows == []


@pytest.mark.django_db
def test_a_lead_unit_reads_its_partners_contribution_on_the_page_and_in_the_api_alike(
    world: World, cycle: Cycle, client_for
) -> None:
    partner = cycle.reports.get(unit=world.kexie).entries.get()
    actions.save_entry(
        world.kexie_liaison,
        partner,
        version=partner.version,
        status="",
        percent=None,
        narrative="联合举办科普讲座三场",
    )
    lead = _lead_entry(cycle, world)
    assert (
        "联合举办科普讲座三场"
        in client_for(world.edu_liaison).get(f"/reporting/entries/{lead.pk}/").content.decode()
    )
    rows = _api(world.edu_liaison).get(f"/api/reporting/entries/?task={lead.task_id}").json()["results"]
    assert {row["unit_name"]: row["narrative"] for row in rows}["市科协"] == "联合举办科普讲座三场"


@pytest.mark.django_db
def test_the_history_of_a_report_is_read_only_by_those_who_see_the_report(world: World, cycle: Cycle) -> None:
    own, partner = cycle.reports.get(unit=world.edu_bureau), cycle.reports.get(unit=world.kexie)
    for report, liaison in ((own, world.edu_liaison), (partner, world.kexie_liaison)):
        fill_report(report, liaison)
        actions.submit_report(liaison, report)
    assert AuditEvent.objects.for_target(partner).exists()
    assert AuditEvent.objects.history_of(partner, world.edu_liaison).count() == 0
    assert AuditEvent.objects.history_of(own, world.edu_liaison).filter(verb="report.submit").count() == 1
    both = AuditEvent.objects.history_of(Report.objects.filter(cycle=cycle), world.edu_liaison)
    assert set(both.values_list("target_id", flat=True)) == {str(own.pk)}
    assert (
        AuditEvent.objects.history_of(Report.objects.filter(cycle=cycle), world.pds_office)
        .filter(verb="report.submit")
        .count()
        == 2
    )


# ---- states kept as states ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_return_whose_comment_begins_like_a_reopening_is_not_taken_for_one(
    world: World, cycle: Cycle, client_for
) -> None:
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    actions.submit_report(world.edu_liaison, report)
    report = actions.review_report(
        world.pds_office, report, approve=False, comments={}, overall="重新开放：这是审核意见，不是重新开放"
    )
    assert not report.was_reopened
    actions.submit_report(world.edu_liaison, report)
    report = actions.review_report(world.pds_office, report, approve=True, comments={})
    report = actions.reopen_report(world.pds_office, report, "数据有误")
    assert report.was_reopened and report.review_comment == "数据有误"
    page = client_for(world.edu_liaison).get(report.get_absolute_url()).content.decode()
    assert "素质办已重新开放本报送" in page and "重新开放理由：数据有误" in page


@pytest.mark.django_db
def test_states_read_with_their_own_label_and_colour(world: World, cycle: Cycle, client_for) -> None:
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    actions.submit_report(world.edu_liaison, report)
    page = client_for(world.edu_liaison).get(report.get_absolute_url()).content.decode()
    assert '<span class="badge text-bg-primary">已提交</span>' in page
    assert '<span class="badge text-bg-primary">推进中</span>' in page
    assert cycle.reports.get(unit=world.kexie).entries.get().get_role_display() == "参与"
    assert list(Report.objects.filter(cycle=cycle).handed_in()) == [report]
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.is_handed_in


@pytest.mark.django_db
def test_reading_the_messages_marks_nothing_and_marking_them_read_is_a_post(
    world: World, cycle: Cycle, client_for
) -> None:
    Message.objects.create(recipient=world.edu_liaison, key="k1", kind="report_due", title="请报送")
    liaison = client_for(world.edu_liaison)
    assert "全部标为已读" in liaison.get("/messages/").content.decode()
    assert Message.objects.filter(read_at__isnull=True).count() == 1
    assert liaison.post("/messages/read/").status_code == 302
    assert not Message.objects.filter(read_at__isnull=True).exists()
