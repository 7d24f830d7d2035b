"""Issue 12, over HTTP: no typed work lost on the entry page, evidence as offices send it, and the
consequential reporting steps confirmed first."""

from __future__ import annotations

import io
import zipfile

import pytest

from kesu.core.models import AuditEvent
from kesu.regions.models import Unit
from kesu.reporting.models import Cycle, Entry, Report, ReportStatus
from kesu.reporting.sniff import OLE_MAGIC, sniff
from kesu.reporting.testing import PNG, fill_report
from kesu.testing import World

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def _file(data: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(data)
    upload.name = name
    return upload


def _ole(stream: str) -> bytes:
    return OLE_MAGIC + b"\x00" * 504 + stream.encode("utf-16-le") + b"\x00" * 64


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


def _lead_entry(world: World, cycle: Cycle) -> Entry:
    return cycle.reports.get(unit=world.edu_bureau).entries.order_by("task__order").first()  # type: ignore[return-value]


def test_uploading_evidence_keeps_the_status_percent_narrative_and_target_values_typed(
    world: World, cycle: Cycle, client_for
) -> None:
    entry = _lead_entry(world, cycle)
    target = entry.task.targets.get()
    page = client_for(world.edu_liaison).get(f"/reporting/entries/{entry.pk}/").content.decode()
    assert 'form="entry-form"' in page  # the file input posts with the typed form
    response = client_for(world.edu_liaison).post(
        f"/reporting/entries/{entry.pk}/",
        {
            "version": entry.version,
            "status": "in_progress",
            "percent": 40,
            "narrative": "刚写好的进展，还没点保存",
            f"target_{target.pk}": 120,
            "then": "upload",
            "file": _file(PNG, "现场照片.png"),
        },
        follow=True,
    )
    entry.refresh_from_db()
    assert (entry.status, entry.percent, entry.narrative) == ("in_progress", 40, "刚写好的进展，还没点保存")
    assert entry.values.get().value == 120
    assert list(entry.evidence.values_list("filename", flat=True)) == ["现场照片.png"]
    assert "已上传“现场照片.png”" in response.content.decode()


def test_a_rejected_draft_keeps_the_typed_text_and_says_the_file_was_not_uploaded(
    world: World, cycle: Cycle, client_for
) -> None:
    entry = _lead_entry(world, cycle)
    page = client_for(world.edu_liaison).post(
        f"/reporting/entries/{entry.pk}/",
        {
            "version": entry.version,
            "status": "done",
            "percent": 50,
            "narrative": "不能丢的文字",
            "file": _file(PNG, "a.png"),
        },
    )
    text = page.content.decode()
    assert "不能丢的文字" in text and "所选文件尚未上传" in text
    assert not entry.evidence.exists()


def test_several_files_upload_at_once_and_a_refused_one_does_not_stop_the_others(
    world: World, cycle: Cycle, client_for
) -> None:
    entry = _lead_entry(world, cycle)
    response = client_for(world.edu_liaison).post(
        f"/reporting/entries/{entry.pk}/evidence/",
        {"file": [_file(PNG, "一.png"), _file(b"MZ\x90\x00", "二.png"), _file(PDF, "三.pdf")]},
        follow=True,
    )
    assert sorted(entry.evidence.values_list("filename", flat=True)) == ["一.png", "三.pdf"]
    assert "“二.png”不是可接受的佐证材料" in response.content.decode()


def test_the_office_formats_offices_send_are_recognised_by_content() -> None:
    assert sniff(_ole("WordDocument"), "通知.doc") == "doc"
    assert sniff(_ole("WordDocument"), "总结.wps") == "wps"
    assert sniff(_ole("Workbook"), "表.xls") == "xls"
    assert sniff(_ole("PowerPoint Document"), "汇报.ppt") == "ppt"
    assert sniff(_zip(["[Content_Types].xml", "ppt/presentation.xml"])) == "pptx"
    assert sniff(_zip(["照片/1.jpg", "照片/2.jpg"])) == "zip"
    assert sniff(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16) == "mp4"
    assert sniff(_zip(["setup.exe"])) is None
    assert sniff(_ole("Nothing")) is None
    assert sniff(b"\x00\x00\x00\x18ftypqt  ") is None


def test_the_draft_saves_itself_and_a_stale_autosave_never_overwrites_anothers_save(
    world: World, cycle: Cycle, client_for
) -> None:
    entry = _lead_entry(world, cycle)
    client = client_for(world.edu_liaison)
    url = f"/reporting/entries/{entry.pk}/autosave/"
    answer = client.post(url, {"version": entry.version, "status": "in_progress", "narrative": "写到一半"})
    assert answer.status_code == 200 and answer.json()["saved"] is True
    entry.refresh_from_db()
    assert entry.narrative == "写到一半" and answer.json()["version"] == entry.version
    assert AuditEvent.objects.for_target(entry).filter(verb="entry.save").exists()
    stale = client.post(url, {"version": entry.version - 1, "narrative": "旧页面的内容"})
    assert stale.status_code == 409 and "他人已保存" in stale.json()["message"]
    entry.refresh_from_db()
    assert entry.narrative == "写到一半"
    assert client_for(world.kexie_liaison).post(url, {"version": entry.version}).status_code == 404


def test_the_entry_page_warns_before_leaving_with_unsaved_changes(
    world: World, cycle: Cycle, client_for
) -> None:
    entry = _lead_entry(world, cycle)
    page = client_for(world.edu_liaison).get(f"/reporting/entries/{entry.pk}/").content.decode()
    assert "data-guard" in page and f"/reporting/entries/{entry.pk}/autosave/" in page
    assert "kesu/trust.js" in page and "<script>\n(function" not in page


def test_the_reviewer_sees_images_as_thumbnails_and_pdfs_inline(
    world: World, cycle: Cycle, client_for
) -> None:
    from kesu.reporting import actions

    entry = _lead_entry(world, cycle)
    image = actions.add_evidence(None, entry, PNG, "现场.png")
    pdf = actions.add_evidence(None, entry, PDF, "总结.pdf")
    office = client_for(world.pds_office)
    page = office.get(f"/reporting/reports/{entry.report_id}/").content.decode()
    assert f'<img src="/reporting/evidence/{image.pk}/?view=1"' in page
    assert f'<iframe src="/reporting/evidence/{pdf.pk}/?view=1"' in page
    shown = office.get(f"/reporting/evidence/{pdf.pk}/?view=1")
    assert shown["Content-Type"] == "application/pdf" and "attachment" not in shown["Content-Disposition"]
    assert (
        shown["X-Frame-Options"] == "SAMEORIGIN"
        and "frame-ancestors 'self'" in shown["Content-Security-Policy"]
    )
    assert "attachment" in office.get(f"/reporting/evidence/{pdf.pk}/")["Content-Disposition"]


def _submitted(world: World, cycle: Cycle, unit: Unit) -> Report:
    from kesu.reporting import actions

    report = cycle.reports.get(unit=unit)
    fill_report(report)
    actions.submit_report(None, report)
    report.refresh_from_db()
    return report


def test_submitting_approving_closing_and_scoring_ask_for_confirmation_first(
    world: World, cycle: Cycle, client_for
) -> None:
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report)
    liaison_page = client_for(world.edu_liaison).get(f"/reporting/reports/{report.pk}/").content.decode()
    assert 'data-confirm="提交后' in liaison_page
    _submitted(world, cycle, world.kexie)
    from kesu.reporting import actions

    actions.submit_report(None, report)
    office_page = client_for(world.pds_office).get(f"/reporting/reports/{report.pk}/").content.decode()
    assert 'value="approve" data-confirm="审核通过后' in office_page
    assert "onsubmit=" not in office_page and "onclick=" not in office_page


