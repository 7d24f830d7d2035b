"""API authentication by a hashed, expiring token: ``Authorization: Token <secret>`` (or ``Bearer``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from kesu.accounts.models import ApiToken, User, hash_token

KEYWORDS = (b"token", b"bearer")
# Recording every use would make each API call a write; once every few minutes is enough to see
# which tokens are still in use.
LAST_USED_EVERY = timedelta(minutes=5)


class HashedTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("令牌格式不正确，应为：Authorization: Token <令牌>")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("令牌包含无效字符") from error
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(secret)).first()
        if token is None or not token.is_usable:
            raise exceptions.AuthenticationFailed("令牌无效、已撤销或已过期")
        user = token.user
        # A disabled account, or one whose roles were all revoked, is refused like a revoked token.
        if not user.is_active or not user.access.has_role:
            raise exceptions.AuthenticationFailed("该账号已停用或没有任何角色")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return "Token"


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "kesu.accounts.api.auth.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "令牌认证：`Token <令牌>`。令牌在“个人信息”页面创建，只显示一次。",
        }
