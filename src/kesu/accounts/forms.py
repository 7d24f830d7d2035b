from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from kesu.accounts.backends import login_refusal
from kesu.accounts.models import Role, User
from kesu.core.forms import StyledFormMixin
from kesu.regions.models import Region, Unit


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


class UserCreateForm(StyledFormMixin, forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=50)
    email = forms.EmailField(label="电子邮箱", required=False)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, min_length=10)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    region = forms.ModelChoiceField(
        label="区划（素质办、领导）", queryset=Region.objects.none(), required=False, to_field_name="code"
    )
    unit = forms.ModelChoiceField(label="单位（联络员）", queryset=Unit.objects.none(), required=False)

    def __init__(self, *args: Any, manager: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.manageable_by(manager).filter(level__lte=4)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["unit"].queryset = Unit.objects.manageable_by(manager).select_related("region")  # type: ignore[attr-defined]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("该用户名已被使用")
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        if role == Role.LIAISON and not data.get("unit"):
            self.add_error("unit", "联络员必须选择所属单位")
        if role in (Role.OFFICE, Role.LEADER) and not data.get("region"):
            self.add_error("region", "素质办管理员和领导必须选择区划")
        return data
