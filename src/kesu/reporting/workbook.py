"""A unit's report as an xlsx workbook to fill offline, and reading it back (all rows or none)."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kesu import tables
from kesu.core.exports import append_row
from kesu.reporting.actions import STATUS_BY_LABEL, ImportRow
from kesu.reporting.models import Entry, ProgressStatus, Report

ENTRY_SHEET, VALUE_SHEET, HELP_SHEET = "任务进展", "目标值", "说明"
# 版本 is the entry's version when downloaded (hidden, last so the visible columns stay where they were):
# an upload is refused where someone saved the task since.
ENTRY_HEADERS = ["编号（勿改）", "任务", "角色", "进展状态", "完成比例（%）", "进展情况", "版本（勿改）"]
VALUE_HEADERS = ["编号（勿改）", "目标编号（勿改）", "任务", "指标", "目标值", "单位", "实际值"]
HEADERS = {ENTRY_SHEET: ENTRY_HEADERS, VALUE_SHEET: VALUE_HEADERS}
WIDTHS = {ENTRY_SHEET: [12, 50, 8, 12, 14, 80, 10], VALUE_SHEET: [12, 14, 40, 30, 10, 8, 12]}
MAX_ROWS = 5000  # a unit has at most a few hundred tasks; more means a wrong or damaged file
MAX_COLUMNS = 30  # enough to see columns added after the last one
LIMITS = tables.Limits(max_bytes=10 * 1024 * 1024, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
NOT_YOURS_FILL = PatternFill("solid", fgColor="D9D9D9")  # status and % of a participating unit's task
UNREADABLE = (
    "无法读取该文件：请上传从本页下载、填好后仍保存为 Excel 工作簿（xlsx）的报送表；"
    "CSV、xls 或改了扩展名的其他文件不能导入。"
)
HELP_LINES = [
    "填写说明",
    "1. 在“任务进展”表中逐行填写；进展状态从下拉框中选择（未启动、推进中、已完成、滞后），完成比例填 0 到 100 的整数。",
    "2. 参与单位只填进展情况（本单位配合工作情况）；灰色的进展状态和完成比例由牵头单位填写，请留空。",
    "3. 牵头单位在“目标值”表的“实际值”列填写目标的实际完成数。",
    "4. 编号与版本列请勿修改，不要增删或移动列、不要复制行；表中有任何错误时整表不导入。",
    "5. 下载后如有人在网页上修改了某项任务，上传时会提示并整表不导入，请重新下载后再填写。",
]


def _entries(report: Report) -> list[Entry]:
    return list(report.entries.select_related("task").prefetch_related("task__targets", "values"))


# ---- writing ------------------------------------------------------------------------------------


def report_workbook(report: Report) -> bytes:
    book = Workbook()
    progress = book.active
    assert progress is not None
    progress.title = ENTRY_SHEET
    values = book.create_sheet(VALUE_SHEET)
    for sheet in (progress, values):
        _start_sheet(sheet)
    status_list = DataValidation(
        type="list",
        formula1='"' + ",".join(STATUS_BY_LABEL) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="进展状态",
        error="请从下拉框中选择进展状态。",
    )
    percent_rule = DataValidation(
        type="whole",
        operator="between",
        formula1="0",
        formula2="100",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="完成比例",
        error="完成比例应为 0 到 100 的整数。",
    )
    for entry in _entries(report):
        _write_entry_row(progress, entry, status_list, percent_rule)
        if entry.is_lead:
            _write_value_rows(values, entry)
    for rule in (status_list, percent_rule):
        if rule.sqref:  # an empty <dataValidations> is invalid and makes Excel offer to "repair" the file
            progress.add_data_validation(rule)
    progress.column_dimensions[get_column_letter(len(ENTRY_HEADERS))].hidden = True
    _write_help(book.create_sheet(HELP_SHEET))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _start_sheet(sheet: Worksheet) -> None:
    append_row(sheet, HEADERS[sheet.title])
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for index, width in enumerate(WIDTHS[sheet.title], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _write_entry_row(
    sheet: Worksheet, entry: Entry, status_list: DataValidation, percent_rule: DataValidation
) -> None:
    # str(): the label is a lazy translation, which openpyxl cannot write.
    status = str(ProgressStatus(entry.status).label) if entry.status and entry.is_lead else None
    append_row(
        sheet,
        [
            entry.pk,
            entry.task.title,
            entry.role_label,
            status,
            entry.percent if entry.is_lead else None,
            entry.narrative,
            entry.version,
        ],
    )
    row = sheet.max_row
    for column in "BF":
        sheet[f"{column}{row}"].alignment = Alignment(wrap_text=True, vertical="top")
    if entry.is_lead:
        status_list.add(f"D{row}")
        percent_rule.add(f"E{row}")
    else:
        sheet[f"D{row}"].fill = sheet[f"E{row}"].fill = NOT_YOURS_FILL


def _write_value_rows(sheet: Worksheet, entry: Entry) -> None:
    reported = {v.target_id: v.value for v in entry.values.all()}
    for target in entry.task.targets.all():
        append_row(
            sheet,
            [
                entry.pk,
                target.pk,
                entry.task.title,
                target.indicator,
                target.value,
                target.unit,
                reported.get(target.pk),
            ],
        )


def _write_help(sheet: Worksheet) -> None:
    for line in HELP_LINES:
        append_row(sheet, [line])
    sheet["A1"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 110


# ---- reading ------------------------------------------------------------------------------------


@dataclass
class Parsed:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def parse_report_workbook(report: Report, data: bytes) -> Parsed:
    """Check every row against the report; any error means nothing is applied."""
    parsed = Parsed()
    try:
        sheets = _read_sheets(data)
    except tables.UnreadableError:
        parsed.errors.append(UNREADABLE)
        return parsed
    except tables.TableError as error:  # a limit: the message says which and what to do
        parsed.errors.append(error.message)
        return parsed
    except Exception:  # zip, XML and openpyxl raise many kinds, some only while rows are read
        parsed.errors.append(UNREADABLE)
        return parsed
    if ENTRY_SHEET not in sheets:
        parsed.errors.append(f"文件中没有“{ENTRY_SHEET}”工作表：请使用从本页下载的报送表。")
        return parsed
    for name, rows in sheets.items():
        _check_shape(parsed, name, rows)
    if parsed.errors:
        return parsed
    _read_rows(parsed, {e.pk: e for e in _entries(report)}, sheets)
    if not parsed.rows and not parsed.errors:
        parsed.errors.append("报送表中没有任何任务行。")
    return parsed


def _read_sheets(data: bytes) -> dict[str, list[list[Any]]]:
    """Every row of the two sheets, streamed within LIMITS, so that a damaged sheet fails inside the caller's try."""
    with tables.open_workbook(data, LIMITS) as book:
        return {name: _sheet_rows(book[name]) for name in HEADERS if name in book.sheetnames}


