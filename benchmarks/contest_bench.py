"""Load benchmark of an office's own contest: 1,000 participants answering at once (issue 19, “Scale”).

    .venv/bin/pip install -c requirements/test.txt -e '.[bench]'   # locust (once)
    .venv/bin/python benchmarks/contest_bench.py             # the full run: 1,000 users, 180 s after ramp-up
    .venv/bin/python benchmarks/contest_bench.py --users 50 --seconds 30 --draw 2/2/2   # smoke, ~1 minute
    .venv/bin/python benchmarks/contest_bench.py --history 1000000   # after weeks of attempts (+1 min setup)
    .venv/bin/python benchmarks/contest_bench.py --inprocess [--keep]  # SQL and Python calls per request

What it does, on PostgreSQL and Redis as a deployment uses them:

1. creates its own database ``contest_bench`` on 127.0.0.1 (or uses ``DATABASE_URL``), migrates it and
   builds a city with counties and towns, and a fresh own contest (the previous run's is deleted) with a
   bank of 600 items (200 判断, 200 单选, 200 多选), 20 per attempt drawn 7/7/6, 30 s per item, 10 minutes
   per attempt, 50 attempts a day;
2. empties one Redis database (``--redis-db``, default 11; ``REDIS_URL=redis://127.0.0.1:6379/11``) and
   starts gunicorn as docs/reporting.md recommends (``-w`` = cores, sync workers, ``--preload``), with
   ``DEBUG=0``, bound to 127.0.0.1, trusting 127.0.0.1 as its TLS proxy (``KESU_TRUSTED_PROXIES``), so that
   each simulated phone has its own client address in ``X-Forwarded-For`` as behind nginx;
3. runs locust headless from loopback (benchmarks/contest_locustfile.py): each user registers for real
   (challenge + slider + register: no cookie minted here), then every 4–6 s starts, answers, finishes
   and starts again, for ``--seconds`` after the last registration (plus ``--settle`` seconds not
   counted); 3 % of answers are sent twice and 3 % of steps reload the attempt;
4. reports p50/p95/p99 per endpoint (steady state after ramp-up, and the ramp-up with its
   registrations), requests/s and per core, errors, the peak RSS of each gunicorn worker (sampled from
   /proc every second), the load average, and the CPU each request cost in gunicorn, PostgreSQL and
   Redis;
5. then checks the database: every answer locust saw accepted is stored with the answer sent (0 lost),
   no position was accepted twice (0 doubled), and — after handing in the attempts still open through
   ``engine.finish`` — every closed attempt's score equals a recomputation in SQL from its stored
   AttemptItem rows and the bank's keys. Exit status 1 when an answer was lost or doubled or a score differs.

``--history N`` first adds N closed attempts of earlier days (N ÷ 5 participants) in SQL, so the surge
meets a realistic table; ``--keep`` reuses the last run's contest (and its history) instead of a new one.
The work folder (gunicorn and locust logs, request log, profiles) is printed and left in /tmp.

``--profile`` runs the workers under cProfile (a gunicorn config written to a temporary folder) and
prints the functions that took the most time. ``--inprocess`` sends two participants' whole attempts
through Django's WSGI handler in this process and prints the second one's SQL statements, Python function
calls, CPU, wall time and time in SQL per endpoint (statements and calls do not depend on what else the
machine is doing), any statement slower than 50 ms, and where the answers' calls go.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.timing import percentile  # noqa: E402

CITY_CODE = "980100000000"  # fake codes (98…), nothing real
BENCH_NAME = "压测竞赛（演示数据）"
SECRET = "contest-bench-secret-key-not-for-production-0123456789-abcdefghij"
BAR_P95_MS = 300
BAR_RSS_MB = 300


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--spawn-rate", type=float, default=20, help="users started per second")
    parser.add_argument("--seconds", type=int, default=180, help="steady state after ramp-up")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8121)
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument("--items", type=int, default=600, help="bank size (a third of each type)")
    parser.add_argument(
        "--draw",
        default="7/7/6",
        help="判断/单选/多选 per attempt (a smoke run may use 2/2/2 to finish attempts)",
    )
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        help="closed attempts of earlier days already in the contest (e.g. 1000000)",
    )
    parser.add_argument(
        "--settle", type=float, default=10, help="seconds after the last registration not counted"
    )
    parser.add_argument(
        "--keep", action="store_true", help="reuse the last run's contest (and its --history)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the gunicorn workers")
    parser.add_argument("--inprocess", action="store_true", help="statements and calls per request only")
    return parser.parse_args()


# --- the database and the contest -----------------------------------------------------------------------


def configure(args: argparse.Namespace, data_dir: Path) -> dict[str, str]:
    """The environment of this process and of gunicorn: what a production install sets."""
    database_url = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/contest_bench"
    if not database_url.startswith("postgres"):
        sys.exit("本基准针对 PostgreSQL：请设置 DATABASE_URL=postgresql://…（默认 contest_bench 库）")
    ensure_database(database_url)
    env = {
        "DJANGO_SETTINGS_MODULE": "kesu.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL") or f"redis://127.0.0.1:6379/{args.redis_db}",
        "DEBUG": "0",
        "KESU_PRODUCTION": "1",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "KESU_TRUSTED_PROXIES": "127.0.0.1",
        "KESU_DATA_DIR": str(data_dir),
    }
    os.environ.update(env)
    return env


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"setup: created database {name}")


def flush_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url).flushdb()  # only this benchmark's database number
    except redis.exceptions.ConnectionError as error:
        sys.exit(f"Redis 无法连接（{url}）：{error}。本基准按部署方式使用 Redis，请先启动 redis-server")


def build_contest(item_count: int, draw: str, history: int, keep: bool = False) -> tuple[str, list[str], int]:
    """A fresh own contest of a fake city, set up through the office's own actions (create, import the
    bank, lock it, open); returns its public key, the town codes and its id."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from kesu.contests import actions, bank
    from kesu.contests.models import Contest, ContestKind, ContestLevel, ContestStatus
    from kesu.regions.models import RegionLevel

    call_command("migrate", verbosity=0)
    city = region(CITY_CODE, "压测市", RegionLevel.CITY, None)
    towns = []
    for county_number in range(1, 9):
        county = region(f"9801{county_number:02d}000000", f"压测{county_number}县", RegionLevel.COUNTY, city)
        for town_number in range(1, 6):
            code = f"9801{county_number:02d}{town_number:03d}000"
            towns.append(region(code, f"压测{county_number}县{town_number}镇", RegionLevel.TOWN, county).code)
    previous = list(Contest.objects.filter(region=city, name=BENCH_NAME).values_list("pk", flat=True))
    if keep and previous:  # the last run's contest, its history and its participants as they are
        kept = Contest.objects.get(pk=max(previous))
        return kept.public_key, towns, kept.pk
    with (
        connection.cursor() as cursor
    ):  # the previous runs' contests: their big tables in SQL, not one by one
        for table, where in [
            (
                "contests_attemptitem",
                "attempt_id IN (SELECT id FROM contests_attempt WHERE contest_id = ANY(%s))",
            ),
            ("contests_attempt", "contest_id = ANY(%s)"),
            ("contests_participant", "contest_id = ANY(%s)"),
        ]:
            cursor.execute(f"DELETE FROM {table} WHERE {where}", [previous])
    Contest.objects.filter(pk__in=previous).delete()
    now = timezone.now()
    contest = actions.create_contest(
        None,
        city,
        name=BENCH_NAME,
        level=ContestLevel.CITY,
        kind=ContestKind.OWN,
        organiser="压测市科协",
        year=now.year,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=2),
        draw_rule=dict(zip(("judge", "single", "multi"), (int(n) for n in draw.split("/")), strict=True)),
        points_per_item=5,
        seconds_per_item=30,
        seconds_per_attempt=600,
        attempts_per_day=50,
        tie_break=["score_desc", "time_asc", "first_entry_asc"],
        certificate_threshold=80,
        leaderboard_size=100,
    )
    bank.import_items(None, contest, bank_rows(item_count), filename="压测题库.xlsx")
    contest = bank.lock_bank(None, contest)
    contest = actions.advance_contest(None, contest, ContestStatus.BANK_LOCKED)
    if history:
        add_history(contest.pk, history)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return contest.public_key, towns, contest.pk


