"""Pages of the volunteers app on ``kesu.core.objectviews``: the registers, imports, overview and the public check."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kesu.core import uploads
from kesu.core.downloads import word_or_pdf
from kesu.core.exports import xlsx_response
from kesu.core.http import (
    AuthedRequest,
    current_region,
    managed_region,
    manages_current_region,
    writable_or_403,
)
from kesu.core.models import Job
from kesu.core.objectviews import (
    Checked,
    Column,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectImportView,
    ObjectListView,
)
from kesu.core.personal import id_number_error, id_number_hash
from kesu.regions.models import Region
from kesu.volunteers import actions, counting, importing
from kesu.volunteers import hours as rules
from kesu.volunteers.certificates import certificate_docx
from kesu.volunteers.filters import GridPostFilterSet, SnapshotFilterSet, TeamFilterSet, VolunteerFilterSet
from kesu.volunteers.forms import (
    ActivityForm,
    CertificateForm,
    CorrectionForm,
    CountRuleForm,
    HourSchemeForm,
    NewVolunteerForm,
    RecordForm,
    TeamForm,
    VolunteerForm,
)
from kesu.volunteers.job_kinds import IMPORT_JOB
from kesu.volunteers.models import (
    INDICATOR_OF,
    Certificate,
    Correction,
    CountRule,
    GridPost,
    InformantSnapshot,
    ServiceActivity,
    ServiceRecord,
    Team,
    Volunteer,
    VolunteerError,
    VolunteerImport,
)


def _region(request: AuthedRequest) -> Region:
    region = current_region(request)
    if region is None:
        raise Http404("没有可查看的区划")
    return region


# ---- volunteers --------------------------------------------------------------------------------------

VOLUNTEER_COLUMNS = (
    Column("姓名", "name", link=True, sort="name"),
    Column("身份证号", "masked_id"),
    Column("性别", "get_sex_display"),
    Column("手机", "masked_phone"),
    Column("所在区划", "region.name", sort="region"),
    Column("工作单位", "employer"),
    Column("服务技能", "skills"),
    Column("注册平台", "get_platform_display"),
    Column("注册日期", "registered_on", sort="registered"),
    Column("在册", "in_register"),
)


class VolunteerList(ObjectListView):
    model, columns, filterset_class = Volunteer, VOLUNTEER_COLUMNS, VolunteerFilterSet
    title, create_url, personal_data = "科技志愿者", "volunteers:volunteer_create", True
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Any]:
        return Volunteer.objects.visible_to(self.request.user).select_related("region")

    def can_create(self) -> bool:
        return manages_current_region(self.request)

    def extra_context(self) -> dict[str, Any]:
        return {"import_url": reverse("volunteers:volunteer_import")}


class VolunteerDetail(ObjectDetailView):
    model, template_name = Volunteer, "volunteers/volunteer_detail.html"
    fields = VOLUNTEER_COLUMNS[1:]

    def get_queryset(self) -> QuerySet[Any]:
        return Volunteer.objects.visible_to(self.request.user).select_related("region")

    def extra_context(self, obj: Volunteer) -> dict[str, Any]:
        return volunteer_context(self.request, obj)


def volunteer_context(request: AuthedRequest, volunteer: Volunteer) -> dict[str, Any]:
    totals = actions.totals_of(volunteer)
    return {
        "totals": totals,
        "to_next": rules.hours_to_next_star(totals.hours, actions.ladder_for(volunteer.region)),
        "teams": volunteer.teams.all(),
        "records": volunteer.records.select_related("activity").order_by("-service_date")[:50],
        "certificates": volunteer.certificates.all()[:10],
        "can_reveal": Volunteer.objects.revealable_by(request.user).filter(pk=volunteer.pk).exists(),
        "certificate_form": CertificateForm(initial={"issuer": f"{volunteer.region.name}科协"}),
    }


class VolunteerCreate(ObjectCreateView):
    model, form_class, action_errors = Volunteer, NewVolunteerForm, (VolunteerError,)

    def allowed(self) -> None:
        managed_region(self.request)  # the region's office adds; a leader 403, anyone else 404

    def make_form(self, obj: Any) -> Any:
        data = self.request.POST if self.request.method == "POST" else None
        return NewVolunteerForm(data, teams=Team.objects.manageable_by(self.request.user))

    def save(self, form: Any, obj: Any) -> Volunteer:
        fields = dict(form.cleaned_data)
        teams, number = fields.pop("teams"), fields.pop("id_number")
        return actions.create_volunteer(
            self.request.user, managed_region(self.request), id_number=number, teams=teams, **fields
        )

    def error_field(self, error: Exception) -> str | None:
        return "id_number"


class VolunteerEdit(ObjectEditView):
    model, form_class, action_errors = Volunteer, VolunteerForm, (VolunteerError,)

    def make_form(self, obj: Any) -> Any:
        data = self.request.POST if self.request.method == "POST" else None
        return VolunteerForm(
            data, instance=Volunteer.objects.get(pk=obj.pk), teams=Team.objects.visible_to(self.request.user)
        )

    def save(self, form: Any, obj: Volunteer) -> Volunteer:
        fields = dict(form.cleaned_data)
        return actions.update_volunteer(self.request.user, obj, teams=fields.pop("teams"), **fields)


@require_POST
def volunteer_reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    """The full ID number, once, on the page: only for the office of the volunteer's region; audited."""
    volunteer = get_object_or_404(Volunteer.objects.visible_to(request.user).select_related("region"), pk=pk)
    try:
        number = actions.reveal_id_number(request.user, volunteer)
    except VolunteerError as error:
        raise PermissionDenied(error.message) from error
    context = {"object": volunteer, "can_manage": True, "history": [], "revealed": number}
    return render(
        request, "volunteers/volunteer_detail.html", context | volunteer_context(request, volunteer)
    )


