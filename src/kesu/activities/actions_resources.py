"""Writes of the 科普资源 library: one transaction and one audit event each; counts refreshed after."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models.fields.files import FieldFile

from kesu.activities.actions_campaigns import refresh_later
from kesu.activities.models import Resource
from kesu.core import audit

if TYPE_CHECKING:
    from kesu.accounts.models import User

RESOURCE_FIELDS = ("title", "kind", "unit", "url", "emergency", "published_on", "views", "tags")
# What the audit trail keeps: the file by its name (a snapshot of an empty file field cannot be read).
AUDIT_FIELDS = ["title", "kind", "unit", "url", "filename", "tags", "emergency", "published_on", "views"]


class ResourceError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


def _apply(resource: Resource, fields: dict[str, Any]) -> list[Any] | None:
    for name in RESOURCE_FIELDS:
        if name in fields:
            setattr(resource, name, fields[name])
    upload = fields.get("file")
    if upload and not isinstance(upload, FieldFile):  # a new upload, not the file already stored
        resource.file = upload
        resource.filename = str(getattr(upload, "name", ""))[:200]
    if not resource.url and not resource.file:
        raise ResourceError("请填写链接或上传文件（至少一项）。", "url")
    resource.region = resource.unit.region
    dispatches = fields.get("dispatches")
    return list(dispatches) if dispatches is not None else None


@transaction.atomic
def create_resource(actor: User | None, **fields: Any) -> Resource:
    resource = Resource(created_by=actor if actor and actor.is_authenticated else None)
    dispatches = _apply(resource, fields)
    resource.full_clean(exclude=["file", "created_by"])
    resource.save()
    if dispatches is not None:
        resource.dispatches.set(dispatches)
    audit.record(
        actor,
        "resource.create",
        resource,
        region=resource.region,
        after=audit.snapshot(resource, AUDIT_FIELDS),
    )
    refresh_later(resource.region, resource.published_on)
    return resource


@transaction.atomic
def update_resource(actor: User | None, resource: Resource, **fields: Any) -> Resource:
    before = audit.snapshot(resource, AUDIT_FIELDS)
    dispatches = _apply(resource, fields)
    resource.full_clean(exclude=["file", "created_by"])
    resource.save()
    if dispatches is not None:
        resource.dispatches.set(dispatches)
    audit.record(
        actor,
        "resource.update",
        resource,
        region=resource.region,
        before=before,
        after=audit.snapshot(resource, AUDIT_FIELDS),
    )
    refresh_later(resource.region, resource.published_on)
    return resource
