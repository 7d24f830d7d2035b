from __future__ import annotations

from typing import Any

from kesu.core.api.views import AuditEventViewSet


def register(router: Any) -> None:
    router.register("audit-events", AuditEventViewSet, basename="audit-event")
