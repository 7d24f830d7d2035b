from __future__ import annotations

import csv
import io
from typing import Any

from rest_framework import renderers, serializers, viewsets

from kesu.core.exports import csv_cell
from kesu.indicators.filters import IndicatorFilterSet, IndicatorValueFilterSet
from kesu.indicators.models import Indicator, IndicatorValue

CSV_FIELDS = [
    "indicator",
    "region",
    "region_name",
    "period",
    "disaggregation",
    "value",
    "numerator",
    "denominator",
    "source",
    "provenance",
]


class ValueCSVRenderer(renderers.BaseRenderer):
    """Tidy CSV in the same columns the import reads back (plus names), UTF-8 with a BOM for Excel."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        rows = data.get("results", data) if isinstance(data, dict) else data
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if isinstance(rows, dict):  # an error body ({"detail": ...})
            writer.writerows(rows.items())
            return buffer.getvalue().encode()
        writer.writerow(CSV_FIELDS)
        for row in rows:
            row = dict(row)
            row["disaggregation"] = ";".join(
                f"{k}={v}" for k, v in sorted((row.get("disaggregation") or {}).items())
            )
            writer.writerow([csv_cell(row.get(f)) for f in CSV_FIELDS])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


class IndicatorSerializer(serializers.ModelSerializer):
    # A catalogue indicator belongs to no region: null, as the schema says.
    region: Any = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "unit",
            "definition",
            "aggregation",
            "temporal",
            "source",
            "scale",
            "numerator_label",
            "denominator_code",
            "denominator_label",
            "disaggregations",
            "region",
        ]


class IndicatorValueSerializer(serializers.ModelSerializer):
    indicator: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "indicator",
            "region",
            "region_name",
            "period",
            "disaggregation",
            "value",
            "numerator",
            "denominator",
            "source",
            "provenance",
            "recorded_at",
        ]


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilterSet
    lookup_field = "code"

    def get_queryset(self) -> Any:
        return Indicator.objects.visible_to(self.request.user).select_related("region")


class IndicatorValueViewSet(viewsets.ReadOnlyModelViewSet):
    """Values filtered by ``indicator`` (code), ``region`` (code, with its subtree) and ``period``.

    ``?format=csv`` answers the whole filtered set as tidy CSV, without pagination.
    """

    serializer_class = IndicatorValueSerializer
    filterset_class = IndicatorValueFilterSet
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, ValueCSVRenderer]

    def get_queryset(self) -> Any:
        return IndicatorValue.objects.visible_to(self.request.user).select_related("indicator", "region")

    def paginate_queryset(self, queryset: Any) -> Any:
        if (
            getattr(self.request, "accepted_renderer", None) is not None
            and self.request.accepted_renderer.format == "csv"
        ):
            return None
        return super().paginate_queryset(queryset)
