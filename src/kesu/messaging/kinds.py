"""The kinds of message Kesu sends: what each is called, whom it is for, how it goes out by default.

A kind is a code (stored on every message), a Chinese label (what users see in the message centre and
on the preferences page), who receives it, the channels a user gets it through until they choose
otherwise, and whether it is ``urgent`` (an urgent kind may go out by SMS or group robot during quiet
hours and is never held for the daily digest). Registries add their own kinds with ``register_kind``
in their ``AppConfig.ready``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Channel(models.TextChoices):
    INAPP = "inapp", "站内消息"
    EMAIL = "email", "邮件"
    SMS = "sms", "短信"
    WECOM = "wecom", "企业微信"
    DINGTALK = "dingtalk", "钉钉"


# Channels that reach one person (a group robot reaches a group: GroupRobot, not a preference).
PERSONAL_CHANNELS: tuple[str, ...] = (Channel.INAPP, Channel.EMAIL, Channel.SMS)
# Channels that wake people up: held during quiet hours unless the kind is urgent.
NOISY_CHANNELS: frozenset[str] = frozenset({Channel.SMS, Channel.WECOM, Channel.DINGTALK})

INAPP_ONLY = (Channel.INAPP,)
INAPP_EMAIL = (Channel.INAPP, Channel.EMAIL)
INAPP_SMS = (Channel.INAPP, Channel.SMS)


@dataclass(frozen=True)
class MessageKind:
    code: str
    label: str
    audience: str  # who receives it, in words (the preferences page shows it)
    default_channels: tuple[str, ...] = INAPP_ONLY
    urgent: bool = False

    def __str__(self) -> str:
        return self.label


_KINDS: dict[str, MessageKind] = {}


def register_kind(kind: MessageKind) -> MessageKind:
    """Add (or redefine) a kind. In-app delivery is always part of a kind's defaults."""
    channels = kind.default_channels
    if Channel.INAPP not in channels:
        raise ValueError(f"kind {kind.code}: the in-app channel is always a default channel")
    unknown = set(channels) - set(Channel.values)
    if unknown:
        raise ValueError(f"kind {kind.code}: unknown channels {sorted(unknown)}")
    _KINDS[kind.code] = kind
    return kind


def get_kind(code: str) -> MessageKind:
    """The kind of a code; an unknown code (a registry app removed) still reads as a plain message."""
    return _KINDS.get(code) or MessageKind(code, "消息", "")


def all_kinds() -> list[MessageKind]:
    return list(_KINDS.values())


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.code, kind.label) for kind in _KINDS.values()]


def is_known(code: str) -> bool:
    return code in _KINDS


LIAISON = "成员单位联络员"
OFFICE = "素质办"
for _kind in (
    MessageKind("cycle_opened", "报送周期开启", LIAISON, INAPP_EMAIL),
    MessageKind("report_due", "报送即将截止", LIAISON, INAPP_SMS),
    MessageKind("report_overdue", "报送已逾期（催办）", LIAISON, INAPP_SMS),
    MessageKind("report_submitted", "单位已提交报送", OFFICE),
    MessageKind("report_returned", "报送被退回修改", LIAISON, INAPP_SMS),
    MessageKind("report_resubmitted", "单位已重新提交", OFFICE),
    MessageKind("report_approved", "报送已审核通过", LIAISON),
    MessageKind("report_reopened", "报送已重新开放", LIAISON, INAPP_EMAIL),
    MessageKind("notice_issued", "收到督办", LIAISON, INAPP_SMS),
    MessageKind("notice_signed", "督办已签收", OFFICE),
    MessageKind("notice_answered", "督办已反馈", OFFICE),
    MessageKind("notice_overdue", "督办已超期", f"{LIAISON}、{OFFICE}", INAPP_SMS, urgent=True),
    MessageKind("notice_escalated", "督办已升级", f"{LIAISON}、{OFFICE}", INAPP_SMS, urgent=True),
    MessageKind("notice_closed", "督办已办结", LIAISON),
    MessageKind("assessment_published", "考核结果发布", f"{OFFICE}、领导", INAPP_EMAIL),
    MessageKind("designation_expiring", "命名即将到期", "科普基地所在单位、素质办", INAPP_EMAIL),
    MessageKind("annual_report_due", "年度报告待提交", "科普基地所在单位", INAPP_EMAIL),
    MessageKind("expert_dispatched", "专家已派出", "专家所在单位、素质办"),
    MessageKind("job_finished", "后台任务完成", "提交任务的人"),
    MessageKind("robot_test", "群机器人测试消息", "群机器人所在的群"),
    MessageKind("digest", "消息汇总", "选择了每日汇总的素质办"),
):
    register_kind(_kind)
