from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from kesu.plans.filters import TaskFilterSet
from kesu.plans.models import Plan, Responsibility, Target, Task


class TargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Target
        fields = ["indicator", "value", "unit", "comparator", "year", "per_year", "text"]


class ResponsibilitySerializer(serializers.ModelSerializer):
    unit: Any = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Responsibility
        fields = ["role", "mention", "unit"]


class TaskSerializer(serializers.ModelSerializer):
    responsibilities = ResponsibilitySerializer(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    key_groups = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "plan",
            "external_id",
            "number",
            "part",
            "section_title",
            "part_kind",
            "key_groups",
            "title",
            "text",
            "responsibilities",
            "targets",
        ]


class PlanSerializer(serializers.ModelSerializer):
    region: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "region",
            "kind",
            "title",
            "doc_number",
            "period_start",
            "period_end",
            "parent",
            "status",
            "goal_indicator",
            "goal_value",
            "goal_comparator",
            "goal_year",
            "reporting_deadlines",
        ]


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PlanSerializer

    def get_queryset(self) -> Any:
        return Plan.objects.visible_to(self.request.user).select_related("region")


class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet

    def get_queryset(self) -> Any:
        return (
            Task.objects.visible_to(self.request.user)
            .active()
            .prefetch_related("responsibilities", "targets")
        )
