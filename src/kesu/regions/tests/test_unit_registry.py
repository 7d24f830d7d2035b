"""The units list, page and forms, built on the registry shape, checked by its test mixin."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import QuerySet

from kesu.core.testing_registry import RegistryChecks
from kesu.regions.models import Unit

pytestmark = pytest.mark.django_db


class TestUnitRegistry(RegistryChecks):
    list_url = "/regions/units/"
    create_url = "/regions/units/new/"
    edit_url = "/regions/units/{pk}/edit/"
    manager, outsider = "pds_office", "xz_office"
    export_headers = ("区划", "单位", "类别", "成员单位", "别名")
    create_data = {"name": "市气象局", "kind": "government", "is_member": "on"}
    edit_data = {"name": "市教育和体育局", "kind": "government"}
    verbs = ("unit.create", "unit.update")

    def sample(self, world: Any) -> Unit:
        return world.edu_bureau

    def created(self) -> QuerySet[Unit]:
        return Unit.objects.filter(name="市气象局")


def test_a_liaison_sees_its_own_unit_on_the_list_but_cannot_edit_it(world: Any, client_for: Any) -> None:
    client = client_for(world.edu_liaison)
    page = client.get("/regions/units/").content.decode()
    assert "市教育体育局" in page and "添加单位" not in page
    # It reads its unit, so a write answers 403 无权限 (a way back), not a 404 claiming nothing is there.
    assert client.get(f"/regions/units/{world.edu_bureau.pk}/edit/").status_code == 403
    assert client.post("/regions/units/new/", {"name": "市气象局", "kind": "government"}).status_code == 403
