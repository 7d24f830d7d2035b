"""The 科技馆 system, 示范创建 and 表彰: counts on hand-computed cases, the step tables, the 考核 link."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role
from kesu.core.models import AuditEvent
from kesu.indicators import actions as indicator_actions
from kesu.indicators.models import IndicatorValue
from kesu.regions import actions as region_actions
from kesu.regions.models import Region
from kesu.reporting import assessment, rules
from kesu.reporting.models import Score
from kesu.testing import PASSWORD, World
from kesu.venues import actions_system as actions
from kesu.venues import counting_system as counting
from kesu.venues.actions_system import VenueSystemError
from kesu.venues.models import (
    AwardCall,
    CallStatus,
    Creation,
    CreationKind,
    CreationLevel,
    CreationStatus,
    CriterionSource,
    NomineeKind,
    working_days_end,
)
from kesu.venues.testing import make_base

D = datetime.date
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def places(world: World) -> dict[str, Region]:
    return {
        "xinhua": Region.objects.get(code="410402000000"),
        "baofeng": Region.objects.get(code="410421000000"),
        "zhengzhou": Region.objects.get(code="410100000000"),
    }


def _stock(world: World, places: dict[str, Region]) -> None:
    """新华区: a 达标 科技馆 and a 科技小院; 宝丰县: a 科技馆 not 达标 and a 农村中学科技馆; 新郑市 (another
    city): a 科技小院 that 平顶山 must not count."""
    make_base(
        places["xinhua"],
        "新华区科技馆",
        number=1,
        level=0,
        is_science_museum=True,
        museum_meets_standard=True,
    )
    make_base(places["xinhua"], "新华区科技小院", number=2, level=0, science_courtyard=True)
    make_base(places["baofeng"], "宝丰县科技馆", number=3, level=0, is_science_museum=True)
    make_base(places["baofeng"], "宝丰县农村中学科技馆", number=4, level=0, rural_school_museum=True)
    make_base(world.xinzheng, "新郑科技小院", number=5, level=0, science_courtyard=True)


def _values(figures: list[counting.Figure]) -> dict[str, Any]:
    return {
        f.code: (f.value if f.denominator is None else (f.numerator, f.denominator))
        for f in figures
        if not f.disaggregation
    }


# ---- working days -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2025, 12, 1), D(2025, 12, 5)),  # Monday → Friday
        (D(2025, 12, 3), D(2025, 12, 9)),  # Wednesday → next Tuesday, over a weekend
        (D(2025, 12, 6), D(2025, 12, 12)),  # Saturday: starts counting on Monday
        (D(2025, 12, 5), D(2025, 12, 11)),  # Friday → next Thursday
    ],
)
def test_publicity_lasts_five_working_days_skipping_weekends(start: D, end: D) -> None:
    assert working_days_end(start, 5) == end


# ---- counting -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_city_counts_its_counties_venues_and_names_the_county_without_a_courtyard(
    world: World, places: dict[str, Region]
) -> None:
    _stock(world, places)
    rows = {row.region.name: row for row in counting.county_rows(world.pingdingshan, 2025)}
    assert set(rows) == {"新华区", "宝丰县"}
    assert (rows["新华区"].museums, rows["新华区"].standard_museums, rows["新华区"].courtyards) == (1, 1, 1)
    assert (rows["宝丰县"].museums, rows["宝丰县"].standard_museums, rows["宝丰县"].rural_school_museums) == (
        1,
        0,
        1,
    )
    assert [r.name for r in counting.lacking_courtyard(list(rows.values()))] == ["宝丰县"]
    values = _values(counting.figures(world.pingdingshan, 2025))
    assert values["science_museum_count"] == 2
    assert values["science_museum_standard_count"] == 1
    assert values["rural_school_museum_count"] == 1
    assert values["science_courtyard_count"] == 1  # 新郑's is another city's
    assert values["science_courtyard_county_coverage"] == (1, 2)
    assert values["science_museum_county_coverage"] == (2, 2)


@pytest.mark.django_db
def test_tour_stops_and_caravan_trips_count_in_the_year_they_start_and_in_their_county(
    world: World, places: dict[str, Region]
) -> None:
    tour = actions.create_tour(None, world.pingdingshan, exhibition="“科技改变生活”展", year=2025)
    actions.add_tour_stop(
        None, tour, region=places["xinhua"], start_date=D(2025, 5, 1), end_date=D(2025, 5, 20), visitors=300
    )
    actions.add_tour_stop(
        None,
        tour,
        region=places["baofeng"],
        start_date=D(2025, 12, 20),
        end_date=D(2026, 1, 10),
        visitors=200,
    )
    for day, people in ((D(2025, 3, 1), 120), (D(2025, 9, 1), 80), (D(2024, 9, 1), 999)):
        actions.create_caravan_trip(
            None,
            places["baofeng"],
            vehicle="豫D·科普01",
            date=day,
            place="赵庄镇",
            activities=2,
            visitors=people,
            note="",
        )
    city = _values(counting.figures(world.pingdingshan, 2025))
    assert (city["mobile_museum_stop_count"], city["mobile_museum_visitors"]) == (2, 500)
    assert (city["caravan_trip_count"], city["caravan_visitors"]) == (2, 200)
    baofeng = _values(counting.figures(places["baofeng"], 2025))
    assert (baofeng["mobile_museum_stop_count"], baofeng["mobile_museum_visitors"]) == (1, 200)
    assert _values(counting.figures(places["xinhua"], 2026))["mobile_museum_stop_count"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("where", "start", "end", "message"),
    [
        ("zhengzhou_county", D(2025, 5, 1), D(2025, 5, 2), "不在平顶山市范围内"),
        ("city", D(2025, 5, 1), D(2025, 5, 2), "巡展站点应选择县（市、区）"),
        ("xinhua", D(2025, 5, 2), D(2025, 5, 1), "结束日期不能早于开始日期"),
        ("xinhua", D(2026, 1, 2), D(2026, 1, 5), "站点开始日期应在巡展年度 2025 年内"),
    ],
)
def test_a_tour_stop_outside_the_region_or_its_year_is_refused_in_chinese(
    world: World, places: dict[str, Region], where: str, start: D, end: D, message: str
) -> None:
    region = {"zhengzhou_county": world.xinzheng, "city": world.pingdingshan, "xinhua": places["xinhua"]}[
        where
    ]
    tour = actions.create_tour(None, world.pingdingshan, exhibition="巡展", year=2025)
    with pytest.raises(VenueSystemError, match=message):
        actions.add_tour_stop(None, tour, region=region, start_date=start, end_date=end, visitors=1)
    assert not tour.stops.exists()


@pytest.mark.django_db
def test_refresh_records_registry_values_with_provenance_and_skips_unchanged_ones(
    world: World, places: dict[str, Region]
) -> None:
    _stock(world, places)
    written = counting.refresh_system_counts(world.pds_office, places["baofeng"], 2025)
    assert written > 0
    value = IndicatorValue.objects.get(
        indicator__code="science_museum_count",
        region=world.pingdingshan,
        period="2025",
        disaggregation_key="",
    )
    assert (value.value, value.source) == (2, "registry")
    assert value.provenance.startswith("登记库：平顶山市及下级区划")
    coverage = IndicatorValue.objects.get(
        indicator__code="science_courtyard_county_coverage", region=world.pingdingshan, period="2025"
    )
    assert (coverage.numerator, coverage.denominator, coverage.value) == (1, 2, 50)
    assert (
        IndicatorValue.objects.filter(region=places["baofeng"], indicator__code="science_museum_count")
        .get()
        .value
        == 1
    )
    assert counting.refresh_system_counts(world.pds_office, places["baofeng"], 2025) == 0


@pytest.mark.django_db
def test_a_county_moved_to_another_city_counts_there_at_once(world: World, places: dict[str, Region]) -> None:
    _stock(world, places)
    region_actions.move_region(None, places["baofeng"], places["zhengzhou"])
    pds = _values(counting.figures(world.pingdingshan, 2025))
    zhengzhou = _values(counting.figures(Region.objects.get(pk=places["zhengzhou"].pk), 2025))
    assert (pds["science_museum_count"], pds["science_museum_county_coverage"]) == (1, (1, 1))
    assert zhengzhou["science_museum_count"] == 1
    assert zhengzhou["science_courtyard_county_coverage"] == (1, 2)  # 新郑市 has one, 宝丰县 none


# ---- 示范创建 ------------------------------------------------------------------------------------


def _checklist(world: World) -> Any:
    checklist = actions.create_checklist(
        None, world.pingdingshan, kind=CreationKind.COUNTY, name="市级科普示范县创建标准", year=2025
    )
    actions.add_criterion(
        None,
        checklist,
        text="人均科普经费不低于 1 元",
        evidence="财政预算文件",
        figure="人均科普经费",
        comparator=">=",
        threshold=1.0,
        unit="元",
        source=CriterionSource.MANUAL,
        indicator_code="",
        registry_figure="",
    )
    actions.add_criterion(
        None,
        checklist,
        text="建有科技小院",
        evidence="批复文件",
        figure="科技小院数",
        comparator=">=",
        threshold=1,
        unit="个",
        source=CriterionSource.REGISTRY,
        indicator_code="",
        registry_figure="science_courtyard_count",
    )
    actions.add_criterion(
        None,
        checklist,
        text="常住人口达 30 万",
        evidence="",
        figure="常住人口",
        comparator=">=",
        threshold=300000,
        unit="人",
        source=CriterionSource.INDICATOR,
        indicator_code="population",
        registry_figure="",
    )
    return checklist


def _county_office(region: Region, name: str) -> Any:
    return account_actions.create_user(None, name, PASSWORD, role=Role.OFFICE, region=region)


@pytest.mark.django_db
def test_the_checklist_reads_typed_live_registry_and_indicator_figures(
    world: World, places: dict[str, Region]
) -> None:
    _stock(world, places)
    creation = actions.create_creation(
        None,
        places["xinhua"],
        kind=CreationKind.COUNTY,
        level=CreationLevel.CITY,
        cycle_start=2021,
        cycle_end=2025,
        checklist=_checklist(world),
    )
    indicator_actions.record_value(None, "population", places["xinhua"], "2024", 250000, source="import")
    funding = creation.checklist.criteria.get(order=1)
    actions.set_criterion_value(None, creation, funding, value=1.2, note="2025 年预算")
    rows = counting.checklist_rows(creation, 2025)
    assert [(r.value, r.met) for r in rows] == [(1.2, True), (1.0, True), (250000, False)]
    assert rows[2].where.startswith("指标数值（2024年")
    make_base(places["xinhua"], "第二个科技小院", number=9, level=0, science_courtyard=True)
    assert counting.checklist_rows(creation, 2025)[1].value == 2.0  # live: the new courtyard shows at once


@pytest.mark.django_db
def test_creation_steps_follow_the_table_with_returns_and_who_may_take_them(
    world: World, places: dict[str, Region]
) -> None:
    xinhua_office = _county_office(places["xinhua"], "xh-office")
    creation = actions.create_creation(
        xinhua_office,
        places["xinhua"],
        kind=CreationKind.COUNTY,
        level=CreationLevel.CITY,
        cycle_start=2021,
        cycle_end=2025,
        checklist=_checklist(world),
    )
    actions.take_creation_step(xinhua_office, creation, "submit")
    with pytest.raises(VenueSystemError, match="“市级检查通过”应由上级素质办办理"):
        actions.take_creation_step(xinhua_office, creation, "check")
    with pytest.raises(VenueSystemError, match="不能“验收通过”"):
        actions.take_creation_step(world.pds_office, creation, "accept")
    with pytest.raises(VenueSystemError, match="只有自评中或退回修改时可以修改"):
        actions.set_criterion_value(
            xinhua_office, creation, creation.checklist.criteria.get(order=1), value=1
        )
    with pytest.raises(VenueSystemError, match="退回须写明理由"):
        actions.take_creation_step(world.pds_office, creation, "return")
    actions.take_creation_step(world.pds_office, creation, "return", reason="经费佐证不全")
    actions.take_creation_step(xinhua_office, creation, "submit")
    actions.take_creation_step(world.pds_office, creation, "check")
    creation = actions.take_creation_step(
        world.pds_office, creation, "accept", document_no="平科协〔2025〕8号", named_on=D(2025, 11, 3)
    )
    assert (creation.status, creation.document_no, creation.named_on) == (
        CreationStatus.ACCEPTED,
        "平科协〔2025〕8号",
        D(2025, 11, 3),
    )
    log = list(creation.steps.values_list("step", "reason"))
    assert log == [("submit", ""), ("return", "经费佐证不全"), ("submit", ""), ("check", ""), ("accept", "")]
    verbs = list(AuditEvent.objects.for_target(creation).order_by("pk").values_list("verb", flat=True))
    assert verbs[-3:] == ["venue_creation.submit", "venue_creation.check", "venue_creation.accept"]
    counted = _values(counting.figures(world.pingdingshan, 2025))
    assert counted["demo_creation_count"] == 1
    assert _values(counting.figures(world.pingdingshan, 2026))["demo_creation_count"] == 0  # the cycle ended


@pytest.mark.django_db
def test_evidence_is_kept_per_criterion_and_a_program_is_refused(
    world: World, places: dict[str, Region]
) -> None:
    creation = actions.create_creation(
        None,
        places["xinhua"],
        kind=CreationKind.COUNTY,
        level=CreationLevel.CITY,
        cycle_start=2021,
        cycle_end=2025,
        checklist=_checklist(world),
    )
    criterion = creation.checklist.criteria.get(order=1)
    actions.add_creation_evidence(world.pds_office, creation, criterion, PNG, "预算批复.png")
    with pytest.raises(VenueSystemError, match="不是可接受的佐证材料"):
        actions.add_creation_evidence(world.pds_office, creation, criterion, b"MZ\x90\x00", "工具.exe")
    rows = counting.checklist_rows(creation, 2025)
    assert [e.filename for e in rows[0].evidence] == ["预算批复.png"]


@pytest.mark.django_db
def test_a_creation_with_the_wrong_checklist_or_level_is_refused(
    world: World, places: dict[str, Region]
) -> None:
    checklist = _checklist(world)
    with pytest.raises(VenueSystemError, match="应选择县级区划"):
        actions.create_creation(
            None,
            world.pingdingshan,
            kind=CreationKind.COUNTY,
            level=1,
            cycle_start=2021,
            cycle_end=2025,
            checklist=checklist,
        )
    with pytest.raises(VenueSystemError, match="与创建类型不符"):
        actions.create_creation(
            None,
            places["xinhua"],
            kind=CreationKind.COMMUNITY,
            level=3,
            cycle_start=2021,
            cycle_end=2025,
            checklist=checklist,
            place="光明社区",
        )
    with pytest.raises(VenueSystemError, match="止年不能早于起年"):
        actions.create_creation(
            None,
            places["xinhua"],
            kind=CreationKind.COUNTY,
            level=3,
            cycle_start=2025,
            cycle_end=2021,
            checklist=checklist,
        )
    assert not Creation.objects.exists()


# ---- 表彰奖励 ------------------------------------------------------------------------------------


def _announced_call(world: World) -> tuple[AwardCall, Any, Any]:
    call = actions.create_call(
        world.pds_office, world.pingdingshan, year=2025, title="优秀科普工作单位", quota=1
    )
    unit = actions.nominate(
        world.pds_office, call, kind=NomineeKind.UNIT, unit=world.edu_bureau, deeds="开展校园科技节"
    )
    person = actions.nominate(world.kexie_liaison, call, kind=NomineeKind.PERSON, person_name="李科普")
    actions.take_call_step(world.pds_office, call, "review")
    actions.review_nomination(world.pds_office, unit, score=92, selected=True)
    actions.review_nomination(world.pds_office, person, score=80, selected=False)
    actions.take_call_step(world.pds_office, call, "publicise", publicity_start=D(2025, 12, 6))
    actions.take_call_step(
        world.pds_office, call, "announce", document_no="平科协〔2025〕20号", today=D(2025, 12, 13)
    )
    return AwardCall.objects.get(pk=call.pk), unit, person


@pytest.mark.django_db
def test_a_call_runs_nomination_review_publicity_and_announcement(world: World) -> None:
    call = actions.create_call(
        world.pds_office, world.pingdingshan, year=2025, title="优秀科技辅导员", quota=1
    )
    first = actions.nominate(world.pds_office, call, kind=NomineeKind.PERSON, person_name="王老师")
    with pytest.raises(VenueSystemError, match="“王老师”已被推荐过"):
        actions.nominate(world.pds_office, call, kind=NomineeKind.PERSON, person_name="王老师")
    second = actions.nominate(world.kexie_liaison, call, kind=NomineeKind.PERSON, person_name="赵老师")
    assert second.recommended_by == world.kexie  # a liaison recommends as its unit
    with pytest.raises(VenueSystemError, match="联络员只能以本单位名义推荐"):
        actions.nominate(
            world.kexie_liaison,
            call,
            kind=NomineeKind.PERSON,
            person_name="钱老师",
            recommended_by=world.edu_bureau,
        )
    with pytest.raises(VenueSystemError, match="只有本级素质办或本区划成员单位联络员可以推荐"):
        actions.nominate(world.xz_office, call, kind=NomineeKind.PERSON, person_name="孙老师")
    actions.take_call_step(world.pds_office, call, "review")
    with pytest.raises(VenueSystemError, match="推荐已截止"):
        actions.nominate(world.pds_office, call, kind=NomineeKind.PERSON, person_name="周老师")
    with pytest.raises(VenueSystemError, match="还没有拟表彰对象"):
        actions.take_call_step(world.pds_office, call, "publicise")
    actions.review_nomination(world.pds_office, first, score=90, selected=True)
    actions.review_nomination(world.pds_office, second, score=88, selected=True)
    with pytest.raises(VenueSystemError, match="拟表彰 2 个，超过名额 1 个"):
        actions.take_call_step(world.pds_office, call, "publicise")
    actions.review_nomination(world.pds_office, second, score=88, selected=False)
    call = actions.take_call_step(world.pds_office, call, "publicise", publicity_start=D(2025, 12, 6))
    assert (call.status, call.publicity_start, call.publicity_end) == (
        CallStatus.PUBLICITY,
        D(2025, 12, 6),
        D(2025, 12, 12),
    )
    with pytest.raises(VenueSystemError, match="公示期至 2025-12-12 结束，期满后方可公布"):
        actions.take_call_step(world.pds_office, call, "announce", today=D(2025, 12, 12))
    call = actions.take_call_step(
        world.pds_office, call, "announce", document_no="平科协〔2025〕21号", today=D(2025, 12, 15)
    )
    assert (call.status, call.announced_on) == (CallStatus.ANNOUNCED, D(2025, 12, 15))
    assert _values(counting.figures(world.pingdingshan, 2025))["award_count"] == 1


@pytest.mark.django_db
def test_an_award_to_a_unit_becomes_a_bonus_item_in_that_units_assessment(world: World) -> None:
    scheme = assessment.create_scheme(None, world.pingdingshan, 2025, rules.Weights(20, 20, 40, 20))
    score = Score.objects.create(scheme=scheme, unit=world.edu_bureau)
    call, unit_award, person_nomination = _announced_call(world)
    with pytest.raises(VenueSystemError, match="只有平顶山市素质办可以在本级考核中加分"):
        actions.link_award_bonus(world.xz_office, unit_award, points=2)
    with pytest.raises(VenueSystemError, match="只有已公布的表彰对象可以计入考核加分"):
        actions.link_award_bonus(world.pds_office, person_nomination, points=2)
    linked = actions.link_award_bonus(world.pds_office, unit_award, points=2)
    item = linked.bonus
    assert item is not None
    assert (item.kind, item.points, item.reason) == ("bonus", 2, "市教育体育局获2025年度优秀科普工作单位")
    score.refresh_from_db()
    assert score.total == 2  # no component computed yet: the bonus alone
    with pytest.raises(VenueSystemError, match="不能重复计入"):
        actions.link_award_bonus(world.pds_office, unit_award, points=2)
    assert AuditEvent.objects.filter(verb="venue_award.bonus").count() == 1
    assert AuditEvent.objects.filter(verb="assessment.adjustment_add").count() == 1


@pytest.mark.django_db
def test_a_bonus_needs_the_years_scheme_and_the_units_score(world: World) -> None:
    call, unit_award, _ = _announced_call(world)
    with pytest.raises(VenueSystemError, match="平顶山市还没有2025年度考核方案"):
        actions.link_award_bonus(world.pds_office, unit_award, points=2)
    assessment.create_scheme(None, world.pingdingshan, 2025, rules.Weights(20, 20, 40, 20))
    with pytest.raises(VenueSystemError, match="“市教育体育局”在2025年度考核中还没有得分"):
        actions.link_award_bonus(world.pds_office, unit_award, points=2)


def test_every_verb_the_actions_record_has_its_own_chinese_label() -> None:
    import re
    from pathlib import Path

    from kesu.core.models import VERB_LABELS
    from kesu.venues.models import CALL_STEPS, CREATION_STEPS

    source = (Path(actions.__file__)).read_text(encoding="utf-8")
    verbs = set(re.findall(r'"(venue_[a-z_]+\.[a-z_]+)"', source))
    verbs |= {f"venue_creation.{name}" for name in CREATION_STEPS} | {
        f"venue_award.{name}" for name in CALL_STEPS
    }
    labels = {verb: VERB_LABELS.get(verb) for verb in verbs}
    assert all(labels.values()), [verb for verb, label in labels.items() if not label]
    assert len(set(labels.values())) == len(labels)  # two verbs sharing a label read as one in the history


@pytest.mark.django_db
def test_the_yearly_refresh_covers_every_region_with_venues_once(
    world: World, places: dict[str, Region]
) -> None:
    _stock(world, places)
    paths = counting.system_paths()
    assert places["baofeng"].path in paths and world.xinzheng.path in paths
    counting.refresh_system_paths(None, paths, 2025)
    values = IndicatorValue.objects.filter(indicator__code="science_courtyard_count", period="2025")
    assert sorted((v.region.name, v.value) for v in values) == [
        ("宝丰县", 0),
        ("平顶山市", 1),
        ("新华区", 1),
        ("新郑市", 1),
        ("河南省", 2),
        ("郑州市", 1),
    ]
    assert counting.refresh_system_paths(None, paths, 2025) == 0
