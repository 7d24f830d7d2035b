"""The activity form: one page that a liaison fills on a phone in under a minute.

What a phone needs is decided here: the fields in the order they are known at the event, defaults
(today, 签到, the last place and partners of the user's previous activity, see ``views``), the key
groups as toggles, the photos straight from the camera. The rules themselves are
``activity_checks`` (shared with the import and the API); this form shows their messages on the
fields, so nothing is written while one is broken and everything typed stays on the page.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from kesu.activities import actions
from kesu.activities import activity_checks as checks
from kesu.activities.activity_photos import MAX_PHOTOS, CheckedPhoto, PhotoError, check_photo
from kesu.activities.models import (
    KEY_GROUPS,
    Activity,
    ActivityKind,
    Campaign,
    CountMethod,
    Mode,
    Resource,
)
from kesu.activities.people import REGISTERS, PeoplePicker
from kesu.core.forms import StyledFormMixin, within_upload_limit
from kesu.experts.models import Expert
from kesu.funding.models import FundingLine
from kesu.plans.models import Task
from kesu.regions.models import Region, Unit
from kesu.venues.models import Institution
from kesu.volunteers.models import Volunteer

NAME_SPLIT = re.compile(r"[、，,;；\n]+")


class CameraInput(forms.ClearableFileInput):
    """Several photos at once, from the phone's camera or its album."""

    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = CameraInput

    def clean(self, data: Any, initial: Any = None) -> list[CheckedPhoto]:
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(uploads) > MAX_PHOTOS:
            raise forms.ValidationError(f"一次最多上传 {MAX_PHOTOS} 张照片")
        checked, errors = [], []
        for upload in uploads:
            try:
                within_upload_limit(upload)
                checked.append(check_photo(upload.read(), upload.name or "照片"))
            except (PhotoError, forms.ValidationError) as error:
                errors.append(getattr(error, "message", None) or "；".join(error.messages))  # type: ignore[union-attr]
        if errors:
            raise forms.ValidationError(errors)
        return checked


def split_names(text: str) -> list[str]:
    return [name.strip() for name in NAME_SPLIT.split(text or "") if name.strip()]


