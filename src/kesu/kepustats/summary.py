"""The office's views of the 科普统计: the region's aggregate, and the 科协综合统计's period conversion.

Both are SQL aggregations (one GROUP BY each), never Python over rows: a province holds hundreds of
thousands of activities.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kesu.activities.models import Activity, ActivityKind, ActivityStatus
from kesu.kepustats import form as formdef
from kesu.kepustats.models import Figure, StatisticsForm
from kesu.regions.models import Region
from kesu.reporting.models import HANDED_IN


@dataclass
class Aggregate:
    definition: formdef.FormDef
    totals: dict[str, formdef.Cell]
    forms: int  # forms counted (submitted or approved)
    expected: int  # forms in the rounds
    problems: list[formdef.Problem] = field(default_factory=list)  # the checks on the totals

    @property
    def table(self) -> list[tuple[formdef.Block, list[tuple[formdef.Indicator, str]]]]:
        """Each block with its items and the total as the form prints it (“-” kept, blank when none)."""
        return [
            (block, [(item, formdef.cell_text(self.totals.get(item.code))) for item in block.indicators])
            for block in self.definition.blocks
        ]


def aggregate(forms: QuerySet[StatisticsForm], form_year: int) -> Aggregate:
    """Sum of the handed-in forms' figures (“-” only where every form says “-”), with the checks."""
    counted = forms.filter(report__status__in=HANDED_IN)
    rows = (
        Figure.objects.filter(form__in=counted)
        .values("code")
        .annotate(
            total=Sum("value"),
            numbers=Count("pk", filter=Q(value__isnull=False, missing=False)),
            dashes=Count("pk", filter=Q(missing=True)),
        )
        .order_by()
    )
    totals: dict[str, formdef.Cell] = {}
    for row in rows:
        if row["numbers"]:
            totals[row["code"]] = int(row["total"] or 0)
        elif row["dashes"]:
            totals[row["code"]] = formdef.MISSING
    definition = formdef.load_form(form_year)
    return Aggregate(
        definition=definition,
        totals=totals,
        forms=counted.count(),
        expected=forms.count(),
        problems=formdef.check(definition, totals),
    )


def unit_problems(forms: QuerySet[StatisticsForm]) -> dict[int, list[formdef.Problem]]:
    """form id → the problems the checks find on it (blank items included), from one query."""
    values: dict[int, dict[str, formdef.Cell]] = defaultdict(dict)
    years = dict(forms.values_list("pk", "form_year"))
    for form_id, code, value, missing in Figure.objects.filter(form__in=forms).values_list(
        "form_id", "code", "value", "missing"
    ):
        cell: formdef.Cell | None = formdef.MISSING if missing else value
        if cell is not None:
            values[form_id][code] = cell
    return {
        form_id: formdef.submit_problems(formdef.load_form(year), values.get(form_id, {}))
        for form_id, year in years.items()
    }


# ---- 科协综合统计: January–October actual + November–December plan -------------------------------

HAPPENED = (ActivityStatus.HELD, ActivityStatus.SUBMITTED, ActivityStatus.ADOPTED)


@dataclass
class ConversionRow:
    label: str
    actual_n: int = 0
    actual_people: int = 0
    planned_n: int = 0
    planned_people: int = 0

    @property
    def total_n(self) -> int:
        return self.actual_n + self.planned_n

    @property
    def total_people(self) -> int:
        return self.actual_people + self.planned_people


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def conversion(region: Region, year: int) -> list[ConversionRow]:
    """Activities hosted by units of the region's subtree, by form: 1–10月 those held (已开展, 已提交,
    已采用), 11–12月 those planned or held (the plan as it stands). Returned activities count in
    neither. The last row is the total."""
    nov = _moment(date(year, 11, 1))
    people = Coalesce(F("attendance"), Value(0)) + Coalesce(F("online_views"), Value(0))
    actual = Q(starts_at__lt=nov, status__in=HAPPENED)
    planned = Q(starts_at__gte=nov, status__in=(ActivityStatus.PLANNED, *HAPPENED))
    rows = (
        Activity.objects.filter(
            unit__region__path__startswith=region.path,
            starts_at__gte=_moment(date(year, 1, 1)),
            starts_at__lt=_moment(date(year + 1, 1, 1)),
        )
        .alias(people=people)
        .values("kind")
        .annotate(
            actual_n=Count("pk", filter=actual),
            actual_people=Sum("people", filter=actual),
            planned_n=Count("pk", filter=planned),
            planned_people=Sum("people", filter=planned),
        )
        .order_by()
    )
    found: dict[str, dict[str, Any]] = {row["kind"]: dict(row) for row in rows}
    result = []
    total = ConversionRow("合计")
    for kind in ActivityKind:
        row = found.get(kind.value, {})
        line = ConversionRow(
            str(kind.label),
            row.get("actual_n", 0),
            row.get("actual_people") or 0,
            row.get("planned_n", 0),
            row.get("planned_people") or 0,
        )
        result.append(line)
        total.actual_n += line.actual_n
        total.actual_people += line.actual_people
        total.planned_n += line.planned_n
        total.planned_people += line.planned_people
    return [*result, total]
