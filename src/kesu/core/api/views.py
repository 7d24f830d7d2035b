from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from kesu.core.filters import AuditEventFilterSet
from kesu.core.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    # System events have no actor, national ones no region: both may be null, and the schema says so.
    actor: Any = serializers.StringRelatedField(allow_null=True)
    region: Any = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "verb",
            "target_type",
            "target_id",
            "target_repr",
            "region",
            "before",
            "after",
            "note",
        ]


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet

    def get_queryset(self) -> Any:
        return AuditEvent.objects.visible_to(self.request.user).select_related("actor", "region")
