"""The 2,400-entry status board alone (issue 14's bar: p95 < 300 ms): in-process cost, then timed.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/reporting_bench .venv/bin/python benchmarks/board_bench.py

Uses the database ``benchmarks/reporting_bench.py`` builds (the province and its two towns of 240
units × 800 tasks, 2 and 10 years of half-year cycles; built here if missing). For each town and each
view of the board — the 按任务 tab, the 按单位 tab, a unit's filter, the task export — it prints the
queries and Python function calls of one request through Django's WSGI handler (the same for the
same code and data whatever the machine is doing: the numbers to compare versions by) and its CPU;
then starts gunicorn as ``reporting_bench`` does and times BENCH_HISTORY_SAMPLES sequential GETs of
each tab, printing p50 / p95 / max and the load average beside them. Options: BENCH_PORT (8111),
BENCH_WORKERS (2), BENCH_HISTORY_SAMPLES (30). See docs/reporting.md.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")


def cpu_ms(path: str, session: str, runs: int = 7) -> float:
    """The median CPU time of ``runs`` requests through the WSGI handler, in ms."""
    from benchmarks.submit_profile import requester

    send = requester()
    spent = []
    for _ in range(runs):
        started = time.process_time()
        send([(path, session)], "GET")
        spent.append((time.process_time() - started) * 1000)
    return sorted(spent)[runs // 2]


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit(
            "请设置 DATABASE_URL=postgresql://postgres@127.0.0.1:5432/reporting_bench（先运行 reporting_bench.py 建库）"
        )
    import django

    django.setup()
    from benchmarks import reporting_bench as bench
    from benchmarks.province import build_province

    from kesu.accounts.models import User
    from kesu.reporting.models import Report

    towns = bench.history_towns(build_province(cycle_years=(2021, 2025)))
    timed: dict[str, list[tuple[str, str]]] = {}
    for label, (office_id, cycle_id) in towns.items():
        session = bench.session_cookie(User.objects.get(pk=office_id))
        unit_id = (
            Report.objects.filter(cycle_id=cycle_id)
            .order_by("unit__name")
            .values_list("unit_id", flat=True)[5]
        )
        board = f"/reporting/cycles/{cycle_id}/"
        views = {
            "按任务 tab": board,
            "按单位 tab": f"{board}?tab=units",
            "one unit's tasks": f"{board}?unit={unit_id}",
            "task export (xlsx)": f"{board}?format=xlsx",
        }
        for view, path in views.items():
            queries, calls = bench.in_process_cost(path, session)
            print(
                f"in-process: board {label:<9} {view:<19} {queries:3} queries, {calls:7} Python calls, "
                f"CPU {cpu_ms(path, session):6.1f} ms (load {os.getloadavg()[0]:.2f})"
            )
        for view in ("按任务 tab", "按单位 tab"):
            timed[f"board 2,400 entries, {label}, {view}"] = [(views[view], session)] * bench.HISTORY_SAMPLES
    server = bench.start_server()
    try:
        for name, jobs in timed.items():
            load = os.getloadavg()[0]
            millis, errors = bench.sequential(jobs)
            print(f"{bench.summary(name, millis, errors)}  load {load:.2f}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"machine: {os.cpu_count()} CPU cores; gunicorn {bench.WORKERS} sync workers on 127.0.0.1:{bench.PORT}"
    )


if __name__ == "__main__":
    main()
