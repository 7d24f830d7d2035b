"""/api/contests/ and /api/contest-figures/: read-only, scoped as the pages are.

A contest lists its figures as the reader may see them (a county office its own subtree's rows of a
city's contest) with the rates computed; a liaison reads no contest but its unit's rows in
/api/contest-figures/.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from rest_framework import serializers, viewsets

from kesu.contests.filters import ContestFilterSet
from kesu.contests.models import Contest, ParticipationFigure
from kesu.quiz.ranking import attempts_per_participant, full_score_rate
from kesu.regions.api.views import ScopedViewSetMixin


class ContestFigureSerializer(serializers.ModelSerializer):
    contest: Any = serializers.PrimaryKeyRelatedField(read_only=True)
    region = serializers.CharField(source="region.code", read_only=True, default=None, allow_null=True)
    region_name = serializers.CharField(source="region.name", read_only=True, default=None, allow_null=True)
    unit: Any = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None, allow_null=True)
    round = serializers.IntegerField(source="round.number", read_only=True, default=None, allow_null=True)
    attempts_per_participant = serializers.SerializerMethodField()
    full_score_rate = serializers.SerializerMethodField()

    class Meta:
        model = ParticipationFigure
        fields = [
            "id",
            "contest",
            "round",
            "region",
            "region_name",
            "unit",
            "unit_name",
            "participants",
            "attempts",
            "full_scores",
            "attempts_per_participant",
            "full_score_rate",
            "source",
        ]

    def get_attempts_per_participant(self, row: ParticipationFigure) -> float | None:
        return attempts_per_participant(row.attempts, row.participants)

    def get_full_score_rate(self, row: ParticipationFigure) -> float | None:
        return full_score_rate(row.full_scores, row.attempts)


class ContestSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    plan_tasks: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    figures = ContestFigureSerializer(source="visible_figures", many=True, read_only=True)

    class Meta:
        model = Contest
        fields = [
            "id",
            "name",
            "level",
            "kind",
            "organiser",
            "year",
            "region",
            "region_name",
            "opens_at",
            "closes_at",
            "status",
            "frozen_at",
            "population_basis",
            "award_rule",
            "plan_tasks",
            "figures",
        ]


class ContestViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ContestSerializer
    filterset_class = ContestFilterSet

    def get_queryset(self) -> Any:
        rows = ParticipationFigure.objects.visible_to(self.user()).select_related("region", "unit", "round")
        return (
            Contest.objects.visible_to(self.user())
            .select_related("region")
            .prefetch_related("plan_tasks", Prefetch("figures", queryset=rows, to_attr="visible_figures"))
        )


class FigureViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ContestFigureSerializer

    def get_queryset(self) -> Any:
        return (
            ParticipationFigure.objects.visible_to(self.user())
            .select_related("region", "unit", "round")
            .order_by("contest_id", "pk")
        )
