"""The unit's bulk entry workbook over HTTP: download, fill offline, upload back — all rows or none."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from kesu.accounts import actions as account_actions
from kesu.accounts.models import Role
from kesu.reporting import actions, workbook
from kesu.reporting.models import Cycle, Entry, Report
from kesu.reporting.testing import fill_report
from kesu.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


def _url(report: Report) -> str:
    return f"/reporting/reports/{report.pk}/xlsx/"


def _download(client: Any, report: Report) -> Workbook:
    response = client.get(_url(report))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client: Any, report: Report, data: bytes, name: str = "报送表.xlsx") -> str:
    """Post the file as the report page's form does and return the page the user lands on."""
    upload = io.BytesIO(data)
    upload.name = name
    response = client.post(_url(report), {"file": upload}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def _fill_offline(book: Workbook, narrative: str = "离线填写的进展") -> None:
    sheet = book["任务进展"]
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, 4, "推进中")
        sheet.cell(row, 5, 60)
        sheet.cell(row, 6, narrative)


def _narratives(report: Report) -> list[str]:
    return list(report.entries.order_by("task__order").values_list("narrative", flat=True))


def _colleague(world: World) -> Any:
    """A second liaison of 市教育体育局, who edits the same report on the web."""
    return account_actions.create_user(
        None, "zhang-san", PASSWORD, display_name="张三", role=Role.LIAISON, unit=world.edu_bureau
    )


def test_a_filled_report_downloads_with_its_status_readable_in_excel(
    world: World, cycle: Cycle, client_for
) -> None:
    report = cycle.reports.get(unit=world.edu_bureau)
    fill_report(report, world.edu_liaison)
    sheet = _download(client_for(world.edu_liaison), report)["任务进展"]
    assert [sheet.cell(2, column).value for column in (4, 5, 6)] == ["推进中", 50, "已按计划推进"]
    assert sheet.freeze_panes == "A2"
    assert any("推进中" in (rule.formula1 or "") for rule in sheet.data_validations.dataValidation)


def test_a_participating_units_workbook_leaves_status_and_percent_empty_and_grey(
    world: World, cycle: Cycle, client_for
) -> None:
    report = cycle.reports.get(unit=world.kexie)
    fill_report(report, world.kexie_liaison, narrative="组织科技志愿者 300 人次")
    sheet = _download(client_for(world.kexie_liaison), report)["任务进展"]
    assert sheet.cell(2, 3).value == "参与"
    assert sheet.cell(2, 4).value is None and sheet.cell(2, 5).value is None
    assert (
        sheet.cell(2, 4).fill.fgColor.rgb
        == sheet.cell(2, 5).fill.fgColor.rgb
        == workbook.NOT_YOURS_FILL.fgColor.rgb
    )
    assert sheet.cell(2, 6).value == "组织科技志愿者 300 人次"


def test_a_participating_unit_cannot_set_status_or_percent_through_the_workbook(
    world: World, cycle: Cycle, client_for
) -> None:
    report = cycle.reports.get(unit=world.kexie)
    client = client_for(world.kexie_liaison)
    book = _download(client, report)
    _fill_offline(book)
    page = _upload(client, report, _saved(book))
    assert "未导入任何内容" in page
    assert "“任务进展”第 2 行：本单位是参与单位，只需填写进展情况，进展状态和完成比例由牵头单位填写。" in page
    assert _narratives(report) == [""]


def test_an_upload_after_a_colleague_saved_on_the_web_changes_nothing_and_names_them(
    world: World, cycle: Cycle, client_for
) -> None:
    report = cycle.reports.get(unit=world.edu_bureau)
    client = client_for(world.edu_liaison)
    book = _download(client, report)
    first = report.entries.get(task__order=1)
    actions.save_entry(
        _colleague(world),
        first,
        version=first.version,
        status="lagging",
        percent=20,
        narrative="张三在网页上写的进展",
    )
    _fill_offline(book)
    page = _upload(client, report, _saved(book))
    assert "未导入任何内容" in page
    assert "“任务进展”第 2 行（任务1）：下载后已被 张三 于" in page and "请重新下载报送表后再填写" in page
    assert _narratives(report) == ["张三在网页上写的进展", ""]


def test_a_save_between_reading_the_file_and_importing_it_is_caught(world: World, cycle: Cycle) -> None:
    report = cycle.reports.get(unit=world.edu_bureau)
    book = load_workbook(io.BytesIO(workbook.report_workbook(report)))
    _fill_offline(book)
    parsed = workbook.parse_report_workbook(report, _saved(book))
    assert not parsed.errors
    second = report.entries.get(task__order=2)
    actions.save_entry(
        _colleague(world), second, version=second.version, status="done", percent=100, narrative="已完成"
    )
    with pytest.raises(actions.ReportingError, match="第 3 行（任务2）：下载后已被 张三"):
        actions.import_report_rows(world.edu_liaison, report, parsed.rows)
    assert _narratives(report) == ["", "已完成"]


