from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings

from kesu.text import clean_text


def within_upload_limit(upload: Any) -> Any:
    """An uploaded file, refused with the configured limit named when it is larger."""
    limit_mb = settings.KESU_MAX_UPLOAD_MB
    if upload.size > limit_mb * 1024 * 1024:
        raise forms.ValidationError(f"文件超过 {limit_mb} MB 的上传上限，请压缩或拆分后再上传。")
    return upload


class CleanTextMixin:
    """Free text is stored clean (``kesu.text.clean_text``): a Word line break pasted into a narrative
    becomes a newline, other control characters go, and the text is NFC. Done as each text field reads
    its input, so ``required``, ``max_length`` and the form's own checks see the cleaned text.
    Passwords are left exactly as typed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput):
                field.to_python = _reading_clean_text(field.to_python)  # type: ignore[method-assign, assignment]


def _reading_clean_text(to_python: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def clean_then_read(value: Any) -> Any:
        return to_python(clean_text(value) if isinstance(value, str) else value)

    return clean_then_read


class StyledFormMixin(CleanTextMixin):
    """Every Kesu form: the Bootstrap class each widget needs, so templates render fields plainly, and
    free text cleaned on the way in (``CleanTextMixin``)."""

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
