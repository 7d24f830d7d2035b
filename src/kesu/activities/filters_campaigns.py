"""Filtersets of the campaign and resource lists, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from kesu.activities.models import Campaign, CampaignKind, Resource, ResourceKind


class CampaignFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="名称", field_name="name", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label="类别", choices=CampaignKind.choices)
    year = django_filters.NumberFilter(label="年度")

    class Meta:
        model = Campaign
        fields = ["q", "kind", "year"]


class ResourceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="标题", field_name="title", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label="类型", choices=ResourceKind.choices)
    emergency = django_filters.BooleanFilter(label="应急科普")
    tag = django_filters.CharFilter(label="主题标签", method="filter_tag")
    year = django_filters.NumberFilter(label="发布年度", field_name="published_on", lookup_expr="year")

    class Meta:
        model = Resource
        fields = ["q", "kind", "emergency", "tag", "year"]

    def filter_tag(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        # Tags are a short JSON list and the library is small: matched in Python, the same on every database.
        tag = value.strip()
        if not tag:
            return queryset
        ids = [pk for pk, tags in queryset.values_list("pk", "tags") if tag in (tags or [])]
        return queryset.filter(pk__in=ids)
