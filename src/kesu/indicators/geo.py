"""Boundary files (GeoJSON) checked and matched to sub-regions. Pure Python: no Django here.

An office uploads the boundaries of its sub-regions to draw a choropleth. The file is checked
all at once — every problem is listed, and one problem means nothing is kept — and each feature
is tied to a sub-region by a property holding its 统计用区划代码 (12 digits, or the 6/9-digit
short form of a county/town), or else by a property equal to the sub-region's name.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kesu.textcodec import decode_chinese_text

MAX_BYTES = 20 * 1024 * 1024
GEOMETRIES = ("Polygon", "MultiPolygon")
MAX_LISTED = 30  # beyond this many problems the office sees a count, not a wall of text


class BoundaryError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("；".join(errors))
        self.errors = errors


@dataclass
class MatchedBoundary:
    """The normalised GeoJSON (each feature's properties reduced to ``name`` and ``code``) and what matched."""

    geojson: dict[str, Any]
    codes: list[str]
    missing: list[str] = field(default_factory=list)  # sub-region names without a feature


def full_code(text: str) -> str | None:
    """The 12-digit code of a 6-digit (county) or 9-digit (town) short code; None if not a code."""
    text = text.strip()
    if not text.isdigit() or not text.isascii():
        return None
    if len(text) == 12:
        return text
    if len(text) in (6, 9):
        return text.ljust(12, "0")
    return None


def decode(data: bytes) -> str:
    text = decode_chinese_text(data)
    if text is None:
        raise BoundaryError(["文件编码无法识别：请保存为 UTF-8 或 GBK 编码的 GeoJSON。"])
    return text


def parse(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_BYTES:
        raise BoundaryError(
            [
                f"文件 {len(data) / 1024 / 1024:.1f} MB，超过 {MAX_BYTES // 1024 // 1024} MB 的上限；"
                "请简化边界（如用 mapshaper 抽稀）后再上传。"
            ]
        )
    if not data.strip():
        raise BoundaryError(["文件是空的。"])
    text = decode(data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BoundaryError(
            [f"不是有效的 GeoJSON：第 {error.lineno} 行第 {error.colno} 列解析出错（{error.msg}）。"]
        ) from None
    except RecursionError:  # json recurses once per nested bracket: a hostile file nests thousands deep
        raise BoundaryError(["不是有效的 GeoJSON：括号嵌套层数过多，边界文件不会嵌套这么深。"]) from None
    except ValueError:  # Python refuses integers of more than 4,300 digits, as a plain ValueError
        raise BoundaryError(["不是有效的 GeoJSON：文件中有位数过多的数字。"]) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        kind = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise BoundaryError(
            [f"文件的类型是“{kind}”，需要 FeatureCollection（要素集合），每个下级区划一个要素。"]
        )
    if not isinstance(document.get("features"), list) or not document["features"]:
        raise BoundaryError(["FeatureCollection 中没有任何要素（features 为空）。"])
    return document


def match(document: Mapping[str, Any], sub_regions: Mapping[str, str]) -> MatchedBoundary:
    """Tie each feature to a sub-region (``sub_regions``: 12-digit code → name) or list every problem."""
    by_name = {name: code for code, name in sub_regions.items()}
    errors: list[str] = []
    seen: dict[str, int] = {}
    features = []
    for number, feature in enumerate(document["features"], start=1):
        label = _label(feature, number)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors.append(f"{label}：不是 Feature。")
            continue
        problem = _geometry_problem(feature.get("geometry"))
        if problem:
            errors.append(f"{label}：{problem}")
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            errors.append(f'{label}：properties（属性）应为对象，如 {{"name": "新华区"}}。')
            continue
        code = _code_of(properties, sub_regions, by_name)
        if code is None:
            errors.append(f"{label}：没有与本区划的下级区划对应的区划代码或名称。")
            continue
        if code in seen:
            errors.append(
                f"{label}：与第 {seen[code]} 个要素同为“{sub_regions[code]}”（同一区划的多块图形请合并为 MultiPolygon）。"
            )
            continue
        seen[code] = number
        features.append(
            {
                "type": "Feature",
                "properties": {"name": sub_regions[code], "code": code},
                "geometry": feature["geometry"],
            }
        )
    if errors:
        listed = errors[:MAX_LISTED]
        if len(errors) > MAX_LISTED:
            listed.append(f"……另有 {len(errors) - MAX_LISTED} 处问题")
        raise BoundaryError(listed)
    missing = [name for code, name in sub_regions.items() if code not in seen]
    return MatchedBoundary({"type": "FeatureCollection", "features": features}, sorted(seen), missing)


def _label(feature: Any, number: int) -> str:
    properties = feature.get("properties") if isinstance(feature, dict) else None
    if isinstance(properties, dict):
        for key in ("name", "NAME", "Name", "名称"):
            if isinstance(properties.get(key), str) and properties[key].strip():
                return f"第 {number} 个要素（{properties[key].strip()[:30]}）"
    return f"第 {number} 个要素"


def _code_of(
    properties: Mapping[str, Any], sub_regions: Mapping[str, str], by_name: Mapping[str, str]
) -> str | None:
    """A code property wins over a name: names repeat across the country, codes do not."""
    values = [v for v in properties.values() if isinstance(v, str | int) and not isinstance(v, bool)]
    for value in values:
        code = full_code(str(value))
        if code in sub_regions:
            return code
    for value in values:
        if isinstance(value, str) and value.strip() in by_name:
            return by_name[value.strip()]
    return None


def _geometry_problem(geometry: Any) -> str:
    if not isinstance(geometry, dict) or not geometry.get("type"):
        return "没有图形（geometry 为空）。"
    kind = geometry["type"]
    if not isinstance(kind, str) or kind not in GEOMETRIES:
        return f"图形类型是 {str(kind)[:40]}，只接受 Polygon 或 MultiPolygon（面）。"
    polygons = [geometry.get("coordinates")] if kind == "Polygon" else geometry.get("coordinates")
    if not isinstance(polygons, list) or not polygons:
        return "坐标为空或格式不对。"
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return "坐标格式不对：多边形应为若干个环。"
        for ring in polygon:
            problem = _ring_problem(ring)
            if problem:
                return problem
    return ""


def _ring_problem(ring: Any) -> str:
    if not isinstance(ring, list) or len(ring) < 4:
        return "坐标格式不对：每个环至少要有 4 个点（首尾相同）。"
    for point in ring:
        if (
            not isinstance(point, list)
            or len(point) < 2
            or not all(
                isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in point[:2]
            )
        ):
            return "坐标格式不对：每个点应为 [经度, 纬度]。"
        if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
            # Survey offices often hold projected (米制) boundaries; ECharts needs longitude/latitude.
            return (
                f"坐标 {point[0]:g}, {point[1]:g} 不是经纬度，请先转换为经纬度坐标（如 CGCS2000 地理坐标）。"
            )
    return ""


def grid(
    sub_regions: Mapping[str, str],
    origin: tuple[float, float] = (112.8, 33.4),
    cell: float = 0.25,
    columns: int = 4,
) -> dict[str, Any]:
    """Schematic squares, one per sub-region in a grid: demo data and tests, never a real boundary."""
    features = []
    for index, (code, name) in enumerate(sorted(sub_regions.items())):
        x = origin[0] + (index % columns) * cell
        y = origin[1] - (index // columns) * cell
        ring = [
            [x, y],
            [x + cell * 0.95, y],
            [x + cell * 0.95, y + cell * 0.95],
            [x, y + cell * 0.95],
            [x, y],
        ]
        features.append(
            {
                "type": "Feature",
                "properties": {"name": name, "code": code},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return {"type": "FeatureCollection", "features": features}
