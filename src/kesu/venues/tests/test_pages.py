"""The office's own pages around the registry: a target's count rule, the counts, the public map."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from kesu.core.models import AuditEvent
from kesu.indicators import actions as indicator_actions
from kesu.indicators.models import IndicatorValue
from kesu.indicators.testing import square_boundary
from kesu.plans.models import Target
from kesu.plans.testing import plan_with_task_led_by
from kesu.regions.models import Region
from kesu.venues import counting
from kesu.venues.models import CountRule
from kesu.venues.testing import make_base

pytestmark = pytest.mark.django_db


def this_window() -> tuple[int, int]:
    year = counting.today().year
    return year - 1, year + 3


@pytest.fixture
def target(world: Any) -> Target:
    _plan, task = plan_with_task_led_by(world.kexie)
    return Target.objects.create(task=task, indicator="市级科普教育基地", value=150, unit="个", year=2025)


def test_the_office_sets_a_targets_rule_and_the_value_follows_the_registry(
    world: Any, target: Target, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_base(world.pingdingshan, "市科技馆", number=1, years=this_window())
    make_base(world.pingdingshan, "省级基地", number=2, level=2, years=this_window())
    client = client_for(world.pds_office)
    url = f"/bases/targets/{target.pk}/count-rule/"
    assert url in client.get("/bases/counts/").content.decode()  # the counts page offers the target's rule
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"system": "", "level": "3", "level_comparison": "gte", "measure": "stock"}
        )
    assert response.status_code == 302
    rule = CountRule.objects.get(target=target)
    assert rule.in_words.startswith("市级及以上")
    value = IndicatorValue.objects.get(
        indicator__code="base_count", period=str(counting.today().year), disaggregation={"级别": "市级及以上"}
    )
    assert value.value == 2 and value.region == world.pingdingshan
    assert AuditEvent.objects.filter(verb="count_rule.create").count() == 1
    page = client.get(url).content.decode()
    assert "目前计 <strong>2</strong> 个" in page


def test_only_the_plans_office_sets_the_rule(world: Any, target: Target, client_for: Any) -> None:
    url = f"/bases/targets/{target.pk}/count-rule/"
    data = {"system": "", "level": "3", "level_comparison": "eq", "measure": "stock"}
    assert client_for(world.pds_leader).post(url, data).status_code == 403
    assert client_for(world.xz_office).post(url, data).status_code == 404
    assert not CountRule.objects.exists()


def test_the_counts_page_shows_figures_and_writes_them_for_the_office(world: Any, client_for: Any) -> None:
    make_base(Region.objects.get(code="410421000000"), "宝丰县基地", number=3, years=this_window())
    client = client_for(world.pds_office)
    page = client.get("/bases/counts/").content.decode()
    assert "市级基地" in page and "1 / 2" in page  # 宝丰县 of 新华区, 宝丰县
    assert client.post("/bases/counts/refresh/", {"year": counting.today().year}).status_code == 302
    assert IndicatorValue.objects.filter(source="registry", region=world.pingdingshan).exists()
    assert client_for(world.pds_leader).post("/bases/counts/refresh/").status_code == 403


def test_the_refresh_command_writes_every_regions_figures(world: Any, capsys: Any) -> None:
    make_base(Region.objects.get(code="410421000000"), "宝丰县基地", number=3, years=(2022, 2026))
    call_command("refresh_registry_counts", "--year", "2024")
    out = json.loads(capsys.readouterr().out)
    assert out["year"] == 2024 and out["written"]["bases"] > 0
    for code in ("410421000000", "410400000000", "410000000000"):
        assert (
            IndicatorValue.objects.get(
                indicator__code="base_count", region__code=code, period="2024", disaggregation_key=""
            ).value
            == 1
        )


def test_the_public_page_draws_bases_on_the_public_boundary_map(world: Any) -> None:
    make_base(Region.objects.get(code="410421000000"), "宝丰县基地", number=3, years=this_window())
    assert "kesu-chart" not in Client().get("/bases/public/410400000000/").content.decode()  # a plain list
    indicator_actions.upload_boundary(
        None,
        world.pingdingshan,
        square_boundary(world.pingdingshan),
        filename="pds.json",
        approval_number="豫S（2023）001号",
        source="测试",
        public=True,
    )
    page = Client().get("/bases/public/410400000000/").content.decode()
    assert "kesu-chart" in page and "豫S（2023）001号" in page and "宝丰县基地" in page
    geojson = Client().get("/bases/public/410400000000/", {"boundary": "geojson"})
    assert geojson["Content-Type"].startswith("application/geo+json")
