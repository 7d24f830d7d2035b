"""Test helpers of certification and the annual review, and the URL samples the URL walk uses
(merged by ``kesu.venues.testing``)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from kesu.regions.models import Unit
from kesu.venues import actions as registry
from kesu.venues import actions_annual, actions_certification
from kesu.venues.models import (
    AnnualReport,
    AnnualRound,
    Application,
    CertificationBatch,
    Designation,
    DesignationLevel,
    DesignationSystem,
    Institution,
    Rubric,
)
from kesu.venues.models.institutions import credit_code_check_char

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def credit_code(serial: int) -> str:
    """A valid 统一社会信用代码 (GB 32100 check character) numbered ``serial``."""
    first17 = f"12410400{serial:09d}"
    return first17 + credit_code_check_char(first17)


def make_batch(region: Any, *, year: int = 2025) -> CertificationBatch:
    return actions_certification.open_batch(
        None,
        region,
        title=f"{year}年度{region.name}市级科普教育基地认定",
        label=f"{year}年度",
        system=DesignationSystem.KEXIE,
        level=DesignationLevel.CITY,
        year=year,
        start_year=year,
        end_year=year + 4,
    )


def make_application(
    batch: CertificationBatch, unit: Unit, *, serial: int = 1, name: str = ""
) -> Application:
    return actions_certification.file_application(
        None,
        batch,
        name=name or f"{unit.name}科普馆{serial}",
        credit_code=credit_code(serial),
        region=unit.region,
        unit=unit,
        address="人民路 1 号",
        contact_name="王老师",
        contact_phone="13800001234",
        summary="展厅 1200 平方米，年接待 3 万人次",
    )


def certify(application: Application, *, on: datetime.date | None = None) -> Application:
    """Walk an application through every step to 认定 (the system as actor)."""
    for step in ("submit", "recommend", "pass_formal"):
        application = actions_certification.take_step(None, application, step)
    actions_certification.score_application(None, application, reviewer_name="张教授", score=Decimal(88))
    application = actions_certification.take_step(None, application, "propose")
    start = (on or datetime.date.today()) - datetime.timedelta(days=10)
    application = actions_certification.take_step(
        None,
        application,
        "publicize",
        publicity_start=start,
        publicity_end=start + datetime.timedelta(days=6),
    )
    return actions_certification.take_step(
        None,
        application,
        "certify",
        doc_number="平科协〔2025〕12号",
        certified_on=datetime.date(application.batch.year, 4, 18),
        certificate_number=f"PDS-2025-{application.pk:03d}",
    )


def make_rubric(region: Any) -> Rubric:
    rubric = actions_annual.create_rubric(None, region, "市级科普教育基地年度考核评分表")
    actions_annual.add_line(
        None,
        rubric,
        title="开放天数",
        points=Decimal(40),
        figure="open_days",
        thresholds="300:40, 250:32, 200:24",
    )
    actions_annual.add_line(
        None,
        rubric,
        title="接待人次",
        points=Decimal(40),
        figure="visitors",
        thresholds="30000:40, 10000:30, 1000:15",
    )
    actions_annual.add_line(None, rubric, title="特色活动与安全管理", points=Decimal(20))
    return rubric


def base_with_designation(unit: Unit, *, serial: int = 500, name: str = "") -> Institution:
    institution = registry.create_institution(
        None,
        unit.region,
        name=name or f"{unit.name}科技馆{serial}",
        credit_code=credit_code(serial),
        unit=unit,
    )
    registry.add_designation(
        None,
        institution,
        system=DesignationSystem.KEXIE,
        level=DesignationLevel.CITY,
        batch="2023年度",
        batch_year=2023,
        start_year=2023,
        end_year=2027,
    )
    return institution


def make_round(region: Any, *, year: int = 2025, due: datetime.date | None = None) -> AnnualRound:
    return actions_annual.open_round(
        None, region, year, make_rubric(region), due_date=due or datetime.date(2099, 1, 31)
    )


def fill(
    report: AnnualReport, actor: Any = None, *, open_days: int = 310, visitors: int = 32000
) -> AnnualReport:
    report = actions_annual.save_report(
        actor,
        report,
        open_days=open_days,
        visitors=visitors,
        fulltime_staff=3,
        parttime_staff=8,
        funding=Decimal("45.5"),
        volunteers=20,
        activities="科技周系列活动 12 场",
        problems="展品更新经费不足",
    )
    actions_annual.add_photo(actor, report, PNG, "展厅.png")
    return report


def url_samples(owner_unit: Unit, owner_region: Any, owner_user: Any) -> dict[str, Any]:
    """URL keyword → an object on the owner's side (see tests/test_every_url_respects_scope.py).

    A batch is a call every liaison of its region may answer, so the samples live in ``owner_region``
    (which the persona cannot read), with ``owner_unit`` as the 推荐单位; rows are made directly
    because such a unit may belong to another region than the base."""
    year = 2030 + owner_unit.pk % 60  # one round per region and year: each owner gets its own year
    batch = make_batch(owner_region, year=2097)
    summary = f"{owner_unit.name}申报材料：仅本单位与素质办可见"
    application = Application.objects.create(
        batch=batch,
        name=f"{owner_unit.name}申报的基地",
        credit_code=credit_code(9000 + owner_unit.pk),
        region=owner_region,
        unit=owner_unit,
        summary=summary,
    )
    institution = Institution.objects.create(
        name=f"{owner_unit.name}推荐的基地",
        credit_code=credit_code(9500 + owner_unit.pk),
        region=owner_region,
        unit=owner_unit,
    )
    Designation.objects.create(
        institution=institution,
        system=DesignationSystem.KEXIE,
        level=DesignationLevel.CITY,
        batch=f"{year}年度",
        batch_year=year,
        start_year=year,
        end_year=year,
    )
    annual = actions_annual.open_round(
        None, owner_region, year, make_rubric(owner_region), due_date=datetime.date(2099, 1, 31)
    )
    report = annual.reports.get(institution=institution)
    problems = f"{owner_unit.name}年报问题：仅本单位与素质办可见"
    report = actions_annual.save_report(None, report, problems=problems)
    photo = actions_annual.add_photo(None, report, PNG, "展厅.png")
    return {
        "batch_id": batch.pk,
        "application_id": application.pk,
        "rubric_id": annual.rubric_id,
        "round_id": annual.pk,
        "annual_report_id": report.pk,
        "annual_photo_id": photo.pk,
        "annual_public:year": year,  # the owner's round, not published: no public page yet
        "private_texts": [summary, problems],
    }
