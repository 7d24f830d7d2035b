"""Pages of the bases registry: institutions and designations, import, expiry, counts, the public list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

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
from kesu.indicators import charts, dashboard
from kesu.indicators.models import Boundary
from kesu.plans.models import Plan, Target
from kesu.regions.models import Region, Unit
from kesu.venues import actions, counting, importing
from kesu.venues.filters import Expiry, InstitutionFilterSet
from kesu.venues.forms import CountRuleForm, DesignationForm, InstitutionForm, RevokeForm
from kesu.venues.models import CountRule, Designation, DesignationLevel, Institution


def _levels(institution: Institution) -> str:
    today = timezone.localdate()
    held = [d for d in institution.designations.all() if d.status_on(today) in ("有效", "整改中")]
    return "、".join(sorted({f"{d.get_level_display()}（{d.get_system_display()}）" for d in held})) or "—"


@dataclass(frozen=True)
class ListColumn(Column):
    """A column with the responsive class that hides it on narrower screens (phones keep 名称, 所在区划, 有效认定)."""

    css: str = ""


def _name(institution: Institution) -> str:
    """One name: the base's, with the legal-person unit's after it only when they differ."""
    name, base = institution.name, institution.base_name.strip()
    return f"{base}（{name}）" if base and base != name else name


PHONE_HIDDEN, TABLET_HIDDEN = "d-none d-md-table-cell", "d-none d-xl-table-cell"

INSTITUTION_COLUMNS = (
    ListColumn("名称", _name, link=True, sort="name"),
    ListColumn("所在区划", "region.name", sort="region"),
    ListColumn("有效认定", _levels),
    ListColumn("类别", "category.name", css=PHONE_HIDDEN),
    ListColumn("推荐单位", "unit.name", css=PHONE_HIDDEN),
    ListColumn("统一社会信用代码", "credit_code", css=TABLET_HIDDEN),
    ListColumn("联系人", "contact_name", css=TABLET_HIDDEN),
    ListColumn("联系电话", lambda i: actions.masked_phone(i.contact_phone), css=TABLET_HIDDEN),
    ListColumn(
        "开放时间", lambda i: " ".join(filter(None, (i.opening_days, i.opening_hours))), css=TABLET_HIDDEN
    ),
    ListColumn("对外公开", "published", css=PHONE_HIDDEN),
)


def _institutions(request: AuthedRequest) -> QuerySet[Institution]:
    return (
        Institution.objects.visible_to(request.user)
        .select_related("region", "unit", "category")
        .prefetch_related("designations")
    )


class InstitutionList(ObjectListView):
    model = Institution
    columns = INSTITUTION_COLUMNS
    filterset_class = InstitutionFilterSet
    template_name = "venues/institution_list.html"
    title = export_name = "科普教育基地"
    create_url = "venues:institution_create"
    personal_data = True  # contact names

    def get_queryset(self) -> QuerySet[Institution]:
        institutions = _institutions(self.request)
        root = current_region(self.request)
        if root is not None and not self.request.GET.get("region"):
            institutions = institutions.filter(
                Q(region__path__startswith=root.path)
                | Q(unit_id__in=self.request.user.access.liaison_unit_ids)
            )
        return institutions

    def can_create(self) -> bool:
        return manages_current_region(self.request)

    def extra_context(self) -> dict[str, Any]:
        region = current_region(self.request)
        return {"region": region, "can_manage": self.can_create()}


class InstitutionDetail(ObjectDetailView):
    model = Institution
    template_name = "venues/institution_detail.html"
    pk_url_kwarg = "institution_id"

    def get_queryset(self) -> QuerySet[Institution]:
        return super().get_queryset().select_related("region", "unit", "category__scheme")

    def extra_context(self, obj: Institution) -> dict[str, Any]:
        today = timezone.localdate()
        designations = list(obj.designations.all())
        return {
            "institution": obj,
            "designations": [(d, d.status_on(today)) for d in designations],
            "phone": actions.masked_phone(obj.contact_phone),
            "revealed": self.request.GET.get("phone") == "shown",
        }


class InstitutionCreate(ObjectCreateView):
    model = Institution
    form_class = InstitutionForm
    template_name = "venues/institution_form.html"
    action_errors = (actions.VenueError,)
    success_message = "已添加：{object}"

    def handle(self, request: AuthedRequest, obj: Institution | None) -> HttpResponse:
        self.region = managed_region(request)
        return super().handle(request, obj)

    def make_form(self, obj: Any) -> InstitutionForm:
        data = self.request.POST if self.request.method == "POST" else None
        actions.ensure_category_schemes()
        units = Unit.objects.visible_to(self.request.user)
        return InstitutionForm(data, root=self.region, units=units, initial={"region": self.region.code})

    def save(self, form: InstitutionForm, obj: None) -> Institution:
        fields = dict(form.cleaned_data)
        region = fields.pop("region")
        return actions.create_institution(self.request.user, region, **fields)

    def error_field(self, error: Exception) -> str | None:
        return getattr(error, "field", None)

    def extra_context(self, obj: None) -> dict[str, Any]:
        return {"region": self.region}


class InstitutionEdit(ObjectEditView):
    model = Institution
    form_class = InstitutionForm
    template_name = "venues/institution_form.html"
    pk_url_kwarg = "institution_id"
    action_errors = (actions.VenueError,)

    def make_form(self, obj: Institution) -> InstitutionForm:
        data = self.request.POST if self.request.method == "POST" else None
        fresh = Institution.objects.get(pk=obj.pk)
        actions.ensure_category_schemes()
        root = _managed_root(self.request, fresh.region)
        return InstitutionForm(
            data, instance=fresh, root=root, units=Unit.objects.visible_to(self.request.user)
        )

    def save(self, form: InstitutionForm, obj: Institution) -> Institution:
        return actions.update_institution(self.request.user, obj, **form.cleaned_data)

    def error_field(self, error: Exception) -> str | None:
        return getattr(error, "field", None)

    def extra_context(self, obj: Institution) -> dict[str, Any]:
        return {"region": obj.region, "institution": obj}


def _managed_root(request: AuthedRequest, region: Region) -> Region:
    """The highest region the user manages above (or at) ``region``: the choices an edit may move to."""
    for ancestor in region.ancestors(include_self=True):
        if request.user.access.manages_path(ancestor.path):
            return ancestor
    return region


def _manageable_institution(request: AuthedRequest, institution_id: int) -> Institution:
    return writable_or_403(
        Institution.objects.manageable_by(request.user),
        Institution.objects.visible_to(request.user),
        pk=institution_id,
    )


def _manageable_designation(request: AuthedRequest, designation_id: int) -> Designation:
    return writable_or_403(
        Designation.objects.manageable_by(request.user).select_related("institution"),
        Designation.objects.visible_to(request.user),
        pk=designation_id,
    )


def designation_add(request: AuthedRequest, institution_id: int) -> HttpResponse:
    institution = _manageable_institution(request, institution_id)
    form = DesignationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_designation(request.user, institution, **form.cleaned_data)
        except actions.VenueError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "已添加认定")
            return redirect(institution)
    return render(
        request,
        "venues/designation_form.html",
        {"form": form, "institution": institution, "designation": None},
    )


def designation_edit(request: AuthedRequest, designation_id: int) -> HttpResponse:
    designation = _manageable_designation(request, designation_id)
    form = DesignationForm(request.POST or None, instance=Designation.objects.get(pk=designation.pk))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_designation(request.user, designation, **form.cleaned_data)
        except actions.VenueError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "已保存认定")
            return redirect(designation.institution)
    return render(
        request,
        "venues/designation_form.html",
        {"form": form, "institution": designation.institution, "designation": designation},
    )


def designation_revoke(request: AuthedRequest, designation_id: int) -> HttpResponse:
    designation = _manageable_designation(request, designation_id)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.revoke_designation(
                request.user, designation, reason=form.cleaned_data["reason"], on=form.cleaned_data["on"]
            )
        except actions.VenueError as error:
            form.add_error("reason", error.message)
        else:
            messages.success(request, "已摘牌")
            return redirect(designation.institution)
    return render(request, "venues/designation_revoke.html", {"form": form, "designation": designation})


@require_POST
def reveal_phone(request: AuthedRequest, institution_id: int) -> HttpResponse:
    """The full contact phone, for those who manage the institution; the look is audited."""
    institution = _manageable_institution(request, institution_id)
    phone = actions.reveal_contact_phone(request.user, institution)
    return render(request, "venues/phone.html", {"institution": institution, "phone": phone})


# ---- import -------------------------------------------------------------------------------------


class InstitutionImport(ObjectImportView):
    title = "导入科普教育基地"
    success_url = "venues:institution_list"
    success_message = "已导入 {count} 个单位"
    template_name = "venues/institution_import.html"

    def allowed(self) -> None:
        self.region = managed_region(self.request)

    def _paths(self) -> tuple[str, ...] | None:
        access = self.request.user.access
        return None if access.is_system_admin else access.office_paths

    background_limits, results_name = importing.LIMITS, "基地名录"

    def hand_to_job(self, data: bytes, filename: str, form: Any) -> Job:
        return actions.start_import(self.request.user, self.region, data, filename)

    def check(self, data: bytes, filename: str, form: Any) -> Checked:
        parsed = importing.parse_file(
            data, filename, self.region, manageable_paths=self._paths(), user=self.request.user
        )
        return Checked(parsed.institutions, parsed.problems.messages())

    def store(self, rows: list[Any], form: Any, filename: str) -> int:
        created, updated = actions.import_institutions(
            self.request.user, self.region, rows, filename=filename
        )
        return created + updated

    def extra_context(self) -> dict[str, Any]:
        return {"region": self.region, "headers": importing.TEMPLATE_HEADERS}


@require_safe
def import_template(request: AuthedRequest) -> HttpResponse:
    managed_region(request)
    response = HttpResponse(
        importing.template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E7%A7%91%E6%99%AE%E6%95%99%E8%82%B2%E5%9F%BA%E5%9C%B0%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


# ---- expiry and counts --------------------------------------------------------------------------


def _readable_root(request: AuthedRequest) -> Region:
    region = current_region(request)
    access = request.user.access
    if region is None or not (access.is_system_admin or access.reads_path(region.path)):
        raise Http404("只有素质办和领导可以查看")
    return region


SECTION_ROWS = 100  # rows shown per expiry section; the list page has them all
SECTION_STYLES = {Expiry.WITHIN3: "danger", Expiry.WITHIN6: "warning", Expiry.LAPSED: "secondary"}


@require_safe
def expiry(request: AuthedRequest) -> HttpResponse:
    """Designations ending within 3 months, within 3–6 months, and those lapsed (not renewed) in the
    last 3 years, in the current region's subtree: disjoint sections, each cut at 100 rows with its
    total and a link to the whole section on the list page."""
    region = _readable_root(request)
    today = timezone.localdate()
    designations = Designation.objects.visible_to(request.user).filter(
        institution__region__path__startswith=region.path
    )
    list_url = reverse("venues:institution_list")
    sections = []
    for key, title in Expiry.CHOICES:
        found = Expiry.section(designations, key, today)
        rows = found.select_related("institution__region").order_by("end_year", "institution__name", "pk")
        sections.append(
            {
                "title": title,
                "style": SECTION_STYLES[key],
                "total": found.count(),
                "items": list(rows[:SECTION_ROWS]),
                "url": f"{list_url}?{urlencode({'region': region.code, 'expiry': key})}",
            }
        )
    return render(
        request,
        "venues/expiry.html",
        {"region": region, "today": today, "sections": sections, "shown": SECTION_ROWS},
    )


@require_safe
def counts(request: AuthedRequest) -> HttpResponse:
    """The registry's figures for the current region and a year, as the indicators receive them."""
    region = _readable_root(request)
    year = _year(request.GET.get("year"))
    figures = counting.standard_figures(region, year)
    covered, counties = counting.counties_covered(region, year)
    rules = []
    for rule in counting.rules_of(region).select_related("target__task__plan"):
        done = counting.measured(rule, region, year)
        target = rule.target
        gap = counting.gap_words(target.comparator, target.value, done.value, target.unit or "个")
        rules.append({"rule": rule, "measured": done, "gap": gap})
    return render(
        request,
        "venues/counts.html",
        {
            "region": region,
            "year": year,
            "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
            "figures": [_figure(region, year, c, value) for c, value in figures],
            "covered": covered,
            "counties": counties,
            "rules": rules,
            "unruled": _base_targets(region).exclude(venues_count_rule__isnull=False),
            "can_manage": manages_current_region(request),
        },
    )


