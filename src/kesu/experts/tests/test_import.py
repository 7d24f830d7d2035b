"""Importing experts: every problem named by row and column in Chinese, all or nothing, the same person updated."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from kesu.core.models import AuditEvent
from kesu.core.registry_imports import importer
from kesu.experts import importing
from kesu.experts.models import Appointment, Expert

pytestmark = pytest.mark.django_db

HEADER = "姓名,性别,手机,职称,学科,所在区划代码,推荐单位,科普专长,称号,级别,批次,聘期开始,聘期结束,聘任文号\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\n" for row in rows)).encode("utf-8")


def _run(world: Any, data: bytes, filename: str = "专家.csv", dry_run: bool = False) -> Any:
    return importer("experts").run(None, world.pingdingshan, data, filename, dry_run=dry_run)


def test_a_good_file_creates_experts_with_their_appointments_and_a_second_import_updates_them(
    world: Any,
) -> None:
    data = _csv(
        "张明,男,13812345678,副高,医,410421,市科协,讲座、应急,首席科普专家,市级,第五批,2024-01-01,,平科协〔2024〕3号",
        "李红,女,13812345679,正高,农,,市教体局,创作,科普专家库,市级,,2023/03/01,2025/02/28,",
    )
    result = _run(world, data)
    assert (result.created, result.updated, result.errors) == (2, 0, [])
    zhang = Expert.objects.get(name="张明")
    assert zhang.region.name == "宝丰县" and zhang.recommending_unit == world.kexie
    assert zhang.specialty_list == ["讲座", "应急"] and zhang.phone_masked == "138****5678"
    chief = Appointment.objects.get(expert=zhang)
    assert (str(chief.start), str(chief.end)) == ("2024-01-01", "2028-12-31")  # five years by default
    assert Expert.objects.get(name="李红").recommending_unit == world.edu_bureau  # found by its alias
    again = _run(world, data.replace("讲座、应急".encode(), "媒体".encode()))
    assert (again.created, again.updated) == (0, 1)  # 李红's row is as stored: nothing to update
    assert Expert.objects.count() == 2 and Appointment.objects.count() == 2
    assert Expert.objects.get(name="张明").specialty_list == ["媒体"]
    assert AuditEvent.objects.filter(verb="expert.import").count() == 2


def test_every_bad_row_is_named_with_its_column_and_nothing_is_written(world: Any) -> None:
    data = _csv(
        "张明,男,13812345678,副高,医,999999,,,,,,,,",
        "李红,女,1381234,正高,农,,,,,,,,,",
        "王五,男,13812345677,教授,医,,火星科协,,,,,,,",
        "张明,男,13812345678,副高,医,,,,,,,,,",
        "赵六,男,13812345676,副高,医,370124,,,首席科普专家,市级,,明年,,",
    )
    result = _run(world, data)
    found = {(e.row, e.column): e.message for e in result.errors}
    assert found[(2, "所在区划代码")] == "所在区划代码：区划代码“999999”不存在"
    assert found[(3, "手机")].startswith("手机：手机号应为 11 位")
    assert found[(4, "职称")].startswith("职称：“教授”无效")
    assert found[(4, "推荐单位")].startswith("推荐单位：单位“火星科协”不存在")
    assert found[(5, "手机")] == "手机：与第 2 行重复（同名同手机号）"
    assert found[(6, "所在区划代码")] == "所在区划代码：区划“平阴县”不在平顶山市范围内"
    assert found[(6, "聘期开始")] == "聘期开始：“明年”不是日期，请写成 2024-01-01"
    assert Expert.objects.count() == 0 and not AuditEvent.objects.filter(verb="expert.import").exists()


def test_a_file_over_the_limit_and_a_broken_xlsx_are_refused_in_chinese(world: Any) -> None:
    big = _run(world, b"x" * (60 * 1024 * 1024), "专家.csv")
    assert big.errors and "MB" in big.errors[0].message and Expert.objects.count() == 0
    broken = _run(world, b"PK\x03\x04 not really a workbook", "专家.xlsx")
    assert broken.errors and "无法打开该 Excel 文件" in broken.errors[0].message


def test_an_xlsx_from_the_downloaded_template_imports(world: Any, client_for: Any) -> None:
    response = client_for(world.pds_office).get("/experts/import/template/")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == importing.TEMPLATE_HEADERS
    rows[1][importing.TEMPLATE_HEADERS.index("推荐单位")] = "市科协"
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    result = _run(world, buffer.getvalue(), "专家.xlsx")
    assert result.errors == [] and result.created == 1
    assert client_for(world.pds_leader).get("/experts/import/template/").status_code == 403


def test_the_command_prints_the_json_contract_and_a_dry_run_writes_nothing(
    world: Any, tmp_path: Path, capsys: Any
) -> None:
    path = tmp_path / "专家.csv"
    path.write_bytes(_csv("张明,男,13812345678,副高,医,,,,,,,,,"))
    call_command("import_registry", "experts", str(path), "--region", "410400000000", "--dry-run")
    assert json.loads(capsys.readouterr().out) == {"created": 1, "updated": 0, "errors": []}
    assert Expert.objects.count() == 0
    call_command("import_registry", "experts", str(path), "--region", "410400000000")
    assert json.loads(capsys.readouterr().out)["created"] == 1 and Expert.objects.count() == 1
    path.write_bytes(_csv("张明,男,138,副高,医,,,,,,,,,"))
    with pytest.raises(SystemExit) as exited:
        call_command("import_registry", "experts", str(path), "--region", "410400000000")
    assert exited.value.code == 2
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert errors[0]["row"] == 2 and errors[0]["column"] == "手机"


def test_an_expert_another_office_registered_is_not_taken_over_by_an_import(world: Any) -> None:
    from kesu.experts.testing import make_expert

    theirs = make_expert(world.xinzheng, "张明", "13812345678")
    result = _run(world, _csv("张明,男,13812345678,副高,医,,,,,,,,,"))
    assert result.errors[0].message == "手机：同名同手机号的专家已由其他区划登记，不能在平顶山市导入"
    theirs.refresh_from_db()
    assert theirs.region == world.xinzheng and Expert.objects.count() == 1
