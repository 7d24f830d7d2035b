"""The signed-in user's scope for this request, from the session while it is current."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

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
            if not request.user.access.has_role:
                # Every role revoked since signing in: the session ends here (disabled accounts are
                # already refused by the backend's ``get_user``), for pages and the API alike.
                logout(request)
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


# Pages a user holding a one-time password may still open: the change itself, signing out, static files.
_PASSWORD_CHANGE_PATHS = ("/accounts/password/", "/logout/", "/static/")


class PasswordChangeRequiredMiddleware:
    """After the office resets a password or creates an account in bulk, the one-time password opens
    only the page that replaces it: every other page (and the API) redirects there until it is done."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(_PASSWORD_CHANGE_PATHS)
        ):
            return redirect("accounts:password_change")
        return self.get_response(request)