def _figure(region: Region, year: int, criteria: counting.Criteria, value: int) -> tuple[str, int, str]:
    """(label, value, why it is 0 when a level's titles lapsed), for the counts page."""
    note = ""
    if value == 0 and criteria.level is not None and criteria.measure == "stock":
        note = counting.level_zero_reason(region, year, criteria.level)
    return _figure_label(criteria), value, note


def _base_targets(region: Region) -> QuerySet[Target]:
    """The region's plan targets about bases: linked to the base count, or worded so (…基地…)."""
    return (
        Target.objects.filter(task__plan__region=region)
        .filter(Q(indicator_link__indicator__code=counting.BASE_INDICATOR) | Q(indicator__contains="基地"))
        .select_related("task")
        .order_by("task__plan_id", "task__order", "span_start")
    )


def _figure_label(criteria: counting.Criteria) -> str:
    if criteria.measure == "new":
        return "当年新增基地"
    if criteria.level is not None:
        return f"{DesignationLevel(criteria.level).label}基地"
    return "有效基地总数（不重复计算）"


def _year(text: str | None) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(text or this_year)
    except ValueError:
        return this_year
    return year if 1990 <= year <= this_year + 1 else this_year


@require_POST
def refresh(request: AuthedRequest) -> HttpResponse:
    region = managed_region(request)
    year = _year(request.POST.get("year"))
    written = actions.refresh_counts(request.user, region, year)
    messages.success(request, f"已按登记库更新 {year} 年的指标值（{written} 项有变化）")
    return redirect(f"{reverse('venues:counts')}?year={year}")


