"""One rate limiter for everything that counts attempts per client: a fixed window in Django's cache.

Each window (say one hour) has its own counter per key, so counting is one cache ``incr`` and old
windows expire by themselves. A fixed window lets a client spend up to twice the limit around a
window's edge; that is fine for what it guards (repeated failed logins, bulk public starts) and
keeps it to a single cache entry. The cache is shared by the web processes (``settings.CACHES``),
so the limit holds across gunicorn workers.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` events per key in each ``window`` seconds; ``limit`` 0 or less means no limit."""

    name: str
    limit: int
    window: int

    def hit(self, key: str) -> bool:
        """Count one event for the key; whether it is still within the limit."""
        if self.limit <= 0:
            return True
        entry = self._entry(key)
        cache.add(entry, 0, timeout=self.window + 1)
        try:
            count = cache.incr(entry)
        except ValueError:  # expired between add and incr
            cache.set(entry, 1, timeout=self.window + 1)
            count = 1
        return count <= self.limit

    def exceeded(self, key: str) -> bool:
        """Whether the key has used up this window, without counting anything."""
        return self.limit > 0 and int(cache.get(self._entry(key)) or 0) >= self.limit

    def retry_after(self) -> int:
        """Seconds until the current window ends and the count starts again."""
        return self.window - int(time.time()) % self.window

    def _entry(self, key: str) -> str:
        # Hashed: keys hold client addresses and user names, which need not sit in the cache in clear.
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return f"kesu:ratelimit:{self.name}:{int(time.time()) // self.window}:{digest}"
