"""The channels a message goes out through. Each adapter answers with an ``Outcome``:

- ``sent``: the platform accepted it;
- ``retry``: it certainly did not go out (no connection, a rate limit, the platform busy): try again
  later, after ``retry_after`` seconds if the platform said so;
- ``failed``: it will not go out this way (a wrong secret, an address the platform refuses);
- ``unknown``: the request left and no answer came back (a read timeout): it may have been delivered,
  so it is not sent again automatically (``delivery.py``: at most once per channel).

The ``reason`` is Chinese: it is what the sender sees next to 失败.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

State = Literal["sent", "retry", "failed", "unknown"]


@dataclass(frozen=True)
class Outcome:
    state: State
    reason: str = ""
    retry_after: float | None = None


SENT = Outcome("sent")
