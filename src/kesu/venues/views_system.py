"""Pages of the 科技馆 system (a region overview, 流动科技馆 tours, 科普大篷车 trips), 示范创建 and 表彰.

Rows come from ``visible_to``, writes from ``manageable_by`` (403 when only visible, 404 outside the
scope) and go through ``actions_system``; a step's own rule (who takes 市级检查, when 公布 may come)
lives in the step tables and the actions, never here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from kesu.core.http import (
    READ_ONLY,
    AuthedRequest,
    current_region,
    managed_region,
    manages_current_region,
    writable_or_403,
)
from kesu.core.objectviews import (
    Checked,
    Column,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectImportView,
    ObjectListView,
)
from kesu.indicators.models import Indicator
from kesu.regions.models import Region, Unit
from kesu.venues import actions_system as actions
from kesu.venues import counting_system as counting
from kesu.venues import importing_system as importing
from kesu.venues.actions_system import VenueSystemError
from kesu.venues.forms_system import (
    BonusForm,
    CallFilterSet,
    CallForm,
    CallStepForm,
    CaravanFilterSet,
    CaravanTripForm,
    ChecklistFilterSet,
    ChecklistForm,
    CreationFilterSet,
    CreationForm,
    CreationStepForm,
    CriterionForm,
    CriterionValueForm,
    EvidenceForm,
    NominationForm,
    ReviewForm,
    TourFilterSet,
    TourForm,
    TourStopForm,
)
from kesu.venues.models import (
    CALL_STEPS,
    CREATION_STEPS,
    AwardCall,
    CaravanTrip,
    Checklist,
    Creation,
    CreationEvidence,
    CreationKind,
    Criterion,
    Institution,
    Nomination,
    Tour,
    TourStop,
)


def _year(request: AuthedRequest) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year


def _within_current(
    queryset: QuerySet[Any], request: AuthedRequest, path: str = "region__path"
) -> QuerySet[Any]:
    """The list narrowed to the region the user is looking at (the switcher), as the units list does."""
    root = current_region(request)
    return queryset.filter(**{f"{path}__startswith": root.path}) if root is not None else queryset


# ---- region overview ----------------------------------------------------------------------------


@require_safe
def overview(request: AuthedRequest, region_code: str | None = None) -> HttpResponse:
    """The 科技馆 system of a region: a row per county, the counties without a 科技小院, the year's
    flows, and the figures as they go to the indicators."""
    if region_code is None:
        region = current_region(request)
    else:
        region = get_object_or_404(Region.objects.visible_to(request.user), code=region_code)
    if region is None or not request.user.access.reads_path(region.path):
        # a liaison sees its region but reads no office figures: only what its unit recommends
        if region_code is not None:
            raise Http404("没有找到，或您无权查看。")
        return render(request, "venues/system/overview.html", {"region": None})
    year = _year(request)
    rows = counting.county_rows(region, year)
    names = {entry.code: entry.name for entry in counting.ENTRIES}
    figures = [
        (
            names[f.code],
            f.value if f.denominator is None else _ratio(f),
            f.provenance,
        )
        for f in counting.figures(region, year)
        if not f.disaggregation
    ]
    return render(
        request,
        "venues/system/overview.html",
        {
            "region": region,
            "year": year,
            "rows": rows,
            "lacking": counting.lacking_courtyard(rows),
            "total": counting.total_row(rows),
            "figures": figures,
            "can_manage": request.user.access.manages_path(region.path),
            "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
        },
    )


def _ratio(figure: counting.Figure) -> str:
    """50%（1/2）"""
    share = (figure.numerator or 0) / figure.denominator * 100 if figure.denominator else 0
    return f"{share:.0f}%（{figure.numerator:g}/{figure.denominator:g}）"


@require_POST
def refresh(request: AuthedRequest, region_code: str) -> HttpResponse:
    region = writable_or_403(
        Region.objects.manageable_by(request.user), Region.objects.visible_to(request.user), code=region_code
    )
    raw = str(request.POST.get("year", ""))
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year
    written = counting.refresh_system_counts(request.user, region, year)
    messages.success(request, f"已更新 {written} 项指标数值（未变化的不重写）。")
    return redirect(f"{reverse('venues:system_region', kwargs={'region_code': region.code})}?year={year}")


# ---- 流动科技馆 tours -----------------------------------------------------------------------------

TOUR_COLUMNS = (
    Column("展览（展品套）", "exhibition", link=True),
    Column("年度", "year"),
    Column("组织区划", "region.name"),
    Column("站点数", lambda tour: tour.stops.count()),
)


class TourList(ObjectListView):
    model = Tour
    columns = TOUR_COLUMNS
    filterset_class = TourFilterSet
    title = export_name = "流动科技馆巡展"
    create_url = "venues:system_tour_create"
    template_name = "venues/system/registry_list.html"

    def get_queryset(self) -> QuerySet[Tour]:
        return _within_current(super().get_queryset().select_related("region"), self.request)

    def can_create(self) -> bool:
        return manages_current_region(self.request)

    def extra_context(self) -> dict[str, Any]:
        return {"import_url": "venues:system_tour_import", "import_label": "导入站点"}


class TourCreate(ObjectCreateView):
    model = Tour
    form_class = TourForm
    action_errors = (VenueSystemError,)

    def handle(self, request: AuthedRequest, obj: Any) -> HttpResponse:
        self.region = managed_region(request)
        return super().handle(request, obj)

    def save(self, form: TourForm, obj: None) -> Tour:
        return actions.create_tour(self.request.user, self.region, **form.cleaned_data)


class TourDetail(ObjectDetailView):
    model = Tour
    template_name = "venues/system/tour_detail.html"
    pk_url_kwarg = "tour_id"

    def extra_context(self, obj: Tour) -> dict[str, Any]:
        stops = obj.stops.select_related("region")
        return {
            "tour": obj,
            "stops": stops,
            "visitors": sum(stop.visitors for stop in stops),
            "stop_form": TourStopForm(tour=obj),
        }


@require_POST
def tour_stop_add(request: AuthedRequest, tour_id: int) -> HttpResponse:
    tour = writable_or_403(
        Tour.objects.manageable_by(request.user), Tour.objects.visible_to(request.user), pk=tour_id
    )
    form = TourStopForm(request.POST, tour=tour)
    if form.is_valid():
        try:
            actions.add_tour_stop(request.user, tour, **form.cleaned_data)
        except VenueSystemError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "已添加巡展站点")
    else:
        messages.error(request, _form_problems(form))
    return redirect(tour)


@require_POST
def tour_stop_remove(request: AuthedRequest, tour_stop_id: int) -> HttpResponse:
    stop = writable_or_403(
        TourStop.objects.filter(tour__in=Tour.objects.manageable_by(request.user)),
        TourStop.objects.filter(tour__in=Tour.objects.visible_to(request.user)),
        pk=tour_stop_id,
    )
    tour = stop.tour
    actions.remove_tour_stop(request.user, stop)
    messages.success(request, "已删除巡展站点")
    return redirect(tour)


def _form_problems(form: Any) -> str:
    return "；".join(
        f"{form.fields[name].label if name in form.fields else ''}：{' '.join(errors)}".lstrip("：")
        for name, errors in form.errors.items()
    )


# ---- 科普大篷车 -----------------------------------------------------------------------------------

CARAVAN_COLUMNS = (
    Column("车辆", "vehicle", link=True),
    Column("日期", lambda trip: trip.date.isoformat()),
    Column("区划", "region.name"),
    Column("地点", "place"),
    Column("活动场次", "activities"),
    Column("受众人次", "visitors"),
)


class CaravanList(ObjectListView):
    model = CaravanTrip
    columns = CARAVAN_COLUMNS
    filterset_class = CaravanFilterSet
    title = export_name = "科普大篷车活动"
    create_url = "venues:system_caravan_create"
    template_name = "venues/system/registry_list.html"

    def get_queryset(self) -> QuerySet[CaravanTrip]:
        return _within_current(super().get_queryset().select_related("region"), self.request)

    def can_create(self) -> bool:
        return manages_current_region(self.request)

    def extra_context(self) -> dict[str, Any]:
        return {"import_url": "venues:system_caravan_import", "import_label": "导入活动"}


class CaravanCreate(ObjectCreateView):
    model = CaravanTrip
    form_class = CaravanTripForm
    action_errors = (VenueSystemError,)

    def handle(self, request: AuthedRequest, obj: Any) -> HttpResponse:
        self.region = managed_region(request)
        return super().handle(request, obj)

    def make_form(self, obj: Any) -> CaravanTripForm:
        return CaravanTripForm(
            self.request.POST if self.request.method == "POST" else None, region=self.region
        )

    def save(self, form: CaravanTripForm, obj: None) -> CaravanTrip:
        data = dict(form.cleaned_data)
        return actions.create_caravan_trip(self.request.user, data.pop("region"), **data)


class CaravanDetail(ObjectDetailView):
    model = CaravanTrip
    pk_url_kwarg = "caravan_id"
    template_name = "venues/system/caravan_detail.html"
    fields = CARAVAN_COLUMNS + (Column("活动内容", "note"),)


class CaravanEdit(ObjectEditView):
    model = CaravanTrip
    form_class = CaravanTripForm
    pk_url_kwarg = "caravan_id"
    action_errors = (VenueSystemError,)

    def make_form(self, obj: CaravanTrip) -> CaravanTripForm:
        data = self.request.POST if self.request.method == "POST" else None
        home = (
            obj.region.parent
            if obj.region.parent and self.request.user.access.manages_path(obj.region.parent.path)
            else obj.region
        )
        return CaravanTripForm(data, instance=CaravanTrip.objects.get(pk=obj.pk), region=home)

    def save(self, form: CaravanTripForm, obj: CaravanTrip) -> CaravanTrip:
        return actions.update_caravan_trip(self.request.user, obj, **form.cleaned_data)


# ---- imports of tour stops and caravan trips ---------------------------------------------------


class _SystemImport(ObjectImportView):
    """Upload a table for the office's current region: every row checked, all stored or none."""

    template_name = "venues/system/import.html"
    template_url = ""
    headers: tuple[str, ...] = ()
    rules = ""

    def allowed(self) -> None:
        self.region = managed_region(self.request)

    def extra_context(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "headers": self.headers,
            "template_url": reverse(self.template_url),
            "rules": self.rules,
            "back_url": reverse(self.success_url),
        }


