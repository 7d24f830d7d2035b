"""Authentication that refuses a locked-out account, or a client that keeps guessing, before hashing.

Two limits, both keyed on the client's address as ``kesu.core.http.client_ip`` finds it behind the
proxy: failed logins for one account from one address lock that account for that address only (so a
stranger cannot lock a colleague out), and failed logins from one address, whatever the account,
stop that address for the window. A refused attempt never reaches the slow password hash, so
guessing costs the guesser time, not the server.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from kesu.accounts.models import FailedLogin, User
from kesu.core.http import client_ip
from kesu.core.ratelimit import RateLimit


def failures_per_address() -> RateLimit:
    return RateLimit(
        "login-failures", settings.KESU_LOGIN_FAILURES_PER_ADDRESS, settings.KESU_LOCKOUT_MINUTES * 60
    )


def login_refusal(username: str, request: HttpRequest | None) -> str | None:
    """Why a login attempt is refused before its password is checked, or None when it may go ahead."""
    ip = _address(request)
    minutes = settings.KESU_LOCKOUT_MINUTES
    if ip is not None and failures_per_address().exceeded(ip):
        return f"从您所在网络发起的登录失败次数过多，请 {minutes} 分钟后再试。"
    failures = FailedLogin.objects.recent_for(username).filter(ip=ip) if ip else FailedLogin.objects.none()
    if failures.count() >= settings.KESU_LOCKOUT_FAILURES:
        return f"登录失败次数过多，账号已临时锁定，请 {minutes} 分钟后再试或联系管理员。"
    return None


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:  # type: ignore[override]
        username = kwargs.get("username")
        if username and login_refusal(username, request):
            return None
        user = super().authenticate(request, **kwargs)
        ip = _address(request)
        if user is None and username:
            FailedLogin.objects.create(username=username, ip=ip)
            if ip is not None:
                failures_per_address().hit(ip)
        elif user is not None:
            FailedLogin.objects.filter(username__iexact=username, ip=ip).delete()
        return user


def _address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return client_ip(request) or None
