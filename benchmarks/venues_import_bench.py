"""Bases registry import: 10,000 institution rows (with a designation each) in one file, timed, with its queries.

    .venv/bin/pytest benchmarks/venues_import_bench.py -q -s -p no:randomly
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> .venv/bin/pytest benchmarks/venues_import_bench.py -q -s -p no:randomly

The file is what an office exports from its Excel ledger (xlsx, and the same as CSV): 单位名称,
统一社会信用代码, 所在区划 (the city's counties, by name), 主管/推荐单位, 类别, 联系电话, 开放时间 and a
designation per row (体系, 级别, 批次, 有效期). It goes through ``importing.run_import`` as the page and
``kesu import_registry`` do: read and check every row, then one bulk write. It is imported into an
empty registry (10,000 created), then again (10,000 updated, nothing doubled). Prints seconds and SQL
statements of each run and of the refresh of the indicator values that follows the commit. The
requirement: under 30 s, and statements growing with batches (500 rows), not rows.
"""

from __future__ import annotations

import io
import os
import time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from kesu.regions.models import Region, RegionLevel
from kesu.venues import actions, importing
from kesu.venues.models import Designation, Institution
from kesu.venues.testing import credit_code

pytestmark = pytest.mark.django_db
ROWS = int(os.environ.get("BENCH_ROWS", "10000"))
HEADERS = [
    "单位名称",
    "统一社会信用代码",
    "所在区划",
    "主管/推荐单位",
    "类别",
    "联系电话",
    "开放时间",
    "体系",
    "级别",
    "批次",
    "有效期起",
    "有效期止",
]
LEVELS = ("市级", "县级", "省级", "国家级")


def _rows(counties: list[str], suffix: str) -> list[list[Any]]:
    return [
        [
            f"演示基地{i}{suffix}",
            credit_code(i),
            counties[i % len(counties)],
            "市科协",
            "科技场馆类",
            f"1380000{i % 10000:04d}",
            "9:00–17:00",
            "科协" if i % 3 else "科技",
            LEVELS[i % len(LEVELS)],
            f"{2021 + i % 5}年度",
            2021 + i % 5,
            2025 + i % 5,
        ]
        for i in range(ROWS)
    ]


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("科普教育基地")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv(rows: list[list[Any]]) -> bytes:
    return ("\n".join(",".join(str(c) for c in row) for row in [HEADERS, *rows]) + "\n").encode("utf-8")


def _run(world: Any, data: bytes, filename: str) -> tuple[str, int, Any]:
    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        result = importing.run_import(world.pds_office, world.pingdingshan, data, filename, dry_run=False)
        seconds = time.perf_counter() - started
    assert result.ok, result.errors[:3]
    assert seconds < 30
    # On a shared, loaded host the wall time includes waiting for a core: this process's CPU is shown too.
    return f"{seconds:.1f} s (CPU {time.process_time() - cpu:.1f} s)", len(queries), result


def test_ten_thousand_institutions_import_within_30_seconds(world: Any) -> None:
    for n in range(30, 40):  # a city of a dozen counties (synthetic codes)
        county = Region(
            code=f"4104{n:02d}000000", name=f"演示{n}县", level=RegionLevel.COUNTY, parent=world.pingdingshan
        )
        county.path = county.compute_path()
        county.save()
    counties = list(Region.objects.filter(parent=world.pingdingshan).values_list("name", flat=True))
    actions.ensure_category_schemes()
    for label, make, name in (("xlsx", _xlsx, "基地.xlsx"), ("csv", _csv, "基地.csv")):
        Designation.objects.all().delete()
        Institution.objects.all().delete()
        data = make(_rows(counties, ""))
        took, count, result = _run(world, data, name)
        print(
            f"\n{label} {len(data) / 1e6:.1f} MB, {ROWS} rows into an empty registry: {took}, "
            f"{count} SQL statements, created {result.created}"
        )
        assert result.created == ROWS
        took, count, result = _run(world, make(_rows(counties, "（更名）")), name)
        print(f"{label} the same {ROWS} rows again: {took}, {count} SQL statements, updated {result.updated}")
        assert result.updated == ROWS and Institution.objects.count() == ROWS
        assert Designation.objects.count() == ROWS
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        written = actions.refresh_paths(world.pds_office, {world.pingdingshan.path}, 2024)
        seconds = time.perf_counter() - started
    print(
        f"refresh of the indicator values after the commit: {seconds:.2f} s, {len(queries)} SQL statements, {written} values"
    )
