from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from kesu.core.forms import StyledFormMixin, within_upload_limit
from kesu.docparse.scan import sniff_image
from kesu.plans.models import Plan, PlanKind
from kesu.regions.models import Unit

ACCEPTED = ".txt,.docx,.pdf,.doc,.wps"
ACCEPTED_WITH_SCANS = ACCEPTED + ",.jpg,.jpeg,.png"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One document, or the photographed pages of one plan: always a list of uploads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data] if data else [single(None, initial)]
        return [single(data, initial)]


class PlanUploadForm(StyledFormMixin, forms.Form):
    file = MultipleFileField(
        label="方案文件",
        help_text="支持 txt（UTF-8 或 GBK）、docx、pdf（含扫描件）、doc、wps；"
        "拍照的纸质方案可一次选择多张 JPG/PNG 页面，按页序排列",
        widget=MultipleFileInput(attrs={"accept": ACCEPTED_WITH_SCANS}),
    )
    kind = forms.ChoiceField(label="类型", choices=[("", "自动识别"), *PlanKind.choices], required=False)
    parent = forms.ModelChoiceField(label="上级方案（可选）", queryset=Plan.objects.none(), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Plan.objects.visible_to(user)  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        files = [within_upload_limit(upload) for upload in self.cleaned_data["file"]]
        limit_mb = settings.KESU_MAX_UPLOAD_MB
        if sum(upload.size for upload in files) > limit_mb * 1024 * 1024:
            raise forms.ValidationError(f"所选文件合计超过 {limit_mb} MB 的上传上限，请压缩或分批后再上传。")
        if len(files) > 1:
            for upload in files:
                head = upload.read(16)
                upload.seek(0)
                if sniff_image(head) is None:
                    raise forms.ValidationError(
                        f"“{upload.name}”不是 JPG/PNG 图片：一次选择多个文件时，只能是同一份方案按页排列的照片或扫描图片。"
                    )
        return files

    def ordered_files(self) -> list[Any]:
        """The uploads in the page order the office arranged (indices in ``page_order``), else as chosen."""
        files = list(self.cleaned_data["file"])
        raw = str(self.data.get("page_order") or "")  # set by the page list on the upload page
        try:
            order = [int(i) for i in raw.split(",") if i.strip()]
        except ValueError:
            return files
        if sorted(order) != list(range(len(files))):
            return files
        return [files[i] for i in order]


class ReimportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="修订后的方案文件", widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED})
    )


class TaskForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label="任务", max_length=300)
    text = forms.CharField(label="主要内容", widget=forms.Textarea(attrs={"rows": 6}))
    lead = forms.CharField(label="牵头单位", required=False, help_text="用顿号分隔")
    participating = forms.CharField(
        label="参与单位", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    responsible = forms.CharField(label="责任单位", required=False)

    def units(self) -> dict[str, list[str]]:
        return {
            role: split_names(self.cleaned_data.get(role, ""))
            for role in ("lead", "participating", "responsible")
        }


def split_names(raw: str) -> list[str]:
    for sep in ("，", ",", "；", ";", "\n"):
        raw = raw.replace(sep, "、")
    return [name.strip() for name in raw.split("、") if name.strip()]


COMPARATORS = [
    (">=", "不少于（≥）"),
    (">", "超过（＞）"),
    ("=", "等于（＝）"),
    ("<=", "不超过（≤）"),
    ("<", "低于（＜）"),
]


class TargetForm(StyledFormMixin, forms.Form):
    """One target of a task, as the office corrects it: what is counted, how many, by when."""

    indicator = forms.CharField(label="指标", max_length=200, help_text="数的是什么，如“校园科技馆”")
    comparator = forms.ChoiceField(label="比较", choices=COMPARATORS)
    value = forms.FloatField(label="目标值", min_value=0)
    unit = forms.CharField(label="单位", max_length=10, required=False, help_text="如 个、场次、人次、%")
    year = forms.IntegerField(label="完成年份", required=False, min_value=2000, max_value=2100)
    per_year = forms.BooleanField(label="每年", required=False, help_text="每年都要达到，不填完成年份")
    quote = forms.CharField(
        label="原文（可选）",
        required=False,
        max_length=300,
        help_text="新增目标时可粘贴方案中的原句，便于对照",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("per_year") and data.get("year"):
            self.add_error("year", "“每年”的目标不填完成年份。")
        return data


class MentionForm(StyledFormMixin, forms.Form):
    mention = forms.CharField(widget=forms.HiddenInput)
    unit = forms.ModelChoiceField(
        label="对应已有单位", queryset=Unit.objects.none(), required=False, empty_label="选择已有单位…"
    )
    new_unit_name = forms.CharField(label="或新建单位", required=False)

    def __init__(self, *args: Any, region: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(region=region).order_by("name")  # type: ignore[attr-defined]


class GoalForm(StyledFormMixin, forms.Form):
    value = forms.FloatField(label="公民具备科学素质的比例（%）", required=False, min_value=0, max_value=100)
    year = forms.IntegerField(label="目标年", required=False, min_value=2000, max_value=2100)
    comparator = forms.ChoiceField(label="比较", choices=[(">=", "达到（≥）"), (">", "超过（＞）")])
