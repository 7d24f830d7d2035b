"""System checks of a deployment (``kesu check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

# The development key published in the repository (``settings._DEV_SECRET``): anyone can forge
# sessions and password-reset links with it.
DEVELOPMENT_SECRET_KEY = "kesu-insecure-development-key-do-not-use-in-production"


@register(Tags.security, deploy=True)
def secret_key_is_not_the_published_one(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY 仍是代码库中公开的开发密钥，任何人都能据此伪造登录会话。",
                hint='请设置环境变量 SECRET_KEY 为随机长字符串，例如 python -c "import secrets; print(secrets.token_urlsafe(50))"',
                id="kesu.E001",
            )
        ]
    return []
