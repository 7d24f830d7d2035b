from __future__ import annotations

import django_filters

from kesu.core.models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    verb = django_filters.CharFilter(label="操作", lookup_expr="icontains")
    target = django_filters.CharFilter(label="对象", field_name="target_repr", lookup_expr="icontains")
    actor = django_filters.CharFilter(label="操作人", field_name="actor__username", lookup_expr="icontains")
    since = django_filters.DateFilter(label="起始日期", field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label="截止日期", field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AuditEvent
        fields = ["verb", "target", "actor", "since", "until"]
