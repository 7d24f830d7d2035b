"""The experts' forms; every one goes through ``StyledFormMixin`` (Bootstrap classes, clean text)."""

from __future__ import annotations

from typing import Any

from django import forms

from kesu.core.forms import StyledFormMixin
from kesu.experts.models import (
    GROUPS,
    SPECIALTIES,
    STORED_STATUSES,
    ActivityRole,
    Ask,
    CountWhat,
    Discipline,
    Expert,
    Level,
    Measure,
    Rank,
    Sex,
    Title,
    Topic,
    as_choices,
)
from kesu.regions.models import Region, Unit


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


def _datetime() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def units_near(region: Region) -> Any:
    """Units an office may name: those of its region and below (never another office's)."""
    return (
        Unit.objects.filter(region__path__startswith=region.path)
        .select_related("region")
        .order_by("region__path", "name")
    )


class ExpertForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    sex = forms.ChoiceField(label="性别", choices=Sex.choices)
    birth_year = forms.IntegerField(label="出生年", min_value=1920, max_value=2010, required=False)
    phone = forms.CharField(label="手机", max_length=20)
    employer = forms.CharField(label="工作单位", max_length=200, required=False)
    employer_unit = forms.ModelChoiceField(
        label="工作单位（成员单位，可选）", queryset=Unit.objects.none(), required=False
    )
    position = forms.CharField(label="职务", max_length=100, required=False)
    rank = forms.ChoiceField(label="职称", choices=Rank.choices)
    discipline = forms.ChoiceField(label="学科", choices=Discipline.choices)
    field_tags = forms.CharField(
        label="领域（用顿号分隔，如 卫生健康、气象）", max_length=300, required=False
    )
    recommending_unit = forms.ModelChoiceField(label="推荐单位", queryset=Unit.objects.none(), required=False)
    specialties = forms.MultipleChoiceField(
        label="科普专长", choices=as_choices(SPECIALTIES), widget=forms.CheckboxSelectMultiple, required=False
    )
    groups = forms.MultipleChoiceField(
        label="服务人群", choices=as_choices(GROUPS), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, region: Region, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = units_near(region)
        self.fields["employer_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["recommending_unit"].queryset = units  # type: ignore[attr-defined]
        if editing:
            self.fields["phone"].required = False
            self.fields["phone"].help_text = "留空则不修改；现号码只显示后 4 位"

    def expert_fields(self) -> dict[str, Any]:
        """The cleaned data as the actions name it (the model's tag field is ``fields``)."""
        data = dict(self.cleaned_data)
        data["fields"] = data.pop("field_tags")
        return data

    @staticmethod
    def initial_of(expert: Expert) -> dict[str, Any]:
        return {
            "name": expert.name,
            "sex": expert.sex,
            "birth_year": expert.birth_year,
            "employer": expert.employer,
            "employer_unit": expert.employer_unit_id,
            "position": expert.position,
            "rank": expert.rank,
            "discipline": expert.discipline,
            "field_tags": expert.fields_label(),
            "recommending_unit": expert.recommending_unit_id,
            "specialties": expert.specialty_list,
            "groups": expert.group_list,
        }


class AppointmentForm(StyledFormMixin, forms.Form):
    title = forms.ChoiceField(label="称号", choices=Title.choices)
    level = forms.ChoiceField(label="级别", choices=Level.choices, initial=Level.CITY)
    batch = forms.CharField(label="批次", max_length=50, required=False)
    start = forms.DateField(label="聘期开始", widget=_date())
    years = forms.IntegerField(label="聘期（年）", min_value=1, max_value=10, initial=5)
    document_no = forms.CharField(label="聘任文号", max_length=100, required=False)
    status = forms.ChoiceField(label="状态", choices=STORED_STATUSES[:2], initial="serving")


class DismissForm(StyledFormMixin, forms.Form):
    on = forms.DateField(label="解聘日期", widget=_date())
    reason = forms.CharField(label="原因", max_length=300)


class RenewForm(StyledFormMixin, forms.Form):
    years = forms.IntegerField(label="续聘年限", min_value=1, max_value=10, initial=5)
    document_no = forms.CharField(label="聘任文号", max_length=100, required=False)


class ActivityForm(StyledFormMixin, forms.Form):
    date = forms.DateField(label="日期", widget=_date())
    role = forms.ChoiceField(label="角色", choices=ActivityRole.choices)
    hours = forms.DecimalField(label="时长（小时）", min_value=0.5, max_value=24, decimal_places=1)
    title = forms.CharField(label="活动名称", max_length=200)
    health = forms.BooleanField(label="健康科普", required=False)
    emergency = forms.BooleanField(label="应急科普", required=False)
    activity_ref = forms.CharField(label="活动链接或说明", max_length=500, required=False)


class SelectionForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    level = forms.ChoiceField(label="级别", choices=Level.choices, initial=Level.CITY)
    title = forms.ChoiceField(label="称号", choices=Title.choices, initial=Title.CHIEF)
    batch = forms.CharField(label="批次", max_length=50)
    min_rank = forms.ChoiceField(
        label="职称要求",
        choices=[
            (Rank.FULL, "正高"),
            (Rank.ASSOCIATE, "副高及以上"),
            (Rank.INTERMEDIATE, "中级及以上"),
            (Rank.OTHER, "不限"),
        ],
        initial=Rank.ASSOCIATE,
    )
    term_years = forms.IntegerField(label="聘期（年）", min_value=1, max_value=10, initial=5)
    default_quota = forms.IntegerField(
        label="每个推荐单位名额（默认）", min_value=0, max_value=100, initial=3
    )


class QuotaForm(StyledFormMixin, forms.Form):
    unit = forms.ModelChoiceField(label="推荐单位", queryset=Unit.objects.none())
    quota = forms.IntegerField(label="名额", min_value=0, max_value=100)

    def __init__(self, *args: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_near(region)  # type: ignore[attr-defined]


class ApplyForm(StyledFormMixin, forms.Form):
    expert = forms.ModelChoiceField(label="专家", queryset=Expert.objects.none())
    recommending_unit = forms.ModelChoiceField(label="推荐单位", queryset=Unit.objects.none())

    def __init__(self, *args: Any, region: Region, experts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts  # type: ignore[attr-defined]
        self.fields["recommending_unit"].queryset = units_near(region)  # type: ignore[attr-defined]


class AdvanceForm(StyledFormMixin, forms.Form):
    score = forms.FloatField(label="评审得分（评审环节填写）", min_value=0, max_value=100, required=False)


class ReturnForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label="退回原因", max_length=300)


class TopicForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="主题", max_length=50, help_text="如 传染病、地震、洪涝、化工、食品安全")
    response_hours = forms.IntegerField(label="响应承诺（小时）", min_value=1, max_value=720, initial=24)
    experts = forms.ModelMultipleChoiceField(label="值守专家", queryset=Expert.objects.none(), required=False)

    def __init__(self, *args: Any, experts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = experts  # type: ignore[attr-defined]


class EventForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label="事件", max_length=200)
    topic = forms.ModelChoiceField(label="主题", queryset=Topic.objects.none())
    opened_at = forms.DateTimeField(label="启动时间", widget=_datetime())

    def __init__(self, *args: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(region=region)  # type: ignore[attr-defined]


class DispatchForm(StyledFormMixin, forms.Form):
    expert = forms.ModelChoiceField(label="专家", queryset=Expert.objects.none())
    ask = forms.ChoiceField(label="任务", choices=Ask.choices)
    requested_at = forms.DateTimeField(label="派遣时间", widget=_datetime())

    def __init__(self, *args: Any, experts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts  # type: ignore[attr-defined]


class ResponseForm(StyledFormMixin, forms.Form):
    responded_at = forms.DateTimeField(label="响应时间", widget=_datetime())
    output = forms.CharField(label="成果", max_length=300)
    url = forms.URLField(label="发布链接", max_length=500, required=False, assume_scheme="https")
    reach = forms.IntegerField(label="触达人次", min_value=0, required=False)


class CountRuleForm(StyledFormMixin, forms.Form):
    what = forms.ChoiceField(label="统计内容", choices=CountWhat.choices)
    level = forms.ChoiceField(
        label="级别（首席与专家库）", choices=[("", "不限"), *Level.choices], required=False
    )
    measure = forms.ChoiceField(label="口径", choices=Measure.choices)
