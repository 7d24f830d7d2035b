"""Template filters the project's pages share."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from kesu.core.choices import ColouredChoices

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
