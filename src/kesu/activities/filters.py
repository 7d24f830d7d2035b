"""The activity list's filters: one filterset for the page, its xlsx export and ``/api/activities/``."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from kesu.activities.models import KEY_GROUPS, Activity, ActivityKind, ActivityStatus, Campaign
from kesu.core.filters import keyword_filter, sort_filter
from kesu.regions.models import Region, Unit


def _campaigns(request: Any) -> QuerySet[Campaign]:
    user = getattr(request, "user", None)
    return Campaign.objects.visible_to(user).order_by("-starts_on") if user else Campaign.objects.none()


def _units(request: Any) -> QuerySet[Unit]:
    """Only units the user may see: a liaison's list never names another unit."""
    user = getattr(request, "user", None)
    return Unit.objects.visible_to(user).order_by("region__path", "name") if user else Unit.objects.none()


UNIT_CHOICES_SHOWN = 300  # a province office sees 10,000 units: rendering them all took seconds


def _few_unit_choices(form: Any) -> None:
    """Above the threshold the 主办单位 menu offers only the chosen unit (validation still accepts any
    visible unit's id, as the API does): the region code narrows the list first."""
    field = form.fields.get("unit")
    if field is None or getattr(form, "_units_trimmed", False):
        return
    form._units_trimmed = True
    units = field.queryset
    if units.count() <= UNIT_CHOICES_SHOWN:
        return
    chosen = (
        units.filter(pk=form.data.get("unit")) if str(form.data.get("unit", "")).isdigit() else units.none()
    )
    field.widget.choices = [("", "全部（单位较多，请按区划代码筛选）")] + [(u.pk, u.name) for u in chosen]


class ActivityFilterSet(django_filters.FilterSet):
    q = keyword_filter("name", "address", label="名称或地点")
    year = django_filters.NumberFilter(label="年度", field_name="starts_at", lookup_expr="year")
    campaign = django_filters.ModelChoiceFilter(label="主题活动", queryset=_campaigns)
    kind = django_filters.ChoiceFilter(label="活动形式", choices=ActivityKind.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=ActivityStatus.choices)
    unit = django_filters.ModelChoiceFilter(label="主办单位", queryset=_units)
    key_group = django_filters.ChoiceFilter(
        label="重点人群", choices=[(g, g) for g in KEY_GROUPS], method="filter_key_group"
    )
    region = django_filters.CharFilter(label="区划代码（含下级）", method="filter_region")
    sort = sort_filter(
        {
            "start": ("starts_at", "开始时间"),
            "name": ("name", "名称"),
            "attendance": ("attendance", "参与人次"),
        }
    )

    class Meta:
        model = Activity
        fields = ["q", "year", "campaign", "kind", "status", "unit", "key_group", "region"]

    @property
    def form(self) -> Any:
        form = super().form
        _few_unit_choices(form)
        for field in form.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if select else "form-control form-control-sm"
            )
        return form

    def filter_key_group(self, queryset: QuerySet[Activity], name: str, value: str) -> QuerySet[Activity]:
        return queryset.with_key_group(value)  # type: ignore[attr-defined]

    def filter_region(self, queryset: QuerySet[Activity], name: str, value: str) -> QuerySet[Activity]:
        root = Region.objects.filter(code=value.strip().ljust(12, "0")).first()
        return queryset.filter(region_path__startswith=root.path) if root else queryset.none()
