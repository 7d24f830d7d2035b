"""The boundary file checks alone, without Django."""

from __future__ import annotations

import json

import pytest

from kesu.indicators import geo

COUNTIES = {"410402000000": "新华区", "410421000000": "宝丰县"}


def feature(properties: dict, geometry: dict | None = None) -> dict:
    square = [[[113.0, 33.0], [113.1, 33.0], [113.1, 33.1], [113.0, 33.1], [113.0, 33.0]]]
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": geometry or {"type": "Polygon", "coordinates": square},
    }


def test_short_codes_are_padded_to_twelve_digits_and_other_numbers_are_not_codes() -> None:
    assert geo.full_code("410402") == "410402000000"
    assert geo.full_code("370124001") == "370124001000"
    assert geo.full_code("410402000000") == "410402000000"
    assert geo.full_code("4104") is None and geo.full_code("新华区") is None


def test_features_match_by_code_before_name_and_properties_are_normalised() -> None:
    # The code says 宝丰县 although the name says 新华区: names repeat across the country, codes do not.
    doc = {"type": "FeatureCollection", "features": [feature({"adcode": 410421, "name": "新华区"})]}
    matched = geo.match(doc, COUNTIES)
    assert matched.geojson["features"][0]["properties"] == {"name": "宝丰县", "code": "410421000000"}
    assert matched.missing == ["新华区"]


def test_two_features_for_one_county_are_refused() -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [feature({"name": "新华区"}), feature({"code": "410402"})],
    }
    with pytest.raises(geo.BoundaryError, match="与第 1 个要素同为“新华区”"):
        geo.match(doc, COUNTIES)


def test_a_gbk_file_parses_and_projected_coordinates_are_named() -> None:
    grid = geo.grid(COUNTIES)
    assert (
        geo.parse(json.dumps(grid, ensure_ascii=False).encode("gbk"))["features"][0]["properties"]["name"]
        == "新华区"
    )
    projected = {
        "type": "Polygon",
        "coordinates": [[[38500000, 3700000], [38500100, 3700000], [38500100, 3700100], [38500000, 3700000]]],
    }
    with pytest.raises(geo.BoundaryError, match="不是经纬度"):
        geo.match(
            {"type": "FeatureCollection", "features": [feature({"name": "新华区"}, projected)]}, COUNTIES
        )
