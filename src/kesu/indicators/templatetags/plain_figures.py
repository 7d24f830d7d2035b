"""``{{ value|plain_number:"人" }}``: a figure as a leader reads it (1,500人, 13.09%), never 1500.4 or 13.0900."""

from __future__ import annotations

from django import template

from kesu.progress import wording

register = template.Library()


@register.filter
def plain_number(value: float | None, unit: str = "") -> str:
    return wording.number(value, unit or "")
