"""Authentication that refuses a locked-out account even with the right password."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from kesu.accounts.models import FailedLogin, User, is_locked_out


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:  # type: ignore[override]
        username = kwargs.get("username")
        if username and is_locked_out(username):
            return None
        user = super().authenticate(request, **kwargs)
        if user is None and username:
            FailedLogin.objects.create(username=username, ip=_client_ip(request))
        elif user is not None:
            FailedLogin.objects.filter(username__iexact=username).delete()
        return user


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR")
