"""Typed requests, and the region a signed-in user is looking at.

The current region is looked up on first use and kept on the request, not by a middleware on every
request: a POST that only redirects (a submit at the deadline) or an API call never pays for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404, HttpRequest

from kesu.regions.models import Region

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from kesu.accounts.models import User

REGION_SESSION_KEY = "kesu_region_code"
_MEMO = "_kesu_current_region"


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def current_region(request: HttpRequest) -> Region | None:
    """The region chosen in the switcher if the user may read it, else their first home region."""
    if not hasattr(request, _MEMO):
        setattr(request, _MEMO, _choose_region(request))
    region: Region | None = getattr(request, _MEMO)
    return region


def choose_region(request: HttpRequest, region: Region) -> None:
    """Remember the switcher's choice for this session (the caller checked the user may read it)."""
    request.session[REGION_SESSION_KEY] = region.code
    setattr(request, _MEMO, region)


def _choose_region(request: HttpRequest) -> Region | None:
    if not request.user.is_authenticated:
        return None
    code = request.session.get(REGION_SESSION_KEY)
    if code:
        region = Region.objects.visible_to(request.user).filter(code=code).first()
        if region is not None:
            return region
    homes = home_regions(request)
    if not homes:
        return None
    request.session[REGION_SESSION_KEY] = homes[0].code  # remembered: later requests skip the search
    return homes[0]


def home_regions(request: HttpRequest) -> list[Region]:
    """The roots a user works from: their office or leader regions, or their unit's region."""
    user = request.user
    if not user.is_authenticated:
        return []
    access = user.access
    if access.is_system_admin and not access.read_paths:
        return list(Region.objects.filter(level__lte=2, units__isnull=False).distinct()[:50])
    paths = access.read_paths
    regions = list(Region.objects.filter(path__in=paths)) if paths else []
    regions += list(Region.objects.filter(pk__in=access.liaison_region_ids))
    return regions


def manages_current_region(request: AuthedRequest) -> bool:
    """Whether the user is an office of the region they are currently looking at."""
    region = current_region(request)
    return region is not None and request.user.access.manages_path(region.path)


def managed_region(request: AuthedRequest) -> Region:
    """The current region for writes by its office; anyone else gets a 404, as for out-of-scope rows."""
    region = current_region(request)
    if region is None or not manages_current_region(request):
        raise Http404("只有本级素质办可以进行此操作")
    return region
