"""The survey in a real browser: the office's pages, the report's charts, the questionnaire on a phone."""

from __future__ import annotations

import pytest

from kesu.survey import actions
from kesu.survey.demo import build_demo_wave
from kesu.survey.models import Respondent
from kesu.survey.tests.conftest import towns_of
from kesu.testing import PASSWORD, build_world
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_office_sees_its_wave_and_the_report_with_charts_beside_the_national_figures(
    live_server,
    browser_page,  # noqa: F811
) -> None:
    world = build_world()
    towns_of(world.pingyin)
    wave = build_demo_wave(world.pingyin)
    page = browser_page
    log_in(page, live_server.url, "py-office", PASSWORD)
    page.click("text=素质调查")
    page.wait_for_load_state("networkidle")
    assert page.locator("table tbody tr").first.inner_text().startswith("平阴县公民科学素质调查")
    page.screenshot(path=SCREENSHOTS / "survey-index.png", full_page=True)
    page.goto(f"{live_server.url}/survey/waves/{wave.pk}/")
    assert "权数诊断" in page.content()
    page.screenshot(path=SCREENSHOTS / "survey-wave.png", full_page=True)
    page.click("text=题目统计")
    page.wait_for_load_state("networkidle")
    assert "中位用时（秒）" in page.content() and page.locator("table tbody tr").count() == 38
    page.screenshot(path=SCREENSHOTS / "survey-items.png", full_page=True)
    page.goto(f"{live_server.url}/survey/waves/{wave.pk}/report/")
    page.wait_for_selector(".domain-chart canvas")
    assert page.locator(".domain-chart canvas").count() >= 6
    assert "15.37%" in page.locator(".stat-card").nth(3).inner_text()
    page.screenshot(path=SCREENSHOTS / "survey-report.png", full_page=True)
    assert page.console_errors == []


def test_a_respondent_answers_the_questionnaire_on_a_phone(live_server, browser_page) -> None:  # noqa: F811
    world = build_world()
    towns_of(world.pingyin)
    wave = build_demo_wave(world.pingyin)
    actions.set_status(world.py_office, wave, "open")
    code = actions.issue_codes(world.py_office, wave, wave.frame.all()[0], 1)[0].code
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/survey/r/{code}/")
    page.select_option("#id_sex", "女")
    page.fill("#id_age", "41")
    page.select_option("#id_education", "高中")
    page.select_option("#id_urban_rural", "农村")
    page.select_option("#id_occupation", "农林牧渔业生产人员")
    page.screenshot(path=SCREENSHOTS / "survey-phone-profile.png", full_page=True)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "第 1 / 38 题" in page.content()
    page.locator("label.choice").first.click()
    page.screenshot(path=SCREENSHOTS / "survey-phone-item.png", full_page=True)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "第 2 / 38 题" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    assert page.console_errors == []


def test_a_respondent_starts_from_the_public_link_and_a_full_quota_cell_turns_the_next_away(
    live_server,
    browser_page,  # noqa: F811
) -> None:
    world = build_world()
    towns_of(world.pingyin)
    wave = build_demo_wave(world.pingyin)
    actions.set_status(world.py_office, wave, "open")
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/survey/q/{wave.public_token}/")
    page.click("text=开始作答")
    page.wait_for_load_state("networkidle")
    assert Respondent.objects.filter(source="web").count() == 0  # nothing is kept before the profile
    page.select_option("#id_sex", "男")
    page.fill("#id_age", "52")
    page.select_option("#id_education", "初中")
    page.select_option("#id_urban_rural", "城镇")
    page.select_option("#id_occupation", "生产制造及有关人员")
    page.select_option("#id_unit", index=1)
    page.screenshot(path=SCREENSHOTS / "survey-phone-public-profile.png", full_page=True)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    code = Respondent.objects.get(source="web").code
    assert "第 1 / 38 题" in page.content() and code in page.content()
    page.screenshot(path=SCREENSHOTS / "survey-phone-public-item.png", full_page=True)
    men = Respondent.objects.filter(wave=wave, sex="男", status="complete").count()
    actions.set_quotas(world.py_office, wave, {"sex": {"男": men}})
    page.context.clear_cookies()  # another phone
    page.goto(f"{live_server.url}/survey/q/{wave.public_token}/")
    page.click("text=开始作答")
    page.select_option("#id_sex", "男")
    page.fill("#id_age", "30")
    page.select_option("#id_education", "高中")
    page.select_option("#id_urban_rural", "农村")
    page.select_option("#id_occupation", "农林牧渔业生产人员")
    page.select_option("#id_unit", index=1)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已经足够" in page.content() and Respondent.objects.filter(source="web").count() == 1
    page.screenshot(path=SCREENSHOTS / "survey-phone-quota-full.png", full_page=True)
    assert page.console_errors == []
