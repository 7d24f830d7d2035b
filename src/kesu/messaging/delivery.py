"""Sending: due deliveries go out in background passes, at most once per channel.

**The lease.** A pass claims due rows with one conditional UPDATE (``status`` 排队 → 发送中,
``claimed_by`` its name, ``claimed_until`` now + ``KESU_MESSAGE_LEASE_SECONDS``), so two workers
never hold the same row. Just before the network call it stamps ``send_started_at`` (committed);
when the answer comes it writes the outcome, again only if it still holds the lease.

**A worker that dies.** A 发送中 row whose lease has run out lost its worker (``recover_expired``,
run at the start of every pass):

- ``send_started_at`` empty: the worker died before calling the platform, so nothing went out: the
  row goes back to 排队 and is sent normally;
- ``send_started_at`` set: the call may have reached the platform and been delivered. It is not
  resent blindly: it becomes 失败 with the reason “发送过程中后台进程中断，无法确认是否已送达”, and a
  person can send it again (``actions.resend``). The same rule holds for a platform that took the
  request and never answered (a read timeout): at most once per channel, never twice.

The lease must outlast one send (``KESU_MESSAGE_HTTP_TIMEOUT``, default 10 s, far below the
default lease of 120 s), so a live worker never loses its lease mid-send.

**Retries.** A send that certainly did not go out (no connection, the platform busy or
rate-limiting) is tried again after 1, 2, 4 … minutes (``KESU_MESSAGE_BACKOFF_SECONDS``, at most an
hour, or what the platform asked), and after ``KESU_MESSAGE_MAX_ATTEMPTS`` attempts becomes 失败
with the last reason. A retry of an SMS or robot message that falls into quiet hours waits for the
morning.

**Rate limits.** Each robot takes at most ``KESU_WECOM_PER_MINUTE`` / ``KESU_DINGTALK_PER_MINUTE``
(20, as both platforms document) messages a minute: a leaky bucket on the robot row
(``next_send_at``), reserved with one conditional UPDATE before each send, so the spacing holds
across any number of workers. An SMS to the same number waits ``KESU_SMS_SECONDS_PER_NUMBER`` (30 s,
腾讯云's default frequency limit) after the previous one from the same worker, and the provider's
frequency answers are retried after the time they name.

**Digest.** Deliveries held for the office's daily digest (``in_digest``) go out together at the
digest time: one message per recipient and channel (or per robot) listing them all, claimed and
settled together.
"""

from __future__ import annotations

import logging
import time as clock
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F, Min, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from kesu.core.personal import PersonalDataError
from kesu.messaging import rules
from kesu.messaging.channels import Outcome, dingtalk, email, sms, wecom
from kesu.messaging.kinds import Channel, get_kind
from kesu.messaging.models import Delivery, DeliveryStatus, GroupRobot, Outbox, Platform, RobotDelivery

log = logging.getLogger("kesu.messaging")

INTERRUPTED = "发送过程中后台进程中断，无法确认是否已送达；为免重复，未自动重发（可重新发送）"
ROBOT_OFF = "群机器人已停用"
Row = TypeVar("Row", bound=Outbox)


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def lease() -> timedelta:
    return timedelta(seconds=_setting("KESU_MESSAGE_LEASE_SECONDS", 120))


def batch_size() -> int:
    return int(_setting("KESU_MESSAGE_BATCH", 20))


def max_attempts() -> int:
    return int(_setting("KESU_MESSAGE_MAX_ATTEMPTS", 6))


def backoff(attempts: int) -> float:
    """1, 2, 4 … minutes after the first, second, third failed attempt; at most an hour."""
    return min(3600.0, _setting("KESU_MESSAGE_BACKOFF_SECONDS", 60) * 2 ** max(0, attempts - 1))


def robot_interval(platform: str) -> timedelta:
    """The spacing that keeps a robot within its per-minute limit, with 5 % to spare for jitter."""
    name = "KESU_DINGTALK_PER_MINUTE" if platform == Platform.DINGTALK else "KESU_WECOM_PER_MINUTE"
    per_minute = max(1.0, _setting(name, 20))
    return timedelta(seconds=60 / per_minute * 1.05)


