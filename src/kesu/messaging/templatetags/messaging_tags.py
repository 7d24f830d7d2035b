"""The top bar's bell: how many of the signed-in user's messages are unread (one indexed COUNT)."""

from __future__ import annotations

from typing import Any

from django import template

from kesu.messaging.models import Message

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_messages(context: Any) -> int:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return Message.objects.visible_to(user).unread().count()


@register.filter
def up_to_99(count: int) -> str:
    """99+ beyond 99: the badge stays small on a phone."""
    return "99+" if count > 99 else str(count)
