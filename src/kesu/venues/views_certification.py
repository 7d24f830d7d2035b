"""Certification pages: the batches, a batch's applications and their states, one application with
the steps its state and the user allow, and its certificate."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from kesu.core.downloads import DOCX_TYPE, attachment, word_or_pdf
from kesu.core.exports import wants_xlsx, xlsx_response
from kesu.core.http import READ_ONLY, AuthedRequest, current_region, managed_region, manages_current_region
from kesu.core.models import AuditEvent
from kesu.venues import actions_certification as actions
from kesu.venues import certificates
from kesu.venues.forms_certification import (
    ApplicationFilterSet,
    ApplicationForm,
    BatchForm,
    CertificateTemplateForm,
    CertifyForm,
    HandleObjectionForm,
    ObjectionForm,
    PublicityForm,
    RejectStepForm,
    ReturnStepForm,
    ScoreForm,
)
from kesu.venues.models import (
    CERTIFICATION_STEPS,
    Application,
    ApplicationStatus,
    CertificateTemplate,
    CertificationBatch,
    Objection,
)
from kesu.venues.models.certification import PATH


class NoFieldsForm(django_forms.Form):
    """A step that asks nothing more than the click."""


# The form each step asks for, with only what that step needs (the others are one click).
STEP_FORMS: dict[str, type[Any]] = {
    "publicize": PublicityForm,
    "certify": CertifyForm,
    "return": ReturnStepForm,
    "reject": RejectStepForm,
}
EXTRA_FORMS: dict[str, type[Any]] = {
    "score": ScoreForm,
    "objection": ObjectionForm,
    "handle": HandleObjectionForm,
}


@require_safe
def batch_list(request: AuthedRequest) -> HttpResponse:
    batches = CertificationBatch.objects.visible_to(request.user).select_related("region")
    region = current_region(request)
    if region is not None and request.user.access.is_office:
        batches = batches.filter(Q(region__path__startswith=region.path) | Q(region__in=region.ancestors()))
    counts: dict[int, Counter[str]] = {}
    visible = Application.objects.visible_to(request.user).filter(batch__in=batches)
    for batch_id, status in visible.values_list("batch_id", "status"):
        counts.setdefault(batch_id, Counter())[status] += 1
    rows = [(batch, counts.get(batch.pk, Counter())) for batch in batches]
    rows_with_totals = [(batch, status, status.total()) for batch, status in rows]
    # A county office follows its subtree's applications in the city's batches it does not run.
    elsewhere = (
        Application.objects.visible_to(request.user)
        .exclude(batch__in=CertificationBatch.objects.visible_to(request.user))
        .select_related("batch", "region", "unit")[:200]
    )
    return render(
        request,
        "venues/certification/batch_list.html",
        {
            "rows": rows_with_totals,
            "can_open": manages_current_region(request),
            "elsewhere": elsewhere,
        },
    )


def batch_new(request: AuthedRequest) -> HttpResponse:
    region = managed_region(request)
    form = BatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = actions.open_batch(request.user, region, **form.cleaned_data)
        except actions.CertificationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"已开启认定批次：{batch.title}")
            return redirect(batch)
    return render(request, "venues/certification/batch_form.html", {"form": form, "region": region})


@require_safe
def batch_detail(request: AuthedRequest, batch_id: int) -> HttpResponse | Any:
    batch = get_object_or_404(
        CertificationBatch.objects.visible_to(request.user).select_related("region"), pk=batch_id
    )
    applications = (
        Application.objects.visible_to(request.user)
        .filter(batch=batch)
        .select_related("region", "unit")
        .annotate(mean=Avg("scores__score"))
    )
    chosen = ApplicationFilterSet(request.GET, queryset=applications, request=request)
    applications = chosen.qs  # the same filters as /api/certification-applications/
    status = chosen.form.cleaned_data.get("status", "") if chosen.is_valid() else ""
    if wants_xlsx(request):
        headers = [
            "基地名称",
            "统一社会信用代码",
            "所在区划",
            "推荐单位",
            "状态",
            "专家平均分",
            "认定文号",
            "证书编号",
        ]
        rows = (
            [
                a.name,
                a.credit_code,
                a.region.name,
                a.unit.name,
                a.get_status_display(),
                round(a.mean, 1) if a.mean is not None else "",
                a.doc_number,
                a.certificate_number,
            ]
            for a in applications
        )
        return xlsx_response(f"{batch.title}.xlsx", "申报情况", headers, rows, print_title=batch.title)
    counts = Counter(
        Application.objects.visible_to(request.user).filter(batch=batch).values_list("status", flat=True)
    )
    access = request.user.access
    return render(
        request,
        "venues/certification/batch_detail.html",
        {
            "batch": batch,
            "applications": applications,
            "counts": [(choice, counts.get(choice.value, 0)) for choice in ApplicationStatus],
            "chosen": status,
            "can_file": access.manages_path(batch.region.path) or access.is_liaison,
        },
    )


def application_new(request: AuthedRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(
        CertificationBatch.objects.visible_to(request.user).select_related("region"), pk=batch_id
    )
    access = request.user.access
    if not (access.manages_path(batch.region.path) or access.is_liaison):
        raise PermissionDenied(READ_ONLY)
    form = ApplicationForm(request.POST or None, user=request.user, batch=batch)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "institution"}
        try:
            application = actions.file_application(
                request.user, batch, institution=form.cleaned_data["institution"], **fields
            )
        except actions.CertificationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"已保存申报草稿：{application.name}。核对无误后请提交申报。")
            return redirect(application)
    return render(request, "venues/certification/application_form.html", {"form": form, "batch": batch})


def application_edit(request: AuthedRequest, application_id: int) -> HttpResponse:
    application = _visible(request, application_id)
    if not Application.objects.fileable_by(request.user).filter(pk=application.pk).exists():
        raise PermissionDenied(READ_ONLY)
    form = ApplicationForm(
        request.POST or None, instance=application, user=request.user, batch=application.batch
    )
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "institution"}
        try:
            actions.update_application(request.user, application, **fields)
        except actions.CertificationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "已保存")
            return redirect(application)
    return render(
        request,
        "venues/certification/application_form.html",
        {"form": form, "batch": application.batch, "application": application},
    )


def _visible(request: AuthedRequest, application_id: int) -> Application:
    return get_object_or_404(
        Application.objects.visible_to(request.user).select_related(
            "batch__region", "region", "unit", "category"
        ),
        pk=application_id,
    )


def application_detail(request: AuthedRequest, application_id: int) -> HttpResponse:
    application = _visible(request, application_id)
    forms = _forms(application)
    if request.method == "POST":
        response = _post(request, application, forms)
        if response is not None:
            return response
    steps = [
        (name, step, forms[name] if name in STEP_FORMS else None)
        for name, step in application.steps_allowed()
        if actions.may_take(request.user, application, name)
    ]
    blocked = actions.certify_blocker(application) if any(n == "certify" for n, *_ in steps) else ""
    if blocked:  # not a form that would be refused: say what it waits for
        steps = [entry for entry in steps if entry[0] != "certify"]
    manages = Application.objects.manageable_by(request.user).filter(pk=application.pk).exists()
    history = (
        AuditEvent.objects.history_of(application, request.user).select_related("actor").order_by("at", "pk")
    )
    return render(
        request,
        "venues/certification/application_detail.html",
        {
            "application": application,
            "steps": steps,
            "certify_blocked": blocked,
            "forms": forms,
            "manages": manages,
            "can_edit": application.is_editable
            and Application.objects.fileable_by(request.user).filter(pk=application.pk).exists(),
            "scores": application.scores.all(),
            "mean": application.mean_score(),
            "objections": application.objections.all(),
            "history": history,
            "path": [(status, _reached(application, status)) for status in PATH],
        },
    )


def _reached(application: Application, status: str) -> str:
    """done / current / later, for the progress line at the top of the page."""
    current = application.status
    if current == status:
        return "current"
    if current in (ApplicationStatus.RETURNED, ApplicationStatus.REJECTED):
        return "later"
    return "done" if PATH.index(status) < PATH.index(ApplicationStatus(current)) else "later"


def _forms(application: Application, data: Any = None, step: str = "") -> dict[str, Any]:
    forms: dict[str, Any] = {}
    for name in CERTIFICATION_STEPS:
        form_class = STEP_FORMS.get(name, NoFieldsForm)
        forms[name] = form_class(data if step == name else None, auto_id=f"{name}_%s")
    for name, form_class in EXTRA_FORMS.items():
        forms[name] = form_class(data if step == name else None, auto_id=f"{name}_%s")
    return forms


def _post(request: AuthedRequest, application: Application, forms: dict[str, Any]) -> HttpResponse | None:
    """One step or entry per POST; an invalid form re-renders the page with the reason by the field."""
    step = request.POST.get("step", "")
    if step not in forms:
        raise Http404
    if step in EXTRA_FORMS:
        if not Application.objects.manageable_by(request.user).filter(pk=application.pk).exists():
            raise PermissionDenied(READ_ONLY)
    elif not actions.may_take(request.user, application, step):
        raise PermissionDenied(READ_ONLY)
    form = forms[step] = _forms(application, request.POST, step)[step]
    if not form.is_valid():
        return None
    try:
        message = _do(request, application, step, form.cleaned_data)
    except actions.CertificationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, message)
    return redirect(application)


def _do(request: AuthedRequest, application: Application, step: str, data: dict[str, Any]) -> str:
    user = request.user
    if step == "score":
        actions.score_application(user, application, reviewer=None, **data)
        return f"已录入{data['reviewer_name']}的评分"
    if step == "objection":
        actions.record_objection(user, application, **data)
        return "已登记异议；异议处理完毕前不能认定"
    if step == "handle":
        objection = get_object_or_404(Objection.objects.filter(application=application), pk=data["objection"])
        actions.handle_objection(user, objection, handling=data["handling"])
        return "已记录异议处理情况"
    actions.take_step(user, application, step, **data)
    return f"已{CERTIFICATION_STEPS[step].label}"


@require_safe
def certificate(request: AuthedRequest, application_id: int) -> HttpResponse:
    """The 认定证书 as Word, or as PDF when LibreOffice is installed (``?format=pdf``)."""
    application = get_object_or_404(
        Application.objects.visible_to(request.user)
        .filter(status=ApplicationStatus.CERTIFIED)
        .select_related("batch__region", "institution"),
        pk=application_id,
    )
    document = certificates.certificate_docx(application)
    return word_or_pdf(request, document, f"认定证书-{application.certificate_number}")


def certificate_template(request: AuthedRequest) -> HttpResponse:
    """The office's own 认定证书 for its region: upload a .docx with placeholders, download the one in
    use or the built-in sample, or go back to the built-in one."""
    region = managed_region(request)
    own = CertificateTemplate.objects.filter(region=region).first()
    inherited = None
    if own is None:
        ancestors = [r.path for r in region.ancestors()]
        inherited = (
            CertificateTemplate.objects.filter(region__path__in=ancestors)
            .select_related("region")
            .order_by("-region__level")
            .first()
        )
    wanted = request.GET.get("file")
    if wanted == "sample":
        return attachment(certificates.builtin_template(), "认定证书示例模板.docx", DOCX_TYPE)
    if wanted == "current" and own is not None:
        return attachment(own.read(), own.filename, DOCX_TYPE)
    form = CertificateTemplateForm(
        request.POST if request.POST.get("step") == "upload" else None,
        request.FILES if request.POST.get("step") == "upload" else None,
    )
    if request.method == "POST":
        try:
            if request.POST.get("step") == "clear":
                actions.clear_certificate_template(request.user, region)
                messages.success(request, "已恢复默认证书模板")
                return redirect("venues:certificate_template")
            if form.is_valid():
                upload = form.cleaned_data["document"]
                actions.set_certificate_template(request.user, region, upload.read(), upload.name)
                messages.success(request, f"已启用证书模板：{upload.name}")
                return redirect("venues:certificate_template")
        except actions.CertificationError as error:
            form.add_error("document" if request.POST.get("step") == "upload" else None, error.message)
    return render(
        request,
        "venues/certification/certificate_template.html",
        {
            "region": region,
            "own": own,
            "inherited": inherited,
            "form": form,
            "placeholders": certificates.PLACEHOLDERS.items(),
        },
    )
