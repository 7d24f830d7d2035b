"""What one submit costs, measured in-process: SQL statements, Python function calls and CPU.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/reporting_bench .venv/bin/python benchmarks/submit_profile.py

Run benchmarks/reporting_bench.py once first (it builds the synthetic province). This script sends
the liaisons' real submit POSTs through Django's WSGI handler in this process — session cookie,
CSRF header, the whole middleware stack, ``actions.submit_report`` with its audit event — and
reports per submit:

- the SQL statements (listed once),
- Python function calls (counted by cProfile: the same for the same code and data, whatever else
  the machine is doing — the figure to compare between versions),
- CPU time of this process and of its PostgreSQL backend (these move with the machine's load),
- and the same for a signed-in request that does nothing else (``/healthz`` with a session): the
  floor every page pays (middleware, session and user).

The same-instant burst in reporting_bench.py drains in about 200 × (gunicorn + PostgreSQL CPU per
submit) ÷ 2 cores, so these are the numbers that decide its p95. Options: PROFILE_SUBMITS=300,
PROFILE_TOP=0 (>0 prints the functions with the most calls), PROFILE_SORT=ncalls (or cumulative,
tottime).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
os.environ["DEBUG"] = "0"  # as in production: no query log, no debug pages
SUBMITS = int(os.environ.get("PROFILE_SUBMITS", "300"))
TOP = int(os.environ.get("PROFILE_TOP", "0"))
SORT = os.environ.get("PROFILE_SORT", "ncalls")  # or cumulative, tottime: how PROFILE_TOP ranks them
CSRF = "b" * 32


def wsgi_environ(path: str, session: str, method: str) -> dict[str, object]:
    """A request as it arrives from the TLS proxy of a production install."""
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path.split("?")[0],
        "QUERY_STRING": path.partition("?")[2],
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "443",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": f"sessionid={session}; csrftoken={CSRF}",
        "HTTP_X_CSRFTOKEN": CSRF,
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_ORIGIN": "https://127.0.0.1",
        "HTTP_REFERER": "https://127.0.0.1/",
        "CONTENT_LENGTH": "0",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }


def requester() -> Callable[..., None]:
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()

    def send(jobs: list[tuple[str, str]], method: str = "POST") -> None:
        expected = "302" if method == "POST" else "200"
        for path, session in jobs:
            status: list[str] = []
            b"".join(
                app(wsgi_environ(path, session, method), lambda line, headers, seen=status: seen.append(line))
            )
            assert status[0].startswith(expected), f"{method} {path} → {status[0]}"

    return send


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit(
            "请设置 DATABASE_URL=postgresql://postgres@127.0.0.1:5432/reporting_bench（先运行 reporting_bench.py 建库）"
        )
    import django

    django.setup()
    from benchmarks.reporting_bench import process_cpu, reset_submitters, session_cookie
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kesu.accounts.models import User
    from kesu.reporting.models import Entry, Report

    picked = random.Random(7).sample(
        list(
            # the province's cities and counties (reporting_bench's towns have no liaisons)
            Report.objects.filter(
                cycle__period="2025H2", unit__kind="government", cycle__plan__region__level__in=[2, 3]
            ).values_list("pk", "unit_id")
        ),
        SUBMITS,
    )
    Entry.objects.filter(report_id__in=[pk for pk, _ in picked]).update(
        status="in_progress", percent=50, narrative="（演示数据）压测填报"
    )
    users = {
        u.username: u for u in User.objects.filter(username__in=[f"liaison-{unit}" for _, unit in picked])
    }
    jobs = [
        (f"/reporting/reports/{pk}/submit/", session_cookie(users[f"liaison-{unit}"])) for pk, unit in picked
    ]
    paths = [path for path, _ in jobs]
    send = requester()
    send(
        [(path.removesuffix("submit/"), session) for path, session in jobs], "GET"
    )  # as a liaison would, first
    reset_submitters(paths)
    with CaptureQueriesContext(connection) as captured:
        send(jobs[:1])
    statements = [query["sql"] for query in captured.captured_queries]  # now: the next request clears the log
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    cpu, pg = [], []
    for start in range(1, len(jobs), 50):  # per batch: the minimum is the machine's quiet moments
        batch = jobs[start : start + 50]
        before, pg_before = time.process_time(), process_cpu(backend)
        send(batch)
        cpu.append((time.process_time() - before) / len(batch))
        pg.append((process_cpu(backend) - pg_before) / len(batch))
    reset_submitters(paths)
    profile = cProfile.Profile()
    profile.enable()
    send(jobs[:50])
    profile.disable()
    reset_submitters(paths)
    stats = pstats.Stats(profile)
    calls = sum(row[1] for row in stats.stats.values()) / 50  # type: ignore[attr-defined]
    print(
        f"SQL statements per submit: {len(statements)} "
        "(plus the connection health check Django runs once per request)"
    )
    for sql in statements:
        print("   ", sql[:150])
    print(f"Python function calls per submit: {calls:.0f}")
    print(
        f"CPU per submit: this process {1000 * min(cpu):.2f} ms (median {1000 * statistics.median(cpu):.2f}), "
        f"PostgreSQL backend {1000 * statistics.median(pg):.2f} ms; {len(jobs) - 1} submits"
    )
    floor_cpu, floor_calls = signed_in_floor(send, jobs[0][1])
    print(
        f"A signed-in request that does nothing else (GET /healthz with a liaison's session: the whole "
        f"middleware stack and the session read): {1000 * floor_cpu:.2f} ms CPU, {floor_calls:.0f} Python calls"
    )
    if TOP:
        stats.sort_stats(SORT).print_stats(TOP)


def signed_in_floor(send: Callable[..., None], session: str, count: int = 300) -> tuple[float, float]:
    """CPU (least of three rounds) and Python calls per signed-in request that reaches a view doing
    nothing: what every page pays before its own work."""
    jobs = [("/healthz", session)] * count
    send(jobs[:20], "GET")
    rounds = []
    for _ in range(3):
        started = time.process_time()
        send(jobs, "GET")
        rounds.append((time.process_time() - started) / count)
    profile = cProfile.Profile()
    profile.enable()
    send(jobs[:50], "GET")
    profile.disable()
    calls = sum(row[1] for row in pstats.Stats(profile).stats.values()) / 50  # type: ignore[attr-defined]
    return min(rounds), calls


if __name__ == "__main__":
    main()
