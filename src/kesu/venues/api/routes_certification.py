"""``/api/certification-batches/`` and ``/api/certification-applications/``: 认定 batches and their
applications, read-only, scoped as their pages (``visible_to``) and filtered by the page's own
filtersets; a contact phone is masked as on every list (``venues.actions.masked_phone``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, QuerySet
from rest_framework import serializers, viewsets

from kesu.venues.actions import masked_phone
from kesu.venues.api.routes_system import RegionFields
from kesu.venues.forms_certification import ApplicationFilterSet, BatchFilterSet
from kesu.venues.models import Application, CertificationBatch


class BatchSerializer(RegionFields):
    system_label = serializers.CharField(source="get_system_display", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = CertificationBatch
        fields = [
            "id",
            "region",
            "region_name",
            "title",
            "label",
            "system",
            "system_label",
            "level",
            "level_label",
            "year",
            "start_year",
            "end_year",
            "closes_on",
        ]


class ApplicationSerializer(RegionFields):
    batch_title = serializers.CharField(source="batch.title", read_only=True)
    recommending_unit = serializers.CharField(source="unit.name", read_only=True)
    category = serializers.CharField(source="category.name", read_only=True, default=None, allow_null=True)
    contact_phone = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    mean_score = serializers.DecimalField(
        source="mean", max_digits=5, decimal_places=1, read_only=True, allow_null=True
    )

    class Meta:
        model = Application
        fields = [
            "id",
            "batch",
            "batch_title",
            "name",
            "credit_code",
            "region",
            "region_name",
            "recommending_unit",
            "category",
            "address",
            "contact_name",
            "contact_phone",
            "status",
            "status_label",
            "mean_score",
            "publicity_start",
            "publicity_end",
            "doc_number",
            "certified_on",
            "certificate_number",
            "institution",
            "designation",
        ]

    def get_contact_phone(self, application: Application) -> str:
        return masked_phone(application.contact_phone)


class BatchViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = BatchSerializer
    filterset_class = BatchFilterSet

    def get_queryset(self) -> QuerySet[CertificationBatch]:
        return CertificationBatch.objects.visible_to(self.request.user).select_related("region")


class ApplicationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilterSet

    def get_queryset(self) -> QuerySet[Application]:
        return (
            Application.objects.visible_to(self.request.user)
            .select_related("batch", "region", "unit", "category")
            .annotate(mean=Avg("scores__score"))
            .order_by("batch", "name", "pk")
        )


def register(router: Any) -> None:
    router.register("certification-batches", BatchViewSet, basename="certification-batch")
    router.register("certification-applications", ApplicationViewSet, basename="certification-application")
