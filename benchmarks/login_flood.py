"""Does a flood of bad sign-ins slow everyone else down? /healthz latency under 8 guessing clients.

Starts gunicorn on loopback with a fresh SQLite database and the production password hasher
(PBKDF2, Django's default iterations), then measures ``/healthz`` alone and while 8 clients post
wrong passwords for random user names as fast as they can, twice:

- ``unthrottled``: the per-address limit off and delays starting only after a million failures —
  what a per-username lockout amounts to against random names (every attempt hashes a password);
- ``throttled``: the shipped settings — after ``KESU_LOGIN_FAILURES_PER_ADDRESS`` failures the
  address is refused with 429 before any hashing, so the guessers slow only themselves.

    .venv/bin/python benchmarks/login_flood.py [--seconds 20] [--workers 3]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
CLIENTS = 8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(data_dir: Path, throttled: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kesu.settings",
        "KESU_DATA_DIR": str(data_dir),
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("DATABASE_URL", None)
    if not throttled:
        env["KESU_LOGIN_FAILURES_PER_ADDRESS"] = "0"
        env["KESU_LOCKOUT_FAILURES"] = "1000000"
    return env


def prepare(data_dir: Path) -> None:
    env = server_env(data_dir, True)
    subprocess.run([PYTHON, "-m", "kesu", "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)


def healthz_latency(base: str, stop: threading.Event, samples: list[float]) -> None:
    while not stop.is_set():
        start = time.perf_counter()
        try:
            urllib.request.urlopen(base + "/healthz", timeout=60).read()
        except (urllib.error.URLError, TimeoutError):
            samples.append(60.0)
            continue
        samples.append(time.perf_counter() - start)
        time.sleep(0.05)


def guesser(base: str, stop: threading.Event, statuses: Counter[int], lock: threading.Lock) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/accounts/login/", timeout=60).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token on the sign-in page"
    while not stop.is_set():
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "username": f"guess-{secrets.token_hex(4)}",
                "password": secrets.token_urlsafe(12),
            }
        ).encode()
        request = urllib.request.Request(
            base + "/accounts/login/", data=body, headers={"Referer": base + "/"}
        )
        try:
            status = opener.open(request, timeout=60).status
        except urllib.error.HTTPError as error:
            status = error.code
        except (urllib.error.URLError, TimeoutError):
            status = 0
        with lock:
            statuses[status] += 1


def measure(base: str, seconds: float, flood: bool) -> dict[str, object]:
    stop = threading.Event()
    samples: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    threads = [threading.Thread(target=healthz_latency, args=(base, stop, samples))]
    if flood:
        threads += [
            threading.Thread(target=guesser, args=(base, stop, statuses, lock)) for _ in range(CLIENTS)
        ]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    ordered = sorted(samples)
    later = sorted(
        samples[len(samples) // 2 :]
    )  # once the first failures have used up the address's allowance
    return {
        "healthz_requests": len(samples),
        "healthz_median_ms": round(statistics.median(ordered) * 1000, 1),
        "healthz_p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 1)
        if len(ordered) > 1
        else None,
        "healthz_max_ms": round(ordered[-1] * 1000, 1),
        "healthz_second_half_median_ms": round(statistics.median(later) * 1000, 1),
        "login_posts": dict(sorted(statuses.items())),
    }


def run(throttled: bool, seconds: float, workers: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="kesu-flood-") as tmp:
        data_dir = Path(tmp)
        prepare(data_dir)
        port = free_port()
        server = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "kesu.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(workers),
                "--timeout",
                "120",
            ],
            env=server_env(data_dir, throttled),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):  # gunicorn imports Django first: on a busy host that takes a while
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=30).read()
                    break
                except OSError:
                    time.sleep(0.5)
            quiet = measure(base, seconds / 2, flood=False)
            flooded = measure(base, seconds, flood=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {"mode": "throttled" if throttled else "unthrottled", "quiet": quiet, "flood": flooded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    print(
        f"load average before: {os.getloadavg()[0]:.1f}; {os.cpu_count()} CPUs; {args.workers} gunicorn workers"
    )
    for throttled in (False, True):
        print(json.dumps(run(throttled, args.seconds, args.workers), ensure_ascii=False))


if __name__ == "__main__":
    main()
