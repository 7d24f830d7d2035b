"""消息中心: messages stored once per recipient, delivered per channel; group robots; preferences.

- ``Message``: what one user receives (kind, title, body, a site path to open). ``key`` is unique per
  recipient, so sending the same message twice is impossible.
- ``Delivery``: one message through one personal channel (站内/邮件/短信), with its status.
- ``GroupRobot``: a 企业微信/钉钉 group robot of a unit or of a region's office.
- ``RobotDelivery``: one group message to one robot. A robot reaches a group, not a user, so its
  delivery is its own row (robot × key unique) instead of a Delivery of some user's Message.
- ``ChannelPreference`` (a user's channels per kind) within the office's ``ChannelPolicy``.

Delivery and RobotDelivery share the sending state (``Outbox``): the status users see, attempts,
the next attempt, the Chinese reason of the last failure, and the lease a worker holds while sending
(``delivery.py`` documents the at-most-once rule).
"""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from kesu.accounts.access import scoped
from kesu.core.personal import secret_hint
from kesu.messaging.kinds import Channel, get_kind

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser
    from kesu.messaging.kinds import MessageKind


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "排队"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "失败"
    READ = "read", "已读"


class Platform(models.TextChoices):
    WECOM = Channel.WECOM.value, "企业微信"
    DINGTALK = Channel.DINGTALK.value, "钉钉"


class MessageQuerySet(models.QuerySet["Message"]):
    def visible_to(self, user: AnyUser) -> MessageQuerySet:
        """Own messages only: not even an office reads what was sent to someone else."""
        return self.filter(recipient_id=user.pk) if user.is_authenticated else self.none()

    def unread(self) -> MessageQuerySet:
        return self.filter(read_at__isnull=True)

    def created_on(self, day: object) -> MessageQuerySet:
        """Messages of one local calendar day (the office's feed of what its units did today)."""
        return self.filter(created_at__date=day)


