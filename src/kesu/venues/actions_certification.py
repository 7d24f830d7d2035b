"""Every write of the certification workflow: one transaction and one audit event each.

Which step an application admits is the model's (``CERTIFICATION_STEPS``); who may take it is
``may_take``; both are asked here, so a page that offered a step it should not would still be refused.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from kesu.core import audit
from kesu.venues.models import (
    CERTIFICATION_STEPS,
    Application,
    ApplicationStatus,
    CertificateTemplate,
    CertificationBatch,
    Designation,
    DesignationMethod,
    ExpertScore,
    Institution,
    Objection,
    credit_code_problem,
)
from kesu.venues.models.certification import APPLICANT, OFFICE, RECOMMENDER

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.regions.models import Region

# What an application's snapshot leaves out: the contact's phone never goes into the audit trail.
_SNAPSHOT = ["batch", "institution", "name", "credit_code", "region", "unit", "category", "address", "status"]
APPLICATION_FIELDS = (
    "name",
    "credit_code",
    "region",
    "unit",
    "category",
    "address",
    "contact_name",
    "contact_phone",
    "summary",
)


class CertificationError(ValueError):
    """A step the workflow refuses, in words the office reads on the page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---- batches ------------------------------------------------------------------------------------


@transaction.atomic
def open_batch(actor: User | None, region: Region, **fields: Any) -> CertificationBatch:
    batch = CertificationBatch(region=region, created_by=actor, **fields)
    if batch.end_year < batch.start_year:
        raise CertificationError("有效期止不能早于有效期起")
    batch.full_clean(exclude=["created_by"])
    batch.save()
    audit.record(actor, "certification.batch_open", batch, region=region, after=audit.snapshot(batch))
    return batch


# ---- applications -------------------------------------------------------------------------------


def _check_details(fields: dict[str, Any]) -> None:
    problem = credit_code_problem(str(fields.get("credit_code", "")))
    if problem:
        raise CertificationError(problem)
    fields["credit_code"] = str(fields["credit_code"]).strip().upper()
    region, unit = fields.get("region"), fields.get("unit")
    if region is not None and unit is not None and not region.path.startswith(unit.region.path):
        raise CertificationError("推荐单位须为基地所在区划或其上级区划的单位")


@transaction.atomic
def file_application(
    actor: User | None, batch: CertificationBatch, *, institution: Institution | None = None, **fields: Any
) -> Application:
    """申报: a draft for ``batch``, from an institution already in the registry or from new details."""
    if institution is not None:
        for name in ("name", "credit_code", "region", "unit", "category", "address", "contact_name"):
            if not fields.get(name):
                fields[name] = getattr(institution, name)
    if not batch.region.path or not fields["region"].path.startswith(batch.region.path):
        raise CertificationError(f"基地所在区划不在“{batch.region.name}”辖区内，不能申报本批次")
    _check_details(fields)
    if actor is not None and not may_file(actor, batch, fields["unit"]):
        raise CertificationError("只有推荐单位的联络员或本批次的素质办可以申报")
    application = Application(batch=batch, institution=institution, created_by=actor, **fields)
    application.full_clean(
        exclude=["designation", "created_by"], validate_unique=False, validate_constraints=False
    )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as error:
        raise CertificationError(f"“{application.name}”已申报本批次，请勿重复申报") from error
    audit.record(
        actor,
        "certification.file",
        application,
        region=batch.region,
        after=audit.snapshot(application, _SNAPSHOT),
    )
    return application


@transaction.atomic
def update_application(actor: User | None, application: Application, **fields: Any) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not application.is_editable:
        raise CertificationError("申报已提交，不能修改；如需修改，请审核单位退回")
    before = audit.snapshot(application, _SNAPSHOT)
    merged = {name: getattr(application, name) for name in ("credit_code", "region", "unit")} | fields
    _check_details(merged)
    fields["credit_code"] = merged["credit_code"]
    for name, value in fields.items():
        setattr(application, name, value)
    application.full_clean(
        exclude=["designation", "created_by"], validate_unique=False, validate_constraints=False
    )
    application.save()
    audit.record(
        actor,
        "certification.update",
        application,
        region=application.batch.region,
        before=before,
        after=audit.snapshot(application, _SNAPSHOT),
    )
    return application


def may_file(user: Any, batch: CertificationBatch, unit: Any) -> bool:
    """The batch's office (or one above it), or the liaison of the 推荐单位 named on the application."""
    access = user.access
    return access.manages_path(batch.region.path) or (unit is not None and unit.pk in access.liaison_unit_ids)


# ---- steps --------------------------------------------------------------------------------------


