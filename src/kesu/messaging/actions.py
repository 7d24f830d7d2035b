"""Every write of the message centre.

``notify`` is what other apps call: it stores the message once per recipient (the key makes a second
call a no-op), plans one ``Delivery`` per channel the recipient gets it through, and schedules the
sending after the caller's transaction commits. Nothing is sent inside the caller's transaction, and
no channel can make the caller fail: sending happens in the background (``delivery.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import time
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from kesu.core import audit
from kesu.core.personal import encrypt_text
from kesu.messaging import rules
from kesu.messaging.kinds import PERSONAL_CHANNELS, Channel, get_kind, is_known
from kesu.messaging.models import (
    ChannelPolicy,
    ChannelPreference,
    Delivery,
    DeliveryStatus,
    GroupRobot,
    Message,
    Platform,
    RobotDelivery,
    webhook_hint,
)
from kesu.messaging.webhooks import secret_error, webhook_error

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.regions.models import Region, Unit

log = logging.getLogger("kesu.messaging")

M = TypeVar("M", bound=models.Model)
Compose = Callable[["User"], "tuple[str, str, str] | None"]


class MessagingError(ValueError):
    """A Chinese reason shown on the form."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _check_kind(kind: str) -> None:
    if not is_known(kind):
        raise ValueError(
            f"unknown message kind {kind!r}: register it with kesu.messaging.kinds.register_kind"
        )


def notify(
    recipients: Iterable[User],
    kind: str,
    *,
    title: str,
    body: str,
    url: str,
    key: str,
    region: Region | None = None,
    actor: User | None = None,
) -> list[Message]:
    """The same message to each recipient. Returns the messages created now: a recipient who already
    has a message with this key gets nothing again (so the list is empty on a repeat)."""
    return notify_each(recipients, kind, lambda user: (title, body, url), key=key, region=region, actor=actor)


def notify_each(
    recipients: Iterable[User],
    kind: str,
    compose: Compose,
    *,
    key: str,
    region: Region | None = None,
    actor: User | None = None,
) -> list[Message]:
    """A message composed for each recipient: ``compose(user)`` returns (title, body, url) built from
    what that user may see, or None to send them nothing."""
    _check_kind(kind)
    users = {user.pk: user for user in recipients if user.is_active}
    if not users:
        return []
    now = timezone.now()
    with transaction.atomic():  # a savepoint inside the caller's transaction
        taken = set(
            Message.objects.filter(recipient_id__in=list(users), key=key[:200]).values_list(
                "recipient_id", flat=True
            )
        )
        fresh = []
        for user in users.values():
            if user.pk in taken:
                continue
            composed = compose(user)
            if composed is None:
                continue
            title, body, url = composed
            fresh.append(
                Message(
                    recipient=user,
                    kind=kind,
                    title=title[:200],
                    body=body,
                    url=url[:300],
                    key=key[:200],
                    region=region,
                    actor=actor if actor is not None and actor.is_authenticated else None,
                    created_at=now,
                )
            )
        messages = _store(fresh)
        _plan_deliveries(messages, kind, now)
    if messages:
        _schedule(len(messages))
    return messages


def _store(rows: list[M]) -> list[M]:
    """Insert in bulk; if another process sent the same key meanwhile, insert one by one and skip it."""
    if not rows:
        return []
    try:
        with transaction.atomic():
            return type(rows[0]).objects.bulk_create(rows, batch_size=500)  # type: ignore[attr-defined]
    except IntegrityError:
        stored = []
        for row in rows:
            row.pk = None
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                continue
            stored.append(row)
        return stored


