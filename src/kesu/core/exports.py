"""Every table a user sees can be downloaded: one helper writes it as xlsx.

Every xlsx Kesu writes puts its values through ``safe_cell`` and its rows through ``append_row``:
stored text may hold characters XML refuses (older rows, imports), and text a user typed must
stay text, never a formula the spreadsheet evaluates (``=HYPERLINK(...)`` in a unit's name).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, time
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kesu.text import csv_text, printable

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(
    title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, print_title: str | None = None
) -> bytes:
    """``print_title`` makes the sheet print-ready (``print_setup``): that title above the headers
    (none when empty), wrapped text, landscape, fitted to the page width, the header row on every page."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    if print_title:
        sheet.append([print_title])
    append_row(sheet, headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F3")
    widths = [max(4, len(str(h)) * 2) for h in headers]
    for row in rows:
        values = [safe_cell(v) for v in row]
        append_row(sheet, values)
        widths = [max(w, min(60, len(str(v)) * 2)) for w, v in zip(widths, values, strict=False)]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    if print_title is not None:
        print_setup(sheet, len(headers), titled=bool(print_title))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def print_setup(sheet: Worksheet, columns: int, *, titled: bool) -> None:
    """What an office needs to print a list on A4: landscape, fitted to one page wide, the header row
    repeated on every page, long text wrapped in columns no wider than 40 characters."""
    header_row = 2 if titled else 1
    if titled:
        last = get_column_letter(max(columns, 1))
        sheet.merge_cells(f"A1:{last}1")
        sheet["A1"].font = Font(bold=True, size=14)
        sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
        sheet.row_dimensions[1].height = 28
    for row in sheet.iter_rows(min_row=header_row):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index in range(1, columns + 1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = min(dimension.width or 10, 40)
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True


def safe_cell(value: Any) -> Any:
    """A value openpyxl and python-docx can write: numbers and dates as they are (aware times in local
    time), anything else as text without the control characters XML refuses; None as an empty cell."""
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, int | float | Decimal | date | time):
        return value
    return printable(str(value))


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """Append a row (values through ``safe_cell``, None left empty) whose text stays text: a value
    starting with = is written as a string, not a formula (openpyxl would make it one), and nothing
    typed becomes an error value such as #N/A."""
    cells = []
    for value in values:
        cell = Cell(sheet, value=None if value is None else safe_cell(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"
        cells.append(cell)
    sheet.append(cells)


def csv_cell(value: Any) -> Any:
    """A CSV field: numbers as they are, None empty, text that a spreadsheet would read as a formula
    with a leading apostrophe (the OWASP advice for CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return value
    return csv_text(printable(str(value)))


def xlsx_response(
    filename: str,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    print_title: str | None = None,
) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(title, headers, rows, print_title=print_title), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def wants_xlsx(request: Any) -> bool:
    return request.GET.get("format") == "xlsx"