class TourStopImport(_SystemImport):
    title = "导入流动科技馆巡展站点"
    success_url = "venues:system_tour_list"
    success_message = "已导入 {count} 个巡展站点"
    template_url = "venues:system_tour_import_template"
    headers = tuple(importing.STOP_TEMPLATE)
    rules = (
        "每行一个站点。巡展按“展览（展品套）”和“巡展年度”归并，本区划没有的巡展自动新建；"
        "同一巡展、县和开始日期的站点已登记的，按文件更新结束日期、参观人次和展出地点。"
        "巡展县（市、区）填 12 位或 6 位区划代码或名称，须在本区划下；开始日期须在巡展年度内，结束日期不早于开始日期。"
    )

    def check(self, data: bytes, filename: str, form: Any) -> Checked:
        parsed = importing.parse_stops(data, filename, self.region)
        return Checked(parsed.rows, parsed.problems.messages())

    def store(self, rows: list[Any], form: Any, filename: str) -> int:
        created, updated = actions.import_tour_stops(self.request.user, self.region, rows, filename=filename)
        return created + updated


class CaravanImport(_SystemImport):
    title = "导入科普大篷车活动"
    success_url = "venues:system_caravan_list"
    success_message = "已导入 {count} 次大篷车活动"
    template_url = "venues:system_caravan_import_template"
    headers = tuple(importing.TRIP_TEMPLATE)
    rules = (
        "每行一次活动。同一车辆、日期、区划和地点的活动已登记的，按文件更新活动场次、受众人次和活动内容。"
        "所到区划填 12 位或 6 位区划代码或名称，须为本区划或其下的县（市、区）；活动场次不填按 1 场计。"
    )

    def check(self, data: bytes, filename: str, form: Any) -> Checked:
        parsed = importing.parse_trips(data, filename, self.region)
        return Checked(parsed.rows, parsed.problems.messages())

    def store(self, rows: list[Any], form: Any, filename: str) -> int:
        created, updated = actions.import_caravan_trips(
            self.request.user, self.region, rows, filename=filename
        )
        return created + updated


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@require_safe
def tour_import_template(request: AuthedRequest) -> HttpResponse:
    managed_region(request)
    return _xlsx(importing.stop_template(), "流动科技馆巡展站点导入模板.xlsx")


