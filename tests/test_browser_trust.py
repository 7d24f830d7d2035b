"""Issue 12 in a real browser: the entry page keeps what the liaison typed across an evidence upload,
warns before leaving with unsaved changes and saves the draft by itself; a consequential step asks
first; the survey's public link comes with a QR code and a copy button."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import pytest
from playwright.sync_api import expect

from kesu.reporting import actions
from kesu.reporting.models import Entry, Report, ReportStatus
from kesu.reporting.testing import fill_report, open_test_cycle
from kesu.testing import PASSWORD, build_world
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _real_png() -> bytes:
    """An 8×8 green square, a PNG a browser decodes (the shared test PNG is only a header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x20\xa0\x40" * 8 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_the_entry_page_keeps_typed_text_across_an_upload_and_saves_itself(
    live_server,
    browser_page,  # noqa: F811
    tmp_path,
    settings,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world()
    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie)
    entry = cycle.reports.get(unit=world.edu_bureau).entries.order_by("task__order").first()
    assert entry is not None
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(_real_png())
    page = browser_page
    log_in(page, live_server.url, "edu-liaison", PASSWORD)
    page.clock.install()  # so the autosave interval can be run forward instead of waited for
    page.goto(f"{live_server.url}/reporting/entries/{entry.pk}/")
    page.select_option("#id_status", "in_progress")
    page.fill("#id_percent", "45")
    page.fill("#id_narrative", "本期新建科普教育基地 8 个，正在验收")
    page.fill("input[name^=target_]", "128")

    # Leaving with unsaved changes asks first (the browser's own 离开此网站? dialog).
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.evaluate("window.location.href = '/reporting/todo/'")
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert "/reporting/entries/" in page.url

    page.set_input_files("#id_file", str(photo))
    page.screenshot(path=SCREENSHOTS / "trust-entry-before-upload.png", full_page=True)
    page.click("button:has-text('上传')")
    page.wait_for_load_state("networkidle")
    main = page.locator("main").inner_text()
    assert "已上传“现场照片.png”" in main
    assert page.input_value("#id_narrative") == "本期新建科普教育基地 8 个，正在验收"
    assert page.input_value("#id_percent") == "45" and page.input_value("input[name^=target_]") == "128"
    assert page.locator("img.evidence-thumb").count() == 1
    page.screenshot(path=SCREENSHOTS / "trust-entry-after-upload.png", full_page=True)

    # The draft saves itself: the autosave posts the form as the button would.
    page.fill("#id_narrative", "自动保存的进展")
    page.clock.run_for(31_000)  # the page's 30-second autosave timer, on the installed clock
    expect(page.locator("[data-autosave-status]")).to_contain_text("已自动保存")
    assert "草稿已自动保存" in page.locator("[data-autosave-status]").inner_text()
    assert Entry.objects.get(pk=entry.pk).narrative == "自动保存的进展"
    page.click("button:has-text('保存草稿')")  # the carried-on version: no conflict with the autosave
    page.wait_for_load_state("networkidle")
    assert "已保存草稿" in page.locator("main").inner_text()
    assert page.console_errors == []

    # The reviewer sees the photo as a thumbnail and a PDF previewed in the page.
    actions.add_evidence(
        world.edu_liaison, entry, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "总结.pdf"
    )
    office = page.context.browser.new_context(
        viewport={"width": 1366, "height": 860}, locale="zh-CN"
    ).new_page()
    log_in(office, live_server.url, "pds-office", PASSWORD)
    office.goto(f"{live_server.url}/reporting/reports/{entry.report_id}/")
    assert office.locator("img.evidence-thumb").evaluate("img => img.naturalWidth") == 8
    office.click("summary:has-text('总结.pdf')")
    assert office.locator("iframe.evidence-preview").count() == 1
    office.screenshot(path=SCREENSHOTS / "trust-review-evidence.png", full_page=True)


def test_submitting_asks_for_confirmation_and_cancel_changes_nothing(live_server, browser_page) -> None:  # noqa: F811
    world = build_world()
    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie)
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    page = browser_page
    log_in(page, live_server.url, "edu-liaison", PASSWORD)
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    page.click("button:has-text('提交报送')")
    page.wait_for_selector("#kesu-confirm.show")
    assert "提交后，本报送交素质办审核" in page.locator("#kesu-confirm").inner_text()
    page.screenshot(path=SCREENSHOTS / "trust-confirm-submit.png", full_page=False)
    page.click("#kesu-confirm button:has-text('取消')")
    page.wait_for_timeout(400)
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DRAFT
    page.click("button:has-text('提交报送')")
    page.click("#kesu-confirm [data-kesu-confirmed]")
    page.wait_for_load_state("networkidle")
    assert Report.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
    assert page.console_errors == []


def test_the_survey_link_comes_with_a_qr_code_and_a_respondent_goes_back_a_question(
    live_server,
    browser_page,  # noqa: F811
) -> None:
    from kesu.survey import actions as survey_actions
    from kesu.survey.demo import build_demo_wave
    from kesu.survey.tests.conftest import towns_of

    world = build_world()
    towns_of(world.pingyin)
    wave = build_demo_wave(world.pingyin)
    survey_actions.set_status(world.py_office, wave, "open")
    page = browser_page
    log_in(page, live_server.url, "py-office", PASSWORD)
    page.goto(f"{live_server.url}/survey/waves/{wave.pk}/")
    qr = page.locator("img.survey-qr")
    qr.scroll_into_view_if_needed()
    assert qr.evaluate("img => img.naturalWidth") > 100
    page.click("button:has-text('复制链接')")
    # The label changes when the clipboard's promise settles: wait for it rather than read at once.
    expect(page.locator("button[data-copy]")).to_contain_text("已复制")
    page.locator("img.survey-qr").screenshot(path=SCREENSHOTS / "trust-survey-qr.png")
    page.goto(f"{live_server.url}/survey/waves/new/")
    page.screenshot(path=SCREENSHOTS / "trust-survey-new-wave.png", full_page=True)
    assert not page.locator("#id_rule_kind").is_visible()  # behind 高级设置
    page.click("summary:has-text('高级设置')")
    assert page.locator("#id_rule_kind").is_visible()

    code = survey_actions.issue_codes(world.py_office, wave, wave.frame.all()[0], 1)[0].code
    phone = page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    phone.goto(f"{live_server.url}/survey/r/{code}/")
    phone.select_option("#id_sex", "女")
    phone.fill("#id_age", "41")
    phone.select_option("#id_education", "高中")
    phone.select_option("#id_urban_rural", "农村")
    phone.select_option("#id_occupation", "农林牧渔业生产人员")
    phone.click("button[type=submit]")
    phone.locator("label.choice").first.click()
    phone.click("button[type=submit]")
    phone.wait_for_load_state("networkidle")
    assert "第 2 / 38 题" in phone.content()
    phone.click("text=上一题")
    phone.wait_for_load_state("networkidle")
    assert "第 1 / 38 题" in phone.content() and phone.locator("input[name=choice]:checked").count() == 1
    phone.screenshot(path=SCREENSHOTS / "trust-survey-previous-question.png", full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.console_errors == []
