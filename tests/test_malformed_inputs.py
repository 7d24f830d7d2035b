"""Malformed input over HTTP: a clear Chinese message (400 with a machine-readable body for the API), never a 500,
nothing half-written and no file left behind."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from kesu.indicators.models import Boundary, IndicatorValue
from kesu.plans.models import Plan
from kesu.regions import actions as region_actions
from kesu.regions.models import Unit
from kesu.survey.models import FrameUnit, Instrument, Margin, Respondent, Wave
from kesu.survey.testing import small_instrument
from kesu.testing import World

pytestmark = pytest.mark.django_db
HUGE_FIELD = '"' + "x" * 140_000 + '"'


@pytest.fixture(autouse=True)
def own_media(settings: Any, tmp_path: Path) -> None:
    """Files in a media folder of this test's own, so other tests' files never count as left behind."""
    settings.MEDIA_ROOT = tmp_path / "media"


def api_as(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def media_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


# ---- imports: a CSV field over 128 KB, NaN and infinity ----------------------------------------


def test_a_csv_field_over_128_kb_is_refused_in_chinese_by_every_import(world: World, client_for: Any) -> None:
    wave = Wave.objects.create(
        region=world.pingyin, period="2025", title="测试调查", instrument=small_instrument(world.pingyin)
    )
    office = client_for(world.py_office)
    value_import = client_for(world.pds_office).post(
        "/indicators/values/import/",
        {
            "file": SimpleUploadedFile(
                "v.csv", f"指标,区划代码,期间,数值\nvolunteer_count,410400,2024,{HUGE_FIELD}\n".encode()
            ),
            "provenance": "统计年报",
        },
    )
    answers = [value_import]
    for url in (
        f"/survey/waves/{wave.pk}/frame/",
        f"/survey/waves/{wave.pk}/margins/",
        f"/survey/waves/{wave.pk}/responses/import/",
    ):
        answers.append(
            office.post(
                url, {"file": SimpleUploadedFile("f.csv", f"层,初级抽样单元\nS1,{HUGE_FIELD}\n".encode())}
            )
        )
    answers.append(
        office.post(
            "/survey/instruments/import/",
            {"name": "新问卷", "file": SimpleUploadedFile("i.csv", f"题号,题干\nK1,{HUGE_FIELD}\n".encode())},
        )
    )
    for response in answers:
        assert response.status_code in (200, 400)
        assert "超过 131072 个字符" in response.content.decode()
    assert not IndicatorValue.objects.exists()
    assert (FrameUnit.objects.count(), Margin.objects.count(), Respondent.objects.count()) == (0, 0, 0)
    assert Instrument.objects.count() == 1


@pytest.mark.parametrize("number", ["nan", "inf", "-Infinity", "1e999"])
def test_nan_or_infinity_in_the_value_import_is_named_and_nothing_is_stored(
    world: World, client_for: Any, number: str
) -> None:
    response = client_for(world.pds_office).post(
        "/indicators/values/import/",
        {
            "file": SimpleUploadedFile(
                "v.csv", f"指标,区划代码,期间,数值\nvolunteer_count,410400,2024,{number}\n".encode()
            ),
            "provenance": "统计年报",
        },
    )
    assert response.status_code == 200
    assert f"数值“{number}”不是数字" in response.content.decode()
    assert not IndicatorValue.objects.exists()


# ---- plans: a NUL byte in a .txt, a billion-laughs docx ----------------------------------------


PLAN_TEXT = (
    "平顶山市全民科学素质行动规划纲要实施方案\n一、总体要求\n（一）指导思想\n1. 加强领导。牵头单位：市科协\n"
)


def test_a_plan_text_with_a_nul_byte_is_read_without_it_and_no_file_is_left_behind(
    world: World, client_for: Any
) -> None:
    before = media_files()
    data = (PLAN_TEXT * 200 + "\x00" + PLAN_TEXT).encode()  # past the first 4 KB, so it reads as text
    response = client_for(world.pds_office).post(
        "/plans/upload/", {"file": SimpleUploadedFile("方案.txt", data)}
    )
    assert response.status_code == 302
    plan = Plan.objects.get()
    document = plan.current_document
    assert document is not None and "\x00" not in document.text and "\x00" not in plan.title
    assert media_files() - before == {Path(document.file.path)}  # the stored plan's file, nothing more
    document.file.delete(save=False)


def _billion_laughs_docx() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    document = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def test_a_billion_laughs_docx_is_refused_in_chinese_without_expanding_it(
    world: World, client_for: Any
) -> None:
    before = media_files()
    response = client_for(world.pds_office).post(
        "/plans/upload/", {"file": SimpleUploadedFile("方案.docx", _billion_laughs_docx())}
    )
    assert response.status_code == 200
    assert "Word 文档" in response.content.decode()
    assert not Plan.objects.exists()
    assert media_files() == before


# ---- boundaries: nested GeoJSON, properties that are a list ------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "嵌套"),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [{"type": "Feature", "properties": ["新华区"], "geometry": None}],
                }
            ),
            "properties",
        ),
        ('{"type": "FeatureCollection", "features": [' + "1" * 5000 + "]}", "GeoJSON"),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"name": "新华区"},
                            "geometry": {"type": ["Polygon"]},
                        }
                    ],
                }
            ),
            "图形类型",
        ),
    ],
)
def test_a_deeply_nested_or_oddly_shaped_geojson_is_refused_in_chinese(
    world: World, client_for: Any, content: str, message: str
) -> None:
    response = client_for(world.pds_office).post(
        "/indicators/regions/410400000000/boundary/",
        {
            "file": SimpleUploadedFile("b.geojson", content.encode()),
            "approval_number": "豫S（2024）001号",
            "source": "市自然资源和规划局",
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Boundary.objects.exists()


# ---- the API -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["offset=99999999999999999999999", "offset=-1", "limit=-1", "limit=abc", "limit=0", "offset=1e3"]
)
def test_an_offset_or_limit_that_is_no_usable_number_is_a_400_naming_it(world: World, query: str) -> None:
    response = api_as(world.pds_office).get(f"/api/units/?{query}")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [query.split("=")[0]]


def test_an_overflowing_limit_is_clamped_to_the_largest_page(world: World) -> None:
    response = api_as(world.pds_office).get("/api/regions/?limit=99999999999999999999999")
    assert response.status_code == 200
    assert 0 < len(response.json()["results"]) == response.json()["count"] <= 1000


def test_renaming_a_unit_to_a_name_already_taken_is_a_400_in_chinese(world: World) -> None:
    region_actions.create_unit(None, world.pingdingshan, "市统计局")
    response = api_as(world.pds_office).patch(
        f"/api/units/{world.edu_bureau.pk}/", {"name": "市统计局"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "已有" in json.dumps(response.json(), ensure_ascii=False)
    assert Unit.objects.get(pk=world.edu_bureau.pk).name == "市教育体育局"


@pytest.mark.parametrize(
    "url",
    [
        "/api/units/?name=%00",
        "/api/units/?region=4104%0000",
        "/api/regions/?name=a%00b",
        "/api/indicator-values/?indicator=%00",
        "/api/plans/?search=%00",
        "/api/audit-events/?verb=%00",
    ],
)
def test_a_nul_in_a_filter_is_a_400_with_a_machine_readable_body(world: World, url: str) -> None:
    response = api_as(world.admin).get(url)
    assert response.status_code == 400, response.content
    assert response.json()["detail"]


def test_a_nul_in_a_page_filter_is_a_400_in_chinese_not_a_500(world: World, client_for: Any) -> None:
    response = client_for(world.pds_office).get("/regions/units/?q=%00")
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_a_nul_in_a_posted_form_is_refused_not_crashed(world: World) -> None:
    client = Client()
    client.force_login(world.pds_office)
    response = client.post("/regions/units/new/", {"name": "市\x00局", "kind": "government"})
    assert response.status_code in (200, 302, 400)  # refused, or kept without the NUL
    assert all("\x00" not in name for name in Unit.objects.values_list("name", flat=True))
