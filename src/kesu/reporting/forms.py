from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from kesu.core.forms import StyledFormMixin, within_upload_limit
from kesu.periods import Period
from kesu.plans.models import Plan
from kesu.reporting import assessment
from kesu.reporting.models import AdjustmentKind, Entry, ProgressStatus

HALVES = [("1", "上半年"), ("2", "下半年"), ("0", "全年")]


class PeriodWidget(forms.MultiWidget):
    """年度 as a number and 上半年 / 下半年 / 全年 as a choice, instead of a code such as 2025H1."""

    template_name = "reporting/widgets/period.html"

    def __init__(self) -> None:
        super().__init__(
            [
                forms.NumberInput(
                    attrs={"class": "form-control", "min": 2000, "max": 2100, "aria-label": "年度"}
                ),
                forms.Select(
                    choices=HALVES, attrs={"class": "form-select", "aria-label": "上半年、下半年或全年"}
                ),
            ]
        )

    def decompress(self, value: Any) -> list[Any]:
        return [value.year, str(value.half or 0)] if isinstance(value, Period) else [None, None]

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0" if id_ else ""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if name in data:  # a period code (2025H2), as scripts and older pages post it
            return data[name]
        return super().value_from_datadict(data, files, name)


class PeriodField(forms.MultiValueField):
    widget = PeriodWidget

    def __init__(self, **kwargs: Any) -> None:
        fields = (
            forms.IntegerField(
                min_value=2000, max_value=2100, error_messages={"invalid": "年度应为四位数字，如 2025。"}
            ),
            forms.ChoiceField(choices=HALVES),
        )
        kwargs.setdefault("error_messages", {"required": "请填写年度，并选择上半年、下半年或全年。"})
        super().__init__(fields, **kwargs)

    def clean(self, value: Any) -> Period | None:
        if isinstance(value, str):
            try:
                return Period.parse(value)
            except ValueError as error:
                raise forms.ValidationError(str(error)) from error
        result: Period | None = super().clean(value)
        return result

    def compress(self, data_list: list[Any]) -> Period | None:
        if not data_list:
            return None
        year, half = data_list
        return Period(int(year), int(half) or None)


def _current_half(today: date) -> Period:
    return Period(today.year, 1 if today.month <= 6 else 2)


