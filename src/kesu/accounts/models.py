"""Users, their memberships (role × region or unit) and failed-login records for lockout."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import Access, access_of

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser


class Role(models.TextChoices):
    OFFICE = "office", _("素质办管理员")
    LIAISON = "liaison", _("成员单位联络员")
    LEADER = "leader", _("领导（只读）")


class UserQuerySet(models.QuerySet["User"]):
    def visible_to(self, user: AnyUser) -> UserQuerySet:
        """Accounts an office may see: those with a membership inside its subtree."""
        access = access_of(user)
        if access is None:
            return self.none()
        if not access.is_office:
            return self.filter(pk=user.pk)
        if access.is_system_admin:
            return self
        inside = access.office_q("memberships__region__path") | access.office_q(
            "memberships__unit__region__path"
        )
        return self.filter(inside | Q(pk=user.pk)).distinct()


class KesuUserManager(UserManager["User"]):
    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def visible_to(self, user: AnyUser) -> UserQuerySet:
        return self.get_queryset().visible_to(user)


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    # Bumped whenever what ``access`` derives from changes (memberships, their regions' paths, a
    # liaison's unit moving): a session's remembered scope is only used while this is unchanged.
    access_stamp = models.PositiveIntegerField(default=0, editable=False)

    objects = KesuUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def access(self) -> Access:
        # Plain tuples, not model rows: every signed-in request computes this once.
        rows = list(
            self.memberships.values_list("role", "region_id", "region__path", "unit_id", "unit__region_id")
        )
        office = [(region_id, path) for role, region_id, path, _, _ in rows if role == Role.OFFICE and path]
        liaison = [
            (unit_id, unit_region)
            for role, _, _, unit_id, unit_region in rows
            if role == Role.LIAISON and unit_id
        ]
        return Access(
            is_system_admin=self.is_superuser,
            office_paths=tuple(path for _, path in office),
            leader_paths=tuple(path for role, _, path, _, _ in rows if role == Role.LEADER and path),
            liaison_unit_ids=tuple(unit_id for unit_id, _ in liaison),
            liaison_region_ids=tuple(unit_region for _, unit_region in liaison),
            office_region_ids=tuple(region_id for region_id, _ in office),
        )


class Membership(models.Model):
    """One role of a user: office or leader of a region, or liaison of a unit."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), null=True, blank=True, on_delete=models.CASCADE
    )
    unit = models.ForeignKey(
        "regions.Unit", verbose_name=_("单位"), null=True, blank=True, on_delete=models.CASCADE
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(role="liaison", unit__isnull=False, region__isnull=True)
                    | Q(role__in=["office", "leader"], region__isnull=False, unit__isnull=True)
                ),
            ),
            models.UniqueConstraint(fields=["user", "role", "region", "unit"], name="membership_unique"),
        ]
        verbose_name = _("角色")
        verbose_name_plural = _("角色")

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.unit or self.region}"


class FailedLoginQuerySet(models.QuerySet["FailedLogin"]):
    def recent_for(self, username: str) -> FailedLoginQuerySet:
        since = timezone.now() - timedelta(minutes=settings.KESU_LOCKOUT_MINUTES)
        return self.filter(username__iexact=username, at__gte=since)


class FailedLogin(models.Model):
    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = FailedLoginQuerySet.as_manager()

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")

    def __str__(self) -> str:
        return f"{self.username} @ {self.at:%Y-%m-%d %H:%M}"