HISTORY_AGENT = "bench-history"  # marks the synthetic past attempts (no drawn items), left out of the checks


def add_history(contest_id: int, attempts: int) -> None:
    """The weeks before the last day: ``attempts`` closed attempts by attempts ÷ 5 participants of the city's
    towns, with scores mostly high (as real contests have many full scores), written in SQL in seconds."""
    from django.db import connection

    from kesu.regions.models import Region

    started = time.perf_counter()
    towns = list(Region.objects.filter(code__startswith="9801", level=4).values_list("pk", flat=True))
    people = max(1, attempts // 5)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO contests_participant (contest_id, phone_hash, phone_cipher, phone_last4, name, region_id,
                                              school, key_group, registered_at)
            SELECT %s, 'history-' || i, '', lpad((i %% 10000)::text, 4, '0'), '往期' || i,
                   (%s::bigint[])[1 + i %% %s], '', '', now() - INTERVAL '20 days'
            FROM generate_series(1, %s) i
            """,
            [contest_id, towns, len(towns), people],
        )
        cursor.execute(
            """
            INSERT INTO contests_attempt (contest_id, participant_id, day, started_at, deadline, finished_at, status,
                                          item_count, correct_count, score, duration_ms, user_agent, flagged,
                                          flag_reason, void_reason)
            SELECT p.contest_id, p.id, (t.at AT TIME ZONE 'Asia/Shanghai')::date, t.at, t.at + INTERVAL '10 minutes',
                   t.at + t.ms * INTERVAL '1 millisecond', 'finished', 20, t.right, t.right * 5, t.ms, %s, FALSE, '', ''
            FROM contests_participant p
            CROSS JOIN LATERAL (
              SELECT g, now() - INTERVAL '1 day' - random() * INTERVAL '19 days' AS at,
                     LEAST(20, 12 + floor(random() * 10))::int AS right, (60000 + random() * 500000)::int AS ms
              FROM generate_series(1, 5) g
            ) t
            WHERE p.contest_id = %s AND p.phone_hash LIKE 'history-%%'
            """,
            [HISTORY_AGENT, contest_id],
        )
        # Each participant's kept result (best mode: the engine folds it in as attempts close).
        cursor.execute(
            """
            UPDATE contests_participant p
            SET result_score = b.score, result_duration_ms = b.duration_ms, result_entered_at = b.finished_at
            FROM (
              SELECT DISTINCT ON (participant_id) participant_id, score, duration_ms, finished_at
              FROM contests_attempt WHERE contest_id = %s AND user_agent = %s
              ORDER BY participant_id, score DESC, duration_ms, finished_at
            ) b
            WHERE p.id = b.participant_id
            """,
            [contest_id, HISTORY_AGENT],
        )
    print(
        f"setup: history of {people * 5:,} closed attempts by {people:,} participants in "
        f"{time.perf_counter() - started:.0f} s"
    )


def region(code: str, name: str, level: int, parent: Any) -> Any:
    from kesu.regions.models import Region

    found = Region.objects.filter(code=code).first()
    if found is None:
        found = Region(code=code, name=name, level=level, parent=parent)
        found.path = found.compute_path()
        found.save()
    return found


def bank_rows(count: int) -> list[Any]:
    """A third of each type, with real-looking stems of ordinary length and four options."""
    import random

    from kesu.contests.models import ItemType
    from kesu.quiz.items import ItemRow

    rng = random.Random(19)
    topics = ["卫生健康", "应急避险", "生态环境", "科学常识", "信息素养", "农业科技"]
    rows = []
    for number in range(count):
        kind = [ItemType.JUDGE, ItemType.SINGLE, ItemType.MULTI][number % 3]
        topic = topics[number % len(topics)]
        stem = (
            f"（演示数据）第{number + 1}题：关于{topic}，下列说法中符合科学常识的是哪一项？"
            + "请仔细阅读题干。" * 2
        )
        if kind == ItemType.JUDGE:
            options, answer = ["正确", "错误"], [rng.choice("AB")]
        else:
            options = [f"{topic}相关的说法{letter}（第{number + 1}题），表述较为完整" for letter in "ABCD"]
            answer = (
                sorted(rng.sample("ABCD", rng.randint(2, 3)))
                if kind == ItemType.MULTI
                else [rng.choice("ABCD")]
            )
        rows.append(
            ItemRow(
                code=f"B{number + 1:04d}",
                type=kind,
                stem=stem,
                options=options,
                answer=answer,
                explanation=f"解析：本题考查{topic}的基本知识。",
                topics=[topic],
                difficulty=1 + number % 5,
            )
        )
    return rows


# --- gunicorn, and what it uses ---------------------------------------------------------------------------

PROFILE_CONF = """
import cProfile, os
_profiles = {}

