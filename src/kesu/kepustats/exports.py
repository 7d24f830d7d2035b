"""The region's aggregate as xlsx in the layout of the national form: one sheet per table (表1 科普人员
… 表5 科普活动), each with the form's heading lines and 指标名称 / 代码 / 计量单位 / 数值 columns,
“-” kept as “-”, and a 校验 sheet with the checks. Every row goes through ``append_row``."""

from __future__ import annotations

import io
from collections.abc import Sequence
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from kesu.core.exports import XLSX_TYPE, append_row
from kesu.kepustats import form as formdef
from kesu.kepustats.summary import Aggregate, ConversionRow

HEADERS = ("指标名称", "代码", "计量单位", "数值")


def national_form_bytes(title: str, region_name: str, result: Aggregate) -> bytes:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for number, block in enumerate(result.definition.blocks, start=1):
        sheet = workbook.create_sheet(f"表{number} {block.name}")
        _heading(sheet, f"表{number} {block.name}", title, region_name, result)
        for item in block.indicators:
            cell = result.totals.get(item.code)
            value: object = (
                "" if cell is None else (formdef.MISSING_TEXT if cell is formdef.MISSING else cell)
            )
            append_row(sheet, ("　　" + item.name if item.parent else item.name, item.code, item.unit, value))
        _widths(sheet)
    checks = workbook.create_sheet("校验")
    append_row(checks, ("代码", "校验结果"))
    for problem in result.problems:
        append_row(checks, (problem.code, problem.message))
    if not result.problems:
        append_row(checks, ("", "汇总数未发现不符合调查表规则之处。"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _heading(sheet: Worksheet, table: str, title: str, region_name: str, result: Aggregate) -> None:
    append_row(sheet, (f"{result.definition.title} · {table}",))
    sheet["A1"].font = Font(bold=True, size=14)
    append_row(sheet, (f"汇总单位：{region_name}", "", "制表机关：科学技术部", ""))
    append_row(sheet, (f"{title}：已报 {result.forms} 张 / 应报 {result.expected} 张", "", "", ""))
    append_row(sheet, HEADERS)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A5"


def _widths(sheet: Worksheet) -> None:
    for column, width in zip("ABCD", (48, 8, 10, 14), strict=True):
        sheet.column_dimensions[column].width = width


def _response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}.xlsx"
    return response


def national_form_response(title: str, region_name: str, result: Aggregate) -> HttpResponse:
    return _response(national_form_bytes(title, region_name, result), title)


def conversion_response(title: str, rows: Sequence[ConversionRow]) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "科普活动"
    append_row(sheet, (title,))
    append_row(
        sheet,
        (
            "活动形式",
            "1—10月实际：次数",
            "1—10月实际：人次",
            "11—12月计划：次数",
            "11—12月计划：人次",
            "全年：次数",
            "全年：人次",
        ),
    )
    for row in rows:
        append_row(
            sheet,
            (
                row.label,
                row.actual_n,
                row.actual_people,
                row.planned_n,
                row.planned_people,
                row.total_n,
                row.total_people,
            ),
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _response(buffer.getvalue(), title)