def count_rule(request: AuthedRequest, target_id: int) -> HttpResponse:
    """The office sets, once, how the registry measures a plan target."""
    target = get_object_or_404(Target.objects.select_related("task__plan__region"), pk=target_id)
    plans = Plan.objects.filter(pk=target.task.plan_id)
    writable_or_403(plans.manageable_by(request.user), plans.visible_to(request.user), pk=target.task.plan_id)
    rule = CountRule.objects.filter(target=target).first()
    form = CountRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        actions.set_count_rule(request.user, target, **form.cleaned_data)
        messages.success(request, "已保存计数规则，指标值将按登记库更新")
        return redirect("venues:count_rule", target_id=target.pk)
    region = target.task.plan.region
    year = target.year or timezone.localdate().year
    measured = counting.measured(rule, region, min(year, timezone.localdate().year)) if rule else None
    return render(
        request,
        "venues/count_rule.html",
        {"form": form, "target": target, "rule": rule, "region": region, "measured": measured, "year": year},
    )


# ---- the public page ----------------------------------------------------------------------------


@login_not_required
@require_safe
def public(request: HttpRequest, region_code: str) -> HttpResponse:
    """Valid, published bases of a region with their opening days and hours; no sign-in. A region
    with none has no page. On the office's public boundary map when it has one, else a plain list."""
    region = get_object_or_404(Region, code=region_code)
    today = timezone.localdate()
    valid = Designation.objects.valid_on(today)
    institutions = list(
        Institution.objects.public_on(today)
        .within(region.path)
        .select_related("region", "category")
        .prefetch_related(Prefetch("designations", queryset=valid, to_attr="valid_designations"))
        .order_by("region__code", "name")
    )
    if not institutions:
        raise Http404
    boundary = Boundary.objects.filter(public=True).current_for(region)
    if request.GET.get("boundary") == "geojson":
        return _geojson(boundary)
    map_block = _public_map(region, boundary, institutions)
    if map_block is not None:
        response = dashboard.download(request, [map_block], f"{region.name}科普教育基地")
        if response is not None:
            return response
    rows = [(i, _public_levels(i)) for i in institutions]
    return render(
        request, "venues/public.html", {"region": region, "rows": rows, "map": map_block, "today": today}
    )


