"""The experts registry in a real browser: a selection from application to appointment, and an emergency
dispatch from the roster to the event's timeline; on a desktop and on a 390 px phone."""

from __future__ import annotations

import pytest

from kesu.experts.models import Appointment, Dispatch
from kesu.testing import PASSWORD, build_world
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shoot(page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / f"experts-{name}.png", full_page=True)
    width = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SCREENSHOTS / f"experts-{name}-phone.png", full_page=True)
    page.set_viewport_size(width)


def _submit(page, selector: str = "main form button.btn-primary") -> None:
    page.locator(selector).first.click()
    page.wait_for_load_state("networkidle")


def test_an_office_walks_an_expert_through_the_selection_to_appointment(live_server, browser_page) -> None:  # noqa: F811
    build_world()
    page = browser_page
    log_in(page, live_server.url, "pds-office", PASSWORD)
    page.click("text=科普专家")
    page.wait_for_load_state("networkidle")
    page.click("text=添加")
    page.fill("#id_name", "周明远")
    page.select_option("#id_sex", "male")
    page.fill("#id_phone", "13912345678")
    page.fill("#id_employer", "平顶山市第一人民医院")
    page.select_option("#id_rank", "associate")
    page.select_option("#id_discipline", "medicine")
    page.fill("#id_field_tags", "卫生健康、传染病")
    page.select_option("#id_recommending_unit", label="市教育体育局")
    page.get_by_label("应急", exact=True).check()
    page.get_by_label("老年人", exact=True).check()
    _submit(page)
    assert "已添加专家：周明远" in page.content() and "139****5678" in page.content()
    page.goto(f"{live_server.url}/experts/selections/new/")
    page.fill("#id_year", "2026")
    page.fill("#id_batch", "第六批")
    _submit(page)
    page.select_option("#id_expert", label="周明远")
    page.select_option("#id_recommending_unit", label="市教育体育局")
    page.click("text=登记申请 >> nth=-1")
    page.wait_for_load_state("networkidle")
    page.click("table >> text=周明远")
    page.wait_for_load_state("networkidle")
    for stage in ("单位推荐", "资格审核", "评审", "公示", "聘任"):
        if stage == "评审":
            page.fill("#id_score", "92")
        page.click(f"text=通过，进入“{stage}”")
        page.wait_for_load_state("networkidle")
        assert f"已进入“{stage}”环节" in page.content()
    assert Appointment.objects.get().status == "serving"
    assert "在聘" in page.content()
    _shoot(page, "application")
    page.goto(f"{live_server.url}/experts/")
    _shoot(page, "list")
    assert page.console_errors == []


def test_an_office_dispatches_an_emergency_expert_and_reads_the_timeline(live_server, browser_page) -> None:  # noqa: F811
    world = build_world()
    from kesu.experts.testing import make_expert

    make_expert(world.pingdingshan, "孙立新", "13912340000", unit=world.kexie)
    page = browser_page
    log_in(page, live_server.url, "pds-office", PASSWORD)
    page.goto(f"{live_server.url}/experts/roster/new/")
    page.fill("#id_name", "传染病")
    page.fill("#id_response_hours", "2")
    page.select_option("#id_experts", label="孙立新")
    _submit(page)
    assert "孙立新" in page.content()
    _shoot(page, "roster")
    page.goto(f"{live_server.url}/experts/events/new/")
    page.fill("#id_title", "流感高发季应急科普")
    page.select_option("#id_topic", label="传染病")
    page.fill("#id_opened_at", "2026-01-05T08:00")
    _submit(page)
    page.select_option("#id_expert", label="孙立新")
    page.select_option("#id_ask", "article")
    page.fill("#id_requested_at", "2026-01-05T09:00")
    page.click("text=派遣 >> nth=-1")
    page.wait_for_load_state("networkidle")
    page.click("summary:has-text('登记响应')")
    page.fill("#id_responded_at", "2026-01-05T12:30")
    page.fill("#id_output", "流感防护解读稿")
    page.fill("#id_url", "https://kepu.example.cn/flu")
    page.fill("#id_reach", "12000")
    page.click("details button:has-text('登记')")
    page.wait_for_load_state("networkidle")
    assert Dispatch.objects.get().response_hours == 3.5
    timeline = page.locator(".experts-timeline").inner_text()
    assert timeline.index("启动") < timeline.index("派遣 孙立新") < timeline.index("流感防护解读稿")
    assert "超过承诺" in timeline
    _shoot(page, "event")
    assert page.console_errors == []
