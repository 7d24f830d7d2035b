"""Forms of the campaigns part: a campaign, a 科普资源 entry, a count rule."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.db.models.fields.files import FieldFile

from kesu.activities.models import (
    KEY_GROUPS,
    ActivityKind,
    Campaign,
    CampaignKind,
    CountWhat,
    Resource,
)
from kesu.core.forms import StyledFormMixin, within_upload_limit

# A library, not a media server: documents and pictures are kept, videos are linked.
RESOURCE_FILE_TYPES = (".pdf", ".doc", ".docx", ".ppt", ".pptx", ".jpg", ".jpeg", ".png", ".gif", ".webp")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "kind", "year", "starts_on", "ends_on", "theme", "notice", "summary_due"]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "summary_due": DATE,
            "notice": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"summary_due": "各单位报送活动的截止日，也是生成总结和汇总表的参考日期。"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].required = False
        self.fields["year"].help_text = "不填则取开始日期的年份。"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "结束日期早于开始日期，请检查活动时间。")
        return data


class ResourceForm(StyledFormMixin, forms.ModelForm):
    tags_text = forms.CharField(
        label="主题标签",
        required=False,
        max_length=200,
        help_text="多个标签用逗号或顿号分隔，如：防汛、急救。",
    )

    class Meta:
        model = Resource
        fields = ["title", "kind", "unit", "url", "file", "emergency", "published_on", "views", "dispatches"]
        widgets = {"published_on": DATE}
        help_texts = {
            "url": "视频、微视频请填写发布平台的链接，平台不保存视频文件。",
            "file": "可上传图文、课件、展板的 PDF、Word、PPT 或图片，大小不超过上传上限。",
            "views": "发布平台显示的浏览或播放量（可不填）。",
        }

    def __init__(self, *args: Any, units: Any = None, dispatches: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["dispatches"].queryset = dispatches  # type: ignore[attr-defined]
        self.fields["dispatches"].required = False
        if self.instance.pk:
            self.fields["tags_text"].initial = "、".join(self.instance.tags or [])

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload and not isinstance(upload, FieldFile):  # a new upload, not the file already stored
            within_upload_limit(upload)
            if PurePath(upload.name).suffix.lower() not in RESOURCE_FILE_TYPES:
                raise forms.ValidationError("只能上传 PDF、Word、PPT 或图片文件；视频请填写链接。")
        return upload

    def clean_tags_text(self) -> list[str]:
        text = self.cleaned_data.get("tags_text") or ""
        for mark in ("，", "、", ";", "；"):
            text = text.replace(mark, ",")
        return list(dict.fromkeys(tag.strip() for tag in text.split(",") if tag.strip()))[:20]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("url") and not data.get("file"):
            self.add_error("url", "请填写链接或上传文件（至少一项）。")
        return data


class CountRuleForm(StyledFormMixin, forms.Form):
    what = forms.ChoiceField(label="统计内容", choices=CountWhat.choices)
    indicator_code = forms.CharField(
        label="指标代码", required=False, max_length=60, help_text="不填则按统计内容取标准指标。"
    )
    kind = forms.ChoiceField(label="活动形式", required=False, choices=[("", "不限"), *ActivityKind.choices])
    key_group = forms.ChoiceField(
        label="重点人群", required=False, choices=[("", "不限"), *((g, g) for g in KEY_GROUPS)]
    )
    campaign_kind = forms.ChoiceField(
        label="主题活动类别", required=False, choices=[("", "不限"), *CampaignKind.choices]
    )
    linked_only = forms.BooleanField(label="只计关联本任务的活动", required=False)
