"""Per-request context: which region an office is currently looking at."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from kesu.regions.models import Region

SESSION_KEY = "kesu_region_code"
TOUCHED_KEY = "kesu_touched"


class SessionKeepAliveMiddleware:
    """Slide a signed-in session's expiry forward, saving it at most once per keep-alive interval."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            if now - request.session.get(TOUCHED_KEY, 0) >= settings.SESSION_KEEPALIVE_SECONDS:
                request.session[TOUCHED_KEY] = now  # marks the session modified, so it is saved
        return self.get_response(request)


class CurrentRegionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.region = current_region(request)  # type: ignore[attr-defined]
        return self.get_response(request)


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


def current_region(request: HttpRequest) -> Region | None:
    """The chosen region if the user may read it, else their first home region."""
    if not request.user.is_authenticated:
        return None
    code = request.session.get(SESSION_KEY)
    if code:
        region = Region.objects.visible_to(request.user).filter(code=code).first()
        if region is not None:
            return region
    homes = home_regions(request)
    if not homes:
        return None
    request.session[SESSION_KEY] = homes[0].code  # remembered: later requests skip the search
    return homes[0]
