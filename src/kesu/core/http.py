"""Typed requests: what our middleware guarantees on ``request`` inside signed-in views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404, HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from kesu.accounts.models import User
    from kesu.regions.models import Region


class AuthedRequest(HttpRequest):
    user: User
    region: Region | None
    htmx: HtmxDetails


def manages_current_region(request: AuthedRequest) -> bool:
    """Whether the user is an office of the region they are currently looking at."""
    return request.region is not None and request.user.access.manages_path(request.region.path)


def managed_region(request: AuthedRequest) -> Region:
    """The current region for writes by its office; anyone else gets a 404, as for out-of-scope rows."""
    if request.region is None or not manages_current_region(request):
        raise Http404("只有本级素质办可以进行此操作")
    return request.region
