"""Under the Content-Security-Policy the pages still work in a real browser: the region switcher
submits by itself, the cycle board remembers its tab, charts draw, the API docs load, and the
browser reports no refused script or style."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kesu.reporting.testing import open_test_cycle
from kesu.testing import PASSWORD, build_world
from tests.browser import browser_page, log_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_work_under_the_content_security_policy(live_server, browser_page) -> None:  # noqa: F811
    world = build_world()
    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie)
    page = browser_page
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, live_server.url, "pds-office", PASSWORD)

    page.goto(f"{live_server.url}/reporting/cycles/{cycle.pk}/")
    page.click("[data-tab=units]")
    expect(page.locator("#board-tab")).to_have_value("units")

    page.goto(f"{live_server.url}/indicators/")
    page.wait_for_load_state("networkidle")

    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info")).to_be_visible(timeout=20000)

    page.goto(f"{live_server.url}/")
    switcher = page.locator("select[name=region_code]").first
    if switcher.count() and switcher.is_visible():
        options = switcher.locator("option")
        if options.count() > 1:
            with page.expect_navigation():
                switcher.select_option(index=options.count() - 1)
    assert violations == []
