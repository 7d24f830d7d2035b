"""Panels other apps add to a task's page in a unit's report (the activities app shows the unit's adopted
activities linked to the task). Reporting sits below those apps, so they register here; it never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kesu.core.http import AuthedRequest
    from kesu.reporting.models import Entry


@dataclass(frozen=True)
class Panel:
    """A card in the task page's side column: ``template`` is rendered with ``panel`` (this) in its context."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


EntryCompanion = Callable[["AuthedRequest", "Entry"], "Panel | None"]
_COMPANIONS: list[EntryCompanion] = []


def register_entry_companion(companion: EntryCompanion) -> EntryCompanion:
    """Called from an app's ``AppConfig.ready``; the function returns a panel for an entry, or None."""
    if companion not in _COMPANIONS:
        _COMPANIONS.append(companion)
    return companion


def panels_for(request: AuthedRequest, entry: Entry) -> list[Panel]:
    return [panel for companion in _COMPANIONS if (panel := companion(request, entry)) is not None]
