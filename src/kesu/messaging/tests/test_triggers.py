"""Every reporting trigger, per persona: who is told what, composed through the pages' own visible_to.

The personas (``kesu.testing.World``): 平顶山市素质办 (the office), its leader, the liaisons of 市教育体育局
(unit A, leading both tasks) and 市科协 (unit B, participating in the first), and 新郑市素质办 (outside).
Actions are taken over HTTP where a page takes them; the messages go out after each commit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kesu.messaging.models import Message
from kesu.reporting import assessment, notify, rules
from kesu.reporting.models import Cycle, Notice, Report
from kesu.reporting.testing import fill_report, open_test_cycle
from kesu.testing import World

pytestmark = pytest.mark.django_db


def inbox(user: Any, kind: str | None = None) -> list[Message]:
    messages = Message.objects.filter(recipient=user).order_by("pk")
    return list(messages.filter(kind=kind) if kind else messages)


def everything_for(user: Any) -> str:
    return "\n".join(f"{m.title}\n{m.body}\n{m.url}" for m in inbox(user))


@pytest.fixture
def opened(world: World, django_capture_on_commit_callbacks: Any) -> Cycle:
    with django_capture_on_commit_callbacks(execute=True):
        return open_test_cycle(world.edu_bureau, partner=world.kexie)


def test_opening_a_cycle_tells_each_unit_of_its_own_report_and_nobody_else(
    world: World, opened: Cycle
) -> None:
    edu_report = opened.reports.get(unit=world.edu_bureau)
    kexie_report = opened.reports.get(unit=world.kexie)
    [edu] = inbox(world.edu_liaison, "cycle_opened")
    [kexie] = inbox(world.kexie_liaison, "cycle_opened")
    assert edu.url == edu_report.get_absolute_url() and "共 2 项任务" in edu.body
    assert kexie.url == kexie_report.get_absolute_url() and "共 1 项任务" in kexie.body
    assert "市教育体育局" not in everything_for(world.kexie_liaison)
    assert "请于 2099年6月30日 前填写进展并提交" in edu.body  # says what to do, and by when
    for outsider in (world.pds_office, world.pds_leader, world.xz_office):
        assert inbox(outsider) == []


def test_a_report_goes_round_submit_return_resubmit_approve_reopen_with_the_right_people_told(
    world: World, opened: Cycle, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    report = opened.reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison, narrative="市教育体育局本期进展：仅本单位与素质办可见")
    liaison, office = client_for(world.edu_liaison), client_for(world.pds_office)
    url = f"/reporting/reports/{report.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        assert liaison.post(f"{url}submit/").status_code == 302
    [submitted] = inbox(world.pds_office, "report_submitted")
    assert submitted.url == url and "市教育体育局" in submitted.title and "请审核" in submitted.body
    assert submitted.region == opened.plan.region  # the office's feed counts it

    first, second = report.entries.order_by("task__order")
    with django_capture_on_commit_callbacks(execute=True):
        office.post(f"{url}review/", {"decision": "return", f"comment_{first.pk}": "请补充量化数据"})
    [returned] = inbox(world.edu_liaison, "report_returned")
    assert "请修改以下 1 项任务后重新提交" in returned.body and "任务1：请补充量化数据" in returned.body
    assert returned.url == url and returned.actor == world.pds_office

    with django_capture_on_commit_callbacks(execute=True):
        liaison.post(f"{url}submit/")
    [again] = inbox(world.pds_office, "report_resubmitted")
    assert "第 2 次" in again.body
    with django_capture_on_commit_callbacks(execute=True):
        office.post(f"{url}review/", {"decision": "approve"})
    assert "数据已锁定" in inbox(world.edu_liaison, "report_approved")[0].body
    with django_capture_on_commit_callbacks(execute=True):
        office.post(f"{url}reopen/", {"reason": "更正目标值"})
    assert "理由：更正目标值" in inbox(world.edu_liaison, "report_reopened")[0].body

    # Unit B, the leader and the other city's office were told nothing of unit A's report.
    assert [m.kind for m in inbox(world.kexie_liaison)] == ["cycle_opened"]
    assert inbox(world.pds_leader) == [] and inbox(world.xz_office) == []
    assert "仅本单位与素质办可见" not in everything_for(world.kexie_liaison)


def test_a_message_is_never_composed_for_someone_who_may_not_see_its_object(
    world: World, opened: Cycle
) -> None:
    report = opened.reports.get(unit=world.edu_bureau)

    def compose(user: Any) -> notify.Draft | None:
        return (
            notify.Draft("标题", f"{report.unit.name}的报送", report.get_absolute_url())
            if notify.sees(user, Report, report.pk)
            else None
        )

    sent = notify.send(
        "report_approved",
        [world.edu_liaison, world.kexie_liaison, world.xz_office, world.pds_office],
        compose,
        key="guard",
        region=None,
    )
    assert sent == 2  # unit A's liaison and the office read the report; unit B and 新郑市 do not
    assert inbox(world.kexie_liaison, "report_approved") == inbox(world.xz_office) == []


def test_a_notice_tells_the_unit_to_act_and_the_office_what_the_unit_did(
    world: World, opened: Cycle, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    entry = opened.reports.get(unit=world.edu_bureau).entries.order_by("task__order").first()
    assert entry is not None
    office, liaison = client_for(world.pds_office), client_for(world.edu_liaison)
    with django_capture_on_commit_callbacks(execute=True):
        office.post(
            f"/reporting/entries/{entry.pk}/notice/", {"requirement": "请加快进度", "deadline": "2099-07-01"}
        )
    notice = Notice.objects.get()
    url = notice.get_absolute_url()
    [issued] = inbox(world.edu_liaison, "notice_issued")
    assert "请加快进度" in issued.body and "2099年7月1日" in issued.body and "请签收" in issued.body
    assert issued.url == url

    steps = [
        (liaison, {"step": "sign"}, world.pds_office, "notice_signed", "已签收"),
        (
            liaison,
            {"step": "respond", "response": "已整改到位"},
            world.pds_office,
            "notice_answered",
            "已整改到位",
        ),
        (
            office,
            {"step": "escalate", "note": "整改不到位", "deadline": "2099-08-01"},
            world.edu_liaison,
            "notice_escalated",
            "整改不到位",
        ),
    ]
    for client, data, who, kind, text in steps:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, data)
        [message] = inbox(who, kind)
        assert text in message.body and message.url == url, kind
    with django_capture_on_commit_callbacks(execute=True):
        liaison.post(url, {"step": "sign"})
        liaison.post(url, {"step": "respond", "response": "已全部整改"})
        office.post(url, {"step": "close", "note": "同意办结"})
    assert "同意办结" in inbox(world.edu_liaison, "notice_closed")[0].body
    assert len(inbox(world.pds_office, "notice_answered")) == 2  # once per level
    assert [m.kind for m in inbox(world.kexie_liaison)] == ["cycle_opened"]
    assert inbox(world.xz_office) == []


def test_the_reminder_ladder_reminds_then_urges_once_per_step(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie, due=date(2030, 6, 30))
    assert notify.send_reminders(date(2030, 6, 25)) == 2
    assert notify.send_reminders(date(2030, 6, 26)) == 0  # the same reminder: nothing twice
    [due] = inbox(world.edu_liaison, "report_due")
    assert "5天后截止" in due.title and "请于 2030年6月30日 前填写并提交" in due.body
    kexie_report = cycle.reports.get(unit=world.kexie)
    fill_report(kexie_report)
    from kesu.reporting import actions

    actions.submit_report(world.kexie_liaison, kexie_report)
    assert notify.send_reminders(date(2030, 7, 3)) == 1
    [urged] = inbox(world.edu_liaison, "report_overdue")
    assert (
        "已逾期3天" in urged.title
        and urged.url == cycle.reports.get(unit=world.edu_bureau).get_absolute_url()
    )
    assert inbox(world.kexie_liaison, "report_overdue") == []
    assert notify.send_reminders(date(2030, 7, 5)) == 0  # the same week
    assert notify.send_reminders(date(2030, 7, 10)) == 1  # the next week


def test_an_overdue_notice_urges_the_unit_and_tells_its_office(world: World, opened: Cycle) -> None:
    from kesu.reporting import supervision

    entry = opened.reports.get(unit=world.edu_bureau).entries.first()
    assert entry is not None
    supervision.issue_notice(world.pds_office, entry.task, world.edu_bureau, "请推进", date(2030, 1, 10))
    notify.notices_overdue(date(2030, 1, 12))
    [unit] = inbox(world.edu_liaison, "notice_overdue")
    [office] = inbox(world.pds_office, "notice_overdue")
    assert "请立即签收并反馈" in unit.body and "市教育体育局" in office.title
    assert notify.notices_overdue(date(2030, 1, 13)) == 0
    assert inbox(world.kexie_liaison, "notice_overdue") == []


def test_final_assessment_scores_tell_the_office_and_its_leader_but_no_unit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    past = open_test_cycle(world.edu_bureau, partner=world.kexie, period="2024H2", due=date(2024, 12, 30))
    scheme = assessment.create_scheme(world.pds_office, past.plan.region, 2024, rules.Weights())
    with django_capture_on_commit_callbacks(execute=True):
        assessment.compute_scores(world.pds_office, scheme)
    for reader in (world.pds_office, world.pds_leader):
        [message] = inbox(reader, "assessment_published")
        assert message.url == scheme.get_absolute_url()
    for liaison in (world.edu_liaison, world.kexie_liaison, world.xz_office):
        assert inbox(liaison, "assessment_published") == []


def test_provisional_scores_tell_nobody(world: World, django_capture_on_commit_callbacks: Any) -> None:
    scheme = assessment.create_scheme(world.pds_office, world.pingdingshan, 2099, rules.Weights())
    open_test_cycle(world.edu_bureau, period="2099H1", due=date(2099, 6, 30))
    with django_capture_on_commit_callbacks(execute=True):
        assessment.compute_scores(world.pds_office, scheme)
    assert scheme.scores.exists()
    assert Message.objects.filter(kind="assessment_published").count() == 0


def test_nothing_is_told_of_an_action_that_rolled_back(
    world: World, opened: Cycle, django_capture_on_commit_callbacks: Any
) -> None:
    from kesu.reporting import actions

    report = opened.reports.get(unit=world.edu_bureau)
    fill_report(report)
    before = Message.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.submit_report(world.edu_liaison, report)
        assert Message.objects.count() == before  # nothing inside the transaction
    assert len(callbacks) >= 1


def test_a_units_working_group_robot_gets_the_units_messages(
    world: World, robot_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from kesu.messaging import actions as messaging

    messaging.add_robot(
        world.edu_liaison,
        world.edu_bureau,
        platform="wecom",
        name="教体局科普群",
        webhook=robot_server.wecom_url("edu"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        open_test_cycle(world.edu_bureau, partner=world.kexie)
    received = robot_server.accepted("wecom", "edu")
    assert len(received) == 1
    text = received[0].payload["markdown"]["content"]
    assert "报送开启" in text and "市科协" not in text


def test_a_finished_background_job_tells_its_owner_only(world: World) -> None:
    from kesu.core.jobs import start_job
    from kesu.messaging import job_messages

    job_messages.connect()  # done by the app's ready once wired (see the report)
    job = start_job(world.pds_office, "audit_export", "导出审计日志")
    job.status = "succeeded"
    job.save()
    assert job_messages.job_finished(job) == 1
    [message] = inbox(world.pds_office, "job_finished")
    assert message.url == job.get_absolute_url() and "已完成" in message.title
    assert job_messages.job_finished(job) == 0  # once per attempt
    assert inbox(world.xz_office) == []


def test_a_failing_message_never_undoes_or_breaks_the_action(
    world: World, opened: Cycle, client_for: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from kesu.messaging import actions as messaging

    def broken(*args: Any, **kwargs: Any) -> list[Message]:
        raise RuntimeError("消息库不可用")

    monkeypatch.setattr(messaging, "notify_each", broken)
    report = opened.reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.edu_liaison).post(f"/reporting/reports/{report.pk}/submit/")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.is_handed_in
