from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from kesu.core.http import current_region, home_regions
from kesu.core.navigation import menu_for
from kesu.regions.models import Region, RegionLevel


@dataclass(frozen=True)
class RegionChoice:
    code: str
    name: str
    indent: str


def navigation(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"kesu_demo": settings.KESU_DEMO}
    if not request.user.is_authenticated:
        return context
    context.update(
        nav_menu=menu_for(request),  # type: ignore[arg-type]
        nav_access=request.user.access,
        current_region=current_region(request),
        region_choices=region_choices(request),
        # A system administrator reads every region: the switcher adds a search over all of them.
        region_search=request.user.access.is_system_admin,
    )
    return context


def region_choices(request: HttpRequest) -> list[RegionChoice]:
    """An office's or leader's home regions and the sub-regions down to county level, for the switcher.
    A liaison works in its unit's region only: it gets no switcher (its sub-regions are not its to read)."""
    access = request.user.access  # type: ignore[union-attr]
    if not (access.is_office or access.is_leader):
        return []
    choices = []
    for home in home_regions(request):
        choices.append(RegionChoice(home.code, home.name, ""))
        below = Region.objects.filter(
            path__startswith=home.path, level__lte=max(home.level + 1, RegionLevel.COUNTY)
        )
        for region in below.exclude(pk=home.pk).order_by("path")[:200]:
            choices.append(RegionChoice(region.code, region.name, "\u3000" * (region.level - home.level)))
    current = current_region(request)
    if current is not None and all(choice.code != current.code for choice in choices):
        choices.append(RegionChoice(current.code, current.name, ""))  # reached by the search
    return choices
