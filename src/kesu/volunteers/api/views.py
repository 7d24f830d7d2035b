"""/api/volunteers/, /api/teams/, /api/informant-snapshots/: read-only, scoped, ID numbers masked."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from kesu.regions.api.views import ScopedViewSetMixin
from kesu.volunteers.filters import SnapshotFilterSet, TeamFilterSet, VolunteerFilterSet
from kesu.volunteers.models import InformantSnapshot, Team, Volunteer


class VolunteerSerializer(serializers.ModelSerializer):
    region: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    id_number = serializers.CharField(source="masked_id", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)
    teams: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "name",
            "sex",
            "birth_date",
            "id_number",
            "phone",
            "region",
            "skills",
            "employer",
            "teams",
            "platform",
            "platform_number",
            "registered_on",
            "in_register",
        ]


class TeamSerializer(serializers.ModelSerializer):
    region: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "level",
            "parent",
            "region",
            "host",
            "leaders",
            "founded_on",
            "platform_number",
            "in_register",
        ]


class SnapshotSerializer(serializers.ModelSerializer):
    region: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = InformantSnapshot
        fields = [
            "id",
            "region",
            "month",
            "registered",
            "monthly_active",
            "shares",
            "explanation",
            "flag",
            "source",
        ]


class VolunteerViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = VolunteerSerializer
    filterset_class = VolunteerFilterSet

    def get_queryset(self) -> Any:
        return Volunteer.objects.visible_to(self.user()).select_related("region").prefetch_related("teams")


class TeamViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TeamSerializer
    filterset_class = TeamFilterSet

    def get_queryset(self) -> Any:
        return Team.objects.visible_to(self.user()).select_related("region")


class SnapshotViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = SnapshotSerializer
    filterset_class = SnapshotFilterSet

    def get_queryset(self) -> Any:
        return InformantSnapshot.objects.visible_to(self.user()).select_related("region")
