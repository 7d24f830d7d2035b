"""Certification: the steps as the table states them, who takes each over HTTP, returns with a reason,
scores and their mean, 公示 with objections, and 认定 creating the designation and the certificate."""

from __future__ import annotations

import datetime
import io
import shutil
from decimal import Decimal
from typing import Any

import pytest
from docx import Document

from kesu.core.models import AuditEvent
from kesu.regions import actions as region_actions
from kesu.regions.models import Region
from kesu.testing import World
from kesu.venues import actions_certification as actions
from kesu.venues.models import (
    CERTIFICATION_STEPS,
    Application,
    ApplicationStatus,
    Designation,
    DesignationLevel,
    DesignationMethod,
    Institution,
)
from kesu.venues.testing_certification import certify, credit_code, make_application, make_batch

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def test_every_status_but_the_last_has_a_step_out_and_every_step_lands_on_a_status() -> None:
    targets = {step.target for step in CERTIFICATION_STEPS.values()}
    sources = {s for step in CERTIFICATION_STEPS.values() for s in step.sources}
    assert set(ApplicationStatus) - targets == {ApplicationStatus.DRAFT}
    assert set(ApplicationStatus) - sources == {ApplicationStatus.CERTIFIED, ApplicationStatus.REJECTED}


def test_an_application_walks_every_step_to_a_designation_and_each_step_is_audited(world: World) -> None:
    batch = make_batch(world.pingdingshan)
    application = certify(make_application(batch, world.edu_bureau))
    assert application.status == ApplicationStatus.CERTIFIED
    designation = application.designation
    assert designation is not None
    assert (designation.level, designation.start_year, designation.end_year) == (
        DesignationLevel.CITY,
        2025,
        2029,
    )
    assert designation.document_no == "平科协〔2025〕12号"
    assert designation.method == DesignationMethod.APPLY
    institution = Institution.objects.get(credit_code=credit_code(1))
    assert institution.unit == world.edu_bureau and designation.institution == institution
    verbs = list(AuditEvent.objects.for_target(application).order_by("pk").values_list("verb", flat=True))
    assert verbs == [
        "certification.file",
        "certification.submit",
        "certification.recommend",
        "certification.pass_formal",
        "certification.score",
        "certification.propose",
        "certification.publicize",
        "certification.certify",
    ]


def test_a_certified_institution_already_in_the_registry_gets_a_second_designation_not_a_copy(
    world: World,
) -> None:
    first = certify(make_application(make_batch(world.pingdingshan, year=2020), world.edu_bureau))
    second = certify(make_application(make_batch(world.pingdingshan, year=2025), world.edu_bureau))
    assert Institution.objects.filter(credit_code=credit_code(1)).count() == 1
    assert second.designation is not None and first.designation is not None
    assert second.designation.method == DesignationMethod.REAPPLY
    assert Designation.objects.filter(institution=second.institution).count() == 2


def test_a_step_the_state_does_not_admit_is_refused_in_chinese(world: World) -> None:
    application = make_application(make_batch(world.pingdingshan), world.edu_bureau)
    with pytest.raises(actions.CertificationError, match="当前为“草稿”，不能形式审查通过"):
        actions.take_step(None, application, "pass_formal")


def test_a_return_needs_a_reason_and_the_applicant_resubmits_after_it(world: World) -> None:
    application = make_application(make_batch(world.pingdingshan), world.edu_bureau)
    application = actions.take_step(None, application, "submit")
    application = actions.take_step(None, application, "recommend")
    with pytest.raises(actions.CertificationError, match="退回须写明理由"):
        actions.take_step(world.pds_office, application, "return")
    application = actions.take_step(world.pds_office, application, "return", reason="缺少场地证明")
    assert application.status == ApplicationStatus.RETURNED and application.reason == "缺少场地证明"
    event = AuditEvent.objects.for_target(application).get(verb="certification.return")
    assert (event.actor, event.note) == (world.pds_office, "缺少场地证明")
    application = actions.update_application(world.edu_liaison, application, summary="已补充场地证明")
    application = actions.take_step(world.edu_liaison, application, "submit")
    assert application.status == ApplicationStatus.RECOMMENDING and application.reason == ""