class Message(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="收件人", on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField("类别", max_length=40)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)  # a site path, opened after sign-in
    key = models.CharField(max_length=200)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="区划",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="message_unique_key")]
        indexes = [models.Index(fields=["recipient", "read_at"], name="message_unread")]
        verbose_name = "消息"
        verbose_name_plural = "消息"

    def __str__(self) -> str:
        return self.title

    @property
    def kind_info(self) -> MessageKind:
        return get_kind(self.kind)

    @property
    def kind_label(self) -> str:
        return get_kind(self.kind).label

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Outbox(models.Model):
    """The sending state of one delivery. A worker claims due rows by setting ``claimed_by`` and
    ``claimed_until`` in one conditional UPDATE (the lease); ``send_started_at`` is stamped, and
    committed, just before the network call, so a lease that expires tells whether the send may
    have happened (see ``delivery.recover_expired``)."""

    status = models.CharField(
        "状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次发送", default=timezone.now)
    last_error = models.CharField("原因", max_length=300, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    # Held for the daily digest of the recipient's office (sent together at ``next_attempt_at``).
    in_digest = models.BooleanField("并入每日汇总", default=False)
    urgent = models.BooleanField("紧急", default=False)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    send_started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    @property
    def status_text(self) -> str:
        """What a sender sees: the status, and for a failure its reason, in plain Chinese."""
        label = DeliveryStatus(self.status).label
        if self.status == DeliveryStatus.FAILED and self.last_error:
            return f"{label}：{self.last_error}"
        if self.status == DeliveryStatus.QUEUED and self.in_digest:
            return f"{label}（并入每日汇总）"
        return label


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def visible_to(self, user: AnyUser) -> DeliveryQuerySet:
        """The recipient's own deliveries; the sender (the message's actor) sees how theirs went."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(message__recipient_id=user.pk) | Q(message__actor_id=user.pk))


class Delivery(Outbox):
    message = models.ForeignKey(
        Message, verbose_name="消息", on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["message", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["message", "channel"], name="messaging_delivery_unique_channel")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]
        verbose_name = "消息发送"
        verbose_name_plural = "消息发送"

    def __str__(self) -> str:
        return f"{self.get_channel_display()}：{self.status_text}"


class GroupRobotQuerySet(models.QuerySet["GroupRobot"]):
    def manageable_by(self, user: AnyUser) -> GroupRobotQuerySet:
        """A unit's robot: its liaisons and the offices above it; a region's robot: its office and
        the offices above it."""
        return scoped(
            self,
            user,
            lambda access: (
                Q(unit_id__in=access.liaison_unit_ids)
                | access.office_q("unit__region__path")
                | access.office_q("region__path")
            ),
        )

    def visible_to(self, user: AnyUser) -> GroupRobotQuerySet:
        return self.manageable_by(user)

    def of_owner(self, owner: object) -> GroupRobotQuerySet:
        from kesu.regions.models import Region, Unit

        if isinstance(owner, Unit):
            return self.filter(unit=owner)
        if isinstance(owner, Region):
            return self.filter(region=owner)
        raise TypeError("a group robot belongs to a unit or a region")

    def receiving(self, kind: str) -> GroupRobotQuerySet:
        """Enabled robots that take this kind (an empty list of kinds: every kind)."""
        robots = self.filter(enabled=True)
        return robots.filter(pk__in=[r.pk for r in robots if r.receives(kind)])


class GroupRobot(models.Model):
    """A 企业微信群机器人 or 钉钉自定义机器人 webhook of a unit or of a region office. The webhook address
    (its key is a credential: whoever has it can post to the group) and the 钉钉 signing secret are
    stored encrypted and shown only as a hint."""

    unit = models.ForeignKey(
        "regions.Unit", verbose_name="单位", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="区划",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    platform = models.CharField("平台", max_length=10, choices=Platform.choices)
    name = models.CharField("名称", max_length=60)
    webhook_cipher = models.TextField(editable=False)
    webhook_hint = models.CharField("Webhook 地址", max_length=120, editable=False)
    secret_cipher = models.TextField(blank=True, editable=False)
    secret_last4 = models.CharField(max_length=4, blank=True, editable=False)
    enabled = models.BooleanField("启用", default=True)
    kinds = models.JSONField("接收的消息类别", default=list, blank=True)  # empty: every kind
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The rate limit (a leaky bucket): the earliest moment the next message may go to this robot.
    next_send_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = GroupRobotQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                name="grouprobot_one_owner",
                condition=Q(unit__isnull=False, region__isnull=True)
                | Q(unit__isnull=True, region__isnull=False),
            )
        ]
        verbose_name = "群机器人"
        verbose_name_plural = "群机器人"

    def __str__(self) -> str:
        return f"{self.name}（{self.get_platform_display()}）"

    @property
    def owner(self) -> object:
        return self.unit if self.unit_id else self.region

    @property
    def owner_region_id(self) -> int | None:
        return self.unit.region_id if self.unit_id and self.unit else self.region_id

    @property
    def secret_text(self) -> str:
        """已设置（末4位 ab12） or 未设置: all the secret ever shows again."""
        return secret_hint(self.secret_last4) if self.secret_cipher else "未设置"

    def receives(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds

    @property
    def webhook(self) -> str:
        from kesu.core.personal import decrypt_text

        return decrypt_text(self.webhook_cipher)

    @property
    def secret(self) -> str:
        from kesu.core.personal import decrypt_text

        return decrypt_text(self.secret_cipher) if self.secret_cipher else ""


def webhook_hint(url: str) -> str:
    """host…last 4 of the key: enough to tell two robots apart, not to post to the group."""
    parts = urlsplit(url)
    return f"{parts.netloc}/…{url[-4:]}"


class RobotDeliveryQuerySet(models.QuerySet["RobotDelivery"]):
    def visible_to(self, user: AnyUser) -> RobotDeliveryQuerySet:
        return self.filter(robot__in=GroupRobot.objects.visible_to(user))


class RobotDelivery(Outbox):
    robot = models.ForeignKey(
        GroupRobot, verbose_name="群机器人", on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField("类别", max_length=40)
    key = models.CharField(max_length=200)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    region = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RobotDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["robot", "key"], name="robotdelivery_unique_key")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="robotdelivery_due")]
        verbose_name = "群消息发送"
        verbose_name_plural = "群消息发送"

    def __str__(self) -> str:
        return f"{self.robot}：{self.title}"

    @property
    def channel(self) -> str:
        return self.robot.platform

    @property
    def kind_label(self) -> str:
        return get_kind(self.kind).label


class ChannelPreferenceQuerySet(models.QuerySet["ChannelPreference"]):
    def visible_to(self, user: AnyUser) -> ChannelPreferenceQuerySet:
        return self.filter(user_id=user.pk) if user.is_authenticated else self.none()

    def manageable_by(self, user: AnyUser) -> ChannelPreferenceQuerySet:
        return self.visible_to(user)


class ChannelPreference(models.Model):
    """The channels a user wants one kind through (站内 is always on); absent: the kind's defaults."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preferences"
    )
    kind = models.CharField("类别", max_length=40)
    channels = models.JSONField("渠道", default=list)

    objects = ChannelPreferenceQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="channelpreference_unique")]
        verbose_name = "接收方式"
        verbose_name_plural = "接收方式"

    def __str__(self) -> str:
        return f"{self.user}：{get_kind(self.kind).label}"


class ChannelPolicyQuerySet(models.QuerySet["ChannelPolicy"]):
    def visible_to(self, user: AnyUser) -> ChannelPolicyQuerySet:
        return scoped(self, user, lambda access: access.region_q("region__path"))

    def manageable_by(self, user: AnyUser) -> ChannelPolicyQuerySet:
        """The region's own office sets its policy."""
        return scoped(self, user, lambda access: Q(region_id__in=access.office_region_ids))


DEFAULT_QUIET_START = time(22, 0)
DEFAULT_QUIET_END = time(7, 0)
DEFAULT_DIGEST_TIME = time(8, 30)


class ChannelPolicy(models.Model):
    """What an office allows its region's users (and those of the regions below it without a policy
    of their own): which channels, quiet hours, and whether SMS/e-mail/robot messages are gathered
    into one daily digest."""

    region = models.OneToOneField(
        "regions.Region", verbose_name="区划", on_delete=models.CASCADE, related_name="channel_policy"
    )
    channels = models.JSONField("允许的渠道", default=list)  # empty: every channel
    quiet_start = models.TimeField("免打扰开始", null=True, blank=True, default=DEFAULT_QUIET_START)
    quiet_end = models.TimeField("免打扰结束", null=True, blank=True, default=DEFAULT_QUIET_END)
    digest = models.BooleanField("每日汇总", default=False)
    digest_time = models.TimeField("汇总发送时间", default=DEFAULT_DIGEST_TIME)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ChannelPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = "消息渠道设置"
        verbose_name_plural = "消息渠道设置"

    def __str__(self) -> str:
        return f"{self.region}消息渠道设置"

    def allows(self, channel: str) -> bool:
        return channel == Channel.INAPP or not self.channels or channel in self.channels