def test_after_a_decision_the_office_goes_on_to_the_next_report_waiting(
    world: World, cycle: Cycle, client_for
) -> None:
    first = _submitted(world, cycle, world.edu_bureau)
    second = _submitted(world, cycle, world.kexie)
    office = client_for(world.pds_office)
    page = office.post(
        f"/reporting/reports/{first.pk}/review/", {"decision": "approve"}, follow=True
    ).content.decode()
    assert "已审核通过" in page and f'href="/reporting/reports/{second.pk}/">下一份待审核：市科协' in page
    last = office.post(
        f"/reporting/reports/{second.pk}/review/", {"decision": "approve"}, follow=True
    ).content.decode()
    assert "下一份待审核" not in last


def test_bulk_approval_passes_only_reports_without_a_returned_task_and_is_audited(
    world: World, cycle: Cycle, client_for
) -> None:
    from kesu.reporting import actions

    clean = _submitted(world, cycle, world.kexie)
    returned = _submitted(world, cycle, world.edu_bureau)
    entry = returned.entries.order_by("task__order").first()
    assert entry is not None
    actions.review_report(None, returned, approve=False, comments={entry.pk: "请补充数据"})
    fill_report(returned, narrative="已补充")
    actions.submit_report(None, returned)
    office = client_for(world.pds_office)
    board = office.get(f"/reporting/cycles/{cycle.pk}/").content.decode()
    assert "批量审核通过（1 份）" in board
    assert client_for(world.edu_liaison).post(f"/reporting/cycles/{cycle.pk}/approve/").status_code == 403
    office.post(f"/reporting/cycles/{cycle.pk}/approve/")
    assert Report.objects.get(pk=clean.pk).status == ReportStatus.APPROVED
    assert Report.objects.get(pk=returned.pk).status == ReportStatus.SUBMITTED
    event = AuditEvent.objects.for_target(cycle).get(verb="cycle.approve_together")
    assert (event.after or {})["units"] == ["市科协"]
    assert AuditEvent.objects.for_target(clean).filter(verb="report.approve").exists()
