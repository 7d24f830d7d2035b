"""Certification and the annual review in a real browser: a liaison files, the office takes each step
to 认定; a liaison fills the year's report on a phone (390 px), the office reviews it and publishes."""

from __future__ import annotations

import datetime
import io
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from kesu.testing import PASSWORD, build_world
from kesu.venues.models import Application, ApplicationStatus, Designation, ReportState
from kesu.venues.testing_certification import base_with_designation, credit_code, make_batch, make_round
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("KESU_VENUES_SHOTS", SCREENSHOTS))
PHONE = {"width": 390, "height": 844}


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def _step(page: Any, name: str, confirm: bool = False) -> None:
    page.click(f"button[data-step={name}]")
    if confirm:
        page.click("#kesu-confirm [data-kesu-confirmed]")
    page.wait_for_load_state("networkidle")


def _review_points(page: Any) -> None:
    """The reviewer's points: each line starts from the base's own; the office sets 15 on each."""
    fields = page.locator("input[name^=review_]")
    for index in range(fields.count()):
        fields.nth(index).fill("15")


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (70, 130, 180)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_liaison_applies_and_the_office_takes_it_to_certification(live_server, browser_page) -> None:  # noqa: F811
    world = build_world()
    batch = make_batch(world.pingdingshan)
    page = browser_page
    log_in(page, live_server.url, "edu-liaison", PASSWORD)
    page.goto(f"{live_server.url}/bases/certification/")
    page.click(f"text={batch.title} >> visible=true")
    page.click("text=填写申报")
    page.fill("#id_name", "平顶山市青少年科技活动中心")
    page.fill("#id_credit_code", credit_code(77))
    page.select_option("#id_region", str(world.pingdingshan.pk))
    page.select_option("#id_unit", str(world.edu_bureau.pk))
    page.fill("#id_summary", "展教面积 2400 平方米，年接待 5 万人次")
    _shot(page, "certification-apply")
    page.click("button:has-text('保存草稿')")
    page.wait_for_load_state("networkidle")
    _step(page, "submit")
    _step(page, "recommend")
    assert "形式审查" in page.locator("main").inner_text()
    assert page.locator("button[data-step=pass_formal]").count() == 0
    assert page.console_errors == []

    office = page.context.browser.new_context(
        viewport={"width": 1366, "height": 860}, locale="zh-CN"
    ).new_page()
    log_in(office, live_server.url, "pds-office", PASSWORD)
    application = Application.objects.get(name="平顶山市青少年科技活动中心")
    office.goto(f"{live_server.url}{application.get_absolute_url()}")
    _step(office, "pass_formal")
    for name, score in (("张教授", "90"), ("李研究员", "84")):
        office.fill("#score_reviewer_name", name)
        office.fill("#score_score", score)
        office.click("button:has-text('录入评分')")
        office.wait_for_load_state("networkidle")
    assert office.locator("#mean-score").inner_text() == "87.0"
    _step(office, "propose")
    today = datetime.date.today()
    office.fill("#publicize_publicity_start", (today - datetime.timedelta(days=9)).isoformat())
    office.fill("#publicize_publicity_end", (today - datetime.timedelta(days=2)).isoformat())
    _step(office, "publicize")
    office.fill("#objection_received_on", (today - datetime.timedelta(days=5)).isoformat())
    office.fill("#objection_content", "周末未开放")
    office.click("button:has-text('登记异议')")
    office.wait_for_load_state("networkidle")
    office.fill("textarea[name=handling]", "经核实周末已按公示时间开放")
    office.click("button:has-text('记录处理情况')")
    office.wait_for_load_state("networkidle")
    office.fill("#certify_doc_number", "平科协〔2025〕18号")
    office.fill("#certify_certified_on", "2025-04-18")
    office.fill("#certify_certificate_number", "PDS-2025-018")
    _shot(office, "certification-publicity")
    _step(office, "certify", confirm=True)
    assert "已认定" in office.locator("main").inner_text()
    _shot(office, "certification-certified")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CERTIFIED
    assert Designation.objects.filter(
        institution__credit_code=credit_code(77), document_no="平科协〔2025〕18号"
    ).exists()
    with office.expect_download() as download:
        office.click("text=认定证书（Word）")
    assert download.value.suggested_filename == "认定证书-PDS-2025-018.docx"
    office.goto(f"{live_server.url}{batch.get_absolute_url()}")
    _shot(office, "certification-batch")


