"""``/api/bases/``: institutions with their designations, filtered and scoped as the list page."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers, viewsets

from kesu.venues.actions import masked_phone
from kesu.venues.filters import InstitutionFilterSet
from kesu.venues.models import Designation, Institution


class DesignationSerializer(serializers.ModelSerializer):
    system_label = serializers.CharField(source="get_system_display", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    status_label = serializers.SerializerMethodField()

    class Meta:
        model = Designation
        fields = [
            "id",
            "system",
            "system_label",
            "level",
            "level_label",
            "batch",
            "batch_year",
            "start_year",
            "end_year",
            "method",
            "document_no",
            "decided_on",
            "certificate_no",
            "status",
            "status_label",
            "revoked_at",
            "revoke_reason",
        ]

    def get_status_label(self, designation: Designation) -> str:
        return designation.status_on(timezone.localdate())


class InstitutionSerializer(serializers.ModelSerializer):
    region: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    unit = serializers.CharField(source="unit.name", read_only=True, default=None, allow_null=True)
    category = serializers.CharField(source="category.name", read_only=True, default=None, allow_null=True)
    contact_phone = serializers.SerializerMethodField()
    designations = DesignationSerializer(many=True, read_only=True)

    class Meta:
        model = Institution
        fields = [
            "id",
            "name",
            "base_name",
            "credit_code",
            "region",
            "region_name",
            "unit",
            "category",
            "address",
            "contact_name",
            "contact_phone",
            "building_area",
            "exhibit_area",
            "latitude",
            "longitude",
            "opening_days",
            "opening_hours",
            "is_science_museum",
            "museum_meets_standard",
            "rural_school_museum",
            "science_courtyard",
            "published",
            "designations",
        ]

    def get_contact_phone(self, institution: Institution) -> str:
        return masked_phone(institution.contact_phone)  # masked in every list, export and API answer


class InstitutionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilterSet

    def get_queryset(self) -> Any:
        return (
            Institution.objects.visible_to(self.request.user)
            .select_related("region", "unit", "category")
            .prefetch_related("designations")
            .order_by("region__code", "name", "pk")
        )
