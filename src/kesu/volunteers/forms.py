from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from kesu.core.forms import StyledFormMixin
from kesu.core.personal import id_number_error, mobile_error
from kesu.volunteers.models import HourScheme, ServiceActivity, Team, Volunteer


class VolunteerForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Volunteer
        fields = [
            "name",
            "sex",
            "birth_date",
            "phone",
            "skills",
            "employer",
            "teams",
            "platform",
            "platform_number",
            "registered_on",
            "in_register",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}),
            "registered_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = teams if teams is not None else Team.objects.none()  # type: ignore[attr-defined]
        self.fields["teams"].required = False

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and mobile_error(phone):
            raise forms.ValidationError(mobile_error(phone) or "")
        return phone


class NewVolunteerForm(VolunteerForm):
    id_number = forms.CharField(
        label="身份证号", max_length=18, help_text="18 位，末位可为 X；只保存加密值，列表中只显示末 4 位"
    )

    field_order = ["name", "id_number"]

    def clean_id_number(self) -> str:
        number = self.cleaned_data["id_number"]
        problem = id_number_error(number)
        if problem:
            raise forms.ValidationError(problem)
        return number


class TeamForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Team
        fields = [
            "name",
            "level",
            "parent",
            "host",
            "leaders",
            "founded_on",
            "platform_number",
            "in_register",
        ]
        widgets = {"founded_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = teams if teams is not None else Team.objects.none()  # type: ignore[attr-defined]


class ActivityForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ServiceActivity
        fields = ["name", "category", "team", "start_date", "end_date"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }


class RecordForm(StyledFormMixin, forms.Form):
    id_number = forms.CharField(label="志愿者身份证号", max_length=18)
    service_date = forms.DateField(label="服务日期", widget=forms.DateInput(attrs={"type": "date"}))
    sign_in = forms.DateTimeField(
        label="签到时间", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    sign_out = forms.DateTimeField(
        label="签退时间", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    declared_hours = forms.DecimalField(
        label="或：服务时长（小时）", required=False, max_digits=5, decimal_places=2, min_value=Decimal(0)
    )


class CorrectionForm(StyledFormMixin, forms.Form):
    hours = forms.DecimalField(
        label="更正后的服务时长（小时）",
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(24),
    )
    reason = forms.CharField(label="理由", max_length=300)


class HourSchemeForm(StyledFormMixin, forms.ModelForm):
    factors_text = forms.CharField(
        label="服务类别系数", required=False, help_text="每行一个，如：科技咨询=1.5"
    )
    ladder_text = forms.CharField(
        label="星级标准（小时）",
        required=False,
        help_text="一星至五星，用 / 分隔，默认 100/300/600/1000/1500",
    )

    class Meta:
        model = HourScheme
        fields = ["unit", "per_activity_cap", "daily_cap"]

    def clean_factors_text(self) -> dict[str, str]:
        factors = {}
        for line in self.cleaned_data["factors_text"].splitlines():
            if line.strip():
                name, _, value = line.partition("=")
                try:
                    factors[name.strip()] = str(Decimal(value.strip()))
                except ArithmeticError as error:
                    raise forms.ValidationError(f"“{line}”应写作 类别=系数") from error
        return factors

    def clean_ladder_text(self) -> list[float]:
        raw = self.cleaned_data["ladder_text"].strip()
        try:
            return [float(x) for x in raw.replace("／", "/").split("/")] if raw else []
        except ValueError as error:
            raise forms.ValidationError("应写作 100/300/600/1000/1500") from error


class CountRuleForm(StyledFormMixin, forms.Form):
    from kesu.volunteers.models import CountWhat, Measure

    what = forms.ChoiceField(
        label="统计口径", choices=CountWhat.choices, widget=forms.Select(attrs={"aria-label": "统计口径"})
    )
    measure = forms.ChoiceField(
        label="计量方式", choices=Measure.choices, widget=forms.Select(attrs={"aria-label": "计量方式"})
    )
    active_only = forms.BooleanField(label="只计当年有服务记录者", required=False)
    registered_only = forms.BooleanField(label="网格只计已注册的科普员", required=False)


class CertificateForm(StyledFormMixin, forms.Form):
    issuer = forms.CharField(
        label="出具单位", max_length=120, widget=forms.TextInput(attrs={"aria-label": "出具单位"})
    )
