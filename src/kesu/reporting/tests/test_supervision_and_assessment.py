"""督办 steps, reminders and 考核, over HTTP and through the actions."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command
from openpyxl import load_workbook

from kesu.core.models import AuditEvent
from kesu.reporting import actions
from kesu.reporting.models import Cycle, Delivery, Notice, NoticeStatus, Notification, Scheme, Score
from kesu.reporting.notify import send_reminders
from kesu.reporting.testing import fill_report
from kesu.testing import World

pytestmark = pytest.mark.django_db


def test_a_notice_goes_from_issue_to_close_with_every_step_audited(world: World, cycle: Cycle, client_for) -> None:
    entry = cycle.reports.get(unit=world.edu_bureau).entries.first()
    assert entry is not None
    office, liaison = client_for(world.pds_office), client_for(world.edu_liaison)
    assert liaison.post(f"/reporting/entries/{entry.pk}/notice/", {"requirement": "x", "deadline": "2099-07-01"}
                        ).status_code == 404
    office.post(f"/reporting/entries/{entry.pk}/notice/", {"requirement": "请加快进度", "deadline": "2099-07-01"})
    notice = Notice.objects.get()
    assert Notification.objects.filter(user=world.edu_liaison, kind="督办").exists()
    assert client_for(world.kexie_liaison).post(f"/reporting/notices/{notice.pk}/", {"step": "sign"}).status_code == 404
    assert office.post(f"/reporting/notices/{notice.pk}/", {"step": "sign"}).status_code == 404
    liaison.post(f"/reporting/notices/{notice.pk}/", {"step": "sign"})
    liaison.post(f"/reporting/notices/{notice.pk}/", {"step": "respond", "response": "已整改"})
    office.post(f"/reporting/notices/{notice.pk}/", {"step": "escalate", "note": "整改不到位", "deadline": "2099-08-01"})
    liaison.post(f"/reporting/notices/{notice.pk}/", {"step": "sign"})
    liaison.post(f"/reporting/notices/{notice.pk}/", {"step": "respond", "response": "已全部整改"})
    office.post(f"/reporting/notices/{notice.pk}/", {"step": "close", "note": "同意办结"})
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CLOSED and notice.level == 2
    assert notice.signed_at and notice.responded_at and notice.escalated_at and notice.closed_at
    verbs = list(AuditEvent.objects.for_target(notice).values_list("verb", flat=True))
    assert sorted(set(verbs)) == ["notice.close", "notice.escalate", "notice.issue", "notice.respond", "notice.sign"]
    history = liaison.get(f"/reporting/entries/{entry.pk}/").content.decode()
    assert "升级督办" in history and "督办办结" in history
    book = load_workbook(io.BytesIO(office.get("/reporting/notices/?format=xlsx").content))
    assert book.active["B2"].value == "市教育体育局"
    assert office.get("/reporting/notices/?format=docx").status_code == 200
    assert client_for(world.xz_office).get(f"/reporting/notices/{notice.pk}/").status_code == 404


def test_reminders_go_once_before_the_due_date_and_again_as_urging_after_it(world: World) -> None:
    from kesu.reporting.testing import open_test_cycle

    world.edu_liaison.email = "edu@example.org"
    world.edu_liaison.save()
    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie, due=date(2030, 6, 30))
    assert send_reminders(date(2030, 6, 25)) == 2
    assert send_reminders(date(2030, 6, 25)) == 0  # idempotent
    call_command("send_reminders", "--date", "2030-06-26")
    assert Notification.objects.filter(kind="提醒").count() == 2
    assert len(mail.outbox) == 1 and "edu@example.org" in mail.outbox[0].to
    assert Delivery.objects.filter(channel="log").count() == 2
    assert not Delivery.objects.get(notification__user=world.kexie_liaison, channel="email").ok
    report = cycle.reports.get(unit=world.kexie)
    fill_report(report)
    actions.submit_report(None, report)
    assert send_reminders(date(2030, 7, 3)) == 1
    assert Notification.objects.filter(kind="催办").get().user == world.edu_liaison
    assert AuditEvent.objects.filter(verb="report.urge").count() == 1


def test_a_years_assessment_is_computed_judged_ranked_and_exported(world: World, client_for) -> None:
    from kesu.reporting.testing import open_test_cycle

    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie, period="2024H2", due=date(2099, 12, 30))
    for report in cycle.reports.all():
        fill_report(report)
        actions.submit_report(None, report)
        actions.review_report(world.pds_office, report, approve=True, comments={})
    office = client_for(world.pds_office)
    office.post("/reporting/assessments/", {"year": 2024, "timeliness": 20, "completeness": 20, "achievement": 40,
                                            "quality": 20})
    scheme = Scheme.objects.get()
    bad = office.post("/reporting/assessments/", {"year": 2023, "timeliness": 50, "completeness": 20,
                                                  "achievement": 40, "quality": 20})
    assert "之和应为 100" in bad.content.decode()
    office.post(f"/reporting/assessments/{scheme.pk}/")
    edu = Score.objects.get(unit=world.edu_bureau)
    assert edu.timeliness == 20 and edu.completeness == 20 and edu.achievement > 0
    office.post(f"/reporting/scores/{edu.pk}/", {"quality": 18, "bonus": 2, "penalty": 0, "reasons": "获省级表彰"})
    edu.refresh_from_db()
    assert edu.total == round(edu.timeliness + edu.completeness + edu.achievement + 18 + 2, 1)
    refused = office.post(f"/reporting/scores/{edu.pk}/", {"quality": 18, "bonus": 5, "penalty": 0, "reasons": ""},
                          follow=True)
    assert "须写明理由" in refused.content.decode()
    page = office.get(f"/reporting/assessments/{scheme.pk}/").content.decode()
    assert "成员单位排名" in page and "获省级表彰" in page
    book = load_workbook(io.BytesIO(office.get(f"/reporting/assessments/{scheme.pk}/?format=xlsx").content))
    assert book.active["B2"].value == "市教育体育局" and book.active["A2"].value == 1
    assert client_for(world.edu_liaison).get(f"/reporting/assessments/{scheme.pk}/").status_code == 404
    assert client_for(world.pds_leader).post(f"/reporting/scores/{edu.pk}/", {"quality": 1}).status_code == 404
