"""A paginator for a registry of half a million rows: it counts up to a cap, not the whole set.

Counting every visible row of a province (500,000, joined to the regions for the path prefix) took
seconds on each page view; nobody pages past 100 pages, they narrow the filters. So the count is
``SELECT COUNT(*) FROM (… LIMIT cap + 1)`` and the page says “超过 10,000 条” when the cap is hit.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator

CAP = 10_000


class CappedPaginator(Paginator):
    cap = CAP

    @cached_property
    def true_count(self) -> int:
        """The rows, counted no further than one past the cap."""
        rows: Any = self.object_list
        if hasattr(rows, "query"):
            return int(rows.order_by()[: self.cap + 1].count())
        return len(rows)

    @cached_property
    def count(self) -> int:
        return min(self.true_count, self.cap)

    @property
    def capped(self) -> bool:
        return self.true_count > self.cap
