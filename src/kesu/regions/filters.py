"""One filterset per list, shared by the pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from kesu.core.filters import sort_filter
from kesu.regions.models import Region, RegionLevel, Unit, UnitKind


class UnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="名称或别名", method="filter_text")
    region = django_filters.CharFilter(label="区划代码", field_name="region__code")
    kind = django_filters.ChoiceFilter(label="类别", choices=UnitKind.choices)
    is_member = django_filters.BooleanFilter(label="成员单位")
    sort = sort_filter(
        {
            "name": ("name", "单位"),
            "region": ("region__code", "区划"),
            "kind": ("kind", "类别"),
            "member": ("is_member", "成员单位"),
        }
    )

    class Meta:
        model = Unit
        fields = ["q", "region", "kind", "is_member"]

    def filter_text(self, queryset: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        return queryset.filter(Q(name__icontains=value) | Q(aliases__alias__icontains=value)).distinct()


class RegionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="名称", field_name="name", lookup_expr="icontains")
    level = django_filters.ChoiceFilter(label="级别", choices=RegionLevel.choices)
    parent = django_filters.CharFilter(label="上级代码", field_name="parent__code")
    within = django_filters.CharFilter(label="所属区划代码", method="filter_within")

    class Meta:
        model = Region
        fields = ["q", "level", "parent", "within"]

    def filter_within(self, queryset: QuerySet[Region], name: str, value: str) -> QuerySet[Region]:
        root = Region.objects.filter(code=value).first()
        return queryset.filter(path__startswith=root.path) if root else queryset.none()
