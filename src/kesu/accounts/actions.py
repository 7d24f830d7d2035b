"""Writes to accounts: creating users with their role, granting and revoking memberships, API tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from kesu.accounts.models import ApiToken, FailedLogin, Membership, Role, Session, User, hash_token
from kesu.core import audit
from kesu.regions.models import Region, Unit


@transaction.atomic
def create_user(
    actor: User | None,
    username: str,
    password: str,
    *,
    display_name: str = "",
    email: str = "",
    role: str | None = None,
    region: Region | None = None,
    unit: Unit | None = None,
    validate: bool = True,
    password_hash: str | None = None,
    mobile: str = "",
    must_change_password: bool = False,
) -> User:
    """A new account; ``password_hash`` lets bulk loaders hash a shared password once;
    ``must_change_password`` makes ``password`` a one-time password."""
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        mobile=mobile,
        must_change_password=must_change_password,
    )
    if validate:
        validate_password(password, user)
    if password_hash:
        user.password = password_hash
    else:
        user.set_password(password)
    user.save()
    audit.record(
        actor,
        "user.create",
        user,
        region=region or (unit.region if unit else None),
        after=audit.snapshot(user, ["username", "display_name", "email", "mobile"]),
    )
    if role:
        grant_membership(actor, user, role, region=region, unit=unit)
    return user


@transaction.atomic
def grant_membership(
    actor: User | None, user: User, role: str, *, region: Region | None = None, unit: Unit | None = None
) -> Membership:
    if role == Role.LIAISON:
        region = None
    membership, _ = Membership.objects.get_or_create(user=user, role=role, region=region, unit=unit)
    audit.record(
        actor,
        "membership.grant",
        user,
        region=region or (unit.region if unit else None),
        after={"role": role, "region": region.code if region else None, "unit": unit.pk if unit else None},
    )
    scope_changed(User.objects.filter(pk=user.pk))
    user.__dict__.pop("access", None)  # and in this process
    return membership


@transaction.atomic
def revoke_membership(actor: User | None, membership: Membership) -> None:
    region = membership.region or (membership.unit.region if membership.unit else None)
    audit.record(
        actor,
        "membership.revoke",
        membership.user,
        region=region,
        before={"role": membership.role, "region": region.code if region else None},
    )
    membership.delete()
    scope_changed(User.objects.filter(pk=membership.user_id))
    membership.user.__dict__.pop("access", None)  # and in this process


def scope_changed(users: QuerySet[User]) -> int:
    """What these users may reach changed (a membership, a region's path, a unit's region): every
    session that remembers their scope recomputes it on its next request."""
    return User.objects.filter(pk__in=users.values("pk")).update(access_stamp=F("access_stamp") + 1)


@transaction.atomic
def revoke_all_access(user: User, *, by: User | None = None) -> int:
    """End every way ``user`` is signed in: their sessions are deleted and their API tokens revoked.
    Called when an account is disabled or loses its last role; how many sessions and tokens ended."""
    ended, _ = Session.objects.filter(user=user, expire_date__gt=timezone.now()).delete()
    Session.objects.filter(user=user).delete()  # expired ones too: nothing of theirs is left to reuse
    ended += ApiToken.objects.filter(user=user).usable().update(revoked_at=timezone.now(), revoked_by=by)
    audit.record(
        by,
        "user.revoke_access",
        user,
        region=_home_region(user),
        note=f"结束全部登录会话和令牌（{ended} 个）",
    )
    return ended


def new_token_secret() -> str:
    # 256 bits from the OS; the "kesu_" prefix lets secret scanners recognise a leaked token.
    return "kesu_" + secrets.token_urlsafe(32)


@transaction.atomic
def issue_token(
    user: User, name: str, *, by: User | None = None, days: int | None = None
) -> tuple[ApiToken, str]:
    """A new API token for ``user`` and its secret, which is shown once and never stored."""
    secret = new_token_secret()
    lifetime = timedelta(days=days if days is not None else settings.KESU_TOKEN_DAYS)
    token = ApiToken.objects.create(
        user=user,
        name=(name.strip() or "API 令牌")[:60],
        key_hash=hash_token(secret),
        prefix=secret[:12],
        expires_at=timezone.now() + lifetime,
    )
    audit.record(
        by or user,
        "token.create",
        user,
        region=_home_region(user),
        after={
            "token": token.pk,
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return token, secret


@transaction.atomic
def revoke_token(token: ApiToken, *, by: User | None) -> None:
    """The token stops working at once; it stays listed as revoked."""
    if token.revoked_at is not None:
        return
    before = {"token": token.pk, "name": token.name, "prefix": token.prefix, "revoked_at": None}
    token.revoked_at, token.revoked_by = timezone.now(), by
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        by,
        "token.revoke",
        token.user,
        region=_home_region(token.user),
        before=before,
        after={**before, "revoked_at": token.revoked_at.isoformat()},
    )


@transaction.atomic
def reset_token(user: User) -> tuple[ApiToken, str]:
    """A new API token for ``user`` replacing all their others, in one transaction: a failure leaves
    the old tokens as they were rather than the user without any."""
    revoked = ApiToken.objects.filter(user=user).usable().update(revoked_at=timezone.now(), revoked_by=user)
    token, secret = issue_token(user, "API 令牌")
    audit.record(
        user,
        "token.reset",
        user,
        region=_home_region(user),
        note=f"重新生成 API 令牌，撤销旧令牌 {revoked} 个",
    )
    return token, secret


@transaction.atomic
def unlock_account(actor: User, user: User) -> int:
    """Clear the failed sign-ins that slow ``user``'s account down, from every address."""
    cleared = FailedLogin.objects.filter(username__iexact=user.username, cleared=False).update(cleared=True)
    audit.record(
        actor,
        "user.unlock",
        user,
        region=_home_region(user),
        before={"pending_failures": cleared},
        after={"pending_failures": 0},
        note="解除登录失败限制",
    )
    return cleared


