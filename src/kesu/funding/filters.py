"""The one filterset of funding lines, shared by the pages and ``/api/funding-lines/``."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from kesu.core.filters import keyword_filter, sort_filter
from kesu.funding.models import FundingLine, LineStatus, Nature
from kesu.regions.models import Region


def _subtree(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
    """Lines of units in the region with this code or below it (a 6-digit county code works too)."""
    code = value.strip().ljust(12, "0") if value.strip().isdigit() else value.strip()
    root = Region.objects.filter(code=code).first()
    if root is None:
        return queryset.none()
    return queryset.filter(region_path__startswith=root.path)


class FundingLineFilterSet(django_filters.FilterSet):
    q = keyword_filter("name", "unit__name", label="项目或单位名称")
    year = django_filters.NumberFilter(label="年度")
    # set by the overview's links to a unit's lines; not a box to type in
    unit = django_filters.NumberFilter(label="单位", field_name="unit_id", widget=forms.HiddenInput)
    region = django_filters.CharFilter(label="区划代码（含下级）", method=_subtree)
    nature = django_filters.ChoiceFilter(label="资金性质", choices=Nature.choices, empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=LineStatus.choices, empty_label="全部")
    is_special = django_filters.BooleanFilter(
        label="科普专项", widget=forms.Select(choices=[("", "全部"), ("true", "是"), ("false", "否")])
    )
    sort = sort_filter(
        {
            "year": ("year", "年度"),
            "unit": ("unit__name", "单位"),
            "name": ("name", "项目名称"),
            "budget": ("budget", "预算数"),
            "spent": ("spent", "执行数"),
        }
    )

    class Meta:
        model = FundingLine
        fields = ["q", "year", "unit", "region", "nature", "status", "is_special"]

    @property
    def form(self) -> forms.Form:
        """The filter form with Bootstrap's small controls (the page renders its fields plainly)."""
        form: forms.Form = super().form
        for field in form.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)
        return form
