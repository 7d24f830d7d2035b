from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings


def within_upload_limit(upload: Any) -> Any:
    """An uploaded file, refused with the configured limit named when it is larger."""
    limit_mb = settings.KESU_MAX_UPLOAD_MB
    if upload.size > limit_mb * 1024 * 1024:
        raise forms.ValidationError(f"文件超过 {limit_mb} MB 的上传上限，请压缩或拆分后再上传。")
    return upload


class StyledFormMixin:
    """Gives every widget the Bootstrap class it needs, so templates render fields plainly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.MultiWidget):
                continue  # its parts carry their own classes; a class here would override them all
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
