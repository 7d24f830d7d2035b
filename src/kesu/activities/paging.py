"""A paginator for a registry of half a million rows: it counts up to a cap, and pages by key, not OFFSET.

Counting every visible row of a province (500,000) took seconds on each page view; nobody pages past
100 pages, they narrow the filters. So the count is ``SELECT COUNT(*) FROM (… LIMIT cap + 1)`` and the
page says “超过 10,000 条” when the cap is hit.

Deep pages: in the lists' order (newest first, ``-starts_at, -pk``) the 下一页 link carries the key of
the page's last row and the 上一页 link that of its first (``?page=21_a<µs>_<id>``), so the next page
is read from that point of the index onwards (``starts_at, id < key``) however deep it is. A bare
``?page=N`` (a typed or old link, or another order) reads only the ids of the skipped rows and then the
page's rows by id, rather than joining the units, regions and campaigns of every skipped row. Either
way a page lists the same rows in the same order as ``rows[(N - 1) * size : N * size]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Q

CAP = 10_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
KEYED_ORDERS = (("-starts_at", "-pk"), ("-starts_at", "-id"))  # Activity.Meta.ordering
PARAM = re.compile(r"^(\d{1,6})(?:_([ab])(-?\d{1,20})_(\d{1,18}))?$")

Key = tuple[datetime, int]


@dataclass(frozen=True)
class Place:
    """A page number and, from a 下一页/上一页 link, the key of the row just before (``a``) or just after
    (``b``) the page."""

    number: int
    side: str = ""
    key: Key | None = None

    @classmethod
    def parse(cls, value: Any) -> Place | None:
        found = PARAM.match(str(value or "1").strip())
        if found is None:
            return None
        number, side, micros, pk = found.groups()
        if not side:
            return cls(int(number))
        try:
            return cls(int(number), side, (EPOCH + int(micros) * MICROSECOND, int(pk)))
        except OverflowError:  # a forged key beyond the year 9999: the page by its number
            return cls(int(number))

    def param(self) -> str:
        if self.key is None:
            return str(self.number)
        moment, pk = self.key
        return f"{self.number}_{self.side}{(moment - EPOCH) // MICROSECOND}_{pk}"


class KeyedPage(Page):
    """A page whose 下一页/上一页 parameters carry the key of its last/first row when the order allows."""

    paginator: CappedPaginator

    @property
    def next_param(self) -> str:
        number = self.next_page_number()
        last = self.object_list[-1] if self.paginator.keyed and len(self.object_list) else None
        return Place(number, "a", _key(last)).param() if last is not None else str(number)

    @property
    def previous_param(self) -> str:
        number = self.previous_page_number()
        first = self.object_list[0] if self.paginator.keyed and number > 1 and len(self.object_list) else None
        return Place(number, "b", _key(first)).param() if first is not None else str(number)


def _key(row: Any) -> Key:
    return row.starts_at, row.pk


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

    @cached_property
    def keyed(self) -> bool:
        """Whether the rows are a queryset in the lists' order (a sort by name or 人次 pages by number)."""
        query = getattr(self.object_list, "query", None)
        if query is None:
            return False
        order = tuple(query.order_by) or (tuple(query.model._meta.ordering) if query.default_ordering else ())
        return order in KEYED_ORDERS

    def get_page(self, number: Any) -> KeyedPage:
        place = Place.parse(number) or Place(1)
        try:
            page_number = self.validate_number(place.number)
        except PageNotAnInteger:
            page_number = 1
        except EmptyPage:
            page_number = self.num_pages
        rows = None
        if place.key is not None and page_number == place.number and self.keyed:
            rows = self._rows_beside(place.side, place.key)
        if rows is None:
            rows = self._rows_at(page_number)
        return KeyedPage(rows, page_number, self)

    def page(self, number: Any) -> KeyedPage:
        page_number = self.validate_number(number)
        return KeyedPage(self._rows_at(page_number), page_number, self)

    def _rows_at(self, number: int) -> list[Any]:
        """Page ``number`` by position: the skipped rows' ids only (no joins), then the page's rows."""
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        rows: Any = self.object_list
        if bottom == 0 or not hasattr(rows, "query"):
            return list(rows[bottom:top])
        ids = list(rows.values_list("pk", flat=True)[bottom:top])
        by_pk = {row.pk: row for row in rows.filter(pk__in=ids)}
        return [by_pk[pk] for pk in ids if pk in by_pk]

    def _rows_beside(self, side: str, key: Key) -> list[Any] | None:
        """The page after (``a``) or before (``b``) the row with ``key``, read from that point of the
        ``-starts_at, -id`` index on; None when fewer rows than a page lie before it (rows changed since
        the link was made, or none are left after it: the page is then found by its number)."""
        moment, pk = key
        rows: Any = self.object_list
        if side == "a":
            later = Q(starts_at__lt=moment) | Q(starts_at=moment, pk__lt=pk)
            return list(rows.filter(later, starts_at__lte=moment)[: self.per_page]) or None
        earlier = Q(starts_at__gt=moment) | Q(starts_at=moment, pk__gt=pk)
        found = list(rows.filter(earlier, starts_at__gte=moment).reverse()[: self.per_page])
        return found[::-1] if len(found) == self.per_page else None
