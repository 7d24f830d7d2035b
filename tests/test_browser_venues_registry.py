"""The bases registry in a real browser: the office's list with filters, a base's page, the expiry
page, the counts, and the public page drawing the bases on the region's public boundary map."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest

from kesu.testing import PASSWORD, build_world
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("KESU_VENUES_SHOTS", SCREENSHOTS))


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def test_the_office_finds_a_base_and_the_public_sees_it_on_the_map(
    live_server: Any,
    browser_page: Any,  # noqa: F811
) -> None:
    from kesu.indicators import actions as indicator_actions
    from kesu.indicators.testing import square_boundary
    from kesu.regions.models import Region
    from kesu.venues.testing import add, make_base

    world = build_world()
    year = datetime.date.today().year
    baofeng = Region.objects.get(code="410421000000")
    museum = make_base(
        world.pingdingshan,
        "平顶山市科技馆",
        number=1,
        unit=world.kexie,
        years=(year - 1, year + 3),
        contact_phone="13812345678",
        opening_days="周二至周日",
        opening_hours="9:00–17:00",
    )
    add(museum, level=2, system="keji", years=(year - 2, year + 2))
    make_base(baofeng, "宝丰县农业科普园", number=2, level=4, years=(year - 4, year))
    make_base(baofeng, "宝丰县过期基地", number=3, years=(year - 6, year - 2))
    indicator_actions.upload_boundary(
        None,
        world.pingdingshan,
        square_boundary(world.pingdingshan),
        filename="pds.json",
        approval_number="豫S（2023）001号",
        source="测试",
        public=True,
    )

    page = browser_page
    log_in(page, live_server.url, "pds-office", PASSWORD)
    page.click("text=科普基地")
    page.wait_for_load_state("networkidle")
    assert "平顶山市科技馆" in page.content() and "138****5678" in page.content()
    page.select_option("#id_level", "2")
    page.click("button:has-text('筛选')")
    page.wait_for_load_state("networkidle")
    assert "平顶山市科技馆" in page.content() and "宝丰县农业科普园" not in page.content()
    _shot(page, "venues-list-filtered")
    page.click("text=平顶山市科技馆")
    page.wait_for_load_state("networkidle")
    assert "省级" in page.content() and "市级" in page.content()
    _shot(page, "venues-detail")
    page.goto(f"{live_server.url}/bases/expiry/")
    assert "宝丰县过期基地" in page.content()
    _shot(page, "venues-expiry")
    page.goto(f"{live_server.url}/bases/counts/")
    _shot(page, "venues-counts")

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/bases/public/410400000000/")
    page.wait_for_selector("[data-chart-option] canvas", timeout=15_000)
    text = page.content()
    assert "平顶山市科技馆" in text and "宝丰县农业科普园" in text and "宝丰县过期基地" not in text
    assert "周二至周日" in text and "13812345678" not in text
    _shot(page, "venues-public-map")
    assert not page.console_errors
