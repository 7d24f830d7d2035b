"""The signed-in user's scope for this request, from the session while it is current."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from kesu.accounts.access import remembered, to_session

if TYPE_CHECKING:
    from kesu.accounts.models import User

ACCESS_SESSION_KEY = "kesu_access"


class RememberedAccessMiddleware:
    """Every signed-in page asks ``request.user.access``; remembering it in the session (already
    loaded) saves a memberships query per request. See ``kesu.accounts.access``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            attach_access(request, request.user)
        return self.get_response(request)


def attach_access(request: HttpRequest, user: User) -> None:
    now = time.time()
    access = remembered(
        request.session.get(ACCESS_SESSION_KEY),
        user_id=user.pk,
        is_system_admin=user.is_superuser,
        stamp=user.access_stamp,
        now=now,
        max_age=settings.SESSION_KEEPALIVE_SECONDS,
    )
    if access is not None:
        user.__dict__["access"] = access  # the value User.access (a cached_property) would compute
        return
    request.session[ACCESS_SESSION_KEY] = to_session(
        user.access, user_id=user.pk, stamp=user.access_stamp, now=now
    )
