"""The 科技馆 system, 示范创建 and 表彰 in a real browser: the city's overview names the county without a
科技小院; the city checks and accepts a county's creation; a call goes to 公示 with its end date."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest
from tests.browser import SCREENSHOTS, browser_page, log_in  # noqa: F401

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role
from kesu.regions.models import Region
from kesu.testing import PASSWORD, build_world
from kesu.venues import actions_system as actions
from kesu.venues.models import (
    AwardCall,
    CallStatus,
    Creation,
    CreationKind,
    CreationStatus,
    CriterionSource,
    NomineeKind,
)
from kesu.venues.testing import make_base

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("KESU_VENUES_SHOTS", SCREENSHOTS))
D = datetime.date


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def _world() -> dict[str, Any]:
    world = build_world()
    xinhua = Region.objects.get(code="410402000000")
    baofeng = Region.objects.get(code="410421000000")
    make_base(xinhua, "新华区科技馆", number=1, level=0, is_science_museum=True, museum_meets_standard=True)
    make_base(xinhua, "新华区科技小院", number=2, level=0, science_courtyard=True)
    make_base(baofeng, "宝丰县科技馆", number=3, level=0, is_science_museum=True)
    tour = actions.create_tour(None, world.pingdingshan, exhibition="“科技改变生活”流动科技馆", year=2025)
    actions.add_tour_stop(
        None, tour, region=baofeng, start_date=D(2025, 5, 6), end_date=D(2025, 5, 30), visitors=4200
    )
    actions.create_caravan_trip(
        None,
        baofeng,
        vehicle="豫D·科普01",
        date=D(2025, 6, 1),
        place="赵庄镇",
        activities=3,
        visitors=650,
        note="科普进乡村",
    )
    checklist = actions.create_checklist(
        None, world.pingdingshan, kind=CreationKind.COUNTY, name="市级科普示范县创建标准", year=2025
    )
    for text, figure, threshold, unit, source, registry in (
        ("人均科普经费不低于 1 元", "人均科普经费", 1.0, "元", CriterionSource.MANUAL, ""),
        ("建有科技小院", "科技小院数", 1, "个", CriterionSource.REGISTRY, "science_courtyard_count"),
        ("建有实体科技馆", "科技馆数", 1, "个", CriterionSource.REGISTRY, "science_museum_count"),
    ):
        actions.add_criterion(
            None,
            checklist,
            text=text,
            evidence="相关文件",
            figure=figure,
            comparator=">=",
            threshold=threshold,
            unit=unit,
            source=source,
            indicator_code="",
            registry_figure=registry,
        )
    creation = actions.create_creation(
        None,
        baofeng,
        kind=CreationKind.COUNTY,
        level=3,
        cycle_start=2021,
        cycle_end=2025,
        checklist=checklist,
    )
    actions.set_criterion_value(
        None, creation, checklist.criteria.get(order=1), value=1.3, note="2025 年预算"
    )
    actions.take_creation_step(None, creation, "submit")
    call = actions.create_call(
        world.pds_office, world.pingdingshan, year=2025, title="优秀科普工作单位", quota=2
    )
    actions.nominate(
        world.pds_office, call, kind=NomineeKind.UNIT, unit=world.edu_bureau, deeds="开展校园科技节 12 场"
    )
    actions.nominate(
        world.kexie_liaison, call, kind=NomineeKind.PERSON, person_name="李科普", deeds="科普讲座 30 场"
    )
    account_actions.create_user(None, "bf-office", PASSWORD, role=Role.OFFICE, region=baofeng)
    return {"world": world, "creation": creation, "call": call}


def test_the_city_reads_its_venues_checks_a_creation_and_publicises_a_call(live_server, browser_page) -> None:  # noqa: F811
    made = _world()
    page = browser_page
    log_in(page, live_server.url, "pds-office", PASSWORD)
    page.goto(f"{live_server.url}/bases/system/region/410400000000/?year=2025")
    assert "尚无科技小院的县（市、区）1 个：宝丰县" in page.inner_text("main")
    _shot(page, "v3-system-overview")

    creation = made["creation"]
    page.goto(f"{live_server.url}{creation.get_absolute_url()}")
    assert page.locator("text=未达标").count() == 1  # 宝丰 has no 科技小院 yet
    page.click("button:has-text('市级检查通过')")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=document_no]", "平科协〔2025〕8号")
    page.click("button:has-text('验收通过')")
    page.wait_for_load_state("networkidle")
    assert Creation.objects.get(pk=creation.pk).status == CreationStatus.ACCEPTED
    _shot(page, "v3-creation-accepted")

    call = made["call"]
    page.goto(f"{live_server.url}{call.get_absolute_url()}")
    page.click("button:has-text('截止推荐，开始评审')")
    page.wait_for_load_state("networkidle")
    first = page.locator("form[action*='/review/']").first
    first.locator("input[name=score]").fill("95")
    first.locator("input[name=selected]").check()
    first.locator("button").click()
    page.wait_for_load_state("networkidle")
    page.fill("input[name=publicity_start]", "2099-12-02")
    page.click("button:has-text('评审完成，开始公示')")
    page.wait_for_load_state("networkidle")
    assert "2099-12-02 至 2099-12-08" in page.inner_text("main")
    page.click("button:has-text('公示期满，公布结果')")
    page.wait_for_load_state("networkidle")
    assert "期满后方可公布" in page.inner_text("body")
    assert AwardCall.objects.get(pk=call.pk).status == CallStatus.PUBLICITY
    _shot(page, "v3-call-publicity")
    assert not page.console_errors
