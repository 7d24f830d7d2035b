"""Importing funding lines: the template, all or nothing, errors by row and column in Chinese, the command."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from kesu.core.models import AuditEvent
from kesu.funding import importing
from kesu.funding.models import FundingLine, LineStatus
from kesu.funding.testing import make_line

HEADER = "单位,年度,项目名称,资金性质,是否科普专项,预算数（万元）,到位数（万元）,执行数（万元）,执行说明\n"


def upload(client: Any, name: str, data: bytes) -> Any:
    return client.post("/funding/import/", {"file": SimpleUploadedFile(name, data)})


def test_the_office_downloads_the_template_and_the_template_imports_as_it_is(
    world: Any, client_for: Any
) -> None:
    office = client_for(world.pds_office)
    sheet = load_workbook(io.BytesIO(office.get("/funding/import/template/").content)).active
    rows = [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == importing.TEMPLATE_HEADERS
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    assert upload(office, "模板.xlsx", buffer.getvalue()).status_code == 302
    line = FundingLine.objects.get()
    assert (line.unit, line.name, line.nature, line.is_special) == (
        world.kexie,
        "全国科普日专题活动",
        "special",
        True,
    )
    assert (line.budget, line.spent, line.spent_activities) == (
        Decimal(200_000),
        Decimal(185_000),
        Decimal(150_000),
    )


def test_amounts_under_a_wan_yuan_header_are_stored_in_yuan(world: Any, client_for: Any) -> None:
    data = HEADER + "市教育体育局,2025,科技活动周,财政拨款,否,12.5,12.5,10.3456,\n"
    assert upload(client_for(world.pds_office), "经费.csv", data.encode()).status_code == 302
    line = FundingLine.objects.get()
    assert (line.budget, line.spent) == (Decimal("125000.00"), Decimal("103456.00"))


def test_every_problem_is_named_by_row_and_column_and_nothing_is_written(world: Any, client_for: Any) -> None:
    data = HEADER + (
        "市教育体育局,2025,科技活动周,财政拨款,否,10,5,8,\n"  # spent above received without a note
        "市气象局,2025,气象科普,财政拨款,否,10,10,10,\n"  # not a unit of 平顶山市
        "市科协,二〇二五,科普日,专项,是,-3,0,0,\n"  # a year in words, a negative budget
        "市教育体育局,2025,科技活动周,自筹,否,1,1,1,\n"  # the first row again
        "市科协,2025,科普讲解大赛,科普专项,也许,1,1,1,\n"
    )
    response = upload(client_for(world.pds_office), "经费.csv", data.encode("gbk"))
    page = response.content.decode()
    assert response.status_code == 200 and "没有导入任何数据" in page
    for message in (
        "第 2 行：执行说明：执行数（80,000.00 元）超过到位数（50,000.00 元）",
        "第 3 行：单位：“市气象局”不是您可以填报的单位",
        "第 4 行：年度：“二〇二五”不是年度，应写作 2025",
        "第 4 行：预算数（万元）：预算数不能为负数",
        "第 5 行：项目名称：“科技活动周”与第 2 行重复（同一单位同一年度）",
        "第 6 行：是否科普专项：“也许”应写“是”或“否”",
    ):
        assert message in page, message
    assert (
        not FundingLine.objects.exists()
        and not AuditEvent.objects.filter(verb="funding_line.import").exists()
    )


def test_a_file_with_the_wrong_headers_is_refused_naming_the_missing_columns(
    world: Any, client_for: Any
) -> None:
    data = "姓名,手机\n张三,13800000000\n".encode()
    page = upload(client_for(world.pds_office), "志愿者.csv", data).content.decode()
    assert "文件缺少以下列：单位、年度、项目名称、资金性质。现有列：姓名、手机。" in page
    without_budget = "单位,年度,项目名称,资金性质\n市科协,2025,科普日,专项\n".encode()
    assert (
        "文件缺少以下列：预算数（元）"
        in upload(client_for(world.pds_office), "经费.csv", without_budget).content.decode()
    )
    assert not FundingLine.objects.exists()


def test_a_60_mb_file_is_refused_before_a_row_is_read(world: Any) -> None:
    data = (HEADER + "市科协,2025,科普日,专项,是,1,1,1,\n").encode() + b" " * (60 * 1024 * 1024)
    result = importing.run_import(None, world.pingdingshan, data, "经费.csv", dry_run=False)
    assert "文件" in result.errors[0].message and "MB" in result.errors[0].message
    assert not FundingLine.objects.exists()


def test_an_import_updates_a_line_of_the_same_unit_year_and_name_but_never_a_published_one(
    world: Any, client_for: Any
) -> None:
    make_line(world.edu_bureau, "科技活动周", year=2025)
    make_line(world.kexie, "科普日", year=2025, status=LineStatus.PUBLISHED)
    office = client_for(world.pds_office)
    update = HEADER + "市教育体育局,2025,科技活动周,财政拨款,否,20,20,20,\n"
    assert upload(office, "经费.csv", update.encode()).status_code == 302
    assert FundingLine.objects.get(name="科技活动周").budget == Decimal(200_000)
    locked = HEADER + "市科协,2025,科普日,专项,是,20,20,20,\n"
    page = upload(office, "经费.csv", locked.encode()).content.decode()
    assert "第 2 行：项目名称：市科协 2025 年“科普日”状态为“已公开”，不能通过导入修改" in page
    assert FundingLine.objects.get(name="科普日").budget == Decimal(100_000)


def test_a_liaison_imports_only_its_own_unit_and_another_office_not_into_pingdingshan(
    world: Any, client_for: Any
) -> None:
    other = (HEADER + "市科协,2025,科普日,专项,是,1,1,1,\n").encode()
    page = upload(client_for(world.edu_liaison), "经费.csv", other).content.decode()
    assert "第 2 行：单位：“市科协”不是您可以填报的单位" in page
    data = (HEADER + "市教育体育局,2025,科普日,专项,是,1,1,1,\n").encode()
    page = upload(client_for(world.xz_office), "经费.csv", data).content.decode()
    assert "不是您可以填报的单位" in page  # 新郑市's office imports into 新郑市, where 平顶山's units are not
    assert upload(client_for(world.pds_leader), "经费.csv", data).status_code == 403
    assert not FundingLine.objects.exists()
    assert upload(client_for(world.edu_liaison), "经费.csv", data).status_code == 302
    assert FundingLine.objects.get().unit == world.edu_bureau


def test_kesu_import_registry_funding_checks_with_dry_run_then_stores(
    world: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "经费.csv"
    path.write_bytes((HEADER + "市科协,2025,科普日,专项,是,1,1,1,\n").encode("gbk"))
    call_command("import_registry", "funding", str(path), "--region", "410400000000", "--dry-run")
    assert json.loads(capsys.readouterr().out) == {"created": 1, "updated": 0, "errors": []}
    assert not FundingLine.objects.exists()
    call_command("import_registry", "funding", str(path), "--region", "410400000000")
    assert json.loads(capsys.readouterr().out)["created"] == 1 and FundingLine.objects.count() == 1
    path.write_bytes((HEADER + "市科协,2025,科普日,专项,是,1,-1,1,\n").encode())
    with pytest.raises(SystemExit) as exited:
        call_command("import_registry", "funding", str(path), "--region", "410400000000")
    assert exited.value.code == 2
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert errors[0]["row"] == 2 and errors[0]["column"] == "到位数（万元）"
