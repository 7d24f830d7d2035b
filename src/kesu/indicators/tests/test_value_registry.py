"""The indicator value import, built on the registry shape's import view, checked by its test mixin."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import QuerySet

from kesu.core.testing_registry import ImportChecks
from kesu.indicators.models import IndicatorValue
from kesu.regions.models import Region

pytestmark = pytest.mark.django_db
HEADER = "指标,区划代码,期间,级别,数值\n"


class TestValueImport(ImportChecks):
    import_url = "/indicators/values/import/"
    import_data = {"provenance": "2024年统计年鉴"}
    import_verb = "indicator_value.import"
    manager, outsider = "pds_office", "xz_office"

    def sample(self, world: Any) -> Region:
        return world.pingdingshan

    def good_file(self, world: Any) -> tuple[str, bytes]:
        return "基地.csv", (HEADER + "base_count,410400,2024,市级,12\nbase_count,410402,2024,,3\n").encode(
            "gbk"
        )

    def bad_file(self, world: Any) -> tuple[str, bytes, str]:
        return (
            "基地.csv",
            (HEADER + "base_count,410400,2024,市级,12\nbase_count,410400,2024,,十二\n").encode(),
            "第 3 行：数值“十二”不是数字",
        )

    def imported(self) -> QuerySet[IndicatorValue]:
        return IndicatorValue.objects.all()
