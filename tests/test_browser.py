"""A real browser signs in and reaches the home page; screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from kesu.testing import PASSWORD, build_world
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_office_admin_logs_in_and_reaches_the_home_page(live_server, browser_page) -> None:  # noqa: F811
    build_world()
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.screenshot(path=SCREENSHOTS / "login.png", full_page=True)
    log_in(page, live_server.url, "pds-office", PASSWORD)
    assert page.locator("h1").inner_text().startswith("平顶山市")
    for label in ("领导小组成员单位", "本级单位", "下级区划", "辖区内单位合计"):
        assert page.locator(".stat-label", has_text=label).count() == 1
    page.screenshot(path=SCREENSHOTS / "home-office.png", full_page=True)
    page.click(".kesu-sidebar >> text=成员单位")
    page.wait_for_load_state("networkidle")
    assert page.locator("table tbody tr").count() == 2
    page.screenshot(path=SCREENSHOTS / "units.png", full_page=True)
    assert page.console_errors == []


def test_a_wrong_password_shows_a_chinese_message_in_the_browser(live_server, browser_page) -> None:  # noqa: F811
    build_world()
    log_in(browser_page, live_server.url, "pds-office", "not-the-password")
    assert "用户名或密码不正确" in browser_page.locator(".alert-danger").inner_text()
