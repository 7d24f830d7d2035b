"""/api/certification-batches/ and /api/certification-applications/: scoped and filtered as the
batch pages, the contact phone masked."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kesu.accounts.models import User
from kesu.testing import World, api_token
from kesu.venues.testing_certification import certify, make_application, make_batch

pytestmark = pytest.mark.django_db


def api_as(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def test_the_office_reads_its_batch_and_every_application_with_the_phone_masked(world: World) -> None:
    batch = make_batch(world.pingdingshan)
    make_application(batch, world.edu_bureau, serial=1)
    certify(make_application(batch, world.kexie, serial=2))
    client = api_as(world.pds_office)

    batches = client.get("/api/certification-batches/").json()["results"]
    assert [(b["title"], b["region"], b["level_label"]) for b in batches] == [
        (batch.title, world.pingdingshan.code, "市级")
    ]
    rows = client.get("/api/certification-applications/", {"batch": batch.pk}).json()["results"]
    assert {r["recommending_unit"] for r in rows} == {"市教育体育局", "市科协"}
    assert all(r["contact_phone"] == "138****1234" for r in rows)
    certified = client.get("/api/certification-applications/", {"status": "certified"}).json()["results"]
    assert [r["recommending_unit"] for r in certified] == ["市科协"]
    assert certified[0]["mean_score"] == "88.0" and certified[0]["status_label"] == "已认定"
    assert client.get("/api/certification-applications/", {"status": "nonsense"}).status_code == 400


def test_a_liaison_reads_only_what_its_unit_filed_and_another_city_nothing(world: World) -> None:
    batch = make_batch(world.pingdingshan)
    own = make_application(batch, world.edu_bureau, serial=1)
    other = make_application(batch, world.kexie, serial=2)
    liaison = api_as(world.edu_liaison)
    assert [r["id"] for r in liaison.get("/api/certification-applications/").json()["results"]] == [own.pk]
    assert liaison.get(f"/api/certification-applications/{other.pk}/").status_code == 404
    assert liaison.post("/api/certification-applications/", {"name": "x"}).status_code in (403, 405)

    outsider = api_as(world.xz_office)
    assert outsider.get("/api/certification-applications/").json()["results"] == []
    assert outsider.get("/api/certification-batches/").json()["results"] == []


def test_the_batch_page_and_the_api_filter_by_the_same_rules(world: World, client_for) -> None:
    batch = make_batch(world.pingdingshan)
    make_application(batch, world.edu_bureau, serial=1, name="教育科普馆")
    certify(make_application(batch, world.kexie, serial=2, name="科协科技馆"))
    page = client_for(world.pds_office).get(f"/bases/certification/{batch.pk}/", {"status": "certified"})
    body = page.content.decode()
    assert "科协科技馆" in body and "教育科普馆" not in body
    found = api_as(world.pds_office).get("/api/certification-applications/", {"q": "科技馆"}).json()
    assert [r["name"] for r in found["results"]] == ["科协科技馆"]
