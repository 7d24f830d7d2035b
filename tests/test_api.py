"""The API applies the same scope as the pages, for session and token authentication."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kesu.regions.models import Unit
from kesu.testing import World, api_token

pytestmark = pytest.mark.django_db


def api_as(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def test_the_education_liaison_reads_only_its_own_unit(world: World) -> None:
    client = api_as(world.edu_liaison)
    names = [u["name"] for u in client.get("/api/units/").json()["results"]]
    assert names == ["市教育体育局"]
    assert client.get(f"/api/units/{world.kexie.pk}/").status_code == 404
    assert client.patch(f"/api/units/{world.kexie.pk}/", {"name": "改"}, format="json").status_code in (
        403,
        404,
    )


def test_xinzheng_office_sees_nothing_of_pingyin(world: World) -> None:
    client = api_as(world.xz_office)
    codes = [r["code"] for r in client.get("/api/regions/").json()["results"]]
    assert "370124000000" not in codes and "410184000000" in codes
    assert client.get("/api/units/?region=370124000000").json()["results"] == []
    assert client.get("/api/regions/370124000000/").status_code == 404


def test_a_leader_reads_but_cannot_write(world: World) -> None:
    client = api_as(world.pds_leader)
    assert client.get("/api/units/").status_code == 200
    response = client.post("/api/units/", {"region": "410400000000", "name": "市新局"}, format="json")
    assert response.status_code == 403
    assert not Unit.objects.filter(name="市新局").exists()


def test_an_office_creates_a_unit_in_its_region_but_not_elsewhere(world: World) -> None:
    client = api_as(world.pds_office)
    created = client.post("/api/units/", {"region": "410400000000", "name": "市统计局"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["name"] == "市统计局"
    elsewhere = client.post("/api/units/", {"region": "370124000000", "name": "县统计局"}, format="json")
    assert elsewhere.status_code == 403
    assert not Unit.objects.filter(name="县统计局").exists()


def test_anonymous_callers_get_nothing(world: World) -> None:
    assert APIClient().get("/api/units/").status_code in (401, 403)


def test_the_schema_and_docs_page_are_served(world: World) -> None:
    client = api_as(world.pds_office)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/units/" in schema.content
    client.force_login(world.pds_office)
    assert client.get("/api/docs/").status_code == 200


def test_me_lists_the_callers_roles(world: World) -> None:
    data = api_as(world.pds_office).get("/api/me/").json()
    assert data["memberships"] == [{"role": "office", "region": "410400000000", "unit": None}]
