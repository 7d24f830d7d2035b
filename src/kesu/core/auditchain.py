"""The hash chain over audit events, as plain functions (the migration that seals old events uses them).

Each event's hash is SHA-256 over the previous event's hash and this event's content in a canonical
form, so changing any stored field, or deleting an event, makes the recomputed chain differ from the
stored one from that event on. The content is what the database gives back: JSON values as they
come out of a ``jsonb`` column (key order, integral floats) hash the same as when they went in.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

# The fields of an event that the hash covers, in this order.
FIELDS = (
    "at",
    "actor_id",
    "verb",
    "target_type",
    "target_id",
    "target_repr",
    "region_id",
    "before",
    "after",
    "note",
    "ip",
    "user_agent",
)


def chain_hash(previous: str, event: dict[str, Any]) -> str:
    """The hash of an event (a dict with ``FIELDS``) that follows an event hashed ``previous``."""
    content = [_canonical(name, event.get(name)) for name in FIELDS]
    text = json.dumps([previous, content], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(name: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if name in ("before", "after"):
        return _json_value(json.loads(json.dumps(value)) if value is not None else None)
    if value is None or value == "":
        return ""  # a blank CharField and a NULL address are the same absence
    return str(value)


def _json_value(value: Any) -> Any:
    # PostgreSQL's jsonb gives 1e20 back as an integer and keeps 2.0 a float: compare integral
    # floats as integers so both sides agree.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def first_break(events: Any) -> tuple[int, dict[str, Any]] | None:
    """The first event (position from 1, its values) whose stored hash does not follow from the one
    before it, walking ``events`` (dicts with ``FIELDS``, ``pk`` and ``hash``) in order; None if whole."""
    previous = ""
    for position, event in enumerate(events, start=1):
        if chain_hash(previous, event) != event["hash"]:
            return position, event
        previous = event["hash"]
    return None
