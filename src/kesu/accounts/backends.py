"""Authentication that slows down whoever keeps guessing, before any password is hashed.

Two limits, both keyed on the client's address as ``kesu.core.http.client_ip`` finds it behind the
proxy:

- **Growing delays per account and address.** After ``KESU_LOCKOUT_FAILURES`` failed sign-ins to one
  account from one address, that address must wait before trying the account again, and each further
  failure doubles the wait (``KESU_LOGIN_DELAY_SECONDS``, 2×, 4× … up to ``KESU_LOCKOUT_MINUTES``).
  The owner signing in from elsewhere is not slowed at all, so a stranger cannot lock a colleague
  out; a success from that address, or the office unlocking the account, clears the count.
- **Failures per address**, whatever the account: an address that fails ``KESU_LOGIN_FAILURES_PER_ADDRESS``
  times in a window is refused for the rest of the window.

A refused attempt never reaches the slow password hash (PBKDF2 with Django's default iterations
stays), so guessing costs the guesser time, not the server: see ``benchmarks/login_flood.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, Max
from django.http import HttpRequest
from django.utils import timezone

from kesu.accounts.models import FailedLogin, FailedLoginQuerySet, User
from kesu.accounts.sessions import preloaded_user
from kesu.core.http import client_ip
from kesu.core.ratelimit import RateLimit

# Failures older than this no longer count towards an account's delay.
FAILURE_MEMORY = timedelta(hours=24)


@dataclass(frozen=True)
class Refusal:
    """A sign-in attempt refused before its password is checked: the message and when to come back."""

    message: str
    retry_after: int  # seconds


def failures_per_address() -> RateLimit:
    return RateLimit(
        "login-failures", settings.KESU_LOGIN_FAILURES_PER_ADDRESS, settings.KESU_LOCKOUT_MINUTES * 60
    )


def delay_after(failures: int) -> int:
    """Seconds to wait after this many consecutive failures: none for the first few, then doubling."""
    free = settings.KESU_LOCKOUT_FAILURES
    if failures < free:
        return 0
    cap = settings.KESU_LOCKOUT_MINUTES * 60
    return int(min(settings.KESU_LOGIN_DELAY_SECONDS * 2 ** min(failures - free, 30), cap))


def pending_failures(username: str, ip: str | None) -> FailedLoginQuerySet:
    """The failures of ``username`` from ``ip`` that still count (not cleared, not too old)."""
    rows = FailedLogin.objects.filter(
        username__iexact=username, cleared=False, at__gte=timezone.now() - FAILURE_MEMORY
    )
    return rows.filter(ip=ip) if ip else rows.filter(ip__isnull=True)


def throttle(username: str, request: HttpRequest | None) -> Refusal | None:
    """Why a sign-in attempt must wait, or None when it may go ahead."""
    ip = _address(request)
    if ip is not None and failures_per_address().exceeded(ip):
        wait = failures_per_address().retry_after()
        return Refusal(f"从您所在网络发起的登录失败次数过多，请 {_wait_text(wait)}后再试。", wait)
    summary = pending_failures(username, ip).aggregate(count=Count("pk"), last=Max("at"))
    delay = delay_after(summary["count"])
    if delay and summary["last"] is not None:
        wait = math.ceil((summary["last"] + timedelta(seconds=delay) - timezone.now()).total_seconds())
        if wait > 0:
            return Refusal(
                f"登录失败次数过多，请 {_wait_text(wait)}后再试；每多失败一次等待时间加倍。"
                "如需立即登录，请联系素质办管理员解锁账号。",
                wait,
            )
    return None


def login_refusal(username: str, request: HttpRequest | None) -> str | None:
    """The message of ``throttle`` (what the sign-in form shows), or None."""
    refusal = throttle(username, request)
    return refusal.message if refusal else None


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} 秒"
    return f"{math.ceil(seconds / 60)} 分钟"


class LockoutModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        """The user the request's session was read with (``kesu.accounts.sessions``), or from the
        database; either way only an account that may sign in."""
        user = preloaded_user(user_id)
        if user is None:
            return super().get_user(user_id)
        return user if self.user_can_authenticate(user) else None

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:  # type: ignore[override]
        username = kwargs.get("username")
        if username and throttle(username, request):
            return None
        user = super().authenticate(request, **kwargs)
        ip = _address(request)
        if user is not None and not user.access.has_role:
            user = None  # the right password, but no role left: as good as disabled
        if user is None and username:
            FailedLogin.objects.create(username=username[:150], ip=ip)
            FailedLogin.objects.filter(at__lt=timezone.now() - FAILURE_MEMORY).delete()
            if ip is not None:
                failures_per_address().hit(ip)
        elif user is not None:
            pending_failures(username or user.get_username(), ip).update(cleared=True)
        return user


def _address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return client_ip(request) or None
