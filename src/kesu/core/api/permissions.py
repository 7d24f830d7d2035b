"""API default: signed-in users read; a view that accepts writes checks scope in its action."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request


class ReadOnlyUnlessAllowed(BasePermission):
    message = "您没有执行该操作的权限。"

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in SAFE_METHODS:
            return True
        return bool(getattr(view, "writes_allowed_for", lambda user: False)(request.user))
