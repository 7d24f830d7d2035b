from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from kesu.core.filters import sort_filter
from kesu.plans.models import PartKind, Plan, Task

KEY_GROUPS = ["青少年", "农民", "产业工人", "老年人", "领导干部和公务员"]


class TaskFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(label="方案", queryset=Plan.objects.none())
    part_kind = django_filters.ChoiceFilter(label="行动或工程", choices=PartKind.choices)
    part = django_filters.CharFilter(label="所属行动或工程", field_name="part")  # one 提升行动 or 重点工程
    key_group = django_filters.ChoiceFilter(
        label="重点人群", choices=[(g, g) for g in KEY_GROUPS], method="filter_key_group"
    )
    unit = django_filters.NumberFilter(label="单位", method="filter_unit")
    q = django_filters.CharFilter(label="关键词", method="filter_text")
    sort = sort_filter(
        {
            "order": ("order", "序号"),
            "title": ("title", "任务"),
            "plan": ("plan__title", "方案"),
            "part": ("part", "所属行动或工程"),
        }
    )

    class Meta:
        model = Task
        fields = ["plan", "part_kind", "part", "key_group", "unit", "q"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if user is not None:
            self.filters["plan"].queryset = Plan.objects.visible_to(user)

    def filter_key_group(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        return queryset.filter(key_group_tags__contains=f"|{value}|")

    def filter_unit(self, queryset: QuerySet[Task], name: str, value: int) -> QuerySet[Task]:
        return queryset.filter(responsibilities__unit_id=value).distinct()

    def filter_text(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        return queryset.filter(title__icontains=value) | queryset.filter(text__icontains=value)
