"""Contests Part 1 over HTTP: the record, rankings against population, the freeze and its 组织奖, the 通报,
the indicator values, the API, and who reads what (the organising office, a county office below, a
leader, a liaison, an outsider)."""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone
from docx import Document

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role
from kesu.contests import actions
from kesu.contests.models import Award, AwardKind, Contest, ContestStatus
from kesu.contests.testing import make_contest, region_row, unit_row
from kesu.core.models import AuditEvent
from kesu.indicators.actions import record_value
from kesu.indicators.models import IndicatorValue
from kesu.regions.models import Region
from kesu.testing import PASSWORD

pytestmark = pytest.mark.django_db

XINHUA, BAOFENG = "410402000000", "410421000000"


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def population(code: str, count: int, year: str = "2024") -> None:
    record_value(None, "population", region(code), year, count, source="manual")


def city_contest(world: Any, **fields: Any) -> Contest:
    """平顶山's contest with 新华区 (population known) and 宝丰县 (none), and two member units."""
    population(XINHUA, 400_000)
    rule = {"metric": "participation_rate", "region_count": 1, "unit_metric": "participants", "unit_count": 1}
    contest = make_contest(world.pingdingshan, "2025年全民科学素质网络竞赛", award_rule=rule, **fields)
    rows = [
        region_row(region(XINHUA), 8_000, 40_000, 4_000),
        region_row(region(BAOFENG), 20_000, 90_000, 9_000),
        unit_row(world.edu_bureau, 900, 2_000, 100),
        unit_row(world.kexie, 300, 900, 90),
    ]
    actions.import_results(world.pds_office, contest, rows, filename="平台导出第6周.xlsx")
    return contest


def county_office(world: Any) -> Any:
    return account_actions.create_user(None, "bf-office", PASSWORD, role=Role.OFFICE, region=region(BAOFENG))


def test_the_office_registers_a_contest_linked_to_a_task_with_its_award_rule(
    world: Any, client_for: Any
) -> None:
    from kesu.plans.testing import plan_with_task_led_by

    _plan, task = plan_with_task_led_by(world.kexie)
    task.title = "组织参加全民科学素质网络竞赛"
    task.save()
    client = client_for(world.pds_office)
    assert client.get("/contests/new/").status_code == 200
    response = client.post(
        "/contests/new/",
        {
            "name": "2025年河南省全民科学素质网络竞赛",
            "level": "provincial",
            "kind": "joined",
            "year": "2025",
            "opens_at": "2025-09-01T00:00",
            "closes_at": "2025-09-28T23:59",
            "population_basis": "aged_18_69",
            "plan_tasks": [task.pk],
            "award_metric": "full_score_rate",
            "award_region_count": "3",
            "award_unit_metric": "attempts",
            "award_unit_count": "5",
        },
    )
    contest = Contest.objects.get(name="2025年河南省全民科学素质网络竞赛")
    assert response.status_code == 302
    assert contest.award_rule == {
        "metric": "full_score_rate",
        "region_count": 3,
        "unit_count": 5,
        "unit_metric": "attempts",
        "individual_count": 0,
    }
    assert list(contest.plan_tasks.all()) == [task]
    assert AuditEvent.objects.for_target(contest).filter(verb="contest.create").count() == 1
    page = client.get(contest.get_absolute_url()).content.decode()
    assert "组织参加全民科学素质网络竞赛" in page and "地区按满分率取前 3 名" in page


def test_a_window_that_ends_before_it_starts_is_refused_on_the_form(world: Any, client_for: Any) -> None:
    response = client_for(world.pds_office).post(
        "/contests/new/",
        {
            "name": "倒置的竞赛",
            "level": "city",
            "kind": "joined",
            "year": "2025",
            "opens_at": "2025-09-28T00:00",
            "closes_at": "2025-09-01T00:00",
            "population_basis": "resident",
            "award_metric": "participants",
            "award_region_count": "0",
            "award_unit_metric": "participants",
            "award_unit_count": "0",
        },
    )
    assert "结束时间应晚于开始时间" in response.content.decode()
    assert not Contest.objects.filter(name="倒置的竞赛").exists()


