"""A campaign's 总结 (docx) and 汇总表 (xlsx), written from its adopted activity rows.

The docx follows reporting's official-document habits (A4, centred title, 一、numbering, 宋体/黑体),
reusing its writers. Every cell of the workbook goes through ``core.exports.append_row``, so a name
starting with = stays text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from kesu.activities.counting import COUNTED, CampaignFigures, Tally, campaign_figures
from kesu.activities.models import Activity, Campaign
from kesu.core.exports import append_row
from kesu.reporting.documents import (
    _bytes,
    _cell,
    _heading,
    _new_document,
    _paragraph,
    chinese_number,
    number_text,
)

TALLY_HEADERS = ("场次", "线下参与人次", "线上观看人次")
DETAIL_HEADERS = (
    "活动名称",
    "主办单位",
    "承办/协办单位",
    "活动形式",
    "开始时间",
    "结束时间",
    "活动地区",
    "活动地点",
    "线上/线下",
    "重点人群",
    "参与人次（线下）",
    "线上观看人次",
    "人次统计方式",
    "新闻报道链接",
)
TOP_ACTIVITIES = 10
DOCX_UNITS = 200  # a province campaign has thousands of units: the 汇总表 lists them all


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1f}%"


def _window(campaign: Campaign) -> str:
    return f"{campaign.starts_on:%Y年%m月%d日}至{campaign.ends_on:%Y年%m月%d日}"


def adopted_rows(campaign: Campaign) -> QuerySet[Activity]:
    return (
        Activity.objects.filter(campaign=campaign, status=COUNTED)
        .select_related("unit", "region")
        .prefetch_related("organisers__unit")
        .order_by("starts_at", "pk")
    )


def overview_text(campaign: Campaign, figures: CampaignFigures) -> str:
    registered = sum(figures.by_status.values())
    text = (
        f"本次活动于{_window(campaign)}举行"
        + (f"，主题为“{campaign.theme}”" if campaign.theme else "")
        + f"。共登记活动 {registered} 项，经审核采用 {figures.total.activities} 项，"
        f"线下参与 {figures.total.attendance} 人次，线上观看 {figures.total.online_views} 人次。"
    )
    if figures.areas:
        text += (
            f"{len(figures.areas)} 个下级地区中有 {figures.areas_covered} 个开展了活动"
            f"（覆盖率 {_percent(figures.area_rate)}）；"
        )
    text += f"{figures.unit_count} 家单位主办或参与承办、协办了活动。"
    return text


def _table(document: Any, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, header, bold=True)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            _cell(cell, number_text(value) if isinstance(value, int | float) else str(value))


def _tally_row(label: str, tally: Tally) -> tuple[str, int, int, int]:
    return (label, tally.activities, tally.attendance, tally.online_views)


def summary_docx(campaign: Campaign, today: date | None = None) -> bytes:
    figures = campaign_figures(campaign)
    document = _new_document(f"{campaign.name}活动总结")
    sections = [
        ("基本情况", lambda: _paragraph(document, overview_text(campaign, figures))),
        ("按活动形式", lambda: _table(document, ("活动形式", *TALLY_HEADERS), _kind_rows(figures))),
        ("按重点人群", lambda: _groups(document, figures)),
        ("各地开展情况", lambda: _table(document, ("地区", "采用活动（项）"), _area_rows(figures))),
        (
            "各单位开展情况",
            lambda: _table(document, ("单位", "采用活动（项）"), _unit_rows(figures, DOCX_UNITS)),
        ),
        ("重点活动", lambda: _top(document, campaign)),
    ]
    for number, (title, write) in enumerate(sections, start=1):
        _heading(document, f"{chinese_number(number)}、{title}", 1)
        write()
    _paragraph(
        document,
        f"本总结由科素平台根据截至 {(today or date.today()):%Y年%m月%d日} 已采用的活动记录生成；"
        "计划、待审核和退回的活动不计入。",
    )
    return _bytes(document)


def _kind_rows(figures: CampaignFigures) -> list[tuple[str, int, int, int]]:
    return [_tally_row(label, tally) for label, tally in figures.by_kind] + [
        _tally_row("合计", figures.total)
    ]


def _area_rows(figures: CampaignFigures) -> list[tuple[str, int]]:
    return [(region.name, n) for region, n in figures.areas] or [("（无下级地区）", 0)]


def _unit_rows(figures: CampaignFigures, limit: int | None = None) -> list[tuple[str, int]]:
    rows = [(unit.name, n) for unit, n in figures.units[:limit]] or [("（暂无）", 0)]
    if limit is not None and len(figures.units) > limit:
        rows.append(
            (f"（另有 {len(figures.units) - limit} 家，见汇总表）", sum(n for _u, n in figures.units[limit:]))
        )
    return rows


def _groups(document: Any, figures: CampaignFigures) -> None:
    rows = [(group, t.activities, t.attendance) for group, t in figures.by_group.items()]
    _table(document, ("重点人群", "场次", "线下参与人次"), rows)
    _paragraph(document, "一项活动面向多个重点人群时分别计入，各人群之和可能大于合计。")


def _top(document: Any, campaign: Campaign) -> None:
    rows = adopted_rows(campaign).exclude(attendance=None).order_by("-attendance", "pk")[:TOP_ACTIVITIES]
    _table(
        document,
        ("活动名称", "主办单位", "日期", "参与人次"),
        [(a.name, a.unit.name, f"{a.starts_at:%m月%d日}", a.attendance or 0) for a in rows],
    )


# ---- 汇总表 ------------------------------------------------------------------------------------------


def detail_row(activity: Activity) -> list[Any]:
    return [
        activity.name,
        activity.unit.name,
        "、".join(o.unit.name for o in activity.organisers.all()),
        activity.get_kind_display(),
        activity.starts_at,
        activity.ends_at,
        activity.region.name,
        activity.address,
        activity.get_mode_display(),
        "、".join(activity.key_groups or []),
        activity.attendance,
        activity.online_views,
        activity.get_count_method_display() if activity.count_method else "",
        activity.news_url,
    ]


def summary_xlsx(campaign: Campaign) -> bytes:
    """Sheet 汇总表: figures by type, key group, area and unit; sheet 活动明细: one line per adopted activity."""
    figures = campaign_figures(campaign)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "汇总表"
    append_row(sheet, [f"{campaign.name}汇总表（{_window(campaign)}）"])
    sheet["A1"].font = Font(bold=True, size=14)
    _block(sheet, ("活动形式", *TALLY_HEADERS), _kind_rows(figures))
    _block(
        sheet,
        ("重点人群", "场次", "线下参与人次"),
        [(g, t.activities, t.attendance) for g, t in figures.by_group.items()],
    )
    _block(sheet, ("地区", "采用活动（项）"), _area_rows(figures))
    _block(sheet, ("单位", "采用活动（项）"), _unit_rows(figures))
    sheet.column_dimensions["A"].width = 36
    for index in range(2, 5):
        sheet.column_dimensions[get_column_letter(index)].width = 14
    details = workbook.create_sheet("活动明细")
    append_row(details, DETAIL_HEADERS)
    for activity in adopted_rows(campaign).iterator(chunk_size=2000):
        append_row(details, detail_row(activity))
    details.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _block(sheet: Any, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    append_row(sheet, [])
    append_row(sheet, headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, row)
