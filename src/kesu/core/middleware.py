"""Session keep-alive for signed-in users."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

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
