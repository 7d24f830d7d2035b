"""Experts: an import of N rows (queries and seconds, first as new experts, then as updates of the same
people) and the list page over them (median and p95 of 20 loads, with and without filters).

    .venv/bin/pytest benchmarks/experts_bench.py -q -s -p no:randomly
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> .venv/bin/pytest benchmarks/experts_bench.py -q -s -p no:randomly

BENCH_ROWS (default 5,000) sets the file size; every row carries a 首席科普专家 appointment, the
shape of the office's yearly list. Queries must grow with batches (500 rows), not rows.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kesu.experts import importing
from kesu.experts.models import Appointment, Expert

pytestmark = pytest.mark.django_db
ROWS = int(os.environ.get("BENCH_ROWS", "5000"))


def _file() -> bytes:
    lines = "".join(
        f"专家{i:05d},{'男' if i % 2 else '女'},139{i:08d},副高,医,410421,市科协,讲座、应急,首席科普专家,市级,"
        f"第{i % 5 + 1}批,{2021 + i % 5}-01-01\n"
        for i in range(ROWS)
    )
    return (
        "姓名,性别,手机,职称,学科,所在区划代码,推荐单位,科普专长,称号,级别,批次,聘期开始\n" + lines
    ).encode()


def _import(world: Any, data: bytes) -> tuple[float, int, Any]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = importing.run(None, world.pingdingshan, data, "专家.csv", dry_run=False)
        seconds = time.perf_counter() - started
    return seconds, len(queries), result


def _loads(client: Any, url: str) -> tuple[float, float, float, int]:
    """Median and p95 wall time, median CPU time of this process (ms), and statements per request."""
    times, cpu = [], []
    for _ in range(20):
        started, started_cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], statistics.median(cpu), len(queries)


def _profile(client: Any, url: str) -> None:
    """BENCH_PROFILE=1: where one request spends its time (cProfile, top 25 by cumulative time)."""
    client.get(url)  # the first request pays for imports and template loading
    profiler = cProfile.Profile()
    profiler.runcall(client.get, url)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def test_import_and_list(world: Any, client_for: Any) -> None:
    data = _file()
    seconds, queries, result = _import(world, data)
    assert result.errors == [] and result.created == ROWS
    print(f"\n{connection.vendor}: import {ROWS} new rows: {seconds:.2f} s, {queries} queries")
    seconds, queries, result = _import(world, data)
    assert result.updated == 0 and Appointment.objects.count() == ROWS
    print(f"{connection.vendor}: import {ROWS} known rows, unchanged: {seconds:.2f} s, {queries} queries")
    seconds, queries, result = _import(world, data.replace("副高".encode(), "正高".encode()))
    assert result.updated == ROWS
    print(f"{connection.vendor}: import {ROWS} known rows, each changed: {seconds:.2f} s, {queries} queries")
    assert Expert.objects.count() == ROWS
    client = client_for(world.pds_office)
    for label, url in (
        ("list", "/experts/"),
        ("list, chiefs in term 2025", "/experts/?title=chief&level=city&year=2025"),
        ("list, idle this year", "/experts/?activity=idle"),
        ("api, subtree", "/api/experts/?region=410421"),
    ):
        if os.environ.get("BENCH_PROFILE"):
            _profile(client, url)
        median, p95, cpu, statements = _loads(client, url)
        print(
            f"{connection.vendor}: {label}: median {median:.0f} ms, p95 {p95:.0f} ms, "
            f"CPU {cpu:.0f} ms, {statements} statements; load average {os.getloadavg()[0]:.1f}"
        )