@require_safe
def caravan_import_template(request: AuthedRequest) -> HttpResponse:
    managed_region(request)
    return _xlsx(importing.trip_template(), "科普大篷车活动导入模板.xlsx")


# ---- 示范创建: checklists -------------------------------------------------------------------------

CHECKLIST_COLUMNS = (
    Column("名称", "name", link=True),
    Column("创建类型", "get_kind_display"),
    Column("版本年份", "year"),
    Column("制定区划", lambda c: c.region.name if c.region else "通用"),
)


class ChecklistList(ObjectListView):
    model = Checklist
    columns = CHECKLIST_COLUMNS
    filterset_class = ChecklistFilterSet
    title = export_name = "示范创建标准"
    create_url = "venues:system_checklist_create"
    template_name = "venues/system/checklist_list.html"

    def extra_context(self) -> dict[str, Any]:
        kinds = [(kind, CreationKind(kind).label) for kind in actions.STANDARD_CHECKLISTS]
        return {"standard_kinds": kinds}

    def get_queryset(self) -> QuerySet[Checklist]:
        return super().get_queryset().select_related("region")

    def can_create(self) -> bool:
        return manages_current_region(self.request)


@require_POST
def checklist_standard(request: AuthedRequest) -> HttpResponse:
    """Copy a reference checklist into the office's region, to adjust line by line."""
    region = managed_region(request)
    try:
        checklist = actions.create_standard_checklist(
            request.user, region, kind=str(request.POST.get("kind", "")), year=timezone.localdate().year
        )
    except VenueSystemError as error:
        messages.error(request, error.message)
        return redirect("venues:system_checklist_list")
    messages.success(request, f"已载入参考标准：{checklist}，请按本地要求调整达标值。")
    return redirect(checklist)


