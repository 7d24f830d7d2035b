from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from kesu.reporting.models import Notice, NoticeStatus, Report, ReportStatus


class ReportFilterSet(django_filters.FilterSet):
    cycle = django_filters.NumberFilter(label="报送周期", field_name="cycle_id")
    status = django_filters.ChoiceFilter(label="状态", choices=ReportStatus.choices)
    unit = django_filters.NumberFilter(label="单位", field_name="unit_id")
    period = django_filters.CharFilter(label="期间", field_name="cycle__period")

    class Meta:
        model = Report
        fields = ["cycle", "status", "unit", "period"]


class NoticeFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=NoticeStatus.choices)
    open = django_filters.BooleanFilter(label="未办结", method="filter_open")
    unit = django_filters.NumberFilter(label="单位", field_name="unit_id")

    class Meta:
        model = Notice
        fields = ["status", "open", "unit"]

    def filter_open(self, queryset: QuerySet[Notice], name: str, value: bool) -> QuerySet[Notice]:
        return queryset.exclude(status=NoticeStatus.CLOSED) if value else queryset.filter(status=NoticeStatus.CLOSED)