def post_fork(server, worker):
    profile = cProfile.Profile()
    _profiles[os.getpid()] = profile
    profile.enable()

def worker_exit(server, worker):
    profile = _profiles.get(os.getpid())
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.path.join(%r, f"worker-{os.getpid()}.prof"))
"""


def start_gunicorn(args: argparse.Namespace, env: dict[str, str], work: Path) -> subprocess.Popen[bytes]:
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "kesu.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--preload",
        "--timeout",
        "120",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    if args.profile:
        conf = work / "gunicorn_profile.py"
        conf.write_text(PROFILE_CONF % str(work))
        command += ["--config", str(conf)]
    log = (work / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    import http.client

    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
            connection.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https", "Host": "127.0.0.1"})
            if connection.getresponse().status == 200:  # the app and its database answer
                return server
        except OSError:
            pass
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped at start:\n{(work / 'gunicorn.log').read_text()[-3000:]}")
        time.sleep(0.2)
    stop(server)
    sys.exit("gunicorn did not answer /healthz within 60 s")


def stop(process: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except OSError:
        return []


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process, from /proc (0 if it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pids_named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def own_backends() -> list[int]:
    """PostgreSQL backends serving this benchmark's database (not the other databases on the server)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


class Sampler(threading.Thread):
    """Every second: each gunicorn worker's RSS (peak kept per pid), the load average, and the CPU
    seconds of the workers, the database's backends, Redis and locust (backends come and go)."""

    def __init__(self, server: subprocess.Popen[bytes]) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.locust_pid = 0
        self.peak_rss: dict[int, float] = {}
        self.loads: list[float] = []
        self.cpu: dict[str, dict[int, tuple[float, float]]] = defaultdict(dict)  # kind → pid → (first, last)
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            self.sample()
            self.halt.wait(1)

    def sample(self) -> None:
        workers = children(self.server.pid)
        for pid in workers:
            self.peak_rss[pid] = max(self.peak_rss.get(pid, 0.0), rss_mb(pid))
        self.loads.append(os.getloadavg()[0])
        kinds = {
            "gunicorn": [self.server.pid, *workers],
            "postgres": self._backends(),
            "redis": pids_named("redis-server"),
            "locust": [self.locust_pid] if self.locust_pid else [],
        }
        for kind, pids in kinds.items():
            for pid in pids:
                now = process_cpu(pid)
                first = self.cpu[kind].get(pid, (now, now))[0]
                self.cpu[kind][pid] = (first, now)

    def _backends(self) -> list[int]:
        try:
            return own_backends()
        except Exception:  # noqa: BLE001 — the sampler must not stop the run
            return []

    def cpu_seconds(self) -> dict[str, float]:
        return {kind: sum(last - first for first, last in pids.values()) for kind, pids in self.cpu.items()}


