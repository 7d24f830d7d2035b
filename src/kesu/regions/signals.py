"""Signals other apps listen to when the region tree changes (regions imports none of them), and the
one way a moved subtree's paths are rewritten, for the regions and for every copy of a path."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, Value
from django.db.models.functions import Concat, Substr
from django.dispatch import Signal

# Sent after regions were added or moved, inside the transaction. ``provinces``: the codes of the
# provinces whose subtree changed (the old and the new one for a move), or ``None`` for all of them.
# ``moved``: for one subtree moved (``regions.actions.move_region``), its (old, new) path prefix, so a
# copy of the path is rewritten where it starts with the old one, not looked for across provinces.
# Indicators' stored roll-ups listen: a county moved to another city moves its figures with it.
tree_changed = Signal()


def rewrite_prefix(rows: QuerySet[Any], field: str, old: str, new: str) -> int:
    """Every row whose ``field`` (a region path) starts with ``old`` gets ``new`` in its place, in one
    statement using the path's index. Returns how many rows changed."""
    moved = rows.filter(**{f"{field}__startswith": old})
    return moved.update(**{field: Concat(Value(new), Substr(field, len(old) + 1))})
