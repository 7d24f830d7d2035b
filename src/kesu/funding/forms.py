"""Forms of the funding register: a line (amounts in 元), its 绩效目标 rows, and the import upload."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms

from kesu.core.forms import StyledFormMixin
from kesu.funding.arithmetic import AMOUNT_LABELS, line_problems
from kesu.funding.models import FundingLine

LINE_FIELDS = [
    "name",
    "tasks",
    "nature",
    "project_type",
    "is_special",
    "budget",
    "received",
    "spent",
    "spent_activities",
    "spent_venue_building",
    "spent_exhibits",
    "spent_other",
    "note",
]
MONEY = {"step": "0.01", "min": "0", "inputmode": "decimal"}


class FundingLineForm(StyledFormMixin, forms.ModelForm):
    """Editing a line: the unit and the year stay; everything else may change while it is editable."""

    class Meta:
        model = FundingLine
        fields = LINE_FIELDS
        widgets = {
            **{key: forms.NumberInput(attrs=MONEY) for key in AMOUNT_LABELS},
            "note": forms.Textarea(attrs={"rows": 2}),
            "tasks": forms.SelectMultiple(attrs={"size": 6}),
        }
        help_texts = {
            "note": "执行数超过到位数时必填（如使用上年结转资金）",
            "is_special": "资金性质为“科普专项”时自动为是",
            "budget": "单位：元",
        }

    def __init__(self, *args: Any, tasks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["tasks"]
        field.queryset = tasks if tasks is not None else field.queryset.none()  # type: ignore[attr-defined]
        field.required = False
        for key in ("received", "spent"):
            self.fields[key].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key in ("received", "spent"):
            if data.get(key) is None and key not in self.errors:
                data[key] = Decimal(0)
        amounts = {key: data.get(key) for key in AMOUNT_LABELS}
        for key, message in line_problems(amounts, data.get("note") or ""):
            if key not in self.errors:
                self.add_error(key, message)
        return data


class NewFundingLineForm(FundingLineForm):
    """A new line: which unit (a liaison has its own only) and which budget year."""

    class Meta(FundingLineForm.Meta):
        fields = ["unit", "year", *LINE_FIELDS]

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        field.queryset = units if units is not None else field.queryset.none()  # type: ignore[attr-defined]
        if units is not None and units.count() == 1:
            field.initial = units.first().pk
        self.fields["year"].initial = date.today().year

    def clean_year(self) -> int:
        year = int(self.cleaned_data["year"])
        if not 2000 <= year <= date.today().year + 2:
            raise forms.ValidationError(f"年度应在 2000 至 {date.today().year + 2} 之间")
        return year


class TargetForm(StyledFormMixin, forms.Form):
    indicator = forms.CharField(label="绩效指标", max_length=200)
    target = forms.CharField(label="目标值", max_length=100)
    actual = forms.CharField(label="实际完成值", max_length=100, required=False)
    points = forms.DecimalField(label="分值", max_digits=5, decimal_places=1, required=False, min_value=0)
    score = forms.DecimalField(label="得分", max_digits=5, decimal_places=1, required=False, min_value=0)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        points, score = data.get("points"), data.get("score")
        if points is not None and score is not None and score > points:
            self.add_error("score", "得分不能高于分值")
        return data


TargetFormSet = forms.formset_factory(TargetForm, extra=2, can_delete=True, max_num=50, validate_max=True)