def _public_levels(institution: Institution) -> str:
    held = getattr(institution, "valid_designations", [])
    return "、".join(sorted({str(d.get_level_display()) for d in held}, key=_level_order))


def _level_order(label: str) -> int:
    return next((value for value, text in DesignationLevel.choices if text == label), 9)


def _geojson(boundary: Boundary | None) -> HttpResponse:
    if boundary is None:
        raise Http404
    text = Boundary.objects.values_list("geojson", flat=True).get(pk=boundary.pk)
    return HttpResponse(text, content_type="application/geo+json; charset=utf-8")


def _public_map(
    region: Region, boundary: Boundary | None, institutions: list[Institution]
) -> dashboard.Block | None:
    """Bases per sub-region on the approved boundary map, captioned with its 审图号."""
    if boundary is None:
        return None
    children = list(Region.objects.filter(parent=region).order_by("code"))
    if not children:
        return None
    counts = [sum(1 for i in institutions if i.region.path.startswith(c.path)) for c in children]
    rows: list[list[Any]] = [[c.name, c.code, n] for c, n in zip(children, counts, strict=True)]
    option = charts.map_chart(
        f"{region.name}科普教育基地分布",
        boundary.map_name,
        [c.name for c in children],
        [float(n) for n in counts],
        "个",
    )
    url = f"{reverse('venues:public', kwargs={'region_code': region.code})}?boundary=geojson"
    return dashboard.Block(
        "bases",
        "科普教育基地分布",
        ["区划", "区划代码", "基地数"],
        rows,
        option,
        f"{boundary.caption}。",
        extra={"map_url": url, "map_name": boundary.map_name},
    )
