"""Which channels a message goes through, and when: preferences within the office's policy, quiet
hours, the daily digest. Pure decisions over rows loaded in bulk, so planning 2,000 recipients takes
a handful of queries."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from kesu.messaging.kinds import NOISY_CHANNELS, Channel, MessageKind
from kesu.messaging.models import (
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    ChannelPolicy,
    ChannelPreference,
)

if TYPE_CHECKING:
    from kesu.accounts.models import User

log = logging.getLogger("kesu.messaging")
ALL_CHANNELS = ",".join(Channel.values)


def system_channels() -> set[str]:
    """The channels the operator switched on (``KESU_MESSAGE_CHANNELS``); 站内 always."""
    raw = getattr(settings, "KESU_MESSAGE_CHANNELS", ALL_CHANNELS)
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    return {item.strip() for item in items if item.strip()} | {Channel.INAPP.value}


def default_quiet_hours() -> tuple[time, time] | None:
    """``KESU_MESSAGE_QUIET_HOURS`` as "22:00-07:00"; empty: no quiet hours where no policy says."""
    raw = getattr(settings, "KESU_MESSAGE_QUIET_HOURS", "22:00-07:00")
    if not raw:
        return None
    start, _, end = str(raw).partition("-")
    try:
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError:  # a mistyped setting must not stop the action that sends the message
        log.error("KESU_MESSAGE_QUIET_HOURS=%r is not like 22:00-07:00; using 22:00-07:00", raw)
        return DEFAULT_QUIET_START, DEFAULT_QUIET_END


@dataclass(frozen=True)
class Slot:
    """When one delivery goes out: at ``at``, alone or gathered into the digest."""

    at: datetime
    in_digest: bool = False


def quiet_window(policy: ChannelPolicy | None) -> tuple[time, time] | None:
    if policy is None:
        return default_quiet_hours()
    if policy.quiet_start is None or policy.quiet_end is None or policy.quiet_start == policy.quiet_end:
        return None
    return policy.quiet_start, policy.quiet_end


def after_quiet_hours(moment: datetime, window: tuple[time, time] | None) -> datetime:
    """``moment`` itself, or the end of the quiet hours it falls in (local time)."""
    if window is None:
        return moment
    start, end = window
    local = timezone.localtime(moment)
    now = local.time()
    inside = (start <= now or now < end) if start > end else (start <= now < end)
    if not inside:
        return moment
    wake = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if wake <= local:
        wake += timedelta(days=1)
    return wake


def next_digest(moment: datetime, policy: ChannelPolicy) -> datetime:
    local = timezone.localtime(moment)
    at = local.replace(
        hour=policy.digest_time.hour, minute=policy.digest_time.minute, second=0, microsecond=0
    )
    return at if at > local else at + timedelta(days=1)


def slot_for(channel: str, kind: MessageKind, policy: ChannelPolicy | None, now: datetime) -> Slot:
    """Urgent kinds go at once; SMS and robots wait out quiet hours; with the office's digest on,
    everything but 站内 waits for the digest."""
    if channel == Channel.INAPP or kind.urgent:
        return Slot(now)
    if policy is not None and policy.digest:
        return Slot(next_digest(now, policy), in_digest=True)
    if channel in NOISY_CHANNELS:
        return Slot(after_quiet_hours(now, quiet_window(policy)))
    return Slot(now)


def retry_time(channel: str, urgent: bool, policy: ChannelPolicy | None, moment: datetime) -> datetime:
    """A retry that falls into the night waits for the morning too."""
    if urgent or channel not in NOISY_CHANNELS:
        return moment
    return after_quiet_hours(moment, quiet_window(policy))


class Policies:
    """The policy that applies to a region: its own, else the nearest above it (loaded once)."""

    def __init__(self) -> None:
        self.by_path = {p.region.path: p for p in ChannelPolicy.objects.select_related("region")}

    def for_paths(self, paths: Iterable[str]) -> ChannelPolicy | None:
        best: ChannelPolicy | None = None
        best_len = -1
        for path in paths:
            for policy_path, policy in self.by_path.items():
                if path.startswith(policy_path) and len(policy_path) > best_len:
                    best, best_len = policy, len(policy_path)
        return best


def home_paths(user_ids: Iterable[int]) -> dict[int, list[str]]:
    """The region paths a user belongs to: their office or leader region, their unit's region."""
    from kesu.accounts.models import Membership

    paths: dict[int, list[str]] = {}
    rows = Membership.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id", "region__path", "unit__region__path"
    )
    for user_id, region_path, unit_path in rows:
        paths.setdefault(user_id, []).extend(p for p in (region_path, unit_path) if p)
    return paths


def chosen_channels(
    user: User, kind: MessageKind, preference: list[str] | None, policy: ChannelPolicy | None
) -> list[str]:
    """The user's choice (else the kind's defaults) within the policy and what the user can receive."""
    wanted = set(preference if preference is not None else kind.default_channels) | {Channel.INAPP.value}
    allowed = system_channels()
    channels = []
    for channel in Channel.values:
        if channel not in wanted or channel not in allowed:
            continue
        if policy is not None and not policy.allows(channel):
            continue
        if channel == Channel.EMAIL and not user.email:
            continue
        if channel == Channel.SMS and not user.mobile:
            continue
        if channel in (Channel.WECOM, Channel.DINGTALK):
            continue  # robots reach groups (notify_group), never one person
        channels.append(channel)
    return channels


def preferences_of(user_ids: Iterable[int], kind: str) -> dict[int, list[str]]:
    rows = ChannelPreference.objects.filter(user_id__in=list(user_ids), kind=kind)
    return {row.user_id: list(row.channels) for row in rows}
