from __future__ import annotations

from typing import Any

from django import forms

from kesu.core.forms import StyledFormMixin
from kesu.periods import Period
from kesu.plans.models import Plan
from kesu.reporting.models import Entry, ProgressStatus


class CycleForm(StyledFormMixin, forms.Form):
    plan = forms.ModelChoiceField(label="方案", queryset=Plan.objects.none())
    period = forms.CharField(label="期间", help_text="如 2025H1（上半年）、2025H2（下半年）或 2025（全年）")
    due_date = forms.DateField(label="报送截止日", required=False, help_text="留空则取方案规定的时限，否则 6月30日 / 12月30日",
                               widget=forms.DateInput(attrs={"type": "date"}))
    timely_days = forms.IntegerField(label="按时宽限天数", initial=0, min_value=0, max_value=60)
    lock_days = forms.IntegerField(label="截止后锁定天数", initial=30, min_value=0, max_value=365)
    warn_days = forms.IntegerField(label="临期提醒天数", initial=7, min_value=0, max_value=60)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = Plan.objects.manageable_by(user).published()  # type: ignore[attr-defined]

    def clean_period(self) -> Period:
        try:
            return Period.parse(self.cleaned_data["period"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


class EntryForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(label="进展状态", choices=[("", "请选择"), *ProgressStatus.choices], required=False)
    percent = forms.IntegerField(label="完成比例（%）", required=False, min_value=0, max_value=100)
    narrative = forms.CharField(label="进展情况", required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, entry: Entry, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entry = entry
        if not entry.is_lead:
            self.fields["narrative"].label = "本单位配合工作情况"
            del self.fields["status"], self.fields["percent"]
            return
        reported = {v.target_id: v.value for v in entry.values.all()}
        for target in entry.task.targets.all():
            self.fields[f"target_{target.pk}"] = forms.FloatField(
                label=f"{target.indicator}（目标 {target.comparator_label}{target.value_label}{target.unit}）",
                required=False, initial=reported.get(target.pk))
            self.fields[f"target_{target.pk}"].widget.attrs["class"] = "form-control"

    def target_values(self) -> dict[int, float | None]:
        return {int(name.removeprefix("target_")): value for name, value in self.cleaned_data.items()
                if name.startswith("target_")}


class EvidenceForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label="佐证材料", help_text="图片、PDF、docx 或 xlsx，按文件内容识别类型，不超过 20 MB")


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label="填好的报送表（xlsx）")


class NoticeForm(StyledFormMixin, forms.Form):
    requirement = forms.CharField(label="督办要求", widget=forms.Textarea(attrs={"rows": 4}))
    deadline = forms.DateField(label="办理时限", widget=forms.DateInput(attrs={"type": "date"}))


class SchemeForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    timeliness = forms.FloatField(label="报送及时性", initial=20, min_value=0)
    completeness = forms.FloatField(label="报送完整性", initial=20, min_value=0)
    achievement = forms.FloatField(label="目标完成度", initial=40, min_value=0)
    quality = forms.FloatField(label="工作质量（评议）", initial=20, min_value=0)


class JudgementForm(StyledFormMixin, forms.Form):
    quality = forms.FloatField(label="工作质量", required=False, min_value=0)
    bonus = forms.FloatField(label="加分", initial=0, min_value=0)
    penalty = forms.FloatField(label="减分", initial=0, min_value=0)
    reasons = forms.CharField(label="加减分理由", required=False)
