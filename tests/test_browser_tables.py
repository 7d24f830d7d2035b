"""Issue 12, "Tables people can work with", in a real browser: the office sorts the task list by a
column, searches it, and the sort and the keyword stay in the address; the status board prints
without the menus and buttons."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kesu.reporting.testing import open_test_cycle
from kesu.testing import PASSWORD, build_world
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def task_titles(page) -> list[str]:
    return [t.strip() for t in page.locator("table tbody tr td:first-child a").all_inner_texts()]


def test_the_office_sorts_and_searches_the_task_list_and_prints_the_board(
    live_server,
    browser_page,  # noqa: F811
) -> None:
    world = build_world()
    cycle = open_test_cycle(world.edu_bureau, partner=world.kexie)
    page = browser_page
    log_in(page, live_server.url, "pds-office", PASSWORD)

    page.goto(f"{live_server.url}/plans/tasks/")
    page.locator("a.sort-link", has_text="任务").first.click()
    page.wait_for_load_state("networkidle")
    page.locator("a.sort-link", has_text="任务").first.click()  # a second click sorts the other way
    page.wait_for_load_state("networkidle")
    assert "sort=-title" in page.url
    assert task_titles(page)[:2] == ["任务2", "任务1"]

    page.fill("input[name=q]", "任务1")
    page.locator("input[name=q]").press("Enter")
    page.wait_for_load_state("networkidle")
    assert "sort=-title" in page.url and "q=" in page.url  # the sort survives the search
    assert task_titles(page) == ["任务1"]
    page.screenshot(path=str(SCREENSHOTS / "tables-task-list-sorted-searched.png"), full_page=True)

    page.goto(f"{live_server.url}/reporting/cycles/{cycle.pk}/")
    expect(page.locator("[data-print]").first).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".kesu-sidebar")).to_be_hidden()
    expect(page.locator("[data-print]").first).to_be_hidden()
    expect(page.locator("table").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "tables-board-print.png"), full_page=True)