@require_POST
def volunteer_certificate(request: AuthedRequest, pk: int) -> HttpResponse:
    volunteer = writable_or_403(
        Volunteer.objects.manageable_by(request.user), Volunteer.objects.visible_to(request.user), pk=pk
    )
    form = CertificateForm(request.POST)
    if form.is_valid():
        try:
            certificate = actions.issue_certificate(
                request.user, volunteer, issuer=form.cleaned_data["issuer"]
            )
        except VolunteerError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已出具志愿服务记录证明，验证码 {certificate.code}")
    return redirect(volunteer)


@require_safe
def certificate_download(request: AuthedRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(
        Certificate.objects.visible_to(request.user).select_related("volunteer"), pk=pk
    )
    check_url = request.build_absolute_uri(reverse("volunteers:check") + f"?code={certificate.code}")
    name = f"志愿服务记录证明-{certificate.volunteer.name}-{certificate.code}"
    return word_or_pdf(request, certificate_docx(certificate, check_url), name)  # ?format=pdf: PDF


@login_not_required
@require_safe
def certificate_check(request: HttpRequest) -> HttpResponse:
    """Public: the masked name, hours and issuer of a certificate by its code, nothing else."""
    code = request.GET.get("code", "").strip()[:16]
    found = actions.check_certificate(code) if code else None
    return render(
        request,
        "volunteers/check.html",
        {"code": code, "found": found, "hours": rules.fmt(found.hours) if found else ""},
    )


# ---- the platform import and its change summary -----------------------------------------------------------


class RegistryImport(ObjectImportView):
    kind: ClassVar[str] = "volunteers"
    template_name = "volunteers/import.html"

    @property
    def heading(self) -> str:
        return f"导入{importing.KINDS[self.kind][0]}"

    def allowed(self) -> None:
        self.region = managed_region(self.request)

    background_limits = importing.LIMITS

    def hand_to_job(self, data: bytes, filename: str, form: Any) -> Job:
        title = f"{self.heading}：{filename}"
        return uploads.start_import(
            self.request.user,
            IMPORT_JOB,
            title,
            region=self.region,
            data=data,
            filename=filename,
            registry_kind=self.kind,
        )

    def check(self, data: bytes, filename: str, form: Any) -> Checked:
        checked = importing.check(self.kind, data, filename, self.region)
        return Checked(checked.rows, checked.errors.messages())

    def store(self, rows: list[Any], form: Any, filename: str) -> int:
        if self.kind == "volunteers":
            self.run = actions.import_volunteers(self.request.user, self.region, rows, filename=filename)
            return len(rows)
        created, updated = importing.KINDS[self.kind][2](self.request.user, self.region, rows, filename, b"")
        return created + updated

    def redirect_to(self) -> str:
        if self.kind == "volunteers":
            return self.run.get_absolute_url()
        return reverse(
            {
                "teams": "volunteers:team_list",
                "informants": "volunteers:informants",
                "grid_posts": "volunteers:grids",
            }.get(self.kind, "volunteers:overview")
        )

    def extra_context(self) -> dict[str, Any]:
        return {
            "title": self.heading,
            "region": self.region,
            "kind": self.kind,
            "template_url": reverse(f"volunteers:template_{self.kind}"),
        }


class VolunteerImportView(RegistryImport):
    kind = "volunteers"


@require_safe
def import_template(request: AuthedRequest, kind: str) -> HttpResponse:
    if kind not in importing.TEMPLATES:
        raise Http404
    headers, example = importing.TEMPLATES[kind]
    label = importing.KINDS[kind][0]
    return xlsx_response(f"{label}导入模板.xlsx", label, headers, [example], print_title="")


class ImportRunDetail(ObjectDetailView):
    model, template_name = VolunteerImport, "volunteers/import_run.html"

    def extra_context(self, obj: VolunteerImport) -> dict[str, Any]:
        previous = VolunteerImport.objects.filter(region=obj.region, pk__lt=obj.pk).order_by("-pk").first()
        return {"previous": previous, "summary": obj.summary}


# ---- teams ------------------------------------------------------------------------------------------------

TEAM_COLUMNS = (
    Column("队伍名称", "name", link=True, sort="name"),
    Column("层级", "get_level_display", sort="level"),
    Column("上级队伍", "parent.name"),
    Column("属地区划", "region.name", sort="region"),
    Column("依托单位", "host"),
    Column("队长/副队长", "leaders"),
    Column("成立日期", "founded_on"),
    Column("平台注册号", "platform_number"),
    Column("在册", "in_register"),
)


class TeamList(ObjectListView):
    model, columns, filterset_class = Team, TEAM_COLUMNS, TeamFilterSet
    title, create_url = "科技志愿服务队", "volunteers:team_create"

    def get_queryset(self) -> QuerySet[Any]:
        return Team.objects.visible_to(self.request.user).select_related("region", "parent")

    def can_create(self) -> bool:
        return manages_current_region(self.request)


class TeamDetail(ObjectDetailView):
    model, template_name, fields = Team, "volunteers/team_detail.html", TEAM_COLUMNS[1:]

    def get_queryset(self) -> QuerySet[Any]:
        return Team.objects.visible_to(self.request.user).select_related("region", "parent")

    def extra_context(self, obj: Team) -> dict[str, Any]:
        year = dt.date.today().year
        members = obj.members.all()
        figures = ServiceRecord.objects.filter(activity__team=obj).aggregate(
            hours=Sum("counted_hours"), activities=Count("activity_id", distinct=True)
        )
        return {
            "member_count": members.count(),
            "active_count": members.filter(counting.served_in(year)).count(),  # the yearly summary
            "members": members.select_related("region")[:50],
            "children": obj.children.all(),
            "figures": figures,
            "eligibility": actions.team_eligibility(obj),
            "activities": obj.activities.all()[:20],
            "year": year,
        }


class TeamCreate(ObjectCreateView):
    model, form_class, action_errors = Team, TeamForm, (VolunteerError,)

    def allowed(self) -> None:
        managed_region(self.request)  # the region's office adds; a leader 403, anyone else 404

    def make_form(self, obj: Any) -> Any:
        data = self.request.POST if self.request.method == "POST" else None
        return TeamForm(data, teams=Team.objects.visible_to(self.request.user))

    def save(self, form: Any, obj: Any) -> Team:
        return actions.create_team(self.request.user, managed_region(self.request), **form.cleaned_data)


class TeamEdit(ObjectEditView):
    model, form_class, action_errors = Team, TeamForm, (VolunteerError,)

    def make_form(self, obj: Any) -> Any:
        data = self.request.POST if self.request.method == "POST" else None
        return TeamForm(
            data,
            instance=Team.objects.get(pk=obj.pk),
            teams=Team.objects.visible_to(self.request.user).exclude(pk=obj.pk),
        )

    def save(self, form: Any, obj: Team) -> Team:
        return actions.update_team(self.request.user, obj, **form.cleaned_data)


# ---- activities and records --------------------------------------------------------------------------------


class ActivityCreate(ObjectCreateView):
    model, form_class, action_errors = ServiceActivity, ActivityForm, (VolunteerError,)

    def allowed(self) -> None:
        managed_region(self.request)  # the region's office adds; a leader 403, anyone else 404

    def make_form(self, obj: Any) -> Any:
        form = ActivityForm(self.request.POST if self.request.method == "POST" else None)
        form.fields["team"].queryset = Team.objects.visible_to(self.request.user)  # type: ignore[attr-defined]
        return form

    def save(self, form: Any, obj: Any) -> ServiceActivity:
        return actions.create_activity(self.request.user, managed_region(self.request), **form.cleaned_data)


class ActivityDetail(ObjectDetailView):
    model, template_name = ServiceActivity, "volunteers/activity_detail.html"

    def extra_context(self, obj: ServiceActivity) -> dict[str, Any]:
        can_record = ServiceActivity.objects.manageable_by(self.request.user).filter(pk=obj.pk).exists()
        return {
            "records": obj.records.select_related("volunteer").prefetch_related(
                Prefetch("corrections", queryset=Correction.objects.order_by("-created_at"))
            ),
            "can_record": can_record,
            "form": RecordForm(initial={"service_date": obj.start_date}),
            "correction_form": CorrectionForm(),
        }


@require_POST
def record_service(request: AuthedRequest, pk: int) -> HttpResponse:
    """The organiser records one volunteer's day (谁组织谁记录): the volunteer is found by ID number in the region."""
    activity = writable_or_403(
        ServiceActivity.objects.manageable_by(request.user),
        ServiceActivity.objects.visible_to(request.user),
        pk=pk,
    )
    form = RecordForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "；".join(
                f"{form.fields[k].label}：{' '.join(str(e) for e in v)}" for k, v in form.errors.items()
            ),
        )
        return redirect(activity)
    data = form.cleaned_data
    problem = id_number_error(data["id_number"])
    volunteer = (
        None
        if problem
        else Volunteer.objects.filter(
            id_hash=id_number_hash(data["id_number"]), region__path__startswith=activity.region.path
        ).first()
    )
    if volunteer is None:
        messages.error(request, problem or "本区划没有登记此身份证号的志愿者")
        return redirect(activity)
    try:
        actions.record_service(
            request.user,
            activity,
            volunteer,
            data["service_date"],
            sign_in=data["sign_in"],
            sign_out=data["sign_out"],
            declared_hours=data["declared_hours"],
        )
    except VolunteerError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已记录：{volunteer.name}")
    return redirect(activity)


