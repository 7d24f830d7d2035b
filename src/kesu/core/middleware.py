"""Session keep-alive, the audit trail's request origin, and the security headers of every response."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from kesu.core import audit
from kesu.core.http import client_ip

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


class AuditOriginMiddleware:
    """Every audit event recorded while handling a request carries the client's address (behind the
    proxy, as ``client_ip`` finds it) and user agent (``kesu.core.audit.request_origin``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit.request_origin(client_ip(request), str(request.META.get("HTTP_USER_AGENT", ""))):
            return self.get_response(request)


# Features no page of Kesu uses: a page (or anything injected into one) may not ask for them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


def content_security_policy(nonce: str) -> str:
    """Scripts only from our own static files (or an inline one carrying this response's nonce);
    styles may be inline (Bootstrap's and ECharts' style attributes); no framing, plugins or foreign
    form targets. Offices run on intranets, so nothing is loaded from elsewhere."""
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response. Templates that need an inline
    script write ``<script nonce="{{ request.csp_nonce }}">``; everything else lives in static files."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy(nonce))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
