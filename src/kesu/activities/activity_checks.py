"""The plausibility rules of one activity row, in plain Python (no Django): the form, the import and the
API all call these, so a bad row is refused with the same Chinese message wherever it comes from.

Each check returns ``(field, message)`` pairs; an empty list means the row may be stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

# 人次 of one offline activity row above this is refused: the largest single events in the sources
# (a 科技活动周 main venue, a 流动科技馆 stop of 2–3 months) serve 3–5万; 20万 leaves room and still
# catches a typo of three extra zeros. A series of events is entered one row per event.
MAX_ATTENDANCE = 200_000
# Online views are counted by platforms and run much higher (a 直播 can reach millions).
MAX_ONLINE_VIEWS = 50_000_000
# At a base whose building area is known: at most this many 人次 per m² per day. Fire-code densities
# for exhibition halls are about 0.5–1 person/m² at one time; with three or four turnovers a day that
# is 3 per m² per day (a 2,000 m² 科技馆 holds 6,000 人次 a day).
PER_SQUARE_METRE_PER_DAY = 3
MAX_DAYS = 366  # one row spans at most a year (a 流动科技馆 stop lasts 2–3 months)

Problem = tuple[str, str]


@dataclass(frozen=True)
class Window:
    """A campaign's window, which the activity's dates must fall inside."""

    name: str
    starts_on: date
    ends_on: date


def check_times(starts_at: datetime | None, ends_at: datetime | None) -> list[Problem]:
    if starts_at is None or ends_at is None:
        return []
    if ends_at < starts_at:
        return [("ends_at", "结束时间早于开始时间，请检查")]
    if (ends_at - starts_at).days >= MAX_DAYS:
        return [("ends_at", f"一条活动记录最长 {MAX_DAYS} 天；跨年度的系列活动请按场次或年度分别登记")]
    return []


def days_spanned(starts_at: datetime, ends_at: datetime) -> int:
    """Calendar days the activity covers (a morning event is one day)."""
    return max(1, (ends_at.date() - starts_at.date()).days + 1)


def check_attendance(
    attendance: int | None,
    *,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    base_name: str = "",
    base_area: Decimal | float | None = None,
) -> list[Problem]:
    """人次 must be a whole number ≥ 0, under the sane cap, and under what the base can hold if known."""
    if attendance is None:
        return []
    if attendance < 0:
        return [("attendance", "参与人次不能为负数")]
    if attendance > MAX_ATTENDANCE:
        return [
            (
                "attendance",
                f"参与人次 {attendance:,} 超过单场活动的合理上限 {MAX_ATTENDANCE:,}；"
                "系列活动请按场次分别登记，线上观看请填在“线上观看人次”",
            )
        ]
    if base_area and starts_at and ends_at and ends_at >= starts_at:
        days = days_spanned(starts_at, ends_at)
        capacity = math.floor(float(base_area) * PER_SQUARE_METRE_PER_DAY * days)
        if attendance > capacity:
            return [
                (
                    "attendance",
                    f"参与人次 {attendance:,} 超过{base_name or '该基地'}的接待能力"
                    f"（建筑面积 {float(base_area):,.0f} 平方米 × 每平方米每天 {PER_SQUARE_METRE_PER_DAY} 人次"
                    f" × {days} 天 = {capacity:,}），请核实",
                )
            ]
    return []


def check_online_views(views: int | None) -> list[Problem]:
    if views is None:
        return []
    if views < 0:
        return [("online_views", "线上观看人次不能为负数")]
    if views > MAX_ONLINE_VIEWS:
        return [("online_views", f"线上观看人次超过 {MAX_ONLINE_VIEWS:,}，请核实")]
    return []


def check_window(
    starts_at: datetime | None, ends_at: datetime | None, window: Window | None
) -> list[Problem]:
    """An activity tagged with a campaign happens inside the campaign's window (dates, inclusive)."""
    if window is None or starts_at is None or ends_at is None:
        return []
    if starts_at.date() < window.starts_on or ends_at.date() > window.ends_on:
        return [
            (
                "campaign",
                f"活动日期（{starts_at:%Y-%m-%d} 至 {ends_at:%Y-%m-%d}）不在“{window.name}”的活动时间"
                f"（{window.starts_on:%Y-%m-%d} 至 {window.ends_on:%Y-%m-%d}）内，请改日期或不选该主题活动",
            )
        ]
    return []


def check_mode(mode: str, online_url: str, attendance: int | None, views: int | None) -> list[Problem]:
    """线上 needs its link; a purely online activity has no offline 人次."""
    problems: list[Problem] = []
    if mode in ("online", "both") and not online_url:
        problems.append(("online_url", "线上活动请填写线上链接"))
    if mode == "online" and attendance:
        problems.append(("attendance", "纯线上活动没有线下参与人次，请填在“线上观看人次”或改为“线上线下”"))
    return problems