def may_take(user: Any, application: Application, step: str) -> bool:
    """Whether ``user`` takes ``step`` on this application (None is the system, in tests and imports)."""
    if user is None:
        return True
    who = CERTIFICATION_STEPS[step].who
    if step == "return" and application.status == ApplicationStatus.RECOMMENDING:
        who = RECOMMENDER  # the 推荐单位 sends back what it will not recommend
    if who in (APPLICANT, RECOMMENDER):
        queryset = Application.objects.fileable_by(user)
    else:
        assert who == OFFICE
        queryset = Application.objects.manageable_by(user)
    return queryset.filter(pk=application.pk).exists()


@transaction.atomic
def take_step(
    actor: User | None,
    application: Application,
    step: str,
    *,
    reason: str = "",
    publicity_start: datetime.date | None = None,
    publicity_end: datetime.date | None = None,
    doc_number: str = "",
    certified_on: datetime.date | None = None,
    certificate_number: str = "",
) -> Application:
    """Move the application one step; each step audited with who, when and (for a return) why."""
    if step not in CERTIFICATION_STEPS:
        raise CertificationError("没有这个审核步骤")
    application = (
        Application.objects.select_for_update().select_related("batch__region").get(pk=application.pk)
    )
    definition = CERTIFICATION_STEPS[step]
    if not application.allows(step):
        raise CertificationError(
            f"申报当前为“{application.get_status_display()}”，不能{definition.label}（可能已在其他页面办理）"
        )
    if not may_take(actor, application, step):
        raise CertificationError(f"您无权{definition.label}")
    reason = reason.strip()
    if definition.needs_reason and not reason:
        raise CertificationError(f"{definition.label}须写明理由")
    before = {"status": application.status}
    _STEP_CHECKS.get(step, _no_check)(
        application,
        publicity_start=publicity_start,
        publicity_end=publicity_end,
        doc_number=doc_number.strip(),
        certified_on=certified_on,
        certificate_number=certificate_number.strip(),
    )
    if definition.needs_reason:
        application.reason = reason
    elif step == "submit":
        application.reason = ""
    application.status = definition.target
    application.save()
    if step == "certify":
        application.designation = _designate(actor, application)
        application.save(update_fields=["designation"])
    audit.record(
        actor,
        f"certification.{step}",
        application,
        region=application.batch.region,
        before=before,
        after={"status": application.status, **_step_facts(application, step)},
        note=reason,
    )
    return application


def _no_check(application: Application, **facts: Any) -> None:
    return None


def _check_propose(application: Application, **facts: Any) -> None:
    if not application.scores.exists():
        raise CertificationError("尚无专家评分，不能列为拟认定")


def _check_publicize(application: Application, **facts: Any) -> None:
    start, end = facts["publicity_start"], facts["publicity_end"]
    if start is None or end is None:
        raise CertificationError("请填写公示开始和结束日期")
    if end < start:
        raise CertificationError("公示结束日期不能早于开始日期")
    application.publicity_start, application.publicity_end = start, end


def certify_blocker(application: Application) -> str:
    """Why 认定 must wait (publicity still running, an objection open), or "" when it may proceed:
    the page shows this instead of a form that would be refused."""
    if application.publicity_end is not None and timezone.localdate() <= application.publicity_end:
        return f"公示至 {application.publicity_end:%Y年%-m月%-d日} 结束，公示期满后方可认定"
    if application.objections.filter(resolved=False).exists():
        return "公示期间的异议尚未处理完毕，不能认定"
    return ""


def _check_certify(application: Application, **facts: Any) -> None:
    blocker = certify_blocker(application)
    if blocker:
        raise CertificationError(blocker)
    missing = [
        label
        for label, value in (
            ("认定文号", facts["doc_number"]),
            ("认定日期", facts["certified_on"]),
            ("证书编号", facts["certificate_number"]),
        )
        if not value
    ]
    if missing:
        raise CertificationError(f"认定须填写{'、'.join(missing)}")
    application.doc_number = facts["doc_number"]
    application.certified_on = facts["certified_on"]
    application.certificate_number = facts["certificate_number"]


_STEP_CHECKS = {"propose": _check_propose, "publicize": _check_publicize, "certify": _check_certify}


def _step_facts(application: Application, step: str) -> dict[str, Any]:
    if step == "publicize":
        return {"公示": f"{application.publicity_start}–{application.publicity_end}"}
    if step == "certify":
        return {
            "认定文号": application.doc_number,
            "证书编号": application.certificate_number,
            "designation": application.designation_id,
        }
    return {}