class ChecklistCreate(ObjectCreateView):
    model = Checklist
    form_class = ChecklistForm
    action_errors = (VenueSystemError,)

    def handle(self, request: AuthedRequest, obj: Any) -> HttpResponse:
        self.region = managed_region(request)
        return super().handle(request, obj)

    def save(self, form: ChecklistForm, obj: None) -> Checklist:
        return actions.create_checklist(self.request.user, self.region, **form.cleaned_data)


class ChecklistDetail(ObjectDetailView):
    model = Checklist
    pk_url_kwarg = "checklist_id"
    template_name = "venues/system/checklist_detail.html"

    def extra_context(self, obj: Checklist) -> dict[str, Any]:
        criteria = list(obj.criteria.all())
        names = dict(
            Indicator.objects.filter(code__in=[c.indicator_code for c in criteria]).values_list(
                "code", "name"
            )
        )
        # the figure each line reads, named in words (codes are for programs)
        rows = [
            (c, names.get(c.indicator_code) or counting.REGISTRY_FIGURES.get(c.registry_figure, ""))
            for c in criteria
        ]
        return {"checklist": obj, "criteria": rows, "criterion_form": CriterionForm()}


@require_POST
def criterion_add(request: AuthedRequest, checklist_id: int) -> HttpResponse:
    checklist = writable_or_403(
        Checklist.objects.manageable_by(request.user),
        Checklist.objects.visible_to(request.user),
        pk=checklist_id,
    )
    form = CriterionForm(request.POST)
    if form.is_valid():
        fields = {name: form.cleaned_data[name] for name in actions.CRITERION_FIELDS}
        try:
            actions.add_criterion(request.user, checklist, **fields)
        except VenueSystemError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "已添加标准条目")
    else:
        messages.error(request, _form_problems(form))
    return redirect(checklist)


# ---- 示范创建: creations --------------------------------------------------------------------------

CREATION_COLUMNS = (
    Column("创建", lambda c: c.place or c.region.name, link=True),
    Column("区划", "region.name"),
    Column("类型", "get_kind_display"),
    Column("级别", "get_level_display"),
    Column("创建周期", lambda c: f"{c.cycle_start}—{c.cycle_end}"),
    Column("状态", "get_status_display"),
)


class CreationList(ObjectListView):
    model = Creation
    columns = CREATION_COLUMNS
    filterset_class = CreationFilterSet
    title = export_name = "示范创建"
    create_url = "venues:system_creation_create"

    def get_queryset(self) -> QuerySet[Creation]:
        return _within_current(super().get_queryset().select_related("region"), self.request)

    def can_create(self) -> bool:
        return manages_current_region(self.request)


class CreationCreate(ObjectCreateView):
    model = Creation
    form_class = CreationForm
    action_errors = (VenueSystemError,)

    def handle(self, request: AuthedRequest, obj: Any) -> HttpResponse:
        self.region = managed_region(request)
        return super().handle(request, obj)

    def make_form(self, obj: Any) -> CreationForm:
        data = self.request.POST if self.request.method == "POST" else None
        return CreationForm(
            data, region=self.region, checklists=Checklist.objects.visible_to(self.request.user)
        )

    def save(self, form: CreationForm, obj: None) -> Creation:
        data = dict(form.cleaned_data)
        return actions.create_creation(self.request.user, data.pop("region"), **data)


