"""Planner statistics after bulk writes.

A bulk import can add more rows to a table than it held before. Until the planner's statistics catch
up (PostgreSQL's autovacuum analyses on its own schedule), it plans for the old, small table: a region
overview after an indicator import ran twice as slow until ``ANALYZE``. So every bulk write of many
rows asks for the touched tables to be analysed once its transaction commits.
"""

from __future__ import annotations

import logging

from django.db import connection, models, transaction

log = logging.getLogger("kesu.dbstats")

# Below this many rows a write cannot change a table's shape enough to mislead the planner.
BULK_ROWS = 500


def analyse_after_commit(rows: int, *tables: type[models.Model]) -> bool:
    """Analyse ``tables`` after the current transaction commits when ``rows`` is a bulk write."""
    if rows < BULK_ROWS:
        return False
    names = sorted({model._meta.db_table for model in tables})
    transaction.on_commit(lambda: analyse(names))
    return True


def analyse(tables: list[str]) -> None:
    quote = connection.ops.quote_name
    try:
        with connection.cursor() as cursor:
            for table in tables:
                # Both PostgreSQL and SQLite take ANALYZE <table>; it reads a sample, not the whole table.
                cursor.execute(f"ANALYZE {quote(table)}")
    except Exception:  # statistics are an optimisation: a failure must never fail the import
        log.exception("ANALYZE %s 失败", ", ".join(tables))
