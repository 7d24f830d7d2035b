"""Pages for regions and units; every queryset starts from ``visible_to``/``manageable_by``."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from kesu.core.exports import wants_xlsx, xlsx_response
from kesu.core.http import AuthedRequest, current_region, managed_region, manages_current_region
from kesu.core.models import AuditEvent
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
    children = Region.objects.visible_to(request.user).filter(parent=region).annotate(unit_count=Count("units"))
    units = Unit.objects.visible_to(request.user).filter(region=region).prefetch_related("aliases")
    return render(request, "regions/region_detail.html", {
        "region": region, "children": children, "units": units,
        "ancestors": region.ancestors(), "can_manage": request.user.access.manages_path(region.path),
    })


@require_safe
def unit_list(request: AuthedRequest) -> HttpResponse:
    units = Unit.objects.visible_to(request.user).select_related("region").prefetch_related("aliases")
    root = current_region(request)
    if root is not None and not request.GET.get("region"):
        units = units.filter(Q(region__path__startswith=root.path) | Q(pk__in=request.user.access.liaison_unit_ids))
    filterset = UnitFilterSet(request.GET, queryset=units, request=request)
    if wants_xlsx(request):
        rows = (
            (u.region.name, u.name, u.get_kind_display(), "是" if u.is_member else "否",
             "、".join(a.alias for a in u.aliases.all()))
            for u in filterset.qs
        )
        return xlsx_response("单位.xlsx", "单位", ["区划", "单位", "类别", "成员单位", "别名"], rows)
    page = Paginator(filterset.qs, 100).get_page(request.GET.get("page"))
    can_create = manages_current_region(request)
    return render(request, "regions/unit_list.html", {"page": page, "filterset": filterset, "can_create": can_create})


@require_safe
def unit_detail(request: AuthedRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.visible_to(request.user).select_related("region"), pk=unit_id)
    can_manage = Unit.objects.manageable_by(request.user).filter(pk=unit.pk).exists()
    history = AuditEvent.objects.for_target(unit).select_related("actor")[:20] if can_manage else []
    return render(request, "regions/unit_detail.html", {
        "unit": unit, "aliases": unit.aliases.all(), "can_manage": can_manage, "history": history,
        "alias_form": AliasForm(), "liaisons": unit.membership_set.select_related("user"),
    })


def unit_create(request: AuthedRequest) -> HttpResponse:
    region = managed_region(request)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = actions.create_unit(request.user, region, form.cleaned_data["name"], kind=form.cleaned_data["kind"],
                                       is_member=form.cleaned_data["is_member"],
                                       is_office=form.cleaned_data["is_office"], aliases=form.aliases())
        except IntegrityError:
            form.add_error("name", "本区划已有同名单位或别名")
        else:
            messages.success(request, f"已添加单位：{unit.name}")
            return redirect(unit)
    return render(request, "regions/unit_form.html", {"form": form, "region": region})


def unit_edit(request: AuthedRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.manageable_by(request.user), pk=unit_id)
    form = UnitForm(request.POST or None, instance=Unit.objects.get(pk=unit.pk))
    if request.method == "POST" and form.is_valid():
        fields = {f: form.cleaned_data[f] for f in UnitForm.Meta.fields}
        actions.update_unit(request.user, unit, **fields)
        messages.success(request, "已保存")
        return redirect(unit)
    return render(request, "regions/unit_form.html", {"form": form, "region": unit.region, "unit": unit})


def unit_alias_add(request: AuthedRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.manageable_by(request.user), pk=unit_id)
    form = AliasForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_alias(request.user, unit, form.cleaned_data["alias"])
            messages.success(request, "已添加别名")
        except IntegrityError:
            messages.error(request, "本区划已有这个别名")
    return redirect(unit)
