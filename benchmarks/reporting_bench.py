"""Reporting benchmark on PostgreSQL: a province-sized setup, page latencies and 200 concurrent submits.

    psql -h 127.0.0.1 -U postgres -c 'create database reporting_bench'
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/reporting_bench .venv/bin/python benchmarks/reporting_bench.py

Steps: migrate; build the synthetic province (benchmarks/province.py) once; start gunicorn on
127.0.0.1 only; time the liaisons' to-do page and the offices' status board over loopback; each of
the 200 liaisons opens their report (the page the submit button is on); then they all submit, first
in the same instant, then spawned over one second as locust's ``-u 200 -r 200`` would (one asyncio
client, bounded in count and time), while a second process keeps one core busy (BENCH_CPU_HOG=1).
Also times a 2,400-entry status board, the cycle list and the home pages of two towns that differ
only in their history (2 and 10 years of half-year cycles). Prints p50/p95/max per step, the
errors, how many submissions were stored, and the load average. See docs/reporting.md.
BENCH_ONLY=burst runs only the burst (after the submitters open their report pages): a quick
re-measure, e.g. to compare BENCH_WORKERS=2 and 4 side by side.
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")

from benchmarks.timing import percentile  # noqa: E402

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
# BENCH_ONLY=burst: only the deadline burst (with the report pages its submitters open first).
BURST_ONLY = os.environ.get("BENCH_ONLY", "") == "burst"


def summary(name: str, millis: list[float], errors: int = 0) -> str:
    return (
        f"{name:<34} n={len(millis):<4} p50={statistics.median(millis):7.1f} ms  "
        f"p95={percentile(millis, 95):7.1f} ms  max={max(millis):7.1f} ms  errors={errors}"
    )


def session_cookie(user: Any) -> str:
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore()
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


def setup() -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
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
        Report.objects.filter(
            cycle__period="2025H2", unit__kind="government", cycle__plan__in=province.plans
        ).values_list("pk", "unit_id")
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


def start_server() -> subprocess.Popen[bytes]:
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
    if not jobs:
        return [], 0
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
    jobs: list[tuple[str, str]], ramp: float = 0.0, server: subprocess.Popen[bytes] | None = None
) -> tuple[list[float], int, str]:
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


def cpu_snapshot(server: subprocess.Popen[bytes] | None) -> dict[str, float]:
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
    if BURST_ONLY:  # the pages are skipped: only the report pages the submitters open, then the bursts
        todo_jobs, board_jobs, history_jobs = [], [], {}
    else:
        history_jobs = history_setup()
    load_before = os.getloadavg()[0]  # other work on the machine shares its two cores
    server = start_server()
    try:
        todo, todo_errors = sequential(todo_jobs)
        board, board_errors = sequential(board_jobs)
        history = {name: sequential(jobs) for name, jobs in history_jobs.items()}
        report_jobs = [(path.removesuffix("submit/"), session) for path, session in submit_jobs]
        opened, opened_errors = sequential(report_jobs) if OPEN_REPORT else ([], 0)
        queued_before = queued_messages()  # earlier runs' tasks, never run without a worker
        with cpu_hog() as hog:
            burst_load = os.getloadavg()[0]
            burst, burst_errors, burst_cpu = concurrent_submits(submit_jobs, server=server)
        burst_stored = submitted_count(submit_jobs)
        reset_submitters([path for path, _ in submit_jobs])
        with cpu_hog() as ramp_hog:
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
    if todo:
        print(summary("liaison to-do page (GET todo)", todo, todo_errors))
        print(summary("office status board (GET cycle)", board, board_errors))
    for name, (millis, errors) in history.items():
        print(summary(name, millis, errors))
    if opened:
        print(summary("liaison report page (GET report)", opened, opened_errors))
    print(f"same-instant burst: {hog}; load average {burst_load:.2f} when it started")
    print(summary(f"{len(submit_jobs)} submits in the same instant", burst, burst_errors))
    print(f"  {burst_cpu}")
    print(
        f"  submissions stored for the {len(submit_jobs)} reports: {burst_stored} "
        "(one per report: the same round is never stored twice)"
    )
    print(f"spawned round: {ramp_hog}")
    print(summary(f"{len(submit_jobs)} submits spawned over {RAMP:g} s", ramped, ramped_errors))
    print(f"  submissions stored for the {len(submit_jobs)} reports: {submitted_count(submit_jobs)}")
    print(
        f"follow-ups queued for the background worker (submission_followed_up) by this run's "
        f"{2 * len(submit_jobs)} submits: {queued_messages() - queued_before} "
        "(the audit event and the office's message, written by `kesu db_worker`, not in the liaisons' requests)"
    )


# A second process using one core fully during the bursts (BENCH_CPU_HOG=0 turns it off): the burst
# must meet its target while something else (a report export, another tenant) keeps a core busy.
CPU_HOG = os.environ.get("BENCH_CPU_HOG", "1") == "1"


@contextmanager
def cpu_hog() -> Iterator[str]:
    """A CPU-bound loop in its own process for the duration of the block."""
    if not CPU_HOG:
        yield "no CPU hog (BENCH_CPU_HOG=0)"
        return
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    time.sleep(0.5)  # let it take its core
    try:
        yield f"a second process runs a CPU-bound loop on one core (pid {hog.pid}, BENCH_CPU_HOG=1)"
    finally:
        hog.kill()
        hog.wait()


def queued_messages() -> int:
    from django_tasks.backends.database.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path__endswith="submission_followed_up", status="NEW").count()


def history_setup() -> dict[str, list[tuple[str, str]]]:
    """The two towns' pages (board, cycle list, office and leader home) as timed jobs, named with
    their history; prints the queries and Python calls each asks for, measured in-process."""
    from benchmarks.province import build_province
    from django.db import connection

    from kesu.accounts.models import User

    towns = history_towns(build_province(cycle_years=(2021, 2025)))
    with connection.cursor() as cursor:  # the towns were bulk-loaded: fresh statistics
        cursor.execute("ANALYZE")
    jobs: dict[str, list[tuple[str, str]]] = {}
    for label, (office_id, cycle_id) in towns.items():
        office = User.objects.get(pk=office_id)
        leader = User.objects.get(username=office.username.replace("office-", "leader-"))
        pages = {
            f"board 2,400 entries, {label} (GET cycle)": (f"/reporting/cycles/{cycle_id}/", office),
            f"cycle list, {label}": ("/reporting/cycles/", office),
            f"office home, {label}": ("/", office),
            f"leader home, {label}": ("/", leader),
        }
        for name, (path, user) in pages.items():
            session = session_cookie(user)
            queries, calls = in_process_cost(path, session)
            print(f"in-process: {name:<46} {queries:3} queries, {calls:7} Python calls")
            jobs[name] = [(path, session)] * HISTORY_SAMPLES
    return jobs


HISTORY_SAMPLES = int(os.environ.get("BENCH_HISTORY_SAMPLES", "30"))


def in_process_cost(path: str, session: str) -> tuple[int, int]:
    """Queries and Python function calls of one GET through Django's WSGI handler (after a first)."""
    import cProfile
    import pstats

    from benchmarks.submit_profile import requester
    from django.db import connection

    send = requester()
    send([(path, session)], "GET")
    queries = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries  # counted as they run: a request's start clears the query log
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        send([(path, session)], "GET")
    profile = cProfile.Profile()
    profile.enable()
    send([(path, session)], "GET")
    profile.disable()
    calls = sum(row[1] for row in pstats.Stats(profile).stats.values())  # type: ignore[attr-defined]
    return queries, calls


