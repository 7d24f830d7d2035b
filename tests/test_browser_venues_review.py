"""The bases list, counts and expiry pages after review, on a desktop and on a 390 px phone: the region
picker, whole buttons, fewer columns on phones, gaps to targets in words, disjoint expiry sections."""

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
PAGES = {"list": "/bases/", "counts": "/bases/counts/", "expiry": "/bases/expiry/"}


def _registry(world: Any) -> None:
    from kesu.plans.models import Target
    from kesu.plans.testing import plan_with_task_led_by
    from kesu.regions.models import Region
    from kesu.venues import actions
    from kesu.venues.testing import make_base

    year = datetime.date.today().year
    baofeng = Region.objects.get(code="410421000000")
    make_base(
        world.pingdingshan,
        "平顶山市科学技术协会",
        number=1,
        base_name="平顶山市科技馆",
        unit=world.kexie,
        years=(year - 1, year + 3),
        contact_phone="13812345678",
        opening_days="周二至周日",
        opening_hours="9:00–17:00",
    )
    make_base(baofeng, "宝丰县农业科普园", number=2, years=(year - 4, year))
    make_base(baofeng, "宝丰县过期基地", number=3, years=(year - 6, year - 2))
    make_base(world.pingdingshan, "国家级基地", number=4, level=1, years=(year - 5, year - 1))
    _plan, task = plan_with_task_led_by(world.kexie)
    target = Target.objects.create(task=task, indicator="市级科普教育基地", value=15, unit="个", year=year)
    actions.set_count_rule(None, target, system="", level=3, level_comparison="eq", measure="stock")


@pytest.mark.parametrize("width", [1366, 390])
def test_the_list_counts_and_expiry_pages_read_well(
    live_server: Any,
    browser_page: Any,  # noqa: F811
    width: int,
) -> None:
    world = build_world()
    _registry(world)
    page = browser_page
    page.set_viewport_size({"width": width, "height": 860})
    log_in(page, live_server.url, "pds-office", PASSWORD)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, url in PAGES.items():
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=SHOTS / f"venues-{name}-{width}.png", full_page=True)
    page.goto(f"{live_server.url}/bases/")
    page.select_option("#id_region", "410421000000")
    page.click("button:has-text('筛选')")
    page.wait_for_load_state("networkidle")
    assert "宝丰县农业科普园" in page.content() and "平顶山市科技馆" not in page.content()
    page.screenshot(path=SHOTS / f"venues-list-region-{width}.png", full_page=True)
    # No button wraps inside its words: each is one line high.
    heights = page.eval_on_selector_all(
        ".page-header .btn", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and max(heights) < 40
    # The page does not scroll sideways on a phone (the table scrolls inside its card).
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
