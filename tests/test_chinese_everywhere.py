"""Every page a non-administrator reads is in Chinese and offers only what that role can do."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role
from kesu.core.models import AuditEvent
from kesu.periods import Period
from kesu.regions import actions as region_actions
from kesu.regions.models import Region
from kesu.reporting import actions, supervision
from kesu.reporting.demo import demo_calendar
from kesu.reporting.testing import fill_report, open_test_cycle
from kesu.testing import PASSWORD, World
from tests.test_every_url_respects_scope import build_url, forbidden_objects, url_names

pytestmark = pytest.mark.django_db

SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S)
TAG = re.compile(r"<[^>]+>")
PERIOD_CODE = re.compile(r"\b20\d\dH[12]\b")
CATALOGUE_CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # volunteer_count, local_410400000000_1
# An API token's prefix (kesu_ and random URL-safe characters, ``accounts.actions``) is shown so its owner
# can tell tokens apart; its random part can look like a code (kesu_t8mlw_d), so it is not read.
TOKEN_PREFIX = re.compile(r"\bkesu_[A-Za-z0-9_-]+")
ENGLISH = re.compile(
    r"\b(?:Choose File|No file chosen|True|False|CAPI|PSU|Taylor|[Rr]aking|Miller|Open SDG)\b"
)


def visible_text(html: str) -> str:
    return TAG.sub(" ", SCRIPT.sub(" ", html))


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_no_page_a_liaison_leader_or_office_reads_shows_codes_or_english(world: World) -> None:
    samples = forbidden_objects(world, world.edu_bureau, world.pingdingshan, world.edu_liaison)
    open_test_cycle(world.edu_bureau, period="2025H1")
    problems = []
    pages = 0
    for user in (world.pds_office, world.edu_liaison, world.pds_leader):
        client = signed_in(user)
        for name, kwargs in url_names():
            if name.startswith("api") or "format" in kwargs or "boundary" in name:
                continue  # the API and the GeoJSON boundary page speak to programs
            try:
                url = build_url(name, kwargs, samples)
            except AssertionError:
                continue  # a keyword another app has not given a sample yet: the URL walk test says so
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            pages += 1
            html = response.content.decode()
            text = TOKEN_PREFIX.sub(" ", visible_text(html))
            for pattern in (PERIOD_CODE, CATALOGUE_CODE, ENGLISH):
                problems += [f"{user.username} {url}: {found}" for found in set(pattern.findall(text))]
            if html.count('type="file"') > html.count('class="kesu-file'):
                problems.append(f"{user.username} {url}: a file input with the browser's English button")
    assert pages > 60
    assert not problems, "\n".join(sorted(problems))


def test_a_liaison_sees_no_region_switcher_and_no_api_documentation(world: World) -> None:
    page = signed_in(world.edu_liaison).get("/").content.decode()
    assert "当前区划" not in page and "region_code" not in page
    assert "/api/docs/" not in page and "接口文档" not in page and "API 令牌" not in page
    office = signed_in(world.pds_office).get("/").content.decode()
    assert "当前区划" in office and "/api/docs/" in office


def test_the_administrators_switcher_finds_any_region_and_goes_there(world: World) -> None:
    admin = signed_in(world.admin)
    found = admin.get("/switch-region/search/", {"q": "平阴"}).content.decode()
    assert 'value="370124000000"' in found and "平阴县（济南市）" in found
    admin.post("/switch-region/", {"region_code": "370124000000", "next": "/"})
    page = admin.get("/").content.decode()
    assert "平阴县 · 工作台" in page and 'value="370124000000" selected' in page
    # An office searches its own subtree only.
    office = signed_in(world.pds_office).get("/switch-region/search/", {"q": "平阴"}).content.decode()
    assert "370124000000" not in office


def test_switching_to_a_county_shows_that_countys_work_only(world: World) -> None:
    baofeng = Region.objects.get(code="410421000000")
    region_actions.create_unit(world.pds_office, baofeng, "宝丰县教育局")
    cycle = open_test_cycle(world.edu_bureau)
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    actions.submit_report(world.edu_liaison, report)
    office = signed_in(world.pds_office)

    city = office.get("/").content.decode()
    assert "份报送已提交，等待审核" in city and "市教育体育局" in city

    office.post("/switch-region/", {"region_code": baofeng.code, "next": "/"})
    county = office.get("/").content.decode()
    assert "宝丰县 · 工作台" in county
    assert "份报送已提交，等待审核" not in county
    assert "宝丰县教育局" in county and "市教育体育局" not in county  # recent actions of the county only


def test_a_leaders_home_offers_reading_and_names_red_lights_and_overdue_notices(world: World) -> None:
    cycle = open_test_cycle(world.edu_bureau, due=timezone.localdate() + timedelta(days=20))
    report = cycle.reports.get(unit=world.edu_bureau)
    first = report.entries.order_by("task__order")[0]
    fill_report(report, world.edu_liaison)
    first.refresh_from_db()
    actions.save_entry(
        world.edu_liaison, first, version=first.version, status="lagging", percent=5, narrative="滞后"
    )
    actions.submit_report(world.edu_liaison, report)
    notice = supervision.issue_notice(
        world.pds_office,
        first.task,
        world.edu_bureau,
        "请加快进度",
        timezone.localdate() + timedelta(days=1),
        cycle,
    )
    type(notice).objects.filter(pk=notice.pk).update(deadline=timezone.localdate() - timedelta(days=2))

    page = signed_in(world.pds_leader).get("/").content.decode()
    assert "需要关注" in page and "项任务亮红灯" in page
    assert "1</span>项督办已超过办理时限" in page and "市教育体育局" in page
    for office_only in (
        "上传方案",
        "添加成员单位",
        "查看与维护",
        "/accounts/users/",
        "/api/docs/",
        "/audit/",
    ):
        assert office_only not in page, office_only
    assert "只读" in page


def test_a_write_on_what_the_user_may_only_read_answers_403_with_a_way_back(world: World) -> None:
    cycle = open_test_cycle(world.edu_bureau)
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    actions.submit_report(world.edu_liaison, report)
    leader = signed_in(world.pds_leader)
    response = leader.post(f"/reporting/reports/{report.pk}/review/", {"decision": "approve"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "无权限" in page and "返回上一页" in page and "返回工作台" in page
    report.refresh_from_db()
    assert report.status == "submitted"
    # Out of scope it stays a 404: the other region's office learns nothing of the report.
    assert signed_in(world.xz_office).post(f"/reporting/reports/{report.pk}/review/").status_code == 404


def test_the_404_and_403_pages_are_kesus_own_in_chinese(world: World, settings: Any) -> None:
    settings.DEBUG = False
    page = signed_in(world.edu_liaison).get("/no-such-page/").content.decode()
    assert "页面不存在" in page and "返回工作台" in page and "Page not found" not in page
    demo = (Path(__file__).resolve().parents[1] / "scripts" / "demo.sh").read_text(encoding="utf-8")
    assert re.search(r"\bDEBUG=0\b", demo) and "collectstatic" in demo  # the demo runs as production does


def test_the_audit_page_names_fields_and_values_in_chinese(world: World) -> None:
    account_actions.update_user(
        world.pds_office, world.edu_liaison, display_name="王老师", email="", mobile="13812345678"
    )
    region_actions.update_unit(world.pds_office, world.edu_bureau, is_member=False)
    office = signed_in(world.pds_office)
    event = AuditEvent.objects.filter(verb="user.update").get()
    page = office.get(f"/audit/{event.pk}/").content.decode()
    assert "姓名" in page and "手机号" in page and "王老师" in page
    assert "display_name" not in page and "accounts.user" not in page and "（用户 #" in page
    event = AuditEvent.objects.filter(verb="unit.update").latest("at")
    page = office.get(f"/audit/{event.pk}/").content.decode()
    assert "领导小组成员单位" in page and ">是<" in page and ">否<" in page
    assert "is_member" not in page and "True" not in page


def test_periods_read_and_typed_as_people_write_them() -> None:
    assert Period.parse("2025H1").label == "2025年上半年"
    assert Period.parse("2025年上半年") == Period.parse("2025H1")
    assert Period.parse("2025年下半年") == Period(2025, 2) and Period.parse("2025年") == Period(2025)
    with pytest.raises(ValueError, match="2025年上半年"):
        Period.parse("2025Q3")


def test_the_value_import_template_speaks_chinese_and_imports_as_it_is(world: World) -> None:
    from openpyxl import load_workbook

    office = signed_in(world.pds_office)
    template = office.get("/indicators/values/template/")
    rows = list(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    text = " ".join(str(c) for row in rows for c in row if c is not None)
    assert not PERIOD_CODE.search(text) and not CATALOGUE_CODE.search(text)
    upload = io.BytesIO(template.content)
    upload.name = "指标数值.xlsx"
    page = office.post("/indicators/values/import/", {"file": upload, "provenance": "统计公报"}, follow=True)
    assert "没有写入任何数据" not in page.content.decode()


@pytest.mark.parametrize(
    ("today", "period", "due"),
    [
        (date(2026, 3, 10), "2026H1", date(2026, 6, 30)),
        (date(2026, 12, 2), "2026H2", date(2026, 12, 30)),
        (date(2026, 12, 27), "2027H1", date(2027, 6, 30)),
    ],
)
def test_the_demo_calendar_is_due_in_the_half_year_it_reports(today: date, period: str, due: date) -> None:
    assert demo_calendar(today) == (Period.parse(period), due)


def test_every_day_of_the_year_the_demo_cycle_falls_due_within_its_own_half_year() -> None:
    day = date(2026, 1, 1)
    while day.year == 2026:
        period, due = demo_calendar(day)
        assert period.start <= due <= period.end and due >= day + timedelta(days=7), day
        day += timedelta(days=1)


def test_a_county_office_signs_in_to_its_county(world: World) -> None:
    account_actions.create_user(
        None, "bf", PASSWORD, role=Role.OFFICE, region=Region.objects.get(code="410421000000")
    )
    client = Client()
    client.post("/accounts/login/", {"username": "bf", "password": PASSWORD})
    assert "宝丰县 · 工作台" in client.get("/").content.decode()


def test_the_wave_form_names_the_scoring_rules_in_chinese(world: World) -> None:
    page = visible_text(signed_in(world.pds_office).get("/survey/waves/new/").content.decode())
    assert "米勒三维度" in page
    assert not ENGLISH.findall(page)
