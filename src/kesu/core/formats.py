"""Dates as office staff write them: 2026年12月30日 and 2026年12月1日 10:05, in the site's time zone.

One place for the format every message, document and page uses (templates use the same pattern,
``date:"Y年n月j日"``).
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def day_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def moment_text(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{day_text(local.date())} {local:%H:%M}"
