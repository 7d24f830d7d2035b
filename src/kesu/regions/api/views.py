from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from kesu.accounts.models import User
from kesu.regions import actions
from kesu.regions.filters import RegionFilterSet, UnitFilterSet
from kesu.regions.models import Region, Unit


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


class UnitSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    aliases = serializers.SlugRelatedField(slug_field="alias", many=True, read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "region", "name", "kind", "is_member", "is_office", "aliases"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    lookup_field = "code"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Region.objects.visible_to(self.request.user).select_related("parent")


class UnitViewSet(viewsets.ModelViewSet):
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def writes_allowed_for(self, user: User) -> bool:
        return user.access.is_office

    def get_queryset(self):  # type: ignore[no-untyped-def]
        queryset = Unit.objects.visible_to(self.request.user)
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            queryset = Unit.objects.manageable_by(self.request.user)
        return queryset.select_related("region").prefetch_related("aliases")

    def perform_create(self, serializer: Any) -> None:
        region = serializer.validated_data["region"]
        if not Region.objects.manageable_by(self.request.user).filter(pk=region.pk).exists():
            raise PermissionDenied("只能在本级及下级区划添加单位")
        data = {k: v for k, v in serializer.validated_data.items() if k not in ("region", "name")}
        serializer.instance = actions.create_unit(self.request.user, region, serializer.validated_data["name"], **data)

    def perform_update(self, serializer: Any) -> None:
        changes = {k: v for k, v in serializer.validated_data.items() if k != "region"}
        serializer.instance = actions.update_unit(self.request.user, serializer.instance, **changes)
