from __future__ import annotations

from typing import Any

from django import forms

from kesu.core.forms import StyledFormMixin, within_upload_limit
from kesu.periods import Period
from kesu.survey.demographics import (
    EDUCATION,
    MARGIN_VARIABLES,
    OCCUPATIONS,
    SEXES,
    URBAN_RURAL,
    variable_label,
)
from kesu.survey.models import FrameUnit, Instrument, LonelyPsu, RuleKind, Wave, WeightingMethod

TABLE_ACCEPT = ".xlsx,.csv"


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="文件（.xlsx 或 .csv）", widget=forms.ClearableFileInput(attrs={"accept": TABLE_ACCEPT})
    )

    def clean_file(self) -> Any:
        return within_upload_limit(self.cleaned_data["file"])


class InstrumentImportForm(UploadForm):
    name = forms.CharField(label="问卷名称", max_length=120, help_text="与已有问卷同名时导入为它的新版本")
    field_order = ["name", "file"]


class FieldGroup:
    """Some of a form's fields, rendered by ``core/_form_fields.html`` like a form of their own
    (the simple fields first, the rest behind 高级设置)."""

    def __init__(self, form: forms.Form, names: list[str]) -> None:
        self.form, self.names = form, names

    def __iter__(self) -> Any:
        return iter([self.form[name] for name in self.names])

    def non_field_errors(self) -> list[str]:
        return []


class WaveForm(StyledFormMixin, forms.Form):
    """The simple path: a name, a year and the questionnaire; the scoring rule has a default and
    sits behind 高级设置, and the margins come from the 常住人口 Kesu holds."""

    title = forms.CharField(label="名称", max_length=150)
    period = forms.CharField(label="调查年度", max_length=12, help_text="如 2025年；半年调查写 2025年上半年")
    instrument = forms.ModelChoiceField(label="问卷", queryset=Instrument.objects.none(), empty_label=None)
    prefill_margins = forms.BooleanField(
        label="用本地区 18—69 岁常住人口（按性别、年龄组）预填普查边际", required=False, initial=True
    )
    rule_kind = forms.ChoiceField(label="评分规则", choices=RuleKind.choices, initial=RuleKind.CURRENT)
    pass_score = forms.FloatField(
        label="自定义：具备科学素质的最低分",
        required=False,
        min_value=0,
        max_value=100,
        help_text="仅在选择“自定义阈值”时使用；维度分值仍为 40/20/20/20",
    )

    ADVANCED = ["rule_kind", "pass_score"]

    def __init__(self, *args: Any, instruments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = instruments  # type: ignore[attr-defined]
        latest = instruments.order_by("-pk").first()
        if latest is not None and "instrument" not in self.initial:
            self.initial["instrument"] = latest.pk

    @property
    def basic(self) -> FieldGroup:
        return FieldGroup(self, [name for name in self.fields if name not in self.ADVANCED])

    @property
    def advanced(self) -> FieldGroup:
        return FieldGroup(self, self.ADVANCED)

    @property
    def advanced_has_errors(self) -> bool:
        return any(self.errors.get(name) for name in self.ADVANCED)

    def clean_period(self) -> str:
        """What the office typed (2025年上半年 or 2025H1) as the period's code; a bad one is left for the
        action to refuse in its own words."""
        text = self.cleaned_data["period"]
        try:
            return str(Period.parse(text))
        except ValueError:
            return str(text)

    def rule_params(self) -> dict[str, Any]:
        if (
            self.cleaned_data["rule_kind"] == RuleKind.CUSTOM
            and self.cleaned_data.get("pass_score") is not None
        ):
            return {"pass_score": self.cleaned_data["pass_score"]}
        return {}


class WeightingForm(StyledFormMixin, forms.Form):
    rule_kind = forms.ChoiceField(label="评分规则", choices=RuleKind.choices)
    method = forms.ChoiceField(label="加权方法", choices=WeightingMethod.choices)
    variables = forms.MultipleChoiceField(
        label="校准到普查边际的变量",
        required=False,
        choices=[(v, variable_label(v)) for v in MARGIN_VARIABLES],
        widget=forms.CheckboxSelectMultiple,
    )
    lonely_psu = forms.ChoiceField(label="只有一个初级抽样单元的层", choices=LonelyPsu.choices)
    trim_lower = forms.FloatField(label="权数下限（平均权数的倍数）", required=False, min_value=0)
    trim_upper = forms.FloatField(label="权数上限（平均权数的倍数）", required=False, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["variables"].widget.attrs["class"] = "form-check-input"  # not the mixin's form-control

    @classmethod
    def for_wave(cls, wave: Wave, data: Any = None) -> WeightingForm:
        return cls(
            data,
            initial={
                "rule_kind": wave.rule_kind,
                "method": wave.weighting_method,
                "variables": wave.margin_variables,
                "lonely_psu": wave.lonely_psu,
                "trim_lower": wave.trim_lower,
                "trim_upper": wave.trim_upper,
            },
        )


class CodesForm(StyledFormMixin, forms.Form):
    unit = forms.ModelChoiceField(label="初级抽样单元", queryset=FrameUnit.objects.none())
    count = forms.IntegerField(label="数量", min_value=1, max_value=5000, initial=20)

    def __init__(self, *args: Any, wave: Wave, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = wave.frame.select_related("subregion")  # type: ignore[attr-defined]


class QuotaForm(StyledFormMixin, forms.Form):
    text = forms.CharField(
        label="配额（每行一项）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="格式：性别:男=300；变量可用 区域、性别、年龄组、文化程度、城乡、重点人群",
    )


def _choices(values: Any) -> list[tuple[str, str]]:
    return [("", "请选择"), *((v, v) for v in values)]


class ProfileForm(forms.Form):
    """The respondent's own form: large controls for phones, no staff styling helpers needed."""

    sex = forms.ChoiceField(label="性别", choices=_choices(SEXES))
    age = forms.IntegerField(label="年龄（周岁）", min_value=0, max_value=130)
    education = forms.ChoiceField(label="文化程度", choices=_choices(EDUCATION))
    urban_rural = forms.ChoiceField(label="居住地", choices=_choices(URBAN_RURAL))
    occupation = forms.ChoiceField(label="职业", choices=_choices(OCCUPATIONS))
    unit = forms.ModelChoiceField(
        label="所在乡镇（街道）与村（社区）", queryset=FrameUnit.objects.none(), required=False
    )

    def __init__(self, *args: Any, wave: Wave, ask_unit: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if ask_unit:
            self.fields["unit"].queryset = wave.frame.select_related("subregion")  # type: ignore[attr-defined]
            self.fields["unit"].required = True
            self.fields["unit"].label_from_instance = _unit_label  # type: ignore[attr-defined]
        else:
            del self.fields["unit"]
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select form-select-lg"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-lg"
            )


def _unit_label(unit: FrameUnit) -> str:
    return f"{unit.subregion.name if unit.subregion else unit.stratum} · {unit.psu}"
