"""Region overview benchmark through gunicorn: the province, the city with 96 × scale counties, a county.

    psql -h 127.0.0.1 -U postgres -c 'create database overview_bench_1x'
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/overview_bench_1x BENCH_SCALE=1 \\
        .venv/bin/python benchmarks/overview_bench.py
    # and again with overview_bench_4x / BENCH_SCALE=4 (16 if time allows): one database per scale

Builds (once per database) the province of ``benchmarks/indicators_bench.py``: a plan at every level
with linked targets, 40 indicators × every county × ten years of half-years, ten years of reporting
cycles for the plans the timed pages read. Then starts gunicorn (``-w 2``, DEBUG off, --preload, as
docs/reporting.md recommends), times each page BENCH_SAMPLES times one after the other as an office
user, and prints p50/p95 with the page's query count (counted once in this process with the test
client: gunicorn cannot tell) and the load average before and after: the machine may be shared, so
read the timings with the load beside them. Requirement: p95 < 300 ms at 1×, < 500 ms at 4×, and the
same query count at every scale.
"""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")

from benchmarks import indicators_bench as bench  # noqa: E402

SAMPLES = int(os.environ.get("BENCH_SAMPLES", "40"))
PORT = int(os.environ.get("BENCH_PORT", "8127"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))


class server:  # noqa: N801  (the few lines of reporting_bench's client this benchmark needs, kept here)
    WORKERS = WORKERS

    @staticmethod
    def session_cookie(user) -> str:
        from importlib import import_module

        from django.conf import settings

        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store.create()
        return store.session_key or ""

    @staticmethod
    def request(method: str, path: str, session: str) -> tuple[int, float]:
        # As behind the TLS-terminating proxy of a production install (the settings redirect plain HTTP).
        headers = {"Cookie": f"sessionid={session}", "Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        try:
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        finally:
            connection.close()
        return status, (time.perf_counter() - started) * 1000

    @staticmethod
    def start_server() -> subprocess.Popen:
        command = [
            str(ROOT / ".venv/bin/gunicorn"),
            "kesu.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(WORKERS),
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "--preload",
        ]
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "DEBUG": "0"})
        for _ in range(150):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
                connection.request(
                    "GET", "/healthz", headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
                )
                if connection.getresponse().status == 200:  # the real health page: the app is up
                    break
            except OSError:
                pass
            time.sleep(0.2)
        return process


def main() -> None:
    province, _indicators = bench.setup()
    from kesu.accounts.models import User

    counts = bench.query_counts(province)
    session = server.session_cookie(User.objects.get(username=f"office-{province.province.code}"))
    before = os.getloadavg()
    gunicorn = server.start_server()
    try:
        rows = [(name, *time_page(url, session, gunicorn.pid)) for name, url in bench.pages(province)]
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    after = os.getloadavg()
    print(
        f"gunicorn -w {server.WORKERS}, DEBUG off, {bench.SCALE}× ({len(province.regions)} cities and "
        f"counties); load average {before[0]:.2f}/{before[1]:.2f} before, {after[0]:.2f}/{after[1]:.2f} after "
        f"({os.cpu_count()} CPUs)"
    )
    print(
        f"{'page':<36} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>7} {'CPU ms':>7} errors"
    )
    worst = 0.0
    for name, millis, errors, cpu in rows:
        p95 = bench.percentile(millis, 95)
        worst = max(worst, p95)
        print(
            f"{name:<36} {len(millis):>4} {statistics.median(millis):8.1f} {p95:8.1f} {max(millis):8.1f}"
            f" {counts[name]:>7} {cpu:7.1f} {errors}"
        )
    print("CPU ms: the gunicorn workers' CPU per request (load-independent; PostgreSQL's time not included)")
    verdict = "PASS" if worst < bench.limit_ms() else "FAIL"
    print(
        f"worst p95 {worst:.1f} ms — {verdict} (requirement at {bench.SCALE}×: p95 < {bench.limit_ms()} ms)"
    )


def worker_cpu(master: int) -> float:
    """User + system CPU seconds of gunicorn's workers (the master's children), from /proc."""
    children = Path(f"/proc/{master}/task/{master}/children")
    total = 0.0
    for pid in children.read_text().split() if children.exists() else []:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def time_page(url: str, session: str, master: int) -> tuple[list[float], int, float]:
    server.request("GET", url, session)  # each worker warms up once
    server.request("GET", url, session)
    millis, errors = [], 0
    cpu = worker_cpu(master)
    for _ in range(SAMPLES):
        status, elapsed = server.request("GET", url, session)
        millis.append(elapsed)
        errors += status != 200
        time.sleep(0.01)
    return millis, errors, (worker_cpu(master) - cpu) * 1000 / SAMPLES


if __name__ == "__main__":
    main()
