from __future__ import annotations

import pytest

from kesu.core.models import AuditEvent
from kesu.regions import actions
from kesu.regions.models import Region, Unit, UnitGroup
from kesu.testing import World, load_test_divisions

pytestmark = pytest.mark.django_db


def test_loading_divisions_twice_changes_nothing_the_second_time(db: None) -> None:
    load_test_divisions()
    paths = dict(Region.objects.values_list("code", "path"))
    load_test_divisions()
    assert dict(Region.objects.values_list("code", "path")) == paths
    assert (
        Region.objects.get(code="370124001000").path == "370000000000/370100000000/370124000000/370124001000/"
    )


def test_a_county_moved_to_another_city_takes_its_towns_along(world: World) -> None:
    pingyin = world.pingyin
    zhengzhou = Region.objects.get(code="410100000000")
    actions.move_region(world.admin, pingyin, zhengzhou)
    town = Region.objects.get(code="370124001000")
    assert town.path.startswith(zhengzhou.path)
    assert Region.objects.subtree(zhengzhou).filter(code="370124001000").exists()
    assert AuditEvent.objects.filter(verb="region.move", target_id=str(pingyin.pk)).exists()


def test_a_region_cannot_move_under_its_own_town(world: World) -> None:
    with pytest.raises(ValueError, match="下级"):
        actions.move_region(world.admin, world.pingyin, Region.objects.get(code="370124001000"))


def test_an_alias_resolves_to_its_unit(world: World) -> None:
    assert actions.resolve_unit_name(world.pingdingshan, "市教体局") == world.edu_bureau
    assert actions.resolve_unit_name(world.pingdingshan, "市教育体育局") == world.edu_bureau
    assert actions.resolve_unit_name(world.pingdingshan, "市不存在局") is None


def test_collective_mentions_resolve_to_groups_not_to_one_unit(world: World) -> None:
    actions.ensure_standard_groups(None, world.pingdingshan)
    group = actions.resolve_unit_name(world.pingdingshan, "各成员单位")
    assert isinstance(group, UnitGroup)
    assert set(group.resolve()) == {world.edu_bureau, world.kexie}
    counties = actions.resolve_unit_name(world.pingdingshan, "各县（市、区）")
    assert isinstance(counties, UnitGroup)
    baofeng = Region.objects.get(code="410421000000")
    gov = actions.create_unit(None, baofeng, "宝丰县人民政府", kind="subregion", is_member=False)
    assert list(counties.resolve()) == [gov]


def test_an_office_sees_its_subtree_and_nothing_of_another_region(world: World) -> None:
    xz_regions = Region.objects.visible_to(world.xz_office)
    assert set(xz_regions.values_list("code", flat=True)) == {"410184000000"}
    assert not Unit.objects.visible_to(world.xz_office).filter(region=world.pingyin).exists()
    assert Unit.objects.visible_to(world.pds_office).count() == 2


def test_a_liaison_sees_only_its_own_unit(world: World) -> None:
    assert list(Unit.objects.visible_to(world.edu_liaison)) == [world.edu_bureau]
    assert not Unit.objects.manageable_by(world.edu_liaison).exists()


def test_an_office_adds_a_unit_and_the_audit_trail_says_who(world: World, client_for) -> None:
    client = client_for(world.pds_office)
    response = client.post(
        "/regions/units/new/",
        {"name": "市气象局", "kind": "government", "is_member": "on", "aliases_text": "气象局、市气象台"},
    )
    unit = Unit.objects.get(region=world.pingdingshan, name="市气象局")
    assert response.status_code == 302
    assert sorted(unit.aliases.values_list("alias", flat=True)) == ["市气象台", "气象局"]
    event = AuditEvent.objects.get(verb="unit.create", target_id=str(unit.pk))
    assert event.actor == world.pds_office and (event.after or {})["name"] == "市气象局"


def test_editing_a_unit_records_before_and_after(world: World, client_for) -> None:
    client = client_for(world.pds_office)
    client.post(
        f"/regions/units/{world.edu_bureau.pk}/edit/", {"name": "市教育和体育局", "kind": "government"}
    )
    event = AuditEvent.objects.get(verb="unit.update")
    assert ("name", "市教育体育局", "市教育和体育局") in event.changed_fields
    assert ("is_member", True, False) in event.changed_fields


def test_a_duplicate_unit_name_gets_a_clear_message_and_creates_nothing(world: World, client_for) -> None:
    client = client_for(world.pds_office)
    response = client.post("/regions/units/new/", {"name": "市科协", "kind": "mass"})
    assert "本区划已有同名单位" in response.content.decode()
    assert Unit.objects.filter(region=world.pingdingshan, name="市科协").count() == 1


def test_the_unit_list_downloads_as_xlsx(world: World, client_for) -> None:
    import io

    from openpyxl import load_workbook

    response = client_for(world.pds_office).get("/regions/units/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0] == ("区划", "单位", "类别", "成员单位", "别名")
    assert ("平顶山市", "市教育体育局", "政府部门", "是", "市教体局") in rows
