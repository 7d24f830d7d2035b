"""The institution list's filters, shared by the page, its xlsx export and ``/api/bases/``.

级别, 体系, 状态 and 年度 are asked of the same designation: "市级 科协 有效 in 2024" finds the
institutions holding one designation that is all of these, not one that is 市级 in one title and
科协 in another.
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.choices import CallableChoiceIterator

from kesu.core.filters import keyword_filter, sort_filter
from kesu.core.http import current_region
from kesu.regions.models import Region, RegionLevel
from kesu.venues.models import (
    Category,
    Designation,
    DesignationLevel,
    DesignationStatus,
    DesignationSystem,
    Institution,
)
from kesu.venues.models.institutions import end_of_year

EXPIRED = "expired"
STATUS_CHOICES = [*DesignationStatus.choices, (EXPIRED, "已过期")]
DESIGNATION_FILTERS = ("level", "system", "status", "year", "expiry")
ALL = "全部"
LAPSED_YEARS = 3  # the expiry page lists titles lapsed within the last three years


class Expiry:
    """The expiry page's disjoint sections, asked of the designations queryset (never of instances)."""

    WITHIN3, WITHIN6, LAPSED = "within3", "within6", "lapsed"
    CHOICES = [
        (WITHIN3, "3 个月内到期"),
        (WITHIN6, "3–6 个月内到期"),
        (LAPSED, f"已过期（近 {LAPSED_YEARS} 年，未续期）"),
    ]

    @classmethod
    def section(
        cls, designations: QuerySet[Designation], key: str, today: datetime.date
    ) -> QuerySet[Designation]:
        if key == cls.WITHIN3:
            return designations.expiring_within(3, today)  # type: ignore[attr-defined]
        if key == cls.WITHIN6:
            sooner = Designation.objects.expiring_within(3, today).values("pk")
            return designations.expiring_within(6, today).exclude(pk__in=sooner)  # type: ignore[attr-defined]
        if key == cls.LAPSED:
            return designations.lapsed(today).filter(end_year__gte=today.year - LAPSED_YEARS)  # type: ignore[attr-defined]
        return designations


def _noop(queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
    return queryset  # applied together in ``filter_queryset``


def region_choices(root: Region | None) -> list[tuple[str, str]]:
    """The current region and its sub-regions down to county level (towns for a county), by name."""
    if root is None:
        return []
    below = Region.objects.filter(
        path__startswith=root.path, level__lte=max(root.level + 1, RegionLevel.COUNTY)
    ).order_by("path")
    return [(r.code, "\u3000" * (r.level - root.level) + r.name) for r in below[:300]]


class InstitutionFilterSet(django_filters.FilterSet):
    q = keyword_filter("name", "base_name", "address", "credit_code", label="关键词")
    # A region code (subtree included); the page offers the regions of the user's scope by name.
    region = django_filters.CharFilter(
        label="所在区划（含下级）", method="filter_region", widget=forms.Select
    )
    level = django_filters.ChoiceFilter(
        label="级别", choices=DesignationLevel.choices, method=_noop, empty_label=ALL
    )
    system = django_filters.ChoiceFilter(
        label="体系", choices=DesignationSystem.choices, method=_noop, empty_label=ALL
    )
    status = django_filters.ChoiceFilter(label="状态", choices=STATUS_CHOICES, method=_noop, empty_label=ALL)
    year = django_filters.NumberFilter(label="有效年度", method=_noop)
    expiry = django_filters.ChoiceFilter(label="到期", choices=Expiry.CHOICES, method=_noop, empty_label=ALL)
    category = django_filters.ModelChoiceFilter(
        label="类别", queryset=Category.objects.select_related("scheme"), empty_label=ALL
    )
    sort = sort_filter(
        {
            "name": ("name", "单位名称"),
            "region": ("region__code", "所在区划"),
            "updated": ("updated_at", "更新时间"),
        }
    )

    class Meta:
        model = Institution
        fields = ["q", "region", "level", "system", "status", "year", "expiry", "category"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read when the page draws the select, never for the API, which takes a code.
        lazy = CallableChoiceIterator(lambda: [("", ALL), *region_choices(self._root())])
        self.form.fields["region"].widget.choices = lazy
        for field in self.form.fields.values():  # Bootstrap widgets: the labels sit above full-width fields
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if select else "form-control form-control-sm"
            )

    def _root(self) -> Region | None:
        request = getattr(self, "request", None)
        if request is None or not request.user.is_authenticated:
            return None
        root = current_region(request)
        if root is None or not request.user.access.reads_path(root.path):
            return None  # a liaison: its unit's institutions, wherever they are
        return root

    def filter_region(self, queryset: QuerySet[Institution], name: str, value: str) -> QuerySet[Institution]:
        root = Region.objects.filter(code=value.strip()).first()
        return queryset.filter(region__path__startswith=root.path) if root else queryset.none()

    def filter_queryset(self, queryset: QuerySet[Institution]) -> QuerySet[Institution]:
        queryset = super().filter_queryset(queryset)
        data = {key: self.form.cleaned_data.get(key) for key in DESIGNATION_FILTERS}
        if not any(value not in (None, "") for value in data.values()):
            return queryset
        designations = designations_matching(Designation.objects.all(), **data)
        return queryset.filter(pk__in=designations.values("institution_id"))


def designations_matching(
    designations: QuerySet[Designation],
    *,
    level: Any = None,
    system: str | None = None,
    status: str | None = None,
    year: Any = None,
    expiry: str | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Designation]:
    """Designations of a level and 体系, in a status in a year, or in an expiry section.

    The status is read in the year asked (this year by default): 有效 in 2025 is a title held at the
    end of 2025 (start ≤ 2025 ≤ end, not revoked by then), whatever became of it later; 已过期 ended
    before that year and was not revoked; 已摘牌 was revoked by the end of that year. A year without
    a status means held in that year."""
    today = today or timezone.localdate()
    if level not in (None, ""):
        designations = designations.filter(level=int(level))
    if system:
        designations = designations.filter(system=system)
    if expiry:
        designations = Expiry.section(designations, expiry, today)
    asked = int(year) if year not in (None, "") else None
    day = end_of_year(asked) if asked is not None else today
    if status == EXPIRED:
        return designations.filter(end_year__lt=day.year).exclude(status=DesignationStatus.REVOKED)
    if status == DesignationStatus.REVOKED:
        return designations.filter(status=status).filter(Q(revoked_at__isnull=True) | Q(revoked_at__lte=day))
    if status or asked is not None:
        designations = designations.valid_on(day)  # type: ignore[attr-defined]
    if status == DesignationStatus.RECTIFYING:
        designations = designations.filter(status=status)
    elif status == DesignationStatus.VALID:
        designations = designations.exclude(status=DesignationStatus.RECTIFYING)
    return designations
