"""``/api/venue-tours/``, ``/api/venue-caravan-trips/``, ``/api/venue-creations/``, ``/api/award-calls/``:
the 科技馆 system, 示范创建 and 表彰, read-only, filtered and scoped as their pages (``visible_to``;
a call's nominations as ``Nomination.visible_to`` admits them)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from kesu.venues.forms_system import CallFilterSet, CaravanFilterSet, CreationFilterSet, TourFilterSet
from kesu.venues.models import AwardCall, CaravanTrip, Creation, Nomination, Tour, TourStop


class RegionFields(serializers.ModelSerializer):
    """A row's region as its code (what the API's ``region`` filter takes) and its name."""

    region: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)


class TourStopSerializer(RegionFields):
    class Meta:
        model = TourStop
        fields = ["id", "region", "region_name", "venue", "start_date", "end_date", "visitors"]


class TourSerializer(RegionFields):
    stops = TourStopSerializer(many=True, read_only=True)

    class Meta:
        model = Tour
        fields = ["id", "region", "region_name", "exhibition", "year", "note", "stops"]


class CaravanTripSerializer(RegionFields):
    class Meta:
        model = CaravanTrip
        fields = ["id", "region", "region_name", "vehicle", "date", "place", "activities", "visitors", "note"]


class CreationSerializer(RegionFields):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    checklist = serializers.CharField(source="checklist.name", read_only=True)

    class Meta:
        model = Creation
        fields = [
            "id",
            "region",
            "region_name",
            "place",
            "kind",
            "kind_label",
            "level",
            "level_label",
            "cycle_start",
            "cycle_end",
            "checklist",
            "status",
            "status_label",
            "document_no",
            "named_on",
        ]


class NominationSerializer(serializers.ModelSerializer):
    nominee = serializers.CharField(source="nominee_name", read_only=True)
    recommended_by = serializers.CharField(source="recommended_by.name", read_only=True, default=None)

    class Meta:
        model = Nomination
        fields = ["id", "kind", "nominee", "recommended_by", "score", "selected"]


class AwardCallSerializer(RegionFields):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    nominations = serializers.SerializerMethodField()

    class Meta:
        model = AwardCall
        fields = [
            "id",
            "region",
            "region_name",
            "year",
            "title",
            "quota",
            "status",
            "status_label",
            "publicity_start",
            "publicity_end",
            "document_no",
            "announced_on",
            "nominations",
        ]

    def get_nominations(self, call: AwardCall) -> list[dict[str, Any]]:
        user = self.context["request"].user
        rows = (
            Nomination.objects.visible_to(user)
            .filter(call=call)
            .select_related("unit", "institution", "recommended_by")
        )
        return list(NominationSerializer(rows, many=True).data)


class TourViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TourSerializer
    filterset_class = TourFilterSet

    def get_queryset(self) -> QuerySet[Tour]:
        return (
            Tour.objects.visible_to(self.request.user)
            .select_related("region")
            .prefetch_related("stops__region")
            .order_by("-year", "pk")
        )


class CaravanTripViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CaravanTripSerializer
    filterset_class = CaravanFilterSet

    def get_queryset(self) -> QuerySet[CaravanTrip]:
        return (
            CaravanTrip.objects.visible_to(self.request.user).select_related("region").order_by("-date", "pk")
        )


class CreationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CreationSerializer
    filterset_class = CreationFilterSet

    def get_queryset(self) -> QuerySet[Creation]:
        return (
            Creation.objects.visible_to(self.request.user)
            .select_related("region", "checklist")
            .order_by("-cycle_start", "pk")
        )


class AwardCallViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AwardCallSerializer
    filterset_class = CallFilterSet

    def get_queryset(self) -> QuerySet[AwardCall]:
        return (
            AwardCall.objects.visible_to(self.request.user).select_related("region").order_by("-year", "pk")
        )


def register(router: Any) -> None:
    router.register("venue-tours", TourViewSet, basename="venue-tour")
    router.register("venue-caravan-trips", CaravanTripViewSet, basename="venue-caravan-trip")
    router.register("venue-creations", CreationViewSet, basename="venue-creation")
    router.register("award-calls", AwardCallViewSet, basename="award-call")
