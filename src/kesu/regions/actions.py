"""Every write to regions, units, aliases and groups: one transaction and one audit event each."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from kesu.accounts.actions import scope_changed
from kesu.accounts.models import User
from kesu.core import audit
from kesu.regions.divisions import Division, read_divisions
from kesu.regions.models import GroupRule, Region, Unit, UnitAlias, UnitGroup, UnitKind
from kesu.regions.signals import rewrite_prefix, tree_changed


@transaction.atomic
def load_divisions(data_dir: Path, towns_of: Iterable[str] = ()) -> tuple[int, int]:
    """Create or update regions from the division package; returns (created, updated). Idempotent."""
    rows = sorted(read_divisions(data_dir, towns_of), key=lambda d: (d.level, d.code))
    existing = {r.code: r for r in Region.objects.all()}
    created = 0
    changed_ids: list[int] = []
    for level in sorted({d.level for d in rows}):
        level_rows = [d for d in rows if d.level == level]
        new, changed = _upsert_level(level_rows, existing)
        Region.objects.bulk_create(new, batch_size=1000)
        Region.objects.bulk_update(changed, ["name", "parent", "path"], batch_size=1000)
        for region in Region.objects.filter(code__in=[d.code for d in level_rows]):
            existing[region.code] = region
        created, changed_ids = created + len(new), changed_ids + [r.pk for r in changed]
    if created or changed_ids:
        tree_changed.send(sender=Region, provinces=None)
    if changed_ids:  # a region under a new parent has a new path: so do the scopes of users in it
        scope_changed(
            User.objects.filter(
                Q(memberships__region__in=changed_ids) | Q(memberships__unit__region__in=changed_ids)
            )
        )
    audit.record(
        None,
        "region.load_divisions",
        None,
        target_repr="行政区划",
        after={"created": created, "updated": len(changed_ids)},
        note=f"导入行政区划：新增 {created} 个，更新 {len(changed_ids)} 个",
    )
    return created, len(changed_ids)


def _upsert_level(rows: list[Division], existing: dict[str, Region]) -> tuple[list[Region], list[Region]]:
    new: list[Region] = []
    changed: list[Region] = []
    for d in rows:
        parent = existing.get(d.parent_code) if d.parent_code else None
        path = f"{parent.path if parent else ''}{d.code}/"
        region = existing.get(d.code)
        if region is None:
            new.append(Region(code=d.code, name=d.name, level=d.level, parent=parent, path=path))
        elif (region.name, region.parent_id, region.path) != (d.name, parent.pk if parent else None, path):
            region.name, region.parent, region.path = d.name, parent, path
            changed.append(region)
    return new, changed


@transaction.atomic
def move_region(actor: User | None, region: Region, new_parent: Region) -> Region:
    """Re-parent a region (a county merged into another city) and rewrite its subtree's paths."""
    if new_parent.is_within(region):
        raise ValueError("不能把区划移到它自己的下级之下")
    before = audit.snapshot(region, ["parent"])
    old_path = region.path
    region.parent = new_parent
    region.path = region.compute_path()
    region.save(update_fields=["parent", "path"])
    # The whole subtree in one statement: the new prefix, then each path after the old prefix.
    rewrite_prefix(Region.objects.exclude(pk=region.pk), "path", old_path, region.path)
    _scope_changed_below(region.path)
    provinces = {old_path.split("/")[0], region.path.split("/")[0]}
    tree_changed.send(sender=Region, provinces=provinces, moved=(old_path, region.path))
    audit.record(
        actor,
        "region.move",
        region,
        region=new_parent,
        before=before,
        after=audit.snapshot(region, ["parent"]),
    )
    return region


def _scope_changed_below(path: str) -> None:
    """Office, leader and liaison paths under a moved region changed: their sessions recompute scope."""
    inside = Q(memberships__region__path__startswith=path) | Q(
        memberships__unit__region__path__startswith=path
    )
    scope_changed(User.objects.filter(inside))


def _scope_changed_of_unit(unit: Unit) -> None:
    scope_changed(User.objects.filter(memberships__unit=unit))


@transaction.atomic
def create_unit(
    actor: User | None,
    region: Region,
    name: str,
    *,
    kind: str = UnitKind.GOVERNMENT,
    is_member: bool = True,
    is_office: bool = False,
    aliases: Iterable[str] = (),
) -> Unit:
    unit = Unit.objects.create(
        region=region, name=name.strip(), kind=kind, is_member=is_member, is_office=is_office
    )
    for alias in aliases:
        if alias.strip() and alias.strip() != unit.name:
            UnitAlias.objects.create(unit=unit, region=region, alias=alias.strip())
    audit.record(actor, "unit.create", unit, region=region, after=audit.snapshot(unit))
    return unit


@transaction.atomic
def update_unit(actor: User | None, unit: Unit, **changes: object) -> Unit:
    before = audit.snapshot(unit)
    for field, value in changes.items():
        setattr(unit, field, value)
    unit.full_clean()
    unit.save()
    if unit.region_id != before["region"]:
        _scope_changed_of_unit(unit)
    audit.record(actor, "unit.update", unit, region=unit.region, before=before, after=audit.snapshot(unit))
    return unit


@transaction.atomic
def add_alias(actor: User | None, unit: Unit, alias: str) -> UnitAlias:
    record = UnitAlias.objects.create(unit=unit, region=unit.region, alias=alias.strip())
    audit.record(actor, "unit.alias_add", unit, region=unit.region, after={"alias": record.alias})
    return record


# The collective mentions plans use, and what each stands for.
STANDARD_GROUPS: dict[str, str] = {
    "各成员单位": GroupRule.MEMBERS,
    "领导小组各成员单位": GroupRule.MEMBERS,
    "各有关单位": GroupRule.MEMBERS,
    "各相关单位": GroupRule.MEMBERS,
    "各牵头单位": GroupRule.LEADS,
    "各县（市、区）": GroupRule.SUBREGIONS,
    "各县（市、区）人民政府": GroupRule.SUBREGIONS,
    "各县市区": GroupRule.SUBREGIONS,
    "各镇街道": GroupRule.SUBREGIONS,
    "各镇（街道）": GroupRule.SUBREGIONS,
    "各乡镇（街道）": GroupRule.SUBREGIONS,
    "各镇人民政府、街道办事处": GroupRule.SUBREGIONS,
}


@transaction.atomic
def ensure_standard_groups(actor: User | None, region: Region) -> list[UnitGroup]:
    groups = []
    for mention, rule in STANDARD_GROUPS.items():
        group, created = UnitGroup.objects.get_or_create(
            region=region, mention=mention, defaults={"rule": rule}
        )
        if created:
            audit.record(
                actor, "unit_group.create", group, region=region, after={"mention": mention, "rule": rule}
            )
        groups.append(group)
    return groups


def resolve_unit_name(region: Region, mention: str) -> Unit | UnitGroup | None:
    """The unit or group a name in a document refers to, by exact name, alias, or group mention."""
    mention = mention.strip()
    unit = Unit.objects.filter(region=region, name=mention).first()
    if unit:
        return unit
    alias = UnitAlias.objects.filter(region=region, alias=mention).select_related("unit").first()
    if alias:
        return alias.unit
    return UnitGroup.objects.filter(region=region, mention=mention).first()
