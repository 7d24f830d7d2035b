"""科普资源 pages: the library list (filter by type, tag, 应急), an entry's page, add and edit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404

from kesu.activities import actions_resources as actions
from kesu.activities.filters_campaigns import ResourceFilterSet
from kesu.activities.forms_campaigns import ResourceForm
from kesu.activities.models import Resource
from kesu.core.http import AuthedRequest, current_region
from kesu.core.objectviews import (
    Column,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectFormView,
    ObjectListView,
)
from kesu.regions.models import Unit

COLUMNS = (
    Column("标题", "title", link=True),
    Column("类型", "get_kind_display"),
    Column("所属单位", "unit.name"),
    Column("主题标签", lambda r: "、".join(r.tags or [])),
    Column("应急科普", "emergency"),
    Column("发布日期", "published_on"),
    Column("浏览量", "views"),
    Column("链接", "url"),
)


def units_for(request: AuthedRequest) -> Any:
    """Units a user may file a resource for: a liaison its own; an office the units of its current region."""
    access = request.user.access
    if access.liaison_unit_ids:
        return Unit.objects.filter(pk__in=access.liaison_unit_ids)
    region = current_region(request)
    if region is not None and access.manages_path(region.path):
        return Unit.objects.filter(region__path__startswith=region.path).order_by("region__path", "name")
    return Unit.objects.none()


class ResourceList(ObjectListView):
    model = Resource
    columns = COLUMNS
    filterset_class = ResourceFilterSet
    title = "科普资源"
    create_url = "activities:resource_create"

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("unit")

    def can_create(self) -> bool:
        return units_for(self.request).exists()


class ResourceDetail(ObjectDetailView):
    model = Resource
    template_name = "activities/resource_detail.html"
    pk_url_kwarg = "resource_id"
    fields = COLUMNS[1:]

    def extra_context(self, obj: Any) -> dict[str, Any]:
        from kesu.activities.models import Activity

        return {
            "activities": Activity.objects.visible_to(self.request.user)
            .filter(resources=obj)
            .order_by("-starts_at")[:20],
            "dispatches": obj.dispatches.select_related("expert", "event")[:20],
        }


class _ResourceForm(ObjectFormView):
    def make_form(self, obj: Any) -> forms.BaseForm:
        from kesu.experts.models import Dispatch

        post = self.request.method == "POST"
        return ResourceForm(
            self.request.POST if post else None,
            self.request.FILES if post else None,
            instance=Resource.objects.get(pk=obj.pk) if obj is not None else None,
            units=units_for(self.request)
            if obj is None
            else Unit.objects.filter(pk=obj.unit_id) | units_for(self.request),
            dispatches=Dispatch.objects.visible_to(self.request.user).select_related("expert", "event"),
        )

    def error_field(self, error: Exception) -> str | None:
        return getattr(error, "field", None)


def _fields(form: Any) -> dict[str, Any]:
    data = {k: v for k, v in form.cleaned_data.items() if k != "tags_text"}
    data["tags"] = form.cleaned_data.get("tags_text") or []
    return data


class ResourceCreate(_ResourceForm, ObjectCreateView):
    model = Resource
    form_class = ResourceForm
    template_name = "activities/resource_form.html"
    action_errors = (actions.ResourceError,)

    def allowed(self) -> None:
        if not units_for(self.request).exists():
            if self.request.user.access.has_role:
                raise PermissionDenied("只有素质办或成员单位联络员可以添加科普资源")
            raise Http404("没有找到，或您无权查看。")

    def save(self, form: Any, obj: Any) -> Resource:
        return actions.create_resource(self.request.user, **_fields(form))


class ResourceEdit(_ResourceForm, ObjectEditView):
    model = Resource
    form_class = ResourceForm
    template_name = "activities/resource_form.html"
    action_errors = (actions.ResourceError,)
    pk_url_kwarg = "resource_id"

    def save(self, form: Any, obj: Any) -> Resource:
        return actions.update_resource(self.request.user, obj, **_fields(form))
