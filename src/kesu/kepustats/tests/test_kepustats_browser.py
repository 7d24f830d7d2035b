"""A liaison fills its pre-filled 科普统计 form on a desktop and a phone; the office reads the round.

Screenshots go to test-artifacts/screenshots/kepustats-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

from kesu.kepustats.models import Figure, StatisticsForm
from kesu.kepustats.testing import statistics_round
from kesu.kepustats.tests.test_pages import lecture
from kesu.reporting.models import Report
from kesu.testing import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_every_empty_figure(page: Any) -> None:
    """What a unit without 场馆 or 传媒 types: “0” in every box the pre-fill left empty."""
    page.evaluate(
        "document.querySelectorAll('#stat-form input[name^=v_]').forEach(i => { if (!i.value) i.value = '0'; })"
    )


def test_a_liaison_corrects_its_prefilled_form_and_submits_and_the_office_exports_the_round(
    live_server,
    browser_page,  # noqa: F811
) -> None:
    world = build_world()
    lecture(world.edu_bureau, 120)
    lecture(world.edu_bureau, 80)
    cycle = statistics_round(world.edu_bureau)
    form = StatisticsForm.objects.get(report__cycle=cycle, report__unit=world.edu_bureau)
    page = browser_page

    # On the desktop the liaison finds its form from the 科普统计 page and sees where 2 讲座 came from.
    log_in(page, live_server.url, "edu-liaison", PASSWORD)
    page.goto(f"{live_server.url}/statistics/")
    page.click("text=2025年度")
    lectures = page.locator("#row-A100")
    expect(lectures.locator("input[name=v_A100]")).to_have_value("2")
    expect(lectures).to_contain_text("形式为“讲座”的 2 场")
    expect(lectures).to_contain_text("系统预填")
    expect(page.locator("#row-A101")).to_contain_text("人次")  # the unit of the figure is shown
    page.screenshot(path=SCREENSHOTS / "kepustats-form-desktop.png", full_page=True)

    # It corrects the lectures' 人次 (a lecture's sign-in sheet was found late) and gives the reason.
    page.fill("input[name=v_A101]", "230")
    page.fill("input[name=r_A101]", "补录一场讲座的签到表 30 人次")
    page.fill("input[name=v_A900]", "230")
    page.fill("input[name=r_A900]", "同上，补录讲座 30 人次")
    page.fill("input[name=v_R100]", "3")
    page.fill("input[name=v_R120]", "5")  # 其中 above its total: the page says so beside the box
    fill_every_empty_figure(page)
    page.click("#stat-form button:has-text('保存')")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#row-R120 .text-danger")).to_be_visible()
    expect(page.locator("#row-A101")).to_contain_text("已修改，系统计算为 200")
    page.screenshot(path=SCREENSHOTS / "kepustats-form-problem.png", full_page=True)
    page.fill("input[name=v_R120]", "2")
    page.click("#stat-form button:has-text('保存')")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#row-R120 .text-danger")).to_have_count(0)

    # On a 390 px phone the same form fits the screen and still says where a figure came from.
    phone = page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    log_in(phone, live_server.url, "edu-liaison", PASSWORD)
    phone.goto(f"{live_server.url}{form.get_absolute_url()}")
    expect(phone.locator("#row-A100")).to_contain_text("形式为“讲座”的 2 场")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=SCREENSHOTS / "kepustats-form-phone.png", full_page=True)
    phone.context.close()

    page.click("button:has-text('提交统计表')")
    page.click("#kesu-confirm [data-kesu-confirmed]")  # the confirmation asks first
    page.wait_for_load_state("networkidle")
    page.screenshot(path=SCREENSHOTS / "kepustats-submitted.png", full_page=True)
    assert Report.objects.get(pk=form.report_id).status == "submitted"
    assert Figure.objects.get(form=form, code="A101").reason == "补录一场讲座的签到表 30 人次"

    # The office reads the round: the submitted form is in the aggregate, and the xlsx downloads.
    page.context.clear_cookies()
    log_in(page, live_server.url, "pds-office", PASSWORD)
    page.goto(f"{live_server.url}/statistics/rounds/{cycle.pk}/")
    expect(page.locator("[data-code=A101]")).to_have_text("230")
    expect(page.locator("main")).to_contain_text("已报 1 张")
    page.screenshot(path=SCREENSHOTS / "kepustats-round.png", full_page=True)
    with page.expect_download() as download:
        page.click("text=导出汇总表")
    assert download.value.suggested_filename.endswith(".xlsx")
    assert page.console_errors == []
