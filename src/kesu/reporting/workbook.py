"""A unit's report as an xlsx workbook to fill offline, and reading it back (all rows or none)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from kesu.reporting.actions import STATUS_BY_LABEL, ImportRow
from kesu.reporting.models import Entry, ProgressStatus, Report

ENTRY_HEADERS = ["编号（勿改）", "任务", "角色", "进展状态", "完成比例（%）", "进展情况"]
VALUE_HEADERS = ["编号（勿改）", "目标编号（勿改）", "任务", "指标", "目标值", "单位", "实际值"]
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


def _entries(report: Report) -> list[Entry]:
    return list(report.entries.select_related("task").prefetch_related("task__targets", "values"))


def report_workbook(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "任务进展"
    sheet.append(ENTRY_HEADERS)
    status_list = DataValidation(type="list", formula1='"' + ",".join(str(label) for _, label in ProgressStatus.choices) + '"',
                                 allow_blank=True)
    sheet.add_data_validation(status_list)
    values = book.create_sheet("目标值")
    values.append(VALUE_HEADERS)
    for entry in _entries(report):
        status = ProgressStatus(entry.status).label if entry.status else ""
        sheet.append([entry.pk, entry.task.title, entry.role_label, status, entry.percent, entry.narrative])
        status_list.add(f"D{sheet.max_row}")
        if entry.is_lead:
            reported = {v.target_id: v.value for v in entry.values.all()}
            for target in entry.task.targets.all():
                values.append([entry.pk, target.pk, entry.task.title, target.indicator, target.value, target.unit,
                               reported.get(target.pk)])
    for ws, widths in ((sheet, [12, 50, 8, 12, 14, 80]), (values, [12, 14, 40, 30, 10, 8, 12])):
        for cell in ws[1]:
            cell.font, cell.fill = Font(bold=True), HEADER_FILL
        for index, width in enumerate(widths):
            ws.column_dimensions[chr(65 + index)].width = width
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class Parsed:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def parse_report_workbook(report: Report, data: bytes) -> Parsed:
    """Check every row against the report; any error means nothing is applied."""
    parsed = Parsed()
    try:
        book = load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except Exception:
        parsed.errors.append("无法读取该文件：请上传从本页下载的 Excel（xlsx）报送表。")
        return parsed
    if "任务进展" not in book.sheetnames:
        parsed.errors.append("文件中没有“任务进展”工作表：请使用从本页下载的报送表。")
        return parsed
    entries = {e.pk: e for e in _entries(report)}
    rows: dict[int, ImportRow] = {}
    for number, row in enumerate(book["任务进展"].iter_rows(min_row=2, values_only=True), start=2):
        if not row or all(v in (None, "") for v in row):
            continue
        _read_entry_row(parsed, entries, rows, number, list(row) + [None] * 6)
    if "目标值" in book.sheetnames:
        for number, row in enumerate(book["目标值"].iter_rows(min_row=2, values_only=True), start=2):
            if row and not all(v in (None, "") for v in row):
                _read_value_row(parsed, rows, number, list(row) + [None] * 7)
    parsed.rows = list(rows.values())
    if not parsed.rows and not parsed.errors:
        parsed.errors.append("报送表中没有任何任务行。")
    return parsed


def _read_entry_row(parsed: Parsed, entries: dict[int, Entry], rows: dict[int, ImportRow], number: int,
                    row: list) -> None:
    where = f"“任务进展”第 {number} 行"
    entry = entries.get(_int(row[0]) or -1)
    if entry is None:
        parsed.errors.append(f"{where}：编号“{row[0]}”不是本单位本期的任务，请勿修改编号列。")
        return
    label = str(row[3] or "").strip()
    status = STATUS_BY_LABEL.get(label, "")
    if label and not status:
        parsed.errors.append(f"{where}：进展状态“{label}”无效，应为未启动、推进中、已完成或滞后。")
    percent = _int(row[4])
    if row[4] not in (None, "") and (percent is None or not 0 <= percent <= 100):
        parsed.errors.append(f"{where}：完成比例“{row[4]}”应为 0 到 100 的整数。")
        percent = None
    if status == ProgressStatus.DONE and percent is not None and percent < 100:
        parsed.errors.append(f"{where}：状态为“已完成”时，完成比例应为 100。")
    rows[entry.pk] = ImportRow(entry, status, percent, str(row[5] or ""))


def _read_value_row(parsed: Parsed, rows: dict[int, ImportRow], number: int, row: list) -> None:
    where = f"“目标值”第 {number} 行"
    target_row = rows.get(_int(row[0]) or -1)
    target_id = _int(row[1])
    if target_row is None or not target_row.entry.is_lead or target_id not in {
            t.pk for t in target_row.entry.task.targets.all()}:
        parsed.errors.append(f"{where}：编号或目标编号不属于本单位牵头的任务，请勿修改编号列。")
        return
    if row[6] in (None, ""):
        target_row.values[target_id] = None
        return
    try:
        target_row.values[target_id] = float(row[6])
    except (TypeError, ValueError):
        parsed.errors.append(f"{where}：实际值“{row[6]}”不是数字。")


def _int(value: object) -> int | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None
