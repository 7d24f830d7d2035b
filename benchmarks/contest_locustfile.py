"""Participants of an office's own contest, for locust: register, draw, answer every ~5 s, finish, again.

Run by benchmarks/contest_bench.py (which builds the contest, starts gunicorn and checks the database
afterwards); by hand:

    CONTEST_KEY=<public key> .venv/bin/locust -f benchmarks/contest_locustfile.py --headless \
        -u 50 -r 10 -t 60s -H http://127.0.0.1:8121

Each simulated participant does what the phone page does (docs/contests.md, the public JSON API):
``POST challenge`` and ``POST register`` with the slider moved to the target (a real registration, not a
cookie minted by the benchmark), ``GET me``, then one step every 4–6 s: start an attempt (or resume the
one the server says is active), answer the item on screen, and after the last answer ``finish`` and
``result``; now and then the leaderboard, a refresh that resumes (``GET attempts/current``) and a
repeated answer (as a phone on a weak network re-sends one), which must come back ``accepted: false``.

Requests look as they do behind the production TLS proxy: ``X-Forwarded-Proto: https``, each participant
with their own client address in ``X-Forwarded-For`` (the server trusts 127.0.0.1 as its proxy), the
``csrftoken`` cookie and ``X-CSRFToken`` header. Cookies are sent by hand: the server marks them Secure,
which a cookie jar would not send over the loopback's plain HTTP.

Every answer the server accepted is written, at the end, to ``CONTEST_ANSWER_LOG`` (JSON lines:
attempt, position, answer) so the benchmark can check that each one is stored exactly once.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from http.cookies import SimpleCookie
from typing import Any

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

CONTEST_KEY = os.environ.get("CONTEST_KEY", "")
REGION_CODES = [c for c in os.environ.get("CONTEST_REGION_CODES", "").split(",") if c]
ANSWER_LOG = os.environ.get("CONTEST_ANSWER_LOG", "")
RUN_TAG = int(os.environ.get("CONTEST_RUN_TAG", "0")) % 100  # phones differ between runs on one contest
CSRF = "c" * 32
RESEND_SHARE = 0.03  # answers sent twice, as a phone re-sends after a lost response
REFRESH_SHARE = 0.03  # steps that reload the page mid-attempt (GET attempts/current)
LEADERBOARD_SHARE = 0.3  # finished attempts after which the participant looks at the leaderboard

_serial = itertools.count(1)
ACCEPTED: list[tuple[int, int, list[str]]] = []  # (attempt, position, answer) the server accepted
DOUBLED: list[tuple[int, int]] = []  # a position the server accepted a second time (must stay empty)
LETTERS = "ABCDEFGH"


class Participant(FastHttpUser):
    wait_time = between(4, 6)

    def on_start(self) -> None:
        number = next(_serial)
        self.ip = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        self.phone = f"13{RUN_TAG:02d}{number:07d}"
        self.cookies = {"csrftoken": CSRF}
        self.attempt: int | None = None
        self.item: dict[str, Any] | None = None
        self.resend: tuple[str, dict[str, Any]] | None = None
        self.api = f"/c/{CONTEST_KEY}/api/"
        # The page's origin as the browser sends it behind the TLS proxy (Django compares it with Host).
        self.origin = (self.host or "").replace("http://", "https://", 1).rstrip("/")
        self.registered = self.register()

    # --- requests ------------------------------------------------------------------------------------

    def call(self, method: str, path: str, name: str, body: Any = None, ok: tuple[int, ...] = (200,)) -> Any:
        """One API call; the JSON body, or None (and a failure in locust's table) when the status is not ok."""
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "X-CSRFToken": CSRF,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.ip,
            "Origin": self.origin,
            "Referer": f"{self.origin}/c/{CONTEST_KEY}/",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        data = json.dumps(body or {}) if method == "POST" else None
        with self.client.request(
            method, self.api + path, name=name, data=data, headers=headers, catch_response=True
        ) as response:
            self._keep_cookies(response.headers.get("Set-Cookie") if response.headers else None)
            try:
                payload = response.json() if response.text else {}
            except ValueError:
                payload = {}
            if response.status_code in ok:
                response.success()
                payload["_status"] = response.status_code
                return payload
            response.failure(f"{response.status_code} {payload.get('code', '')}")
            return None

    def _keep_cookies(self, header: str | None) -> None:
        if not header:
            return
        jar: SimpleCookie = SimpleCookie()
        # geventhttpclient joins several Set-Cookie headers with ", "; the expiry dates contain commas too.
        for part in header.split(", "):
            try:
                jar.load(part)
            except Exception:  # noqa: BLE001 — a fragment of an Expires date
                continue
        for key, morsel in jar.items():
            if key in ("kesu_cp", "csrftoken"):
                self.cookies[key] = morsel.value

    # --- the participant's flow ---------------------------------------------------------------------

    def register(self) -> bool:
        challenge = self.call("POST", "challenge", "challenge")
        if challenge is None:
            return False
        region = random.choice(REGION_CODES) if REGION_CODES else ""
        registered = self.call(
            "POST",
            "register",
            "register",
            {
                "phone": self.phone,
                "name": f"压测{self.phone[-4:]}",
                "region_code": region,
                "birth_year": random.randint(1960, 2005),
                "challenge": challenge["challenge"],
                "slider": challenge.get("target", 50),
                "drag_ms": random.randint(700, 2500),
            },
        )
        if registered is None or "kesu_cp" not in self.cookies:
            return False
        self.call("GET", "me", "me")
        return True

    @task
    def step(self) -> None:
        """One thing every 4–6 s, as a person does on the phone page."""
        if not self.registered:
            self.registered = self.register()
            return
        if self.attempt is None or self.item is None:
            self.start_attempt()
        elif self.resend is not None:
            self.repeat()
        elif random.random() < REFRESH_SHARE:
            self.resume()
        else:
            self.answer()

    def repeat(self) -> None:
        """The previous answer once more: the server must not store or count it again."""
        assert self.resend is not None
        (path, body), self.resend = self.resend, None
        again = self.call("POST", path, "attempts/<id>/answer (repeated)", body)
        if again is not None and again.get("accepted"):
            DOUBLED.append((int(path.split("/")[1]), int(body["position"])))

    def start_attempt(self) -> None:
        started = self.call("POST", "attempts", "attempts (start)", ok=(201, 409))
        if started is None:
            return
        if started["_status"] == 409:  # one is active (a previous run, another tab): resume it
            self.resume()
            return
        self.attempt = int(started["attempt"]["id"])
        self.item = started.get("item")

    def resume(self) -> None:
        current = self.call("GET", "attempts/current", "attempts/current", ok=(200, 404))
        if current is None or current["_status"] == 404:
            self.attempt, self.item = None, None
            return
        self.attempt = int(current["attempt"]["id"])
        self.item = current.get("item")
        if self.item is None:  # every item answered: the page shows the result
            self.finish()

    def answer(self) -> None:
        assert self.attempt is not None and self.item is not None
        item = self.item
        choice = pick(item)
        path = f"attempts/{self.attempt}/answer"
        body = {"position": item["position"], "answer": choice}
        answered = self.call("POST", path, "attempts/<id>/answer", body)
        if answered is None:  # counted as a failure; the page reloads the attempt and carries on
            self.item = None
            return
        if answered.get("accepted"):
            ACCEPTED.append((self.attempt, int(item["position"]), choice))
        if random.random() < RESEND_SHARE:
            self.resend = (path, body)  # sent again at the next step, as a retry after a lost response
        if answered.get("finished") or answered.get("item") is None:
            self.finish()
        else:
            self.item = answered["item"]

    def finish(self) -> None:
        attempt = self.attempt
        self.call("POST", f"attempts/{attempt}/finish", "attempts/<id>/finish")
        self.call("GET", f"attempts/{attempt}/result", "attempts/<id>/result")
        if random.random() < LEADERBOARD_SHARE:
            self.call("GET", "leaderboard", "leaderboard")
        self.attempt, self.item, self.resend = None, None, None


def pick(item: dict[str, Any]) -> list[str]:
    """An answer a person might give: one letter, or two to four for a 多选 item."""
    letters = list(LETTERS[: max(2, len(item.get("options") or []))])
    if item.get("type") == "multi":
        return sorted(random.sample(letters, random.randint(2, min(4, len(letters)))))
    return [random.choice(letters)]


@events.quitting.add_listener
def _write_answer_log(environment: Any, **_: Any) -> None:
    if not ANSWER_LOG:
        return
    with open(ANSWER_LOG, "w", encoding="utf-8") as log:
        for attempt, position, answer in ACCEPTED:
            log.write(json.dumps({"attempt": attempt, "position": position, "answer": answer}) + "\n")
        for attempt, position in DOUBLED:
            log.write(json.dumps({"attempt": attempt, "position": position, "doubled": True}) + "\n")
