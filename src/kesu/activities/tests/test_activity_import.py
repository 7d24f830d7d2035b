"""An office imports a file of activities: all rows or none, every problem named by row and column."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from kesu.activities import importing
from kesu.activities.models import Activity
from kesu.activities.testing import make_activity, personas
from kesu.core.models import AuditEvent
from kesu.testing import World

pytestmark = pytest.mark.django_db

HEADER = "活动名称,主办单位,活动形式,开始时间,结束时间,活动地点,重点人群,参与人次,协办单位\n"


def csv_file(*rows: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("活动.csv", (HEADER + "\n".join(rows) + "\n").encode("gbk"), "text/csv")


def test_the_office_downloads_the_template_and_imports_a_good_file(world: World, client_for) -> None:
    office = client_for(personas(world).office)
    assert "超过 512 KB 的文件转入后台导入" in office.get("/activities/import/").content.decode()
    template = office.get("/activities/import/template/")
    headers = [c.value for c in next(load_workbook(io.BytesIO(template.content)).active.iter_rows(max_row=1))]
    assert headers[:4] == ["活动名称", "主办单位", "活动形式", "开始时间"]
    response = office.post(
        "/activities/import/",
        {
            "file": csv_file(
                "科普讲座进社区,市教育体育局,讲座,2025-09-20 09:00,2025-09-20 11:00,社区活动室,老年人、农民,120,市科协",
                "青少年科技竞赛,市教体局,竞赛,2025-05-20,,实验中学,青少年,300,",
            )
        },
    )
    assert response.status_code == 302
    rows = {a.name: a for a in Activity.objects.all()}
    assert rows["科普讲座进社区"].key_groups == ["农民", "老年人"] or rows["科普讲座进社区"].key_groups == [
        "老年人",
        "农民",
    ]
    assert [o.unit.name for o in rows["科普讲座进社区"].organisers.all()] == ["市科协"]
    assert rows["青少年科技竞赛"].unit == world.edu_bureau and rows["青少年科技竞赛"].status == "held"
    assert AuditEvent.objects.filter(verb="activity.import").count() == 1


def test_a_file_with_bad_rows_is_refused_whole_with_each_problem_named(world: World, client_for) -> None:
    response = client_for(personas(world).office).post(
        "/activities/import/",
        {
            "file": csv_file(
                "好的一行,市教育体育局,讲座,2025-09-20 09:00,2025-09-20 11:00,社区,老年人,120,",
                "倒着的,市教育体育局,讲座,2025-09-20 09:00,2025-09-19 11:00,社区,老年人,120,",
                "负人次,市教育体育局,讲座,2025-09-20 09:00,2025-09-20 11:00,社区,老年人,-3,",
                "外星单位,火星科协,讲座,2025-09-20 09:00,2025-09-20 11:00,社区,外星人,120,",
            )
        },
    )
    body = response.content.decode()
    assert "没有导入任何数据" in body
    assert "第 3 行：结束时间：结束时间早于开始时间" in body
    assert "第 4 行：参与人次：“-3”不能为负数" in body
    assert "第 5 行：主办单位：单位“火星科协”不在平顶山市的单位名单中" in body
    assert "第 5 行：重点人群：“外星人”无效" in body
    assert not Activity.objects.exists()


def test_a_file_with_wrong_headers_is_refused(world: World, client_for) -> None:
    upload = SimpleUploadedFile("活动.csv", "姓名,手机\n张三,138\n".encode(), "text/csv")
    body = client_for(personas(world).office).post("/activities/import/", {"file": upload}).content.decode()
    assert "文件缺少以下列：活动名称、主办单位、活动形式、开始时间" in body
    assert not Activity.objects.exists()


def test_a_60_mb_file_is_refused_before_a_row_is_read(world: World) -> None:
    data = (HEADER + "x" * (60 * 1024 * 1024)).encode()
    result = importing.run(None, world.pingdingshan, data, "活动.csv", dry_run=False)
    assert not result.ok and "超过 10 MB 的上限" in result.errors[0].message
    assert not Activity.objects.exists()


def test_an_xlsx_file_imports_too(world: World) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(importing.TEMPLATE_HEADERS)
    row: list[Any] = list(importing.TEMPLATE_EXAMPLE)
    row[5] = "410400"
    sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    world_unit = world.edu_bureau
    world_unit.name = "市卫生健康委"  # the template's example host
    world_unit.save()
    result = importing.run(None, world.pingdingshan, out.getvalue(), "活动.xlsx", dry_run=False)
    assert result.ok, result.errors
    assert Activity.objects.get().attendance == 120


def test_only_the_office_imports(world: World, client_for) -> None:
    who = personas(world)
    assert client_for(who.host).get("/activities/import/").status_code in (403, 404)
    assert client_for(world.pds_leader).post("/activities/import/", {"file": csv_file()}).status_code == 403


def test_the_import_command_checks_a_file_without_writing_in_dry_run(
    world: World, tmp_path: Any, capsys
) -> None:
    path = tmp_path / "活动.csv"
    path.write_bytes(
        (HEADER + "科普讲座,市教育体育局,讲座,2025-09-20 09:00,2025-09-20 11:00,社区,老年人,50,\n").encode()
    )
    call_command("import_registry", "activities", str(path), "--region", "410400000000", "--dry-run")
    out = capsys.readouterr().out
    assert json.loads(out) == {"created": 1, "updated": 0, "errors": []}
    assert not Activity.objects.exists()
    call_command("import_registry", "activities", str(path), "--region", "410400000000")
    assert Activity.objects.count() == 1


def test_the_api_lists_only_what_the_reader_may_see(world: World, settings: Any, tmp_path: Any) -> None:
    from rest_framework.test import APIClient

    from kesu.testing import api_token

    settings.MEDIA_ROOT = tmp_path
    who = personas(world)
    mine = make_activity(who.host_unit, "教育局的讲座", photo_count=1, key_groups=["青少年"])
    make_activity(world.kexie, "科协的展览", photo_count=0)

    def api(user: Any) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
        return client

    names = [a["name"] for a in api(who.host).get("/api/activities/").json()["results"]]
    assert names == ["教育局的讲座"]
    office = api(who.office).get("/api/activities/", {"key_group": "青少年"}).json()["results"]
    assert [a["name"] for a in office] == ["教育局的讲座"] and office[0]["photo_count"] == 1
    assert api(who.outsider).get(f"/api/activities/{mine.pk}/").status_code == 404
    assert api(who.office).post("/api/activities/", {"name": "x"}).status_code in (403, 405)
