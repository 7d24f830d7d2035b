"""Issue 12, tables people can work with: sorting and keyword search kept in the URL, print-ready
exports and pages, and 督办 as offices run it (an attachment on 反馈, a printable 督办单, 催报 from the
board or the notice list)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kesu.core.models import AuditEvent
from kesu.reporting import supervision
from kesu.reporting.models import Cycle, Notice
from kesu.reporting.testing import PNG
from kesu.testing import World

pytestmark = pytest.mark.django_db
CSS = Path(__file__).resolve().parents[2] / "core" / "static" / "kesu" / "kesu.css"


def _notices(world: World, cycle: Cycle) -> tuple[Notice, Notice]:
    edu = cycle.reports.get(unit=world.edu_bureau).entries.order_by("task__order").first()
    kexie = cycle.reports.get(unit=world.kexie).entries.get()
    assert edu is not None
    first = supervision.issue_notice(
        None, edu.task, world.edu_bureau, "请补报基地数量", date(2099, 8, 1), cycle
    )
    second = supervision.issue_notice(
        None, kexie.task, world.kexie, "请说明配合情况", date(2099, 7, 1), cycle
    )
    return first, second


def test_the_notice_list_sorts_and_searches_and_keeps_both_in_its_links(
    world: World, cycle: Cycle, client_for
) -> None:
    first, second = _notices(world, cycle)
    office = client_for(world.pds_office)
    by_deadline = office.get("/reporting/notices/?sort=deadline").content.decode()
    assert by_deadline.index(second.number) < by_deadline.index(first.number)
    latest_first = office.get("/reporting/notices/?sort=-deadline").content.decode()
    assert latest_first.index(first.number) < latest_first.index(second.number)
    found = office.get("/reporting/notices/?q=基地&sort=deadline").content.decode()
    assert first.number in found and second.number not in found
    assert 'href="?q=%E5%9F%BA%E5%9C%B0&amp;sort=-deadline"' in found  # the header keeps the search
    assert '<input type="hidden" name="sort" value="deadline">' in found  # the filter keeps the order
    assert office.get("/reporting/notices/?sort=requirement__secret").status_code == 200  # not whitelisted


def test_the_unit_list_and_the_audit_trail_sort_by_their_columns(world: World, client_for) -> None:
    office = client_for(world.pds_office)
    ascending = office.get("/regions/units/?sort=name").content.decode()
    descending = office.get("/regions/units/?sort=-name").content.decode()

    def kexie_first(page: str) -> bool:
        return page.index(">市科协</a>") < page.index(">市教育体育局</a>")

    assert kexie_first(ascending) != kexie_first(descending)
    audit = office.get("/audit/?sort=verb&q=市科协").content.decode()
    assert "sort-link active" in audit and 'name="q"' in audit


def test_the_task_breakdown_prints_on_a4_landscape_with_a_title_and_the_header_on_every_page(
    world: World, cycle: Cycle, client_for
) -> None:
    response = client_for(world.pds_office).get(f"/plans/{cycle.plan_id}/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "任务分解表" in sheet["A1"].value and "A1:H1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [c.value for c in sheet[2]][:3] == ["序号", "所属行动/工程", "任务"]
    assert sheet["B3"].value  # the 提升行动 or 重点工程 the task belongs to
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$2:$2"
    assert sheet["D3"].alignment.wrap_text


def test_exported_lists_an_office_prints_are_print_ready_with_the_header_still_first(
    world: World, cycle: Cycle, client_for
) -> None:
    _notices(world, cycle)
    office = client_for(world.pds_office)
    for url in ("/reporting/notices/?format=xlsx", f"/reporting/cycles/{cycle.pk}/?format=xlsx"):
        sheet = load_workbook(io.BytesIO(office.get(url).content)).active
        assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
        assert sheet["A1"].value in ("督办单号", "任务")


def test_reports_notices_and_the_board_print_without_menus_and_buttons(
    world: World, cycle: Cycle, client_for
) -> None:
    css = CSS.read_text(encoding="utf-8")
    assert (
        "@media print" in css and ".kesu-sidebar" in css and "thead { display: table-header-group; }" in css
    )
    first, _second = _notices(world, cycle)
    office = client_for(world.pds_office)
    for url in (
        f"/reporting/reports/{cycle.reports.get(unit=world.edu_bureau).pk}/",
        f"/reporting/notices/{first.pk}/",
        f"/reporting/cycles/{cycle.pk}/",
    ):
        assert "data-print" in office.get(url).content.decode()
    sheet = office.get(f"/reporting/notices/{first.pk}/").content.decode()
    assert "督 办 单" in sheet and "承办单位（盖章）" in sheet


def test_a_unit_answers_a_notice_with_an_attachment_the_office_downloads(
    world: World, cycle: Cycle, client_for
) -> None:
    notice, _ = _notices(world, cycle)
    supervision.sign_notice(None, notice)
    liaison = client_for(world.edu_liaison)
    upload = io.BytesIO(PNG)
    upload.name = "反馈函.png"
    liaison.post(
        f"/reporting/notices/{notice.pk}/", {"step": "respond", "response": "已补报", "attachment": upload}
    )
    notice.refresh_from_db()
    assert notice.status == "responded" and notice.response_filename == "反馈函.png"
    office = client_for(world.pds_office)
    assert "反馈函.png" in office.get(f"/reporting/notices/{notice.pk}/").content.decode()
    file = office.get(f"/reporting/notices/{notice.pk}/attachment/")
    assert file.status_code == 200 and b"".join(file.streaming_content).startswith(b"\x89PNG")
    assert (
        client_for(world.kexie_liaison).get(f"/reporting/notices/{notice.pk}/attachment/").status_code == 404
    )
    bad = io.BytesIO(b"MZ\x90\x00")
    bad.name = "x.exe"
    _, other = _notices(world, cycle)
    supervision.sign_notice(None, other)
    refused = client_for(world.kexie_liaison).post(
        f"/reporting/notices/{other.pk}/",
        {"step": "respond", "response": "好", "attachment": bad},
        follow=True,
    )
    assert "不是可接受的附件" in refused.content.decode()


def test_an_office_issues_a_reminder_to_a_unit_from_the_board_or_the_notice_list(
    world: World, cycle: Cycle, client_for
) -> None:
    report = cycle.reports.get(unit=world.kexie)
    office = client_for(world.pds_office)
    assert (
        f"/reporting/reports/{report.pk}/notice/"
        in office.get(f"/reporting/cycles/{cycle.pk}/").content.decode()
    )
    picker = office.get(f"/reporting/notices/?report={report.pk}")
    assert picker["Location"] == f"/reporting/reports/{report.pk}/notice/"
    form = office.get(f"/reporting/reports/{report.pk}/notice/").content.decode()
    assert "催报：请尽快完成并提交" in form
    entry = report.entries.get()
    office.post(
        f"/reporting/reports/{report.pk}/notice/",
        {"entry": entry.pk, "requirement": "催报：请于本周内提交", "deadline": "2099-07-05"},
    )
    notice = Notice.objects.get(unit=world.kexie)
    assert notice.task_id == entry.task_id and notice.cycle_id == cycle.pk
    assert AuditEvent.objects.for_target(notice).filter(verb="notice.issue").exists()
    # The liaison reads its own report but issues no 督办: 403 无权限, not a page that claims it is missing.
    assert client_for(world.kexie_liaison).get(f"/reporting/reports/{report.pk}/notice/").status_code == 403


def test_the_boards_unit_tab_sorts_and_searches_reports_and_exports_what_it_shows(
    world: World, cycle: Cycle, client_for
) -> None:
    from kesu.reporting import actions
    from kesu.reporting.testing import fill_report

    report = cycle.reports.get(unit=world.kexie)
    fill_report(report)
    actions.submit_report(None, report)
    office = client_for(world.pds_office)
    base = f"/reporting/cycles/{cycle.pk}/?tab=units"

    def order(page: str) -> bool:
        return page.index(">市科协</a>") < page.index(">市教育体育局</a>")

    by_name = office.get(f"{base}&usort=unit").content.decode()
    assert order(by_name) != order(office.get(f"{base}&usort=-unit").content.decode())
    submitted_first = office.get(f"{base}&usort=submitted").content.decode()
    assert order(submitted_first)  # the unsubmitted report (no time) goes last
    found = office.get(f"{base}&uq=科协").content.decode()
    assert ">市科协</a>" in found and ">市教育体育局</a>" not in found
    sheet = load_workbook(io.BytesIO(office.get(f"{base}&uq=科协&table=units&format=xlsx").content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["市科协"]