def _plan_deliveries(messages: list[Message], kind_code: str, now: Any) -> None:
    """One Delivery per message and channel. Rows that go out alike (same channel and slot) are
    written by one INSERT … SELECT over the new messages, so 2,000 recipients cost a few
    statements and no Python per row."""
    if not messages:
        return
    kind = get_kind(kind_code)
    ids = [m.recipient_id for m in messages]
    preferences = rules.preferences_of(ids, kind_code)
    paths = rules.home_paths(ids)
    policies = rules.Policies()
    alike: dict[tuple[str, Any, bool], list[int]] = {}
    for message in messages:
        user = message.recipient
        policy = policies.for_paths(paths.get(user.pk, []))
        for channel in rules.chosen_channels(user, kind, preferences.get(user.pk), policy):
            slot = rules.slot_for(channel, kind, policy, now)
            alike.setdefault((channel, slot.at, slot.in_digest), []).append(message.pk)
    for (channel, at, in_digest), message_ids in alike.items():
        inapp = channel == Channel.INAPP
        _insert_deliveries(
            message_ids,
            channel=channel,
            status=DeliveryStatus.SENT if inapp else DeliveryStatus.QUEUED,
            sent_at=now if inapp else None,
            next_attempt_at=at,
            in_digest=in_digest,
            urgent=kind.urgent,
            created_at=now,
        )


def _insert_deliveries(message_ids: list[int], **values: Any) -> None:
    """INSERT INTO delivery (message_id, <values>) SELECT id, <values> FROM message WHERE id IN …"""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    source = connection.ops.quote_name(Message._meta.db_table)
    fields = [cast("models.Field[Any, Any]", Delivery._meta.get_field(name)) for name in values]
    defaults: dict[str, Any] = {
        str(f.column): f.get_default()
        for f in Delivery._meta.concrete_fields
        if not f.primary_key and f.name not in values and f.name != "message"
    }
    columns = [str(f.column) for f in fields] + list(defaults)
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields] + list(defaults.values())
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(message_ids), 500):
            chunk = message_ids[start : start + 500]
            cursor.execute(
                f"INSERT INTO {table} (message_id, {names}) SELECT id, {placeholders} FROM {source} "  # noqa: S608
                f"WHERE id IN ({', '.join(['%s'] * len(chunk))})",
                [*params, *chunk],
            )


