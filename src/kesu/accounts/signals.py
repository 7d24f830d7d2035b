"""Signing out and failed sign-ins go into the audit trail, with the client's address and user agent
(``kesu.core.audit`` takes them from the request); signing in is recorded by the sign-in page itself
(``views_security.LoginView``), the one way in. Failures stay in the trail: a later success clears
what slows the address down (``backends``), not the record."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.dispatch import receiver

from kesu.accounts.models import User
from kesu.core import audit
from kesu.regions.models import Region


def home_region(user: User) -> Region | None:
    """The region whose office reads this account's events: that of its first role."""
    membership = user.memberships.select_related("region", "unit__region").first()
    if membership is None:
        return None
    return membership.region or (membership.unit.region if membership.unit else None)


@receiver(user_logged_out, dispatch_uid="kesu-audit-logout")
def audit_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None and user.is_authenticated:
        audit.record(user, "user.logout", user, region=home_region(user))


@receiver(user_login_failed, dispatch_uid="kesu-audit-login-failed")
def audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username") or "")[:150]
    user = User.objects.filter(username__iexact=username).first() if username else None
    audit.record(
        None,
        "user.login_failed",
        user,
        target_repr=username,
        region=home_region(user) if user else None,
        note="用户名或密码不正确，或账号已停用、没有角色",
    )
