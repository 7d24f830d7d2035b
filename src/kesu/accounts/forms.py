from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.db.models import Min

from kesu.accounts.backends import login_refusal
from kesu.accounts.models import MOBILE_PATTERN, Role, User
from kesu.core.forms import StyledFormMixin, within_upload_limit
from kesu.regions.models import Region, RegionLevel, Unit


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续多次失败后账号将被临时锁定。",
        "inactive": "该账号已停用，请联系素质办管理员。",
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        refusal = login_refusal(username, self.request) if username else None
        if refusal:
            raise ValidationError(refusal, code="locked")
        return super().clean()


MOBILE_ERROR = "请填写 11 位手机号码，例如 13812345678"


def clean_mobile(value: str) -> str:
    mobile = re.sub(r"[\s-]", "", value or "")
    if mobile and not re.fullmatch(MOBILE_PATTERN, mobile):
        raise ValidationError(MOBILE_ERROR)
    return mobile


class RegionPicker(forms.Select):
    """The region drop-down with a search box above it: an office's subtree holds thousands of regions
    (3,525 under one city with its towns), so the server sends only the matches of what was typed
    (``accounts:region_options``) and the drop-down starts with the office's own regions."""

    template_name = "accounts/_region_picker.html"


class RoleFields(StyledFormMixin, forms.Form):
    """Role with its region (office, leader) or unit (liaison), within what the manager manages."""

    role = forms.ChoiceField(label="角色", choices=Role.choices)
    region = forms.ModelChoiceField(
        label="区划（素质办、领导）",
        queryset=Region.objects.none(),
        required=False,
        to_field_name="code",
        widget=RegionPicker,
    )
    unit = forms.ModelChoiceField(label="单位（联络员）", queryset=Unit.objects.none(), required=False)

    def __init__(self, *args: Any, manager: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.manageable_by(manager).filter(level__lte=4)
        region_field = self.fields["region"]
        region_field.queryset = regions  # type: ignore[attr-defined]
        # Rendered options: the manager's own regions, their children and the current choice only.
        top = regions.aggregate(top=Min("level"))["top"] or RegionLevel.PROVINCE
        shown = regions.filter(level__lte=top + 1).select_related("parent").order_by("path")[:SHOWN]
        chosen = self.data.get(self.add_prefix("region")) or self.initial.get("region")
        region_field.widget.choices = [("", "请选择或搜索区划")] + [
            (r.code, region_label(r)) for r in _with_chosen(shown, regions, chosen)
        ]
        self.fields["unit"].queryset = (  # type: ignore[attr-defined]
            Unit.objects.manageable_by(manager).select_related("region").order_by("region__path", "name")
        )
        self.fields["unit"].label_from_instance = lambda u: f"{u.name}（{u.region.name}）"  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        if role == Role.LIAISON and not data.get("unit"):
            self.add_error("unit", "联络员必须选择所属单位")
        if role in (Role.OFFICE, Role.LEADER) and not data.get("region"):
            self.add_error("region", "素质办管理员和领导必须选择区划")
        return data


SHOWN = 80  # the manager's own regions and the level below them: the rest are found by searching


def region_label(region: Region) -> str:
    """宝丰县（平顶山市）: the parent tells apart the many 城关镇 a search finds."""
    return f"{region.name}（{region.parent.name}）" if region.parent else region.name


def _with_chosen(shown: Any, regions: Any, chosen: Any) -> list[Region]:
    result = list(shown)
    code = getattr(chosen, "code", chosen)
    if code and all(r.code != code for r in result):
        result += list(regions.filter(code=code).select_related("parent"))
    return result


class UserCreateForm(RoleFields):
    username = forms.CharField(label="用户名", max_length=150, help_text="联络员可直接用手机号作为用户名")
    display_name = forms.CharField(label="姓名", max_length=50)
    mobile = forms.CharField(label="手机号", max_length=20, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    password = forms.CharField(
        label="初始密码",
        widget=forms.PasswordInput,
        min_length=10,
        required=False,
        help_text="留空则生成一次性密码，用户首次登录时须修改",
    )
    field_order = ["username", "display_name", "mobile", "email", "password", "role", "region", "unit"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("该用户名已被使用")
        return username

    def clean_mobile(self) -> str:
        return clean_mobile(self.cleaned_data.get("mobile", ""))


class UserEditForm(RoleFields):
    display_name = forms.CharField(label="姓名", max_length=50)
    mobile = forms.CharField(label="手机号", max_length=20, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    field_order = ["display_name", "mobile", "email", "role", "region", "unit"]

    def clean_mobile(self) -> str:
        return clean_mobile(self.cleaned_data.get("mobile", ""))


class DisableForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label="停用原因", max_length=200, required=False, help_text="例如：调离本单位")


class HandOverForm(StyledFormMixin, forms.Form):
    """The successor: an account that already exists, or a new one made here with a one-time password."""

    successor = forms.ModelChoiceField(label="交接给已有账号", queryset=User.objects.none(), required=False)
    display_name = forms.CharField(label="或新建账号：姓名", max_length=50, required=False)
    mobile = forms.CharField(
        label="新账号手机号", max_length=20, required=False, help_text="手机号即新账号的用户名"
    )

    def __init__(self, *args: Any, manager: User, predecessor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = (  # type: ignore[attr-defined]
            User.objects.manageable_by(manager)
            .filter(is_active=True)
            .exclude(pk=predecessor.pk)
            .order_by("username")
        )
        self.fields["successor"].label_from_instance = lambda u: f"{u}（{u.username}）"  # type: ignore[attr-defined]

    def clean_mobile(self) -> str:
        return clean_mobile(self.cleaned_data.get("mobile", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new = data.get("display_name") or data.get("mobile")
        if data.get("successor") and new:
            raise ValidationError("请二选一：交接给已有账号，或新建账号")
        if not data.get("successor") and not new:
            raise ValidationError("请选择接任的账号，或填写新联络员的姓名和手机号")
        if new and not (data.get("display_name") and data.get("mobile")):
            raise ValidationError("新建账号须同时填写姓名和手机号")
        mobile = data.get("mobile")
        if mobile and User.objects.filter(username__iexact=mobile).exists():
            self.add_error("mobile", "该手机号已有账号，请在“交接给已有账号”中选择")
        return data


class LiaisonImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="联络员名单（.xlsx）", help_text="列：单位、姓名、手机号（可加“区划”列区分同名单位）"
    )

    def clean_file(self) -> Any:
        return within_upload_limit(self.cleaned_data["file"])


class OwnPasswordForm(StyledFormMixin, PasswordChangeForm):
    """Changing one's own password, the current one confirming it is really them."""


class FirstPasswordForm(StyledFormMixin, SetPasswordForm):
    """Replacing a one-time password: the user has just signed in with it, so it is not asked again."""