def _sheet_rows(sheet: Any) -> list[list[Any]]:
    rows = [row for _number, row in tables.sheet_rows(sheet, LIMITS)]
    while rows and _blank(rows[-1]):
        rows.pop()
    return rows


def _blank(row: list[Any]) -> bool:
    return all(value is None or str(value).strip() == "" for value in row)


def _check_shape(parsed: Parsed, name: str, rows: list[list[Any]]) -> None:
    if len(rows) - 1 > MAX_ROWS:
        parsed.errors.append(f"“{name}”工作表超过 {MAX_ROWS} 行：请只保留从本页下载的任务行。")
    problem = _header_problem(rows[0] if rows else [], HEADERS[name])
    if problem:
        parsed.errors.append(
            f"“{name}”工作表的表头不对：{problem}。请不要增删或移动列，可重新下载报送表后在其中填写。"
        )


def _header_problem(row: list[Any], expected: list[str]) -> str:
    """What is wrong with a header row, in words, or "" when it is exactly the expected columns."""
    names = ["" if value is None else str(value).strip() for value in row]
    while names and not names[-1]:
        names.pop()
    if names == expected:
        return ""
    problems = []
    missing = [name for name in expected if name not in names]
    if missing:
        problems.append("缺少" + "、".join(f"“{name}”" for name in missing) + "列")
    extra = [name for name in names if name and name not in expected]
    if extra:
        problems.append("多出了" + "、".join(f"“{name}”" for name in extra) + "列")
    blank = [get_column_letter(index) for index, name in enumerate(names, start=1) if not name]
    if blank:
        problems.append("第 " + "、".join(blank) + " 列没有列名")
    return "，".join(problems) or "列的顺序被改动"


