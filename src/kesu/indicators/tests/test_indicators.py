"""Indicators over HTTP and through the actions: values, roll-up over the region tree, status, import."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kesu.core.models import AuditEvent
from kesu.indicators import actions
from kesu.indicators.figures import SubtreeFigures
from kesu.indicators.models import IndicatorValue, TargetLink
from kesu.indicators.testing import import_published_plan
from kesu.plans.models import Target
from kesu.regions import actions as region_actions
from kesu.regions.models import Region

pytestmark = pytest.mark.django_db
XINHUA, BAOFENG = "410402000000", "410421000000"


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def test_recording_a_value_twice_replaces_it_and_audits_both(world: Any) -> None:
    first = actions.record_value(
        world.pds_office, "volunteer_count", world.pingdingshan, "2024h2", 100, source="manual"
    )
    second = actions.record_value(
        world.pds_office,
        "volunteer_count",
        world.pingdingshan,
        "2024H2",
        120,
        source="report",
        provenance="报告 #7",
    )
    assert first.pk == second.pk and second.period == "2024H2"
    assert IndicatorValue.objects.get().value == 120
    events = AuditEvent.objects.filter(verb="indicator_value.record")
    assert events.count() == 2
    assert (events.order_by("-pk")[0].before or {}).get("value") == 100


def test_a_ratio_given_as_parts_gets_its_value_and_disaggregations_are_separate_rows(world: Any) -> None:
    rate = actions.record_value(
        None,
        "literacy_rate",
        world.pingdingshan,
        "2024",
        None,
        numerator=130,
        denominator=1000,
        source="survey",
    )
    assert rate.value == pytest.approx(13.0)
    actions.record_value(
        None, "base_count", world.pingdingshan, "2024", 5, disaggregation={"级别": "市级"}, source="registry"
    )
    actions.record_value(None, "base_count", world.pingdingshan, "2024", 9, source="registry")
    assert IndicatorValue.objects.filter(indicator__code="base_count").count() == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"source": "guess"}, "来源"),
        ({"period": "2024Q3"}, "无法识别的期间"),
        ({"value": None}, "没有数值"),
        ({"indicator_code": "no_such"}, "不存在"),
    ],
)
def test_bad_values_are_refused_in_chinese(world: Any, kwargs: dict, message: str) -> None:
    args = {"indicator_code": "volunteer_count", "period": "2024", "value": 1.0, "source": "manual", **kwargs}
    with pytest.raises(actions.IndicatorError, match=message):
        actions.record_value(
            None,
            args.pop("indicator_code"),
            world.pingdingshan,
            args.pop("period"),
            args.pop("value"),
            **args,
        )


def test_the_catalogue_is_idempotent_and_suggests_indicators_for_the_seed_targets(world: Any) -> None:
    assert len(actions.ensure_catalogue()) == len(actions.ensure_catalogue())
    plan = import_published_plan(world.pingdingshan)
    suggested = {
        t.text: (actions.suggest_indicator(t) or t).__str__() for t in Target.objects.filter(task__plan=plan)
    }
    assert suggested["科普中国信息员注册比例达到常住人口的4%"] == "科普中国信息员注册比例"
    assert suggested["市级首席科普专家达到400人以上"] == "首席科普专家数"
    assert suggested["每年完成各类职业培训15万人次"] == "职业培训人次"


def test_a_city_ratio_is_the_ratio_of_its_counties_sums_not_their_average(world: Any) -> None:
    actions.record_value(
        None,
        "literacy_rate",
        region(XINHUA),
        "2024",
        None,
        numerator=10_000,
        denominator=100_000,
        source="survey",
    )
    actions.record_value(
        None,
        "literacy_rate",
        region(BAOFENG),
        "2024",
        None,
        numerator=2_000,
        denominator=10_000,
        source="survey",
    )
    city = SubtreeFigures.load(actions.indicator_by_code("literacy_rate"), world.pingdingshan).at(
        world.pingdingshan, "2024"
    )
    assert city.value == pytest.approx(12_000 / 110_000 * 100)  # 10.91%, not (10 + 20) / 2 = 15%
    assert city.origin == "rollup"


def test_a_missing_county_leaves_the_city_a_gap_not_a_smaller_sum(world: Any) -> None:
    actions.record_value(None, "volunteer_count", region(XINHUA), "2024", 300, source="registry")
    actions.record_value(None, "volunteer_count", region(XINHUA), "2025", 350, source="registry")
    actions.record_value(None, "volunteer_count", region(BAOFENG), "2025", 150, source="registry")
    figures = SubtreeFigures.load(actions.indicator_by_code("volunteer_count"), world.pingdingshan)
    gap = figures.at(world.pingdingshan, "2024")
    assert gap.value is None and gap.missing == ("宝丰县",) and gap.partial == 300
    assert figures.at(world.pingdingshan, "2025").value == 500


def test_a_rate_imported_without_parts_is_weighted_by_its_denominator_indicator(world: Any) -> None:
    for code, people, rate in ((XINHUA, 300_000, 4.0), (BAOFENG, 100_000, 1.0)):
        actions.record_value(None, "population", region(code), "2024", people, source="import")
        actions.record_value(None, "informant_rate", region(code), "2024H2", rate, source="import")
    figures = SubtreeFigures.load(actions.indicator_by_code("informant_rate"), world.pingdingshan)
    assert figures.at(world.pingdingshan, "2024H2").value == pytest.approx(3.25)  # 13 000 / 400 000


def test_moving_a_county_to_another_city_moves_its_figures_with_it(world: Any) -> None:
    for code, count in ((XINHUA, 300), (BAOFENG, 200)):
        actions.record_value(None, "volunteer_count", region(code), "2024", count, source="registry")
    zhengzhou = Region.objects.get(code="410100000000")
    actions.record_value(None, "volunteer_count", world.xinzheng, "2024", 1000, source="registry")
    region_actions.move_region(None, region(BAOFENG), zhengzhou)
    volunteers = actions.indicator_by_code("volunteer_count")
    assert SubtreeFigures.load(volunteers, world.pingdingshan).at(world.pingdingshan, "2024").value == 300
    assert SubtreeFigures.load(volunteers, zhengzhou).at(zhengzhou, "2024").value == 1200


def test_per_year_targets_are_judged_per_year_on_the_dashboard(world: Any, client_for: Any) -> None:
    plan = import_published_plan(world.pingdingshan)
    target = Target.objects.get(task__plan=plan, text="每年完成各类职业培训15万人次")
    actions.link_target(world.pds_office, target, actions.indicator_by_code("vocational_training_count"))
    for period, amount in (("2021", 152_000), ("2022H1", 70_000), ("2022H2", 70_000), ("2023H1", 80_000)):
        actions.record_value(
            None, "vocational_training_count", world.pingdingshan, period, amount, source="report"
        )
    response = client_for(world.pds_leader).get(f"/indicators/regions/{world.pingdingshan.code}/")
    status = next(s for s in response.context["statuses"] if s.target.pk == target.pk)
    assert status.assessment is not None
    assert [(y, s.value) for y, s, _ in status.assessment.years][:3] == [
        (2021, "achieved"),
        (2022, "off_track"),
        (2023, "on_track"),
    ]
    assert "2022年" in status.assessment.inputs
    assert "已实现" in response.content.decode() or "进展正常" in response.content.decode()


def test_an_office_links_a_target_and_the_overview_shows_its_status_with_inputs(
    world: Any, client_for: Any
) -> None:
    plan = import_published_plan(world.pingdingshan)
    target = Target.objects.get(task__plan=plan, text="全市注册科技志愿者5000人以上")
    office = client_for(world.pds_office)
    indicator = actions.indicator_by_code("volunteer_count")
    response = office.post(
        f"/indicators/plans/{plan.pk}/links/",
        {
            "target_id": target.pk,
            f"t{target.pk}-target": target.pk,
            f"t{target.pk}-indicator": indicator.pk,
            f"t{target.pk}-baseline_year": 2020,
            f"t{target.pk}-baseline_value": 1000,
        },
    )
    assert response.status_code == 302
    link = TargetLink.objects.get(target=target)
    assert link.confirmed and link.baseline_value == 1000
    actions.record_value(None, "volunteer_count", world.pingdingshan, "2023", 3400, source="registry")
    page = office.get(f"/indicators/regions/{world.pingdingshan.code}/").content.decode()
    assert (
        "进展正常" in page and "目标 5,000人，2023年 3,400人，按目前进度 2025年约 5,000人，进展正常" in page
    )
    assert (
        "<summary>计算方法</summary>" in page and "按进度此时应达：3,400人" in page
    )  # the method note, folded
    assert (
        client_for(world.pds_leader).post(f"/indicators/plans/{plan.pk}/links/", {"suggest": "1"}).status_code
        == 404
    )


def upload(client: Any, name: str, content: bytes) -> Any:
    return client.post(
        "/indicators/values/import/",
        {"file": SimpleUploadedFile(name, content), "provenance": "2024年统计年鉴"},
    )


def test_a_tidy_gbk_csv_imports_with_disaggregations_and_blank_meaning_total(
    world: Any, client_for: Any
) -> None:
    text = "指标,区划代码,期间,级别,数值\nbase_count,410400,2024,市级,12\nbase_count,410400000000,2024,,30\n"
    response = upload(client_for(world.pds_office), "基地.csv", text.encode("gbk"))
    assert response.status_code == 302
    rows = {v.disaggregation_key: v.value for v in IndicatorValue.objects.all()}
    assert rows == {"级别=市级": 12, "": 30}
    assert IndicatorValue.objects.first().provenance.startswith("2024年统计年鉴")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("指标,区划,期间,数量\nvolunteer_count,410400,2024,5\n", "缺少必需的列：数值"),
        ("指标,区划代码,期间,数值\nvolunteer_count,410499,2024,5\n", "第 2 行：区划代码“410499000000”不存在"),
        ("指标,区划代码,期间,数值\nvolunteer_count,410400,2024,十二\n", "第 2 行：数值“十二”不是数字"),
        ("指标,区划代码,期间,数值\nvolunteer_count,370124,2024,5\n", "不在您管理的区划范围内"),
        ("指标,区划代码,期间,数值\n志愿者,410400,2024,5\n", "不在指标目录中"),
    ],
)
def test_a_bad_import_names_the_problem_and_stores_nothing(
    world: Any, client_for: Any, content: str, message: str
) -> None:
    good = "volunteer_count,410400,2023,7\n"
    response = upload(client_for(world.pds_office), "values.csv", (content + good).encode("utf-8"))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "没有导入任何数据" in response.content.decode()
    assert not IndicatorValue.objects.exists()


def test_an_xlsx_import_works_too(world: Any, client_for: Any) -> None:
    from kesu.core.exports import xlsx_bytes

    data = xlsx_bytes(
        "v", ["指标", "区划代码", "期间", "数值"], [["科普中国信息员注册人数", "410402000000", "2024H1", 88]]
    )
    assert upload(client_for(world.pds_office), "v.xlsx", data).status_code == 302
    assert IndicatorValue.objects.get().region.name == "新华区"


def test_the_api_filters_by_indicator_subtree_and_period_as_json_and_csv(world: Any, client_for: Any) -> None:
    actions.record_value(None, "volunteer_count", region(XINHUA), "2024H1", 10, source="registry")
    actions.record_value(None, "volunteer_count", region(XINHUA), "2023", 9, source="registry")
    actions.record_value(None, "volunteer_count", world.pingyin, "2024H1", 5, source="registry")
    actions.record_value(None, "population", region(XINHUA), "2024", 1000, source="import")
    client = client_for(world.pds_office)
    body = client.get("/api/indicator-values/?indicator=volunteer_count&region=4104&period=2024").json()
    assert [(r["region"], r["period"], r["value"]) for r in body["results"]] == [(XINHUA, "2024H1", 10.0)]
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/api/indicator-values/?indicator=volunteer_count&format=csv").content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert sorted(r["period"] for r in rows) == ["2023", "2024H1"]  # 平阴县 is out of scope


def test_the_public_page_shows_only_what_was_published(world: Any, client_for: Any) -> None:
    anonymous = client_for(None)
    assert anonymous.get(f"/indicators/public/{world.pingdingshan.code}/").status_code == 404
    actions.record_value(None, "volunteer_count", world.pingdingshan, "2024", 10, source="registry")
    actions.record_value(None, "population", world.pingdingshan, "2024", 1000, source="import")
    office = client_for(world.pds_office)
    office.post(
        f"/indicators/regions/{world.pingdingshan.code}/publish/",
        {"indicator": "volunteer_count", "published": "1"},
    )
    page = anonymous.get(f"/indicators/public/{world.pingdingshan.code}/").content.decode()
    assert "注册科技志愿者数" in page and "常住人口" not in page
    csv_body = anonymous.get(
        f"/indicators/public/{world.pingdingshan.code}/?download=public-volunteer_count&format=csv"
    )
    assert "10" in csv_body.content.decode("utf-8-sig")


def test_an_office_adds_its_own_indicator_that_another_office_cannot_see(world: Any, client_for: Any) -> None:
    response = client_for(world.pds_office).post(
        "/indicators/catalogue/new/",
        {
            "code": "science_day_events",
            "name": "科普日活动场次",
            "unit": "场",
            "aggregation": "sum",
            "temporal": "flow",
            "scale": 100,
        },
    )
    assert response.status_code == 302
    assert "科普日活动场次" in client_for(world.pds_leader).get("/indicators/catalogue/").content.decode()
    assert "科普日活动场次" not in client_for(world.xz_office).get("/indicators/catalogue/").content.decode()
    assert (
        client_for(world.pds_office)
        .post(
            "/indicators/catalogue/new/",
            {"code": "Bad Code", "name": "x", "aggregation": "sum", "temporal": "flow", "scale": 1},
        )
        .status_code
        == 200
    )


def test_every_dashboard_table_downloads(world: Any, client_for: Any) -> None:
    actions.record_value(None, "volunteer_count", region(XINHUA), "2024", 10, source="registry")
    client = client_for(world.pds_leader)
    base = f"/indicators/regions/{world.pingdingshan.code}/"
    for url in (
        f"{base}?download=headline&format=xlsx",
        f"{base}?download=targets&format=csv",
        f"{base}?download=tasks&format=xlsx",
        f"{base}compare/?indicator=volunteer_count&download=compare&format=csv",
        f"{base}volunteer_count/?download=series&format=xlsx",
        f"{base}volunteer_count/?download=breakdown&format=csv",
    ):
        response = client.get(url)
        assert response.status_code == 200 and "attachment" in response["Content-Disposition"], url
