"""Filtersets of core's lists, and the two pieces every long list shares: ``?q=`` and ``?sort=``.

A list declares its keyword search and its sortable columns on its filterset (so the page, its xlsx
export and the API agree), and its template puts ``{% sort_header "key" "表头" %}`` (``listing``
tags) on those columns. Only the declared columns sort: ``?sort=`` with anything else is ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from kesu.core.models import AuditEvent


def keyword_filter(*fields: str, label: str = "关键词") -> django_filters.CharFilter:
    """``?q=`` matching any of ``fields`` (case-insensitive contains); spaces separate words that
    must all match, so 教育 科普 finds a row mentioning both."""

    def search(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        for word in value.split():
            match = Q()
            for field in fields:
                match |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(match)
        return queryset.distinct() if any("__" in f for f in fields) else queryset

    return django_filters.CharFilter(label=label, method=search)


def sort_filter(columns: Mapping[str, tuple[str, str]]) -> django_filters.OrderingFilter:
    """``?sort=key`` / ``?sort=-key`` over the whitelisted ``columns``: URL key → (field path, label)."""
    return django_filters.OrderingFilter(
        label="排序",
        fields={field: key for key, (field, _label) in columns.items()},
        field_labels={field: label for _key, (field, label) in columns.items()},
    )


def sorted_rows(rows: list[Any], sort: str, columns: Mapping[str, Callable[[Any], Any]]) -> list[Any]:
    """Rows computed in Python (a status board) sorted by ``?sort=key`` / ``-key`` over the whitelisted
    ``columns`` (key → the value to sort by); anything else leaves the order as it was. Empty values
    go last either way."""
    key = sort.removeprefix("-")
    if key not in columns:
        return rows
    value = columns[key]
    present = [row for row in rows if value(row) not in (None, "")]
    missing = [row for row in rows if value(row) in (None, "")]
    return sorted(present, key=value, reverse=sort.startswith("-")) + missing


class AuditEventFilterSet(django_filters.FilterSet):
    verb = django_filters.CharFilter(label="操作", lookup_expr="icontains")
    target = django_filters.CharFilter(label="对象", field_name="target_repr", lookup_expr="icontains")
    actor = django_filters.CharFilter(label="操作人", field_name="actor__username", lookup_expr="icontains")
    since = django_filters.DateFilter(label="起始日期", field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label="截止日期", field_name="at", lookup_expr="date__lte")
    q = keyword_filter("target_repr", "verb", "note", "actor__username", "actor__display_name")
    sort = sort_filter(
        {"at": ("at", "时间"), "actor": ("actor__username", "操作人"), "verb": ("verb", "操作")}
    )

    class Meta:
        model = AuditEvent
        fields = ["q", "verb", "target", "actor", "since", "until"]