def _designate(actor: User | None, application: Application) -> Designation:
    """认定 creates the designation on the institution (found by its credit code, or registered now)
    through the registry's own actions, so its checks, audit and count refresh apply."""
    from kesu.venues import actions as registry

    batch = application.batch
    institution = (
        application.institution or Institution.objects.filter(credit_code=application.credit_code).first()
    )
    try:
        if institution is None:
            institution = registry.create_institution(
                actor,
                application.region,
                name=application.name,
                credit_code=application.credit_code,
                unit=application.unit,
                category=application.category,
                address=application.address,
                contact_name=application.contact_name,
                contact_phone=application.contact_phone,
            )
        application.institution = institution
        held_before = Designation.objects.filter(
            institution=institution, system=batch.system, level=batch.level
        ).exists()
        return registry.add_designation(
            actor,
            institution,
            system=batch.system,
            level=batch.level,
            batch=batch.label,
            batch_year=batch.year,
            start_year=batch.start_year,
            end_year=batch.end_year,
            method=DesignationMethod.REAPPLY if held_before else DesignationMethod.APPLY,
            document_no=application.doc_number,
            decided_on=application.certified_on,
            certificate_no=application.certificate_number,
        )
    except registry.VenueError as error:
        raise CertificationError(error.message) from error


# ---- scores and objections ----------------------------------------------------------------------


@transaction.atomic
def score_application(
    actor: User | None,
    application: Application,
    *,
    reviewer_name: str,
    score: Decimal,
    comment: str = "",
    reviewer: User | None = None,
) -> ExpertScore:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.EXPERT:
        raise CertificationError("只有处于“专家评审”的申报可以录入评分")
    if actor is not None and not Application.objects.manageable_by(actor).filter(pk=application.pk).exists():
        raise CertificationError("您无权录入评分")
    if not Decimal(0) <= score <= Decimal(100):
        raise CertificationError("评分应在 0 到 100 之间")
    entry, created = ExpertScore.objects.update_or_create(
        application=application,
        reviewer_name=reviewer_name.strip(),
        defaults={"score": score, "comment": comment.strip(), "reviewer": reviewer},
    )
    audit.record(
        actor,
        "certification.score",
        application,
        region=application.batch.region,
        after={"评审专家": entry.reviewer_name, "评分": str(score), "新增": created},
        note=comment.strip(),
    )
    return entry


@transaction.atomic
def record_objection(
    actor: User | None, application: Application, *, received_on: datetime.date, content: str
) -> Objection:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.PUBLICITY:
        raise CertificationError("只有公示中的申报可以登记异议")
    objection = Objection.objects.create(
        application=application, received_on=received_on, content=content.strip(), recorded_by=actor
    )
    audit.record(
        actor,
        "certification.objection",
        application,
        region=application.batch.region,
        after={"objection": objection.pk, "收到日期": str(received_on)},
        note=content.strip(),
    )
    return objection


@transaction.atomic
def handle_objection(actor: User | None, objection: Objection, *, handling: str) -> Objection:
    objection = (
        Objection.objects.select_for_update()
        .select_related("application__batch__region")
        .get(pk=objection.pk)
    )
    if not handling.strip():
        raise CertificationError("请写明异议的处理情况")
    objection.handling = handling.strip()
    objection.resolved = True
    objection.save(update_fields=["handling", "resolved"])
    audit.record(
        actor,
        "certification.objection_handle",
        objection.application,
        region=objection.application.batch.region,
        after={"objection": objection.pk, "resolved": True},
        note=objection.handling,
    )
    return objection


# ---- the certificate template -------------------------------------------------------------------


@transaction.atomic
def set_certificate_template(
    actor: User | None, region: Region, data: bytes, filename: str
) -> CertificateTemplate:
    """The office's own 认定证书 for the region's batches (replacing the one before), checked first:
    a .docx that opens, with only placeholders the certificate knows."""
    from kesu.venues import certificates

    try:
        found = certificates.check_template(data, filename)
    except certificates.TemplateProblem as problem:
        raise CertificationError(problem.message) from problem
    template = CertificateTemplate.objects.select_for_update().filter(region=region).first()
    before = {"文件名": template.filename} if template else None
    old_file = template.document.name if template else ""
    template = template or CertificateTemplate(region=region)
    template.filename, template.placeholders, template.uploaded_by = filename[:200], found, actor
    template.document.save("certificate.docx", ContentFile(data), save=False)
    template.save()
    if old_file and old_file != template.document.name:
        storage, name = template.document.storage, old_file
        transaction.on_commit(lambda: storage.delete(name))
    audit.record(
        actor,
        "certification.template_set",
        template,
        region=region,
        before=before,
        after={"文件名": template.filename, "占位符": found},
    )
    return template


@transaction.atomic
def clear_certificate_template(actor: User | None, region: Region) -> None:
    """Back to the built-in certificate (or the region above's template)."""
    template = CertificateTemplate.objects.select_for_update().filter(region=region).first()
    if template is None:
        raise CertificationError("本区划没有上传证书模板，已在使用默认模板")
    storage, name = template.document.storage, str(template.document.name)
    audit.record(
        actor, "certification.template_clear", template, region=region, before={"文件名": template.filename}
    )
    template.delete()
    transaction.on_commit(lambda: storage.delete(name))
