"""Signals other apps listen to when the region tree changes (regions imports none of them)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after regions were added or moved, inside the transaction. ``provinces``: the codes of the
# provinces whose subtree changed (the old and the new one for a move), or ``None`` for all of them.
# Indicators' stored roll-ups listen: a county moved to another city moves its figures with it.
tree_changed = Signal()
