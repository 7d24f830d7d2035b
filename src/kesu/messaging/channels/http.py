"""JSON over HTTP(S) for the robot and SMS adapters, with the standard library.

Redirects are refused (an allowed host must not bounce us to an internal one), and a failure is told
apart by when it happened: before the request was sent (``NotSent``: safe to retry) or after
(``NoAnswer``: the platform may have acted on it).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings


class NotSent(Exception):
    """The request never reached the platform (connection refused or timed out, DNS failure)."""


class NoAnswer(Exception):
    """The request was sent but no complete answer came back in time."""


class HttpStatus(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


_opener = urllib.request.build_opener(_NoRedirect)


def timeout() -> float:
    return float(getattr(settings, "KESU_MESSAGE_HTTP_TIMEOUT", 10))


def post_json(
    url: str, payload: Any, *, headers: dict[str, str] | None = None, body: bytes | None = None
) -> Any:
    """POST ``payload`` as UTF-8 JSON (or the exact ``body`` given, for signed requests); the answer's
    JSON. Raises NotSent, NoAnswer or HttpStatus."""
    data = body if body is not None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/json; charset=utf-8")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        response = _opener.open(request, timeout=timeout())
    except urllib.error.HTTPError as error:  # an answer, with an error status
        raise HttpStatus(error.code, error.read(2000).decode("utf-8", "replace")) from error
    except urllib.error.URLError as error:  # raised while connecting or sending: never arrived whole
        raise NotSent(str(error.reason)) from error
    except (TimeoutError, ConnectionError, OSError) as error:  # waiting for the answer
        raise NoAnswer(str(error)) from error
    try:
        with response:
            text = response.read(200_000).decode("utf-8", "replace")
    except (TimeoutError, ConnectionError, OSError) as error:
        raise NoAnswer(str(error)) from error
    try:
        return json.loads(text)
    except ValueError:
        return {"_raw": text[:200]}
