"""Hour rules, star ladders and award eligibility: plain Python, no Django.

The office sets its rules as data (``HourRules``): a rounding unit (0.5 h: 1 h 20 min counts as
1 h), a cap per activity (海林: 2 h), a cap per day (never above 24 h) and a factor per service
category (苏州's 积分系数). ``counted_hours`` applies them in that order, and the day cap last over
the volunteer's records of the day in the order they were recorded, so the first record keeps its
hours and a later one gets what is left of the day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal

DAY = Decimal(24)
DEFAULT_LADDER: tuple[int, ...] = (100, 300, 600, 1000, 1500)
STAR_NAMES = ("未评星", "一星", "二星", "三星", "四星", "五星")


def fmt(hours: Decimal | float) -> str:
    """3, 2.5, 0.25: hours as the office writes them (Decimal("3.00") would print its zeros)."""
    return f"{float(hours):g}"


class HoursError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class HourRules:
    unit: Decimal = Decimal("0.5")  # counted hours are whole units, rounded down
    per_activity_cap: Decimal | None = None  # None: no cap
    daily_cap: Decimal = Decimal(8)
    factors: Mapping[str, Decimal] = field(default_factory=dict)  # 服务类别 → 系数 (default 1)

    def __post_init__(self) -> None:
        if self.unit <= 0:
            raise HoursError("计时单位应大于 0 小时")
        if not 0 < self.daily_cap <= DAY:
            raise HoursError("每日上限应在 0 到 24 小时之间")
        if self.per_activity_cap is not None and self.per_activity_cap <= 0:
            raise HoursError("每次活动上限应大于 0 小时")
        if any(factor < 0 for factor in self.factors.values()):
            raise HoursError("服务类别系数不能为负数")

    def in_words(self) -> str:
        parts = [f"按 {fmt(self.unit)} 小时计（不足部分不计）"]
        if self.per_activity_cap is not None:
            parts.append(f"每次活动最多 {fmt(self.per_activity_cap)} 小时")
        parts.append(f"每日最多 {fmt(self.daily_cap)} 小时")
        parts += [f"{name}×{fmt(factor)}" for name, factor in self.factors.items() if factor != 1]
        return "，".join(parts)


@dataclass(frozen=True)
class Entry:
    """One service record as the organiser recorded it."""

    key: object  # the caller's id for the record
    volunteer: object
    day: date
    raw: Decimal  # hours served (sign-out minus sign-in, or declared)
    category: str = ""


def raw_hours(sign_in: datetime | None, sign_out: datetime | None, declared: Decimal | None) -> Decimal:
    """Hours served: from sign-in/out when both are there, else the declared hours; checked."""
    if sign_in is not None and sign_out is not None:
        if sign_out < sign_in:
            raise HoursError("签退时间早于签到时间")
        hours = Decimal((sign_out - sign_in).total_seconds()) / Decimal(3600)
    elif declared is not None:
        hours = Decimal(declared)
    else:
        raise HoursError("请填写签到和签退时间，或填写服务时长")
    if hours < 0:
        raise HoursError("服务时长不能为负数")
    if hours > DAY:
        raise HoursError("服务时长超过每天 24 小时")
    return hours.quantize(Decimal("0.01"))


def round_down(hours: Decimal, unit: Decimal) -> Decimal:
    return (hours / unit).to_integral_value(rounding=ROUND_FLOOR) * unit


def one_record(raw: Decimal, category: str, rules: HourRules) -> Decimal:
    """Counted hours of one record before the day cap: unit, activity cap, category factor."""
    hours = round_down(raw, rules.unit)
    if rules.per_activity_cap is not None:
        hours = min(hours, rules.per_activity_cap)
    return hours * rules.factors.get(category, Decimal(1))


def counted_hours(entries: Iterable[Entry], rules: HourRules) -> dict[object, Decimal]:
    """Each record's counted hours; a volunteer's day never counts more than the daily cap."""
    used: dict[tuple[object, date], Decimal] = {}
    counted: dict[object, Decimal] = {}
    for entry in entries:
        slot = (entry.volunteer, entry.day)
        left = rules.daily_cap - used.get(slot, Decimal(0))
        hours = max(Decimal(0), min(one_record(entry.raw, entry.category, rules), left))
        used[slot] = used.get(slot, Decimal(0)) + hours
        counted[entry.key] = hours
    return counted


def daily_totals_over(entries: Iterable[Entry], limit: Decimal = DAY) -> list[tuple[object, date, Decimal]]:
    """(volunteer, day, raw hours) where the raw hours of one day add up to more than ``limit``."""
    totals: dict[tuple[object, date], Decimal] = {}
    for entry in entries:
        totals[(entry.volunteer, entry.day)] = (
            totals.get((entry.volunteer, entry.day), Decimal(0)) + entry.raw
        )
    return [(who, day, hours) for (who, day), hours in totals.items() if hours > limit]


# ---- stars ---------------------------------------------------------------------------------------


def check_ladder(ladder: Sequence[float]) -> tuple[float, ...]:
    steps = tuple(float(step) for step in ladder)
    if len(steps) != 5:
        raise HoursError("星级标准应有 5 级（一星至五星）")
    if any(step <= 0 for step in steps) or list(steps) != sorted(set(steps)):
        raise HoursError("星级标准应为递增的正数小时数，如 100/300/600/1000/1500")
    return steps


def stars(total_hours: Decimal | float, ladder: Sequence[float] = DEFAULT_LADDER) -> int:
    """0 to 5: how many steps of the ladder the cumulative counted hours reach."""
    return sum(1 for step in check_ladder(ladder) if float(total_hours) >= step)


def star_name(count: int) -> str:
    return STAR_NAMES[count]


def hours_to_next_star(
    total_hours: Decimal | float, ladder: Sequence[float] = DEFAULT_LADDER
) -> float | None:
    for step in check_ladder(ladder):
        if float(total_hours) < step:
            return step - float(total_hours)
    return None


# ---- award eligibility (中国科协 科技志愿服务先进典型) --------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    missing: tuple[str, ...]  # what is short, in Chinese


def person_eligibility(
    activities: int, hours: Decimal | float, *, min_activities: int = 10, min_hours: float = 20
) -> Eligibility:
    missing = []
    if activities < min_activities:
        missing.append(f"服务活动 {activities} 次，不足 {min_activities} 次")
    if float(hours) < min_hours:
        missing.append(f"服务时长 {float(hours):g} 小时，不足 {min_hours:g} 小时")
    return Eligibility(not missing, tuple(missing))


def team_eligibility(
    volunteers: int,
    activities: int,
    hours: Decimal | float,
    *,
    min_volunteers: int = 20,
    min_activities: int = 50,
    min_hours: float = 100,
) -> Eligibility:
    missing = []
    if volunteers < min_volunteers:
        missing.append(f"注册志愿者 {volunteers} 人，不足 {min_volunteers} 人")
    if activities < min_activities:
        missing.append(f"服务活动 {activities} 次，不足 {min_activities} 次")
    if float(hours) < min_hours:
        missing.append(f"服务时长 {float(hours):g} 小时，不足 {min_hours:g} 小时")
    return Eligibility(not missing, tuple(missing))


# ---- certificates ---------------------------------------------------------------------------------


def certificate_state(issued_hours: Decimal, current_hours: Decimal) -> str:
    """What the public check page says: the certificate stands as issued; a later correction is noted."""
    if issued_hours == current_hours:
        return "有效"
    return f"出具后记录已更正（现累计 {fmt(current_hours)} 小时），以重新开具的证明为准"


# ---- informants ------------------------------------------------------------------------------------


def binding_form(
    absolute: float | None, share_percent: float | None, population: float | None
) -> tuple[float | None, str]:
    """Of "20万" and "4% of 常住人口", the number of registrations that must be reached, and which form binds."""
    by_share = share_percent / 100 * population if share_percent is not None and population else None
    if absolute is None and by_share is None:
        return None, ""
    if by_share is None or (absolute is not None and absolute >= by_share):
        return absolute, "人数目标"
    return by_share, "比例目标"


def growth_flag(
    prev_registered: int, registered: int, prev_active: int, active: int, *, jump: float = 0.2
) -> str:
    """Registrations jumping (over ``jump``) while 月活 stays flat (under 5%): the bought-accounts pattern."""
    if prev_registered <= 0:
        return ""
    growth = (registered - prev_registered) / prev_registered
    active_growth = (active - prev_active) / prev_active if prev_active > 0 else (1.0 if active else 0.0)
    if growth > jump and active_growth < 0.05:
        return f"注册数增长 {growth:.0%} 而月活基本未变，请核实"
    return ""
