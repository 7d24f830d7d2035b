"""Pages for regions and units; every queryset starts from ``visible_to``/``manageable_by``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import IntegrityError
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from kesu.core.exports import wants_xlsx, xlsx_response
from kesu.core.http import (
    AuthedRequest,
    current_region,
    managed_region,
    manages_current_region,
    writable_or_403,
)
from kesu.core.objectviews import Column, ObjectCreateView, ObjectDetailView, ObjectEditView, ObjectListView
from kesu.regions import actions
from kesu.regions.filters import UnitFilterSet
from kesu.regions.forms import AliasForm, UnitForm
from kesu.regions.models import Region, Unit


@require_safe
def region_list(request: AuthedRequest) -> HttpResponse:
    root = current_region(request)
    regions = Region.objects.visible_to(request.user)
    if root is not None:
        regions = regions.filter(path__startswith=root.path, level__lte=root.level + 2)
    regions = regions.annotate(unit_count=Count("units")).order_by("path")
    if wants_xlsx(request):
        rows = ((r.code, r.name, r.get_level_display(), r.unit_count) for r in regions)
        return xlsx_response("行政区划.xlsx", "行政区划", ["区划代码", "名称", "级别", "单位数"], rows)
    return render(request, "regions/region_list.html", {"regions": regions[:2000], "root": root})


@require_safe
def region_detail(request: AuthedRequest, region_code: str) -> HttpResponse:
    region = get_object_or_404(Region.objects.visible_to(request.user), code=region_code)
    children = (
        Region.objects.visible_to(request.user).filter(parent=region).annotate(unit_count=Count("units"))
    )
    units = Unit.objects.visible_to(request.user).filter(region=region).prefetch_related("aliases")
    return render(
        request,
        "regions/region_detail.html",
        {
            "region": region,
            "children": children,
            "units": units,
            "ancestors": region.ancestors(),
            "can_manage": request.user.access.manages_path(region.path),
        },
    )


UNIT_COLUMNS = (
    Column("区划", "region.name", sort="region"),
    Column("单位", "name", link=True, sort="name"),
    Column("类别", "get_kind_display", sort="kind"),
    Column("成员单位", "is_member", sort="member"),
    Column("别名", lambda unit: "、".join(a.alias for a in unit.aliases.all())),
)


class UnitList(ObjectListView):
    model = Unit
    columns = UNIT_COLUMNS
    filterset_class = UnitFilterSet
    template_name = "regions/unit_list.html"
    title = export_name = "单位"

    def get_queryset(self) -> QuerySet[Unit]:
        units = (
            Unit.objects.visible_to(self.request.user).select_related("region").prefetch_related("aliases")
        )
        root = current_region(self.request)
        if root is not None and not self.request.GET.get("region"):
            units = units.filter(
                Q(region__path__startswith=root.path) | Q(pk__in=self.request.user.access.liaison_unit_ids)
            )
        return units

    def can_create(self) -> bool:
        return manages_current_region(self.request)


class UnitDetail(ObjectDetailView):
    model = Unit
    template_name = "regions/unit_detail.html"
    pk_url_kwarg = "unit_id"

    def get_queryset(self) -> QuerySet[Unit]:
        return super().get_queryset().select_related("region")

    def extra_context(self, obj: Unit) -> dict[str, Any]:
        return {
            "unit": obj,
            "aliases": obj.aliases.all(),
            "alias_form": AliasForm(),
            "liaisons": obj.membership_set.select_related("user"),
        }


class UnitCreate(ObjectCreateView):
    model = Unit
    form_class = UnitForm
    template_name = "regions/unit_form.html"
    action_errors = (IntegrityError,)
    success_message = "已添加单位：{object.name}"

    def handle(self, request: AuthedRequest, obj: Unit | None) -> HttpResponse:
        self.region = managed_region(request)
        return super().handle(request, obj)

    def save(self, form: UnitForm, obj: None) -> Unit:
        return actions.create_unit(
            self.request.user,
            self.region,
            form.cleaned_data["name"],
            kind=form.cleaned_data["kind"],
            is_member=form.cleaned_data["is_member"],
            is_office=form.cleaned_data["is_office"],
            aliases=form.aliases(),
        )

    def error_field(self, error: Exception) -> str:
        return "name"

    def error_message(self, error: Exception) -> str:
        return "本区划已有同名单位或别名"

    def extra_context(self, obj: None) -> dict[str, Any]:
        return {"region": self.region}


class UnitEdit(ObjectEditView):
    model = Unit
    form_class = UnitForm
    template_name = "regions/unit_form.html"
    pk_url_kwarg = "unit_id"

    def save(self, form: UnitForm, obj: Unit) -> Unit:
        return actions.update_unit(
            self.request.user, obj, **{f: form.cleaned_data[f] for f in UnitForm.Meta.fields}
        )

    def extra_context(self, obj: Unit) -> dict[str, Any]:
        return {"region": obj.region, "unit": obj}


def unit_alias_add(request: AuthedRequest, unit_id: int) -> HttpResponse:
    unit = writable_or_403(
        Unit.objects.manageable_by(request.user), Unit.objects.visible_to(request.user), pk=unit_id
    )
    form = AliasForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_alias(request.user, unit, form.cleaned_data["alias"])
            messages.success(request, "已添加别名")
        except IntegrityError:
            messages.error(request, "本区划已有这个别名")
    return redirect(unit)
