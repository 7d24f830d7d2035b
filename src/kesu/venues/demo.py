"""Demo step (演示数据): a bases registry for the four seed regions, sized like a real city's.

About 200 institutions (each address ends in “（演示数据）”) with about 300 designations: 市级 bases
of the 科协 line certified in yearly batches since 2017, each valid five years, most renewed
(重新申报) when they ran out; some also hold a 科技-line, 省级 or 国家级 title, or a 县级 one from
their county. Batches are certified in April; the one whose titles end this 31 December was a
small one, so a few titles run out within 6 months (in the second half of a year). From 2021 on, every batch went through the certification
workflow (applications, experts' scores, 公示); the next batch is under review now, one
application in each step, through the real actions. Last year's annual reports are filed, scored
against a rubric, reviewed and published, with placeholder photos; one base failed and was
摘牌. Finally each seed plan's base target gets the count rule an office would set (found by the
target's indicator link and words, never by an expected number) and the registry's figures are
written into the indicators, replacing the indicators demo's typed base counts, so 平顶山市's
“市级科普教育基地达到150个” shows a status computed from the registry.

Everything is drawn from one seeded ``random.Random`` and the date the demo is loaded, and goes in
with ``bulk_create``; the whole step takes a few seconds.
"""

from __future__ import annotations

import datetime
import io
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from kesu.accounts.models import User
from kesu.core.demo import DATA_DIR, DemoAccounts, register_demo_step
from kesu.indicators import actions as indicator_actions
from kesu.indicators import demo as indicators_demo
from kesu.indicators.models import IndicatorValue, TargetLink, disaggregation_key
from kesu.plans.models import Plan, Target
from kesu.regions.models import Region, RegionLevel, Unit
from kesu.venues import actions, actions_annual, actions_certification, counting
from kesu.venues.models import (
    AnnualPhoto,
    AnnualReport,
    AnnualRound,
    Application,
    ApplicationStatus,
    Category,
    CertificationBatch,
    CountMeasure,
    CountRule,
    Designation,
    DesignationLevel,
    DesignationMethod,
    DesignationStatus,
    DesignationSystem,
    ExpertScore,
    Institution,
    LevelComparison,
    LineScore,
    Outcome,
    ReportState,
    Rubric,
    band_of,
    line_points,
)
from kesu.venues.models.institutions import CREDIT_CODE_CHARS, credit_code_check_char

DEMO_MARK = "（演示数据）"
SEED = 15
# New bases per batch, oldest first (ten batches up to the last certified one, 2017–2026 in 2026),
# as shares: the registry grew fast after 2020; the batch ending this year (index 5) is small.
BATCH_WEIGHTS = (10, 10, 12, 12, 25, 3, 28, 30, 20, 15)
PLAN_START, PLAN_END = 2021, 2025  # the seed plans' period (云溪区's starts in 2022)
WORKFLOW_SINCE = 2021  # batches before this were kept in Excel: designations only, no applications
PINGDINGSHAN = "410400000000"
L, S = DesignationLevel, DesignationSystem


@dataclass(frozen=True)
class Shape:
    """How many institutions a seed region keeps, and what its own office certifies."""

    institutions: int
    own_level: int  # the level the region's office certifies (市级 for a city, 县级 for a county)
    superior_level: int | None  # a level above, certified for a share of its bases (郑州市级 for 新郑)
    centre: tuple[float, float]  # latitude, longitude, roughly, for the map points


