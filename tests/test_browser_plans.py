"""In a real browser an office uploads a plan and sees the parse beside its highlighted source."""

from __future__ import annotations

from pathlib import Path

import pytest

from kesu.testing import PASSWORD, build_world
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SAMPLE = Path(__file__).resolve().parent.parent / "src/kesu/data/sample_plans/pingdingshan_2021_2025.txt"


def test_an_office_uploads_a_plan_and_reviews_it_beside_the_source(live_server, browser_page) -> None:  # noqa: F811
    build_world()
    page = browser_page
    log_in(page, live_server.url, "pds-office", PASSWORD)
    page.click(".kesu-sidebar >> text=实施方案")
    page.screenshot(path=SCREENSHOTS / "plans-empty.png", full_page=True)
    page.click("text=上传方案 >> nth=0")
    page.set_input_files("input[type=file]", str(SAMPLE))
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "平顶山市“十四五”全民科学素质行动规划纲要实施方案" in page.locator("h1").inner_text()
    assert page.locator("#task-list tr, table tbody tr").count() >= 35
    assert page.locator(".plan-source mark.target").count() >= 10
    assert page.locator(".plan-source mark.goal").count() == 1
    page.screenshot(path=SCREENSHOTS / "plan-detail.png")
    page.click("text=去核对")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=SCREENSHOTS / "plan-mentions.png", full_page=True)
    assert page.console_errors == []
