from __future__ import annotations

import secrets
from typing import Any

from django import forms

from kesu.core.forms import StyledFormMixin, within_upload_limit
from kesu.indicators import geo
from kesu.indicators.models import Aggregation, Indicator, Temporal


class IndicatorForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "unit",
            "definition",
            "aggregation",
            "temporal",
            "source",
            "scale",
            "numerator_label",
            "denominator_label",
            "disaggregations",
            "higher_is_better",
        ]
        widgets = {"definition": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["aggregation"].initial = Aggregation.SUM
        self.fields["temporal"].initial = Temporal.STOCK
        code = self.fields["code"]
        # The code is for imports and the API; an office names its indicator and may leave it blank.
        code.required = False
        code.label = "指标代码（可不填）"
        code.help_text = "用于数据导入和接口，留空则自动生成；创建后不再改动"
        if self.instance.pk:
            code.disabled = True

    def clean_code(self) -> str:
        code = (self.cleaned_data["code"] or "").strip()
        if not code and not self.instance.pk:
            code = f"local_{secrets.token_hex(4)}"
            while Indicator.objects.filter(code=code).exists():
                code = f"local_{secrets.token_hex(4)}"
        if not code.replace("_", "").isalnum() or code.lower() != code or not code.isascii():
            raise forms.ValidationError("代码只能用小写英文字母、数字和下划线")
        if not self.instance.pk and Indicator.objects.filter(code=code).exists():
            raise forms.ValidationError("该代码已被使用，请换一个")
        return code


class ValueImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="数据文件",
        help_text="xlsx 或 CSV（UTF-8 或 GBK）；表头：指标、区划代码、期间、数值，可加 分子、分母 和分组列",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    provenance = forms.CharField(
        label="数据出处", max_length=300, help_text="如：2024年统计年鉴；市科协登记库导出", required=True
    )

    def clean_file(self) -> Any:
        return within_upload_limit(self.cleaned_data["file"])


class TargetLinkForm(StyledFormMixin, forms.Form):
    target = forms.IntegerField(widget=forms.HiddenInput)
    indicator = forms.ModelChoiceField(
        label="指标", queryset=Indicator.objects.none(), required=False, empty_label="（不对应指标）"
    )
    level = forms.CharField(label="分组（如 级别=市级）", required=False, max_length=60)
    baseline_year = forms.IntegerField(label="基线年份", required=False, min_value=2000, max_value=2100)
    baseline_value = forms.FloatField(label="基线值", required=False)

    def __init__(self, *args: Any, indicators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators  # type: ignore[attr-defined]

    def disaggregation(self) -> dict[str, str]:
        text = self.cleaned_data.get("level") or ""
        pairs = [p.split("=", 1) for p in text.replace("＝", "=").replace("；", ";").split(";") if "=" in p]
        return {k.strip(): v.strip() for k, v in pairs if k.strip() and v.strip()}


class BoundaryUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="边界文件（GeoJSON）",
        help_text="FeatureCollection，每个下级区划一个 Polygon 或 MultiPolygon 要素，经纬度坐标；"
        "属性中含 12 位统计用区划代码（或 6/9 位简码），或与区划同名；UTF-8 或 GBK；不超过 20 MB",
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json"}),
    )
    approval_number = forms.CharField(
        label="审图号",
        max_length=100,
        help_text="地图须经审核方可公开使用，如：豫S（2024）012号",
        error_messages={"required": "请填写审图号：只有通过审核的地图才能发布。"},
    )
    source = forms.CharField(
        label="边界来源",
        max_length=200,
        help_text="如：市自然资源和规划局提供的标准地图",
        error_messages={"required": "请填写边界来源。"},
    )
    public = forms.BooleanField(label="在公开数据页显示地图", required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > geo.MAX_BYTES:
            raise forms.ValidationError(
                f"文件 {upload.size / 1024 / 1024:.1f} MB，超过 {geo.MAX_BYTES // 1024 // 1024} MB 的上限；"
                "请简化边界（如用 mapshaper 抽稀）后再上传。"
            )
        return upload