SHAPES = {
    PINGDINGSHAN: Shape(165, L.CITY, None, (33.74, 113.19)),
    "410184000000": Shape(16, L.COUNTY, L.CITY, (34.40, 113.74)),  # 新郑市
    "370124000000": Shape(10, L.COUNTY, L.CITY, (36.29, 116.46)),  # 平阴县
    "430603000000": Shape(10, L.COUNTY, L.CITY, (29.47, 113.27)),  # 岳阳市云溪区
}
# Who recommends a base of each category: words found in the names of the region's units.
RECOMMENDERS = {
    "科技场馆类": ("科协", "气象", "应急", "地震", "防震"),
    "教育科研与重大工程类": ("教育", "教体", "卫生", "卫健", "农科院"),
    "“三农”类": ("农业", "农委", "林业", "乡村振兴"),
    "企业类": ("工业", "工信", "科工", "科技", "市场监管"),
    "自然资源类": ("自然资源", "林业", "生态环境"),
    "其他类": ("文化", "文旅", "妇联", "团", "科协", "民政"),
}
KIND_PREFIX = {  # 统一社会信用代码: registering authority and kind (事业单位, 企业, 社会组织)
    "科技场馆类": "12",
    "教育科研与重大工程类": "12",
    "“三农”类": "93",
    "企业类": "91",
    "自然资源类": "12",
    "其他类": "12",
}
EXPERTS = ("张立新", "王慧敏", "李建国", "赵雅琴", "陈志远")
DOC_PREFIX: dict[int, str] = {
    L.NATIONAL: "科协函普字",
    L.PROVINCE: "豫科协",
    L.CITY: "科协",
    L.COUNTY: "科协",
}


@cache
def names() -> dict:
    return json.loads((DATA_DIR / "demo_venues.json").read_text(encoding="utf-8"))


@register_demo_step
def load_demo_bases(accounts: DemoAccounts) -> None:
    load(timezone.localdate())


def load(today: datetime.date) -> None:
    """The demo as loaded on ``today`` (once; a second run only keeps the counts up to date)."""
    if not Institution.objects.filter(address__endswith=DEMO_MARK).exists():
        build_registry(today)
    set_count_rules()
    relink_new_rules()
    refresh_demo_counts(today)
    registry_baselines()


# ---- the registry -------------------------------------------------------------------------------


def last_certified_batch(today: datetime.date) -> int:
    """Batches are published in April: before May the current year's is still under review."""
    return today.year if today.month >= 5 else today.year - 1


@dataclass
class Built:
    institutions: list[Institution] = field(default_factory=list)
    designations: list[Designation] = field(default_factory=list)


def seed_regions() -> list[Region]:
    return list(Region.objects.filter(code__in=SHAPES).order_by("code"))


@transaction.atomic
def build_registry(today: datetime.date) -> Built:
    """The demo's institutions, designations, certification flow and annual reports (once)."""
    rng = random.Random(SEED)
    actions.ensure_category_schemes()
    categories = {c.name: c for c in Category.objects.filter(scheme__is_default=True)}
    last = last_certified_batch(today)
    built = Built()
    codes: set[str] = set()
    for region in seed_regions():
        shape = SHAPES[region.code]
        places = _places(region)
        units = list(Unit.objects.filter(region=region, is_member=True).order_by("pk"))
        if not places or not units:
            continue
        made = _institutions(region, shape, places, units, categories, rng, codes)
        Institution.objects.bulk_create(made)
        built.institutions += made
        built.designations += _designations(region, shape, made, last, rng)
    Designation.objects.bulk_create(built.designations)
    for region in seed_regions():
        _certification_flow(region, built, last, rng)
        _annual_round(region, last, today, rng)
    return built


def _places(region: Region) -> list[Region]:
    """Where the bases are: a city's counties (the urban districts weigh more), or the county itself."""
    if region.level == RegionLevel.CITY:
        return list(Region.objects.filter(parent=region, level=RegionLevel.COUNTY).order_by("code"))
    return [region]


def _credit_code(region: Region, prefix: str, rng: random.Random, taken: set[str]) -> str:
    while True:
        body = prefix + region.code[:6] + "".join(rng.choice(CREDIT_CODE_CHARS[:10]) for _ in range(8))
        body += rng.choice(CREDIT_CODE_CHARS[:10])
        code = body + credit_code_check_char(body)
        if code not in taken:
            taken.add(code)
            return code


def _institutions(
    region: Region,
    shape: Shape,
    places: list[Region],
    units: list[Unit],
    categories: dict[str, Category],
    rng: random.Random,
    codes: set[str],
) -> list[Institution]:
    data = names()
    weights = [3.0 if p.name.endswith("区") else 1.0 for p in places]
    made: list[Institution] = []
    seen: set[str] = set()
    while len(made) < shape.institutions:
        place = rng.choices(places, weights)[0]
        category = rng.choice(list(data["categories"]))
        thing = rng.choice(data["categories"][category])
        prefix = region.name if thing in ("科技馆", "博物馆", "青少年宫") and not made else place.name
        name = f"{prefix}{thing}"
        if name in seen:  # a second one of a kind in the same place sits in another part of it
            name = f"{place.name}{rng.choice(data['areas'])}{thing}"
        if name in seen:
            name = f"{place.name}{thing}（{len(made) + 1}号）"
        seen.add(name)
        made.append(_institution(region, place, name, category, units, categories, rng, codes, data, shape))
    return made


