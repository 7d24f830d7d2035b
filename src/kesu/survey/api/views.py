from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from kesu.survey.models import Estimate, Wave


class EstimateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Estimate
        fields = [
            "outcome",
            "by",
            "level",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "n",
            "deff",
            "weighted_total",
        ]


class WaveSerializer(serializers.ModelSerializer):
    region: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    estimates = serializers.SerializerMethodField()

    class Meta:
        model = Wave
        fields = [
            "id",
            "region",
            "period",
            "title",
            "instrument",
            "rule_kind",
            "status",
            "weighting_method",
            "margin_variables",
            "is_demo",
            "estimates",
        ]

    def get_estimates(self, wave: Wave) -> list[dict[str, Any]]:
        run = wave.latest_run
        return EstimateSerializer(run.estimates.all(), many=True).data if run else []  # type: ignore[return-value]


class WaveViewSet(viewsets.ReadOnlyModelViewSet):
    """Survey waves of the caller's subtree with the latest estimates (offices and leaders)."""

    serializer_class = WaveSerializer

    def get_queryset(self) -> Any:
        return Wave.objects.visible_to(self.request.user).select_related("region")