def _schedule(count: int) -> None:
    """Wake the senders once the caller's transaction has committed (never inside it). One wake-up
    per transaction, however many messages it stored (a reminder run calls notify per report)."""
    del count
    connection = transaction.get_connection()
    if any(func is _wake_senders for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(_wake_senders)


def _wake_senders() -> None:
    from kesu.messaging.job_kinds import kick

    try:
        kick(parallel=2)
    except Exception:  # a queue that is down must not fail the action; cron's send_messages sweeps
        log.exception("could not schedule message delivery")


def notify_group(
    owner: Unit | Region,
    kind: str,
    *,
    title: str,
    body: str,
    url: str,
    key: str,
    region: Region | None = None,
    actor: User | None = None,
) -> list[RobotDelivery]:
    """The message to every enabled robot of a unit or region office that takes this kind; once per
    robot and key. One event's message; a deadline's many go through ``notify_groups``."""
    _check_kind(kind)
    now = timezone.now()
    robots = _robots_taking(GroupRobot.objects.of_owner(owner), kind)
    if not robots:
        return []
    taken = set(
        RobotDelivery.objects.filter(robot__in=robots, key=key[:200]).values_list("robot_id", flat=True)
    )
    item = GroupMessage(owner, title, body, url, key)
    planner = _RobotPlanner(kind, now, region=region, actor=actor)
    fresh = [planner.row(robot, item) for robot in robots if robot.pk not in taken]
    created = _store(fresh)  # one savepoint: a key sent meanwhile is skipped
    if created:
        _schedule(len(created))
    return created


class GroupMessage(NamedTuple):
    """One group message of a batch: to every robot of ``owner`` (a unit or a region office)."""

    owner: Unit | Region
    title: str
    body: str
    url: str
    key: str


GROUP_BATCH = 500


def notify_groups(
    items: Iterable[GroupMessage | tuple[Any, str, str, str, str]],
    kind: str,
    *,
    region: Region | None = None,
    actor: User | None = None,
) -> int:
    """Many group messages of one kind at once (a deadline tells every unit's group): the same rules
    as ``notify_group`` (once per robot and key, quiet hours, the office's digest), but the
    statements grow with batches of ``GROUP_BATCH`` messages, not with messages: per batch one read
    of the owners' robots, one of the keys they already have, one INSERT that skips a key another
    process queued meanwhile. Returns how many deliveries were planned (rows a concurrent sender
    stored first are among them and skipped by the unique key)."""
    _check_kind(kind)
    batch = [GroupMessage(*item) for item in items]
    if not batch:
        return 0
    planner = _RobotPlanner(kind, timezone.now(), region=region, actor=actor)
    planned = 0
    with transaction.atomic():  # a savepoint inside the caller's transaction
        for start in range(0, len(batch), GROUP_BATCH):
            planned += _plan_group_batch(batch[start : start + GROUP_BATCH], planner)
    if planned:
        _schedule(planned)
    return planned


def _plan_group_batch(items: list[GroupMessage], planner: _RobotPlanner) -> int:
    from kesu.regions.models import Unit

    unit_ids = {item.owner.pk for item in items if isinstance(item.owner, Unit)}
    region_ids = {item.owner.pk for item in items if not isinstance(item.owner, Unit)}
    robots = GroupRobot.objects.none()
    if unit_ids:
        robots = robots | GroupRobot.objects.filter(unit_id__in=unit_ids)
    if region_ids:
        robots = robots | GroupRobot.objects.filter(region_id__in=region_ids)
    by_owner: dict[tuple[bool, int], list[GroupRobot]] = {}
    for robot in _robots_taking(robots, planner.kind):
        owner_key = (True, robot.unit_id) if robot.unit_id else (False, cast(int, robot.region_id))
        by_owner.setdefault(owner_key, []).append(robot)
    if not by_owner:
        return 0
    robot_ids = [r.pk for robots_of in by_owner.values() for r in robots_of]
    taken = set(
        RobotDelivery.objects.filter(
            robot_id__in=robot_ids, key__in={item.key[:200] for item in items}
        ).values_list("robot_id", "key")
    )
    rows = []
    for item in items:
        for robot in by_owner.get((isinstance(item.owner, Unit), item.owner.pk), []):
            if (robot.pk, item.key[:200]) not in taken:
                taken.add((robot.pk, item.key[:200]))  # the same key twice in one batch: once
                rows.append(planner.row(robot, item))
    RobotDelivery.objects.bulk_create(rows, batch_size=GROUP_BATCH, ignore_conflicts=True)
    return len(rows)


def _robots_taking(robots: models.QuerySet[GroupRobot], kind: str) -> list[GroupRobot]:
    return [
        robot
        for robot in robots.filter(enabled=True).select_related("unit__region", "region")
        if robot.receives(kind)
    ]


class _RobotPlanner:
    """Builds one group message's RobotDelivery for a robot: when it goes (quiet hours or the
    digest of the robot owner's office, as ``rules.slot_for`` decides), with the policies loaded
    once."""

    def __init__(self, kind: str, now: Any, *, region: Region | None, actor: User | None) -> None:
        self.kind = kind
        self.info = get_kind(kind)
        self.now = now
        self.region = region
        self.actor = actor if actor is not None and actor.is_authenticated else None
        self.policies = rules.Policies()

    def row(self, robot: GroupRobot, item: GroupMessage) -> RobotDelivery:
        owner_region = robot.unit.region if robot.unit_id and robot.unit else robot.region
        policy = self.policies.for_paths([owner_region.path] if owner_region else [])
        slot = rules.slot_for(robot.platform, self.info, policy, self.now)
        return RobotDelivery(
            robot=robot,
            kind=self.kind,
            key=item.key[:200],
            title=item.title[:200],
            body=item.body,
            url=item.url[:300],
            region=self.region,
            actor=self.actor,
            next_attempt_at=slot.at,
            in_digest=slot.in_digest,
            urgent=self.info.urgent,
            created_at=self.now,
        )


def mark_read(user: User, messages: Iterable[Message] | Any) -> int:
    """Mark the user's own messages read (others' are ignored); their 站内 delivery reads 已读."""
    ids = [m.pk if isinstance(m, Message) else int(m) for m in messages]
    own = Message.objects.visible_to(user).filter(pk__in=ids, read_at__isnull=True)
    now = timezone.now()
    with transaction.atomic():
        own_ids = list(own.values_list("pk", flat=True))
        count = Message.objects.filter(pk__in=own_ids).update(read_at=now)
        Delivery.objects.filter(message_id__in=own_ids, channel=Channel.INAPP).update(
            status=DeliveryStatus.READ
        )
    return count


def _robot_secrets(platform: str, webhook: str, secret: str) -> tuple[str, str]:
    webhook = (webhook or "").strip()
    secret = (secret or "").strip()
    error = webhook_error(webhook, platform)
    if error:
        raise MessagingError(error)
    if platform == Platform.DINGTALK:
        error = secret_error(secret)
        if error:
            raise MessagingError(error)
    elif secret:
        raise MessagingError("企业微信群机器人没有加签密钥，请留空")
    return webhook, secret


def _robot_snapshot(robot: GroupRobot) -> dict[str, Any]:
    """What the audit trail keeps of a robot: never the webhook key or the secret."""
    return {
        "name": robot.name,
        "platform": robot.platform,
        "webhook": robot.webhook_hint,
        "secret": robot.secret_text,
        "enabled": robot.enabled,
        "kinds": list(robot.kinds),
    }


def _known_kinds(kinds: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(kinds))
    unknown = [k for k in chosen if not is_known(k)]
    if unknown:
        raise MessagingError(f"未知的消息类别：{'、'.join(unknown)}")
    return chosen


@transaction.atomic
def add_robot(
    actor: User,
    owner: Unit | Region,
    *,
    platform: str,
    name: str,
    webhook: str,
    secret: str = "",
    kinds: Iterable[str] = (),
    enabled: bool = True,
) -> GroupRobot:
    from kesu.regions.models import Unit

    if platform not in Platform.values:
        raise MessagingError("请选择企业微信或钉钉")
    if not (name or "").strip():
        raise MessagingError("请填写机器人名称，例如“科普工作群”")
    webhook, secret = _robot_secrets(platform, webhook, secret)
    robot = GroupRobot(
        unit=owner if isinstance(owner, Unit) else None,
        region=None if isinstance(owner, Unit) else owner,
        platform=platform,
        name=name.strip()[:60],
        webhook_cipher=encrypt_text(webhook),
        webhook_hint=webhook_hint(webhook),
        secret_cipher=encrypt_text(secret) if secret else "",
        secret_last4=secret[-4:] if secret else "",
        kinds=_known_kinds(kinds),
        enabled=enabled,
        created_by=actor,
    )
    robot.save()
    region = owner.region if isinstance(owner, Unit) else owner
    audit.record(actor, "robot.create", robot, region=region, after=_robot_snapshot(robot))
    return robot


@transaction.atomic
def update_robot(
    actor: User,
    robot: GroupRobot,
    *,
    name: str,
    webhook: str = "",
    secret: str = "",
    kinds: Iterable[str] = (),
    enabled: bool = True,
) -> GroupRobot:
    """Blank webhook or secret: keep the stored one (it is never shown, so it cannot be re-typed)."""
    before = _robot_snapshot(robot)
    if not (name or "").strip():
        raise MessagingError("请填写机器人名称，例如“科普工作群”")
    if webhook.strip():
        webhook, _ = _robot_secrets(robot.platform, webhook, "")
        robot.webhook_cipher, robot.webhook_hint = encrypt_text(webhook), webhook_hint(webhook)
    if secret.strip():
        if robot.platform != Platform.DINGTALK:
            raise MessagingError("企业微信群机器人没有加签密钥，请留空")
        error = secret_error(secret)
        if error:
            raise MessagingError(error)
        robot.secret_cipher, robot.secret_last4 = encrypt_text(secret.strip()), secret.strip()[-4:]
    robot.name, robot.kinds, robot.enabled = name.strip()[:60], _known_kinds(kinds), enabled
    robot.save()
    audit.record(
        actor, "robot.update", robot, region=_robot_region(robot), before=before, after=_robot_snapshot(robot)
    )
    return robot


def _robot_region(robot: GroupRobot) -> Region | None:
    return robot.unit.region if robot.unit_id and robot.unit else robot.region


@transaction.atomic
def remove_robot(actor: User, robot: GroupRobot) -> None:
    before = _robot_snapshot(robot)
    region = _robot_region(robot)
    audit.record(actor, "robot.delete", robot, region=region, before=before)
    robot.delete()


def test_robot(actor: User, robot: GroupRobot) -> RobotDelivery:
    """Queue a test message to the group; its status (and a wrong secret's reason) shows in a moment."""
    now = timezone.now()
    with transaction.atomic():
        delivery = RobotDelivery.objects.create(
            robot=robot,
            kind="robot_test",
            key=f"robot_test:{now.isoformat()}",
            title="科素消息测试",
            body=f"这是一条测试消息：{robot.name}已接入科素，今后的提醒和督办将发到本群。",
            url="",
            region=_robot_region(robot),
            actor=actor,
            urgent=True,  # the person testing is waiting for it, even at night
        )
        audit.record(actor, "robot.test", robot, region=_robot_region(robot), note="发送测试消息")
    _schedule(1)
    return delivery


@transaction.atomic
def set_preferences(user: User, choices: dict[str, Iterable[str]]) -> None:
    """A user's channels per kind (站内 is always kept). Only personal channels can be chosen."""
    before = {p.kind: p.channels for p in ChannelPreference.objects.filter(user=user)}
    for kind, channels in choices.items():
        _check_kind(kind)
        chosen = [c for c in PERSONAL_CHANNELS if c in set(channels) or c == Channel.INAPP]
        ChannelPreference.objects.update_or_create(user=user, kind=kind, defaults={"channels": chosen})
    after = {p.kind: p.channels for p in ChannelPreference.objects.filter(user=user)}
    audit.record(user, "message.preferences_update", user, before=before, after=after)


@transaction.atomic
def set_policy(
    actor: User,
    region: Region,
    *,
    channels: Iterable[str],
    quiet_start: time | None,
    quiet_end: time | None,
    digest: bool,
    digest_time: time | None = None,
) -> ChannelPolicy:
    chosen = [c for c in Channel.values if c in set(channels)]
    if (quiet_start is None) != (quiet_end is None):
        raise MessagingError("免打扰时段需同时填写开始和结束时间，或都留空")
    policy, _ = ChannelPolicy.objects.get_or_create(region=region)
    before = _policy_snapshot(policy)
    policy.channels = chosen
    policy.quiet_start, policy.quiet_end, policy.digest = quiet_start, quiet_end, digest
    if digest_time is not None:
        policy.digest_time = digest_time
    policy.updated_at = timezone.now()
    policy.save()
    audit.record(
        actor, "message.policy_update", policy, region=region, before=before, after=_policy_snapshot(policy)
    )
    return policy


def _policy_snapshot(policy: ChannelPolicy) -> dict[str, Any]:
    def text(value: time | None) -> str | None:
        return value.strftime("%H:%M") if value else None

    return {
        "channels": list(policy.channels),
        "quiet_start": text(policy.quiet_start),
        "quiet_end": text(policy.quiet_end),
        "digest": policy.digest,
        "digest_time": text(policy.digest_time),
    }


def resend(actor: User, delivery: Delivery | RobotDelivery) -> None:
    """Queue a failed delivery again (a person decided; e.g. one whose result was unknown)."""
    if delivery.status != DeliveryStatus.FAILED:
        raise MessagingError("只有发送失败的消息可以重新发送")
    with transaction.atomic():
        before = {"status": delivery.status, "last_error": delivery.last_error}
        type(delivery).objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.QUEUED, next_attempt_at=timezone.now(), attempts=0, send_started_at=None
        )
        audit.record(
            actor, "message.resend_status", delivery, region=delivery_region(delivery), before=before
        )
    _schedule(1)


def delivery_region(delivery: Delivery | RobotDelivery) -> Region | None:
    if isinstance(delivery, RobotDelivery):
        return delivery.region
    return delivery.message.region
