"""In a real browser the dashboards draw their charts: region overview, drill-down, indicator, public page."""

from __future__ import annotations

import pytest

from kesu.testing import PASSWORD, build_world
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDS = "410400000000"


def charts_drawn(page) -> int:
    try:
        page.wait_for_selector("[data-chart-option] canvas", timeout=10_000)
    except Exception:
        page.screenshot(path=SCREENSHOTS / "indicators-failed.png", full_page=True)
        raise AssertionError(f"no chart drew on {page.url}: {getattr(page, 'console_errors', [])}") from None
    return page.locator("[data-chart-option] canvas").count()


def test_every_dashboard_draws_its_charts_without_errors(live_server, browser_page) -> None:  # noqa: F811
    from kesu.indicators import actions, demo
    from kesu.indicators.testing import import_published_plan, seed_city_values
    from kesu.regions.models import Region

    world = build_world()
    actions.ensure_catalogue()
    import_published_plan(world.pingdingshan)
    seed_city_values(world.pingdingshan)
    demo._link_targets()
    for code in demo.PUBLISHED:
        actions.set_published(None, world.pingdingshan, actions.indicator_by_code(code), True)
    assert Region.objects.filter(parent=world.pingdingshan).count() == 2

    page = browser_page
    log_in(page, live_server.url, "pds-office", PASSWORD)
    page.click("text=监测评估")
    page.wait_for_load_state("networkidle")
    assert "平顶山市 · 监测评估" in page.locator("h1").inner_text()
    assert charts_drawn(page) >= 3  # headline, target statuses, tasks
    assert page.locator("text=进展正常").count() + page.locator("text=需加快").count() >= 1
    page.screenshot(path=SCREENSHOTS / "indicators-overview.png", full_page=True)

    page.click("text=下级区划比较")
    page.wait_for_load_state("networkidle")
    assert charts_drawn(page) == 1
    assert page.locator("#table-compare tbody tr").count() == 2
    assert page.locator("[data-map-url]").count() == 0  # no approved boundary file, no map
    page.screenshot(path=SCREENSHOTS / "indicators-compare.png", full_page=True)

    page.goto(f"{live_server.url}/indicators/regions/{PDS}/volunteer_count/")
    assert charts_drawn(page) == 2  # time series and sub-region breakdown
    page.screenshot(path=SCREENSHOTS / "indicators-indicator.png", full_page=True)

    upload_boundary(page, live_server.url, world)
    page.goto(f"{live_server.url}/indicators/regions/{PDS}/compare/?indicator=volunteer_count")
    assert map_drawn(page)
    assert charts_drawn(page) == 2  # bar chart and map
    assert "审图号：测试（无）" in page.content()
    page.screenshot(path=SCREENSHOTS / "indicators-compare-map.png", full_page=True)
    page.goto(f"{live_server.url}/indicators/regions/{PDS}/volunteer_count/")
    assert map_drawn(page)
    assert charts_drawn(page) == 3
    page.screenshot(path=SCREENSHOTS / "indicators-indicator-map.png", full_page=True)

    page.goto(f"{live_server.url}/indicators/catalogue/")
    page.screenshot(path=SCREENSHOTS / "indicators-catalogue.png")
    page.goto(f"{live_server.url}/indicators/plans/{world.pingdingshan.plans.get().pk}/links/")
    page.screenshot(path=SCREENSHOTS / "indicators-links.png")
    assert page.console_errors == []

    anonymous = page.context.browser.new_context(locale="zh-CN").new_page()
    errors: list[str] = []
    anonymous.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    anonymous.goto(f"{live_server.url}/indicators/public/{PDS}/")
    assert charts_drawn(anonymous) == len(demo.PUBLISHED)
    assert "常住人口" not in anonymous.content()  # only what was published
    anonymous.screenshot(path=SCREENSHOTS / "indicators-public.png", full_page=True)

    from kesu.indicators.models import Boundary

    boundary = Boundary.objects.current_for(world.pingdingshan)
    assert boundary is not None
    actions.set_boundary_public(world.pds_office, boundary, True)
    anonymous.goto(f"{live_server.url}/indicators/public/{PDS}/")
    assert map_drawn(anonymous)
    assert charts_drawn(anonymous) == len(demo.PUBLISHED) + 1
    anonymous.screenshot(path=SCREENSHOTS / "indicators-public-map.png", full_page=True)
    assert errors == []


def map_drawn(page) -> bool:
    page.wait_for_selector("[data-map-url] canvas", timeout=10_000)
    return True


def upload_boundary(page, base_url: str, world) -> None:
    """Through the office's form, as the office would: a synthetic square per county, never a real boundary."""
    from kesu.indicators.testing import square_boundary

    page.goto(f"{base_url}/indicators/regions/{PDS}/boundary/")
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "test.geojson",
                "mimeType": "application/geo+json",
                "buffer": square_boundary(world.pingdingshan),
            }
        ],
    )
    page.fill("#id_approval_number", "测试（无）")
    page.fill("#id_source", "测试数据，示意图")
    page.click("button:has-text('检查并上传')")
    page.wait_for_load_state("networkidle")
    assert "已上传边界文件" in page.content()
    page.screenshot(path=SCREENSHOTS / "indicators-boundary.png", full_page=True)
