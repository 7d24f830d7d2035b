from __future__ import annotations

from django import forms

from kesu.core.forms import StyledFormMixin
from kesu.regions.models import Unit


class UnitForm(StyledFormMixin, forms.ModelForm):
    aliases_text = forms.CharField(
        label="别名",
        required=False,
        help_text="文件中的其他写法，用逗号或顿号分隔，例如：市教体局",
    )

    class Meta:
        model = Unit
        fields = ["name", "kind", "is_member", "is_office"]

    def aliases(self) -> list[str]:
        raw = self.cleaned_data.get("aliases_text", "")
        return [a.strip() for a in raw.replace("、", ",").replace("，", ",").split(",") if a.strip()]


class AliasForm(StyledFormMixin, forms.Form):
    alias = forms.CharField(label="别名", max_length=100)