class CreationDetail(ObjectDetailView):
    model = Creation
    pk_url_kwarg = "creation_id"
    template_name = "venues/system/creation_detail.html"

    def get_queryset(self) -> QuerySet[Creation]:
        return super().get_queryset().select_related("region", "checklist")

    def extra_context(self, obj: Creation) -> dict[str, Any]:
        user = self.request.user
        steps = [
            step
            for name, step in CREATION_STEPS.items()
            if obj.allows(name) and actions.step_allowed(user, name, obj.region)
        ]
        editable = obj.status in actions.EDITABLE and user.access.manages_path(obj.region.path)
        return {
            "creation": obj,
            "rows": counting.checklist_rows(obj, timezone.localdate().year),
            "steps": steps,
            "log": obj.steps.select_related("actor"),
            "editable": editable,
            "statuses": dict(CREATION_STEPS),
        }


def _manageable_creation(request: AuthedRequest, creation_id: int) -> Creation:
    return writable_or_403(
        Creation.objects.manageable_by(request.user).select_related("region"),
        Creation.objects.visible_to(request.user),
        pk=creation_id,
    )


def _criterion_of(creation: Creation, criterion_id: int | None) -> Criterion:
    return get_object_or_404(Criterion, pk=criterion_id, checklist_id=creation.checklist_id)


@require_POST
def creation_value(request: AuthedRequest, creation_id: int) -> HttpResponse:
    creation = _manageable_creation(request, creation_id)
    form = CriterionValueForm(request.POST)
    if form.is_valid():
        criterion = _criterion_of(creation, form.cleaned_data["criterion"])
        try:
            actions.set_criterion_value(
                request.user,
                creation,
                criterion,
                value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
            )
        except VenueSystemError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已保存：{criterion.text}")
    else:
        messages.error(request, _form_problems(form))
    return redirect(creation)


@require_POST
def creation_evidence(request: AuthedRequest, creation_id: int) -> HttpResponse:
    creation = _manageable_creation(request, creation_id)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        criterion = _criterion_of(creation, form.cleaned_data["criterion"])
        upload = form.cleaned_data["file"]
        try:
            actions.add_creation_evidence(request.user, creation, criterion, upload.read(), upload.name)
        except VenueSystemError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已上传佐证材料：{upload.name}")
    else:
        messages.error(request, "请选择要上传的文件。")
    return redirect(creation)


@require_safe
def creation_evidence_file(request: AuthedRequest, creation_evidence_id: int) -> FileResponse:
    evidence = get_object_or_404(
        CreationEvidence.objects.filter(creation__in=Creation.objects.visible_to(request.user)),
        pk=creation_evidence_id,
    )
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.filename)


@require_POST
def creation_step(request: AuthedRequest, creation_id: int) -> HttpResponse:
    """A step on the creation: offices of its region or above write (a leader reads: 403); which of
    them takes which step is the step table's rule, asked by the action."""
    creation = _manageable_creation(request, creation_id)
    form = CreationStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_problems(form))
        return redirect(creation)
    data = form.cleaned_data
    try:
        actions.take_creation_step(
            request.user,
            creation,
            data["step"],
            reason=data["reason"],
            document_no=data["document_no"],
            named_on=data["named_on"],
        )
    except VenueSystemError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已办理：{CREATION_STEPS[data['step']].label}")
    return redirect(creation)


# ---- 表彰奖励 ------------------------------------------------------------------------------------

CALL_COLUMNS = (
    Column("表彰", "title", link=True),
    Column("年度", "year"),
    Column("区划", "region.name"),
    Column("名额", lambda call: call.quota or "不限"),
    Column("阶段", "stage_label"),
    Column(
        "公示期", lambda call: f"{call.publicity_start}—{call.publicity_end}" if call.publicity_start else ""
    ),
)


class CallList(ObjectListView):
    model = AwardCall
    columns = CALL_COLUMNS
    filterset_class = CallFilterSet
    title = export_name = "表彰奖励"
    create_url = "venues:system_call_create"

    def get_queryset(self) -> QuerySet[AwardCall]:
        calls = super().get_queryset().select_related("region")
        if self.request.user.access.read_paths:
            calls = _within_current(calls, self.request)
        return calls

    def can_create(self) -> bool:
        return manages_current_region(self.request)


class CallCreate(ObjectCreateView):
    model = AwardCall
    form_class = CallForm
    action_errors = (VenueSystemError,)

    def handle(self, request: AuthedRequest, obj: Any) -> HttpResponse:
        self.region = managed_region(request)
        return super().handle(request, obj)

    def save(self, form: CallForm, obj: None) -> AwardCall:
        return actions.create_call(self.request.user, self.region, **form.cleaned_data)


