"""The app tier keeps no attempt state in process memory: two app servers serve one participant in turn.

Two gunicorn processes (one sync worker each, as a province runs N app servers behind a load balancer)
share the test database and one cache — the embedded defaults on SQLite (the database file and the
file cache), or PostgreSQL (and Redis when ``REDIS_URL`` is set). One participant gets a challenge from B,
registers on A, starts on B, answers A/B/A/…, has server A replaced by a fresh process mid-attempt,
finishes on B and reads the result on A; the result is the one a single server gives for the same
answers, computed here from the bank's key. On SQLite the test's in-memory database is copied to a file
for the servers.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from kesu.contests import actions, bank
from kesu.contests.models import Attempt, AttemptItem, ContestKind, ContestLevel, ContestStatus
from kesu.quiz.items import ItemRow
from kesu.regions.models import Region

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[4]
GUNICORN = Path(sys.executable).parent / "gunicorn"
CSRF = "d" * 32
SECRET = "two-servers-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


class Server:
    """One gunicorn app server on a free loopback port, with the environment of a production install."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path, port: int) -> None:
        self.name, self.env, self.log_dir, self.port = name, env, log_dir, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        log = (self.log_dir / f"server-{self.name}.log").open("ab")
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "kesu.wsgi:application",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                "1",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"server {self.name} stopped:\n{self.log()}")
            try:
                if request(self, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server {self.name} did not answer /healthz:\n{self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def log(self) -> str:
        path = self.log_dir / f"server-{self.name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (the probes stay open until all are picked, so none is picked twice)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def request(
    server: Server, method: str, path: str, body: Any = None, cookies: dict[str, str] | None = None
) -> tuple[int, Any, dict[str, str]]:
    """One request as the phone page sends it behind the TLS proxy; status, JSON, cookies set."""
    origin = f"https://127.0.0.1:{server.port}"
    headers = {
        "Host": f"127.0.0.1:{server.port}",
        "X-Forwarded-Proto": "https",
        "Origin": origin,
        "Referer": origin + "/",
        "X-CSRFToken": CSRF,
        "Cookie": "; ".join(f"{k}={v}" for k, v in {"csrftoken": CSRF, **(cookies or {})}.items()),
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    data = json.dumps(body or {}).encode() if method == "POST" else None
    client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        client.request(method, path, body=data, headers=headers)
        response = client.getresponse()
        raw = response.read()
        jar: SimpleCookie = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    finally:
        client.close()
    payload = json.loads(raw) if raw.startswith(b"{") else raw.decode(errors="replace")[:300]
    return response.status, payload, {key: morsel.value for key, morsel in jar.items()}


class Phone:
    """The participant's phone: it keeps its cookie and talks to whichever server the balancer picks."""

    def __init__(self, key: str) -> None:
        self.api = f"/c/{key}/api/"
        self.cookies: dict[str, str] = {}

    def call(self, server: Server, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        status, payload, cookies = request(server, method, self.api + path, body, self.cookies)
        self.cookies.update({k: v for k, v in cookies.items() if k == "kesu_cp"})
        assert status == expect, f"{method} {path} on {server.name}: {status} {payload}\n{server.log()}"
        return payload


def open_contest(items_per_type: int = 10) -> tuple[Any, Region, dict[str, list[str]]]:
    """An own contest opened through the office's actions, with its bank; the key by stem."""
    city = Region.objects.get(code="410400000000")
    town = Region.objects.filter(path__startswith=city.path, level__gte=3).order_by("code").first() or city
    now = timezone.now()
    contest = actions.create_contest(
        None,
        city,
        name="两台服务器轮流答题",
        level=ContestLevel.CITY,
        kind=ContestKind.OWN,
        organiser="平顶山市科协",
        year=now.year,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        draw_rule={"judge": 2, "single": 2, "multi": 2},
        points_per_item=5,
        seconds_per_item=600,
        seconds_per_attempt=3600,
        attempts_per_day=3,
    )
    rows = []
    for number in range(items_per_type * 3):
        kind = ["judge", "single", "multi"][number % 3]
        options = ["正确", "错误"] if kind == "judge" else [f"说法{c}（第{number}题）" for c in "ABCD"]
        answer = {"judge": ["B"], "single": ["C"], "multi": ["A", "D"]}[kind]
        rows.append(
            ItemRow(
                code=f"T{number:03d}",
                type=kind,
                stem=f"第{number}题：下列关于科学常识的说法是否正确？",
                options=options,
                answer=answer,
                explanation="解析：演示数据。",
                topics=["科学常识"],
            )
        )
    bank.import_items(None, contest, rows, filename="题库.xlsx")
    contest = bank.lock_bank(None, contest)
    contest = actions.advance_contest(None, contest, ContestStatus.BANK_LOCKED)
    return contest, town, {row.stem: row.answer for row in rows}


def database_url(folder: Path) -> str:
    """Where the servers find the test database: a copy of SQLite's in-memory one, or the PostgreSQL one."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        path = folder / "kesu.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)  # every table and row the test committed
        target.close()
        return f"sqlite:///{path}"
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return (
        f"postgresql://{auth}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def server_env(folder: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kesu.settings",
        "DATABASE_URL": database_url(folder),
        "KESU_DATA_DIR": str(folder),
        "KESU_CACHE_DIR": str(folder / "cache"),  # the file cache both servers share (the embedded default)
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    env.pop("KESU_TRUSTED_PROXIES", None)
    env.pop("KESU_TRUSTED_PROXY_COUNT", None)
    return env


def answer_for(item: dict[str, Any], key: dict[str, list[str]], right: bool) -> list[str]:
    """The key's answer, or a wrong one."""
    answer = key[item["stem"]]
    if right:
        return answer
    return ["A"] if answer != ["A"] else ["B"]


def test_two_app_servers_serve_one_participant_in_turn_and_score_as_one_would(
    world: Any, tmp_path: Path
) -> None:
    contest, town, key = open_contest()
    env = server_env(tmp_path)  # on SQLite: the servers write to a copy of the database; read it below
    # A2 is server A after a restart: a fresh process that takes over A's place mid-attempt (started with
    # the others so the three Django start-ups overlap).
    a, b, a2 = (
        Server(name, env, tmp_path, port).start()
        for name, port in zip(("A", "B", "A2"), free_ports(3), strict=True)
    )
    try:
        for server in (a, b, a2):
            server.wait_ready()
        phone = Phone(contest.public_key)

        # The slider's challenge is remembered in the shared cache: asked on B, answered on A.
        challenge = phone.call(b, "POST", "challenge")
        phone.call(
            a,
            "POST",
            "register",
            {
                "phone": "13812345678",
                "name": "轮流答",
                "region_code": town.code,
                "birth_year": 1990,
                "challenge": challenge["challenge"],
                "slider": challenge["target"],
                "drag_ms": 1400,
            },
        )
        started = phone.call(b, "POST", "attempts", expect=201)
        attempt, item = started["attempt"]["id"], started["item"]
        # One attempt at a time, whichever server is asked.
        refused = phone.call(a, "POST", "attempts", expect=409)
        assert refused["code"] == "attempt_active"

        servers = [a, b]
        given: list[bool] = []
        while item is not None:
            position = item["position"]
            server = servers[(position - 1) % 2]  # A, B, A, …
            if position == 3:
                # A refresh on the other server resumes on the same item.
                current = phone.call(servers[position % 2], "GET", "attempts/current")
                assert current["attempt"]["id"] == attempt and current["item"]["position"] == position
                assert current["item"]["stem"] == item["stem"]
            if position == 4:
                # Server A goes away mid-attempt and a fresh process takes its place: nothing about the
                # attempt was kept in A's memory.
                a.stop()
                a = servers[0] = a2
            right = position % 3 != 0
            given.append(right)
            answered = phone.call(
                server,
                "POST",
                f"attempts/{attempt}/answer",
                {"position": position, "answer": answer_for(item, key, right)},
            )
            assert answered["accepted"] is True and answered["late"] is False
            # The same answer again, at the other server, is not stored twice (after the last one the attempt
            # is over, and a re-sent last answer is refused as such).
            status, again, _ = request(
                servers[position % 2],
                "POST",
                phone.api + f"attempts/{attempt}/answer",
                {"position": position, "answer": answer_for(item, key, right)},
                phone.cookies,
            )
            if answered["finished"]:
                assert (status, again["code"]) in [(200, "duplicate"), (409, "attempt_over")]
            else:
                assert (status, again["accepted"], again["code"]) == (200, False, "duplicate")
            item = None if answered["finished"] else answered["item"]

        finished = phone.call(b, "POST", f"attempts/{attempt}/finish")
        on_a = phone.call(a, "GET", f"attempts/{attempt}/result")
        on_b = phone.call(b, "GET", f"attempts/{attempt}/result")
        me = phone.call(a, "GET", "me")
    finally:
        for server in (a, b, a2):
            server.stop()

    correct = sum(given)
    assert len(given) == 6
    assert finished == on_a == on_b
    assert (on_a["correct_count"], on_a["score"], on_a["item_count"]) == (correct, correct * 5, 6)
    assert [row["correct"] for row in on_a["review"]] == given
    assert me["best_score"] == correct * 5 and me["active_attempt"] is None
    stored = stored_answers(tmp_path, attempt)
    assert stored == [(position, 1) for position in range(1, 7)]  # each answer stored once


def stored_answers(folder: Path, attempt: int) -> list[tuple[int, int]]:
    """(position, rows answered) as the servers wrote them."""
    if connection.vendor == "sqlite":
        with sqlite3.connect(folder / "kesu.sqlite3") as db:
            return db.execute(
                "SELECT position, COUNT(*) FROM contests_attemptitem WHERE attempt_id = ? AND answered_at IS NOT NULL "
                "GROUP BY position ORDER BY position",
                [attempt],
            ).fetchall()
    assert Attempt.objects.get(pk=attempt).status == "finished"
    return [
        (position, 1)
        for position in AttemptItem.objects.filter(attempt_id=attempt, answered_at__isnull=False)
        .order_by("position")
        .values_list("position", flat=True)
    ]
