from __future__ import annotations

from typing import Any

from django import forms

from kesu.core.forms import StyledFormMixin, within_upload_limit
from kesu.plans.models import Plan, PlanKind
from kesu.regions.models import Unit

ACCEPTED = ".txt,.docx,.pdf,.doc,.wps"


class PlanUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label="方案文件", help_text="支持 txt（UTF-8 或 GBK）、docx、带文字层的 pdf、doc、wps",
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED}))
    kind = forms.ChoiceField(label="类型", choices=[("", "自动识别"), *PlanKind.choices], required=False)
    parent = forms.ModelChoiceField(label="上级方案（可选）", queryset=Plan.objects.none(), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Plan.objects.visible_to(user)  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        return within_upload_limit(self.cleaned_data["file"])


class ReimportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label="修订后的方案文件", widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED}))


class TaskForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label="任务", max_length=300)
    text = forms.CharField(label="主要内容", widget=forms.Textarea(attrs={"rows": 6}))
    lead = forms.CharField(label="牵头单位", required=False, help_text="用顿号分隔")
    participating = forms.CharField(label="参与单位", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    responsible = forms.CharField(label="责任单位", required=False)

    def units(self) -> dict[str, list[str]]:
        return {role: split_names(self.cleaned_data.get(role, "")) for role in ("lead", "participating", "responsible")}


def split_names(raw: str) -> list[str]:
    for sep in ("，", ",", "；", ";", "\n"):
        raw = raw.replace(sep, "、")
    return [name.strip() for name in raw.split("、") if name.strip()]


class MentionForm(StyledFormMixin, forms.Form):
    mention = forms.CharField(widget=forms.HiddenInput)
    unit = forms.ModelChoiceField(label="对应已有单位", queryset=Unit.objects.none(), required=False,
                                  empty_label="选择已有单位…")
    new_unit_name = forms.CharField(label="或新建单位", required=False)

    def __init__(self, *args: Any, region: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(region=region)  # type: ignore[attr-defined]


class GoalForm(StyledFormMixin, forms.Form):
    value = forms.FloatField(label="公民具备科学素质的比例（%）", required=False, min_value=0, max_value=100)
    year = forms.IntegerField(label="目标年", required=False, min_value=2000, max_value=2100)
    comparator = forms.ChoiceField(label="比较", choices=[(">=", "达到（≥）"), (">", "超过（＞）")])
