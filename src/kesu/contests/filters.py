"""The one filterset of contests, shared by the list page and ``/api/contests/``."""

from __future__ import annotations

import django_filters

from kesu.contests.models import Contest, ContestKind, ContestLevel, ContestStatus
from kesu.core.filters import keyword_filter, sort_filter


class ContestFilterSet(django_filters.FilterSet):
    q = keyword_filter("name", "organiser", label="竞赛名称或主办单位")
    year = django_filters.NumberFilter(label="年度")
    level = django_filters.ChoiceFilter(label="级别", choices=ContestLevel.choices, empty_label="全部")
    kind = django_filters.ChoiceFilter(label="方式", choices=ContestKind.choices, empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=ContestStatus.choices, empty_label="全部")
    sort = sort_filter(
        {"year": ("year", "年度"), "opens": ("opens_at", "开始时间"), "name": ("name", "竞赛名称")}
    )

    class Meta:
        model = Contest
        fields = ["q", "year", "level", "kind", "status"]
