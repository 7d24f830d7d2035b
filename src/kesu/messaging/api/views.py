"""``/api/messages/``: one's own messages (the centre's filters), marking them read."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kesu.messaging import actions
from kesu.messaging.filters import MessageFilterSet
from kesu.messaging.models import Message


class MessageSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(read_only=True)

    class Meta:
        model = Message
        fields = ["id", "kind", "kind_label", "title", "body", "url", "created_at", "read_at"]


class MessageViewSet(viewsets.ReadOnlyModelViewSet):
    """The signed-in user's messages, newest first; nobody reads another's, not even an office."""

    serializer_class = MessageSerializer
    filterset_class = MessageFilterSet

    def writes_allowed_for(self, user: Any) -> bool:
        return True  # marking read touches only the user's own rows (the queryset)

    def get_queryset(self) -> Any:
        return Message.objects.visible_to(self.request.user).order_by("-created_at", "-pk")

    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        message = self.get_object()
        actions.mark_read(request.user, [message])  # type: ignore[arg-type]
        message.refresh_from_db(fields=["read_at"])
        return Response(MessageSerializer(message).data)

    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request, **kwargs: Any) -> Response:
        count = actions.mark_read(request.user, self.get_queryset().unread())  # type: ignore[arg-type]
        return Response({"marked": count})