def _institution(
    region: Region,
    place: Region,
    name: str,
    category: str,
    units: list[Unit],
    categories: dict[str, Category],
    rng: random.Random,
    codes: set[str],
    data: dict,
    shape: Shape,
) -> Institution:
    venue = category == "科技场馆类"
    area = rng.choice([800, 1200, 2000, 3500, 6000]) if venue else rng.choice([150, 300, 600, 1000])
    lat, lon = shape.centre
    weekend = rng.random() < 0.3
    return Institution(
        name=name,
        base_name=name if rng.random() < 0.8 else f"{name}科普教育基地",
        credit_code=_credit_code(place, KIND_PREFIX[category], rng, codes),
        region=place,
        unit=_recommender(category, units, rng),
        address=f"{place.name}{rng.choice(data['streets'])}{rng.randint(1, 299)}号{DEMO_MARK}",
        contact_name=f"{rng.choice(data['surnames'])}老师",
        contact_phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
        category=categories.get(category),
        building_area=Decimal(area * rng.choice([1, 2, 3])),
        exhibit_area=Decimal(area),
        latitude=Decimal(f"{lat + rng.uniform(-0.35, 0.35):.6f}"),
        longitude=Decimal(f"{lon + rng.uniform(-0.45, 0.45):.6f}"),
        opening_days="周六、周日及法定节假日"
        if weekend
        else rng.choice(["周二至周日", "周一至周五", "全年开放"]),
        opening_hours=rng.choice(["9:00—17:00", "8:30—12:00，14:30—17:30", "9:00—16:30（16:00 停止入场）"]),
        is_science_museum=name.endswith("科技馆"),
        museum_meets_standard=name.endswith("科技馆") and region.level == RegionLevel.CITY,
        science_courtyard=category == "“三农”类" and rng.random() < 0.15,
    )


def _recommender(category: str, units: list[Unit], rng: random.Random) -> Unit:
    fitting = [u for u in units if any(word in u.name for word in RECOMMENDERS[category])]
    return rng.choice(fitting or units)


def _designations(
    region: Region, shape: Shape, made: list[Institution], last: int, rng: random.Random
) -> list[Designation]:
    """Each base's titles. Most hold the region's own level from a batch year (the registry grew
    fast after 2020; the batch ending this year is small); a lapsed title is usually renewed a year
    or two later; a few also hold a 科技-line, a higher or a county title."""
    years = list(range(last - len(BATCH_WEIGHTS) + 1, last + 1))
    small = last - 4
    pool = [
        y
        for y, w in zip(years, BATCH_WEIGHTS, strict=True)
        for _ in range(round(w * len(made) / sum(BATCH_WEIGHTS)))
    ]
    rng.shuffle(pool)
    rows: list[Designation] = []
    for index, institution in enumerate(made):
        first = pool[index] if index < len(pool) else rng.choice([y for y in years if y != small])
        rows += _line(institution, shape.own_level, S.KEXIE, first, last, small, rng, renew=0.75)
        if rng.random() < 0.07:
            rows += _line(
                institution, shape.own_level, S.KEJI, max(first, years[2]), last, small, rng, renew=0
            )
        if shape.superior_level is not None and rng.random() < 0.4:
            rows += _line(institution, shape.superior_level, S.KEXIE, first, last, small, rng, renew=0.5)
        if shape.own_level == L.CITY and rng.random() < 0.06:
            rows += _line(institution, L.COUNTY, S.KEXIE, max(years[0], first - 2), first - 1, None, rng, 0)
        if rng.random() < 0.06:
            rows += _line(
                institution, L.PROVINCE, rng.choice([S.KEXIE, S.KEJI]), first + 1, last, small, rng, 0
            )
    _national(made, rows, rng)
    return rows


