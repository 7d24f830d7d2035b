"""/api/campaigns/ and /api/resources/: read-only and scoped like the pages (the same filtersets)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from kesu.activities.filters_campaigns import CampaignFilterSet, ResourceFilterSet
from kesu.activities.models import Campaign, Resource
from kesu.regions.api.views import ScopedViewSetMixin


class CampaignSerializer(serializers.ModelSerializer):
    region: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "region",
            "name",
            "kind",
            "year",
            "starts_on",
            "ends_on",
            "theme",
            "notice",
            "summary_due",
        ]


class ResourceSerializer(serializers.ModelSerializer):
    region: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit: Any = serializers.StringRelatedField()

    class Meta:
        model = Resource
        fields = [
            "id",
            "region",
            "unit",
            "title",
            "kind",
            "url",
            "tags",
            "emergency",
            "published_on",
            "views",
        ]


class CampaignViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilterSet

    def get_queryset(self) -> Any:
        return Campaign.objects.visible_to(self.user()).select_related("region")


class ResourceViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ResourceSerializer
    filterset_class = ResourceFilterSet

    def get_queryset(self) -> Any:
        return Resource.objects.visible_to(self.user()).select_related("region", "unit")
