"""Forms of the message centre: how one is reached (mobile, e-mail, channels per kind) and a group robot."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.validators import RegexValidator

from kesu.accounts.models import MOBILE_PATTERN
from kesu.core.forms import StyledFormMixin
from kesu.messaging.kinds import Channel, MessageKind
from kesu.messaging.models import Platform

MOBILE_ERROR = "请填写 11 位中国大陆手机号码，例如 13812345678"


class ContactForm(StyledFormMixin, forms.Form):
    mobile = forms.CharField(
        label="手机号",
        required=False,
        max_length=11,
        validators=[RegexValidator(MOBILE_PATTERN, MOBILE_ERROR)],
        error_messages={"max_length": MOBILE_ERROR},
        help_text="接收短信提醒；只显示给本人和素质办，列表中隐去中间四位。",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label="电子邮箱（选填）",
        required=False,
        error_messages={"invalid": "请填写有效的电子邮箱地址，例如 name@example.gov.cn"},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_mobile(self) -> str:
        return str(self.cleaned_data.get("mobile") or "").strip()


class ChannelsForm(forms.Form):
    """One row of checkboxes per kind: the channels the office allows, besides 站内 (always on)."""

    def __init__(
        self,
        *args: Any,
        kinds: list[MessageKind],
        allowed: list[str],
        chosen: dict[str, list[str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        choices = [(c, Channel(c).label) for c in allowed if c != Channel.INAPP]
        for kind in kinds:
            self.fields[f"kind_{kind.code}"] = forms.MultipleChoiceField(
                label=kind.label,
                required=False,
                choices=choices,
                initial=[c for c in chosen.get(kind.code, kind.default_channels) if c != Channel.INAPP],
                widget=forms.CheckboxSelectMultiple,
            )

    def rows(self) -> list[tuple[MessageKind, forms.BoundField]]:
        return [(kind, self[f"kind_{kind.code}"]) for kind in self.kinds]

    def choices(self) -> dict[str, Iterable[str]]:
        return {kind.code: [Channel.INAPP, *self.cleaned_data[f"kind_{kind.code}"]] for kind in self.kinds}


class RobotForm(StyledFormMixin, forms.Form):
    platform = forms.ChoiceField(label="平台", choices=Platform.choices)
    name = forms.CharField(label="名称", max_length=60, help_text="例如“市科协科普工作群”")
    webhook = forms.CharField(
        label="Webhook 地址",
        max_length=500,
        required=False,
        help_text="在群设置中添加机器人后复制的地址。保存后只显示域名和末 4 位。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    secret = forms.CharField(
        label="加签密钥（钉钉）",
        max_length=200,
        required=False,
        help_text="钉钉机器人“安全设置”选择“加签”后显示的以 SEC 开头的密钥；只需填写一次，之后不再完整显示。企业微信留空。",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    kinds = forms.MultipleChoiceField(
        label="发到本群的消息",
        required=False,
        help_text="都不选则发送全部类别。",
        widget=forms.CheckboxSelectMultiple,
    )
    enabled = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(
        self, *args: Any, kinds: list[tuple[str, str]], editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = kinds  # type: ignore[attr-defined]
        self.fields["kinds"].widget.attrs["class"] = "form-check-input"
        if editing:
            self.fields.pop("platform")
            self.fields["webhook"].help_text = "留空则保持原地址不变。"
            self.fields["secret"].help_text = "留空则保持原密钥不变。"
        else:
            self.fields["webhook"].required = True
            self.fields["webhook"].error_messages["required"] = "请填写 Webhook 地址"
