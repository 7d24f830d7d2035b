"""Forms and list filters of the 科技馆 system, 示范创建 and 表彰 pages (the filtersets are the ones
an API would share)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.choices import CallableChoiceIterator

from kesu.core.forms import StyledFormMixin
from kesu.core.http import current_region
from kesu.indicators.models import Indicator
from kesu.regions.models import Region, RegionLevel, Unit
from kesu.venues.counting_system import REGISTRY_FIGURES
from kesu.venues.filters import region_choices
from kesu.venues.models import (
    AwardCall,
    CallStatus,
    CaravanTrip,
    Checklist,
    Comparator,
    Creation,
    CreationKind,
    CreationLevel,
    CreationStatus,
    Criterion,
    Institution,
    NomineeKind,
    Tour,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YEAR = {
    "min_value": 2000,
    "max_value": 2100,
    "error_messages": {"min_value": "请填写 2000 年以后的年份。", "max_value": "年份不正确。"},
}


def counties_of(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(path__startswith=region.path, level=RegionLevel.COUNTY).order_by("code")


def places_of(region: Region) -> QuerySet[Region]:
    """The region and its county-level regions: where a caravan goes, whose creation it is."""
    return Region.objects.filter(path__startswith=region.path, level__lte=RegionLevel.COUNTY).order_by("path")


class RegionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.code[:6]}）"


# ---- mobile venues ------------------------------------------------------------------------------


class TourForm(StyledFormMixin, forms.Form):
    exhibition = forms.CharField(label="展览（展品套）名称", max_length=200)
    year = forms.IntegerField(label="年度", **YEAR)  # type: ignore[arg-type]
    note = forms.CharField(label="备注", max_length=300, required=False)


class TourStopForm(StyledFormMixin, forms.Form):
    region = RegionChoice(label="巡展县（市、区）", queryset=Region.objects.none())
    venue = forms.CharField(label="展出地点", max_length=200, required=False)
    start_date = forms.DateField(label="开始日期", widget=DATE)
    end_date = forms.DateField(label="结束日期", widget=DATE)
    visitors = forms.IntegerField(label="参观人次", min_value=0, initial=0)

    def __init__(self, *args: Any, tour: Tour, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = counties_of(tour.region)  # type: ignore[attr-defined]


class CaravanTripForm(StyledFormMixin, forms.ModelForm):
    region = RegionChoice(label="所到区划", queryset=Region.objects.none())

    class Meta:
        model = CaravanTrip
        fields = ["region", "vehicle", "date", "place", "activities", "visitors", "note"]
        widgets = {"date": DATE}

    def __init__(self, *args: Any, region: Region | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        home = region or (self.instance.region if self.instance.pk else None)
        if home is not None:
            self.fields["region"].queryset = places_of(home)  # type: ignore[attr-defined]


# ---- 示范创建 ------------------------------------------------------------------------------------


class ChecklistForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label="创建类型", choices=CreationKind.choices)
    name = forms.CharField(label="名称", max_length=200)
    year = forms.IntegerField(label="版本年份", **YEAR)  # type: ignore[arg-type]


class CriterionForm(StyledFormMixin, forms.ModelForm):
    registry_figure = forms.ChoiceField(
        label="登记库计数", required=False, choices=[("", "—"), *REGISTRY_FIGURES.items()]
    )

    class Meta:
        model = Criterion
        fields = [
            "text",
            "evidence",
            "figure",
            "comparator",
            "threshold",
            "unit",
            "source",
            "indicator_code",
            "registry_figure",
        ]
        help_texts = {
            "source": "填报：由创建地区填写；指标数值：读取本区划当年的指标值；登记库计数：读取科技馆体系等登记库的统计",
            "threshold": "留空表示只看佐证材料",
        }

    indicator_code = forms.ChoiceField(label="指标", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        indicators = Indicator.objects.filter(region__isnull=True).values_list("code", "name")
        self.fields["indicator_code"].choices = [("", "—"), *indicators]  # type: ignore[attr-defined]

    def clean_comparator(self) -> str:
        value = str(self.cleaned_data.get("comparator") or Comparator.AT_LEAST)
        return value


class CreationForm(StyledFormMixin, forms.Form):
    region = RegionChoice(label="区划", queryset=Region.objects.none())
    place = forms.CharField(
        label="创建单位（社区、村、学校或基地）",
        max_length=200,
        required=False,
        help_text="示范县（市、区）留空",
    )
    kind = forms.ChoiceField(label="创建类型", choices=CreationKind.choices)
    level = forms.TypedChoiceField(label="级别", choices=CreationLevel.choices, coerce=int)
    cycle_start = forms.IntegerField(label="创建周期起（年）", **YEAR)  # type: ignore[arg-type]
    cycle_end = forms.IntegerField(label="创建周期止（年）", **YEAR)  # type: ignore[arg-type]
    checklist = forms.ModelChoiceField(label="创建标准", queryset=Checklist.objects.none())

    def __init__(self, *args: Any, region: Region, checklists: QuerySet[Checklist], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = places_of(region)  # type: ignore[attr-defined]
        self.fields["checklist"].queryset = checklists  # type: ignore[attr-defined]


class CriterionValueForm(StyledFormMixin, forms.Form):
    criterion = forms.IntegerField(widget=forms.HiddenInput)
    value = forms.FloatField(label="数值", required=False)
    note = forms.CharField(label="说明", max_length=300, required=False)


class EvidenceForm(StyledFormMixin, forms.Form):
    criterion = forms.IntegerField(widget=forms.HiddenInput)
    file = forms.FileField(label="佐证材料")


class CreationStepForm(StyledFormMixin, forms.Form):
    step = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label="理由", max_length=300, required=False)
    document_no = forms.CharField(label="命名文号", max_length=100, required=False)
    named_on = forms.DateField(label="命名日期", required=False, widget=DATE)


# ---- 表彰奖励 ------------------------------------------------------------------------------------


class CallForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label="表彰名称", max_length=200, help_text="如：优秀科技志愿服务队")
    year = forms.IntegerField(label="年度", **YEAR)  # type: ignore[arg-type]
    quota = forms.IntegerField(label="名额", min_value=1, required=False, help_text="不限名额请留空")
    nomination_deadline = forms.DateField(label="推荐截止日期", required=False, widget=DATE)


class NominationForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label="对象类型", choices=NomineeKind.choices)
    person_name = forms.CharField(label="姓名（个人）", max_length=50, required=False)
    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.none(), required=False)
    institution = forms.ModelChoiceField(label="基地", queryset=Institution.objects.none(), required=False)
    recommended_by = forms.ModelChoiceField(label="推荐单位", queryset=Unit.objects.none(), required=False)
    deeds = forms.CharField(label="主要事迹", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self,
        *args: Any,
        call: AwardCall,
        units: QuerySet[Unit],
        institutions: QuerySet[Institution],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["recommended_by"].queryset = units  # type: ignore[attr-defined]
        self.fields["institution"].queryset = institutions  # type: ignore[attr-defined]


class ReviewForm(StyledFormMixin, forms.Form):
    score = forms.FloatField(label="评审得分", required=False)
    selected = forms.BooleanField(label="拟表彰", required=False)


class CallStepForm(StyledFormMixin, forms.Form):
    step = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label="理由", max_length=300, required=False)
    publicity_start = forms.DateField(label="公示开始日期", required=False, widget=DATE)
    document_no = forms.CharField(label="公布文号", max_length=100, required=False)


class BonusForm(StyledFormMixin, forms.Form):
    points = forms.FloatField(label="加分分值")
    reason = forms.CharField(label="加分理由", max_length=200, required=False, help_text="留空则写明获奖名称")


# ---- list filters -------------------------------------------------------------------------------


ALL = "全部"


class StyledFilterSet(django_filters.FilterSet):
    """Bootstrap widgets, labels above full-width fields, as the bases list draws them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if select else "form-control form-control-sm"
            )


