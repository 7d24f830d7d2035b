"""``{% no_liaison units %}``: the units among ``units`` nobody reports for, as a 无联络员 notice."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import QuerySet

from kesu.accounts.models import without_liaison
from kesu.regions.models import Unit

register = template.Library()

SHOWN = 12


@register.inclusion_tag("accounts/_no_liaison.html", takes_context=True)
def no_liaison(context: dict[str, Any], units: QuerySet[Unit]) -> dict[str, Any]:
    orphans = list(without_liaison(units).order_by("name").values_list("name", flat=True)[: SHOWN + 1])
    access = context.get("nav_access")
    return {
        "names": orphans[:SHOWN],
        "more": len(orphans) > SHOWN,
        "is_office": bool(access and access.is_office),
    }
