"""A real browser: the office's overview on a desktop, a liaison entering a line on a 390 px phone.
Screenshots go to /tmp/shots/fund/."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.browser import browser_page, log_in  # noqa: F401

from kesu.testing import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/fund")


def _year(world: Any) -> None:
    from kesu.funding import actions
    from kesu.funding.testing import make_line
    from kesu.indicators.actions import record_value

    line = make_line(world.kexie, "全国科普日专题活动", nature="special", status="executing")
    make_line(world.edu_bureau, "青少年科技教育活动", nature="appropriation", budget=Decimal(500_000))
    make_line(world.edu_bureau, "上级转移支付科普项目", nature="transfer", budget=Decimal(120_000))
    actions.save_targets(
        None,
        line,
        [
            actions.TargetRow("开展全国科普日专题科普活动", "10场", "9场", Decimal(10), Decimal(9)),
            actions.TargetRow("预算执行率", "≥90%", "", Decimal(20), None),
        ],
    )
    record_value(None, "population", world.pingdingshan, "2024", 4_990_000, source="import")


def test_the_office_reads_the_overview_and_a_line_on_a_desktop(
    live_server: Any,
    browser_page: Any,  # noqa: F811
) -> None:
    world = build_world()
    _year(world)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_page
    log_in(page, live_server.url, "pds-office", PASSWORD)
    page.goto(f"{live_server.url}/funding/overview/?year=2025")
    assert "本级财政科普经费（到位数）÷ 常住人口" in page.locator("#per-capita").inner_text()
    page.screenshot(path=SHOTS / "overview-desktop.png", full_page=True)
    page.select_option("#numerator", "special")
    page.click("text=查看")
    page.wait_for_load_state("networkidle")
    assert "科普专项经费（到位数）÷ 常住人口" in page.locator("#per-capita").inner_text()
    page.goto(f"{live_server.url}/funding/")
    page.click("text=全国科普日专题活动")
    page.wait_for_load_state("networkidle")
    assert "开展全国科普日专题科普活动" in page.content()
    page.screenshot(path=SHOTS / "line-desktop.png", full_page=True)
    assert not page.console_errors


def test_a_liaison_enters_a_line_on_a_phone_and_is_told_why_it_is_refused(
    live_server: Any,
    browser_page: Any,  # noqa: F811
) -> None:
    from kesu.funding.models import FundingLine

    world = build_world()
    _year(world)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "edu-liaison", PASSWORD)
    page.goto(f"{live_server.url}/funding/")
    page.screenshot(path=SHOTS / "list-phone.png", full_page=True)
    page.goto(f"{live_server.url}/funding/new/")
    page.fill("#id_name", "科技活动周")
    page.select_option("#id_nature", "appropriation")
    page.fill("#id_budget", "50000")
    page.fill("#id_received", "30000")
    page.fill("#id_spent", "45000")
    page.click('main button:has-text("保存")')
    page.wait_for_load_state("networkidle")
    assert "超过到位数" in page.content() and not FundingLine.objects.filter(name="科技活动周").exists()
    page.screenshot(path=SHOTS / "form-refused-phone.png", full_page=True)
    page.fill("#id_note", "使用上年结转资金 1.5 万元")
    page.click('main button:has-text("保存")')
    page.wait_for_load_state("networkidle")
    assert FundingLine.objects.filter(name="科技活动周", unit=world.edu_bureau).exists()
    page.screenshot(path=SHOTS / "line-phone.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # nothing pushes the page sideways on a phone
