"""Reporting benchmark on PostgreSQL: a province-sized setup, page latencies and 200 concurrent submits.

    psql -h 127.0.0.1 -U postgres -c 'create database reporting_bench'
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/reporting_bench .venv/bin/python benchmarks/reporting_bench.py

Steps: migrate; build the synthetic province (benchmarks/province.py) once; start gunicorn on
127.0.0.1 only; time the liaisons' to-do page and the offices' status board over loopback; each of
the 200 liaisons opens their report (the page the submit button is on); then they all submit, first
in the same instant, then spawned over one second as locust's ``-u 200 -r 200`` would (one asyncio
client, bounded in count and time). Prints p50/p95 per step, the errors, and how many submissions
were stored. See docs/reporting.md.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
PORT = int(os.environ.get("BENCH_PORT", "8111"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))  # one sync worker per core did best here
THREADS = int(os.environ.get("BENCH_THREADS", "1"))  # >1 uses gunicorn's gthread workers
CONCURRENT = int(os.environ.get("BENCH_CONCURRENT", "200"))
PAGE_SAMPLES = int(os.environ.get("BENCH_SAMPLES", "60"))
RAMP = float(os.environ.get("BENCH_RAMP", "1"))  # seconds over which the second round of submits starts
PRELOAD = (
    os.environ.get("BENCH_PRELOAD", "1") == "1"
)  # gunicorn --preload, as recommended in docs/reporting.md
# A liaison submits from their report page, so their session has been used a moment before. 0 submits
# from sessions never used (each submit then also pays the session's first write).
OPEN_REPORT = os.environ.get("BENCH_OPEN_REPORT", "1") == "1"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(name: str, millis: list[float], errors: int = 0) -> str:
    return (
        f"{name:<34} n={len(millis):<4} p50={statistics.median(millis):7.1f} ms  "
        f"p95={percentile(millis, 95):7.1f} ms  max={max(millis):7.1f} ms  errors={errors}"
    )


def session_cookie(user) -> str:  # type: ignore[no-untyped-def]
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return store.session_key or ""


def request(method: str, path: str, session: str, timeout: float = 30) -> tuple[int, float]:
    csrf = "b" * 32
    # As behind the TLS-terminating proxy of a production install (the settings redirect plain HTTP).
    headers = {
        "Cookie": f"sessionid={session}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "Host": "127.0.0.1",
        "X-Forwarded-Proto": "https",
        "Origin": "https://127.0.0.1",
        "Referer": "https://127.0.0.1/",
    }
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    try:
        connection.request(method, path, body=b"" if method == "POST" else None, headers=headers)
        response = connection.getresponse()
        response.read()
        status = response.status
    finally:
        connection.close()
    return status, (time.perf_counter() - started) * 1000


def setup() -> tuple[list, list, list]:  # type: ignore[type-arg]
    import django

    django.setup()
    from benchmarks.province import build_province
    from django.core.management import call_command
    from django.db import connection

    from kesu.accounts.models import User
    from kesu.reporting.models import Cycle, Entry, Report, ReportStatus, Submission

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    province = build_province(cycle_years=(2021, 2025))
    with connection.cursor() as cursor:  # fresh statistics after the bulk load, as autovacuum would give
        cursor.execute("ANALYZE")
    print(
        f"setup: province ready in {time.perf_counter() - started:.0f} s — "
        f"{len(province.regions)} cities and counties, {Report.objects.count()} reports, "
        f"{Entry.objects.count()} task entries, {Cycle.objects.count()} cycles"
    )
    rng = random.Random(4)
    current = list(
        Report.objects.filter(cycle__period="2025H2", unit__kind="government").values_list("pk", "unit_id")
    )
    picked = rng.sample(current, CONCURRENT + PAGE_SAMPLES)
    submitters, readers = picked[:CONCURRENT], picked[CONCURRENT:]
    # Reset the submitters' reports to a filled draft so every run submits the same way.
    ids = [pk for pk, _ in submitters]
    Submission.objects.filter(report_id__in=ids).delete()
    Report.objects.filter(pk__in=ids).update(
        status=ReportStatus.DRAFT, round=0, first_submitted_at=None, submitted_at=None, on_time=None
    )
    Entry.objects.filter(report_id__in=ids).update(
        status="in_progress", percent=50, narrative="（演示数据）压测填报"
    )
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[f"liaison-{unit}" for _, unit in picked]
            + [f"office-{r.code}" for r in province.regions]
        )
    }
    submit_jobs = [
        (f"/reporting/reports/{pk}/submit/", session_cookie(users[f"liaison-{unit}"]))
        for pk, unit in submitters
    ]
    todo_jobs = [("/reporting/todo/", session_cookie(users[f"liaison-{unit}"])) for _, unit in readers]
    cycles = dict(
        Cycle.objects.filter(period="2025H2", plan__in=province.plans).values_list("plan__region__code", "pk")
    )
    offices = rng.sample(province.regions, min(PAGE_SAMPLES, len(province.regions)))
    board_jobs = [
        (f"/reporting/cycles/{cycles[r.code]}/", session_cookie(users[f"office-{r.code}"])) for r in offices
    ]
    return submit_jobs, todo_jobs, board_jobs


def start_server() -> subprocess.Popen:  # type: ignore[type-arg]
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "kesu.wsgi:application",
        "--bind",
        f"127.0.0.1:{PORT}",
        "--workers",
        str(WORKERS),
        "--backlog",
        "512",
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    if THREADS > 1:
        command += ["--worker-class", "gthread", "--threads", str(THREADS)]
    if PRELOAD:
        command.append("--preload")
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "DEBUG": "0"})
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            connection.request("GET", "/healthz")
            if (
                connection.getresponse().status == 200
            ):  # the real health page: the app is up, not just the port
                break
            time.sleep(0.2)
        except OSError:
            time.sleep(0.2)
    return server


def sequential(jobs: list[tuple[str, str]], method: str = "GET") -> tuple[list[float], int]:
    for path, session in jobs[:5]:  # warm the workers
        request(method, path, session)
    times, errors = [], 0
    for path, session in jobs:
        status, millis = request(method, path, session)
        errors += status != 200
        times.append(millis)
    return times, errors


async def _post(path: str, session: str, start: asyncio.Event, delay: float) -> tuple[int, float]:
    """One liaison's submit over its own loopback connection, sent ``delay`` s after ``start`` is set."""
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    csrf = "b" * 32
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sessionid={session}; csrftoken={csrf}\r\n"
        f"X-CSRFToken: {csrf}\r\nX-Forwarded-Proto: https\r\nOrigin: https://127.0.0.1\r\n"
        f"Referer: https://127.0.0.1/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    await start.wait()
    if delay:
        await asyncio.sleep(delay)
    started = time.perf_counter()
    writer.write(head.encode())
    await writer.drain()
    status_line = await reader.readline()
    await reader.read()  # the rest, until the server closes
    millis = (time.perf_counter() - started) * 1000
    writer.close()
    parts = status_line.split()
    return (int(parts[1]) if len(parts) > 1 else 0), millis