# ---- a 2,400-entry board, at two lengths of history ---------------------------------------------
# Two towns under the first county, each with one plan of BOARD_TASKS tasks over BOARD_UNITS units
# (a lead and two participating units per task: 2,400 entries a cycle at the defaults, 4× the
# province's own plans). Both are alike but for their history: one has 2 years of half-year cycles,
# the other 10. The board, the cycle list and the home panels of both are timed side by side: what
# must not grow with history is compared on the same machine, in the same minute.
BOARD_UNITS = int(os.environ.get("BENCH_BOARD_UNITS", "240"))
BOARD_TASKS = int(os.environ.get("BENCH_BOARD_TASKS", "800"))
HISTORIES = {"2 years": (2024, 2025), "10 years": (2016, 2025)}


def history_towns(province: Any) -> dict[str, tuple[int, int]]:
    """(town office's user id, current cycle id) per history length; built once."""
    from kesu.accounts.models import User
    from kesu.reporting.models import Cycle

    found: dict[str, tuple[int, int]] = {}
    for number, (label, years) in enumerate(HISTORIES.items(), start=1):
        code = f"{province.regions[-1].code[:6]}{number:03d}000"
        if not User.objects.filter(username=f"office-{code}").exists():
            _build_town(province, code, number, years)
        cycle = Cycle.objects.get(plan__region__code=code, period="2025H2")
        found[label] = (User.objects.get(username=f"office-{code}").pk, cycle.pk)
    return found