def test_rankings_state_the_population_used_and_rank_a_region_without_one_by_raw_count(
    world: Any, client_for: Any
) -> None:
    contest = city_contest(world)
    page = client_for(world.pds_office).get(f"/contests/{contest.pk}/rankings/").content.decode()
    assert "参与率 = 参赛人数 ÷ 常住人口 × 100%" in page
    assert "人口数据：指标数值“常住人口”2024 年末数" in page
    assert "标“无人口数据”的地区缺少人口数据，不参与参与率排名" in page
    # 新华区 ranks first on rate (2 %) although 宝丰县 has more participants (rank 1 on raw count).
    table = page[page.index('id="region-rankings"') :]
    assert table.index("新华区") < table.index("宝丰县")
    assert "2.000%" in table


def test_figures_at_deeper_levels_roll_up_to_the_organising_regions_direct_sub_regions(
    world: Any, client_for: Any
) -> None:
    from kesu.contests.rankings import rankings

    henan = Region.objects.get(code="410000000000")
    contest = make_contest(henan, "河南省竞赛")
    rows = [
        region_row(region(XINHUA), 10, 20),
        region_row(region(BAOFENG), 5, 10),
        region_row(world.xinzheng, 7, 7),
    ]
    actions.import_results(None, contest, rows, filename="省平台.xlsx")
    result = rankings(contest)
    assert {s.place.name: s.place.participants for s in result.regions} == {"平顶山市": 15, "郑州市": 7}
    assert result.total.participants == 22


def test_settling_freezes_the_figures_into_the_awards_and_refuses_a_later_import(
    world: Any, client_for: Any
) -> None:
    contest = city_contest(world)
    client = client_for(world.pds_office)
    client.post(f"/contests/{contest.pk}/advance/", {"from": "open"})
    contest.refresh_from_db()
    assert contest.status == ContestStatus.SETTLING and contest.frozen_at is not None
    region_award = Award.objects.get(contest=contest, kind=AwardKind.REGION)
    assert region_award.region == region(XINHUA)  # the only region with a rate
    assert region_award.metrics["participants"] == 8_000 and region_award.metrics["population"] == 400_000
    assert region_award.metrics["value"] == pytest.approx(2.0)
    assert Award.objects.get(contest=contest, kind=AwardKind.UNIT).unit == world.edu_bureau
    assert AuditEvent.objects.for_target(contest).filter(verb="contest.freeze").count() == 1
    with pytest.raises(actions.ContestError, match="成绩已冻结"):
        actions.import_results(None, contest, [region_row(region(XINHUA), 1, 1)], filename="晚到.xlsx")
    with pytest.raises(actions.ContestError, match="不能再修改"):
        actions.update_contest(None, contest, award_rule={"metric": "participants", "region_count": 2})


def test_a_stale_page_moves_nothing(world: Any, client_for: Any) -> None:
    contest = city_contest(world)
    client = client_for(world.pds_office)
    client.post(f"/contests/{contest.pk}/advance/", {"from": "open"})
    response = client.post(f"/contests/{contest.pk}/advance/", {"from": "open"}, follow=True)
    assert "页面已过期" in response.content.decode()
    assert Contest.objects.get(pk=contest.pk).status == ContestStatus.SETTLING


def test_an_own_contest_locks_its_bank_on_the_bank_page_not_by_the_step_button(world: Any) -> None:
    contest = actions.create_contest(
        None,
        world.pingdingshan,
        name="自办竞赛",
        level="city",
        kind="own",
        year=2025,
        opens_at=timezone.make_aware(datetime(2025, 9, 1)),
        closes_at=timezone.make_aware(datetime(2025, 9, 28)),
    )
    assert actions.step_label(contest) == ""
    with pytest.raises(actions.ContestError, match="题库"):
        actions.advance_contest(None, contest, ContestStatus.DRAFT)


