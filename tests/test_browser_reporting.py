"""A liaison fills and submits its report in a real browser; the office reviews it on the board."""

from __future__ import annotations

from datetime import date

import pytest

from kesu.reporting import actions, assessment, rules, supervision
from kesu.reporting.testing import fill_report, open_test_cycle
from kesu.testing import PASSWORD, build_world
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_liaison_reports_and_the_office_reviews_in_the_browser(live_server, browser_page) -> None:  # noqa: F811
    world = build_world()
    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie)
    fill_report(
        cycle.reports.get(unit=world.kexie), world.kexie_liaison, narrative="市科协组织科技志愿者 300 人次"
    )
    page = browser_page
    log_in(page, live_server.url, "edu-liaison", PASSWORD)
    page.goto(f"{live_server.url}/reporting/todo/")
    assert "还剩" in page.locator("main").inner_text()
    page.screenshot(path=SCREENSHOTS / "reporting-todo.png", full_page=True)
    page.click("text=任务1")
    page.wait_for_load_state("networkidle")
    assert "市科协组织科技志愿者 300 人次" in page.locator("main").inner_text()
    page.select_option("#id_status", "in_progress")
    page.fill("#id_percent", "60")
    page.fill("#id_narrative", "新建市级科普教育基地 12 个")
    page.fill("input[name^=target_]", "132")
    page.screenshot(path=SCREENSHOTS / "reporting-entry.png", full_page=True)
    page.click("button:has-text('保存草稿')")
    page.wait_for_load_state("networkidle")
    assert "已保存草稿" in page.locator("main").inner_text()
    report = cycle.reports.get(unit=world.edu_bureau)
    second = report.entries.order_by("task__order").last()
    assert second is not None
    actions.save_entry(
        world.edu_liaison, second, version=second.version, status="done", percent=100, narrative="完成"
    )
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    page.click("button:has-text('提交报送')")
    page.click("#kesu-confirm [data-kesu-confirmed]")  # the confirmation (issue 12)
    page.wait_for_load_state("networkidle")
    assert "等待素质办审核" in page.locator("main").inner_text()
    page.screenshot(path=SCREENSHOTS / "reporting-report-submitted.png", full_page=True)
    assert page.console_errors == []

    office = browser_page.context.browser.new_context(
        viewport={"width": 1366, "height": 860}, locale="zh-CN"
    ).new_page()
    log_in(office, live_server.url, "pds-office", PASSWORD)
    office.goto(f"{live_server.url}{report.get_absolute_url()}")
    office.screenshot(path=SCREENSHOTS / "reporting-review.png", full_page=True)
    office.click("button:has-text('审核通过并锁定')")
    office.click("#kesu-confirm [data-kesu-confirmed]")
    office.wait_for_load_state("networkidle")
    assert "已审核通过" in office.locator("main").inner_text()
    entry = report.entries.order_by("task__order").first()
    assert entry is not None
    supervision.issue_notice(
        world.pds_office, entry.task, world.edu_bureau, "请加快推进基地建设", date(2099, 7, 31), cycle
    )
    office.goto(f"{live_server.url}{cycle.get_absolute_url()}")
    assert "报送率" in office.locator("main").inner_text()
    office.screenshot(path=SCREENSHOTS / "reporting-board.png", full_page=True)
    office.click("text=按单位")
    office.screenshot(path=SCREENSHOTS / "reporting-board-units.png", full_page=True)
    office.goto(f"{live_server.url}/reporting/notices/")
    office.screenshot(path=SCREENSHOTS / "reporting-notices.png", full_page=True)
    scheme = assessment.create_scheme(world.pds_office, world.pingdingshan, 2025, rules.Weights())
    assessment.compute_scores(world.pds_office, scheme)
    office.goto(f"{live_server.url}{scheme.get_absolute_url()}")
    assert "成员单位排名" in office.locator("main").inner_text()
    office.screenshot(path=SCREENSHOTS / "reporting-assessment.png", full_page=True)


def test_a_liaison_reads_and_fills_the_report_on_a_phone_without_sideways_scrolling(
    live_server,
    browser_page,  # noqa: F811
) -> None:
    world = build_world()
    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie)
    report = cycle.reports.get(unit=world.edu_bureau)
    entry = report.entries.order_by("task__order").first()
    assert entry is not None
    phone = browser_page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    log_in(phone, live_server.url, "edu-liaison", PASSWORD)
    for path in ("/", "/reporting/todo/", report.get_absolute_url(), f"/reporting/entries/{entry.pk}/"):
        phone.goto(f"{live_server.url}{path}")
        phone.wait_for_load_state("networkidle")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
        assert not phone.locator("#kesu-menu").is_visible(), path  # the menu waits behind its button
    phone.screenshot(path=SCREENSHOTS / "reporting-entry-phone.png", full_page=True)
    phone.click("button[aria-label='打开菜单']")
    phone.locator("#kesu-menu a:has-text('报送待办')").click()
    phone.wait_for_load_state("networkidle")
    assert phone.url.endswith("/reporting/todo/") and "任务1" in phone.locator("main").inner_text()