class SubtreeFilterSet(StyledFilterSet):
    """A region code admits that region's subtree (an unknown code: nothing); the page offers the
    regions of the one being looked at by name, the API takes the code."""

    region_path = "region__path"
    region = django_filters.CharFilter(label="区划（含下级）", method="filter_region", widget=forms.Select)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lazy = CallableChoiceIterator(lambda: [("", ALL), *region_choices(self._root())])
        self.form.fields["region"].widget.choices = lazy

    def _root(self) -> Region | None:
        request = getattr(self, "request", None)
        if request is None or not request.user.is_authenticated:
            return None
        root = current_region(request)
        return root if root is not None and request.user.access.reads_path(root.path) else None

    def filter_region(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        root = Region.objects.filter(code=value.strip()).first()
        if root is None:
            return queryset.none()
        return queryset.filter(**{f"{self.region_path}__startswith": root.path})


class TourFilterSet(SubtreeFilterSet):
    year = django_filters.NumberFilter(label="年度")
    exhibition = django_filters.CharFilter(label="展览", lookup_expr="icontains")

    class Meta:
        model = Tour
        fields = ["region", "year", "exhibition"]


class CaravanFilterSet(SubtreeFilterSet):
    year = django_filters.NumberFilter(label="年度", field_name="date", lookup_expr="year")
    vehicle = django_filters.CharFilter(label="车辆", lookup_expr="icontains")
    place = django_filters.CharFilter(label="地点", lookup_expr="icontains")

    class Meta:
        model = CaravanTrip
        fields = ["region", "year", "vehicle", "place"]


class CreationFilterSet(SubtreeFilterSet):
    kind = django_filters.ChoiceFilter(label="创建类型", choices=CreationKind.choices, empty_label=ALL)
    level = django_filters.ChoiceFilter(label="级别", choices=CreationLevel.choices, empty_label=ALL)
    status = django_filters.ChoiceFilter(label="状态", choices=CreationStatus.choices, empty_label=ALL)

    class Meta:
        model = Creation
        fields = ["region", "kind", "level", "status"]


class CallFilterSet(SubtreeFilterSet):
    year = django_filters.NumberFilter(label="年度")
    status = django_filters.ChoiceFilter(label="阶段", choices=CallStatus.choices, empty_label=ALL)

    class Meta:
        model = AwardCall
        fields = ["region", "year", "status"]


class ChecklistFilterSet(StyledFilterSet):
    kind = django_filters.ChoiceFilter(label="创建类型", choices=CreationKind.choices, empty_label=ALL)

    class Meta:
        model = Checklist
        fields = ["kind"]
