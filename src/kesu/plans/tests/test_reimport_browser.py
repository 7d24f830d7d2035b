"""In a real browser the office re-imports a revised plan and chooses, field by field, over its corrections."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

from kesu.plans import actions
from kesu.plans.models import Target
from kesu.plans.tests.test_reimport_corrections import MUSEUMS, work_points
from kesu.testing import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_office_sees_its_corrections_against_the_new_document_and_picks(
    live_server,
    browser_page,  # noqa: F811
    tmp_path: Path,
) -> None:
    world = build_world()
    plan = actions.import_plan(world.pds_office, world.pingdingshan, work_points(), "要点.docx")
    museums = plan.tasks.get(title="建设校园科技馆")
    target = museums.targets.get()
    actions.save_target(
        world.pds_office,
        museums,
        target,
        indicator=target.indicator,
        value=25,
        unit="个",
        comparator=">=",
        year=target.year,
        per_year=False,
    )
    units = {"lead": ["市科协"], "participating": [], "responsible": []}
    actions.update_task(world.pds_office, museums, title=museums.title, text=museums.text, units=units)
    revised = tmp_path / "要点（修订）.docx"
    revised.write_bytes(work_points(museums=MUSEUMS.format(count=30), museums_lead="市教体局、市科协"))

    page = browser_page
    log_in(page, live_server.url, "pds-office", PASSWORD)
    page.goto(f"{live_server.url}/plans/{plan.pk}/reimport/")
    page.set_input_files("input[type=file]", str(revised))
    page.click("main button:has-text('上传并比较')")
    page.wait_for_load_state("networkidle")
    conflicts = page.locator("#reimport-conflicts")
    assert conflicts.is_visible()
    assert page.locator("tr.reimport-conflict").count() == 2
    assert "您手工修改过：25" in conflicts.inner_text() and "新文件为：30" in conflicts.inner_text()
    assert page.locator("input[value=office]:checked").count() == 2  # the office's value by default
    page.locator("tr.reimport-conflict", has_text="目标值").get_by_label("采用新文件").check()
    page.screenshot(path=SCREENSHOTS / "plan-reimport-conflicts.png", full_page=True)
    page.click("main button:has-text('确认更新')")
    page.wait_for_load_state("networkidle")
    assert "保留手工修改 2 处" in page.locator("body").inner_text()
    target = Target.objects.get(pk=target.pk)
    assert (target.value, target.unit) == (30, "个")
    assert [r.display_name for r in museums.responsibilities.filter(role="lead")] == ["市科协"]
    assert page.console_errors == []