def test_propose_needs_a_score_and_the_mean_is_of_every_reviewer(world: World) -> None:
    application = make_application(make_batch(world.pingdingshan), world.edu_bureau)
    for step in ("submit", "recommend", "pass_formal"):
        application = actions.take_step(None, application, step)
    with pytest.raises(actions.CertificationError, match="尚无专家评分"):
        actions.take_step(None, application, "propose")
    for name, score in (("张教授", 90), ("李研究员", 85), ("王高工", 82)):
        actions.score_application(world.pds_office, application, reviewer_name=name, score=Decimal(score))
    actions.score_application(world.pds_office, application, reviewer_name="王高工", score=Decimal(80))
    assert application.scores.count() == 3
    assert application.mean_score() == Decimal("85.0")


def test_certification_waits_for_the_end_of_publicity_and_for_every_objection_to_be_handled(
    world: World,
) -> None:
    application = make_application(make_batch(world.pingdingshan), world.edu_bureau)
    for step in ("submit", "recommend", "pass_formal"):
        application = actions.take_step(None, application, step)
    actions.score_application(None, application, reviewer_name="张教授", score=Decimal(88))
    application = actions.take_step(None, application, "propose")
    with pytest.raises(actions.CertificationError, match="公示结束日期不能早于开始日期"):
        actions.take_step(
            None,
            application,
            "publicize",
            publicity_start=TODAY,
            publicity_end=TODAY - datetime.timedelta(days=1),
        )
    application = actions.take_step(
        None,
        application,
        "publicize",
        publicity_start=TODAY,
        publicity_end=TODAY + datetime.timedelta(days=6),
    )
    facts: dict[str, Any] = {
        "doc_number": "平科协〔2025〕1号",
        "certified_on": TODAY,
        "certificate_number": "PDS-001",
    }
    with pytest.raises(actions.CertificationError, match="公示期满后方可认定"):
        actions.take_step(None, application, "certify", **facts)
    Application.objects.filter(pk=application.pk).update(publicity_end=TODAY - datetime.timedelta(days=1))
    objection = actions.record_objection(None, application, received_on=TODAY, content="开放时间与申报不符")
    with pytest.raises(actions.CertificationError, match="异议尚未处理完毕"):
        actions.take_step(None, application, "certify", **facts)
    actions.handle_objection(world.pds_office, objection, handling="经核实已按申报时间开放")
    with pytest.raises(actions.CertificationError, match="认定须填写认定文号"):
        actions.take_step(None, application, "certify", **{**facts, "doc_number": ""})
    assert actions.take_step(None, application, "certify", **facts).status == ApplicationStatus.CERTIFIED


def test_a_bad_credit_code_or_a_second_application_in_a_batch_is_refused(world: World) -> None:
    batch = make_batch(world.pingdingshan)
    with pytest.raises(actions.CertificationError, match="校验位不正确"):
        actions.file_application(
            None,
            batch,
            name="某馆",
            credit_code=credit_code(7)[:-1] + "0",
            region=world.pingdingshan,
            unit=world.edu_bureau,
        )
    make_application(batch, world.edu_bureau)
    with pytest.raises(actions.CertificationError, match="已申报本批次"):
        make_application(batch, world.edu_bureau)


def test_an_institution_outside_the_batch_region_cannot_apply(world: World) -> None:
    batch = make_batch(world.pingdingshan)
    with pytest.raises(actions.CertificationError, match="不在“平顶山市”辖区内"):
        make_application(batch, world.pingyin_kexie)


# ---- over HTTP ----------------------------------------------------------------------------------


