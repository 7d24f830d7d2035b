"""The 科技馆 system, 示范创建 and 表彰 pages over HTTP: who sees and changes what, Chinese messages."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role
from kesu.core.models import AuditEvent
from kesu.indicators.models import IndicatorValue
from kesu.regions.models import Region
from kesu.testing import PASSWORD, World
from kesu.venues import actions_system as actions
from kesu.venues.models import (
    CallStatus,
    Checklist,
    Creation,
    CreationKind,
    CreationLevel,
    CreationStatus,
    CriterionSource,
    Nomination,
    NomineeKind,
    TourStop,
)
from kesu.venues.testing import make_base

D = datetime.date


@pytest.fixture
def places(world: World) -> dict[str, Any]:
    xinhua = Region.objects.get(code="410402000000")
    baofeng = Region.objects.get(code="410421000000")
    return {
        "xinhua": xinhua,
        "baofeng": baofeng,
        "bf_office": account_actions.create_user(
            None, "bf-office", PASSWORD, role=Role.OFFICE, region=baofeng
        ),
    }


def _messages(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


@pytest.mark.django_db
def test_the_overview_names_the_counties_without_a_courtyard_and_stays_in_scope(
    world: World, places: dict[str, Any], client_for: Any
) -> None:
    make_base(places["xinhua"], "新华区科技小院", number=2, level=0, science_courtyard=True)
    make_base(places["baofeng"], "宝丰县科技馆", number=3, level=0, is_science_museum=True)
    page = client_for(world.pds_office).get("/bases/system/region/410400000000/?year=2025")
    assert page.status_code == 200
    text = page.content.decode()
    assert "尚无科技小院的县（市、区）1 个：宝丰县" in text
    assert "更新指标数值" in text
    county = client_for(places["bf_office"])
    assert county.get("/bases/system/region/410400000000/").status_code == 404
    assert county.get("/bases/system/region/410421000000/").status_code == 200
    assert client_for(world.xz_office).get("/bases/system/region/410400000000/").status_code == 404
    leader = client_for(world.pds_leader)
    assert "更新指标数值" not in leader.get("/bases/system/region/410400000000/").content.decode()
    assert leader.post("/bases/system/region/410400000000/refresh/", {"year": "2025"}).status_code == 403


@pytest.mark.django_db
def test_the_office_refreshes_the_figures_from_the_page(
    world: World, places: dict[str, Any], client_for: Any
) -> None:
    make_base(places["baofeng"], "宝丰县科技馆", number=3, level=0, is_science_museum=True)
    response = client_for(world.pds_office).post(
        "/bases/system/region/410400000000/refresh/", {"year": "2025"}, follow=True
    )
    assert "已更新" in _messages(response)
    assert AuditEvent.objects.filter(verb="indicator_value.record").exists()


@pytest.mark.django_db
def test_a_tour_stop_with_bad_dates_is_refused_in_chinese_and_nothing_is_stored(
    world: World, places: dict[str, Any], client_for: Any
) -> None:
    client = client_for(world.pds_office)
    response = client.post("/bases/system/tours/new/", {"exhibition": "“走近科学”巡展", "year": "2025"})
    assert response.status_code == 302
    tour_url = response["Location"]
    bad = client.post(
        f"{tour_url}stops/",
        {
            "region": places["xinhua"].pk,
            "start_date": "2025-05-10",
            "end_date": "2025-05-01",
            "visitors": "10",
        },
        follow=True,
    )
    assert "结束日期不能早于开始日期" in _messages(bad)
    assert not TourStop.objects.exists()
    good = client.post(
        f"{tour_url}stops/",
        {
            "region": places["xinhua"].pk,
            "start_date": "2025-05-01",
            "end_date": "2025-05-10",
            "visitors": "350",
        },
        follow=True,
    )
    assert "已添加巡展站点" in _messages(good)
    assert "350" in good.content.decode()
    assert client_for(places["bf_office"]).get(tour_url).status_code == 404  # the city's tour
    assert (
        client_for(world.pds_leader)
        .post(
            f"{tour_url}stops/",
            {
                "region": places["xinhua"].pk,
                "start_date": "2025-06-01",
                "end_date": "2025-06-02",
                "visitors": "1",
            },
        )
        .status_code
        == 403
    )


@pytest.mark.django_db
def test_caravan_trips_list_and_export_only_the_subtree(
    world: World, places: dict[str, Any], client_for: Any
) -> None:
    actions.create_caravan_trip(
        None,
        places["baofeng"],
        vehicle="豫D·科普01",
        date=D(2025, 3, 1),
        place="赵庄镇",
        activities=2,
        visitors=120,
        note="",
    )
    actions.create_caravan_trip(
        None,
        places["xinhua"],
        vehicle="豫D·科普02",
        date=D(2025, 3, 2),
        place="光明路",
        activities=1,
        visitors=80,
        note="",
    )
    county = client_for(places["bf_office"]).get("/bases/system/caravan/").content.decode()
    assert "豫D·科普01" in county and "豫D·科普02" not in county
    export = client_for(world.pds_office).get("/bases/system/caravan/?format=xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [c for c in rows[0] if c][:3] == ["车辆", "日期", "区划"]
    assert sorted(r[0] for r in rows[1:] if r[0] in ("豫D·科普01", "豫D·科普02")) == [
        "豫D·科普01",
        "豫D·科普02",
    ]


def _checklist(world: World) -> Any:
    checklist = actions.create_checklist(
        None, world.pingdingshan, kind=CreationKind.COUNTY, name="市级科普示范县创建标准", year=2025
    )
    actions.add_criterion(
        None,
        checklist,
        text="人均科普经费不低于 1 元",
        evidence="预算文件",
        figure="人均科普经费",
        comparator=">=",
        threshold=1.0,
        unit="元",
        source=CriterionSource.MANUAL,
        indicator_code="",
        registry_figure="",
    )
    return checklist


@pytest.mark.django_db
def test_a_county_files_its_creation_and_the_city_checks_it_over_http(
    world: World, places: dict[str, Any], client_for: Any
) -> None:
    checklist = _checklist(world)
    county = client_for(places["bf_office"])
    response = county.post(
        "/bases/system/creations/new/",
        {
            "region": places["baofeng"].pk,
            "kind": "county",
            "level": "3",
            "cycle_start": "2021",
            "cycle_end": "2025",
            "checklist": checklist.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    creation = Creation.objects.get()
    url = creation.get_absolute_url()
    criterion = checklist.criteria.get()
    county.post(f"{url}values/", {"criterion": criterion.pk, "value": "1.5", "note": "预算"})
    page = county.get(url).content.decode()
    assert "达标" in page and "创建地区填报" in page
    county.post(f"{url}step/", {"step": "submit"})
    refused = county.post(f"{url}step/", {"step": "check"}, follow=True)
    assert "“市级检查通过”应由上级素质办办理" in _messages(refused)
    assert client_for(world.xz_office).get(url).status_code == 404
    assert client_for(world.pds_leader).post(f"{url}step/", {"step": "check"}).status_code == 403
    city = client_for(world.pds_office)
    returned = city.post(f"{url}step/", {"step": "return", "reason": ""}, follow=True)
    assert "退回须写明理由" in _messages(returned)
    city.post(f"{url}step/", {"step": "check"})
    creation.refresh_from_db()
    assert creation.status == CreationStatus.CHECKED
    assert "平顶山" not in client_for(world.xz_office).get("/bases/system/creations/").content.decode()


@pytest.mark.django_db
def test_a_liaison_recommends_for_its_unit_and_sees_only_its_own_nominations(
    world: World, client_for: Any
) -> None:
    call = actions.create_call(world.pds_office, world.pingdingshan, year=2025, title="优秀科技志愿服务队")
    actions.nominate(world.pds_office, call, kind=NomineeKind.UNIT, unit=world.kexie, deeds="科协的秘密事迹")
    liaison = client_for(world.edu_liaison)
    url = call.get_absolute_url()
    assert liaison.get(url).status_code == 200
    posted = liaison.post(
        f"{url}nominate/", {"kind": "person", "person_name": "刘老师", "deeds": "辅导学生"}, follow=True
    )
    assert "已推荐" in _messages(posted)
    page = liaison.get(url).content.decode()
    assert "刘老师" in page and "科协的秘密事迹" not in page
    assert Nomination.objects.get(person_name="刘老师").recommended_by == world.edu_bureau
    assert liaison.post(f"{url}step/", {"step": "review"}).status_code == 403
    assert client_for(world.xz_office).get(url).status_code == 404


@pytest.mark.django_db
def test_the_office_walks_a_call_to_publication_over_http(world: World, client_for: Any) -> None:
    office = client_for(world.pds_office)
    response = office.post(
        "/bases/system/awards/new/", {"title": "优秀科普作品", "year": "2025", "quota": "2"}
    )
    assert response.status_code == 302
    url = response["Location"]
    office.post(f"{url}nominate/", {"kind": "unit", "unit": world.edu_bureau.pk})
    office.post(f"{url}step/", {"step": "review"})
    nomination = Nomination.objects.get()
    office.post(f"/bases/system/nominations/{nomination.pk}/review/", {"score": "95", "selected": "on"})
    office.post(f"{url}step/", {"step": "publicise", "publicity_start": "2099-12-02"})  # a Wednesday
    early = office.post(f"{url}step/", {"step": "announce"}, follow=True)
    assert "公示期至 2099-12-08 结束，期满后方可公布" in _messages(early)
    call = nomination.call
    call.refresh_from_db()
    assert (call.status, call.publicity_end) == (CallStatus.PUBLICITY, D(2099, 12, 8))
    bad = office.post(f"/bases/system/nominations/{nomination.pk}/review/", {"score": "abc"}, follow=True)
    assert "评审得分" in _messages(bad)


@pytest.mark.django_db
def test_the_api_lists_only_what_the_pages_show_and_filters_by_subtree(
    world: World, places: dict[str, Any], client_for: Any
) -> None:
    tour = actions.create_tour(None, world.pingdingshan, exhibition="城市巡展", year=2025)
    actions.add_tour_stop(
        None, tour, region=places["baofeng"], start_date=D(2025, 4, 1), end_date=D(2025, 4, 3), visitors=90
    )
    actions.create_caravan_trip(
        None,
        places["baofeng"],
        vehicle="豫D·科普01",
        date=D(2025, 3, 1),
        place="赵庄镇",
        activities=2,
        visitors=120,
        note="",
    )
    actions.create_caravan_trip(
        None,
        places["xinhua"],
        vehicle="豫D·科普02",
        date=D(2025, 3, 2),
        place="光明路",
        activities=1,
        visitors=80,
        note="",
    )
    office = client_for(world.pds_office)
    tours = office.get("/api/venue-tours/").json()["results"]
    assert [(t["exhibition"], t["stops"][0]["visitors"]) for t in tours] == [("城市巡展", 90)]
    trips = office.get("/api/venue-caravan-trips/?region=410421000000").json()["results"]
    assert [t["vehicle"] for t in trips] == ["豫D·科普01"]
    assert client_for(world.xz_office).get("/api/venue-tours/").json()["results"] == []
    assert client_for(world.xz_office).get(f"/api/venue-tours/{tour.pk}/").status_code == 404
    assert client_for(world.edu_liaison).get("/api/venue-caravan-trips/").json()["results"] == []


@pytest.mark.django_db
def test_a_liaison_reads_no_office_figures(world: World, client_for: Any) -> None:
    liaison = client_for(world.edu_liaison)
    assert liaison.get("/bases/system/region/410400000000/").status_code == 404
    assert "本页供素质办和领导查看" in liaison.get("/bases/system/").content.decode()


@pytest.mark.django_db
def test_every_registry_write_refreshes_the_figures_after_commit(
    world: World, places: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.create_caravan_trip(
            None,
            places["baofeng"],
            vehicle="豫D·科普01",
            date=D(2025, 3, 1),
            place="赵庄镇",
            activities=2,
            visitors=120,
            note="",
        )
    values = IndicatorValue.objects.filter(
        indicator__code="caravan_visitors", period="2025", source="registry"
    )
    assert sorted((v.region.name, v.value) for v in values) == [
        ("宝丰县", 120),
        ("平顶山市", 120),
        ("河南省", 120),
    ]


@pytest.mark.django_db
def test_the_office_adds_a_criterion_reading_an_indicator_and_the_page_names_it_in_words(
    world: World, client_for: Any
) -> None:
    checklist = actions.create_checklist(
        None, world.pingdingshan, kind=CreationKind.COMMUNITY, name="科普示范社区标准", year=2025
    )
    office = client_for(world.pds_office)
    url = checklist.get_absolute_url()
    bad = office.post(
        f"{url}criteria/",
        {"text": "常住人口", "comparator": ">=", "source": "indicator", "indicator_code": ""},
        follow=True,
    )
    assert "请选择要读取的指标" in _messages(bad)
    assert not checklist.criteria.exists()
    office.post(
        f"{url}criteria/",
        {
            "text": "常住人口达 5000 人",
            "comparator": ">=",
            "threshold": "5000",
            "unit": "人",
            "source": "indicator",
            "indicator_code": "population",
        },
    )
    page = office.get(url).content.decode()
    assert "指标数值：常住人口" in page and "population" not in page.split("<select", 1)[0]
    assert checklist.criteria.get().indicator_code == "population"
    assert client_for(world.pds_leader).post(f"{url}criteria/", {"text": "越权"}).status_code == 403


@pytest.mark.django_db
def test_the_office_loads_the_reference_county_checklist_and_a_creation_reads_it_live(
    world: World, places: dict[str, Any], client_for: Any
) -> None:
    make_base(places["baofeng"], "宝丰县科技馆", number=3, level=0, is_science_museum=True)
    assert (
        client_for(world.pds_leader)
        .post("/bases/system/checklists/standard/", {"kind": "county"})
        .status_code
        == 403
    )
    response = client_for(world.pds_office).post(
        "/bases/system/checklists/standard/", {"kind": "county"}, follow=True
    )
    assert "已载入参考标准" in _messages(response)
    checklist = Checklist.objects.get()
    assert checklist.criteria.count() == 8
    creation = actions.create_creation(
        None,
        places["baofeng"],
        kind=CreationKind.COUNTY,
        level=CreationLevel.CITY,
        cycle_start=2021,
        cycle_end=2025,
        checklist=checklist,
    )
    page = client_for(places["bf_office"]).get(creation.get_absolute_url()).content.decode()
    assert "登记库计数（2025年）：科技馆数" in page
    assert AuditEvent.objects.filter(verb="venue_checklist.create").count() == 1
