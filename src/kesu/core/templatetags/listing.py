"""Sortable column headers that keep the list's filters in the URL (see ``core.filters.sort_filter``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context: dict[str, Any], key: str, label: str, param: str = "sort") -> SafeString:
    """A header link that sorts by ``key`` (again: the other way), keeping every other parameter
    but the page number; the current direction is shown with an arrow and told to screen readers.
    ``param`` names the parameter when a page has two sortable tables."""
    request = context["request"]
    params = request.GET.copy()
    current = params.get(param, "")
    params[param] = f"-{key}" if current == key else key
    params.pop("page", None)
    params.pop("format", None)
    if current == key:
        arrow, state = "bi-sort-up", "升序"
    elif current == f"-{key}":
        arrow, state = "bi-sort-down", "降序"
    else:
        return format_html('<a class="sort-link" href="?{}">{}</a>', params.urlencode(), label)
    return format_html(
        '<a class="sort-link active" href="?{}">{} <i class="bi {}" aria-hidden="true"></i>'
        '<span class="visually-hidden">（{}）</span></a>',
        params.urlencode(),
        label,
        arrow,
        state,
    )


@register.simple_tag(takes_context=True)
def keep_params(context: dict[str, Any], *names: str) -> SafeString:
    """Hidden inputs carrying the current ``names`` (e.g. sort) through a filter form's GET."""
    request = context["request"]
    html = SafeString("")
    for name in names:
        for value in request.GET.getlist(name):
            html += format_html('<input type="hidden" name="{}" value="{}">', name, value)
    return html