def _line(
    institution: Institution,
    level: int,
    system: str,
    first: int,
    last: int,
    small: int | None,
    rng: random.Random,
    renew: float,
) -> list[Designation]:
    """One line of titles: the first batch, then renewals (重新申报) while they happen."""
    rows: list[Designation] = []
    year = first
    while year <= last:
        if year == small and rows:  # a renewal skips the small batch
            year += 1
            continue
        rows.append(_designation(institution, level, system, year, rng, renewal=bool(rows)))
        if rng.random() >= renew:
            break
        year += 5 + rng.choice([0, 1])
    return rows


def _designation(
    institution: Institution, level: int, system: str, year: int, rng: random.Random, *, renewal: bool
) -> Designation:
    decided = datetime.date(year, 4, rng.randint(10, 28))
    number = rng.randint(3, 40)
    issuer = DOC_PREFIX[level] if system == S.KEXIE else "科技"
    return Designation(
        institution=institution,
        system=system,
        level=level,
        batch=f"{year}年度",
        batch_year=year,
        start_year=year,
        end_year=year + 4,
        method=DesignationMethod.REAPPLY if renewal else DesignationMethod.APPLY,
        document_no=f"{issuer}〔{year}〕{number}号",
        decided_on=decided,
        certificate_no=f"{year}{level}{rng.randint(100, 999)}",
    )


def _national(made: list[Institution], rows: list[Designation], rng: random.Random) -> None:
    """Three 全国科普教育基地 of the 2021–2025 round (the third by 补充认定), among the city's venues."""
    venues = [i for i in made if i.category and i.category.name == "科技场馆类"][:3]
    for number, institution in enumerate(venues):
        supplement = number == 2
        rows.append(
            Designation(
                institution=institution,
                system=S.KEXIE,
                level=L.NATIONAL,
                batch="2021—2025年度补充认定" if supplement else "2021—2025年度第一批",
                batch_year=2023 if supplement else 2022,
                start_year=2021,
                end_year=2025,
                method=DesignationMethod.SUPPLEMENT if supplement else DesignationMethod.APPLY,
                document_no=f"科协办函普字〔{2023 if supplement else 2022}〕{rng.randint(10, 60)}号",
                decided_on=datetime.date(2023, 9, 8) if supplement else datetime.date(2022, 4, 18),
            )
        )


# ---- certification ------------------------------------------------------------------------------


def _office(region: Region) -> User | None:
    from kesu.accounts.demo import PREFIXES

    return User.objects.filter(username=f"{PREFIXES.get(region.code, '')}-office").first()


def _certification_flow(region: Region, built: Built, last: int, rng: random.Random) -> None:
    """Past batches of the region's own line as the workflow left them, and the next batch under review."""
    shape = SHAPES[region.code]
    own = [
        d
        for d in built.designations
        if d.level == shape.own_level
        and d.system == S.KEXIE
        and d.start_year >= WORKFLOW_SINCE
        and d.institution.region.path.startswith(region.path)
    ]
    for year in range(WORKFLOW_SINCE, last + 1):
        certified = [d for d in own if d.batch_year == year]
        batch = CertificationBatch.objects.create(
            region=region,
            title=f"{year}年度{region.name}{L(shape.own_level).label}科普教育基地认定",
            label=f"{year}年度",
            system=S.KEXIE,
            level=shape.own_level,
            year=year,
            start_year=year,
            end_year=year + 4,
            closes_on=datetime.date(year - 1, 12, 15),
        )
        _past_applications(batch, certified, built.institutions, rng)
    _current_batch(region, shape, built, last + 1, rng)