_last_sms: dict[str, float] = {}


def sms_too_soon(mobile: str) -> float:
    """Seconds to wait before this process texts the number again (0: go ahead). Kept in memory: a
    cheap first guard; across workers the provider's own frequency answer (LimitExceeded…, retried
    after the time it names) is the rule."""
    gap = _setting("KESU_SMS_SECONDS_PER_NUMBER", 30)
    now = clock.monotonic()
    last = _last_sms.get(mobile)
    if last is not None and now - last < gap:
        return gap - (now - last)
    if len(_last_sms) > 50_000:
        _last_sms.clear()
    _last_sms[mobile] = now
    return 0.0


def site_link(path: str) -> str:
    """The message's link as the recipient opens it: the site address + the path (sign-in first)."""
    if not path or "://" in path:
        return path
    base = str(getattr(settings, "KESU_SITE_URL", "")).rstrip("/")
    return f"{base}{path}"


# ---------------------------------------------------------------- one pass


def run_pass(worker: str, *, seconds: float | None = None) -> datetime | None:
    """Send what is due for up to ``seconds`` (``KESU_MESSAGE_PASS_SECONDS``, default 50); waits out
    short gaps (a robot's next slot) itself. Returns when the next work is due, or None."""
    budget = seconds if seconds is not None else _setting("KESU_MESSAGE_PASS_SECONDS", 50)
    deadline = clock.monotonic() + budget
    context = Context()
    recover_expired()
    while clock.monotonic() < deadline:
        if send_batch(worker, context):
            continue
        wake = next_wake()
        if wake is None:
            return None
        wait = (wake - timezone.now()).total_seconds()
        if wait > _setting("KESU_MESSAGE_IDLE_WAIT", 5) or clock.monotonic() + wait > deadline:
            return wake
        clock.sleep(min(max(wait, 0.05), 1.0))
        recover_expired()
    return next_wake()


def send_batch(worker: str, context: Context | None = None) -> int:
    """One round: claim and send a batch of each kind of work. Returns how many rows were settled."""
    context = context or Context()
    done = 0
    for person_row in claim(Delivery, worker, personal_due()):
        done += settle(Delivery, person_row, worker, send_personal(person_row, worker), context)
    for robot_row in claim_robot_rows(worker):
        done += send_robot_row(robot_row, worker, context)
    done += send_digests(worker, context)
    return done


def due_count() -> int:
    now = timezone.now()
    return (
        personal_due(now).count()
        + RobotDelivery.objects.filter(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now).count()
    )


class Context:
    """Per pass: the policies (loaded once) and the region paths of the people and robots met."""

    def __init__(self) -> None:
        self.policies = rules.Policies()
        self._paths: dict[int, list[str]] = {}

    def policy_of_user(self, user_id: int) -> Any:
        if user_id not in self._paths:
            self._paths.update(rules.home_paths([user_id]))
            self._paths.setdefault(user_id, [])
        return self.policies.for_paths(self._paths[user_id])

    def policy_of_robot(self, robot: GroupRobot) -> Any:
        region = robot.unit.region if robot.unit_id and robot.unit else robot.region
        return self.policies.for_paths([region.path] if region else [])


# ---------------------------------------------------------------- claiming


def personal_due(now: datetime | None = None) -> models.QuerySet[Delivery]:
    return Delivery.objects.filter(
        status=DeliveryStatus.QUEUED, in_digest=False, next_attempt_at__lte=now or timezone.now()
    ).exclude(channel=Channel.INAPP)