def test_re_uploading_the_same_workbook_changes_nothing_the_second_time(
    world: World, cycle: Cycle, client_for
) -> None:
    report = cycle.reports.get(unit=world.edu_bureau)
    client = client_for(world.edu_liaison)
    book = _download(client, report)
    _fill_offline(book)
    assert "已导入 2 项" in _upload(client, report, _saved(book))
    versions = list(report.entries.order_by("pk").values_list("version", flat=True))
    again = _upload(client, report, _saved(book))
    assert "未导入任何内容" not in again and "没有需要导入的修改" in again
    assert list(report.entries.order_by("pk").values_list("version", flat=True)) == versions


def test_a_workbook_with_a_broken_sheet_is_refused_as_unreadable(
    world: World, cycle: Cycle, client_for
) -> None:
    report = cycle.reports.get(unit=world.edu_bureau)
    client = client_for(world.edu_liaison)
    book = _download(client, report)
    _fill_offline(book)
    source, broken = zipfile.ZipFile(io.BytesIO(_saved(book))), io.BytesIO()
    with zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # cut off mid-sheet, as a failed copy would
            target.writestr(item, data)
    page = _upload(client, report, broken.getvalue())
    assert "无法读取该文件" in page
    assert _narratives(report) == ["", ""]


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as docx:
        docx.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"/>',
        )
        docx.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        "编号,任务,进展情况\n1,任务1,离线填写的进展\n".encode("gbk"),
        _docx(),
    ],
    ids=["gbk-csv", "docx"],
)
def test_a_csv_or_word_file_renamed_xlsx_is_refused_as_unreadable(
    world: World, cycle: Cycle, client_for, data: bytes
) -> None:
    report = cycle.reports.get(unit=world.edu_bureau)
    page = _upload(client_for(world.edu_liaison), report, data)
    assert "未导入任何内容" in page and "无法读取该文件" in page


def test_an_upload_over_the_size_limit_is_refused_with_the_limit_named(
    world: World, cycle: Cycle, client_for, settings
) -> None:
    settings.KESU_MAX_UPLOAD_MB = 1
    report = cycle.reports.get(unit=world.edu_bureau)
    client = client_for(world.edu_liaison)
    page = _upload(client, report, b"\0" * (1024 * 1024 + 1))
    assert "文件超过 1 MB 的上传上限" in page
    nothing = client.post(_url(report), {}, follow=True).content.decode()
    assert "请选择要上传的 xlsx 文件" in nothing


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda sheet: sheet.delete_cols(6), "缺少“进展情况”列"),
        (lambda sheet: sheet.insert_cols(3) or sheet.cell(1, 3, "备注"), "多出了“备注”列"),
    ],
    ids=["deleted", "inserted"],
)
def test_an_upload_with_a_missing_or_extra_column_changes_nothing(
    world: World, cycle: Cycle, client_for, change: Any, problem: str
) -> None:
    report = cycle.reports.get(unit=world.edu_bureau)
    client = client_for(world.edu_liaison)
    for entry in report.entries.all():
        actions.save_entry(
            world.edu_liaison, entry, version=entry.version, status="", percent=None, narrative="已按计划推进"
        )
    book = _download(client, report)
    change(book["任务进展"])
    page = _upload(client, report, _saved(book))
    assert "未导入任何内容" in page and f"“任务进展”工作表的表头不对：{problem}" in page
    assert _narratives(report) == ["已按计划推进", "已按计划推进"]


def test_an_upload_with_too_many_rows_or_a_repeated_row_changes_nothing(
    world: World, cycle: Cycle, client_for
) -> None:
    report = cycle.reports.get(unit=world.edu_bureau)
    client = client_for(world.edu_liaison)
    book = _download(client, report)
    _fill_offline(book)
    sheet = book["任务进展"]
    first_task = [cell.value for cell in sheet[2]]  # read once: sheet[2] scans the whole sheet each time
    sheet.append(first_task)  # copied to row 4
    assert "“任务进展”第 4 行：编号" in _upload(client, report, _saved(book))
    for _ in range(workbook.MAX_ROWS):
        sheet.append(first_task)
    assert sheet.max_row == workbook.MAX_ROWS + 4  # a real 5,004-row sheet, not just a declared range
    assert "超过 5000 行" in _upload(client, report, _saved(book))
    assert _narratives(report) == ["", ""]


def test_a_workbook_round_trips_and_another_units_liaison_cannot_upload_into_it(
    world: World, cycle: Cycle, client_for
) -> None:
    report = cycle.reports.get(unit=world.edu_bureau)
    book = _download(client_for(world.edu_liaison), report)
    assert book.sheetnames == ["任务进展", "目标值", "说明"]
    _fill_offline(book)
    book["目标值"].cell(2, 7, 132)
    response = client_for(world.kexie_liaison).post(_url(report), {"file": io.BytesIO(_saved(book))})
    assert response.status_code == 404
    assert _narratives(report) == ["", ""]
    assert "已导入 2 项" in _upload(client_for(world.edu_liaison), report, _saved(book))
    assert _narratives(report) == ["离线填写的进展", "离线填写的进展"]
    assert Entry.objects.get(report=report, task__order=1).values.get().value == 132
