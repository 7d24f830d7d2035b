from __future__ import annotations

from rest_framework import serializers, viewsets

from kesu.core.filters import AuditEventFilterSet
from kesu.core.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "verb", "target_type", "target_id", "target_repr", "region",
                  "before", "after", "note"]


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return AuditEvent.objects.visible_to(self.request.user).select_related("actor", "region")
