from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from kesu.accounts.models import Membership


class MembershipSerializer(serializers.ModelSerializer):
    region: Any = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    unit: Any = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = ["role", "region", "unit"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    is_system_admin = serializers.BooleanField()
    memberships = MembershipSerializer(many=True)


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    """The signed-in user and their roles."""
    user: Any = request.user
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "is_system_admin": user.is_superuser,
        "memberships": user.memberships.all(),
    }
    return Response(MeSerializer(data).data)
