"""Demo step (演示数据) of the 科技馆 system, 示范创建 and 表彰, run after the bases registry's step.

For 平顶山市 and the seed counties (新郑市, 平阴县, 云溪区):

- 科技馆 system flags on the registry's demo institutions, chosen by category and order, never at
  random: a 科技馆 (科技场馆类) in two counties out of three, every other one 达标; a 农村中学科技馆
  (教育科研类) in the rural counties; a 科技小院 (“三农”类) in most counties but not all, so the
  overview shows which still lack one.
- 流动科技馆 tours of 平顶山市 in 2025 and 2026 with stops across its counties (and one stop in
  each seed county), and 科普大篷车 trips in both years.
- 示范创建: 宝丰县 creating the 市级科普示范县 (self-assessed, waiting for the city's check) and a
  community of 新华区 accepted as 市级科普示范社区, each against the reference checklist the city
  loaded.
- 表彰: an award call of 平顶山市, published, honouring a person, a unit and a base; the unit's award
  is carried into the year's 考核 as a 加分 item when the demo has a 考核 scheme for that year.

Every write goes through the actions (so the trail and the step logs read as an office's), inside one
transaction; each part first looks for what it made before, so a second run writes nothing. Finally
the figures are refreshed for the demo years (values unchanged are not rewritten).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kesu.accounts.models import User
from kesu.core.demo import DemoAccounts, register_demo_step
from kesu.regions.models import Region, RegionLevel, Unit
from kesu.reporting.models import Scheme, Score
from kesu.venues import actions_system as actions
from kesu.venues.models import (
    AwardCall,
    CaravanTrip,
    Checklist,
    Creation,
    CreationKind,
    CreationLevel,
    CriterionSource,
    Institution,
    Nomination,
    NomineeKind,
    Tour,
)

DEMO_MARK = "（演示数据）"  # as the bases registry's demo marks its addresses
PINGDINGSHAN = "410400000000"
SEED_COUNTIES = ("410184000000", "370124000000", "430603000000")  # 新郑市, 平阴县, 岳阳市云溪区
PREFIXES = {PINGDINGSHAN: "pds", "410184000000": "xz", "370124000000": "py", "430603000000": "yx"}
DEMO_YEARS = (2025, 2026)
D = datetime.date


@register_demo_step
def load_demo_system(accounts: DemoAccounts) -> None:
    load(timezone.localdate())


@transaction.atomic
def load(today: datetime.date) -> None:
    city = Region.objects.filter(code=PINGDINGSHAN).first()
    if city is None:  # the demo's regions are not loaded
        return
    seeds = [city, *Region.objects.filter(code__in=SEED_COUNTIES).order_by("code")]
    set_flags(seeds)
    tours(city, seeds[1:], today)
    caravan(city, seeds[1:], today)
    creations(city)
    award_year = awards(city, today)
    refresh(seeds, sorted({*(year for year in DEMO_YEARS if year <= today.year), award_year}))


def _office(region: Region) -> User | None:
    return User.objects.filter(username=f"{PREFIXES.get(region.code, '')}-office").first()


def _counties(region: Region) -> list[Region]:
    """Where the demo's institutions stand: a city's counties, or the county itself."""
    if region.level == RegionLevel.COUNTY:
        return [region]
    return list(Region.objects.filter(parent=region, level=RegionLevel.COUNTY).order_by("code"))


# ---- 科技馆 system flags ---------------------------------------------------------------------------

FLAGS = ("is_science_museum", "museum_meets_standard", "rural_school_museum", "science_courtyard")


def _first(institutions: list[Institution], category: str, words: tuple[str, ...] = ()) -> Institution | None:
    """The first institution of the category, those whose name holds one of ``words`` first."""
    found = [i for i in institutions if i.category is not None and i.category.name == category]
    found.sort(key=lambda i: (not any(word in i.name for word in words), i.credit_code))
    return found[0] if found else None


# Institutions of 科技场馆类 that can pass for a 科技馆 by their name (a 禁毒教育馆 cannot).
MUSEUM_WORDS = ("科技馆", "科技活动中心", "科普体验馆", "天文科普馆")


def wanted_flags(
    county: Region, index: int, institutions: list[Institution], *, last: bool = False
) -> dict[int, dict[str, bool]]:
    """The flags the demo gives the institutions of one county (the ``index``-th of its seed region):
    every one named 科技馆 is one (and 达标); two counties in three have a 科技活动中心 or the like
    counted as 科技馆 too; rural counties a 农村中学科技馆; all counties but every fourth (and
    the city's last) a 科技小院."""
    flags: dict[int, dict[str, bool]] = {}
    museums = [
        i
        for i in institutions
        if i.category is not None
        and i.category.name == "科技场馆类"
        and any(word in i.name for word in MUSEUM_WORDS)
    ]
    chosen = [i for i in museums if i.name.endswith("科技馆")]
    if not chosen and museums and index % 3 != 2:
        chosen = [min(museums, key=lambda i: (MUSEUM_WORDS.index(_word(i.name)), i.credit_code))]
    for museum in chosen:
        flags[museum.pk] = {
            "is_science_museum": True,
            "museum_meets_standard": museum.name.endswith("科技馆"),
        }
    school = _first(institutions, "教育科研与重大工程类", ("中学", "小学"))
    if school is not None and not county.name.endswith("区"):
        flags.setdefault(school.pk, {})["rural_school_museum"] = True
    courtyard = _first(institutions, "“三农”类", ("农业", "示范"))
    if courtyard is not None and index % 4 != 3 and not last:
        flags.setdefault(courtyard.pk, {})["science_courtyard"] = True
    return flags


def _word(name: str) -> str:
    return next(word for word in MUSEUM_WORDS if word in name)


def set_flags(seeds: list[Region]) -> int:
    """The demo institutions' 科技馆 system flags as ``wanted_flags`` says; only rows that differ are
    written (the flags are the registry's own data, so the demo sets them as an import would)."""
    changed: list[Institution] = []
    for seed in seeds:
        demo = Institution.objects.filter(address__endswith=DEMO_MARK, region__path__startswith=seed.path)
        by_county: dict[int, list[Institution]] = {}
        for institution in demo.select_related("category").order_by("credit_code"):
            by_county.setdefault(institution.region_id, []).append(institution)
        counties = _counties(seed)
        for index, county in enumerate(counties):
            institutions = by_county.get(county.pk, [])
            last = len(counties) > 1 and index == len(counties) - 1  # a city's last county has none yet
            wanted = wanted_flags(county, index, institutions, last=last)
            for institution in institutions:
                flags = wanted.get(institution.pk, {})
                new = {name: flags.get(name, False) for name in FLAGS}
                if any(getattr(institution, name) != value for name, value in new.items()):
                    for name, value in new.items():
                        setattr(institution, name, value)
                    changed.append(institution)
    Institution.objects.bulk_update(changed, list(FLAGS), batch_size=500)
    return len(changed)


# ---- 流动科技馆 and 科普大篷车 ---------------------------------------------------------------------


@dataclass(frozen=True)
class TourPlan:
    exhibition: str
    year: int
    first_day: D
    counties: slice  # which of the city's counties, in code order


CITY_TOURS = (
    TourPlan("“科技之光”流动科技馆", 2025, D(2025, 3, 10), slice(0, 10, 2)),
    TourPlan("“探索与发现”流动科技馆", 2026, D(2026, 3, 16), slice(1, 10, 2)),
)


def tours(city: Region, seed_counties: list[Region], today: datetime.date) -> None:
    office = _office(city)
    for plan in CITY_TOURS:
        if (
            plan.first_day <= today
            and not Tour.objects.filter(region=city, exhibition=plan.exhibition).exists()
        ):
            _tour(office, city, plan, _counties(city)[plan.counties], today)
    plan = TourPlan("中国流动科技馆巡展", 2025, D(2025, 9, 8), slice(0, 1))
    for county in seed_counties:
        if (
            plan.first_day <= today
            and not Tour.objects.filter(region=county, exhibition=plan.exhibition).exists()
        ):
            _tour(_office(county), county, plan, [county], today)


def _tour(
    office: User | None, organiser: Region, plan: TourPlan, counties: list[Region], today: datetime.date
) -> None:
    """The tour and its stops up to today (six weeks each, a week between them)."""
    tour = actions.create_tour(office, organiser, exhibition=plan.exhibition, year=plan.year, note="演示数据")
    for number, county in enumerate(counties):
        start = plan.first_day + datetime.timedelta(days=49 * number)
        if start > today or start.year != plan.year:
            break
        actions.add_tour_stop(
            office,
            tour,
            region=county,
            start_date=start,
            end_date=start + datetime.timedelta(days=41),
            visitors=2600 + (int(county.code[4:6]) * 370 + number * 910) % 4200,
            venue=f"{county.name}文化馆",
        )


CARAVAN_PLACES = ("第一高级中学", "中心小学", "人民广场", "文化广场", "实验中学", "乡镇综合文化站")


def caravan(city: Region, seed_counties: list[Region], today: datetime.date) -> None:
    """Trips of the city's two caravans and of each seed county's own, in each demo year up to today."""
    for year in DEMO_YEARS:
        outings = [
            (city, county, f"平顶山市科普大篷车{1 + n % 2}号") for n, county in enumerate(_counties(city))
        ]
        outings += [
            (county, county, f"{county.name}科普大篷车") for county in seed_counties for _ in range(2)
        ]
        for number, (owner, county, vehicle) in enumerate(outings):
            day = D(year, 4 + number % 7, 6 + (number * 5) % 20)
            place = f"{county.name}{CARAVAN_PLACES[number % len(CARAVAN_PLACES)]}"
            if (
                day > today
                or CaravanTrip.objects.filter(region=county, vehicle=vehicle, date=day, place=place).exists()
            ):
                continue
            actions.create_caravan_trip(
                _office(owner),
                county,
                vehicle=vehicle,
                date=day,
                place=place,
                activities=2 + number % 3,
                visitors=300 + (number * 137) % 900,
                note=f"科学实验秀、科普展板、应急科普体验{DEMO_MARK}",
            )


# ---- 示范创建 -------------------------------------------------------------------------------------

PNG_SIZE = (480, 320)


def _checklist(office: User | None, city: Region, kind: str) -> Checklist:
    name = actions.STANDARD_CHECKLISTS[kind][0]
    found = Checklist.objects.filter(region=city, kind=kind, name=name).first()
    return found or actions.create_standard_checklist(office, city, kind=kind, year=2024)


def creations(city: Region) -> None:
    office = _office(city)
    counties = {county.code: county for county in _counties(city)}
    baofeng, xinhua = counties.get("410421000000"), counties.get("410402000000")
    if baofeng is not None and not Creation.objects.filter(region=baofeng, kind=CreationKind.COUNTY).exists():
        checklist = _checklist(office, city, CreationKind.COUNTY)
        creation = actions.create_creation(
            office,
            baofeng,
            kind=CreationKind.COUNTY,
            level=CreationLevel.CITY,
            cycle_start=2024,
            cycle_end=2026,
            checklist=checklist,
        )
        _self_assess(office, creation, {"覆盖率": (93, "全县 312 个行政村中 290 个建成")})
        actions.take_creation_step(office, creation, "submit")
    community = "曙光街社区"
    if xinhua is not None and not Creation.objects.filter(region=xinhua, place__endswith=community).exists():
        checklist = _checklist(office, city, CreationKind.COMMUNITY)
        creation = actions.create_creation(
            office,
            xinhua,
            kind=CreationKind.COMMUNITY,
            level=CreationLevel.CITY,
            cycle_start=2024,
            cycle_end=2026,
            checklist=checklist,
            place=f"新华区西市场街道{community}",
        )
        _self_assess(office, creation, {"科普活动场次": (18, "全年 18 场，见活动记录")})
        for step in ("submit", "check"):
            actions.take_creation_step(office, creation, step)
        actions.take_creation_step(
            office, creation, "accept", document_no="平科协〔2025〕31号", named_on=D(2025, 11, 20)
        )


def _self_assess(office: User | None, creation: Creation, figures: dict[str, tuple[float, str]]) -> None:
    """The typed figures, and a placeholder scan as evidence for the lines judged on evidence alone."""
    image = _placeholder_scan()
    for criterion in creation.checklist.criteria.all():
        if criterion.source != CriterionSource.MANUAL:
            continue
        if criterion.figure in figures:
            value, note = figures[criterion.figure]
            actions.set_criterion_value(office, creation, criterion, value=value, note=note)
        elif criterion.threshold is None and criterion.order <= 3:
            actions.add_creation_evidence(
                office, creation, criterion, image, f"{criterion.evidence}（演示数据）.png"
            )


def _placeholder_scan() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", PNG_SIZE, (244, 241, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((16, 16, PNG_SIZE[0] - 16, PNG_SIZE[1] - 16), outline=(160, 150, 130), width=3)
    for y in range(60, PNG_SIZE[1] - 40, 24):
        draw.line((48, y, PNG_SIZE[0] - 48, y), fill=(190, 182, 165), width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# ---- 表彰 ----------------------------------------------------------------------------------------

CALL_TITLE = "优秀科普工作单位和先进个人表彰"


def awards(city: Region, today: datetime.date) -> int:
    """The year's call of the city, published, with a person, a unit and a base honoured; returns its year."""
    scheme = Scheme.objects.filter(region=city).order_by("-year").first()
    year = scheme.year if scheme is not None else today.year - 1
    call = AwardCall.objects.filter(region=city, year=year, title=CALL_TITLE).first()
    office = _office(city)
    if call is None:
        call = _published_call(office, city, year, today, scheme)
    unit_award = Nomination.objects.filter(call=call, kind=NomineeKind.UNIT, selected=True).first()
    if (
        scheme is not None
        and unit_award is not None
        and unit_award.bonus_id is None
        and Score.objects.filter(scheme=scheme, unit=unit_award.unit).exists()
    ):
        actions.link_award_bonus(office, unit_award, points=1.0)
    return year


def _published_call(
    office: User | None, city: Region, year: int, today: datetime.date, scheme: Scheme | None
) -> AwardCall:
    call = actions.create_call(
        office, city, year=year, title=CALL_TITLE, quota=10, nomination_deadline=D(year, 10, 31)
    )
    kexie = _unit(city, ("科协",), None)
    honoured_unit = _unit(city, ("教育", "教体"), scheme)
    museums = Institution.objects.filter(region__path__startswith=city.path, is_science_museum=True)
    base = (
        museums.filter(name__endswith="科技馆").order_by("credit_code").first()
        or museums.order_by("credit_code").first()
    )
    picks = [
        actions.nominate(
            office,
            call,
            kind=NomineeKind.PERSON,
            person_name="李晓梅",
            recommended_by=kexie,
            deeds="长期从事青少年科技教育，组织全市青少年科技创新大赛，辅导学生获省级以上奖项 20 余项。",
        )
    ]
    if honoured_unit is not None:
        picks.append(
            actions.nominate(
                office,
                call,
                kind=NomineeKind.UNIT,
                unit=honoured_unit,
                recommended_by=honoured_unit,
                deeds="推动科学教育进课堂，全市中小学科技辅导员培训覆盖率达 100%。",
            )
        )
    if base is not None:
        picks.append(
            actions.nominate(
                office,
                call,
                kind=NomineeKind.BASE,
                institution=base,
                recommended_by=base.unit or kexie,
                deeds="全年免费开放 300 天以上，接待观众 20 余万人次，开展科普活动 150 余场。",
            )
        )
    actions.take_call_step(office, call, "review", today=D(year, 11, 3))
    for number, nomination in enumerate(picks):
        actions.review_nomination(office, nomination, score=95.0 - 3 * number, selected=True)
    start = min(D(year, 12, 1), today - datetime.timedelta(days=21))
    actions.take_call_step(office, call, "publicise", publicity_start=start, today=start)
    call.refresh_from_db()
    announced = (call.publicity_end or start) + datetime.timedelta(days=3)
    return actions.take_call_step(
        office, call, "announce", document_no=f"平科协〔{year}〕45号", today=announced
    )


def _unit(city: Region, words: tuple[str, ...], scheme: Scheme | None) -> Unit | None:
    """A member unit of the city whose name holds one of ``words`` (with a 考核 score when a scheme is
    given, so the award can count in it); else the first such unit."""
    match = Q()
    for word in words:
        match |= Q(name__contains=word)
    units = Unit.objects.filter(region=city, is_member=True).order_by("pk")
    if scheme is not None:
        scored = units.filter(pk__in=Score.objects.filter(scheme=scheme).values("unit_id"))
        found = scored.filter(match).first() or scored.first()
        if found is not None:
            return found
    return units.filter(match).first() or units.first()


# ---- figures -------------------------------------------------------------------------------------


def refresh(seeds: list[Region], years: Iterable[int]) -> None:
    """The system's figures for the seed regions, their counties and above, for each demo year: once,
    when the demo's transaction commits, together with the refreshes its writes asked for."""
    regions = {county for seed in seeds for county in _counties(seed)} | set(seeds)
    actions.refresh_after_commit(regions, years)
