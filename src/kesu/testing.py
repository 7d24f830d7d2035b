"""Named personas and a small world of regions for tests, built through the real actions."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role, User
from kesu.regions import actions as region_actions
from kesu.regions.models import Region, Unit, UnitKind

PASSWORD = "persona-password-2025"

# A slice of the national division data: enough for the personas' regions and their neighbours.
_PROVINCES = [{"code": "41", "name": "河南省"}, {"code": "37", "name": "山东省"}]
_CITIES = [
    {"code": "4104", "name": "平顶山市", "provinceCode": "41"},
    {"code": "4101", "name": "郑州市", "provinceCode": "41"},
    {"code": "3701", "name": "济南市", "provinceCode": "37"},
]
_AREAS = [
    {"code": "410402", "name": "新华区", "cityCode": "4104", "provinceCode": "41"},
    {"code": "410421", "name": "宝丰县", "cityCode": "4104", "provinceCode": "41"},
    {"code": "410184", "name": "新郑市", "cityCode": "4101", "provinceCode": "41"},
    {"code": "370124", "name": "平阴县", "cityCode": "3701", "provinceCode": "37"},
]
_STREETS = [
    {"code": "370124001", "name": "榆山街道", "areaCode": "370124", "cityCode": "3701", "provinceCode": "37"},
]


def load_test_divisions() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, rows in (
            ("provinces", _PROVINCES),
            ("cities", _CITIES),
            ("areas", _AREAS),
            ("streets", _STREETS),
        ):
            (Path(tmp) / f"{name}.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        region_actions.load_divisions(Path(tmp), towns_of=["370124"])


@dataclass
class World:
    pingdingshan: Region
    xinzheng: Region
    pingyin: Region
    edu_bureau: Unit  # 平顶山市教育体育局
    kexie: Unit  # 平顶山市科协, home of the office
    pingyin_kexie: Unit
    pds_office: User
    pds_leader: User
    edu_liaison: User
    kexie_liaison: User
    xz_office: User
    py_office: User
    admin: User


def _user(username: str, role: str | None = None, **scope: object) -> User:
    return account_actions.create_user(None, username, PASSWORD, display_name=username, role=role, **scope)  # type: ignore[arg-type]


def api_token(user: User) -> str:
    """The secret of a new API token for ``user`` (for ``Authorization: Token …`` in API tests)."""
    return account_actions.issue_token(user, "测试")[1]


def build_world() -> World:
    load_test_divisions()
    pds = Region.objects.get(code="410400000000")
    xz = Region.objects.get(code="410184000000")
    py = Region.objects.get(code="370124000000")
    edu = region_actions.create_unit(None, pds, "市教育体育局", aliases=["市教体局"])
    kexie = region_actions.create_unit(None, pds, "市科协", kind=UnitKind.MASS, is_office=True)
    py_kexie = region_actions.create_unit(None, py, "县科协", kind=UnitKind.MASS, is_office=True)
    region_actions.create_unit(None, xz, "市科协", kind=UnitKind.MASS, is_office=True)
    admin = _user("sysadmin")
    admin.is_superuser = True
    admin.save()
    return World(
        pingdingshan=pds,
        xinzheng=xz,
        pingyin=py,
        edu_bureau=edu,
        kexie=kexie,
        pingyin_kexie=py_kexie,
        pds_office=_user("pds-office", Role.OFFICE, region=pds),
        pds_leader=_user("pds-leader", Role.LEADER, region=pds),
        edu_liaison=_user("edu-liaison", Role.LIAISON, unit=edu),
        kexie_liaison=_user("kexie-liaison", Role.LIAISON, unit=kexie),
        xz_office=_user("xz-office", Role.OFFICE, region=xz),
        py_office=_user("py-office", Role.OFFICE, region=py),
        admin=admin,
    )
