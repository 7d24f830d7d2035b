from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from kesu.core.filters import keyword_filter, sort_filter
from kesu.plans.filters import TaskFilterSet
from kesu.plans.models import Task
from kesu.reporting.models import Cycle, Entry, Notice, NoticeStatus, Report, ReportStatus


class CycleTaskFilterSet(TaskFilterSet):
    """The status board's filters: a unit's tasks are those it reports on in this cycle, whether the
    plan names it directly or through a group such as 各县（市、区）."""

    def __init__(self, *args: Any, cycle: Cycle, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cycle = cycle

    def filter_unit(self, queryset: QuerySet[Task], name: str, value: int) -> QuerySet[Task]:
        return queryset.filter(entries__report__cycle=self.cycle, entries__report__unit_id=value).distinct()


class ReportFilterSet(django_filters.FilterSet):
    cycle = django_filters.NumberFilter(label="报送周期", field_name="cycle_id")
    status = django_filters.ChoiceFilter(label="状态", choices=ReportStatus.choices)
    unit = django_filters.NumberFilter(label="单位", field_name="unit_id")
    period = django_filters.CharFilter(label="期间", field_name="cycle__period")

    class Meta:
        model = Report
        fields = ["cycle", "status", "unit", "period"]


class EntryFilterSet(django_filters.FilterSet):
    cycle = django_filters.NumberFilter(label="报送周期", field_name="report__cycle_id")
    task = django_filters.NumberFilter(label="任务", field_name="task_id")
    unit = django_filters.NumberFilter(label="单位", field_name="report__unit_id")

    class Meta:
        model = Entry
        fields = ["cycle", "task", "unit"]


class NoticeFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=NoticeStatus.choices)
    open = django_filters.BooleanFilter(label="未办结", method="filter_open")
    unit = django_filters.NumberFilter(label="单位", field_name="unit_id")
    q = keyword_filter("number", "unit__name", "task__title", "requirement", "response")
    sort = sort_filter(
        {
            "number": ("number", "督办单号"),
            "unit": ("unit__name", "单位"),
            "deadline": ("deadline", "时限"),
            "status": ("status", "状态"),
            "issued": ("issued_at", "交办"),
        }
    )

    class Meta:
        model = Notice
        fields = ["status", "open", "unit", "q"]

    def filter_open(self, queryset: QuerySet[Notice], name: str, value: bool) -> QuerySet[Notice]:
        return (
            queryset.exclude(status=NoticeStatus.CLOSED)
            if value
            else queryset.filter(status=NoticeStatus.CLOSED)
        )
