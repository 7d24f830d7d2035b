"""The bases list's cells beside their columns, so a cell gets its column's responsive class."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template

register = template.Library()


@register.filter
def with_columns(cells: Sequence[dict[str, Any]], columns: Sequence[Any]) -> list[tuple[dict[str, Any], Any]]:
    return list(zip(cells, columns, strict=True))
