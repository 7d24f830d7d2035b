"""Recording audit events: every action function calls ``record`` inside its transaction.

Each event carries the address and browser of the request that caused it (``request_origin``, set by
``kesu.core.middleware.AuditOriginMiddleware``) and a hash chaining it to the event before
(``kesu.core.auditchain``), so that ``kesu verify_audit`` finds a changed or deleted row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from kesu.core.auditchain import FIELDS, chain_hash, first_break
from kesu.core.models import AuditEvent

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.regions.models import Region


@dataclass(frozen=True)
class Origin:
    """Where the current request came from."""

    ip: str | None
    user_agent: str


_origin: ContextVar[Origin | None] = ContextVar("kesu_audit_origin", default=None)

# Any constant: the PostgreSQL advisory lock that makes writers of audit events take turns, so that
# two transactions never both chain onto the same previous event.
_CHAIN_LOCK = 7_160_001


@contextmanager
def request_origin(ip: str | None, user_agent: str) -> Iterator[None]:
    """Events recorded inside this block carry this address and user agent."""
    token = _origin.set(Origin(ip or None, user_agent[:300]))
    try:
        yield
    finally:
        _origin.reset(token)


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The JSON-safe field values of a model instance, for an event's before/after."""
    values = model_to_dict(obj, fields=fields)
    return {key: _jsonable(value) for key, value in values.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "url"):  # a FieldFile
        return value.name or None
    return value


def record(
    actor: User | None,
    verb: str,
    target: models.Model | None,
    *,
    region: Region | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    target_repr: str | None = None,
) -> AuditEvent:
    """One event, chained to the previous one. ``target`` None is for what has no row of its own (a
    failed sign-in with an unknown name, an export of a list): ``target_repr`` names it then."""
    origin = _origin.get()
    ip = origin.ip if origin else None
    event = AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=(target_repr if target_repr is not None else str(target))[:200],
        region=region,
        before=before,
        after=after,
        note=note[:500],
        ip=_stored_ip(ip),
        user_agent=origin.user_agent if origin else "",
    )
    return _chain(event)


def _stored_ip(ip: str | None) -> str | None:
    """The address as the column stores it (IPv6 normalised), so that the hash matches the row."""
    return AuditEvent._meta.get_field("ip").get_prep_value(ip) if ip else None


def _chain(event: AuditEvent) -> AuditEvent:
    # Inside the caller's transaction (every action's), no savepoint of its own: a failed insert fails
    # the action anyway, and SAVEPOINT/RELEASE were two of a submit's round trips.
    with transaction.atomic(savepoint=False):
        event.hash = chain_hash(_previous_hash(), _values(event))
        event.save()
    return event


def capture(
    actor: User | None,
    verb: str,
    target: models.Model,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """An event as of ``at`` (now by default) — its time, actor and the request's address — as JSON, for
    ``record_captured`` to write later: the background task queued in the action's own transaction
    (an outbox), so the event is as certain as the action but the request does not write it. The
    target's name and the event's region are filled in when it is written."""
    origin = _origin.get()
    return {
        "at": (at or timezone.now()).isoformat(),
        "actor_id": actor.pk if actor is not None and actor.is_authenticated else None,
        "verb": verb,
        "target_type": target._meta.label_lower,
        "target_id": str(target.pk),
        "before": before,
        "after": after,
        "ip": origin.ip if origin else None,
        "user_agent": origin.user_agent if origin else "",
    }


def record_captured(captured: dict[str, Any], *, target_repr: str, region_id: int | None) -> AuditEvent:
    """Write a captured event (see ``capture``) at the end of the chain. Safe to run twice: an event
    already written (same verb, target and time) is returned, not written again."""
    values = {**captured, "at": datetime.fromisoformat(captured["at"]), "region_id": region_id}
    ip = values.pop("ip")
    with transaction.atomic():
        existing = AuditEvent.objects.filter(
            verb=values["verb"],
            target_type=values["target_type"],
            target_id=values["target_id"],
            at=values["at"],
        ).first()
        if existing is not None:
            return existing
        event = AuditEvent(
            **values,
            target_repr=target_repr[:200],
            ip=_stored_ip(ip),
        )
        return _chain(event)


def record_export(
    actor: User | None, what: str, *, rows: int | None = None, region: Region | None = None, note: str = ""
) -> AuditEvent:
    """A download of personal data or of the audit trail itself: who took which list, how many rows."""
    return record(
        actor,
        "export",
        None,
        target_repr=what,
        region=region,
        after={"rows": rows} if rows is not None else None,
        note=note or f"导出 {what}",
    )


def _previous_hash() -> str:
    """The last event's hash, read after taking the chain's turn (PostgreSQL: an advisory lock held
    until the outermost transaction ends; SQLite: transactions are IMMEDIATE (settings), so writers
    already take turns)."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    last = f"SELECT hash FROM {table} ORDER BY id DESC LIMIT 1"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two statements in one round trip: each gets its own snapshot (READ COMMITTED), so the
            # read sees the event of whoever held the lock before. One statement could not: its
            # snapshot would predate the wait for the lock.
            cursor.execute(f"SELECT pg_advisory_xact_lock({_CHAIN_LOCK}); {last}")
            cursor.nextset()
        else:
            cursor.execute(last)
        row = cursor.fetchone()
    return row[0] if row else ""


def _values(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in FIELDS}


def reseal_chain() -> int:
    """Recompute every event's hash in order; how many changed. For the demo loader only, whose
    synthetic history is dated back after it was recorded (so that it reads as it happened): on real
    data this would hide a tampered event, which is why nothing else calls it."""
    with transaction.atomic():
        _previous_hash()  # takes the chain's turn: no event is written meanwhile
        previous, changed = "", []
        for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=2000):
            expected = chain_hash(previous, _values(event))
            if event.hash != expected:
                event.hash = expected
                changed.append(event)
            previous = expected
        AuditEvent.objects.bulk_update(changed, ["hash"], batch_size=1000)
    return len(changed)


def verify_chain() -> tuple[int, AuditEvent | None]:
    """How many events were checked, and the first one whose hash does not follow (None: all do)."""
    rows = AuditEvent.objects.order_by("pk").values("pk", "hash", *FIELDS)
    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for row in rows.iterator(chunk_size=2000):
            count += 1
            yield row

    broken = first_break(counted())
    if broken is None:
        return count, None
    return count, AuditEvent.objects.get(pk=broken[1]["pk"])