def _read_rows(parsed: Parsed, entries: dict[int, Entry], sheets: dict[str, list[list[Any]]]) -> None:
    rows: dict[int, ImportRow] = {}
    for number, row in enumerate(sheets[ENTRY_SHEET][1:], start=2):
        if not _blank(row):
            _read_entry_row(parsed, entries, rows, number, row + [None] * len(ENTRY_HEADERS))
    for number, row in enumerate(sheets.get(VALUE_SHEET, [])[1:], start=2):
        if not _blank(row):
            _read_value_row(parsed, rows, number, row + [None] * len(VALUE_HEADERS))
    parsed.rows = list(rows.values())


def _read_entry_row(
    parsed: Parsed, entries: dict[int, Entry], rows: dict[int, ImportRow], number: int, row: list
) -> None:
    where = f"“{ENTRY_SHEET}”第 {number} 行"
    entry = entries.get(_int(row[0]) or -1)
    if entry is None:
        parsed.errors.append(f"{where}：编号“{row[0]}”不是本单位本期的任务，请勿修改编号列。")
        return
    if entry.pk in rows:
        parsed.errors.append(f"{where}：编号“{entry.pk}”与{rows[entry.pk].where}重复，每项任务只能填一行。")
        return
    version = _int(row[6])
    if version is None:
        parsed.errors.append(f"{where}：“版本（勿改）”列被清空或改动，请重新下载报送表后再填写。")
    if not entry.is_lead and not (_blank([row[3]]) and _blank([row[4]])):
        parsed.errors.append(
            f"{where}：本单位是参与单位，只需填写进展情况，进展状态和完成比例由牵头单位填写。"
        )
        return
    status, percent = _status(parsed, where, row[3]), _percent(parsed, where, row[4])
    if status == ProgressStatus.DONE and percent is not None and percent < 100:
        parsed.errors.append(f"{where}：状态为“已完成”时，完成比例应为 100。")
    rows[entry.pk] = ImportRow(
        entry=entry,
        status=status,
        percent=percent,
        version=version or 0,
        where=where,
        narrative="" if row[5] is None else str(row[5]),
    )


def _status(parsed: Parsed, where: str, cell: Any) -> str:
    label = str(cell or "").strip()
    status = STATUS_BY_LABEL.get(label, "")
    if label and not status:
        parsed.errors.append(f"{where}：进展状态“{label}”无效，应为未启动、推进中、已完成或滞后。")
    return status


def _percent(parsed: Parsed, where: str, cell: Any) -> int | None:
    percent = _int(cell)
    if not _blank([cell]) and (percent is None or not 0 <= percent <= 100):
        parsed.errors.append(f"{where}：完成比例“{cell}”应为 0 到 100 的整数。")
        return None
    return percent


def _read_value_row(parsed: Parsed, rows: dict[int, ImportRow], number: int, row: list) -> None:
    where = f"“{VALUE_SHEET}”第 {number} 行"
    target_row = rows.get(_int(row[0]) or -1)
    target_id = _int(row[1])
    if (
        target_row is None
        or not target_row.entry.is_lead
        or target_id not in {t.pk for t in target_row.entry.task.targets.all()}
    ):
        parsed.errors.append(f"{where}：编号或目标编号不属于本单位牵头的任务，请勿修改编号列。")
        return
    if _blank([row[6]]):
        target_row.values[target_id] = None
        return
    try:
        value = float(row[6])
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        parsed.errors.append(f"{where}：实际值“{row[6]}”不是数字。")
        return
    target_row.values[target_id] = value


def _int(value: object) -> int | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None
