"""The message centre's filters, shared by the page and ``/api/messages/``."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from kesu.messaging.kinds import kind_choices
from kesu.messaging.models import Message

STATES = [("unread", "未读"), ("read", "已读")]


class MessageFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label="类别", choices=[])
    state = django_filters.ChoiceFilter(label="状态", choices=STATES, method="filter_state")
    since = django_filters.DateFilter(label="起始日期", field_name="created_at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label="截止日期", field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = Message
        fields = ["kind", "state", "since", "until"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Registries add kinds in their AppConfig.ready: read the list when the filter is built, and drop
        # a form field cached before (the API schema builds one on the class's filter with no choices).
        kind = self.filters["kind"]
        kind.extra["choices"] = kind_choices()
        kind.__dict__.pop("_field", None)

    def filter_state(self, queryset: QuerySet[Message], name: str, value: Any) -> QuerySet[Message]:
        return queryset.filter(read_at__isnull=value == "unread")
