"""Indicator value import: queries and time per 1,000 rows, row by row (before) and in one bulk write (after).

    .venv/bin/pytest benchmarks/value_import_bench.py -q -s -p no:randomly
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> .venv/bin/pytest benchmarks/value_import_bench.py -q -s -p no:randomly

"Before" replays what the import did until the bulk write: ``record_value`` for each row in one
transaction (6 queries and one event per row). "After" is ``actions.import_values``. Both store
the same 1,000 parsed rows (BENCH_ROWS) into an empty table, then again over them (an update). Prints queries,
audit events and wall seconds of the write; the parse (``importing.parse_upload``) is timed apart.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kesu.core.models import AuditEvent
from kesu.indicators import actions, importing
from kesu.indicators.models import IndicatorValue

pytestmark = pytest.mark.django_db
ROWS = int(os.environ.get("BENCH_ROWS", "1000"))  # BENCH_ROWS=50000: the largest file the import takes


def _file(offset: int) -> bytes:
    lines = "".join(f"volunteer_count,410400,2024,第{i}组,{i + offset}\n" for i in range(ROWS))
    return ("指标,区划代码,期间,分组,数值\n" + lines).encode()


def _row_by_row(actor: Any, rows: list[dict], provenance: str) -> None:
    with transaction.atomic():
        for row in rows:
            actions.record_value(
                actor,
                row["indicator"],
                row["region"],
                row["period"],
                row["value"],
                numerator=row.get("numerator"),
                denominator=row.get("denominator"),
                disaggregation=row.get("disaggregation"),
                source="import",
                provenance=provenance,
            )


def _measure(label: str, write: Any) -> None:
    events = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        write()
        seconds = time.perf_counter() - started
    print(
        f"\n{connection.vendor:10} {label:22} {len(queries):5} queries  {AuditEvent.objects.count() - events:5} events"
        f"  {seconds:6.2f} s"
    )


@pytest.mark.parametrize("way", ["before: row by row", "after: bulk"])
def test_value_import_cost_per_thousand_rows(world: Any, way: str) -> None:
    actor = world.pds_office
    for attempt, offset in (("create", 0), ("update", 5)):
        started = time.perf_counter()
        rows = importing.parse_upload(_file(offset), "v.csv", actor.access).rows
        parse = time.perf_counter() - started
        if way.startswith("before"):
            _measure(f"{way} {attempt}", lambda rows=rows: _row_by_row(actor, rows, "bench"))
        else:
            _measure(
                f"{way} {attempt}",
                lambda rows=rows: actions.import_values(
                    actor, world.pingdingshan, rows, provenance="bench", filename="v.csv"
                ),
            )
        print(f"{'':10} parse {ROWS} rows: {parse:.2f} s")
    assert IndicatorValue.objects.count() == ROWS
