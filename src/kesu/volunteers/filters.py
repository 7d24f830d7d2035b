"""The filtersets of the volunteers lists, shared by the pages and the API (region filters take the subtree)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from kesu.core.filters import sort_filter
from kesu.regions.models import Region
from kesu.volunteers.models import (
    GridPost,
    InformantSnapshot,
    Platform,
    Team,
    TeamLevel,
    Volunteer,
    region_ids,
)


def _subtree(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
    """Rows of the region with this code and of every region below it (a 6-digit county code works too)."""
    code = value.strip().ljust(12, "0") if value.strip().isdigit() else value.strip()
    root = Region.objects.filter(code=code).first()
    if root is None:
        return queryset.none()
    return queryset.filter(region_id__in=region_ids((root.path,)))


class VolunteerFilterSet(django_filters.FilterSet):
    # from the start of the name (张 finds every 张): an index answers it in a province of 200,000
    q = django_filters.CharFilter(label="姓名（从头匹配）", field_name="name", lookup_expr="startswith")
    region = django_filters.CharFilter(label="区划代码（含下级）", method=_subtree)
    # a name to type, not a list of every team (a province has thousands); ?team=<id> links from a team page
    team_name = django_filters.CharFilter(label="所属队伍名称", method="filter_team_name")
    team = django_filters.NumberFilter(label="队伍编号", method="filter_team")
    platform = django_filters.ChoiceFilter(label="注册平台", choices=[c for c in Platform.choices if c[0]])
    in_register = django_filters.BooleanFilter(label="在册")
    active_in = django_filters.NumberFilter(label="当年有服务记录（年份）", method="filter_active")
    sort = sort_filter(
        {
            "name": ("name", "姓名"),
            "region": ("region__code", "区划"),
            "registered": ("registered_on", "注册日期"),
        }
    )

    class Meta:
        model = Volunteer
        fields = ["q", "region", "team_name", "team", "platform", "in_register", "active_in"]

    def filter_team(self, queryset: QuerySet[Volunteer], name: str, value: float) -> QuerySet[Volunteer]:
        # a semi-join on the membership table: no DISTINCT over every volunteer column
        members = Volunteer.teams.through.objects.filter(team_id=int(value)).values("volunteer_id")
        return queryset.filter(pk__in=members)

    def filter_team_name(self, queryset: QuerySet[Volunteer], name: str, value: str) -> QuerySet[Volunteer]:
        members = Volunteer.teams.through.objects.filter(team__name__icontains=value.strip()).values(
            "volunteer_id"
        )
        return queryset.filter(pk__in=members)

    def filter_active(self, queryset: QuerySet[Volunteer], name: str, value: float) -> QuerySet[Volunteer]:
        from kesu.volunteers.counting import served_in

        return queryset.filter(served_in(int(value)))


class TeamFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="队伍名称", field_name="name", lookup_expr="icontains")
    region = django_filters.CharFilter(label="区划代码（含下级）", method=_subtree)
    level = django_filters.ChoiceFilter(label="层级", choices=TeamLevel.choices)
    in_register = django_filters.BooleanFilter(label="在册")
    sort = sort_filter(
        {"name": ("name", "队伍名称"), "region": ("region__code", "区划"), "level": ("level", "层级")}
    )

    class Meta:
        model = Team
        fields = ["q", "region", "level", "in_register"]


class SnapshotFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(label="区划代码（含下级）", method=_subtree)
    year = django_filters.NumberFilter(label="年份", field_name="month__year")

    class Meta:
        model = InformantSnapshot
        fields = ["region", "year"]


class GridPostFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(label="区划代码（含下级）", method=_subtree)
    vacant = django_filters.BooleanFilter(
        label="空缺", field_name="informant", lookup_expr="exact", method="filter_vacant"
    )

    class Meta:
        model = GridPost
        fields = ["region", "vacant"]

    def filter_vacant(self, queryset: QuerySet[GridPost], name: str, value: bool) -> QuerySet[GridPost]:
        return queryset.filter(informant="") if value else queryset.exclude(informant="")
