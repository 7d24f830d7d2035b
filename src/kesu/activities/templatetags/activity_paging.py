"""The activity list's 上一页/下一页 links: the list's filters kept, the page parameter replaced (see ``paging``)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context: dict[str, Any], page_param: str) -> str:
    """``?…&page=…`` for a link to another page of the same list (the export switch dropped)."""
    params = context["request"].GET.copy()
    params.pop("format", None)
    params["page"] = page_param
    return f"?{params.urlencode()}"
