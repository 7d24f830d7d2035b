"""An office runs its accounts in a real browser; a liaison on a phone replaces a one-time password.

Screenshots go to test-artifacts/screenshots/accounts-*.png.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from kesu.accounts.models import User
from kesu.testing import PASSWORD, build_world
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "liaison-own-2026"


def liaison_sheet() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["单位", "姓名", "手机号"])
    sheet.append(["市科协", "钱二", "13700000002"])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def test_an_office_adds_imports_resets_and_a_liaison_sets_its_own_password_on_a_phone(
    live_server,
    browser_page,  # noqa: F811
) -> None:
    world = build_world()
    page = browser_page
    log_in(page, live_server.url, "pds-office", PASSWORD)

    # Add a county office: the region picker finds 宝丰县 by typing, among thousands of regions.
    page.goto(f"{live_server.url}/accounts/users/new/")
    page.fill("#id_username", "bf-office")
    page.fill("#id_display_name", "宝丰县素质办")
    page.fill("#id_mobile", "13812345678")
    page.select_option("#id_role", "office")
    page.fill("input[name=region_q]", "宝丰")
    expect(page.locator("#id_region option")).to_have_count(1)  # the match only, not the subtree
    assert page.locator("#id_region").input_value() == "410421000000"
    page.screenshot(path=SCREENSHOTS / "accounts-add-user.png", full_page=True)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已创建用户" in page.locator("h1").inner_text()
    assert len(page.locator("#one-time-password").inner_text().strip()) == 12
    assert (
        User.objects.get(username="bf-office").memberships.get().region_id
        == world.pingdingshan.children.get(name="宝丰县").pk
    )

    # Bulk liaisons: the file button is Chinese, the result offers the passwords' sheet.
    page.goto(f"{live_server.url}/accounts/users/import/")
    button = page.locator("label.btn", has_text="选择文件")
    assert button.is_visible() and page.locator("text=Choose File").count() == 0
    page.set_input_files(
        "input[type=file]",
        {"name": "联络员.xlsx", "mimeType": "application/octet-stream", "buffer": liaison_sheet()},
    )
    assert "联络员.xlsx" in page.locator(".kesu-file-name").inner_text()
    page.screenshot(path=SCREENSHOTS / "accounts-import.png", full_page=True)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已创建 1 个联络员账号" in page.locator("h1").inner_text()
    with page.expect_download() as download:
        page.click("text=下载一次性密码表")
    assert download.value.suggested_filename.endswith(".xlsx")

    # The list masks mobile numbers; the office resets the 教育体育局 liaison's password.
    page.goto(f"{live_server.url}/accounts/users/")
    assert "138****5678" in page.locator("main").inner_text()
    page.screenshot(path=SCREENSHOTS / "accounts-user-list.png", full_page=True)
    page.goto(f"{live_server.url}/accounts/users/{world.edu_liaison.pk}/")
    page.screenshot(path=SCREENSHOTS / "accounts-user-edit.png", full_page=True)
    page.click("text=重置为一次性密码")
    page.click("#kesu-confirm [data-kesu-confirmed]")  # the confirmation asks first
    page.wait_for_load_state("networkidle")
    one_time = page.locator("#one-time-password").inner_text().strip()
    page.screenshot(path=SCREENSHOTS / "accounts-one-time-password.png", full_page=True)

    # The liaison, on a 390 px phone, must set its own password first; then its home has no switcher.
    phone = page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    log_in(phone, live_server.url, "edu-liaison", one_time)
    assert phone.url.endswith("/accounts/password/")
    phone.screenshot(path=SCREENSHOTS / "accounts-first-password-phone.png", full_page=True)
    phone.fill("#id_new_password1", NEW_PASSWORD)
    phone.fill("#id_new_password2", NEW_PASSWORD)
    phone.click("main button[type=submit]")
    phone.wait_for_load_state("networkidle")
    assert phone.url == f"{live_server.url}/"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.click("button[aria-label='打开菜单']")
    phone.wait_for_selector("#kesu-menu.show")
    menu = phone.locator("#kesu-menu").inner_text()
    assert "当前区划" not in menu and "接口文档" not in menu and "API" not in menu
    assert phone.locator("select[name=region_code]").count() == 0
    phone.screenshot(path=SCREENSHOTS / "accounts-liaison-home-phone.png", full_page=True)

    # Disabling the liaison signs the phone out at once.
    page.goto(f"{live_server.url}/accounts/users/{world.edu_liaison.pk}/")
    page.fill("#id_reason", "调离本单位")
    page.click("text=停用账号")
    page.click("#kesu-confirm [data-kesu-confirmed]")  # the confirmation asks first
    page.wait_for_load_state("networkidle")
    assert "已停用" in page.locator("h1").inner_text()
    phone.goto(f"{live_server.url}/reporting/todo/")
    assert "/accounts/login/" in phone.url
    assert page.console_errors == []


def test_a_leaders_home_reads_and_a_refused_write_is_a_chinese_403(live_server, browser_page) -> None:  # noqa: F811
    build_world()
    page = browser_page
    log_in(page, live_server.url, "pds-leader", PASSWORD)
    text = page.locator("main").inner_text()
    assert "需要关注" in text and "只读" in text and "添加成员单位" not in text
    page.screenshot(path=SCREENSHOTS / "accounts-leader-home.png", full_page=True)
    page.goto(f"{live_server.url}/accounts/users/")
    assert "无权限" in page.locator("main").inner_text() and "返回上一页" in page.locator("main").inner_text()
    page.screenshot(path=SCREENSHOTS / "accounts-403.png", full_page=True)
