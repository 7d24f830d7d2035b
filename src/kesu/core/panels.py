"""Home-page panels: each app's home.py offers ``home_panels(request)``, shown by role and order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kesu.core.http import AuthedRequest
from kesu.core.registry import app_modules


@dataclass(frozen=True)
class HomePanel:
    title: str
    template: str
    order: int
    context: dict[str, Any] = field(default_factory=dict)
    width: int = 6  # Bootstrap columns out of 12


def panels_for(request: AuthedRequest) -> list[HomePanel]:
    panels = [p for module in app_modules("home") for p in module.home_panels(request)]
    return sorted(panels, key=lambda p: p.order)