class AutoAnalyze(threading.Thread):
    """What autovacuum's ANALYZE does in a deployment, for a PostgreSQL that has autovacuum turned off.

    A contest's tables grow from nothing to tens of thousands of rows in the first minutes. With no
    fresh statistics the planner still believes them empty and walks the wrong index for every answer
    (16 ms instead of 0.1 ms: seen here on a server started with ``autovacuum = off``). PostgreSQL's
    default (autovacuum on, analyze after 50 rows + 10 %) keeps them fresh by itself; this thread does the
    same every 20 s, and only when the server's autovacuum is off.
    """

    TABLES = "contests_attempt, contests_attemptitem, contests_participant"

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.halt = threading.Event()
        self.runs = 0

    @staticmethod
    def needed() -> bool:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW autovacuum")
            return cursor.fetchone()[0] == "off"

    def run(self) -> None:
        from django.db import connection

        try:
            while not self.halt.wait(20):
                with connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE {self.TABLES}")
                self.runs += 1
        finally:
            connection.close()


# --- locust -----------------------------------------------------------------------------------------------

REQUEST_LOG_HOOK = """
import csv, os, time
from locust import events

_rows = []
_marks = {}

@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    _rows.append((round(time.time(), 3), name, round(response_time, 2), "" if exception is None else str(exception)[:120]))

@events.spawning_complete.add_listener
def _spawned(user_count, **kwargs):
    _marks["spawned"] = time.time()

@events.quitting.add_listener
def _write(environment, **kwargs):
    with open(os.environ["CONTEST_REQUEST_LOG"], "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["spawned", _marks.get("spawned", 0), "", ""])
        writer.writerows(_rows)
"""