def test_a_liaison_files_the_annual_report_on_a_phone_and_the_office_reviews_it(
    live_server,
    browser_page,  # noqa: F811
) -> None:
    world = build_world()
    base = base_with_designation(world.edu_bureau, name="平顶山市科技馆")
    base_with_designation(world.kexie, serial=501, name="平顶山市气象科普馆")
    annual = make_round(world.pingdingshan, due=datetime.date.today() + datetime.timedelta(days=5))
    report = annual.reports.get(institution=base)
    phone = browser_page.context.browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=2
    ).new_page()
    log_in(phone, live_server.url, "edu-liaison", PASSWORD)
    phone.goto(f"{live_server.url}/bases/annual/")
    phone.click("text=平顶山市科技馆")
    phone.wait_for_load_state("networkidle")
    for field, value in (
        ("open_days", "306"),
        ("visitors", "52000"),
        ("fulltime_staff", "6"),
        ("parttime_staff", "14"),
        ("funding", "120.5"),
        ("volunteers", "45"),
    ):
        phone.fill(f"#id_{field}", value)
    phone.fill("#id_activities", "科技活动周、全国科普日主场活动等 18 场")
    phone.fill("#id_problems", "部分展品老化，更新经费不足")
    phone.click("button[value=save]")
    phone.wait_for_load_state("networkidle")
    phone.set_input_files(
        "#id_photo", files=[{"name": "展厅.png", "mimeType": "image/png", "buffer": _photo()}]
    )
    phone.click("button:has-text('上传照片')")
    phone.wait_for_load_state("networkidle")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(phone, "annual-report-phone")
    phone.click("button[value=submit]")
    phone.wait_for_load_state("networkidle")
    assert "年报已提交" in phone.locator("main").inner_text()
    _shot(phone, "annual-report-phone-submitted")
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED and report.self_total is not None

    office = browser_page
    log_in(office, live_server.url, "pds-office", PASSWORD)
    office.goto(f"{live_server.url}{annual.get_absolute_url()}")
    assert "填报率" in office.locator("main").inner_text()
    _shot(office, "annual-board")
    office.click("text=平顶山市科技馆")
    office.wait_for_load_state("networkidle")
    _review_points(office)
    office.select_option("#review_outcome", "keep")
    office.click("button:has-text('提交评审')")
    office.click("#kesu-confirm [data-kesu-confirmed]")
    office.wait_for_load_state("networkidle")
    assert "评审完成" in office.locator("main").inner_text()
    _shot(office, "annual-reviewed")
    other = annual.reports.exclude(pk=report.pk).get()
    from kesu.venues import actions_annual

    actions_annual.submit_report(
        None,
        actions_annual.add_photo(
            None,
            actions_annual.save_report(
                None,
                other,
                open_days=120,
                visitors=800,
                fulltime_staff=1,
                parttime_staff=0,
                funding=2,
                activities="无",
            ),
            _photo(),
            "a.png",
        ).report,
    )
    office.goto(f"{live_server.url}{other.get_absolute_url()}")
    _review_points(office)
    office.select_option("#review_outcome", "revoke")
    office.fill("#review_note", "全年开放不足 150 天，经整改仍未达标")
    office.click("button:has-text('提交评审')")
    office.click("#kesu-confirm [data-kesu-confirmed]")
    office.wait_for_load_state("networkidle")
    office.goto(f"{live_server.url}/bases/annual/rounds/{annual.pk}/results/")
    office.click("button:has-text('公布结果')")
    office.click("#kesu-confirm [data-kesu-confirmed]")
    office.wait_for_load_state("networkidle")
    assert "平顶山市气象科普馆" in office.locator("main").inner_text()
    _shot(office, "annual-results")
    phone.goto(f"{live_server.url}/bases/annual/rounds/{annual.pk}/results/")
    _shot(phone, "annual-results-phone")
    assert office.console_errors == []
