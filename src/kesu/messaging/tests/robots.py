"""A loopback HTTP server that speaks the robot and SMS APIs Kesu calls, for tests and the benchmark.

- 企业微信 ``POST /cgi-bin/webhook/send?key=K``: errcode 0, or 45009 past 20 messages a minute;
- 钉钉 ``POST /robot/send?access_token=T[&timestamp=…&sign=…]``: checks the 加签 signature against the
  secret registered for T (310000 when wrong or missing), 130101 past 20 a minute;
- 腾讯云短信 ``POST /`` with a TC3-HMAC-SHA256 Authorization header: checks it against the key
  registered here and answers as SendSms does.

A key or token can be told to behave badly: ``"ratelimit"`` (always the rate-limit code),
``"timeout"`` (answers only after ``slow_seconds``), ``"error500"``. Every request is recorded with
the time it arrived, so a test or the benchmark can count what arrived, and how fast.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PER_MINUTE = 20


@dataclass
class Received:
    at: float
    platform: str  # wecom / dingtalk / sms
    key: str
    payload: Any


@dataclass
class RobotServer:
    """Start with ``start()``; ``url`` is ``http://127.0.0.1:<port>``."""

    dingtalk_secrets: dict[str, str] = field(default_factory=dict)
    behaviour: dict[str, str] = field(default_factory=dict)
    sms_secret_key: str = "sms-secret-key"
    slow_seconds: float = 3.0
    received: list[Received] = field(default_factory=list)
    rejected: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> RobotServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (the http.server API)
                owner.handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def wecom_url(self, key: str) -> str:
        return f"{self.url}/cgi-bin/webhook/send?key={key}"

    def dingtalk_url(self, token: str) -> str:
        return f"{self.url}/robot/send?access_token={token}"

    # ------------------------------------------------------------ handling

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        query = parse_qs(parts.query)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length)
        try:
            payload = json.loads(raw.decode("utf-8"))
        except ValueError:
            payload = None
        if parts.path == "/cgi-bin/webhook/send":
            key = query.get("key", [""])[0]
            answer = self._robot("wecom", key, payload, 45009)
        elif parts.path == "/robot/send":
            key = query.get("access_token", [""])[0]
            answer = self._dingtalk(key, query, payload)
        elif parts.path == "/":
            key = "sms"
            answer = self._sms(request, raw, payload)
        else:
            request.send_response(404)
            request.end_headers()
            return
        mode = self.behaviour.get(key, "")
        if mode == "timeout":
            time.sleep(self.slow_seconds)
        if mode == "error500":
            request.send_response(500)
            request.end_headers()
            return
        body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        try:
            request.send_response(200)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        except OSError:
            pass  # the client gave up waiting

    def _record(self, platform: str, key: str, payload: Any, *, accepted: bool) -> None:
        entry = Received(time.time(), platform, key, payload)
        with self.lock:
            (self.received if accepted else self.rejected).append(entry)

    def _over_limit(self, key: str) -> bool:
        now = time.time()
        with self.lock:
            recent = [r for r in self.received if r.key == key and now - r.at < 60]
        return len(recent) >= PER_MINUTE

    def _robot(self, platform: str, key: str, payload: Any, limit_code: int) -> dict[str, Any]:
        if self.behaviour.get(key) == "ratelimit" or self._over_limit(key):
            self._record(platform, key, payload, accepted=False)
            return {"errcode": limit_code, "errmsg": "api freq out of limit"}
        if not isinstance(payload, dict) or payload.get("msgtype") != "markdown":
            self._record(platform, key, payload, accepted=False)
            return {"errcode": 40008, "errmsg": "invalid message type"}
        self._record(platform, key, payload, accepted=True)
        return {"errcode": 0, "errmsg": "ok"}

    def _dingtalk(self, token: str, query: dict[str, list[str]], payload: Any) -> dict[str, Any]:
        secret = self.dingtalk_secrets.get(token)
        if secret is not None:
            stamp = query.get("timestamp", [""])[0]
            sign = query.get("sign", [""])[0]  # parse_qs has already URL-decoded it once
            expected = base64.b64encode(
                hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
            ).decode()
            fresh = stamp.isdigit() and abs(time.time() * 1000 - int(stamp)) < 3_600_000
            if not fresh or not hmac.compare_digest(sign, expected):
                self._record("dingtalk", token, payload, accepted=False)
                return {"errcode": 310000, "errmsg": "sign not match"}
        return self._robot("dingtalk", token, payload, 130101)

    def _sms(self, request: BaseHTTPRequestHandler, raw: bytes, payload: Any) -> dict[str, Any]:
        from kesu.messaging.channels.sms import tc3_authorization

        header = request.headers.get("Authorization", "")
        secret_id = header.split("Credential=", 1)[-1].split("/", 1)[0]
        stamp = int(request.headers.get("X-TC-Timestamp") or 0)
        expected = tc3_authorization(
            secret_id=secret_id,
            secret_key=self.sms_secret_key,
            service="sms",
            host=request.headers.get("Host", ""),
            body=raw,
            timestamp=stamp,
        )
        if not hmac.compare_digest(header, expected):
            self._record("sms", "sms", payload, accepted=False)
            return {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "sign"}}}
        if self.behaviour.get("sms") == "ratelimit":
            self._record("sms", "sms", payload, accepted=False)
            code = "LimitExceeded.PhoneNumberThirtySecondLimit"
            return {"Response": {"SendStatusSet": [{"Code": code}], "RequestId": "x"}}
        self._record("sms", "sms", payload, accepted=True)
        phone = (payload or {}).get("PhoneNumberSet", [""])[0]
        return {"Response": {"SendStatusSet": [{"Code": "Ok", "PhoneNumber": phone}], "RequestId": "x"}}

    # ------------------------------------------------------------ reading

    def accepted(self, platform: str | None = None, key: str | None = None) -> list[Received]:
        with self.lock:
            return [
                r
                for r in self.received
                if (platform is None or r.platform == platform) and (key is None or r.key == key)
            ]

    def most_in_a_minute(self, key: str) -> int:
        """The most messages this robot took within any 60 seconds."""
        times = sorted(r.at for r in self.accepted(key=key))
        best, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= 60:
                start += 1
            best = max(best, end - start + 1)
        return best


def markdown_of(received: Received) -> str:
    payload = received.payload or {}
    markdown = payload.get("markdown", {})
    return str(markdown.get("content") or markdown.get("text") or "")
