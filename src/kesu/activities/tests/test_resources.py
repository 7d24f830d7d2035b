"""The 科普资源 library over HTTP: who adds, who sees, what a file may be."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kesu.activities.models import Resource
from kesu.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _data(world, **more):
    return {
        "title": "汛期防溺水微视频",
        "kind": "micro_video",
        "unit": world.edu_bureau.pk,
        "url": "https://v.example.cn/abc",
        "tags_text": "防汛、应急救护",
        "emergency": "on",
        "published_on": "2025-06-01",
        "views": "1200",
    } | more


def test_a_liaison_adds_a_resource_of_its_unit_with_one_audit_event(world, client_for):
    response = client_for(world.edu_liaison).post("/activities/resources/new/", _data(world))
    resource = Resource.objects.get()
    assert response.status_code == 302
    assert (
        resource.tags == ["防汛", "应急救护"] and resource.emergency and resource.region == world.pingdingshan
    )
    assert AuditEvent.objects.filter(verb="resource.create").count() == 1


def test_the_office_finds_it_and_an_office_elsewhere_does_not(world, client_for):
    client_for(world.edu_liaison).post("/activities/resources/new/", _data(world))
    resource = Resource.objects.get()
    assert (
        "汛期防溺水微视频"
        in client_for(world.pds_office).get("/activities/resources/?tag=防汛").content.decode()
    )
    outsider = client_for(world.xz_office)
    assert "汛期防溺水微视频" not in outsider.get("/activities/resources/").content.decode()
    assert outsider.get(f"/activities/resources/{resource.pk}/").status_code == 404


def test_another_units_liaison_cannot_edit_it(world, client_for):
    client_for(world.edu_liaison).post("/activities/resources/new/", _data(world))
    resource = Resource.objects.get()
    response = client_for(world.kexie_liaison).post(
        f"/activities/resources/{resource.pk}/edit/", _data(world, title="改掉")
    )
    assert response.status_code == 404
    assert Resource.objects.get().title == "汛期防溺水微视频"


def test_a_video_file_is_refused_and_a_link_asked_for(world, client_for):
    video = SimpleUploadedFile("防汛.mp4", b"\x00\x00\x00\x18ftypmp42", content_type="video/mp4")
    response = client_for(world.edu_liaison).post(
        "/activities/resources/new/", _data(world, url="", file=video)
    )
    assert "视频请填写链接" in response.content.decode()
    assert not Resource.objects.exists()


def test_an_entry_needs_a_link_or_a_file(world, client_for):
    response = client_for(world.edu_liaison).post("/activities/resources/new/", _data(world, url=""))
    assert "请填写链接或上传文件" in response.content.decode()
    assert not Resource.objects.exists()


def test_a_liaison_cannot_file_a_resource_for_another_unit(world, client_for):
    response = client_for(world.edu_liaison).post(
        "/activities/resources/new/", _data(world, unit=world.kexie.pk)
    )
    assert response.status_code == 200  # the form again, with the unit refused
    assert not Resource.objects.exists()