def run_locust(
    args: argparse.Namespace, key: str, towns: list[str], work: Path, sampler: Sampler
) -> tuple[Path, Path]:
    """Locust headless against gunicorn; returns the per-request log and the accepted-answers log."""
    hook = work / "contest_request_log.py"
    hook.write_text(REQUEST_LOG_HOOK)
    request_log, answer_log = work / "requests.csv", work / "answers.jsonl"
    ramp = args.users / args.spawn_rate
    run_time = int(ramp + args.seconds + 1)
    command = [
        str(ROOT / ".venv/bin/locust"),
        "-f",
        f"{ROOT / 'benchmarks/contest_locustfile.py'},{hook}",
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{run_time}s",
        "--host",
        f"http://127.0.0.1:{args.port}",
        "--stop-timeout",
        "10",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {
        **os.environ,
        "CONTEST_KEY": key,
        "CONTEST_REGION_CODES": ",".join(towns),
        "CONTEST_ANSWER_LOG": str(answer_log),
        "CONTEST_REQUEST_LOG": str(request_log),
        "CONTEST_RUN_TAG": str(int(time.time()) // 60),
    }
    print(
        f"locust: {args.users} users spawned at {args.spawn_rate:g}/s ({ramp:.0f} s), then {args.seconds} s "
        f"of steady state; each one a step every 4–6 s"
    )
    log = (work / "locust.log").open("wb")
    locust = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    sampler.locust_pid = locust.pid
    try:
        locust.wait(timeout=run_time + 120)
    except subprocess.TimeoutExpired:
        stop(locust, signal.SIGINT)
    finally:
        stop(locust, signal.SIGINT)
    if not request_log.exists():
        sys.exit(f"locust wrote no request log:\n{(work / 'locust.log').read_text()[-3000:]}")
    return request_log, answer_log


# --- the report -------------------------------------------------------------------------------------------


def read_requests(path: Path) -> tuple[float, list[tuple[float, str, float, str]]]:
    with path.open(encoding="utf-8") as source:
        rows = list(csv.reader(source))
    spawned = float(rows[0][1] or 0)
    return spawned, [(float(t), name, float(ms), error) for t, name, ms, error in rows[1:]]


def table(
    title: str, rows: list[tuple[float, str, float, str]], seconds: float, cores: int
) -> tuple[float, int]:
    """Prints p50/p95/p99 per endpoint; returns the worst p95 and the errors."""
    by_name: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    for _, name, took, error in rows:
        by_name[name].append(took)
        if error:
            errors[name].append(error)
    print(
        f"\n{title}: {len(rows)} requests in {seconds:.0f} s = {len(rows) / max(seconds, 1):.1f} req/s "
        f"({len(rows) / max(seconds, 1) / cores:.1f} per core)"
    )
    print(f"  {'endpoint':<34} {'n':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8} {'errors':>7}")
    worst = 0.0
    for name in sorted(by_name):
        millis = by_name[name]
        p95 = percentile(millis, 95)
        worst = max(worst, p95)
        print(
            f"  {name:<34} {len(millis):>6} {statistics.median(millis):>6.0f}ms {p95:>6.0f}ms "
            f"{percentile(millis, 99):>6.0f}ms {max(millis):>6.0f}ms {len(errors[name]):>7}"
        )
    everything = [m for _, _, m, _ in rows]
    if everything:
        print(
            f"  {'all':<34} {len(everything):>6} {statistics.median(everything):>6.0f}ms "
            f"{percentile(everything, 95):>6.0f}ms {percentile(everything, 99):>6.0f}ms {max(everything):>6.0f}ms "
            f"{sum(len(e) for e in errors.values()):>7}"
        )
    for name, found in [(name, found) for name, found in errors.items() if found]:
        kinds: dict[str, int] = defaultdict(int)
        for error in found:
            kinds[error] += 1
        print(f"  errors of {name}: " + "; ".join(f"{count}× {text}" for text, count in kinds.items()))
    return worst, sum(len(e) for e in errors.values())


def verify(contest_id: int, answer_log: Path) -> dict[str, int]:
    """Lost and doubled answers against locust's log, and every closed attempt's score recomputed in SQL."""
    from django.db import connection

    from kesu.contests.engine import GRACE_SECONDS as grace

    accepted: dict[tuple[int, int], list[str]] = {}
    doubled_seen = 0
    if answer_log.exists():
        for line in answer_log.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry.get("doubled"):
                doubled_seen += 1
            else:
                key = (entry["attempt"], entry["position"])
                doubled_seen += key in accepted  # the same position acknowledged twice
                accepted[key] = entry["answer"]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT ai.attempt_id, ai.position, ai.answer FROM contests_attemptitem ai
            JOIN contests_attempt a ON a.id = ai.attempt_id
            WHERE a.contest_id = %s AND ai.answered_at IS NOT NULL
            """,
            [contest_id],
        )
        stored = {(a, p): (json.loads(v) if isinstance(v, str) else v) for a, p, v in cursor.fetchall()}
        cursor.execute(
            """
            SELECT COUNT(*) FROM (SELECT 1 FROM contests_attemptitem ai JOIN contests_attempt a ON a.id = ai.attempt_id
            WHERE a.contest_id = %s GROUP BY ai.attempt_id, ai.position HAVING COUNT(*) > 1) twice
            """,
            [contest_id],
        )
        duplicate_rows = cursor.fetchone()[0]
        # Right = the same set of letters as the key (a 多选 all or nothing), answered in time: an item is shown
        # when the one before it was answered (the first at the start), and must be answered within its seconds
        # and the attempt's deadline, allowing the engine's grace for the network. Late answers count as wrong.
        cursor.execute(
            """
            WITH timed AS (
              SELECT a.id AS attempt_id, a.score, a.correct_count, a.deadline, c.points_per_item,
                     c.seconds_per_item, ai.points, ai.correct AS stored_correct, ai.answer, ai.answered_at,
                     ci.answer AS key,
                     COALESCE(LAG(ai.answered_at) OVER (PARTITION BY ai.attempt_id ORDER BY ai.position),
                              a.started_at) AS shown
              FROM contests_attempt a
              JOIN contests_contest c ON c.id = a.contest_id
              JOIN contests_attemptitem ai ON ai.attempt_id = a.id
              JOIN contests_contestitem ci ON ci.id = ai.item_id
              WHERE a.contest_id = %s AND a.status IN ('finished', 'expired')
            ), per_item AS (
              SELECT *, (answer IS NOT NULL AND answered_at IS NOT NULL
                         AND answer::jsonb @> key::jsonb AND key::jsonb @> answer::jsonb
                         AND answered_at <= deadline + %s * INTERVAL '1 second'
                         AND (seconds_per_item IS NULL
                              OR answered_at <= shown + (seconds_per_item + %s) * INTERVAL '1 second')
                        ) AS right_now
              FROM timed
            )
            SELECT attempt_id, MAX(score), MAX(correct_count), MAX(points_per_item),
                   SUM(CASE WHEN right_now THEN 1 ELSE 0 END), SUM(points),
                   SUM(CASE WHEN COALESCE(stored_correct, FALSE) <> right_now THEN 1 ELSE 0 END)
            FROM per_item GROUP BY attempt_id
            """,
            [contest_id, grace, grace],
        )
        attempts = cursor.fetchall()
        cursor.execute(
            "SELECT status, COUNT(*) FROM contests_attempt WHERE contest_id = %s AND user_agent <> %s GROUP BY status",
            [contest_id, HISTORY_AGENT],
        )
        statuses = dict(cursor.fetchall())
    lost = sum(
        1 for key, answer in accepted.items() if key not in stored or sorted(stored[key]) != sorted(answer)
    )
    unacknowledged = sum(1 for key in stored if key not in accepted)
    wrong_scores = sum(
        1
        for _, score, correct, points, right, summed, _ in attempts
        if score != right * points or correct != right
    )
    wrong_points = sum(
        1 for _, score, _, _, _, summed, _ in attempts if summed is not None and summed != score
    )
    wrong_items = sum(flags for *_, flags in attempts)
    return {
        "answers accepted by the server as locust saw them": len(accepted),
        "answers stored": len(stored),
        "lost (accepted, not stored or stored differently)": lost,
        "doubled (a position accepted twice, or stored twice)": doubled_seen + duplicate_rows,
        "stored but not acknowledged to locust (response lost at the end)": unacknowledged,
        "closed attempts recomputed": len(attempts),
        "closed attempts whose score or correct count differs from the recomputation": wrong_scores,
        "closed attempts whose item points do not add up to the score": wrong_points,
        "answered items whose stored correct flag differs from the recomputation": wrong_items,
        **{f"attempts {status}": count for status, count in sorted(statuses.items())},
    }


def hand_in(contest_id: int) -> int:
    """Close the attempts the run left open, the way the phone's 交卷 does, so every attempt is recomputed."""
    from kesu.contests import engine
    from kesu.contests.models import Attempt, AttemptStatus, Contest

    contest = Contest.objects.get(pk=contest_id)
    open_attempts = list(
        Attempt.objects.filter(contest_id=contest_id, status=AttemptStatus.ACTIVE).values_list(
            "pk", "participant_id"
        )
    )
    for pk, participant in open_attempts:
        engine.finish(contest, participant, pk)
    return len(open_attempts)


def print_profiles(work: Path) -> None:
    import pstats

    files = sorted(work.glob("worker-*.prof"))
    if not files:
        print("profile: no worker wrote a profile")
        return
    stats = pstats.Stats(*[str(f) for f in files])
    print(f"\nprofile of {len(files)} workers (cProfile; top 30 by own time, then by cumulative time):")
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(40)


# --- in-process: statements and calls per request -------------------------------------------------------


def inprocess(key: str, town: str) -> None:
    """Participants' whole attempts through Django's WSGI handler in this process, as gunicorn hands them
    over: SQL statements, Python function calls and CPU per request (the second participant's, so the
    first requests' imports and URL compilation are not counted), and where an answer's calls go."""
    import cProfile
    import io
    import pstats
    from http.cookies import SimpleCookie

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    app = WSGIHandler()
    api = f"/c/{key}/api/"
    csrf = "c" * 32

    def run(
        phone: str,
        shown: dict[str, list[tuple[int, int, float, float, float]]],
        answers: list[cProfile.Profile],
    ) -> None:
        cookies = {"csrftoken": csrf}

        def call(name: str, method: str, path: str, body: Any = None) -> Any:
            data = json.dumps(body or {}).encode() if method == "POST" else b""
            environ = {
                "REQUEST_METHOD": method,
                "PATH_INFO": api + path,
                "QUERY_STRING": "",
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "443",
                "HTTP_HOST": "127.0.0.1",
                "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                "HTTP_X_CSRFTOKEN": csrf,
                "HTTP_X_FORWARDED_PROTO": "https",
                "HTTP_X_FORWARDED_FOR": "10.9.9.9",
                "HTTP_ORIGIN": "https://127.0.0.1",
                "HTTP_REFERER": f"https://127.0.0.1/c/{key}/",
                "CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": str(len(data)),
                "wsgi.input": io.BytesIO(data),
                "wsgi.url_scheme": "http",
                "wsgi.errors": sys.stderr,
                "SERVER_PROTOCOL": "HTTP/1.1",
                "REMOTE_ADDR": "127.0.0.1",
            }
            status: list[str] = []
            headers: list[tuple[str, str]] = []

            def start_response(line: str, sent: list[tuple[str, str]], *_: Any) -> None:
                status.append(line)
                headers.extend(sent)

            profile = cProfile.Profile()
            with CaptureQueriesContext(connection) as queries:
                started, clock = time.process_time(), time.perf_counter()
                profile.enable()
                raw = b"".join(app(environ, start_response))  # type: ignore[arg-type]
                profile.disable()
                cpu = (time.process_time() - started) * 1000
                wall = (time.perf_counter() - clock) * 1000
            sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
            calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
            shown[name].append((len(queries), calls, cpu, wall, sql_ms))
            slowest = max(queries.captured_queries, key=lambda q: float(q["time"]), default=None)
            if slowest is not None and float(slowest["time"]) > 0.05:
                print(f"  slow SQL in {name}: {float(slowest['time']) * 1000:.0f} ms: {slowest['sql'][:400]}")
            if name == "attempts/<id>/answer":
                answers.append(profile)
            for header, value in headers:
                if header.lower() == "set-cookie":
                    jar: SimpleCookie = SimpleCookie()
                    jar.load(value)
                    cookies.update({k: m.value for k, m in jar.items() if k in ("kesu_cp", "csrftoken")})
            assert status and status[0][:3] in ("200", "201"), (name, status, raw[:300])
            return json.loads(raw)

        challenge = call("challenge", "POST", "challenge")
        registration = {
            "phone": phone,
            "name": "测一测",
            "region_code": town,
            "birth_year": 1990,
            "challenge": challenge["challenge"],
            "slider": challenge.get("target", 50),
            "drag_ms": 1500,
        }
        call("register", "POST", "register", registration)
        call("me", "GET", "me")
        started = call("attempts (start)", "POST", "attempts")
        attempt, item = started["attempt"]["id"], started["item"]
        while item is not None:
            letters = "AB" if item["type"] == "judge" else "ABCD"
            given = ["A", "B"] if item["type"] == "multi" else [letters[item["position"] % len(letters)]]
            body = {"position": item["position"], "answer": given}
            answered = call("attempts/<id>/answer", "POST", f"attempts/{attempt}/answer", body)
            item = None if answered.get("finished") else answered.get("item")
        call("attempts/<id>/finish", "POST", f"attempts/{attempt}/finish")
        call("attempts/<id>/result", "GET", f"attempts/{attempt}/result")
        call("leaderboard", "GET", "leaderboard")

    warm: dict[str, list[tuple[int, int, float, float, float]]] = defaultdict(list)
    run(f"139{int(time.time()) % 100000000:08d}", warm, [])
    shown: dict[str, list[tuple[int, int, float, float, float]]] = defaultdict(list)
    answers: list[cProfile.Profile] = []
    run(f"138{int(time.time()) % 100000000:08d}", shown, answers)
    print(
        f"\nin-process through the WSGI handler, the second participant's attempt ({connection.vendor}, cache "
        f"{os.environ['REDIS_URL']}; CPU in this process, machine load {os.getloadavg()[0]:.2f}):"
    )
    print(
        f"  {'endpoint':<26} {'requests':>8} {'SQL/request':>12} {'Python calls/request':>21} "
        f"{'CPU ms':>7} {'wall ms':>8} {'in SQL ms':>10}  (medians)"
    )
    for name, samples in shown.items():
        print(
            f"  {name:<26} {len(samples):>8} {statistics.mean(s[0] for s in samples):>12.1f} "
            f"{statistics.mean(s[1] for s in samples):>21.0f} {statistics.median(s[2] for s in samples):>7.1f} "
            f"{statistics.median(s[3] for s in samples):>8.1f} {statistics.median(s[4] for s in samples):>10.1f}"
        )
    print(
        f"\nwhere the {len(answers)} answers' calls go (cProfile; top 25 by cumulative time, then by calls):"
    )
    stats = pstats.Stats(answers[0])
    for profile in answers[1:]:
        stats.add(profile)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("ncalls").print_stats(15)


# --- main ---------------------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    if not args.inprocess and not (ROOT / ".venv/bin/locust").exists():
        sys.exit("没有 locust：.venv/bin/pip install -c requirements/test.txt -e '.[bench]'")
    work = Path(tempfile.mkdtemp(prefix="contest_bench_"))
    env = configure(args, work / "data")
    import django

    django.setup()
    flush_redis(env["REDIS_URL"])
    started = time.perf_counter()
    key, towns, contest_id = build_contest(args.items, args.draw, args.history, args.keep)
    print(
        f"setup: contest {contest_id} (key {key}) with {args.items} items, {len(towns)} towns, "
        f"in {time.perf_counter() - started:.1f} s; work folder {work}"
    )
    if args.inprocess:
        inprocess(key, towns[0])
        return
    cores = os.cpu_count() or 1
    load_before = os.getloadavg()
    server = start_gunicorn(args, env, work)
    sampler = Sampler(server)
    sampler.start()
    analyzer = AutoAnalyze() if AutoAnalyze.needed() else None
    if analyzer:
        print(
            "this PostgreSQL runs with autovacuum = off: the benchmark ANALYZEs the contest tables every 20 s"
        )
        analyzer.start()
    try:
        request_log, answer_log = run_locust(args, key, towns, work, sampler)
    finally:
        sampler.halt.set()
        sampler.join(timeout=5)
        if analyzer:
            analyzer.halt.set()
            analyzer.join(timeout=30)
        stop(server)
    load_after = os.getloadavg()
    spawned, rows = read_requests(request_log)
    # Steady state: every user spawned and registered (locust's on_start runs after the spawn event), and the
    # burst of first draws that follows the registrations settled.
    spawned = (
        max([spawned] + [t for t, name, _, _ in rows if name in ("challenge", "register")]) + args.settle
    )
    first = rows[0][0] if rows else 0
    last = rows[-1][0] if rows else 0
    ramp_rows = [r for r in rows if r[0] < spawned]
    steady_rows = [r for r in rows if r[0] >= spawned]
    print(
        f"\nmachine: {cores} cores; load average {load_before[0]:.2f} before, peak {max(sampler.loads or [0]):.2f} "
        f"during, {load_after[0]:.2f} after (1-minute); gunicorn {args.workers} sync workers --preload on "
        f"127.0.0.1:{args.port}, DEBUG=0, Redis {env['REDIS_URL']}, PostgreSQL {env['DATABASE_URL']}"
    )
    table(f"ramp-up (until {args.settle:g} s after the last registration)", ramp_rows, spawned - first, cores)
    worst_p95, errors = table(f"steady state, {args.users} users", steady_rows, last - spawned, cores)
    ramp_errors = sum(1 for r in ramp_rows if r[3])
    cpu = sampler.cpu_seconds()
    total = max(len(rows), 1)
    print(
        "\nCPU per request over the whole run: "
        + ", ".join(f"{kind} {1000 * seconds / total:.1f} ms" for kind, seconds in cpu.items())
        + f" (Redis is the machine's shared server: other work counts too); {total} requests"
    )
    peaks = sorted(sampler.peak_rss.items())
    print("peak RSS per gunicorn worker: " + ", ".join(f"pid {pid} {mb:.0f} MB" for pid, mb in peaks))
    handed_in = hand_in(contest_id)
    print(
        f"\nattempts still open when locust stopped, handed in through engine.finish (as 交卷): {handed_in}"
    )
    counts = verify(contest_id, answer_log)
    print("\nafter the run, from the database:")
    for label, count in counts.items():
        print(f"  {label}: {count}")
    verdicts = {
        f"p95 < {BAR_P95_MS} ms (steady state, every endpoint)": worst_p95 < BAR_P95_MS,
        "0 errors": errors + ramp_errors == 0,
        "0 lost answers": counts["lost (accepted, not stored or stored differently)"] == 0,
        "0 doubled answers": counts["doubled (a position accepted twice, or stored twice)"] == 0,
        "every final score equals its recomputation": counts[
            "closed attempts whose score or correct count differs from the recomputation"
        ]
        == 0,
        f"< {BAR_RSS_MB} MB per worker": all(mb < BAR_RSS_MB for _, mb in peaks),
    }
    print("\nthe issue's bar:")
    for label, met in verdicts.items():
        print(f"  {'met' if met else 'NOT MET'}: {label}")
    if args.profile:
        print_profiles(work)
    integrity = ("0 lost answers", "0 doubled answers", "every final score equals its recomputation")
    sys.exit(0 if all(verdicts[label] for label in integrity) else 1)


if __name__ == "__main__":
    main()