def test_the_liaison_files_and_submits_over_http_and_the_office_reviews(world: World, client_for) -> None:
    batch = make_batch(world.pingdingshan)
    liaison = client_for(world.edu_liaison)
    response = liaison.post(
        f"/bases/certification/{batch.pk}/apply/",
        {
            "name": "市青少年科技活动中心",
            "credit_code": credit_code(31),
            "region": world.pingdingshan.pk,
            "unit": world.edu_bureau.pk,
        },
    )
    application = Application.objects.get(name="市青少年科技活动中心")
    assert response.status_code == 302 and response["Location"] == application.get_absolute_url()
    page = liaison.get(application.get_absolute_url()).content.decode()
    assert 'data-step="submit"' in page and 'data-step="pass_formal"' not in page
    liaison.post(application.get_absolute_url(), {"step": "submit"})
    liaison.post(application.get_absolute_url(), {"step": "recommend"})
    assert liaison.post(application.get_absolute_url(), {"step": "pass_formal"}).status_code == 403
    office = client_for(world.pds_office)
    office.post(application.get_absolute_url(), {"step": "pass_formal"})
    office.post(
        application.get_absolute_url(),
        {"step": "score", "reviewer_name": "张教授", "score": "91", "comment": "特色鲜明"},
    )
    page = office.get(application.get_absolute_url()).content.decode()
    assert "91.0" in page and "张教授" in page
    office.post(application.get_absolute_url(), {"step": "return", "reason": "请补充安全预案"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED
    assert "请补充安全预案" in liaison.get(application.get_absolute_url()).content.decode()


def test_a_return_without_a_reason_shows_the_field_error_and_changes_nothing(
    world: World, client_for
) -> None:
    application = make_application(make_batch(world.pingdingshan), world.edu_bureau)
    actions.take_step(None, application, "submit")
    response = client_for(world.pds_office).post(
        application.get_absolute_url(), {"step": "return", "reason": ""}
    )
    assert response.status_code == 200 and "该字段是必填项" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECOMMENDING


def test_scope_liaisons_see_their_units_applications_counties_their_subtree_outsiders_nothing(
    world: World, client_for
) -> None:
    batch = make_batch(world.pingdingshan)
    edu = make_application(batch, world.edu_bureau, serial=1)
    kexie = make_application(batch, world.kexie, serial=2)
    baofeng = Region.objects.get(code="410421000000")
    county_unit = region_actions.create_unit(None, baofeng, "宝丰县科协", is_office=True)
    county = make_application(batch, county_unit, serial=3)
    from kesu.accounts import actions as account_actions
    from kesu.accounts.models import Role
    from kesu.testing import PASSWORD

    county_office = account_actions.create_user(None, "bf-office", PASSWORD, role=Role.OFFICE, region=baofeng)
    liaison = client_for(world.edu_liaison)
    batch_page = liaison.get(batch.get_absolute_url()).content.decode()
    assert edu.name in batch_page and kexie.name not in batch_page
    assert liaison.get(kexie.get_absolute_url()).status_code == 404
    bf = client_for(county_office)
    listed = bf.get("/bases/certification/").content.decode()
    assert county.name in listed and edu.name not in listed  # 上级批次中本辖区的申报
    assert bf.get(county.get_absolute_url()).status_code == 200
    assert bf.get(edu.get_absolute_url()).status_code == 404
    assert bf.post(county.get_absolute_url(), {"step": "pass_formal"}).status_code == 403
    outsider = client_for(world.xz_office)
    assert outsider.get(batch.get_absolute_url()).status_code == 404
    assert outsider.get(edu.get_absolute_url()).status_code == 404
    assert outsider.post(edu.get_absolute_url(), {"step": "submit"}).status_code == 404
    edu.refresh_from_db()
    assert edu.status == ApplicationStatus.DRAFT


def test_the_certificate_downloads_as_word_with_the_base_and_its_number(world: World, client_for) -> None:
    application = certify(make_application(make_batch(world.pingdingshan), world.edu_bureau))
    response = client_for(world.edu_liaison).get(f"/bases/applications/{application.pk}/certificate/")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert application.name in text and application.certificate_number in text
    assert "市级科协科普教育基地（2025年度）" in text and "2025年至2029年" in text


def test_a_certificate_before_certification_is_not_found(world: World, client_for) -> None:
    application = make_application(make_batch(world.pingdingshan), world.edu_bureau)
    assert (
        client_for(world.pds_office).get(f"/bases/applications/{application.pk}/certificate/").status_code
        == 404
    )


@pytest.mark.skipif(
    not shutil.which("soffice") and not shutil.which("libreoffice"), reason="未安装 LibreOffice"
)
def test_the_certificate_downloads_as_pdf_when_libreoffice_is_installed(world: World, client_for) -> None:
    application = certify(make_application(make_batch(world.pingdingshan), world.edu_bureau))
    response = client_for(world.pds_office).get(
        f"/bases/applications/{application.pk}/certificate/?format=pdf"
    )
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF-")


def test_the_office_opens_a_batch_over_http_and_a_leader_cannot(world: World, client_for) -> None:
    data = {
        "title": "2026年度市级科普教育基地认定",
        "label": "2026年度",
        "system": "kexie",
        "level": "3",
        "year": "2026",
        "start_year": "2026",
        "end_year": "2030",
    }
    assert client_for(world.pds_leader).post("/bases/certification/new/", data).status_code == 403
    assert client_for(world.edu_liaison).post("/bases/certification/new/", data).status_code in (403, 404)
    response = client_for(world.pds_office).post("/bases/certification/new/", data)
    batch = world.pingdingshan  # the office's region
    assert response.status_code == 302
    assert AuditEvent.objects.filter(verb="certification.batch_open", region=batch).count() == 1
    bad = client_for(world.pds_office).post("/bases/certification/new/", {**data, "end_year": "2020"})
    assert "有效期止不能早于有效期起" in bad.content.decode()


def test_the_batch_page_costs_the_same_queries_for_3_or_12_applications(world: World, client_for) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    batch = make_batch(world.pingdingshan)
    office = client_for(world.pds_office)
    counts = []
    for serial in range(1, 13):
        application = make_application(batch, world.edu_bureau, serial=serial)
        actions.take_step(None, application, "submit")
        if serial in (3, 12):
            office.get(batch.get_absolute_url())  # warm the session's region
            with CaptureQueriesContext(connection) as queries:
                assert office.get(batch.get_absolute_url()).status_code == 200
            counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_return_and_reject_forms_name_their_reason_and_each_step_asks_only_its_own_fields(
    world: World, client_for
) -> None:
    application = make_application(make_batch(world.pingdingshan), world.edu_bureau)
    for step in ("submit", "recommend", "pass_formal"):
        application = actions.take_step(None, application, step)
    page = client_for(world.pds_office).get(application.get_absolute_url()).content.decode()
    assert 'for="return_reason">退回理由' in page and 'for="reject_reason">不予认定理由' in page
    assert ">理由 <" not in page and ">理由<" not in page
    steps = page.split('class="card-header">办理</div>', 1)[1]
    assert "公示开始" not in steps and "认定文号" not in steps  # later steps' fields are not asked yet
    from kesu.venues.views_certification import STEP_FORMS

    assert all(name in STEP_FORMS for name, step in CERTIFICATION_STEPS.items() if step.needs_reason)


# ---- the office's own certificate template ------------------------------------------------------


def _template_docx(*lines: str, split: bool = True) -> bytes:
    """A .docx whose first placeholder is split over two runs, as Word does after an edit."""
    document = Document()
    paragraph = document.add_paragraph()
    paragraph.add_run("兹认定 {{名")
    paragraph.add_run("称}} 为科普教育基地")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "证书编号"
    table.cell(0, 1).text = "{{证书编号}}"
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _upload(client: Any, data: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/bases/certification/template/", {"step": "upload", "document": SimpleUploadedFile(name, data)}
    )


def test_the_office_uploads_its_own_certificate_template_and_certificates_follow_it(
    world: World, client_for
) -> None:
    application = certify(make_application(make_batch(world.pingdingshan), world.edu_bureau))
    office = client_for(world.pds_office)
    page = office.get("/bases/certification/template/").content.decode()
    assert "{{名称}}" in page and "{{有效期}}" in page and "系统默认模板" in page
    template = _template_docx("级别：{{级别}}；文号：{{文号}}；有效期：{{有效期}}")
    assert _upload(office, template, "平顶山证书.docx").status_code == 302
    assert AuditEvent.objects.filter(verb="certification.template_set").count() == 1
    response = client_for(world.edu_liaison).get(f"/bases/applications/{application.pk}/certificate/")
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"兹认定 {application.name} 为科普教育基地" in text
    assert "级别：市级；文号：平科协〔2025〕12号；有效期：2025年至2029年" in text
    assert document.tables[0].cell(0, 1).text == application.certificate_number
    office.post("/bases/certification/template/", {"step": "clear"})
    response = client_for(world.edu_liaison).get(f"/bases/applications/{application.pk}/certificate/")
    assert "特发此证" in "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)


def test_a_county_batch_uses_the_citys_template_until_the_county_uploads_its_own(world: World) -> None:
    from kesu.venues import certificates

    baofeng = Region.objects.get(code="410421000000")
    county_unit = region_actions.create_unit(None, baofeng, "宝丰县科协", is_office=True)
    application = certify(make_application(make_batch(baofeng), county_unit))
    assert certificates.template_for(application) is None
    city = actions.set_certificate_template(None, world.pingdingshan, _template_docx(), "市.docx")
    assert certificates.template_for(application) == city
    county = actions.set_certificate_template(None, baofeng, _template_docx(), "县.docx")
    assert certificates.template_for(application) == county


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\xd0\xcf\x11\xe0 an old Word file", "证书.doc", "请先另存为 .docx"),
        (b"PK\x03\x04 broken zip", "证书.docx", "文件已损坏或不是 Word（.docx）文档"),
        (_template_docx("{{单位名称}}"), "证书.docx", "{{单位名称}} 不是可用的占位符"),
    ],
)
def test_a_broken_or_wrong_template_is_refused_in_chinese_and_nothing_changes(
    world: World, client_for, data: bytes, name: str, message: str
) -> None:
    response = _upload(client_for(world.pds_office), data, name)
    assert response.status_code == 200 and message in response.content.decode()
    assert not AuditEvent.objects.filter(verb="certification.template_set").exists()