async def _burst(jobs: list[tuple[str, str]], ramp: float) -> list[tuple[int, float]]:
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(_post(path, session, start, ramp * index / len(jobs)))
        for index, (path, session) in enumerate(jobs)
    ]
    await asyncio.sleep(0.5)  # every connection open and waiting, then all requests leave at once
    start.set()
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=120)
    return [r if isinstance(r, tuple) else (0, 120000.0) for r in results]


def concurrent_submits(
    jobs: list[tuple[str, str]], ramp: float = 0.0, server: subprocess.Popen | None = None
) -> tuple[list[float], int, str]:  # type: ignore[type-arg]
    """All liaisons' POSTs from one asyncio loop (light on the shared CPUs): in the same instant when
    ``ramp`` is 0, else spread evenly over ``ramp`` seconds, as locust's ``-u 200 -r 200`` spawns them.
    Also says where the CPU went: the gunicorn workers, PostgreSQL, this client, the whole machine."""
    before = cpu_snapshot(server)
    results = asyncio.run(_burst(jobs, ramp))
    spent = {key: cpu_snapshot(server)[key] - value for key, value in before.items()}
    errors = sum(1 for status, _ in results if status != 302)
    per = {key: 1000 * value / len(jobs) for key, value in spent.items()}
    account = (
        f"CPU per submit: gunicorn {per['gunicorn']:.1f} ms, PostgreSQL {per['postgres']:.1f} ms, "
        f"load client {per['client']:.1f} ms; whole machine {per['machine']:.1f} ms "
        f"(the rest is other work on the machine)"
    )
    return [millis for _, millis in results], errors, account


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process, from /proc (0 if it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_backends() -> list[int]:
    """The PostgreSQL backends serving this benchmark's database, not other databases on the server."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def cpu_snapshot(server: subprocess.Popen | None) -> dict[str, float]:  # type: ignore[type-arg]
    workers: list[int] = []
    if server is not None:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
        workers = [server.pid] + (
            [int(pid) for pid in children.read_text().split()] if children.exists() else []
        )
    busy = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return {
        "gunicorn": sum(process_cpu(pid) for pid in workers),
        "postgres": sum(process_cpu(pid) for pid in _own_backends()),
        "client": time.process_time(),
        # all cores' busy time: user, nice, system, irq, softirq, steal (not idle or iowait)
        "machine": (sum(busy[i] for i in (0, 1, 2, 5, 6, 7))) / os.sysconf("SC_CLK_TCK"),
    }


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit(
            "请设置 DATABASE_URL=postgresql://postgres@127.0.0.1:5432/reporting_bench（本基准针对 PostgreSQL）"
        )
    submit_jobs, todo_jobs, board_jobs = setup()
    load_before = os.getloadavg()[0]  # other work on the machine shares its two cores
    server = start_server()
    try:
        todo, todo_errors = sequential(todo_jobs)
        board, board_errors = sequential(board_jobs)
        report_jobs = [(path.removesuffix("submit/"), session) for path, session in submit_jobs]
        opened, opened_errors = sequential(report_jobs) if OPEN_REPORT else ([], 0)
        burst, burst_errors, burst_cpu = concurrent_submits(submit_jobs, server=server)
        reset_submitters([path for path, _ in submit_jobs])
        ramped, ramped_errors, _ = concurrent_submits(submit_jobs, ramp=RAMP, server=server)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    kind = f"gthread workers × {THREADS} threads" if THREADS > 1 else "sync workers"
    print(
        f"machine: {os.cpu_count()} CPU cores, load average {load_before:.2f} before the run, "
        f"{os.getloadavg()[0]:.2f} after; gunicorn {WORKERS} {kind}{' --preload' if PRELOAD else ''} "
        f"on 127.0.0.1:{PORT}; submits from {'opened' if OPEN_REPORT else 'never-used'} sessions"
    )
    print(summary("liaison to-do page (GET todo)", todo, todo_errors))
    print(summary("office status board (GET cycle)", board, board_errors))
    if opened:
        print(summary("liaison report page (GET report)", opened, opened_errors))
    print(summary(f"{len(submit_jobs)} submits in the same instant", burst, burst_errors))
    print(f"  {burst_cpu}")
    print(summary(f"{len(submit_jobs)} submits spawned over {RAMP:g} s", ramped, ramped_errors))
    print(
        f"submissions stored for the {len(submit_jobs)} reports: {submitted_count(submit_jobs)} "
        "(one per report: the same round is never stored twice)"
    )


def reset_submitters(paths: list[str]) -> None:
    from kesu.reporting.models import Report, ReportStatus, Submission

    ids = [int(p.strip("/").split("/")[-2]) for p in paths]
    Submission.objects.filter(report_id__in=ids).delete()
    Report.objects.filter(pk__in=ids).update(
        status=ReportStatus.DRAFT, round=0, first_submitted_at=None, submitted_at=None, on_time=None
    )


def submitted_count(jobs: list[tuple[str, str]]) -> int:
    from kesu.reporting.models import Submission

    return Submission.objects.filter(
        report_id__in=[int(p.strip("/").split("/")[-2]) for p, _ in jobs]
    ).count()


if __name__ == "__main__":
    main()
