"""/api/funding-lines/: read-only, scoped as the pages are (a liaison its unit's lines, an office its subtree's)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from kesu.funding.filters import FundingLineFilterSet
from kesu.funding.models import FundingLine, PerformanceTarget
from kesu.regions.api.views import ScopedViewSetMixin


class PerformanceTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = PerformanceTarget
        fields = ["indicator", "target", "actual", "points", "score"]


class FundingLineSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    region = serializers.CharField(source="unit.region.code", read_only=True)
    execution_rate = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True)
    performance_targets = PerformanceTargetSerializer(many=True, read_only=True)
    tasks: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = FundingLine
        fields = [
            "id",
            "unit",
            "unit_name",
            "region",
            "year",
            "name",
            "tasks",
            "nature",
            "project_type",
            "is_special",
            "budget",
            "received",
            "spent",
            "execution_rate",
            "spent_activities",
            "spent_venue_building",
            "spent_exhibits",
            "spent_other",
            "note",
            "status",
            "self_score",
            "performance_targets",
        ]


class FundingLineViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = FundingLineSerializer
    filterset_class = FundingLineFilterSet

    def get_queryset(self) -> Any:
        return (
            FundingLine.objects.visible_to(self.user())
            .select_related("unit__region")
            .prefetch_related("performance_targets", "tasks")
            .order_by("-year", "unit_id", "name")  # as the list: read off the list index, no join to sort
        )