def _build_town(province: Any, code: str, number: int, years: tuple[int, int]) -> None:
    from benchmarks.province import Province, _plans, _units, build_cycles
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from kesu.accounts.models import Membership, Role, User
    from kesu.regions.models import Region, RegionLevel

    rng = random.Random(number)
    county = province.regions[-1]
    with transaction.atomic():
        town = Region.objects.create(
            code=code,
            name=f"{county.name}演示{number}镇",
            level=RegionLevel.TOWN,
            parent=county,
            path=f"{county.path}{code}/",
        )
        units = _units([town], BOARD_UNITS)
        password = make_password("bench-password-2025")
        for role in (Role.OFFICE, Role.LEADER):
            user = User.objects.create(
                username=f"{role}-{code}", display_name=f"{town.name}{role.label}", password=password
            )
            Membership.objects.create(user=user, role=role, region=town)
        plans = _plans([town], units, BOARD_TASKS, rng)
        plans[0].period_start = years[0]
        plans[0].save(update_fields=["period_start"])
    build_cycles(Province(province.province, [town], plans), *years, rng=rng)
    _hand_in_most(plans[0], rng)


def _hand_in_most(plan: Any, rng: random.Random) -> None:
    """The open cycle as a board looks near its deadline: two thirds handed in with progress and
    target values, a few returned, the rest still drafts."""
    from django.utils import timezone

    from kesu.plans.models import Target
    from kesu.reporting.models import Entry, Report, ReportStatus, TargetValue

    reports = list(Report.objects.filter(cycle__plan=plan, cycle__period="2025H2").order_by("pk"))
    now = timezone.now()
    handed = [r for r in reports if rng.random() < 0.67]
    for report in handed:
        report.status = ReportStatus.RETURNED if rng.random() < 0.05 else ReportStatus.SUBMITTED
        report.round, report.first_submitted_at, report.submitted_at, report.on_time = 1, now, now, True
    Report.objects.bulk_update(handed, ["status", "round", "first_submitted_at", "submitted_at", "on_time"])
    entries = list(Entry.objects.filter(report__in=handed))
    for entry in entries:
        lead = entry.role != "participating"
        entry.status = rng.choice(["in_progress", "in_progress", "done", "lagging"]) if lead else ""
        entry.percent = rng.randint(30, 100) if lead else None
        entry.narrative = "（演示数据）按计划推进。"
    Entry.objects.bulk_update(entries, ["status", "percent", "narrative"], batch_size=2000)
    targets = dict(Target.objects.filter(task__plan=plan).values_list("task_id", "pk"))
    TargetValue.objects.bulk_create(
        TargetValue(entry=e, target_id=targets[e.task_id], value=rng.randint(40, 120))
        for e in entries
        if e.task_id in targets and e.role == "lead"
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
