"""Platform-wide records: the audit trail and background jobs users can watch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import access_of

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser


# Labels for the verbs the actions record; each app adds its own with ``register_verbs``.
VERB_LABELS: dict[str, str] = {
    "unit.create": "新增单位",
    "unit.update": "修改单位",
    "unit.alias_add": "添加单位别名",
    "unit_group.create": "新增单位组",
    "region.move": "调整区划隶属",
    "user.create": "新增用户",
    "membership.grant": "授予角色",
    "membership.revoke": "撤销角色",
    "token.reset": "重新生成令牌",
    "token.create": "创建 API 令牌",
    "token.revoke": "撤销 API 令牌",
    "user.revoke_access": "结束全部会话和令牌",
    "user.unlock": "解除登录限制",
    "user.login": "登录",
    "user.logout": "退出登录",
    "user.login_failed": "登录失败",
    "export": "导出数据",
    "region.load_divisions": "导入行政区划",
    "personal.reveal": "查看完整个人信息",
}


def register_verbs(labels: dict[str, str]) -> None:
    """Called from an app's ``AppConfig.ready`` with the verbs its actions record."""
    VERB_LABELS.update(labels)


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def visible_to(self, user: AnyUser) -> AuditEventQuerySet:
        """Offices read the trail of their subtree; nobody else browses it."""
        access = access_of(user)
        if access is None or not access.is_office:
            return self.none()
        if access.is_system_admin:
            return self
        return self.filter(access.office_q("region__path"))

    def for_target(self, target: models.Model) -> AuditEventQuerySet:
        return self.filter(target_type=target._meta.label_lower, target_id=str(target.pk))

    def history_of(self, target: models.Model | models.QuerySet[Any], user: AnyUser) -> AuditEventQuerySet:
        """The events of ``target`` (one object, or the rows of a queryset) that ``user`` may read: those
        of the targets their model's ``visible_to(user)`` admits, and no others. An object's page shows
        its history by the object's rule (a liaison reads its report's steps), not by the audit page's
        (offices only); one query, the visibility check riding along as a subquery."""
        rows: Any = (
            target
            if isinstance(target, models.QuerySet)
            else type(target)._default_manager.filter(pk=target.pk)
        )
        visible = rows.visible_to(user)  # every model with a history has it
        keys = visible.order_by().annotate(key=Cast("pk", models.CharField())).values("key")
        return self.filter(target_type=rows.model._meta.label_lower, target_id__in=keys)


class AuditEvent(models.Model):
    """Who did what to which object, when, with the values before and after."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    verb = models.CharField(_("操作"), max_length=60, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=60)
    target_id = models.CharField(max_length=40)
    target_repr = models.CharField(_("对象"), max_length=200)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), null=True, blank=True, on_delete=models.SET_NULL
    )
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    # Where the request that caused the event came from (``kesu.core.http.client_ip``); empty for
    # commands and background jobs.
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=300, blank=True)
    # SHA-256 over this event's content and the previous event's hash (``kesu.core.audit.chain_hash``):
    # changing or deleting a stored event breaks the chain, which ``kesu verify_audit`` reports.
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.verb} {self.target_repr}"

    @property
    def verb_label(self) -> str:
        """The verb as office staff read it (unit.create → 新增单位)."""
        return VERB_LABELS.get(self.verb, self.verb)

    @property
    def changed_fields(self) -> list[tuple[str, Any, Any]]:
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class JobQuerySet(models.QuerySet["Job"]):
    def visible_to(self, user: AnyUser) -> JobQuerySet:
        access = access_of(user)
        if access is None:
            return self.none()
        return self if access.is_system_admin else self.filter(created_by_id=user.pk)


class Job(models.Model):
    """A long piece of work running in a worker, with progress its owner can watch."""

    kind = models.CharField(_("类型"), max_length=60)
    title = models.CharField(_("名称"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(_("状态"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    message = models.CharField(_("消息"), max_length=500, blank=True)
    result_file = models.FileField(upload_to="jobs/%Y/%m/", blank=True)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Stamped while a worker runs the job; a running job whose beat stops lost its worker (core.jobs).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("core:job", kwargs={"job_id": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def message_lines(self) -> list[str]:
        """The message as the job page shows it, a line each (an import's errors are one per line),
        without the "失败：" the status beside it already says."""
        text = self.message.removeprefix("失败：") if self.status == JobStatus.FAILED else self.message
        return [line for line in text.splitlines() if line.strip()]
