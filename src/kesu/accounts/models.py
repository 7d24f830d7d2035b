"""Users, their memberships (role × region or unit) and failed-login records for lockout."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import cache, cached_property
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager
from django.core.validators import RegexValidator
from django.db import connections, models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kesu.accounts.access import Access, access_of
from kesu.core import rows

if TYPE_CHECKING:
    from kesu.accounts.access import AnyUser
    from kesu.accounts.sessions import SessionStore
    from kesu.regions.models import Unit


# A mainland mobile number: 11 digits, 1 then 3–9.
MOBILE_PATTERN = r"^1[3-9]\d{9}$"


def masked_mobile(mobile: str) -> str:
    """138****5678: enough for a colleague to recognise the number, not to copy it from a list."""
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) == 11 else mobile


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

    def manageable_by(self, user: AnyUser) -> UserQuerySet:
        """Accounts an office may edit, reset, disable: those holding a role inside its subtree, not
        system administrators (unless it is one), never itself (nobody locks themselves out)."""
        access = access_of(user)
        if access is None or not access.is_office:
            return self.none()
        if access.is_system_admin:
            return self.exclude(pk=user.pk)
        inside = access.office_q("memberships__region__path") | access.office_q(
            "memberships__unit__region__path"
        )
        return self.filter(inside, is_superuser=False).exclude(pk=user.pk).distinct()


class KesuUserManager(UserManager["User"]):
    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def visible_to(self, user: AnyUser) -> UserQuerySet:
        return self.get_queryset().visible_to(user)

    def manageable_by(self, user: AnyUser) -> UserQuerySet:
        return self.get_queryset().manageable_by(user)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def manageable_by(self, user: AnyUser) -> MembershipQuerySet:
        """Roles an office may grant or revoke: in its subtree (a region's, or a unit's there)."""
        access = access_of(user)
        if access is None or not access.is_office:
            return self.none()
        if access.is_system_admin:
            return self
        return self.filter(access.office_q("region__path") | access.office_q("unit__region__path"))


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = models.CharField(
        _("手机号"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(MOBILE_PATTERN, "请填写 11 位手机号码，例如 13812345678")],
    )
    # Set when the office hands out a one-time password: the next sign-in must choose a new one
    # before reaching any page (``accounts.middleware.PasswordChangeRequiredMiddleware``).
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    # Bumped whenever what ``access`` derives from changes (memberships, their regions' paths, a
    # liaison's unit moving): a session's remembered scope is only used while this is unchanged.
    access_stamp = models.PositiveIntegerField(default=0, editable=False)

    objects = KesuUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def masked_mobile(self) -> str:
        return masked_mobile(self.mobile)

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

    objects = MembershipQuerySet.as_manager()

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


def without_liaison(units: QuerySet[Unit]) -> QuerySet[Unit]:
    """Units nobody reports for: no active account holds their liaison role (a unit added during
    单位核对, or whose liaison was disabled). Listed as 无联络员 on the board and the home page."""
    held = Membership.objects.filter(unit=OuterRef("pk"), role=Role.LIAISON, user__is_active=True)
    return units.filter(~Exists(held))


class FailedLoginQuerySet(models.QuerySet["FailedLogin"]):
    def recent_for(self, username: str) -> FailedLoginQuerySet:
        since = timezone.now() - timedelta(minutes=settings.KESU_LOCKOUT_MINUTES)
        return self.filter(username__iexact=username, at__gte=since)


class FailedLogin(models.Model):
    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Set by a successful sign-in from the same address or by the office unlocking the account: the
    # row stays (the audit trail has every failure anyway) but no longer slows anyone down.
    cleared = models.BooleanField(default=False)

    objects = FailedLoginQuerySet.as_manager()

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")

    def __str__(self) -> str:
        return f"{self.username} @ {self.at:%Y-%m-%d %H:%M}"


def hash_token(secret: str) -> str:
    """What is stored of an API token: its SHA-256, so a copy of the database grants no access."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())

    def visible_to(self, user: AnyUser) -> ApiTokenQuerySet:
        """One's own tokens; an office also those of the accounts it sees (to revoke a lost one)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(user=user) | Q(user__in=User.objects.visible_to(user).values("pk")))

    def manageable_by(self, user: AnyUser) -> ApiTokenQuerySet:
        return self.visible_to(user)


class ApiToken(models.Model):
    """A named API credential of one user. Only the SHA-256 of its secret is kept: the secret is shown
    once, when it is created. It stops working when it expires, is revoked, or its user is disabled or
    holds no role any more."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=60)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the secret, so a user can tell which token a script uses.
    prefix = models.CharField(_("前缀"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("有效期至"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("撤销人")
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "已撤销"
        return "有效" if self.expires_at > timezone.now() else "已过期"


class SessionManager(BaseSessionManager["Session"]):
    def get_queryset(self) -> QuerySet[Session]:
        return super().get_queryset().select_related("user")

    def unexpired_with_user(self, session_key: str) -> Session | None:
        """The session with this key if it has not expired, its user (if any) read in the same query.

        What ``get_queryset().get(session_key=…, expire_date__gt=now)`` reads, written out: every
        signed-in request runs it, and building it through the ORM cost four times the CPU of this
        (1.2 against 0.27 ms a request, docs/reporting.md). ``core.rows`` takes the columns from the
        models' fields and converts the values as the ORM would."""
        connection = connections[self.db]
        expires = Session._meta.get_field("expire_date").get_db_prep_value(timezone.now(), connection)
        with connection.cursor() as cursor:
            cursor.execute(_session_with_user_sql(), [session_key, expires])
            row = cursor.fetchone()
        if row is None:
            return None
        split = rows.width(Session)
        session = rows.from_row(Session, row[:split], self.db)
        session.user = rows.from_row(User, row[split:], self.db) if session.user_id is not None else None
        return session


@cache
def _session_with_user_sql() -> str:
    return (
        f"SELECT {rows.select_list(Session, 's')}, {rows.select_list(User, 'u')} "
        f"FROM {rows.table(Session)} s LEFT JOIN {rows.table(User)} u "
        f"ON u.{rows.column(User, 'pk')} = s.{rows.column(Session, 'user')} "
        f"WHERE s.{rows.column(Session, 'pk')} = %s AND s.{rows.column(Session, 'expire_date')} > %s"
    )


class Session(AbstractBaseSession):
    """A signed-in browser's session (``kesu.accounts.sessions``), with its user beside the data: a
    request reads both in one query, and ending a user's sessions finds them by user."""

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions")

    objects: ClassVar[SessionManager] = SessionManager()  # a class variable, as django-stubs declares it

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"
        verbose_name = "登录会话"
        verbose_name_plural = "登录会话"

    @classmethod
    def get_session_store_class(cls) -> type[SessionStore]:
        from kesu.accounts.sessions import SessionStore

        return SessionStore
