from __future__ import annotations

from typing import Any

from kesu.messaging.api.views import MessageViewSet


def register(router: Any) -> None:
    router.register("messages", MessageViewSet, basename="message")
