"""What one user may reach, computed from their memberships.

Every ``visible_to(user)`` queryset method asks this object, so the rule lives in one place. The
session keeps a copy (``remembered`` / ``to_session``) so that a signed-in request does not query
the memberships again: the copy is used only while the user's ``access_stamp`` is unchanged (every
action that changes what the scope derives from bumps it) and for at most ``max_age`` seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, Self, TypeAlias, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from kesu.accounts.models import User

    AnyUser: TypeAlias = User | AnonymousUser


@dataclass(frozen=True)
class Access:
    is_system_admin: bool = False
    office_paths: tuple[str, ...] = ()
    leader_paths: tuple[str, ...] = ()
    liaison_unit_ids: tuple[int, ...] = ()
    liaison_region_ids: tuple[int, ...] = ()
    office_region_ids: tuple[int, ...] = field(default=())

    @property
    def read_paths(self) -> tuple[str, ...]:
        return self.office_paths + self.leader_paths

    @property
    def is_office(self) -> bool:
        return self.is_system_admin or bool(self.office_paths)

    @property
    def is_liaison(self) -> bool:
        return bool(self.liaison_unit_ids)

    @property
    def is_leader(self) -> bool:
        return bool(self.leader_paths)

    @property
    def has_role(self) -> bool:
        """Whether the user may sign in at all: a system administrator, or someone holding a role."""
        return self.is_system_admin or bool(self.office_paths or self.leader_paths or self.liaison_unit_ids)

    def region_q(self, path_field: str) -> Q:
        """Rows whose region lies in a subtree this user reads (office or leader)."""
        return _paths_q(path_field, self.read_paths)

    def office_q(self, path_field: str) -> Q:
        """Rows whose region lies in a subtree this user manages as an office."""
        return _paths_q(path_field, self.office_paths)

    def reads_path(self, path: str) -> bool:
        return self.is_system_admin or any(path.startswith(p) for p in self.read_paths)

    def manages_path(self, path: str) -> bool:
        return self.is_system_admin or any(path.startswith(p) for p in self.office_paths)

    def is_office_of(self, region_id: int) -> bool:
        """The region's own office, not one above it (the rule of the own-region querysets such as
        ``Scheme.objects.manageable_by``, for an object that does not exist yet)."""
        return self.is_system_admin or region_id in self.office_region_ids


def _paths_q(path_field: str, paths: tuple[str, ...]) -> Q:
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{path_field}__startswith": p}) for p in paths))


def liaison_paths(access: Access) -> tuple[str, ...]:
    """The paths of the regions where the user's member units sit (one query): a liaison's own area,
    for the few rules that reach below a unit's region (whom an activity may credit)."""
    from kesu.regions.models import Region

    if not access.liaison_region_ids:
        return ()
    regions = Region.objects.filter(pk__in=access.liaison_region_ids)
    return tuple(regions.values_list("path", flat=True))


def liaison_area_q(access: Access, path_field: str) -> Q:
    """Rows in the subtree of a region where one of the user's member units sits."""
    return _paths_q(path_field, liaison_paths(access))


ANONYMOUS = Access()
_TUPLE_FIELDS = (
    "office_paths",
    "leader_paths",
    "liaison_unit_ids",
    "liaison_region_ids",
    "office_region_ids",
)


def to_session(access: Access, *, user_id: int, stamp: int, now: float) -> dict[str, Any]:
    """A JSON-safe copy of ``access`` for the session, tagged with whose it is and the stamp it was
    computed at."""
    scope = {key: list(value) for key, value in asdict(access).items() if key in _TUPLE_FIELDS}
    return {"user": user_id, "stamp": stamp, "at": now, "scope": scope}


def remembered(
    saved: Any, *, user_id: int, is_system_admin: bool, stamp: int, now: float, max_age: float
) -> Access | None:
    """The session's copy if it is this user's and still current, else None (the caller recomputes)."""
    if not isinstance(saved, dict) or saved.get("user") != user_id or saved.get("stamp") != stamp:
        return None
    if not 0 <= now - saved.get("at", now - max_age) < max_age:
        return None
    scope = saved.get("scope", {})
    return Access(
        is_system_admin=is_system_admin, **{key: tuple(scope.get(key, ())) for key in _TUPLE_FIELDS}
    )


def access_of(user: AnyUser) -> Access | None:
    """The scope of a signed-in user; None for anonymous visitors."""
    if not user.is_authenticated:
        return None
    return user.access


QS = TypeVar("QS", bound="QuerySet[Any]")


def scoped(queryset: QS, user: AnyUser, rule: Callable[[Access], Q]) -> QS:
    """The shape of every ``visible_to``/``manageable_by``: anonymous sees nothing, a system admin
    everything, anyone else the rows ``rule`` admits for their access."""
    access = access_of(user)
    if access is None:
        return queryset.none()
    if access.is_system_admin:
        return queryset
    condition = without_empty_parts(rule(access))
    return queryset.none() if condition is None else queryset.filter(condition)


