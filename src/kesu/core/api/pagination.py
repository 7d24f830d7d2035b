"""Limit/offset pagination whose numbers cannot overflow the database.

DRF's own class passes any integer on to SQL: ``?limit=99999999999999999999999`` became a LIMIT
beyond PostgreSQL's bigint and a 500. Here a limit above ``max_limit`` is clamped to it, as DRF
documents for ``max_limit``, and an offset that is not a whole number within range is a 400
naming the parameter.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

MAX_OFFSET = 2**62  # well inside bigint, far beyond any table of Kesu


class Pagination(LimitOffsetPagination):
    max_limit = 1000

    def get_limit(self, request: Any) -> int | None:
        raw = request.query_params.get(self.limit_query_param)
        if raw is not None and not _whole(raw, minimum=1):
            raise ValidationError({self.limit_query_param: [f"应为 1 到 {self.max_limit} 之间的整数。"]})
        return super().get_limit(request)

    def get_offset(self, request: Any) -> int:
        raw = request.query_params.get(self.offset_query_param)
        if raw is not None and not _whole(raw, minimum=0, maximum=MAX_OFFSET):
            raise ValidationError({self.offset_query_param: ["应为不小于 0 的整数。"]})
        return super().get_offset(request)


def _whole(raw: str, *, minimum: int, maximum: int | None = None) -> bool:
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 30:
        return False
    value = int(text)
    return value >= minimum and (maximum is None or value <= maximum)
