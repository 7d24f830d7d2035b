"""``/api/experts/``: read-only, scoped like the pages, filtered by the page's filterset; phones masked."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from kesu.experts.filters import ExpertFilterSet
from kesu.experts.models import Appointment, Expert


class AppointmentSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = ["title", "level", "batch", "start", "end", "document_no", "status", "status_label"]

    def get_status(self, obj: Appointment) -> str:
        from datetime import date

        return obj.status_on(date.today())

    def get_status_label(self, obj: Appointment) -> str:
        return obj.status_label()


class ExpertSerializer(serializers.ModelSerializer):
    region: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)  # never the number
    recommending_unit: Any = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    field_tags = serializers.ListField(source="field_list", child=serializers.CharField(), read_only=True)
    specialties = serializers.ListField(
        source="specialty_list", child=serializers.CharField(), read_only=True
    )
    groups = serializers.ListField(source="group_list", child=serializers.CharField(), read_only=True)
    appointments = AppointmentSerializer(many=True, read_only=True)

    class Meta:
        model = Expert
        fields = [
            "id",
            "region",
            "name",
            "sex",
            "birth_year",
            "phone",
            "employer",
            "position",
            "rank",
            "discipline",
            "field_tags",
            "recommending_unit",
            "specialties",
            "groups",
            "appointments",
        ]


class ExpertViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ExpertSerializer
    filterset_class = ExpertFilterSet

    def get_queryset(self) -> Any:
        return (
            Expert.objects.visible_to(self.request.user)
            .select_related("region", "recommending_unit")
            .prefetch_related("appointments")
        )