def test_a_template_without_any_placeholder_is_refused(world: World) -> None:
    document = Document()
    document.add_paragraph("科普教育基地")
    buffer = io.BytesIO()
    document.save(buffer)
    with pytest.raises(actions.CertificationError, match="没有找到占位符"):
        actions.set_certificate_template(None, world.pingdingshan, buffer.getvalue(), "空.docx")


def test_only_the_office_changes_the_certificate_template(world: World, client_for) -> None:
    assert _upload(client_for(world.pds_leader), _template_docx(), "证书.docx").status_code == 403
    assert client_for(world.edu_liaison).get("/bases/certification/template/").status_code in (403, 404)
    assert not AuditEvent.objects.filter(verb="certification.template_set").exists()


def test_during_publicity_the_page_says_what_certification_waits_for_instead_of_a_form(
    world: World, client_for
) -> None:
    application = make_application(make_batch(world.pingdingshan), world.edu_bureau)
    for step in ("submit", "recommend", "pass_formal"):
        application = actions.take_step(None, application, step)
    actions.score_application(None, application, reviewer_name="张教授", score=Decimal(88))
    application = actions.take_step(None, application, "propose")
    end = TODAY + datetime.timedelta(days=3)
    actions.take_step(None, application, "publicize", publicity_start=TODAY, publicity_end=end)
    page = client_for(world.pds_office).get(application.get_absolute_url()).content.decode()
    assert f"公示至 {end:%Y年%-m月%-d日} 结束，公示期满后方可认定" in page
    assert 'data-step="certify"' not in page and 'data-step="reject"' in page