def admits(user: AnyUser, rule: Callable[[Access], Q], instance: models.Model) -> bool | None:
    """Whether ``scoped(…, user, rule)`` keeps ``instance``, judged from the values already loaded on
    it, without a query; None when the rule asks about something not loaded (a relation not fetched,
    a lookup other than equality or membership), and the caller asks the database instead. The
    values judged are the instance's as they are in memory: call it on a row just read.

    For the hot paths that hold one row already (a submit at the deadline locks its report): the rule
    stays the ``Q`` the querysets use, read here for one row rather than restated."""
    access = access_of(user)
    if access is None:
        return False
    if access.is_system_admin:
        return True
    condition = without_empty_parts(rule(access))
    return False if condition is None else _holds(condition, instance)


def _holds(condition: Q, instance: models.Model) -> bool | None:
    """Three-valued: a branch that cannot be judged makes the whole unknown unless the others decide."""
    if condition.connector not in (Q.AND, Q.OR):
        return None  # XOR: left to the database
    results = [
        _holds(child, instance) if isinstance(child, Q) else _lookup_holds(child, instance)
        for child in condition.children
    ]
    decisive = condition.connector == Q.OR  # True decides an OR, False an AND
    if decisive in results:
        result: bool | None = decisive
    elif None in results:
        return None
    else:
        result = not decisive
    return not result if condition.negated else result


_UNKNOWN = object()


def _lookup_holds(lookup: Any, instance: models.Model) -> bool | None:
    if not isinstance(lookup, tuple) or len(lookup) != 2:
        return None  # an expression (``Exists``, ``F``) as a condition of its own
    name, wanted = lookup
    parts = str(name).split(LOOKUP_SEP)
    kind = parts.pop() if parts[-1] in ("exact", "in") and len(parts) > 1 else "exact"
    value = _loaded_value(instance, parts)
    if value is _UNKNOWN or value is None:
        return None  # NULL follows SQL's rules, not Python's: ask the database
    if kind == "in":
        if not isinstance(wanted, list | tuple | set | frozenset):
            return None  # a subquery or an iterator
        return value in wanted if all(_comparable(value, item) for item in wanted) else None
    return value == wanted if _comparable(value, wanted) else None


def _comparable(value: Any, wanted: Any) -> bool:
    """Whether Python's ``==`` says what the database would: the same kind of value on both sides
    (``"5"`` against a key 5, a model instance or an expression are the database's to compare)."""
    if isinstance(wanted, models.Model) or hasattr(wanted, "resolve_expression"):
        return False
    return isinstance(wanted, type(value)) or isinstance(value, type(wanted))


def _loaded_value(instance: models.Model, parts: list[str]) -> Any:
    """The value at ``unit__region_id``-style ``parts`` if every step is already loaded, else _UNKNOWN."""
    current = instance
    for position, part in enumerate(parts):
        try:
            field = current._meta.pk if part == "pk" else current._meta.get_field(part)
        except FieldDoesNotExist:
            return _UNKNOWN
        last = position == len(parts) - 1
        if not field.concrete or field.many_to_many:
            return _UNKNOWN  # a reverse relation: the row alone cannot tell
        if last:
            return current.__dict__.get(field.attname, _UNKNOWN)  # a relation compares by its key
        if not isinstance(field, models.ForeignKey) or not field.is_cached(current):
            return _UNKNOWN
        current = getattr(current, part)
        if current is None:
            return _UNKNOWN
    return _UNKNOWN


def without_empty_parts(condition: Q) -> Q | None:
    """``condition`` without the parts that can match nothing (``unit__in=()`` for a user with no
    units, a path rule with no paths); None when nothing is left.

    Rules are written once for every kind of user, so most users' rules carry branches that are
    empty for them. Dropping those before the query is built keeps the SQL and the work of building
    it to what the user actually has — which matters on hot paths such as a submit at the deadline.
    Only ever narrows: an empty ``Q()`` (which would mean "every row") also counts as nothing here,
    so a rule must always name what it admits.
    """
    if condition.negated:
        return condition  # ~(nothing) is everything: leave negations as they are
    kept: list[Any] = []
    for child in condition.children:
        part = (
            without_empty_parts(child)
            if isinstance(child, Q)
            else (None if _matches_nothing(child) else child)
        )
        if part is None and condition.connector == Q.AND:
            return None
        if part is not None:
            kept.append(part)
    if not kept:
        return None
    if len(kept) == 1:  # one branch left: it stands alone, whatever joined it to the others
        return kept[0] if isinstance(kept[0], Q) else Q(kept[0])
    return Q(*kept, _connector=condition.connector)


def _matches_nothing(lookup: Any) -> bool:
    """An ``__in`` lookup on an empty list or tuple (never a subquery, which is not evaluated here)."""
    return (
        isinstance(lookup, tuple)
        and str(lookup[0]).endswith("__in")
        and isinstance(lookup[1], list | tuple | set | frozenset)
        and not lookup[1]
    )


class RegionScopedQuerySet(models.QuerySet[Any]):
    """The base queryset of a model that belongs to one region (``region_path`` names the path of that
    region): offices and leaders read their subtree's rows, offices manage them, liaisons see none.
    A model whose rule differs (a liaison's own unit, the own-region office only) overrides a method
    with another ``scoped`` rule, so every rule keeps the same shape."""

    region_path = "region__path"

    def visible_to(self, user: AnyUser) -> Self:
        return scoped(self, user, lambda access: access.region_q(self.region_path))

    def manageable_by(self, user: AnyUser) -> Self:
        return scoped(self, user, lambda access: access.office_q(self.region_path))