@require_POST
def record_correction(request: AuthedRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(
        ServiceRecord.objects.filter(activity__in=ServiceActivity.objects.manageable_by(request.user)), pk=pk
    )
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            actions.request_correction(request.user, record, **form.cleaned_data)
        except VolunteerError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "已提交更正申请，待素质办核实")
    else:
        messages.error(request, "请填写更正后的时长和理由")
    return redirect(record.activity)


@require_POST
def correction_review(request: AuthedRequest, pk: int) -> HttpResponse:
    correction = writable_or_403(
        Correction.objects.manageable_by(request.user), Correction.objects.visible_to(request.user), pk=pk
    )
    try:
        actions.review_correction(request.user, correction, approve=request.POST.get("decision") == "approve")
    except VolunteerError as error:
        messages.error(request, error.message)
    return redirect(correction.record.activity)


# ---- overview, informants, grids -----------------------------------------------------------------------------


@require_safe
def overview(request: AuthedRequest) -> HttpResponse:
    region = _region(request)
    if not request.user.access.reads_path(region.path):
        raise Http404
    year = _year(request)
    figures = counting.cached("overview", region, year, lambda: counting.overview(region, year))
    informants = counting.cached("informants", region, year, lambda: counting.informants(region, year))
    coverage = counting.cached("coverage", region, year, lambda: counting.grid_coverage(region))
    children = counting.cached("children", region, year, lambda: counting.by_child(region, year))
    return render(
        request,
        "volunteers/overview.html",
        {
            "region": region,
            "year": year,
            "figures": figures,
            "informants": informants,
            "coverage": coverage,
            "children": children,
            "targets": _targets(request, region, year, informants),
            "can_manage": manages_current_region(request),
            "scheme": actions.scheme_for(region),
            "rules_in_words": actions.rules_for(region).in_words(),
            "ladder": actions.ladder_for(region),
            "import_kinds": [(_import_url(kind), label) for kind, (label, _c, _s) in importing.KINDS.items()],
        },
    )


