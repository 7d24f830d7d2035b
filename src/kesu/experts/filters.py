"""One filterset per list, shared by the pages and the API."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from kesu.core.filters import keyword_filter, sort_filter
from kesu.experts import counting
from kesu.experts.models import (
    GROUPS,
    SPECIALTIES,
    Appointment,
    AppointmentStatus,
    Discipline,
    Expert,
    Level,
    Rank,
    Title,
    as_choices,
    tag_q,
)
from kesu.regions.models import Region

ACTIVITY_CHOICES = [("active", "本年有活动"), ("idle", "有称号但本年无活动")]


class ExpertFilterSet(django_filters.FilterSet):
    q = keyword_filter("name", "employer", "fields", label="姓名、单位或领域")
    region = django_filters.CharFilter(label="区划代码（含下级）", method="filter_region")
    title = django_filters.ChoiceFilter(label="称号", choices=Title.choices, method="filter_title")
    level = django_filters.ChoiceFilter(label="级别", choices=Level.choices, method="filter_level")
    status = django_filters.ChoiceFilter(
        label="聘任状态", choices=AppointmentStatus.choices, method="filter_status"
    )
    year = django_filters.NumberFilter(label="年度（年末在聘）", method="filter_year")
    rank = django_filters.ChoiceFilter(label="职称", choices=Rank.choices)
    discipline = django_filters.ChoiceFilter(label="学科", choices=Discipline.choices)
    specialty = django_filters.ChoiceFilter(
        label="科普专长", choices=as_choices(SPECIALTIES), method="filter_specialty"
    )
    group = django_filters.ChoiceFilter(label="服务人群", choices=as_choices(GROUPS), method="filter_group")
    activity = django_filters.ChoiceFilter(
        label="本年活动", choices=ACTIVITY_CHOICES, method="filter_activity"
    )
    sort = sort_filter(
        {"name": ("name", "姓名"), "region": ("region__code", "区划"), "rank": ("rank", "职称")}
    )

    class Meta:
        model = Expert
        fields = ["q", "region", "title", "level", "status", "year", "rank", "discipline"]

    @property
    def form(self) -> Any:
        return _styled(super().form)

    def filter_region(self, queryset: QuerySet[Expert], name: str, value: str) -> QuerySet[Expert]:
        root = Region.objects.filter(code=value.strip().ljust(12, "0")).first()
        return queryset.filter(region__path__startswith=root.path) if root else queryset.none()

    def filter_title(self, queryset: QuerySet[Expert], name: str, value: str) -> QuerySet[Expert]:
        return self._held(queryset)

    def filter_level(self, queryset: QuerySet[Expert], name: str, value: str) -> QuerySet[Expert]:
        return self._held(queryset)

    def filter_status(self, queryset: QuerySet[Expert], name: str, value: str) -> QuerySet[Expert]:
        return self._held(queryset)

    def filter_year(self, queryset: QuerySet[Expert], name: str, value: float) -> QuerySet[Expert]:
        return self._held(queryset)

    def _held(self, queryset: QuerySet[Expert]) -> QuerySet[Expert]:
        """Title, level, status and year narrow the same appointment, so they are applied together once."""
        if getattr(self, "_held_done", False):
            return queryset
        self._held_done = True
        data = self.form.cleaned_data
        held = Appointment.objects.all()
        if data.get("title"):
            held = held.filter(title=data["title"])
        if data.get("level"):
            held = held.filter(level=data["level"])
        if data.get("year"):
            held = held.in_term_on(counting.year_end(int(data["year"])))
        status = data.get("status")
        today = date.today()
        if status == AppointmentStatus.EXPIRED:
            held = held.filter(status__in=["serving", "renewed"], end__lt=today)
        elif status in (AppointmentStatus.SERVING, AppointmentStatus.RENEWED):
            held = held.filter(status=status, end__gte=today)
        elif status:
            held = held.filter(status=status)
        return queryset.filter(pk__in=held.values("expert_id"))

    def filter_specialty(self, queryset: QuerySet[Expert], name: str, value: str) -> QuerySet[Expert]:
        return queryset.filter(tag_q("specialties", value))

    def filter_group(self, queryset: QuerySet[Expert], name: str, value: str) -> QuerySet[Expert]:
        return queryset.filter(tag_q("groups", value))

    def filter_activity(self, queryset: QuerySet[Expert], name: str, value: str) -> QuerySet[Expert]:
        year = date.today().year
        active = counting.active_in(year).values("expert_id")
        if value == "active":
            return queryset.filter(pk__in=active)
        holders = Appointment.objects.in_term_on(date.today()).values("expert_id")
        return queryset.filter(pk__in=holders).exclude(pk__in=active)


def _styled(form: Any) -> Any:
    """Bootstrap classes on the filter widgets, so the labels sit above full-width fields."""
    for field in form.fields.values():
        css = (
            "form-select form-select-sm"
            if isinstance(field.widget, forms.Select)
            else "form-control form-control-sm"
        )
        field.widget.attrs["class"] = css
    return form
