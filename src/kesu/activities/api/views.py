"""``/api/activities/``: read-only like the other registries' APIs, scoped like the pages (``visible_to``)
and filtered by the page's filterset. Co-organising units are listed only where the reader sees them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from kesu.activities.filters import ActivityFilterSet
from kesu.activities.models import Activity


class ActivitySerializer(serializers.ModelSerializer):
    unit: Any = serializers.SlugRelatedField(slug_field="name", read_only=True)
    region: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    campaign: Any = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    # Plain strings, "" when missing (a blank URLField would publish an ambiguous oneOf in the schema).
    online_url = serializers.CharField(read_only=True)
    news_url = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    photo_count = serializers.SerializerMethodField()
    tasks: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "name",
            "unit",
            "region",
            "campaign",
            "tasks",
            "kind",
            "kind_label",
            "starts_at",
            "ends_at",
            "address",
            "mode",
            "online_url",
            "online_views",
            "key_groups",
            "attendance",
            "count_method",
            "science_workers",
            "materials",
            "cost",
            "news_url",
            "status",
            "status_label",
            "submitted_at",
            "reviewed_at",
            "photo_count",
        ]

    def get_photo_count(self, obj: Activity) -> int:
        return len(obj.photos.all())  # prefetched


class ActivityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilterSet

    def get_queryset(self) -> Any:
        return (
            Activity.objects.visible_to(self.request.user)
            .select_related("unit", "region")
            .prefetch_related("photos", "tasks")
        )