def _lockable(queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
    # PostgreSQL: two workers pick different rows instead of queueing on the same ones. SQLite
    # serialises writers (IMMEDIATE transactions) and the UPDATE below is conditional anyway.
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


def claim(model: type[Row], worker: str, due: models.QuerySet[Any], *, ids: Sequence[int] = ()) -> list[Row]:
    """Take up to a batch of due rows (or the given ``ids`` among them) for this worker."""
    now = timezone.now()
    with transaction.atomic():
        if not ids:
            ids = list(
                _lockable(due.order_by("next_attempt_at", "pk")).values_list("pk", flat=True)[: batch_size()]
            )
        if not ids:
            return []
        model.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(  # type: ignore[attr-defined]
            status=DeliveryStatus.SENDING,
            claimed_by=worker,
            claimed_until=now + lease(),
            attempts=F("attempts") + 1,
            send_started_at=None,
        )
    mine = model.objects.filter(pk__in=ids, claimed_by=worker, status=DeliveryStatus.SENDING)  # type: ignore[attr-defined]
    if model is Delivery:
        mine = mine.select_related("message__recipient")
    else:
        mine = mine.select_related("robot__unit__region", "robot__region")
    return list(mine.order_by("pk"))


def claim_robot_rows(worker: str) -> list[RobotDelivery]:
    """Due robot messages whose robot has a free slot, one per robot."""
    now = timezone.now()
    due = RobotDelivery.objects.filter(
        Q(robot__next_send_at__isnull=True) | Q(robot__next_send_at__lte=now),
        status=DeliveryStatus.QUEUED,
        in_digest=False,
        next_attempt_at__lte=now,
    )
    candidates = due.order_by("next_attempt_at", "pk").values_list("pk", "robot_id")[: batch_size() * 5]
    first: dict[int, int] = {}
    for pk, robot_id in candidates:
        first.setdefault(robot_id, pk)
        if len(first) >= batch_size():
            break
    if not first:
        return []
    return claim(RobotDelivery, worker, due, ids=list(first.values()))


def _started(model: type[Outbox], pks: Sequence[int], worker: str) -> bool:
    """Stamp, and commit, that the network call is about to start; False if the lease was lost. The
    lease is renewed from here, so rows late in a slow batch still have a whole lease for their send."""
    now = timezone.now()
    updated = model.objects.filter(  # type: ignore[attr-defined]
        pk__in=pks, claimed_by=worker, status=DeliveryStatus.SENDING
    ).update(send_started_at=now, claimed_until=now + lease())
    return bool(updated)


def _release(model: type[Outbox], pks: Sequence[int], worker: str, at: datetime) -> None:
    """Give rows back untried (a robot slot taken meanwhile): the attempt does not count."""
    model.objects.filter(pk__in=pks, claimed_by=worker, status=DeliveryStatus.SENDING).update(  # type: ignore[attr-defined]
        status=DeliveryStatus.QUEUED,
        claimed_by="",
        claimed_until=None,
        next_attempt_at=at,
        attempts=F("attempts") - 1,
    )


def reserve_slot(robot: GroupRobot) -> bool:
    """Take the robot's next sending slot (one conditional UPDATE, shared by every worker)."""
    now = timezone.now()
    return bool(
        GroupRobot.objects.filter(
            Q(next_send_at__isnull=True) | Q(next_send_at__lte=now), pk=robot.pk
        ).update(next_send_at=now + robot_interval(robot.platform))
    )


def hold_robot(robot: GroupRobot, seconds: float) -> None:
    """The platform said the robot is over its limit: send it nothing for a while."""
    GroupRobot.objects.filter(pk=robot.pk).update(next_send_at=timezone.now() + timedelta(seconds=seconds))


# ---------------------------------------------------------------- sending


def send_personal(row: Delivery, worker: str) -> Outcome | None:
    message = row.message
    user = message.recipient
    wait = sms_too_soon(user.mobile) if row.channel == Channel.SMS and user.mobile else 0
    if wait:
        _release(Delivery, [row.pk], worker, timezone.now() + timedelta(seconds=wait))
        return None
    if not _started(Delivery, [row.pk], worker):
        return None
    return _guarded(
        lambda: _send_to_person(row.channel, user, message.kind, message.title, message.body, message.url)
    )


def _send_to_person(channel: str, user: Any, kind: str, title: str, body: str, url: str) -> Outcome:
    if channel == Channel.SMS:
        return sms.send(user.mobile, get_kind(kind).label, title)
    if channel == Channel.EMAIL:
        return email.send(user.email, title, body, site_link(url))
    return Outcome("failed", "该渠道不能发给个人")


def send_robot_row(row: RobotDelivery, worker: str, context: Context) -> int:
    robot = row.robot
    if not robot.enabled:
        return settle(RobotDelivery, row, worker, Outcome("failed", ROBOT_OFF), context)
    if not reserve_slot(robot):
        _release(RobotDelivery, [row.pk], worker, timezone.now())
        return 0
    if not _started(RobotDelivery, [row.pk], worker):
        return 0
    outcome = _guarded(lambda: send_to_robot(robot, row.title, row.body, row.url))
    return settle(RobotDelivery, row, worker, outcome, context)


def send_to_robot(robot: GroupRobot, title: str, body: str, url: str) -> Outcome:
    try:
        webhook, secret = robot.webhook, robot.secret
    except PersonalDataError as error:
        return Outcome("failed", error.message)
    link = site_link(url)
    if robot.platform == Platform.DINGTALK:
        return dingtalk.send(webhook, secret, title, body, link)
    return wecom.send(webhook, title, body, link)


def _guarded(send: Callable[[], Outcome]) -> Outcome:
    """An adapter that raises (a bug, an unexpected answer) must not take the pass down; whether the
    message left is unknown then, so it is not retried blindly."""
    try:
        return send()
    except Exception:
        log.exception("message channel failed")
        return Outcome("unknown", "发送时出现意外错误，无法确认是否已送达；为免重复，未自动重发")


# ---------------------------------------------------------------- settling


def settle(
    model: type[Row],
    row: Row,
    worker: str,
    outcome: Outcome | None,
    context: Context,
    *,
    pks: Sequence[int] = (),
) -> int:
    """Write the outcome on the rows this worker still holds (one row, or a digest's ``pks``).
    Returns 1 when something was tried (so the pass goes on), 0 for None: nothing was tried."""
    if outcome is None:
        return 0
    now = timezone.now()
    mine = model.objects.filter(  # type: ignore[attr-defined]
        pk__in=list(pks) or [row.pk], claimed_by=worker, status=DeliveryStatus.SENDING
    )
    free: dict[str, Any] = {"claimed_by": "", "claimed_until": None}
    if outcome.state == "sent":
        mine.update(status=DeliveryStatus.SENT, sent_at=now, last_error="", **free)
        return 1
    if outcome.state == "retry" and row.attempts < max_attempts():
        if outcome.retry_after and isinstance(row, RobotDelivery):
            hold_robot(row.robot, outcome.retry_after)
        wait = max(backoff(row.attempts), outcome.retry_after or 0)
        channel, policy = _channel_and_policy(row, context)
        at = rules.retry_time(channel, row.urgent, policy, now + timedelta(seconds=wait))
        mine.update(
            status=DeliveryStatus.QUEUED,
            next_attempt_at=at,
            last_error=outcome.reason[:300],
            send_started_at=None,
            **free,
        )
        return 1
    reason = outcome.reason
    if outcome.state == "retry":
        reason = f"{reason.removesuffix('，稍后自动重试')}（已尝试 {row.attempts} 次）"
    mine.update(status=DeliveryStatus.FAILED, last_error=reason[:300], **free)
    return 1


def _channel_and_policy(row: Outbox, context: Context) -> tuple[str, Any]:
    if isinstance(row, RobotDelivery):
        return row.robot.platform, context.policy_of_robot(row.robot)
    assert isinstance(row, Delivery)
    return row.channel, context.policy_of_user(row.message.recipient_id)


def recover_expired(now: datetime | None = None) -> int:
    """Settle the rows of workers that died holding a lease (the rule in the module's docstring)."""
    now = now or timezone.now()
    recovered = 0
    for model in (Delivery, RobotDelivery):
        expired = model.objects.filter(status=DeliveryStatus.SENDING, claimed_until__lt=now)
        recovered += expired.filter(send_started_at__isnull=True).update(
            status=DeliveryStatus.QUEUED, claimed_by="", claimed_until=None, next_attempt_at=now
        )
        recovered += expired.filter(send_started_at__isnull=False).update(
            status=DeliveryStatus.FAILED, claimed_by="", claimed_until=None, last_error=INTERRUPTED
        )
    if recovered:
        log.warning("recovered %s message deliveries of a stopped worker", recovered)
    return recovered


def next_wake() -> datetime | None:
    """When the next piece of work is due: a queued row (for a robot, not before its next slot) or
    the end of a lease another worker holds."""
    times = [
        Delivery.objects.filter(status=DeliveryStatus.QUEUED)
        .exclude(channel=Channel.INAPP)
        .aggregate(at=Min("next_attempt_at"))["at"],
        RobotDelivery.objects.filter(status=DeliveryStatus.QUEUED)
        .annotate(at=Greatest("next_attempt_at", Coalesce("robot__next_send_at", "next_attempt_at")))
        .aggregate(first=Min("at"))["first"],
        Delivery.objects.filter(status=DeliveryStatus.SENDING).aggregate(at=Min("claimed_until"))["at"],
        RobotDelivery.objects.filter(status=DeliveryStatus.SENDING).aggregate(at=Min("claimed_until"))["at"],
    ]
    found = [t for t in times if t is not None]
    return min(found) if found else None


# ---------------------------------------------------------------- digest


DIGEST_LINES = 20


def digest_text(titles: list[str]) -> tuple[str, str]:
    title = f"科素消息汇总（{len(titles)} 条）"
    lines = [f"· {t}" for t in titles[:DIGEST_LINES]]
    if len(titles) > DIGEST_LINES:
        lines.append(f"……另有 {len(titles) - DIGEST_LINES} 条，请在消息中心查看")
    return title, "\n".join(lines)


def send_digests(worker: str, context: Context) -> int:
    """One combined message per recipient and channel, and per robot, for the held rows now due."""
    now = timezone.now()
    done = 0
    personal = Delivery.objects.filter(status=DeliveryStatus.QUEUED, in_digest=True, next_attempt_at__lte=now)
    groups = personal.order_by().values_list("message__recipient_id", "channel").distinct()[: batch_size()]
    for recipient_id, channel in list(groups):
        rows = claim(
            Delivery,
            worker,
            personal,
            ids=list(
                personal.filter(message__recipient_id=recipient_id, channel=channel).values_list(
                    "pk", flat=True
                )
            ),
        )
        if rows:
            done += _send_personal_digest(rows, worker, context)
    robots = RobotDelivery.objects.filter(
        Q(robot__next_send_at__isnull=True) | Q(robot__next_send_at__lte=now),
        status=DeliveryStatus.QUEUED,
        in_digest=True,
        next_attempt_at__lte=now,
    )
    for robot_id in list(robots.order_by().values_list("robot_id", flat=True).distinct()[: batch_size()]):
        robot_rows = claim(
            RobotDelivery,
            worker,
            robots,
            ids=list(robots.filter(robot_id=robot_id).values_list("pk", flat=True)),
        )
        if robot_rows:
            done += _send_robot_digest(robot_rows, worker, context)
    return done


def _send_personal_digest(rows: list[Delivery], worker: str, context: Context) -> int:
    pks = [r.pk for r in rows]
    first = rows[0]
    user = first.message.recipient
    if not _started(Delivery, pks, worker):
        return 0
    title, body = digest_text([r.message.title for r in rows])
    outcome = _guarded(lambda: _send_to_person(first.channel, user, "digest", title, body, "/messages/"))
    return settle(Delivery, first, worker, outcome, context, pks=pks)


def _send_robot_digest(rows: list[RobotDelivery], worker: str, context: Context) -> int:
    pks = [r.pk for r in rows]
    robot = rows[0].robot
    if not robot.enabled:
        return settle(RobotDelivery, rows[0], worker, Outcome("failed", ROBOT_OFF), context, pks=pks)
    if not reserve_slot(robot):
        _release(RobotDelivery, pks, worker, timezone.now())
        return 0
    if not _started(RobotDelivery, pks, worker):
        return 0
    title, body = digest_text([r.title for r in rows])
    outcome = _guarded(lambda: send_to_robot(robot, title, body, "/messages/"))
    return settle(RobotDelivery, rows[0], worker, outcome, context, pks=pks)