def _past_applications(
    batch: CertificationBatch, certified: list[Designation], everyone: list[Institution], rng: random.Random
) -> None:
    applications = [
        Application(
            batch=batch,
            institution=d.institution,
            name=str(d.institution),
            credit_code=d.institution.credit_code,
            region=d.institution.region,
            unit=d.institution.unit,
            category=d.institution.category,
            address=d.institution.address,
            contact_name=d.institution.contact_name,
            summary=f"{DEMO_MARK}申报材料齐全，年接待公众约 {rng.randint(5, 80)} 千人次。",
            status=ApplicationStatus.CERTIFIED,
            publicity_start=d.decided_on - datetime.timedelta(days=14) if d.decided_on else None,
            publicity_end=d.decided_on - datetime.timedelta(days=8) if d.decided_on else None,
            doc_number=d.document_no,
            certified_on=d.decided_on,
            certificate_number=d.certificate_no,
            designation=d,
        )
        for d in certified
    ]
    holders = {d.institution.pk for d in certified}
    others = [i for i in everyone if i.pk not in holders and i.region.path.startswith(batch.region.path)]
    for institution in rng.sample(others, min(len(others), max(1, len(certified) // 6))):
        applications.append(
            Application(
                batch=batch,
                institution=institution,
                name=str(institution),
                credit_code=institution.credit_code,
                region=institution.region,
                unit=institution.unit,
                category=institution.category,
                address=institution.address,
                summary=f"{DEMO_MARK}展教面积不足，专职科普人员 1 人。",
                status=ApplicationStatus.REJECTED,
                reason="专家评审未达到认定条件：展教面积和专职科普人员不足",
            )
        )
    Application.objects.bulk_create(applications)
    ExpertScore.objects.bulk_create(
        ExpertScore(
            application=application,
            reviewer_name=expert,
            score=Decimal(rng.randint(78, 95) if application.designation else rng.randint(52, 68)),
        )
        for application in applications
        for expert in EXPERTS[:3]
    )


# The next batch's applications, one step further each: (how far, what happened on the way).
CURRENT_STEPS: tuple[tuple[str, ...], ...] = (
    (),
    ("submit",),
    ("submit",),
    ("submit", "recommend"),
    ("submit", "recommend", "pass_formal"),
    ("submit", "recommend", "pass_formal", "score"),
    ("submit", "recommend", "pass_formal", "score", "propose"),
    ("submit", "recommend", "pass_formal", "score", "propose", "publicize"),
    ("submit", "recommend", "pass_formal", "score", "propose", "publicize", "object"),
    ("submit", "recommend", "return"),
)


def _current_batch(region: Region, shape: Shape, built: Built, year: int, rng: random.Random) -> None:
    """The batch under review now: new sites (not yet registered) and renewals, through the real actions."""
    office = _office(region)
    batch = actions_certification.open_batch(
        office,
        region,
        title=f"{year}年度{region.name}{L(shape.own_level).label}科普教育基地认定",
        label=f"{year}年度",
        system=S.KEXIE,
        level=shape.own_level,
        year=year,
        start_year=year,
        end_year=year + 4,
        closes_on=timezone.localdate() - datetime.timedelta(days=20),
    )
    steps = CURRENT_STEPS if region.code == PINGDINGSHAN else CURRENT_STEPS[:3]
    lapsed = _running_out(region, shape, built, year)
    taken: set[str] = set(Institution.objects.values_list("credit_code", flat=True))
    data = names()
    units = list(Unit.objects.filter(region=region, is_member=True).order_by("pk"))
    for number, path in enumerate(steps):
        if number % 3 == 2 and lapsed:
            application = actions_certification.file_application(
                office,
                batch,
                institution=lapsed.pop(rng.randrange(len(lapsed))),
                summary=f"{DEMO_MARK}到期重新申报。",
            )
        else:
            place = rng.choice(_places(region))
            category = rng.choice(list(data["categories"]))
            application = actions_certification.file_application(
                office,
                batch,
                name=f"{place.name}{rng.choice(data['areas'])}{rng.choice(data['categories'][category])}",
                credit_code=_credit_code(place, KIND_PREFIX[category], rng, taken),
                region=place,
                unit=_recommender(category, units, rng),
                category=Category.objects.filter(scheme__is_default=True, name=category).first(),
                address=f"{place.name}{rng.choice(data['streets'])}{rng.randint(1, 299)}号{DEMO_MARK}",
                contact_name=f"{rng.choice(data['surnames'])}老师",
                summary=f"{DEMO_MARK}新建科普展厅 {rng.randint(3, 12)} 百平方米，配备专职讲解员。",
            )
        _walk(office, application, path, rng)


def _running_out(region: Region, shape: Shape, built: Built, year: int) -> list[Institution]:
    """The region's bases whose own title will not be valid in ``year``: they apply again."""
    own = [d for d in built.designations if d.level == shape.own_level and d.system == S.KEXIE]
    held = {d.institution.pk for d in own if d.end_year >= year}
    found = {d.institution.pk: d.institution for d in own if d.institution.pk not in held}
    return sorted(
        (i for i in found.values() if i.region.path.startswith(region.path)), key=lambda i: i.credit_code
    )


def _walk(office: User | None, application: Application, path: Iterable[str], rng: random.Random) -> None:
    today = timezone.localdate()
    for step in path:
        if step == "score":
            for expert in EXPERTS[:3]:
                actions_certification.score_application(
                    office, application, reviewer_name=expert, score=Decimal(rng.randint(72, 93))
                )
        elif step == "publicize":
            actions_certification.take_step(
                office,
                application,
                "publicize",
                publicity_start=today - datetime.timedelta(days=2),
                publicity_end=today + datetime.timedelta(days=5),
            )
        elif step == "object":
            actions_certification.record_objection(
                office,
                application,
                received_on=today - datetime.timedelta(days=1),
                content=f"{DEMO_MARK}群众来电反映该单位周末不对外开放，与申报材料不符。",
            )
        elif step == "return":
            actions_certification.take_step(
                office, application, "return", reason="申报书未加盖推荐单位公章，请补充后重新提交"
            )
        else:
            actions_certification.take_step(office, application, step)
        application.refresh_from_db()


# ---- annual reports -----------------------------------------------------------------------------

RUBRIC_LINES = (  # (评分项, 分值, 依据的年报数据, 档次)
    ("开放时间", Decimal(20), "open_days", "300:20, 250:16, 200:12, 150:6"),
    ("接待人次", Decimal(20), "visitors", "30000:20, 10000:16, 1000:10"),
    ("专职科普人员", Decimal(15), "fulltime_staff", "5:15, 3:12, 1:6"),
    ("科普经费", Decimal(15), "funding", "50:15, 20:12, 5:8"),
    ("照片与佐证材料", Decimal(10), "photo_count", "2:10, 1:5"),
    ("特色科普活动", Decimal(20), "", ""),
)
PHOTOS = ("演示照片-展厅.png", "演示照片-活动.png")


def _annual_round(region: Region, last: int, today: datetime.date, rng: random.Random) -> None:
    """Last year's round, collected by March, reviewed and published; one base failed and lost its title."""
    year = today.year - 1
    if year > last or AnnualRound.objects.filter(region=region, year=year).exists():
        return
    office = _office(region)
    rubric = _rubric(office, region)
    annual = actions_annual.open_round(office, region, year, rubric, due_date=datetime.date(year + 1, 3, 31))
    reports = list(annual.reports.select_related("institution").order_by("institution__name"))
    lines = list(rubric.lines.all())
    photos = _placeholder_photos()
    failing = rng.choice(reports) if region.code == PINGDINGSHAN and reports else None
    for report in reports:
        _fill(report, annual, rng, weak=report is failing)
    AnnualPhoto.objects.bulk_create(
        AnnualPhoto(report=report, image=name, filename=name, kind="png")
        for report in reports
        for name in photos
    )
    scores, rectify = [], []
    full = rubric.full_marks
    for report in reports:
        scores += _score(report, lines, rubric, full, weak=report is failing, rng=rng)
        if report.outcome == Outcome.RECTIFY:
            rectify.append(report.institution_id)
    LineScore.objects.bulk_create(scores)
    AnnualReport.objects.bulk_update(reports, FILLED_FIELDS)
    held = Designation.objects.valid_on(datetime.date(year, 12, 31))
    held.filter(institution_id__in=rectify).update(status=DesignationStatus.RECTIFYING)
    if failing is not None:
        for designation in held.filter(institution=failing.institution):
            actions.revoke_designation(
                office,
                designation,
                reason=f"{year}年度考核不合格：{failing.outcome_note}",
                on=datetime.date(year + 1, 5, 20),
            )
    actions_annual.publish_results(office, annual)


FILLED_FIELDS = [
    "state",
    "open_days",
    "visitors",
    "fulltime_staff",
    "parttime_staff",
    "funding",
    "volunteers",
    "activities",
    "problems",
    "first_submitted_at",
    "submitted_at",
    "self_total",
    "review_total",
    "band",
    "outcome",
    "rectify_deadline",
    "outcome_note",
    "reviewed_at",
]


def _rubric(office: User | None, region: Region) -> Rubric:
    rubric = actions_annual.create_rubric(office, region, f"{region.name}科普教育基地年度考核评分表")
    for title, points, figure, thresholds in RUBRIC_LINES:
        actions_annual.add_line(
            office, rubric, title=title, points=points, figure=figure, thresholds=thresholds
        )
    return rubric


def _placeholder_photos() -> list[str]:
    """Two small images every demo report points at (stored once), standing in for real photos."""
    from PIL import Image, ImageDraw

    stored = []
    for number, name in enumerate(PHOTOS):
        path = f"venues/annual/demo/{name}"
        if not default_storage.exists(path):
            image = Image.new("RGB", (480, 320), (225, 232, 240) if number == 0 else (232, 238, 226))
            draw = ImageDraw.Draw(image)
            draw.rectangle((20, 20, 460, 300), outline=(150, 160, 175), width=4)
            draw.line((20, 20, 460, 300), fill=(180, 188, 200), width=2)
            draw.line((20, 300, 460, 20), fill=(180, 188, 200), width=2)
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            path = default_storage.save(path, ContentFile(buffer.getvalue()))
        stored.append(path)
    return stored


def _fill(report: AnnualReport, annual: AnnualRound, rng: random.Random, *, weak: bool) -> None:
    data = names()
    submitted = timezone.make_aware(
        datetime.datetime.combine(
            annual.due_date - datetime.timedelta(days=rng.randint(-6, 40)), datetime.time(10)
        )
    )
    report.state = ReportState.REVIEWED
    report.open_days = rng.randint(60, 140) if weak else rng.randint(180, 330)
    report.visitors = rng.randint(300, 900) if weak else rng.randint(3_000, 60_000)
    report.fulltime_staff = 0 if weak else rng.randint(1, 8)
    report.parttime_staff = rng.randint(2, 20)
    report.funding = Decimal(rng.randint(1, 3) if weak else rng.randint(5, 90))
    report.volunteers = rng.randint(5, 120)
    report.activities = f"{DEMO_MARK}" + "；".join(rng.sample(data["activities"], 2))
    report.problems = f"{DEMO_MARK}{rng.choice(data['problems'])}"
    report.first_submitted_at = report.submitted_at = submitted
    report.reviewed_at = submitted + datetime.timedelta(days=30)


def _score(
    report: AnnualReport, lines: list, rubric: Rubric, full: Decimal, *, weak: bool, rng: random.Random
) -> list[LineScore]:
    scores, own_total, review_total = [], Decimal(0), Decimal(0)
    for line in lines:
        if line.figure == "photo_count":
            own = line_points(len(PHOTOS), line.thresholds)
        elif line.figure:
            own = line_points(getattr(report, line.figure), line.thresholds)
        else:
            own = Decimal(rng.randint(8, 12) if weak else rng.randint(13, 20))
        review = max(Decimal(0), own - Decimal(rng.choice([0, 0, 0, 1, 2])))
        scores.append(LineScore(report=report, line=line, self_points=own, review_points=review))
        own_total, review_total = own_total + own, review_total + review
    report.self_total, report.review_total = own_total, review_total
    report.band = band_of(review_total, full, rubric.band_minimums)
    if weak:
        report.outcome = Outcome.REVOKE
        report.outcome_note = "全年开放不足 150 天，无专职科普人员，整改后复查仍未达标"
    elif report.band == "不合格":
        report.outcome = Outcome.RECTIFY
        report.rectify_deadline = (
            datetime.date(report.reviewed_at.year, 9, 30) if report.reviewed_at else None
        )
        report.outcome_note = "开放天数和接待人次偏低，限期整改"
    else:
        report.outcome = Outcome.KEEP
    return scores


# ---- counting -----------------------------------------------------------------------------------

LEVEL_WORDS = {"国家级": L.NATIONAL, "省级": L.PROVINCE, "市级": L.CITY, "县级": L.COUNTY, "区级": L.COUNTY}


def base_targets() -> list[Target]:
    """The seed plans' targets the registry measures: about 科普（旅游）教育基地 and linked to the base
    count, or unlinked. A 科普示范基地 is a 示范创建 title, not a base, even when linked to the count."""
    found = []
    plans = Plan.objects.published().filter(region__code__in=SHAPES)
    for target in Target.objects.filter(task__plan__in=plans).select_related("task__plan__region"):
        if "教育基地" not in f"{target.indicator}{target.text}":
            continue
        link = TargetLink.objects.filter(target=target).select_related("indicator").first()
        if link is None or link.indicator.code == counting.BASE_INDICATOR:
            found.append(target)
    return found


def rule_for(target: Target) -> dict[str, object]:
    """The count rule an office would set, read from the target's words and its link's 级别."""
    words = f"{target.indicator}{target.text}"
    link = TargetLink.objects.filter(target=target).first()
    level_word = (link.disaggregation or {}).get("级别", "") if link else ""
    level = LEVEL_WORDS.get(level_word) or next((v for k, v in LEVEL_WORDS.items() if k in words), None)
    region = target.task.plan.region
    if level == L.CITY and region.level == RegionLevel.COUNTY and region.name.endswith("市"):
        level = L.COUNTY  # a county-level city's own titles are its “市级” ones (新郑市)
    new = any(word in words for word in ("新认定", "新增", "新建"))
    return {
        "system": "",
        "level": level,
        "level_comparison": LevelComparison.EQUAL,
        "measure": CountMeasure.NEW if new else CountMeasure.STOCK,
    }


@transaction.atomic
def set_count_rules() -> list[CountRule]:
    """Each base target's rule, set once as the office would."""
    rules = []
    for target in base_targets():
        rule = CountRule.objects.filter(target=target).first()
        if rule is None:
            rule = actions.set_count_rule(_office(target.task.plan.region), target, **rule_for(target))
        rules.append(rule)
    return rules


def relink_new_rules() -> None:
    """A demo loaded before new bases had their own flow indicator: link those rules to it and drop
    the new-base figures once kept on the stock count (labelled 口径：期内新增)."""
    for rule in CountRule.objects.select_related("target__task__plan__region"):
        wanted = counting.Criteria.of(rule).indicator
        if TargetLink.objects.filter(target=rule.target).exclude(indicator__code=wanted).exists():
            fields = {f: getattr(rule, f) for f in ("system", "level", "level_comparison", "measure")}
            actions.set_count_rule(_office(rule.target.task.plan.region), rule.target, **fields)
    IndicatorValue.objects.filter(
        indicator__code=counting.BASE_INDICATOR, disaggregation__has_key="口径"
    ).delete()


def registry_baselines() -> None:
    """Each stock rule's baseline is the registry's own figure for the year before the plan (the
    indicators demo confirmed one from its typed figures); a count of new bases starts from zero."""
    for rule in CountRule.objects.filter(measure=CountMeasure.STOCK).select_related(
        "target__task__plan__region"
    ):
        plan = rule.target.task.plan
        link = TargetLink.objects.filter(target=rule.target).select_related("indicator").first()
        year = (plan.period_start or PLAN_START) - 1
        value = IndicatorValue.objects.filter(
            indicator__code=counting.BASE_INDICATOR,
            region=plan.region,
            period=str(year),
            disaggregation_key=disaggregation_key(counting.Criteria.of(rule).disaggregation()),
        ).first()
        if link is None or value is None or (link.baseline_year, link.baseline_value) == (year, value.value):
            continue
        indicator_actions.link_target(
            _office(plan.region),
            rule.target,
            link.indicator,
            baseline_year=year,
            baseline_value=value.value,
            disaggregation=link.disaggregation,
            confirmed=True,
        )


@transaction.atomic  # one commit, not one per value
def refresh_demo_counts(today: datetime.date) -> int:
    """The registry's figures for every seed region from the year before the plans to this year,
    in place of the indicators demo's typed base counts (the registry is now where they come from)."""
    regions = seed_regions()
    written = 0
    for region in regions:
        IndicatorValue.objects.filter(
            indicator__code=counting.BASE_INDICATOR,
            provenance=indicators_demo.PROVENANCE,
            region__path__startswith=region.path,
        ).delete()
        for year in range(PLAN_START - 1, today.year + 1):
            written += actions.refresh_counts(None, region, year)
        # The counties' figures for the drill-down: the plans' last year and this one.
        for county in Region.objects.filter(parent=region, level=RegionLevel.COUNTY):
            for year in sorted({PLAN_END, today.year}):
                written += actions.refresh_counts(None, county, year)
    return written
