from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from kesu.indicators.models import Indicator, IndicatorValue, ValueSource
from kesu.periods import Period
from kesu.regions.models import Region


class IndicatorValueFilterSet(django_filters.FilterSet):
    """Used by the value list page and by the API: indicator, region subtree, period."""

    indicator = django_filters.CharFilter(label="指标代码", field_name="indicator__code")
    region = django_filters.CharFilter(label="区划代码（含下级）", method="filter_region")
    period = django_filters.CharFilter(label="期间", method="filter_period")
    source = django_filters.ChoiceFilter(label="来源", choices=ValueSource.choices)
    total_only = django_filters.BooleanFilter(label="只看合计", method="filter_total")

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "region", "period", "source", "total_only"]

    def filter_region(
        self, queryset: QuerySet[IndicatorValue], name: str, value: str
    ) -> QuerySet[IndicatorValue]:
        region = Region.objects.filter(code=value.strip().ljust(12, "0")).first()
        return queryset.filter(region__path__startswith=region.path) if region else queryset.none()

    def filter_period(
        self, queryset: QuerySet[IndicatorValue], name: str, value: str
    ) -> QuerySet[IndicatorValue]:
        """ "2024" also finds 2024H1 and 2024H2; a list "2023,2024H1" finds each."""
        wanted: list[str] = []
        for part in value.replace("，", ",").split(","):
            try:
                period = Period.parse(part)
            except ValueError:
                continue
            wanted += [str(period)] if period.half else [str(period), f"{period}H1", f"{period}H2"]
        return queryset.filter(period__in=wanted)

    def filter_total(
        self, queryset: QuerySet[IndicatorValue], name: str, value: bool
    ) -> QuerySet[IndicatorValue]:
        return queryset.filter(disaggregation_key="") if value else queryset


class IndicatorFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="名称或代码", method="filter_text")

    class Meta:
        model = Indicator
        fields = ["q", "aggregation"]

    def filter_text(self, queryset: QuerySet[Indicator], name: str, value: str) -> QuerySet[Indicator]:
        return queryset.filter(name__icontains=value) | queryset.filter(code__icontains=value)