class ActivityForm(StyledFormMixin, forms.Form):
    unit = forms.ModelChoiceField(label="主办单位", queryset=Unit.objects.none())
    name = forms.CharField(label="活动名称", max_length=200)
    kind = forms.ChoiceField(label="活动形式", choices=ActivityKind.choices)
    starts_at = forms.DateTimeField(
        label="开始时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label="结束时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    region = forms.ModelChoiceField(label="活动地区", queryset=Region.objects.none())
    address = forms.CharField(label="活动地点", max_length=200, required=False)
    base = forms.ModelChoiceField(
        label="科普基地（在基地开展时）", queryset=Institution.objects.none(), required=False
    )
    mode = forms.ChoiceField(
        label="线上/线下", choices=Mode.choices, widget=forms.RadioSelect, initial=Mode.OFFLINE
    )
    key_groups = forms.MultipleChoiceField(
        label="重点人群",
        choices=[(g, g) for g in KEY_GROUPS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    attendance = forms.IntegerField(
        label="参与人次（线下）",
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"min_value": "参与人次不能为负数"},
    )
    count_method = forms.ChoiceField(
        label="人次统计方式",
        choices=CountMethod.choices,
        widget=forms.RadioSelect,
        initial=CountMethod.SIGN_IN,
    )
    photos = PhotosField(
        label="现场照片",
        required=False,
        help_text="可直接拍照，可多选；提交审核至少需要 3 张",
        widget=CameraInput(attrs={"accept": "image/*", "capture": "environment", "multiple": True}),
    )
    campaign = forms.ModelChoiceField(label="所属主题活动", queryset=Campaign.objects.none(), required=False)
    undertakers = forms.CharField(
        label="承办单位", max_length=500, required=False, help_text="填写单位名称，多个用顿号分隔"
    )
    co_organisers = forms.CharField(
        label="协办单位", max_length=500, required=False, help_text="填写单位名称，多个用顿号分隔"
    )
    online_url = forms.URLField(label="线上链接", required=False, assume_scheme="https")
    online_views = forms.IntegerField(
        label="线上观看人次",
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"min_value": "线上观看人次不能为负数"},
    )
    science_workers = forms.IntegerField(label="参与科技人员（人）", min_value=0, required=False)
    experts = forms.ModelMultipleChoiceField(
        label="参与专家（专家库）",
        queryset=Expert.objects.none(),
        required=False,
        widget=PeoplePicker(REGISTERS["experts"]),
    )
    volunteers = forms.ModelMultipleChoiceField(
        label="参与志愿者（志愿者名册）",
        queryset=Volunteer.objects.none(),
        required=False,
        widget=PeoplePicker(REGISTERS["volunteers"]),
    )
    other_participants = forms.CharField(
        label="其他参与人员（姓名）",
        max_length=500,
        required=False,
        help_text="不在专家库、志愿者名册中的人员，多个用顿号分隔",
    )
    materials = forms.IntegerField(label="发放资料（份）", min_value=0, required=False)
    cost = forms.DecimalField(
        label="活动经费（元）", min_value=0, max_digits=14, decimal_places=2, required=False
    )
    funding_line = forms.ModelChoiceField(
        label="经费来源", queryset=FundingLine.objects.none(), required=False
    )
    tasks = forms.ModelMultipleChoiceField(label="关联规划任务", queryset=Task.objects.none(), required=False)
    resources = forms.ModelMultipleChoiceField(
        label="使用的科普资源", queryset=Resource.objects.none(), required=False
    )
    news_url = forms.URLField(label="新闻报道链接", required=False, assume_scheme="https")
    summary = forms.CharField(label="活动简介", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # The fields a liaison fills every time; the rest sit under “更多信息” on the page.
    FIRST = (
        "unit",
        "name",
        "kind",
        "starts_at",
        "ends_at",
        "region",
        "address",
        "mode",
        "key_groups",
        "attendance",
        "count_method",
        "photos",
    )

    def __init__(
        self, *args: Any, user: Any, units: Any, activity: Activity | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.activity = user, activity
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user).order_by("-starts_on")  # type: ignore[attr-defined]
        self.fields["tasks"].queryset = Task.objects.visible_to(user).active().order_by("plan_id", "pk")  # type: ignore[attr-defined]
        self.fields["resources"].queryset = Resource.objects.visible_to(user)  # type: ignore[attr-defined]
        for register in REGISTERS.values():  # the people the user may see; a posted id outside is refused
            self.fields[register.field].queryset = register.visible(user)  # type: ignore[attr-defined]
        self.fields["base"].queryset = Institution.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["funding_line"].queryset = FundingLine.objects.visible_to(user).filter(unit__in=units)  # type: ignore[attr-defined]
        region_paths = {unit.region.path for unit in units.select_related("region")}
        regions = Region.objects.none()
        for path in region_paths:
            regions |= Region.objects.filter(path__startswith=path)
        self.fields["region"].queryset = regions.order_by("level", "code")  # type: ignore[attr-defined]
        if activity is not None:  # the host stays the host: another unit enters its own row
            self.fields["unit"].disabled = True
            self.fields["unit"].widget = forms.HiddenInput()
        elif units.count() == 1:  # a liaison's own unit: nothing to choose, nothing to post
            self.fields["unit"].widget = forms.HiddenInput()
            self.fields["unit"].required = False
            self.only_unit = units.first()
        for name in ("key_groups", "mode", "count_method"):
            self.fields[name].widget.attrs.pop("class", None)  # drawn as toggle buttons by the template

    @property
    def first_fields(self) -> list[Any]:
        return [self[name] for name in self.FIRST if not self[name].is_hidden]

    @property
    def more_fields(self) -> list[Any]:
        return [field for field in self if field.name not in self.FIRST and not field.is_hidden]

    only_unit: Unit | None = None

    def clean_unit(self) -> Unit | None:
        return self.cleaned_data.get("unit") or self.only_unit

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit: Unit | None = data.get("unit")
        for key in ("undertakers", "co_organisers"):
            if unit is not None:
                found, missing = actions.find_units(unit, split_names(data.get(key, "")))
                data[f"{key}_units"] = found
                if missing:
                    self.add_error(key, f"单位“{'、'.join(missing)}”不存在，请填写已登记的单位全称或简称")
        self._check_rules(data)
        return data

    def _check_rules(self, data: dict[str, Any]) -> None:
        """The shared rules, shown on their fields (the action checks them again)."""
        if not {"starts_at", "ends_at", "unit", "region"} <= set(data):
            return
        probe = Activity(
            **{k: data.get(k) for k in ("unit", "region", "starts_at", "ends_at", "campaign", "base")}
        )
        probe.mode = data.get("mode") or Mode.OFFLINE
        probe.online_url = data.get("online_url") or ""
        probe.attendance, probe.online_views = data.get("attendance"), data.get("online_views")
        for field, message in actions.problems_of(probe):
            self.add_error(field if field in self.fields else None, message)

    def activity_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data.get(name) for name in actions.FIELDS if name in self.fields} | {
            "key_groups": list(data.get("key_groups") or []),
        }

    def organisers(self) -> actions.Organisers:
        return actions.Organisers(
            self.cleaned_data.get("undertakers_units", []), self.cleaned_data.get("co_organisers_units", [])
        )

    def many(self) -> dict[str, Any]:
        return {
            "tasks": self.cleaned_data.get("tasks") or [],
            "resources": self.cleaned_data.get("resources") or [],
            "experts": self.cleaned_data.get("experts") or [],
            "volunteers": self.cleaned_data.get("volunteers") or [],
        }


def initial_for(activity: Activity) -> dict[str, Any]:
    """The form's values from a stored row (edit)."""
    organisers = list(activity.organisers.select_related("unit"))
    values = {name: getattr(activity, name) for name in actions.FIELDS}
    return values | {
        "unit": activity.unit_id,
        "starts_at": timezone.localtime(activity.starts_at),
        "ends_at": timezone.localtime(activity.ends_at),
        "undertakers": "、".join(o.unit.name for o in organisers if o.role == "undertaker"),
        "co_organisers": "、".join(o.unit.name for o in organisers if o.role == "co_organiser"),
        "tasks": list(activity.tasks.values_list("pk", flat=True)),
        "resources": list(activity.resources.values_list("pk", flat=True)),
        "experts": list(activity.experts.values_list("pk", flat=True)),
        "volunteers": list(activity.volunteers.values_list("pk", flat=True)),
        "version": activity.version,
    }


def defaults_for(user: Any, units: list[Unit]) -> dict[str, Any]:
    """A new activity's values: the two hours just past (a liaison enters it as the event ends, so it
    is 已开展 and can be submitted at once), 签到, the unit's own region, and the place, region,
    partners and key groups of the user's previous activity (a unit runs its series in the same
    places with the same partners)."""
    end = timezone.localtime().replace(second=0, microsecond=0)
    end = end.replace(minute=0 if end.minute < 30 else 30)
    initial: dict[str, Any] = {
        "starts_at": end - timedelta(hours=2),
        "ends_at": end,
        "count_method": CountMethod.SIGN_IN,
        "mode": Mode.OFFLINE,
    }
    if len(units) == 1:
        initial["unit"], initial["region"] = units[0].pk, units[0].region_id
    last = (
        Activity.objects.filter(created_by=user, unit__in=units).order_by("-created_at", "-pk").first()
        if user.is_authenticated
        else None
    )
    if last is not None:
        previous = initial_for(last)
        for key in (
            "unit",
            "address",
            "base",
            "undertakers",
            "co_organisers",
            "key_groups",
            "mode",
            "count_method",
        ):
            initial[key] = previous[key]
        initial["region"] = last.region_id
    return initial


class ReviewForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(label="审核结果", choices=[("adopt", "采用"), ("return", "退回")])
    comment = forms.CharField(
        label="审核意见（退回时必填）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def attendance_limits_help() -> str:
    return f"单场不超过 {checks.MAX_ATTENDANCE:,} 人次"