def _nominees_for(call: AwardCall, user: Any) -> tuple[QuerySet[Unit], QuerySet[Institution]]:
    """Who the user may name in the call: units and bases of its region that the user can see (a
    liaison: its own unit and the bases it recommends)."""
    units = (
        Unit.objects.visible_to(user)
        .filter(region__path__startswith=call.region.path)
        .select_related("region")
    )
    institutions = Institution.objects.visible_to(user).filter(region__path__startswith=call.region.path)
    return units, institutions


class CallDetail(ObjectDetailView):
    model = AwardCall
    pk_url_kwarg = "award_call_id"
    template_name = "venues/system/call_detail.html"

    def extra_context(self, obj: AwardCall) -> dict[str, Any]:
        user = self.request.user
        nominations = (
            Nomination.objects.visible_to(user)
            .filter(call=obj)
            .select_related("unit", "institution", "recommended_by", "bonus", "call")
        )
        manages = user.access.manages_path(obj.region.path)
        can_nominate = obj.allows("review") and (manages or obj.region_id in user.access.liaison_region_ids)
        units, institutions = _nominees_for(obj, user)
        return {
            "call": obj,
            "nominations": nominations,
            "manages": manages,
            "can_nominate": can_nominate,
            "nomination_form": NominationForm(call=obj, units=units, institutions=institutions),
            "steps": [step for name, step in CALL_STEPS.items() if obj.allows(name)] if manages else [],
            "reviewing": obj.status == "reviewing",
            "announced": obj.status == "announced",
            "today": timezone.localdate(),
        }


def _manageable_call(request: AuthedRequest, award_call_id: int) -> AwardCall:
    return writable_or_403(
        AwardCall.objects.manageable_by(request.user).select_related("region"),
        AwardCall.objects.visible_to(request.user),
        pk=award_call_id,
    )


@require_POST
def call_nominate(request: AuthedRequest, award_call_id: int) -> HttpResponse:
    """An office of the call's region, or a liaison of a unit in it, recommends a candidate."""
    call = get_object_or_404(
        AwardCall.objects.visible_to(request.user).select_related("region"), pk=award_call_id
    )
    access = request.user.access
    if not (access.manages_path(call.region.path) or call.region_id in access.liaison_region_ids):
        raise PermissionDenied(READ_ONLY)
    units, institutions = _nominees_for(call, request.user)
    form = NominationForm(request.POST, call=call, units=units, institutions=institutions)
    if form.is_valid():
        try:
            actions.nominate(request.user, call, **form.cleaned_data)
        except VenueSystemError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "已推荐")
    else:
        messages.error(request, _form_problems(form))
    return redirect(call)


@require_POST
def call_step(request: AuthedRequest, award_call_id: int) -> HttpResponse:
    call = _manageable_call(request, award_call_id)
    form = CallStepForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.take_call_step(
                request.user,
                call,
                data["step"],
                reason=data["reason"],
                publicity_start=data["publicity_start"],
                document_no=data["document_no"],
            )
        except VenueSystemError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已办理：{CALL_STEPS[data['step']].label}")
    else:
        messages.error(request, _form_problems(form))
    return redirect(call)


def _manageable_nomination(request: AuthedRequest, nomination_id: int) -> Nomination:
    return writable_or_403(
        Nomination.objects.filter(call__in=AwardCall.objects.manageable_by(request.user)).select_related(
            "call__region"
        ),
        Nomination.objects.visible_to(request.user),
        pk=nomination_id,
    )


@require_POST
def nomination_review(request: AuthedRequest, nomination_id: int) -> HttpResponse:
    nomination = _manageable_nomination(request, nomination_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            actions.review_nomination(request.user, nomination, **form.cleaned_data)
        except VenueSystemError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已保存评审：{nomination.nominee_name}")
    else:
        messages.error(request, _form_problems(form))
    return redirect(nomination.call)


@require_POST
def nomination_bonus(request: AuthedRequest, nomination_id: int) -> HttpResponse:
    nomination = _manageable_nomination(request, nomination_id)
    form = BonusForm(request.POST)
    if form.is_valid():
        try:
            actions.link_award_bonus(request.user, nomination, **form.cleaned_data)
        except VenueSystemError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已计入考核加分：{nomination.nominee_name}")
    else:
        messages.error(request, _form_problems(form))
    return redirect(nomination.call)
