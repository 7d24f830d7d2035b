"""The institution import: Chinese messages naming row and column, all or nothing, merged by credit code."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from kesu import tables
from kesu.core.models import AuditEvent
from kesu.venues.importing import run_import, template_xlsx
from kesu.venues.models import Designation, Institution
from kesu.venues.testing import credit_code

pytestmark = pytest.mark.django_db

HEADER = "单位名称,统一社会信用代码,所在区划,主管/推荐单位,体系,级别,批次,有效期起,有效期止,联系电话\n"


def row(
    name: str,
    number: int,
    *,
    region: str = "宝丰县",
    unit: str = "市科协",
    level: str = "市级",
    system: str = "科协",
    years: str = "2023,2027",
    phone: str = "",
) -> str:
    return f"{name},{credit_code(number)},{region},{unit},{system},{level},{years[:4]}年度,{years},{phone}\n"


def bad_code(number: int) -> str:
    good = credit_code(number)
    return good[:-1] + ("1" if good[-1] != "1" else "2")


def imported(world: Any, text: str, *, dry_run: bool = False, actor: Any = None) -> Any:
    return run_import(actor, world.pingdingshan, text.encode(), "基地.csv", dry_run=dry_run)


def test_rows_of_one_credit_code_become_one_institution_with_its_designations(world: Any) -> None:
    result = imported(
        world, HEADER + row("市科技馆", 1) + row("市科技馆", 1, system="科技", years="2024,2028")
    )
    assert result.ok and (result.created, result.updated) == (1, 0)
    institution = Institution.objects.get()
    assert institution.unit == world.kexie and institution.region.name == "宝丰县"
    assert sorted(institution.designations.values_list("system", flat=True)) == ["keji", "kexie"]


def test_importing_again_updates_and_never_doubles(world: Any) -> None:
    imported(world, HEADER + row("市科技馆", 1) + row("市青少年宫", 2))
    result = imported(world, HEADER + row("平顶山市科技馆", 1) + row("市天文馆", 3))
    assert (result.created, result.updated) == (1, 1)
    assert Institution.objects.count() == 3 and Designation.objects.count() == 3
    assert Institution.objects.get(credit_code=credit_code(1)).name == "平顶山市科技馆"


def test_a_dry_run_counts_and_writes_nothing(world: Any) -> None:
    result = imported(world, HEADER + row("市科技馆", 1), dry_run=True)
    assert (result.created, result.updated, result.errors) == (1, 0, [])
    assert not Institution.objects.exists()


@pytest.mark.parametrize(
    ("line", "column", "words"),
    [
        (
            f"市科技馆,{bad_code(1)},宝丰县,市科协,科协,市级,2023年度,2023,2027,\n",
            "统一社会信用代码",
            "校验位不正确",
        ),
        (row("市科技馆", 1, region="火星区"), "所在区划", "不是平顶山市或其下级的区划"),
        (row("市科技馆", 1, region="新郑市"), "所在区划", "不是平顶山市或其下级的区划"),
        (row("市科技馆", 1, unit="市宇航局"), "主管/推荐单位", "请先在单位名录中添加"),
        (row("市科技馆", 1, years="2023,2030"), "有效期止", "超过一个批次的 5 年"),
        (row("市科技馆", 1, years="2027,2023"), "有效期止", "早于有效期起"),
        (row("市科技馆", 1, level="乡级"), "级别", "无效"),
    ],
)
def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_written(
    world: Any, line: str, column: str, words: str
) -> None:
    result = imported(world, HEADER + row("市青少年宫", 2) + line)
    assert not result.ok
    error = result.errors[0]
    assert (error.row, error.column) == (3, column) and words in error.message
    assert (
        not Institution.objects.exists() and not AuditEvent.objects.filter(verb="institution.import").exists()
    )


def test_a_duplicate_row_is_refused(world: Any) -> None:
    result = imported(world, HEADER + row("市科技馆", 1) + row("市科技馆", 1))
    assert [(e.row, e.column) for e in result.errors] == [(3, "统一社会信用代码")]
    assert "与第 2 行重复" in result.errors[0].message
    assert not Institution.objects.exists()


def test_one_credit_code_with_two_names_is_refused(world: Any) -> None:
    result = imported(world, HEADER + row("市科技馆", 1) + row("市天文馆", 1, system="科技"))
    assert "单位名称不同" in result.errors[0].message and not Institution.objects.exists()


def test_a_60_mb_file_is_refused_before_reading(world: Any) -> None:
    data = (HEADER + row("市科技馆", 1)).encode() + b" " * (60 * 1024 * 1024)
    result = run_import(None, world.pingdingshan, data, "基地.csv", dry_run=False)
    assert "超过" in result.errors[0].message and not Institution.objects.exists()


def test_a_broken_xlsx_is_refused_in_chinese(world: Any) -> None:
    result = run_import(
        None, world.pingdingshan, b"PK\x03\x04 not really a workbook", "基地.xlsx", dry_run=False
    )
    assert not result.ok and "xlsx" in result.errors[0].message.lower() or "文件" in result.errors[0].message
    assert not Institution.objects.exists()


def test_an_office_cannot_overwrite_an_institution_registered_outside_its_subtree(world: Any) -> None:
    run_import(
        None,
        world.xinzheng,
        (HEADER + row("新郑科技馆", 1, region="新郑市", unit="")).encode(),
        "a.csv",
        dry_run=False,
    )
    result = imported(world, HEADER + row("市科技馆", 1), actor=world.pds_office)
    assert "不在本级管理范围内" in result.errors[0].message
    assert Institution.objects.get().name == "新郑科技馆"


def test_the_template_reads_back_as_a_clean_import(world: Any) -> None:
    result = run_import(None, world.pingdingshan, template_xlsx(), "模板.xlsx", dry_run=True)
    assert result.ok, result.errors


def test_queries_grow_with_batches_not_rows(world: Any) -> None:
    def cost(count: int, start: int) -> int:
        text = HEADER + "".join(row(f"基地{i}", i) for i in range(start, start + count))
        with CaptureQueriesContext(connection) as queries:
            assert imported(world, text).ok
        return len(queries)

    small, large = cost(20, 20_000), cost(600, 10_000)
    assert large < 60, large  # 600 rows: a few dozen statements at most (SQLite batches are the smallest)
    assert large - small < 600 / 10


def test_the_import_page_offers_the_template_and_imports_for_the_office(world: Any, client_for: Any) -> None:
    client = client_for(world.pds_office)
    assert client.get("/bases/import/template/").status_code == 200
    upload = SimpleUploadedFile("基地.csv", (HEADER + row("市科技馆", 1)).encode("gbk"))
    assert client.post("/bases/import/", {"file": upload}).status_code == 302
    assert client_for(world.edu_liaison).get("/bases/import/").status_code == 403


def test_the_command_prints_json_and_exits_0_when_clean(world: Any, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "基地.csv"
    path.write_text(HEADER + row("市科技馆", 1), encoding="utf-8")
    call_command("import_registry", "bases", str(path), "--region", "410400000000")
    assert json.loads(capsys.readouterr().out) == {"created": 1, "updated": 0, "errors": []}
    assert Institution.objects.count() == 1


def test_the_command_exits_2_and_writes_nothing_on_any_problem(
    world: Any, tmp_path: Path, capsys: Any
) -> None:
    path = tmp_path / "基地.csv"
    path.write_text(HEADER + row("市科技馆", 1) + row("市科技馆", 1), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        call_command("import_registry", "bases", str(path), "--region", "410400000000")
    assert exit_.value.code == 2
    out = json.loads(capsys.readouterr().out)
    assert (
        out["created"] == 0
        and out["errors"][0]["row"] == 3
        and out["errors"][0]["column"] == "统一社会信用代码"
    )
    assert not Institution.objects.exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["bases", "missing.csv", "--region", "410400000000"], "无法读取"),
        (["rockets", "x.csv", "--region", "410400000000"], "没有“rockets”"),
        (["bases", "x.csv", "--region", "999"], "不存在"),
    ],
)
def test_the_command_names_a_wrong_kind_region_or_file(
    world: Any, args: list[str], words: str, capsys: Any
) -> None:
    with pytest.raises(SystemExit) as exit_:
        call_command("import_registry", *args)
    assert exit_.value.code == 2 and words in capsys.readouterr().out


def test_a_dry_run_of_the_command_writes_nothing(world: Any, tmp_path: Path, capsys: Any) -> None:
    book = Workbook()
    book.active.append(["单位名称", "统一社会信用代码", "所在区划"])
    book.active.append(["市科技馆", credit_code(1), "410402000000"])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "基地.xlsx"
    path.write_bytes(buffer.getvalue())
    call_command("import_registry", "bases", str(path), "--region", "410400000000", "--dry-run")
    assert json.loads(capsys.readouterr().out)["created"] == 1 and not Institution.objects.exists()


def test_a_held_file_is_imported_by_its_job_and_removed_and_a_bad_one_stores_nothing(world: Any) -> None:
    from pathlib import Path

    from kesu.core import uploads
    from kesu.core.models import Job
    from kesu.venues.job_kinds import IMPORT_JOB, import_institution_file

    def job_for(text: str) -> Job:
        held = uploads.hold(text.encode(), "基地.csv")
        params = {"path": held, "filename": "基地.csv"}
        return Job.objects.create(
            kind=IMPORT_JOB,
            title="导入",
            params=params,
            created_by=world.pds_office,
            region=world.pingdingshan,
        )

    said: list[str] = []
    good = job_for(HEADER + row("市科技馆", 1) + row("宝丰县科普馆", 2))
    import_institution_file(good, lambda percent, message: said.append(message))
    assert Institution.objects.count() == 2 and said[-1] == "已导入：新增 2 个单位，更新 0 个单位"
    assert not Path(good.params["path"]).exists()  # the held file goes with its job
    bad = job_for(HEADER + row("叶县科普馆", 3) + row("鲁山县科普馆", 4, region="火星"))
    with pytest.raises(tables.TableError):
        import_institution_file(bad, lambda percent, message: None)
    assert Institution.objects.count() == 2 and not Path(bad.params["path"]).exists()
