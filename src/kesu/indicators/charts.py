"""ECharts options as Python dicts: the view builds them, the template hands them to ECharts as JSON."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any


def tooltip_text(text: str) -> str:
    """Text for the fixed part of a tooltip formatter. ECharts draws tooltips as HTML and escapes the
    values it fills in ({b}, {c}) but not the template around them, so a unit such as
    ``<img onerror=…>`` would run as markup on the public map: escape it, and its braces, which
    ECharts would read as placeholders."""
    return html.escape(text).replace("{", "&#123;").replace("}", "&#125;")


PALETTE = ["#1f5fa8", "#e07b39", "#3a9d5d", "#8e5ea2", "#c23b3b", "#7f8c8d"]


def line_chart(
    title: str, categories: Sequence[str], series: Sequence[dict[str, Any]], unit: str = ""
) -> dict:
    """``series``: {"name", "data" (None for a gap), optional "dashed", "step"}; gaps stay breaks in the line."""
    return {
        "color": PALETTE,
        "title": {"text": title, "left": "left", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        # Legend under the axis: beside a long title in a narrow card it would overlap the title.
        "legend": {"bottom": 0, "left": "center"},
        "grid": {"left": 56, "right": 32, "top": 44, "bottom": 64},
        "xAxis": {"type": "category", "data": list(categories), "boundaryGap": False},
        "yAxis": {"type": "value", "name": unit, "scale": True},
        "series": [_line(s) for s in series],
    }


def _line(spec: dict[str, Any]) -> dict[str, Any]:
    line: dict[str, Any] = {
        "name": spec["name"],
        "type": "line",
        "data": list(spec["data"]),
        "connectNulls": spec.get("connect", False),
        "symbolSize": 6,
    }
    if spec.get("dashed"):
        line["lineStyle"] = {"type": "dashed"}
    if spec.get("mark_line") is not None:
        line["markLine"] = {
            "symbol": "none",
            "data": [{"yAxis": spec["mark_line"], "name": spec.get("mark_name", "")}],
            "label": {"formatter": spec.get("mark_name") or "{c}", "position": "insideEndTop"},
            "lineStyle": {"color": "#c23b3b"},
        }
    return line


def bar_chart(
    title: str,
    categories: Sequence[str],
    values: Sequence[float | None],
    unit: str = "",
    mark_line: float | None = None,
    mark_name: str = "",
) -> dict:
    series: dict[str, Any] = {
        "name": title,
        "type": "bar",
        "data": list(values),
        "label": {"show": True, "position": "right"},
    }
    if mark_line is not None:
        series["markLine"] = {
            "symbol": "none",
            "data": [{"xAxis": mark_line}],
            "label": {"formatter": mark_name or "{c}", "position": "insideEndTop"},
            "lineStyle": {"color": "#c23b3b"},
        }
    return {
        "color": PALETTE,
        "title": {"text": title, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 100, "right": 56, "top": 40, "bottom": 24},
        "xAxis": {"type": "value", "name": unit},
        "yAxis": {"type": "category", "data": list(categories), "inverse": True},
        "series": [series],
    }


def stacked_bar(title: str, categories: Sequence[str], stacks: Mapping[str, Sequence[int]]) -> dict:
    return {
        "color": PALETTE,
        "title": {"text": title, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 26, "left": "left"},
        "grid": {"left": 140, "right": 24, "top": 64, "bottom": 24},
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": list(categories), "inverse": True},
        "series": [
            {"name": name, "type": "bar", "stack": "total", "data": list(data)}
            for name, data in stacks.items()
        ],
    }


def map_chart(
    title: str,
    map_name: str,
    names: Sequence[str],
    values: Sequence[float | None],
    unit: str = "",
    higher_is_better: bool = True,
) -> dict:
    """A choropleth over a map the page registers as ``map_name``; sub-regions without a figure stay grey."""
    known = [v for v in values if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    if high <= low:
        high = low + 1
    colors = ["#e3eef9", "#1f5fa8"] if higher_is_better else ["#1f5fa8", "#e3eef9"]
    return {
        "title": {"text": title, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item", "formatter": "{b}：{c}" + (f" {tooltip_text(unit)}" if unit else "")},
        "visualMap": {
            "type": "continuous",
            "min": low,
            "max": high,
            "calculable": True,
            "left": "left",
            "precision": 0 if high - low >= 20 else 2,
            "bottom": 8,
            "text": ["高", "低"],
            "inRange": {"color": colors},
        },
        "series": [
            {
                "name": title,
                "type": "map",
                "map": map_name,
                "roam": True,
                "top": 40,
                "bottom": 16,
                "left": 80,
                "right": 16,  # clear of the visualMap legend
                "label": {
                    "show": True,
                    "fontSize": 11,
                    "color": "#222",
                    "textBorderColor": "#fff",
                    "textBorderWidth": 2,
                    "width": 72,
                    "overflow": "break",
                },  # 开发区 names are long
                "itemStyle": {"areaColor": "#eeeeee", "borderColor": "#ffffff"},
                "data": [
                    {"name": n, "value": v} for n, v in zip(names, values, strict=True) if v is not None
                ],
            }
        ],
    }
