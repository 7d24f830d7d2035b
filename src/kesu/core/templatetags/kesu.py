"""Template filters the project's pages share."""

from __future__ import annotations

from typing import Any

from django import template
from django.apps import apps
from django.utils.html import format_html

from kesu.core.audit_labels import model_label, readable_changes
from kesu.core.choices import ColouredChoices
from kesu.periods import Period

register = template.Library()


@register.filter
def absolute(value: int) -> int:
    """How many days overdue a negative "days left" is: ``{{ days|absolute }}``."""
    return abs(int(value))


@register.simple_tag
def badge(choice: ColouredChoices | None, empty: str = "—") -> str:
    """A state as a Bootstrap badge in its choice's colour: ``{% badge report.status_choice %}``;
    a blank state reads ``empty``."""
    if choice is None:
        return format_html('<span class="text-muted">{}</span>', empty)
    return format_html('<span class="badge text-bg-{}">{}</span>', choice.colour, choice.label)


@register.filter
def period_label(code: object) -> str:
    """A period's code as people write it: ``{{ "2025H1"|period_label }}`` → 2025年上半年."""
    try:
        return Period.parse(str(code)).label
    except ValueError:
        return str(code)


@register.filter
def audit_changes(event: Any) -> list[tuple[str, Any, Any]]:
    """An audit event's changed fields with Chinese names and values: ``{% for n, b, a in event|audit_changes %}``."""
    return readable_changes(event)


@register.filter
def audit_model(target_type: str) -> str:
    """``accounts.user`` → 用户."""
    return model_label(target_type)


@register.filter
def choice_label(value: Any, field_path: str) -> Any:
    """A stored choice code in words, for codes kept outside their model (a JSON record):
    ``{{ d.rule|choice_label:"survey.Wave.rule_kind" }}``."""
    app_label, model_name, field_name = field_path.rsplit(".", 2)
    field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
    return dict(field.flatchoices).get(value, value)
