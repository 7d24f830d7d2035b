"""Writes to accounts: creating users with their role, granting and revoking memberships, API tokens."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F, QuerySet
from rest_framework.authtoken.models import Token

from kesu.accounts.models import Membership, Role, User
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
) -> User:
    """A new account; ``password_hash`` lets bulk loaders hash a shared password once."""
    user = User(username=username, display_name=display_name, email=email)
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
        after=audit.snapshot(user, ["username", "display_name", "email"]),
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
def reset_token(user: User) -> Token:
    """A new API token for ``user``; the old one stops working in the same transaction, so a failure
    leaves the old token as it was rather than the user without any."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    audit.record(user, "token.reset", user, note="重新生成 API 令牌")
    return token
