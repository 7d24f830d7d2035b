"""Template filters the project's pages share."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def absolute(value: int) -> int:
    """How many days overdue a negative "days left" is: ``{{ days|absolute }}``."""
    return abs(int(value))
