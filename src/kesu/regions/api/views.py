from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from kesu.accounts.models import User
from kesu.core.api.serializers import CleanTextModelSerializer
from kesu.regions import actions
from kesu.regions.filters import RegionFilterSet, UnitFilterSet
from kesu.regions.models import Region, Unit


class RegionSerializer(serializers.ModelSerializer):
    parent: Any = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )  # a province has none

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


class UnitSerializer(CleanTextModelSerializer):
    region: Any = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    aliases: Any = serializers.SlugRelatedField(slug_field="alias", many=True, read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "region", "name", "kind", "is_member", "is_office", "aliases"]
        validators: list[Any] = []  # the name's uniqueness is checked below, in Chinese, also on PATCH

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        region = attrs.get("region") or (self.instance.region if self.instance else None)
        name = (attrs.get("name") or (self.instance.name if self.instance else "")).strip()
        taken = Unit.objects.filter(region=region, name=name)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if region is not None and taken.exists():
            raise serializers.ValidationError(
                {"name": [f"{region.name}已有名为“{name}”的单位。"]}, code="unique"
            )
        return attrs


class ScopedViewSetMixin:
    request: Any

    def user(self) -> User:
        # The default permission class admits only signed-in users, so this is never anonymous.
        return self.request.user


class RegionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    lookup_field = "code"

    def get_queryset(self) -> Any:
        return Region.objects.visible_to(self.user()).select_related("parent")


class UnitViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def writes_allowed_for(self, user: User) -> bool:
        return user.access.is_office

    def get_queryset(self) -> Any:
        queryset = Unit.objects.visible_to(self.user())
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            queryset = Unit.objects.manageable_by(self.user())
        return queryset.select_related("region").prefetch_related("aliases")

    def perform_create(self, serializer: Any) -> None:
        region = serializer.validated_data["region"]
        if not Region.objects.manageable_by(self.user()).filter(pk=region.pk).exists():
            raise PermissionDenied("只能在本级及下级区划添加单位")
        data = {k: v for k, v in serializer.validated_data.items() if k not in ("region", "name")}
        serializer.instance = actions.create_unit(
            self.user(), region, serializer.validated_data["name"], **data
        )

    def perform_update(self, serializer: Any) -> None:
        changes = {k: v for k, v in serializer.validated_data.items() if k != "region"}
        serializer.instance = actions.update_unit(self.user(), serializer.instance, **changes)