class CycleForm(StyledFormMixin, forms.Form):
    plan = forms.ModelChoiceField(label="方案", queryset=Plan.objects.none(), empty_label="请选择方案")
    period = PeriodField(label="期间")
    due_date = forms.DateField(
        label="报送截止日",
        required=False,
        help_text="留空则取方案规定的时限，否则 6月30日 / 12月30日",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    timely_days = forms.IntegerField(label="按时宽限天数", initial=0, min_value=0, max_value=60)
    lock_days = forms.IntegerField(label="截止后锁定天数", initial=30, min_value=0, max_value=365)
    warn_days = forms.IntegerField(label="临期提醒天数", initial=7, min_value=0, max_value=60)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plans = Plan.objects.manageable_by(user).published()
        if not user.access.is_system_admin:  # the office of the plan's own region runs its cycles
            plans = plans.filter(region_id__in=user.access.office_region_ids)
        self.fields["plan"].queryset = plans  # type: ignore[attr-defined]
        self.fields["period"].initial = _current_half(timezone.localdate())


class EntryForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(
        label="进展状态", choices=[("", "请选择"), *ProgressStatus.choices], required=False
    )
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
                required=False,
                initial=reported.get(target.pk),
            )
            self.fields[f"target_{target.pk}"].widget.attrs["class"] = "form-control"

    def target_values(self) -> dict[int, float | None]:
        return {
            int(name.removeprefix("target_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("target_")
        }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files chosen at once (Django's documented pattern): cleans to a list."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)]


class EvidenceForm(StyledFormMixin, forms.Form):
    file = MultipleFileField(
        label="佐证材料",
        help_text="可一次选择多个文件：图片、PDF、Word（doc/docx/wps）、Excel（xls/xlsx）、"
        "PowerPoint（ppt/pptx）、zip 或 MP4 视频，按文件内容识别类型，每个不超过 20 MB",
        error_messages={"required": "请选择要上传的文件。"},
    )

    def __init__(self, *args: Any, attach_to: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if attach_to:  # the input belongs to the entry form, so uploading also keeps what was typed
            self.fields["file"].widget.attrs["form"] = attach_to
            self.fields["file"].required = False


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="填好的报送表（xlsx）",
        help_text="编号与版本列请勿修改；参与单位只填进展情况",
        error_messages={
            "required": "请选择要上传的 xlsx 文件。",
            "empty": "上传的文件是空的，请选择填好的报送表。",
        },
    )

    def clean_file(self) -> Any:
        return within_upload_limit(self.cleaned_data["file"])


def _deadline_field(label: str, missing: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": missing, "invalid": "办理时限应为日期，如 2025-07-31。"},
    )


def _not_in_the_past(day: date) -> date:
    # A deadline already gone would make the notice overdue the moment it is issued.
    if day < timezone.localdate():
        raise forms.ValidationError("办理时限不能早于今天。")
    return day


class NoticeForm(StyledFormMixin, forms.Form):
    requirement = forms.CharField(
        label="督办要求",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请写明督办要求。"},
    )
    deadline = _deadline_field("办理时限", "请填写办理时限。")

    def clean_deadline(self) -> date:
        return _not_in_the_past(self.cleaned_data["deadline"])


class ReportNoticeForm(NoticeForm):
    """A 督办 (催报 included) issued to a unit from the notice list or the board: the task is chosen
    among the unit's tasks in that report."""

    entry = forms.ModelChoiceField(
        label="任务", queryset=Entry.objects.none(), error_messages={"required": "请选择督办的任务。"}
    )
    field_order = ["entry", "requirement", "deadline"]

    def __init__(self, *args: Any, report: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["entry"]
        field.queryset = report.entries.select_related("task").order_by("-role", "task__order")  # type: ignore[attr-defined]
        field.label_from_instance = lambda e: f"{e.task.title[:50]}（{e.role_label}）"  # type: ignore[attr-defined]


class NoticeSignForm(StyledFormMixin, forms.Form):
    """签收 has nothing to fill in: the click is the receipt, and the time is recorded."""


class NoticeRespondForm(StyledFormMixin, forms.Form):
    response = forms.CharField(
        label="办理情况",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写办理情况后再反馈。"},
    )
    attachment = forms.FileField(
        label="附件（可选）",
        required=False,
        help_text="如盖章的反馈函扫描件、现场照片；图片、PDF、Word、Excel 等，不超过 20 MB",
    )


class NoticeCloseForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label="办结意见", required=False)


class NoticeEscalateForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label="升级督办理由与要求", error_messages={"required": "请写明升级督办的理由和要求。"}
    )
    deadline = _deadline_field("新的办理时限", "请填写新的办理时限。")

    def clean_deadline(self) -> date:
        return _not_in_the_past(self.cleaned_data["deadline"])


NOTICE_STEP_FORMS: dict[str, type[forms.Form]] = {
    "sign": NoticeSignForm,
    "respond": NoticeRespondForm,
    "close": NoticeCloseForm,
    "escalate": NoticeEscalateForm,
}


def _score_field(label: str, **kwargs: Any) -> forms.FloatField:
    """A number of points, refused in the office's words (not Django's) when it is not one."""
    low, high = kwargs.get("min_value", 0), kwargs.get("max_value")
    span = f"应在 {low:g} 到 {high:g} 之间" if high is not None else f"不能小于 {low:g}"
    return forms.FloatField(
        label=label,
        **kwargs,
        error_messages={
            "invalid": f"{label}应为数字，如 20 或 17.5。",
            "required": f"请填写{label}。",
            "min_value": f"{label}{span}。",
            "max_value": f"{label}{span}。",
        },
    )


class SchemeForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(
        label="年度",
        min_value=2000,
        max_value=2100,
        error_messages={
            "invalid": "年度应为四位数字，如 2025。",
            "required": "请填写年度。",
            "min_value": "年度应在 2000 到 2100 之间。",
            "max_value": "年度应在 2000 到 2100 之间。",
        },
    )
    timeliness = _score_field("报送及时性", initial=20, min_value=0)
    completeness = _score_field("报送完整性", initial=20, min_value=0)
    achievement = _score_field("目标完成度", initial=40, min_value=0)
    quality = _score_field("工作质量（评议）", initial=20, min_value=0)
    bonus_cap = _score_field(
        "加分上限", required=False, min_value=0.1, help_text="每家单位加分合计最多计入的分数；留空不设上限"
    )
    penalty_cap = _score_field(
        "减分上限", required=False, min_value=0.1, help_text="每家单位减分合计最多计入的分数；留空不设上限"
    )


class JudgementForm(StyledFormMixin, forms.Form):
    """The office's 工作质量 mark for one unit; empty clears it."""

    def __init__(self, *args: Any, top: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quality"] = _score_field(
            f"工作质量（0–{top:g} 分）",
            required=False,
            min_value=0,
            max_value=top,
            help_text="保留一位小数；留空表示尚未评议",
        )
        self.fields["quality"].widget.attrs["class"] = "form-control"


class AdjustmentForm(StyledFormMixin, forms.Form):
    """One 加分 or 减分 item: its points and the reason the office gives for it."""

    kind = forms.ChoiceField(
        label="类别",
        choices=AdjustmentKind.choices,
        error_messages={"required": "请选择加分或减分。", "invalid_choice": "请选择加分或减分。"},
    )
    points = _score_field("分值", min_value=0.1, max_value=assessment.MAX_POINTS)
    reason = forms.CharField(
        label="理由",
        max_length=200,
        error_messages={"required": "加分或减分须写明理由。", "max_length": "理由请控制在 200 字以内。"},
        widget=forms.TextInput(attrs={"placeholder": "如：承办全国科普日主场活动"}),
    )
