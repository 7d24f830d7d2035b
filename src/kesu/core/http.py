"""Typed requests, the client's address behind a proxy, and the region a signed-in user is looking at.

The current region is looked up on first use and kept on the request, not by a middleware on every
request: a POST that only redirects (a submit at the deadline) or an API call never pays for it.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from kesu.regions.models import Region

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from kesu.accounts.models import User

M = TypeVar("M", bound=Model)

REGION_SESSION_KEY = "kesu_region_code"
READ_ONLY = "您可以查看，但没有修改权限"
_MEMO = "_kesu_current_region"


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent the request, as far as trusted proxies vouch for it.

    Behind nginx every request comes from the proxy, so ``REMOTE_ADDR`` alone would make all users
    one client. ``X-Forwarded-For`` is believed only as far as the deployment says: with
    ``KESU_TRUSTED_PROXIES`` (networks) the right-most address that is not a trusted proxy; with
    ``KESU_TRUSTED_PROXY_COUNT`` the address that many hops from the right. Without either the header
    is ignored, since anyone can send it.
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    networks = settings.KESU_TRUSTED_PROXIES
    count = settings.KESU_TRUSTED_PROXY_COUNT
    if not networks and count <= 0:
        return remote
    forwarded = [
        hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()
    ]
    chain = [*forwarded, remote]  # left: the client as first reported; right: our nearest peer
    if networks:
        return _first_untrusted(chain, networks)
    # With N proxies the last N entries of the chain are theirs; the client is the one before them.
    return chain[-count - 1] if len(chain) > count and _is_address(chain[-count - 1]) else remote


def _first_untrusted(chain: list[str], networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> str:
    nearest = chain[-1]
    for hop in reversed(chain):
        if not _is_address(hop):
            return nearest  # a trusted proxy never writes this: it came from the client, so stop here
        address = ipaddress.ip_address(hop)
        if not any(address in network for network in networks):
            return hop
        nearest = hop
    return nearest


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


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
    """The current region for writes by its office; a reader of it (a leader) gets 403 无权限, anyone
    else a 404, as for out-of-scope rows."""
    region = current_region(request)
    if region is None:
        raise Http404("只有本级素质办可以进行此操作")
    if not manages_current_region(request):
        raise PermissionDenied("只有本级素质办可以进行此操作")
    return region


def writable_or_403(writable: QuerySet[M], visible: QuerySet[M], **lookup: Any) -> M:
    """The object for a write: one the user may write; one they only read answers 403 无权限 with a way
    back (not a 404 that claims it does not exist); one outside their scope answers 404."""
    found = writable.filter(**lookup).first()
    if found is not None:
        return found
    if visible.filter(**lookup).exists():
        raise PermissionDenied(READ_ONLY)
    raise Http404