def _import_url(kind: str) -> str:
    return reverse("volunteers:volunteer_import" if kind == "volunteers" else f"volunteers:import_{kind}")


def _year(request: HttpRequest) -> int:
    try:
        return max(2000, min(2100, int(request.GET.get("year", ""))))
    except ValueError:
        return dt.date.today().year


def _targets(
    request: AuthedRequest, region: Region, year: int, informants: counting.InformantFigures
) -> list[dict[str, Any]]:
    """The region's plan targets measured by this app's indicators, with their count rule and current figure."""
    from kesu.plans.models import Target

    codes = set(INDICATOR_OF.values())
    targets = (
        Target.objects.filter(task__plan__region=region, indicator_link__indicator__code__in=codes)
        .select_related("indicator_link__indicator", "volunteers_count_rule", "task__plan")
        .order_by("task__plan_id", "span_start")
    )
    rows: list[dict[str, Any]] = []
    for target in targets:
        rule = getattr(target, "volunteers_count_rule", None)
        value = actions.rule_value(rule, region, year) if rule else None
        shown = (
            value[0]
            if value and value[0] is not None
            else (value[1] / value[2] * 100 if value and value[1] is not None and value[2] else None)
        )
        rows.append(
            {
                "target": target,
                "code": target.indicator_link.indicator.code,
                "rule": rule,
                "value": shown,
                "form": CountRuleForm(initial=_rule_initial(target, rule)),
            }
        )
    absolute = next((r["target"].value for r in rows if r["code"] == "informant_count"), None)
    share = next((r["target"].value for r in rows if r["code"] == "informant_rate"), None)
    if absolute or share:
        needed, form = rules.binding_form(absolute, share, informants.population)
        for row in rows:
            if row["code"] in ("informant_count", "informant_rate"):
                row["binding"] = (needed, form)
    return rows


