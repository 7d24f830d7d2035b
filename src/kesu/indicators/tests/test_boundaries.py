"""Boundary files over HTTP: upload with 审图号, every bad input refused whole, scope, the map on the pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kesu.core.models import AuditEvent
from kesu.indicators import actions, geo
from kesu.indicators.models import Boundary
from kesu.indicators.testing import square_boundary
from kesu.regions.models import Region

pytestmark = pytest.mark.django_db
PDS = "410400000000"
XINHUA, BAOFENG = "410402000000", "410421000000"
PAGE = f"/indicators/regions/{PDS}/boundary/"
GEOJSON = f"/indicators/regions/{PDS}/boundary.geojson"
COMPARE = f"/indicators/regions/{PDS}/compare/?indicator=volunteer_count"


def upload(client: Any, content: bytes, name: str = "平顶山县区.geojson", **fields: Any) -> Any:
    data = {
        "file": SimpleUploadedFile(name, content, content_type="application/geo+json"),
        "approval_number": "豫S（2024）001号",
        "source": "市自然资源和规划局",
        **fields,
    }
    return client.post(PAGE, data)


def record_volunteers() -> None:
    for code, value in ((XINHUA, 300), (BAOFENG, 120)):
        actions.record_value(
            None, "volunteer_count", Region.objects.get(code=code), "2024", value, source="registry"
        )


def square(properties: dict, geometry: dict | None = None) -> dict:
    ring = [[113.0, 33.0], [113.1, 33.0], [113.1, 33.1], [113.0, 33.1], [113.0, 33.0]]
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": geometry or {"type": "Polygon", "coordinates": [ring]},
    }


def collection(*features: dict) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False).encode()


def test_an_office_uploads_a_boundary_and_both_drill_down_pages_show_the_map(
    world: Any, client_for: Any
) -> None:
    record_volunteers()
    office = client_for(world.pds_office)
    assert "data-map-url" not in office.get(COMPARE).content.decode()
    response = upload(office, square_boundary(world.pingdingshan))
    assert response.status_code == 302
    boundary = Boundary.objects.get()
    assert (boundary.approval_number, boundary.feature_count, boundary.missing) == ("豫S（2024）001号", 2, [])
    event = AuditEvent.objects.get(verb="boundary.upload")
    assert (event.after or {}).get(
        "approval_number"
    ) == "豫S（2024）001号" and event.region == world.pingdingshan
    for url in (COMPARE, f"/indicators/regions/{PDS}/volunteer_count/"):
        page = client_for(world.pds_leader).get(url).content.decode()
        assert f'data-map-url="{GEOJSON}?v={boundary.pk}"' in page, url
        assert "审图号：豫S（2024）001号" in page
    served = client_for(world.pds_leader).get(f"{GEOJSON}?v={boundary.pk}")
    assert served["Content-Type"].startswith("application/geo+json")
    names = {f["properties"]["name"]: f["properties"]["code"] for f in served.json()["features"]}
    assert names == {"新华区": XINHUA, "宝丰县": BAOFENG}
    assert client_for(world.pds_leader).get(f"{COMPARE}&download=map&format=csv").status_code == 200


def test_a_gbk_file_matched_by_name_or_full_code_is_accepted(world: Any, client_for: Any) -> None:
    content = collection(square({"名称": "新华区"}), square({"区划代码": BAOFENG}))
    assert upload(client_for(world.pds_office), content.decode().encode("gbk")).status_code == 302
    assert Boundary.objects.get().feature_count == 2


def test_a_county_missing_from_the_file_is_allowed_and_named(world: Any, client_for: Any) -> None:
    response = upload(client_for(world.pds_office), collection(square({"adcode": 410402})))
    assert response.status_code == 302
    assert Boundary.objects.get().missing == ["宝丰县"]
    page = client_for(world.pds_office).get(PAGE).content.decode()
    assert "边界文件中没有：宝丰县" in page or "缺少：宝丰县" in page


POINT = {"type": "Point", "coordinates": [113.0, 33.0]}
PROJECTED = {
    "type": "Polygon",
    "coordinates": [
        [[38_500_000, 3_700_000], [38_500_100, 3_700_000], [38_500_100, 3_700_100], [38_500_000, 3_700_000]]
    ],
}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"type": "FeatureCollection", "features": [', "不是有效的 GeoJSON：第 1 行"),
        (b"\xff\xfe\x00garbage\x81\x00", "文件编码无法识别"),
        (
            json.dumps({"type": "Feature", "properties": {}, "geometry": POINT}).encode(),
            "需要 FeatureCollection",
        ),
        (b'{"type": "FeatureCollection", "features": []}', "没有任何要素"),
        (
            collection(square({"adcode": 410402}), square({"name": "鲁山县"}), square({"adcode": 410184})),
            "第 2 个要素（鲁山县）：没有与本区划的下级区划对应的区划代码或名称",
        ),
        (collection(square({"adcode": 410402}, POINT)), "图形类型是 Point，只接受 Polygon 或 MultiPolygon"),
        (collection(square({"adcode": 410402}, PROJECTED)), "不是经纬度"),
        (collection(square({"adcode": 410402}), square({"name": "新华区"})), "与第 1 个要素同为“新华区”"),
    ],
)
def test_a_bad_boundary_file_names_the_problem_and_stores_nothing(
    world: Any, client_for: Any, content: bytes, message: str
) -> None:
    response = upload(client_for(world.pds_office), content)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page, page[page.find("alert-danger") :][:600]
    assert "没有保存" in page
    assert not Boundary.objects.exists() and not AuditEvent.objects.filter(verb="boundary.upload").exists()


def test_every_unmatched_feature_is_listed_not_just_the_first(world: Any, client_for: Any) -> None:
    page = upload(
        client_for(world.pds_office), collection(square({"name": "鲁山县"}), square({"name": "郏县"}))
    ).content.decode()
    assert "鲁山县" in page and "郏县" in page and "2 处问题" in page


def test_the_approval_number_is_required_and_the_size_is_limited(world: Any, client_for: Any) -> None:
    office = client_for(world.pds_office)
    page = upload(office, square_boundary(world.pingdingshan), approval_number="").content.decode()
    assert "请填写审图号：只有通过审核的地图才能发布。" in page
    too_big = b" " * (geo.MAX_BYTES + 1)
    assert "超过 20 MB 的上限" in upload(office, too_big).content.decode()
    assert not Boundary.objects.exists()


def test_a_newer_upload_replaces_the_map_and_the_old_one_stays_in_the_history(
    world: Any, client_for: Any
) -> None:
    office = client_for(world.pds_office)
    upload(office, square_boundary(world.pingdingshan))
    upload(office, collection(square({"adcode": 410402})), approval_number="豫S（2025）002号")
    assert Boundary.objects.count() == 2
    current = Boundary.objects.current_for(world.pingdingshan)
    assert current is not None and current.approval_number == "豫S（2025）002号"
    assert len(office.get(GEOJSON).json()["features"]) == 1
    page = office.get(PAGE).content.decode()
    assert "上传记录" in page and "豫S（2024）001号" in page


def test_another_regions_office_can_neither_see_nor_replace_the_map(world: Any, client_for: Any) -> None:
    upload(client_for(world.pds_office), square_boundary(world.pingdingshan))
    xinzheng = client_for(world.xz_office)
    assert xinzheng.get(GEOJSON).status_code == 404
    assert xinzheng.get(PAGE).status_code == 404
    assert upload(xinzheng, square_boundary(world.pingdingshan)).status_code == 404
    assert upload(client_for(world.pds_leader), square_boundary(world.pingdingshan)).status_code == 404
    assert client_for(world.edu_liaison).get(GEOJSON).status_code == 404
    assert client_for(None).get(GEOJSON).status_code == 302
    assert Boundary.objects.count() == 1


def test_the_public_page_shows_the_map_only_when_the_office_makes_it_public(
    world: Any, client_for: Any
) -> None:
    record_volunteers()
    office = client_for(world.pds_office)
    office.post(f"/indicators/regions/{PDS}/publish/", {"indicator": "volunteer_count", "published": "1"})
    upload(office, square_boundary(world.pingdingshan))
    anonymous = client_for(None)
    assert "data-map-url" not in anonymous.get(f"/indicators/public/{PDS}/").content.decode()
    assert anonymous.get(f"/indicators/public/{PDS}/?boundary=geojson").status_code == 404
    assert office.post(PAGE, {"toggle_public": "1", "public": "1"}).status_code == 302
    assert AuditEvent.objects.filter(verb="boundary.publish").count() == 1
    page = anonymous.get(f"/indicators/public/{PDS}/").content.decode()
    assert "data-map-url" in page and "审图号：豫S（2024）001号" in page
    assert len(anonymous.get(f"/indicators/public/{PDS}/?boundary=geojson").json()["features"]) == 2
    office.post(PAGE, {"toggle_public": "1", "public": "0"})
    assert anonymous.get(f"/indicators/public/{PDS}/?boundary=geojson").status_code == 404


def test_without_a_boundary_the_page_says_a_reviewed_file_is_needed(world: Any, client_for: Any) -> None:
    record_volunteers()
    page = client_for(world.pds_office).get(COMPARE).content.decode()
    assert "data-map-url" not in page and "经审核的边界文件" in page