def test_the_notice_ranks_regions_and_units_and_lists_the_awards(world: Any, client_for: Any) -> None:
    contest = city_contest(world)
    actions.advance_contest(None, contest, ContestStatus.OPEN)
    response = client_for(world.pds_leader).get(f"/contests/{contest.pk}/notice.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "参与率 = 参赛人数 ÷ 常住人口 × 100%" in text
    assert "地区组织奖第 1 名：新华区（参赛 8,000 人、40,000 人次）" in text
    assert "单位组织奖第 1 名：市教育体育局" in text
    assert "无人口数据（按人数第 1）" in cells and "2.000%" in cells


def test_a_county_office_reads_the_citys_contest_but_only_its_own_row(world: Any, client_for: Any) -> None:
    contest = city_contest(world)
    client = client_for(county_office(world))
    page = client.get(f"/contests/{contest.pk}/rankings/").content.decode()
    assert "宝丰县" in page and "新华区" not in page and "市教育体育局" not in page
    assert client.get(f"/contests/{contest.pk}/notice.docx").status_code == 403
    assert client.post(f"/contests/{contest.pk}/advance/", {"from": "open"}).status_code == 403
    body = json.loads(client.get(f"/api/contests/{contest.pk}/").content)
    assert [f["region_name"] for f in body["figures"]] == ["宝丰县"]


def test_a_liaison_reads_its_own_units_figures_only(world: Any, client_for: Any) -> None:
    contest = city_contest(world)
    client = client_for(world.edu_liaison)
    assert client.get(contest.get_absolute_url()).status_code == 404
    page = client.get("/contests/mine/").content.decode()
    assert "市教育体育局" in page and "900" in page and "市科协" not in page
    figures = json.loads(client.get("/api/contest-figures/").content)
    rows = figures["results"] if isinstance(figures, dict) else figures
    assert [row["unit_name"] for row in rows] == ["市教育体育局"]
    assert json.loads(client.get("/api/contests/").content) in (
        [],
        {"count": 0, "next": None, "previous": None, "results": []},
    )


def test_an_outsider_finds_nothing(world: Any, client_for: Any) -> None:
    contest = city_contest(world)
    client = client_for(world.xz_office)
    for url in ("/", "/rankings/", "/edit/", "/results/import/", "/notice.docx"):
        assert client.get(f"/contests/{contest.pk}{url}").status_code == 404, url
    assert "2025年全民科学素质网络竞赛" not in client.get("/contests/").content.decode()
    assert client.get(f"/api/contests/{contest.pk}/").status_code == 404


def test_the_import_writes_indicator_values_with_the_contest_and_file_as_provenance(world: Any) -> None:
    contest = city_contest(world)
    values = IndicatorValue.objects.filter(
        region=region(XINHUA), period="2025", disaggregation_key__contains="竞赛"
    )
    by_code = {v.indicator.code: v for v in values.select_related("indicator")}
    assert by_code["contest_participants"].value == 8_000
    assert by_code["contest_attempts"].value == 40_000
    assert by_code["contest_participation_rate"].value == pytest.approx(2.0)
    assert "2025年全民科学素质网络竞赛" in by_code["contest_participants"].provenance
    assert "平台导出第6周.xlsx" in by_code["contest_participants"].provenance
    assert not IndicatorValue.objects.filter(
        region=region(BAOFENG), indicator__code="contest_participation_rate"
    ).exists()
    city = IndicatorValue.objects.get(
        region=world.pingdingshan, indicator__code="contest_participants", period="2025"
    )
    assert city.value == 28_000
    assert actions.refresh_indicators(None, contest) == 0  # unchanged figures write nothing
    assert actions.refresh_year(2025) == 0  # nor does the nightly ``refresh_registry_counts``


def test_the_rankings_page_costs_the_same_for_twice_the_units(world: Any, client_for: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kesu.regions import actions as region_actions

    contest = city_contest(world)
    client = client_for(world.pds_office)
    url = f"/contests/{contest.pk}/rankings/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    units = [region_actions.create_unit(None, world.pingdingshan, f"测试单位{n}") for n in range(4)]
    actions.import_results(
        None, contest, [unit_row(unit, 10, 20) for unit in units], filename="更多单位.xlsx"
    )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_office_edits_its_contest_with_before_and_after_audited_and_a_leader_only_reads(
    world: Any, client_for: Any
) -> None:
    contest = city_contest(world)
    form = {
        "name": "2025年河南省全民科学素质网络竞赛（平顶山赛区）",
        "level": "provincial",
        "year": "2025",
        "opens_at": "2025-09-01T00:00",
        "closes_at": "2025-09-28T23:59",
        "population_basis": "resident",
        "award_metric": "participation_rate",
        "award_region_count": "2",
        "award_unit_metric": "participants",
        "award_unit_count": "1",
    }
    leader = client_for(world.pds_leader)
    assert leader.get(f"/contests/{contest.pk}/rankings/").status_code == 200
    assert leader.post(f"/contests/{contest.pk}/edit/", form).status_code == 403
    assert client_for(world.pds_office).post(f"/contests/{contest.pk}/edit/", form).status_code == 302
    event = AuditEvent.objects.for_target(contest).get(verb="contest.update")
    assert (event.before or {})["name"] == "2025年全民科学素质网络竞赛"
    assert (event.after or {})["award_rule"]["region_count"] == 2
    assert Contest.objects.get(pk=contest.pk).kind == "joined"  # the kind is not on the edit form