def _rule_initial(target: Any, rule: CountRule | None) -> dict[str, Any]:
    if rule is not None:
        return {
            "what": rule.what,
            "measure": rule.measure,
            "active_only": rule.active_only,
            "registered_only": rule.registered_only,
        }
    code = target.indicator_link.indicator.code
    return {"what": next(k for k, v in INDICATOR_OF.items() if v == code)}


@require_POST
def count_rule(request: AuthedRequest, target_id: int) -> HttpResponse:
    from kesu.plans.models import Target

    region = managed_region(request)
    target = get_object_or_404(Target.objects.filter(task__plan__region=region), pk=target_id)
    form = CountRuleForm(request.POST)
    if form.is_valid():
        actions.set_count_rule(request.user, target, **form.cleaned_data)
        count = actions.refresh_counts(request.user, region, _year(request))
        messages.success(request, f"已设置计数规则，并按登记库更新了 {count} 个指标值")
    return redirect(reverse("volunteers:overview") + f"?year={_year(request)}")


@require_safe
def informant_list(request: AuthedRequest) -> HttpResponse:
    region = _region(request)
    rows = InformantSnapshot.objects.visible_to(request.user).select_related("region")
    filterset = SnapshotFilterSet(request.GET or {"region": region.code}, queryset=rows, request=request)
    snapshots = list(filterset.qs.order_by("region__code", "-month")[:600])
    year = _year(request)
    return render(
        request,
        "volunteers/informants.html",
        {
            "region": region,
            "filterset": filterset,
            "snapshots": snapshots,
            "figures": counting.informants(region, year),
            "year": year,
            "can_manage": manages_current_region(request),
        },
    )


@require_safe
def grid_list(request: AuthedRequest) -> HttpResponse:
    region = _region(request)
    rows = GridPost.objects.visible_to(request.user).select_related("region")
    filterset = GridPostFilterSet(request.GET or {"region": region.code}, queryset=rows, request=request)
    return render(
        request,
        "volunteers/grids.html",
        {
            "region": region,
            "filterset": filterset,
            "grids": filterset.qs[:1000],
            "coverage": counting.grid_coverage(region),
            "can_manage": manages_current_region(request),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def scheme_edit(request: AuthedRequest) -> HttpResponse:
    region = managed_region(request)
    scheme = actions.scheme_for(region)
    initial = {
        "factors_text": "\n".join(f"{k}={v}" for k, v in (scheme.factors if scheme else {}).items()),
        "ladder_text": "/".join(f"{x:g}" for x in actions.ladder_for(region)),
    }
    instance = scheme if scheme is not None and scheme.region_id == region.pk else None
    form = HourSchemeForm(request.POST or None, instance=instance, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_hour_scheme(
                request.user,
                region,
                unit=form.cleaned_data["unit"],
                per_activity_cap=form.cleaned_data["per_activity_cap"],
                daily_cap=form.cleaned_data["daily_cap"],
                factors=form.cleaned_data["factors_text"],
                star_ladder=form.cleaned_data["ladder_text"],
            )
        except VolunteerError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "已保存计时规则，并按新规则重新计算了本区划的服务时长")
            return redirect("volunteers:overview")
    return render(
        request, "core/object_form.html", {"form": form, "object": None, "title": "志愿服务计时规则"}
    )
