"""One FilterSet for the statistics forms, shared by the API (year, round, unit, status)."""

from __future__ import annotations

import django_filters

from kesu.kepustats.models import StatisticsForm


class StatisticsFormFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="year", label="统计年度")
    cycle = django_filters.NumberFilter(field_name="report__cycle", label="报送周期")
    unit = django_filters.NumberFilter(field_name="report__unit", label="单位")
    status = django_filters.CharFilter(field_name="report__status", label="状态")

    class Meta:
        model = StatisticsForm
        fields = ["year", "cycle", "unit", "status"]
