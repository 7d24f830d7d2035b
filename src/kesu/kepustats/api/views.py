"""/api/statistics-forms/: read-only, scoped as the pages (liaison: own unit's forms; office: subtree).

Each form carries its figures: code, value (a whole number or “-”), source, the pre-fill figure and
its provenance, and the reason when the unit changed a pre-filled figure.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from kesu.kepustats import form as formdef
from kesu.kepustats.filters import StatisticsFormFilterSet
from kesu.kepustats.models import Figure, StatisticsForm
from kesu.regions.api.views import ScopedViewSetMixin


class FigureSerializer(serializers.ModelSerializer):
    value = serializers.SerializerMethodField(method_name="cell_value")

    class Meta:
        model = Figure
        fields = ["code", "value", "source", "computed", "provenance", "reason"]

    @extend_schema_field(
        {"oneOf": [{"type": "integer"}, {"type": "string", "enum": ["-"]}], "nullable": True}
    )
    def cell_value(self, figure: Figure) -> Any:
        cell = figure.cell
        return formdef.MISSING_TEXT if cell is formdef.MISSING else cell


class StatisticsFormSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="report.unit_id", read_only=True)
    unit_name = serializers.CharField(source="report.unit.name", read_only=True)
    cycle = serializers.IntegerField(source="report.cycle_id", read_only=True)
    status = serializers.CharField(source="report.status", read_only=True)
    figures = FigureSerializer(many=True, read_only=True)

    class Meta:
        model = StatisticsForm
        fields = [
            "id",
            "year",
            "form_year",
            "unit",
            "unit_name",
            "cycle",
            "status",
            "prefilled_at",
            "figures",
        ]


class StatisticsFormViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = StatisticsFormSerializer
    filterset_class = StatisticsFormFilterSet

    def get_queryset(self) -> Any:
        return (
            StatisticsForm.objects.visible_to(self.user())
            .select_related("report__unit")
            .prefetch_related("figures")
            .order_by("-year", "pk")
        )
