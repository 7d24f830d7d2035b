"""The office's overview: by unit and by nature, 执行率, and 人均科普经费 with what it divides by what."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kesu.funding import actions
from kesu.funding.testing import make_line
from kesu.indicators.actions import record_value
from kesu.indicators.models import IndicatorValue


def _city_year(world: Any) -> None:
    """平顶山市 2025: 本级财政 600,000 元 arrived (400,000 + 200,000), 100,000 from the province."""
    make_line(world.kexie, "科普日", nature="special", budget=Decimal(200_000), received=Decimal(200_000))
    make_line(
        world.edu_bureau,
        "科技教育",
        nature="appropriation",
        budget=Decimal(500_000),
        received=Decimal(400_000),
    )
    make_line(
        world.edu_bureau,
        "转移支付项目",
        nature="transfer",
        budget=Decimal(100_000),
        received=Decimal(100_000),
    )
    record_value(None, "population", world.pingdingshan, "2024", 4_000_000, source="import")
    record_value(None, "registered_population", world.pingdingshan, "2025", 5_000_000, source="import")


def test_the_overview_states_the_numerator_and_the_denominator_of_the_per_capita_figure(
    world: Any, client_for: Any
) -> None:
    _city_year(world)
    page = client_for(world.pds_office).get("/funding/overview/", {"year": "2025"}).content.decode()
    assert "0.15 <span" in page  # 600,000 元 ÷ 4,000,000 人
    assert "本级财政科普经费（到位数）÷ 常住人口" in page
    assert "600,000.00 元 = 2 个项目的到位数之和" in page
    assert "2024 年末常住人口 4,000,000 人" in page  # the latest figure before the year, said so
    assert "2024 年人均科普专项经费 5.60 元/人" in page  # the national series, latest year published


def test_the_office_chooses_special_funding_per_registered_resident(world: Any, client_for: Any) -> None:
    _city_year(world)
    query = {"year": "2025", "numerator": "special", "basis": "budget", "denominator": "registered"}
    page = client_for(world.pds_office).get("/funding/overview/", query).content.decode()
    assert "0.04 <span" in page  # 200,000 元 ÷ 5,000,000 人
    assert "科普专项经费（预算数）÷ 户籍人口" in page and "2025 年末户籍人口 5,000,000 人" in page


def test_without_a_population_the_page_says_which_figure_is_missing(world: Any, client_for: Any) -> None:
    make_line(world.kexie, "科普日")
    page = client_for(world.pds_office).get("/funding/overview/", {"year": "2025"}).content.decode()
    assert "缺少常住人口数据" in page


def test_the_overview_totals_by_nature_and_unit_with_the_rate_of_the_sums(
    world: Any, client_for: Any
) -> None:
    _city_year(world)
    page = client_for(world.pds_office).get("/funding/overview/", {"year": "2025"}).content.decode()
    # spent: 80,000 ×3 = 240,000 of budgets 800,000 → 30.00 %; the education bureau 160,000 ÷ 600,000 → 26.67 %
    assert "30.00%" in page and "26.67%" in page
    assert "市教育体育局" in page and "上级转移支付" in page


def test_a_liaison_sees_its_own_units_totals_but_no_regional_per_capita_figure(
    world: Any, client_for: Any
) -> None:
    _city_year(world)
    page = client_for(world.edu_liaison).get("/funding/overview/", {"year": "2025"}).content.decode()
    assert "市教育体育局" in page and "科普日" not in page and 'id="per-capita"' not in page
    assert "200,000.00" not in page  # the 科协's special line is in no total the liaison sees


def test_the_refresher_writes_funding_total_and_per_capita_with_provenance(world: Any) -> None:
    _city_year(world)
    assert actions.refresh_year(2025) > 0
    total = IndicatorValue.objects.get(
        indicator__code="funding_total", region=world.pingdingshan, period="2025", disaggregation_key=""
    )
    assert total.value == 24.0 and total.source == "registry"  # 240,000 元 spent = 24 万元
    assert total.provenance == "登记库（科普经费）：各项目执行数之和（万元）"
    by_nature = IndicatorValue.objects.filter(
        indicator__code="funding_total", region=world.pingdingshan
    ).exclude(disaggregation_key="")
    assert {row.disaggregation["资金性质"]: row.value for row in by_nature} == {
        "财政拨款": 8.0,
        "科普专项": 8.0,
        "上级转移支付": 8.0,
    }
    per_head = IndicatorValue.objects.get(indicator__code="funding_per_capita", region=world.pingdingshan)
    assert (per_head.value, per_head.numerator, per_head.denominator) == (0.15, 600_000.0, 4_000_000.0)
    assert "本级财政科普经费（到位数）÷ 常住人口" in per_head.provenance
    province = world.pingdingshan.parent
    assert IndicatorValue.objects.filter(indicator__code="funding_total", region=province).exists()
    assert actions.refresh_year(2025) == 0  # nothing changed: nothing rewritten, no new audit event


def test_special_funding_per_head_is_compared_with_the_national_figure_as_a_share(
    world: Any, client_for: Any
) -> None:
    _city_year(world)
    query = {"year": "2025", "numerator": "special", "denominator": "registered"}
    page = client_for(world.pds_office).get("/funding/overview/", query).content.decode()
    assert "本地为全国的 0.7%" in page  # 0.04 元 ÷ 5.60 元
    own = client_for(world.pds_office).get("/funding/overview/", {"year": "2025"}).content.decode()
    assert "口径不同（本页分子为本级财政科普经费），仅供参考" in own


def test_the_city_office_reads_its_own_units_one_by_one_and_each_county_as_one_row(
    world: Any, client_for: Any
) -> None:
    from kesu.regions import actions as region_actions
    from kesu.regions.models import Region

    baofeng = Region.objects.get(code="410421000000")
    county_unit = region_actions.create_unit(None, baofeng, "县教体局")
    make_line(
        county_unit, "县科普日", budget=Decimal(50_000), received=Decimal(50_000), spent=Decimal(50_000)
    )
    make_line(county_unit, "县科技周", budget=Decimal(50_000), received=Decimal(50_000), spent=Decimal(0))
    make_line(world.kexie, "科普日")
    page = client_for(world.pds_office).get("/funding/overview/", {"year": "2025"}).content.decode()
    assert "本级单位（平顶山市）" in page and "市科协" in page
    assert "宝丰县" in page and "region=410421000000" in page and "县教体局" not in page
    assert "50.00%" in page  # 宝丰县: 50,000 of 100,000 spent
