"""The pages beyond the registers: overview, activities recorded by their organiser, informants, grids, templates."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from kesu.core.models import Job
from kesu.volunteers import actions
from kesu.volunteers.models import ServiceRecord, Volunteer
from kesu.volunteers.testing import id_number


def test_the_organisers_liaison_records_hours_and_others_cannot(world: Any, client_for: Any) -> None:
    volunteer = actions.create_volunteer(None, world.pingdingshan, id_number=id_number(1), name="孙悟空")
    activity = actions.create_activity(
        None,
        world.pingdingshan,
        name="科普大篷车",
        organiser=world.edu_bureau,
        start_date=date(2025, 6, 1),
        end_date=date(2025, 6, 2),
    )
    data = {"id_number": id_number(1), "service_date": "2025-06-01", "declared_hours": "2.7"}
    liaison = client_for(world.edu_liaison)
    assert liaison.get(f"/volunteers/activities/{activity.pk}/").status_code == 200
    assert liaison.post(f"/volunteers/activities/{activity.pk}/record/", data).status_code == 302
    assert ServiceRecord.objects.get().counted_hours == 2.5
    assert (
        client_for(world.kexie_liaison)
        .post(f"/volunteers/activities/{activity.pk}/record/", data | {"service_date": "2025-06-02"})
        .status_code
        == 404
    )
    assert (
        client_for(world.pds_leader)
        .post(f"/volunteers/activities/{activity.pk}/record/", data | {"service_date": "2025-06-02"})
        .status_code
        == 403
    )
    response = liaison.post(
        f"/volunteers/activities/{activity.pk}/record/", data | {"service_date": "2025-07-01"}, follow=True
    )
    assert "不在活动日期" in response.content.decode() and ServiceRecord.objects.count() == 1
    assert volunteer.records.count() == 1


def test_the_overview_shows_counts_with_the_active_rate(world: Any, client_for: Any) -> None:
    for n in range(1, 3):
        actions.create_volunteer(None, world.pingdingshan, id_number=id_number(n), name=f"人{n}")
    page = client_for(world.pds_leader).get("/volunteers/", {"year": 2025}).content.decode()
    assert 'id="registered">2<' in page and 'id="active-rate">0.0%' in page
    assert client_for(world.kexie_liaison).get("/volunteers/").status_code == 404


def test_every_import_template_downloads_with_its_headers(world: Any, client_for: Any) -> None:
    client = client_for(world.pds_office)
    for slug, first in (
        ("volunteers", "姓名"),
        ("teams", "队伍名称"),
        ("service-records", "活动名称"),
        ("informants", "区划代码"),
        ("grid-posts", "区划代码"),
    ):
        response = client.get(f"/volunteers/import/{slug}/template/")
        sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
        assert next(sheet.iter_rows(values_only=True))[0] == first
    assert "导入科普中国信息员月度数据" in client.get("/volunteers/import/informants/").content.decode()
    assert client_for(world.pds_leader).get("/volunteers/import/informants/").status_code == 403


def test_a_large_platform_export_is_imported_in_a_background_job(
    world: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    lines = ["姓名,身份证号,手机,服务技能,工作单位"] + [
        f"志愿者{n},{id_number(n, born=f'1980{1 + n // 1000:02d}01')},1370000{n:04d},科普讲解{'啊' * 20},平顶山市某某单位{'啊' * 20}"
        for n in range(6000)
    ]
    data = "\n".join(lines).encode()
    assert len(data) > 512 * 1024
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.pds_office).post(
            "/volunteers/people/import/", {"file": SimpleUploadedFile("平台导出.csv", data)}
        )
    assert response.status_code == 302
    job = Job.objects.get(kind="volunteer_registry_import")
    assert job.status == "succeeded", job.message
    assert Volunteer.objects.count() == 6000


def test_informant_and_grid_pages_show_rates_and_mask_phones(world: Any, client_for: Any) -> None:
    from kesu.core.registry_imports import importer

    importer("grid_posts").run(
        world.pds_office,
        world.pingdingshan,
        "区划代码,网格名称,科普员姓名,手机\n410402,甲村,张三,13912345678\n410402,乙村,,\n".encode(),
        "g.csv",
        dry_run=False,
    )
    page = client_for(world.pds_office).get("/volunteers/grids/").content.decode()
    assert "50.0%" in page and "139****5678" in page and "13912345678" not in page
    assert client_for(world.pds_office).get("/volunteers/informants/").status_code == 200
