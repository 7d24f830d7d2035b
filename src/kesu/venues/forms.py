"""Forms of the bases registry: an institution, a designation, 摘牌, a target's count rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from kesu.core.forms import StyledFormMixin
from kesu.regions.models import Region, Unit
from kesu.venues.models import (
    Category,
    CountRule,
    Designation,
    DesignationStatus,
    Institution,
)

INSTITUTION_FIELDS = [
    "name",
    "base_name",
    "credit_code",
    "region",
    "unit",
    "category",
    "address",
    "contact_name",
    "contact_phone",
    "building_area",
    "exhibit_area",
    "latitude",
    "longitude",
    "opening_days",
    "opening_hours",
    "is_science_museum",
    "museum_meets_standard",
    "rural_school_museum",
    "science_courtyard",
    "published",
]


class InstitutionForm(StyledFormMixin, forms.ModelForm):
    """An institution in ``root``'s subtree, recommended by a unit of its region or above."""

    class Meta:
        model = Institution
        fields = INSTITUTION_FIELDS
        help_texts = {
            "opening_days": "如：周二至周日（法定节假日照常开放）",
            "opening_hours": "如：9:00–17:00（16:30 停止入场）",
            "published": "公开后，有效认定的基地显示在本地区公开名录和地图上",
        }

    def __init__(
        self, *args: Any, root: Region | None = None, units: QuerySet[Unit] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        root = root or (self.instance.region if self.instance.pk else None)
        if root is not None:
            ancestors = [code for code in root.path.strip("/").split("/") if code]
            self.fields["region"].queryset = Region.objects.filter(path__startswith=root.path)  # type: ignore[attr-defined]
            self.fields["unit"].queryset = (  # type: ignore[attr-defined]
                (Unit.objects.all() if units is None else units)
                .filter(Q(region__path__startswith=root.path) | Q(region__code__in=ancestors))
                .select_related("region")
            )
        self.fields["region"].to_field_name = "code"  # type: ignore[attr-defined]
        self.fields["category"].queryset = Category.objects.select_related("scheme")  # type: ignore[attr-defined]
        self.fields["credit_code"].help_text = "18 位，按 GB 32100 校验"

    def clean_credit_code(self) -> str:
        return str(self.cleaned_data["credit_code"]).strip().upper()


class DesignationForm(StyledFormMixin, forms.ModelForm):
    status = forms.ChoiceField(
        label="状态",
        choices=[(DesignationStatus.VALID, "有效"), (DesignationStatus.RECTIFYING, "整改中")],
        initial=DesignationStatus.VALID,
    )

    class Meta:
        model = Designation
        fields = [
            "system",
            "level",
            "batch",
            "batch_year",
            "start_year",
            "end_year",
            "method",
            "document_no",
            "decided_on",
            "certificate_no",
            "status",
        ]
        widgets = {"decided_on": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "end_year": "每批有效 5 年，如 2023–2027",
            "batch": "如：2023年度、2021–2025第一批补充认定",
        }


class RevokeForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label="摘牌原因", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    on = forms.DateField(
        label="摘牌日期", required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="空为今天"
    )


class CountRuleForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = CountRule
        fields = ["system", "level", "level_comparison", "measure"]
        help_texts = {
            "level_comparison": "“及以上”：国家级、省级基地也计入市级目标",
            "measure": "年末存量：12月31日有效的基地数；期内新增：当年新进入存量的基地数",
        }