# --- Accounts an office runs itself: passwords, edits, disabling, hand-over, bulk liaisons ----------

# No 0/O, 1/l/I: a one-time password is read aloud over the phone or copied from a printed sheet.
_OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def one_time_password() -> str:
    """Twelve characters with letters and digits, which the password validators accept."""
    while True:
        password = "".join(secrets.choice(_OTP_ALPHABET) for _ in range(12))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def _home_region(user: User) -> Region | None:
    """The region an account's audit events belong to, so the office of that subtree reads them."""
    membership = user.memberships.select_related("region", "unit__region").first()
    if membership is None:
        return None
    return membership.region or (membership.unit.region if membership.unit else None)


@transaction.atomic
def change_own_password(user: User, new_password: str) -> None:
    """The user chose a new password (also the end of a one-time password)."""
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit.record(user, "user.password_change", user, region=_home_region(user), note="本人修改密码")


@transaction.atomic
def reset_password(actor: User, user: User) -> str:
    """A one-time password the user must replace at the next sign-in; their sessions end with the old
    password (Django checks the password hash on every request), their API tokens too."""
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    revoke_all_access(user, by=actor)
    audit.record(actor, "user.password_reset", user, region=_home_region(user), note="重置为一次性密码")
    return password


USER_FIELDS = ["display_name", "email", "mobile"]


@transaction.atomic
def update_user(
    actor: User,
    user: User,
    *,
    display_name: str,
    email: str,
    mobile: str,
    role: str | None = None,
    region: Region | None = None,
    unit: Unit | None = None,
) -> User:
    """Edit an account's name and contacts and, when given, replace its role within the actor's
    reach (the memberships the actor manages are revoked and the new one granted)."""
    before = audit.snapshot(user, USER_FIELDS)
    user.display_name, user.email, user.mobile = display_name, email, mobile
    user.full_clean(exclude=["password", "username"])
    user.save(update_fields=USER_FIELDS)
    audit.record(
        actor,
        "user.update",
        user,
        region=_home_region(user),
        before=before,
        after=audit.snapshot(user, USER_FIELDS),
    )
    if role:
        if role == Role.LIAISON:
            region = None
        else:
            unit = None
        current = list(Membership.objects.manageable_by(actor).filter(user=user))
        if [(m.role, m.region_id, m.unit_id) for m in current] != [
            (role, region.pk if region else None, unit.pk if unit else None)
        ]:
            for membership in current:
                revoke_membership(actor, membership)
            grant_membership(actor, user, role, region=region, unit=unit)
    return user


@transaction.atomic
def disable_user(actor: User, user: User, reason: str = "") -> None:
    """The account can no longer sign in; its sessions and API tokens end at once. Its memberships and
    its history stay, so re-enabling restores it as it was."""
    before = {"is_active": user.is_active}
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoke_all_access(user, by=actor)
    audit.record(
        actor,
        "user.disable",
        user,
        region=_home_region(user),
        before=before,
        after={"is_active": False},
        note=reason or "停用账号",
    )


@transaction.atomic
def enable_user(actor: User, user: User) -> None:
    before = {"is_active": user.is_active}
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record(
        actor,
        "user.enable",
        user,
        region=_home_region(user),
        before=before,
        after={"is_active": True},
        note="重新启用账号",
    )


@transaction.atomic
def hand_over_liaison(actor: User, unit: Unit, predecessor: User, successor: User) -> None:
    """The unit's liaison role passes from ``predecessor`` to ``successor`` in one step. A predecessor
    left without any role is signed out everywhere (their account and history stay)."""
    old = Membership.objects.get(user=predecessor, role=Role.LIAISON, unit=unit)
    revoke_membership(actor, old)
    grant_membership(actor, successor, Role.LIAISON, unit=unit)
    audit.record(
        actor,
        "unit.liaison_handover",
        unit,
        region=unit.region,
        before={"liaison": predecessor.username},
        after={"liaison": successor.username},
        note=f"联络员由 {predecessor} 交接给 {successor}",
    )
    if not predecessor.memberships.exists():
        revoke_all_access(predecessor, by=actor)


@transaction.atomic
def hand_over_to_new_account(
    actor: User, unit: Unit, predecessor: User, *, display_name: str, mobile: str
) -> tuple[User, str]:
    """The hand-over to a colleague without an account yet: the account (user name = mobile number,
    a one-time password) and the hand-over in one transaction."""
    password = one_time_password()
    successor = create_user(
        actor,
        mobile,
        password,
        display_name=display_name,
        mobile=mobile,
        must_change_password=True,
        validate=False,
    )
    hand_over_liaison(actor, unit, predecessor, successor)
    return successor, password


@dataclass(frozen=True)
class NewLiaison:
    unit: Unit
    display_name: str
    mobile: str


@transaction.atomic
def create_liaisons(actor: User, rows: list[NewLiaison]) -> list[tuple[User, str]]:
    """One liaison account per row (the mobile number is the user name), each with a one-time password
    to change at first sign-in; all rows or none."""
    created = []
    for row in rows:
        password = one_time_password()
        user = create_user(
            actor,
            row.mobile,
            password,
            display_name=row.display_name,
            role=Role.LIAISON,
            unit=row.unit,
            validate=False,
            mobile=row.mobile,
            must_change_password=True,
        )
        created.append((user, password))
    return created
