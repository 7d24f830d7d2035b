from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kesu.reporting import actions
from kesu.reporting.filters import EntryFilterSet, NoticeFilterSet, ReportFilterSet
from kesu.reporting.models import Cycle, Entry, Notice, Report


class CycleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cycle
        fields = ["id", "plan", "period", "due_date", "timely_days", "lock_days", "warn_days"]


class EntrySerializer(serializers.ModelSerializer):
    task_title = serializers.CharField(source="task.title", read_only=True)

    class Meta:
        model = Entry
        fields = [
            "id",
            "task",
            "task_title",
            "role",
            "status",
            "percent",
            "narrative",
            "review_comment",
            "version",
        ]


class SharedEntrySerializer(serializers.ModelSerializer):
    """An entry as the task page shows it to the other units on the task (no review comment: that
    is between the office and the unit)."""

    task_title = serializers.CharField(source="task.title", read_only=True)
    unit_name = serializers.CharField(source="report.unit.name", read_only=True)
    cycle = serializers.IntegerField(source="report.cycle_id", read_only=True)

    class Meta:
        model = Entry
        fields = [
            "id",
            "report",
            "cycle",
            "unit_name",
            "task",
            "task_title",
            "role",
            "status",
            "percent",
            "narrative",
        ]


class ReportSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    entries = EntrySerializer(many=True, read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "cycle",
            "unit_name",
            "status",
            "round",
            "version",
            "first_submitted_at",
            "submitted_at",
            "on_time",
            "review_comment",
            "entries",
        ]


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = [
            "id",
            "number",
            "task",
            "requirement",
            "deadline",
            "status",
            "level",
            "response",
            "issued_at",
            "signed_at",
            "responded_at",
            "escalated_at",
            "closed_at",
        ]


class CycleViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CycleSerializer

    def get_queryset(self) -> Any:
        return Cycle.objects.visible_to(self.request.user)


class ReportViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ReportSerializer
    filterset_class = ReportFilterSet

    def writes_allowed_for(self, user: Any) -> bool:
        """Only the submit action writes; the report itself decides whose it is."""
        return bool(user.access.is_liaison or user.access.is_office)

    def get_queryset(self) -> Any:
        return (
            Report.objects.visible_to(self.request.user)
            .select_related("unit")
            .prefetch_related("entries__task")
        )

    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit the report; submitting again returns the same submission."""
        if not str(pk).isdigit():
            raise Http404
        try:
            submission = actions.submit_report(
                request.user,  # type: ignore[arg-type]  # IsAuthenticated: never anonymous here
                int(str(pk)),
                as_writer=True,
            )
        except Report.DoesNotExist as missing:
            raise Http404 from missing
        except actions.ReportingError as error:
            return Response({"detail": str(error)}, status=400)
        return Response(
            {"report": submission.report_id, "round": submission.round, "on_time": submission.on_time}
        )


class EntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Task entries a user may read: their own and, on a task they share, the other units' — the same
    rows the task page shows (``Entry.objects.readable_by``)."""

    serializer_class = SharedEntrySerializer
    filterset_class = EntryFilterSet

    def get_queryset(self) -> Any:
        return (
            Entry.objects.readable_by(self.request.user)
            .select_related("report__unit", "task")
            .order_by("report__cycle_id", "task__order", "report__unit__name")
        )


class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilterSet

    def get_queryset(self) -> Any:
        return Notice.objects.visible_to(self.request.user)
